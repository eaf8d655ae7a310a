package dev.freight.jobs;

import com.github.kagkarlsson.scheduler.task.CompletionHandler;
import com.github.kagkarlsson.scheduler.task.DeadExecutionHandler;
import com.github.kagkarlsson.scheduler.task.Execution;
import com.github.kagkarlsson.scheduler.task.ExecutionContext;
import com.github.kagkarlsson.scheduler.task.FailureHandler;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.VoidExecutionHandler;
import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import com.github.kagkarlsson.scheduler.task.schedule.FixedDelay;
import com.github.kagkarlsson.scheduler.task.schedule.Schedule;
import java.time.Clock;
import java.time.Duration;

/**
 * One of Freight's recurring db-scheduler tasks ({@code import-expiry}, {@code export-expiry},
 * {@code parsed-file-expiry}, {@code validation-file-expiry}, {@code import-retention}, {@code stranded-jobs}): as
 * {@code Tasks.recurring(name, FixedDelay.of(every)).execute(body)} made it (scheduled at start-up, due {@code every}
 * after each run ends, a failed run too), except for a run db-scheduler finds dead, which {@link LiveRuns} handles as
 * for {@link RunTask}: left alone while this instance still runs it, due again at once by {@code clock} otherwise.
 * Before, db-scheduler's default ({@code ReviveDeadExecution}) made a run that waited for SQLite's write lock past its
 * heartbeat's staleness due again as the lock went, and a second run of the sweep started beside the first; the first
 * one's end then failed to be recorded (ERROR "Failed while completing execution"). Thread-safe.
 */
final class SweepTask extends RecurringTask<Void> {

    private final VoidExecutionHandler<Void> body;
    private final LiveRuns<Void> running;

    /** Due times of dead runs are {@code clock}'s. */
    SweepTask(String name, Duration every, Clock clock, VoidExecutionHandler<Void> body) {
        this(name, FixedDelay.of(every), body, new LiveRuns<>(name, clock));
    }

    private SweepTask(String name, Schedule schedule, VoidExecutionHandler<Void> body, LiveRuns<Void> running) {
        super(name, schedule, Void.class, running.untilHandled(new FailureHandler.OnFailureReschedule<>(schedule)));
        this.body = body;
        this.running = running;
    }

    /**
     * {@link LiveRuns}: RecurringTask's constructors that take a dead-execution handler also take its package-private
     * start-up scheduling, so this one names it here.
     */
    @Override
    public DeadExecutionHandler<Void> getDeadExecutionHandler() {
        return running;
    }

    @Override
    public CompletionHandler<Void> execute(TaskInstance<Void> instance, ExecutionContext context) {
        Execution picked = context.getExecution();
        running.started(picked);
        // A run that throws ends in the failure handler, which running.untilHandled wraps.
        return running.untilCompleted(picked, super.execute(instance, context));
    }

    @Override
    public void executeRecurringly(TaskInstance<Void> instance, ExecutionContext context) {
        body.execute(instance, context);
    }
}
