package dev.freight.jobs;

import dev.freight.testing.TestDatabases;

class SqliteStrandedJobsTest extends StrandedJobsContract {

    @Override
    TestDatabases database() {
        return TestDatabases.SQLITE;
    }
}
