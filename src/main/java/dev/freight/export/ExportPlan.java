package dev.freight.export;

import dev.freight.schema.Coerced;
import dev.freight.schema.Coercion;
import dev.freight.schema.Echo;
import dev.freight.schema.Field;
import dev.freight.schema.FieldType;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.Value;
import dev.freight.store.RecordQuery;
import dev.freight.store.RecordQuery.Condition;
import dev.freight.store.RecordQuery.Kind;
import dev.freight.store.RecordQuery.Target;
import dev.freight.store.RecordStream;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A checked export: the object, format, resolved columns, the record query (filters, sort, limit) and the writing
 * options. Built only by {@link #of}, which throws {@link ExportException} naming the first problem.
 */
public record ExportPlan(ObjectDef object, ExportFormat format, List<ExportColumn> columns, RecordQuery query,
        ExportOptions options) {

    /** Most records one export may be limited to with {@code limit}; without a limit every record is exported. */
    public static final int MAX_LIMIT = 100_000;

    /**
     * Most filters one export (or records list) may have. Each is a condition of one statement, and the databases
     * take only so many: SQLite's expressions nest at most 1,000 deep, which a range with from and to (three terms)
     * reaches past 330 filters; PostgreSQL took 1,000 equals filters on a reference (a subquery each) in 117 s,
     * 300 in under 1 s. Those on one reference field are now one subquery (RecordStream), but filters on as many
     * fields, and ranges, are still one condition each.
     */
    public static final int MAX_FILTERS = 200;

    public ExportPlan {
        columns = List.copyOf(columns);
    }

    /**
     * The record properties the store must read: those of the property columns, and for XLSX the record's id and
     * external_id, by which a cell too long for Excel names its record whatever the columns.
     */
    public Set<RecordStream.Property> properties() {
        Set<RecordStream.Property> properties = EnumSet.noneOf(RecordStream.Property.class);
        if (format == ExportFormat.XLSX) {
            properties.add(RecordStream.Property.ID);
            properties.add(RecordStream.Property.EXTERNAL_ID);
        }
        for (ExportColumn c : columns) {
            switch (c.kind()) {
                case ID -> properties.add(RecordStream.Property.ID);
                case EXTERNAL_ID -> properties.add(RecordStream.Property.EXTERNAL_ID);
                case CREATED -> properties.add(RecordStream.Property.CREATED);
                case UPDATED -> properties.add(RecordStream.Property.UPDATED);
                case FIELD -> {}
            }
        }
        return properties;
    }

    /** The fields the store must read: those of the field columns. */
    public List<Field> fields() {
        return columns.stream().filter(c -> c.kind() == ExportColumn.Kind.FIELD).map(ExportColumn::field).toList();
    }

    public static ExportPlan of(ObjectDef object, ExportFormat format, ExportConfig config) {
        List<ExportColumn> columns = columns(object, config);
        RecordQuery query = new RecordQuery(conditions(object, config.filters()), sort(object, config), limit(config));
        String datePattern = config.dateFormat() == null || config.dateFormat().isBlank() ? null
                : DatePattern.toJava(config.dateFormat());
        DateTimeFormatter dates = dates(config.dateFormat(), datePattern);
        String title = config.title() == null || config.title().isBlank() ? object.label() + " export" : config.title();
        ExportOptions options = new ExportOptions(
                !Boolean.FALSE.equals(config.includeHeaders()),
                dates,
                dates == null ? null : excelFormat(datePattern),
                title,
                config.description() == null || config.description().isBlank() ? null : config.description(),
                Boolean.TRUE.equals(config.includeBom()) ? ExportOptions.Bom.UTF8 : ExportOptions.Bom.NONE,
                Boolean.FALSE.equals(config.escapeFormulas()) ? ExportOptions.FormulaCells.KEEP
                        : ExportOptions.FormulaCells.NEUTRALISE);
        return new ExportPlan(object, format, columns, query, options);
    }

    private static List<ExportColumn> columns(ObjectDef object, ExportConfig config) {
        List<String> keys = config.columns() == null || config.columns().isEmpty()
                ? ExportColumn.defaults(object) : config.columns();
        Set<String> seen = new LinkedHashSet<>();
        List<ExportColumn> columns = new ArrayList<>();
        for (String key : keys) {
            ExportColumn column = ExportColumn.find(object, key).orElseThrow(() -> unknown("unknown_column",
                    "Column " + Echo.quoted(key), object));
            if (!seen.add(key)) {
                throw new ExportException("duplicate_column", "Column " + Echo.quoted(key)
                        + " is listed twice in columns");
            }
            columns.add(column);
        }
        Map<String, String> labels = config.columnLabels() == null ? Map.of() : config.columnLabels();
        for (Map.Entry<String, String> label : labels.entrySet()) {
            int i = List.copyOf(seen).indexOf(label.getKey());
            if (i < 0) {
                throw new ExportException("unknown_column", "columnLabels names " + Echo.quoted(label.getKey())
                        + ", which is not one of the exported columns (" + String.join(", ", seen) + ")");
            }
            if (label.getValue() != null) {
                columns.set(i, columns.get(i).withLabel(label.getValue()));
            }
        }
        return columns;
    }

    private static ExportException unknown(String code, String what, ObjectDef object) {
        return new ExportException(code, what + " is not a column of module " + object.slug() + "; its columns are "
                + String.join(", ", ExportColumn.catalogue(object).stream().map(ExportColumn::key).toList()));
    }

    private static Integer limit(ExportConfig config) {
        Integer limit = config.limit();
        if (limit != null && (limit < 1 || limit > MAX_LIMIT)) {
            throw new ExportException("invalid_limit", "limit must be from 1 to %,d, got %d".formatted(MAX_LIMIT,
                    limit));
        }
        return limit;
    }

    private static RecordQuery.Sort sort(ObjectDef object, ExportConfig config) {
        boolean descending = false;
        if (config.sortDirection() != null) {
            switch (config.sortDirection().toLowerCase(Locale.ROOT)) {
                case "asc" -> descending = false;
                case "desc" -> descending = true;
                default -> throw new ExportException("invalid_sort_direction",
                        "sortDirection must be asc or desc, got " + Echo.quoted(config.sortDirection()));
            }
        }
        if (config.sortField() == null || config.sortField().isBlank()) {
            return descending ? new RecordQuery.Sort(Target.column("id", Kind.TEXT), true) : null;
        }
        ExportColumn column = ExportColumn.find(object, config.sortField()).orElseThrow(() -> unknown(
                "unknown_sort_field", "sortField " + Echo.quoted(config.sortField()), object));
        Target target = target(column);
        if (target == null) {
            throw new ExportException("invalid_sort_field", "sortField " + Echo.quoted(column.key())
                    + " holds several values"
                    + " or an address and cannot be sorted by");
        }
        return new RecordQuery.Sort(target, descending);
    }

    /** Where a column's comparable value is; null for lists, addresses and multi-value fields. */
    private static Target target(ExportColumn column) {
        return switch (column.kind()) {
            case ID -> Target.column("id", Kind.TEXT);
            case EXTERNAL_ID -> Target.column("external_id", Kind.TEXT);
            case CREATED -> Target.column("created_at", Kind.EPOCH_MILLIS);
            case UPDATED -> Target.column("updated_at", Kind.EPOCH_MILLIS);
            case FIELD -> {
                Field f = column.field();
                if (f.multiple() || f.type() == FieldType.LIST || f.type() == FieldType.ADDRESS) {
                    yield null;
                }
                yield switch (f.type()) {
                    case NUMBER, INTEGER -> Target.json(List.of(f.slug()), Kind.NUMBER);
                    case BOOLEAN -> Target.json(List.of(f.slug()), Kind.BOOLEAN);
                    // As the export writes it: by the external_id its record has now, else the record's id.
                    case REFERENCE -> Target.reference(f.slug());
                    default -> Target.json(List.of(f.slug()), Kind.TEXT);
                };
            }
        };
    }

    /**
     * The store's conditions for an export's {@code filters} (null for none) on {@code object}.
     *
     * @throws ExportException when there are more than {@link #MAX_FILTERS}, or naming the first filter that names no
     *     column or cannot be read
     */
    public static List<Condition> conditions(ObjectDef object, List<ExportConfig.Filter> filters) {
        List<Condition> conditions = new ArrayList<>();
        if (filters == null) {
            return conditions;
        }
        if (filters.size() > MAX_FILTERS) {
            throw tooManyFilters(filters.size(), "");
        }
        for (ExportConfig.Filter filter : filters) {
            if (filter == null || filter.field() == null) {
                throw new ExportException("invalid_filter", "Every filter needs a field");
            }
            ExportColumn column = ExportColumn.find(object, filter.field()).orElseThrow(() -> unknown(
                    "unknown_filter_field", "Filter field " + Echo.quoted(filter.field()), object));
            String operator = filter.operator() == null ? "equals" : filter.operator().toLowerCase(Locale.ROOT);
            Target target = target(column);
            if (operator.equals("is_empty") || operator.equals("is_not_empty")) {
                Target presence = target != null ? target : Target.json(List.of(column.key()), Kind.TEXT);
                conditions.add(new RecordQuery.Empty(presence, operator.equals("is_empty")));
                continue;
            }
            if (target == null) {
                throw new ExportException("invalid_filter", "Filter on " + Echo.quoted(column.key())
                        + ": a field with several"
                        + " values or an address supports only is_empty and is_not_empty");
            }
            if (operator.equals("equals") && filter.values() != null && filter.value() == null) {
                throw new ExportException("invalid_filter", "Filter on " + Echo.quoted(column.key()) + ": values needs"
                        + " \"operator\": \"in\" (" + (filter.operator() == null ? "the default operator, equals,"
                        : "equals") + " takes one value)");
            }
            conditions.add(switch (operator) {
                case "equals" -> new RecordQuery.Equals(target, parameter(column, target, filter.value(), false));
                case "in" -> {
                    if (filter.values() == null) {
                        throw new ExportException("invalid_filter", "Filter on " + Echo.quoted(column.key())
                                + ": operator in needs values, a list");
                    }
                    List<Object> values = new ArrayList<>();
                    filter.values().forEach(v -> values.add(parameter(column, target, v, false)));
                    yield new RecordQuery.In(target, values);
                }
                case "range" -> {
                    if (filter.from() == null && filter.to() == null) {
                        throw new ExportException("invalid_filter", "Filter on " + Echo.quoted(column.key())
                                + ": operator range needs from, to or both");
                    }
                    yield new RecordQuery.Range(target,
                            filter.from() == null ? null : parameter(column, target, filter.from(), false),
                            filter.to() == null ? null : parameter(column, target, filter.to(), true));
                }
                default -> throw new ExportException("invalid_filter", "Filter on " + Echo.quoted(column.key())
                        + ": operator must be one of equals, in, range, is_empty, is_not_empty, got "
                        + Echo.quoted(operator));
            });
        }
        return conditions;
    }

    /** The refusal of {@code n} filters, more than {@link #MAX_FILTERS}; {@code parts} says where they came from. */
    static ExportException tooManyFilters(int n, String parts) {
        return new ExportException("invalid_filter", "filters may hold at most " + MAX_FILTERS + " filters, got " + n
                + parts);
    }

    /**
     * A filter value as the store compares it. A date-only upper bound on a date-time includes that whole day.
     */
    private static Object parameter(ExportColumn column, Target target, Object raw, boolean upperBound) {
        Field field = switch (column.kind()) {
            case FIELD -> single(column.field());
            case CREATED, UPDATED -> new Field(column.key(), column.label(), FieldType.DATETIME, false, "", null,
                    null, false);
            case ID, EXTERNAL_ID -> new Field(column.key(), column.label(), FieldType.TEXT, false, "", null, null,
                    false);
        };
        Value value = switch (Coercion.coerce(field, raw)) {
            case Coerced.Ok ok -> ok.value();
            case Coerced.Invalid invalid -> throw new ExportException("invalid_filter", "Filter on "
                    + Echo.quoted(column.key()) + ": " + invalid.message());
            case Coerced.Empty empty -> throw new ExportException("invalid_filter", "Filter on "
                    + Echo.quoted(column.key()) + ": the value is empty; use is_empty to find records without one");
        };
        if (value instanceof Value.DateTime dt && upperBound && raw instanceof String s && s.strip().length() == 10) {
            value = new Value.DateTime(dt.value().plusSeconds(86_400).minusMillis(1));
        }
        return switch (target.kind()) {
            case EPOCH_MILLIS -> ((Value.DateTime) value).value().toEpochMilli();
            case NUMBER -> value instanceof Value.Int i ? BigDecimal.valueOf(i.value()) : ((Value.Decimal) value).value();
            case BOOLEAN -> ((Value.Bool) value).value() ? "true" : "false";
            case TEXT, REFERENCE -> CellText.of(value, null);
        };
    }

    private static Field single(Field f) {
        return new Field(f.slug(), f.label(), f.type(), false, "", f.options(), f.targets(), false);
    }

    /** @param pattern {@code dateFormat} as a Java pattern ({@link DatePattern}); null for ISO 8601 */
    private static DateTimeFormatter dates(String dateFormat, String pattern) {
        if (pattern == null) {
            return null;
        }
        try {
            DateTimeFormatter f = DateTimeFormatter.ofPattern(pattern, Locale.ENGLISH);
            f.format(ZonedDateTime.ofInstant(Instant.EPOCH, ZoneOffset.UTC));
            return f;
        } catch (IllegalArgumentException | java.time.DateTimeException e) {
            throw new ExportException("invalid_date_format", "dateFormat " + Echo.quoted(dateFormat)
                    + " is not a valid pattern"
                    + " (use letters such as yyyy-MM-dd, DD/MM/YYYY HH:mm or %d.%m.%Y): " + e.getMessage());
        }
    }

    /**
     * The Excel number format for a Java date pattern: months and minutes are both "m" to Excel, weekdays are "ddd",
     * AM/PM is "AM/PM" and fractions of a second are "0".
     */
    private static String excelFormat(String pattern) {
        StringBuilder b = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '\'' && i + 1 < pattern.length() && pattern.charAt(i + 1) == '\'') {
                b.append('\'');
                i++;
            } else if (c == '\'') {
                quoted = !quoted;
                b.append('"');
            } else if (quoted) {
                b.append(c);
            } else {
                b.append(switch (c) {
                    case 'M' -> "m";
                    case 'H' -> "h";
                    case 'u' -> "y";
                    case 'E' -> "ddd";
                    case 'a' -> "AM/PM";
                    case 'S' -> "0";
                    default -> String.valueOf(c);
                });
                if (c == 'E') {
                    int run = 1;
                    while (i + 1 < pattern.length() && pattern.charAt(i + 1) == 'E') {
                        run++;
                        i++;
                    }
                    if (run >= 4) {
                        b.append('d');
                    }
                }
            }
        }
        return b.toString();
    }
}
