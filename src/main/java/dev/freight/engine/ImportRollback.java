package dev.freight.engine;

import dev.freight.store.Change;
import dev.freight.store.Database;
import dev.freight.store.Handle;
import dev.freight.store.ImportJob;
import dev.freight.store.ImportStore;
import dev.freight.store.RecordStore;
import dev.freight.store.ValueJson;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Undoes a whole import from its change log: deletes the records it created, restores the ones it updated or
 * deleted. A record someone else changed since (its values are no longer those the import left, or its key was taken
 * again) is left alone and reported as a conflict. Runs in one transaction. Thread-safe.
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
            String organizationId = job.organizationId();
            List<Conflict> conflicts = new ArrayList<>();
            List<RecordStore.Existing> changedSince = records.changedSinceCreatedBy(h, organizationId, job.id());
            List<Change> changes = imports.changes(h, organizationId, job.id());
            int deleted = 0;
            if (!changedSince.isEmpty()) {
                List<String> ids = changedSince.stream().map(RecordStore.Existing::id).toList();
                Map<String, Long> applied = imports.appliedVersions(h, job.id(), ids);
                Map<String, Long> left = new HashMap<>();
                ids.forEach(id -> left.put(id, applied.getOrDefault(id, 1L)));
                Map<String, String> leftData = imports.dataAtVersions(h, organizationId, job.id(), left);
                for (RecordStore.Existing changed : changedSince) {
                    if (ValueJson.sameValues(leftData.get(changed.id()), changed.data())
                            && records.deleteIfVersion(h, organizationId, changed.id(), changed.version())) {
                        deleted++;
                    } else {
                        conflicts.add(new Conflict(changed.id(), changed.externalId(),
                                "changed since the import created it"));
                    }
                }
            }
            deleted += records.deleteCreatedBy(h, organizationId, job.id());
            int restored = restore(h, organizationId, job.id(), changes, conflicts);
            ImportJob saved = imports.save(h, job.withRolledBack(clock.instant(), by));
            return new Result(deleted, restored, conflicts, saved);
        });
    }

    /**
     * Restores what the import updated and re-creates what it deleted, adding a conflict for each record it cannot;
     * returns how many it put back.
     */
    private int restore(Handle h, String organizationId, String importId, List<Change> changes,
            List<Conflict> conflicts) {
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
            Set<String> missed = new HashSet<>();
            for (int i = 0; i < put.length; i++) {
                if (!put[i]) {
                    missed.add(restores.get(i).id());
                }
            }
            Set<String> putLate = restoreUnchangedByValue(h, organizationId, importId, window, missed);
            int next = 0;
            for (Change c : window) {
                switch (c.kind()) {
                    case "updated" -> {
                        if (c.previousData() == null) {
                            conflicts.add(new Conflict(c.recordId(), c.externalId(),
                                    "created concurrently by another writer; its earlier values are unknown"));
                        } else if (put[next++] || putLate.contains(c.recordId())) {
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

    /**
     * Restores the updated records of {@code missed} whose version moved on since the import but whose values are
     * still the ones it left (a later import changed them and was rolled back, which restores values under a new
     * version); returns their ids. The values an import left are known from the change log of the next import that
     * changed the record from that version; a record changed otherwise stays a conflict.
     */
    private Set<String> restoreUnchangedByValue(Handle h, String organizationId, String importId, List<Change> window,
            Set<String> missed) {
        if (missed.isEmpty()) {
            return Set.of();
        }
        Map<String, Long> left = new HashMap<>();
        for (Change c : window) {
            if (missed.contains(c.recordId()) && c.appliedVersion() != null) {
                left.put(c.recordId(), c.appliedVersion());
            }
        }
        Map<String, String> leftData = imports.dataAtVersions(h, organizationId, importId, left);
        Map<String, RecordStore.Existing> now = records.existingByIds(h, organizationId, leftData.keySet());
        Set<String> put = new HashSet<>();
        for (Change c : window) {
            RecordStore.Existing current = now.get(c.recordId());
            if (left.containsKey(c.recordId()) && current != null
                    && ValueJson.sameValues(leftData.get(c.recordId()), current.data())
                    && records.restoreIfVersion(h, organizationId, c.recordId(), c.previousData(), current.version())) {
                put.add(c.recordId());
            }
        }
        return put;
    }
}
