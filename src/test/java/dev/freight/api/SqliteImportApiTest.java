package dev.freight.api;

import dev.freight.testing.TestDatabases;

class SqliteImportApiTest extends ImportApiContract {

    @Override
    TestDatabases database() {
        return TestDatabases.SQLITE;
    }
}
