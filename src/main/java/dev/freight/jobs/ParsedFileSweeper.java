package dev.freight.jobs;

import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import dev.freight.store.Database;
import dev.freight.store.ParsedFileStore;
import dev.freight.store.UploadStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * Deletes the files the workflow's parse step kept once they are older than their time to live, as the db-scheduler
 * recurring task {@code parsed-file-expiry}. An execution made from a parsed file has its own link to the bytes, so
 * it keeps working.
 */
public final class ParsedFileSweeper {

    private final Database database;
    private final ParsedFileStore files;
    private final UploadStore uploads;
    private final Clock clock;
    private final Duration ttl;
    private final RecurringTask<Void> task;

    public ParsedFileSweeper(Database database, ParsedFileStore files, UploadStore uploads, Clock clock, Duration ttl,
            Duration sweepEvery) {
        this.database = database;
        this.files = files;
        this.uploads = uploads;
        this.clock = clock;
        this.ttl = ttl;
        this.task = new SweepTask("parsed-file-expiry", sweepEvery, clock, (instance, context) -> sweep());
    }

    public RecurringTask<Void> task() {
        return task;
    }

    /** Deletes every parsed file created more than the time to live ago; returns how many. */
    public int sweep() {
        List<String> expired = database.inTransaction(h -> files.deleteCreatedBefore(h, clock.instant().minus(ttl)));
        expired.forEach(uploads::delete);
        return expired.size();
    }
}
