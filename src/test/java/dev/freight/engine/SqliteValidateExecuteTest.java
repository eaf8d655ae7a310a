package dev.freight.engine;

import dev.freight.testing.TestDatabases;

class SqliteValidateExecuteTest extends ValidateExecuteContract {

    @Override
    TestDatabases databases() {
        return TestDatabases.SQLITE;
    }
}
