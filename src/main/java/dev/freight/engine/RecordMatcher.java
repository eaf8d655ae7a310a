package dev.freight.engine;

import dev.freight.schema.Field;
import dev.freight.schema.FieldType;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.Value;
import dev.freight.store.Handle;
import dev.freight.store.RecordStore;
import dev.freight.store.ValueJson;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Finds stored records by the values of match fields other than external_id (e.g. email), compared after
 * normalisation: emails ignoring case, phones by their digits, other values exactly (trimmed). Holds one key per
 * stored record of the object (and, for a key several records share, all their ids), built by one scan when the
 * import run starts; as each of the run's chunks commits, the keys of the records it created are added, and those its
 * updates gave to or took from a record are added or removed. Not thread-safe; one per import run.
 */
final class RecordMatcher {

    private final ObjectDef object;
    private final List<Field> fields;
    private final Map<String, String> idsByKey = new HashMap<>();
    /** The keys that several records have, each with all their ids (the first included). */
    private final Map<String, Set<String>> shared = new HashMap<>();

    private RecordMatcher(ObjectDef object, List<Field> fields) {
        this.object = object;
        this.fields = fields;
    }

    /** An index of the organization's stored records of {@code object} by {@code matchFields}. */
    static RecordMatcher load(Handle h, RecordStore records, String organizationId, ObjectDef object,
            List<String> matchFields) {
        List<Field> fields = matchFields.stream().map(f -> object.field(f).orElseThrow()).toList();
        RecordMatcher matcher = new RecordMatcher(object, fields);
        records.scan(h, organizationId, object, e -> {
            for (String key : matcher.keys(ValueJson.decode(e.data(), object), e.externalId())) {
                matcher.add(key, e.id());
            }
        });
        return matcher;
    }

    /** The ids of every record with one of {@code keys}, in the order found (id order, then as the run added them). */
    Set<String> all(List<String> keys) {
        Set<String> ids = new LinkedHashSet<>();
        for (String key : keys) {
            Set<String> several = shared.get(key);
            if (several != null) {
                ids.addAll(several);
            } else if (idsByKey.get(key) != null) {
                ids.add(idsByKey.get(key));
            }
        }
        return ids;
    }

    /** Notes that the record {@code id} has {@code key}, after the others that have it. */
    void add(String key, String id) {
        String first = idsByKey.putIfAbsent(key, id);
        if (first != null && !first.equals(id)) {
            shared.computeIfAbsent(key, k -> new LinkedHashSet<>(List.of(first))).add(id);
        }
    }

    /** Notes that the record {@code id} no longer has {@code key}; the others that have it keep their order. */
    void remove(String key, String id) {
        Set<String> several = shared.get(key);
        if (several == null) {
            idsByKey.remove(key, id);
            return;
        }
        several.remove(id);
        idsByKey.put(key, several.iterator().next());
        if (several.size() == 1) {
            shared.remove(key);
        }
    }

    /** The keys of a record or row: one per combination of its match fields' values; none if one is empty. */
    List<String> keys(Map<String, Value> values, String externalId) {
        List<String> keys = List.of("");
        for (Field f : fields) {
            List<String> normalized = f.slug().equals("external_id")
                    ? (externalId == null ? List.of() : List.of(externalId.strip()))
                    : normalize(f, values.get(f.slug()));
            if (normalized.isEmpty()) {
                return List.of();
            }
            List<String> next = new ArrayList<>(keys.size() * normalized.size());
            for (String prefix : keys) {
                for (String n : normalized) {
                    next.add(prefix.isEmpty() ? n : prefix + '\u001f' + n);
                }
            }
            keys = next;
        }
        return keys;
    }

    ObjectDef object() {
        return object;
    }

    private static List<String> normalize(Field f, Value v) {
        if (v == null) {
            return List.of();
        }
        if (v instanceof Value.Many many) {
            List<String> out = new ArrayList<>();
            for (Value item : many.values()) {
                out.addAll(normalize(f, item));
            }
            return out;
        }
        if (v instanceof Value.Labeled labeled) {
            return normalize(f, labeled.value());
        }
        String text = switch (v) {
            case Value.Text t -> t.value().strip();
            // The record it names: a reference to a record without an external_id has none to compare, and one
            // stored by an earlier build may hold that record's name in its place.
            case Value.Ref r -> r.id() != null ? r.id() : r.externalId();
            default -> ValueJson.encode(Map.of("v", v));
        };
        if (f.type() == FieldType.EMAIL) {
            text = text.toLowerCase(Locale.ROOT);
        } else if (f.type() == FieldType.PHONE) {
            text = text.replaceAll("[^0-9]", "");
        }
        return text.isEmpty() ? List.of() : List.of(text);
    }
}
