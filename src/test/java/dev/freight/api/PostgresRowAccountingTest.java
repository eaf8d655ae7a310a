package dev.freight.api;

import dev.freight.testing.TestDatabases;

class PostgresRowAccountingTest extends RowAccountingContract {

    @Override
    TestDatabases database() {
        return TestDatabases.POSTGRESQL;
    }
}
