package dev.freight.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.kagkarlsson.scheduler.ScheduledExecution;
import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.event.AbstractSchedulerListener;
import com.github.kagkarlsson.scheduler.event.ExecutionInterceptor;
import com.github.kagkarlsson.scheduler.event.SchedulerListener.SchedulerEventType;
import com.github.kagkarlsson.scheduler.task.CompletionHandler;
import com.github.kagkarlsson.scheduler.task.Execution;
import com.github.kagkarlsson.scheduler.task.ExecutionComplete;
import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import dev.freight.engine.ImportPipeline;
import dev.freight.engine.UploadSources;
import dev.freight.engine.ValidationFiles;
import dev.freight.export.ExportFiles;
import dev.freight.export.Exporter;
import dev.freight.store.Database;
import dev.freight.store.ExportJobStore;
import dev.freight.store.IdGenerator;
import dev.freight.store.ImportStore;
import dev.freight.store.MappingMemoryStore;
import dev.freight.store.ParsedFileStore;
import dev.freight.store.RecordStore;
import dev.freight.store.RecordStream;
import dev.freight.store.SchemaStore;
import dev.freight.store.UploadStore;
import dev.freight.store.ValidationFileStore;
import dev.freight.testing.CapturedLog;
import dev.freight.testing.SettableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Freight's recurring tasks on a real db-scheduler whose heartbeats of a live run are held up while its reads go on,
 * as SQLite's write lock held by another process does: db-scheduler's search for dead runs finds the run, and the
 * instance still running it leaves it alone; a run whose instance really died is still taken up. Each task is built
 * by the class that Freight's wiring takes it from. The scheduler beats every 500 ms (dead after 4 missed: 2 s), so
 * that the six tasks of each test take seconds, not half a minute.
 */
abstract class RecurringTaskHeartbeatContract {

    static final Instant START = Instant.parse("2025-03-01T09:00:00Z");
    /** Each task's delay between runs: no second regular run comes during a test. */
    static final Duration EVERY = Duration.ofHours(1);
    private static final long BOUND_SECONDS = 120;

    /** A new, migrated database of the test's own. */
    abstract Database open();

    /**
     * Makes every write to db-scheduler's rows wait (the heartbeats among them) while reads go on; returns once it
     * does.
     */
    abstract void holdWrites();

    /** Lets the writes {@link #holdWrites} held go on. */
    abstract void letGo();

    /** Lets go of what {@link #open} made besides the database. */
    void closeDatabase() {}

    @TempDir
    Path dir;

    SettableClock clock;
    Database db;
    Map<String, RecurringTask<Void>> tasks;
    Scheduler scheduler;

    static Stream<String> names() {
        return Stream.of("import-expiry", "export-expiry", "parsed-file-expiry", "validation-file-expiry",
                "import-retention", "stranded-jobs");
    }

    @BeforeEach
    void setUp() {
        clock = new SettableClock(START);
        db = open();
        IdGenerator ids = new IdGenerator(clock);
        ImportStore imports = new ImportStore(clock);
        SchemaStore schemas = new SchemaStore(clock);
        UploadStore uploads = new UploadStore(dir.resolve("uploads"));
        ImportPipeline pipeline = new ImportPipeline(db, imports, new RecordStore(ids, clock), schemas, clock, 3);
        ImportTasks importTasks = new ImportTasks(db, imports, pipeline, new UploadSources(uploads, db, imports),
                new MappingMemoryStore(clock), clock, EVERY);
        ExportJobStore exportJobs = new ExportJobStore();
        ExportTasks exportTasks = new ExportTasks(db, exportJobs, schemas, new Exporter(db, new RecordStream(db)),
                new ExportFiles(dir.resolve("exports")), clock, Duration.ofHours(24), Duration.ofDays(90), EVERY);
        ValidationFileStore validations = new ValidationFileStore();
        tasks = Map.of(
                "import-expiry", importTasks.expiryTask(),
                "export-expiry", exportTasks.expiryTask(),
                "parsed-file-expiry", new ParsedFileSweeper(db, new ParsedFileStore(clock), uploads, clock,
                        Duration.ofHours(1), EVERY).task(),
                "validation-file-expiry", new ValidationFileSweeper(db, validations, new ValidationFiles(
                        dir.resolve("validations"), db, validations, ids, clock, Duration.ofHours(1), 1L << 30),
                        clock, Duration.ofDays(30), EVERY).task(),
                "import-retention", new ImportRetention(db, imports, uploads, clock, Duration.ofDays(30), EVERY)
                        .task(),
                "stranded-jobs", new StrandedJobs(db, imports, exportJobs, importTasks, exportTasks, clock,
                        Duration.ofMinutes(10), EVERY).task());
    }

