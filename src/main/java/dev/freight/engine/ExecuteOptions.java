package dev.freight.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * How a file import workflow execution (seed 003) imports its rows. Stored with the import as JSON, so a resumed run
 * applies the same options.
 *
 * @param columns the mapped columns, in request order; ignored columns are left out
 * @param matchFields fields whose values identify an existing record; empty means "external_id when mapped, else
 *     email when the object has it and it is mapped, else none" (see {@link #effectiveMatchFields})
 * @param staticValues field slug → text applied to every row whose own value for the field is empty
 * @param dateFormats field slug → the date or number format inferred from the whole column during prevalidation,
 *     encoded by {@link ColumnFormats} (the name predates numbers)
 * @param sheet the worksheet to read of an XLSX or XLS file; null for the first visible one
 * @param fileId the parsed file ({@code fil_…}) whose rows the import reads; null for rows sent with the request,
 *     and for options stored before it was kept
 */
public record ExecuteOptions(
        List<ColumnMap> columns,
        DuplicateStrategy duplicateStrategy,
        List<String> matchFields,
        MergeMode mergeMode,
        boolean skipValidation,
        boolean createMissingReferences,
        Map<String, String> staticValues,
        boolean aiMappingUsed,
        String processingMode,
        Map<String, String> dateFormats,
        String sheet,
        String fileId) {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    public ExecuteOptions {
        columns = List.copyOf(columns);
        Objects.requireNonNull(duplicateStrategy, "duplicateStrategy");
        matchFields = List.copyOf(matchFields == null ? List.of() : matchFields);
        Objects.requireNonNull(mergeMode, "mergeMode");
        staticValues = staticValues == null ? Map.of() : new LinkedHashMap<>(staticValues);
        dateFormats = dateFormats == null ? Map.of() : new LinkedHashMap<>(dateFormats);
    }

    /** Options of rows that come with the request (no parsed file). */
    public ExecuteOptions(List<ColumnMap> columns, DuplicateStrategy duplicateStrategy, List<String> matchFields,
            MergeMode mergeMode, boolean skipValidation, boolean createMissingReferences,
            Map<String, String> staticValues, boolean aiMappingUsed, String processingMode,
            Map<String, String> dateFormats, String sheet) {
        this(columns, duplicateStrategy, matchFields, mergeMode, skipValidation, createMissingReferences, staticValues,
                aiMappingUsed, processingMode, dateFormats, sheet, null);
    }

    /** One source column mapped to a field; {@code valueType} labels a multi-value item, {@code addressPart} an address part. */
    public record ColumnMap(String sourceColumn, String field, String valueType, String addressPart) {
        public ColumnMap {
            Objects.requireNonNull(sourceColumn, "sourceColumn");
            Objects.requireNonNull(field, "field");
        }
    }

    /** What to do with a row that matches an existing record. */
    public enum DuplicateStrategy {
        /** Leave the existing record alone; the row counts as skipped. */
        SKIP,
        /** Merge the row into the existing record by the {@link MergeMode}. */
        UPDATE,
        /** Create a new record even though one matches. */
        CREATE;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The constant whose wire name is {@code s}, matched without regard to case (API values are). */
        public static Optional<DuplicateStrategy> parse(String s) {
            for (DuplicateStrategy d : values()) {
                if (d.wireName().equalsIgnoreCase(s)) {
                    return Optional.of(d);
                }
            }
            return Optional.empty();
        }
    }

    /** How an update combines the row's values with the stored ones. */
    public enum MergeMode {
        /** Only fields that are empty on the stored record take the import's value. */
        FILL_EMPTY,
        /** Every mapped field takes the import's value, an empty one clearing the field. */
        OVERWRITE,
        /** Every mapped field with a value takes it; empty import values keep the stored value. */
        PREFER_IMPORT;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The constant whose wire name is {@code s}, matched without regard to case (API values are). */
        public static Optional<MergeMode> parse(String s) {
            for (MergeMode m : values()) {
                if (m.wireName().equalsIgnoreCase(s)) {
                    return Optional.of(m);
                }
            }
            return Optional.empty();
        }
    }

    /** The same options reading {@code newColumns}. */
    public ExecuteOptions withColumns(List<ColumnMap> newColumns) {
        return new ExecuteOptions(newColumns, duplicateStrategy, matchFields, mergeMode, skipValidation,
                createMissingReferences, staticValues, aiMappingUsed, processingMode, dateFormats, sheet, fileId);
    }

    /** The same options with the date formats found in prevalidation. */
    public ExecuteOptions withDateFormats(Map<String, String> formats) {
        return new ExecuteOptions(columns, duplicateStrategy, matchFields, mergeMode, skipValidation,
                createMissingReferences, staticValues, aiMappingUsed, processingMode, formats, sheet, fileId);
    }

    /** The same options reading the parsed file {@code fromFileId}, its worksheet {@code fileSheet} (may be null). */
    public ExecuteOptions withFile(String fromFileId, String fileSheet) {
        return new ExecuteOptions(columns, duplicateStrategy, matchFields, mergeMode, skipValidation,
                createMissingReferences, staticValues, aiMappingUsed, processingMode, dateFormats, fileSheet,
                fromFileId);
    }

    /**
     * A warning about a column whose format was inferred: {@code ambiguous_date_format}, {@code ambiguous_number_format},
     * {@code mixed_date_format} or {@code mixed_number_format}, naming the column as the file does.
     */
    public record FormatWarning(String field, String code, String message) {}

    /**
     * The warnings about the columns of {@link #dateFormats}: the same, in the same order, as the validate step gave
     * for the same rows and mapping.
     */
    public List<FormatWarning> formatWarnings() {
        Map<String, String> columnByField = new LinkedHashMap<>();
        for (ColumnMap c : columns) {
            // The column ColumnFormats names: the field's first that is no address part.
            if (c.addressPart() == null) {
                columnByField.putIfAbsent(c.field(), c.sourceColumn());
            }
        }
        return ColumnFormats.findings(columnByField, dateFormats).stream()
                .map(f -> new FormatWarning(f.field(), f.code(), f.message())).toList();
    }

    /** The fields that identify an existing record; see the class comment for the default. */
    public List<String> effectiveMatchFields(dev.freight.schema.ObjectDef object) {
        if (!matchFields.isEmpty()) {
            return matchFields;
        }
        List<String> mapped = new ArrayList<>();
        columns.forEach(c -> mapped.add(c.field()));
        if (mapped.contains("external_id") || staticValues.containsKey("external_id")) {
            return List.of("external_id");
        }
        if (object.field("email").isPresent() && mapped.contains("email")) {
            return List.of("email");
        }
        return List.of();
    }

    /** field slug → the first column mapped to it (what {@code column_mapping} shows in the Imports resource). */
    public Map<String, String> firstColumns() {
        Map<String, String> out = new LinkedHashMap<>();
        columns.forEach(c -> out.putIfAbsent(c.field(), c.sourceColumn()));
        return out;
    }

    public String toJson() {
        return JSON.writeValueAsString(this);
    }

    /** @throws IllegalStateException when the stored text is not options this version wrote */
    public static ExecuteOptions fromJson(String json) {
        try {
            return JSON.readValue(json, ExecuteOptions.class);
        } catch (JacksonException e) {
            throw new IllegalStateException("stored import options are unreadable: " + e.getOriginalMessage(), e);
        }
    }
}
