package dev.freight.export;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * The options of an export request as the caller gave them (seed 003's {@code config}, plus {@code filters},
 * {@code includeBom} and {@code escapeFormulas}); null means "not given". Checked against an object by
 * {@link ExportPlan#of}.
 */
public record ExportConfig(
        List<String> columns,
        Map<String, String> columnLabels,
        Boolean includeHeaders,
        String dateFormat,
        String title,
        String description,
        String sortField,
        String sortDirection,
        Integer limit,
        List<Filter> filters,
        Boolean includeBom,
        Boolean escapeFormulas) {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    public static final ExportConfig EMPTY =
            new ExportConfig(null, null, null, null, null, null, null, null, null, null, null, null);

    /**
     * One filter: {@code operator} is {@code equals} (with {@code value}), {@code in} ({@code values}), {@code range}
     * ({@code from} and/or {@code to}, inclusive), {@code is_empty} or {@code is_not_empty}.
     */
    public record Filter(String field, String operator, Object value, List<Object> values, Object from, Object to) {}

    /**
     * This config with every option {@code override} gives replacing this one's; filters of both apply, labels are
     * merged (this one's kept only for the columns still exported when {@code override} lists columns). This config
     * is a saved report's, {@code override} a request's.
     *
     * @throws ExportException when both give filters and together more than {@link ExportPlan#MAX_FILTERS}, saying
     *     how many each gave (a count of the whole alone would leave a caller who gave fewer than the cap puzzled);
     *     {@link ExportPlan#of} refuses too many given by one of them alone
     */
    public ExportConfig overriddenBy(ExportConfig override) {
        List<Filter> all = new ArrayList<>();
        if (filters != null) {
            all.addAll(filters);
        }
        if (override.filters != null) {
            all.addAll(override.filters);
        }
        if (all.size() > ExportPlan.MAX_FILTERS && all.size() > Math.max(size(filters), size(override.filters))) {
            throw ExportPlan.tooManyFilters(all.size(), " (" + size(filters) + " of the report and "
                    + size(override.filters) + " of the request)");
        }
        Map<String, String> labels = null;
        if (columnLabels != null || override.columnLabels != null) {
            labels = new LinkedHashMap<>();
            if (columnLabels != null) {
                // Labels of columns the override no longer exports go; the override's own are checked as given.
                for (Map.Entry<String, String> e : columnLabels.entrySet()) {
                    if (override.columns == null || override.columns.contains(e.getKey())) {
                        labels.put(e.getKey(), e.getValue());
                    }
                }
            }
            if (override.columnLabels != null) {
                labels.putAll(override.columnLabels);
            }
        }
        return new ExportConfig(
                override.columns != null ? override.columns : columns,
                labels,
                or(override.includeHeaders, includeHeaders),
                or(override.dateFormat, dateFormat),
                or(override.title, title),
                or(override.description, description),
                or(override.sortField, sortField),
                or(override.sortDirection, sortDirection),
                or(override.limit, limit),
                all.isEmpty() ? null : all,
                or(override.includeBom, includeBom),
                or(override.escapeFormulas, escapeFormulas));
    }

    private static int size(List<Filter> filters) {
        return filters == null ? 0 : filters.size();
    }

    private static <T> T or(T preferred, T fallback) {
        return preferred != null ? preferred : fallback;
    }

    public String toJson() {
        return JSON.writeValueAsString(this);
    }

    public static ExportConfig fromJson(String json) {
        return JSON.readValue(json, ExportConfig.class);
    }
}
