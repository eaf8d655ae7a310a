package dev.freight.api;

import dev.freight.testing.TestDatabases;

class SqliteTenantIsolationTest extends TenantIsolationContract {

    @Override
    TestDatabases database() {
        return TestDatabases.SQLITE;
    }
}
