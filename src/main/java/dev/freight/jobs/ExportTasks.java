package dev.freight.jobs;

import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import dev.freight.export.ExportConfig;
import dev.freight.export.ExportException;
import dev.freight.export.ExportFiles;
import dev.freight.export.ExportFormat;
import dev.freight.export.ExportPlan;
import dev.freight.export.Exporter;
import dev.freight.schema.ObjectDef;
import dev.freight.store.Database;
import dev.freight.store.ExportJob;
import dev.freight.store.ExportJobStore;
import dev.freight.store.SchemaStore;
import dev.freight.store.StoreException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The export worker and the export-file sweeper as db-scheduler tasks. A job killed mid-way is run again from the
 * start when db-scheduler picks its task up again; its file appears only once complete. Completed files are deleted
 * {@code fileTtl} after completion and their jobs marked {@code expired}; the jobs ended (expired or failed) are
 * deleted {@code jobRetention} after they ended.
 */
public final class ExportTasks {

    private static final Logger LOG = LoggerFactory.getLogger(ExportTasks.class);

    private final Database database;
    private final ExportJobStore jobs;
    private final SchemaStore schemas;
    private final Exporter exporter;
    private final ExportFiles files;
    private final Clock clock;
    private final Duration fileTtl;
    private final Duration jobRetention;
    private final OneTimeTask<Integer> run;
    private final RecurringTask<Void> expire;
    /**
     * Run with the job's id just before each transaction that saves a job's progress, and in it after the save,
     * before its commit: nothing, but a test holds the worker there while it makes the database unavailable. Volatile:
     * a test sets them while a worker runs.
     */
    private volatile Consumer<String> beforeProgress = jobId -> {};
    private volatile Consumer<String> insideProgress = jobId -> {};
    /**
     * Run with the job's id once the transaction that marks the job completed has returned: nothing, but a test throws
     * there as a commit that happened but was reported failed does (the connection lost as it answered COMMIT).
     */
    private volatile Consumer<String> afterCompletion = jobId -> {};
    /**
     * Run with the job's id once the job is saved {@code processing} with its record count, between the count and the
     * stream of its records: nothing, but a test creates and deletes records there.
     */
    private volatile Consumer<String> afterStart = jobId -> {};

    public ExportTasks(Database database, ExportJobStore jobs, SchemaStore schemas, Exporter exporter,
            ExportFiles files, Clock clock, Duration fileTtl, Duration jobRetention, Duration sweepEvery) {
        this.database = database;
        this.jobs = jobs;
        this.schemas = schemas;
        this.exporter = exporter;
        this.files = files;
        this.clock = clock;
        this.fileTtl = fileTtl;
        this.jobRetention = jobRetention;
        this.run = new RunTask("export-run", clock, this::run);
        this.expire = new SweepTask("export-expiry", sweepEvery, clock, (instance, context) -> {
            Instant now = clock.instant();
            sweep(now);
            forgetEnded(now);
        });
    }

    /** Sets what runs just before each transaction that saves a job's progress; for tests. */
    void beforeProgress(Consumer<String> hook) {
        this.beforeProgress = hook;
    }

    /** Sets what runs in each transaction that saves a job's progress, before its commit; for tests. */
    void insideProgress(Consumer<String> hook) {
        this.insideProgress = hook;
    }

    /** Sets what runs once the transaction that marks a job completed has returned; for tests. */
    void afterCompletion(Consumer<String> hook) {
        this.afterCompletion = hook;
    }

    /** Sets what runs once a job is saved started, between its count and its stream; for tests. */
    void afterStart(Consumer<String> hook) {
        this.afterStart = hook;
    }

    public OneTimeTask<Integer> runTask() {
        return run;
    }

    public RecurringTask<Void> expiryTask() {
        return expire;
    }

    /** Queues a job for the background worker; queuing it twice is harmless. */
    public void enqueue(SchedulerClient client, String jobId) {
        client.scheduleIfNotExists(run.instance(jobId), clock.instant());
    }

