package dev.freight.export;

import dev.freight.testing.TestDatabases;

class SqliteCsvRowCopyTest extends CsvRowCopyContract {

    @Override
    TestDatabases databases() {
        return TestDatabases.SQLITE;
    }
}
