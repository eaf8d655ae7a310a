package dev.freight.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.Value;
import dev.freight.testing.TestDatabases;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The migrations that change rows already stored, run over such rows: a fresh database is migrated up to the version
 * before the migration (Flyway's target), given rows in plain SQL as that version's schema held them (the store's code
 * writes the latest schema only), then migrated to the latest, and every row is read back exactly. One subclass per
 * database.
 *
 * <p>The migrations that change existing rows: V2 (records get version 1), V3 (records get no creating import), V13
 * (ended imports get finished_at), V15 and V21 (links get shared 0 and null row columns), V20 (validation files count
 * as finished, deleted ones as expired), V27 (overwrites not purged are marked as having seen keys), V29 (Import API
 * batches that ended get finished_at); PostgreSQL's V7
 * (records.id rewritten in the "C" collation) and SQLite's V9 (the records table rebuilt) keep the rows they rewrite.
 * The others create tables, indexes or nullable columns only; V35's, the creating import and creation time of the
 * records a change log deleted, are read back as null from the entries logged before, which re-create records as
 * before V35.
 */
abstract class MigrationContract {

    private static final AtomicInteger DATABASES = new AtomicInteger();

    abstract TestDatabases databases();

    /** {@code imports_with_seen_keys} (V27) as {@link TestDatabases#indexDefinition} gives it. */
    abstract String seenKeysIndexDefinition();

    /** {@code validation_files_kept} (V20) as {@link TestDatabases#indexDefinition} gives it. */
    abstract String keptValidationFilesIndexDefinition();

    Database db;

    @BeforeEach
    void emptyDatabase() {
        db = databases().openUnmigrated("migrations_" + DATABASES.incrementAndGet());
    }

    @AfterEach
    void closeDatabase() {
        db.close();
    }

    @Test
    void recordsStoredBeforeVersionsStartAtVersionOneWithNoCreatingImportAndKeepTheirValues() {
        migrateTo("1");
        insert(organization(),
                """
                insert into records (id, organization_id, object, external_id, data, created_at, updated_at)
                values ('vndr_0001', 'org_1', 'vendor', 'v-1', '{"name": "Acme", "website": "https://acme.test"}', 10,
                        20),
                       ('vndr_0002', 'org_1', 'vendor', null, '{"name": "Beta"}', 11, 11)""");

        migrateToLatest();

        List<StoredRecord> stored = db.withHandle(h -> new RecordStore(new IdGenerator(Clock.systemUTC()),
                Clock.systemUTC()).page(h, "org_1", BuiltInObjects.VENDOR, null, null, 10, null));
        assertThat(stored).containsExactly(
                new StoredRecord("vndr_0001", "org_1", "vendor", "v-1",
                        Map.of("name", new Value.Text("Acme"), "website", new Value.Text("https://acme.test")),
                        Instant.ofEpochMilli(10), Instant.ofEpochMilli(20)),
                new StoredRecord("vndr_0002", "org_1", "vendor", null, Map.of("name", new Value.Text("Beta")),
                        Instant.ofEpochMilli(11), Instant.ofEpochMilli(11)));
        assertThat(rows("select id, version, created_by_import from records order by id")).containsExactly(
                "vndr_0001|1|null",
                "vndr_0002|1|null");
    }

    @Test
    void importsThatEndedBeforeV13FinishedWhenTheyWereLastUpdated() {
        migrateTo("12");
        insert(organization(),
                importRow("imp_requested", "merge", "requested", 100, null, null),
                importRow("imp_queued", "merge", "queued", 101, null, null),
                importRow("imp_processing", "merge", "processing", 102, null, null),
                importRow("imp_completed", "merge", "completed", 103, null, null),
                importRow("imp_failed", "overwrite", "failed", 104, null, null),
                importRow("imp_timed_out", "merge", "timed_out", 105, null, null),
                importRow("imp_expired", "delete", "expired", 106, null, 500L),
                // Rolled back at 900: updated_at is the rollback's time, and the back-fill cannot tell when it ended.
                importRow("imp_rolled_back", "merge", "completed", 900, 900L, null));

        migrateToLatest();

        assertThat(rows("select id, status, updated_at, finished_at from imports order by id")).containsExactly(
                "imp_completed|completed|103|103",
                "imp_expired|expired|106|106",
                "imp_failed|failed|104|104",
                "imp_processing|processing|102|null",
                "imp_queued|queued|101|null",
                "imp_requested|requested|100|null",
                "imp_rolled_back|completed|900|900",
                "imp_timed_out|timed_out|105|105");
    }

    @Test
    void linksStoredBeforeV15AreNotSharedAndKeepNoRowOrGivenExternalId() {
        migrateTo("11");
        insert("""
                insert into import_links (import_id, ordinal, field, record_id, value, written, unchanged)
                values ('imp_1', 4, 'parent', 'srvc_0001', '"svc-2"', '"svc-1"', 1),
                       ('imp_1', 7, 'parent', 'srvc_0002', '"svc-3"', null, 0)""");

        migrateToLatest();

        assertThat(rows("""
                select import_id, ordinal, field, record_id, value, written, unchanged, line, cells, outcome, shared,
                       gave_external_id
                from import_links order by ordinal""")).containsExactly(
                "imp_1|4|parent|srvc_0001|\"svc-2\"|\"svc-1\"|1|null|null|null|0|null",
                "imp_1|7|parent|srvc_0002|\"svc-3\"|null|0|null|null|null|0|null");
    }

    @Test
    void validationFilesFromBeforeV20CountAsFinishedWhenCreatedAndTheDeletedOnesAsExpired() {
        migrateTo("19");
        insert(organization(), """
                insert into validation_files (id, organization_id, created_at, expires_at, deleted_at)
                values ('val_kept', 'org_1', 1000, 3601000, null),
                       ('val_deleted', 'org_1', 2000, 3602000, 3700000)""");

        migrateToLatest();

        assertThat(rows("""
                select id, created_at, expires_at, finished_at, size_bytes, deleted_at, deleted_because
                from validation_files order by id""")).containsExactly(
                "val_deleted|2000|3602000|2000|0|3700000|expired",
                "val_kept|1000|3601000|1000|0|null|null");
        assertThat(indexDefinition("validation_files_kept"))
                .contains(keptValidationFilesIndexDefinition());
    }

    @Test
    void overwritesNotPurgedWhenV27RunsAreMarkedAsHavingSeenKeys() {
        migrateTo("21");
        insert(importsOfEveryKindBeforeV27());

        migrateToLatest();

        assertThat(rows("select id, case when has_seen_keys then 'true' else 'false' end from imports order by id"))
                .containsExactly(
                "imp_delete|false",
                "imp_merge|false",
                "imp_overwrite_purged|false",
                "imp_overwrite_running|true",
                "imp_overwrite_with_keys|true",
                "imp_overwrite_without_keys|true");
        assertThat(indexDefinition("imports_with_seen_keys"))
                .contains(seenKeysIndexDefinition());
    }

    /**
     * V27 marks every overwrite not purged, whether or not it kept keys (before V27 keys stayed until the purge, and an
     * overwrite that failed before its first chunk has none): the first sweep deletes the keys of those that ended and
     * clears the mark of all of them, so none stays marked without keys once it ran.
     */
    @Test
    void theFirstSweepAfterV27LeavesMarkedOnlyTheRunningOverwriteWithItsKeys() {
        migrateTo("21");
        insert(importsOfEveryKindBeforeV27());
        migrateToLatest();
        ImportStore imports = new ImportStore(Clock.fixed(Instant.ofEpochMilli(10_000), ZoneOffset.UTC));

        List<String> ended = db.withHandle(h -> imports.endedWithSeenKeys(h, 10));
        List<Integer> deleted = ended.stream().map(id -> db.inTransaction(h -> imports.deleteSeen(h, id, 10))).toList();

        assertThat(ended).containsExactly("imp_overwrite_with_keys", "imp_overwrite_without_keys");
        assertThat(deleted).containsExactly(2, 0);
        assertThat(rows("select id from imports where has_seen_keys order by id"))
                .containsExactly("imp_overwrite_running");
        assertThat(rows("select import_id, external_id from import_seen order by import_id, external_id"))
                .containsExactly("imp_overwrite_running|r-1");
    }

    /**
     * Import API batches stored before V29 ended with no finished_at (their insert left it out); V29 gives them their
     * updated_at, and leaves imports that have one, and those not ended, as they are.
     */
    @Test
    void batchImportsThatEndedBeforeV29FinishedWhenTheyWereLastUpdated() {
        migrateTo("27");
        insert(organization(),
                importRow("imp_batch_completed", "merge", "completed", 200, null, null),
                importRow("imp_batch_failed", "merge", "failed", 201, null, null),
                importRow("imp_finished", "merge", "completed", 300, null, null),
                importRow("imp_processing", "merge", "processing", 202, null, null),
                importRow("imp_requested", "merge", "requested", 203, null, null),
                "update imports set finished_at = 250 where id = 'imp_finished'");

        migrateToLatest();

        assertThat(rows("select id, status, updated_at, finished_at from imports order by id")).containsExactly(
                "imp_batch_completed|completed|200|200",
                "imp_batch_failed|failed|201|201",
                "imp_finished|completed|300|250",
                "imp_processing|processing|202|null",
                "imp_requested|requested|203|null");
    }

    @Test
    void deletionsLoggedBeforeV35ReCreateTheirRecordWithoutACreatingImportCreatedNow() {
        migrateTo("34");
        insert(organization(), """
                insert into import_changes (import_id, record_id, object, external_id, kind, previous_data,
                                            previous_version, applied_version)
                values ('imp_delete', 'vndr_0001', 'vendor', 'v-1', 'deleted', '{"name": "Acme"}', 3, null)""");

        migrateToLatest();

        Clock clock = Clock.fixed(Instant.ofEpochMilli(20_000), ZoneOffset.UTC);
        List<ImportStore.Deletion> deletions = db.withHandle(h -> new ImportStore(clock).deletions(h, "imp_delete",
                null, 10));
        assertThat(deletions).containsExactly(new ImportStore.Deletion(new Change("vndr_0001", "vendor", "v-1",
                "deleted", "{\"name\": \"Acme\"}", 3L, null), null, null));
        boolean reinserted = db.inTransaction(h -> new RecordStore(new IdGenerator(clock), clock).reinsert(h, "org_1",
                deletions.getFirst()));
        assertThat(reinserted).isTrue();
        assertThat(rows("select id, external_id, version, created_at, updated_at, created_by_import from records"))
                .containsExactly("vndr_0001|v-1|3|20000|20000|null");
    }

    /** An import of each kind V27 tells apart, with the seen keys each kept, as stored at V21. */
    private static String[] importsOfEveryKindBeforeV27() {
        return new String[] {organization(),
                importRow("imp_overwrite_with_keys", "overwrite", "completed", 100, null, null),
                importRow("imp_overwrite_without_keys", "overwrite", "failed", 101, null, null),
                importRow("imp_overwrite_running", "overwrite", "processing", 102, null, null),
                importRow("imp_overwrite_purged", "overwrite", "completed", 103, null, 5000L),
                importRow("imp_merge", "merge", "completed", 104, null, null),
                importRow("imp_delete", "delete", "completed", 105, null, null),
                """
                insert into import_seen (import_id, external_id)
                values ('imp_overwrite_with_keys', 'k-1'), ('imp_overwrite_with_keys', 'k-2'),
                       ('imp_overwrite_running', 'r-1')"""};
    }

    /** Applies the migrations up to and including {@code version}, and checks that it is the schema's version then. */
    void migrateTo(String version) {
        // Flyway's lock held for the session, as Database.migrate holds it: its default transaction would keep a
        // concurrent index build (V32, V33) waiting for ever.
        Flyway flyway = Flyway.configure().dataSource(db.dataSource())
                .locations("classpath:db/migration/" + db.dialect().name()).target(version)
                .configuration(Map.of("flyway.postgresql.transactional.lock", "false")).load();
        flyway.migrate();
        assertThat(flyway.info().current().getVersion().getVersion()).isEqualTo(version);
    }

    void migrateToLatest() {
        db.migrate();
    }

    /** Runs {@code statements} in one transaction. */
    void insert(String... statements) {
        db.inTransaction(h -> {
            Arrays.stream(statements).forEach(h::execute);
            return null;
        });
    }

    /** The rows {@code sql} reads, each as its columns joined by {@code |} (null as "null"). */
    List<String> rows(String sql) {
        return db.withHandle(h -> h.query(sql, rs -> {
            StringBuilder row = new StringBuilder();
            for (int column = 1; column <= rs.getMetaData().getColumnCount(); column++) {
                row.append(column > 1 ? "|" : "").append(rs.getString(column));
            }
            return row.toString();
        }));
    }

    /** {@code index} as the catalog gives it, or empty when there is none. */
    Optional<String> indexDefinition(String index) {
        return db.withHandle((Handle h) -> databases().indexDefinition(h, index));
    }

    static String organization() {
        return "insert into organizations (id, slug, name, created_at) values ('org_1', 'acme', 'Acme', 1)";
    }

    /**
     * An import of {@code org_1} in the columns every version from V6 to V26 has (V2's and V6's {@code purged_at}),
     * created at 50 and last updated at {@code updatedAt}.
     */
    static String importRow(String id, String action, String status, long updatedAt, Long rolledBackAt,
            Long purgedAt) {
        return """
                insert into imports (id, organization_id, resource, source, upload_mode, action, status,
                                     duplicate_handling, created_by, phases, stats, has_upload_file, has_errors_file,
                                     checkpoint, cancel_requested, rolled_back_at, created_at, updated_at, purged_at)
                values ('%s', 'org_1', 'vendor', 'imports', 'async', '%s', '%s', 'use_first', 'key_1', '[]', '{}',
                        false, false, 0, false, %s, 50, %d, %s)""".formatted(id, action, status, rolledBackAt, updatedAt,
                purgedAt);
    }
}
