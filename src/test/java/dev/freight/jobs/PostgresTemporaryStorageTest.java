package dev.freight.jobs;

import dev.freight.testing.TestDatabases;

class PostgresTemporaryStorageTest extends TemporaryStorageContract {

    @Override
    TestDatabases database() {
        return TestDatabases.POSTGRESQL;
    }
}
