package dev.freight.engine;

import dev.freight.engine.ExecuteOptions.MergeMode;
import dev.freight.schema.Field;
import dev.freight.schema.FieldType;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.Schema;
import dev.freight.schema.Value;
import dev.freight.store.Database;
import dev.freight.store.DeferredRow;
import dev.freight.store.Dialect;
import dev.freight.store.Handle;
import dev.freight.store.ImportEnums.Action;
import dev.freight.store.ImportEnums.DuplicateHandling;
import dev.freight.store.ImportStats;
import dev.freight.store.RecordStore;
import dev.freight.store.RecordStore.Existing;
import dev.freight.store.RecordWrite;
import dev.freight.store.RowError;
import dev.freight.store.StoreException;
import dev.freight.store.UpsertOutcome;
import dev.freight.store.ValueJson;
import java.util.ArrayList;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Applies one chunk of parsed rows inside the caller's transaction: duplicate rules, reference resolution, unchanged
 * detection, the upsert or delete, and the change log. It computes what to record but leaves the import's own row to
 * the caller, so the chunk and the checkpoint commit together. Not thread-safe; one per import run.
 */
final class ChunkWriter implements RowWriter {

    /** How many chunks {@link #lookUp} reads key by key before it tries a stretch of the key index again. */
    private static final int SCATTERED_CHUNKS = 32;

    private final RecordStore records;
    /** Where {@link #lookAhead} reads, on a connection of its own. */
    private final Database database;
    private final Schema schema;
    private final ObjectDef object;
    private final String organizationId;
    private final String importId;
    private final Action action;
    private final DuplicateHandling duplicateHandling;
    private final Map<String, Long> duplicates;
    private final String unitNoun;
    private final ReferenceResolver references;
    /** What may still refer to the records a delete row names; null for other actions or when nothing can. */
    private final StillReferred stillReferred;
    /** The object's reference fields that may point at its own records. */
    private final List<Field> selfReferences;
    /** Whether {@link #prepare} encodes rows: not for deletes, nor for references (resolved when written). */
    private final boolean encodesAhead;
    /** How the database gives stored JSON back ({@link Dialect#storedJsonText}). */
    private final Dialect dialect;
    /**
     * Whether the object has none of the organization's records yet, as read by the first write or, when there are
     * some, by a look-ahead before it; null before. Read by {@link #prepare} on the reader's thread.
     */
    private volatile Boolean empty;
    private final Object deciding = new Object();
    /** Chunks left to look up key by key ({@link #lookUp}), shared by the look-ahead threads. */
    private final AtomicInteger scatteredChunks = new AtomicInteger();
    /** A write skipped the key lookup and its transaction has not committed yet. */
    private boolean unconfirmed;
    /**
     * The import's put-off rows when this writes them, in the pass after its last row; null in the pass over the
     * source, which puts off the rows whose references name records of the object that are not stored yet.
     */
    private final ReferenceResolver.KeptRows kept;

    /**
     * @param duplicates external ids that occur more than once in the whole import → ordinal of the first occurrence
     * @param unitNoun what the messages call the whole import ("batch", "file")
     * @param kept the import's put-off rows when this writes them after its last row (their references may name one
     *     another, and each creates its record with the id kept for it); null for the pass over the source
     */
    ChunkWriter(RecordStore records, Database database, Schema schema, ObjectDef object, String organizationId,
            String importId, Action action, DuplicateHandling duplicateHandling, Map<String, Long> duplicates,
            String unitNoun, ReferenceResolver.KeptRows kept) {
        this.kept = kept;
        this.importId = importId;
        this.database = database;
        this.dialect = database.dialect();
        this.records = records;
        this.schema = schema;
        this.object = object;
        this.organizationId = organizationId;
        this.action = action;
        this.duplicateHandling = duplicateHandling;
        this.duplicates = duplicates;
        this.unitNoun = unitNoun;
        this.references = new ReferenceResolver(records, schema, object, organizationId, importId,
                ReferenceResolver.Missing.REJECT, false, kept);
        StillReferred referred = action == Action.DELETE ? new StillReferred(schema, object) : null;
        this.stillReferred = referred == null || referred.isEmpty() ? null : referred;
        this.selfReferences = object.fields().stream()
                .filter(f -> f.type() == FieldType.REFERENCE && f.targets().contains(object.slug())).toList();
        this.encodesAhead = action != Action.DELETE
                && object.fields().stream().noneMatch(f -> f.type() == FieldType.REFERENCE);
    }

