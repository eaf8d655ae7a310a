package dev.freight.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.freight.store.postgres.PostgresDialect;
import dev.freight.testing.TestDatabases;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import org.flywaydb.core.api.FlywayException;
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

    /**
     * V32 builds its indexes with CREATE INDEX CONCURRENTLY, outside a transaction. A build stopped half way (here the
     * third one's wait for a writer's open transaction, cancelled by lock_timeout, as a kill or a lost connection would
     * stop it) leaves that index INVALID and the migration not applied; the next start drops the invalid index and
     * builds it again, and keeps the two built before.
     */
    @Test
    void aV32IndexBuildStoppedHalfWayIsBuiltAgainAtTheNextStart() throws Exception {
        migrateTo("30");
        insert(organization(), importRow("imp_1", "merge", "completed", 100, null, null));
        String url = ((HikariDataSource) db.dataSource()).getJdbcUrl();

        try (Connection writer = db.dataSource().getConnection()) {
            writer.setAutoCommit(false);
            try (Statement s = writer.createStatement()) {
                s.execute("update imports set updated_at = 101 where id = 'imp_1'");
            }
            try (Database impatient = Database.open(new PostgresDialect(),
                    url + "?options=-c%20lock_timeout%3D1000", "postgres", null)) {
                assertThatThrownBy(impatient::migrate).isInstanceOf(FlywayException.class)
                        .hasMessageContaining("Failed to execute script V32__history_indexes.sql")
                        .hasMessageContaining("canceling statement due to lock timeout");
            }
            writer.rollback();
        }
        assertThat(validity()).containsExactly("imports_organization_status|false", "parsed_files_created|true",
                "validation_files_deleted|true");

        migrateToLatest();

        assertThat(validity()).containsExactly("imports_organization_status|true", "parsed_files_created|true",
                "validation_files_deleted|true");
        assertThat(indexDefinition("imports_organization_status")).contains("CREATE INDEX imports_organization_status"
                + " ON public.imports USING btree (organization_id, status, id)");
        assertThat(rows("select version, success from flyway_schema_history where version in ('30', '32') order by installed_rank"))
                .containsExactly("30|t", "32|t");
    }

    /**
     * Only the failed migration's record is removed at the next start: an applied migration whose script changed since
     * is still refused, as Flyway refuses it at any start (its repair would have realigned the checksum in silence).
     */
    @Test
    void theNextStartAfterAFailedV32StillRefusesAnAppliedMigrationThatChanged() throws Exception {
        migrateTo("30");
        insert(organization(), importRow("imp_1", "merge", "completed", 100, null, null));
        String url = ((HikariDataSource) db.dataSource()).getJdbcUrl();
        try (Connection writer = db.dataSource().getConnection()) {
            writer.setAutoCommit(false);
            try (Statement s = writer.createStatement()) {
                s.execute("update imports set updated_at = 101 where id = 'imp_1'");
            }
            try (Database impatient = Database.open(new PostgresDialect(),
                    url + "?options=-c%20lock_timeout%3D1000", "postgres", null)) {
                assertThatThrownBy(impatient::migrate).isInstanceOf(FlywayException.class);
            }
            writer.rollback();
        }
        insert("update flyway_schema_history set checksum = checksum + 1 where version = '30'");

        assertThatThrownBy(this::migrateToLatest).isInstanceOf(FlywayException.class)
                .hasMessageContaining("Migration checksum mismatch for migration version 30");
        assertThat(rows("select version, success from flyway_schema_history where version in ('30', '32')"
                + " order by installed_rank")).containsExactly("30|t");
    }

    /**
     * V33 builds its indexes as V32 does. Its first build, stopped waiting for a writer's open transaction on imports,
     * leaves that index INVALID, the other two not yet built, and the migration not applied; the next start builds the
     * three.
     */
    @Test
    void aV33IndexBuildStoppedHalfWayIsBuiltAgainAtTheNextStart() throws Exception {
        migrateTo("32");
        insert(organization(), importRow("imp_1", "merge", "completed", 100, null, null));
        String url = ((HikariDataSource) db.dataSource()).getJdbcUrl();

        try (Connection writer = db.dataSource().getConnection()) {
            writer.setAutoCommit(false);
            try (Statement s = writer.createStatement()) {
                s.execute("update imports set updated_at = 101 where id = 'imp_1'");
            }
            try (Database impatient = Database.open(new PostgresDialect(),
                    url + "?options=-c%20lock_timeout%3D1000", "postgres", null)) {
                assertThatThrownBy(impatient::migrate).isInstanceOf(FlywayException.class)
                        .hasMessageContaining("Failed to execute script V33__list_indexes.sql")
                        .hasMessageContaining("canceling statement due to lock timeout");
            }
            writer.rollback();
        }
        assertThat(v33Validity()).containsExactly("imports_organization_resource|false");

        migrateToLatest();

        assertThat(v33Validity()).containsExactly("imports_organization_resource|true",
                "imports_organization_resource_source|true", "imports_organization_resource_status|true");
        assertThat(indexDefinition("imports_organization_resource")).contains("CREATE INDEX"
                + " imports_organization_resource ON public.imports USING btree (organization_id, resource, id)");
        assertThat(indexDefinition("imports_organization_resource_status")).contains("CREATE INDEX"
                + " imports_organization_resource_status ON public.imports USING btree (organization_id, resource,"
                + " status, id)");
        assertThat(indexDefinition("imports_organization_resource_source")).contains("CREATE INDEX"
                + " imports_organization_resource_source ON public.imports USING btree (organization_id, resource,"
                + " source, id)");
        assertThat(rows("select version, success from flyway_schema_history where version in ('32', '33')"
                + " order by installed_rank")).containsExactly("32|t", "33|t");
    }

    /** V33's indexes that exist, each with whether it is valid. */
    private List<String> v33Validity() {
        return rows("""
                select c.relname, case when i.indisvalid then 'true' else 'false' end
                from pg_index i join pg_class c on c.oid = i.indexrelid
                where c.relname like 'imports\\_organization\\_resource%'
                order by c.relname""");
    }

    /** V32's indexes that exist, each with whether it is valid. */
    private List<String> validity() {
        return rows("""
                select c.relname, case when i.indisvalid then 'true' else 'false' end
                from pg_index i join pg_class c on c.oid = i.indexrelid
                where c.relname in ('imports_organization_status', 'parsed_files_created', 'validation_files_deleted')
                order by c.relname""");
    }
}
