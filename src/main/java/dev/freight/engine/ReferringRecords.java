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
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The stored references into records of some objects (the targets), for deleting such a record without leaving a
 * reference that names nothing: rollback, a workflow row rejected after its last row, and a delete row's or the
 * overwrite cleanup's records ({@link StillReferred}). There is no index of
 * references: {@link #scan} has the database look through the records of each object with a reference field that may
 * name a target, and hand back only the references to the records being deleted (before, every record of those objects
 * came back to be decoded here). Immutable; thread-safe.
 */
final class ReferringRecords {

    /**
     * A reference {@code from} (a record of {@code object}, whose external_id is {@code fromExternalId}, null when it has
     * none) holds in {@code field} to the record {@code to}.
     */
    record Reference(ObjectDef object, String from, String fromExternalId, Field field, String to) {}

    /**
     * {@code count} records of {@code object} refer to the record {@code to}, the first of them by id {@code from}
     * (whose external_id is {@code fromExternalId}, null when it has none), first in {@code field}.
     */
    record Referrers(ObjectDef object, String to, long count, String from, String fromExternalId, Field field) {}

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
     * The references each object that may refer to a target holds to the records {@code referred} names (but those of
     * the records {@code notCreatedBy} created, when it is not null), through {@link RecordStore#references}: in schema
     * order of the objects, then by the referring record's id, each target record once per referring record, in the
     * first field (in field order) that names it. Returns how many rows the database handed back.
     */
    long scan(RecordStore records, Handle h, String organizationId, RecordStore.Referred referred, String notCreatedBy,
            Consumer<Reference> each) {
        long read = 0;
        for (Map.Entry<ObjectDef, List<Field>> e : fields.entrySet()) {
            read += scan(records, h, organizationId, e.getKey(), e.getValue(), referred, notCreatedBy, each);
        }
        return read;
    }

    /**
     * {@link #scan} of the references the records {@code ids}, all of {@code object}, hold to one another
     * ({@link RecordStore.Referred.Within}): only {@code object}'s records can be among them, so only its reference
     * fields are read, and no record when it cannot refer to a target.
     */
    void within(RecordStore records, Handle h, String organizationId, ObjectDef object, Collection<String> ids,
            Consumer<Reference> each) {
        for (Map.Entry<ObjectDef, List<Field>> e : fields.entrySet()) {
            if (e.getKey().slug().equals(object.slug())) {
                scan(records, h, organizationId, e.getKey(), e.getValue(), new RecordStore.Referred.Within(ids), null,
                        each);
            }
        }
    }

    /** {@link #scan} of the records of {@code object}, through its fields {@code referring}. */
    private long scan(RecordStore records, Handle h, String organizationId, ObjectDef object, List<Field> referring,
            RecordStore.Referred referred, String notCreatedBy, Consumer<Reference> each) {
        // Rows come by record, so only the current record's targets are remembered.
        String[] from = {null};
        Set<String> named = new HashSet<>();
        return records.references(h, organizationId, object, referring.stream().map(Field::slug).toList(), targets,
                referred, notCreatedBy, r -> {
                    if (!r.fromId().equals(from[0])) {
                        from[0] = r.fromId();
                        named.clear();
                    }
                    if (named.add(r.toId())) {
                        each.accept(new Reference(object, r.fromId(), r.fromExternalId(), referring.get(r.field()),
                                r.toId()));
                    }
                });
    }

    /**
     * What the records of each object that may refer to a target, other than those among {@code ids} (and those of
     * {@code pendingOf}'s pending put-off rows, when it is not null), still refer to of {@code ids}: per object in
     * schema order, one answer per record of {@code ids} referred to ({@link RecordStore#referrers}).
     */
    void referrers(RecordStore records, Handle h, String organizationId, Collection<String> ids, String pendingOf,
            Consumer<Referrers> each) {
        for (Map.Entry<ObjectDef, List<Field>> e : fields.entrySet()) {
            ObjectDef object = e.getKey();
            List<Field> referring = e.getValue();
            records.referrers(h, organizationId, object, referring.stream().map(Field::slug).toList(), targets, ids,
                    pendingOf, r -> each.accept(new Referrers(object, r.toId(), r.count(), r.fromId(),
                            r.fromExternalId(), referring.get(r.field()))));
        }
    }

    /**
     * Marks rejected the pending put-off rows of {@code importId} whose records (of {@code target}, the one object of
     * the targets) a record that is not such a row's refers to, and in turn those a marked row's record refers to, in
     * one statement over every object that may refer to a target ({@link RecordStore#rejectReferredPutOff}). Returns
     * how many rows it marked.
     */
    int rejectReferredPutOff(RecordStore records, Handle h, String organizationId, ObjectDef target,
            String importId) {
        return records.rejectReferredPutOff(h, organizationId, slugs(), target, importId);
    }

    /**
     * Moves the overwrite cleanup's records left for after its walk (of {@code target}, the one object of the targets)
     * that a record that is not one of them refers to, and in turn those a moved one refers to, to those held, in one
     * statement ({@link RecordStore#holdReferredCleanup}). Returns how many it moved.
     */
    int holdReferredCleanup(RecordStore records, Handle h, String organizationId, ObjectDef target,
            String importId) {
        return records.holdReferredCleanup(h, organizationId, slugs(), target, importId);
    }

    /** Per object that may refer to a target, in schema order, the slugs of its reference fields that may. */
    private Map<ObjectDef, List<String>> slugs() {
        Map<ObjectDef, List<String>> slugs = new LinkedHashMap<>();
        fields.forEach((object, referring) -> slugs.put(object, referring.stream().map(Field::slug).toList()));
        return slugs;
    }

    /**
     * The first reference, in schema order of the objects and then as {@link #scan} orders them, from a record that
     * is not one of the cleanup's held records to one of them ({@link RecordStore#firstReferenceToHeld}).
     */
    Optional<Reference> firstReferenceToHeld(RecordStore records, Handle h, String organizationId, String importId) {
        for (Map.Entry<ObjectDef, List<Field>> e : fields.entrySet()) {
            List<Field> referring = e.getValue();
            Optional<RecordStore.Reference> first = records.firstReferenceToHeld(h, organizationId, e.getKey(),
                    referring.stream().map(Field::slug).toList(), targets, importId);
            if (first.isPresent()) {
                RecordStore.Reference r = first.get();
                return Optional.of(new Reference(e.getKey(), r.fromId(), r.fromExternalId(), referring.get(r.field()),
                        r.toId()));
            }
        }
        return Optional.empty();
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
                    each.accept(new Reference(object, record.id(), record.externalId(), field, ref.id()));
                }
            }
        }
    }
}