    /**
     * Encodes a valid row's stored JSON, which a create or an update replacing every value writes as it is. Unless this
     * is a first load, that is the text the database would give back for it, which an unchanged stored record has: it is
     * JSON of the same values, so one encoding serves both (PostgreSQL's jsonb text cost the reader as much again).
     */
    @Override
    public ParsedRow prepare(ParsedRow row) {
        if (!encodesAhead || !row.valid()) {
            return row;
        }
        String stored = Boolean.TRUE.equals(empty) ? null : dialect.storedJsonText(row.values());
        return row.withJson(stored != null ? stored : ValueJson.encode(row.values()));
    }

    /**
     * Reads the stored records of the chunk's keys on a connection of its own while the chunks before it are being
     * written, and decides for each row that needs no reference resolved whether it is unchanged or what to write. The
     * read is outside the transaction that writes the chunk, so it may be out of date by then: every write carries the
     * version read, a record changed or created meanwhile fails the chunk with {@code transient_conflict}, and the
     * chunk's next attempt looks its keys up afresh in its own transaction. A first load (no records yet) and deletes
     * (which log what they read without a version check) do not read ahead; nor does anything when the read fails:
     * the write then looks up the keys itself and meets the failure in its transaction.
     */
    @Override
    public List<ParsedRow> lookAhead(List<ParsedRow> chunk) {
        if (action == Action.DELETE) {
            return chunk;
        }
        if (empty == null) {
            // Before the first write: stored records mean no first load, so this chunk's keys are worth reading.
            try {
                if (database.withHandle(h -> records.any(h, organizationId, object.slug()))) {
                    decide(false);
                }
            } catch (StoreException e) {
                return chunk;
            }
        }
        if (!Boolean.FALSE.equals(empty)) {
            return chunk;
        }
        Set<String> keys = new LinkedHashSet<>();
        for (ParsedRow row : chunk) {
            if (row.valid() && row.externalId() != null) {
                keys.add(row.externalId());
            }
        }
        if (keys.isEmpty()) {
            return chunk;
        }
        Map<String, Existing> existing;
        try {
            existing = database.withHandle(h -> lookUp(h, keys));
        } catch (StoreException e) {
            return chunk;
        }
        Map<ParsedRow, RecordWrite> planned = new IdentityHashMap<>();
        if (encodesAhead) {
            for (ParsedRow row : chunk) {
                if (row.valid() && row.externalId() != null) {
                    planned.put(row, plan(row, existing.get(row.externalId())));
                }
            }
        }
        return new LookedUp(chunk, new ReadAhead(existing, planned));
    }

    /**
     * The stored records of a chunk's keys, read as one stretch of the key index while the chunks' keys lie close
     * together ({@link RecordStore#existingInRange}); after a chunk whose keys did not, one by one for the next
     * {@value #SCATTERED_CHUNKS} chunks before the stretch is tried again.
     */
    private Map<String, Existing> lookUp(Handle h, Set<String> keys) {
        if (scatteredChunks.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return records.existing(h, organizationId, object.slug(), keys);
        }
        if (keys.size() > 1) {
            Map<String, Existing> found = records.existingInRange(h, organizationId, object.slug(), keys);
            if (found != null) {
                return found;
            }
            scatteredChunks.set(SCATTERED_CHUNKS);
        }
        return records.existing(h, organizationId, object.slug(), keys);
    }

    /** What {@link #lookAhead} read and decided: the stored records by key, and per row its write (null: unchanged). */
    private record ReadAhead(Map<String, Existing> existing, Map<ParsedRow, RecordWrite> planned) {}

    /** A chunk with what was read ahead for it, which only the chunk's first write takes: another attempt reads afresh. */
    private static final class LookedUp extends AbstractList<ParsedRow> {
        private final List<ParsedRow> rows;
        private ReadAhead ahead;