    @AfterEach
    void tearDown() {
        if (scheduler != null) {
            scheduler.stop();
        }
        db.close();
        closeDatabase();
    }

    /**
     * The run's heartbeats (writes) wait while db-scheduler's search for dead runs (a read) finds it; the writes go on
     * once it has. The run is held after its body, before db-scheduler records its end, until the search round that
     * found it has ended: the round left the task's row as the run picked it (its version), and the run is the task's
     * only one, its end recorded: due {@link #EVERY} after it ended. Before (db-scheduler's
     * {@code ReviveDeadExecution}), the round revived it as the writes went on ("Reviving dead execution"); the first
     * run is then held until the second run it let start beside itself has ended, and its own end failed to be
     * recorded ("Failed while completing execution").
     */
    @ParameterizedTest
    @MethodSource("names")
    void aRunWhoseHeartbeatIsHeldUpIsNotStartedAgainBesideItself(String name) throws Exception {
        List<Execution> runs = new CopyOnWriteArrayList<>();
        List<ExecutionComplete> ends = new CopyOnWriteArrayList<>();
        AtomicInteger atOnce = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch writesHeld = new CountDownLatch(1);
        CountDownLatch decided = new CountDownLatch(1);
        CountDownLatch secondEnded = new CountDownLatch(1);
        CountDownLatch firstEnded = new CountDownLatch(1);
        ExecutionInterceptor watch = (instance, context, chain) -> {
            boolean first = runs.isEmpty();
            runs.add(context.getExecution());
            mostAtOnce.accumulateAndGet(atOnce.incrementAndGet(), Math::max);
            if (first) {
                running.countDown();
                await(writesHeld, "the test to hold the writes");
            }
            CompletionHandler<?> then = chain.proceed(instance, context);
            return ending(then, complete -> {
                ends.add(complete);
                if (first) {
                    await(decided, "the test to let the first run end");
                }
            }, () -> {
                atOnce.decrementAndGet();
                (first ? firstEnded : secondEnded).countDown();
            });
        };
        CountDownLatch foundDead = new CountDownLatch(1);
        CountDownLatch searchOver = new CountDownLatch(1);
        AbstractSchedulerListener listener = new AbstractSchedulerListener() {
            @Override
            public void onExecutionDead(Execution execution) {
                foundDead.countDown();
            }

            @Override
            public void onSchedulerEvent(SchedulerEventType type) {
                if (type == SchedulerEventType.RAN_DETECT_DEAD && foundDead.getCount() == 0) {
                    searchOver.countDown();
                }
            }
        };
        scheduler = newScheduler(name, watch, listener);
        long firstVersion;
        long versionAfterSearch;
        List<String> logged;
        try (CapturedLog log = CapturedLog.attachInfo("dev.freight", "com.github.kagkarlsson")) {
            scheduler.start();
            await(running, "the task's first run to start");
            holdWrites();
            try {
                writesHeld.countDown();
                await(foundDead, "db-scheduler to find the run whose heartbeat is held up dead");
            } finally {
                letGo();
            }
            await(searchOver, "the search for dead runs that found it to end");
            firstVersion = runs.getFirst().version;
            versionAfterSearch = version(name);
            if (versionAfterSearch != firstVersion) {
                await(secondEnded, "the second run to end");
            }
            decided.countDown();
            await(firstEnded, "the first run's end to be recorded");
            logged = log.linesOf().stream().filter(line -> line.contains(name)).toList();
        } finally {
            decided.countDown();
        }

        assertThat(mostAtOnce).hasValue(1);
        assertThat(runs).hasSize(1);
        assertThat(ends).hasSize(1);
        assertThat(versionAfterSearch).isEqualTo(firstVersion);
        assertThat(logged).noneMatch(line -> line.contains("Reviving dead execution")
                || line.contains("Failed while completing execution"));
        assertThat(logged).filteredOn(line -> line.contains(" dev.freight.")).containsExactly(
                "INFO dev.freight.jobs.LiveRuns: " + name + " recurring: its heartbeat is stale, but this instance is"
                        + " still running it (the database refuses writes: another process holds SQLite's write"
                        + " lock?); it is not started again");
        ScheduledExecution<Object> row = scheduler.getScheduledExecution(tasks.get(name).getDefaultTaskInstance())
                .orElseThrow();
        assertThat(row.isPicked()).isFalse();
        assertThat(row.getConsecutiveFailures()).isZero();
        // As stored: to the millisecond (SQLite), or rounded to the microsecond (PostgreSQL).
        Instant due = ends.getFirst().getTimeDone().plus(EVERY);
        assertThat(row.getExecutionTime())
                .isBetween(due.truncatedTo(ChronoUnit.MILLIS), due.plus(1, ChronoUnit.MICROS));
        assertThat(version(name)).isEqualTo(firstVersion + 1);
    }

