package dev.freight.api;

import dev.freight.testing.TestDatabases;

class PostgresTenantIsolationTest extends TenantIsolationContract {

    @Override
    TestDatabases database() {
        return TestDatabases.POSTGRESQL;
    }
}