        LookedUp(List<ParsedRow> rows, ReadAhead ahead) {
            this.rows = rows;
            this.ahead = ahead;
        }

        @Override
        public ParsedRow get(int index) {
            return rows.get(index);
        }

        @Override
        public int size() {
            return rows.size();
        }

        /** What was read ahead, or null once taken. */
        ReadAhead peek() {
            return ahead;
        }

        /** What was read ahead, the first time; null after. */
        ReadAhead take() {
            ReadAhead taken = ahead;
            ahead = null;
            return taken;
        }
    }

    /**
     * A chunk whose every row was read ahead and found unchanged, with no key repeated in the import: each row's
     * outcome is {@code unchanged}, as {@link #write} would give it, and nothing is written.
     */
    @Override
    public Result unchanged(List<ParsedRow> rows) {
        ReadAhead ahead = rows instanceof LookedUp l ? l.peek() : null;
        if (ahead == null || action == Action.DELETE || !selfReferences.isEmpty() || kept != null) {
            return null;
        }
        List<RowResult> results = new ArrayList<>(rows.size());
        for (ParsedRow row : rows) {
            if (!row.valid() || row.externalId() == null || duplicates.containsKey(row.externalId())
                    || !ahead.planned().containsKey(row) || ahead.planned().get(row) != null) {
                return null;
            }
            results.add(new RowResult(row.ordinal(), row.externalId(), ahead.existing().get(row.externalId()).id(),
                    Outcome.UNCHANGED));
        }
        ((LookedUp) rows).take();
        long n = rows.size();
        return new Result(results, List.of(), new ImportStats(n, n, 0, 0, n, 0, 0, 0), List.of(), 0, 0,
                List.of());
    }

    @Override
    public boolean changesRows() {
        return references.changesRows();
    }