    /**
     * A run of the task that a crashed instance left picked, its heartbeat an hour old: the search for dead runs finds
     * it, it is not running here, so it is due again at once by the tasks' clock (one INFO line), runs once, and is
     * due {@link #EVERY} after it ended.
     */
    @ParameterizedTest
    @MethodSource("names")
    void aRunWhoseInstanceDiedIsTakenUpAndRunsAgain(String name) throws Exception {
        RecurringTask<Void> task = tasks.get(name);
        SchedulerClient client = SchedulerClient.Builder.create(db.dataSource(), task).build();
        client.scheduleIfNotExists(task.instance(RecurringTask.INSTANCE), START.minus(Duration.ofHours(1)));
        db.inTransaction(h -> h.update("update scheduled_tasks set picked = ?, picked_by = ?, last_heartbeat ="
                + " execution_time, version = version + 1 where task_name = ?", true, "crashed-instance", name));
        long crashedVersion = version(name);
        List<Execution> runs = new CopyOnWriteArrayList<>();
        List<ExecutionComplete> ends = new CopyOnWriteArrayList<>();
        CountDownLatch ended = new CountDownLatch(1);
        ExecutionInterceptor watch = (instance, context, chain) -> {
            runs.add(context.getExecution());
            return ending(chain.proceed(instance, context), ends::add, ended::countDown);
        };
        scheduler = newScheduler(name, watch, new AbstractSchedulerListener() {});
        List<String> logged;
        try (CapturedLog log = CapturedLog.attachInfo("dev.freight", "com.github.kagkarlsson")) {
            scheduler.start();
            await(ended, "the dead run to be taken up and end");
            logged = log.linesOf().stream().filter(line -> line.contains(name)).toList();
        }

        assertThat(logged).filteredOn(line -> line.contains(" dev.freight.")).containsExactly(
                "INFO dev.freight.jobs.LiveRuns: " + name + " recurring: its run stopped beating (the instance that"
                        + " ran it is gone, or could not record its end); it runs again now");
        assertThat(runs).hasSize(1);
        assertThat(runs.getFirst().executionTime).isEqualTo(START);
        assertThat(runs.getFirst().consecutiveFailures).isEqualTo(1);
        assertThat(runs.getFirst().version).isEqualTo(crashedVersion + 2);
        ScheduledExecution<Object> row = client.getScheduledExecution(task.getDefaultTaskInstance()).orElseThrow();
        assertThat(row.isPicked()).isFalse();
        assertThat(row.getConsecutiveFailures()).isZero();
        // As stored: to the millisecond (SQLite), or rounded to the microsecond (PostgreSQL).
        Instant due = ends.getFirst().getTimeDone().plus(EVERY);
        assertThat(row.getExecutionTime())
                .isBetween(due.truncatedTo(ChronoUnit.MILLIS), due.plus(1, ChronoUnit.MICROS));
    }

    /**
     * A scheduler of the task {@code name} alone, as Freight's (2 threads, 4 missed heartbeats make a run dead), its
     * heartbeat every 500 ms, polling every 500 ms.
     */
    private Scheduler newScheduler(String name, ExecutionInterceptor watch, AbstractSchedulerListener listener) {
        return Scheduler.create(db.dataSource())
                .startTasks(tasks.get(name))
                .threads(2)
                .pollingInterval(Duration.ofMillis(500))
                .heartbeatInterval(Duration.ofMillis(500))
                .missedHeartbeatsLimit(4)
                .shutdownMaxWait(Duration.ofSeconds(5))
                .addExecutionInterceptor(watch)
                .addSchedulerListener(listener)
                .build();
    }

    /** {@code then}, {@code before} run ahead of it, {@code after} once it has recorded the run's end (or failed). */
    private static <T> CompletionHandler<T> ending(CompletionHandler<T> then,
            java.util.function.Consumer<ExecutionComplete> before, Runnable after) {
        return (complete, operations) -> {
            try {
                before.accept(complete);
                then.complete(complete, operations);
            } finally {
                after.run();
            }
        };
    }

    private long version(String name) {
        return db.withHandle(h -> h.queryFirst("select version from scheduled_tasks where task_name = ?",
                rs -> rs.getLong(1), name)).orElseThrow();
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
}
