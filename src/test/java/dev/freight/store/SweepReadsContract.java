package dev.freight.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.testing.TestDatabases;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reads that run again and again over tables that keep their history: the sweeps {@code import-expiry},
 * {@code stranded-jobs}, {@code import-retention}, {@code export-expiry} and {@code validation-file-expiry}, and the
 * file workflow's check at each execute. Over 5,000 ended imports (4,800 of them purged) beside seven not ended, 5,000
 * ended export jobs beside four others, and the rows of 5,000 deleted validation files beside three files kept, each
 * reads only the few rows it needs through an index that lists them (most of them a partial index of migration V30),
 * never the history. The plans checked are those the database keeps for the statement once prepared (PostgreSQL's
 * generic plan, made without the bound values), before the database has statistics of the tables (SQLite never gathers
 * them by itself) and after. One subclass per database.
 */
abstract class SweepReadsContract {

    private static final AtomicInteger DATABASES = new AtomicInteger();

    /** The sweeps' time: uploads whose URL expired before it have expired, imports last saved before it are idle. */
    private static final long NOW = 5_000;

    /** The partial indexes of validation_files: each lists only the files not deleted, all that these reads need. */
    private static final List<String> LIVE_VALIDATION_FILES = List.of("validation_files_live",
            "validation_files_kept");

    abstract TestDatabases databases();

    Database db;
    ImportStore imports;
    ExportJobStore exports;
    ValidationFileStore validationFiles;

