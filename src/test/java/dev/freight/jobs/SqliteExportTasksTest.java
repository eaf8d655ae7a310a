package dev.freight.jobs;

import dev.freight.testing.TestDatabases;

class SqliteExportTasksTest extends ExportTasksContract {

    @Override
    TestDatabases database() {
        return TestDatabases.SQLITE;
    }
}
