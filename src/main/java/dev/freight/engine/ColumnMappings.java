package dev.freight.engine;

import dev.freight.ingest.HeaderMatch;
import dev.freight.ingest.RowReader;
import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.Field;
import dev.freight.schema.ObjectDef;
import dev.freight.store.ImportEnums.Action;
import dev.freight.store.ImportJob;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The column-mapping rules of file imports: which source column feeds each field (an import's column_mapping, or its
 * file's headers matched to field slugs and labels), and why a mapping cannot work for an object or a file. Static
 * and free of the database, so the pipeline, its prescan and {@code api}'s check of a new import apply the same rules.
 */
final class ColumnMappings {

    private ColumnMappings() {}

    /**
     * The import's mapping, field → source key: the column_mapping it was created with, or else every header that
     * equals a field's slug or label (ignoring case, spaces, '_' and '-'), leaving out an errors file's own columns.
     */
    static Map<String, String> mapping(ImportJob job, ObjectDef object, List<String> headers) {
        if (job.columnMapping() != null && !job.columnMapping().isEmpty()) {
            return tabular(job.fileType()) ? toHeaders(job.columnMapping(), headers) : job.columnMapping();
        }
        Map<String, String> mapping = new LinkedHashMap<>();
        if ("json".equals(job.fileType()) || "ndjson".equals(job.fileType())) {
            // JSON objects need not share keys: every field is read from the key equal to its slug.
            for (Field f : object.fields()) {
                mapping.put(f.slug(), f.slug());
            }
        }
        for (String header : ImportFiles.mappableHeaders(headers)) {
            String h = normalize(header);
            for (Field f : object.fields()) {
                boolean bySlug = mapping.containsKey(f.slug()) && mapping.get(f.slug()).equals(f.slug());
                if ((!mapping.containsKey(f.slug()) || bySlug && !header.equals(f.slug()))
                        && (normalize(f.slug()).equals(h) || normalize(f.label()).equals(h))) {
                    mapping.put(f.slug(), header);
                    break;
                }
            }
        }
        return mapping;
    }

    /** How many ignored columns a note names before it counts the rest. */
    private static final int IGNORED_NAMED = 10;

    /**
     * What prevalidation notes when the import maps by header names and some columns match no field, so their cells
     * are not imported (a misspelt header would otherwise go unnoticed); null when every column is read. An errors
     * file's own columns are not named.
     */
    static String ignoredColumns(ImportJob job, Map<String, String> mapping, List<String> headers) {
        if (job.columnMapping() != null && !job.columnMapping().isEmpty()) {
            return null;
        }
        Collection<String> read = mapping.values();
        List<String> mappable = ImportFiles.mappableHeaders(headers);
        List<String> ignored = new ArrayList<>();
        for (int i = 0; i < headers.size(); i++) {
            String h = headers.get(i);
            // column_<its position> is what the reader calls a blank header cell: nothing to name.
            if (!read.contains(h) && mappable.contains(h) && !h.equals("column_" + (i + 1))) {
                ignored.add(h);
            }
        }
        if (ignored.isEmpty()) {
            return null;
        }
        String named = ignored.stream().limit(IGNORED_NAMED).map(h -> "\"" + h + "\"")
                .collect(Collectors.joining(", "));
        String more = ignored.size() > IGNORED_NAMED ? " and %,d more".formatted(ignored.size() - IGNORED_NAMED) : "";
        return (ignored.size() == 1 ? "The column %s matches no field of %s and was not imported"
                : "The columns %s match no field of %s and were not imported").formatted(named + more, job.resource())
                + "; name a field's slug or label in the header, or give a column_mapping";
    }

    /**
     * A column_mapping with each header as the file writes it, found by {@link HeaderMatch} (ignoring case and
     * surrounding spaces: {@code "vendor id"} reads {@code Vendor ID}, {@code "Vendor Name"} reads
     * {@code " Vendor Name "}). A column that matches no header, or several, keeps the mapping's own text, and
     * prevalidation reports it: missing, or matched by several headers of which column_mapping must name one.
     */
    private static Map<String, String> toHeaders(Map<String, String> columnMapping, List<String> headers) {
        Map<String, String> resolved = new LinkedHashMap<>();
        columnMapping.forEach((field, column) -> {
            List<String> found = HeaderMatch.of(headers, column);
            resolved.put(field, found.size() == 1 ? found.getFirst() : column);
        });
        return resolved;
    }

    private static String normalize(String s) {
        return s.toLowerCase(Locale.ROOT).replaceAll("[\\s_\\-]", "");
    }

    /**
     * The rule behind {@link ImportPipeline#columnMappingProblem}, which {@code api} checks before it creates an
     * import; prevalidation checks it again against the file ({@link #mappingProblem}).
     */
    static String columnMappingProblem(ObjectDef object, Action action, Map<String, String> mapping) {
        List<String> problems = new ArrayList<>();
        if (!mapping.containsKey(BuiltInObjects.EXTERNAL_ID)) {
            problems.add("No column is mapped to external_id; map one in column_mapping or name a column "
                    + "\"external_id\"");
        }
        for (String field : mapping.keySet()) {
            if (object.field(field).isEmpty()) {
                problems.add("column_mapping names field \"" + field + "\", which " + object.slug() + " does not have");
            }
        }
        if (action != Action.DELETE) {
            for (Field required : object.requiredFields()) {
                if (!mapping.containsKey(required.slug()) && !required.slug().equals(BuiltInObjects.EXTERNAL_ID)) {
                    problems.add("Required field \"" + required.slug() + "\" is not mapped to any column");
                }
            }
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    /**
     * Why the mapping cannot work for this import and file, or null; every column it lacks is named, with the headers
     * that match it ignoring case and surrounding spaces when there are several.
     */
    static String mappingProblem(ImportJob job, ObjectDef object, Map<String, String> mapping,
            RowReader reader) {
        String problem = columnMappingProblem(object, job.action(), mapping);
        String fileType = job.fileType();
        boolean tabular = tabular(fileType);
        if (problem != null || !tabular) {
            return problem;
        }
        List<String> headers = reader.headers();
        List<String> missing = new ArrayList<>();
        boolean unmatched = false;
        for (Map.Entry<String, String> e : mapping.entrySet()) {
            String column = e.getValue();
            if (reader.hasColumn(column)) {
                continue;
            }
            String lacks = "column_mapping maps " + e.getKey() + " to the column \"" + column
                    + "\", which the file does not have";
            // toHeaders kept the mapping's own text: no header matches it ignoring case and spaces, or several do.
            List<String> found = HeaderMatch.of(headers, column);
            if (found.size() < 2) {
                missing.add(lacks);
                unmatched = true;
            } else {
                boolean caseOnly = found.stream().allMatch(h -> h.equalsIgnoreCase(column));
                missing.add(lacks + ", and its columns " + quoted(found) + " differ from it only in case"
                        + (caseOnly ? "" : " or surrounding spaces") + "; column_mapping must name one exactly");
            }
        }
        if (!missing.isEmpty()) {
            // The columns are listed when one matches nothing; those that match several are named already.
            return String.join("; ", missing) + (unmatched ? "; its columns are " + String.join(", ", headers) : "");
        }
        return job.columnMapping() == null || job.columnMapping().isEmpty()
                ? ambiguousHeaders(object, mapping, ImportFiles.mappableHeaders(headers), reader.renamedHeaders())
                : null;
    }

    private static String quoted(List<String> names) {
        return names.stream().map(h -> "\"" + h + "\"").collect(Collectors.joining(", "));
    }

    /**
     * Why mapping by header names cannot tell which column a field is read from, or null: a mapped header the file
     * repeats, or two headers that both match a field's slug or label. Either way one column would be silently left
     * out, so the caller must choose with column_mapping.
     */
    private static String ambiguousHeaders(ObjectDef object, Map<String, String> mapping, List<String> headers,
            Map<String, String> renamed) {
        Collection<String> mappedHeaders = mapping.values();
        for (Map.Entry<String, String> e : mapping.entrySet()) {
            List<String> readAs = new ArrayList<>();
            readAs.add(e.getValue());
            renamed.forEach((name, written) -> {
                if (written.equals(e.getValue())) {
                    readAs.add(name);
                }
            });
            if (readAs.size() > 1) {
                return "The file has " + readAs.size() + " columns named \"" + e.getValue() + "\" (read as "
                        + String.join(", ", readAs) + "); say which one is " + e.getKey() + " in column_mapping";
            }
            Field field = object.field(e.getKey()).orElseThrow();
            for (String header : headers) {
                String h = normalize(header);
                if (!mappedHeaders.contains(header)
                        && (normalize(field.slug()).equals(h) || normalize(field.label()).equals(h))) {
                    return "The columns \"" + e.getValue() + "\" and \"" + header + "\" both match field "
                            + e.getKey() + "; say which one to read in column_mapping";
                }
            }
        }
        return null;
    }

    /** Why a module import's columns cannot work, or null. */
    static String columnsProblem(ObjectDef object, ExecuteOptions options, RowReader reader,
            String fileType) {
        boolean tabular = tabular(fileType);
        for (ExecuteOptions.ColumnMap c : options.columns()) {
            if (object.field(c.field()).isEmpty()) {
                return "The mapping names field \"" + c.field() + "\", which " + object.slug() + " does not have";
            }
            if (tabular && !reader.hasColumn(c.sourceColumn())) {
                return "The mapping reads the column \"" + c.sourceColumn()
                        + "\", which the file does not have; its columns are " + String.join(", ", reader.headers());
            }
        }
        return null;
    }

    /** Whether the upload is a CSV, XLSX or XLS file (columns under a header row), not JSON or NDJSON. */
    private static boolean tabular(String fileType) {
        return fileType != null && !fileType.equals("json") && !fileType.equals("ndjson");
    }
}
