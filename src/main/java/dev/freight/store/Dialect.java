package dev.freight.store;

import com.zaxxer.hikari.HikariConfig;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.Value;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/** What differs between the databases Freight runs on. One implementation per database, chosen at start-up. */
public interface Dialect {

    /** Database name as used in migration folders: {@code sqlite} or {@code postgresql}. */
    String name();

    /** Placeholder for a JSON text parameter, e.g. {@code ?::jsonb}. */
    String jsonParameter();

    /**
     * Most bind parameters one statement may carry: statements whose parameters grow with their rows are split by it
     * ({@link Handle#queryIn}, the multi-row inserts). It must stay within the database's real limit: 65,535 for
     * PostgreSQL's driver, 250,000 for the SQLite that sqlite-jdbc bundles (32,766 in a stock SQLite build).
     */
    int maxParameters();

    /**
     * The conflict clause, with a trailing space, for an {@code insert} or {@code update} whose failure rolls back its
     * whole transaction: {@code "or fail "} on SQLite, which otherwise copies every page that a statement SQLite
     * cannot prove writes at most one row touches into a statement journal, to undo that statement alone (3.4 GB of
     * temporary-file writes in a 1,000,000-row fresh import, 52 GB in an all-update). Empty elsewhere.
     */
    default String orFail() {
        return "";
    }

    /** Starts a transaction on a connection in auto-commit mode. */
    default void begin(Connection c) throws SQLException {
        c.setAutoCommit(false);
    }

    /** Commits the transaction {@link #begin} started and leaves the connection in auto-commit mode. */
    default void commit(Connection c) throws SQLException {
        c.commit();
        c.setAutoCommit(true);
    }

    /** Rolls back the transaction {@link #begin} started and leaves the connection in auto-commit mode. */
    default void rollback(Connection c) throws SQLException {
        try {
            c.rollback();
        } finally {
            c.setAutoCommit(true);
        }
    }

    /**
     * Starts a transaction that only reads, on a connection in auto-commit mode, whose reads all see the database as
     * its first read found it, and that takes no lock a writer waits for; {@link #rollback} ends it.
     */
    void beginSnapshot(Connection c) throws SQLException;

    /** Connection settings and pool size for this database. */
    void configure(HikariConfig config);

    /**
     * Starts the database's own upkeep over the pool, if it needs any (SQLite: WAL checkpoints off the writers'
     * threads); closing the result stops it. Called once, when the pool opens.
     */
    default AutoCloseable upkeep(DataSource pool) {
        return () -> {};
    }

    boolean isUniqueViolation(SQLException e);

    /** Whether the failure is about the connection or server rather than the statement (worth a retry later). */
    boolean isUnavailable(SQLException e);

    /**
     * Whether the failure says the pool's connections are lost (the server restarted or went away, the file cannot be
     * opened), so that they are worth dropping; by default every failure {@link #isUnavailable} names.
     */
    default boolean lostConnections(SQLException e) {
        return isUnavailable(e);
    }

    /**
     * A condition that {@code column} is one of {@code values}, adding its parameters to {@code params}: an
     * {@code in (?, …)} list by default; PostgreSQL binds one array, which is far cheaper to plan.
     */
    default String inList(Handle h, String column, List<String> values, List<Object> params) {
        params.addAll(values);
        return column + " in (" + String.join(", ", Collections.nCopies(values.size(), "?")) + ")";
    }

    /**
     * {@link #inList} as one parameter however many {@code values} there are, for a query that must see them all at
     * once, read by a subquery so that the database builds one look-up of them rather than compare each row with
     * every value: PostgreSQL's array (its {@code = any} is hashed only in a plan made with the values); on SQLite,
     * whose statements take at most {@link #maxParameters}, a JSON array.
     */
    default String inSet(Handle h, String column, Collection<String> values, List<Object> params) {
        return inList(h, column, List.copyOf(values), params);
    }

