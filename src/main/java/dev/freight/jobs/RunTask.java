package dev.freight.jobs;

import com.github.kagkarlsson.scheduler.task.CompletionHandler;
import com.github.kagkarlsson.scheduler.task.Execution;
import com.github.kagkarlsson.scheduler.task.ExecutionComplete;
import com.github.kagkarlsson.scheduler.task.ExecutionContext;
import com.github.kagkarlsson.scheduler.task.ExecutionOperations;
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
 * at WARN as an "Unhandled exception" with a stack trace, which read as a failure on every graceful stop. So too a run
 * that could not load its job, the database unavailable ({@link UnloadedByOutage}, logged in one line by the job's
 * code): {@link RunRetries} handles the database's failure as it did when the run threw it, and db-scheduler logs
 * nothing of it; and a run the database's unavailability failed later ({@link PausedByOutage}, logged in one line by
 * the job's code): {@link RunRetries} handles it as when the run threw it (due again after the first wait, the outage
 * count 1). Before, db-scheduler logged that one at WARN as an "Unhandled exception" with its stack trace, beside the
 * job's own line. Such a run returns a {@link Caught}: db-scheduler's listeners and statistics count it as a run that
 * completed (docs/operations.md), while its row records it failed (its last failure and consecutive failures).
 *
 * <p>A run db-scheduler finds dead (its heartbeat missed 4 times) is due again at once, by {@code clock}, unless this
 * instance is still running it: then it is left alone, and one INFO line says so ({@link LiveRuns}, which the
 * recurring tasks' {@link SweepTask} shares). Its heartbeat is a write, and while
 * another process holds SQLite's write lock, writes wait and fail, reads go on: db-scheduler's search for dead runs
 * (a read) found the run that still waited for the lock, and revived it (db-scheduler's {@code ReviveDeadExecution},
 * "Reviving dead execution" at INFO) as soon as the lock was let go; a second run of the same job then started beside
 * the first, and the first failed its next save ({@code superseded}) or its completion (ERROR "Failed while completing
 * execution"). A run of a crashed instance, or one whose end this instance could not record, is not running here, and
 * is taken up again as before. Thread-safe.
 */
final class RunTask extends OneTimeTask<Integer> {

    /** What a run does: {@code stopping} says when this instance is shutting down. */
    @FunctionalInterface
    interface Body {
        void run(String id, BooleanSupplier stopping);
    }

    private final Clock clock;
    private final Body body;
    private final LiveRuns<Integer> running;

    /** Due times are {@code clock}'s. */
    RunTask(String name, Clock clock, Body body) {
        this(name, clock, body, new LiveRuns<>(name, clock));
    }

    private RunTask(String name, Clock clock, Body body, LiveRuns<Integer> running) {
        super(name, Integer.class, running.untilHandled(RunRetries.handler(clock)), running);
        this.clock = clock;
        this.body = body;
        this.running = running;
    }

    @Override
    public void executeOnce(TaskInstance<Integer> instance, ExecutionContext context) {
        body.run(instance.getId(), context.getSchedulerState()::isShuttingDown);
    }

    @Override
    public CompletionHandler<Integer> execute(TaskInstance<Integer> instance, ExecutionContext context) {
        Execution picked = context.getExecution();
        running.started(picked);
        CompletionHandler<Integer> then;
        RuntimeException caught = null;
        try {
            then = super.execute(instance, context);
        } catch (StoppedByShutdown stopped) {
            caught = stopped;
            then = (complete, operations) -> operations.reschedule(failure(complete, stopped), clock.instant());
        } catch (UnloadedByOutage unloaded) {
            // The database's failure, as it was thrown before: RunRetries counts it and sets the due time.
            caught = unloaded;
            then = (complete, operations) -> getFailureHandler().onFailure(failure(complete, unloaded.getCause()),
                    operations);
        } catch (PausedByOutage paused) {
            // As it was thrown before: RunRetries makes it due after the first wait, a new outage's first run.
            caught = paused;
            then = (complete, operations) -> getFailureHandler().onFailure(failure(complete, paused), operations);
        }
        // Other failures end in the failure handler, which running.untilHandled wraps.
        CompletionHandler<Integer> ending = running.untilCompleted(picked, then);
        return caught == null ? ending : new Caught(caught, ending);
    }

    /** The run that db-scheduler records as {@code complete} (a run that returned), failed with {@code cause}. */
    private static ExecutionComplete failure(ExecutionComplete complete, Throwable cause) {
        return ExecutionComplete.failure(complete.getExecution(), complete.getTimeDone().minus(complete.getDuration()),
                complete.getTimeDone(), cause);
    }

    /**
     * The completion of a run that threw {@code thrown}, one of the exceptions this task records itself
     * ({@link StoppedByShutdown}, {@link UnloadedByOutage}, {@link PausedByOutage}) rather than throw to db-scheduler:
     * what an {@link com.github.kagkarlsson.scheduler.event.ExecutionInterceptor} gets back from the run (a test's sees
     * what the run threw here).
     */
    record Caught(RuntimeException thrown, CompletionHandler<Integer> completion) implements CompletionHandler<Integer> {

        @Override
        public void complete(ExecutionComplete complete, ExecutionOperations<Integer> operations) {
            completion.complete(complete, operations);
        }
    }
}
