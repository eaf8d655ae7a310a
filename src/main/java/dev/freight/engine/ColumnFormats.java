package dev.freight.engine;

import dev.freight.engine.ExecuteOptions.ColumnMap;
import dev.freight.schema.Coerced;
import dev.freight.schema.Coercion;
import dev.freight.schema.DateColumnFormat;
import dev.freight.schema.DateInference;
import dev.freight.schema.DateOrder;
import dev.freight.schema.Field;
import dev.freight.schema.FieldType;
import dev.freight.schema.NumberInference;
import dev.freight.schema.ObjectDef;
import dev.freight.store.ImportEnums.Action;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Infers the format of each date, date-time, number and integer column of an import from all its values (one pass
 * over the source), so that {@code 03/04/2024} or {@code 1,000} is read the same way in every row — or, when a column
 * fits two readings that give different values, says so instead of guessing silently. Not thread-safe; one per pass.
 *
 * <p>Both faces infer dates only from the values that need it: a value the field reads as it is (ISO) or that is not
 * written as a date at all ({@code n/a}) fails or passes on its own row and leaves the others readable
 * ({@link DateInference#needsInference}; the Imports resource also leaves out what its field's coercion reads). A
 * workflow import ({@link #ColumnFormats(ObjectDef, ExecuteOptions)}) reads a column that fits both the US and the
 * European reading month first and warns. An import of the Imports resource ({@link #ofMapping}) has no step where a
 * warning could be looked at before the rows are written, so it reads such a column not at all (its rows fail, and
 * prevalidation says why). Numbers ({@link NumberInference}) are alike for both: every value
 * counts (a {@code 1.000} among decimal commas is a thousand), a column that two readings fit with different values
 * is not read, and one whose numbers are all written as Freight reads them anyway is left alone. The values of a
 * multi-value date or number field's cell ({@code 01/13/2024; 02/14/2024}, {@code 1,5; 2,5}) count one by one, as
 * {@link RowTransformer} reads them; so do the cells of every column that feeds one field (each cell of a multi-value
 * field's columns, else the first non-blank cell of the row's columns: the one the field reads).
 */
final class ColumnFormats {

    /** A column whose format could not be settled. */
    record Finding(String field, String column, String code, String message) {}

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** The key of the stored formats, dates' and numbers' alike (the name predates numbers). */
    private static final String DATE_FORMATS = "dateFormats";
    /** How an encoded number format starts; a date format starts with a {@link DateOrder} name. */
    private static final String NUMBER = "NUMBER|";
    /**
     * The encoded format of a date column whose values are in more than one format, and after {@link #NUMBER} of a
     * number column that has values with a decimal point and values with a decimal comma: nothing is read in it, and
     * its values that one format would read are told why.
     */
    private static final String MIXED = "MIXED";
    private static final String MIXED_DATES = "its column's dates are written in more than one format, so none was"
            + " read; write dates as YYYY-MM-DD";
    private static final String MIXED_NUMBERS = "its column's numbers have a decimal point in some values and a"
            + " decimal comma in others, so none with a decimal comma or a separator between thousands was read; write"
            + " numbers without a separator between thousands";

    /** Field slug → the first column that feeds it: the one the findings name. */
    private final Map<String, String> columnByField = new LinkedHashMap<>();
    /** Field slug → every column that feeds it, in the mapping's order. */
    private final Map<String, List<String>> columnsByField = new LinkedHashMap<>();
    private final Map<String, DateInference> dates = new LinkedHashMap<>();
    private final Map<String, NumberInference> numbers = new LinkedHashMap<>();
    /** The multi-value fields, by slug: their cells hold values separated by {@code ;}, each inferred alone. */
    private final Set<String> multiValued = new LinkedHashSet<>();
    /** Imports resource: the date fields, by slug, whose readable values are left out of the inference; else empty. */
    private final Map<String, Field> readAsTheyAre = new LinkedHashMap<>();

    ColumnFormats(ObjectDef object, ExecuteOptions options) {
        for (ColumnMap c : options.columns()) {
            // A multi-value field's labelled columns hold its values too; an address part is no date or number.
            if (c.addressPart() == null) {
                add(object, c.field(), c.sourceColumn());
            }
        }
    }

    private ColumnFormats() {}

    /**
     * An import of the Imports resource, whose cells feed fields by {@code mapping} (field slug → column or key); none
     * for a delete, which reads only keys.
     */
    static ColumnFormats ofMapping(ObjectDef object, Map<String, String> mapping, Action action) {
        ColumnFormats out = new ColumnFormats();
        (action == Action.DELETE ? Map.<String, String>of() : mapping).forEach((field, column) -> {
            if (out.add(object, field, column) && out.dates.containsKey(field)) {
                out.readAsTheyAre.put(field, object.field(field).orElseThrow());
            }
        });
        return out;
    }

    private boolean add(ObjectDef object, String field, String column) {
        Field f = object.field(field).orElse(null);
        if (f == null) {
            return false;
        }
        if (columnByField.containsKey(field)) {
            // Another column of the same field: its values are read in the same format.
            columnsByField.get(field).add(column);
            return false;
        }
        switch (f.type()) {
            case DATE, DATETIME -> dates.put(field, new DateInference());
            case NUMBER, INTEGER -> numbers.put(field, new NumberInference(f.type() == FieldType.INTEGER));
            default -> {
                return false;
            }
        }
        if (f.multiple()) {
            multiValued.add(field);
        }
        columnByField.put(field, column);
        columnsByField.put(field, new ArrayList<>(List.of(column)));
        return true;
    }

    boolean isEmpty() {
        return columnByField.isEmpty();
    }

    /** The columns (cell keys) this reads. */
    Set<String> columns() {
        Set<String> out = new LinkedHashSet<>();
        columnsByField.values().forEach(out::addAll);
        return out;
    }

    /**
     * Counts a row's values: every value of a multi-value field's cells, else the one cell its field reads (the first
     * of its columns that is not blank), as {@link ColumnPlan#raw} takes them.
     */
    void accept(Map<String, Object> cells) {
        columnsByField.forEach((field, columns) -> {
            if (multiValued.contains(field)) {
                for (String column : columns) {
                    if (cells.get(column) instanceof String s) {
                        ColumnPlan.values(s).forEach(v -> accept(field, v));
                    }
                }
                return;
            }
            Object read = null;
            for (String column : columns) {
                read = cells.get(column);
                if (read != null && !(read instanceof String s && s.isBlank())) {
                    break;
                }
            }
            if (read instanceof String s) {
                accept(field, s);
            }
        });
    }

    private void accept(String field, String value) {
        NumberInference number = numbers.get(field);
        if (number != null) {
            number.accept(value);
        } else if (needsInference(field, value)) {
            dates.get(field).accept(value);
        }
    }

    private boolean needsInference(String field, String value) {
        Field f = readAsTheyAre.get(field);
        if (f == null) {
            return DateInference.needsInference(value);
        }
        // An ISO date, the usual value, is told by its digits; the coercion and the regex are for the others.
        return Coercion.isoDate(value) == null && !(Coercion.coerce(f, value) instanceof Coerced.Ok)
                && DateInference.writtenAsDate(value);
    }

    /**
     * Imports resource: field slug → the inferred format of each column that has values to convert, encoded for
     * {@link #readers(Map, boolean)} (with {@code false}: a format that fits two readings only explains its values).
     */
    Map<String, String> fileFormats() {
        Map<String, String> out = dateFormats();
        out.putAll(numberFormats());
        return out;
    }

    /** The date columns with values to convert, encoded; one whose values are in several formats as {@link #MIXED}. */
    private Map<String, String> dateFormats() {
        Map<String, String> out = new LinkedHashMap<>();
        dates.forEach((field, i) -> i.result().map(ColumnFormats::encode)
                .or(() -> i.mixed() ? Optional.of(MIXED) : Optional.empty()).ifPresent(f -> out.put(field, f)));
        return out;
    }

    /**
     * Imports resource: what prevalidation says about the columns, one sentence per column with values to convert:
     * the format they were read in, or that they fit two readings and were not read.
     */
    List<String> notes() {
        List<String> out = new ArrayList<>();
        dates.forEach((field, i) -> i.result().ifPresent(f -> out.add(f.ambiguous()
                ? ("The dates in column \"%s\" fit both MM/DD and DD/MM, so they were not read; write them as "
                        + "YYYY-MM-DD").formatted(columnByField.get(field))
                : "The dates in column \"%s\" were read as %s".formatted(columnByField.get(field), f.pattern()))));
        dates.forEach((field, i) -> {
            if (i.mixed()) {
                out.add(("The dates in column \"%s\" are written in more than one format, so they were not read;"
                        + " write them as YYYY-MM-DD").formatted(columnByField.get(field)));
            }
        });
        numbers.forEach((field, i) -> i.result().ifPresent(f -> out.add(f.ambiguous()
                ? ambiguousNumbers(columnByField.get(field)) + ", so they were not read; write them without a"
                        + " separator between thousands"
                : "The numbers in column \"%s\" were read as %s".formatted(columnByField.get(field), f.example()))));
        numbers.forEach((field, i) -> {
            if (i.mixed()) {
                out.add(mixedNumbersNote(columnByField.get(field)) + ", so none with a decimal comma or a separator"
                        + " between thousands was read; write them without a separator between thousands");
            }
        });
        return out;
    }

    private static String mixedNumbersNote(String column) {
        return "The numbers in column \"%s\" have a decimal point in some values and a decimal comma in others"
                .formatted(column);
    }

    private static String ambiguousNumbers(String column) {
        return "The numbers in column \"%s\" could have a decimal comma or a comma between thousands (1,000: one or a"
                .formatted(column) + " thousand)";
    }

    /** Workflow: field slug → the inferred format, encoded for {@link ExecuteOptions#dateFormats()}. */
    Map<String, String> formats() {
        return fileFormats();
    }

    /** The number columns with values to convert, encoded (one that two readings fit is never read). */
    private Map<String, String> numberFormats() {
        Map<String, String> out = new LinkedHashMap<>();
        numbers.forEach((field, i) -> i.result().map(f -> NUMBER + f.reading().name() + "|" + f.ambiguous())
                .or(() -> i.mixed() ? Optional.of(NUMBER + MIXED) : Optional.empty())
                .ifPresent(f -> out.put(field, f)));
        return out;
    }

    /**
     * Workflow: columns read as US dates although the European reading fits every value too, and number columns that
     * are not read because two readings fit them or because their values are in more than one format.
     */
    List<Finding> findings() {
        return findings(columnByField, formats());
    }

    /**
     * The findings of the {@code formats} encoded here, by field slug, each naming the column its field is read from
     * ({@code columnByField}; the slug when none is given): the same sentences whether the formats were just inferred
     * (validate) or stored with the import's options (execute, the job). Ambiguous dates, ambiguous numbers, mixed
     * dates, mixed numbers, each in {@code columnByField}'s order.
     */
    static List<Finding> findings(Map<String, String> columnByField, Map<String, String> formats) {
        List<Finding> out = new ArrayList<>();
        Map<String, String> fields = new LinkedHashMap<>();
        columnByField.forEach((field, column) -> {
            if (formats.containsKey(field)) {
                fields.put(field, column);
            }
        });
        formats.keySet().forEach(field -> fields.putIfAbsent(field, field));
        fields.forEach((field, column) -> ambiguousDatePattern(formats.get(field)).ifPresent(pattern -> out.add(
                new Finding(field, column, "ambiguous_date_format",
                        "Column \"%s\" has dates that fit both MM/DD and DD/MM; they are read as %s (month first)"
                                .formatted(column, pattern)))));
        fields.forEach((field, column) -> {
            if (ambiguousNumber(formats.get(field))) {
                out.add(new Finding(field, column, "ambiguous_number_format",
                        ambiguousNumbers(column) + "; those with a comma are not read"));
            }
        });
        fields.forEach((field, column) -> {
            if (mixedDates(formats.get(field))) {
                out.add(new Finding(field, column, "mixed_date_format", ("Column \"%s\" has dates written in more"
                        + " than one format; none of them is read (write them as YYYY-MM-DD)").formatted(column)));
            }
        });
        fields.forEach((field, column) -> {
            if (mixedNumbers(formats.get(field))) {
                out.add(new Finding(field, column, "mixed_number_format", mixedNumbersNote(column)
                        + "; those with a decimal comma or a separator between thousands are not read"));
            }
        });
        return out;
    }

    /**
     * An Imports-resource import's stored options: its {@link #fileFormats}, as JSON; null when there are none
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

    /** Whether an encoded format is a date column whose values are in more than one format. */
    static boolean mixedDates(String encoded) {
        return MIXED.equals(encoded);
    }

    /** Whether an encoded format is a number column with values of a decimal point and of a decimal comma. */
    static boolean mixedNumbers(String encoded) {
        return (NUMBER + MIXED).equals(encoded);
    }

    /** The pattern of an encoded date format whose column fit both MM/DD and DD/MM; empty for any other format. */
    static Optional<String> ambiguousDatePattern(String encoded) {
        return encoded.startsWith(NUMBER) ? Optional.empty()
                : decode(encoded).filter(DateColumnFormat::ambiguous).map(DateColumnFormat::pattern);
    }

    /** Whether an encoded format is a number column that both comma readings fit. */
    static boolean ambiguousNumber(String encoded) {
        return encoded.startsWith(NUMBER) && encoded.endsWith("|true");
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

    /** A workflow import's {@link Readers}: a date column that fits both readings is read month first. */
    static Readers readers(ExecuteOptions options) {
        return readers(options.dateFormats(), true);
    }

    /**
     * The {@link Readers} of formats encoded here, by field slug.
     *
     * @param readAmbiguousDates whether a date column that fits both the US and the European reading is read month
     *     first (the workflow, which has warned) or not at all (the Imports resource)
     */
    static Readers readers(Map<String, String> formats, boolean readAmbiguousDates) {
        Map<String, UnaryOperator<String>> read = new LinkedHashMap<>();
        Map<String, BiFunction<Field, String, String>> whyNot = new LinkedHashMap<>();
        Map<String, UnaryOperator<String>> refused = new LinkedHashMap<>();
        formats.forEach((field, encoded) -> {
            if (mixedDates(encoded)) {
                whyNot.put(field, (f, v) -> DateInference.writtenAsDate(v) ? MIXED_DATES : null);
            } else if (mixedNumbers(encoded)) {
                whyNot.put(field, (f, v) -> readableEitherWay(f, v) ? MIXED_NUMBERS : null);
            } else if (encoded.startsWith(NUMBER)) {
                String[] p = encoded.substring(NUMBER.length()).split("\\|");
                NumberInference.Reading reading = NumberInference.Reading.valueOf(p[0]);
                if (p.length > 1 && Boolean.parseBoolean(p[1])) {
                    // Only a value that one of the readings would have made a valid value of the field is explained:
                    // 1.5 in an integer column is no integer either way.
                    whyNot.put(field, (f, v) -> readableEitherWay(f, v)
                            ? "its column's numbers could have a decimal comma or a comma between thousands (1,000: one"
                                    + " or a thousand), so none with a comma was read; write numbers without a"
                                    + " separator between thousands"
                            : null);
                    refused.put(field, ColumnFormats::twoNumbers);
                } else {
                    read.put(field, v -> NumberInference.toPlain(v, reading).orElse(v));
                }
            } else {
                decode(encoded).ifPresent(format -> {
                    if (format.ambiguous() && !readAmbiguousDates) {
                        whyNot.put(field, (f, v) -> DateInference.toIso(v, format).isPresent()
                                ? "its column's dates fit both MM/DD and DD/MM, so none was read; write dates as"
                                        + " YYYY-MM-DD"
                                : null);
                    } else {
                        read.put(field, v -> DateInference.toIso(v, format).orElse(v));
                    }
                });
            }
        });
        return new Readers(read, whyNot, refused);
    }

    /** Whether one of the readings would make {@code value} a valid value of {@code field}. */
    private static boolean readableEitherWay(Field field, String value) {
        return Stream.of(NumberInference.Reading.values()).map(r -> NumberInference.toPlain(value, r))
                .flatMap(Optional::stream).anyMatch(plain -> Coercion.coerce(field, plain) instanceof Coerced.Ok);
    }

    /**
     * Why a value without a comma of a number column that both readings fit is not read, when it means another number
     * each way ({@code 1.000}: one or a thousand); null for any other value, which coercion then reads or refuses.
     */
    private static String twoNumbers(String value) {
        if (value.indexOf(',') >= 0) {
            return null;
        }
        Optional<String> point = NumberInference.toPlain(value, NumberInference.Reading.POINT);
        Optional<String> comma = NumberInference.toPlain(value, NumberInference.Reading.COMMA);
        if (point.isEmpty() || comma.isEmpty()) {
            return null;
        }
        BigDecimal a = new BigDecimal(point.get());
        BigDecimal b = new BigDecimal(comma.get());
        if (a.compareTo(b) == 0) {
            return null;
        }
        return "%s could be %s or %s; its column's numbers could have a decimal point or a decimal comma (1.000: one or"
                .formatted(Coercion.describe(value), a.stripTrailingZeros().toPlainString(),
                        b.stripTrailingZeros().toPlainString())
                + " a thousand), so it was not read; write numbers without a separator between thousands";
    }

    /**
     * How the cells of the columns with an inferred format are read before coercion, and why a cell that does not
     * coerce was not read when its column's format fits two readings. Thread-safe.
     */
    static final class Readers {

        static final Readers NONE = new Readers(Map.of(), Map.of(), Map.of());

        private final Map<String, UnaryOperator<String>> read;
        private final Map<String, BiFunction<Field, String, String>> whyNot;
        private final Map<String, UnaryOperator<String>> refused;

        private Readers(Map<String, UnaryOperator<String>> read, Map<String, BiFunction<Field, String, String>> whyNot,
                Map<String, UnaryOperator<String>> refused) {
            this.read = read;
            this.whyNot = whyNot;
            this.refused = refused;
        }

        /** Whether {@code field}'s column has a format to read or explain. */
        boolean has(String field) {
            return read.containsKey(field) || whyNot.containsKey(field) || refused.containsKey(field);
        }

        /** Whether no column has a format to read or explain. */
        boolean isEmpty() {
            return read.isEmpty() && whyNot.isEmpty();
        }

        /**
         * Why the non-blank cell of {@code field} is not read at all, though coercion would take it as it is (a
         * {@code 1.000} of a number column that both readings fit); or null.
         */
        String refused(String field, String cell) {
            UnaryOperator<String> r = refused.get(field);
            return r == null ? null : r.apply(cell);
        }

        /** The non-blank cell of {@code field} as ISO text or a plain number; as it is when it does not fit. */
        String read(String field, String cell) {
            UnaryOperator<String> r = read.get(field);
            return r == null ? cell : r.apply(cell);
        }

        /**
         * Why {@code cell} of {@code field}, which did not coerce, was not read though a format of its column would
         * have made it a valid value; or null.
         */
        String whyNot(Field field, String cell) {
            BiFunction<Field, String, String> w = whyNot.get(field.slug());
            return w == null ? null : w.apply(field, cell);
        }
    }
}
