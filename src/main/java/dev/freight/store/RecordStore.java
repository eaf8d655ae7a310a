package dev.freight.store;

import dev.freight.schema.ObjectDef;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The records port: every object's records in one table keyed by (organization, object, external_id). All methods
 * are scoped to one organization. Thread-safe; transactions belong to the caller's {@link Handle}.
 */
public final class RecordStore {

    private final IdGenerator ids;
    private final Clock clock;
    private final Set<String> textIndexes = ConcurrentHashMap.newKeySet();

    public RecordStore(IdGenerator ids, Clock clock) {
        this.ids = ids;
        this.clock = clock;
    }

    /**
     * Inserts or updates records by external_id in as few statements as the dialect's parameter limit allows.
     * External ids must be distinct within {@code writes}. Returns one outcome per write, in the order of
     * {@code writes}.
     */
    public List<UpsertOutcome> upsert(Handle h, String organizationId, ObjectDef object, List<RecordWrite> writes) {
        return upsert(h, organizationId, object, writes, null);
    }

    /**
     * As {@link #upsert(Handle, String, ObjectDef, List)}, marking the records it creates with {@code importId}
     * (null for none), so the import's rollback can find them without a change-log row each. Writes with expected
     * versions also log each record they update in the import's change log (kind {@code updated}, the values and
     * version it had, the version written), in the database: the previous values are copied from the stored record,
     * never sent back over the wire.
     */
    public List<UpsertOutcome> upsert(Handle h, String organizationId, ObjectDef object, List<RecordWrite> writes,
            String importId) {
        if (writes.isEmpty()) {
            return List.of();
        }
        boolean checked = writes.getFirst().expectedVersion() != null;
        for (RecordWrite w : writes) {
            if ((w.expectedVersion() != null) != checked) {
                throw new IllegalArgumentException("a write list must be all blind or all with expected versions");
            }
        }
        List<String[]> staged = new ArrayList<>(writes.size());
        for (RecordWrite w : writes) {
            // An update of a record read by its key keeps the record's id: no id to propose.
            boolean update = w.expectedVersion() != null && w.expectedVersion() > 0 && w.externalId() != null;
            staged.add(new String[] {w.id() != null || update ? w.id() : newId(object), w.externalId(), w.encoded(),
                w.expectedVersion() == null ? null : w.expectedVersion().toString()});
        }
        if (checked) {
            return writeChecked(h, organizationId, object, writes, staged, importId);
        }
        Returned returned = new Returned(writes.size());
        h.dialect().upsertRecords(h, organizationId, object.slug(), staged, clock.millis(), importId, returned::row);
        return returned.outcomes(writes, staged);
    }

    /** A new id for a record of {@code object}, for a create that refers to it before it is written. */
    public String newId(ObjectDef object) {
        return ids.next(object.idPrefix());
    }

    /**
     * Writes that carry the version their writer read: updates only where the stored version still matches, inserts
     * only where no record exists. Any write that neither took effect is a concurrent change: the whole call fails with
     * {@code transient_conflict} (the caller's transaction rolls back and may run again after reading afresh).
     */
    private List<UpsertOutcome> writeChecked(Handle h, String organizationId, ObjectDef object,
            List<RecordWrite> writes, List<String[]> staged, String importId) {
        long now = clock.millis();
        Returned returned = new Returned(writes.size());
        boolean anyUpdate = false;
        for (RecordWrite w : writes) {
            anyUpdate |= w.expectedVersion() > 0;
        }
        if (!anyUpdate && h.dialect().insertRecords(h, organizationId, object.slug(), staged, now, importId)) {
            // Every write is a create: straight into the table; a key someone took meanwhile fails the call.
            List<UpsertOutcome> created = new ArrayList<>(writes.size());
            for (int i = 0; i < writes.size(); i++) {
                created.add(new UpsertOutcome(writes.get(i).externalId(), staged.get(i)[0], true, 1L));
            }
            return created;
        }
        List<String[]> updates = new ArrayList<>();
        List<String[]> inserts = new ArrayList<>();
        staged.forEach(r -> (Long.parseLong(r[3]) > 0 ? updates : inserts).add(r));
        h.dialect().updateRecords(h, organizationId, object.slug(), updates, now, importId, returned::row);
        h.dialect().insertRecordsIfAbsent(h, organizationId, object.slug(), inserts, now, importId, returned::row);
        long missed = writes.stream()
                .filter(w -> w.externalId() != null && !returned.stored.containsKey(w.externalId())).count();
        if (missed > 0) {
            throw new StoreException("transient_conflict", missed + " of " + writes.size()
                    + " records changed or appeared while they were being written", null);
        }
        return returned.outcomes(writes, staged);
    }

    /** The rows a write statement returned ({@code external_id, id, version}), gathered into outcomes. */
    private static final class Returned {
        /** External id (or id, for a record without one) → id. */
        final Map<String, String> stored;
        final Map<String, Long> versions;

        Returned(int writes) {
            stored = new HashMap<>(writes * 2);
            versions = new HashMap<>(writes * 2);
        }

        Object row(ResultSet rs) throws SQLException {
            String externalId = rs.getString(1);
            String id = rs.getString(2);
            stored.put(externalId == null ? id : externalId, id);
            versions.put(id, rs.getLong(3));
            return null;
        }

        /**
         * One outcome per write, in order. A row without external_id never conflicts, so it is stored under its
         * proposed id; otherwise the row keeps its original id on conflict, so a returned id equal to the proposed one
         * means "created".
         */
        List<UpsertOutcome> outcomes(List<RecordWrite> writes, List<String[]> rows) {
            List<UpsertOutcome> outcomes = new ArrayList<>(writes.size());
            for (int i = 0; i < writes.size(); i++) {
                RecordWrite w = writes.get(i);
                String proposed = rows.get(i)[0];
                String id = w.externalId() == null ? proposed : stored.get(w.externalId());
                outcomes.add(new UpsertOutcome(w.externalId(), id, id.equals(proposed), versions.get(id)));
            }
            return outcomes;
        }
    }

    /** Ids of the organization's records of {@code object} with the given external ids; missing ones are absent. */
    public Map<String, String> idsByExternalId(Handle h, String organizationId, String object,
            Collection<String> externalIds) {
        Map<String, String> found = new HashMap<>();
        byExternalIds(h, organizationId, object, externalIds, "external_id, id",
                rs -> found.put(rs.getString(1), rs.getString(2)));
        return found;
    }

    /**
     * The external_id of each of the organization's records of {@code object} among {@code ids}, keyed by id; the
     * value is null for a record that has none, and missing ids are absent.
     */
    public Map<String, String> externalIdsByIds(Handle h, String organizationId, String object,
            Collection<String> ids) {
        return externalIds(h, organizationId, object, ids);
    }

    /** {@link #externalIdsByIds}, for the store's classes that have no store at hand. */
    static Map<String, String> externalIds(Handle h, String organizationId, String object, Collection<String> ids) {
        Map<String, String> found = new HashMap<>();
        h.queryIn("select id, external_id from records where organization_id = ? and object = ? and %s",
                List.of(organizationId, object), "id", ids, rs -> found.put(rs.getString(1), rs.getString(2)));
        return found;
    }

