package dev.freight.engine;

import dev.freight.schema.Field;
import dev.freight.schema.FieldType;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.Schema;
import dev.freight.schema.Value;
import dev.freight.store.Handle;
import dev.freight.store.RecordStore;
import dev.freight.store.ValueJson;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The stored references into records of some objects (the targets), for deleting such a record without leaving a
 * reference that names nothing: rollback, and a workflow row rejected after its last row. There is no index of
 * references, so {@link #scan} reads every record of each object with a reference field that may name a target.
 * Immutable; thread-safe.
 */
final class ReferringRecords {

    /** A reference {@code from} holds in {@code field} of its {@code object} to the record {@code to}. */
    record Reference(ObjectDef object, RecordStore.Existing from, Field field, String to) {}

    private final Set<String> targets;
    /** Per object, its reference fields that may name a target. */
    private final Map<ObjectDef, List<Field>> fields = new LinkedHashMap<>();

    ReferringRecords(Schema schema, Set<String> targets) {
        this.targets = Set.copyOf(targets);
        for (ObjectDef object : schema.objects()) {
            for (Field field : object.fields()) {
                if (field.type() == FieldType.REFERENCE && field.targets().stream().anyMatch(this.targets::contains)) {
                    fields.computeIfAbsent(object, o -> new ArrayList<>()).add(field);
                }
            }
        }
    }

    /** Whether no object can refer to a target. */
    boolean isEmpty() {
        return fields.isEmpty();
    }

    /** The objects that may refer to a target, in schema order. */
    Set<ObjectDef> objects() {
        return Collections.unmodifiableSet(fields.keySet());
    }

    /**
     * Every stored record of each object that may refer to a target (but those {@code notCreatedBy} created, when it
     * is not null), through {@link #references}.
     */
    void scan(RecordStore records, Handle h, String organizationId, String notCreatedBy, Consumer<Reference> each) {
        for (ObjectDef object : fields.keySet()) {
            Consumer<RecordStore.Existing> sink = record -> references(record, object, each);
            if (notCreatedBy == null) {
                records.scan(h, organizationId, object, sink);
            } else {
                records.scanNotCreatedBy(h, organizationId, object, notCreatedBy, sink);
            }
        }
    }

    /**
     * The references {@code record} (of {@code object}) holds to records of the targets other than itself, each
     * target record once.
     */
    void references(RecordStore.Existing record, ObjectDef object, Consumer<Reference> each) {
        List<Field> referring = fields.get(object);
        // A reference names its object as a JSON string: a record that holds no such string is not decoded.
        if (referring == null || targets.stream().noneMatch(t -> record.data().contains("\"" + t + "\""))) {
            return;
        }
        Map<String, Value> values = ValueJson.decode(record.data(), object);
        Set<String> named = new HashSet<>();
        for (Field field : referring) {
            for (Value.Ref ref : ReferenceResolver.refs(values.get(field.slug()))) {
                if (ref.id() != null && targets.contains(ref.object()) && !ref.id().equals(record.id())
                        && named.add(ref.id())) {
                    each.accept(new Reference(object, record, field, ref.id()));
                }
            }
        }
    }
}
