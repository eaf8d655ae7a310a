package dev.freight.schema;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Turns a raw incoming value into a typed {@link Value} for a field, or explains why it cannot.
 *
 * <p>Raw values are what a JSON or file reader produces: {@link String}, {@link Number}, {@link Boolean}, {@link List},
 * {@link Map} or null. Null and blank strings are {@link Coerced.Empty}. The accepted forms per type are listed in
 * {@code docs/api.md}; every message has the shape {@code "<field>: expected <what>, got <value>"}. Stateless and
 * thread-safe.
 */
public final class Coercion {

    /** Longest accepted text value, in characters; long_text allows more. */
    public static final int MAX_TEXT = 1_000;

    public static final int MAX_LONG_TEXT = 100_000;

    /** At least three digits, with the usual separators, and an optional extension. */
    private static final Pattern PHONE = Pattern.compile(
            "^\\+?(?:[ ().\\-/]*[0-9]){3}[0-9 ().\\-/]*((ext\\.?|x) ?[0-9]{1,6})?$", Pattern.CASE_INSENSITIVE);
    private static final Set<String> TRUE = Set.of("true", "yes", "y", "1");
    private static final Set<String> FALSE = Set.of("false", "no", "n", "0");
    private static final DateTimeFormatter SLASHED_DATE =
            DateTimeFormatter.ofPattern("uuuu/MM/dd").withResolverStyle(ResolverStyle.STRICT);
    /** PostgreSQL's numeric limits (digits before and after the point); larger values cannot be stored. */
    private static final int MAX_INTEGER_DIGITS = 131_072;
    private static final int MAX_SCALE = 16_383;
    /**
     * The most characters a storable number takes in plain digits (sign, digits before and after the point, the
     * point): what a reader of stored values must take, as PostgreSQL's jsonb gives every number back in plain digits.
     */
    public static final int MAX_PLAIN_NUMBER_LENGTH = MAX_INTEGER_DIGITS + MAX_SCALE + 2;
    /** A line break before a line that starts with an address part's name: where an export begins the next address. */
    private static final Pattern NEXT_ADDRESS =
            Pattern.compile("\\R+(?=[ \\t]*(?:street2?|city|state|zip|country)[ \\t]*:)", Pattern.CASE_INSENSITIVE);

    private Coercion() {}

    public static Coerced coerce(Field field, Object raw) {
        if (raw == null || raw instanceof String s && s.isBlank()) {
            return Coerced.EMPTY;
        }
        String unstorable = unstorableCharacter(raw);
        if (unstorable != null) {
            return new Coerced.Invalid(field.slug() + ": " + unstorable);
        }
        if (field.multiple() || field.type() == FieldType.LIST) {
            return coerceMany(field, raw);
        }
        return coerceOne(field, raw);
    }

    /**
     * Like {@link #coerce} with the format checks off (the file workflow's skipValidation): email, phone and URL values
     * are kept as the text they are. A value that cannot be stored as its type (a number, date, boolean, option,
     * reference or address that does not parse) is still invalid.
     */
    public static Coerced coerceWithoutFormatChecks(Field field, Object raw) {
        if (field.type() == FieldType.EMAIL || field.type() == FieldType.PHONE || field.type() == FieldType.URL) {
            return coerce(new Field(field.slug(), field.label(), FieldType.TEXT, field.required(), field.description(),
                    field.options(), field.targets(), field.multiple()), raw);
        }
        return coerce(field, raw);
    }

