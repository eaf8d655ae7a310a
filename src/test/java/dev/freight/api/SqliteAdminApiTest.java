package dev.freight.api;

import dev.freight.testing.TestDatabases;

class SqliteAdminApiTest extends AdminApiContract {

    @Override
    TestDatabases database() {
        return TestDatabases.SQLITE;
    }
}