    @Override
    public Result write(Handle h, List<ParsedRow> rows) {
        ReadAhead ahead = rows instanceof LookedUp l ? l.take() : null;
        List<Violation> errors = new ArrayList<>();
        Map<Long, RowResult> results = new LinkedHashMap<>();
        List<ParsedRow> candidates = new ArrayList<>(rows.size());
        long parseRejected = 0;
        long validationRejected = 0;
        long skipped = 0;
        for (ParsedRow row : rows) {
            Long first = row.externalId() == null ? null : duplicates.get(row.externalId());
            // use_first skips a later row of a repeated key whatever its values: it is never imported, so never wrong.
            if (first != null && first != row.ordinal() && duplicateHandling == DuplicateHandling.USE_FIRST) {
                results.put(row.ordinal(),
                        new RowResult(row.ordinal(), row.externalId(), null, Outcome.SKIPPED_DUPLICATE));
                skipped++;
                continue;
            }
            if (!row.valid()) {
                errors.addAll(row.errors());
                results.put(row.ordinal(), new RowResult(row.ordinal(), row.externalId(), null, Outcome.FAILED));
                parseRejected++;
                continue;
            }
            if (first != null && duplicateHandling == DuplicateHandling.IGNORE_ALL) {
                errors.add(new Violation(row.ordinal(), row.externalId(), "external_id",
                        ViolationCode.DUPLICATE_EXTERNAL_ID,
                        "external_id \"" + row.externalId() + "\" appears more than once in this " + unitNoun));
                results.put(row.ordinal(), new RowResult(row.ordinal(), row.externalId(), null, Outcome.FAILED));
                validationRejected++;
            } else {
                candidates.add(row);
            }
        }
        boolean refersToItself = !selfReferences.isEmpty() && action != Action.DELETE;
        List<ReferenceResolver.PutOff> putOff = kept == null && refersToItself ? new ArrayList<>() : null;
        // The ids the chunk's new records take, given as their rows are resolved, so a later row of the chunk can
        // refer to an earlier one and the chunk is still written at once; put-off rows have theirs kept already.
        Map<String, String> given = kept == null && refersToItself ? new HashMap<>() : null;
        boolean skipsLookup = candidates.stream().anyMatch(r -> r.externalId() != null) && skipsLookup(h);
        List<ParsedRow> resolved = action == Action.DELETE ? candidates
                : references.resolve(h, candidates, errors, new HashMap<>(), putOff, given);
        if (resolved.size() != candidates.size()) {
            Set<ParsedRow> accepted = Collections.newSetFromMap(new IdentityHashMap<>());
            accepted.addAll(resolved);
            if (putOff != null) {
                putOff.forEach(p -> accepted.add(p.row()));
            }
            for (ParsedRow row : candidates) {
                if (!accepted.contains(row)) {
                    results.put(row.ordinal(), new RowResult(row.ordinal(), row.externalId(), null, Outcome.FAILED));
                    validationRejected++;
                }
            }
        }
        boolean keyed = resolved.stream().anyMatch(r -> r.externalId() != null);
        Map<String, Existing> existing = !keyed || skipsLookup ? Map.of()
                : ahead != null ? ahead.existing()
                : action == Action.DELETE ? records.existingToDelete(h, organizationId, object.slug(), keys(resolved))
                : records.existing(h, organizationId, object.slug(), keys(resolved));
        List<DeferredRow> deferred = new ArrayList<>(putOff == null ? 0 : putOff.size());
        if (action == Action.DELETE) {
            validationRejected += delete(h, resolved, existing, results, errors, deferred);
        } else {
            Map<String, String> ids = given != null ? given
                    : kept == null || !keyed ? Map.of() : kept.ids(h, keys(resolved));
            upsert(h, resolved, existing, ahead == null ? Map.of() : ahead.planned(), ids, results);
        }
        if (putOff != null) {
            for (ReferenceResolver.PutOff p : putOff) {
                ParsedRow row = p.row();
                deferred.add(new DeferredRow(row.ordinal(), row.line(), row.externalId(), records.newId(object),
                        ValueJson.write(row.cells()), p.missing()));
            }
        }
        long[] counts = counts(results);
        long failed = counts[Outcome.FAILED.ordinal()];
        long read = rows.size() - deferred.size();
        ImportStats stats = new ImportStats(read, read - failed - skipped,
                counts[Outcome.CREATED.ordinal()], counts[Outcome.UPDATED.ordinal()],
                counts[Outcome.UNCHANGED.ordinal()], counts[Outcome.DELETED.ordinal()], skipped, failed);
        List<RowResult> ordered = new ArrayList<>(results.values());
        ordered.sort((a, b) -> Long.compare(a.ordinal(), b.ordinal()));
        errors.sort((a, b) -> Long.compare(a.row(), b.row()));
        return new Result(ordered, errors, stats, errorRows(rows, errors), parseRejected,
                validationRejected, deferred);
    }

    /**
     * An import into an object that had no records when it began (a first load) needs no key lookups: every row is a
     * create. The creates are written as such, so a key another writer took meanwhile fails the chunk with
     * {@code transient_conflict}; when a chunk is written again without the last one having committed, this writer
     * looks keys up from then on.
     */
    private boolean skipsLookup(Handle h) {
        if (unconfirmed) {
            empty = false;
            unconfirmed = false;
        }
        if (action == Action.DELETE) {
            return false;
        }
        boolean none = empty == null ? decide(!records.any(h, organizationId, object.slug())) : empty;
        unconfirmed = none;
        return none;
    }

    /** Sets {@link #empty} unless a look-ahead or the writer has already; returns it. */
    private boolean decide(boolean none) {
        synchronized (deciding) {
            if (empty == null) {
                empty = none;
            }
            return empty;
        }
    }

    @Override
    public void committed() {
        unconfirmed = false;
    }

