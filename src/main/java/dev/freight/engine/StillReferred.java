package dev.freight.engine;

import dev.freight.schema.ObjectDef;
import dev.freight.schema.Schema;
import dev.freight.store.Handle;
import dev.freight.store.RecordStore;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Which of the records of one object an import means to delete (a {@code delete} row's, or one the overwrite cleanup
 * found missing from the file) other records still refer to, so that deleting them would leave a reference naming no
 * record. The database finds the references to the candidates ({@link ReferringRecords#scan}), one query per object
 * that may refer to them; the rest is decided here. Immutable; thread-safe.
 */
final class StillReferred {

    /**
     * Why a record stays: {@code count} records that stay refer to it, among them the record {@code id} of
     * {@code object} in {@code field}.
     */
    record Keeper(String object, String id, String field, int count) {

        /** In the words of rollback's conflicts: {@code still referred to by service 01J… (field vendor), which …}. */
        String reason(String who) {
            String referrer = object + " " + id + " (field " + field + ")";
            return count == 1 ? "still referred to by " + referrer + ", which " + who + " does not delete"
                    : "still referred to by " + count + " records " + who + " does not delete, e.g. " + referrer;
        }
    }

    private final ReferringRecords referring;

    StillReferred(Schema schema, ObjectDef object) {
        this.referring = new ReferringRecords(schema, Set.of(object.slug()));
    }

    /** Whether no object can refer to a record of the object: then nothing is ever still referred to. */
    boolean isEmpty() {
        return referring.isEmpty();
    }

    /** The stored references to {@code candidates} (record ids), each target once per referring record. */
    List<ReferringRecords.Reference> references(RecordStore records, Handle h, String organizationId,
            Collection<String> candidates) {
        List<ReferringRecords.Reference> found = new ArrayList<>();
        if (!candidates.isEmpty()) {
            referring.scan(records, h, organizationId, new RecordStore.Referred.Among(candidates), null, found::add);
        }
        return found;
    }

    /**
     * The candidates that must stay, by id, each with what keeps it: those a record that is not a candidate refers to
     * (unless {@code goes} says that record is deleted too), and in turn those a candidate that stays refers to. A
     * reference from a candidate that goes keeps nothing, so candidates that refer only to one another all go.
     */
    static Map<String, Keeper> kept(Collection<String> candidates, List<ReferringRecords.Reference> references,
            Predicate<ReferringRecords.Reference> goes) {
        Set<String> ids = candidates instanceof Set<String> s ? s : new HashSet<>(candidates);
        Map<String, Keeper> kept = new LinkedHashMap<>();
        Map<String, List<ReferringRecords.Reference>> among = new HashMap<>();
        for (ReferringRecords.Reference r : references) {
            if (ids.contains(r.from())) {
                among.computeIfAbsent(r.from(), f -> new ArrayList<>()).add(r);
            } else if (!goes.test(r)) {
                keep(kept, r);
            }
        }
        Deque<String> staying = new ArrayDeque<>(kept.keySet());
        while (!staying.isEmpty()) {
            for (ReferringRecords.Reference r : among.getOrDefault(staying.poll(), List.of())) {
                if (keep(kept, r)) {
                    staying.add(r.to());
                }
            }
        }
        return kept;
    }

    /** Counts {@code r} as keeping its target; returns whether the target was not kept before. */
    private static boolean keep(Map<String, Keeper> kept, ReferringRecords.Reference r) {
        Keeper before = kept.get(r.to());
        kept.put(r.to(), before == null ? new Keeper(r.object().slug(), r.from(), r.field().slug(), 1)
                : new Keeper(before.object(), before.id(), before.field(), before.count() + 1));
        return before == null;
    }
}
