package dev.freight.api;

import dev.freight.testing.TestDatabases;

class SqliteExportApiTest extends ExportApiContract {

    @Override
    TestDatabases database() {
        return TestDatabases.SQLITE;
    }
}
