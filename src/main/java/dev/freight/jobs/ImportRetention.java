package dev.freight.jobs;

import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
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
 * that it can no longer be rolled back and has no files to download. An overwrite's seen keys, which only its own
 * cleanup reads, go on the first sweep after it ended ({@link ImportStore#deleteSeen}), a batch per transaction.
 */
public final class ImportRetention {

    private static final int BATCH = 100;

    /**
     * Seen keys deleted per transaction: a 1,000,000-key overwrite's go in 100 short transactions, none holding its
     * locks (SQLite's one write lock among them) for long.
     */
    static final int SEEN_KEYS_PER_TRANSACTION = 10_000;

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
    private final int seenKeysPerTransaction;
    private final RecurringTask<Void> task;

    public ImportRetention(Database database, ImportStore imports, UploadStore uploads, Clock clock,
            Duration retention, Duration sweepEvery) {
        this(database, imports, uploads, clock, retention, sweepEvery, SEEN_KEYS_PER_TRANSACTION);
    }

    /** As the public constructor, deleting at most {@code seenKeysPerTransaction} seen keys per transaction. */
    ImportRetention(Database database, ImportStore imports, UploadStore uploads, Clock clock, Duration retention,
            Duration sweepEvery, int seenKeysPerTransaction) {
        if (seenKeysPerTransaction < 1) {
            throw new IllegalArgumentException("seenKeysPerTransaction must be at least 1, got "
                    + seenKeysPerTransaction);
        }
        this.database = database;
        this.imports = imports;
        this.uploads = uploads;
        this.clock = clock;
        this.retention = retention;
        this.seenKeysPerTransaction = seenKeysPerTransaction;
        this.task = new SweepTask("import-retention", sweepEvery, clock, (instance, context) -> sweep(clock.instant()));
    }

    public RecurringTask<Void> task() {
        return task;
    }

    public Duration retention() {
        return retention;
    }

    /**
     * Purges every import that ended more than the retention before {@code now}, deletes the seen keys of every ended
     * import ({@link #deleteSeenKeys}), and deletes the staged upload files that a killed process left
     * ({@link UploadStore#deleteAbandoned}); returns how many imports were purged. The three steps are independent: one
     * that fails (the database refused a delete, the uploads directory cannot be read) does not hold back the others in
     * the same sweep. Once all three were tried, the first failure is thrown with the others suppressed, so that
     * db-scheduler records the sweep as failed; the failed step is tried again at the next sweep.
     */
    public int sweep(Instant now) {
        RuntimeException failed = null;
        int purged = 0;
        try {
            purged = purge(now.minus(retention));
        } catch (RuntimeException e) {
            failed = e;
        }
        try {
            deleteSeenKeys();
        } catch (RuntimeException e) {
            failed = first(failed, e);
        }
        try {
            uploads.deleteAbandoned(now.minus(ABANDONED_UPLOAD));
        } catch (RuntimeException e) {
            failed = first(failed, e);
        }
        if (failed != null) {
            throw failed;
        }
        return purged;
    }

    /** {@code failed}, with {@code e} suppressed, or {@code e} when it is the first failure. */
    private static RuntimeException first(RuntimeException failed, RuntimeException e) {
        if (failed == null) {
            return e;
        }
        if (e != failed) {
            failed.addSuppressed(e);
        }
        return failed;
    }

    /** Purges every import that ended before {@code before}, a batch per transaction; returns how many. */
    private int purge(Instant before) {
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
        return purged;
    }

    /**
     * Deletes the seen keys of every ended import that still has some, in key order, at most
     * {@code seenKeysPerTransaction} a transaction; returns how many keys were deleted. An import that has not ended
     * keeps its keys. Safe beside another instance's sweep: a key is deleted once, and the import's mark goes with its
     * last key.
     */
    long deleteSeenKeys() {
        long deleted = 0;
        List<String> ended;
        do {
            ended = database.withHandle(h -> imports.endedWithSeenKeys(h, BATCH));
            for (String id : ended) {
                int batch;
                do {
                    batch = database.inTransaction(h -> imports.deleteSeen(h, id, seenKeysPerTransaction));
                    deleted += batch;
                } while (batch == seenKeysPerTransaction);
            }
        } while (ended.size() == BATCH);
        return deleted;
    }
}
