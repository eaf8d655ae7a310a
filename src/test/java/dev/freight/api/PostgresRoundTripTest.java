package dev.freight.api;

import dev.freight.testing.TestDatabases;

class PostgresRoundTripTest extends RoundTripContract {

    @Override
    TestDatabases database() {
        return TestDatabases.POSTGRESQL;
    }
}
