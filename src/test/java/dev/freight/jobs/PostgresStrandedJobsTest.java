package dev.freight.jobs;

import dev.freight.testing.TestDatabases;

class PostgresStrandedJobsTest extends StrandedJobsContract {

    @Override
    TestDatabases database() {
        return TestDatabases.POSTGRESQL;
    }
}
