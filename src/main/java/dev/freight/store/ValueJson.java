package dev.freight.store;

import dev.freight.schema.Field;
import dev.freight.schema.FieldType;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.PlainValues;
import dev.freight.schema.Value;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    public static String encode(Map<String, Value> values) {
        return JSON.writeValueAsString(PlainValues.toPlain(values));
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
