package dev.freight.engine;

import dev.freight.ingest.SourceRow;
import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.Coerced;
import dev.freight.schema.Coercion;
import dev.freight.schema.Field;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.Value;
import dev.freight.store.ImportEnums.Action;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Maps a source row's cells to fields and coerces them: the transforming and parsing of one row. A delete import only
 * needs the external_id. Stateless after construction; thread-safe.
 */
final class RowTransformer {

    private final ObjectDef object;
    private final Map<String, String> mapping;
    private final Action action;
    private final boolean warnUnmapped;
    private final Set<String> mappedKeys;
    private final String externalIdKey;

    /**
     * @param mapping field slug → source key (column header or JSON key)
     * @param warnUnmapped whether keys outside the mapping are reported as unmapped_field warnings
     */
    RowTransformer(ObjectDef object, Map<String, String> mapping, Action action, boolean warnUnmapped) {
        this.object = object;
        this.mapping = mapping;
        this.action = action;
        this.warnUnmapped = warnUnmapped;
        this.mappedKeys = Set.copyOf(mapping.values());
        this.externalIdKey = mapping.get(BuiltInObjects.EXTERNAL_ID);
    }

    /** The row's external_id as text, stripped; null when absent, blank or not a scalar. */
    String externalIdOf(Map<String, Object> cells) {
        if (externalIdKey == null || cells == null) {
            return null;
        }
        Object raw = cells.get(externalIdKey);
        // The same scalars the text coercion of the external_id field accepts.
        if (raw instanceof String || raw instanceof Number || raw instanceof Boolean) {
            String s = raw.toString().strip();
            return s.isEmpty() ? null : s;
        }
        return null;
    }

    ParsedRow parse(SourceRow row) {
        Map<String, Object> cells = row.cells();
        long ordinal = row.ordinal();
        List<Violation> errors = new ArrayList<>(0);
        List<Violation> warnings = new ArrayList<>(0);
        String externalId = externalIdOf(cells);
        Map<String, Value> values = new LinkedHashMap<>();
        Set<String> cleared = new HashSet<>();
        for (Map.Entry<String, String> m : mapping.entrySet()) {
            Field field = object.field(m.getKey()).orElse(null);
            if (field == null) {
                errors.add(new Violation(ordinal, externalId, m.getKey(), ViolationCode.INVALID_FIELD_VALUE,
                        m.getKey() + ": the mapping names a field that " + object.slug() + " does not have"));
                continue;
            }
            boolean keyField = field.slug().equals(BuiltInObjects.EXTERNAL_ID);
            if (action == Action.DELETE && !keyField) {
                continue;
            }
            boolean present = cells.containsKey(m.getValue());
            switch (Coercion.coerce(field, cells.get(m.getValue()))) {
                case Coerced.Ok ok -> values.put(field.slug(), ok.value());
                case Coerced.Invalid invalid -> errors.add(new Violation(ordinal, externalId, field.slug(),
                        ViolationCode.INVALID_FIELD_VALUE, invalid.message()));
                case Coerced.Empty empty -> {
                    if (field.required() && (keyField || action != Action.DELETE)) {
                        errors.add(new Violation(ordinal, externalId, field.slug(),
                                ViolationCode.MISSING_REQUIRED_FIELD,
                                "%s: required field is missing (expected key \"%s\")"
                                        .formatted(field.slug(), m.getValue())));
                    } else if (present) {
                        cleared.add(field.slug());
                    }
                }
            }
        }
        if (action != Action.DELETE) {
            for (Field required : object.requiredFields()) {
                if (!mapping.containsKey(required.slug())) {
                    errors.add(new Violation(ordinal, externalId, required.slug(),
                            ViolationCode.MISSING_REQUIRED_FIELD,
                            required.slug() + ": required field is not in the mapping"));
                }
            }
        }
        if (warnUnmapped) {
            for (String key : cells.keySet()) {
                if (!mappedKeys.contains(key)) {
                    warnings.add(new Violation(ordinal, externalId, key, ViolationCode.UNMAPPED_FIELD,
                            "\"" + key + "\" is not in the report's mapping and was ignored"));
                }
            }
        }
        values.remove(BuiltInObjects.EXTERNAL_ID);
        return new ParsedRow(ordinal, row.line(), externalId, values, cleared, errors, warnings, cells);
    }
}
