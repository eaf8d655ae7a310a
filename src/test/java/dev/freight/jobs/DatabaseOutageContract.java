package dev.freight.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.kagkarlsson.scheduler.ScheduledExecution;
import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.event.AbstractSchedulerListener;
import com.github.kagkarlsson.scheduler.event.ExecutionInterceptor;
import com.github.kagkarlsson.scheduler.event.SchedulerListener;
import com.github.kagkarlsson.scheduler.event.SchedulerListener.SchedulerEventType;
import com.github.kagkarlsson.scheduler.task.CompletionHandler;
import com.github.kagkarlsson.scheduler.task.TaskInstanceId;
import dev.freight.engine.ImportJobs;
import dev.freight.engine.ImportPipeline;
import dev.freight.engine.PipelineHooks;
import dev.freight.engine.UploadSources;
import dev.freight.export.ExportConfig;
import dev.freight.export.ExportFiles;
import dev.freight.export.Exporter;
import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.Value;
import dev.freight.store.Database;
import dev.freight.store.ExportJob;
import dev.freight.store.ExportJobStore;
import dev.freight.store.IdGenerator;
import dev.freight.store.ImportEnums.Action;
import dev.freight.store.ImportEnums.DuplicateHandling;
import dev.freight.store.ImportEnums.Status;
import dev.freight.store.ImportEnums.UploadMode;
import dev.freight.store.ImportJob;
import dev.freight.store.ImportStats;
import dev.freight.store.ImportStore;
import dev.freight.store.MappingMemoryStore;
import dev.freight.store.RecordStore;
import dev.freight.store.RecordStream;
import dev.freight.store.RecordWrite;
import dev.freight.store.RowError;
import dev.freight.store.SchemaStore;
import dev.freight.store.StoreException;
import dev.freight.store.TenantStore;
import dev.freight.store.UploadStore;
import dev.freight.testing.CapturedLog;
import dev.freight.testing.SettableClock;
import java.io.IOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * An import running on a real db-scheduler when its database goes away and comes back: its run fails as
 * {@code database_unavailable}, and once the database is back the import carries on by itself within seconds, from
 * its checkpoint, to the records, stats and rejected rows of an uninterrupted run. Before, the failed run was due
 * again 5 minutes later (db-scheduler's default retry), so the test's 120-second wait for the import ran out.
 *
 * <p>The worker is held at the chunk of rows 4-6 ({@link Hold}) while the database goes away, and that chunk's
 * transaction is what the outage fails. The tasks' clock stands still at {@link #START}, so the run after the failure
 * is due at exactly {@code START} plus the first wait of {@link RunRetries} (already past for db-scheduler's own
 * clock: it runs at its next poll).
 */
abstract class DatabaseOutageContract {

    static final Instant START = Instant.parse("2025-03-01T09:00:00Z");
    private static final long BOUND_SECONDS = 120;

    /** Twelve vendors, chunks of 3: four chunks; the score of v-5 is not a number, so that row is rejected. */
    static final String VENDORS = """
            external_id,name,status,raw_irq_score
            v-01,Acme,active,85
            v-02,Beta,onboarding,70
            v-03,Gamma,inactive,
            v-04,Delta,active,12.5
            v-05,Epsilon,offboarding,bad
            v-06,Zeta,active,1
            v-07,Eta,active,2
            v-08,Theta,active,3
            v-09,Iota,active,4
            v-10,Kappa,active,5
            v-11,Lambda,active,6
            v-12,Mu,active,7
            """;

    /** Where the worker is held while the database goes away; the chunk of rows 4-6 is what the outage fails. */
    enum Hold {
        /** In the chunk's transaction, before its commit: the outage ends the session the transaction is on. */
        INSIDE_THE_CHUNK,
        /** Between the chunk of rows 1-3 and the next, outside any transaction: the next one begins in the outage. */
        BEFORE_THE_CHUNK
    }

    /** A new, migrated database of the test's own, whose pool waits up to {@code connectionWait} for a connection. */
    abstract Database open(Duration connectionWait);

    /** How long the test's pool waits for a connection, when not 120 s. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    @interface ConnectionWait {
        int seconds();
    }

    abstract Hold hold();

    /** Makes the database unavailable, ending the sessions open on it; returns once it is. */
    abstract void stopDatabase();

    /** Makes the database available again; returns once it is. */
    abstract void startDatabase();

    /** Lets go of what {@link #open} made, the database's server included. */
    abstract void closeDatabase();

    @TempDir
    Path dir;

    SettableClock clock;
    Database db;
    ImportStore imports;
    RecordStore records;
    ImportJobs jobs;
    ImportPipeline pipeline;
    UploadStore uploads;
    ImportTasks importTasks;
    ExportJobStore exportJobs;
    ExportTasks exportTasks;
    Scheduler scheduler;
    SchedulerClient client;
    /**
     * What each run of a task failed with, in order: what it threw to db-scheduler, or the {@link PausedByOutage} it
     * threw to {@link RunTask}, which records that failure itself (db-scheduler gets a {@link RunTask.Caught}).
     */
    final List<Throwable> failures = new CopyOnWriteArrayList<>();
    /** The queue's row of each run of {@code import-run} as the run started, in order. */
    final List<ScheduledExecution<Object>> started = new CopyOnWriteArrayList<>();
    final CountDownLatch failed = new CountDownLatch(1);
    final CountDownLatch failedTwice = new CountDownLatch(2);
    final CountDownLatch held = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    /** Run on the worker's thread as each run of a task starts, before the run's code. */
    volatile Runnable beforeRun = () -> {};
    /**
     * Run on the worker's thread as each run of a task fails (as {@link #failures} says), before db-scheduler records
     * the failure.
     */
    volatile Runnable afterFailure = () -> {};
    /**
     * Run on the worker's thread as each run of a task that threw nothing ends, before db-scheduler records its end (a
     * run that could not load its job returns a completion that records it failed).
     */
    volatile Runnable afterReturn = () -> {};

    @BeforeEach
    void setUp(TestInfo test) {
        clock = new SettableClock(START);
        db = open(Duration.ofSeconds(test.getTestMethod().map(m -> m.getAnnotation(ConnectionWait.class))
                .map(ConnectionWait::seconds).orElse(120)));
        IdGenerator ids = new IdGenerator(clock);
        imports = new ImportStore(clock);
        records = new RecordStore(ids, clock);
        SchemaStore schemas = new SchemaStore(clock);
        pipeline = new ImportPipeline(db, imports, records, schemas, clock, 3);
        jobs = new ImportJobs(ids, clock, Duration.ofHours(1));
        uploads = new UploadStore(dir.resolve("uploads"));
        importTasks = new ImportTasks(db, imports, pipeline, new UploadSources(uploads, db, imports),
                new MappingMemoryStore(clock), clock, Duration.ofSeconds(10));
        exportJobs = new ExportJobStore();
        exportTasks = new ExportTasks(db, exportJobs, schemas,
                new Exporter(db, new RecordStream(db)), new ExportFiles(dir.resolve("exports")), clock,
                Duration.ofHours(24), Duration.ofDays(90), Duration.ofMinutes(1));
        client = SchedulerClient.Builder.create(db.dataSource(), importTasks.runTask(), exportTasks.runTask())
                .build();
        scheduler = newScheduler();
    }

    /**
     * A scheduler of the run tasks on the test's database, as an instance of Freight starts one, with db-scheduler's
     * default heartbeat (5 minutes): no run is taken for dead during the test, so only the failure handler can make
     * the failed run due again.
     */
    Scheduler newScheduler() {
        return newScheduler(Duration.ofMinutes(5), SchedulerListener.NOOP);
    }

    /**
     * As {@link #newScheduler()}, with a heartbeat every {@code heartbeat} (a run is dead once it missed 4) and
     * {@code listener}.
     */
    Scheduler newScheduler(Duration heartbeat, SchedulerListener listener) {
        return newScheduler(heartbeat, 1, listener);
    }

    /** As {@link #newScheduler(Duration, SchedulerListener)}, with {@code threads} worker threads. */
    Scheduler newScheduler(Duration heartbeat, int threads, SchedulerListener listener) {
        ExecutionInterceptor watch = (instance, context, chain) -> {
            started.add(client.getScheduledExecution(TaskInstanceId.of(instance.getTaskName(), instance.getId()))
                    .orElseThrow());
            beforeRun.run();
            CompletionHandler<?> then;
            try {
                then = chain.proceed(instance, context);
            } catch (RuntimeException e) {
                failed(e);
                throw e;
            }
            if (then instanceof RunTask.Caught caught && caught.thrown() instanceof PausedByOutage paused) {
                failed(paused);
                return then;
            }
            return afterReturn(then);
        };
        return Scheduler.create(db.dataSource(), importTasks.runTask(), exportTasks.runTask())
                .threads(threads)
                .pollingInterval(Duration.ofMillis(500))
                .heartbeatInterval(heartbeat)
                .missedHeartbeatsLimit(4)
                .enableImmediateExecution()
                .shutdownMaxWait(Duration.ofSeconds(5))
                .addExecutionInterceptor(watch)
                .addSchedulerListener(listener)
                .build();
    }

    private void failed(RuntimeException e) {
        failures.add(e);
        afterFailure.run();
        failed.countDown();
        failedTwice.countDown();
    }

    private <T> CompletionHandler<T> afterReturn(CompletionHandler<T> then) {
        return (complete, operations) -> {
            afterReturn.run();
            then.complete(complete, operations);
        };
    }

    @AfterEach
    void tearDown() {
        if (scheduler != null) {
            PipelineHooks.clear(pipeline);
            exportTasks.beforeProgress(jobId -> {});
            exportTasks.insideProgress(jobId -> {});
            scheduler.stop();
        }
        if (db != null) {
            db.close();
            closeDatabase();
        }
    }

    /**
     * The run the outage failed logs Freight's one WARN line and nothing else naming the import. Before, db-scheduler
     * added its WARN "Unhandled exception dev.freight.jobs.PausedByOutage: import … paused …" with a stack trace.
     */
    @Test
    void anImportWhoseDatabaseWentAwayCarriesOnByItselfOnceItIsBackAndEndsAsAnUninterruptedRun() throws Exception {
        String org = organization("acme");
        ImportJob job = acceptedUpload(org, VENDORS);
        holdAtTheSecondChunk();
        scheduler.start();
        ImportJob resumed;
        List<String> logged;
        try (CapturedLog log = CapturedLog.attachInfo("dev.freight", "com.github.kagkarlsson")) {
            importTasks.enqueue(client, job.id());
            await(held, "the worker to reach the chunk of rows 4-6");
            stopDatabase();
            release.countDown();
            await(failed, "the run to fail");
            startDatabase();
            resumed = awaitEnded(job.id());
            logged = log.linesOf(job.id());
        }

        assertThat(logged).filteredOn(line -> line.contains(job.id())).containsExactly(
                "WARN dev.freight.jobs.ImportTasks: import " + job.id() + " paused, the database is unavailable:"
                        + " dev.freight.store.StoreException: The database is unavailable");
        assertThat(failures).hasSize(1);
        assertPausedByOutage(failures.getFirst(), "import " + job.id());
        assertThat(started).hasSize(2);
        assertThat(started.get(0).getExecutionTime()).isEqualTo(START);
        assertThat(started.get(0).getConsecutiveFailures()).isZero();
        assertThat(started.get(1).getExecutionTime()).isEqualTo(START.plus(RunRetries.FIRST_WAIT));
        assertThat(started.get(1).getConsecutiveFailures()).isEqualTo(1);

        String other = organization("other");
        ImportJob uninterrupted = acceptedUpload(other, VENDORS);
        importTasks.runImport(uninterrupted.id());
        ImportJob clean = load(uninterrupted.id());

        assertThat(resumed.status()).isEqualTo(Status.COMPLETED);
        assertThat(resumed.reason()).isEqualTo("1 of 12 rows failed; see the errors file");
        assertThat(resumed.stats()).isEqualTo(new ImportStats(12, 11, 11, 0, 0, 0, 0, 1)).isEqualTo(clean.stats());
        assertThat(resumed.checkpoint()).isEqualTo(12).isEqualTo(clean.checkpoint());
        assertThat(resumed.phases()).extracting(p -> p.phase().wireName() + ":" + p.status().wireName() + ":"
                + p.rows() + ":" + p.rejected()).isEqualTo(clean.phases().stream().map(p -> p.phase().wireName()
                + ":" + p.status().wireName() + ":" + p.rows() + ":" + p.rejected()).toList());
        List<RowError> errors = errors(resumed.id());
        assertThat(errors).hasSize(1).isEqualTo(errors(clean.id()));
        assertThat(errors.getFirst().line()).isEqualTo(6);
        assertThat(errors.getFirst().code()).isEqualTo("invalid_field_value");
        List<String> stored = vendors(org);
        assertThat(stored).hasSize(11).isEqualTo(vendors(other));
        assertThat(stored.get(3)).isEqualTo(
                "v-04={name=Text[value=Delta], raw_irq_score=Decimal[value=12.5], status=Text[value=active]}");
    }

    /**
     * Two outages in one import's life, a chunk committed between them: the run the second failed is due again the
     * first wait after the failure, as the first's was. Before, db-scheduler's consecutive failures (which only a run
     * that returns resets) carried over: 2 s after, and 30 s after any later outage once one outage had failed five
     * runs in a row.
     */
    @Test
    void aSecondOutageInAnImportsLifeIsWaitedOutFromTheFirstWaitAgain() throws Exception {
        String org = organization("acme");
        ImportJob job = acceptedUpload(org, VENDORS);
        CountDownLatch heldAgain = new CountDownLatch(1);
        CountDownLatch releaseAgain = new CountDownLatch(1);
        holdAt(Map.of(4L, new CountDownLatch[] {held, release}, 7L, new CountDownLatch[] {heldAgain, releaseAgain}));
        scheduler.start();
        importTasks.enqueue(client, job.id());

        await(held, "the worker to reach the chunk of rows 4-6");
        stopDatabase();
        release.countDown();
        await(failed, "the first run to fail");
        startDatabase();
        await(heldAgain, "the worker to reach the chunk of rows 7-9");
        stopDatabase();
        releaseAgain.countDown();
        await(failedTwice, "the second run to fail");
        startDatabase();
        ImportJob resumed = awaitEnded(job.id());

        assertThat(failures).hasSize(2);
        assertPausedByOutage(failures.get(0), "import " + job.id());
        assertPausedByOutage(failures.get(1), "import " + job.id());
        assertThat(started).hasSize(3);
        assertThat(started.get(1).getExecutionTime()).isEqualTo(START.plus(RunRetries.FIRST_WAIT));
        assertThat(started.get(1).getConsecutiveFailures()).isEqualTo(1);
        assertThat(started.get(2).getExecutionTime()).isEqualTo(START.plus(RunRetries.FIRST_WAIT));
        assertThat(started.get(2).getConsecutiveFailures()).isEqualTo(2);
        assertThat(resumed.status()).isEqualTo(Status.COMPLETED);
        assertThat(resumed.stats()).isEqualTo(new ImportStats(12, 11, 11, 0, 0, 0, 0, 1));
        assertThat(resumed.checkpoint()).isEqualTo(12);
        assertThat(vendors(org)).hasSize(11);
    }

    /**
     * One outage over several runs: the database is away as each of the first two runs starts (on SQLite, another
     * process holds the write lock: the run could still read its import, but not write), and is back only while
     * db-scheduler records the run's failure. Each run is due again twice as long after the last one's failure as the
     * one before it: 1 s, then 2 s (the tasks' clock stands still). Before, on SQLite, a run that read its import
     * counted as one that had reached the database (PausedByOutage), so each began a new outage: 1 s every time. The
     * runs throw nothing to db-scheduler (see {@link #aRunThatCannotLoadItsJobLogsOnePausedLineAndNoStackTrace}).
     */
    @Test
    @ConnectionWait(seconds = 2)
    void runsThatEachFindTheDatabaseStillAwayWaitTwiceAsLongEachTime() throws Exception {
        String org = organization("acme");
        ImportJob job = acceptedUpload(org, VENDORS);
        AtomicInteger runs = new AtomicInteger();
        beforeRun = () -> {
            if (runs.incrementAndGet() <= 2) {
                stopDatabase();
            }
        };
        CountDownLatch backTwice = new CountDownLatch(2);
        afterReturn = () -> {
            if (runs.get() <= 2) {
                startDatabase();
                backTwice.countDown();
            }
        };
        scheduler.start();
        importTasks.enqueue(client, job.id());
        // The database is back once the second run's end counts down (afterReturn starts it first).
        await(backTwice, "the second run to end");
        ImportJob resumed = awaitEnded(job.id());

        assertThat(started).hasSize(3);
        assertThat(started).extracting(ScheduledExecution::getExecutionTime)
                .containsExactly(START, START.plus(RunRetries.FIRST_WAIT), START.plus(Duration.ofSeconds(2)));
        assertThat(started).extracting(ScheduledExecution::getData).containsExactly(null, 1, 2);
        assertThat(started).extracting(ScheduledExecution::getConsecutiveFailures).containsExactly(0, 1, 2);
        assertThat(failures).isEmpty();
        assertThat(resumed.status()).isEqualTo(Status.COMPLETED);
        assertThat(resumed.stats()).isEqualTo(new ImportStats(12, 11, 11, 0, 0, 0, 0, 1));
        assertThat(resumed.checkpoint()).isEqualTo(12);
        assertThat(vendors(org)).hasSize(11);
    }

    /**
     * A run that cannot load its job, the database away as it starts, logs one WARN line, as a run the outage failed
     * later does ("import … paused, the database is unavailable: …", "export … paused, …"), and nothing with a stack
     * trace; its task is due again after the first wait, the outage's count 1, and the job carries on once the
     * database is back. Before, the run threw the database's failure to db-scheduler, which logged it at WARN
     * ("Unhandled exception dev.freight.store.StoreException … Treating as failure") with its stack trace, and Freight's
     * line was missing.
     */
    @Test
    @ConnectionWait(seconds = 2)
    void aRunThatCannotLoadItsJobLogsOnePausedLineAndNoStackTrace() throws Exception {
        String org = organization("acme");
        ImportJob job = acceptedUpload(org, VENDORS);
        ExportJob export = queuedVendorExport(org);
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch importBack = new CountDownLatch(1);
        CountDownLatch exportBack = new CountDownLatch(1);
        // The first run of each job finds the database away; it is back as db-scheduler records that run's end
        // (whether the run threw or returned). The test reads nothing from the database in between.
        beforeRun = () -> {
            if (runs.incrementAndGet() % 2 == 1) {
                stopDatabase();
            }
        };
        afterReturn = () -> {
            if (runs.get() % 2 == 1) {
                startDatabase();
                (runs.get() == 1 ? importBack : exportBack).countDown();
            }
        };
        afterFailure = afterReturn;
        scheduler.start();
        ImportJob resumed;
        ExportJob done;
        List<String> logged;
        try (CapturedLog log = CapturedLog.attachInfo("dev.freight", "com.github.kagkarlsson")) {
            importTasks.enqueue(client, job.id());
            await(importBack, "the import's first run to end");
            resumed = awaitEnded(job.id());
            exportTasks.enqueue(client, export.id());
            await(exportBack, "the export's first run to end");
            done = awaitExportEnded(export.id());
            logged = log.linesOf(job.id(), export.id());
        }

        assertThat(logged).containsExactly(
                "WARN dev.freight.jobs.ImportTasks: import " + job.id() + " paused, the database is unavailable:"
                        + " dev.freight.store.StoreException: The database is unavailable",
                "WARN dev.freight.jobs.ExportTasks: export " + export.id() + " paused, the database is unavailable:"
                        + " dev.freight.store.StoreException: The database is unavailable");
        assertThat(failures).isEmpty();
        assertThat(started).extracting(e -> e.getTaskInstance().getTaskName()).containsExactly(
                "import-run", "import-run", "export-run", "export-run");
        assertThat(started).extracting(ScheduledExecution::getExecutionTime)
                .containsExactly(START, START.plus(RunRetries.FIRST_WAIT), START, START.plus(RunRetries.FIRST_WAIT));
        assertThat(started).extracting(ScheduledExecution::getData).containsExactly(null, 1, null, 1);
        assertThat(started).extracting(ScheduledExecution::getConsecutiveFailures).containsExactly(0, 1, 0, 1);
        assertThat(resumed.status()).isEqualTo(Status.COMPLETED);
        assertThat(resumed.stats()).isEqualTo(new ImportStats(12, 11, 11, 0, 0, 0, 0, 1));
        assertThat(done.status()).isEqualTo(ExportJob.Status.COMPLETED);
        assertThat(done.recordCount()).isEqualTo(11);
    }

    /**
     * When the database is still away as db-scheduler records the run's failure (the failure handler's update, which
     * the run's completion calls ({@link RunTask}), fails too, after the pool's wait: db-scheduler logs ERROR "Failed
     * while completing execution" and counts a completion handler's error), the task stays marked
     * picked and nothing runs the import while the database stays away: db-scheduler's own polls fail (PostgreSQL) or
     * find nothing due (SQLite), with no loop of runs against the database. Once it is back, db-scheduler takes the run
     * up as a dead one (its heartbeats stopped with the run, so it missed 4 long ago), with its outage count unchanged,
     * and the import carries on from its checkpoint to the end of an uninterrupted run. The scheduler here beats every
     * second, as Freight's does.
     */
    @Test
    @ConnectionWait(seconds = 2)
    void aRunWhoseFailureTheOutageKeptFromBeingRecordedWaitsForTheDatabaseAndCarriesOnOnceItIsBack() throws Exception {
        String org = organization("acme");
        ImportJob job = acceptedUpload(org, VENDORS);
        holdAtTheSecondChunk();
        CountDownLatch notRecorded = new CountDownLatch(1);
        CountDownLatch polledSince = new CountDownLatch(3);
        SchedulerListener listener = new AbstractSchedulerListener() {
            @Override
            public void onSchedulerEvent(SchedulerEventType type) {
                if (type == SchedulerEventType.COMPLETIONHANDLER_ERROR) {
                    notRecorded.countDown();
                } else if (notRecorded.getCount() == 0 && (type == SchedulerEventType.RAN_EXECUTE_DUE
                        || type == SchedulerEventType.UNEXPECTED_ERROR)) {
                    polledSince.countDown();
                }
            }
        };
        scheduler = newScheduler(Duration.ofSeconds(1), listener);
        scheduler.start();
        importTasks.enqueue(client, job.id());

        await(held, "the worker to reach the chunk of rows 4-6");
        stopDatabase();
        release.countDown();
        await(notRecorded, "db-scheduler's record of the failed run to fail");
        await(polledSince, "three polls of db-scheduler's after it");
        assertThat(started).hasSize(1);
        assertThat(failures).hasSize(1);
        assertPausedByOutage(failures.getFirst(), "import " + job.id());
        startDatabase();
        ImportJob resumed = awaitEnded(job.id());

        assertThat(failures).hasSize(1);
        assertThat(started).hasSize(2);
        assertThat(started.get(1).getData()).isNull();
        assertThat(started.get(1).getConsecutiveFailures()).isEqualTo(1);
        assertThat(resumed.status()).isEqualTo(Status.COMPLETED);
        assertThat(resumed.stats()).isEqualTo(new ImportStats(12, 11, 11, 0, 0, 0, 0, 1));
        assertThat(resumed.checkpoint()).isEqualTo(12);
        assertThat(vendors(org)).hasSize(11);
    }

    /**
     * A run the instance's shutdown stops (the scheduler interrupts it once its shutdown wait is over) logs one INFO line
     * saying that it runs again at the next start, and nothing with a stack trace; its task is due again at once, as a
     * failed run, keeping the outage count its data held (3 here, left by an outage earlier in the import's life): the
     * count is the outage's, not the instance's. The next instance's scheduler carries the import on from its
     * checkpoint to the end of an uninterrupted run. Before, the worker's line was a WARN, and db-scheduler added a WARN
     * "Unhandled exception StoppedByShutdown …" with its stack trace for every run a graceful stop cut short.
     */
    @Test
    void anImportStoppedByTheShutdownLogsOneInfoLineAndCarriesOnAtTheNextStartWithItsOutageCount() throws Exception {
        String org = organization("acme");
        ImportJob job = acceptedUpload(org, VENDORS);
        PipelineHooks.afterChunk(pipeline, committed -> {
            if (committed.checkpoint() == 3) {
                held.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException("interrupted while held after row 3");
                }
            }
        });
        client.scheduleIfNotExists(importTasks.runTask().instance(job.id(), 3), START);
        scheduler.start();
        await(held, "the worker to commit the chunk of rows 1-3");

        List<String> logged;
        try (CapturedLog log = CapturedLog.attachInfo("dev.freight", "com.github.kagkarlsson")) {
            scheduler.stop();
            logged = log.linesOf(job.id());
        }

        assertThat(logged).filteredOn(line -> !line.startsWith("INFO com.github.kagkarlsson")).containsExactly(
                "INFO dev.freight.jobs.ImportTasks: import " + job.id() + " was stopped by the shutdown of this"
                        + " instance; it runs again at the next start (java.lang.IllegalStateException: interrupted"
                        + " while held after row 3)");
        assertThat(logged).noneMatch(line -> line.endsWith("[stack]"));
        assertThat(failures).isEmpty();
        ScheduledExecution<Object> due = client.getScheduledExecution(TaskInstanceId.of("import-run", job.id()))
                .orElseThrow();
        assertThat(due.getExecutionTime()).isEqualTo(START);
        assertThat(due.isPicked()).isFalse();
        assertThat(due.getData()).isEqualTo(3);
        assertThat(due.getConsecutiveFailures()).isEqualTo(1);
        assertThat(due.getLastFailure()).isNotNull();
        assertThat(load(job.id()).status()).isEqualTo(Status.PROCESSING);
        assertThat(load(job.id()).checkpoint()).isEqualTo(3);

        PipelineHooks.clear(pipeline);
        scheduler = newScheduler();
        scheduler.start();
        ImportJob resumed = awaitEnded(job.id());

        assertThat(started).hasSize(2);
        assertThat(started.get(1).getData()).isEqualTo(3);
        assertThat(resumed.status()).isEqualTo(Status.COMPLETED);
        assertThat(resumed.stats()).isEqualTo(new ImportStats(12, 11, 11, 0, 0, 0, 0, 1));
        assertThat(resumed.checkpoint()).isEqualTo(12);
        assertThat(vendors(org)).hasSize(11);
    }

    /**
     * The import's own limit still ends it: an import whose maximum run time passed while the database was away ends
     * {@code timed_out} at the run after the database's return, keeping the chunk committed before the outage.
     */
    @Test
    void anImportWhoseDeadlinePassedWhileTheDatabaseWasAwayEndsTimedOutKeepingItsCommittedChunk() throws Exception {
        String org = organization("acme");
        ImportJob job = acceptedUpload(org, VENDORS);
        holdAtTheSecondChunk();
        scheduler.start();
        importTasks.enqueue(client, job.id());

        await(held, "the worker to reach the chunk of rows 4-6");
        stopDatabase();
        clock.advance(Duration.ofHours(2));
        release.countDown();
        await(failed, "the run to fail");
        startDatabase();
        ImportJob ended = awaitEnded(job.id());

        assertThat(failures).hasSize(1);
        assertPausedByOutage(failures.getFirst(), "import " + job.id());
        assertThat(started).hasSize(2);
        assertThat(started.get(1).getExecutionTime()).isEqualTo(START.plus(Duration.ofHours(2))
                .plus(RunRetries.FIRST_WAIT));
        assertThat(ended.status()).isEqualTo(Status.TIMED_OUT);
        assertThat(ended.reason()).isEqualTo("The import ran past its maximum run time (deadline "
                + "2025-03-01T10:00:00Z); 3 rows committed before it stopped are kept");
        assertThat(ended.stats()).isEqualTo(new ImportStats(3, 3, 3, 0, 0, 0, 0, 0));
        assertThat(ended.checkpoint()).isEqualTo(3);
        assertThat(vendors(org)).containsExactly(
                "v-01={name=Text[value=Acme], raw_irq_score=Decimal[value=85], status=Text[value=active]}",
                "v-02={name=Text[value=Beta], raw_irq_score=Decimal[value=70], status=Text[value=onboarding]}",
                "v-03={name=Text[value=Gamma], status=Text[value=inactive]}");
    }

    /**
     * An export job whose run the outage failed while it wrote its file (held as it saves its progress after the first
     * of 12 records) is written again from the start by itself once the database is back, its next run due 1 s after
     * the failure. Before, 5 minutes after. The failed run deletes its partial file; before, it stayed until the next
     * run replaced it. It logs Freight's one WARN line and nothing else naming the job; before, db-scheduler added its
     * WARN "Unhandled exception dev.freight.jobs.PausedByOutage: export … paused …" with a stack trace.
     */
    @Test
    void anExportWhoseDatabaseWentAwayIsWrittenAgainByItselfOnceItIsBack() throws Exception {
        String org = organization("acme");
        List<RecordWrite> vendors = new ArrayList<>();
        StringBuilder expected = new StringBuilder("External Id,Name\r\n");
        for (int i = 1; i <= 12; i++) {
            String name = "Vendor " + i;
            vendors.add(new RecordWrite("v-%02d".formatted(i), Map.of("name", new Value.Text(name))));
            expected.append("v-%02d,%s\r\n".formatted(i, name));
        }
        db.inTransaction(h -> records.upsert(h, org, BuiltInObjects.VENDOR, vendors));
        ExportJob job = new ExportJob(new IdGenerator(clock).next("exp"), org, "module", "vendor", "vendor", "csv",
                new ExportConfig(List.of("external_id", "name"), null, null, null, null, null, null, null, null, null,
                        null, null).toJson(), ExportJob.Status.QUEUED, 0, null, "vendors-export-2025-03-01.csv", null,
                "text/csv; charset=utf-8", null, "key_test", clock.instant(), null, null, null);
        db.inTransaction(h -> {
            exportJobs.create(h, job);
            return null;
        });
        AtomicBoolean armed = new AtomicBoolean(true);
        Consumer<String> holdOnce = jobId -> {
            if (armed.compareAndSet(true, false)) {
                held.countDown();
                await(release, "the test to stop the database");
            }
        };
        switch (hold()) {
            case INSIDE_THE_CHUNK -> exportTasks.insideProgress(holdOnce);
            case BEFORE_THE_CHUNK -> exportTasks.beforeProgress(holdOnce);
        }
        scheduler.start();
        Path partial = dir.resolve("exports").resolve(job.id() + ".part");
        boolean partialWhileHeld;
        boolean partialAfterFailure;
        ExportJob done;
        List<String> logged;
        try (CapturedLog log = CapturedLog.attachInfo("dev.freight", "com.github.kagkarlsson")) {
            exportTasks.enqueue(client, job.id());
            await(held, "the worker to save the export's progress");
            partialWhileHeld = Files.exists(partial);
            stopDatabase();
            release.countDown();
            await(failed, "the run to fail");
            partialAfterFailure = Files.exists(partial);
            startDatabase();
            done = awaitExportEnded(job.id());
            logged = log.linesOf(job.id());
        }

        assertThat(partialWhileHeld).isTrue();
        assertThat(partialAfterFailure).isFalse();
        assertThat(logged).filteredOn(line -> line.contains(job.id())).containsExactly(
                "WARN dev.freight.jobs.ExportTasks: export " + job.id() + " paused, the database is unavailable:"
                        + " dev.freight.store.StoreException: The database is unavailable");
        assertThat(failures).hasSize(1);
        assertPausedByOutage(failures.getFirst(), "export " + job.id());
        assertThat(started).hasSize(2);
        assertThat(started.get(1).getTaskInstance().getTaskName()).isEqualTo("export-run");
        assertThat(started.get(1).getExecutionTime()).isEqualTo(START.plus(RunRetries.FIRST_WAIT));
        assertThat(started.get(1).getConsecutiveFailures()).isEqualTo(1);
        assertThat(done.status()).isEqualTo(ExportJob.Status.COMPLETED);
        assertThat(done.recordCount()).isEqualTo(12);
        assertThat(done.progress()).isEqualTo(100);
        assertThat(Files.readString(dir.resolve("exports").resolve(job.id() + ".csv"))).isEqualTo(expected.toString());
    }

    /**
     * Not an outage: export jobs hold every connection of the main pool but one as they stream their records, each
     * about to save its progress on a spare connection ({@link Database#inSpareTransaction}), which on SQLite waits for
     * the write lock; an import's chunk, on the last main connection, holds that lock (the exports go on once it has
     * written the chunk of rows 4-6, before its commit). The import asks for no other connection before it commits,
     * so the exports' saves go through after it, and every job ends as an uninterrupted run, none paused. Were the
     * import to ask for a main connection while it holds the lock, it would wait for an export's, and the exports for
     * its lock: with such a request added to the chunk (a {@code withHandle} in this hook), no job ended within the
     * test's 120 s bound.
     */
    @Test
    void exportsWaitingForTheWriteLockOfAnImportsChunkWithEveryOtherMainConnectionAllComplete() throws Exception {
        String org = organization("acme");
        List<RecordWrite> vendors = new ArrayList<>();
        StringBuilder expected = new StringBuilder("External Id,Name\r\n");
        for (int i = 1; i <= 12; i++) {
            vendors.add(new RecordWrite("v-%02d".formatted(i), Map.of("name", new Value.Text("Vendor " + i))));
            expected.append("v-%02d,Vendor %d\r\n".formatted(i, i));
        }
        db.inTransaction(h -> records.upsert(h, org, BuiltInObjects.VENDOR, vendors));
        String other = organization("other");
        ImportJob job = acceptedUpload(other, VENDORS);
        int pool = ((com.zaxxer.hikari.HikariDataSource) db.dataSource()).getMaximumPoolSize();
        List<String> exports = new ArrayList<>();
        for (int i = 1; i < pool; i++) {
            exports.add(queuedVendorExport(org).id());
        }
        CountDownLatch streaming = new CountDownLatch(exports.size());
        CountDownLatch lockHeld = new CountDownLatch(1);
        java.util.Set<String> arrived = java.util.concurrent.ConcurrentHashMap.newKeySet();
        exportTasks.beforeProgress(jobId -> {
            if (arrived.add(jobId)) {
                streaming.countDown();
                await(lockHeld, "the import to write its chunk of rows 4-6");
            }
        });
        PipelineHooks.insideChunk(pipeline, (h, first) -> {
            if (first == 4) {
                lockHeld.countDown();
            }
        });

        java.util.concurrent.ExecutorService runs = java.util.concurrent.Executors.newFixedThreadPool(pool);
        try {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (String id : exports) {
                done.add(runs.submit(() -> exportTasks.run(id)));
            }
            await(streaming, "every export to stream its records");
            done.add(runs.submit(() -> importTasks.runImport(job.id())));
            for (java.util.concurrent.Future<?> run : done) {
                run.get(BOUND_SECONDS, TimeUnit.SECONDS);
            }
        } finally {
            runs.shutdownNow();
        }

        ImportJob imported = load(job.id());
        assertThat(imported.status()).isEqualTo(Status.COMPLETED);
        assertThat(imported.stats()).isEqualTo(new ImportStats(12, 11, 11, 0, 0, 0, 0, 1));
        assertThat(vendors(other)).hasSize(11);
        for (String id : exports) {
            ExportJob export = db.withHandle(h -> exportJobs.get(h, id)).orElseThrow();
            assertThat(export.status()).as(id).isEqualTo(ExportJob.Status.COMPLETED);
            assertThat(export.recordCount()).isEqualTo(12);
            assertThat(Files.readString(dir.resolve("exports").resolve(id + ".csv"))).isEqualTo(expected.toString());
        }
    }

    /** A queued export job of the organization's vendors (external id and name, as CSV); its run not queued. */
    ExportJob queuedVendorExport(String org) {
        ExportJob job = new ExportJob(new IdGenerator(clock).next("exp"), org, "module", "vendor", "vendor", "csv",
                new ExportConfig(List.of("external_id", "name"), null, null, null, null, null, null, null, null, null,
                        null, null).toJson(), ExportJob.Status.QUEUED, 0, null, "vendors-export-2025-03-01.csv", null,
                "text/csv; charset=utf-8", null, "key_test", clock.instant(), null, null, null);
        db.inTransaction(h -> {
            exportJobs.create(h, job);
            return null;
        });
        return job;
    }

    /** Waits (at most 120 s) until the export job has ended and its run has left the queue; returns it. */
    ExportJob awaitExportEnded(String id) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BOUND_SECONDS);
        while (System.nanoTime() < deadline) {
            ExportJob job = db.withHandle(h -> exportJobs.get(h, id)).orElseThrow();
            if (job.status().isFinal() && !exportTasks.isQueued(client, id)) {
                return job;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("export " + id + " did not end within " + BOUND_SECONDS + " s of the database's "
                + "return: " + db.withHandle(h -> exportJobs.get(h, id)).orElseThrow().status() + ", run due at "
                + client.getScheduledExecution(TaskInstanceId.of("export-run", id))
                        .map(ScheduledExecution::getExecutionTime).orElse(null));
    }

    /** Holds the worker (once) at the chunk of rows 4-6, where {@link #hold} says, until {@link #release}. */
    void holdAtTheSecondChunk() {
        holdAt(Map.of(4L, new CountDownLatch[] {held, release}));
    }

    /**
     * Holds the worker once at each chunk whose first row is a key of {@code latches}, where {@link #hold} says: counts
     * down the first latch of its value, then waits for the second.
     */
    void holdAt(Map<Long, CountDownLatch[]> latches) {
        Map<Long, AtomicBoolean> armed = new TreeMap<>();
        latches.keySet().forEach(first -> armed.put(first, new AtomicBoolean(true)));
        Consumer<Long> holdOnce = first -> {
            if (armed.containsKey(first) && armed.get(first).compareAndSet(true, false)) {
                latches.get(first)[0].countDown();
                await(latches.get(first)[1], "the test to stop the database");
            }
        };
        switch (hold()) {
            case INSIDE_THE_CHUNK -> PipelineHooks.insideChunk(pipeline, (h, first) -> holdOnce.accept(first));
            case BEFORE_THE_CHUNK -> PipelineHooks.afterChunk(pipeline,
                    committed -> holdOnce.accept(committed.checkpoint() + 1));
        }
    }

    /** {@code failure} is the run's pause, the database's {@code database_unavailable} its cause. */
    static void assertPausedByOutage(Throwable failure, String what) {
        assertThat(failure).isInstanceOf(PausedByOutage.class).hasMessage(what + " paused, the database is "
                + "unavailable; it runs again once the database is back");
        assertThat(failure.getCause()).isInstanceOf(StoreException.class);
        assertThat(((StoreException) failure.getCause()).code()).isEqualTo("database_unavailable");
    }

    /** Waits (at most 120 s) until the import has ended and its run has left the queue; returns it. */
    ImportJob awaitEnded(String id) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BOUND_SECONDS);
        while (System.nanoTime() < deadline) {
            try {
                Optional<ImportJob> job = db.withHandle(h -> imports.get(h, id));
                if (job.isPresent() && job.get().status().isFinal() && !importTasks.isQueued(client, id)) {
                    return job.get();
                }
            } catch (StoreException e) {
                // Just after the server's return the pool may still be giving out connections it tried before.
                assertThat(e.code()).isEqualTo("database_unavailable");
            }
            Thread.sleep(100);
        }
        throw new AssertionError("import " + id + " did not end within " + BOUND_SECONDS + " s of the database's "
                + "return: " + load(id).status() + ", checkpoint " + load(id).checkpoint() + ", run due at "
                + client.getScheduledExecution(TaskInstanceId.of("import-run", id))
                        .map(ScheduledExecution::getExecutionTime).orElse(null));
    }

    static void await(CountDownLatch latch, String what) {
        try {
            if (!latch.await(BOUND_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("waited " + BOUND_SECONDS + " s for " + what);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + what, e);
        }
    }

    String organization(String slug) {
        return db.inTransaction(h -> new TenantStore(new IdGenerator(clock), clock).createOrganization(h, slug, slug))
                .id();
    }

    /** An Imports-resource upload of {@code csv} as the upload request commits it: queued, its run not queued. */
    ImportJob acceptedUpload(String org, String csv) throws IOException {
        ImportJob job = jobs.requested(new ImportJobs.Request(org, "vendor", "imports", UploadMode.ASYNC, Action.MERGE,
                DuplicateHandling.IGNORE_ALL, "test", "key_test", null), clock.instant().plus(Duration.ofHours(1)));
        Files.createDirectories(uploads.path(job.id()).getParent());
        Files.writeString(uploads.path(job.id()), csv);
        ImportJob queued = job.withUpload(UploadStore.sha256(uploads.path(job.id())), "csv", "vendors.csv", null)
                .withDeadline(jobs.deadlineFromNow()).withStatus(Status.QUEUED, null);
        db.inTransaction(h -> {
            imports.create(h, queued);
            return null;
        });
        return queued;
    }

    ImportJob load(String id) {
        return db.withHandle(h -> imports.get(h, id)).orElseThrow();
    }

    List<RowError> errors(String importId) {
        List<RowError> out = new ArrayList<>();
        db.withHandle(h -> {
            imports.errors(h, importId, out::add);
            return null;
        });
        return out;
    }

    /** The organization's vendors as "external id=values" in external id order, values in field order. */
    List<String> vendors(String org) {
        return db.withHandle(h -> records.page(h, org, BuiltInObjects.VENDOR, null, null, 100, null)).stream()
                .map(r -> r.externalId() + "=" + new TreeMap<>(r.values()))
                .sorted().toList();
    }
}
