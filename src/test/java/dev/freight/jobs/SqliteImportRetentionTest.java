package dev.freight.jobs;

import dev.freight.testing.TestDatabases;

class SqliteImportRetentionTest extends ImportRetentionContract {

    @Override
    TestDatabases database() {
        return TestDatabases.SQLITE;
    }
}
