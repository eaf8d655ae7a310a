package dev.freight.engine;

import dev.freight.engine.ExecuteOptions.MergeMode;
import dev.freight.schema.Field;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.Value;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Combines an import row with a stored record by a {@link MergeMode}. Fields the row does not map are always kept.
 * Typed multi-value items (phones labelled Mobile, Work…) merge by label and addresses by part, so "prefer the import"
 * and "fill what is empty" mean the same for a phone or a zip code as for a whole field.
 */
final class Merging {

    private Merging() {}

    /** The values in the object's field order, then any keys the object does not have, as stored records keep them. */
    static Map<String, Value> inFieldOrder(ObjectDef object, Map<String, Value> values) {
        Map<String, Value> ordered = new LinkedHashMap<>();
        for (Field f : object.fields()) {
            if (values.containsKey(f.slug())) {
                ordered.put(f.slug(), values.get(f.slug()));
            }
        }
        values.forEach(ordered::putIfAbsent);
        return ordered;
    }

    /**
     * Whether a row leaves a record as it is: its values {@code after} equal the stored ones {@code before}, except
     * that a stored reference equals a resolved reference to the same record (object and id) whatever external_id
     * each holds: the stored one holds the external_id its record had when it was written (none, one a rollback took
     * back since, or a name an earlier build stored there), the row's the one the record has now. Such a row is
     * unchanged and the stored reference is kept as it is, so an export (which names the record by its external_id
     * now, or its id when it has none), or a file naming it by its id, imports back unchanged. Walks the values only
     * when they are not equal.
     */
    static boolean same(Map<String, Value> before, Map<String, Value> after) {
        if (before.equals(after)) {
            return true;
        }
        if (before.size() != after.size()) {
            return false;
        }
        for (Map.Entry<String, Value> e : before.entrySet()) {
            Value other = after.get(e.getKey());
            if (other == null || !same(e.getValue(), other)) {
                return false;
            }
        }
        return true;
    }

    private static boolean same(Value a, Value b) {
        if (a instanceof Value.Ref r && b instanceof Value.Ref s && r.id() != null && s.id() != null) {
            return r.id().equals(s.id()) && Objects.equals(r.object(), s.object());
        }
        if (a instanceof Value.Many m && b instanceof Value.Many n && m.values().size() == n.values().size()) {
            for (int i = 0; i < m.values().size(); i++) {
                if (!same(m.values().get(i), n.values().get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Value.Labeled l && b instanceof Value.Labeled k) {
            return l.label().equals(k.label()) && same(l.value(), k.value());
        }
        return a.equals(b);
    }

    /**
     * @param stored the record's values as stored
     * @param incoming the row's non-empty values
     * @param cleared fields the row maps but left empty
     * @return the merged values (a new map; neither input is changed)
     */
    static Map<String, Value> merge(MergeMode mode, Map<String, Value> stored, Map<String, Value> incoming,
            Set<String> cleared) {
        Map<String, Value> merged = new LinkedHashMap<>(stored);
        if (mode == MergeMode.OVERWRITE) {
            merged.keySet().removeAll(cleared);
        }
        incoming.forEach((field, value) -> {
            Value old = stored.get(field);
            merged.put(field, old == null || mode == MergeMode.OVERWRITE ? value : combine(mode, old, value));
        });
        return merged;
    }

    private static Value combine(MergeMode mode, Value old, Value incoming) {
        if (old instanceof Value.Address a && incoming instanceof Value.Address b) {
            return mode == MergeMode.PREFER_IMPORT ? parts(b, a) : parts(a, b);
        }
        if (old instanceof Value.Many a && incoming instanceof Value.Many b && labelled(a) && labelled(b)) {
            return mode == MergeMode.PREFER_IMPORT ? byLabel(b, a) : byLabel(a, b);
        }
        return mode == MergeMode.PREFER_IMPORT ? incoming : old;
    }

    /** Each part from {@code first} when it has one, else from {@code second}. */
    private static Value.Address parts(Value.Address first, Value.Address second) {
        String[] p = new String[Value.Address.PARTS.size()];
        for (int i = 0; i < p.length; i++) {
            String name = Value.Address.PARTS.get(i);
            p[i] = first.part(name) != null ? first.part(name) : second.part(name);
        }
        return new Value.Address(p[0], p[1], p[2], p[3], p[4], p[5]);
    }

    /** The items of {@code first}, then those of {@code second} whose label {@code first} does not have. */
    private static Value.Many byLabel(Value.Many first, Value.Many second) {
        Set<String> labels = new LinkedHashSet<>();
        List<Value> out = new ArrayList<>(first.values());
        first.values().forEach(v -> labels.add(((Value.Labeled) v).label()));
        for (Value v : second.values()) {
            if (!labels.contains(((Value.Labeled) v).label())) {
                out.add(v);
            }
        }
        return new Value.Many(out);
    }

    private static boolean labelled(Value.Many many) {
        return many.values().stream().allMatch(v -> v instanceof Value.Labeled);
    }
}