    /**
     * {@link #inSet} as a test of each row the query makes, never a join with the set: for a value that each record's
     * walk of its JSON gives ({@link #jsonObjects}), which the set must not be read again for.
     */
    default String inSetEach(Handle h, String expression, Collection<String> values, List<Object> params) {
        return inSet(h, expression, values, params);
    }

    /**
     * A condition that {@code expression} is one of {@code values}, adding one parameter to {@code params} however
     * many values there are (a filter's values are as many as a request holds, and a statement takes at most 65,535
     * parameters on PostgreSQL): an array on PostgreSQL, a JSON array on SQLite. The values, at least one, are all
     * {@link String}s (compared as text), all {@link java.math.BigDecimal}s (as numbers, as {@link #numberParameter}
     * compares them) or all {@link Long}s (as integers). The parameter may be written into the statement as a literal
     * ({@link #streamText}).
     */
    String anyOf(String expression, List<?> values, List<Object> params);

    /**
     * A condition that a record of the query's {@code records} table, one of {@code object}'s of
     * {@code organizationId}, has one of the external ids {@code values} (at least one), adding its parameters to
     * {@code params}: by default {@link #anyOf} of the column, which PostgreSQL reads through the unique key
     * {@code (organization_id, object, external_id)}.
     */
    default String externalIdIn(String organizationId, ObjectDef object, List<?> values, List<Object> params) {
        return anyOf("external_id", values, params);
    }

    /**
     * The condition that selects the organization's records of one object, for a query that reads them in id order or
     * scans them, adding its parameters to {@code params}. Records carry their object's id prefix (a custom object
     * re-created over records left by an earlier one takes their prefix), so the object's records lie in one range of
     * the ids, {@code prefix_} up to {@code prefix`}. Neither database keeps an index of
     * {@code (organization_id, object, id)} (it cost a quarter of each insert). PostgreSQL's planner reads a large
     * tenant's records through that range of the primary key and a small one's through the unique key, then sorts
     * them. SQLite, whose planner has no statistics of one tenant's share, reads them through its unique index
     * {@code (organization_id, id)}: one range within the organization, whatever the other tenants hold.
     */
    default String objectInIdOrder(String organizationId, ObjectDef object, List<Object> params) {
        params.add(organizationId);
        params.add(object.slug());
        params.add(object.idPrefix() + '_');
        params.add(object.idPrefix() + '`');
        return "organization_id = ? and object = ? and id >= ? and id < ?";
    }

    /** The conflict clause of {@link #upsertRecords}' insert: a stored key's record takes the row's values. */
    String UPDATE_ON_KEY = "on conflict (organization_id, object, external_id) do update set data = excluded.data,"
            + " updated_at = excluded.updated_at, version = records.version + 1";

    /**
     * Inserts or updates records by external_id, whatever version they are at (a blind upsert), in as few statements
     * as the database allows. Rows are {id to give a new record, external_id (may be null), data JSON, …}, external
     * ids distinct; written at {@code now}, the records created marked as created by {@code importId} (may be null). A
     * stored record keeps its id and goes up one version. Hands {@code returned} one row ({@code external_id, id,
     * version}) per record written.
     */
    void upsertRecords(Handle h, String organizationId, String object, List<String[]> rows, long now,
            String importId, Handle.RowMapper<?> returned);

    /**
     * Updates records by external_id where the stored version is still the one read: rows are {id, external_id, data
     * JSON, expected version}, written at {@code now}. A record at another version, or gone, is left as it is. With an
     * {@code importId}, each record updated is logged in that import's change log (kind {@code updated}, the values
     * and version it had, the version written) by the database: the previous values are copied from the stored
     * record, never sent back over the wire. Hands {@code returned} one row ({@code external_id, id, version}) per
     * record updated. Nothing happens for no rows.
     */
    void updateRecords(Handle h, String organizationId, String object, List<String[]> rows, long now,
            String importId, Handle.RowMapper<?> returned);

