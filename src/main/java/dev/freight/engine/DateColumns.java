package dev.freight.engine;

import dev.freight.engine.ExecuteOptions.ColumnMap;
import dev.freight.schema.Coerced;
import dev.freight.schema.Coercion;
import dev.freight.schema.DateColumnFormat;
import dev.freight.schema.DateInference;
import dev.freight.schema.DateOrder;
import dev.freight.schema.Field;
import dev.freight.schema.FieldType;
import dev.freight.schema.ObjectDef;
import dev.freight.store.ImportEnums.Action;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Infers the date format of each date and date-time column of an import from all its values (one pass over the
 * source), so that {@code 03/04/2024} is read the same way in every row — or, when a column fits both the US and the
 * European reading, says so instead of guessing silently. Not thread-safe; one per pass.
 *
 * <p>A workflow import ({@link #DateColumns(ObjectDef, ExecuteOptions)}) infers from every value, reads a column that
 * fits both readings month first and warns. An import of the Imports resource ({@link #ofMapping}) has no step where
 * a warning could be looked at before the rows are written, so it reads such a column not at all (its rows fail, and
 * prevalidation says why); and it infers only from the values that need it: a value the field reads as it is (ISO)
 * or that is not written as a date at all ({@code n/a}) fails or passes on its own row and leaves the others readable.
 */
final class DateColumns {

    /** A column whose format could not be settled. */
    record Finding(String field, String column, String code, String message) {}

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String DATE_FORMATS = "dateFormats";

    private final Map<String, String> columnByField = new LinkedHashMap<>();
    private final Map<String, DateInference> inference = new LinkedHashMap<>();
    /** Imports resource: the date fields, by slug, whose readable values are left out of the inference; else empty. */
    private final Map<String, Field> readAsTheyAre = new LinkedHashMap<>();

    DateColumns(ObjectDef object, ExecuteOptions options) {
        for (ColumnMap c : options.columns()) {
            if (c.valueType() == null && c.addressPart() == null) {
                add(object, c.field(), c.sourceColumn());
            }
        }
    }

    private DateColumns() {}

    /**
     * An import of the Imports resource, whose cells feed fields by {@code mapping} (field slug → column or key); none
     * for a delete, which reads only keys.
     */
    static DateColumns ofMapping(ObjectDef object, Map<String, String> mapping, Action action) {
        DateColumns out = new DateColumns();
        (action == Action.DELETE ? Map.<String, String>of() : mapping).forEach((field, column) -> {
            if (out.add(object, field, column)) {
                out.readAsTheyAre.put(field, object.field(field).orElseThrow());
            }
        });
        return out;
    }

    private boolean add(ObjectDef object, String field, String column) {
        Field f = object.field(field).orElse(null);
        boolean dated = f != null && (f.type() == FieldType.DATE || f.type() == FieldType.DATETIME);
        if (!dated || columnByField.containsKey(field)) {
            return false;
        }
        columnByField.put(field, column);
        inference.put(field, new DateInference());
        return true;
    }

    boolean isEmpty() {
        return columnByField.isEmpty();
    }

    /** The columns (cell keys) this reads. */
    Set<String> columns() {
        return new LinkedHashSet<>(columnByField.values());
    }

    void accept(Map<String, Object> cells) {
        columnByField.forEach((field, column) -> {
            if (cells.get(column) instanceof String s && needsInference(field, s)) {
                inference.get(field).accept(s);
            }
        });
    }

    private boolean needsInference(String field, String value) {
        Field f = readAsTheyAre.get(field);
        // The coercion first: an ISO date, the usual value, is told by its digits without a regex.
        return f == null || !(Coercion.coerce(f, value) instanceof Coerced.Ok) && DateInference.writtenAsDate(value);
    }

    /**
     * Imports resource: field slug → the inferred format of each column that has values to convert and a format that
     * reads them one way only, encoded for {@link #readers(Map)}.
     */
    Map<String, String> unambiguousFormats() {
        Map<String, String> out = new LinkedHashMap<>();
        inference.forEach((field, i) -> i.result().filter(f -> !f.ambiguous()).ifPresent(f -> out.put(field,
                encode(f))));
        return out;
    }

    /**
     * Imports resource: what prevalidation says about the date columns, one sentence per column with values to
     * convert: the format they were read in, or that they fit both readings and were not read.
     */
    List<String> notes() {
        List<String> out = new ArrayList<>();
        inference.forEach((field, i) -> i.result().ifPresent(f -> out.add(f.ambiguous()
                ? ("The dates in column \"%s\" fit both MM/DD and DD/MM, so they were not read; write them as "
                        + "YYYY-MM-DD").formatted(columnByField.get(field))
                : "The dates in column \"%s\" were read as %s".formatted(columnByField.get(field), f.pattern()))));
        return out;
    }

    /** field slug → the inferred format, encoded for {@link ExecuteOptions#dateFormats()}. */
    Map<String, String> formats() {
        Map<String, String> out = new LinkedHashMap<>();
        inference.forEach((field, i) -> i.result().ifPresent(f -> out.put(field, encode(f))));
        return out;
    }

    /** Columns read as US dates although the European reading fits every value too. */
    List<Finding> findings() {
        List<Finding> out = new ArrayList<>();
        inference.forEach((field, i) -> i.result().filter(DateColumnFormat::ambiguous).ifPresent(f -> out.add(
                new Finding(field, columnByField.get(field), "ambiguous_date_format",
                        "Column \"%s\" has dates that fit both MM/DD and DD/MM; they are read as %s (month first)"
                                .formatted(columnByField.get(field), f.pattern())))));
        return out;
    }

    /**
     * An Imports-resource import's stored options: its {@link #unambiguousFormats}, as JSON; null when there are none
     * (a workflow import stores them in its {@link ExecuteOptions}).
     */
    static String formatsJson(Map<String, String> formats) {
        return formats.isEmpty() ? null : JSON.writeValueAsString(Map.of(DATE_FORMATS, formats));
    }

    /** The formats {@link #formatsJson} stored; empty when there are none. */
    static Map<String, String> formatsFromJson(String json) {
        try {
            Map<String, Map<String, String>> stored = JSON.readValue(json, new TypeReference<>() {});
            return stored.getOrDefault(DATE_FORMATS, Map.of());
        } catch (JacksonException e) {
            throw new IllegalStateException("stored import options are unreadable: " + e.getOriginalMessage(), e);
        }
    }

    static String encode(DateColumnFormat f) {
        return f.order().name() + "|" + f.withTime() + "|" + f.ambiguous() + "|" + f.pattern();
    }

    static Optional<DateColumnFormat> decode(String encoded) {
        String[] p = encoded.split("\\|", 4);
        if (p.length != 4) {
            return Optional.empty();
        }
        return Optional.of(new DateColumnFormat(DateOrder.valueOf(p[0]), Boolean.parseBoolean(p[1]),
                Boolean.parseBoolean(p[2]), p[3]));
    }

    /** field slug → turns a cell in the column's format into ISO text (leaves a value that does not fit as it is). */
    static Map<String, UnaryOperator<String>> readers(ExecuteOptions options) {
        return readers(options.dateFormats());
    }

    /** The same for formats encoded by {@link #encode}, by field slug. */
    static Map<String, UnaryOperator<String>> readers(Map<String, String> formats) {
        Map<String, UnaryOperator<String>> out = new LinkedHashMap<>();
        formats.forEach((field, encoded) -> decode(encoded).ifPresent(format ->
                out.put(field, v -> DateInference.toIso(v, format).orElse(v))));
        return out;
    }
}
