package dev.freight.api;

import dev.freight.export.ExportConfig;
import dev.freight.export.ExportFormat;
import dev.freight.schema.Echo;
import dev.freight.schema.NulCharacter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads export and report request bodies from their JSON (plain maps), strictly: an unknown option or a value of the
 * wrong type is a 400 that names it, so a typo never silently exports something else.
 */
final class ExportRequests {

    /**
     * An export request: the file format, the options, and {@code async}: true runs it as a background job, false
     * streams it in the answer whatever its size, null decides by the record count.
     */
    record Export(ExportFormat format, ExportConfig config, Boolean async) {}

    /** A saved report's definition. */
    record Report(String name, String module, ExportConfig definition) {}

    private static final Set<String> EXPORT_KEYS = Set.of("format", "config", "async");
    private static final Set<String> CONFIG_KEYS = Set.of("columns", "columnLabels", "includeHeaders", "dateFormat",
            "title", "description", "sortField", "sortDirection", "limit", "filters", "includeBom", "escapeFormulas");
    private static final Set<String> REPORT_KEYS = Set.of("name", "module", "columns", "columnLabels", "filters",
            "sortField", "sortDirection");
    /** The read-only keys of a report's view, accepted (and ignored) so that a GET's body can be PUT back. */
    private static final Set<String> REPORT_VIEW_KEYS = Set.of("reportId", "accountId", "createdDateTime",
            "updatedDateTime");
    private static final Set<String> FILTER_KEYS = Set.of("field", "operator", "value", "values", "from", "to");

    private ExportRequests() {}

    static Export export(Map<String, Object> body) {
        Map<String, Object> b = body == null ? Map.of() : body;
        known(b, EXPORT_KEYS, "");
        Object format = b.get("format");
        String formats = String.join(", ", Arrays.stream(ExportFormat.values()).map(ExportFormat::wireName).toList());
        if (!(format instanceof String f)) {
            throw new ApiException(400, "invalid_format", "format is required: one of " + formats);
        }
        ExportFormat parsed = ExportFormat.fromWireName(f).orElseThrow(() -> new ApiException(400, "invalid_format",
                "format must be one of " + formats + ", got " + Echo.quoted(f)));
        Object config = b.get("config");
        if (config != null && !(config instanceof Map<?, ?>)) {
            throw invalid("config must be an object");
        }
        return new Export(parsed, config((Map<?, ?>) config, CONFIG_KEYS, "config."),
                bool(b, "async", ""));
    }

    /**
     * A report's definition; the read-only keys of its view ({@code reportId}, {@code accountId},
     * {@code createdDateTime}, {@code updatedDateTime}) are ignored, except that when replacing the report
     * {@code reportId} (null when creating one), another {@code reportId} is 400 {@code invalid_report}.
     */
    static Report report(Map<String, Object> body, String reportId) {
        Map<String, Object> b = new LinkedHashMap<>(body == null ? Map.of() : body);
        Object given = b.get("reportId");
        if (given != null && reportId != null && !given.equals(reportId)) {
            throw new ApiException(400, "invalid_report", "reportId " + Echo.quoted(given)
                    + " is not the report of this URL ("
                    + Echo.quoted(reportId) + "); leave it out or send the report's own");
        }
        b.keySet().removeAll(REPORT_VIEW_KEYS);
        known(b, REPORT_KEYS, "");
        String name = string(b, "name", "");
        String module = string(b, "module", "");
        if (name == null || name.isBlank()) {
            throw new ApiException(400, "invalid_report", "name is required");
        }
        if (NulCharacter.in(name)) {
            throw new ApiException(400, "invalid_report", NulCharacter.problem("name"));
        }
        if (module == null || module.isBlank()) {
            throw new ApiException(400, "invalid_report", "module is required: the object slug the report reads");
        }
        return new Report(name.strip(), module.strip(), config(b, REPORT_KEYS, ""));
    }

    private static ExportConfig config(Map<?, ?> c, Set<String> allowed, String prefix) {
        if (c == null) {
            return ExportConfig.EMPTY;
        }
        known(c, allowed, prefix);
        return new ExportConfig(
                strings(c, "columns", prefix),
                labels(c, prefix),
                bool(c, "includeHeaders", prefix),
                freeText(c, "dateFormat", prefix),
                freeText(c, "title", prefix),
                freeText(c, "description", prefix),
                string(c, "sortField", prefix),
                string(c, "sortDirection", prefix),
                integer(c, "limit", prefix),
                filters(c, prefix),
                bool(c, "includeBom", prefix),
                bool(c, "escapeFormulas", prefix));
    }

