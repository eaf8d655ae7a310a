package dev.freight.api;

import dev.freight.testing.TestDatabases;

class PostgresImportApiTest extends ImportApiContract {

    @Override
    TestDatabases database() {
        return TestDatabases.POSTGRESQL;
    }
}
