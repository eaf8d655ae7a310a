package dev.freight.api;

import dev.freight.testing.TestDatabases;

class SqliteModuleImportApiTest extends ModuleImportApiContract {

    @Override
    TestDatabases database() {
        return TestDatabases.SQLITE;
    }
}
