package dev.freight.api;

import dev.freight.testing.TestDatabases;

class PostgresImportsApiTest extends ImportsApiContract {

    @Override
    TestDatabases database() {
        return TestDatabases.POSTGRESQL;
    }
}
