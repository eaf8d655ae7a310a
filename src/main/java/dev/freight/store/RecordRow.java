package dev.freight.store;

import dev.freight.schema.Field;
import dev.freight.schema.Value;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Map;

/**
 * One record of a {@link RecordStream} as the database row it was read from. Its values are decoded only when asked
 * for; where the row was read as bytes ({@link Dialect.TextRow#bytes}), {@link #fieldShape} tells whether a value's
 * text is the cell's UTF-8 bytes as they are, so a writer can copy them instead of building strings and values.
 * A view: valid only during the call of the handler it is given to (or, for {@link #record}, of the stream's
 * decoding); not thread-safe.
 */
public final class RecordRow {

    /** What a value is, as far as the row's bytes tell without decoding it. */
    public enum Shape {
        /** No value (absent, or JSON null). */
        ABSENT,
        /** A text value ({@link Value.Text}) whose text is the cell's bytes. */
        TEXT,
        /**
         * A number, boolean or ISO date whose plain text ({@code toPlainString}, {@code true}/{@code false},
         * {@code yyyy-MM-dd}) is the cell's bytes.
         */
        VERBATIM,
        /** Anything else: read it with {@link #fieldValue} or {@link #property}. */
        DECODE
    }

    private final RecordStream.Columns columns;
    private final String organizationId;
    private final String object;
    private Dialect.TextRow row;
    /** The row's bytes, or null when the dialect does not read rows as bytes. */
    private byte[] line;

    RecordRow(RecordStream.Columns columns, String organizationId, String object) {
        this.columns = columns;
        this.organizationId = organizationId;
        this.object = object;
    }

    /** This view over {@code current}, the stream's row until its handler returns. */
    RecordRow at(Dialect.TextRow current) {
        row = current;
        line = current.bytes();
        return this;
    }

    /** A failure to read a cell of the row (the stream's method throws its cause, translated). */
    static final class ReadFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ReadFailure(SQLException cause) {
            super(cause);
        }

