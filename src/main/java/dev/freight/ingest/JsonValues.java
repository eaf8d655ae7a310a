package dev.freight.ingest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
     * key twice, at any depth, is read to its end and then rejected alone with {@code repeated_key}.
     *
     * @param firstLine the file line of the parser's line 1
     */
    static Map<String, Object> readObject(JsonParser parser, long firstLine) {
        String[] repeated = new String[3];
        Map<String, Object> object = object(parser, firstLine, repeated);
        if (repeated[0] != null) {
            throw new IngestException("repeated_key", Long.parseLong(repeated[1]),
                    "%s: the key \"%s\" appears twice in one object".formatted(repeated[2], repeated[0]));
        }
        return object;
    }

    /** @param repeated the first key found twice, its line and where it is, once there is one */
    private static Map<String, Object> object(JsonParser parser, long firstLine, String[] repeated) {
        Map<String, Object> object = new LinkedHashMap<>();
        for (JsonToken t = parser.nextToken(); t == JsonToken.PROPERTY_NAME; t = parser.nextToken()) {
            String name = parser.currentName();
            if (object.containsKey(name) && repeated[0] == null) {
                repeated[0] = name;
                repeated[1] = String.valueOf(line(parser, firstLine));
                repeated[2] = where(parser, firstLine);
            }
            parser.nextToken();
            Object value = value(parser, firstLine, repeated);
            if (repeated[0] == null) {
                object.put(name, value);
            }
        }
        return object;
    }

    private static Object value(JsonParser parser, long firstLine, String[] repeated) {
        return switch (parser.currentToken()) {
            case START_OBJECT -> object(parser, firstLine, repeated);
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
                "Line %d%s: invalid JSON: %s".formatted(line, column, detail(e)), e);
    }

    /**
     * What Jackson found wrong, as a sentence of ours: its own messages name parser internals ("close marker",
     * "[Source: REDACTED …]"). A message no rule knows is given as its first line without the source part, cut short.
     */
    public static String detail(JacksonException e) {
        String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        for (Wording w : WORDINGS) {
            Matcher m = w.pattern().matcher(message);
            if (m.lookingAt()) {
                return w.sentence().formatted(m.groupCount() >= 1 ? m.group(1) : "",
                        m.groupCount() >= 2 ? m.group(2) : "");
            }
        }
        int end = message.indexOf('\n');
        message = SOURCE.matcher(end < 0 ? message : message.substring(0, end)).replaceAll("");
        if (message.isBlank()) {
            return "the JSON cannot be read";
        }
        return message.length() > MAX_DETAIL ? message.substring(0, MAX_DETAIL) + "…" : message;
    }

    /** A Jackson message (from its start) and our sentence for it, with the groups as %1$s and %2$s. */
    private record Wording(Pattern pattern, String sentence) {
        Wording(String regex, String sentence) {
            this(Pattern.compile(regex, Pattern.DOTALL), sentence);
        }
    }

    private static final List<Wording> WORDINGS = List.of(
            new Wording("Unexpected end-of-input: expected close marker for Object", "the object is not closed"),
            new Wording("Unexpected end-of-input: expected close marker for Array", "the array is not closed"),
            new Wording("Unexpected end-of-input: was expecting closing quote", "the string is not closed"),
            new Wording("Unexpected end-of-input within/between Object", "the object is not closed"),
            new Wording("Unexpected end-of-input within/between Array", "the array is not closed"),
            new Wording("Unexpected end-of-input", "the JSON ends too early"),
            new Wording("Unexpected character \\('(.)' \\(code \\d+\\)\\): was expecting a colon",
                    "expected ':' after the key, found '%1$s'"),
            new Wording("Unexpected character \\('(.)' \\(code \\d+\\)\\): was expecting double-quote",
                    "expected a key in double quotes, found '%1$s'"),
            new Wording("Unexpected character \\('(.)' \\(code \\d+\\)\\): was expecting comma",
                    "expected ',' between entries, found '%1$s'"),
            new Wording("Unexpected character \\('(.)' \\(code \\d+\\)\\) in numeric value",
                    "expected a digit in the number, found '%1$s'"),
            new Wording("Unexpected character \\('(.)' \\(code \\d+\\)\\)", "expected a value, found '%1$s'"),
            new Wording("Unrecognized token '(.*?)':", "expected a value, found '%1$s'"),
            new Wording("Non-standard token '(.*?)'", "expected a value, found '%1$s'"),
            new Wording("Invalid numeric value", "the number is not valid JSON (no leading zeros, + sign, NaN or hex)"),
            new Wording("Illegal unquoted character", "a control character in a string (a line break, a tab) must be"
                    + " escaped"),
            new Wording("Unrecognized character escape '(.)'", "expected an escape such as \\n or \\\" in the string,"
                    + " found \\%1$s"),
            new Wording("Unexpected close marker '(.)': expected '(.)'", "found '%1$s' where '%2$s' closes the"
                    + " object or array"),
            new Wording("Document nesting depth \\(\\d+\\) exceeds the maximum allowed \\((\\d+)",
                    "arrays and objects nest more than %1$s deep"),
            new Wording("Number value length \\(\\d+\\) exceeds the maximum allowed \\((\\d+)",
                    "a number has more than %1$s characters"),
            new Wording("String value length \\(\\d+\\) exceeds the maximum allowed \\((\\d+)",
                    "a string has more than %1$s characters"),
            new Wording("Duplicate Object property \"(.*)\"", "the key \"%1$s\" appears twice in one object"));

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
