package dev.freight.store;

import dev.freight.testing.TestDatabases;

class SqliteSweepReadsTest extends SweepReadsContract {

    @Override
    TestDatabases databases() {
        return TestDatabases.SQLITE;
    }
}
