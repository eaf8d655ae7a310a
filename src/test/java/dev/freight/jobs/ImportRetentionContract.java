package dev.freight.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.freight.engine.ImportJobs;
import dev.freight.engine.ImportPipeline;
import dev.freight.engine.ImportRollback;
import dev.freight.ingest.FileType;
import dev.freight.ingest.ReadOptions;
import dev.freight.ingest.Readers;
import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.Value;
import dev.freight.store.Database;
import dev.freight.store.IdGenerator;
import dev.freight.store.ImportEnums.Action;
import dev.freight.store.ImportEnums.DuplicateHandling;
import dev.freight.store.ImportEnums.Status;
import dev.freight.store.ImportEnums.UploadMode;
import dev.freight.store.ImportJob;
import dev.freight.store.ImportStats;
import dev.freight.store.ImportStore;
import dev.freight.store.RecordStore;
import dev.freight.store.SchemaStore;
import dev.freight.store.StoreException;
import dev.freight.store.TenantStore;
import dev.freight.store.UploadStore;
import dev.freight.testing.SettableClock;
import dev.freight.testing.TestDatabases;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code import-retention} sweep against a real database, with an injected clock: an ended overwrite's seen keys
 * go on the next sweep, a batch at a time; a running import keeps them; rollback and the later purge are unchanged.
 * Chunks of 3 rows, so every file spans chunks.
 */
abstract class ImportRetentionContract {

    static final Instant START = Instant.parse("2025-03-01T09:00:00Z");
    private static final AtomicInteger DATABASES = new AtomicInteger();

    abstract TestDatabases database();

    @TempDir
    Path dir;

    SettableClock clock;
    Database db;
    ImportStore imports;
    ImportPipeline pipeline;
    ImportJobs jobs;
    ImportRollback rollback;
    RecordStore records;
    UploadStore uploads;
    String org;

    @BeforeEach
    void setUp() {
        clock = new SettableClock(START);
        db = database().open("import_retention_" + DATABASES.incrementAndGet());
        IdGenerator ids = new IdGenerator(clock);
        imports = new ImportStore(clock);
        records = new RecordStore(ids, clock);
        pipeline = new ImportPipeline(db, imports, records, new SchemaStore(clock), clock, 3);
        jobs = new ImportJobs(ids, clock, Duration.ofHours(1));
        rollback = new ImportRollback(db, imports, records, new SchemaStore(clock), clock);
        uploads = new UploadStore(dir.resolve("uploads"));
        org = db.inTransaction(h -> new TenantStore(ids, clock).createOrganization(h, "acme", "Acme")).id();
    }

    @AfterEach
    void close() {
        db.close();
    }

    ImportRetention retention(int seenKeysPerTransaction) {
        return new ImportRetention(db, imports, uploads, clock, Duration.ofDays(30), Duration.ofHours(1),
                seenKeysPerTransaction);
    }

    @Test
    void anEndedOverwritesSeenKeysGoOnTheNextSweepAndItsRollbackStillRestoresWhatItChanged() throws IOException {
        run(Action.MERGE, "external_id,name\nv-1,A\nv-2,B\nv-3,C\nv-4,D\nv-5,E\n");
        ImportJob overwrite = run(Action.OVERWRITE, "external_id,name\nv-1,A2\nv-2,B\nv-6,F\n");
        assertThat(overwrite.stats()).isEqualTo(new ImportStats(3, 3, 1, 1, 1, 3, 0, 0));
        assertThat(seenKeys(overwrite.id())).containsExactly("v-1", "v-2", "v-6");
        assertThat(endedWithSeenKeys()).containsExactly(overwrite.id());

        clock.advance(Duration.ofHours(1));
        assertThat(retention(10_000).sweep(clock.instant())).isZero();

        assertThat(seenKeys(overwrite.id())).isEmpty();
        assertThat(endedWithSeenKeys()).isEmpty();
        assertThat(changeCount(overwrite.id())).isEqualTo(4);
        ImportRollback.Result undone = rollback.rollback(load(overwrite.id()), "key_test");
        assertThat(undone.deleted()).isEqualTo(1);
        assertThat(undone.restored()).isEqualTo(4);
        assertThat(undone.conflicts()).isEmpty();
        assertThat(undone.job().rolledBackAt()).isEqualTo(START.plus(Duration.ofHours(1)));
        assertThat(names()).containsExactly(Map.entry("v-1", "A"), Map.entry("v-2", "B"), Map.entry("v-3", "C"),
                Map.entry("v-4", "D"), Map.entry("v-5", "E"));
    }

