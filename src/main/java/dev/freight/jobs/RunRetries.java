package dev.freight.jobs;

import com.github.kagkarlsson.scheduler.task.ExecutionComplete;
import com.github.kagkarlsson.scheduler.task.ExecutionOperations;
import com.github.kagkarlsson.scheduler.task.FailureHandler;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import dev.freight.engine.ImportPipeline;
import dev.freight.store.StoreException;
import java.time.Clock;
import java.time.Duration;

/**
 * When a failed run of an import or export job ({@code import-run}, {@code export-run}) is due again:
 * <ul>
 * <li>stopped by this instance's shutdown ({@link StoppedByShutdown}): at once, for the next start; {@link RunTask}
 * reschedules it so, as a failed run, without db-scheduler's failure handling (and its log line);</li>
 * <li>the database unavailable ({@link StoreException#isUnavailable()}: a connection lost or refused, PostgreSQL
 * ending its sessions as it stops or restarts, SQLite's write lock held past the busy timeout): after
 * {@link #unavailableBackoff}, 1 s doubling with each run of the job in a row that found the database still away, at
 * most 30 s. Before, 5 minutes (db-scheduler's default), so an import idled for 5 minutes after an 8-second PostgreSQL
 * restart. A run that reached the database before it went away ({@link PausedByOutage}: it loaded its job in a
 * write transaction) begins a new outage: 1 s again. {@link RunTask} hands both kinds here itself, so db-scheduler
 * logs neither. Before, on SQLite, a run that could read its job under another
 * process's write lock counted as one that reached the database, so every run of one outage waited 1 s. The count is the task's data (null before the first such failure), not db-scheduler's consecutive failures,
 * which only a run that returns resets: with those, a second outage in an import's life began where the first ended
 * (30 s after a long one) even when hours of chunks had committed between them;</li>
 * <li>the server's temporary directory full or not writable ({@link ImportPipeline#temporaryStorageFailure}): after
 * {@link #STORAGE_WAIT}, a minute, as long as the import's maximum run time lasts (the worker ends it
 * {@code timed_out} after). Before, the import failed for good, and its file had to be imported again as a new
 * import;</li>
 * <li>any other failure: after db-scheduler's default 5 minutes, as before.</li>
 * </ul>
 * The job's own limits still apply to the run that follows: an import past its maximum run time ends
 * {@code timed_out}.
 */
final class RunRetries {

    /** The first wait after a run the database's unavailability failed. */
    static final Duration FIRST_WAIT = Duration.ofSeconds(1);

    /** The longest wait after a run the database's unavailability failed. */
    static final Duration LONGEST_WAIT = Duration.ofSeconds(30);

    /**
     * The wait after a run that failed for want of temporary storage: an operator frees space in minutes, not
     * seconds, and a read that fails so may have read much of the file first.
     */
    static final Duration STORAGE_WAIT = Duration.ofMinutes(1);

    private RunRetries() {}

    /**
     * The failure handler of the run tasks, whose data (null at first) it keeps as how many runs in a row the current
     * outage failed; due times are {@code clock}'s.
     */
    static FailureHandler<Integer> handler(Clock clock) {
        FailureHandler<Integer> later = new FailureHandler.OnFailureRetryLater<>(Tasks.DEFAULT_RETRY_INTERVAL);
        return (ExecutionComplete complete, ExecutionOperations<Integer> operations) -> {
            Throwable cause = complete.getCause().orElse(null);
            if (cause instanceof PausedByOutage) {
                operations.reschedule(complete, clock.instant().plus(unavailableBackoff(0)), 1);
            } else if (cause instanceof StoreException e && e.isUnavailable()) {
                int failedBefore = complete.getExecution().taskInstance.getData() instanceof Integer n ? n : 0;
                operations.reschedule(complete, clock.instant().plus(unavailableBackoff(failedBefore)),
                        failedBefore + 1);
            } else if (ImportPipeline.temporaryStorageFailure(cause) != null) {
                operations.reschedule(complete, clock.instant().plus(STORAGE_WAIT));
            } else {
                later.onFailure(complete, operations);
            }
        };
    }

    /**
     * The wait after a run the database's unavailability failed, when {@code failedBefore} runs of the job failed in
     * a row in the same outage before it: 1 s, 2 s, 4 s, 8 s, 16 s, then 30 s. Short, because a restart or a fail-over of the database
     * takes seconds and a nightly import should carry on as soon as it is back; doubling, so that the workers of
     * every instance do not press a database that stays away (or comes back slowly) with a run each second; at most
     * 30 s, so a job carries on within half a minute of the database's return however long it was away.
     */
    static Duration unavailableBackoff(int failedBefore) {
        return failedBefore >= 5 ? LONGEST_WAIT : FIRST_WAIT.multipliedBy(1L << Math.max(0, failedBefore));
    }
}
