package dev.freight.ingest;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads JSON objects as plain Java values the way the Import API reads request bodies (fractions as
 * {@link java.math.BigDecimal}), rejecting duplicate keys, and words the errors. Trailing tokens are allowed here
 * because an object is read from the middle of a stream; the readers check what follows themselves.
 */
public final class JsonValues {

    /**
     * The parser factory. It does not detect repeated keys itself: its failure would leave the parser inside the
     * object, and {@link #readObject} reads to the object's end and then rejects just that element.
     */
    static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** Longest part of a parser message quoted in ours. */
    private static final int MAX_DETAIL = 200;

    private JsonValues() {}

    /**
     * The object starting at the parser's current START_OBJECT token, as Jackson reads it untyped (integers as
     * Integer, Long or BigInteger, fractions as BigDecimal); leaves the parser on its END_OBJECT. An object that has a
     * key twice, at any depth, is read to its end and then rejected alone with {@code repeated_key}. Its own keys
     * name the file's columns: each U+0000 in them is read as U+FFFD, as in a tabular file's header ({@link Columns}).
     * So is each half of a surrogate pair alone. Two keys that read as one column so ({@code "a\u0000"} and
     * {@code "a\uFFFD"}) are that column twice: the object is rejected alone, its message naming both keys as
     * written, each character replaced shown as its escape ({@code \u0000}).
     *
     * @param firstLine the file line of the parser's line 1
     */
    static Map<String, Object> readObject(JsonParser parser, long firstLine) {
        String[] repeated = new String[4];
        Map<String, Object> object = object(parser, firstLine, repeated, true);
        if (repeated[0] != null) {
            throw new IngestException("repeated_key", Long.parseLong(repeated[1]),
                    "%s: %sthe key \"%s\" appears twice in one object".formatted(repeated[2], repeated[3],
                            repeated[0]));
        }
        return object;
    }

    /**
     * @param repeated the first key found twice, its line, where it is, and what the file wrote when it was two
     *     different keys that read as one (a NUL character in one read as U+FFFD), once there is one
     * @param columns whether the keys name columns (a row's own, not a value's)
     */
    private static Map<String, Object> object(JsonParser parser, long firstLine, String[] repeated, boolean columns) {
        Map<String, Object> object = new LinkedHashMap<>();
        // The keys as written of the columns whose names have a U+FFFD, which a NUL in the key may have become.
        Map<String, String> written = null;
        for (JsonToken t = parser.nextToken(); t == JsonToken.PROPERTY_NAME; t = parser.nextToken()) {
            String raw = parser.currentName();
            String name = columns ? columnName(raw) : raw;
            if (object.containsKey(name) && repeated[0] == null) {
                repeated[0] = name;
                repeated[1] = String.valueOf(line(parser, firstLine));
                repeated[2] = where(parser, firstLine);
                String first = written == null ? null : written.get(name);
                repeated[3] = first == null || first.equals(raw) ? "" : "the keys \"%s\" and \"%s\" both read as"
                        .formatted(shown(first), shown(raw))
                        + " \"%s\" (a NUL character (U+0000) or half of a surrogate pair alone in a key is read as"
                        .formatted(name) + " U+FFFD), so ";
            } else if (columns && name.indexOf('\uFFFD') >= 0) {
                if (written == null) {
                    written = new HashMap<>();
                }
                written.putIfAbsent(name, raw);
            }
            parser.nextToken();
            Object value = value(parser, firstLine, repeated);
            if (repeated[0] == null) {
                object.put(name, value);
            }
        }
        return object;
    }

