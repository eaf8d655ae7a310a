package dev.freight.api;

import dev.freight.testing.TestDatabases;

class SqliteRowAccountingTest extends RowAccountingContract {

    @Override
    TestDatabases database() {
        return TestDatabases.SQLITE;
    }
}
