package dev.freight.engine;

import dev.freight.testing.TestDatabases;

class PostgresImportPipelineTest extends ImportPipelineContract {

    @Override
    TestDatabases databases() {
        return TestDatabases.POSTGRESQL;
    }
}
