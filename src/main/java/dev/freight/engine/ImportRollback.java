package dev.freight.engine;

import dev.freight.store.Change;
import dev.freight.store.Database;
import dev.freight.store.Handle;
import dev.freight.store.ImportJob;
import dev.freight.store.ImportStore;
import dev.freight.store.RecordStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Undoes a whole import from its change log: deletes the records it created, restores the ones it updated or
 * deleted. A record someone else changed since (its version moved on, or its key was taken again) is left alone and
 * reported as a conflict. Runs in one transaction. Thread-safe.
 */
public final class ImportRollback {

    /** A record the rollback left alone, and why. */
    public record Conflict(String recordId, String externalId, String reason) {}

    /** What a rollback did. */
    public record Result(int deleted, int restored, List<Conflict> conflicts, ImportJob job) {}

    /** Changes restored per batch. */
    private static final int BATCH = 1_000;

    private final Database database;
    private final ImportStore imports;
    private final RecordStore records;
    private final Clock clock;

    public ImportRollback(Database database, ImportStore imports, RecordStore records, Clock clock) {
        this.database = database;
        this.imports = imports;
        this.records = records;
        this.clock = clock;
    }

    /** Rolls back {@code job}; {@code by} is the key id recorded as the import's updater. */
    public Result rollback(ImportJob job, String by) {
        return database.inTransaction(h -> {
            List<Conflict> conflicts = new ArrayList<>();
            for (RecordStore.Existing changed : records.changedSinceCreatedBy(h, job.organizationId(), job.id())) {
                conflicts.add(new Conflict(changed.id(), changed.externalId(),
                        "changed since the import created it"));
            }
            List<Change> changes = imports.changes(h, job.organizationId(), job.id());
            int deleted = records.deleteCreatedBy(h, job.organizationId(), job.id());
            int restored = restore(h, job.organizationId(), changes, conflicts);
            ImportJob saved = imports.save(h, job.withRolledBack(clock.instant(), by));
            return new Result(deleted, restored, conflicts, saved);
        });
    }

    /**
     * Restores what the import updated and re-creates what it deleted, adding a conflict for each record it cannot;
     * returns how many it put back.
     */
    private int restore(Handle h, String organizationId, List<Change> changes, List<Conflict> conflicts) {
        int restored = 0;
        // The updates of each thousand changes go to the database as one batch.
        for (int from = 0; from < changes.size(); from += BATCH) {
            List<Change> window = changes.subList(from, Math.min(changes.size(), from + BATCH));
            List<RecordStore.Restore> restores = new ArrayList<>();
            for (Change c : window) {
                if ("updated".equals(c.kind()) && c.previousData() != null) {
                    restores.add(new RecordStore.Restore(c.recordId(), c.previousData(), c.appliedVersion()));
                }
            }
            boolean[] put = records.restoreIfVersions(h, organizationId, restores);
            int next = 0;
            for (Change c : window) {
                switch (c.kind()) {
                    case "updated" -> {
                        if (c.previousData() == null) {
                            conflicts.add(new Conflict(c.recordId(), c.externalId(),
                                    "created concurrently by another writer; its earlier values are unknown"));
                        } else if (put[next++]) {
                            restored++;
                        } else {
                            conflicts.add(new Conflict(c.recordId(), c.externalId(),
                                    "changed or deleted since the import updated it"));
                        }
                    }
                    default -> {
                        if (records.reinsert(h, organizationId, c.object(), c.recordId(), c.externalId(),
                                c.previousData())) {
                            restored++;
                        } else {
                            conflicts.add(new Conflict(c.recordId(), c.externalId(),
                                    "a record with its id or external_id exists again"));
                        }
                    }
                }
            }
        }
        return restored;
    }
}
