package dev.freight.store.postgres;

import dev.freight.schema.Value;
import dev.freight.store.ValueJson;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The text PostgreSQL prints for a jsonb document of record values, so an unchanged row can be recognised by comparing
 * the stored text with it instead of decoding the document. jsonb keeps an object's keys shortest first, then in byte
 * order; it prints {@code ": "} after a key and {@code ", "} between members and elements; it escapes a string's quote,
 * backslash and control characters only ({@code \b \f \n \r \t}, the others as six-character escapes in lower-case
 * hexadecimal); and it prints a number as {@code numeric} does, in plain notation with the scale it was given. A text
 * this class gets wrong only costs the comparison of the decoded values.
 */
final class JsonbText {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /** Keys as jsonb orders them: by length in UTF-8 bytes, then byte by byte. */
    private static final Comparator<String> KEY_ORDER = Comparator
            .comparingInt((String k) -> k.getBytes(StandardCharsets.UTF_8).length)
            .thenComparing((a, b) -> Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8),
                    b.getBytes(StandardCharsets.UTF_8)));

    /** A map's keys in iteration order, and in jsonb's order. */
    private record Sorted(String[] keys, String[] order) {}

    /** The keys sorted last: an import's rows mostly have the same keys, and the comparator builds byte arrays. */
    private static volatile Sorted last = new Sorted(new String[0], new String[0]);

    private JsonbText() {}

    static String of(Map<String, Value> values) {
        StringBuilder out = new StringBuilder(64 + values.size() * 34);
        String[] keys = inKeyOrder(values.keySet());
        out.append('{');
        for (String key : keys) {
            member(out, key);
            write(out, values.get(key));
        }
        return out.append('}').toString();
    }

    /** {@code keys} in jsonb's order; the last answer again when they are the same keys in the same order. */
    private static String[] inKeyOrder(Set<String> keys) {
        Sorted sorted = last;
        if (sorted.keys().length == keys.size()) {
            int i = 0;
            for (String key : keys) {
                if (!key.equals(sorted.keys()[i])) {
                    break;
                }
                i++;
            }
            if (i == keys.size()) {
                return sorted.order();
            }
        }
        String[] given = keys.toArray(String[]::new);
        String[] order = given.clone();
        Arrays.sort(order, KEY_ORDER);
        last = new Sorted(given, order);
        return order;
    }

    /** {@code "key": }, after {@code ", "} unless it is the object's first member. */
    private static void member(StringBuilder out, String key) {
        if (out.charAt(out.length() - 1) != '{') {
            out.append(", ");
        }
        string(out, key).append(": ");
    }

    private static void write(StringBuilder out, Value value) {
        switch (value) {
            case null -> out.append("null");
            case Value.Text t -> string(out, t.value());
            case Value.Decimal d -> out.append(d.value().toPlainString());
            case Value.Int i -> out.append(i.value());
            case Value.Bool b -> out.append(b.value());
            case Value.Date d -> string(out, d.value().toString());
            case Value.DateTime d -> string(out, d.value().toString());
            case Value.Ref r -> {
                // "id", "object", "external_id": already shortest first
                out.append('{');
                member(out, "id");
                string(out, r.id());
                member(out, "object");
                string(out, r.object());
                member(out, "external_id");
                string(out, r.externalId()).append('}');
            }
            case Value.Many m -> {
                out.append('[');
                for (int i = 0; i < m.values().size(); i++) {
                    if (i > 0) {
                        out.append(", ");
                    }
                    write(out, m.values().get(i));
                }
                out.append(']');
            }
            case Value.Labeled l -> {
                out.append('{');
                member(out, "type");
                string(out, l.label());
                member(out, "value");
                write(out, l.value());
                out.append('}');
            }
            case Value.Address a -> {
                List<String> parts = new ArrayList<>(Value.Address.PARTS);
                parts.sort(KEY_ORDER);
                out.append('{');
                for (String part : parts) {
                    if (a.part(part) != null) {
                        member(out, part);
                        string(out, a.part(part));
                    }
                }
                out.append('}');
            }
        }
    }

    private static StringBuilder string(StringBuilder out, String s) {
        return ValueJson.quoted(out, s, HEX);
    }
}
