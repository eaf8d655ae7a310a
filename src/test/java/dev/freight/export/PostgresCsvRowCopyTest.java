package dev.freight.export;

import dev.freight.testing.TestDatabases;

class PostgresCsvRowCopyTest extends CsvRowCopyContract {

    @Override
    TestDatabases databases() {
        return TestDatabases.POSTGRESQL;
    }
}
