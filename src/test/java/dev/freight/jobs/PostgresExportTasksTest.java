package dev.freight.jobs;

import dev.freight.testing.TestDatabases;

class PostgresExportTasksTest extends ExportTasksContract {

    @Override
    TestDatabases database() {
        return TestDatabases.POSTGRESQL;
    }
}