        @Override
        public synchronized SQLException getCause() {
            return (SQLException) super.getCause();
        }
    }

    /** The row's UTF-8 bytes, which {@link #fieldStart}/{@link #propertyStart} index; null when not read as bytes. */
    public byte[] bytes() {
        return line;
    }

    /** The text of the cell at {@code column} (from 1), null for SQL null. */
    private String text(int column) {
        try {
            return row.text(column);
        } catch (SQLException e) {
            throw new ReadFailure(e);
        }
    }

    private int start(int column) {
        return line == null ? -1 : row.start(column);
    }

    private int end(int column) {
        return line == null ? -1 : row.end(column);
    }

    private int propertyColumn(RecordStream.Property p) {
        int column = columns.property()[p.ordinal()];
        if (column == 0) {
            throw new IllegalStateException("the stream did not read " + p);
        }
        return column;
    }

    /** A text property ({@code id}, {@code external_id}): ABSENT, TEXT (see {@link #propertyStart}) or DECODE. */
    public Shape propertyShape(RecordStream.Property p) {
        int column = propertyColumn(p);
        if (start(column) >= 0) {
            return Shape.TEXT;
        }
        return text(column) == null ? Shape.ABSENT : Shape.DECODE;
    }

    public int propertyStart(RecordStream.Property p) {
        return start(propertyColumn(p));
    }

    public int propertyEnd(RecordStream.Property p) {
        return end(propertyColumn(p));
    }

    /** A property as text (a date as epoch milliseconds), null when it has none. */
    public String property(RecordStream.Property p) {
        return text(propertyColumn(p));
    }

    /** The milliseconds since the epoch of {@code created_at} or {@code updated_at}. */
    public long epochMillis(RecordStream.Property p) {
        int column = propertyColumn(p);
        int start = start(column);
        if (start < 0) {
            return Long.parseLong(text(column));
        }
        int end = end(column);
        boolean negative = line[start] == '-';
        long value = 0;
        for (int i = negative ? start + 1 : start; i < end; i++) {
            int digit = line[i] - '0';
            if (digit < 0 || digit > 9 || end - start > 18) {
                return Long.parseLong(text(column));
            }
            value = value * 10 + digit;
        }
        return negative ? -value : value;
    }

    /**
     * What the value of the stream's field {@code i} (in the order the stream was given its fields) is. The rules
     * mirror {@link RecordStream#decode} and {@link RecordStream#decodeString}: TEXT and VERBATIM only where decoding
     * gives exactly the cell's text.
     */
    public Shape fieldShape(int i) {
        int column = columns.index()[i];
        Field field = columns.fields().get(i);
        int start = start(column);
        if (start < 0) {
            return text(column) == null ? Shape.ABSENT : Shape.DECODE;
        }
        int end = end(column);
        if (columns.strings()[i]) {
            if (!isString(i)) {
                return Shape.DECODE;
            }
            return switch (field.type()) {
                case TEXT, LONG_TEXT -> Shape.TEXT;
                case EMAIL, PHONE, URL, ENUM -> needsNoJsonEscape(start, end) ? Shape.TEXT : Shape.DECODE;
                case DATE -> isoDate(start, end) ? Shape.VERBATIM : Shape.DECODE;
                default -> Shape.DECODE;
            };
        }
        if (end - start == 4 && line[start] == 'n' && line[start + 1] == 'u' && line[start + 2] == 'l'
                && line[start + 3] == 'l') {
            return Shape.ABSENT;
        }
        if (field.multiple()) {
            return Shape.DECODE;
        }
        return switch (field.type()) {
            case NUMBER -> plainNumber(start, end, true) ? Shape.VERBATIM : Shape.DECODE;
            case INTEGER -> end - start <= 18 && plainNumber(start, end, false) ? Shape.VERBATIM : Shape.DECODE;
            case BOOLEAN -> is(start, end, "true") || is(start, end, "false") ? Shape.VERBATIM : Shape.DECODE;
            default -> Shape.DECODE;
        };
    }

    /** Whether field {@code i}, read as text, holds a JSON string (or may be taken as one: see the stream's SQL). */
    private boolean isString(int i) {
        int flag = columns.stringFlag()[i];
        if (flag == 0) {
            return true;
        }
        String string = text(flag);
        return string == null || string.equals("t");
    }

    /** Where field {@code i}'s text starts in {@link #bytes} (when its shape is TEXT or VERBATIM). */
    public int fieldStart(int i) {
        return start(columns.index()[i]);
    }

    public int fieldEnd(int i) {
        return end(columns.index()[i]);
    }

    /** Field {@code i}'s value, decoded; null when it has none. */
    public Value fieldValue(int i) {
        int column = columns.index()[i];
        String text = text(column);
        if (text == null) {
            return null;
        }
        Field field = columns.fields().get(i);
        if (columns.strings()[i] && isString(i)) {
            return RecordStream.decodeString(field, text);
        }
        return text.equals("null") ? null : RecordStream.decode(field, text);
    }

    /** The whole record, decoded (the properties the stream did not read are null). */
    public StoredRecord record() {
        int n = columns.fields().size();
        Value[] values = new Value[n];
        for (int i = 0; i < n; i++) {
            values[i] = fieldValue(i);
        }
        return new StoredRecord(optional(RecordStream.Property.ID), organizationId, object,
                optional(RecordStream.Property.EXTERNAL_ID),
                n == 0 ? Map.of() : new FieldValues(columns.slugs(), values),
                instant(RecordStream.Property.CREATED), instant(RecordStream.Property.UPDATED));
    }

    private String optional(RecordStream.Property p) {
        return columns.property()[p.ordinal()] == 0 ? null : property(p);
    }

    private Instant instant(RecordStream.Property p) {
        return columns.property()[p.ordinal()] == 0 ? null : Instant.ofEpochMilli(epochMillis(p));
    }

    /** No quote and no control character: JSON would write the string without an escape (a backslash is escaped). */
    private boolean needsNoJsonEscape(int start, int end) {
        for (int i = start; i < end; i++) {
            byte b = line[i];
            if (b >= 0 && b < ' ' || b == '"') {
                return false;
            }
        }
        return true;
    }

    /** {@code yyyy-MM-dd} of a day that exists (proleptic Gregorian, years 0000 to 9999). */
    private boolean isoDate(int start, int end) {
        if (end - start != 10 || line[start + 4] != '-' || line[start + 7] != '-') {
            return false;
        }
        int year = digits(start, 4);
        int month = digits(start + 5, 2);
        int day = digits(start + 8, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1) {
            return false;
        }
        boolean leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        int length = switch (month) {
            case 2 -> leap ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
        return day <= length;
    }

    /** The number written in {@code width} digits at {@code at}; -1 when they are not all digits. */
    private int digits(int at, int width) {
        int value = 0;
        for (int i = at; i < at + width; i++) {
            int digit = line[i] - '0';
            if (digit < 0 || digit > 9) {
                return -1;
            }
            value = value * 10 + digit;
        }
        return value;
    }

    /**
     * {@code -?(0|[1-9][0-9]*)}, then {@code (\.[0-9]+)?} when {@code fraction}, and not a negative zero: the forms
     * whose {@code BigDecimal} or {@code long} reads back as the same text.
     */
    private boolean plainNumber(int start, int end, boolean fraction) {
        int i = start;
        if (i < end && line[i] == '-') {
            i++;
        }
        int integer = i;
        boolean nonZero = false;
        while (i < end && line[i] >= '0' && line[i] <= '9') {
            nonZero |= line[i] != '0';
            i++;
        }
        if (i == integer || i - integer > 1 && line[integer] == '0') {
            return false;
        }
        if (fraction && i < end && line[i] == '.') {
            int point = ++i;
            while (i < end && line[i] >= '0' && line[i] <= '9') {
                nonZero |= line[i] != '0';
                i++;
            }
            if (i == point) {
                return false;
            }
        }
        return i == end && (nonZero || line[start] != '-');
    }

    private boolean is(int start, int end, String ascii) {
        if (end - start != ascii.length()) {
            return false;
        }
        for (int i = 0; i < ascii.length(); i++) {
            if (line[start + i] != ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
