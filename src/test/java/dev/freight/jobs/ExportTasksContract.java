package dev.freight.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.freight.export.ExportConfig;
import dev.freight.export.ExportFiles;
import dev.freight.export.Exporter;
import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.Value;
import dev.freight.store.Database;
import dev.freight.store.ExportJob;
import dev.freight.store.ExportJobStore;
import dev.freight.store.IdGenerator;
import dev.freight.store.RecordStore;
import dev.freight.store.RecordStream;
import dev.freight.store.RecordWrite;
import dev.freight.store.SchemaStore;
import dev.freight.store.StoreException;
import dev.freight.store.TenantStore;
import dev.freight.testing.CapturedLog;
import dev.freight.testing.SettableClock;
import dev.freight.testing.TestDatabases;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The export worker and the file sweeper against a real database, with an injected clock. */
abstract class ExportTasksContract {

    static final Instant START = Instant.parse("2025-03-01T09:00:00Z");

    abstract TestDatabases database();

    Database db;
    SettableClock clock;
    ExportJobStore jobs;
    ExportTasks tasks;
    Path dir;
    String organizationId;

    @BeforeEach
    void setUp() throws IOException {
        db = database().open("export_tasks");
        clock = new SettableClock(START);
        IdGenerator ids = new IdGenerator(clock);
        jobs = new ExportJobStore();
        dir = Files.createTempDirectory("freight-exports-");
        tasks = new ExportTasks(db, jobs, new SchemaStore(clock), new Exporter(db, new RecordStream(db)),
                new ExportFiles(dir), clock, Duration.ofHours(24), Duration.ofDays(90), Duration.ofMinutes(1));
        TenantStore tenants = new TenantStore(ids, clock);
        organizationId = db.inTransaction(h -> tenants.createOrganization(h, "acme", "Acme")).id();
        RecordStore records = new RecordStore(ids, clock);
        db.inTransaction(h -> records.upsert(h, organizationId, BuiltInObjects.VENDOR, List.of(
                new RecordWrite("v-1", Map.of("name", new Value.Text("Acme"))))));
    }

    @AfterEach
    void close() {
        db.close();
    }

    ExportJob queued(String id) {
        ExportJob job = new ExportJob(id, organizationId, "module", "vendor", "vendor", "csv",
                new ExportConfig(List.of("external_id", "name"), null, null, null, null, null, null, null, null, null,
                        null, null).toJson(), ExportJob.Status.QUEUED, 0, null, "vendors-export-2025-03-01.csv", null,
                "text/csv; charset=utf-8", null, "key_test", clock.instant(), null, null, null);
        db.inTransaction(h -> {
            jobs.create(h, job);
            return null;
        });
        return job;
    }

    ExportJob reload(String id) {
        return db.withHandle(h -> jobs.get(h, id)).orElseThrow();
    }

    @Test
    void aJobWritesItsFileAndExpiresItTwentyFourHoursAfterCompletion() throws IOException {
        queued("exp_1");
        clock.advance(Duration.ofSeconds(5));

        tasks.run("exp_1");

        ExportJob done = reload("exp_1");
        Path file = dir.resolve("exp_1.csv");
        assertThat(done.status()).isEqualTo(ExportJob.Status.COMPLETED);
        assertThat(done.progress()).isEqualTo(100);
        assertThat(done.recordCount()).isEqualTo(1);
        assertThat(done.completedAt()).isEqualTo(START.plusSeconds(5));
        assertThat(done.expiresAt()).isEqualTo(START.plusSeconds(5).plus(Duration.ofHours(24)));
        assertThat(Files.readString(file)).isEqualTo("External Id,Name\r\nv-1,Acme\r\n");
        assertThat(done.fileSizeBytes()).isEqualTo(Files.size(file));

        clock.advance(Duration.ofHours(24).minusSeconds(1));
        assertThat(tasks.sweep(clock.instant())).isZero();
        assertThat(file).exists();

        clock.advance(Duration.ofSeconds(1));
        assertThat(tasks.sweep(clock.instant())).isEqualTo(1);
        assertThat(file).doesNotExist();
        assertThat(reload("exp_1").status()).isEqualTo(ExportJob.Status.EXPIRED);
        assertThat(tasks.sweep(clock.instant())).isZero();
    }

