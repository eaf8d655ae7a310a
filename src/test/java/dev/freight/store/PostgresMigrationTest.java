package dev.freight.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.testing.TestDatabases;
import org.junit.jupiter.api.Test;

class PostgresMigrationTest extends MigrationContract {

    @Override
    TestDatabases databases() {
        return TestDatabases.POSTGRESQL;
    }

    @Override
    String seenKeysIndexDefinition() {
        return "CREATE INDEX imports_with_seen_keys ON public.imports USING btree (id) WHERE has_seen_keys";
    }

    @Override
    String keptValidationFilesIndexDefinition() {
        return "CREATE INDEX validation_files_kept ON public.validation_files USING btree (finished_at, id)"
                + " WHERE (deleted_at IS NULL)";
    }

    @Test
    void migrationV7KeepsEveryStoredRecordWhenItRewritesTheirIdsInTheCCollation() {
        migrateTo("6");
        insert(organization(), """
                insert into records (id, organization_id, object, external_id, data, created_at, updated_at, version,
                                     created_by_import)
                values ('vndr_1', 'org_1', 'vendor', 'v-1', '{"name": "Acme"}', 10, 20, 3, 'imp_1'),
                       ('vndr_2', 'org_1', 'vendor', null, '{}', 11, 11, 1, null)""");

        migrateToLatest();

        assertThat(rows("""
                select id, organization_id, object, external_id, data, created_at, updated_at, version,
                       created_by_import
                from records order by id""")).containsExactly(
                "vndr_1|org_1|vendor|v-1|{\"name\": \"Acme\"}|10|20|3|imp_1",
                "vndr_2|org_1|vendor|null|{}|11|11|1|null");
        assertThat(rows("""
                select collation_name from information_schema.columns
                where table_schema = current_schema() and table_name = 'records' and column_name = 'id'"""))
                .containsExactly("C");
        assertThat(rows("""
                select indexname from pg_indexes where schemaname = current_schema() and tablename = 'records'
                order by indexname""")).containsExactly("records_organization_id_object_external_id_key",
                "records_pkey");
    }
}