    /**
     * The records with each resolved reference naming its record by the external_id that record has now (null when it
     * has none), as reading records answers them; the stored references keep the one they were written with (see
     * {@link CurrentReferences}). One query per object the references name.
     */
    public List<StoredRecord> withCurrentReferences(Handle h, String organizationId, List<StoredRecord> records) {
        return CurrentReferences.of(h, organizationId, records);
    }

    /** Runs {@code select <columns> … where external_id in (…)} in as few statements as the parameter limit allows. */
    private static void byExternalIds(Handle h, String organizationId, String object, Collection<String> externalIds,
            String columns, Handle.RowMapper<?> row) {
        h.queryIn("select " + columns + " from records where organization_id = ? and object = ? and %s",
                List.of(organizationId, object), "external_id", externalIds, row);
    }

    /** One record of the organization by id; {@code objects} gives the definition its values are read with. */
    public Optional<StoredRecord> find(Handle h, String organizationId, String id,
            Function<String, Optional<ObjectDef>> objects) {
        return h.queryFirst("select object from records where organization_id = ? and id = ?",
                        rs -> rs.getString(1), organizationId, id)
                .flatMap(objects)
                .flatMap(object -> page(h, organizationId, object, null, id, 1, null).stream().findFirst());
    }

    /**
     * One page of an object's records in id (creation) order, after {@code afterId} when given; {@code externalId}
     * and {@code id} filter exactly when non-null.
     */
    public List<StoredRecord> page(Handle h, String organizationId, ObjectDef object, String externalId, String id,
            int limit, String afterId) {
        List<RecordQuery.Condition> conditions = new ArrayList<>();
        if (externalId != null) {
            conditions.add(new RecordQuery.Equals(RecordQuery.Target.column("external_id", RecordQuery.Kind.TEXT),
                    externalId));
        }
        if (id != null) {
            conditions.add(new RecordQuery.Equals(RecordQuery.Target.column("id", RecordQuery.Kind.TEXT), id));
        }
        return page(h, organizationId, object, conditions, limit, afterId);
    }

    /**
     * One page of an object's records in id (creation) order, after {@code afterId} when given, of those meeting
     * every condition, compared as an export's filters compare them ({@link RecordStream}: a reference by the
     * external_id its record has now).
     */
    public List<StoredRecord> page(Handle h, String organizationId, ObjectDef object,
            List<RecordQuery.Condition> conditions, int limit, String afterId) {
        List<Object> params = new ArrayList<>();
        StringBuilder sql = new StringBuilder("""
                select id, organization_id, object, external_id, data, created_at, updated_at
                from\s""").append(RecordStream.from(h.dialect(), conditions, null)).append(" where ")
                .append(h.dialect().objectInIdOrder(organizationId, object, params));
        sql.append(RecordStream.conditions(h.dialect(), organizationId, object, conditions, params));
        if (afterId != null) {
            sql.append(" and id > ?");
            params.add(afterId);
        }
        sql.append(" order by id limit ").append(limit);
        return h.query(sql.toString(), rs -> new StoredRecord(
                rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                ValueJson.decode(rs.getString(5), object),
                Instant.ofEpochMilli(rs.getLong(6)), Instant.ofEpochMilli(rs.getLong(7))), params);
    }

    /** A stored record as the engine needs it to compare, log and restore: raw JSON and version. */
    public record Existing(String id, String externalId, String data, long version) {}