    /**
     * Only the run reads a job's config, the request's filters as given and megabytes for a long {@code in}: the reads
     * that answer its status (the list, one job of the organization), and those of its file's download, its failure
     * and the expiry sweep ({@code get} by id, {@code expired}) leave it unread. Before, the last three read it.
     */
    @Test
    void onlyTheRunReadsAJobsConfig() {
        ExportJob job = queued("exp_1");

        List<ExportJob> listed = db.withHandle(h -> jobs.list(h, organizationId, 100));
        assertThat(listed).extracting(ExportJob::id, ExportJob::config)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("exp_1", null));
        ExportJob status = db.withHandle(h -> jobs.get(h, organizationId, "exp_1")).orElseThrow();
        assertThat(status.config()).isNull();
        assertThat(status).usingRecursiveComparison().ignoringFields("config").isEqualTo(job);
        ExportJob byId = reload("exp_1");
        assertThat(byId.config()).isNull();
        assertThat(byId).usingRecursiveComparison().ignoringFields("config").isEqualTo(job);
        assertThat(db.withHandle(h -> jobs.getToRun(h, "exp_1")).orElseThrow()).isEqualTo(job);

        tasks.run("exp_1");
        ExportJob completed = db.withHandle(h -> jobs.getToRun(h, "exp_1")).orElseThrow();
        clock.advance(Duration.ofHours(24));
        List<ExportJob> expired = db.withHandle(h -> jobs.expired(h, clock.instant()));
        assertThat(expired).extracting(ExportJob::config).containsExactly((String) null);
        assertThat(expired.getFirst()).usingRecursiveComparison().ignoringFields("config").isEqualTo(completed);
    }

    /**
     * An ended job stays listed for the retention (90 days here) after its file expired, or after it failed, and is then
     * deleted; a job not ended and one within its retention stay.
     */
    @Test
    void anEndedJobIsDeletedNinetyDaysAfterItsFileExpiredOrItFailed() {
        queued("exp_1");
        tasks.run("exp_1");
        queued("exp_2");
        db.inTransaction(h -> jobs.save(h,
                reload("exp_2").failed(clock.instant().plusSeconds(60), "The export failed")));
        clock.advance(Duration.ofHours(24));
        assertThat(tasks.sweep(clock.instant())).isEqualTo(1);
        queued("exp_3");

        // exp_2 failed 60 s after the start: its retention ends 90 days and 60 s after it.
        clock.advance(Duration.ofDays(90).plusSeconds(60).minusHours(24).minusMillis(1));
        assertThat(tasks.forgetEnded(clock.instant())).isZero();
        assertThat(ids()).containsExactly("exp_1", "exp_2", "exp_3");
        clock.advance(Duration.ofMillis(1));
        assertThat(tasks.forgetEnded(clock.instant())).isEqualTo(1);
        assertThat(ids()).containsExactly("exp_1", "exp_3");

        // exp_1's file expired 24 h after the start: its retention ends 90 days after that.
        clock.advance(Duration.ofHours(24).minusSeconds(60).minusMillis(1));
        assertThat(tasks.forgetEnded(clock.instant())).isZero();
        assertThat(ids()).containsExactly("exp_1", "exp_3");
        clock.advance(Duration.ofMillis(1));
        assertThat(tasks.forgetEnded(clock.instant())).isEqualTo(1);
        assertThat(ids()).containsExactly("exp_3");
        assertThat(reload("exp_3").status()).isEqualTo(ExportJob.Status.QUEUED);
    }

    /** The ids of the jobs stored, in order. */
    private List<String> ids() {
        return db.withHandle(h -> jobs.list(h, organizationId, 100)).stream().map(ExportJob::id).sorted().toList();
    }

    ExportJob queuedJson(String id) {
        ExportJob job = new ExportJob(id, organizationId, "module", "vendor", "vendor", "json",
                new ExportConfig(List.of("external_id", "name"), null, null, null, null, null, null, null, null, null,
                        null, null).toJson(), ExportJob.Status.QUEUED, 0, null, "vendors-export-2025-03-01.json", null,
                "application/json", null, "key_test", clock.instant(), null, null, null);
        db.inTransaction(h -> {
            jobs.create(h, job);
            return null;
        });
        return job;
    }

    /**
     * A run the instance's shutdown interrupts (db-scheduler interrupts a run still going once its shutdown wait is
     * over; here the thread is interrupted once the job is saved started, so the wait for the first records read ahead
     * fails) leaves
     * the job {@code processing} to run again, with no file, not failed; the next run writes the same file as an
     * uninterrupted one. Before, the job ended failed ("Freight failed while writing the export
     * (InterruptedIOException)").
     */
    @Test
    void aJobInterruptedByTheShutdownIsLeftToRunAgainAndThenWritesTheWholeFile() throws IOException {
        queuedJson("exp_3");
        queuedJson("exp_4");

        tasks.afterStart(jobId -> Thread.currentThread().interrupt());
        Throwable stopped;
        try {
            stopped = catchThrowable(() -> tasks.run("exp_3", () -> true));
        } finally {
            Thread.interrupted();
            tasks.afterStart(jobId -> {});
        }

        assertThat(stopped).hasMessage("export exp_3 was stopped by the shutdown of this instance; it runs again at "
                + "the next start").hasCauseInstanceOf(InterruptedIOException.class);
        ExportJob interrupted = reload("exp_3");
        assertThat(interrupted.status()).isEqualTo(ExportJob.Status.PROCESSING);
        assertThat(interrupted.error()).isNull();
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).isEmpty();
        }

        tasks.run("exp_3");
        tasks.run("exp_4");

        ExportJob done = reload("exp_3");
        assertThat(done.status()).isEqualTo(ExportJob.Status.COMPLETED);
        assertThat(done.recordCount()).isEqualTo(1);
        assertThat(Files.readString(dir.resolve("exp_3.json"))).contains("\"v-1\"")
                .isEqualTo(Files.readString(dir.resolve("exp_4.json")));
    }

    /**
     * A job's record count is the number of records its file holds, though records are created and deleted between
     * its count and its stream: both read one snapshot of the database. Before, the count was a query of its own, and
     * the job said 3 records of a file that held 4.
     */
    @Test
    void aJobsRecordCountIsTheRecordsItsFileHoldsThoughRecordsChangeAsItStarts() throws IOException {
        RecordStore records = new RecordStore(new IdGenerator(clock), clock);
        db.inTransaction(h -> records.upsert(h, organizationId, BuiltInObjects.VENDOR, List.of(
                new RecordWrite("v-2", Map.of("name", new Value.Text("Bolt"))),
                new RecordWrite("v-3", Map.of("name", new Value.Text("Cog"))))));
        String first = db.withHandle(h -> h.queryFirst("select id from records where external_id = 'v-1'",
                rs -> rs.getString(1))).orElseThrow();
        queued("exp_r");
        tasks.afterStart(jobId -> db.inTransaction(h -> {
            records.delete(h, organizationId, List.of(first));
            return records.upsert(h, organizationId, BuiltInObjects.VENDOR, List.of(
                    new RecordWrite("v-4", Map.of("name", new Value.Text("Dyno"))),
                    new RecordWrite("v-5", Map.of("name", new Value.Text("Edge")))));
        }));

        tasks.run("exp_r");

        ExportJob done = reload("exp_r");
        assertThat(done.status()).isEqualTo(ExportJob.Status.COMPLETED);
        assertThat(done.progress()).isEqualTo(100);
        String file = Files.readString(dir.resolve("exp_r.csv"));
        assertThat(done.recordCount()).as(file).isEqualTo(file.lines().count() - 1);
        assertThat(file).startsWith("External Id,Name\r\n");
        assertThat(file.lines().skip(1)).containsExactlyInAnyOrder("v-1,Acme", "v-2,Bolt", "v-3,Cog");
        assertThat(done.recordCount()).isEqualTo(3);
    }

    /**
     * As many export jobs at once as the pool has connections, each holding one for its stream (here all of them, held
     * together by a latch in the first save of their progress), all complete: a job saves its progress on a connection
     * of the spare pool, as it names the references of each batch of records on PostgreSQL, so they only queue for the
     * two spare connections. Before, each waited for a second connection of the main pool, none came, and every job
     * failed with the pool's time-out (paused as if the database were unavailable).
     */
    @Test
    void asManyJobsAtOnceAsThePoolHasConnectionsAllCompleteNamingReferencesAsTheirRecordsAreNow() throws Exception {
        RecordStore records = new RecordStore(new IdGenerator(clock), clock);
        String account = db.inTransaction(h -> records.upsert(h, organizationId, BuiltInObjects.ACCOUNT, List.of(
                new RecordWrite("a-0", Map.of("displayName", new Value.Text("Acme")))))).getFirst().id();
        List<RecordWrite> contacts = new ArrayList<>();
        StringBuilder expected = new StringBuilder("External Id,Account\r\n");
        for (int i = 0; i < 2_500; i++) {
            contacts.add(new RecordWrite("c-%04d".formatted(i), Map.of("displayName", new Value.Text("Contact " + i),
                    "account", new Value.Ref("a-0", "account", account))));
            expected.append("c-%04d,a-1\r\n".formatted(i));
        }
        db.inTransaction(h -> records.upsert(h, organizationId, BuiltInObjects.CONTACT, contacts));
        db.withHandle(h -> h.update("update records set external_id = 'a-1' where id = ?", account));
        int pool = ((com.zaxxer.hikari.HikariDataSource) db.dataSource()).getMaximumPoolSize();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < pool; i++) {
            ExportJob job = new ExportJob("exp_c" + i, organizationId, "module", "contact", "contact", "csv",
                    new ExportConfig(List.of("external_id", "account"), null, null, null, null, null, "external_id",
                            null, null, null, null, null).toJson(), ExportJob.Status.QUEUED, 0, null,
                    "contacts-export-2025-03-01.csv", null, "text/csv; charset=utf-8", null, "key_test",
                    clock.instant(), null, null, null);
            db.inTransaction(h -> {
                jobs.create(h, job);
                return null;
            });
            ids.add(job.id());
        }
        CountDownLatch streaming = new CountDownLatch(pool);
        Set<String> arrived = ConcurrentHashMap.newKeySet();
        tasks.beforeProgress(jobId -> {
            if (arrived.add(jobId)) {
                streaming.countDown();
                try {
                    assertThat(streaming.await(120, TimeUnit.SECONDS)).as("every job streaming").isTrue();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        });

        ExecutorService runs = Executors.newFixedThreadPool(pool);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (String id : ids) {
                done.add(runs.submit(() -> tasks.run(id)));
            }
            for (Future<?> run : done) {
                run.get(300, TimeUnit.SECONDS);
            }
        } finally {
            runs.shutdownNow();
        }

        assertThat(arrived).hasSize(pool);
        for (String id : ids) {
            ExportJob job = reload(id);
            assertThat(job.status()).as(id).isEqualTo(ExportJob.Status.COMPLETED);
            assertThat(job.progress()).isEqualTo(100);
            assertThat(job.recordCount()).isEqualTo(2_500);
            assertThat(Files.readString(dir.resolve(id + ".csv"))).isEqualTo(expected.toString());
        }
    }

    /**
     * A completion whose commit happened but was reported failed (the hook throws as a connection lost as it answered
     * COMMIT does) leaves the job completed with its file: the failure path reads the job's row before it deletes
     * anything. Before, it deleted the published file first, and the job said completed with no file to download.
     */
    @Test
    void aCompletionReportedFailedAfterItsCommitKeepsTheCompletedJobsFile() throws IOException {
        queued("exp_5");
        tasks.afterCompletion(jobId -> {
            throw new StoreException("database_error", "the answer to COMMIT was lost", null);
        });

        tasks.run("exp_5");

        ExportJob done = reload("exp_5");
        assertThat(done.status()).isEqualTo(ExportJob.Status.COMPLETED);
        assertThat(done.error()).isNull();
        assertThat(Files.readString(dir.resolve("exp_5.csv"))).isEqualTo("External Id,Name\r\nv-1,Acme\r\n");
        assertThat(done.fileSizeBytes()).isEqualTo(Files.size(dir.resolve("exp_5.csv")));
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).containsExactly(dir.resolve("exp_5.csv"));
        }
    }

    /**
     * The same, in a run the instance's shutdown stops as its completion is reported: the run is stopped to run again,
     * and the completed job keeps its file. Before, the stopped run deleted it.
     */
    @Test
    void aCompletionReportedFailedAsTheShutdownStopsTheRunKeepsTheCompletedJobsFile() throws IOException {
        queued("exp_6");
        tasks.afterCompletion(jobId -> {
            throw new StoreException("database_error", "the answer to COMMIT was lost", null);
        });

        Throwable stopped = catchThrowable(() -> tasks.run("exp_6", () -> true));

        assertThat(stopped).isInstanceOf(StoppedByShutdown.class).hasMessage("export exp_6 was stopped by the shutdown"
                + " of this instance; it runs again at the next start");
        assertThat(reload("exp_6").status()).isEqualTo(ExportJob.Status.COMPLETED);
        assertThat(Files.readString(dir.resolve("exp_6.csv"))).isEqualTo("External Id,Name\r\nv-1,Acme\r\n");
        tasks.afterCompletion(jobId -> {});
        tasks.run("exp_6");
        assertThat(reload("exp_6").status()).isEqualTo(ExportJob.Status.COMPLETED);
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).containsExactly(dir.resolve("exp_6.csv"));
        }
    }

    /**
     * A completion that did not commit (the hook puts the job's row back as the run started it, then throws) still ends
     * the job failed with no file left: only a completed job's file is kept.
     */
    @Test
    void aCompletionThatDidNotCommitFailsTheJobAndDeletesItsFile() throws IOException {
        ExportJob job = queued("exp_7");
        tasks.afterCompletion(jobId -> {
            db.inTransaction(h -> jobs.save(h, job.started(clock.instant(), 1)));
            throw new StoreException("database_error", "the completion failed", null);
        });

        tasks.run("exp_7");

        ExportJob failed = reload("exp_7");
        assertThat(failed.status()).isEqualTo(ExportJob.Status.FAILED);
        assertThat(failed.error()).isEqualTo("Freight failed while writing the export (database_error)");
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).isEmpty();
        }
    }

    /**
     * A completion reported failed after its commit logs one INFO line, naming what was reported, and no ERROR: the
     * job did not fail. Before, "export exp_8 failed: …" went out at ERROR with a stack trace, then the INFO line said
     * that the job was completed after all.
     */
    @Test
    void aCompletionReportedFailedAfterItsCommitLogsOnlyThatTheJobIsCompleted() {
        queued("exp_8");
        tasks.afterCompletion(jobId -> {
            throw new StoreException("database_error", "the answer to COMMIT was lost", null);
        });

        List<String> logged;
        try (CapturedLog log = CapturedLog.attachInfo("dev.freight.jobs")) {
            tasks.run("exp_8");
            logged = log.linesOf("exp_8");
        }

        assertThat(reload("exp_8").status()).isEqualTo(ExportJob.Status.COMPLETED);
        assertThat(logged).containsExactly("INFO dev.freight.jobs.ExportTasks: export exp_8 is completed nonetheless"
                + " (its completion committed, though reported failed: dev.freight.store.StoreException: the answer to"
                + " COMMIT was lost); its file stays");
    }

    /** A completion that did not commit logs the job's failure at ERROR, with its stack trace, and nothing else. */
    @Test
    void aCompletionThatDidNotCommitLogsTheFailureAtError() {
        ExportJob job = queued("exp_9");
        tasks.afterCompletion(jobId -> {
            db.inTransaction(h -> jobs.save(h, job.started(clock.instant(), 1)));
            throw new StoreException("database_error", "the completion failed", null);
        });

        List<String> logged;
        try (CapturedLog log = CapturedLog.attachInfo("dev.freight.jobs")) {
            tasks.run("exp_9");
            logged = log.linesOf("exp_9");
        }

        assertThat(reload("exp_9").status()).isEqualTo(ExportJob.Status.FAILED);
        assertThat(logged).containsExactly("ERROR dev.freight.jobs.ExportTasks: export exp_9 failed:"
                + " dev.freight.store.StoreException: the completion failed [stack]");
    }

    @Test
    void aJobWhoseModuleIsGoneFailsWithTheReasonAndLeavesNoFile() {
        ExportJob job = new ExportJob("exp_2", organizationId, "module", "widget", "widget", "csv", "{}",
                ExportJob.Status.QUEUED, 0, null, "widget-export.csv", null, "text/csv; charset=utf-8", null, null,
                clock.instant(), null, null, null);
        db.inTransaction(h -> {
            jobs.create(h, job);
            return null;
        });

        tasks.run("exp_2");

        ExportJob failed = reload("exp_2");
        assertThat(failed.status()).isEqualTo(ExportJob.Status.FAILED);
        assertThat(failed.error()).isEqualTo("Module widget no longer exists");
        assertThat(dir.resolve("exp_2.csv")).doesNotExist();
    }
}
