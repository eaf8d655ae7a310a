package dev.freight.engine;

import dev.freight.engine.ExecuteOptions.DuplicateStrategy;
import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.Schema;
import dev.freight.schema.Value;
import dev.freight.store.Change;
import dev.freight.store.Handle;
import dev.freight.store.ImportStats;
import dev.freight.store.ImportStore;
import dev.freight.store.RecordStore;
import dev.freight.store.RecordStore.Existing;
import dev.freight.store.RecordWrite;
import dev.freight.store.RowError;
import dev.freight.store.StoreException;
import dev.freight.store.UpsertOutcome;
import dev.freight.store.ValueJson;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The file import workflow's writer (seed 003): finds the stored record each row matches by the match fields, then
 * skips, updates (by the merge mode) or creates by the duplicate strategy. Rows are applied in file order, so a later
 * row that matches an earlier one of the same import sees it. References resolve by external_id or name; a missing
 * one is created or reported as a reference warning. Not thread-safe; one per import run.
 */
final class MatchingWriter implements RowWriter {

    /** What a chunk does to one record: its state before (null when new) and after. */
    private static final class Target {
        final Existing stored;
        final String externalId;
        final List<String> keys;
        Map<String, Value> values;
        String id;

        Target(Existing stored, String externalId, Map<String, Value> values, List<String> keys) {
            this.stored = stored;
            this.externalId = externalId;
            this.values = values;
            this.keys = keys;
        }
    }

