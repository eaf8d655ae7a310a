package dev.freight.store;

import dev.freight.schema.ObjectDef;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one rollback decided about the records its import created, kept for the rollback's transaction in a temporary
 * table ({@link Dialect#temporaryTable}) instead of memory: an import may have created a million records. A row says
 * whether a record someone changed since is to be deleted or kept, and whether a record the rollback leaves still
 * refers to it (then it is kept, and names one such record). A second table holds the records the import deleted that
 * the rollback does not re-create, with why. Every method takes the rollback's transaction, between
 * {@link #open} and {@link #close}. Thread-safe (stateless).
 */
public final class RollbackRecords {

    static final String TABLE = "rollback_records";

    /** The records the import deleted that the rollback does not re-create, and why. */
    static final String NOT_RECREATED = "rollback_not_recreated";

    /** What becomes of a created record someone changed since. */
    public enum Fate {
        /** Its values are still those the import left: deleted at the version read, unless still referred to. */
        DELETE,
        /** Its values changed: left in place, a conflict. */
        KEEP;

        String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Fate of(String wire) {
            return wire == null ? null : valueOf(wire.toUpperCase(Locale.ROOT));
        }
    }

    /** A created record someone changed since, at the version read, and its fate. */
    public record Changed(String id, String externalId, long version, Fate fate) {}

    /**
     * A record that refers to a created one: the first found ({@code object}, {@code id}, {@code field}) and how many
     * found so far ({@code count}).
     */
    public record Referrer(String object, String id, String field, long count) {}

    /**
     * What the table says of a record: its fate (null unless changed since), the round that reads what it refers to
     * (null for none), what refers to it (null unless still referred to) and the round that found that (null unless
     * still referred to; for a record kept anyway, changed since, it may come after the round that reads it).
     */
    public record Mark(Fate fate, Integer round, Referrer referrer, Integer referredRound) {}

    /** A created record still referred to, with its external id. */
    public record Referred(String id, String externalId, Referrer by) {}

    /** Creates the tables unless the connection has them, empty. */
    public void open(Handle h) {
        h.dialect().temporaryTable(h, TABLE, "id " + h.dialect().idType() + " primary key, external_id text,"
                + " version bigint, fate text, round integer, referrer_object text, referrer_id text,"
                + " referrer_field text, referrers bigint, referred_round integer");
        h.dialect().temporaryTable(h, NOT_RECREATED, "id " + h.dialect().idType() + " primary key, reason text");
    }

    /** Empties the tables, where the commit does not. */
    public void close(Handle h) {
        h.dialect().endTemporaryTable(h, TABLE);
        h.dialect().endTemporaryTable(h, NOT_RECREATED);
    }

    /**
     * Adds records the import deleted that the rollback does not re-create (record id → why), in a table of their
     * own: the earlier values of other records the rollback puts back may refer to them.
     */
    public void notRecreated(Handle h, Map<String, String> reasons) {
        if (reasons.isEmpty()) {
            return;
        }
        List<List<Object>> runs = new ArrayList<>(reasons.size());
        reasons.forEach((id, reason) -> runs.add(List.of(id, reason)));
        h.updateEach("insert into " + NOT_RECREATED + " (id, reason) values (?, ?)", runs);
    }

    /** Those of {@code ids} that {@link #notRecreated} holds, with why they were not re-created, by id. */
    public Map<String, String> notRecreated(Handle h, Collection<String> ids) {
        Map<String, String> found = new HashMap<>();
        h.queryIn("select id, reason from " + NOT_RECREATED + " where %s", List.of(), "id", ids,
                rs -> found.put(rs.getString(1), rs.getString(2)));
        return found;
    }

    /**
     * Adds created records someone changed since; a kept one gets round 0 (what it refers to stays too), a deleted one
     * none.
     */
    public void addChanged(Handle h, List<Changed> rows) {
        List<List<Object>> runs = new ArrayList<>(rows.size());
        for (Changed c : rows) {
            runs.add(Arrays.asList(c.id(), c.externalId(), c.version(), c.fate().wire(),
                    c.fate() == Fate.KEEP ? 0 : null));
        }
        h.updateEach("insert into " + TABLE + " (id, external_id, version, fate, round) values (?, ?, ?, ?, ?)", runs);
    }

    /** Refreshes the planner's statistics of the table once the changed records are in. */
    public void filled(Handle h) {
        h.dialect().refreshStatistics(h, TABLE);
    }

    /** The marks of those of {@code ids} the table holds, by id. */
    public Map<String, Mark> marks(Handle h, Collection<String> ids) {
        Map<String, Mark> found = new HashMap<>();
        h.queryIn("select id, fate, round, referrer_object, referrer_id, referrer_field, referrers, referred_round"
                + " from " + TABLE + " where %s", List.of(), "id", ids, rs -> {
                    long referrers = rs.getLong(7);
                    Referrer by = rs.wasNull() ? null
                            : new Referrer(rs.getString(4), rs.getString(5), rs.getString(6), referrers);
                    int round = rs.getInt(3);
                    Integer r = rs.wasNull() ? null : round;
                    int referredRound = rs.getInt(8);
                    Integer referred = rs.wasNull() ? null : referredRound;
                    return found.put(rs.getString(1), new Mark(Fate.of(rs.getString(2)), r, by, referred));
                });
        return found;
    }

    /**
     * Records that records the rollback leaves refer to, by id, found in round {@code round}, which also reads what
     * they refer to in turn. A record the table holds without a referrer takes {@code by} as it is and the round as
     * the one that found it, and keeps the round that reads it if it has one; one with a referrer keeps it and its
     * round, and adds {@code by}'s count to its own.
     */
    public void refer(Handle h, Map<String, Referrer> by, int round) {
        List<List<Object>> runs = new ArrayList<>(by.size());
        by.forEach((id, r) -> runs.add(List.of(id, round, r.object(), r.id(), r.field(), r.count(), round)));
        h.updateEach("insert into " + TABLE + " (id, round, referrer_object, referrer_id, referrer_field, referrers,"
                + " referred_round) values (?, ?, ?, ?, ?, ?, ?) on conflict (id) do update set round = coalesce("
                + TABLE + ".round, excluded.round), referred_round = coalesce(" + TABLE + ".referred_round,"
                + " excluded.referred_round), referrer_object = coalesce(" + TABLE + ".referrer_object,"
                + " excluded.referrer_object), referrer_id = coalesce(" + TABLE + ".referrer_id, excluded.referrer_id),"
                + " referrer_field = coalesce(" + TABLE + ".referrer_field, excluded.referrer_field),"
                + " referrers = coalesce(" + TABLE + ".referrers, 0) + excluded.referrers", runs);
    }

    /**
     * The first {@code limit} stored records of {@code object} that round {@code round} reads, after record id
     * {@code after} (null: from the first), by id.
     */
    public List<RecordStore.Existing> ofRound(Handle h, String organizationId, ObjectDef object, int round,
            String after, int limit) {
        // The object's records lie in one range of the ids (see Dialect.objectInIdOrder).
        return h.query("select r.id, r.external_id, r.data, r.version from " + TABLE + " t join records r"
                        + " on r.organization_id = ? and r.id = t.id where t.round = ? and t.id >= ? and t.id < ?"
                        + " and t.id > ? order by t.id limit " + limit,
                rs -> new RecordStore.Existing(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)),
                organizationId, round, object.idPrefix() + '_', object.idPrefix() + '`', after == null ? "" : after);
    }

    /**
     * The first {@code limit} records to delete that nothing the rollback leaves refers to, after record id
     * {@code after} (null: from the first), by id.
     */
    public List<Changed> toDelete(Handle h, String after, int limit) {
        return h.query("select id, external_id, version from " + TABLE + " where fate = ? and referrers is null"
                        + " and id > ? order by id limit " + limit,
                rs -> new Changed(rs.getString(1), rs.getString(2), rs.getLong(3), Fate.DELETE),
                Fate.DELETE.wire(), after == null ? "" : after);
    }

    /**
     * How many records are still referred to, besides those kept anyway (fate {@link Fate#KEEP}: changed since), which
     * {@link #marks} tells apart.
     */
    public int referredCount(Handle h) {
        return h.queryFirst("select count(*) from " + TABLE + " where referrers is not null"
                + " and (fate is null or fate <> ?)", rs -> rs.getInt(1), Fate.KEEP.wire()).orElse(0);
    }

    /**
     * The first {@code limit} records still referred to besides those kept anyway (as {@link #referredCount}), in the
     * order found: by round, then by id; with their external ids as stored now.
     */
    public List<Referred> referred(Handle h, String organizationId, int limit) {
        return h.query("select t.id, r.external_id, t.referrer_object, t.referrer_id, t.referrer_field, t.referrers"
                        + " from " + TABLE + " t join records r on r.organization_id = ? and r.id = t.id"
                        + " where t.referrers is not null and (t.fate is null or t.fate <> ?)"
                        + " order by t.round, t.id limit " + limit,
                rs -> new Referred(rs.getString(1), rs.getString(2),
                        new Referrer(rs.getString(3), rs.getString(4), rs.getString(5), rs.getLong(6))),
                organizationId, Fate.KEEP.wire());
    }

    /**
     * The first {@code limit} records {@code importId} created that are still stored and that the table does not hold,
     * after record id {@code after} (null: from the first), by id, each as kept at the version stored: once the
     * rollback's deletes are done, those another writer changed after the rollback read the created records changed
     * since, so that the delete of those at the import's own version missed them. None without a query where write
     * transactions run one at a time ({@link Dialect#deleteLock}): no other writer got in.
     */
    public List<Changed> unmarkedCreatedBy(Handle h, String organizationId, String importId, String after,
            int limit) {
        if (h.dialect().deleteLock().isEmpty()) {
            return List.of();
        }
        return h.query("select r.id, r.external_id, r.version from records r where r.organization_id = ?"
                        + " and r.created_by_import = ? and r.id > ? and not exists (select 1 from " + TABLE
                        + " t where t.id = r.id) order by r.id limit " + limit,
                rs -> new Changed(rs.getString(1), rs.getString(2), rs.getLong(3), Fate.KEEP),
                organizationId, importId, after == null ? "" : after);
    }

    /**
     * As {@link RecordStore#deleteCreatedBy}, leaving the records still referred to in place; returns how many were
     * deleted.
     */
    public int deleteCreatedByUnreferred(Handle h, String organizationId, String importId) {
        String unreferred = " and not exists (select 1 from " + TABLE + " t where t.id = records.id"
                + " and t.referrers is not null)";
        int untouched = h.update("delete from records where organization_id = ? and created_by_import = ?"
                + " and version = 1" + unreferred, organizationId, importId);
        return untouched + h.update("delete from records where organization_id = ? and created_by_import = ?"
                + " and (id, version) in (select record_id, applied_version from import_changes where import_id = ?)"
                + unreferred, organizationId, importId, importId);
    }
}
