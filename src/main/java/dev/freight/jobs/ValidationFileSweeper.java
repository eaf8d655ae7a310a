package dev.freight.jobs;

import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import dev.freight.engine.ValidationFiles;
import dev.freight.store.Database;
import dev.freight.store.ValidationFileStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Deletes the validate step's errors files once they expired, as the db-scheduler recurring task
 * {@code validation-file-expiry}, and marks them deleted, so their download answers 410: finished files past their
 * expiry, files a crash left half written once their writer's lease ran out ({@link ValidationFiles#deleteExpired}),
 * and the oldest finished files beyond the byte limit ({@link ValidationFiles#trim}). The marks are forgotten
 * {@code keepMarks} later (a download then answers 403 {@code url_expired}, as its URL expired with the files).
 */
public final class ValidationFileSweeper {

    private final Database database;
    private final ValidationFileStore store;
    private final ValidationFiles files;
    private final Clock clock;
    private final Duration keepMarks;
    private final RecurringTask<Void> task;

    public ValidationFileSweeper(Database database, ValidationFileStore store, ValidationFiles files, Clock clock,
            Duration keepMarks, Duration sweepEvery) {
        this.database = database;
        this.store = store;
        this.files = files;
        this.clock = clock;
        this.keepMarks = keepMarks;
        this.task = new SweepTask("validation-file-expiry", sweepEvery, clock, (instance, context) -> sweep());
    }

    public RecurringTask<Void> task() {
        return task;
    }

    /** Deletes the files that expired by now or are beyond the limit (and forgets old marks); returns how many. */
    public int sweep() {
        Instant now = clock.instant();
        int deleted = files.deleteExpired(now) + files.trim(now);
        database.inTransaction(h -> store.forgetDeletedBefore(h, now.minus(keepMarks)));
        return deleted;
    }
}