    private final RecordStore records;
    private final ImportStore imports;
    private final ObjectDef object;
    private final String organizationId;
    private final String importId;
    private final ExecuteOptions options;
    private final boolean byExternalId;
    private final RecordMatcher matcher;
    private final ReferenceResolver references;
    private final Map<String, String> pendingKeys = new HashMap<>();

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
        this.matcher = matcher;
        this.references = new ReferenceResolver(records, schema, object, organizationId, importId,
                options.createMissingReferences() ? ReferenceResolver.Missing.CREATE : ReferenceResolver.Missing.WARN,
                true);
    }

    @Override
    public Result write(Handle h, List<ParsedRow> rows) {
        pendingKeys.clear();
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
        List<ParsedRow> resolved = references.resolve(h, valid, errors, unresolved);
        imports.addReferenceWarnings(h, importId, unresolved);
        Map<String, Existing> stored = storedMatches(h, resolved);

        Map<String, Target> byKey = new HashMap<>();
        Map<ParsedRow, Target> targets = new LinkedHashMap<>();
        List<Target> order = new ArrayList<>();
        long skipped = 0;
        long rejected = 0;
        for (ParsedRow row : resolved) {
            List<String> keys = keysOf(row);
            Target earlier = keys.stream().map(byKey::get).filter(t -> t != null).findFirst().orElse(null);
            Existing match = earlier != null ? null
                    : keys.stream().map(stored::get).filter(e -> e != null).findFirst().orElse(null);
            boolean matched = earlier != null || match != null;
            if (matched && options.duplicateStrategy() == DuplicateStrategy.SKIP) {
                results.put(row.ordinal(), new RowResult(row.ordinal(), row.externalId(),
                        earlier != null ? null : match.id(), Outcome.SKIPPED_DUPLICATE));
                skipped++;
                continue;
            }
            if (matched && options.duplicateStrategy() == DuplicateStrategy.CREATE && byExternalId) {
                errors.add(new Violation(row.ordinal(), row.externalId(), BuiltInObjects.EXTERNAL_ID,
                        ViolationCode.DUPLICATE_EXTERNAL_ID, "external_id \"" + row.externalId()
                                + "\" already exists; duplicateStrategy create never updates a record"));
                results.put(row.ordinal(), new RowResult(row.ordinal(), row.externalId(), null, Outcome.FAILED));
                rejected++;
                continue;
            }
            Target target;
            if (matched && options.duplicateStrategy() == DuplicateStrategy.UPDATE) {
                target = earlier != null ? earlier : new Target(match, match.externalId(),
                        ValueJson.decode(match.data(), object), keys);
                target.values = Merging.merge(options.mergeMode(), target.values, row.values(), row.cleared());
            } else {
                target = new Target(null, row.externalId(), new LinkedHashMap<>(row.values()), keys);
            }
            if (earlier == null) {
                order.add(target);
            }
            targets.put(row, target);
            if (options.duplicateStrategy() != DuplicateStrategy.CREATE) {
                keys.forEach(k -> byKey.putIfAbsent(k, target));
            }
        }

        List<Change> changes = new ArrayList<>();
        Set<Target> changed = apply(h, order, changes);
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
            } else if (first.add(t)) {
                outcome = t.stored == null ? Outcome.CREATED
                        : changed.contains(t) ? Outcome.UPDATED : Outcome.UNCHANGED;
            } else {
                // A later row of this import merged into the same record.
                outcome = t.stored == null || changed.contains(t) ? Outcome.UPDATED : Outcome.UNCHANGED;
            }
            results.put(row.ordinal(), new RowResult(row.ordinal(), t.externalId, t.id, outcome));
        }
        long[] counts = ChunkWriter.counts(results);
        long failed = counts[Outcome.FAILED.ordinal()];
        ImportStats stats = new ImportStats(rows.size(), rows.size() - failed - skipped,
                counts[Outcome.CREATED.ordinal()], counts[Outcome.UPDATED.ordinal()],
                counts[Outcome.UNCHANGED.ordinal()], 0, skipped, failed);
        errors.sort((a, b) -> Long.compare(a.row(), b.row()));
        return new Result(new ArrayList<>(results.values()), errors, stats, List.of(), errorRows(rows, errors),
                parseRejected, rejected + (valid.size() - resolved.size()), List.of());
    }

    @Override
    public void committed() {
        if (matcher != null) {
            pendingKeys.forEach(matcher::add);
        }
        pendingKeys.clear();
    }

    /** Stored records matching the rows, by key. */
    private Map<String, Existing> storedMatches(Handle h, List<ParsedRow> rows) {
        Map<String, Existing> out = new HashMap<>();
        if (byExternalId) {
            Set<String> ids = new LinkedHashSet<>();
            rows.forEach(r -> {
                if (r.externalId() != null) {
                    ids.add(r.externalId());
                }
            });
            if (!ids.isEmpty()) {
                out.putAll(records.existing(h, organizationId, object.slug(), ids));
            }
            return out;
        }
        if (matcher == null) {
            return out;
        }
        Map<String, String> idByKey = new HashMap<>();
        for (ParsedRow r : rows) {
            for (String key : keysOf(r)) {
                String id = matcher.find(key);
                if (id != null) {
                    idByKey.put(key, id);
                }
            }
        }
        Map<String, Existing> byId = idByKey.isEmpty() ? Map.of()
                : records.existingByIds(h, organizationId, idByKey.values());
        idByKey.forEach((key, id) -> {
            Existing e = byId.get(id);
            if (e != null) {
                out.put(key, e);
            }
        });
        return out;
    }

    private List<String> keysOf(ParsedRow row) {
        if (byExternalId) {
            return row.externalId() == null ? List.of() : List.of(row.externalId());
        }
        return matcher == null ? List.of() : matcher.keys(row.values(), row.externalId());
    }

    /** Writes the chunk's creates and updates; returns the targets an update changed. */
    private Set<Target> apply(Handle h, List<Target> order, List<Change> changes) {
        Set<Target> changed = new HashSet<>();
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
            if (values.equals(before)) {
                t.id = t.stored.id();
                continue;
            }
            String data = ValueJson.encode(values);
            long version = records.updateIfVersion(h, organizationId, t.stored.id(), data, t.stored.version());
            if (version < 0) {
                // Changed by someone else since the chunk read it: the chunk runs again from a fresh read.
                throw new StoreException("transient_conflict", "record " + t.stored.id()
                        + " changed while the import was updating it", null);
            }
            t.id = t.stored.id();
            changed.add(t);
            changes.add(new Change(t.id, object.slug(), t.stored.externalId(), "updated", t.stored.data(),
                    t.stored.version(), version));
        }
        if (!writes.isEmpty()) {
            List<UpsertOutcome> outcomes = records.upsert(h, organizationId, object, writes, importId);
            for (int i = 0; i < outcomes.size(); i++) {
                Target t = creates.get(i);
                t.id = outcomes.get(i).id();
                if (!outcomes.get(i).created()) {
                    // Another import stored this external_id since the chunk looked: it was an update after all.
                    changed.add(t);
                }
                t.keys.forEach(k -> pendingKeys.putIfAbsent(k, t.id));
            }
        }
        return changed;
    }

    private static List<RowError> errorRows(List<ParsedRow> rows, List<Violation> errors) {
        return ChunkWriter.errorRows(rows, errors);
    }
}
