package dev.freight.engine;

import dev.freight.testing.TestDatabases;

class SqliteImportPipelineTest extends ImportPipelineContract {

    @Override
    TestDatabases databases() {
        return TestDatabases.SQLITE;
    }
}
