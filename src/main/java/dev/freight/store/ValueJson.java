package dev.freight.store;

import dev.freight.schema.Coercion;
import dev.freight.schema.Field;
import dev.freight.schema.FieldType;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.PlainValues;
import dev.freight.schema.Value;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** The JSON form of a record's values in the {@code data} column. Thread-safe. */
public final class ValueJson {

    /**
     * Takes every number a record may hold: PostgreSQL's jsonb answers {@code 1E-10000} as 10,002 plain characters,
     * past Jackson's default of 1,000, which made such a record unreadable there.
     */
    private static final JsonMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNumberLength(Coercion.MAX_PLAIN_NUMBER_LENGTH).build())
                    .build())
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {};

    private ValueJson() {}

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();
    /** The longest plain text of a PostgreSQL {@code numeric}: 131,072 digits before the point, 16,383 after, a sign. */
    private static final long MAX_PLAIN_NUMBER = 131_072 + 1 + 16_383 + 1;

    /**
     * The values as a JSON object, in map order: the same text as Jackson gives for their plain form with
     * {@code WRITE_BIGDECIMAL_AS_PLAIN} (ValueJsonTest holds it to that), written straight into one buffer; this runs
     * once for every row an import writes.
     */
    public static String encode(Map<String, Value> values) {
        StringBuilder out = new StringBuilder(64 + values.size() * 32);
        out.append('{');
        for (Map.Entry<String, Value> e : values.entrySet()) {
            if (out.length() > 1) {
                out.append(',');
            }
            string(out, e.getKey()).append(':');
            write(out, e.getValue());
        }
        return out.append('}').toString();
    }

    private static void write(StringBuilder out, Value value) {
        switch (value) {
            case Value.Text t -> string(out, t.value());
            case Value.Decimal d -> decimal(out, d.value());
            case Value.Int i -> out.append(i.value());
            case Value.Bool b -> out.append(b.value());
            case Value.Date d -> string(out, d.value().toString());
            case Value.DateTime d -> string(out, d.value().toString());
            case Value.Ref r -> {
                out.append("{\"external_id\":");
                string(out, r.externalId()).append(",\"object\":");
                string(out, r.object()).append(",\"id\":");
                string(out, r.id()).append('}');
            }
            case Value.Many m -> {
                out.append('[');
                for (int i = 0; i < m.values().size(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    write(out, m.values().get(i));
                }
                out.append(']');
            }
            case Value.Labeled l -> {
                out.append("{\"type\":");
                string(out, l.label()).append(",\"value\":");
                write(out, l.value());
                out.append('}');
            }
            case Value.Address a -> {
                out.append('{');
                boolean first = true;
                for (String part : Value.Address.PARTS) {
                    if (a.part(part) != null) {
                        out.append(first ? "" : ",");
                        string(out, part).append(':');
                        string(out, a.part(part));
                        first = false;
                    }
                }
                out.append('}');
            }
        }
    }

    /**
     * A number in plain digits with its scale, as PostgreSQL's jsonb prints it and the API answers it
     * ({@code 0.00000012}, not {@code 1.2E-7}; {@code 0.0000000}, not {@code 0E-7}). A number a PostgreSQL
     * {@code numeric} could not hold, which no coerced value is, keeps its exponent rather than growing to millions of
     * digits (a {@code 1E-400000} only an earlier build could have stored on SQLite).
     */
    private static void decimal(StringBuilder out, BigDecimal d) {
        out.append(Coercion.plainLength(d) <= MAX_PLAIN_NUMBER ? d.toPlainString() : d.toString());
    }

    /** A JSON string (or null), escaped as Jackson does: quote, backslash and control characters only. */
    private static StringBuilder string(StringBuilder out, String s) {
        return quoted(out, s, HEX);
    }

    /**
     * Appends {@code s} as a JSON string, or {@code null}: quote, backslash and control characters escaped, the
     * control characters without a short escape as six-character escapes in the given {@code hexDigits}, all else
     * as it is. Runs without escapes are appended whole.
     */
    public static StringBuilder quoted(StringBuilder out, String s, char[] hexDigits) {
        if (s == null) {
            return out.append("null");
        }
        out.append('"');
        int plain = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\') {
                continue;
            }
            out.append(s, plain, i);
            plain = i + 1;
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '\r' -> out.append("\\r");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> out.append("\\u00").append(hexDigits[c >> 4]).append(hexDigits[c & 0xF]);
            }
        }
        return out.append(s, plain, s.length()).append('"');
    }

    /** Decodes stored values; keys the object no longer has are kept as text so nothing stored is hidden. */
    public static Map<String, Value> decode(String json, ObjectDef object) {
        Map<String, Object> plain = JSON.readValue(json, MAP);
        Map<String, Value> values = new LinkedHashMap<>();
        // Field order, not storage order: jsonb does not keep the order keys were written in.
        for (Field field : object.fields()) {
            Object v = plain.remove(field.slug());
            if (v != null) {
                values.put(field.slug(), PlainValues.fromPlain(field, v));
            }
        }
        plain.forEach((slug, v) -> {
            if (v != null) {
                Field unknown = new Field(slug, slug, FieldType.TEXT, false, "", null, null, v instanceof List<?>);
                values.put(slug, PlainValues.fromPlain(unknown, v));
            }
        });
        return values;
    }

    /** A JSON object written by {@link #write}, as plain values in key order (fractions as BigDecimal). */
    public static Map<String, Object> readObject(String json) {
        return JSON.readValue(json, MAP);
    }

    /** Whether two stored JSON objects hold the same values, whatever their key order or spacing; false for a null. */
    public static boolean sameValues(String a, String b) {
        return a != null && b != null && (a.equals(b) || readObject(a).equals(readObject(b)));
    }

    /** Stored JSON for arbitrary plain structures (option lists, mappings). */
    public static String write(Object plain) {
        return JSON.writeValueAsString(plain);
    }

    static <T> T read(String json, TypeReference<T> type) {
        return JSON.readValue(json, type);
    }
}
