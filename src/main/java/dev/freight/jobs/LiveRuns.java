package dev.freight.jobs;

import com.github.kagkarlsson.scheduler.task.CompletionHandler;
import com.github.kagkarlsson.scheduler.task.DeadExecutionHandler;
import com.github.kagkarlsson.scheduler.task.Execution;
import com.github.kagkarlsson.scheduler.task.ExecutionComplete;
import com.github.kagkarlsson.scheduler.task.ExecutionOperations;
import com.github.kagkarlsson.scheduler.task.FailureHandler;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runs of one db-scheduler task this instance has started and whose end db-scheduler has not recorded yet (or
 * failed to), by task instance id, with the version of the task's row each picked; and, as the task's dead-execution
 * handler, what to do with a run found dead: one this instance is still running is left alone (one INFO line says
 * so), any other is due again at once, by {@code clock} (one INFO line). A run's heartbeat is a write: while another
 * process holds SQLite's write lock it waits, while db-scheduler's search for dead runs (a read) goes on and finds the
 * run, which db-scheduler's default handler ({@code ReviveDeadExecution}) then started again beside itself. Used by
 * {@link RunTask} and {@link SweepTask}. Thread-safe.
 */
final class LiveRuns<T> implements DeadExecutionHandler<T> {

    private static final Logger LOG = LoggerFactory.getLogger(LiveRuns.class);

    private final String task;
    private final Clock clock;
    private final Map<String, Long> versions = new ConcurrentHashMap<>();
    /** The runs found dead while still running here, so each is logged once. */
    private final Set<String> told = ConcurrentHashMap.newKeySet();

    /** For the task named {@code task}; a dead run's due time is {@code clock}'s. */
    LiveRuns(String task, Clock clock) {
        this.task = task;
        this.clock = clock;
    }

    /** Counts {@code picked} as running here, until the completion or failure handler has recorded its end. */
    void started(Execution picked) {
        versions.put(picked.getId(), picked.version);
    }

    private void ended(Execution picked) {
        versions.remove(picked.getId(), picked.version);
        told.remove(picked.getId() + "@" + picked.version);
    }

    /** {@code completion}, ending the stay here of {@code picked} once it has recorded its end (or failed to). */
    CompletionHandler<T> untilCompleted(Execution picked, CompletionHandler<T> completion) {
        return (complete, operations) -> {
            try {
                completion.complete(complete, operations);
            } finally {
                ended(picked);
            }
        };
    }

    /** {@code handler}, ending the run's stay here once it has recorded the failure (or failed to). */
    FailureHandler<T> untilHandled(FailureHandler<T> handler) {
        return (complete, operations) -> {
            try {
                handler.onFailure(complete, operations);
            } finally {
                ended(complete.getExecution());
            }
        };
    }

    @Override
    public void deadExecution(ExecutionComplete complete, ExecutionOperations<T> operations) {
        Execution dead = complete.getExecution();
        Long version = versions.get(dead.getId());
        if (version != null && version == dead.version) {
            if (told.add(dead.getId() + "@" + dead.version)) {
                LOG.info("{} {}: its heartbeat is stale, but this instance is still running it (the database refuses"
                        + " writes: another process holds SQLite's write lock?); it is not started again", task,
                        dead.getId());
            }
            return;
        }
        LOG.info("{} {}: its run stopped beating (the instance that ran it is gone, or could not record its end); it"
                + " runs again now", task, dead.getId());
        operations.reschedule(complete, clock.instant());
    }
}
