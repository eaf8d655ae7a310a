package dev.freight.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.kagkarlsson.scheduler.ScheduledExecution;
import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.event.ExecutionInterceptor;
import com.github.kagkarlsson.scheduler.task.TaskInstanceId;
import dev.freight.engine.ImportJobs;
import dev.freight.engine.ImportPipeline;
import dev.freight.engine.UploadSources;
import dev.freight.ingest.TemporaryFileUnwritable;
import dev.freight.ingest.WorkbookLimits;
import dev.freight.schema.BuiltInObjects;
import dev.freight.store.Database;
import dev.freight.store.IdGenerator;
import dev.freight.store.ImportEnums.Action;
import dev.freight.store.ImportEnums.DuplicateHandling;
import dev.freight.store.ImportEnums.Phase;
import dev.freight.store.ImportEnums.Status;
import dev.freight.store.ImportEnums.UploadMode;
import dev.freight.store.ImportJob;
import dev.freight.store.ImportStore;
import dev.freight.store.MappingMemoryStore;
import dev.freight.store.RecordStore;
import dev.freight.store.SchemaStore;
import dev.freight.store.TenantStore;
import dev.freight.store.UploadStore;
import dev.freight.testing.SettableClock;
import dev.freight.testing.TestDatabases;
import dev.freight.testing.XlsxFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A background import whose read of its XLSX upload fails for want of the server's temporary storage (its shared
 * strings past the heap's 65,536 cannot be kept in {@code FREIGHT_TEMP_DIR}: here a plain file stands where the
 * directory belongs, which refuses even root, as a full disk or a read-only mount would) is not failed: the failure is
 * the server's disk, not the file. The import waits, saying why, and its run is due again a minute later
 * ({@link RunRetries#STORAGE_WAIT}), until its maximum run time, after which it ends {@code timed_out}. Before, the
 * import failed for good in prevalidation, and its file had to be imported again as a new import.
 */
abstract class TemporaryStorageContract {

    static final Instant START = Instant.parse("2025-03-01T09:00:00Z");
    private static final AtomicInteger DATABASES = new AtomicInteger();

    abstract TestDatabases database();

    @TempDir
    Path dir;

    SettableClock clock;
    Database db;
    ImportStore imports;
    RecordStore records;
    ImportJobs jobs;
    UploadStore uploads;
    ImportTasks importTasks;
    ImportPipeline pipeline;
    UploadSources sources;
    SchedulerClient client;
    Scheduler scheduler;
    Path temp;
    String org;

    @BeforeEach
    void setUp() throws IOException {
        clock = new SettableClock(START);
        db = database().open("temporary_storage_" + DATABASES.incrementAndGet());
        IdGenerator ids = new IdGenerator(clock);
        imports = new ImportStore(clock);
        records = new RecordStore(ids, clock);
        pipeline = new ImportPipeline(db, imports, records, new SchemaStore(clock), clock, 3);
        jobs = new ImportJobs(ids, clock, Duration.ofHours(1));
        uploads = new UploadStore(dir.resolve("uploads"));
        temp = Files.writeString(dir.resolve("tmp"), "not a directory");
        sources = new UploadSources(uploads, db, imports,
                new WorkbookLimits(WorkbookLimits.DEFAULT_MAX_PART_BYTES, 100_000, temp));
        importTasks = new ImportTasks(db, imports, pipeline, sources, new MappingMemoryStore(clock), clock,
                Duration.ofSeconds(10));
        client = SchedulerClient.Builder.create(db.dataSource(), importTasks.runTask()).build();
        org = db.inTransaction(h -> new TenantStore(ids, clock).createOrganization(h, "acme", "Acme")).id();
    }

    @AfterEach
    void close() {
        if (scheduler != null) {
            scheduler.stop();
        }
        db.close();
    }

    /**
     * On a real db-scheduler (whose own clock is the wall's, so a run due at the tasks' standing {@link #START} plus a
     * minute is due at once): the first run fails, leaving the import queued with the reason that says why and no
     * record; the run after it is due a minute after the failure and, the directory writable again, completes the
     * import from the same upload.
     */
    @Test
    void anImportWhoseReadTheTemporaryDirectoryCannotTakeWaitsAndIsRunAgainAMinuteLater() throws Exception {
        ImportJob job = acceptedXlsxUpload();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        List<ScheduledExecution<Object>> started = new CopyOnWriteArrayList<>();
        CountDownLatch failed = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutionInterceptor watch = (instance, context, chain) -> {
            started.add(client.getScheduledExecution(TaskInstanceId.of(instance.getTaskName(), instance.getId()))
                    .orElseThrow());
            try {
                return chain.proceed(instance, context);
            } catch (RuntimeException e) {
                failures.add(e);
                failed.countDown();
                // The failure handler, which makes the run due again, waits until the directory can be written.
                await(release);
                throw e;
            }
        };
        scheduler = Scheduler.create(db.dataSource(), importTasks.runTask())
                .threads(1)
                .pollingInterval(Duration.ofMillis(500))
                .enableImmediateExecution()
                .shutdownMaxWait(Duration.ofSeconds(5))
                .addExecutionInterceptor(watch)
                .build();
        scheduler.start();
        importTasks.enqueue(client, job.id());

        await(failed);
        ImportJob waiting = load(job.id());
        Files.delete(temp);
        Files.createDirectory(temp);
        release.countDown();
        ImportJob done = awaitEnded(job.id());

        assertThat(waiting.status()).isEqualTo(Status.QUEUED);
        assertThat(waiting.reason()).isEqualTo("Freight could not read the file: its temporary directory cannot be"
                + " written (disk full or not writable); the run is tried again in a minute, until the import's"
                + " maximum run time");
        assertThat(failures).hasSize(1);
        assertThat(ImportPipeline.temporaryStorageFailure(failures.getFirst()))
                .isInstanceOf(TemporaryFileUnwritable.class);
        assertThat(started).hasSize(2);
        assertThat(started.get(0).getExecutionTime()).isEqualTo(START);
        assertThat(started.get(1).getExecutionTime()).isEqualTo(START.plus(Duration.ofMinutes(1)));
        assertThat(done.status()).isEqualTo(Status.COMPLETED);
        assertThat(done.reason()).isNull();
        assertThat(done.stats().read()).isEqualTo(1);
        assertThat(externalIds()).containsExactly("a-1");
    }

    /**
     * Past its maximum run time, a run that fails so ends the import {@code timed_out}, saying why, and is not tried
     * again (the run returns); before it, the run throws for the worker to try it again, the import waiting.
     */
    @Test
    void anImportWhoseReadTheTemporaryDirectoryCannotTakeEndsTimedOutPastItsMaximumRunTime() throws Exception {
        ImportJob job = acceptedXlsxUpload();

        assertThatThrownBy(() -> importTasks.runImport(job.id())).isInstanceOf(UncheckedIOException.class)
                .hasCauseInstanceOf(TemporaryFileUnwritable.class);
        assertThat(load(job.id()).status()).isEqualTo(Status.QUEUED);
        clock.advance(Duration.ofHours(1).plusMillis(1));
        importTasks.runImport(job.id());

        ImportJob ended = load(job.id());
        assertThat(ended.status()).isEqualTo(Status.TIMED_OUT);
        assertThat(ended.reason()).isEqualTo("The import ran past its maximum run time (deadline 2025-03-01T10:00:00Z)"
                + " while the server's temporary directory could not be written (disk full or not writable); 0 rows"
                + " committed before it stopped are kept");
        assertThat(externalIds()).isEmpty();
    }

    /**
     * The directory breaking between prepare and processing (prepare read the upload's shared strings into it; then a
     * plain file stands where it belongs): processing's read fails the run as prepare's does, the import waiting in
     * the status it had with the reason that says why and both of prepare's phases completed; the run after it,
     * the directory back, processes the import without preparing it again (its phases keep the times of the first
     * prepare) and leaves no file but the process's lock in the directory.
     */
    @Test
    void anImportWhoseTemporaryDirectoryBreaksAfterPrepareWaitsAndIsProcessedWithoutPreparingAgain() throws Exception {
        Files.delete(temp);
        Files.createDirectory(temp);
        ImportJob job = acceptedXlsxUpload();
        ImportJob prepared = pipeline.prepare(job.id(), sources.of(job));
        Path aside = dir.resolve("tmp-aside");
        clock.advance(Duration.ofMinutes(1));
        Files.move(temp, aside);
        Files.writeString(temp, "not a directory");

        assertThatThrownBy(() -> importTasks.runImport(job.id())).isInstanceOf(UncheckedIOException.class)
                .hasCauseInstanceOf(TemporaryFileUnwritable.class);
        ImportJob waiting = load(job.id());
        Files.delete(temp);
        Files.move(aside, temp);
        clock.advance(Duration.ofMinutes(1));
        importTasks.runImport(job.id());
        ImportJob done = load(job.id());

        assertThat(prepared.status()).isEqualTo(Status.QUEUED);
        assertThat(waiting.status()).isEqualTo(Status.PROCESSING);
        assertThat(waiting.reason()).isEqualTo(ImportPipeline.AWAITING_STORAGE);
        assertThat(waiting.phase(Phase.PREVALIDATION)).isEqualTo(prepared.phase(Phase.PREVALIDATION));
        assertThat(waiting.phase(Phase.PREPARSING)).isEqualTo(prepared.phase(Phase.PREPARSING));
        assertThat(waiting.stats().read()).isZero();
        assertThat(done.status()).isEqualTo(Status.COMPLETED);
        assertThat(done.reason()).isNull();
        assertThat(done.phase(Phase.PREVALIDATION)).isEqualTo(prepared.phase(Phase.PREVALIDATION));
        assertThat(done.phase(Phase.PREPARSING)).isEqualTo(prepared.phase(Phase.PREPARSING));
        assertThat(done.stats().read()).isEqualTo(1);
        assertThat(externalIds()).containsExactly("a-1");
        try (var left = Files.walk(temp)) {
            assertThat(left.filter(Files::isRegularFile).map(f -> f.getFileName().toString()))
                    .containsExactlyInAnyOrder("freight-instance.lock", ".freight-instances.lock");
        }
    }

    /** An import of the vendor resource whose XLSX upload, of 70,000 shared strings, was accepted: queued. */
    private ImportJob acceptedXlsxUpload() throws IOException {
        ImportJob job = jobs.requested(new ImportJobs.Request(org, "vendor", "imports", UploadMode.ASYNC, Action.MERGE,
                DuplicateHandling.IGNORE_ALL, "test", "key_test", null), clock.instant().plus(Duration.ofHours(1)));
        Files.createDirectories(uploads.path(job.id()).getParent());
        Files.write(uploads.path(job.id()), XlsxFiles.expanding(new String[] {"external_id", "name"},
                "<si><t>n</t></si>", 70_000, 69_999, "", 0));
        ImportJob queued = job.withUpload(UploadStore.sha256(uploads.path(job.id())), "xlsx", "vendors.xlsx", null)
                .withDeadline(jobs.deadlineFromNow()).withStatus(Status.QUEUED, null);
        db.inTransaction(h -> {
            imports.create(h, queued);
            return null;
        });
        return queued;
    }

    private List<String> externalIds() {
        return db.withHandle(h -> records.page(h, org, BuiltInObjects.VENDOR, null, null, 100, null)).stream()
                .map(r -> r.externalId()).toList();
    }

    private ImportJob load(String id) {
        return db.withHandle(h -> imports.get(h, id)).orElseThrow();
    }

    private ImportJob awaitEnded(String id) throws InterruptedException {
        for (int i = 0; i < 1_200; i++) {
            ImportJob job = load(id);
            if (job.status().isFinal() && !importTasks.isQueued(client, id)) {
                return job;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("import " + id + " did not end within 120 s: " + load(id).status());
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(120, TimeUnit.SECONDS)) {
                throw new AssertionError("waited 120 s in vain");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
