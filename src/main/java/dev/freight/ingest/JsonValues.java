package dev.freight.ingest;

import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads JSON objects as plain Java values the way the Import API reads request bodies (fractions as
 * {@link java.math.BigDecimal}), rejecting duplicate keys, and words the errors. Trailing tokens are allowed here
 * because an object is read from the middle of a stream; the readers check what follows themselves.
 */
final class JsonValues {

    static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private static final TypeReference<LinkedHashMap<String, Object>> OBJECT = new TypeReference<>() {};
    /** Longest part of a parser message quoted in ours. */
    private static final int MAX_DETAIL = 200;

    private JsonValues() {}

    /** The object starting at the parser's current START_OBJECT token; leaves the parser on its END_OBJECT. */
    static Map<String, Object> readObject(JsonParser parser) {
        return MAPPER.readValue(parser, OBJECT);
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
