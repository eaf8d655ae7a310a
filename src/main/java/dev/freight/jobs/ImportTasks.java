package dev.freight.jobs;

import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import dev.freight.engine.ImportPipeline;
import dev.freight.engine.UploadSources;
import dev.freight.store.Database;
import dev.freight.store.Handle;
import dev.freight.store.ImportEnums.Phase;
import dev.freight.store.ImportEnums.PhaseStatus;
import dev.freight.store.ImportEnums.Status;
import dev.freight.store.ImportJob;
import dev.freight.store.ImportStore;
import dev.freight.store.MappingMemoryStore;
import dev.freight.store.StoreException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The import worker and the upload-expiry sweeper as db-scheduler tasks. A task's row stays in the queue until the
 * import finishes, so a killed worker's import is picked up again (after its heartbeat goes stale) and resumes from
 * the last committed chunk.
 */
public final class ImportTasks {

    private static final Logger LOG = LoggerFactory.getLogger(ImportTasks.class);

    private final Database database;
    private final ImportStore imports;
    private final ImportPipeline pipeline;
    private final UploadSources sources;
    private final ImportPipeline.Listener confirmedMappings;
    private final Clock clock;
    private final OneTimeTask<Integer> run;
    private final RecurringTask<Void> expire;

    /**
     * @param sources opens the rows of an import's upload
     * @param memory where a file import workflow execution's mapping is remembered once it stored rows
     */
    public ImportTasks(Database database, ImportStore imports, ImportPipeline pipeline,
            UploadSources sources, MappingMemoryStore memory, Clock clock, Duration sweepEvery) {
        this.database = database;
        this.imports = imports;
        this.pipeline = pipeline;
        this.sources = sources;
        this.confirmedMappings = new ConfirmedMappings(imports, memory);
        this.clock = clock;
        this.run = new RunTask("import-run", clock, this::runImport);
        this.expire = new SweepTask("import-expiry", sweepEvery, clock, (instance, context) -> expireStaleUploads());
    }

    public OneTimeTask<Integer> runTask() {
        return run;
    }

    public RecurringTask<Void> expiryTask() {
        return expire;
    }

    /** Queues an import for the background worker; queuing it twice is harmless. */
    public void enqueue(SchedulerClient client, String importId) {
        client.scheduleIfNotExists(run.instance(importId), clock.instant());
    }

    /**
     * Queues an import's run {@link RunRetries#STORAGE_WAIT} from now, as the worker's own retry after a read that
     * failed for want of temporary storage: for a run a request could not carry out for that reason. Queuing it when
     * it is queued already is harmless (the run keeps its time).
     */
    public void enqueueAfterStorageWait(SchedulerClient client, String importId) {
        client.scheduleIfNotExists(run.instance(importId), clock.instant().plus(RunRetries.STORAGE_WAIT));
    }

    /**
     * Whether the import's run is in db-scheduler's queue: waiting, running, or picked by a worker that died (which
     * db-scheduler revives). False once its run returned, and for one whose run was never queued.
     */
    public boolean isQueued(SchedulerClient client, String importId) {
        return client.getScheduledExecution(run.instance(importId)).isPresent();
    }

    /** Prepares (unless done) and processes one import; public for tests that run it in-line. */
    public void runImport(String importId) {
        runImport(importId, () -> false);
    }

    /**
     * As {@link #runImport(String)}, in a run that {@code stopping} says when this instance is shutting down: what the
     * run throws then (the scheduler interrupts a run still going once its shutdown wait is over) leaves the import as
     * its last committed chunk left it, to be resumed, and is thrown again as {@link StoppedByShutdown}.
     */
    public void runImport(String importId, BooleanSupplier stopping) {
        // A write transaction, though it only reads: a run that gets one has found the database writable, so its
        // failure later is a new outage's (PausedByOutage). On SQLite, reads go on while another process holds the
        // write lock: a run that read its import and then failed on the lock counted as one that had reached the
        // database, and each run of one outage began it again, due 1 s after instead of 2, 4, … 30 s.
        ImportJob job;
        try {
            job = database.inTransaction(h -> imports.get(h, importId)).orElse(null);
        } catch (StoreException e) {
            if (!e.isUnavailable()) {
                throw e;
            }
            // The outage began before this run. Before, the StoreException itself went to db-scheduler, which
            // logged it at WARN ("Unhandled exception") with its stack trace, and this line was missing.
            LOG.warn("import {} paused, the database is unavailable: {}", importId, e.toString());
            throw new UnloadedByOutage("import " + importId, e);
        }
        if (job == null || job.status().isFinal()) {
            // Ended before this run (a cancel of a queued import): no prepare takes the prescan of its upload, if this
            // instance keeps one, so it goes now rather than when a later upload sweeps the expired ones.
            pipeline.letGoOfPrescan(importId);
            return;
        }
        try {
            ImportPipeline.RowSource source = sources.of(job);
            if (job.phase(Phase.PREPARSING).status() != PhaseStatus.COMPLETED) {
                job = pipeline.prepare(importId, source);
                if (job.status().isFinal()) {
                    return;
                }
            }
            pipeline.process(importId, source, confirmedMappings);
        } catch (StoreException e) {
            if (e.isSuperseded()) {
                // Another worker (this scheduler thought this one dead) owns the import now and carries it on.
                LOG.info("import {}: {}", importId, e.getMessage());
                return;
            }
            if (stopping.getAsBoolean()) {
                throw stopped(importId, e);
            }
            if (!"database_unavailable".equals(e.code())) {
                markFailed(importId, e);
                return;
            }
            // The import stays as it is; db-scheduler runs the task again within seconds (RunRetries) and the run
            // resumes from the checkpoint. The run had loaded its import: the database went away during it. This line
            // is the run's only one: db-scheduler logs nothing of it (RunTask).
            LOG.warn("import {} paused, the database is unavailable: {}", importId, e.toString());
            throw new PausedByOutage("import " + importId, e);
        } catch (RuntimeException e) {
            if (stopping.getAsBoolean()) {
                throw stopped(importId, e);
            }
            if (ImportPipeline.temporaryStorageFailure(e) != null && !pastDeadline(importId)) {
                // The server's disk, not the file: the import stays as it is (its reason says why it waits), and
                // db-scheduler runs the task again in a minute (RunRetries); the run resumes from the checkpoint.
                throw e;
            }
            markFailed(importId, e);
        }
    }

