package dev.freight.schema;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts typed values to and from plain Java structures ({@link String}, {@link java.math.BigDecimal},
 * {@link Long}, {@link Boolean}, {@link List}, {@link Map}) — the shape records have in JSON, in storage and in the API.
 */
public final class PlainValues {

    private PlainValues() {}

    public static Map<String, Object> toPlain(Map<String, Value> values) {
        Map<String, Object> plain = new LinkedHashMap<>();
        values.forEach((slug, value) -> plain.put(slug, toPlain(value)));
        return plain;
    }

    public static Object toPlain(Value value) {
        return switch (value) {
            case Value.Text t -> t.value();
            case Value.Decimal d -> d.value();
            case Value.Int i -> i.value();
            case Value.Bool b -> b.value();
            case Value.Date d -> d.value().toString();
            case Value.DateTime d -> d.value().toString();
            case Value.Ref r -> ref(r);
            case Value.Many m -> m.values().stream().map(PlainValues::toPlain).toList();
            case Value.Labeled l -> labeled(l);
            case Value.Address a -> address(a);
        };
    }

    private static Map<String, Object> ref(Value.Ref r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("external_id", r.externalId());
        m.put("object", r.object());
        m.put("id", r.id());
        return m;
    }

    private static Map<String, Object> labeled(Value.Labeled l) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", l.label());
        m.put("value", toPlain(l.value()));
        return m;
    }

    private static Map<String, Object> address(Value.Address a) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (String part : Value.Address.PARTS) {
            if (a.part(part) != null) {
                m.put(part, a.part(part));
            }
        }
        return m;
    }

    /**
     * Reads a stored plain value back for a field. Values that no longer fit the field (its type changed) come back as
     * text rather than failing the read.
     */
    public static Value fromPlain(Field field, Object plain) {
        if (plain instanceof List<?> list) {
            List<Value> values = new ArrayList<>(list.size());
            for (Object item : list) {
                values.add(fromPlain(field, item));
            }
            return new Value.Many(values);
        }
        if (plain instanceof Map<?, ?> map && field.type() != FieldType.ADDRESS
                && field.type() != FieldType.REFERENCE && map.containsKey("value")) {
            return new Value.Labeled(String.valueOf(map.get("type")), fromPlain(field, map.get("value")));
        }
        if (field.type() == FieldType.REFERENCE && plain instanceof Map<?, ?> map) {
            Object externalId = map.get("external_id");
            String id = (String) map.get("id");
            return new Value.Ref(externalId == null && id != null ? null : String.valueOf(externalId),
                    (String) map.get("object"), id);
        }
        if (field.type() == FieldType.ADDRESS && plain instanceof Map<?, ?> map) {
            return new Value.Address(part(map, "street"), part(map, "street2"), part(map, "city"),
                    part(map, "state"), part(map, "zip"), part(map, "country"));
        }
        Coerced coerced = Coercion.coerce(scalarOf(field), plain);
        return coerced instanceof Coerced.Ok ok ? ok.value() : new Value.Text(String.valueOf(plain));
    }

    private static Field scalarOf(Field field) {
        FieldType type = field.type() == FieldType.LIST ? FieldType.TEXT : field.type();
        return new Field(field.slug(), field.label(), type, false, "", field.options(), field.targets(), false);
    }

    private static String part(Map<?, ?> map, String name) {
        Object v = map.get(name);
        return v == null ? null : v.toString();
    }
}
