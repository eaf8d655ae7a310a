package dev.freight.jobs;

import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import dev.freight.store.Database;
import dev.freight.store.ExportJob;
import dev.freight.store.ExportJobStore;
import dev.freight.store.ImportJob;
import dev.freight.store.ImportStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Queues again the runs of imports and export jobs that were accepted but whose run never reached db-scheduler's
 * queue, as the recurring task {@code stranded-jobs}. A request commits the import (or job) first and queues its run
 * after, in a step of its own (for a {@code sync} upload, only once prevalidation and preparsing ran in the request):
 * a process killed in between, or a queuing that failed, left it {@code queued} with nothing to ever run it.
 *
 * <p>An import or job counts as stranded when it has not ended, nothing saved it (an export: nothing requested it) for
 * the grace period, and db-scheduler has no run of it. The grace period keeps the sweep off a request that is about
 * to queue the run itself; a run queued twice is harmless ({@code scheduleIfNotExists}), and a run queued while a
 * request still prepares the import takes the import over from it (a new run token), so the request's next save fails
 * as {@code superseded} and the import is prepared once, by the worker.
 */
public final class StrandedJobs {

    private static final Logger LOG = LoggerFactory.getLogger(StrandedJobs.class);

    /** Candidates read per query: the sweep pages through them by id, so none is held in memory all at once. */
    private static final int PAGE = 100;

    /** The imports and export jobs a sweep queued again, by id. */
    public record Requeued(List<String> imports, List<String> exports) {}

    private final Database database;
    private final ImportStore imports;
    private final ExportJobStore exports;
    private final ImportTasks importTasks;
    private final ExportTasks exportTasks;
    private final Duration grace;
    private final RecurringTask<Void> task;

    /**
     * @param grace how long an import must have gone unsaved (an export job: since it was requested) before the sweep
     *     takes a missing run for lost rather than about to be queued
     */
    public StrandedJobs(Database database, ImportStore imports, ExportJobStore exports, ImportTasks importTasks,
            ExportTasks exportTasks, Clock clock, Duration grace, Duration sweepEvery) {
        this.database = database;
        this.imports = imports;
        this.exports = exports;
        this.importTasks = importTasks;
        this.exportTasks = exportTasks;
        this.grace = grace;
        this.task = new SweepTask("stranded-jobs", sweepEvery, clock,
                (instance, context) -> sweep(context.getSchedulerClient(), clock.instant()));
    }

    public RecurringTask<Void> task() {
        return task;
    }

    /**
     * Queues the run of every import and export job stranded at {@code now} through {@code client}, logging a warning
     * for each; returns them.
     */
    public Requeued sweep(SchedulerClient client, Instant now) {
        Instant idleSince = now.minus(grace);
        List<String> requeuedImports = new ArrayList<>();
        List<String> page = List.of();
        do {
            String after = page.isEmpty() ? null : page.getLast();
            page = database.withHandle(h -> imports.idleUnfinished(h, idleSince, after, PAGE));
            for (String id : page) {
                if (importTasks.isQueued(client, id)) {
                    continue;
                }
                // Read again after the look-up: a run that ended (and took its task out of the queue) since the page
                // was read left the import ended, or saved it, so only an import still idle has no run at all.
                Optional<ImportJob> stranded = database.withHandle(h -> imports.get(h, id))
                        .filter(j -> !j.status().isFinal() && j.updatedAt().isBefore(idleSince));
                if (stranded.isPresent()) {
                    ImportJob job = stranded.get();
                    LOG.warn("import {} is {}, last saved at {}, and has no run in the queue; queued its run again", id,
                            job.status().wireName(), job.updatedAt());
                    importTasks.enqueue(client, id);
                    requeuedImports.add(id);
                }
            }
        } while (page.size() == PAGE);
        List<String> requeuedExports = new ArrayList<>();
        page = List.of();
        do {
            String after = page.isEmpty() ? null : page.getLast();
            page = database.withHandle(h -> exports.unfinished(h, idleSince, after, PAGE));
            for (String id : page) {
                if (exportTasks.isQueued(client, id)) {
                    continue;
                }
                Optional<ExportJob> stranded = database.withHandle(h -> exports.get(h, id))
                        .filter(j -> !j.status().isFinal());
                if (stranded.isPresent()) {
                    LOG.warn("export {} is {}, requested at {}, and has no run in the queue; queued its run again", id,
                            stranded.get().status().wireName(), stranded.get().requestedAt());
                    exportTasks.enqueue(client, id);
                    requeuedExports.add(id);
                }
            }
        } while (page.size() == PAGE);
        return new Requeued(List.copyOf(requeuedImports), List.copyOf(requeuedExports));
    }
}
