package dev.freight.store;

import dev.freight.testing.TestDatabases;

class SqliteSchemaStoreTest extends SchemaStoreContract {

    @Override
    TestDatabases databases() {
        return TestDatabases.SQLITE;
    }
}
