package dev.freight.engine;

import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.Coerced;
import dev.freight.schema.Coercion;
import dev.freight.schema.Field;
import dev.freight.schema.FieldType;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.Schema;
import dev.freight.schema.Value;
import dev.freight.store.Database;
import dev.freight.store.Handle;
import dev.freight.store.ImportReport;
import dev.freight.store.RecordStore;
import dev.freight.store.RecordWrite;
import dev.freight.store.UpsertOutcome;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs one batch of the JSON Import API through an Import Report: maps each record's keys to fields, coerces values,
 * rejects duplicate external ids, resolves references, and upserts every accepted record in one transaction. If the
 * database fails, nothing of the batch is stored and the {@link dev.freight.store.StoreException} propagates.
 * Thread-safe.
 */
public final class ReportImporter {

    private final Database database;
    private final RecordStore records;

    public ReportImporter(Database database, RecordStore records) {
        this.database = database;
        this.records = records;
    }

    /** A row that passed validation and waits for reference resolution and writing. */
    private record Candidate(int index, String externalId, Map<String, Value> values) {}

    /**
     * @param data the batch as plain values: each element should be a {@code Map} of incoming key to raw value
     */
    public BatchResult run(String organizationId, Schema schema, ImportReport report, List<?> data) {
        List<Violation> errors = new ArrayList<>();
        List<Violation> warnings = new ArrayList<>();
        ObjectDef object = schema.object(report.baseObject()).orElse(null);
        if (object == null) {
            for (int i = 0; i < data.size(); i++) {
                errors.add(new Violation(i, externalIdOf(report, data.get(i)), null, ViolationCode.UNKNOWN_BASE_OBJECT,
                        "The report's base object \"" + report.baseObject() + "\" no longer exists"));
            }
            return new BatchResult(data.size(), 0, 0, data.size(), List.of(), errors, warnings);
        }
        Set<String> repeated = repeatedExternalIds(report, data);
        List<Candidate> candidates = new ArrayList<>(data.size());
        Set<Integer> failedRows = new LinkedHashSet<>();
        for (int i = 0; i < data.size(); i++) {
            Candidate c = validate(i, data.get(i), object, report, repeated, errors, warnings);
            if (c == null) {
                failedRows.add(i);
            } else {
                candidates.add(c);
            }
        }
        List<RecordResult> results = new ArrayList<>(candidates.size());
        if (!candidates.isEmpty()) {
            database.inTransaction(h -> {
                List<Candidate> accepted = resolveReferences(h, organizationId, schema, object, candidates, errors);
                Set<Integer> acceptedRows = new HashSet<>();
                accepted.forEach(c -> acceptedRows.add(c.index()));
                candidates.stream().filter(c -> !acceptedRows.contains(c.index())).forEach(c -> failedRows.add(c.index()));
                List<RecordWrite> writes = accepted.stream()
                        .map(c -> new RecordWrite(c.externalId(), c.values()))
                        .toList();
                List<UpsertOutcome> outcomes = records.upsert(h, organizationId, object, writes);
                for (int k = 0; k < accepted.size(); k++) {
                    UpsertOutcome o = outcomes.get(k);
                    results.add(new RecordResult(accepted.get(k).index(), o.externalId(), o.id(), o.created()));
                }
                return null;
            });
        }
        errors.sort((a, b) -> Integer.compare(a.index(), b.index()));
        int created = (int) results.stream().filter(RecordResult::created).count();
        return new BatchResult(data.size(), created, results.size() - created, failedRows.size(), results, errors,
                warnings);
    }

    private static Candidate validate(int index, Object row, ObjectDef object, ImportReport report,
            Set<String> repeated, List<Violation> errors, List<Violation> warnings) {
        if (!(row instanceof Map<?, ?> record)) {
            errors.add(new Violation(index, null, null, ViolationCode.INVALID_FIELD_VALUE,
                    "Record " + index + " is not a JSON object"));
            return null;
        }
        String externalId = externalIdOf(report, row);
        int before = errors.size();
        Map<String, Value> values = new LinkedHashMap<>();
        for (Map.Entry<String, String> m : report.mapping().entrySet()) {
            Field field = object.field(m.getKey()).orElse(null);
            if (field == null) {
                errors.add(new Violation(index, externalId, m.getKey(), ViolationCode.INVALID_FIELD_VALUE,
                        m.getKey() + ": the report maps a field that " + object.slug() + " no longer has"));
                continue;
            }
            switch (Coercion.coerce(field, record.get(m.getValue()))) {
                case Coerced.Ok ok -> values.put(field.slug(), ok.value());
                case Coerced.Invalid invalid -> errors.add(new Violation(index, externalId, field.slug(),
                        ViolationCode.INVALID_FIELD_VALUE, invalid.message()));
                case Coerced.Empty empty -> {
                    if (field.required()) {
                        errors.add(new Violation(index, externalId, field.slug(), ViolationCode.MISSING_REQUIRED_FIELD,
                                "%s: required field is missing (expected key \"%s\")"
                                        .formatted(field.slug(), m.getValue())));
                    }
                }
            }
        }
        for (Field required : object.requiredFields()) {
            if (!report.mapping().containsKey(required.slug())) {
                errors.add(new Violation(index, externalId, required.slug(), ViolationCode.MISSING_REQUIRED_FIELD,
                        required.slug() + ": required field is not in the report's mapping"));
            }
        }
        if (externalId != null && repeated.contains(externalId)) {
            errors.add(new Violation(index, externalId, BuiltInObjects.EXTERNAL_ID,
                    ViolationCode.DUPLICATE_EXTERNAL_ID,
                    "external_id \"" + externalId + "\" appears more than once in this batch"));
        }
        Set<String> mappedKeys = Set.copyOf(report.mapping().values());
        for (Object key : record.keySet()) {
            if (!mappedKeys.contains(String.valueOf(key))) {
                warnings.add(new Violation(index, externalId, String.valueOf(key), ViolationCode.UNMAPPED_FIELD,
                        "\"" + key + "\" is not in the report's mapping and was ignored"));
            }
        }
        if (errors.size() > before) {
            return null;
        }
        values.remove(BuiltInObjects.EXTERNAL_ID);
        return new Candidate(index, externalId, values);
    }