    /**
     * Whether the import ran past its maximum run time, and is marked {@code timed_out} now: a run that failed for
     * want of temporary storage is tried again only until then.
     */
    private boolean pastDeadline(String importId) {
        return database.inTransaction(h -> imports.get(h, importId)
                .filter(j -> !j.status().isFinal() && j.deadlineAt() != null
                        && clock.instant().isAfter(j.deadlineAt()))
                .map(j -> imports.save(h, j.ended(Status.TIMED_OUT, "The import ran past its maximum run time"
                        + " (deadline " + j.deadlineAt() + ") while the server's temporary directory could not be"
                        + " written (disk full or not writable); the rows committed before it stopped are kept",
                        PhaseStatus.SKIPPED, clock.instant())))
                .isPresent());
    }

    private static StoppedByShutdown stopped(String importId, RuntimeException e) {
        // Before, an interrupted run marked the import failed (e.g. "interrupted while waiting for the next chunk")
        // whenever the pool was still open, which it is while the scheduler stops: an import a restart would have
        // resumed ended failed instead.
        StoppedByShutdown stopped = new StoppedByShutdown("import " + importId, e);
        // INFO: a stop the operator asked for, and the import resumes; db-scheduler logs nothing of it (RunTask).
        LOG.info("{} ({})", stopped.getMessage(), e.toString());
        return stopped;
    }

    private void markFailed(String importId, RuntimeException e) {
        LOG.error("import {} failed: {}", importId, e.toString(), e);
        database.inTransaction(h -> imports.get(h, importId)
                .filter(j -> !j.status().isFinal())
                .map(j -> imports.save(h, j.ended(Status.FAILED,
                        "Freight failed while processing the import (" + e.getClass().getSimpleName() + ")",
                        PhaseStatus.FAILED, clock.instant())))
                .orElse(null));
    }

    /**
     * Marks every import still waiting for an upload whose URL has expired as {@code expired}, except one whose upload
     * a request of this process is receiving: it began while its URL was valid, and ends the wait itself.
     */
    public void expireStaleUploads() {
        database.inTransaction(h -> {
            for (String id : imports.expiredUploads(h, clock.instant())) {
                if (sources.receiving(id)) {
                    continue;
                }
                imports.get(h, id).ifPresent(j -> expired(h, j));
            }
            return null;
        });
    }

    /**
     * The import as it is now, marked {@code expired} first when it is still waiting for an upload whose URL has
     * expired (as the next sweep would mark it); empty when there is no such import.
     */
    public Optional<ImportJob> expireIfStale(String importId) {
        return database.inTransaction(h -> imports.get(h, importId).map(j -> j.status() == Status.REQUESTED
                && j.uploadExpiresAt() != null && j.uploadExpiresAt().isBefore(clock.instant()) ? expired(h, j) : j));
    }

    /**
     * The import marked {@code expired}, while it is still {@code requested}: an upload stored since (by another
     * instance, or just before this transaction wrote) keeps it, as it is now.
     */
    private ImportJob expired(Handle h, ImportJob job) {
        return imports.saveIf(h, job.ended(Status.EXPIRED, "No upload arrived before the upload URL expired at "
                + job.uploadExpiresAt(), PhaseStatus.SKIPPED, clock.instant()), Status.REQUESTED)
                .orElseGet(() -> imports.get(h, job.id()).orElseThrow());
    }
}
