package dev.freight.engine;

import dev.freight.ingest.RowReader;
import dev.freight.ingest.SourceRow;
import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.Coerced;
import dev.freight.schema.Coercion;
import dev.freight.schema.Echo;
import dev.freight.schema.Field;
import dev.freight.schema.NulCharacter;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.Value;
import dev.freight.store.ImportEnums.Action;
import java.math.BigDecimal;
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

    /** Whether values are checked against their type's format (email, phone, URL); skipValidation turns it off. */
    enum FormatChecks {
        ON,
        OFF
    }

    /**
     * Whether a row without a value for a required field is rejected as it is read ({@code EVERY_ROW}), or by the
     * record it writes once it is matched ({@code RECORD_WRITTEN}, the file import workflow's: a row that updates a
     * record keeps the record's value; {@link ParsedRow#missingOn}).
     */
    enum RequiredFields {
        EVERY_ROW,
        RECORD_WRITTEN
    }

    private final ObjectDef object;
    private final ColumnPlan plan;
    private final Action action;
    private final boolean warnUnmapped;
    private final FormatChecks formatChecks;
    private final ColumnFormats.Readers formats;
    private final RequiredFields requiredFields;
    private final String externalIdKey;
    /** The object's required fields the plan has no source for: the same for every row, so found once. */
    private final List<Field> requiredUnmapped;

    /**
     * @param mapping field slug → source key (column header or JSON key)
     * @param warnUnmapped whether keys outside the mapping are reported as unmapped_field warnings
     */
    RowTransformer(ObjectDef object, Map<String, String> mapping, Action action, boolean warnUnmapped) {
        this(object, ColumnPlan.of(object, mapping), action, warnUnmapped, FormatChecks.ON, ColumnFormats.Readers.NONE,
                RequiredFields.EVERY_ROW);
    }

    /** @param formats how the cells of columns with an inferred date or number format are read */
    RowTransformer(ObjectDef object, ColumnPlan plan, Action action, boolean warnUnmapped, FormatChecks formatChecks,
            ColumnFormats.Readers formats, RequiredFields requiredFields) {
        this.object = object;
        this.plan = plan;
        this.action = action;
        this.warnUnmapped = warnUnmapped;
        this.formatChecks = formatChecks;
        this.formats = formats;
        this.requiredFields = requiredFields;
        this.externalIdKey = plan.externalIdKey();
        Set<String> planned = new HashSet<>();
        plan.sources().forEach(source -> planned.add(source.slug()));
        this.requiredUnmapped = object.requiredFields().stream().filter(f -> !planned.contains(f.slug())).toList();
    }

    /** The column (cell key) the external_id is read from; null when none is mapped. */
    String keyColumn() {
        return externalIdKey;
    }

    /** Makes {@code reader} read only the cells {@link #externalIdOf} needs, when it can tell which. */
    void readKeysOnly(RowReader reader) {
        readKeysAnd(reader, Set.of());
    }

    /** Makes {@code reader} read only the cells {@link #externalIdOf} needs and {@code columns}, when it can tell. */
    void readKeysAnd(RowReader reader, Set<String> columns) {
        if (externalIdKey != null) {
            Set<String> read = new HashSet<>(columns);
            read.add(externalIdKey);
            reader.readOnly(read);
        }
    }

    /** The row's external_id as text, stripped; null when absent, blank or not a scalar. */
    String externalIdOf(Map<String, Object> cells) {
        if (externalIdKey == null || cells == null) {
            return null;
        }
        return keyText(cells.get(externalIdKey));
    }

    /**
     * An external_id value as text, stripped; null when blank or not a scalar. The same scalars the text coercion of
     * the external_id field accepts, and the same text: a number in plain decimal digits ({@code 1e3} is the key
     * {@code "1000"}, as a JSON {@code "1000"} is), unless that would pass the field's length limit anyway, when the
     * row fails and its short form names it.
     */
    static String keyText(Object raw) {
        String s = switch (raw) {
            case BigDecimal d when Coercion.plainLength(d) <= Coercion.MAX_TEXT -> d.toPlainString();
            case String text -> text;
            case Number n -> n.toString();
            case Boolean b -> b.toString();
            case null, default -> null;
        };
        if (s == null) {
            return null;
        }
        s = s.strip();
        return s.isEmpty() ? null : s;
    }

    /** The text of a multi-value field's item, plain or labeled ({@code {"type", "value"}}); null for any other. */
    private static String itemText(Object item) {
        Object value = item instanceof Map<?, ?> map ? map.get("value") : item;
        return value instanceof String text && !text.isBlank() ? text : null;
    }

    private static Object withText(Object item, String text) {
        if (item instanceof Map<?, ?> map) {
            Map<Object, Object> copy = new LinkedHashMap<>(map);
            copy.put("value", text);
            return copy;
        }
        return text;
    }

    /**
     * Why the first item of {@code items} (as split from the cell) that its column's format does not make a valid
     * value was not read, as {@link ColumnFormats.Readers#whyNot} says of a cell; or null. Coercion names that item.
     */
    private String whyNotItem(Field field, List<?> items) {
        for (Object item : items) {
            String text = itemText(item);
            if (text != null
                    && !(Coercion.coerce(field, formats.read(field.slug(), text)) instanceof Coerced.Ok)) {
                return formats.whyNot(field, text);
            }
        }
        return null;
    }

    ParsedRow parse(SourceRow row) {
        Map<String, Object> cells = row.cells();
        long ordinal = row.ordinal();
        List<Violation> errors = new ArrayList<>(0);
        List<Violation> missing = new ArrayList<>(0);
        List<Violation> warnings = new ArrayList<>(0);
        String externalId = externalIdOf(cells);
        Map<String, Value> values = new LinkedHashMap<>();
        Set<String> cleared = new HashSet<>();
        for (ColumnPlan.FieldSource source : plan.sources()) {
            Field field = source.field();
            if (field == null) {
                errors.add(new Violation(ordinal, externalId, source.slug(), ViolationCode.INVALID_FIELD_VALUE,
                        source.slug() + ": the mapping names a field that " + object.slug() + " does not have"));
                continue;
            }
            boolean keyField = field.slug().equals(BuiltInObjects.EXTERNAL_ID);
            if (action == Action.DELETE && !keyField) {
                continue;
            }
            Object raw = ColumnPlan.raw(source, cells);
            // The text a column format reads or explains; none to look for when no column has a format.
            String cell = formats.isEmpty() || !(raw instanceof String text) || text.isBlank() ? null : text;
            if (cell != null) {
                String refused = formats.refused(field.slug(), cell);
                if (refused != null) {
                    errors.add(new Violation(ordinal, externalId, field.slug(), ViolationCode.INVALID_FIELD_VALUE,
                            field.slug() + ": " + refused));
                    continue;
                }
                raw = formats.read(field.slug(), cell);
            }
            // A multi-value field's values, split from its cell: each is read in its column's format as a cell is.
            List<?> items = cell == null && raw instanceof List<?> list && formats.has(field.slug()) ? list : null;
            if (items != null) {
                List<Object> read = new ArrayList<>(items.size());
                String refused = null;
                for (Object item : items) {
                    String text = itemText(item);
                    refused = text == null ? null : formats.refused(field.slug(), text);
                    if (refused != null) {
                        break;
                    }
                    read.add(text == null ? item : withText(item, formats.read(field.slug(), text)));
                }
                if (refused != null) {
                    errors.add(new Violation(ordinal, externalId, field.slug(), ViolationCode.INVALID_FIELD_VALUE,
                            field.slug() + ": " + refused));
                    continue;
                }
                raw = read;
            }
            Coerced coerced = formatChecks == FormatChecks.ON ? Coercion.coerce(field, raw)
                    : Coercion.coerceWithoutFormatChecks(field, raw);
            switch (coerced) {
                case Coerced.Ok ok -> values.put(field.slug(), ok.value());
                case Coerced.Invalid invalid -> {
                    String whyNot = cell != null ? formats.whyNot(field, cell)
                            : items != null ? whyNotItem(field, items) : null;
                    errors.add(new Violation(ordinal, externalId, field.slug(), ViolationCode.INVALID_FIELD_VALUE,
                            whyNot == null ? invalid.message() : invalid.message() + "; " + whyNot));
                }
                case Coerced.Empty empty -> {
                    // A delete reads only the key, which it cannot do without, whether the object requires one or not.
                    if (action == Action.DELETE ? keyField : field.required()) {
                        Violation v = new Violation(ordinal, externalId, field.slug(),
                                ViolationCode.MISSING_REQUIRED_FIELD,
                                "%s: required field is missing (expected key \"%s\")"
                                        .formatted(field.slug(), source.columns().isEmpty() ? field.slug()
                                                : source.columns().getFirst().sourceColumn()));
                        errors.add(v);
                        if (action != Action.DELETE) {
                            missing.add(v);
                        }
                    }
                    if (action != Action.DELETE && ColumnPlan.present(source, cells)) {
                        cleared.add(field.slug());
                    }
                }
            }
        }
        if (action != Action.DELETE) {
            for (Field required : requiredUnmapped) {
                Violation v = new Violation(ordinal, externalId, required.slug(), ViolationCode.MISSING_REQUIRED_FIELD,
                        required.slug() + ": required field is not in the mapping");
                errors.add(v);
                missing.add(v);
            }
        }
        if (warnUnmapped) {
            for (String key : cells.keySet()) {
                String nul = NulCharacter.inKey(key);
                if (nul != null) {
                    // A request's text holding one is refused (no mapping names such a key, so it would be ignored
                    // and echoed back in a warning); the record alone, as a value holding one rejects it.
                    errors.add(new Violation(ordinal, externalId, null, ViolationCode.MALFORMED_ROW,
                            "T" + nul.substring(1)));
                } else if (!plan.keys().contains(key)) {
                    warnings.add(new Violation(ordinal, externalId, key, ViolationCode.UNMAPPED_FIELD,
                            Echo.quoted(key) + " is not in the report's mapping and was ignored"));
                }
            }
        }
        values.remove(BuiltInObjects.EXTERNAL_ID);
        // A row rejected for anything else lists them all, as it always did.
        if (requiredFields == RequiredFields.RECORD_WRITTEN && !missing.isEmpty() && errors.size() == missing.size()) {
            return new ParsedRow(ordinal, row.line(), externalId, values, cleared, List.of(), missing, warnings, cells,
                    null, null);
        }
        return new ParsedRow(ordinal, row.line(), externalId, values, cleared, errors, List.of(), warnings, cells,
                null, null);
    }
}
