package dev.freight.engine;

import dev.freight.engine.ExecuteOptions.ColumnMap;
import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.Field;
import dev.freight.schema.FieldType;
import dev.freight.schema.ObjectDef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where each field's value comes from in a source row: one column (the Imports resource and the Import API), or
 * several — typed items of a multi-value field, parts of an address — and a static value for empty cells (the file
 * import workflow). Builds the raw input that {@link dev.freight.schema.Coercion} turns into a value. Immutable.
 */
final class ColumnPlan {

    /** One field's sources. {@code field} is null when the mapping names a field the object does not have. */
    record FieldSource(String slug, Field field, List<ColumnMap> columns, String staticValue) {}

    private final List<FieldSource> sources;
    private final Set<String> keys;
    private final String externalIdKey;

    private ColumnPlan(List<FieldSource> sources) {
        this.sources = List.copyOf(sources);
        Set<String> all = new LinkedHashSet<>();
        String key = null;
        for (FieldSource s : sources) {
            s.columns().forEach(c -> all.add(c.sourceColumn()));
            if (s.slug().equals(BuiltInObjects.EXTERNAL_ID) && !s.columns().isEmpty()) {
                key = s.columns().getFirst().sourceColumn();
            }
        }
        this.keys = Set.copyOf(all);
        this.externalIdKey = key;
    }

    /** A plan reading each field from one key: {@code mapping} is field slug → source key. */
    static ColumnPlan of(ObjectDef object, Map<String, String> mapping) {
        List<FieldSource> sources = new ArrayList<>(mapping.size());
        mapping.forEach((slug, key) -> sources.add(new FieldSource(slug, object.field(slug).orElse(null),
                List.of(new ColumnMap(key, slug, null, null)), null)));
        return new ColumnPlan(sources);
    }

    /** A plan for a workflow execution: every mapped column, plus the static values. */
    static ColumnPlan of(ObjectDef object, ExecuteOptions options) {
        Map<String, List<ColumnMap>> byField = new LinkedHashMap<>();
        for (ColumnMap c : options.columns()) {
            byField.computeIfAbsent(c.field(), f -> new ArrayList<>()).add(c);
        }
        options.staticValues().keySet().forEach(f -> byField.computeIfAbsent(f, x -> new ArrayList<>()));
        List<FieldSource> sources = new ArrayList<>(byField.size());
        byField.forEach((slug, columns) -> sources.add(new FieldSource(slug, object.field(slug).orElse(null),
                columns, options.staticValues().get(slug))));
        return new ColumnPlan(sources);
    }

    List<FieldSource> sources() {
        return sources;
    }

    /** Every source key the plan reads. */
    Set<String> keys() {
        return keys;
    }

    /** The key the external_id is read from, or null. */
    String externalIdKey() {
        return externalIdKey;
    }

    /** Whether the row has any of the field's keys (an empty cell that is present clears the field on update). */
    static boolean present(FieldSource source, Map<String, Object> cells) {
        for (ColumnMap c : source.columns()) {
            if (cells.containsKey(c.sourceColumn())) {
                return true;
            }
        }
        return false;
    }

    /**
     * The field's raw input from a row: a cell as it is; for several columns of a multi-value field a list of
     * {@code {"type", "value"}} items; for address parts a map of part → cell. The static value stands in for an
     * empty result.
     */
    static Object raw(FieldSource source, Map<String, Object> cells) {
        Object raw = assemble(source, cells);
        if (isEmpty(raw) && source.staticValue() != null) {
            return source.staticValue();
        }
        return raw;
    }

    private static Object assemble(FieldSource source, Map<String, Object> cells) {
        List<ColumnMap> columns = source.columns();
        if (columns.isEmpty()) {
            return null;
        }
        Field field = source.field();
        if (columns.size() == 1 && columns.getFirst().valueType() == null
                && columns.getFirst().addressPart() == null) {
            Object cell = cells.get(columns.getFirst().sourceColumn());
            if (field != null && field.multiple() && field.type() != FieldType.ADDRESS && cell instanceof String s
                    && !s.isBlank()) {
                return items(field, s, null);
            }
            return cell;
        }
        if (field != null && field.type() == FieldType.ADDRESS) {
            Map<String, Object> parts = new LinkedHashMap<>();
            for (ColumnMap c : columns) {
                Object cell = cells.get(c.sourceColumn());
                if (c.addressPart() != null && !isEmpty(cell)) {
                    parts.merge(c.addressPart(), cell, (a, b) -> a + " " + b);
                } else if (c.addressPart() == null && !isEmpty(cell)) {
                    return cell;
                }
            }
            return parts.isEmpty() ? "" : parts;
        }
        if (field != null && (field.multiple() || field.type() == FieldType.LIST)) {
            List<Object> items = new ArrayList<>();
            for (ColumnMap c : columns) {
                Object cell = cells.get(c.sourceColumn());
                if (isEmpty(cell)) {
                    continue;
                }
                if (field.multiple() && field.type() != FieldType.ADDRESS && cell instanceof String s) {
                    items.addAll(items(field, s, c.valueType()));
                } else {
                    items.add(c.valueType() == null ? cell : Map.of("type", c.valueType(), "value", cell));
                }
            }
            return items.isEmpty() ? "" : items;
        }
        for (ColumnMap c : columns) {
            Object cell = cells.get(c.sourceColumn());
            if (!isEmpty(cell)) {
                return cell;
            }
        }
        return cells.get(columns.getFirst().sourceColumn());
    }

    /**
     * The values of one text cell for a multi-value field, as an export writes them: separated by {@code ;}, each
     * phone, email or URL optionally labeled {@code "Mobile: +1 555 0100"} (none of those values holds a colon and a
     * space). {@code valueType} labels the values that have no label of their own.
     */
    private static List<Object> items(Field field, String cell, String valueType) {
        List<Object> items = new ArrayList<>();
        boolean labeled = field.type() == FieldType.PHONE || field.type() == FieldType.EMAIL
                || field.type() == FieldType.URL;
        for (String item : values(cell)) {
            String value = item;
            String label = valueType;
            int colon = value.indexOf(": ");
            if (labeled && colon > 0) {
                label = value.substring(0, colon).strip();
                value = value.substring(colon + 2).strip();
            }
            items.add(label == null ? value : Map.of("type", label, "value", value));
        }
        return items;
    }

    /** The values of one text cell of a multi-value field: separated by {@code ;}, stripped, blank ones dropped. */
    static List<String> values(String cell) {
        List<String> values = new ArrayList<>();
        for (String item : cell.split(";")) {
            String value = item.strip();
            if (!value.isEmpty()) {
                values.add(value);
            }
        }
        return values;
    }

    private static boolean isEmpty(Object raw) {
        return raw == null || raw instanceof String s && s.isBlank();
    }
}
