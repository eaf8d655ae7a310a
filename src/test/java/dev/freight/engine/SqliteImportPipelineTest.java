package dev.freight.engine;

import dev.freight.testing.TestDatabases;

class SqliteImportPipelineTest extends ImportPipelineContract {

    @Override
    TestDatabases databases() {
        return TestDatabases.SQLITE;
    }

    @Override
    String failingTriggerSql() {
        return """
                create trigger if not exists fail_boom before insert on records
                when new.external_id = 'boom'
                begin select raise(abort, 'boom'); end""";
    }
}