    /**
     * Whether the job's run is in db-scheduler's queue: waiting, running, or picked by a worker that died (which
     * db-scheduler revives). False once its run returned, and for one whose run was never queued.
     */
    public boolean isQueued(SchedulerClient client, String jobId) {
        return client.getScheduledExecution(run.instance(jobId)).isPresent();
    }

    /** Writes one job's file; public for tests that run it in-line. */
    public void run(String jobId) {
        run(jobId, () -> false);
    }

    /**
     * As {@link #run(String)}, in a run that {@code stopping} says when this instance is shutting down: what the run
     * throws then (the scheduler interrupts a run still going once its shutdown wait is over; writing the file then
     * fails with ClosedByInterruptException) leaves the job {@code processing}, its partial file deleted, and is thrown
     * again as {@link StoppedByShutdown}, so the job runs again from the start at the next start. Before, such a job
     * ended {@code failed} ("Freight failed while writing the export (ClosedByInterruptException)").
     */
    public void run(String jobId, BooleanSupplier stopping) {
        // A write transaction, though it only reads: see ImportTasks.runImport (SQLite's reads go on under another
        // process's write lock, which is the outage).
        ExportJob job;
        try {
            job = database.inTransaction(h -> jobs.getToRun(h, jobId)).orElse(null);
        } catch (StoreException e) {
            if (!e.isUnavailable()) {
                throw e;
            }
            // As in ImportTasks.runImport: one line, and no stack trace of db-scheduler's.
            LOG.warn("export {} paused, the database is unavailable: {}", jobId, e.toString());
            throw new UnloadedByOutage("export " + jobId, e);
        }
        if (job == null || job.status().isFinal()) {
            return;
        }
        ExportFormat format = ExportFormat.fromWireName(job.format()).orElseThrow();
        try {
            ObjectDef object = database.withHandle(h -> schemas.schema(h, job.organizationId()))
                    .object(job.module())
                    .orElseThrow(() -> new ExportException("module_not_found",
                            "Module " + job.module() + " no longer exists"));
            ExportPlan plan = ExportPlan.of(object, format, ExportConfig.fromJson(job.config()));
            Path tmp = files.temporary(jobId);
            JobProgress progress = new JobProgress(job);
            long written;
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                written = exporter.write(job.organizationId(), plan, out, progress);
            }
            long bytes = files.publish(jobId, format, tmp);
            Instant now = clock.instant();
            database.inTransaction(h -> jobs.save(h, progress.started.completed(now, written, bytes,
                    now.plus(fileTtl))));
            afterCompletion.accept(jobId);
        } catch (StoreException e) {
            if (stopping.getAsBoolean()) {
                throw stopped(job, e);
            }
            if ("database_unavailable".equals(e.code())) {
                // db-scheduler runs the task again within seconds (RunRetries); the job starts again from the start.
                // Its partial file goes now: before, it stayed in the exports directory until the next run replaced
                // it, and for good when no run came (the job cancelled or expired meanwhile, the instance gone).
                files.deleteTemporary(jobId);
                LOG.warn("export {} paused, the database is unavailable: {}", jobId, e.toString());
                throw new PausedByOutage("export " + jobId, e);
            }
            fail(job, format, e, "Freight failed while writing the export (" + e.code() + ")");
        } catch (ExportException e) {
            fail(job, format, e, e.getMessage());
        } catch (IOException | RuntimeException e) {
            if (stopping.getAsBoolean()) {
                throw stopped(job, e);
            }
            fail(job, format, e, "Freight failed while writing the export (" + e.getClass().getSimpleName() + ")");
        }
    }

    /**
     * A run's progress: the job saved {@code processing} with its record count once the export has counted its
     * records (in the snapshot it streams, so the count is the number it writes), then its percent each time it grows.
     * Both are saved on the spare pool: the stream holds a connection of the main pool, and as many jobs as it has
     * connections, each waiting for a second one, would wait for one another until the pool's time-out. Used on the
     * run's thread only.
     */
    private final class JobProgress implements Exporter.Progress {

        private final ExportJob job;
        /** The job as saved started; null until the export has counted its records. */
        private ExportJob started;
        private int reported;

        JobProgress(ExportJob job) {
            this.job = job;
        }

        @Override
        public void counted(long records) {
            started = database.inSpareTransaction(h -> jobs.save(h, job.started(clock.instant(), records)));
            afterStart.accept(job.id());
        }

        @Override
        public void written(long records) {
            long total = started.recordCount();
            int percent = total == 0 ? 0 : (int) Math.min(99, records * 100 / total);
            if (percent > reported) {
                reported = percent;
                beforeProgress.accept(job.id());
                database.inSpareTransaction(h -> {
                    jobs.progress(h, job.id(), percent);
                    insideProgress.accept(job.id());
                    return null;
                });
            }
        }
    }

    private StoppedByShutdown stopped(ExportJob job, Exception e) {
        // Only the partial file: a file published goes with the job's next run (which replaces it) unless the
        // completion committed, in which case it is the completed job's. Before, it was deleted either way.
        files.deleteTemporary(job.id());
        StoppedByShutdown stopped = new StoppedByShutdown("export " + job.id(), e);
        // INFO: a stop the operator asked for, and the job runs again; db-scheduler logs nothing of it (RunTask).
        LOG.info("{} ({})", stopped.getMessage(), e.toString());
        return stopped;
    }

    /**
     * Marks the job failed, unless it has ended, and deletes its files unless it is {@code completed}: a completion
     * whose commit happened although the database reported it failed (the connection lost as it answered COMMIT) left
     * the job completed, with its published file the one clients download. Before, the file was deleted first, whatever
     * the job's row said. When the row cannot be read, the files stay for the job's next run to settle. The ERROR line
     * goes out once the row has said the job did not complete (or could not be read): before, it went out first, and a
     * completed job's run logged "export … failed" with a stack trace before the line saying its file stays.
     */
    private void fail(ExportJob job, ExportFormat format, Exception e, String reason) {
        files.deleteTemporary(job.id());
        ExportJob.Status status;
        try {
            status = database.inTransaction(h -> jobs.get(h, job.id())
                    .map(j -> j.status().isFinal() ? j : jobs.save(h, j.failed(clock.instant(), reason)))
                    .map(ExportJob::status)
                    .orElse(null));
        } catch (RuntimeException unsettled) {
            LOG.error("export {} failed: {}", job.id(), e.toString(), e);
            throw unsettled;
        }
        if (status == ExportJob.Status.COMPLETED) {
            // INFO: the job did not fail; what was reported failed is named, without a stack trace.
            LOG.info("export {} is completed nonetheless (its completion committed, though reported failed: {}); its"
                    + " file stays", job.id(), e.toString());
            return;
        }
        LOG.error("export {} failed: {}", job.id(), e.toString(), e);
        files.delete(job.id(), format);
    }

    /**
     * Deletes the jobs that ended {@code jobRetention} or more before {@code now}: those whose file expired, and those
     * that failed, then; returns how many. Up to 1,000 of each kind a sweep, so that the first sweep over a history
     * kept for ever before holds no long transaction; the next ones, a minute apart, take the rest.
     */
    public int forgetEnded(Instant now) {
        return database.inTransaction(h -> jobs.forgetEndedBefore(h, now.minus(jobRetention).plusMillis(1), 1_000));
    }

    /** Deletes the files of completed jobs that expired at or before {@code now}; returns how many. */
    public int sweep(Instant now) {
        return database.inTransaction(h -> {
            int n = 0;
            for (ExportJob job : jobs.expired(h, now)) {
                files.delete(job.id(), ExportFormat.fromWireName(job.format()).orElseThrow());
                jobs.save(h, job.expired());
                n++;
            }
            return n;
        });
    }
}