    /**
     * Inserts new records where no record of the object has their external_id: rows are {id, external_id, data JSON,
     * …}, created at {@code now} by {@code importId} (may be null), at version 1. A row whose key another writer took
     * meanwhile is skipped. Hands {@code returned} one row ({@code external_id, id, version}) per record inserted.
     * Nothing happens for no rows.
     */
    void insertRecordsIfAbsent(Handle h, String organizationId, String object, List<String[]> rows, long now,
            String importId, Handle.RowMapper<?> returned);

    /**
     * Deletes records, each if it still has the version read, in the order given, and logs each one deleted in
     * {@code importId}'s change log (kind {@code deleted}, with the values, external id and version it had) by the
     * database, from the row it deletes. A record that changed or went is left out. Returns how many were deleted;
     * {@code deletes} is not empty.
     */
    int deleteRecords(Handle h, String organizationId, String importId, List<RecordStore.Versioned> deletes);

    /**
     * Inserts new records straight into the records table in bulk, when the database has a path for it (PostgreSQL's
     * COPY, SQLite's prepared multi-row inserts): rows are {id, external_id, data JSON, …}, created at {@code now} by {@code importId} (may be null), at
     * version 1. A row whose key exists fails the whole call with {@code transient_conflict} (the transaction is then
     * unusable; the caller retries it). Returns false, having done nothing, when there is no such path.
     */
    default boolean insertRecords(Handle h, String organizationId, String object, List<String[]> rows, long now,
            String importId) {
        return false;
    }

    /**
     * The text the database gives back for a record stored with {@code values}, when it is not the text
     * {@link ValueJson#encode} wrote (PostgreSQL prints jsonb in its own form); null when it is that text. An import
     * compares it with the stored text to find unchanged rows without decoding them. It must be JSON of the same values:
     * an import stores it instead of encoding the values a second time.
     */
    default String storedJsonText(Map<String, Value> values) {
        return null;
    }

    /**
     * Creates {@code dataDir}, where Freight keeps its files, before the database is opened, when the database keeps
     * its own file there by default (SQLite); nothing elsewhere.
     */
    default void createDataDirectory(Path dataDir) throws IOException {}

    /**
     * Lets the current transaction's commit return before the database has flushed it to disk, where that saves time
     * (PostgreSQL: {@code synchronous_commit} off for this transaction; SQLite in WAL mode with {@code synchronous =
     * NORMAL} already commits so). A crash of the database may then lose the last such commits, never a part of one,
     * and never one that an ordinary commit after it has made durable. Only for work that is redone when lost: an
     * import's chunk commits with its checkpoint.
     */
    default void asynchronousCommit(Handle h) {}

    /**
     * DDL that creates, unless it exists, the index {@code name} on {@code expression} of the organization's records
     * of {@code object} (a partial index: the other objects' writes do not maintain it). Runs outside a transaction.
     */
    String recordsIndex(String name, String object, String expression);

    /**
     * Refreshes the planner's statistics of {@code table} after a bulk write, so reads by key keep walking the key's
     * index: the records table while imports grow it from empty (key lookups), the change log and rejected rows of a
     * large import (read by import, in key order), one of an import's working tables once a pass has filled it, a
     * rollback's temporary table. Without them a planner may take the rows of a new key value for a handful, and read
     * and sort all of them for each read.
     */
    void refreshStatistics(Handle h, String table);

    /**
     * Creates, unless the connection has it, the temporary table {@code name} whose column definitions are
     * {@code columns} (their types as {@link #idType} and plain SQL types), seen by this connection only, and empties
     * it: a transaction's working set too large for memory. Call it in the transaction that fills the table, and
     * {@link #endTemporaryTable} before that transaction ends.
     */
    void temporaryTable(Handle h, String name, String columns);

    /**
     * Empties a table {@link #temporaryTable} created once the transaction that filled it is done with it, where the
     * database does not do so at commit by itself.
     */
    default void endTemporaryTable(Handle h, String name) {}

