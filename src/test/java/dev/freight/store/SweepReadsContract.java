package dev.freight.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.testing.TestDatabases;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reads that run again and again over tables that keep their history: the sweeps {@code import-expiry},
 * {@code stranded-jobs}, {@code import-retention}, {@code export-expiry}, {@code validation-file-expiry} and
 * {@code parsed-file-expiry}, the file workflow's check at each execute, a page of the imports in one status
 * ({@code GET /v1/imports?status=}) and a page of those of one resource (with a status, or of one source: the file
 * workflow's job list), a resource last imported before all that history. Over 5,000 ended imports (4,800 of them purged, one in a hundred failed, one in
 * ten another organization's) beside seven not ended, 5,000 ended export jobs beside four others, the rows of 5,000 deleted validation files beside three
 * files kept, and 5,000 parsed files within their time to live beside three past it, each reads only the few rows it
 * needs through an index that lists them (most of them a partial index of migration V30, or an index of V32 or V33), never
 * the history. The plans checked are those the database keeps for the statement once prepared (PostgreSQL's
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
            databases().withoutAutoAnalyze(h, "parsed_files");
            h.execute("insert into organizations (id, slug, name, created_at) values ('org_1', 'acme', 'Acme', 1),"
                    + " ('org_2', 'globex', 'Globex', 1)");
            // Every ended import executed the same parsed file, as a nightly import does: the execute's check finds
            // each of them by its options. One in ten is another organization's, as the imports of several
            // organizations follow one another.
            h.execute("""
                    with recursive n (i) as (select 0 union all select i + 1 from n where i < 4999)
                    insert into imports (id, organization_id, resource, source, upload_mode, action, status,
                                         duplicate_handling, created_by, phases, stats, checksum, has_upload_file,
                                         has_errors_file, checkpoint, upload_expires_at, cancel_requested, created_at,
                                         updated_at, finished_at, purged_at, options)
                    select 'imp_ended_' || (10000 + i), case i % 10 when 0 then 'org_2' else 'org_1' end,
                           'vendor', 'module', 'async', 'merge',
                           case i % 100 when 1 then 'failed' when 2 then 'timed_out' when 3 then 'expired'
                                else 'completed' end,
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
            // A resource imported rarely, and long ago: its imports are the oldest of the history.
            h.execute("""
                    insert into imports (id, organization_id, resource, source, upload_mode, action, status,
                                         duplicate_handling, created_by, phases, stats, checksum, has_upload_file,
                                         has_errors_file, checkpoint, upload_expires_at, cancel_requested, created_at,
                                         updated_at, finished_at, purged_at)
                    values ('imp_customer_1', 'org_1', 'customer', 'module', 'async', 'merge', 'completed',
                            'use_first', 'key_1', '[]', '{}', 'sum', false, false, 0, 1000, false, 10, 10, 10, 20),
                           ('imp_customer_2', 'org_1', 'customer', 'imports', 'async', 'merge', 'timed_out',
                            'use_first', 'key_1', '[]', '{}', 'sum', false, false, 0, 1000, false, 10, 10, 10, 20),
                           ('imp_customer_3', 'org_1', 'customer', 'module', 'async', 'merge', 'timed_out',
                            'use_first', 'key_1', '[]', '{}', 'sum', false, false, 0, 1000, false, 10, 10, 10, 20),
                           ('imp_customer_4', 'org_2', 'customer', 'module', 'async', 'merge', 'completed',
                            'use_first', 'key_1', '[]', '{}', 'sum', false, false, 0, 1000, false, 10, 10, 10, 20),
                           ('imp_customer_5', 'org_1', 'customer', 'module', 'async', 'merge', 'completed',
                            'use_first', 'key_1', '[]', '{}', 'sum', false, false, 0, 1000, false, 10, 10, 10, 20)""");
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
            h.execute("""
                    with recursive n (i) as (select 0 union all select i + 1 from n where i < 4999)
                    insert into parsed_files (id, organization_id, module, file_type, size_bytes, checksum,
                                              total_rows, created_at)
                    select 'prs_kept_' || (10000 + i), 'org_1', 'vendor', 'csv', 10, 'sum', 1, 1000 + i
                    from n""");
            h.execute("""
                    insert into parsed_files (id, organization_id, module, file_type, size_bytes, checksum,
                                              total_rows, created_at)
                    values ('prs_old_b', 'org_1', 'vendor', 'csv', 10, 'sum', 1, 200),
                           ('prs_old_a', 'org_1', 'vendor', 'csv', 10, 'sum', 1, 200),
                           ('prs_old_c', 'org_1', 'vendor', 'csv', 10, 'sum', 1, 100)""");
            // What a page of imports reads back of each: its stats, zero.
            h.execute("""
                    update imports set stats = '{"read":0,"valid":0,"created":0,"updated":0,"unchanged":0,"deleted":0,\
                    "skipped_duplicates":0,"failed":0}'""");
            // The retention deletes the seen keys of the ended imports that have some; a running one keeps its own.
            h.execute("update imports set has_seen_keys = true where id in ('imp_ended_14999', 'imp_processing_live')");
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
        assertThat(db.withHandle((Handle h) -> imports.endedWithSeenKeys(h, 100))).containsExactly("imp_ended_14999");
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
    void aPageOfTheImportsInOneStatusListsTheNewestOfThemAfterTheCursor() {
        assertThat(listed(ImportEnums.Status.FAILED, null, 3))
                .containsExactly("imp_ended_14901", "imp_ended_14801", "imp_ended_14701");
        assertThat(listed(ImportEnums.Status.FAILED, "imp_ended_14701", 3))
                .containsExactly("imp_ended_14601", "imp_ended_14501", "imp_ended_14401");
        assertThat(listed(ImportEnums.Status.FAILED, "imp_ended_10101", 3)).containsExactly("imp_ended_10001");
        assertThat(listed(ImportEnums.Status.PROCESSING, null, 3)).containsExactly("imp_processing_live");
        assertThat(listed(ImportEnums.Status.QUEUED, null, 3))
                .containsExactly("imp_queued_idle", "imp_queued_api_call");
    }

    @Test
    void aPageOfTheImportsOfOneResourceListsTheNewestOfThemAfterTheCursor() {
        assertThat(listed(null, "customer", null, null, 3))
                .containsExactly("imp_customer_5", "imp_customer_3", "imp_customer_2");
        assertThat(listed(null, "customer", null, "imp_customer_2", 3)).containsExactly("imp_customer_1");
        assertThat(listed(ImportEnums.Status.TIMED_OUT, "customer", null, null, 3))
                .containsExactly("imp_customer_3", "imp_customer_2");
        assertThat(listed(ImportEnums.Status.COMPLETED, "customer", null, "imp_customer_5", 3))
                .containsExactly("imp_customer_1");
        assertThat(listed(null, "customer", "module", null, 3))
                .containsExactly("imp_customer_5", "imp_customer_3", "imp_customer_1");
        assertThat(listed(null, "vendor", "imports", null, 3))
                .containsExactly("imp_requested_batch", "imp_queued_api_call", "imp_processing_live");
        assertThat(listed(null, "contact", null, null, 3)).isEmpty();
        assertThat(listed(null, "o'brien", null, null, 3)).isEmpty();
        assertThat(ImportStore.listSql(null, "o'brien", null, false, 3)).endsWith(" from imports where"
                + " organization_id = ? and resource = ? order by id desc limit 3");
    }

    @Test
    void aPageOfTheImportsInAnyOfSeveralStatusesAndResourcesMergesTheNewestOfEach() {
        assertThat(listedAnyOf(Set.of(ImportEnums.Status.TIMED_OUT, ImportEnums.Status.COMPLETED),
                Set.of("customer"), null, 3)).containsExactly("imp_customer_5", "imp_customer_3", "imp_customer_2");
        assertThat(listedAnyOf(Set.of(), Set.of("customer", "vendor", "o'brien"), "imp_customer_2", 3))
                .containsExactly("imp_customer_1");
        assertThat(listedAnyOf(Set.of(ImportEnums.Status.QUEUED, ImportEnums.Status.PROCESSING), Set.of(), null, 5))
                .containsExactly("imp_queued_idle", "imp_queued_api_call", "imp_processing_live");
        assertThat(listedAnyOf(Set.of(ImportEnums.Status.FAILED), Set.of(), "imp_ended_14701", 2))
                .containsExactly("imp_ended_14601", "imp_ended_14501");
    }

    @Test
    void theValidationFileSweepForgetsOnlyTheFilesDeletedBeforeTheCutoff() {
        int forgotten = db.inTransaction(h -> validationFiles.forgetDeletedBefore(h, Instant.ofEpochMilli(1_003)));

        assertThat(forgotten).isEqualTo(3);
        assertThat(db.withHandle((Handle h) -> h.query("""
                select id from validation_files where id in ('val_deleted_10000', 'val_deleted_10001',
                    'val_deleted_10002', 'val_deleted_10003') or deleted_at is null order by id""",
                rs -> rs.getString(1)))).containsExactly("val_deleted_10003", "val_finished_due", "val_finished_kept",
                "val_writing");
        assertThat(db.withHandle((Handle h) -> h.queryFirst("select count(*) from validation_files",
                rs -> rs.getLong(1)))).contains(5_000L);
    }

    @Test
    void theParsedFileSweepDeletesOnlyTheFilesCreatedBeforeTheCutoffOldestFirst() {
        ParsedFileStore parsedFiles = new ParsedFileStore(Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC));

        List<String> deleted = db.inTransaction(h -> parsedFiles.deleteCreatedBefore(h, Instant.ofEpochMilli(1_000)));

        assertThat(deleted).containsExactly("prs_old_c", "prs_old_a", "prs_old_b");
        assertThat(db.withHandle((Handle h) -> h.query("select id from parsed_files where created_at <= 1000",
                rs -> rs.getString(1)))).containsExactly("prs_kept_10000");
        assertThat(db.withHandle((Handle h) -> h.queryFirst("select count(*) from parsed_files",
                rs -> rs.getLong(1)))).contains(5_000L);
    }

    /** The ids of a page of org_1's imports in {@code status}, after the one with id {@code beforeId} (null: none). */
    private List<String> listed(ImportEnums.Status status, String beforeId, int limit) {
        return listed(status, null, null, beforeId, limit);
    }

    /** As {@link #listed(ImportEnums.Status, String, int)}, of one resource (null: all) and source (null: all). */
    private List<String> listed(ImportEnums.Status status, String resource, String source, String beforeId,
            int limit) {
        return db.withHandle((Handle h) -> imports.list(h, "org_1", status, resource, source, beforeId, limit))
                .stream().map(ImportJob::id).toList();
    }

    /** The ids of a page of org_1's imports in any of {@code statuses} and {@code resources} (empty: any). */
    private List<String> listedAnyOf(Set<ImportEnums.Status> statuses, Set<String> resources, String beforeId,
            int limit) {
        return db.withHandle((Handle h) -> imports.list(h, "org_1", statuses, resources, beforeId, limit))
                .stream().map(ImportJob::id).toList();
    }

    @Test
    void eachReadGoesThroughTheIndexOfItsRowsBeforeTheTablesAreAnalyzed() {
        SoftAssertions softly = new SoftAssertions();
        assertEachReadGoesThroughTheIndexOfItsRows(softly);
        // PostgreSQL, with no statistics, takes a comparison with a bound value (or a flag) to keep a third (half) of
        // the rows, and reading 5,000 rows in a row is then cheaper; its autovacuum gathers statistics of every table
        // that grew, and SQLite never does.
        if (databases() == TestDatabases.SQLITE) {
            assertEachRangeReadGoesThroughTheIndexOfItsRows(softly);
        }
        softly.assertAll();
    }

    @Test
    void eachReadGoesThroughTheIndexOfItsRowsOnceTheTablesAreAnalyzed() {
        db.withHandle(h -> {
            h.execute("analyze imports");
            h.execute("analyze export_jobs");
            h.execute("analyze validation_files");
            h.execute("analyze parsed_files");
            return null;
        });

        SoftAssertions softly = new SoftAssertions();
        assertEachReadGoesThroughTheIndexOfItsRows(softly);
        assertEachRangeReadGoesThroughTheIndexOfItsRows(softly);
        softly.assertAll();
    }

    /**
     * Checks every read whose rows its statement's text narrows to those of a partial index, or to an equal value,
     * so that a failure lists each read that goes another way, with its plan.
     */
    private void assertEachReadGoesThroughTheIndexOfItsRows(SoftAssertions softly) {
        assertReadsOnlyThrough(softly, "imports", "imports_awaiting_upload", ImportStore.EXPIRED_UPLOADS, NOW);
        assertReadsOnlyThrough(softly, "imports", "imports_running", ImportStore.IDLE_UNFINISHED + 100, NOW, "");
        assertReadsOnlyThrough(softly, "imports", "imports_unfinished", ImportStore.UNFINISHED_WITH_OPTIONS, "org_1",
                "module", "%prs\\_a%");
        assertReadsOnlyThrough(softly, "imports", "imports_purgeable", ImportStore.PURGEABLE + 100, 14_803L);
        assertReadsOnlyThrough(softly, "imports", "imports_organization_status",
                ImportStore.listSql(ImportEnums.Status.FAILED, null, null, false, 51), "org_1");
        assertReadsOnlyThrough(softly, "imports", "imports_organization_status",
                ImportStore.listSql(ImportEnums.Status.FAILED, null, null, true, 51), "org_1", "imp_ended_14701");
        assertReadsOnlyThrough(softly, "imports", "imports_organization_status",
                ImportStore.listSql(ImportEnums.Status.TIMED_OUT, null, null, true, 51), "org_1",
                "imp_ended_14701");
        assertReadsOnlyThrough(softly, "imports", "imports_organization_resource",
                ImportStore.listSql(null, "customer", null, false, 51), "org_1");
        assertReadsOnlyThrough(softly, "imports", "imports_organization_resource",
                ImportStore.listSql(null, "customer", null, true, 51), "org_1", "imp_customer_2");
        assertReadsOnlyThrough(softly, "imports", "imports_organization_resource_status",
                ImportStore.listSql(ImportEnums.Status.TIMED_OUT, "customer", null, false, 51), "org_1");
        assertReadsOnlyThrough(softly, "imports", "imports_organization_resource_status",
                ImportStore.listSql(ImportEnums.Status.COMPLETED, "customer", null, true, 51), "org_1",
                "imp_customer_5");
        assertReadsOnlyThrough(softly, "imports", "imports_organization_resource_source",
                ImportStore.listSql(null, "customer", "module", false, 51), "org_1");
        assertReadsOnlyThrough(softly, "imports", "imports_organization_status", ImportStore.mergedSql(List.of(
                ImportStore.listSql(ImportEnums.Status.FAILED, null, null, true, 51),
                ImportStore.listSql(ImportEnums.Status.TIMED_OUT, null, null, true, 51)), 51), "org_1",
                "imp_ended_14701", "org_1", "imp_ended_14701");
        assertReadsOnlyThrough(softly, "imports", "imports_organization_resource_status", ImportStore.mergedSql(
                List.of(ImportStore.listSql(ImportEnums.Status.TIMED_OUT, "customer", null, false, 51),
                        ImportStore.listSql(ImportEnums.Status.TIMED_OUT, "vendor", null, false, 51)), 51), "org_1",
                "org_1");
        assertReadsOnlyThrough(softly, "export_jobs", "export_jobs_expiry", ExportJobStore.EXPIRED, NOW);
        assertReadsOnlyThrough(softly, "export_jobs", "export_jobs_expiry", ExportJobStore.UNFINISHED + 100, NOW,
                "");
        assertReadsOnlyThrough(softly, "export_jobs", "export_jobs_expiry", ExportJobStore.EXPIRED_BEFORE + 1000,
                NOW);
        assertReadsOnlyThrough(softly, "export_jobs", "export_jobs_expiry", ExportJobStore.FAILED_BEFORE + 1000,
                NOW);
        assertReadsOnlyThrough(softly, "validation_files", LIVE_VALIDATION_FILES,
                ValidationFileStore.EXPIRED, NOW);
        assertReadsOnlyThrough(softly, "validation_files", LIVE_VALIDATION_FILES,
                ValidationFileStore.KEPT_BYTES);
        assertReadsOnlyThrough(softly, "validation_files", LIVE_VALIDATION_FILES,
                ValidationFileStore.KEPT_OLDEST_FIRST);
    }

    /**
     * Checks the reads of the rows below a bound value (or of those with a flag set), as
     * {@link #assertEachReadGoesThroughTheIndexOfItsRows} does the others.
     */
    private void assertEachRangeReadGoesThroughTheIndexOfItsRows(SoftAssertions softly) {
        assertReadsOnlyThrough(softly, "imports", "imports_with_seen_keys", ImportStore.ENDED_WITH_SEEN_KEYS + 100);
        assertReadsOnlyThrough(softly, "validation_files", "validation_files_deleted",
                ValidationFileStore.FORGET_DELETED_BEFORE, 1_003L);
        assertReadsOnlyThrough(softly, "parsed_files", "parsed_files_created", ParsedFileStore.CREATED_BEFORE,
                1_000L);
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
