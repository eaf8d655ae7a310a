package dev.freight.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.testing.TestDatabases;
import org.junit.jupiter.api.Test;

class SqliteMigrationTest extends MigrationContract {

    @Override
    TestDatabases databases() {
        return TestDatabases.SQLITE;
    }

    @Override
    String seenKeysIndexDefinition() {
        return "CREATE INDEX imports_with_seen_keys on imports (id) where has_seen_keys";
    }

    @Override
    String keptValidationFilesIndexDefinition() {
        return "CREATE INDEX validation_files_kept on validation_files (finished_at, id) where deleted_at is null";
    }

    @Test
    void migrationV9KeepsEveryStoredRecordWhenItRebuildsTheTable() {
        migrateTo("6");
        insert(organization(), """
                insert into records (id, organization_id, object, external_id, data, created_at, updated_at, version,
                                     created_by_import)
                values ('vndr_1', 'org_1', 'vendor', 'v-1', '{"name":"Acme"}', 10, 20, 3, 'imp_1'),
                       ('vndr_2', 'org_1', 'vendor', null, '{}', 11, 11, 1, null)""");

        migrateToLatest();

        assertThat(rows("""
                select id, organization_id, object, external_id, data, created_at, updated_at, version,
                       created_by_import
                from records order by id""")).containsExactly(
                "vndr_1|org_1|vendor|v-1|{\"name\":\"Acme\"}|10|20|3|imp_1",
                "vndr_2|org_1|vendor|null|{}|11|11|1|null");
        assertThat(rows("select name from sqlite_master where type = 'index' and tbl_name = 'records' order by name"))
                .containsExactly("records_by_id", "sqlite_autoindex_records_1");
    }
}