    /** The organization's records of {@code object} with the given external ids, keyed by external id. */
    public Map<String, Existing> existing(Handle h, String organizationId, String object,
            Collection<String> externalIds) {
        Map<String, Existing> found = new HashMap<>(externalIds.size() * 2);
        byExternalIds(h, organizationId, object, externalIds, "id, external_id, data, version", rs -> {
            Existing e = new Existing(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4));
            return found.put(e.externalId(), e);
        });
        return found;
    }

    /**
     * {@link #existing}, locking the records it finds, in id order, as {@link #lockToDelete} does: for a delete, which
     * then reads each record's values and version under its lock, so a record another writer changed meanwhile is read
     * as that writer committed it (the lock waits for it) and the delete at that version does not miss. On a database
     * whose write transactions run one at a time ({@link Dialect#deleteLock}) a read as {@link #existing}.
     */
    public Map<String, Existing> existingToDelete(Handle h, String organizationId, String object,
            Collection<String> externalIds) {
        Map<String, Existing> found = new HashMap<>(externalIds.size() * 2);
        String lock = h.dialect().deleteLock();
        // In id order only where the select locks: on SQLite "order by id" had the planner walk the organization's
        // records by id (records_by_id) testing each key rather than look the keys up in the unique index (an
        // overwrite cleanup of 100,000 of 1,000,000 vendors took 42 s for 3 s).
        h.queryIn("select id, external_id, data, version from records where organization_id = ? and object = ?"
                + " and %s" + (lock.isEmpty() ? "" : " order by id" + lock), List.of(organizationId, object),
                "external_id", externalIds, rs -> {
                    Existing e = new Existing(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4));
                    return found.put(e.externalId(), e);
                });
        return found;
    }

    /**
     * As {@link #existing}, reading first the one stretch of the object's key index between the least and the greatest
     * of the keys: for keys that are mostly stored next to one another (a re-load of a file in key order, chunk by
     * chunk) one index scan instead of a search per key (a third of the database's time per key on PostgreSQL).
     * Keys the stretch does not hold, new ones or ones the database's collation orders elsewhere than Java, are then
     * looked up one by one as {@link #existing} does. Null, after reading a bounded number of records, when the stretch
     * holds more than twice as many records as there are keys: the keys are scattered and the caller should look them
     * up one by one.
     */
    public Map<String, Existing> existingInRange(Handle h, String organizationId, String object,
            Collection<String> externalIds) {
        String least = null;
        String greatest = null;
        for (String key : externalIds) {
            least = least == null || key.compareTo(least) < 0 ? key : least;
            greatest = greatest == null || key.compareTo(greatest) > 0 ? key : greatest;
        }
        if (least == null) {
            return new HashMap<>();
        }
        int limit = externalIds.size() * 2 + 1;
        List<Existing> stretch = h.query(stretchSql(limit),
                rs -> new Existing(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)),
                organizationId, object, least, greatest);
        if (stretch.size() == limit) {
            return null;
        }
        Set<String> wanted = externalIds instanceof Set<String> set ? set : new HashSet<>(externalIds);
        Map<String, Existing> found = new HashMap<>(externalIds.size() * 2);
        for (Existing e : stretch) {
            if (wanted.contains(e.externalId())) {
                found.put(e.externalId(), e);
            }
        }
        if (found.size() < wanted.size()) {
            List<String> rest = new ArrayList<>(wanted.size() - found.size());
            for (String key : wanted) {
                if (!found.containsKey(key)) {
                    rest.add(key);
                }
            }
            found.putAll(existing(h, organizationId, object, rest));
        }
        return found;
    }

    /** The first {@code limit} records of an object between two external ids, in the order of the key's index. */
    static String stretchSql(int limit) {
        return "select id, external_id, data, version from records where organization_id = ? and object = ?"
                + " and external_id >= ? and external_id <= ? order by external_id limit " + limit;
    }

    /**
     * One page of an overwrite cleanup's walk over the organization's records of {@code object} that have an external
     * id: the last key it read, after which the next page starts (null when no record is left), and those of its
     * records whose key {@code importId} did not see.
     */
    public record UnseenPage(String lastExternalId, List<Existing> unseen) {}

    /**
     * The next {@code limit} records of the organization's {@code object} in external id order, after
     * {@code afterExternalId} when it is not null, and which of them {@code importId} did not see. Each statement reads
     * one range of a key (the records' {@code (organization_id, object, external_id)}, the import's seen keys between
     * the page's first and last) or looks records up by it, so no statistics can make it scan a table: an anti-join of
     * records and {@code import_seen} was planned, with statistics that did not know the import's keys, as a
     * comparison of every record of the page with every key the import saw.
     */
    public UnseenPage unseen(Handle h, String organizationId, ObjectDef object, String importId,
            String afterExternalId, int limit) {
        return unseen(h, organizationId, object, importId, afterExternalId, limit, this::existing);
    }

    /**
     * {@link #unseen}, reading the page's unseen records under their locks, in id order, as
     * {@link #existingToDelete} does: for a cleanup page that deletes them in the caller's transaction, so that one
     * another writer was changing is read as that writer committed it and the delete at that version does not miss.
     */
    public UnseenPage unseenToDelete(Handle h, String organizationId, ObjectDef object, String importId,
            String afterExternalId, int limit) {
        return unseen(h, organizationId, object, importId, afterExternalId, limit, this::existingToDelete);
    }

    /** How {@link #unseen} reads the records of some keys: {@link #existing}, {@link #existingToDelete}. */
    private interface KeyedRead {
        Map<String, Existing> read(Handle h, String organizationId, String object, Collection<String> externalIds);
    }

    private UnseenPage unseen(Handle h, String organizationId, ObjectDef object, String importId,
            String afterExternalId, int limit, KeyedRead read) {
        List<String> keys = afterExternalId == null
                ? h.query(keysAfterSql(false, limit), rs -> rs.getString(1), organizationId, object.slug())
                : h.query(keysAfterSql(true, limit), rs -> rs.getString(1), organizationId, object.slug(),
                        afterExternalId);
        if (keys.isEmpty()) {
            return new UnseenPage(null, List.of());
        }
        // The database orders both ranges by the same collation, so the page's keys the import saw all lie in this one.
        Set<String> seen = new HashSet<>(h.query(SEEN_BETWEEN, rs -> rs.getString(1), importId, keys.getFirst(),
                keys.getLast()));
        List<String> unseenKeys = keys.stream().filter(k -> !seen.contains(k)).toList();
        if (unseenKeys.isEmpty()) {
            return new UnseenPage(keys.getLast(), List.of());
        }
        Map<String, Existing> found = read.read(h, organizationId, object.slug(), unseenKeys);
        List<Existing> unseen = new ArrayList<>(found.size());
        for (String key : unseenKeys) {
            Existing e = found.get(key);
            if (e != null) {
                unseen.add(e);
            }
        }
        return new UnseenPage(keys.getLast(), unseen);
    }

    /** The first {@code limit} external ids of an object's records (after one, with {@code after}), in key order. */
    static String keysAfterSql(boolean after, int limit) {
        return "select external_id from records where organization_id = ? and object = ? and external_id "
                + (after ? "> ?" : "is not null") + " order by external_id limit " + limit;
    }

    /** Whether {@code importId} saw the key {@code externalId} (an overwrite's cleanup spares its records). */
    public boolean seen(Handle h, String importId, String externalId) {
        return h.queryFirst("select 1 from import_seen where import_id = ? and external_id = ?", rs -> true, importId,
                externalId).isPresent();
    }

    /** The keys an import saw between two, both included. */
    static final String SEEN_BETWEEN = "select external_id from import_seen where import_id = ? and external_id >= ?"
            + " and external_id <= ?";

    /**
     * An import's deletes, each at the version its writer read (having locked them in id order, the order concurrent
     * writers take their locks in: {@link #existingToDelete}, {@link #lockToDelete}), and each deleted record logged
     * in {@code importId}'s change log (kind {@code deleted}, with the values, external id and version it had) by the
     * database, from the row it deletes: the log holds what was deleted, and the values never travel back over the
     * wire. Any record that changed or went
     * meanwhile fails the whole call with {@code transient_conflict}, as {@link #upsert} does: the caller's transaction
     * rolls back and runs again from a fresh read, so it never deletes values it did not read, and rollback never
     * restores values that another writer had replaced. Returns how many were deleted: all of them.
     */
    public int deleteChecked(Handle h, String organizationId, String importId, List<Versioned> deletes) {
        if (deletes.isEmpty()) {
            return 0;
        }
        int deleted = h.dialect().deleteRecords(h, organizationId, importId, deletes);
        if (deleted < deletes.size()) {
            throw new StoreException("transient_conflict", (deletes.size() - deleted) + " of " + deletes.size()
                    + " records changed or were deleted while they were being deleted", null);
        }
        return deleted;
    }

    /**
     * Locks the organization's records among {@code ids} that the caller's transaction is about to delete, in id order
     * (so that transactions that lock records they share wait for one another rather than deadlock), before it checks
     * that no record refers to them: a writer that stores a reference to one of them ({@link #lockReferenced}) either
     * committed it before the lock was had, which the check then sees, or waits for this transaction and then finds
     * the record gone. Nothing on a database whose write transactions run one at a time ({@link Dialect#deleteLock}).
     */
    public void lockToDelete(Handle h, String organizationId, Collection<String> ids) {
        lock(h, organizationId, ids, h.dialect().deleteLock());
    }

    /**
     * Locks the organization's records among {@code ids} that the caller's transaction is about to store references to,
     * in id order, so that none is deleted until it ends (see {@link #lockToDelete}); returns those of {@code ids} that
     * are gone once the locks are had (deleted by a transaction that held one of them first, and committed since the
     * caller looked them up), which are to be taken for references to records that do not exist. Nothing, and none
     * gone, on a database whose write transactions run one at a time ({@link Dialect#referenceLock}).
     */
    public Set<String> lockReferenced(Handle h, String organizationId, Collection<String> ids) {
        Set<String> locked = lock(h, organizationId, ids, h.dialect().referenceLock());
        if (locked == null || locked.size() == ids.size()) {
            return Set.of();
        }
        Set<String> gone = new HashSet<>(ids);
        gone.removeAll(locked);
        return gone;
    }

    /**
     * {@link #lockReferenced}, locking in the same statement, in the same id order, the records of {@code object} with
     * an external_id among {@code ownKeys} and the records {@code ownIds}: those of a chunk of that object, which
     * refers to itself, that it is about to update, found by external_id or, in the file workflow, by other fields.
     * Their updates, which lock them only as they reach them (in external_id order, or in file order), no longer come
     * after the targets' locks: a delete that locks a record of the chunk's first (lower id) and then waits for a
     * target the chunk holds now waits for the chunk instead of a deadlock (PostgreSQL's 40P01, which cost the chunk a
     * retry). Nothing when {@code ids} is empty. Runs only where {@link Dialect#referenceLock} locks, whose dialect
     * binds each list as one array, so it is one statement whatever the chunk's size.
     */
    public Set<String> lockReferenced(Handle h, String organizationId, Collection<String> ids, String object,
            Collection<String> ownKeys, Collection<String> ownIds) {
        String clause = h.dialect().referenceLock();
        if (ownKeys.isEmpty() && ownIds.isEmpty() || clause.isEmpty() || ids.isEmpty()) {
            return lockReferenced(h, organizationId, ids);
        }
        List<Object> params = new ArrayList<>(List.of(organizationId));
        Set<String> locked = new TreeSet<>(ids);
        locked.addAll(ownIds);
        String byId = h.dialect().inList(h, "id", List.copyOf(locked), params);
        String byKey = "";
        if (!ownKeys.isEmpty()) {
            params.add(object);
            byKey = " or object = ? and " + h.dialect().inList(h, "external_id", List.copyOf(new TreeSet<>(ownKeys)),
                    params);
        }
        Set<String> gone = new HashSet<>(ids);
        h.query("select id from records where organization_id = ? and (" + byId + byKey + ") order by id" + clause,
                rs -> gone.remove(rs.getString(1)), params);
        return gone;
    }

    /**
     * Locks the organization's records among {@code ids} as {@link #lockReferenced} does, and returns those of
     * {@code ids} that are not stored, on every database: for references that come back from an earlier version of a
     * record (rollback), whose targets may have been deleted at any time since, not only by a writer running beside.
     */
    public Set<String> lockReferencedOrGone(Handle h, String organizationId, Collection<String> ids) {
        if (ids.isEmpty()) {
            return Set.of();
        }
        Set<String> gone = new HashSet<>(ids);
        gone.removeAll(locked(h, organizationId, ids, h.dialect().referenceLock()));
        return gone;
    }

    /** {@link #locked}, or null without a query when {@code clause} locks nothing or there are no ids. */
    private static Set<String> lock(Handle h, String organizationId, Collection<String> ids, String clause) {
        return clause.isEmpty() || ids.isEmpty() ? null : locked(h, organizationId, ids, clause);
    }

    /** Selects the records among {@code ids} in id order with {@code clause}; returns their ids. */
    private static Set<String> locked(Handle h, String organizationId, Collection<String> ids, String clause) {
        Set<String> locked = new HashSet<>(ids.size() * 2);
        h.queryIn("select id from records where organization_id = ? and %s order by id" + clause,
                List.of(organizationId), "id", new TreeSet<>(ids), rs -> locked.add(rs.getString(1)));
        return locked;
    }

    /** Deletes one record if it still has the version read. Parameters: organization, id, version. */
    private static final String DELETE_ONE = "delete from records where organization_id = ? and id = ? and version = ?";

    /** Deletes records by id; returns how many were deleted. */
    public int delete(Handle h, String organizationId, Collection<String> ids) {
        int deleted = 0;
        List<String> all = List.copyOf(ids);
        for (int from = 0; from < all.size(); from += 1000) {
            List<String> slice = all.subList(from, Math.min(all.size(), from + 1000));
            List<Object> params = new ArrayList<>(slice.size() + 1);
            params.add(organizationId);
            params.addAll(slice);
            deleted += h.update("delete from records where organization_id = ? and id in ("
                    + String.join(", ", Collections.nCopies(slice.size(), "?")) + ")", params.toArray());
        }
        return deleted;
    }

    /**
     * Deletes the records {@code importId} created that nobody changed since: still at version 1, or at the version the
     * import itself last gave them (its change log's {@code applied_version}: the file workflow's later rows may update
     * a record an earlier chunk created).
     */
    public int deleteCreatedBy(Handle h, String organizationId, String importId) {
        int untouched = h.update("delete from records where organization_id = ? and created_by_import = ?"
                + " and version = 1", organizationId, importId);
        // Driven by the change log, which a first load leaves empty.
        return untouched + h.update("delete from records where organization_id = ? and created_by_import = ?"
                + " and (id, version) in (select record_id, applied_version from import_changes where import_id = ?)",
                organizationId, importId, importId);
    }

    /**
     * {@link #lockToDelete} for every stored record {@code importId} created, which its rollback is about to check no
     * record refers to and delete: streamed in id order, nothing held. Nothing where write transactions run one at a
     * time ({@link Dialect#deleteLock}).
     */
    public void lockCreatedBy(Handle h, String organizationId, String importId) {
        String clause = h.dialect().deleteLock();
        if (!clause.isEmpty()) {
            h.forEach("select id from records where organization_id = ? and created_by_import = ? order by id" + clause,
                    rs -> null, organizationId, importId);
        }
    }

    /** The objects of the records {@code importId} created that are still stored. */
    public List<String> objectsCreatedBy(Handle h, String organizationId, String importId) {
        return h.query("select distinct object from records where organization_id = ? and created_by_import = ?",
                rs -> rs.getString(1), organizationId, importId);
    }

    /** Which of {@code ids} are records that {@code importId} created. */
    public Set<String> createdByAmong(Handle h, String organizationId, String importId, Collection<String> ids) {
        Set<String> found = new HashSet<>();
        h.queryIn("select id from records where organization_id = ? and created_by_import = ? and %s",
                List.of(organizationId, importId), "id", ids, rs -> found.add(rs.getString(1)));
        return found;
    }

    /**
     * A reference a record holds: the record ({@code fromId}, {@code fromExternalId}, null when it has none), the field
     * it holds it in (its place among the fields asked for) and the id of the record it names.
     */
    public record Reference(String fromId, String fromExternalId, int field, String toId) {}

    /** The records whose references {@link #references} reads. */
    public sealed interface Referred {

        /** The records {@code importId} created. */
        record CreatedBy(String importId) implements Referred {}

        /** The records with these ids. */
        record Among(Collection<String> ids) implements Referred {}

        /** The records with these ids, as those among them refer to one another (the referring records too). */
        record Within(Collection<String> ids) implements Referred {}
    }

    /**
     * The references the organization's records of {@code object} (but those {@code notCreatedBy} created, when it is
     * not null) hold through {@code fields} (slugs) to the records {@code referred} names among those of
     * {@code targets} (object slugs), a record's references to itself left out: streamed by the referring record's id,
     * then by field, then as the field's value holds them (a record may name a record in several places). The database
     * finds them in the records' JSON, so only the referring records' references come back, however many records the
     * object has. Returns how many rows it read.
     */
    public long references(Handle h, String organizationId, ObjectDef object, List<String> fields,
            Set<String> targets, Referred referred, String notCreatedBy, Consumer<Reference> each) {
        if (fields.isEmpty() || targets.isEmpty() || referred instanceof Referred.Among among && among.ids().isEmpty()) {
            return 0;
        }
        Dialect dialect = h.dialect();
        String to = dialect.jsonObjectText("r.data", "o", "id");
        List<Object> params = new ArrayList<>();
        Collection<String> naming = switch (referred) {
            case Referred.CreatedBy created -> null;
            case Referred.Among among -> among.ids();
            case Referred.Within within -> within.ids();
        };
        String sql = "select r.id, r.external_id, f.ord, " + to + referencesFrom(h, organizationId, object,
                fields, targets, notCreatedBy, naming, params);
        String order = " order by r.id, f.ord, " + dialect.jsonObjectOrder("o");
        long[] read = {0};
        Handle.RowMapper<Object> row = rs -> {
            read[0]++;
            each.accept(new Reference(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getString(4)));
            return null;
        };
        switch (referred) {
            case Referred.CreatedBy created -> {
                params.add(organizationId);
                params.add(created.importId());
                h.forEach(sql + "exists (select 1 from records t where t.organization_id = ? and t.id = " + to
                        + " and t.created_by_import = ?)" + order, row, params.toArray());
            }
            case Referred.Among among -> {
                // A set, not a list: each reference the walk finds is looked up in it.
                h.forEach(sql + dialect.inSetEach(h, to, among.ids(), params) + order, row, params.toArray());
            }
            case Referred.Within within -> {
                List<Object> both = new ArrayList<>(params);
                String in = dialect.inSetEach(h, to, within.ids(), both) + " and " + dialect.inSet(h, "r.id",
                        within.ids(), both);
                h.forEach(sql + in + order, row, both.toArray());
            }
        }
        return read[0];
    }

    /**
     * What records outside some records still refer to of them: of one target {@code toId}, how many records refer
     * to it, and the first of them by id ({@code fromId}, {@code fromExternalId}, null when it has none) with the
     * field it first names the target in (its place among the fields asked for).
     */
    public record Referrers(String toId, long count, String fromId, String fromExternalId, int field) {}

    /**
     * {@link #references} to the records {@code ids} from the organization's records of {@code object} other than
     * those, counted by the database: one answer per record referred to, so what comes back is bounded by
     * {@code ids} however many records refer to them. A record's references to a target count once, in the first
     * field (in field order) and place that names it. When {@code pendingOf} is not null, the records of that
     * import's pending put-off rows are left out as referring records. Answers come in the order their first
     * reference comes from {@link #references}: by the first referring record's id, then field, then place.
     */
    public void referrers(Handle h, String organizationId, ObjectDef object, List<String> fields,
            Set<String> targets, Collection<String> ids, String pendingOf, Consumer<Referrers> each) {
        if (fields.isEmpty() || targets.isEmpty() || ids.isEmpty()) {
            return;
        }
        Dialect dialect = h.dialect();
        String to = dialect.jsonObjectText("r.data", "o", "id");
        List<Object> params = new ArrayList<>();
        StringBuilder sql = new StringBuilder("select r.id, r.external_id, f.ord, ")
                .append(dialect.jsonObjectOrder("o")).append(" as pos, ").append(to).append(" as t, row_number()")
                .append(" over (partition by ").append(to).append(", r.id order by f.ord, ")
                .append(dialect.jsonObjectOrder("o")).append(") as j")
                .append(referencesFrom(h, organizationId, object, fields, targets, null, ids, params))
                .append(dialect.inSetEach(h, to, ids, params)).append(" and not ")
                .append(dialect.inSet(h, "r.id", ids, params));
        if (pendingOf != null) {
            sql.append(" and not exists (select 1 from import_deferred d where d.import_id = ? and d.state = 'pending'")
                    .append(" and d.external_id = r.external_id and d.record_id = r.id)");
            params.add(pendingOf);
        }
        h.forEach("select t, n, id, external_id, ord from (select t, id, external_id, ord, pos, row_number() over"
                + " (partition by t order by id) as k, count(*) over (partition by t) as n from (" + sql
                + ") x where j = 1) y where k = 1 order by id, ord, pos",
                rs -> {
                    each.accept(new Referrers(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                            rs.getInt(5)));
                    return null;
                }, params.toArray());
    }

    /**
     * Marks rejected the pending put-off rows of {@code importId} (a delete import's) whose records the organization's
     * records of the objects of {@code fields} (per object, the slugs of its reference fields that may name a record
     * of {@code target}) refer to, but the records of its pending put-off rows, and in turn those a marked row's
     * record refers to: {@link #references} to them, found and acted on by the database in one statement (a recursive
     * query follows the references from record to record), so none is held here however many rows the import put off
     * or however long a chain of them a record keeps. Returns how many rows it marked.
     */
    public int rejectReferredPutOff(Handle h, String organizationId, Map<ObjectDef, List<String>> fields,
            ObjectDef target, String importId) {
        return markReferred(h, organizationId, fields, target, importId, "pending", "rejected",
                "d.external_id = r.external_id and d.record_id = r.id");
    }

    /**
     * {@link #rejectReferredPutOff} for an overwrite cleanup's records left for after its walk (see
     * {@link ImportStore#clearCleanup}): moves those that a record that is not one of them refers to, and in turn those
     * a moved one refers to, from {@link ImportStore#CLEANUP_LATER} to {@link ImportStore#CLEANUP_HOLD}. Returns how
     * many it moved.
     */
    public int holdReferredCleanup(Handle h, String organizationId, Map<ObjectDef, List<String>> fields,
            ObjectDef target, String importId) {
        return markReferred(h, organizationId, fields, target, importId, ImportStore.CLEANUP_LATER,
                ImportStore.CLEANUP_HOLD, "d.external_id = r.id");
    }

    /**
     * Moves the rows of {@code import_deferred} in state {@code from} whose records (of {@code target}) a record of an
     * object of {@code fields} refers to to state {@code to}, but for references from the records of such rows
     * ({@code own} matches a row {@code d} to a referring record {@code r}); and in turn the rows whose records a moved
     * row's record refers to, through the reference fields {@code fields} gives {@code target}. One statement: the
     * rows to move are a recursive query's, from the references of the records outside the rows.
     */
    private static int markReferred(Handle h, String organizationId, Map<ObjectDef, List<String>> fields,
            ObjectDef target, String importId, String from, String to, String own) {
        Set<String> targets = Set.of(target.slug());
        Dialect dialect = h.dialect();
        String referred = dialect.jsonObjectText("r.data", "o", "id");
        String rows = referred + " in (select record_id from import_deferred where import_id = ? and state = ?)";
        List<Object> params = new ArrayList<>();
        List<String> seeds = new ArrayList<>();
        for (Map.Entry<ObjectDef, List<String>> e : fields.entrySet()) {
            if (!e.getValue().isEmpty()) {
                seeds.add("select " + referred + " as id" + referencesFrom(h, organizationId, e.getKey(),
                        e.getValue(), targets, null, null, params) + rows + " and not exists (select 1 from import_deferred d"
                        + " where d.import_id = ? and d.state = ? and " + own + ")");
                params.addAll(List.of(importId, from, importId, from));
            }
        }
        if (seeds.isEmpty()) {
            return 0;
        }
        StringBuilder sql = new StringBuilder("with recursive kept(id) as (select id from (")
                .append(String.join(" union all ", seeds)).append(") s");
        List<String> self = fields.getOrDefault(target, List.of());
        if (!self.isEmpty()) {
            // A marked row's record stays, so the records it refers to stay in turn: the kept record k is r.
            sql.append(" union select ").append(referred).append(" from kept k join records r on r.organization_id = ?")
                    .append(" and r.id = k.id cross join (");
            params.add(organizationId);
            for (int i = 0; i < self.size(); i++) {
                sql.append(i == 0 ? "" : " union all ").append("select ").append(i).append(" as ord, ? as slug");
                params.add(self.get(i));
            }
            sql.append(") f ").append(dialect.jsonObjects("r.data", "f.slug", "o")).append(" where ")
                    .append(dialect.jsonObjectText("r.data", "o", "object")).append(" = ? and ").append(referred)
                    .append(" <> r.id and ").append(rows);
            params.addAll(List.of(target.slug(), importId, from));
        }
        sql.append(") update import_deferred set state = ? where import_id = ? and state = ? and record_id in")
                .append(" (select id from kept)");
        params.addAll(List.of(to, importId, from));
        return h.update(sql.toString(), params.toArray());
    }

    /**
     * The first reference, as {@link #references} orders them, that a record of {@code object} that is not one of
     * them holds to the overwrite cleanup's records in {@link ImportStore#CLEANUP_HOLD}; empty when there is none.
     */
    public Optional<Reference> firstReferenceToHeld(Handle h, String organizationId, ObjectDef object,
            List<String> fields, Set<String> targets, String importId) {
        if (fields.isEmpty() || targets.isEmpty()) {
            return Optional.empty();
        }
        Dialect dialect = h.dialect();
        String target = dialect.jsonObjectText("r.data", "o", "id");
        List<Object> params = new ArrayList<>();
        String sql = "select r.id, r.external_id, f.ord, " + target + referencesFrom(h, organizationId, object,
                fields, targets, null, null, params) + target + " in (select record_id from import_deferred where import_id"
                + " = ? and state = ?) and not exists (select 1 from import_deferred d where d.import_id = ?"
                + " and d.state = ? and d.external_id = r.id) order by r.id, f.ord, " + dialect.jsonObjectOrder("o")
                + " limit 1";
        params.addAll(List.of(importId, ImportStore.CLEANUP_HOLD, importId, ImportStore.CLEANUP_HOLD));
        return h.queryFirst(sql, rs -> new Reference(rs.getString(1), rs.getString(2), rs.getInt(3),
                rs.getString(4)), params.toArray());
    }

    /**
     * The {@code from … where … and } of {@link #references}' query: the JSON objects the fields of the records of
     * {@code object} hold (the record {@code r}, the field {@code f.ord}, the object {@code o}) that name another
     * record of {@code targets}. A record that does not have a field is left out before the walk of that field
     * ({@link Dialect#jsonFieldPresent}). With {@code naming} (not null), the query asks about those records only: a
     * field whose value is one reference to another record is left out before its walk ({@link Dialect#jsonFieldId}).
     */
    private static String referencesFrom(Handle h, String organizationId, ObjectDef object, List<String> fields,
            Set<String> targets, String notCreatedBy, Collection<String> naming, List<Object> params) {
        Dialect dialect = h.dialect();
        String to = dialect.jsonObjectText("r.data", "o", "id");
        StringBuilder sql = new StringBuilder(" from (select id, external_id, data from records where ")
                .append(dialect.objectInIdOrder(organizationId, object, params));
        if (notCreatedBy != null) {
            sql.append(" and (created_by_import is null or created_by_import <> ?)");
            params.add(notCreatedBy);
        }
        sql.append(") r cross join (");
        for (int i = 0; i < fields.size(); i++) {
            sql.append(i == 0 ? "" : " union all ").append("select ").append(i).append(" as ord, ? as slug");
            params.add(fields.get(i));
        }
        // Evaluated per record and field, before the walk: a record without the field is not walked for it.
        sql.append(") f ").append(dialect.jsonObjects("r.data", "f.slug", "o"))
                .append(" where ").append(dialect.jsonFieldPresent("r.data", "f.slug")).append(" and ")
                .append(dialect.jsonObjectText("r.data", "o", "object")).append(" in (")
                .append(String.join(", ", Collections.nCopies(targets.size(), "?"))).append(") and ").append(to)
                .append(" <> r.id and ");
        params.addAll(targets.stream().sorted().toList());
        if (naming != null) {
            // Evaluated per record and field, before the walk: most references name none of the records asked about.
            String id = dialect.jsonFieldId("r.data", "f.slug");
            sql.append("(").append(id).append(" is null or ").append(dialect.inSet(h, id, naming, params))
                    .append(") and ");
        }
        return sql.toString();
    }

    /**
     * The first {@code limit} records {@code importId} created that are past version 1, after record id {@code after}
     * (null: from the first), by id: those someone else changed since, and those the import itself updated again (the
     * file workflow's later rows), which its change log's {@code applied_version} tells apart (see
     * {@link #deleteCreatedBy}). A page at a time, since an import may have created a million records that the next
     * night's import changed. The change log is not joined here: PostgreSQL compares its record ids with the records'
     * in the records' collation, which its key does not serve, and each page then read the import's whole log.
     */
    public List<Existing> createdByPastVersionOne(Handle h, String organizationId, String importId, String after,
            int limit) {
        return h.query("select id, external_id, data, version from records where organization_id = ?"
                        + " and created_by_import = ? and id > ? and version > 1 order by id limit " + limit,
                rs -> new Existing(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)),
                organizationId, importId, after == null ? "" : after);
    }

    /** Deletes one record if it still has {@code version}; false when it changed or is gone. */
    public boolean deleteIfVersion(Handle h, String organizationId, String id, long version) {
        return h.update(DELETE_ONE, organizationId, id, version) > 0;
    }

    /** A record's id with the version it was read at. */
    public record Versioned(String id, long version) {}

    /**
     * {@link #deleteIfVersion} for many records, in one statement per 500 of them: whether each was deleted, in order
     * (an id given twice is deleted at most once, as one delete after the other would). Before, one statement a record.
     */
    public boolean[] deleteIfVersions(Handle h, String organizationId, List<Versioned> deletes) {
        return eachInTurn(deletes, Versioned::id, slice -> {
            List<Object> params = new ArrayList<>(List.of(organizationId));
            String where = whereVersions(slice, params);
            return returnedIds(h, "delete from records where organization_id = ? and " + where + " returning id",
                    params);
        });
    }

    /**
     * {@link #deleteIfVersion} for many records, in one statement per 500 of them, whatever their number: those that
     * still have their version are deleted. Which were deleted is not told: a record still there after it changed.
     */
    public void deleteWhereVersions(Handle h, String organizationId, List<Versioned> deletes) {
        deleteIfVersions(h, organizationId, deletes);
    }

    /**
     * {@link #restoreIfVersion} for many records, in one statement per 500 of them: the ids of those put back (those
     * that still had their version).
     */
    public Set<String> restoreWhereVersions(Handle h, String organizationId, List<Restore> restores) {
        boolean[] put = restoreIfVersions(h, organizationId, restores);
        Set<String> restored = new HashSet<>();
        for (int i = 0; i < put.length; i++) {
            if (put[i]) {
                restored.add(restores.get(i).id());
            }
        }
        return restored;
    }

    /**
     * {@link #clearExternalIdIfVersion} for many records, in one statement per 500 of them: the ids of those whose
     * external_id was taken (those that still had their version and an external_id).
     */
    public Set<String> clearExternalIdsWhereVersions(Handle h, String organizationId, List<Versioned> clears) {
        Set<String> cleared = new HashSet<>();
        long now = clock.millis();
        for (int from = 0; from < clears.size(); from += PER_STATEMENT) {
            List<Versioned> slice = clears.subList(from, Math.min(clears.size(), from + PER_STATEMENT));
            List<Object> params = new ArrayList<>(List.of(now, organizationId));
            String where = whereVersions(slice, params);
            cleared.addAll(returnedIds(h, "update " + h.dialect().orFail() + "records set external_id = null,"
                    + " version = version + 1, updated_at = ? where organization_id = ? and external_id is not null"
                    + " and " + where + " returning id", params));
        }
        return cleared;
    }

    /** Records a statement about several of them names at a time: 5 parameters each at most, far below the limits. */
    private static final int PER_STATEMENT = 500;

    /**
     * Runs {@code statement} on {@code all} in order, up to {@link #PER_STATEMENT} elements at a time, and answers for
     * each element whether its id is among those the statement returned. An id already in the slice starts the next
     * one: within a statement every record is named once, so a repeated element sees what the one before it left, as
     * one statement an element did.
     */
    private static <T> boolean[] eachInTurn(List<T> all, Function<T, String> id,
            Function<List<T>, Set<String>> statement) {
        boolean[] done = new boolean[all.size()];
        for (int from = 0; from < all.size();) {
            Set<String> named = new HashSet<>();
            int to = from;
            while (to < all.size() && to - from < PER_STATEMENT && named.add(id.apply(all.get(to)))) {
                to++;
            }
            Set<String> returned = statement.apply(all.subList(from, to));
            for (int i = from; i < to; i++) {
                done[i] = returned.contains(id.apply(all.get(i)));
            }
            from = to;
        }
        return done;
    }

    /**
     * The ids {@code sql}, ending in {@code returning id}, returns. Counted from the statement's own rows: a JDBC batch
     * on PostgreSQL may answer SUCCESS_NO_INFO rather than a count.
     */
    private static Set<String> returnedIds(Handle h, String sql, List<Object> params) {
        Set<String> ids = new HashSet<>();
        h.executeEach(sql, List.of(params), rs -> ids.add(rs.getString(1)));
        return ids;
    }

    /**
     * SQL true for the records of {@code records} (ids distinct) at their version: their ids as a list the database
     * finds by key, each one's version picked by its id. Adds its parameters to {@code params}.
     */
    private static String whereVersions(List<Versioned> records, List<Object> params) {
        StringBuilder version = new StringBuilder("case id");
        for (Versioned r : records) {
            params.add(r.id());
        }
        for (Versioned r : records) {
            version.append(" when ? then ?");
            params.add(r.id());
            params.add(r.version());
        }
        return "id in (" + String.join(", ", Collections.nCopies(records.size(), "?")) + ") and version = " + version
                + " end";
    }

    /** Puts back a record's earlier data if it still has {@code version}; false when it changed or is gone. */
    public boolean restoreIfVersion(Handle h, String organizationId, String id, String data, long version) {
        return h.update(restore(h.dialect()), data, clock.millis(), organizationId, id, version) > 0;
    }

    /** A record's earlier data to put back if it still has the version. */
    public record Restore(String id, String data, long version) {}

    /**
     * {@link #restoreIfVersion} for many records, in one statement per 500 of them: whether each was put back, in
     * order (an id given twice sees what the first put back). Before, one statement a record: a rollback of a million
     * updated records ran a million updates.
     */
    public boolean[] restoreIfVersions(Handle h, String organizationId, List<Restore> restores) {
        long now = clock.millis();
        return eachInTurn(restores, Restore::id, slice -> {
            // Joined to a list of values, not picked by "case id when": the case compares a record's id with the
            // slice's ids one by one (250 on average, for the data and for the version); the join finds it by key.
            List<Object> params = new ArrayList<>(List.of(now));
            StringJoiner values = new StringJoiner(", ");
            for (Restore r : slice) {
                values.add("(?, " + h.dialect().jsonParameter() + ", ?)");
                params.addAll(Arrays.asList(r.id(), r.data(), r.version()));
            }
            params.add(organizationId);
            return returnedIds(h, "update " + h.dialect().orFail() + "records set data = v.column2,"
                    + " version = version + 1, updated_at = ? from (values " + values + ") v where organization_id = ?"
                    + " and id = v.column1 and version = v.column3 returning id", params);
        });
    }

    private static String restore(Dialect dialect) {
        return "update records set data = " + dialect.jsonParameter()
                + ", version = version + 1, updated_at = ? where organization_id = ? and id = ? and version = ?";
    }

    /**
     * Re-creates a deleted record as it was when deleted: its id, external_id, values, version, creating import and
     * creation time, updated now. One whose change log kept no creation time (logged before V35) is created now, with
     * no creating import. False when its id or external id is taken again.
     */
    public boolean reinsert(Handle h, String organizationId, ImportStore.Deletion deleted) {
        long now = clock.millis();
        Change c = deleted.change();
        return h.update("insert into records (id, organization_id, object, external_id, data, version, created_at,"
                        + " updated_at, created_by_import) values (?, ?, ?, ?, " + h.dialect().jsonParameter()
                        + ", ?, ?, ?, ?) on conflict do nothing",
                c.recordId(), organizationId, c.object(), c.externalId(), c.previousData(), c.previousVersion(),
                deleted.createdAt() == null ? now : deleted.createdAt(), now, deleted.createdByImport()) > 0;
    }

    /** Every record of the organization's {@code object}, streamed: (id, external id, data JSON). */
    public void scan(Handle h, String organizationId, ObjectDef object, Consumer<Existing> sink) {
        List<Object> params = new ArrayList<>();
        h.forEach("select id, external_id, data, version from records where "
                + h.dialect().objectInIdOrder(organizationId, object, params), rs -> {
                    sink.accept(new Existing(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)));
                    return null;
                }, params.toArray());
    }

    /** The organization's records with the given ids, keyed by id. */
    public Map<String, Existing> existingByIds(Handle h, String organizationId, Collection<String> ids) {
        Map<String, Existing> found = new HashMap<>(ids.size() * 2);
        h.queryIn("select id, external_id, data, version from records where organization_id = ? and %s",
                List.of(organizationId), "id", ids, rs -> {
                    Existing e = new Existing(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4));
                    return found.put(e.id(), e);
                });
        return found;
    }

    /**
     * Replaces a record's data if it still has {@code version}; returns the new version, or -1 when the record changed
     * or is gone since it was read.
     */
    public long updateIfVersion(Handle h, String organizationId, String id, String data, long version) {
        return restoreIfVersion(h, organizationId, id, data, version) ? version + 1 : -1;
    }

    /**
     * {@link #updateIfVersion}, also giving the record {@code externalId}: for a record that has none (the file
     * workflow's row matched it by other fields). An external_id another record of the object has is a unique
     * violation. Only for a record whose external_id changes: an update that names the column rewrites its entry in
     * the unique index even when the value stays (SQLite), which made an update of 200,000 records take twice as long.
     */
    public long updateIfVersion(Handle h, String organizationId, String id, String externalId, String data,
            long version) {
        return h.update("update records set external_id = ?, data = " + h.dialect().jsonParameter()
                + ", version = version + 1, updated_at = ? where organization_id = ? and id = ? and version = ?",
                externalId, data, clock.millis(), organizationId, id, version) > 0 ? version + 1 : -1;
    }

    /**
     * Takes their external_id from those of the records {@code ids} that have one, as a write like any other: the
     * version goes up and {@code updated_at} moves. The second half of restoring records that had none before an import
     * gave them one, in the restore's transaction. Before, the version stayed: every check that compares versions
     * (an update's, a delete's, a rollback's) took the record for unchanged, and one version named two external_ids.
     */
    public void clearExternalIds(Handle h, String organizationId, Collection<String> ids) {
        long now = clock.millis();
        // A record named twice is cleared once either way: the second finds its external_id gone.
        List<String> all = List.copyOf(new LinkedHashSet<>(ids));
        for (int from = 0; from < all.size(); from += PER_STATEMENT) {
            List<String> slice = all.subList(from, Math.min(all.size(), from + PER_STATEMENT));
            List<Object> params = new ArrayList<>(List.of(now, organizationId));
            params.addAll(slice);
            h.update("update " + h.dialect().orFail() + "records set external_id = null, version = version + 1,"
                    + " updated_at = ? where organization_id = ? and id in ("
                    + String.join(", ", Collections.nCopies(slice.size(), "?")) + ") and external_id is not null",
                    params.toArray());
        }
    }

    /**
     * {@link #clearExternalIds} for one record, if it still has {@code version} and an external_id: whether it was
     * taken (the record is then at {@code version} + 1).
     */
    public boolean clearExternalIdIfVersion(Handle h, String organizationId, String id, long version) {
        return h.update(CLEAR_EXTERNAL_ID + " and version = ?", clock.millis(), organizationId, id, version) > 0;
    }

    private static final String CLEAR_EXTERNAL_ID = "update records set external_id = null, version = version + 1,"
            + " updated_at = ? where organization_id = ? and id = ? and external_id is not null";

    /**
     * The records a text matched: the oldest (the least id) and how many there are.
     *
     * @param externalId null when that record has none
     * @param matches how many records the text matched, at least 1
     */
    public record TextMatch(String id, String externalId, int matches) {}

    /**
     * Records of {@code object} whose text field {@code field} equals one of {@code values} ignoring case, as
     * lower-cased value → the oldest such record and how many there are.
     */
    public Map<String, TextMatch> byFieldText(Handle h, String organizationId, ObjectDef object, String field,
            Collection<String> values) {
        Map<String, TextMatch> found = new HashMap<>();
        List<String> lowered = values.stream().map(v -> v.toLowerCase(Locale.ROOT)).distinct().toList();
        String text = lowerText(h.dialect(), field);
        // The object as a literal: a partial index (ensureTextIndex) serves only a query that names it. No order by:
        // SQLite then walked the id index instead; the oldest record (the least id) is picked here.
        h.queryIn(byFieldTextSql(h.dialect(), object.slug(), field), List.of(organizationId), text, lowered, rs -> {
                    found.merge(rs.getString(1), new TextMatch(rs.getString(2), rs.getString(3), 1),
                            (a, b) -> {
                                TextMatch oldest = a.id().compareTo(b.id()) <= 0 ? a : b;
                                return new TextMatch(oldest.id(), oldest.externalId(), a.matches() + b.matches());
                            });
                    return null;
                });
        return found;
    }

    /**
     * Creates, once per process, the index that {@link #byFieldText} uses for {@code field} of {@code object}: without
     * it each look-up reads every record of the object (100,000 contacts naming their account among 100,000 took
     * 130 s on PostgreSQL). Only the object's own writes maintain it, and only once something looked it up by text.
     * Takes an auto-commit handle.
     */
    public void ensureTextIndex(Handle h, ObjectDef object, String field) {
        String name = textIndexName(object.slug(), field);
        if (textIndexes.add(name)) {
            try {
                h.execute(h.dialect().recordsIndex(name, identifier(object.slug()), lowerText(h.dialect(), field)));
            } catch (RuntimeException e) {
                textIndexes.remove(name);
                throw e;
            }
        }
    }

    /** The query of {@link #byFieldText}: {@code %s} stands for the condition on the lower-cased text. */
    static String byFieldTextSql(Dialect dialect, String object, String field) {
        return "select " + lowerText(dialect, field) + ", id, external_id from records where organization_id = ?"
                + " and object = '" + identifier(object) + "' and %s";
    }

    /** The index name for {@link #ensureTextIndex}: within PostgreSQL's 63 characters, one per object and field. */
    static String textIndexName(String object, String field) {
        String name = "records_text_" + object + "__" + field.toLowerCase(Locale.ROOT);
        if (name.length() <= 63) {
            return name;
        }
        return name.substring(0, 50) + "_" + Integer.toHexString((object + ":" + field).hashCode());
    }

    static String lowerText(Dialect dialect, String field) {
        return "lower(" + dialect.jsonText(List.of(identifier(field))) + ")";
    }

    /** A slug as it may stand in SQL text: letters, digits and underscores only (slugs are checked on creation). */
    private static String identifier(String slug) {
        if (!slug.matches("[A-Za-z0-9_]+")) {
            throw new IllegalArgumentException("not a plain identifier: " + slug);
        }
        return slug;
    }

    /** Ids of the records of {@code object} that an import created, in creation order, up to {@code limit}. */
    public List<String> createdBy(Handle h, String organizationId, ObjectDef object, String importId, int limit) {
        List<Object> params = new ArrayList<>();
        String scope = h.dialect().objectInIdOrder(organizationId, object, params);
        params.add(importId);
        return h.query("select id from records where " + scope + " and created_by_import = ? order by id limit "
                + limit, rs -> rs.getString(1), params);
    }

    /**
     * The id prefix of the records the organization keeps under {@code object}, when it has any: those of a deleted
     * custom object stay, and an object re-created under the same slug must give its records the same prefix.
     */
    public Optional<String> idPrefixOf(Handle h, String organizationId, String object) {
        return anyId(h, organizationId, object).map(id -> id.substring(0, id.indexOf('_')));
    }

    /** Whether the organization has any record of {@code object}. */
    public boolean any(Handle h, String organizationId, String object) {
        return anyId(h, organizationId, object).isPresent();
    }

    private static Optional<String> anyId(Handle h, String organizationId, String object) {
        return h.queryFirst("select id from records where organization_id = ? and object = ? limit 1",
                rs -> rs.getString(1), organizationId, object);
    }

    public long count(Handle h, String organizationId, String object) {
        return h.queryFirst("select count(*) from records where organization_id = ? and object = ?",
                rs -> rs.getLong(1), organizationId, object).orElse(0L);
    }
}
