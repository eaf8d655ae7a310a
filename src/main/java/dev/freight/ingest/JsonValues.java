package dev.freight.ingest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
final class JsonValues {

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

    /** Jackson's own words, first line only and cut short: enough to see what is wrong. */
    private static String detail(JacksonException e) {
        String message = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
        int newline = message.indexOf('\n');
        if (newline >= 0) {
            message = message.substring(0, newline);
        }
        return message.length() > MAX_DETAIL ? message.substring(0, MAX_DETAIL) + "…" : message;
    }

    /** Where the parser's current token starts, as "Line 3, column 5". */
    static String where(JsonParser parser, long firstLine) {
        TokenStreamLocation at = parser.currentTokenLocation();
        return "Line %d, column %d".formatted(line(parser, firstLine), at.getColumnNr());
    }

    static long line(JsonParser parser, long firstLine) {
        return firstLine + parser.currentTokenLocation().getLineNr() - 1;
    }
}