    /** @param ids external id → the id the record of a row that creates one takes (given or kept for it) */
    private void upsert(Handle h, List<ParsedRow> rows, Map<String, Existing> existing,
            Map<ParsedRow, RecordWrite> planned, Map<String, String> ids, Map<Long, RowResult> results) {
        List<RecordWrite> writes = new ArrayList<>(rows.size());
        List<ParsedRow> written = new ArrayList<>(rows.size());
        for (ParsedRow row : rows) {
            Existing old = row.externalId() == null ? null : existing.get(row.externalId());
            RecordWrite write = planned.containsKey(row) ? planned.get(row) : plan(row, old);
            if (write == null) {
                results.put(row.ordinal(), new RowResult(row.ordinal(), row.externalId(), old.id(),
                        Outcome.UNCHANGED));
                continue;
            }
            if (old == null && row.externalId() != null && ids.containsKey(row.externalId())) {
                write = write.withId(ids.get(row.externalId()));
            }
            writes.add(write);
            written.add(row);
        }
        // Creates in key order: concurrent imports creating the same keys wait for them in the same order. Updates
        // lock their records in the order of the update's plan (docs/engine.md, "Lock order").
        if (inKeyOrder(writes)) {
            written(written, results, records.upsert(h, organizationId, object, writes, importId));
            return;
        }
        Integer[] order = new Integer[writes.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparing(i -> writes.get(i).externalId(),
                Comparator.nullsLast(Comparator.naturalOrder())));
        List<RecordWrite> sortedWrites = new ArrayList<>(writes.size());
        List<ParsedRow> sortedRows = new ArrayList<>(writes.size());
        for (int i : order) {
            sortedWrites.add(writes.get(i));
            sortedRows.add(written.get(i));
        }
        written(sortedRows, results, records.upsert(h, organizationId, object, sortedWrites, importId));
    }

    /**
     * What a valid row writes over its stored record {@code old} (null: none): the values and the version read, which
     * is the write's expectation (a concurrent change makes the chunk run again); null when the row changes nothing.
     */
    private RecordWrite plan(ParsedRow row, Existing old) {
        Map<String, Value> values = row.values();
        if (old == null) {
            return new RecordWrite(row.externalId(), values, 0L, row.json());
        }
        if (row.cleared().isEmpty() && old.data().equals(row.json())) {
            // Stored exactly as this row would be written (the same text): nothing to decode or compare.
            return null;
        }
        Map<String, Value> before = ValueJson.decode(old.data(), object);
        if (row.cleared().isEmpty() && values.keySet().containsAll(before.keySet())) {
            // The row replaces every stored value: the merge is the row, whose encoding is at hand.
            return Merging.same(before, values) ? null
                    : new RecordWrite(row.externalId(), values, old.version(), row.json());
        }
        // The row keeps some stored values: what is written is the merge, encoded afresh.
        Map<String, Value> merged = Merging.merge(MergeMode.OVERWRITE, before, values, row.cleared());
        return Merging.same(before, merged) ? null
                : new RecordWrite(row.externalId(), Merging.inFieldOrder(object, merged), old.version(), null);
    }

