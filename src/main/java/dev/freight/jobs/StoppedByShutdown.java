package dev.freight.jobs;

import com.github.kagkarlsson.scheduler.task.ExecutionComplete;
import com.github.kagkarlsson.scheduler.task.ExecutionOperations;
import com.github.kagkarlsson.scheduler.task.FailureHandler;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import java.time.Clock;

/**
 * A run of an import or export job that the instance's shutdown cut short (db-scheduler interrupts a task still
 * running once its shutdown wait is over): the job is left as it was, not {@code failed}, and its task is due again at
 * once, so the next start (or another instance) carries it on. What the interrupted run threw is the cause.
 */
final class StoppedByShutdown extends RuntimeException {

    StoppedByShutdown(String what, Throwable cause) {
        super(what + " was stopped by the shutdown of this instance; it runs again at the next start", cause);
    }

    /**
     * The failure handler of the run tasks: a run stopped by the shutdown is due again at once; any other failure (the
     * database unavailable) is retried after db-scheduler's default interval, as before.
     */
    static <T> FailureHandler<T> retryAtOnce(Clock clock) {
        FailureHandler<T> later = new FailureHandler.OnFailureRetryLater<>(Tasks.DEFAULT_RETRY_INTERVAL);
        return (ExecutionComplete complete, ExecutionOperations<T> operations) -> {
            if (complete.getCause().orElse(null) instanceof StoppedByShutdown) {
                operations.reschedule(complete, clock.instant());
            } else {
                later.onFailure(complete, operations);
            }
        };
    }
}