    @BeforeEach
    void historyBesideTheFewRowsTheReadsNeed() {
        db = databases().open("sweep_reads_" + DATABASES.incrementAndGet());
        imports = new ImportStore(Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC));
        exports = new ExportJobStore();
        validationFiles = new ValidationFileStore();
        db.inTransaction(h -> {
            databases().withoutAutoAnalyze(h, "imports");
            databases().withoutAutoAnalyze(h, "export_jobs");
            databases().withoutAutoAnalyze(h, "validation_files");
            h.execute("insert into organizations (id, slug, name, created_at) values ('org_1', 'acme', 'Acme', 1),"
                    + " ('org_2', 'globex', 'Globex', 1)");
            // Every ended import executed the same parsed file, as a nightly import does: the execute's check finds
            // each of them by its options.
            h.execute("""
                    with recursive n (i) as (select 0 union all select i + 1 from n where i < 4999)
                    insert into imports (id, organization_id, resource, source, upload_mode, action, status,
                                         duplicate_handling, created_by, phases, stats, checksum, has_upload_file,
                                         has_errors_file, checkpoint, upload_expires_at, cancel_requested, created_at,
                                         updated_at, finished_at, purged_at, options)
                    select 'imp_ended_' || (10000 + i), 'org_1', 'vendor', 'module', 'async', 'merge',
                           case i % 4 when 0 then 'completed' when 1 then 'failed' when 2 then 'timed_out'
                                else 'expired' end,
                           'use_first', 'key_1', '[]', '{}', 'sum', false, false, 0, 1000, false, 50, 10000 + i,
                           10000 + i, case when i < 4800 then 20000 + i end, '{"file_id":"prs_a"}'
                    from n""");
            h.execute("""
                    insert into imports (id, organization_id, resource, source, upload_mode, action, status,
                                         duplicate_handling, created_by, phases, stats, checksum, has_upload_file,
                                         has_errors_file, checkpoint, upload_expires_at, cancel_requested, created_at,
                                         updated_at, options)
                    values ('imp_requested_expired', 'org_1', 'vendor', 'module', 'async', 'merge', 'requested',
                            'use_first', 'key_1', '[]', '{}', null, false, false, 0, 1000, false, 50, 50,
                            '{"file_id":"prs_a"}'),
                           ('imp_requested_valid', 'org_1', 'vendor', 'module', 'async', 'merge', 'requested',
                            'use_first', 'key_1', '[]', '{}', null, false, false, 0, 9000, false, 50, 50,
                            '{"file_id":"prs_b"}'),
                           ('imp_requested_batch', 'org_1', 'vendor', 'imports', 'async', 'merge', 'requested',
                            'use_first', 'key_1', '[]', '{}', null, false, false, 0, 9000, false, 50, 50, null),
                           ('imp_queued_idle', 'org_1', 'vendor', 'module', 'async', 'merge', 'queued',
                            'use_first', 'key_1', '[]', '{}', 'sum', true, false, 0, 1000, false, 50, 100,
                            '{"file_id":"prs_a"}'),
                           ('imp_queued_api_call', 'org_1', 'vendor', 'imports', 'async', 'merge', 'queued',
                            'use_first', 'key_1', '[]', '{}', null, false, false, 0, null, false, 50, 100, null),
                           ('imp_processing_live', 'org_1', 'vendor', 'imports', 'async', 'merge', 'processing',
                            'use_first', 'key_1', '[]', '{}', 'sum', true, false, 0, 1000, false, 50, 9000, null),
                           ('imp_processing_idle', 'org_2', 'vendor', 'module', 'async', 'merge', 'processing',
                            'use_first', 'key_1', '[]', '{}', 'sum', true, false, 0, 1000, false, 50, 100,
                            '{"file_id":"prs_a"}')""");
            h.execute("""
                    with recursive n (i) as (select 0 union all select i + 1 from n where i < 4999)
                    insert into export_jobs (id, organization_id, source_type, source_id, module, format, config,
                                             status, progress, file_name, content_type, requested_at, expires_at)
                    select 'exp_ended_' || (10000 + i), 'org_1', 'module', 'vendor', 'vendor', 'csv', '{}',
                           case i % 2 when 0 then 'expired' else 'failed' end, 100, 'vendor.csv', 'text/csv', 50,
                           case i % 2 when 0 then 1000 end
                    from n""");
            h.execute("""
                    insert into export_jobs (id, organization_id, source_type, source_id, module, format, config,
                                             status, progress, file_name, content_type, requested_at, expires_at)
                    values ('exp_queued_old', 'org_1', 'module', 'vendor', 'vendor', 'csv', '{}', 'queued', 0,
                            'vendor.csv', 'text/csv', 100, null),
                           ('exp_processing_new', 'org_1', 'module', 'vendor', 'vendor', 'csv', '{}', 'processing',
                            0, 'vendor.csv', 'text/csv', 9000, null),
                           ('exp_completed_due', 'org_1', 'module', 'vendor', 'vendor', 'csv', '{}', 'completed', 100,
                            'vendor.csv', 'text/csv', 100, 4000),
                           ('exp_completed_kept', 'org_1', 'module', 'vendor', 'vendor', 'csv', '{}', 'completed',
                            100, 'vendor.csv', 'text/csv', 100, 90000)""");
            h.execute("""
                    with recursive n (i) as (select 0 union all select i + 1 from n where i < 4999)
                    insert into validation_files (id, organization_id, created_at, expires_at, finished_at,
                                                  size_bytes, deleted_at, deleted_because)
                    select 'val_deleted_' || (10000 + i), 'org_1', 50, 500, 100, 10, 1000 + i, 'expired'
                    from n""");
            h.execute("""
                    insert into validation_files (id, organization_id, created_at, expires_at, finished_at,
                                                  size_bytes, deleted_at, deleted_because)
                    values ('val_finished_due', 'org_1', 50, 4000, 100, 7, null, null),
                           ('val_finished_kept', 'org_1', 50, 90000, 200, 5, null, null),
                           ('val_writing', 'org_1', 50, 9000, null, null, null, null)""");
            return null;
        });
    }

    @AfterEach
    void closeDatabase() {
        db.close();
    }

    @Test
    void eachReadFindsExactlyTheRowsItNeeds() {
        Instant now = Instant.ofEpochMilli(NOW);

        assertThat(db.withHandle((Handle h) -> imports.expiredUploads(h, now)))
                .containsExactly("imp_requested_expired");
        assertThat(db.withHandle((Handle h) -> imports.idleUnfinished(h, now, null, 100)))
                .containsExactly("imp_processing_idle", "imp_queued_idle");
        assertThat(db.withHandle((Handle h) -> imports.unfinishedWithOptionsContaining(h, "org_1", "module", "prs_a")))
                .containsExactly(
                        new ImportStore.Unfinished("imp_queued_idle", ImportEnums.Status.QUEUED,
                                "{\"file_id\":\"prs_a\"}"),
                        new ImportStore.Unfinished("imp_requested_expired", ImportEnums.Status.REQUESTED,
                                "{\"file_id\":\"prs_a\"}"));
        assertThat(db.withHandle((Handle h) -> imports.purgeable(h, Instant.ofEpochMilli(14_803), 100)))
                .containsExactly("imp_ended_14800", "imp_ended_14801", "imp_ended_14802");
        assertThat(db.withHandle((Handle h) -> exports.expired(h, now)).stream().map(ExportJob::id))
                .containsExactly("exp_completed_due");
        assertThat(db.withHandle((Handle h) -> exports.unfinished(h, now, null, 100)))
                .containsExactly("exp_queued_old");
        assertThat(db.withHandle((Handle h) -> validationFiles.expired(h, now))).containsExactly("val_finished_due");
        assertThat(db.withHandle(validationFiles::keptBytes)).isEqualTo(12);
        assertThat(db.withHandle(validationFiles::keptOldestFirst)).containsExactly(
                new ValidationFileStore.Kept("val_finished_due", 7),
                new ValidationFileStore.Kept("val_finished_kept", 5));
    }

    @Test
    void eachReadGoesThroughTheIndexOfItsRowsBeforeTheTablesAreAnalyzed() {
        assertEachReadGoesThroughTheIndexOfItsRows();
    }

    @Test
    void eachReadGoesThroughTheIndexOfItsRowsOnceTheTablesAreAnalyzed() {
        db.withHandle(h -> {
            h.execute("analyze imports");
            h.execute("analyze export_jobs");
            h.execute("analyze validation_files");
            return null;
        });

        assertEachReadGoesThroughTheIndexOfItsRows();
    }

    /** Checks every read, so that a failure lists each read that goes another way, with its plan. */
    private void assertEachReadGoesThroughTheIndexOfItsRows() {
        SoftAssertions softly = new SoftAssertions();
        assertReadsOnlyThrough(softly, "imports", "imports_awaiting_upload", ImportStore.EXPIRED_UPLOADS, NOW);
        assertReadsOnlyThrough(softly, "imports", "imports_running", ImportStore.IDLE_UNFINISHED + 100, NOW, "");
        assertReadsOnlyThrough(softly, "imports", "imports_unfinished", ImportStore.UNFINISHED_WITH_OPTIONS, "org_1",
                "module", "%prs\\_a%");
        assertReadsOnlyThrough(softly, "imports", "imports_purgeable", ImportStore.PURGEABLE + 100, 14_803L);
        assertReadsOnlyThrough(softly, "export_jobs", "export_jobs_expiry", ExportJobStore.EXPIRED, NOW);
        assertReadsOnlyThrough(softly, "export_jobs", "export_jobs_expiry", ExportJobStore.UNFINISHED + 100, NOW,
                "");
        assertReadsOnlyThrough(softly, "validation_files", LIVE_VALIDATION_FILES,
                ValidationFileStore.EXPIRED, NOW);
        assertReadsOnlyThrough(softly, "validation_files", LIVE_VALIDATION_FILES,
                ValidationFileStore.KEPT_BYTES);
        assertReadsOnlyThrough(softly, "validation_files", LIVE_VALIDATION_FILES,
                ValidationFileStore.KEPT_OLDEST_FIRST);
        softly.assertAll();
    }

    private void assertReadsOnlyThrough(SoftAssertions softly, String table, String index, String sql,
            Object... params) {
        assertReadsOnlyThrough(softly, table, List.of(index), sql, params);
    }

    /** Asserts that the plan of {@code sql} reads {@code table} only through one of {@code indexes}. */
    private void assertReadsOnlyThrough(SoftAssertions softly, String table, List<String> indexes, String sql,
            Object... params) {
        List<String> plan = db.withHandle((Handle h) -> databases().genericPlan(h, sql, List.of(params)));
        softly.assertThat(indexes.stream().anyMatch(index -> databases().readsOnlyThrough(plan, table, index)))
                .as("plan of %s:%n%s", sql, String.join("\n", plan)).isTrue();
    }
}