    /** Whether the writes are in (nulls-last) external id order already, as most files are. */
    private static boolean inKeyOrder(List<RecordWrite> writes) {
        for (int i = 1; i < writes.size(); i++) {
            String a = writes.get(i - 1).externalId();
            String b = writes.get(i).externalId();
            if (a == null ? b != null : b != null && a.compareTo(b) > 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Records each written row's outcome. The store logged the previous values of the records it updated, and
     * created records carry the import's id instead of a change-log row (see ImportRollback).
     */
    private static void written(List<ParsedRow> written, Map<Long, RowResult> results,
            List<UpsertOutcome> outcomes) {
        for (int i = 0; i < outcomes.size(); i++) {
            UpsertOutcome o = outcomes.get(i);
            ParsedRow row = written.get(i);
            results.put(row.ordinal(), new RowResult(row.ordinal(), row.externalId(), o.id(),
                    o.created() ? Outcome.CREATED : Outcome.UPDATED));
        }
    }

    /**
     * Deletes the stored records of the rows' keys at the versions this chunk read them at; a key with none counts
     * {@code unchanged}. {@link #write} read them under their locks, taken in id order
     * ({@link RecordStore#existingToDelete}): a record another writer was changing is read once that writer committed,
     * so the delete at the version read does not miss it, and the chunk is written in one attempt. The store logs each
     * record as it deletes it, so the change log (what rollback restores) holds the values the record had when it was
     * deleted; a delete that misses all the same fails the chunk with {@code transient_conflict}, whose next attempt
     * reads afresh.
     *
     * <p>A record that a record the import does not delete still refers to stays, and its row is rejected with
     * {@code record_referenced} (see {@link #stillReferred}); one referred to only by records of its own object that
     * this chunk does not delete (later rows of the import may) is put off until after the last row. Returns how many
     * rows it rejected.
     */
    private long delete(Handle h, List<ParsedRow> rows, Map<String, Existing> existing,
            Map<Long, RowResult> results, List<Violation> errors, List<DeferredRow> deferred) {
        Map<ParsedRow, Existing> found = new LinkedHashMap<>();
        for (ParsedRow row : rows) {
            Existing old = row.externalId() == null ? null : existing.get(row.externalId());
            if (old == null) {
                results.put(row.ordinal(), new RowResult(row.ordinal(), row.externalId(), null, Outcome.UNCHANGED));
            } else {
                found.put(row, old);
            }
        }
        Map<String, StillReferred.Keeper> rejected = Map.of();
        Set<String> later = Set.of();
        if (stillReferred != null && !found.isEmpty()) {
            Set<String> ids = new HashSet<>();
            found.values().forEach(e -> ids.add(e.id()));
            if (kept == null) {
                // A record of the object outside the chunk may be a later row's, deleted after all: decided after the
                // last row. A record of another object stays whatever the import does.
                StillReferred.Found refs = stillReferred.references(records, h, organizationId, ids, null);
                rejected = StillReferred.kept(refs, o -> o.equals(object));
                later = StillReferred.kept(refs, o -> false).keySet();
            } else {
                // After the last row, the put-off rows still pending are deleted too (their records refer to one
                // another only: ImportPipeline.rejectStillReferred marked those they did not).
                rejected = StillReferred.kept(stillReferred.references(records, h, organizationId, ids,
                        importId), o -> false);
            }
        }
        List<Existing> doomed = new ArrayList<>();
        long failed = 0;
        for (Map.Entry<ParsedRow, Existing> e : found.entrySet()) {
            ParsedRow row = e.getKey();
            Existing old = e.getValue();
            StillReferred.Keeper keeper = rejected.get(old.id());
            if (keeper != null) {
                errors.add(new Violation(row.ordinal(), row.externalId(), "external_id",
                        ViolationCode.RECORD_REFERENCED, keeper.reason("this " + unitNoun)));
                results.put(row.ordinal(), new RowResult(row.ordinal(), row.externalId(), null, Outcome.FAILED));
                failed++;
            } else if (later.contains(old.id())) {
                deferred.add(new DeferredRow(row.ordinal(), row.line(), row.externalId(), old.id(),
                        ValueJson.write(row.cells()), List.of()));
            } else {
                doomed.add(old);
                results.put(row.ordinal(), new RowResult(row.ordinal(), row.externalId(), old.id(), Outcome.DELETED));
            }
        }
        records.deleteChecked(h, organizationId, importId,
                doomed.stream().map(e -> new RecordStore.Versioned(e.id(), e.version())).toList());
        return failed;
    }

    /** How many rows had each outcome, indexed by {@link Outcome#ordinal()}. */
    static long[] counts(Map<Long, RowResult> results) {
        long[] counts = new long[Outcome.values().length];
        for (RowResult r : results.values()) {
            counts[r.outcome().ordinal()]++;
        }
        return counts;
    }

    private static Set<String> keys(List<ParsedRow> rows) {
        Set<String> keys = new LinkedHashSet<>();
        for (ParsedRow r : rows) {
            if (r.externalId() != null) {
                keys.add(r.externalId());
            }
        }
        return keys;
    }

    /** One error row per violation, carrying the source line and the original cells. */
    static List<RowError> errorRows(List<ParsedRow> rows, List<Violation> errors) {
        if (errors.isEmpty()) {
            return List.of();
        }
        Map<Long, ParsedRow> byOrdinal = new HashMap<>();
        rows.forEach(r -> byOrdinal.put(r.ordinal(), r));
        List<RowError> out = new ArrayList<>(errors.size());
        Map<Long, Integer> seq = new HashMap<>();
        for (Violation v : errors) {
            ParsedRow row = byOrdinal.get(v.row());
            int n = seq.merge(v.row(), 1, Integer::sum);
            out.add(new RowError(v.row(), n, row.line(), v.externalId(), v.field(), v.code().wireName(), v.message(),
                    row.input() == null ? ValueJson.write(row.cells()) : RowError.inputCells(row.input())));
        }
        return out;
    }
}
