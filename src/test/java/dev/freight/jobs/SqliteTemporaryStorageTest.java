package dev.freight.jobs;

import dev.freight.testing.TestDatabases;

class SqliteTemporaryStorageTest extends TemporaryStorageContract {

    @Override
    TestDatabases database() {
        return TestDatabases.SQLITE;
    }
}
