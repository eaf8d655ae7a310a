package dev.freight.jobs;

import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.github.kagkarlsson.scheduler.task.schedule.FixedDelay;
import dev.freight.engine.ValidationFiles;
import dev.freight.store.Database;
import dev.freight.store.ValidationFileStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Deletes the validate step's errors files once they expired, as the db-scheduler recurring task
 * {@code validation-file-expiry}, and marks them deleted, so their download answers 410. The marks are forgotten
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
        this.task = Tasks.recurring("validation-file-expiry", FixedDelay.of(sweepEvery))
                .execute((instance, context) -> sweep());
    }

    public RecurringTask<Void> task() {
        return task;
    }

    /** Deletes the files that expired by now (and forgets old marks); returns how many validations' files. */
    public int sweep() {
        Instant now = clock.instant();
        List<String> expired = database.withHandle(h -> store.expired(h, now));
        for (String id : expired) {
            // The files first: a crash between the two leaves a record the next sweep finds again.
            files.delete(id);
            database.inTransaction(h -> {
                store.deleted(h, id, now);
                return null;
            });
        }
        database.inTransaction(h -> store.forgetDeletedBefore(h, now.minus(keepMarks)));
        return expired.size();
    }
}
