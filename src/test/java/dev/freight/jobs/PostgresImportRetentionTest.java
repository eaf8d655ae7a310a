package dev.freight.jobs;

import dev.freight.testing.TestDatabases;

class PostgresImportRetentionTest extends ImportRetentionContract {

    @Override
    TestDatabases database() {
        return TestDatabases.POSTGRESQL;
    }
}