    @Test
    void theSweepDeletesMoreSeenKeysThanOneTransactionHoldsInSeveral() throws IOException {
        ImportJob overwrite = run(Action.OVERWRITE, vendors(7));
        ImportJob other = run(Action.OVERWRITE, vendors(6));
        assertThat(seenKeys(overwrite.id())).hasSize(7);
        assertThat(seenKeys(other.id())).hasSize(6);

        assertThat(retention(2).deleteSeenKeys()).isEqualTo(13);

        assertThat(seenKeys(overwrite.id())).isEmpty();
        assertThat(seenKeys(other.id())).isEmpty();
        assertThat(endedWithSeenKeys()).isEmpty();
        assertThat(retention(2).deleteSeenKeys()).isZero();
    }

    @Test
    void eachTransactionDeletesTheNextKeysInKeyOrderAndTheLastClearsTheImportsMark() throws IOException {
        ImportJob overwrite = run(Action.OVERWRITE, vendors(7));

        assertThat(deleteSeen(overwrite.id(), 3)).isEqualTo(3);
        assertThat(seenKeys(overwrite.id())).containsExactly("v-4", "v-5", "v-6", "v-7");
        assertThat(deleteSeen(overwrite.id(), 3)).isEqualTo(3);
        assertThat(seenKeys(overwrite.id())).containsExactly("v-7");
        assertThat(endedWithSeenKeys()).containsExactly(overwrite.id());

        assertThat(deleteSeen(overwrite.id(), 3)).isEqualTo(1);
        assertThat(seenKeys(overwrite.id())).isEmpty();
        assertThat(endedWithSeenKeys()).isEmpty();
    }

    @Test
    void aRunningOverwriteKeepsItsSeenKeysUntilItEnds() throws IOException {
        ImportRetention retention = retention(2);
        ImportJob job = prepared(Action.OVERWRITE, vendors(7));
        List<Integer> keptWhileRunning = new ArrayList<>();
        List<Integer> deletedWhileRunning = new ArrayList<>();
        ImportJob done = pipeline.process(job.id(), csv(vendors(7)), committed -> {
            // After each chunk's commit, as an hourly sweep of this or another instance may run.
            assertThat(retention.sweep(clock.instant())).isZero();
            deletedWhileRunning.add(deleteSeen(job.id(), 2));
            keptWhileRunning.add(seenKeys(job.id()).size());
        });
        assertThat(done.status()).isEqualTo(Status.COMPLETED);
        assertThat(keptWhileRunning).containsExactly(3, 6, 7);
        assertThat(deletedWhileRunning).containsExactly(0, 0, 0);
        assertThat(seenKeys(job.id())).hasSize(7);

        assertThat(retention.sweep(clock.instant())).isZero();

        assertThat(seenKeys(job.id())).isEmpty();
    }

    @Test
    void anOverwriteWhoseSeenKeysWentIsPurgedAfterTheRetentionAsBefore() throws IOException {
        run(Action.MERGE, "external_id,name\nv-1,A\nv-2,B\n");
        ImportJob overwrite = run(Action.OVERWRITE, "external_id,name\nv-1,A2\n");
        ImportRetention retention = retention(10_000);
        clock.advance(Duration.ofDays(1));
        assertThat(retention.sweep(clock.instant())).isZero();
        assertThat(seenKeys(overwrite.id())).isEmpty();
        assertThat(changeCount(overwrite.id())).isEqualTo(2);
        assertThat(load(overwrite.id()).purgedAt()).isNull();

        clock.set(START.plus(Duration.ofDays(30)).plusMillis(1));
        assertThat(retention.sweep(clock.instant())).isEqualTo(2);

        ImportJob purged = load(overwrite.id());
        assertThat(purged.purgedAt()).isEqualTo(START.plus(Duration.ofDays(30)).plusMillis(1));
        assertThat(purged.stats()).isEqualTo(overwrite.stats());
        assertThat(changeCount(overwrite.id())).isZero();
        assertThat(seenKeys(overwrite.id())).isEmpty();
        assertThat(retention.sweep(clock.instant())).isZero();
    }

    @Test
    void anOverwritePurgedBeforeAnySweepDeletedItsSeenKeysLosesThemAndItsMarkWithThePurge() throws IOException {
        ImportJob overwrite = run(Action.OVERWRITE, vendors(4));
        clock.set(START.plus(Duration.ofDays(31)));

        db.inTransaction(h -> {
            imports.purge(h, overwrite.id(), clock.instant());
            return null;
        });

        assertThat(seenKeys(overwrite.id())).isEmpty();
        assertThat(endedWithSeenKeys()).isEmpty();
    }

