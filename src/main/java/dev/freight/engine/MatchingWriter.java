package dev.freight.engine;

import dev.freight.engine.ExecuteOptions.DuplicateStrategy;
import dev.freight.engine.ExecuteOptions.MergeMode;
import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.Field;
import dev.freight.schema.FieldType;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.Schema;
import dev.freight.schema.Value;
import dev.freight.store.Change;
import dev.freight.store.Handle;
import dev.freight.store.ImportLink;
import dev.freight.store.ImportStats;
import dev.freight.store.ImportStore;
import dev.freight.store.RecordStore;
import dev.freight.store.RecordStore.Existing;
import dev.freight.store.RecordWrite;
import dev.freight.store.RowError;
import dev.freight.store.RowWarning;
import dev.freight.store.StoreException;
import dev.freight.store.UpsertOutcome;
import dev.freight.store.ValueJson;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The file import workflow's writer (seed 003): finds the stored record each row matches by the match fields, then
 * skips, updates (by the merge mode) or creates by the duplicate strategy. Rows are applied in file order, so a later
 * row that matches an earlier one of the same import sees it. A row that would create a record with an external_id a
 * record already has (stored, or created by an earlier row) is rejected as duplicate_external_id, in its chunk or a
 * later one alike. References resolve by external_id or name; a missing one is created or reported as a reference
 * warning. A reference to a record of the object itself that is not stored yet waits for the end of the import
 * ({@link #link}): a later row may create it. Not thread-safe; one per import run.
 */
final class MatchingWriter implements RowWriter {

    /** What a chunk does to one record: its state before (null when new) and after. */
    private static final class Target {
        final Existing stored;
        /** As the chunk's rows leave it: a row may give a stored record without one the row's external_id. */
        String externalId;
        /** The values as the chunk's rows leave them; for a stored record, null until a row merges into it. */
        Map<String, Value> values;
        String id;
        /** Whether a row writes it (it is in the chunk's write order). */
        boolean written;

        Target(Existing stored, String externalId, Map<String, Value> values) {
            this.stored = stored;
            this.externalId = externalId;
            this.values = values;
        }

        /** A stored record, as the chunk read it. */
        Target(Existing stored) {
            this(stored, stored.externalId(), null);
        }

        Map<String, Value> values(ObjectDef object) {
            if (values == null) {
                values = ValueJson.decode(stored.data(), object);
            }
            return values;
        }
    }

    /** A match key a committed chunk gives to ({@code added}) or takes from a record, for the run's index. */
    private record KeyChange(String key, String id, boolean added) {}

    private final RecordStore records;
    private final ImportStore imports;
    private final ObjectDef object;
    private final String organizationId;
    private final String importId;
    private final ExecuteOptions options;
    private final boolean byExternalId;
    private final RecordMatcher matcher;
    private final ReferenceResolver references;
    /** What the chunk being written does to the keys of the index, in order; the index learns it once it commits. */
    private final List<KeyChange> pendingKeys = new ArrayList<>();
    /** The fields that identify a stored record. */
    private final List<String> matchFields;

    /** A value a row gave a field referring to the object itself, awaiting records not stored yet. */
    private record Awaiting(ParsedRow row, Target target, String field, Value given, Value written) {}

    /** The reference fields that may refer to the object itself. */
    private final List<String> ownFields;
    private final Schema schema;
    /** Whether links of this import may be waiting in its store (set on the first chunk: a resumed import). */
    private Boolean linksPending;

    /** @param matcher the index of stored records by the match fields; null when they are external_id or none */
    MatchingWriter(RecordStore records, ImportStore imports, Schema schema, ObjectDef object, String organizationId,
            String importId, ExecuteOptions options, RecordMatcher matcher, List<String> matchFields) {
        this.records = records;
        this.imports = imports;
        this.object = object;
        this.organizationId = organizationId;
        this.importId = importId;
        this.options = options;
        this.byExternalId = matchFields.equals(List.of(BuiltInObjects.EXTERNAL_ID));
        this.matchFields = List.copyOf(matchFields);
        this.matcher = matcher;
        this.ownFields = object.fields().stream().filter(f -> f.type() == FieldType.REFERENCE
                && f.targets().contains(object.slug())).map(Field::slug).toList();
        this.schema = schema;
        this.references = new ReferenceResolver(records, schema, object, organizationId, importId,
                options.createMissingReferences() ? ReferenceResolver.Missing.CREATE : ReferenceResolver.Missing.WARN,
                true);
    }

    @Override
    public boolean changesRows() {
        return references.changesRows();
    }

    @Override
    public Result write(Handle h, List<ParsedRow> rows) {
        pendingKeys.clear();
        if (linksPending == null) {
            linksPending = !ownFields.isEmpty() && !imports.links(h, importId, null, 1).isEmpty();
        }
        List<Violation> errors = new ArrayList<>();
        Map<Long, RowResult> results = new TreeMap<>();
        List<ParsedRow> valid = new ArrayList<>(rows.size());
        long parseRejected = 0;
        for (ParsedRow row : rows) {
            if (row.valid()) {
                valid.add(row);
            } else {
                errors.addAll(row.errors());
                results.put(row.ordinal(), new RowResult(row.ordinal(), row.externalId(), null, Outcome.FAILED));
                parseRejected++;
            }
        }
        Map<String, Set<String>> unresolved = new TreeMap<>();
        Map<ParsedRow, Map<String, Value>> awaitingOwn = new IdentityHashMap<>();
        List<ParsedRow> resolved = references.resolveAwaitingOwn(h, valid, matchedOwn(valid), errors, unresolved,
                awaitingOwn);
        if (resolved.size() != valid.size()) {
            Set<ParsedRow> accepted = Collections.newSetFromMap(new IdentityHashMap<>());
            accepted.addAll(resolved);
            for (ParsedRow row : valid) {
                if (!accepted.contains(row)) {
                    results.put(row.ordinal(), new RowResult(row.ordinal(), row.externalId(), null, Outcome.FAILED));
                }
            }
        }
        imports.addReferenceWarnings(h, importId, unresolved);
        Map<Target, Map<String, Awaiting>> awaiting = new IdentityHashMap<>();
        List<ImportLink> superseded = new ArrayList<>();
        Map<String, List<Target>> holders = holders(h, resolved);
        // Matching by other fields, the external ids records hold: stored ones, then those the chunk's creates give.
        Set<String> takenIds = byExternalId ? Set.of() : storedExternalIds(h, resolved);

        Map<ParsedRow, Target> targets = new LinkedHashMap<>();
        List<RowWarning> warnings = new ArrayList<>();
        // The rows whose merge changed their record's values, as the records were when each row came.
        Set<ParsedRow> changing = Collections.newSetFromMap(new IdentityHashMap<>());
        // The rows that gave a record without an external_id their own: a link that rejects its row gives it back.
        Map<ParsedRow, String> gave = new IdentityHashMap<>();
        List<Target> order = new ArrayList<>();
        long skipped = 0;
        long rejected = 0;
        for (ParsedRow row : resolved) {
            List<Target> found = holdersOf(keysOf(row), holders);
            int matches = found.size();
            if (matches > 1 && options.duplicateStrategy() == DuplicateStrategy.UPDATE) {
                // Updating one of them would be a guess.
                errors.add(ambiguousMatch(row, matchFields, matches));
                results.put(row.ordinal(), new RowResult(row.ordinal(), row.externalId(), null, Outcome.FAILED));
                rejected++;
                continue;
            }
            Target match = found.isEmpty() ? null : found.getFirst();
            boolean matched = match != null;
            if (matched && options.duplicateStrategy() == DuplicateStrategy.SKIP) {
                results.put(row.ordinal(), new RowResult(row.ordinal(), row.externalId(),
                        match.stored == null ? null : match.stored.id(), Outcome.SKIPPED_DUPLICATE));
                skipped++;
                continue;
            }
            // A required field the row gives no value for rejects it when the record it writes has none either.
            Target updated = matched && options.duplicateStrategy() == DuplicateStrategy.UPDATE ? match : null;
            List<Violation> missing = row.missingOn(updated == null ? f -> false : f -> has(updated, f),
                    options.mergeMode());
            if (!missing.isEmpty()) {
                errors.addAll(missing);
                results.put(row.ordinal(), new RowResult(row.ordinal(), row.externalId(), null, Outcome.FAILED));
                rejected++;
                continue;
            }
            if (matched && options.duplicateStrategy() == DuplicateStrategy.CREATE && byExternalId) {
                errors.add(new Violation(row.ordinal(), row.externalId(), BuiltInObjects.EXTERNAL_ID,
                        ViolationCode.DUPLICATE_EXTERNAL_ID, takenMessage(row.externalId())));
                results.put(row.ordinal(), new RowResult(row.ordinal(), row.externalId(), null, Outcome.FAILED));
                rejected++;
                continue;
            }
            Target target;
            Map<String, Value> prior = Map.of();
            if (matched && options.duplicateStrategy() == DuplicateStrategy.UPDATE) {
                target = match;
                String given = row.externalId();
                String had = target.externalId;
                if (given != null && !given.equals(had)) {
                    if (had != null) {
                        // A record's external_id is its identity for other integrations: the row does not change it.
                        warnings.add(new RowWarning(row.ordinal(), BuiltInObjects.EXTERNAL_ID,
                                "external_id_not_changed", notChangedMessage(matchFields, given, had)));
                    } else if (!takenIds.add(given)) {
                        errors.add(new Violation(row.ordinal(), given, BuiltInObjects.EXTERNAL_ID,
                                ViolationCode.DUPLICATE_EXTERNAL_ID, takenByAnotherMessage(given)));
                        results.put(row.ordinal(), new RowResult(row.ordinal(), given, null, Outcome.FAILED));
                        rejected++;
                        continue;
                    } else {
                        target.externalId = given;
                        gave.put(row, given);
                    }
                }
                prior = target.values(object);
                target.values = Merging.merge(options.mergeMode(), prior, row.values(), row.cleared());
                if (!Merging.same(prior, target.values) || !Objects.equals(target.externalId, had)) {
                    changing.add(row);
                    rekey(target, keysOf(had, prior), holders);
                }
            } else {
                if (!byExternalId && row.externalId() != null && !takenIds.add(row.externalId())) {
                    // Two records never share an external_id: the database would refuse the chunk.
                    errors.add(new Violation(row.ordinal(), row.externalId(), BuiltInObjects.EXTERNAL_ID,
                            ViolationCode.DUPLICATE_EXTERNAL_ID, takenMessage(row.externalId())));
                    results.put(row.ordinal(), new RowResult(row.ordinal(), row.externalId(), null, Outcome.FAILED));
                    rejected++;
                    continue;
                }
                target = new Target(null, row.externalId(), new LinkedHashMap<>(row.values()));
                if (options.duplicateStrategy() != DuplicateStrategy.CREATE || byExternalId) {
                    // A later row of the chunk with its key finds it, as a later chunk finds the stored record.
                    rekey(target, List.of(), holders);
                }
            }
            decideOwnLinks(row, target, prior, awaitingOwn.getOrDefault(row, Map.of()), awaiting, superseded);
            if (!target.written) {
                target.written = true;
                order.add(target);
            }
            targets.put(row, target);
        }

        List<Change> changes = new ArrayList<>();
        apply(h, order, changes);
        imports.addWarnings(h, importId, warnings);
        // A later chunk may update a record again: its change-log row keeps the values from before the first.
        imports.mergeChanges(h, importId, changes);
        Set<Target> first = new HashSet<>();
        for (Map.Entry<ParsedRow, Target> e : targets.entrySet()) {
            ParsedRow row = e.getKey();
            Target t = e.getValue();
            Outcome outcome;
            if (t.id == null) {
                outcome = Outcome.FAILED;
                rejected++;
            } else if (first.add(t) && t.stored == null) {
                outcome = Outcome.CREATED;
            } else {
                // What the row itself changed, as a chunk of that row alone would count it.
                outcome = changing.contains(row) ? Outcome.UPDATED : Outcome.UNCHANGED;
            }
            results.put(row.ordinal(), new RowResult(row.ordinal(), t.externalId, t.id, outcome));
        }
        imports.removeLinksOf(h, importId, superseded);
        Map<Target, Integer> rowsOf = new IdentityHashMap<>();
        targets.values().forEach(t -> rowsOf.merge(t, 1, Integer::sum));
        List<ImportLink> links = new ArrayList<>();
        for (Awaiting a : awaiting.values().stream().flatMap(m -> m.values().stream()).toList()) {
            if (a.target().id != null) {
                Outcome outcome = results.get(a.row().ordinal()).outcome();
                // A link may still reject its row (its value names several records, or a required field's matches
                // nothing): it keeps what the error row needs.
                ImportLink.Row row = new ImportLink.Row(a.row().line(), ValueJson.write(a.row().cells()),
                        outcome.name().toLowerCase(Locale.ROOT), rowsOf.get(a.target()) > 1, gave.get(a.row()));
                links.add(new ImportLink(a.row().ordinal(), a.target().id, a.field(), fieldJson(a.field(), a.given()),
                        a.written() == null ? null : fieldJson(a.field(), a.written()), outcome == Outcome.UNCHANGED,
                        row));
            }
        }
        imports.addLinks(h, importId, links);
        linksPending |= !links.isEmpty();
        long[] counts = ChunkWriter.counts(results);
        long failed = counts[Outcome.FAILED.ordinal()];
        ImportStats stats = new ImportStats(rows.size(), rows.size() - failed - skipped,
                counts[Outcome.CREATED.ordinal()], counts[Outcome.UPDATED.ordinal()],
                counts[Outcome.UNCHANGED.ordinal()], 0, skipped, failed);
        errors.sort((a, b) -> Long.compare(a.row(), b.row()));
        return new Result(new ArrayList<>(results.values()), errors, stats, errorRows(rows, errors),
                parseRejected, rejected + (valid.size() - resolved.size()), List.of());
    }

    /**
     * Notes which fields of its own object's records {@code row} decides, merged into {@code target}: the last row of
     * the import that decides a field of a record decides its link. A value awaiting records not stored yet becomes a
     * link (in {@code awaiting}, replacing an earlier row's of this chunk); a link of an earlier chunk that the row
     * replaces goes to {@code superseded} (ordinal, record id and field).
     *
     * @param prior the target's values before the row's merge (none for a new record)
     * @param own the values of the row awaiting records not stored yet, by field
     */
    private void decideOwnLinks(ParsedRow row, Target target, Map<String, Value> prior, Map<String, Value> own,
            Map<Target, Map<String, Awaiting>> awaiting, List<ImportLink> superseded) {
        for (String field : ownFields) {
            boolean gives = own.containsKey(field) || row.values().containsKey(field)
                    || options.mergeMode() == MergeMode.OVERWRITE && row.cleared().contains(field);
            if (!gives || options.mergeMode() == MergeMode.FILL_EMPTY && prior.get(field) != null) {
                continue;
            }
            Map<String, Awaiting> ofTarget = awaiting.computeIfAbsent(target, t -> new HashMap<>());
            ofTarget.remove(field);
            if (target.stored != null && linksPending) {
                superseded.add(new ImportLink(row.ordinal(), target.stored.id(), field, "", null, false, null));
            }
            Value given = own.get(field);
            if (given != null) {
                ofTarget.put(field, new Awaiting(row, target, field, given, target.values.get(field)));
            }
        }
    }

    /** Whether links of this import may reject their rows after its last row ({@link #rejectUnsatisfiable}). */
    boolean linksMayReject() {
        return !ownFields.isEmpty();
    }

    /**
     * Rejects the rows whose link names several records by name (ambiguous_reference, as a value of another field gets
     * in its chunk) or, for a required field, matches nothing, now that every row is stored, before any link is added;
     * runs in the caller's transaction, on a batch of the import's links in source order. Nothing of a rejected row
     * stays stored where that can be done: the record it created is deleted (unless another record refers to it), the
     * record it updated gets back the values the change log kept from before the import (when the row was the
     * import's only change to it); otherwise its message says what the record keeps. Each rejected row leaves its
     * links and goes to the import's errors. Returns the change to the import's stats; run it over all the links
     * again while it rejects rows: a deleted record leaves the links of a required field that named it unsatisfiable
     * in turn. Links kept without their row (by a version before every link kept it) reject nothing.
     */
    ImportStats rejectUnsatisfiable(Handle h, List<ImportLink> links) {
        List<ImportLink> withRows = links.stream().filter(l -> l.row() != null).toList();
        List<ParsedRow> rows = new ArrayList<>(withRows.size());
        for (ImportLink l : withRows) {
            Map<String, Value> given = new LinkedHashMap<>(ValueJson.decode(l.valueJson(), object));
            rows.add(new ParsedRow(l.ordinal(), 0, null, given, Set.of(), List.of(), List.of(), List.of(), Map.of(),
                    null, null));
        }
        List<Violation> rejections = new ArrayList<>();
        references.resolve(h, rows, rejections, new TreeMap<>());
        return reject(h, withRows, rejections);
    }

    /**
     * Rejects the rows of {@code withRows} (links that keep their row) that {@code rejections} name, as
     * {@link #rejectUnsatisfiable} describes: undoes what they wrote where it can, removes their links and adds their
     * errors. Returns the change to the import's stats.
     */
    private ImportStats reject(Handle h, List<ImportLink> withRows, List<Violation> rejections) {
        if (rejections.isEmpty()) {
            return ImportStats.ZERO;
        }
        Map<Long, ImportLink> byOrdinal = new LinkedHashMap<>();
        for (Violation v : rejections) {
            withRows.stream().filter(l -> l.ordinal() == v.row() && l.field().equals(v.field())).findFirst()
                    .ifPresent(l -> byOrdinal.putIfAbsent(l.ordinal(), l));
        }
        Map<String, Existing> stored = records.existingByIds(h, organizationId,
                byOrdinal.values().stream().map(ImportLink::recordId).toList());
        Set<String> createdHere = records.createdByAmong(h, organizationId, importId, stored.keySet());
        Set<String> deletable = new HashSet<>();
        for (ImportLink l : byOrdinal.values()) {
            Existing record = stored.get(l.recordId());
            if (record != null && createdHere.contains(record.id()) && l.row().outcome().equals("created")
                    && !l.row().shared() && record.version() == 1) {
                deletable.add(record.id());
            }
        }
        // Locked before referrers looks for what refers to them, as StillReferred.references's candidates are: a
        // reference another writer stores to one of them is either committed before the lock, and seen, or finds its
        // record gone. Before, such a reference committed between the look-up and the delete named a deleted record.
        records.lockToDelete(h, organizationId, deletable);
        Map<String, String> referrers = referrers(h, deletable);
        List<Rejected> undone = new ArrayList<>();
        for (Violation v : rejections) {
            ImportLink l = byOrdinal.get(v.row());
            if (l != null && l.field().equals(v.field())) {
                undone.add(new Rejected(v, l, stored.get(l.recordId())));
            }
        }
        String[] keeps = undo(h, undone, deletable, referrers);
        List<RowError> errors = new ArrayList<>();
        List<Long> rejected = new ArrayList<>();
        long created = 0;
        long updated = 0;
        long unchanged = 0;
        for (int i = 0; i < undone.size(); i++) {
            Violation v = undone.get(i).violation();
            ImportLink l = undone.get(i).link();
            Existing record = undone.get(i).record();
            String kept = keeps[i];
            switch (l.row().outcome()) {
                case "created" -> created++;
                case "updated" -> updated++;
                default -> unchanged++;
            }
            errors.add(new RowError(l.ordinal(), 1, l.row().line(), record == null ? null : record.externalId(),
                    v.field(), v.code().wireName(), v.message() + kept, l.row().cellsJson()));
            rejected.add(l.ordinal());
        }
        imports.removeLinksOfRows(h, importId, rejected);
        imports.addErrors(h, importId, errors);
        long failed = errors.size();
        return new ImportStats(0, -failed, -created, -updated, -unchanged, 0, 0, failed);
    }

    /** A rejected row's link, with its violation and its record as read (null: gone). */
    private record Rejected(Violation violation, ImportLink link, Existing record) {}

    /**
     * Undoes what the rejected links' rows wrote to their records, where it can; returns, in their order, what each
     * row's message adds when it cannot: what the record keeps. An external_id a row gave its record is taken back in
     * any case, while the record still has it. A few statements for all the rows (each one per 500 records): the
     * records to delete, the change-log rows, the records put back, the external_ids taken back and the records
     * looked at again. Before, each row took its own statements: a rejected row that updated its record three (its
     * change-log row, the put-back record, forgetting the change-log row), one that created it one. A record more
     * than one of the rows wrote (other than one to delete) is undone row by row, in turn, as each row's undo depends
     * on what the one before left.
     */
    private String[] undo(Handle h, List<Rejected> rejected, Set<String> deletable, Map<String, String> referrers) {
        String[] kept = new String[rejected.size()];
        Map<String, Integer> writers = new HashMap<>();
        for (Rejected r : rejected) {
            if (r.record() != null && !deletable.contains(r.record().id())
                    && !r.link().row().outcome().equals("unchanged")) {
                writers.merge(r.record().id(), 1, Integer::sum);
            }
        }
        Map<String, RecordStore.Versioned> deletes = new LinkedHashMap<>();
        List<Integer> deleting = new ArrayList<>();
        List<Integer> restoring = new ArrayList<>();
        List<Integer> others = new ArrayList<>();
        for (int i = 0; i < kept.length; i++) {
            ImportLink link = rejected.get(i).link();
            Existing record = rejected.get(i).record();
            if (record == null || !deletable.contains(record.id()) && link.row().outcome().equals("unchanged")) {
                kept[i] = "";
            } else if (deletable.contains(record.id())) {
                String by = referrers.get(record.id());
                if (by != null) {
                    kept[i] = "; " + which(record) + ", which the row created, is kept without it, since " + by
                            + " refers to it";
                } else {
                    deletes.putIfAbsent(record.id(), new RecordStore.Versioned(record.id(), record.version()));
                    deleting.add(i);
                }
            } else if (writers.get(record.id()) > 1) {
                kept[i] = undoInTurn(h, link, record);
            } else if (link.row().outcome().equals("updated") && !link.row().shared()) {
                restoring.add(i);
            } else {
                others.add(i);
            }
        }
        records.deleteWhereVersions(h, organizationId, List.copyOf(deletes.values()));
        Map<String, Change> changes = restoring.isEmpty() ? Map.of() : imports.changes(h, importId,
                restoring.stream().map(i -> rejected.get(i).record().id()).toList());
        List<RecordStore.Restore> restores = new ArrayList<>();
        for (int i : restoring) {
            Existing record = rejected.get(i).record();
            if (restorable(changes.get(record.id()), record)) {
                restores.add(new RecordStore.Restore(record.id(), changes.get(record.id()).previousData(),
                        record.version()));
            }
        }
        Set<String> restored = records.restoreWhereVersions(h, organizationId, restores);
        // A restored record whose change-log row has no external_id had none before: the row may have given it one.
        records.clearExternalIdsWhereVersions(h, organizationId, restoring.stream().map(i -> rejected.get(i).record())
                .filter(r -> restored.contains(r.id()) && changes.get(r.id()).externalId() == null)
                .map(r -> new RecordStore.Versioned(r.id(), r.version() + 1)).toList());
        imports.removeChanges(h, importId, restored);
        for (int i : restoring) {
            if (restored.contains(rejected.get(i).record().id())) {
                kept[i] = "";
            } else {
                others.add(i);
            }
        }
        Collections.sort(others);
        List<RecordStore.Versioned> clears = new ArrayList<>();
        List<Integer> clearing = new ArrayList<>();
        for (int i : others) {
            ImportLink link = rejected.get(i).link();
            Existing record = rejected.get(i).record();
            String gave = link.row().gaveExternalId();
            if (gave == null || !gave.equals(record.externalId())) {
                kept[i] = keeps(record, link);
            } else {
                clears.add(new RecordStore.Versioned(record.id(), record.version()));
                clearing.add(i);
            }
        }
        Set<String> cleared = records.clearExternalIdsWhereVersions(h, organizationId, clears);
        // Later rows of the import may have changed the records too: their values stay, the rows' identities not.
        // Taking one back is the import's own last write of the record, so rollback finds it at that version.
        imports.moveAppliedVersions(h, importId, clears.stream().filter(c -> cleared.contains(c.id())).toList());
        Set<String> lookAgain = new LinkedHashSet<>(deletes.keySet());
        clears.stream().map(RecordStore.Versioned::id).filter(id -> !cleared.contains(id)).forEach(lookAgain::add);
        Map<String, Existing> now = lookAgain.isEmpty() ? Map.of()
                : records.existingByIds(h, organizationId, lookAgain);
        for (int i : deleting) {
            // Still there: another writer changed it since it was read. Gone: deleted here, or by another rejected
            // row's undo before (one that created it, and one that left it unchanged). Before, the message blamed
            // "null".
            kept[i] = now.containsKey(rejected.get(i).record().id()) ? "; " + which(rejected.get(i).record())
                    + ", which the row created, is kept without it, since it changed after the row wrote it" : "";
        }
        for (int i : clearing) {
            ImportLink link = rejected.get(i).link();
            Existing record = rejected.get(i).record();
            kept[i] = cleared.contains(record.id()) ? tookBack(record, link)
                    : keptExternalId(record, link, now.get(record.id()));
        }
        return kept;
    }

    /**
     * {@link #undo} for one row of a record that other rows of the rejected ones wrote too (not one to delete), in
     * its turn: it sees what the undo of the rows before left.
     */
    private String undoInTurn(Handle h, ImportLink link, Existing record) {
        if (link.row().outcome().equals("updated") && !link.row().shared()) {
            Change change = imports.change(h, importId, record.id()).orElse(null);
            if (restorable(change, record) && records.restoreIfVersion(h, organizationId, record.id(),
                    change.previousData(), record.version())) {
                // The row was the import's only change to the record: it is as it was before the import.
                if (change.externalId() == null) {
                    // The row may have given it its external_id.
                    records.clearExternalIds(h, organizationId, List.of(record.id()));
                }
                imports.removeChange(h, importId, record.id());
                return "";
            }
        }
        String gave = link.row().gaveExternalId();
        if (gave == null || !gave.equals(record.externalId())) {
            return keeps(record, link);
        }
        if (records.clearExternalIdIfVersion(h, organizationId, record.id(), record.version())) {
            imports.moveAppliedVersion(h, importId, record.id(), record.version(), record.version() + 1);
            return tookBack(record, link);
        }
        return keptExternalId(record, link,
                records.existingByIds(h, organizationId, List.of(record.id())).get(record.id()));
    }

    /** Whether the row that updated {@code record} was the import's only change to it ({@code change}: may be null). */
    private static boolean restorable(Change change, Existing record) {
        return change != null && change.previousData() != null && change.previousVersion() != null
                && Objects.equals(change.appliedVersion(), record.version())
                && change.previousVersion() + 1 == record.version();
    }

    private static String which(Existing record) {
        return record.externalId() == null ? "record " + record.id()
                : "the record with external_id \"" + record.externalId() + "\"";
    }

    private static String keeps(Existing record, ImportLink link) {
        return "; " + which(record) + " keeps its earlier " + link.field() + " and the values other rows of this"
                + " import gave it, and the row's other values could not be undone";
    }

    private static String tookBack(Existing record, ImportLink link) {
        return "; record " + record.id() + " keeps its earlier " + link.field() + " and the values other rows of"
                + " this import gave it, and the row's other values could not be undone; the external_id \""
                + link.row().gaveExternalId() + "\" the row gave it was taken back";
    }

    /**
     * Missed: another writer changed the record since it was read, and taking the external_id back now would undo a
     * write it did not read. Before, the external_id stayed without a word. {@code now}: the record now (null: gone).
     */
    private static String keptExternalId(Existing record, ImportLink link, Existing now) {
        String gave = link.row().gaveExternalId();
        if (now == null || !gave.equals(now.externalId())) {
            return keeps(record, link);
        }
        return keeps(record, link) + "; the external_id \"" + gave + "\" the row gave it was kept, since the record"
                + " changed after the row wrote it";
    }

    /**
     * Of {@code ids}, those a stored record other than itself refers to, each with one such record ({@code team
     * team_…}); the database finds them among the records of each object with a reference field that may name the
     * object, and hands back only those references.
     */
    private Map<String, String> referrers(Handle h, Set<String> ids) {
        Map<String, String> found = new HashMap<>();
        if (!ids.isEmpty()) {
            new ReferringRecords(schema, Set.of(object.slug())).scan(records, h, organizationId,
                    new RecordStore.Referred.Among(ids), null, r -> found.putIfAbsent(r.to(), r.object().slug() + " "
                            + (r.fromExternalId() == null ? r.from() : "\"" + r.fromExternalId() + "\"")));
        }
        return found;
    }

    /**
     * Adds the links rows of the import gave to records of the object itself that were not stored when they were
     * written; runs after the import's last row, in the caller's transaction, a batch of links at a time in source
     * order. Each value is resolved again as a whole, and replaces the one the row left on its record, while the
     * record still has that one (a later row of the import, or someone else, may have changed it since). What still
     * matches nothing is created or reported as a reference warning, as for any other reference. A value the
     * resolver finds fault with here (it names several records by name, a record stored since
     * {@link #rejectUnsatisfiable} checked it, or any fault of a link kept without its row) is not added, and its row
     * gets a link_not_added warning with the resolver's reason. A required field's value that matches nothing here (the
     * record it named was deleted since that check) rejects its row as the check does, and the batch's other links are
     * resolved again. Returns the change to the import's stats: a row counted unchanged whose record gained a link
     * counts updated, a rejected row failed.
     */
    ImportStats link(Handle h, List<ImportLink> links) {
        List<ParsedRow> rows = new ArrayList<>(links.size());
        Set<String> ids = new LinkedHashSet<>();
        for (ImportLink l : links) {
            Map<String, Value> given = new LinkedHashMap<>(ValueJson.decode(l.valueJson(), object));
            rows.add(new ParsedRow(l.ordinal(), 0, null, given, Set.of(), List.of(), List.of(), List.of(), Map.of(),
                    null, null));
            ids.add(l.recordId());
        }
        Map<String, Set<String>> unresolved = new TreeMap<>();
        List<Violation> unclear = new ArrayList<>();
        references.resolve(h, rows, unclear, unresolved);
        // A required field's value that matches nothing only now names a record another writer deleted (or took the
        // key of) since rejectUnsatisfiable found it: the row is rejected as it would have been had that come first,
        // rather than left stored with the field empty. The other links are then resolved afresh, as a record a
        // rejected row created may be deleted with it.
        List<ImportLink> withRows = links.stream().filter(l -> l.row() != null).toList();
        Set<Long> ofRows = new HashSet<>();
        withRows.forEach(l -> ofRows.add(l.ordinal()));
        List<Violation> unmet = unclear.stream().filter(v -> v.code() == ViolationCode.INVALID_FIELD_VALUE
                && ofRows.contains(v.row())).toList();
        if (!unmet.isEmpty()) {
            Set<Long> rejected = new HashSet<>();
            unmet.forEach(v -> rejected.add(v.row()));
            ImportStats moved = reject(h, withRows, unmet);
            List<ImportLink> others = links.stream().filter(l -> !rejected.contains(l.ordinal())).toList();
            return others.isEmpty() ? moved : moved.plus(link(h, others));
        }
        imports.addReferenceWarnings(h, importId, unresolved);
        // A value may name several records only now (another writer stored a second one since rejectUnsatisfiable,
        // or the link was kept without its row): the resolver leaves it unresolved, and it must not be written so.
        Map<String, String> why = new HashMap<>();
        unclear.forEach(v -> why.putIfAbsent(v.row() + " " + v.field(), v.message()));
        Map<String, Existing> stored = records.existingByIds(h, organizationId, ids);
        Map<String, Map<String, Value>> values = new LinkedHashMap<>();
        Set<String> changed = new LinkedHashSet<>();
        Set<Long> nowUpdated = new HashSet<>();
        List<RowWarning> notAdded = new ArrayList<>();
        for (int i = 0; i < links.size(); i++) {
            ImportLink l = links.get(i);
            String violation = why.get(l.ordinal() + " " + l.field());
            if (violation != null) {
                notAdded.add(notAdded(l, violation.startsWith(l.field() + ": ")
                        ? violation.substring(l.field().length() + 2) : violation));
                continue;
            }
            Value written = l.writtenJson() == null ? null : ValueJson.decode(l.writtenJson(), object).get(l.field());
            Value whole = rows.get(i).values().get(l.field());
            if (Objects.equals(whole, written)) {
                continue;
            }
            Existing record = stored.get(l.recordId());
            if (record == null) {
                notAdded.add(notAdded(l, RECORD_DELETED));
                continue;
            }
            Map<String, Value> current = values.computeIfAbsent(record.id(),
                    id -> new LinkedHashMap<>(ValueJson.decode(record.data(), object)));
            Value now = current.get(l.field());
            if (!Objects.equals(now, written)) {
                // With fill_empty a value given since is one the merge would keep anyway.
                if (options.mergeMode() != MergeMode.FILL_EMPTY || now == null) {
                    notAdded.add(notAdded(l, "the value the row wrote was changed since (record "
                            + (record.externalId() == null ? record.id() : "external_id " + record.externalId())
                            + "), and the change was kept"));
                }
                continue;
            }
            if (whole == null) {
                current.remove(l.field());
            } else {
                current.put(l.field(), whole);
            }
            changed.add(record.id());
            if (l.unchanged()) {
                nowUpdated.add(l.ordinal());
            }
        }
        List<RecordStore.Restore> writes = new ArrayList<>(changed.size());
        List<Change> changes = new ArrayList<>(changed.size());
        for (String id : changed) {
            Existing before = stored.get(id);
            writes.add(new RecordStore.Restore(id, ValueJson.encode(Merging.inFieldOrder(object, values.get(id))),
                    before.version()));
            changes.add(new Change(id, object.slug(), before.externalId(), "updated", before.data(),
                    before.version(), before.version() + 1));
        }
        // One batch for the whole chunk of links: a service chain of 100,000 is 100,000 updates.
        boolean[] written = records.restoreIfVersions(h, organizationId, writes);
        for (int i = 0; i < written.length; i++) {
            if (!written[i]) {
                throw new StoreException("transient_conflict", "record " + writes.get(i).id()
                        + " changed while the import was adding its links", null);
            }
        }
        imports.mergeChanges(h, importId, changes);
        imports.addWarnings(h, importId, notAdded);
        return new ImportStats(0, 0, 0, nowUpdated.size(), -nowUpdated.size(), 0, 0, 0);
    }

    /**
     * Why a link is not added when its row's record is gone: the record of a row rejected after the last row (or one
     * another writer deleted). Its id is not named: the record is no more, and the row names it.
     */
    static final String RECORD_DELETED = "the row's record was deleted since the row wrote it";

    /** The warning for a link {@link #link} did not add, and why. */
    private RowWarning notAdded(ImportLink link, String why) {
        return new RowWarning(link.ordinal(), link.field(), "link_not_added", notAdded(link.field(),
                ValueJson.decode(link.valueJson(), object).get(link.field()), why));
    }

    /** The message of a link_not_added warning: the link of {@code field}, the value its row gave, and why. */
    static String notAdded(String field, Value given, String why) {
        return field + ": \"" + referenceText(given) + "\" was not added: " + why;
    }

    /** The external ids or names a reference value gives, as the row gave them. */
    private static String referenceText(Value value) {
        return switch (value) {
            case null -> "";
            case Value.Ref r -> r.text();
            case Value.Many m -> String.join(", ", m.values().stream().map(MatchingWriter::referenceText).toList());
            case Value.Labeled l -> referenceText(l.value());
            default -> value.toString();
        };
    }

    /** One field's value as stored JSON of an object with that field alone. */
    private static String fieldJson(String field, Value value) {
        return ValueJson.encode(Map.of(field, value));
    }

    @Override
    public void committed() {
        if (matcher != null) {
            for (KeyChange c : pendingKeys) {
                if (c.added()) {
                    matcher.add(c.key(), c.id());
                } else {
                    matcher.remove(c.key(), c.id());
                }
            }
        }
        pendingKeys.clear();
    }

    /**
     * The records holding each match key of the rows, first to last: those stored as the chunk reads them, one
     * {@link Target} each however many keys name it. For a key that several records share they come in the index's
     * order (id order, then as the run added them); only those still stored count, so one deleted since the run built
     * its index hides none of the others: a row with the key matches them rather than nothing, which would create a
     * record beside them. Nor does one that no longer has the key (another writer changed it during the run). The
     * chunk's rows then move their records between keys as they write them ({@link #rekey}).
     */
    private Map<String, List<Target>> holders(Handle h, List<ParsedRow> rows) {
        Map<String, List<Target>> out = new HashMap<>();
        if (byExternalId) {
            Set<String> keys = new LinkedHashSet<>();
            rows.forEach(r -> keys.addAll(keysOf(r)));
            Map<String, Existing> found = keys.isEmpty() ? Map.of()
                    : records.existing(h, organizationId, object.slug(), keys);
            for (String key : keys) {
                List<Target> holding = new ArrayList<>(1);
                if (found.get(key) != null) {
                    holding.add(new Target(found.get(key)));
                }
                out.put(key, holding);
            }
            return out;
        }
        if (matcher == null) {
            return out;
        }
        Map<String, Set<String>> idsByKey = new HashMap<>();
        Set<String> wanted = new HashSet<>();
        for (ParsedRow r : rows) {
            for (String key : keysOf(r)) {
                wanted.addAll(idsByKey.computeIfAbsent(key, k -> matcher.all(List.of(k))));
            }
        }
        Map<String, Existing> byId = wanted.isEmpty() ? Map.of()
                : records.existingByIds(h, organizationId, wanted);
        Map<String, Target> targets = new HashMap<>();
        Map<String, List<String>> keysById = new HashMap<>();
        idsByKey.forEach((key, ids) -> {
            List<Target> holding = new ArrayList<>(ids.size());
            for (String id : ids) {
                Existing e = byId.get(id);
                if (e == null) {
                    continue;
                }
                Target t = targets.computeIfAbsent(id, x -> new Target(e));
                // The match is checked again on the record as this transaction reads it: another writer may have
                // changed the key since the index learnt it. A record without the key is no match (the row creates
                // one, as had that writer changed it before the run), and the index forgets the key once the chunk
                // commits. Before, the row merged into it, undoing that writer's change of the fields it maps.
                if (keysById.computeIfAbsent(id, x -> keysOf(t)).contains(key)) {
                    holding.add(t);
                } else {
                    pendingKeys.add(new KeyChange(key, id, false));
                }
            }
            out.put(key, holding);
        });
        return out;
    }

    /**
     * The ids of the stored records that the rows match by other fields than the external_id, when the object refers
     * to itself: the resolver locks them with the records the rows refer to and those with the rows' external ids, all
     * in id order, before the rows update them in file order ({@link RecordStore#lockReferenced}). None otherwise.
     */
    private Set<String> matchedOwn(List<ParsedRow> rows) {
        Set<String> ids = new HashSet<>();
        if (matcher != null && !ownFields.isEmpty()) {
            rows.forEach(r -> ids.addAll(matcher.all(keysOf(r))));
        }
        return ids;
    }

    /**
     * Of the rows' external ids, those a stored record of the object has, for a writer that matches by other fields:
     * a row that would create a record with one is rejected rather than refused by the database.
     */
    private Set<String> storedExternalIds(Handle h, List<ParsedRow> rows) {
        Set<String> given = new LinkedHashSet<>();
        rows.forEach(r -> {
            if (r.externalId() != null) {
                given.add(r.externalId());
            }
        });
        return given.isEmpty() ? new HashSet<>()
                : new HashSet<>(records.idsByExternalId(h, organizationId, object.slug(), given).keySet());
    }

    /**
     * Why a row that would create a record with {@code externalId}, which a record already has (stored, or created by
     * an earlier row of the import), is rejected; the same whichever chunk wrote that record.
     */
    private String takenMessage(String externalId) {
        return takenMessage(options.duplicateStrategy(), matchFields, externalId);
    }

    /** {@link #takenMessage(String)} of a writer with {@code strategy} and {@code matchFields}. */
    static String takenMessage(DuplicateStrategy strategy, List<String> matchFields, String externalId) {
        String taken = "external_id \"" + externalId + "\" already exists";
        if (strategy == DuplicateStrategy.CREATE) {
            return taken + "; duplicateStrategy create never updates a record";
        }
        return taken + " on a record that this row's " + String.join(" and ", matchFields) + " did not match;"
                + " duplicateStrategy " + strategy.wireName()
                + " would create a second record with it, so the row was not applied";
    }

    /** Why {@code row}, whose match fields find {@code matches} records, is not applied by duplicateStrategy update. */
    static Violation ambiguousMatch(ParsedRow row, List<String> matchFields, int matches) {
        return new Violation(row.ordinal(), row.externalId(), matchFields.getFirst(), ViolationCode.AMBIGUOUS_MATCH,
                "%s: %d stored records match this row's %s; duplicateStrategy".formatted(String.join(", ", matchFields),
                        matches, String.join(" and ", matchFields))
                        + " update changes one record, so the row was not applied");
    }

    /**
     * Why a row that matched a record without an external_id by other fields is rejected when another record (stored,
     * or given it by an earlier row of the import) has the row's {@code externalId}.
     */
    private String takenByAnotherMessage(String externalId) {
        return takenByAnotherMessage(matchFields, externalId);
    }

    /**
     * The external_id_not_changed warning of a row matched by other fields whose external_id ({@code given}) is not the
     * one the record has ({@code had}), which it keeps.
     */
    static String notChangedMessage(List<String> matchFields, String given, String had) {
        return "external_id \"%s\" was not stored: the record matched by %s already has external_id \"%s\""
                .formatted(given, String.join(" and ", matchFields), had);
    }

    /** {@link #takenByAnotherMessage(String)} of a writer with {@code matchFields}. */
    static String takenByAnotherMessage(List<String> matchFields, String externalId) {
        return "external_id \"" + externalId + "\" already exists on another record than the one this row's "
                + String.join(" and ", matchFields) + " matched, which has none; two records never share an"
                + " external_id, so the row was not applied";
    }

    /** The records holding any of {@code keys}, each once: those of the first key first. */
    private static List<Target> holdersOf(List<String> keys, Map<String, List<Target>> holders) {
        List<Target> found = new ArrayList<>(1);
        for (String key : keys) {
            for (Target t : holders.getOrDefault(key, List.of())) {
                if (!found.contains(t)) {
                    found.add(t);
                }
            }
        }
        return found;
    }

    /**
     * Moves {@code target} in {@code holders} from the keys it had ({@code before}) to those its values give now, so a
     * later row of the chunk finds it by a key an earlier row gave it, and not by one an earlier row took from it: as
     * the run's index will once the chunk commits ({@link #apply}).
     */
    private void rekey(Target target, List<String> before, Map<String, List<Target>> holders) {
        List<String> after = keysOf(target);
        for (String key : before) {
            if (!after.contains(key) && holders.containsKey(key)) {
                holders.get(key).remove(target);
            }
        }
        for (String key : after) {
            List<Target> holding = holders.get(key);
            if (!before.contains(key) && holding != null && !holding.contains(target)) {
                holding.add(target);
            }
        }
    }

    /** Whether {@code target} has a value for {@code field} as the chunk's rows leave it. */
    private boolean has(Target target, String field) {
        return field.equals(BuiltInObjects.EXTERNAL_ID) ? target.externalId != null
                : target.values(object).containsKey(field);
    }

    private List<String> keysOf(ParsedRow row) {
        if (byExternalId) {
            return row.externalId() == null ? List.of() : List.of(row.externalId());
        }
        return matcher == null ? List.of() : matcher.keys(row.values(), row.externalId());
    }

    /** The match keys of a record with {@code values}. */
    private List<String> keysOf(String externalId, Map<String, Value> values) {
        if (byExternalId) {
            return externalId == null ? List.of() : List.of(externalId);
        }
        return matcher == null ? List.of() : matcher.keys(values, externalId);
    }

    private List<String> keysOf(Target target) {
        return keysOf(target.externalId, target.values(object));
    }

    /** Writes the chunk's creates and updates. */
    private void apply(Handle h, List<Target> order, List<Change> changes) {
        List<Target> creates = new ArrayList<>();
        List<RecordWrite> writes = new ArrayList<>();
        for (Target t : order) {
            Map<String, Value> values = Merging.inFieldOrder(object, t.values);
            if (t.stored == null) {
                creates.add(t);
                writes.add(new RecordWrite(t.externalId, values, 0L));
                continue;
            }
            Map<String, Value> before = ValueJson.decode(t.stored.data(), object);
            if (Merging.same(before, values) && Objects.equals(t.externalId, t.stored.externalId())) {
                t.id = t.stored.id();
                continue;
            }
            String data = ValueJson.encode(values);
            long version = Objects.equals(t.externalId, t.stored.externalId())
                    ? records.updateIfVersion(h, organizationId, t.stored.id(), data, t.stored.version())
                    : records.updateIfVersion(h, organizationId, t.stored.id(), t.externalId, data,
                            t.stored.version());
            if (version < 0) {
                // Changed by someone else since the chunk read it: the chunk runs again from a fresh read.
                throw new StoreException("transient_conflict", "record " + t.stored.id()
                        + " changed while the import was updating it", null);
            }
            t.id = t.stored.id();
            if (matcher != null) {
                // The index follows the keys the update gives the record and takes from it, once the chunk commits.
                List<String> had = matcher.keys(before, t.stored.externalId());
                List<String> has = keysOf(t);
                had.stream().filter(k -> !has.contains(k)).forEach(k -> pendingKeys.add(new KeyChange(k, t.id, false)));
                has.stream().filter(k -> !had.contains(k)).forEach(k -> pendingKeys.add(new KeyChange(k, t.id, true)));
            }
            changes.add(new Change(t.id, object.slug(), t.stored.externalId(), "updated", t.stored.data(),
                    t.stored.version(), version));
        }
        if (!writes.isEmpty()) {
            List<UpsertOutcome> outcomes = records.upsert(h, organizationId, object, writes, importId);
            for (int i = 0; i < outcomes.size(); i++) {
                Target t = creates.get(i);
                t.id = outcomes.get(i).id();
                if (matcher != null) {
                    keysOf(t).forEach(k -> pendingKeys.add(new KeyChange(k, t.id, true)));
                }
            }
        }
    }

    private static List<RowError> errorRows(List<ParsedRow> rows, List<Violation> errors) {
        return ChunkWriter.errorRows(rows, errors);
    }
}
