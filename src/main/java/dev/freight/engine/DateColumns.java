package dev.freight.engine;

import dev.freight.engine.ExecuteOptions.ColumnMap;
import dev.freight.schema.DateColumnFormat;
import dev.freight.schema.DateInference;
import dev.freight.schema.DateOrder;
import dev.freight.schema.Field;
import dev.freight.schema.FieldType;
import dev.freight.schema.ObjectDef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Infers the date format of each date and date-time column of a workflow import from all its values (one pass over
 * the source), so that {@code 03/04/2024} is read the same way in every row — or, when a column fits both the US and
 * the European reading, says so instead of guessing silently. Not thread-safe; one per pass.
 */
final class DateColumns {

    /** A column whose format could not be settled. */
    record Finding(String field, String column, String code, String message) {}

    private final Map<String, String> columnByField = new LinkedHashMap<>();
    private final Map<String, DateInference> inference = new LinkedHashMap<>();

    DateColumns(ObjectDef object, ExecuteOptions options) {
        for (ColumnMap c : options.columns()) {
            Field f = object.field(c.field()).orElse(null);
            boolean dated = f != null && (f.type() == FieldType.DATE || f.type() == FieldType.DATETIME);
            if (dated && c.valueType() == null && c.addressPart() == null && !columnByField.containsKey(c.field())) {
                columnByField.put(c.field(), c.sourceColumn());
                inference.put(c.field(), new DateInference());
            }
        }
    }

    boolean isEmpty() {
        return columnByField.isEmpty();
    }

    void accept(Map<String, Object> cells) {
        columnByField.forEach((field, column) -> {
            if (cells.get(column) instanceof String s) {
                inference.get(field).accept(s);
            }
        });
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
        Map<String, UnaryOperator<String>> out = new LinkedHashMap<>();
        options.dateFormats().forEach((field, encoded) -> decode(encoded).ifPresent(format ->
                out.put(field, v -> DateInference.toIso(v, format).orElse(v))));
        return out;
    }
}
