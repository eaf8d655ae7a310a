package dev.freight.api;

import dev.freight.testing.TestDatabases;

class SqliteImportApiTest extends ImportApiContract {

    @Override
    TestDatabases database() {
        return TestDatabases.SQLITE;
    }

    @Override
    String failingTriggerSql() {
        return """
                create trigger if not exists fail_boom before insert on records
                when new.external_id = 'boom-trigger'
                begin select raise(abort, 'boom'); end""";
    }
}
