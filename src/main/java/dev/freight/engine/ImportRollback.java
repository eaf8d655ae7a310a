package dev.freight.engine;

import dev.freight.store.Change;
import dev.freight.store.Database;
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
            int restored = 0;
            for (Change c : changes) {
                switch (c.kind()) {
                    case "updated" -> {
                        if (c.previousData() == null) {
                            conflicts.add(new Conflict(c.recordId(), c.externalId(),
                                    "created concurrently by another writer; its earlier values are unknown"));
                        } else if (records.restoreIfVersion(h, job.organizationId(), c.recordId(), c.previousData(),
                                c.appliedVersion())) {
                            restored++;
                        } else {
                            conflicts.add(new Conflict(c.recordId(), c.externalId(),
                                    "changed or deleted since the import updated it"));
                        }
                    }
                    default -> {
                        if (records.reinsert(h, job.organizationId(), c.object(), c.recordId(), c.externalId(),
                                c.previousData())) {
                            restored++;
                        } else {
                            conflicts.add(new Conflict(c.recordId(), c.externalId(),
                                    "a record with its id or external_id exists again"));
                        }
                    }
                }
            }
            ImportJob saved = imports.save(h, job.withRolledBack(clock.instant(), by));
            return new Result(deleted, restored, conflicts, saved);
        });
    }
}
