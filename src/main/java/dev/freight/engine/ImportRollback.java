package dev.freight.engine;

import dev.freight.schema.Field;
import dev.freight.schema.FieldType;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.Schema;
import dev.freight.schema.Value;
import dev.freight.store.Change;
import dev.freight.store.Database;
import dev.freight.store.Handle;
import dev.freight.store.ImportJob;
import dev.freight.store.ImportStore;
import dev.freight.store.RecordStore;
import dev.freight.store.RollbackRecords;
import dev.freight.store.SchemaStore;
import dev.freight.store.ValueJson;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Undoes a whole import from its change log: deletes the records it created, restores the ones it updated or
 * deleted. A record someone else changed since (its values are no longer those the import left, or its key was taken
 * again), a created record that a record the rollback leaves still refers to, or an updated or deleted record whose
 * earlier values refer to a record deleted since (or one the import deleted that the rollback cannot re-create), is
 * left alone and reported as a conflict. Runs in one transaction.
 * Memory holds a page of {@value #BATCH} records at a time, however many the import wrote: what the rollback decides
 * about its created records waits in a temporary table ({@link RollbackRecords}). Thread-safe.
 */
public final class ImportRollback {

    /** A record the rollback left alone, and why. */
    public record Conflict(String recordId, String externalId, String reason) {}

    /**
     * What a rollback did.
     *
     * @param conflicts the first {@value #LISTED} conflicts, one per record: the created records changed since, by
     *     record id (one that a record the rollback leaves still refers to says so too: one the import did not
     *     create, or a created record it keeps); then the updated or deleted records it could not put back, by record
     *     id; then the other created records still referred to, those that records outside the import refer to first,
     *     then those that records kept refer to in turn, each step by record id; then created records that changed
     *     while the rollback ran (those changed since that it meant to delete at the version read, then the others),
     *     each by record id
     * @param conflictCount how many conflicts there are in all
     */
    public record Result(int deleted, int restored, List<Conflict> conflicts, int conflictCount, ImportJob job) {}

    /** Conflicts a result lists at most. */
    public static final int LISTED = 1_000;

    /** Records read, restored or deleted per batch. */
    private static final int BATCH = 1_000;

    private static final String CHANGED_SINCE_CREATED = "changed since the import created it";

    private static final String EXISTS_AGAIN = "a record with its id or external_id exists again";

    private final Database database;
    private final ImportStore imports;
    private final RecordStore records;
    private final SchemaStore schemas;
    private final RollbackRecords marks = new RollbackRecords();
    private final Clock clock;
    /**
     * Run in the rollback's transaction once it has read the created records changed since, before it locks or
     * deletes any: nothing, but a test's other writer changes a created record there.
     */
    private volatile Runnable changedSorted = () -> {};
    /**
     * Run in the rollback's transaction once it has restored the updated records (and re-created the deleted ones),
     * before it looks for what refers to its created records and commits: nothing, but a test's other writer deletes
     * a record a restored record refers to there.
     */
    private volatile Runnable restoredAll = () -> {};
    /**
     * Run in the rollback's transaction once it has locked the records its import created, before it looks for what
     * refers to them: nothing, but a test's other writer stores a reference to a created record there.
     */
    private volatile Runnable createdLocked = () -> {};

    public ImportRollback(Database database, ImportStore imports, RecordStore records, SchemaStore schemas,
            Clock clock) {
        this.database = database;
        this.imports = imports;
        this.records = records;
        this.schemas = schemas;
        this.clock = clock;
    }

    /** Sets what runs once the created records changed since are read; for tests. */
    void afterChangedSorted(Runnable hook) {
        this.changedSorted = hook;
    }

    /** Sets what runs once the updated records are restored, before the commit; for tests. */
    void afterRestored(Runnable hook) {
        this.restoredAll = hook;
    }

    /** Sets what runs once the created records are locked, before the look for what refers to them; for tests. */
    void afterCreatedLocked(Runnable hook) {
        this.createdLocked = hook;
    }

    /**
     * Rolls back {@code job}; {@code by} is the key id recorded as the import's updater. Throws {@link Refused},
     * having changed nothing, when the import was rolled back or its change log purged since {@code job} was read.
     */
    public Result rollback(ImportJob job, String by) {
        return database.inTransaction(h -> {
            // Checked again in the transaction, which holds the import from here: two rollbacks of one import at once
            // (two clients, or a retry of a request still running) would otherwise both run, the second restoring
            // what the first put back and listing its own work as conflicts, or one would run beside the purge.
            if (!imports.claimRollback(h, job.id(), by)) {
                throw new Refused(imports.get(h, job.id()).orElseThrow());
            }
            String organizationId = job.organizationId();
            Conflicts conflicts = new Conflicts();
            marks.open(h);
            sortChanged(h, job, conflicts);
            changedSorted.run();
            int changedListed = conflicts.listed.size();
            // Restored first: a record the import made refer to one it created refers to it no more.
            int restored = restore(h, job, conflicts);
            restoredAll.run();
            int referred = stillReferred(h, job);
            alsoReferred(h, conflicts.listed.subList(0, changedListed));
            conflicts.addAll(referred, marks.referred(h, organizationId, conflicts.room()).stream()
                    .map(r -> new Conflict(r.id(), r.externalId(), stillReferredReason(r.by()))).toList());
            int deleted = deleteChanged(h, organizationId, conflicts);
            deleted += referred == 0 ? records.deleteCreatedBy(h, organizationId, job.id())
                    : marks.deleteCreatedByUnreferred(h, organizationId, job.id());
            changedMeanwhile(h, organizationId, job.id(), conflicts);
            marks.close(h);
            ImportJob saved = imports.rolledBack(h, job, clock.instant(), by);
            return new Result(deleted, restored, conflicts.listed, conflicts.count, saved);
        });
    }

    /**
     * A rollback not run: since its caller read the import, it was rolled back or its change log purged
     * ({@link #current} says which and when).
     */
    public static final class Refused extends RuntimeException {

        private final transient ImportJob current;

        Refused(ImportJob current) {
            super("Import " + current.id() + " was rolled back or purged since it was read");
            this.current = current;
        }

        /** The import as stored when the rollback was refused. */
        public ImportJob current() {
            return current;
        }
    }

    /** The conflicts of a rollback: the first {@value #LISTED} of them, and how many in all. */
    private static final class Conflicts {
        final List<Conflict> listed = new ArrayList<>();
        int count;

        void add(Conflict conflict) {
            count++;
            if (listed.size() < LISTED) {
                listed.add(conflict);
            }
        }

        /** Adds {@code total} conflicts whose first ones are {@code first} (at least as many as there is room for). */
        void addAll(int total, List<Conflict> first) {
            count += total;
            listed.addAll(first.subList(0, Math.min(first.size(), room())));
        }

        int room() {
            return LISTED - listed.size();
        }
    }

    /**
     * Decides, a page at a time, the fate of each created record someone changed since (its version is past the one
     * the import gave it): deleted when its values are still those the import left, else kept as a conflict. Notes
     * each in {@link #marks}, without its values.
     */
    private void sortChanged(Handle h, ImportJob job, Conflicts conflicts) {
        String organizationId = job.organizationId();
        for (List<RecordStore.Existing> page = records.createdByPastVersionOne(h, organizationId, job.id(), null,
                BATCH); !page.isEmpty(); page = records.createdByPastVersionOne(h, organizationId, job.id(),
                        page.getLast().id(), BATCH)) {
            Map<String, Long> applied = imports.appliedVersions(h, job.id(),
                    page.stream().map(RecordStore.Existing::id).toList());
            Map<String, Long> left = new HashMap<>();
            List<RecordStore.Existing> changed = new ArrayList<>();
            for (RecordStore.Existing record : page) {
                long version = applied.getOrDefault(record.id(), 1L);
                if (version < record.version()) {
                    left.put(record.id(), version);
                    changed.add(record);
                }
            }
            Map<String, ImportStore.AtVersion> leftAt = imports.atVersions(h, organizationId, job.id(), left);
            List<RollbackRecords.Changed> sorted = new ArrayList<>(changed.size());
            for (RecordStore.Existing record : changed) {
                ImportStore.AtVersion at = leftAt.get(record.id());
                // An external_id given since (a file workflow row matched the record by other fields) is a change too.
                boolean same = at != null && ValueJson.sameValues(at.data(), record.data())
                        && Objects.equals(at.externalId(), record.externalId());
                sorted.add(new RollbackRecords.Changed(record.id(), record.externalId(), record.version(),
                        same ? RollbackRecords.Fate.DELETE : RollbackRecords.Fate.KEEP));
                if (!same) {
                    conflicts.add(new Conflict(record.id(), record.externalId(), CHANGED_SINCE_CREATED));
                }
            }
            marks.addChanged(h, sorted);
        }
        marks.filled(h);
    }

    /**
     * Marks in {@link #marks} the records the import created that a record this rollback leaves in place still refers
     * to: deleting them would leave that reference dangling. Returns how many there are besides those kept anyway
     * (changed since), whose conflicts are listed already. A record the rollback leaves is one the import did not
     * create, or one it created that is kept (changed since, or itself referred to). Has the database find, after the
     * restores, the references that the records the import did not create, of each object with a reference field that
     * may name an object the import created records of, hold to the records it created; then reads, round by round,
     * the kept records of such objects, and those the round before found.
     */
    private int stillReferred(Handle h, ImportJob job) {
        String organizationId = job.organizationId();
        Set<String> createdObjects = new HashSet<>(records.objectsCreatedBy(h, organizationId, job.id()));
        if (createdObjects.isEmpty()) {
            return 0;
        }
        ReferringRecords referring = new ReferringRecords(schemas.schema(h, organizationId), createdObjects);
        if (referring.isEmpty()) {
            return 0;
        }
        // A writer that stores a reference to one of them meanwhile is either seen below or finds it gone.
        records.lockCreatedBy(h, organizationId, job.id());
        createdLocked.run();
        Map<String, RollbackRecords.Referrer> open = new LinkedHashMap<>();
        Consumer<ReferringRecords.Reference> count = r -> open.merge(r.to(),
                new RollbackRecords.Referrer(r.object().slug(), r.from(), r.field().slug(), 1),
                (a, b) -> new RollbackRecords.Referrer(a.object(), a.id(), a.field(), a.count() + b.count()));
        referring.scan(records, h, organizationId, new RecordStore.Referred.CreatedBy(job.id()), job.id(), r -> {
            count.accept(r);
            if (open.size() >= BATCH) {
                refer(h, job, open, 0);
            }
        });
        refer(h, job, open, 0);
        // A created record that is kept keeps what it refers to in turn.
        for (int round = 0, found = 1; found > 0; round++) {
            found = 0;
            for (ObjectDef object : referring.objects()) {
                for (List<RecordStore.Existing> page = marks.ofRound(h, organizationId, object, round, null, BATCH);
                        !page.isEmpty();
                        page = marks.ofRound(h, organizationId, object, round, page.getLast().id(), BATCH)) {
                    page.forEach(record -> referring.references(record, object, count));
                    found += refer(h, job, open, round + 1);
                }
            }
        }
        return marks.referredCount(h);
    }

    /**
     * Marks the targets of {@code open} that the import created as still referred to, found in round {@code round}
     * (0: by records the import did not create), adding up counts within the round that found a target; clears
     * {@code open}. A target that an earlier round found is left as it is. Returns how many targets it newly found
     * whose references a later round reads: from round 1 on, a target kept anyway (changed since) is marked, so that
     * its conflict says it is still referred to too, but not counted, since round 0 reads what it refers to.
     */
    private int refer(Handle h, ImportJob job, Map<String, RollbackRecords.Referrer> open, int round) {
        if (open.isEmpty()) {
            return 0;
        }
        Map<String, RollbackRecords.Mark> marked = marks.marks(h, open.keySet());
        List<String> unmarked = open.keySet().stream().filter(id -> !marked.containsKey(id)).toList();
        Set<String> created = unmarked.isEmpty() ? Set.of()
                : records.createdByAmong(h, job.organizationId(), job.id(), unmarked);
        Map<String, RollbackRecords.Referrer> referred = new LinkedHashMap<>();
        int found = 0;
        for (Map.Entry<String, RollbackRecords.Referrer> e : open.entrySet()) {
            RollbackRecords.Mark mark = marked.get(e.getKey());
            boolean unreferred = mark == null ? created.contains(e.getKey()) : mark.referrer() == null;
            if (unreferred && (mark == null || round == 0 || mark.fate() != RollbackRecords.Fate.KEEP)) {
                found++;
            }
            if (unreferred || mark != null && mark.referrer() != null
                    && Integer.valueOf(round).equals(mark.referredRound())) {
                referred.put(e.getKey(), e.getValue());
            }
        }
        marks.refer(h, referred, round);
        open.clear();
        return found;
    }

    /**
     * Adds to the reason of each of {@code changed}, listed conflicts of created records changed since, that a record
     * the rollback leaves still refers to it, where one does: the record is one conflict, counted once, saying both.
     */
    private void alsoReferred(Handle h, List<Conflict> changed) {
        if (changed.isEmpty()) {
            return;
        }
        Map<String, RollbackRecords.Mark> marked = marks.marks(h, changed.stream().map(Conflict::recordId).toList());
        changed.replaceAll(c -> {
            RollbackRecords.Mark mark = marked.get(c.recordId());
            return mark == null || mark.referrer() == null ? c : new Conflict(c.recordId(), c.externalId(),
                    c.reason() + ", and " + stillReferredReason(mark.referrer()));
        });
    }

    private static String stillReferredReason(RollbackRecords.Referrer by) {
        String referrer = by.object() + " " + by.id() + " (field " + by.field() + ")";
        return by.count() == 1
                ? "still referred to by " + referrer + ", which the rollback does not delete"
                : "still referred to by " + by.count() + " records the rollback does not delete, e.g. " + referrer;
    }

    /**
     * Deletes, a batch at a time, the created records changed since whose values are still those the import left and
     * that nothing the rollback leaves refers to, each at the version read; one that changed meanwhile is a conflict.
     * Returns how many it deleted.
     */
    private int deleteChanged(Handle h, String organizationId, Conflicts conflicts) {
        int deleted = 0;
        for (List<RollbackRecords.Changed> page = marks.toDelete(h, null, BATCH); !page.isEmpty();
                page = marks.toDelete(h, page.getLast().id(), BATCH)) {
            boolean[] gone = records.deleteIfVersions(h, organizationId, page.stream()
                    .map(c -> new RecordStore.Versioned(c.id(), c.version())).toList());
            for (int i = 0; i < gone.length; i++) {
                if (gone[i]) {
                    deleted++;
                } else {
                    conflicts.add(new Conflict(page.get(i).id(), page.get(i).externalId(), CHANGED_SINCE_CREATED));
                }
            }
        }
        return deleted;
    }

    /**
     * Adds a conflict for each record the import created that is still stored though the rollback neither kept nor
     * listed it: another writer changed it after {@link #sortChanged} read the created records changed since, so the
     * delete of those at the import's own version missed it (see {@link RollbackRecords#unmarkedCreatedBy}).
     */
    private void changedMeanwhile(Handle h, String organizationId, String importId, Conflicts conflicts) {
        for (List<RollbackRecords.Changed> page = marks.unmarkedCreatedBy(h, organizationId, importId, null, BATCH);
                !page.isEmpty(); page = marks.unmarkedCreatedBy(h, organizationId, importId, page.getLast().id(),
                        BATCH)) {
            page.forEach(c -> conflicts.add(new Conflict(c.id(), c.externalId(), CHANGED_SINCE_CREATED)));
        }
    }

    /**
     * Re-creates what the import deleted ({@link #recreate}), then restores what it updated, adding a conflict for
     * each record it cannot put back, in record id order; returns how many it put back. Reads the change log a
     * thousand entries at a time, whose updates go to the database as one batch: memory holds one page of earlier
     * versions, however many records the import changed. A file workflow row matched by other fields may have given a
     * record without an external_id its own: the restore takes it back while the record still has it; one the record
     * got after the import stays, and is a conflict.
     */
    private int restore(Handle h, ImportJob job, Conflicts conflicts) {
        String organizationId = job.organizationId();
        String importId = job.id();
        int restored = 0;
        Schema schema = schemas.schema(h, organizationId);
        recreate(h, job, schema);
        for (List<Change> window = imports.changes(h, organizationId, importId, null, BATCH); !window.isEmpty();
                window = imports.changes(h, organizationId, importId, window.getLast().recordId(), BATCH)) {
            List<Change> updated = window.stream().filter(c -> "updated".equals(c.kind())).toList();
            // Every re-creation is done or known to fail: a record the import deleted is there or it is not.
            Map<String, Conflict> dangling = dangling(h, organizationId, importId, schema, updated, Deleted.AS_STORED)
                    .conflicts();
            Map<String, String> notRecreated = updated.size() == window.size() ? Map.of()
                    : marks.notRecreated(h, window.stream().filter(c -> !"updated".equals(c.kind()))
                            .map(Change::recordId).toList());
            List<RecordStore.Restore> restores = new ArrayList<>();
            for (Change c : window) {
                if ("updated".equals(c.kind()) && c.previousData() != null && !dangling.containsKey(c.recordId())) {
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
            Map<String, PutLate> putLate = restoreUnchangedByValue(h, organizationId, importId, window, missed);
            List<String> gaveOne = new ArrayList<>();
            int next = 0;
            for (Change c : window) {
                if (dangling.containsKey(c.recordId())) {
                    conflicts.add(dangling.get(c.recordId()));
                    continue;
                }
                switch (c.kind()) {
                    case "updated" -> {
                        if (c.previousData() == null) {
                            conflicts.add(new Conflict(c.recordId(), c.externalId(),
                                    "created concurrently by another writer; its earlier values are unknown"));
                            continue;
                        }
                        boolean atVersion = put[next++];
                        PutLate late = putLate.get(c.recordId());
                        if (atVersion) {
                            restored++;
                            // At the version the import left, the record has the external_id the import left.
                            if (c.externalId() == null) {
                                gaveOne.add(c.recordId());
                            }
                        } else if (late != null) {
                            restored++;
                            String now = late.now();
                            if (now != null && !now.equals(c.externalId())) {
                                if (c.externalId() == null && now.equals(late.left())) {
                                    gaveOne.add(c.recordId());
                                } else {
                                    conflicts.add(new Conflict(c.recordId(), now, keptExternalId(now, c.externalId())));
                                }
                            }
                        } else {
                            conflicts.add(new Conflict(c.recordId(), c.externalId(),
                                    "changed or deleted since the import updated it"));
                        }
                    }
                    default -> {
                        String notBack = notRecreated.get(c.recordId());
                        if (notBack == null) {
                            restored++;
                        } else {
                            conflicts.add(new Conflict(c.recordId(), c.externalId(), notBack));
                        }
                    }
                }
            }
            // Each of them still has the external_id the import gave it: its version says so (read, or left).
            records.clearExternalIds(h, organizationId, gaveOne);
        }
        return restored;
    }

    /**
     * Re-creates the records the import deleted, before any restore, so that whether each came back is known when a
     * record whose earlier values refer to it is put back: each as it was, the import that created it included, so
     * that this import's rollback followed by that one's, newest first, deletes it. A record is not re-created when
     * the import that created it was rolled back after this import was created (that rollback found it deleted, and
     * would have deleted it), when its earlier values refer to
     * a record deleted since the import, or when a record has its id or external_id again; one whose earlier values
     * refer to a record the import deleted is re-created if that one may come back, and deleted again, sweep after
     * sweep, once that one turns out not to (its id may come before or after theirs). Each record not re-created goes
     * with its conflict's reason into {@link #marks}, where {@link #restore} finds it in record id order.
     */
    private void recreate(Handle h, ImportJob job, Schema schema) {
        String organizationId = job.organizationId();
        String importId = job.id();
        boolean failed = false;
        boolean relied = false;
        for (List<ImportStore.Deletion> window = imports.deletions(h, importId, null, BATCH); !window.isEmpty();
                window = imports.deletions(h, importId, window.getLast().change().recordId(), BATCH)) {
            Dangling dangling = dangling(h, organizationId, importId, schema, changes(window), Deleted.COMING_BACK);
            Set<String> undone = imports.rolledBackSince(h, window.stream().map(ImportStore.Deletion::createdByImport)
                    .filter(Objects::nonNull).distinct().toList(), job.createdAt());
            Map<String, String> notRecreated = new HashMap<>();
            for (ImportStore.Deletion d : window) {
                String id = d.change().recordId();
                Conflict conflict = dangling.conflicts().get(id);
                if (d.createdByImport() != null && undone.contains(d.createdByImport())) {
                    notRecreated.put(id, "not re-created: import " + d.createdByImport() + ", which created it, was"
                            + " rolled back after this import was created");
                } else if (conflict != null) {
                    notRecreated.put(id, conflict.reason());
                } else if (!records.reinsert(h, organizationId, d)) {
                    notRecreated.put(id, EXISTS_AGAIN);
                }
            }
            marks.notRecreated(h, notRecreated);
            failed |= !notRecreated.isEmpty();
            relied |= dangling.reliesOnDeleted();
        }
        while (failed && relied) {
            failed = false;
            for (List<ImportStore.Deletion> window = imports.deletions(h, importId, null, BATCH); !window.isEmpty();
                    window = imports.deletions(h, importId, window.getLast().change().recordId(), BATCH)) {
                List<Change> deleted = changes(window);
                Set<String> notBack = marks.notRecreated(h, deleted.stream().map(Change::recordId).toList()).keySet();
                List<Change> back = deleted.stream().filter(c -> !notBack.contains(c.recordId())).toList();
                Map<String, Conflict> dangling = dangling(h, organizationId, importId, schema, back, Deleted.AS_STORED)
                        .conflicts();
                if (dangling.isEmpty()) {
                    continue;
                }
                // Re-created by this rollback a moment ago, at the version they were deleted at: no other writer has
                // seen them (one re-created that refers to them goes in the next sweep).
                List<RecordStore.Versioned> again = back.stream().filter(c -> dangling.containsKey(c.recordId()))
                        .map(c -> new RecordStore.Versioned(c.recordId(), c.previousVersion())).toList();
                boolean[] gone = records.deleteIfVersions(h, organizationId, again);
                Map<String, String> notRecreated = new HashMap<>();
                for (int i = 0; i < gone.length; i++) {
                    if (gone[i]) {
                        notRecreated.put(again.get(i).id(), dangling.get(again.get(i).id()).reason());
                    }
                }
                marks.notRecreated(h, notRecreated);
                failed |= !notRecreated.isEmpty();
            }
        }
    }

    private static List<Change> changes(List<ImportStore.Deletion> deletions) {
        return deletions.stream().map(ImportStore.Deletion::change).toList();
    }

    /** How {@link #dangling} takes a record the import deleted that is not stored. */
    private enum Deleted {
        /** As coming back with this rollback: its re-creation is not done yet. */
        COMING_BACK,
        /** As gone: the rollback could not re-create it (re-creations done). */
        AS_STORED
    }

    /**
     * What {@link #dangling} found: the conflicts by record id, and whether a record's earlier values refer to a record
     * the import deleted, which was taken as coming back.
     */
    private record Dangling(Map<String, Conflict> conflicts, boolean reliesOnDeleted) {}

    /**
     * The changes of {@code window} whose earlier values, which the restore would put back, refer to a record that is
     * gone, each with its conflict: the record is left as the import left it, since putting them back would leave a
     * reference naming no record. Gone is deleted since the import, by anyone; a record the import itself deleted
     * that is not stored is taken as {@code deleted} says: coming back while re-creations are not done yet, gone once
     * they are (the rollback could not re-create it). The targets still stored are locked against
     * deletes until the rollback ends ({@link RecordStore#lockReferencedOrGone}), so none goes between this check and
     * the commit.
     */
    private Dangling dangling(Handle h, String organizationId, String importId, Schema schema, List<Change> window,
            Deleted deleted) {
        Map<String, List<Map.Entry<String, Value.Ref>>> refsOf = new HashMap<>();
        Set<String> targets = new HashSet<>();
        for (Change c : window) {
            ObjectDef object = c.previousData() == null ? null : schema.object(c.object()).orElse(null);
            if (object == null || object.fields().stream().noneMatch(f -> f.type() == FieldType.REFERENCE)) {
                continue;
            }
            Map<String, Value> values = ValueJson.decode(c.previousData(), object);
            for (Field field : object.fields()) {
                if (field.type() != FieldType.REFERENCE) {
                    continue;
                }
                for (Value.Ref ref : ReferenceResolver.refs(values.get(field.slug()))) {
                    if (ref.id() != null && !ref.id().equals(c.recordId())) {
                        refsOf.computeIfAbsent(c.recordId(), id -> new ArrayList<>())
                                .add(Map.entry(field.slug(), ref));
                        targets.add(ref.id());
                    }
                }
            }
        }
        if (targets.isEmpty()) {
            return new Dangling(Map.of(), false);
        }
        Set<String> gone = new HashSet<>(records.lockReferencedOrGone(h, organizationId, targets));
        if (gone.isEmpty()) {
            return new Dangling(Map.of(), false);
        }
        Set<String> deletedByImport = imports.deletedAmong(h, importId, gone);
        if (deleted == Deleted.COMING_BACK) {
            gone.removeAll(deletedByImport);
        }
        Map<String, Conflict> dangling = new HashMap<>();
        for (Change c : window) {
            for (Map.Entry<String, Value.Ref> e : refsOf.getOrDefault(c.recordId(), List.of())) {
                Value.Ref ref = e.getValue();
                if (gone.contains(ref.id())) {
                    dangling.put(c.recordId(), new Conflict(c.recordId(), c.externalId(),
                            ("updated".equals(c.kind()) ? "not restored" : "not re-created") + ": its earlier values"
                                    + " refer to " + ref.object() + " " + ref.id() + " (field " + e.getKey() + "), "
                                    + (deletedByImport.contains(ref.id()) ? "which the rollback could not re-create"
                                            : "which was deleted since")));
                    break;
                }
            }
        }
        return new Dangling(dangling, deleted == Deleted.COMING_BACK && !deletedByImport.isEmpty());
    }

    /**
     * Why a restored record is a conflict all the same: it keeps {@code kept}, an external_id it got after the import,
     * which had left it {@code before} (null: none).
     */
    private static String keptExternalId(String kept, String before) {
        return "restored its earlier values, but kept external_id \"" + kept + "\", which it got after the import (it"
                + " had " + (before == null ? "none" : "\"" + before + "\"") + " before the import)";
    }

    /**
     * A record {@link #restoreUnchangedByValue} put back: its external_id now ({@code now}) and the one the import
     * left ({@code left}); null for none.
     */
    private record PutLate(String now, String left) {}

    /**
     * Restores the updated records of {@code missed} whose version moved on since the import but whose values are
     * still the ones it left (a later import changed them and was rolled back, which restores values under a new
     * version, or gave the record only an external_id); returns them by id. What an import left is known from the
     * change log of the next import that changed the record from that version; a record changed otherwise stays a
     * conflict.
     */
    private Map<String, PutLate> restoreUnchangedByValue(Handle h, String organizationId, String importId,
            List<Change> window, Set<String> missed) {
        if (missed.isEmpty()) {
            return Map.of();
        }
        Map<String, Long> left = new HashMap<>();
        for (Change c : window) {
            if (missed.contains(c.recordId()) && c.appliedVersion() != null) {
                left.put(c.recordId(), c.appliedVersion());
            }
        }
        Map<String, ImportStore.AtVersion> leftAt = imports.atVersions(h, organizationId, importId, left);
        Map<String, RecordStore.Existing> now = records.existingByIds(h, organizationId, leftAt.keySet());
        Map<String, PutLate> put = new HashMap<>();
        for (Change c : window) {
            RecordStore.Existing current = now.get(c.recordId());
            ImportStore.AtVersion at = leftAt.get(c.recordId());
            if (left.containsKey(c.recordId()) && current != null && ValueJson.sameValues(at.data(), current.data())
                    && records.restoreIfVersion(h, organizationId, c.recordId(), c.previousData(), current.version())) {
                put.put(c.recordId(), new PutLate(current.externalId(), at.externalId()));
            }
        }
        return put;
    }
}
