package dev.freight.store;

import dev.freight.schema.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Names each resolved reference of some records by the external_id its record has now. A stored reference keeps the
 * external_id its record had when the reference was written: none for a record found by its name or created from it,
 * which may get one later, and for a reference an earlier build stored, the name that found the record. The records'
 * references are looked up by id, one query per target object; a reference whose record is gone, or that was never
 * resolved, is left as stored. A reference is named by the record of the object it names: one naming another object
 * than its record's (as an earlier build or a hand-edited record may hold) is left as stored, whatever else the read
 * names by that id, as {@link RecordStream#from} joins it. Not thread-safe; one per read.
 */
final class CurrentReferences {

    private final Map<String, Set<String>> idsByObject = new HashMap<>();
    /** Object → record id → its external_id now (null: none); a record that is gone is absent. */
    private final Map<String, Map<String, String>> current = new HashMap<>();

    /**
     * The records with their references named as their records are now; {@code records} are not changed, and a record
     * whose references already name their records so is given back as it is.
     */
    static List<StoredRecord> of(Handle h, String organizationId, List<StoredRecord> records) {
        CurrentReferences refs = new CurrentReferences();
        records.forEach(r -> r.values().values().forEach(refs::collect));
        if (refs.idsByObject.isEmpty()) {
            return records;
        }
        refs.idsByObject.forEach((object, ids) -> refs.current.put(object, RecordStore.externalIds(h, organizationId,
                object, ids)));
        List<StoredRecord> out = new ArrayList<>(records.size());
        for (StoredRecord r : records) {
            Map<String, Value> values = new LinkedHashMap<>();
            boolean renamed = false;
            for (Map.Entry<String, Value> e : r.values().entrySet()) {
                Value named = refs.named(e.getValue());
                renamed |= !named.equals(e.getValue());
                values.put(e.getKey(), named);
            }
            out.add(renamed ? new StoredRecord(r.id(), r.organizationId(), r.object(), r.externalId(), values,
                    r.createdAt(), r.updatedAt()) : r);
        }
        return out;
    }

    private void collect(Value v) {
        switch (v) {
            case Value.Ref r when r.id() != null && r.object() != null ->
                    idsByObject.computeIfAbsent(r.object(), k -> new LinkedHashSet<>()).add(r.id());
            case Value.Many m -> m.values().forEach(this::collect);
            case Value.Labeled l -> collect(l.value());
            default -> { }
        }
    }

    private Value named(Value v) {
        return switch (v) {
            case Value.Ref r when r.id() != null && r.object() != null
                    && current.getOrDefault(r.object(), Map.of()).containsKey(r.id()) ->
                    new Value.Ref(current.get(r.object()).get(r.id()), r.object(), r.id());
            case Value.Many m -> new Value.Many(m.values().stream().map(this::named).toList());
            case Value.Labeled l -> new Value.Labeled(l.label(), named(l.value()));
            default -> v;
        };
    }
}
