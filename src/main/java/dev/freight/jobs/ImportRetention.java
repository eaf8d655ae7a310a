package dev.freight.jobs;

import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.github.kagkarlsson.scheduler.task.schedule.FixedDelay;
import dev.freight.store.Database;
import dev.freight.store.ImportStore;
import dev.freight.store.UploadStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Purges ended imports once they are older than the retention, as the db-scheduler recurring task
 * {@code import-retention}: their uploaded bytes, rejected rows and change log go ({@link ImportStore#purge}), so a
 * nightly import does not grow the disk and database for ever; the import itself stays listed with its stats. After
 * that it can no longer be rolled back and has no files to download.
 */
public final class ImportRetention {

    private static final int BATCH = 100;

    /**
     * How long a staged upload file may go unwritten before it counts as abandoned: far longer than any live upload
     * pauses (a request's bytes arrive continuously, and it keeps or discards its file as soon as they have).
     */
    static final Duration ABANDONED_UPLOAD = Duration.ofHours(1);

    private final Database database;
    private final ImportStore imports;
    private final UploadStore uploads;
    private final Clock clock;
    private final Duration retention;
    private final RecurringTask<Void> task;

    public ImportRetention(Database database, ImportStore imports, UploadStore uploads, Clock clock,
            Duration retention, Duration sweepEvery) {
        this.database = database;
        this.imports = imports;
        this.uploads = uploads;
        this.clock = clock;
        this.retention = retention;
        this.task = Tasks.recurring("import-retention", FixedDelay.of(sweepEvery))
                .execute((instance, context) -> sweep(clock.instant()));
    }

    public RecurringTask<Void> task() {
        return task;
    }

    public Duration retention() {
        return retention;
    }

    /**
     * Purges every import that ended more than the retention before {@code now}, and deletes the staged upload files
     * that a killed process left ({@link UploadStore#deleteAbandoned}); returns how many imports were purged.
     */
    public int sweep(Instant now) {
        Instant before = now.minus(retention);
        int purged = 0;
        List<String> batch;
        do {
            batch = database.inTransaction(h -> {
                List<String> ids = imports.purgeable(h, before, BATCH);
                ids.forEach(id -> imports.purge(h, id, clock.instant()));
                return ids;
            });
            batch.forEach(uploads::delete);
            purged += batch.size();
        } while (batch.size() == BATCH);
        // After the purge, so that an uploads directory it cannot read does not hold back the imports' purge.
        uploads.deleteAbandoned(now.minus(ABANDONED_UPLOAD));
        return purged;
    }
}
