package dev.freight.store;

import dev.freight.testing.TestDatabases;

class PostgresSchemaStoreTest extends SchemaStoreContract {

    @Override
    TestDatabases databases() {
        return TestDatabases.POSTGRESQL;
    }
}
