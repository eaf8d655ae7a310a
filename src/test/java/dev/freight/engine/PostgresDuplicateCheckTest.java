package dev.freight.engine;

import dev.freight.testing.TestDatabases;

class PostgresDuplicateCheckTest extends DuplicateCheckContract {

    @Override
    TestDatabases databases() {
        return TestDatabases.POSTGRESQL;
    }
}
