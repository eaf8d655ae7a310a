package dev.freight.engine;

import dev.freight.testing.TestDatabases;

class SqliteDuplicateCheckTest extends DuplicateCheckContract {

    @Override
    TestDatabases databases() {
        return TestDatabases.SQLITE;
    }
}
