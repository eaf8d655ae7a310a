package dev.freight.store;

import dev.freight.testing.TestDatabases;

class SqliteTenantAndReportStoreTest extends TenantAndReportStoreContract {

    @Override
    TestDatabases databases() {
        return TestDatabases.SQLITE;
    }
}
