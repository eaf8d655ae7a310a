package dev.freight.schema;

import java.math.BigDecimal;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Infers how the numbers of one column are written when some are not in Freight's own form (a point before the
 * decimals, no separators between thousands: what {@link Coercion} reads): feed every value to {@link #accept}, then
 * ask {@link #result()}. Holds a handful of flags whatever the number of values. Not thread-safe.
 *
 * <p>Each value is read both ways, if it can be: with a decimal point ({@code 1,234.5}, and Freight's own
 * {@code 1234.5}, {@code 1e3}) and with a decimal comma ({@code 1.234,5}, {@code 1234,5}). Between groups of three
 * digits, a point or comma (whichever is not the decimal one), a space, a no-break space or an apostrophe may stand,
 * the same one throughout the value ({@code 1 234,5}, {@code 1'234.50}). A column is read the one way every value
 * allows; when both fit every value and some value would mean another number each way ({@code 1,000}: a thousand or
 * one), the result is {@linkplain Format#ambiguous() ambiguous}, for the caller to refuse or to warn about rather than
 * guess. A value that is written as no number at all ({@code n/a}) is left out, to fail on its own. The result is
 * empty when every value is Freight's own form already (nothing to convert: {@code 2.500} stays two and a half), or
 * when no one reading fits every value. An integer column's {@code 1.000} is not its own form: it is one or a
 * thousand, so it counts like {@code 1,000}.
 */
public final class NumberInference {

    /** Which character separates the decimals. */
    public enum Reading {
        /** {@code 1,234.5} */
        POINT,
        /** {@code 1.234,5} */
        COMMA
    }

    /**
     * A column's way of writing numbers.
     *
     * @param ambiguous whether both readings fit every value and give some value another number; {@code reading} is
     *     then {@link Reading#POINT}, and nothing should be read in it without asking
     * @param example {@code 1,234.5} or {@code 1.234,5} with the column's separator between thousands (if any), for
     *     people
     */
    public record Format(Reading reading, boolean ambiguous, String example) {}

    private static final Pattern PLAIN_POINT = Pattern.compile("[+-]?\\d+(?:\\.\\d+)?");
    private static final Pattern PLAIN_COMMA = Pattern.compile("[+-]?\\d+(?:,\\d+)?");
    /** Grouped thousands: sign, first group, separator (group 1), more groups, decimals (group 2 with its mark). */
    private static final Pattern GROUPED = Pattern.compile(
            "[+-]?\\d{1,3}([.,' \\u00A0\\u202F])\\d{3}(?:\\1\\d{3})*([.,]\\d+)?");

    private final boolean integral;
    private boolean pointFits = true;
    private boolean commaFits = true;
    private boolean differ;
    private boolean anyToConvert;
    private boolean anyValue;
    private char pointGroup;
    private char commaGroup;

    /** @param integral whether the column holds integers: a reading that gives a value decimals does not fit it */
    public NumberInference(boolean integral) {
        this.integral = integral;
    }

    /** Takes one value of the column into account; null and blank values are ignored. */
    public void accept(String value) {
        if (value == null || value.isBlank()) {
            return;
        }
        String v = value.strip();
        if (isDigits(v) || !commaFits && !integral && isOwnForm(v)) {
            // Reads the same both ways, or adds nothing once the comma reading is out: the usual value, told fast.
            anyValue = true;
            return;
        }
        BigDecimal asPoint = number(v, Reading.POINT);
        BigDecimal asComma = number(v, Reading.COMMA);
        if (asPoint == null && asComma == null) {
            return;
        }
        anyValue = true;
        pointFits &= asPoint != null;
        commaFits &= asComma != null;
        differ |= asPoint != null && asComma != null && asPoint.compareTo(asComma) != 0;
        // An integer column's 1.200 is not Freight's own form of an integer (as it would be of a decimal), nor is its
        // 1.000, which is one or a thousand.
        anyToConvert |= !isOwnForm(v) || asPoint == null
                || integral && asComma != null && asPoint.compareTo(asComma) != 0;
        Matcher grouped = GROUPED.matcher(v);
        if (grouped.matches()) {
            char separator = grouped.group(1).charAt(0);
            if (asPoint != null && separator != '.') {
                pointGroup = separator;
            }
            if (asComma != null && separator != ',') {
                commaGroup = separator;
            }
        }
    }

    /** The column's format; empty when there is nothing to convert, or no reading fits every value. */
    public Optional<Format> result() {
        if (!anyValue || !anyToConvert) {
            return Optional.empty();
        }
        if (pointFits && (!commaFits || !differ)) {
            return Optional.of(new Format(Reading.POINT, false, example(Reading.POINT, pointGroup)));
        }
        if (pointFits) {
            return Optional.of(new Format(Reading.POINT, true, example(Reading.POINT, pointGroup)));
        }
        if (commaFits) {
            return Optional.of(new Format(Reading.COMMA, false, example(Reading.COMMA, commaGroup)));
        }
        return Optional.empty();
    }

    /**
     * Whether some values of the column have to be read with a decimal point and others with a decimal comma
     * ({@code 1,234.5} beside {@code 1,5}): no reading fits every value, so {@link #result()} is empty, and the caller
     * says why.
     */
    public boolean mixed() {
        return anyValue && anyToConvert && !pointFits && !commaFits;
    }

    private static String example(Reading reading, char group) {
        String thousands = group == 0 ? "" : String.valueOf(group);
        return "1" + thousands + "234" + (reading == Reading.POINT ? ".5" : ",5");
    }

    /** {@code value} in Freight's own form (plain decimal text), read as {@code reading}; empty when it does not fit. */
    public static Optional<String> toPlain(String value, Reading reading) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        return Optional.ofNullable(plain(value.strip(), reading));
    }

    private BigDecimal number(String v, Reading reading) {
        String plain = plain(v, reading);
        if (plain == null) {
            return null;
        }
        BigDecimal d;
        try {
            d = new BigDecimal(plain);
        } catch (NumberFormatException exponentOutOfRange) {
            return null;
        }
        if (integral && d.stripTrailingZeros().scale() > 0) {
            return null;
        }
        return d;
    }

    /** The plain decimal text of {@code v} read as {@code reading}, or null when it is not written that way. */
    private static String plain(String v, Reading reading) {
        char decimal = reading == Reading.POINT ? '.' : ',';
        if (reading == Reading.POINT && isOwnForm(v)) {
            return v;
        }
        if ((reading == Reading.POINT ? PLAIN_POINT : PLAIN_COMMA).matcher(v).matches()) {
            return v.replace(',', '.');
        }
        Matcher grouped = GROUPED.matcher(v);
        if (!grouped.matches() || grouped.group(1).charAt(0) == decimal
                || grouped.group(2) != null && grouped.group(2).charAt(0) != decimal) {
            return null;
        }
        StringBuilder out = new StringBuilder(v.length());
        char separator = grouped.group(1).charAt(0);
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == decimal) {
                out.append('.');
            } else if (c != separator) {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isDigits(String v) {
        int start = v.charAt(0) == '-' || v.charAt(0) == '+' ? 1 : 0;
        if (start == v.length() || v.length() > 100) {
            return false;
        }
        for (int i = start; i < v.length(); i++) {
            if (v.charAt(i) < '0' || v.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@link Coercion} reads {@code v} as a number as it is (with a point, without separators): digits with at
     * most one point among or before them, an optional sign and an optional exponent — {@link BigDecimal}'s grammar,
     * checked without building one.
     */
    private static boolean isOwnForm(String v) {
        int n = v.length();
        if (n == 0 || n > 100) {
            return false;
        }
        int i = v.charAt(0) == '-' || v.charAt(0) == '+' ? 1 : 0;
        int digits = 0;
        boolean point = false;
        for (; i < n; i++) {
            char c = v.charAt(i);
            if (c >= '0' && c <= '9') {
                digits++;
            } else if (c == '.' && !point) {
                point = true;
            } else {
                break;
            }
        }
        if (digits == 0) {
            return false;
        }
        if (i == n) {
            return true;
        }
        if (v.charAt(i) != 'e' && v.charAt(i) != 'E') {
            return false;
        }
        i++;
        if (i < n && (v.charAt(i) == '-' || v.charAt(i) == '+')) {
            i++;
        }
        if (i == n) {
            return false;
        }
        for (; i < n; i++) {
            if (v.charAt(i) < '0' || v.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}
