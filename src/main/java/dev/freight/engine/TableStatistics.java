package dev.freight.engine;

import dev.freight.store.Database;
import dev.freight.store.Dialect;
import dev.freight.store.ImportStats;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refreshes the planner's statistics of the tables imports grow, as they grow, through
 * {@link Dialect#refreshStatistics}, on a virtual thread of its own: the chunks do not wait for it.
 * <ul>
 *   <li>{@code records} after the first 2,000 rows this process writes (all imports, files and batches alike) and each
 *       time that count doubles: a records table that grows from empty misleads the planner into scanning for the key
 *       lookups, and a batch load through the API ends long before autovacuum's first analyze.</li>
 *   <li>{@code import_changes} (a row per record an import updated or deleted) and {@code import_errors} (a row per
 *       problem of a rejected row) each time the import's own count of such rows reaches 2,000, 4,000, 8,000…: they
 *       are read by import (rollback's pages of the change log, the job's first 1,001 errors), so what matters is
 *       that the statistics know the import's rows: with none, the planner takes them for a handful and reads and
 *       sorts all of them for each read. A count of this process's rows would refresh them ever more rarely the more
 *       the process has written.</li>
 * </ul>
 * {@code import_seen} (an overwrite's keys) is left to autovacuum: the overwrite cleanup reads it only by ranges of
 * its key, whose plan the statistics cannot turn into a scan ({@code RecordStore.unseen}).
 * Thread-safe.
 */
final class TableStatistics {

    private static final Logger LOG = LoggerFactory.getLogger(TableStatistics.class);

    /** Rows before the first refresh of a table; later ones come each time the count doubles. */
    static final long FIRST = 2_000;

    private final Database database;
    private final AtomicLong recordsWritten = new AtomicLong();
    private final AtomicLong nextRecords = new AtomicLong(FIRST);

    TableStatistics(Database database) {
        this.database = database;
    }

    /**
     * Counts what an import wrote between two of its totals ({@code before}, {@code after}: a chunk, a batch) and
     * starts the refreshes that this makes due.
     */
    void written(ImportStats before, ImportStats after) {
        List<String> due = new ArrayList<>(3);
        long records = (after.created() - before.created()) + (after.updated() - before.updated())
                + (after.deleted() - before.deleted());
        long total = recordsWritten.addAndGet(Math.max(0, records));
        long next = nextRecords.get();
        if (total >= next && nextRecords.compareAndSet(next, Math.max(next * 2, total))) {
            due.add("records");
        }
        if (doubled(before.updated() + before.deleted(), after.updated() + after.deleted())) {
            due.add("import_changes");
        }
        if (doubled(before.failed(), after.failed())) {
            due.add("import_errors");
        }
        if (due.isEmpty()) {
            return;
        }
        // Off the writer's thread: PostgreSQL's analyze of a large table takes about 0.1 s, which the chunks need not
        // wait for.
        Thread.ofVirtual().name("freight-statistics").start(() -> {
            for (String table : due) {
                try {
                    database.withHandle(h -> {
                        h.dialect().refreshStatistics(h, table);
                        return null;
                    });
                } catch (RuntimeException e) {
                    LOG.warn("Could not refresh the statistics of {}: {}", table, e.getMessage());
                }
            }
        });
    }

    /** Whether a count went from {@code before} to {@code after} past {@value #FIRST} times a power of two. */
    static boolean doubled(long before, long after) {
        return after >= FIRST && Long.numberOfLeadingZeros(after / FIRST)
                < Long.numberOfLeadingZeros(Math.max(0, before) / FIRST);
    }
}