    /**
     * The sweep's steps are independent: before, the refused seen-key deletion ended the sweep, and the abandoned staged
     * upload waited for the next hour (and for the database to stop refusing).
     */
    @Test
    void aSeenKeyDeletionTheDatabaseRefusesHoldsBackNeitherThePurgeNorTheAbandonedUploads() throws IOException {
        ImportJob old = run(Action.MERGE, vendors(2));
        clock.set(START.plus(Duration.ofDays(31)));
        ImportJob overwrite = run(Action.OVERWRITE, vendors(3));
        Files.createDirectories(dir.resolve("uploads"));
        Path abandoned = Files.writeString(dir.resolve("uploads").resolve("imp_killed0123.part"), "external_id\nv-1\n");
        Files.setLastModifiedTime(abandoned, FileTime.from(START));
        db.withHandle(h -> {
            database().refusingSeenKeyDeletesSql().forEach(h::execute);
            h.update("insert into refused_seen_imports (id) values (?)", overwrite.id());
            return null;
        });
        ImportRetention retention = retention(10_000);

        assertThatThrownBy(() -> retention.sweep(clock.instant())).isInstanceOf(StoreException.class)
                .hasNoSuppressedExceptions().rootCause().hasMessageContaining("refused by test trigger");

        assertThat(load(old.id()).purgedAt()).isEqualTo(START.plus(Duration.ofDays(31)));
        assertThat(abandoned).doesNotExist();
        assertThat(seenKeys(overwrite.id())).containsExactly("v-1", "v-2", "v-3");
        assertThat(endedWithSeenKeys()).containsExactly(overwrite.id());

        db.withHandle(h -> h.update("delete from refused_seen_imports"));
        assertThat(retention.sweep(clock.instant())).isZero();
        assertThat(seenKeys(overwrite.id())).isEmpty();
        assertThat(endedWithSeenKeys()).isEmpty();
    }

    /** A CSV of {@code n} vendors v-1 … v-n, each named after its key. */
    static String vendors(int n) {
        StringBuilder csv = new StringBuilder("external_id,name\n");
        for (int i = 1; i <= n; i++) {
            csv.append("v-").append(i).append(",Vendor ").append(i).append('\n');
        }
        return csv.toString();
    }

    ImportJob run(Action action, String content) throws IOException {
        ImportJob job = prepared(action, content);
        assertThat(job.status()).isEqualTo(Status.QUEUED);
        ImportJob done = pipeline.process(job.id(), csv(content), ImportPipeline.Listener.NONE);
        assertThat(done.status()).isEqualTo(Status.COMPLETED);
        return done;
    }

    ImportJob prepared(Action action, String content) throws IOException {
        ImportJob job = jobs.requested(new ImportJobs.Request(org, "vendor", "imports", UploadMode.ASYNC, action,
                DuplicateHandling.IGNORE_ALL, "test", "key_test", null), START.plus(Duration.ofHours(1)));
        ImportJob uploaded = job.withUpload("sha", "csv", "vendors.csv", null).withDeadline(clock.instant().plus(
                Duration.ofHours(1)));
        db.inTransaction(h -> {
            imports.create(h, uploaded);
            return null;
        });
        return pipeline.prepare(uploaded.id(), csv(content));
    }

    ImportPipeline.RowSource csv(String content) throws IOException {
        Path file = Files.createTempFile(dir, "rows", ".csv");
        Files.writeString(file, content);
        return () -> Readers.open(file, FileType.CSV, ReadOptions.defaults());
    }

    ImportJob load(String id) {
        return db.withHandle(h -> imports.get(h, id)).orElseThrow();
    }

    /** One transaction of {@link ImportStore#deleteSeen}. */
    int deleteSeen(String importId, int limit) {
        return db.inTransaction(h -> imports.deleteSeen(h, importId, limit));
    }

    /** The ended imports the sweep would delete seen keys of, by id. */
    List<String> endedWithSeenKeys() {
        return db.withHandle(h -> imports.endedWithSeenKeys(h, 10));
    }

    List<String> seenKeys(String importId) {
        return db.withHandle(h -> h.query("select external_id from import_seen where import_id = ?"
                + " order by external_id", rs -> rs.getString(1), importId));
    }

    long changeCount(String importId) {
        return db.withHandle(h -> h.queryFirst("select count(*) from import_changes where import_id = ?",
                rs -> rs.getLong(1), importId)).orElseThrow();
    }

    /** Every vendor's external id → name, in key order. */
    Map<String, String> names() {
        Map<String, String> names = new TreeMap<>();
        db.withHandle(h -> records.page(h, org, BuiltInObjects.VENDOR, null, null, 100, null))
                .forEach(r -> names.put(r.externalId(), ((Value.Text) r.values().get("name")).value()));
        return names;
    }
}
