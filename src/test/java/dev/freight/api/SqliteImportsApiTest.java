package dev.freight.api;

import dev.freight.testing.TestDatabases;

class SqliteImportsApiTest extends ImportsApiContract {

    @Override
    TestDatabases database() {
        return TestDatabases.SQLITE;
    }
}