    /** The SQL type of a column of record ids that compares and sorts them as the records table's {@code id} does. */
    default String idType() {
        return "text";
    }

    /** Whether the transaction lost a race with another one (deadlock, serialization) and may simply be retried. */
    boolean isTransient(SQLException e);

    /**
     * The locking clause, with a leading space, of a select of records a transaction is about to delete, which it
     * then checks no record refers to: {@code " for update"} on PostgreSQL, where a writer that stores a reference to
     * one of them meanwhile waits for it ({@link #referenceLock}). Empty on SQLite, whose write transactions hold the
     * database's one write lock from their start, so that no other writer runs beside them: nothing to lock.
     */
    default String deleteLock() {
        return "";
    }

    /**
     * The locking clause, with a leading space, of a select of the records a transaction is about to store references
     * to: {@code " for key share"} on PostgreSQL, which waits for a transaction that {@link #deleteLock locked one to
     * delete it} and keeps that record from being deleted until this transaction ends, without holding back the
     * record's updates. Empty on SQLite (see {@link #deleteLock}).
     */
    default String referenceLock() {
        return "";
    }

    /**
     * The locking clause, with a leading space, of a select of imports whose rollback must not run beside the
     * transaction's: {@code " for share"} on PostgreSQL, which waits for a transaction that claimed one of them for its
     * rollback ({@code ImportStore.claimRollback}) and keeps them from being claimed until this transaction ends.
     * Empty on SQLite (see {@link #deleteLock}).
     */
    default String rollbackLock() {
        return "";
    }

    // ---- exports: reading a record's JSON values in SQL and streaming large results

    /**
     * SQL for the JSON text of the value at {@code path} in the records' {@code data} column, null when absent (e.g.
     * {@code "Acme"} with its quotes, {@code 85.5}, {@code ["a","b"]}). Path elements are field slugs, already checked
     * to be plain identifiers.
     */
    String jsonValue(List<String> path);

    /**
     * SQL that reads the values at {@code paths} of many rows, for fields whose values are JSON strings. Each path
     * gives two columns of {@link StringCells#columns}: the value as text (a string unquoted and unescaped, any other
     * value as its JSON text; null when absent or JSON null), then whether it is a JSON string ({@code t} or
     * {@code f}), which may be null when the text does not start with {@code [}, <code>{</code>, {@code -} or
     * {@code 0}: such a text is a string, or a number or boolean that reads like the string of the same text. Cheaper
     * than {@link #jsonValue}, which quotes and escapes every string.
     */
    StringCells jsonStrings(List<List<String>> paths);

    /**
     * Select-list expressions (two per path, see {@link #jsonStrings}), and what to compute once per row for them: select
     * items ({@code expression as alias}) of a subquery over {@code records} that the columns read from (none, or e.g.
     * {@code data ->> 'name' as s0}, which the columns then use twice).
     */
    record StringCells(List<String> columns, List<String> once) {
        public StringCells {
            columns = List.copyOf(columns);
            once = List.copyOf(once);
        }
    }

    /** SQL for the value at {@code path} as text (a string without quotes), comparable and sortable as text. */
    default String jsonText(List<String> path) {
        return jsonText("data", path);
    }

    /**
     * As {@link #jsonText(List)}, in the JSON that {@code data} (SQL, e.g. {@code records.data}, for a query whose
     * subquery reads the records table too) gives.
     */
    String jsonText(String data, List<String> path);

    /**
     * A FROM-list item, to follow the tables that give {@code data} (SQL of a record's JSON) and {@code slug} (SQL of a
     * field's slug), naming {@code alias} each JSON object within the value of that field: the value itself when it is
     * one, the items of its list, at any depth. None when the field is absent or null. {@link #jsonObjectText} reads a
     * member of each, {@link #jsonObjectOrder} orders them as the value holds them.
     */
    String jsonObjects(String data, String slug, String alias);

