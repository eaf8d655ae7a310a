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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Which of the records of one object an import means to delete (a {@code delete} row's, or one the overwrite cleanup
 * found missing from the file) other records still refer to, so that deleting them would leave a reference naming no
 * record. The database counts the records outside the candidates that refer to each candidate
 * ({@link ReferringRecords#referrers}), and finds the references among the candidates; the rest is decided here, so
 * what is held is bounded by the candidates however many records refer to them. Immutable; thread-safe.
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

    /**
     * What the database found of the references to some candidates: per object that may refer to them (in schema
     * order), one answer per candidate the object's records outside the candidates refer to; and the references the
     * candidates hold to one another, in the order {@link ReferringRecords#within} gives them.
     */
    record Found(List<ReferringRecords.Referrers> outside, List<ReferringRecords.Reference> among) {

        static final Found NONE = new Found(List.of(), List.of());

        /** How many answers and references this holds. */
        int held() {
            return outside.size() + among.size();
        }
    }

    private final ObjectDef object;
    private final ReferringRecords referring;

    StillReferred(Schema schema, ObjectDef object) {
        this.object = object;
        this.referring = new ReferringRecords(schema, Set.of(object.slug()));
    }

    /** Whether no object can refer to a record of the object: then nothing is ever still referred to. */
    boolean isEmpty() {
        return referring.isEmpty();
    }

    /**
     * The stored references to {@code candidates} (record ids): counted per candidate for the records outside them
     * (but those of {@code pendingOf}'s pending put-off rows, when it is not null), each of the candidates' own. The
     * caller's transaction has locked the candidates to be deleted ({@link RecordStore#existingToDelete},
     * {@link RecordStore#unseenToDelete}, {@link RecordStore#lockToDelete}), so a reference another writer stores to
     * one of them is either seen here or finds its record gone: never both missed and stored.
     */
    Found references(RecordStore records, Handle h, String organizationId, Collection<String> candidates,
            String pendingOf) {
        if (candidates.isEmpty()) {
            return Found.NONE;
        }
        List<ReferringRecords.Referrers> outside = new ArrayList<>();
        referring.referrers(records, h, organizationId, candidates, pendingOf, outside::add);
        List<ReferringRecords.Reference> among = new ArrayList<>();
        referring.within(records, h, organizationId, object, candidates, among::add);
        return new Found(outside, among);
    }

    /**
     * Marks rejected the pending put-off rows of {@code importId} (a delete import's) whose records a record that is
     * not such a row's still refers to, and in turn those such a row's record refers to, however long the chain: the
     * database finds and marks them in one statement, so nothing is held here however many rows the import put off.
     * Returns how many statements it ran (a hook of the pipeline's tests counts them).
     */
    int rejectPutOff(RecordStore records, Handle h, String organizationId, String importId) {
        referring.rejectReferredPutOff(records, h, organizationId, object, importId);
        return 1;
    }

    /**
     * After an overwrite cleanup's walk: moves its records left for after the walk (in {@code import_deferred}, see
     * {@link dev.freight.store.ImportStore#clearCleanup}) that a record that is not one of them refers to, and in turn
     * those such a record refers to, to those held: the database finds and moves them in one statement. Returns how
     * many statements it ran.
     */
    int holdCleanup(RecordStore records, Handle h, String organizationId, String importId) {
        referring.holdReferredCleanup(records, h, organizationId, object, importId);
        return 1;
    }

    /**
     * The held record {@link #kept} would list first had it been given all the records left for after the walk (once
     * those not held are deleted), with its keeper: the target of the first reference from a record that is not held,
     * counted with every record that refers to it now. Empty when none is held.
     */
    Optional<Map.Entry<String, Keeper>> firstHeld(RecordStore records, Handle h, String organizationId,
            String importId) {
        Optional<ReferringRecords.Reference> first = referring.firstReferenceToHeld(records, h, organizationId,
                importId);
        if (first.isEmpty()) {
            return Optional.empty();
        }
        ReferringRecords.Reference r = first.get();
        long[] count = {0};
        referring.referrers(records, h, organizationId, Set.of(r.to()), null, found -> count[0] += found.count());
        return Optional.of(Map.entry(r.to(), new Keeper(r.object().slug(), r.from(), r.field().slug(),
                Math.toIntExact(count[0]))));
    }

    /**
     * The candidates that must stay, by id, each with what keeps it: those a record that is not a candidate refers to
     * (unless {@code goes} says the records of its object are deleted too), and in turn those a candidate that stays
     * refers to. A reference from a candidate that goes keeps nothing, so candidates that refer only to one another
     * all go.
     */
    static Map<String, Keeper> kept(Found found, Predicate<ObjectDef> goes) {
        Map<String, Keeper> kept = new LinkedHashMap<>();
        for (ReferringRecords.Referrers r : found.outside()) {
            if (!goes.test(r.object())) {
                Keeper before = kept.get(r.to());
                int count = Math.toIntExact(r.count());
                kept.put(r.to(), before == null ? new Keeper(r.object().slug(), r.from(), r.field().slug(), count)
                        : new Keeper(before.object(), before.id(), before.field(), before.count() + count));
            }
        }
        Map<String, List<ReferringRecords.Reference>> among = new HashMap<>();
        for (ReferringRecords.Reference r : found.among()) {
            among.computeIfAbsent(r.from(), f -> new ArrayList<>()).add(r);
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