    /**
     * What is wrong with a character no database here can store in a text of {@code raw}, or null when there is none:
     * <ul>
     *   <li>the first half of a surrogate pair standing alone (a JSON {@code "\\ud800"} escape can write one): it is
     *       not Unicode, and a database's UTF-8 would store a {@code ?} in its place;</li>
     *   <li>U+0000 (a NUL byte in a CSV cell, a JSON {@code "\\u0000"} escape): PostgreSQL refuses it in text and
     *       jsonb, which would fail the whole chunk's write and leave the row a bare {@code write_failed}; SQLite would
     *       store it, but a value must be valid or not whatever the database.</li>
     *   <li>U+0000 in a key of an object inside the value (an address's {@code "ci\\u0000ty"}), for the same
     *       reason ({@link NulCharacter#inKey}).</li>
     * </ul>
     */
    private static String unstorableCharacter(Object raw) {
        switch (raw) {
            case String s -> {
                int first = 0;
                while (first < s.length() && !Character.isSurrogate(s.charAt(first)) && s.charAt(first) != 0) {
                    first++;
                }
                for (int i = first; i < s.length(); i++) {
                    char c = s.charAt(i);
                    boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length()
                            && Character.isLowSurrogate(s.charAt(i + 1));
                    if (pair) {
                        i++;
                    } else if (Character.isSurrogate(c)) {
                        return String.format(Locale.ROOT, "expected Unicode text, got an unpaired surrogate U+%04X "
                                + "at character %d", (int) c, i + 1);
                    } else if (c == 0) {
                        return "the text holds a NUL character (U+0000) at character " + (i + 1)
                                + ", which cannot be stored";
                    }
                }
                return null;
            }
            case List<?> list -> {
                for (Object item : list) {
                    String found = item == null ? null : unstorableCharacter(item);
                    if (found != null) {
                        return found;
                    }
                }
                return null;
            }
            case Map<?, ?> map -> {
                // An object's keys are checked as its values are: an address's unknown part is repeated in its
                // message, and PostgreSQL would refuse the message's NUL as it refuses the value's.
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    String found = e.getKey() instanceof String key ? NulCharacter.inKey(key) : null;
                    if (found == null && e.getValue() != null) {
                        found = unstorableCharacter(e.getValue());
                    }
                    if (found != null) {
                        return found;
                    }
                }
                return null;
            }
            default -> {
                return null;
            }
        }
    }

    private static Coerced coerceMany(Field field, Object raw) {
        List<?> items = raw instanceof List<?> list ? list : splitList(field, raw);
        List<Value> values = new ArrayList<>(items.size());
        for (Object item : items) {
            Coerced one = field.type() == FieldType.LIST ? coerceListItem(field, item) : coerceLabeled(field, item);
            switch (one) {
                case Coerced.Ok ok -> values.add(ok.value());
                case Coerced.Invalid invalid -> {
                    return invalid;
                }
                case Coerced.Empty empty -> {}
            }
        }
        return values.isEmpty() ? Coerced.EMPTY : new Coerced.Ok(new Value.Many(values));
    }

    private static List<?> splitList(Field field, Object raw) {
        if (raw instanceof String s && field.type() == FieldType.LIST) {
            return List.of(s.split("[;,]"));
        }
        if (raw instanceof String s && field.type() == FieldType.ADDRESS) {
            List<Map<String, String>> labeled = labeledAddresses(s);
            if (labeled != null) {
                return labeled;
            }
        }
        return List.of(raw);
    }

    private static Coerced coerceListItem(Field field, Object item) {
        if (item instanceof String s) {
            String trimmed = s.strip();
            return trimmed.isEmpty() ? Coerced.EMPTY : new Coerced.Ok(new Value.Text(trimmed));
        }
        if (item instanceof Number n && !(n instanceof BigDecimal d && plainLength(d) > MAX_TEXT)) {
            return new Coerced.Ok(new Value.Text(numberText(n)));
        }
        if (item instanceof Boolean) {
            return new Coerced.Ok(new Value.Text(item.toString()));
        }
        return item == null ? Coerced.EMPTY : invalid(field, item);
    }

    /**
     * An element of a multi-value field: a plain value, or {"type": "Mobile", "value": "…"}. A reference keeps no
     * label (a stored reference is its target alone), so a labelled one is invalid rather than losing its label.
     */
    private static Coerced coerceLabeled(Field field, Object item) {
        if (item instanceof Map<?, ?> map && map.containsKey("value") && field.type() != FieldType.ADDRESS) {
            Object label = map.get("type") != null ? map.get("type") : map.get("label");
            if (field.type() == FieldType.REFERENCE && label instanceof String l && !l.isBlank()) {
                return new Coerced.Invalid("%s: expected %s without a label, got the label %s"
                        .formatted(field.slug(), field.type().expectation(), describe(l.strip())));
            }
            Coerced inner = coerceOne(field, map.get("value"));
            if (inner instanceof Coerced.Ok ok && label instanceof String l && !l.isBlank()) {
                return new Coerced.Ok(new Value.Labeled(l.strip(), ok.value()));
            }
            return inner;
        }
        return item == null ? Coerced.EMPTY : coerceOne(field, item);
    }

    private static Coerced coerceOne(Field field, Object raw) {
        if (raw == null || raw instanceof String s && s.isBlank()) {
            return Coerced.EMPTY;
        }
        return switch (field.type()) {
            case TEXT -> text(field, raw, MAX_TEXT);
            case LONG_TEXT -> text(field, raw, MAX_LONG_TEXT);
            case EMAIL -> matching(field, raw, Syntax::isEmail);
            case PHONE -> matching(field, raw, text -> PHONE.matcher(text).matches());
            case URL -> matching(field, raw, Syntax::isUrl);
            case INTEGER -> integer(field, raw);
            case NUMBER -> number(field, raw);
            case BOOLEAN -> bool(field, raw);
            case DATE -> date(field, raw);
            case DATETIME -> dateTime(field, raw);
            case ENUM -> option(field, raw);
            case REFERENCE -> reference(field, raw);
            case LIST -> coerceListItem(field, raw);
            case ADDRESS -> address(field, raw);
        };
    }

    private static Coerced text(Field field, Object raw, int max) {
        if (!(raw instanceof String || raw instanceof Number || raw instanceof Boolean)) {
            return invalid(field, raw);
        }
        if (raw instanceof BigDecimal d && plainLength(d) > max) {
            return new Coerced.Invalid(String.format(Locale.ROOT, "%s: expected at most %,d characters, got %,d",
                    field.slug(), max, plainLength(d)));
        }
        String s = raw instanceof Number n ? numberText(n) : raw.toString();
        int characters = characters(s);
        if (characters > max) {
            return new Coerced.Invalid(String.format(Locale.ROOT, "%s: expected at most %,d characters, got %,d",
                    field.slug(), max, characters));
        }
        return new Coerced.Ok(new Value.Text(s));
    }

    /**
     * The length limits' unit: code points, so an emoji outside the Basic Multilingual Plane is one character, not
     * the two UTF-16 units {@link String#length()} counts. A string of at most {@link #MAX_TEXT} units, under every
     * limit either way, is not counted.
     */
    private static int characters(String s) {
        return s.length() <= MAX_TEXT ? s.length() : s.codePointCount(0, s.length());
    }

    /**
     * A number as the text it becomes: plain decimal digits, never an exponent ({@code 1e3} gives {@code "1000"},
     * {@code 85.50} keeps its zero). A decimal's plain form may be long: see {@link #plainLength}.
     */
    public static String numberText(Number n) {
        return n instanceof BigDecimal d ? d.toPlainString() : n.toString();
    }

    /** The length of {@code d.toPlainString()}, without building it ({@code 1e100000000} has 100,000,001). */
    public static long plainLength(BigDecimal d) {
        long digits = d.precision();
        long scale = d.scale();
        long length = scale <= 0 ? digits - scale : scale >= digits ? scale + 2 : digits + 1;
        return length + (d.signum() < 0 ? 1 : 0);
    }

    private static Coerced matching(Field field, Object raw, Predicate<String> accepts) {
        if (!(raw instanceof String || raw instanceof Number)) {
            return invalid(field, raw);
        }
        String s = raw.toString().strip();
        if (characters(s) > MAX_TEXT || !accepts.test(s)) {
            return invalid(field, raw);
        }
        return new Coerced.Ok(new Value.Text(s));
    }

    private static Coerced integer(Field field, Object raw) {
        try {
            BigDecimal d = decimal(raw);
            if (d != null && d.stripTrailingZeros().scale() <= 0) {
                return new Coerced.Ok(new Value.Int(d.longValueExact()));
            }
        } catch (ArithmeticException tooBig) {
            return new Coerced.Invalid("%s: expected an integer from %d to %d, got %s"
                    .formatted(field.slug(), Long.MIN_VALUE, Long.MAX_VALUE, describe(raw)));
        }
        return invalid(field, raw);
    }

    private static Coerced number(Field field, Object raw) {
        BigDecimal d = decimal(raw);
        boolean storable = d != null && d.scale() <= MAX_SCALE
                && (long) d.precision() - d.scale() <= MAX_INTEGER_DIGITS;
        // 1e3 is stored as 1000, as a JSON export writes it, not as 1E+3
        return storable ? new Coerced.Ok(new Value.Decimal(d.scale() < 0 ? d.setScale(0) : d)) : invalid(field, raw);
    }

    /** The decimal a raw value denotes, or null. */
    private static BigDecimal decimal(Object raw) {
        return switch (raw) {
            case BigDecimal d -> d;
            case BigInteger i -> new BigDecimal(i);
            case Long l -> BigDecimal.valueOf(l);
            case Integer i -> BigDecimal.valueOf(i);
            case Double d when Double.isFinite(d) -> BigDecimal.valueOf(d);
            case Float f when Float.isFinite(f) -> BigDecimal.valueOf(f);
            case String s -> parseDecimal(s.strip());
            default -> null;
        };
    }

    private static BigDecimal parseDecimal(String s) {
        if (s.isEmpty() || s.length() > 100 || !(Character.isDigit(s.charAt(s.length() - 1)) || s.endsWith("."))) {
            return null;
        }
        try {
            return new BigDecimal(s);
        } catch (NumberFormatException notANumber) {
            return null;
        }
    }

    private static Coerced bool(Field field, Object raw) {
        if (raw instanceof Boolean b) {
            return new Coerced.Ok(new Value.Bool(b));
        }
        if (raw instanceof String || raw instanceof Long || raw instanceof Integer) {
            String s = raw.toString().strip().toLowerCase(Locale.ROOT);
            if (TRUE.contains(s)) {
                return new Coerced.Ok(new Value.Bool(true));
            }
            if (FALSE.contains(s)) {
                return new Coerced.Ok(new Value.Bool(false));
            }
        }
        return invalid(field, raw);
    }

    private static Coerced date(Field field, Object raw) {
        if (raw instanceof String s && hasCalendarYear(s.strip())) {
            String t = s.strip();
            LocalDate iso = isoDate(t);
            if (iso != null) {
                return new Coerced.Ok(new Value.Date(iso));
            }
            for (DateTimeFormatter format : List.of(DateTimeFormatter.ISO_LOCAL_DATE, SLASHED_DATE)) {
                try {
                    return new Coerced.Ok(new Value.Date(LocalDate.parse(t, format)));
                } catch (DateTimeParseException next) {
                    // try the next accepted form
                }
            }
            LocalDate written = dateOfDateTime(t);
            if (written != null) {
                return new Coerced.Ok(new Value.Date(written));
            }
        }
        return invalid(field, raw);
    }

    private static Coerced dateTime(Field field, Object raw) {
        if (raw instanceof String s && hasCalendarYear(s.strip())) {
            String t = s.strip();
            Instant instant = instant(t);
            if (instant != null) {
                return inCalendarYears(instant) ? new Coerced.Ok(new Value.DateTime(instant))
                        : new Coerced.Invalid(("%s: expected a date-time from 0001-01-01T00:00:00Z to "
                                + "9999-12-31T23:59:59Z in UTC, got %s").formatted(field.slug(), describe(raw)));
            }
            try {
                return new Coerced.Ok(new Value.DateTime(LocalDate.parse(t).atStartOfDay().toInstant(ZoneOffset.UTC)));
            } catch (DateTimeParseException notADate) {
                // falls through to the invalid answer
            }
        }
        return invalid(field, raw);
    }

    /**
     * Whether the text starts with a year of four ASCII digits from 0001 to 9999 and a date separator: the parsers
     * below also take a sign and more digits ({@code +10000-01-01}) and the year 0000, which no record means.
     */
    private static boolean hasCalendarYear(String t) {
        return t.length() > 4 && (t.charAt(4) == '-' || t.charAt(4) == '/') && digits(t, 0, 4) >= 1;
    }

    /**
     * {@code yyyy-MM-dd} read digit by digit, the form nearly every date cell has; null for any other text and for a
     * day the month does not have, which the formatters then answer as before. About a twelfth of an import reader's
     * time went to {@link DateTimeFormatter} parsing these (JFR, 1,000,000-row CSV). Stored dates are read with it too.
     */
    public static LocalDate isoDate(String t) {
        if (t.length() != 10 || t.charAt(4) != '-' || t.charAt(7) != '-') {
            return null;
        }
        int year = digits(t, 0, 4);
        int month = digits(t, 5, 7);
        int day = digits(t, 8, 10);
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31) {
            return null;
        }
        try {
            return LocalDate.of(year, month, day);
        } catch (DateTimeException noSuchDay) {
            return null;
        }
    }

    /** The decimal number of {@code t[from, to)}, or -1 when a character there is not an ASCII digit. */
    private static int digits(String t, int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) {
            char c = t.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /** The date as written in an ISO date-time (not moved to UTC); null when the text is not one. */
    private static LocalDate dateOfDateTime(String t) {
        try {
            return OffsetDateTime.parse(t).toLocalDate();
        } catch (DateTimeException withoutOffset) {
            try {
                return LocalDateTime.parse(t).toLocalDate();
            } catch (DateTimeException notADateTime) {
                return null;
            }
        }
    }

    /** Whether the instant's UTC year is 0001 to 9999: a written year in range can leave it by its offset. */
    private static boolean inCalendarYears(Instant instant) {
        int year = instant.atOffset(ZoneOffset.UTC).getYear();
        return year >= 1 && year <= 9999;
    }

    /** An ISO date-time with offset, or without one read as UTC; null when the text is neither. */
    private static Instant instant(String t) {
        try {
            return OffsetDateTime.parse(t).toInstant();
        } catch (DateTimeException withoutOffset) {
            try {
                return LocalDateTime.parse(t).toInstant(ZoneOffset.UTC);
            } catch (DateTimeException notADateTime) {
                return null;
            }
        }
    }

    private static Coerced option(Field field, Object raw) {
        if (raw instanceof String || raw instanceof Number || raw instanceof Boolean) {
            String s = raw.toString().strip();
            for (String option : field.options()) {
                if (option.equalsIgnoreCase(s)) {
                    return new Coerced.Ok(new Value.Text(option));
                }
            }
        }
        return new Coerced.Invalid("%s: expected one of %s, got %s"
                .formatted(field.slug(), String.join(", ", field.options()), describe(raw)));
    }

    private static Coerced reference(Field field, Object raw) {
        if (raw instanceof String || raw instanceof Long || raw instanceof Integer || raw instanceof BigInteger) {
            String s = raw.toString().strip();
            if (characters(s) <= MAX_TEXT) {
                return new Coerced.Ok(new Value.Ref(s, null, null));
            }
        }
        return invalid(field, raw);
    }

    private static Coerced address(Field field, Object raw) {
        if (raw instanceof String s) {
            List<Map<String, String>> labeled = labeledAddresses(s);
            if (labeled != null && labeled.size() == 1) {
                return address(field, labeled.getFirst());
            }
            return new Coerced.Ok(new Value.Address(s.strip(), null, null, null, null, null));
        }
        if (!(raw instanceof Map<?, ?> map)) {
            return invalid(field, raw);
        }
        String[] parts = new String[Value.Address.PARTS.size()];
        for (Map.Entry<?, ?> e : map.entrySet()) {
            int i = Value.Address.PARTS.indexOf(String.valueOf(e.getKey()));
            if (i < 0) {
                return new Coerced.Invalid("%s: expected address parts %s, got an unknown part \"%s\""
                        .formatted(field.slug(), String.join(", ", Value.Address.PARTS), e.getKey()));
            }
            Object part = e.getValue();
            if (part != null && !(part instanceof String || part instanceof Number)) {
                return new Coerced.Invalid("%s: expected text for address part \"%s\", got %s"
                        .formatted(field.slug(), e.getKey(), describe(part)));
            }
            parts[i] = part == null || part.toString().isBlank() ? null : part.toString().strip();
        }
        Value.Address address = new Value.Address(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]);
        return Value.Address.PARTS.stream().allMatch(p -> address.part(p) == null)
                ? Coerced.EMPTY
                : new Coerced.Ok(address);
    }

    /**
     * Addresses written as their labeled parts, as an export's text cells hold them: {@code "street: 1 Main St; city:
     * Springfield; zip: 62704"} (part names from {@link Value.Address#PARTS}, in any case and order; a line that starts
     * with a part name, or a part named again, starts the next address). Null when the text is not that.
     */
    static List<Map<String, String>> labeledAddresses(String text) {
        List<Map<String, String>> addresses = new ArrayList<>();
        for (String lines : NEXT_ADDRESS.split(text)) {
            if (lines.isBlank()) {
                continue;
            }
            List<Map<String, String>> some = labeledAddressesOnLines(lines);
            if (some == null) {
                return null;
            }
            addresses.addAll(some);
        }
        return addresses.isEmpty() ? null : addresses;
    }


    private static List<Map<String, String>> labeledAddressesOnLines(String text) {
        List<Map<String, String>> addresses = new ArrayList<>();
        Map<String, String> current = new LinkedHashMap<>();
        for (String segment : text.split(";")) {
            String t = segment.strip();
            if (t.isEmpty()) {
                continue;
            }
            int colon = t.indexOf(':');
            String part = colon <= 0 ? null : t.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            if (part == null || !Value.Address.PARTS.contains(part)) {
                return null;
            }
            if (current.containsKey(part)) {
                addresses.add(current);
                current = new LinkedHashMap<>();
            }
            current.put(part, t.substring(colon + 1).strip());
        }
        if (!current.isEmpty()) {
            addresses.add(current);
        }
        return addresses.isEmpty() ? null : addresses;
    }

    private static Coerced.Invalid invalid(Field field, Object raw) {
        return new Coerced.Invalid("%s: expected %s, got %s"
                .formatted(field.slug(), field.type().expectation(), describe(raw)));
    }

    /**
     * How a message shows a raw value: strings quoted and cut at 60 characters, containers by kind. In a string, a
     * character that would not be seen (a no-break space, a zero-width space, a control character) is written as its
     * JSON escape.
     */
    public static String describe(Object raw) {
        return switch (raw) {
            case null -> "null";
            case String s -> quote(s.length() > 60
                    ? s.substring(0, Character.isHighSurrogate(s.charAt(59)) ? 59 : 60) + "…"
                    : s);
            case List<?> l -> "an array";
            case Map<?, ?> m -> "an object";
            default -> raw.toString();
        };
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    // A no-break space, a zero-width space or a control character would be invisible in the message.
                    boolean invisible = c != ' ' && Character.isSpaceChar(c) || Character.isISOControl(c)
                            || Character.getType(c) == Character.FORMAT;
                    if (invisible) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