    private static void known(Map<?, ?> map, Set<String> allowed, String prefix) {
        for (Object key : map.keySet()) {
            if (!allowed.contains(String.valueOf(key))) {
                throw new ApiException(400, "unknown_option", "Unknown option \"" + prefix + key + "\"; the options"
                        + " are " + String.join(", ", allowed.stream().sorted().toList()));
            }
        }
    }

    private static String string(Map<?, ?> map, String key, String prefix) {
        Object v = map.get(key);
        if (v == null || v instanceof String) {
            return (String) v;
        }
        throw invalid(prefix + key + " must be a string");
    }

    /**
     * A text the export writes into its file as given (a title, a label, a date format's literals): U+0000 is refused
     * here as in every other text a request sends ({@link NulCharacter}). Names of columns and fields need no such
     * check: one that holds it names nothing and is refused as unknown.
     */
    private static String freeText(Map<?, ?> map, String key, String prefix) {
        String text = string(map, key, prefix);
        if (NulCharacter.in(text)) {
            throw invalid(NulCharacter.problem(prefix + key));
        }
        return text;
    }

    private static Boolean bool(Map<?, ?> map, String key, String prefix) {
        Object v = map.get(key);
        if (v == null || v instanceof Boolean) {
            return (Boolean) v;
        }
        throw invalid(prefix + key + " must be true or false");
    }

    private static Integer integer(Map<?, ?> map, String key, String prefix) {
        Object v = map.get(key);
        if (v == null) {
            return null;
        }
        if (v instanceof Integer i) {
            return i;
        }
        if (v instanceof Long || v instanceof BigInteger || v instanceof BigDecimal d && d.stripTrailingZeros().scale() <= 0) {
            return clamp(v, key);
        }
        throw invalid(prefix + key + " must be a whole number");
    }

    /** A whole number beyond int range: reported with the limit's own message. */
    private static Integer clamp(Object v, String name) {
        BigDecimal d = new BigDecimal(v.toString());
        if (d.compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) > 0 || d.compareTo(BigDecimal.ZERO) <= 0) {
            throw new ApiException(400, "invalid_limit", "%s must be from 1 to 100,000, got %s".formatted(name,
                    d.toPlainString()));
        }
        return d.intValueExact();
    }

    private static List<String> strings(Map<?, ?> map, String key, String prefix) {
        Object v = map.get(key);
        if (v == null) {
            return null;
        }
        if (v instanceof List<?> list && list.stream().allMatch(i -> i instanceof String)) {
            return list.stream().map(String.class::cast).toList();
        }
        throw invalid(prefix + key + " must be a list of strings");
    }

    private static Map<String, String> labels(Map<?, ?> map, String prefix) {
        Object v = map.get("columnLabels");
        if (v == null) {
            return null;
        }
        if (v instanceof Map<?, ?> m && m.values().stream().allMatch(i -> i instanceof String)) {
            Map<String, String> labels = new LinkedHashMap<>();
            m.forEach((k, l) -> {
                if (NulCharacter.in((String) l)) {
                    throw invalid(NulCharacter.problem(prefix + "columnLabels." + k));
                }
                labels.put(String.valueOf(k), (String) l);
            });
            return labels;
        }
        throw invalid(prefix + "columnLabels must be an object of column → label strings");
    }

    static List<ExportConfig.Filter> filters(Map<?, ?> map, String prefix) {
        Object v = map.get("filters");
        if (v == null) {
            return null;
        }
        if (!(v instanceof List<?> list)) {
            throw invalid(prefix + "filters must be a list of objects");
        }
        List<ExportConfig.Filter> filters = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String at = prefix + "filters[" + i + "].";
            if (!(list.get(i) instanceof Map<?, ?> f)) {
                throw invalid(prefix + "filters[" + i + "] must be an object");
            }
            known(f, FILTER_KEYS, at);
            Object values = f.get("values");
            if (values != null && !(values instanceof List<?>)) {
                throw invalid(at + "values must be a list");
            }
            @SuppressWarnings("unchecked")
            List<Object> valueList = (List<Object>) values;
            filters.add(new ExportConfig.Filter(string(f, "field", at), string(f, "operator", at), f.get("value"),
                    valueList, f.get("from"), f.get("to")));
        }
        return filters;
    }

    private static ApiException invalid(String message) {
        return new ApiException(400, "invalid_export_config", message);
    }
}
