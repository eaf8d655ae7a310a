package dev.freight.jobs;

import com.github.kagkarlsson.scheduler.task.CompletionHandler;
import com.github.kagkarlsson.scheduler.task.ExecutionComplete;
import com.github.kagkarlsson.scheduler.task.ExecutionContext;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import java.time.Clock;
import java.util.function.BooleanSupplier;

/**
 * The db-scheduler task that runs one import or export job ({@code import-run}, {@code export-run}), its instance id
 * the job's, its data the count {@link RunRetries} keeps. A run the instance's shutdown cut short
 * ({@link StoppedByShutdown}, which the job's own code has logged) returns instead of throwing: its task is due again
 * at once, recorded as a failed run (its last failure and consecutive failures as a failure's), as
 * {@link RunRetries} did for it before, but db-scheduler logs nothing of it. Before, db-scheduler logged each such run
 * at WARN as an "Unhandled exception" with a stack trace, which read as a failure on every graceful stop.
 */
final class RunTask extends OneTimeTask<Integer> {

    /** What a run does: {@code stopping} says when this instance is shutting down. */
    @FunctionalInterface
    interface Body {
        void run(String id, BooleanSupplier stopping);
    }

    private final Clock clock;
    private final Body body;

    /** Due times are {@code clock}'s. */
    RunTask(String name, Clock clock, Body body) {
        super(name, Integer.class, RunRetries.handler(clock));
        this.clock = clock;
        this.body = body;
    }

    @Override
    public void executeOnce(TaskInstance<Integer> instance, ExecutionContext context) {
        body.run(instance.getId(), context.getSchedulerState()::isShuttingDown);
    }

    @Override
    public CompletionHandler<Integer> execute(TaskInstance<Integer> instance, ExecutionContext context) {
        try {
            return super.execute(instance, context);
        } catch (StoppedByShutdown stopped) {
            return (complete, operations) -> operations.reschedule(ExecutionComplete.failure(complete.getExecution(),
                    complete.getTimeDone().minus(complete.getDuration()), complete.getTimeDone(), stopped),
                    clock.instant());
        }
    }
}
