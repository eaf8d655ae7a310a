package dev.freight.api;

import dev.freight.engine.ExecuteOptions;
import dev.freight.engine.ExecuteOptions.ColumnMap;
import dev.freight.engine.ExecuteOptions.DuplicateStrategy;
import dev.freight.engine.ExecuteOptions.MergeMode;
import dev.freight.schema.Coercion;
import dev.freight.schema.Echo;
import dev.freight.schema.Field;
import dev.freight.schema.FieldType;
import dev.freight.schema.NulCharacter;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.Value;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The body of a validate or execute request (seed 003), read from plain JSON and checked against the module's fields:
 * a mistake answers 400 {@code invalid_request} naming the member, before anything is stored.
 *
 * @param rows the rows sent in the body, or null when {@code fileId} names a parsed file
 * @param mappingEntries for each of {@code options.columns()}, its index in the body's {@code columnMapping}
 */
record ModuleImportRequest(List<Map<String, Object>> rows, String fileId, ExecuteOptions options,
        List<Integer> mappingEntries) {

    static ModuleImportRequest read(Object body, ObjectDef object, boolean execute) {
        if (!(body instanceof Map<?, ?> map)) {
            throw invalid("the body must be a JSON object with rows (or fileId) and columnMapping");
        }
        List<Map<String, Object>> rows = rows(map.get("rows"));
        String fileId = text(map, "fileId");
        if (rows == null && fileId == null) {
            throw invalid("send the rows to import as \"rows\", or the \"fileId\" that parse returned");
        }
        if (rows != null && fileId != null) {
            throw invalid("send either \"rows\" or \"fileId\", not both");
        }
        List<Integer> entries = new ArrayList<>();
        List<ColumnMap> columns = columns(map.get("columnMapping"), object, entries);
        DuplicateStrategy strategy = DuplicateStrategy.SKIP;
        String s = text(map, "duplicateStrategy");
        if (s != null) {
            strategy = DuplicateStrategy.parse(s).orElseThrow(() -> invalid(
                    "duplicateStrategy must be skip, update or create, got " + Echo.quoted(s)));
        }
        MergeMode mode = MergeMode.PREFER_IMPORT;
        String m = text(map, "mergeMode");
        if (m != null) {
            mode = MergeMode.parse(m).orElseThrow(() -> invalid(
                    "mergeMode must be fill_empty, overwrite or prefer_import, got " + Echo.quoted(m)));
        }
        List<String> matchFields = new ArrayList<>();
        if (map.get("duplicateMatchFields") instanceof List<?> list) {
            for (Object f : list) {
                if (!(f instanceof String slug) || object.field(slug).isEmpty()) {
                    throw invalid("duplicateMatchFields: " + object.slug() + " has no field " + Echo.quoted(f));
                }
                matchFields.add(slug);
            }
        } else if (map.get("duplicateMatchFields") != null) {
            throw invalid("duplicateMatchFields must be a list of field slugs");
        }
        Map<String, String> statics = new LinkedHashMap<>();
        if (map.get("staticValues") instanceof Map<?, ?> values) {
            values.forEach((k, v) -> {
                if (object.field(String.valueOf(k)).isEmpty()) {
                    throw invalid("staticValues: " + object.slug() + " has no field " + Echo.quoted(k));
                }
                if (v instanceof Map<?, ?> || v instanceof List<?>) {
                    // A field's value, read as a row's cell would be; an object or list was stored as Java's text.
                    throw invalid("staticValues." + k + " must be a value (text, a number or true/false), got "
                            + Coercion.describe(v));
                }
                if (v != null) {
                    statics.put(String.valueOf(k), String.valueOf(v));
                }
            });
        } else if (map.get("staticValues") != null) {
            throw invalid("staticValues must be an object of field slug → value");
        }
        for (String f : matchFields) {
            // A field no column feeds gives every row an empty key: the rows would run, matching nothing.
            if (columns.stream().noneMatch(c -> c.field().equals(f)) && (statics.get(f) == null || statics.get(f).isBlank())) {
                throw invalid("duplicateMatchFields: " + Echo.quoted(f)
                        + " is mapped to no column (nor given a static value),"
                        + " so it cannot identify an existing record");
            }
        }
        String processingMode = text(map, "processingMode");
        if (processingMode != null && !List.of("sync", "stream", "background").contains(processingMode)) {
            throw invalid("processingMode must be sync, stream or background, got " + Echo.quoted(processingMode));
        }
        ExecuteOptions options = new ExecuteOptions(columns, strategy, matchFields, mode, flag(map, "skipValidation"),
                flag(map, "createMissingReferences"), statics, flag(map, "aiMappingUsed"), processingMode, Map.of(),
                text(map, "sheet"));
        return new ModuleImportRequest(rows, fileId, options, List.copyOf(entries));
    }

    /** The same request reading {@code columns} (one for each of {@code options.columns()}, in order). */
    ModuleImportRequest withColumns(List<ColumnMap> columns) {
        return new ModuleImportRequest(rows, fileId, options.withColumns(columns), mappingEntries);
    }

    private static List<Map<String, Object>> rows(Object raw) {
        if (raw == null) {
            return null;
        }
        if (!(raw instanceof List<?> list)) {
            throw invalid("rows must be a list of objects (column → value)");
        }
        if (list.isEmpty()) {
            throw invalid("rows is empty: there is nothing to import");
        }
        List<Map<String, Object>> rows = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof Map<?, ?> row)) {
                throw invalid("rows[" + i + "] is not an object (column → value)");
            }
            Map<String, Object> cells = new LinkedHashMap<>();
            row.forEach((k, v) -> cells.put(String.valueOf(k), v));
            rows.add(cells);
        }
        return rows;
    }

    /**
     * The mapped entries of {@code columnMapping}, adding the index of each to {@code entries}. Two columns may feed
     * one field only when it holds several values, or when each feeds its own part of an address: a second column of
     * a single-value field would be silently dropped, and two of one address part silently joined.
     */
    private static List<ColumnMap> columns(Object raw, ObjectDef object, List<Integer> entries) {
        if (!(raw instanceof List<?> list)) {
            throw invalid("columnMapping must be a list of {sourceColumn, targetFieldSlug}");
        }
        List<ColumnMap> columns = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String at = "columnMapping[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> c)) {
                throw invalid(at + " must be an object {sourceColumn, targetFieldSlug}");
            }
            String source = text(c, "sourceColumn", at + ".sourceColumn");
            if (source == null) {
                throw invalid(at + ".sourceColumn is required");
            }
            String target = text(c, "targetFieldSlug", at + ".targetFieldSlug");
            if (target == null || flag(c, "ignored")) {
                continue;
            }
            Field field = object.field(target).orElseThrow(() -> invalid(at + ".targetFieldSlug: " + object.slug()
                    + " has no field " + Echo.quoted(target)));
            String valueType = text(c, "valueType", at + ".valueType");
            String given = text(c, "addressPart", at + ".addressPart");
            String part = given == null ? null : given.toLowerCase(Locale.ROOT);
            if (part != null && (field.type() != FieldType.ADDRESS || !Value.Address.PARTS.contains(part))) {
                throw invalid(at + ".addressPart: " + (field.type() != FieldType.ADDRESS
                        ? Echo.quoted(target) + " is not an address field"
                        : "must be one of " + String.join(", ", Value.Address.PARTS) + ", got " + Echo.quoted(given)));
            }
            if (valueType != null && !field.multiple()) {
                throw invalid(at + ".valueType: " + Echo.quoted(target)
                        + " holds one value; valueType is for multi-value"
                        + " fields");
            }
            if (valueType != null && field.type() == FieldType.REFERENCE) {
                throw invalid(at + ".valueType: " + Echo.quoted(target) + " is a reference, which takes no label");
            }
            if (!field.multiple()) {
                for (int j = 0; j < columns.size(); j++) {
                    ColumnMap other = columns.get(j);
                    if (!other.field().equals(target)) {
                        continue;
                    }
                    String earlier = Echo.quoted(other.sourceColumn()) + " (columnMapping[" + entries.get(j) + "])";
                    if (field.type() != FieldType.ADDRESS) {
                        throw invalid(at + ": " + Echo.quoted(source) + " maps to " + target + ", which " + earlier
                                + " already feeds; a field that holds one value takes one column");
                    }
                    if (part == null || other.addressPart() == null) {
                        throw invalid(at + ": " + Echo.quoted(source) + " maps to " + target + " beside " + earlier
                                + "; the columns of one address field each need their own addressPart");
                    }
                    if (part.equals(other.addressPart())) {
                        throw invalid(at + ": " + Echo.quoted(source) + " maps to the " + part + " of " + target
                                + ", which "
                                + earlier + " already feeds; each addressPart takes one column");
                    }
                }
            }
            columns.add(new ColumnMap(source, target, valueType, part));
            entries.add(i);
        }
        return columns;
    }

    private static String text(Map<?, ?> map, String name) {
        return text(map, name, name);
    }

    /** @param where how a NUL character's message names the member, e.g. {@code columnMapping[2].sourceColumn} */
    private static String text(Map<?, ?> map, String name, String where) {
        Object v = map.get(name);
        if (v == null) {
            return null;
        }
        if (!(v instanceof String s)) {
            throw invalid(name + " must be a string");
        }
        if (NulCharacter.in(s)) {
            // A parsed file's header never holds one (Columns writes U+FFFD in its place); a fileId with one, looked
            // up, failed with 500 on PostgreSQL.
            throw invalid(NulCharacter.problem(where));
        }
        return s.isBlank() ? null : s;
    }

    private static boolean flag(Map<?, ?> map, String name) {
        Object v = map.get(name);
        if (v != null && !(v instanceof Boolean)) {
            throw invalid(name + " must be true or false");
        }
        return Boolean.TRUE.equals(v);
    }

    private static ApiException invalid(String message) {
        return new ApiException(400, "invalid_request", message);
    }
}