    /**
     * The column a record's key names: the key with U+FFFD for each NUL character and each half of a surrogate pair
     * alone (a {@code "\ud800"} escape writes one), neither of which a database stores in a name.
     */
    private static String columnName(String key) {
        StringBuilder name = null;
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < key.length()
                    && Character.isLowSurrogate(key.charAt(i + 1));
            boolean replaced = c == 0 || !pair && Character.isSurrogate(c);
            if (replaced && name == null) {
                name = new StringBuilder(key.length()).append(key, 0, i);
            }
            if (name != null) {
                name.append(replaced ? '\uFFFD' : c);
                if (pair) {
                    name.append(key.charAt(i + 1));
                }
            }
            i += pair ? 1 : 0;
        }
        return name == null ? key : name.toString();
    }

    /** {@code key} with each character {@link #columnName} replaces written as its JSON escape ({@code \u0000}). */
    private static String shown(String key) {
        StringBuilder shown = new StringBuilder(key.length());
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < key.length()
                    && Character.isLowSurrogate(key.charAt(i + 1));
            if (pair) {
                shown.append(c).append(key.charAt(++i));
            } else if (c == 0 || Character.isSurrogate(c)) {
                shown.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
            } else {
                shown.append(c);
            }
        }
        return shown.toString();
    }

    private static Object value(JsonParser parser, long firstLine, String[] repeated) {
        return switch (parser.currentToken()) {
            case START_OBJECT -> object(parser, firstLine, repeated, false);
            case START_ARRAY -> {
                List<Object> items = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    items.add(value(parser, firstLine, repeated));
                }
                yield items;
            }
            case VALUE_STRING -> parser.getString();
            case VALUE_NUMBER_INT -> parser.getNumberValue();
            case VALUE_NUMBER_FLOAT -> parser.getDecimalValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            default -> null;
        };
    }

    /** How a message names a token that is not an object: "an array", "a string", …. */
    static String describe(JsonToken token) {
        if (token == null) {
            return "the end of the file";
        }
        return switch (token) {
            case START_ARRAY -> "an array";
            case START_OBJECT -> "an object";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            case END_ARRAY -> "the end of the array";
            case END_OBJECT -> "the end of the object";
            case PROPERTY_NAME -> "a property name";
            default -> "something else";
        };
    }

    /**
     * A {@code malformed_json} exception for a parser failure; {@code firstLine} is the file line of the parser's
     * line 1 (NDJSON parses one line at a time).
     */
    static IngestException malformed(JacksonException e, long firstLine) {
        TokenStreamLocation at = e.getLocation();
        long line = at == null || at.getLineNr() < 1 ? firstLine : firstLine + at.getLineNr() - 1;
        String column = at == null || at.getColumnNr() < 1 ? "" : ", column " + at.getColumnNr();
        return new IngestException("malformed_json", line,
                "Line %d%s: invalid JSON: %s".formatted(line, column, detail(e, lowSurrogate(e))), e);
    }

    /**
     * The character after the one a character parser stopped at, when it is the second half of a surrogate pair:
     * Jackson names only the first half of a character beyond U+FFFF (an emoji), and leaves the second unread in
     * its buffer, or in its input when the first half ended the buffer. 0 when there is none, or the parser is
     * closed.
     */
    private static char lowSurrogate(JacksonException e) {
        if (!(e.processor() instanceof JsonParser parser) || parser.isClosed()) {
            return 0;
        }
        try {
            StringWriter rest = new StringWriter();
            parser.releaseBuffered(rest);
            int next = rest.getBuffer().isEmpty() && parser.streamReadInputSource() instanceof Reader input
                    ? input.read() : rest.getBuffer().isEmpty() ? -1 : rest.getBuffer().charAt(0);
            return next >= 0 && Character.isLowSurrogate((char) next) ? (char) next : 0;
        } catch (JacksonException | IOException unread) {
            return 0;
        }
    }

    /**
     * What Jackson found wrong, as a sentence of ours: its own messages name parser internals ("close marker",
     * "CTRL-CHAR", "[Source: REDACTED …]"). A message no rule knows is given as its first line without the source
     * part, cut short.
     */
    public static String detail(JacksonException e) {
        return detail(e, (char) 0);
    }

    /** {@link #detail(JacksonException)}, where {@code low} (when not 0) follows the character Jackson names. */
    private static String detail(JacksonException e, char low) {
        String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        for (Wording w : WORDINGS) {
            Matcher m = w.pattern().matcher(message);
            if (m.lookingAt()) {
                return w.sentence().apply(new Found(m, low));
            }
        }
        int end = message.indexOf('\n');
        message = SOURCE.matcher(end < 0 ? message : message.substring(0, end)).replaceAll("");
        if (message.isBlank()) {
            return "the JSON cannot be read";
        }
        return message.length() > MAX_DETAIL ? message.substring(0, MAX_DETAIL) + "…" : message;
    }

    /** A Jackson message (from its start) and our sentence for what it matched. */
    private record Wording(Pattern pattern, Function<Found, String> sentence) {
        Wording(String regex, Function<Found, String> sentence) {
            this(Pattern.compile(regex, Pattern.DOTALL), sentence);
        }

        Wording(String regex, String sentence) {
            this(regex, m -> sentence);
        }
    }

    /**
     * How Jackson names a character in its messages: quoted with its code, in decimal (and hex past 255), or, for a
     * control character, by its code alone. {@link #found} says it our way.
     */
    private static final String CHARACTER =
            "(?:'(?<text>.+?)' \\(code \\d+(?: / 0x\\p{XDigit}+)?\\)|\\(CTRL-CHAR, code (?<control>\\d+)\\))";

    /**
     * What a {@link Wording} matched in a Jackson message, and the second half of the surrogate pair whose first half
     * the message names (0 when it names none, or the rest of the input was not at hand).
     */
    private record Found(Matcher matcher, char low) {
        String group(int group) {
            return matcher.group(group);
        }

        String group(String group) {
            return matcher.group(group);
        }
    }

    /**
     * The character a {@link #CHARACTER} matched, as a message shows it: quoted ({@code ']'}), or as its code point
     * ({@code U+FEFF}) when it cannot be seen: a control character, a format character such as a byte order mark,
     * white space other than the space. A character beyond U+FFFF (an emoji), of which Jackson names only the first
     * half, is named by its whole code point ({@code U+1F600}); a lone half of a surrogate pair by its own.
     */
    private static String found(Found m) {
        String control = m.group("control");
        String text = m.group("text");
        int code = control != null ? Integer.parseInt(control) : text.codePointAt(0);
        if (Character.isHighSurrogate((char) code) && m.low() != 0) {
            return "U+%04X".formatted(Character.toCodePoint((char) code, m.low()));
        }
        boolean invisible = Character.isISOControl(code) || Character.getType(code) == Character.FORMAT
                || Character.getType(code) == Character.SURROGATE
                || code != ' ' && (Character.isWhitespace(code) || Character.isSpaceChar(code));
        return invisible ? "U+%04X".formatted(code) : "'" + text + "'";
    }

    private static final List<Wording> WORDINGS = List.of(
            new Wording("Unexpected end-of-input: expected close marker for Object", "the object is not closed"),
            new Wording("Unexpected end-of-input: expected close marker for Array", "the array is not closed"),
            new Wording("Unexpected end-of-input: was expecting closing quote", "the string is not closed"),
            new Wording("Unexpected end-of-input within/between Object", "the object is not closed"),
            new Wording("Unexpected end-of-input within/between Array", "the array is not closed"),
            new Wording("Unexpected end-of-input", "the JSON ends too early"),
            new Wording("Unexpected character \\(" + CHARACTER + "\\): was expecting a colon",
                    m -> "expected ':' after the key, found " + found(m)),
            new Wording("Unexpected character \\(" + CHARACTER + "\\): was expecting double-quote",
                    m -> "expected a key in double quotes, found " + found(m)),
            new Wording("Unexpected character \\(" + CHARACTER + "\\): was expecting comma",
                    m -> "expected ',' between entries, found " + found(m)),
            new Wording("Unexpected character \\(" + CHARACTER + "\\) in numeric value",
                    m -> "expected a digit in the number, found " + found(m)),
            new Wording("Unexpected character \\(" + CHARACTER + "\\): expected a hex-digit",
                    m -> "expected four hex digits after \\u in the string, found " + found(m)),
            new Wording("Unexpected character \\(" + CHARACTER + "\\)", m -> "expected a value, found " + found(m)),
            new Wording("Illegal character \\(" + CHARACTER + "\\): only regular white space",
                    m -> "expected a value, found " + found(m) + "; only spaces, tabs and line breaks may separate"
                            + " values"),
            new Wording("Unrecognized token '(.*?)':", m -> "expected a value, found '" + m.group(1) + "'"),
            new Wording("Non-standard token '(.*?)'", m -> "expected a value, found '" + m.group(1) + "'"),
            new Wording("Invalid numeric value", "the number is not valid JSON (no leading zeros, + sign, NaN or hex)"),
            new Wording("Illegal unquoted character", "a control character in a string (a line break, a tab) must be"
                    + " escaped"),
            new Wording("Unrecognized character escape '(.)'",
                    m -> "expected an escape such as \\n or \\\" in the string, found \\" + m.group(1)),
            new Wording("Unexpected close marker '(.)': expected '(.)'",
                    m -> "found '" + m.group(1) + "' where '" + m.group(2) + "' closes the object or array"),
            new Wording("Unexpected close marker '(.)': no open",
                    m -> "found '" + m.group(1) + "' where no object or array is open to close"),
            new Wording("Document nesting depth \\(\\d+\\) exceeds the maximum allowed \\((\\d+)",
                    m -> "arrays and objects nest more than " + m.group(1) + " deep"),
            new Wording("Number value length \\(\\d+\\) exceeds the maximum allowed \\((\\d+)",
                    m -> "a number has more than " + m.group(1) + " characters"),
            new Wording("String value length \\(\\d+\\) exceeds the maximum allowed \\((\\d+)",
                    m -> "a string has more than " + m.group(1) + " characters"),
            new Wording("Duplicate Object property \"(.*)\"",
                    m -> "the key \"" + m.group(1) + "\" appears twice in one object"));

    /** Where Jackson's messages say which source they read, which is never ours to show. */
    private static final Pattern SOURCE = Pattern.compile("\\s*\\(?(?:start marker at |for \\w+ starting at )?"
            + "\\[Source:.*$|\\s*at \\[Source:.*$");

    /** Where the parser's current token starts, as "Line 3, column 5". */
    static String where(JsonParser parser, long firstLine) {
        TokenStreamLocation at = parser.currentTokenLocation();
        return "Line %d, column %d".formatted(line(parser, firstLine), at.getColumnNr());
    }

    static long line(JsonParser parser, long firstLine) {
        return firstLine + parser.currentTokenLocation().getLineNr() - 1;
    }
}
