package dev.freight.jobs;

import dev.freight.testing.TestDatabases;

class PostgresValidationFileSweeperTest extends ValidationFileSweeperContract {

    @Override
    TestDatabases database() {
        return TestDatabases.POSTGRESQL;
    }
}
