package dev.freight.api;

import dev.freight.testing.TestDatabases;

class SqliteRoundTripTest extends RoundTripContract {

    @Override
    TestDatabases database() {
        return TestDatabases.SQLITE;
    }
}
