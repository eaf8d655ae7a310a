package dev.freight.jobs;

import dev.freight.testing.TestDatabases;

class SqliteValidationFileSweeperTest extends ValidationFileSweeperContract {

    @Override
    TestDatabases database() {
        return TestDatabases.SQLITE;
    }
}
