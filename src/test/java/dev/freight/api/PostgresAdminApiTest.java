package dev.freight.api;

import dev.freight.testing.TestDatabases;

class PostgresAdminApiTest extends AdminApiContract {

    @Override
    TestDatabases database() {
        return TestDatabases.POSTGRESQL;
    }
}