    /**
     * SQL for the {@code id} member of the value of the field {@code slug} (SQL of a field's slug) in {@code data} when
     * that value is a JSON object with one, which is then a reference (its other members are strings: it holds no other
     * object); null otherwise (a list, a labeled value, no value). Read by key, far cheaper than {@link #jsonObjects}'
     * walk, so a query can leave out before the walk the references that cannot name the records it asks about.
     */
    String jsonFieldId(String data, String slug);

    /**
     * SQL that is true when the JSON {@code data} gives has a member {@code slug} (SQL of a field's slug), whatever its
     * value: a look-up of one key, which a query tests before {@link #jsonObjects}' walk of the field so that a record
     * without the field is not walked for it.
     */
    String jsonFieldPresent(String data, String slug);

    /**
     * SQL for the text of {@code member} (a plain identifier) of the objects {@link #jsonObjects} names {@code alias}
     * within {@code data} (the SQL given to it).
     */
    String jsonObjectText(String data, String alias, String member);

    /** SQL that orders the objects {@link #jsonObjects} names {@code alias} as their value holds them. */
    String jsonObjectOrder(String alias);

    /** SQL for the value at {@code path} as a number; null when absent or not a JSON number. */
    String jsonNumber(List<String> path);

    /** SQL for the value at {@code path} as the text {@code 'true'} or {@code 'false'}; null when not a boolean. */
    String jsonBoolean(List<String> path);

    /** Placeholder for a {@link java.math.BigDecimal} parameter compared with {@link #jsonNumber}. */
    String numberParameter();

    /** {@code expression} ordered by code point, the same on every database. */
    String binaryOrder(String expression);

    /**
     * Whether a query streams its rows (rather than loading them all) only inside a transaction with a fetch size, as
     * PostgreSQL's driver does.
     */
    boolean streamsInTransaction();

    /**
     * Whether the handle of a {@link #streamText} query may run other queries while the stream's handler runs (on the
     * thread that reads the stream). Where it may not, such queries take another connection.
     */
    boolean queriesWhileStreaming();

    /** One row of a {@link #streamText} query. */
    interface TextRow {

        /** The cell at {@code column} (from 1) as text, null for SQL null; valid only during the handler's call. */
        String text(int column) throws SQLException;

        /**
         * The row as UTF-8 bytes, when the dialect reads rows so (then {@link #start} and {@link #end} tell where each
         * cell's text is); null otherwise. The array is the row's own: it may be kept after the handler's call.
         */
        default byte[] bytes() {
            return null;
        }

        /**
         * Where the text of the cell at {@code column} starts in {@link #bytes}; -1 when the cell is null, or its bytes
         * are not its text as they are (escaped), or the row is not read as bytes.
         */
        default int start(int column) {
            return -1;
        }

        /** Where the text of the cell at {@code column} ends (exclusive) in {@link #bytes}; see {@link #start}. */
        default int end(int column) {
            return -1;
        }
    }

    /** Receives the rows of a {@link #streamText} query in order; returns false to stop reading. */
    @FunctionalInterface
    interface TextRowHandler {
        boolean row(TextRow row) throws SQLException;
    }

    /**
     * Runs a query over many rows (parameters: {@link String}, {@link java.math.BigDecimal}, {@link Long},
     * {@link Integer}, or the one of an {@link #anyOf}) and hands its rows to {@code handler} one at a time, never holding the whole result. On a
     * handle with auto-commit. The default reads through JDBC with a fetch size, inside a transaction it rolls back
     * where {@link #streamsInTransaction}.
     */
    default void streamText(Handle h, String sql, List<Object> params, TextRowHandler handler) throws SQLException {
        h.streaming(() -> {
            try (PreparedStatement ps = h.connection().prepareStatement(sql)) {
                ps.setFetchSize(5_000);
                for (int i = 0; i < params.size(); i++) {
                    ps.setObject(i + 1, params.get(i));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    TextRow row = rs::getString;
                    while (rs.next() && handler.row(row)) {
                        // the handler took the row
                    }
                }
            }
        });
    }
}
