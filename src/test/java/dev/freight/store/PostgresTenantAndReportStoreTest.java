package dev.freight.store;

import dev.freight.testing.TestDatabases;

class PostgresTenantAndReportStoreTest extends TenantAndReportStoreContract {

    @Override
    TestDatabases databases() {
        return TestDatabases.POSTGRESQL;
    }
}
