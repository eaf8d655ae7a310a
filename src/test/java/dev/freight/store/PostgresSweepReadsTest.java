package dev.freight.store;

import dev.freight.testing.TestDatabases;

class PostgresSweepReadsTest extends SweepReadsContract {

    @Override
    TestDatabases databases() {
        return TestDatabases.POSTGRESQL;
    }
}
