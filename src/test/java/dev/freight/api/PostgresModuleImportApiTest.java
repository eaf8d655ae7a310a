package dev.freight.api;

import dev.freight.testing.TestDatabases;

class PostgresModuleImportApiTest extends ModuleImportApiContract {

    @Override
    TestDatabases database() {
        return TestDatabases.POSTGRESQL;
    }
}
