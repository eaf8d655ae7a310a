package dev.freight.engine;

import dev.freight.schema.Schema;
import dev.freight.store.Change;
import dev.freight.store.Database;
import dev.freight.store.Handle;
import dev.freight.store.ImportJob;
import dev.freight.store.ImportStore;
import dev.freight.store.RecordStore;
import dev.freight.store.SchemaStore;
import dev.freight.store.ValueJson;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Undoes a whole import from its change log: deletes the records it created, restores the ones it updated or
 * deleted. A record someone else changed since (its values are no longer those the import left, or its key was taken
 * again), or a created record that a record the rollback leaves still refers to, is left alone and reported as a
 * conflict. Runs in one transaction. Thread-safe.
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
    private final SchemaStore schemas;
    private final Clock clock;

    public ImportRollback(Database database, ImportStore imports, RecordStore records, SchemaStore schemas,
            Clock clock) {
        this.database = database;
        this.imports = imports;
        this.records = records;
        this.schemas = schemas;
        this.clock = clock;
    }

    /** Rolls back {@code job}; {@code by} is the key id recorded as the import's updater. */
    public Result rollback(ImportJob job, String by) {
        return database.inTransaction(h -> {
            String organizationId = job.organizationId();
            List<Conflict> conflicts = new ArrayList<>();
            List<RecordStore.Existing> changedSince = records.changedSinceCreatedBy(h, organizationId, job.id());
            // Created records someone changed since: deleted when their values are still those the import left.
            List<RecordStore.Existing> deletable = new ArrayList<>();
            Set<String> kept = new HashSet<>();
            if (!changedSince.isEmpty()) {
                List<String> ids = changedSince.stream().map(RecordStore.Existing::id).toList();
                Map<String, Long> applied = imports.appliedVersions(h, job.id(), ids);
                Map<String, Long> left = new HashMap<>();
                ids.forEach(id -> left.put(id, applied.getOrDefault(id, 1L)));
                Map<String, String> leftData = imports.dataAtVersions(h, organizationId, job.id(), left);
                for (RecordStore.Existing changed : changedSince) {
                    if (ValueJson.sameValues(leftData.get(changed.id()), changed.data())) {
                        deletable.add(changed);
                    } else {
                        kept.add(changed.id());
                        conflicts.add(new Conflict(changed.id(), changed.externalId(),
                                "changed since the import created it"));
                    }
                }
            }
            // Restored first: a record the import made refer to one it created refers to it no more.
            int restored = restore(h, organizationId, job.id(), conflicts);
            Map<String, Conflict> referred = stillReferred(h, job, kept);
            conflicts.addAll(referred.values());
            int deleted = 0;
            for (RecordStore.Existing changed : deletable) {
                if (referred.containsKey(changed.id())) {
                    continue;
                }
                if (records.deleteIfVersion(h, organizationId, changed.id(), changed.version())) {
                    deleted++;
                } else {
                    conflicts.add(new Conflict(changed.id(), changed.externalId(),
                            "changed since the import created it"));
                }
            }
            deleted += records.deleteCreatedByExcept(h, organizationId, job.id(), referred.keySet());
            ImportJob saved = imports.save(h, job.withRolledBack(clock.instant(), by));
            return new Result(deleted, restored, conflicts, saved);
        });
    }

    /** A reference to a record the import created, from a record the rollback leaves. */
    private record Referrer(String object, String id, String field, int count) {
        Referrer plusOne() {
            return new Referrer(object, id, field, count + 1);
        }
    }

    /**
     * The records the import created that a record this rollback leaves in place still refers to, each with its
     * conflict: deleting them would leave that reference dangling. A record the rollback leaves is one the import did
     * not create, or one it created that is kept ({@code kept}, or itself referred to). Reads, after the restores, every
     * record of each object with a reference field that may name an object the import created records of.
     */
    private Map<String, Conflict> stillReferred(Handle h, ImportJob job, Set<String> kept) {
        String organizationId = job.organizationId();
        Set<String> createdObjects = new HashSet<>(records.objectsCreatedBy(h, organizationId, job.id()));
        if (createdObjects.isEmpty()) {
            return Map.of();
        }
        Schema schema = schemas.schema(h, organizationId);
        ReferringRecords referring = new ReferringRecords(schema, createdObjects);
        if (referring.isEmpty()) {
            return Map.of();
        }
        Map<String, Referrer> found = new LinkedHashMap<>();
        Map<String, Referrer> open = new LinkedHashMap<>();
        Consumer<ReferringRecords.Reference> count = r -> open.merge(r.to(),
                new Referrer(r.object().slug(), r.from().id(), r.field().slug(), 1), (a, b) -> a.plusOne());
        referring.scan(records, h, organizationId, job.id(), r -> {
            count.accept(r);
            if (open.size() >= BATCH) {
                createdOnly(h, job, open, found);
            }
        });
        createdOnly(h, job, open, found);
        // A created record that is kept keeps what it refers to in turn.
        Set<String> keptAlso = new LinkedHashSet<>(kept);
        keptAlso.addAll(found.keySet());
        while (!keptAlso.isEmpty()) {
            Map<String, RecordStore.Existing> stored = records.existingByIds(h, organizationId, keptAlso);
            keptAlso.clear();
            for (RecordStore.Existing record : stored.values()) {
                schema.objects().stream().filter(o -> record.id().startsWith(o.idPrefix() + "_")).findFirst()
                        .ifPresent(object -> referring.references(record, object, count));
            }
            open.keySet().removeAll(found.keySet());
            open.keySet().removeAll(kept);
            Set<String> before = new HashSet<>(found.keySet());
            createdOnly(h, job, open, found);
            found.keySet().stream().filter(id -> !before.contains(id)).forEach(keptAlso::add);
        }
        Map<String, RecordStore.Existing> targets = records.existingByIds(h, organizationId, found.keySet());
        Map<String, Conflict> conflicts = new LinkedHashMap<>();
        found.forEach((id, by) -> {
            String referrer = by.object() + " " + by.id() + " (field " + by.field() + ")";
            conflicts.put(id, new Conflict(id, targets.get(id).externalId(), by.count() == 1
                    ? "still referred to by " + referrer + ", which the rollback does not delete"
                    : "still referred to by " + by.count() + " records the rollback does not delete, e.g. "
                            + referrer));
        });
        return conflicts;
    }

    /** Moves the targets of {@code open} that the import created to {@code found} (adding up counts); clears it. */
    private void createdOnly(Handle h, ImportJob job, Map<String, Referrer> open, Map<String, Referrer> found) {
        if (open.isEmpty()) {
            return;
        }
        Set<String> created = records.createdByAmong(h, job.organizationId(), job.id(), open.keySet());
        open.forEach((id, by) -> {
            if (created.contains(id)) {
                found.merge(id, by, (a, b) -> new Referrer(a.object(), a.id(), a.field(), a.count() + b.count()));
            }
        });
        open.clear();
    }

    /**
     * Restores what the import updated and re-creates what it deleted, adding a conflict for each record it cannot;
     * returns how many it put back. Reads the change log a thousand entries at a time, whose updates go to the
     * database as one batch: memory holds one page of earlier versions, however many records the import changed.
     */
    private int restore(Handle h, String organizationId, String importId, List<Conflict> conflicts) {
        int restored = 0;
        for (List<Change> window = imports.changes(h, organizationId, importId, null, BATCH); !window.isEmpty();
                window = imports.changes(h, organizationId, importId, window.getLast().recordId(), BATCH)) {
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