    /** The record's external_id as text, stripped; null when absent, blank or not a scalar. */
    private static String externalIdOf(ImportReport report, Object row) {
        String key = report.mapping().get(BuiltInObjects.EXTERNAL_ID);
        if (key == null || !(row instanceof Map<?, ?> record)) {
            return null;
        }
        Object raw = record.get(key);
        if (raw instanceof String || raw instanceof Number) {
            String s = raw.toString().strip();
            return s.isEmpty() ? null : s;
        }
        return null;
    }

    private static Set<String> repeatedExternalIds(ImportReport report, List<?> data) {
        Set<String> seen = new HashSet<>(data.size() * 2);
        Set<String> repeated = new HashSet<>();
        for (Object row : data) {
            String id = externalIdOf(report, row);
            if (id != null && !seen.add(id)) {
                repeated.add(id);
            }
        }
        return repeated;
    }

    /**
     * Resolves every reference of the candidates against stored records (one query per target object). Candidates
     * with an unknown reference get an invalid_field_value error and are left out of the returned list.
     */
    private List<Candidate> resolveReferences(Handle h, String organizationId, Schema schema, ObjectDef object,
            List<Candidate> candidates, List<Violation> errors) {
        List<Field> refFields = object.fields().stream().filter(f -> f.type() == FieldType.REFERENCE).toList();
        if (refFields.isEmpty()) {
            return candidates;
        }
        Map<String, Map<String, String>> idsByTarget = new HashMap<>();
        for (Field field : refFields) {
            Set<String> wanted = new LinkedHashSet<>();
            for (Candidate c : candidates) {
                refs(c.values().get(field.slug())).forEach(r -> wanted.add(r.externalId()));
            }
            for (String target : field.targets()) {
                if (!wanted.isEmpty() && schema.object(target).isPresent()) {
                    idsByTarget.computeIfAbsent(target, t -> new HashMap<>())
                            .putAll(records.idsByExternalId(h, organizationId, target, wanted));
                }
            }
        }
        List<Candidate> accepted = new ArrayList<>(candidates.size());
        for (Candidate c : candidates) {
            boolean ok = true;
            for (Field field : refFields) {
                Value v = c.values().get(field.slug());
                if (v == null) {
                    continue;
                }
                Value resolved = resolve(field, v, idsByTarget);
                if (resolved == null) {
                    ok = false;
                    String missing = refs(v).stream()
                            .filter(r -> resolve(field, r, idsByTarget) == null)
                            .map(Value.Ref::externalId)
                            .findFirst()
                            .orElse("");
                    errors.add(new Violation(c.index(), c.externalId(), field.slug(), ViolationCode.INVALID_FIELD_VALUE,
                            "%s: no %s with external_id \"%s\"".formatted(field.slug(),
                                    String.join(" or ", field.targets()), missing)));
                } else {
                    c.values().put(field.slug(), resolved);
                }
            }
            if (ok) {
                accepted.add(c);
            }
        }
        return accepted;
    }

    /** The value with its references resolved, or null if any reference is unknown. */
    private static Value resolve(Field field, Value v, Map<String, Map<String, String>> idsByTarget) {
        if (v instanceof Value.Many many) {
            List<Value> out = new ArrayList<>();
            for (Value item : many.values()) {
                Value r = resolve(field, item, idsByTarget);
                if (r == null) {
                    return null;
                }
                out.add(r);
            }
            return new Value.Many(out);
        }
        if (v instanceof Value.Ref ref) {
            for (String target : field.targets()) {
                String id = idsByTarget.getOrDefault(target, Map.of()).get(ref.externalId());
                if (id != null) {
                    return ref.resolved(target, id);
                }
            }
            return null;
        }
        return v;
    }

    private static List<Value.Ref> refs(Value v) {
        if (v instanceof Value.Ref r) {
            return List.of(r);
        }
        if (v instanceof Value.Many many) {
            return many.values().stream().flatMap(x -> refs(x).stream()).toList();
        }
        return List.of();
    }
}
