package dev.freight.api;

import dev.freight.testing.TestDatabases;

class PostgresExportApiTest extends ExportApiContract {

    @Override
    TestDatabases database() {
        return TestDatabases.POSTGRESQL;
    }
}
