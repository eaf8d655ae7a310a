package dev.freight.store;

import dev.freight.schema.Field;
import dev.freight.schema.FieldType;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.PlainValues;
import dev.freight.schema.Value;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** The JSON form of a record's values in the {@code data} column. Thread-safe. */
public final class ValueJson {

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {};

    private ValueJson() {}

    /** The values as a JSON object, in map order; the same text as their plain form would give, without building it. */
    public static String encode(Map<String, Value> values) {
        StringWriter out = new StringWriter(64 + values.size() * 32);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            for (Map.Entry<String, Value> e : values.entrySet()) {
                g.writeName(e.getKey());
                write(g, e.getValue());
            }
            g.writeEndObject();
        }
        return out.toString();
    }

    private static void write(JsonGenerator g, Value value) {
        switch (value) {
            case Value.Text t -> g.writeString(t.value());
            case Value.Decimal d -> g.writeNumber(d.value());
            case Value.Int i -> g.writeNumber(i.value());
            case Value.Bool b -> g.writeBoolean(b.value());
            case Value.Date d -> g.writeString(d.value().toString());
            case Value.DateTime d -> g.writeString(d.value().toString());
            case Value.Ref r -> {
                g.writeStartObject();
                g.writeStringProperty("external_id", r.externalId());
                g.writeStringProperty("object", r.object());
                g.writeStringProperty("id", r.id());
                g.writeEndObject();
            }
            case Value.Many m -> {
                g.writeStartArray();
                for (Value item : m.values()) {
                    write(g, item);
                }
                g.writeEndArray();
            }
            case Value.Labeled l -> {
                g.writeStartObject();
                g.writeStringProperty("type", l.label());
                g.writeName("value");
                write(g, l.value());
                g.writeEndObject();
            }
            case Value.Address a -> {
                g.writeStartObject();
                for (String part : Value.Address.PARTS) {
                    if (a.part(part) != null) {
                        g.writeStringProperty(part, a.part(part));
                    }
                }
                g.writeEndObject();
            }
        }
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

    /** Stored JSON for arbitrary plain structures (option lists, mappings). */
    public static String write(Object plain) {
        return JSON.writeValueAsString(plain);
    }

    static <T> T read(String json, TypeReference<T> type) {
        return JSON.readValue(json, type);
    }
}
