package dev.freight.engine;

import dev.freight.testing.TestDatabases;

class PostgresImportPipelineTest extends ImportPipelineContract {

    @Override
    TestDatabases databases() {
        return TestDatabases.POSTGRESQL;
    }

    @Override
    String failingTriggerSql() {
        return """
                create or replace function fail_boom() returns trigger language plpgsql as $$
                begin
                  if new.external_id = 'boom' then raise exception 'boom'; end if;
                  return new;
                end $$;
                drop trigger if exists fail_boom on records;
                create trigger fail_boom before insert on records for each row execute function fail_boom()""";
    }
}
