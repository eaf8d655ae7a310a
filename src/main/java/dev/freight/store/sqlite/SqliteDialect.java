package dev.freight.store.sqlite;

import com.zaxxer.hikari.HikariConfig;
import dev.freight.schema.ObjectDef;
import dev.freight.store.Dialect;
import dev.freight.store.Handle;
import dev.freight.store.ImportStore;
import dev.freight.store.RecordStore;
import dev.freight.store.StoreException;
import dev.freight.store.ValueJson;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * SQLite: WAL journal, a busy timeout, and IMMEDIATE transactions so concurrent read-then-write transactions wait for
 * the write lock instead of failing with SQLITE_BUSY.
 */
public final class SqliteDialect implements Dialect {

    private static final Logger log = LoggerFactory.getLogger(SqliteDialect.class);

    /**
     * The page size of a database file Freight creates, in bytes. SQLite's default of 4 KiB cost an import a sixth
     * more of the writer thread's time: more pages to split, write to the WAL and checkpoint per row.
     */
    static final int PAGE_SIZE = 16_384;

    /** WAL pages after which a committing writer checkpoints itself: 80 MiB of 16 KiB pages. */
    static final int WRITER_CHECKPOINT_PAGES = 5_000;
    private static final long CHECKPOINT_EVERY_MILLIS = 200;

    private final ReentrantLock writers = new ReentrantLock(true);

    @Override
    public String name() {
        return "sqlite";
    }

    @Override
    public String jsonParameter() {
        return "?";
    }

    @Override
    public int maxParameters() {
        return 32_000;
    }

    @Override
    public String inSet(Handle h, String column, Collection<String> values, List<Object> params) {
        params.add(ValueJson.write(List.copyOf(values)));
        return column + " in (select value from json_each(?))";
    }

    /**
     * {@code in} the items of one JSON array: strings, each number as the text the driver binds a
     * {@link BigDecimal} with and cast as {@link #numberParameter} casts it, integers as JSON numbers.
     */
    @Override
    public String anyOf(String expression, List<?> values, List<Object> params) {
        Class<?> type = values.getFirst().getClass();
        if (type != String.class && type != BigDecimal.class && type != Long.class) {
            throw new IllegalArgumentException("cannot compare with a " + type.getName());
        }
        boolean numbers = type == BigDecimal.class;
        List<Object> items = new ArrayList<>(values.size());
        for (Object v : values) {
            if (v.getClass() != type) {
                throw new IllegalArgumentException("values of more than one type");
            }
            items.add(numbers ? v.toString() : v);
        }
        params.add(ValueJson.write(items));
        return expression + " in (select " + (numbers ? "cast(value as numeric)" : "value") + " from json_each(?))";
    }

    /** The most values {@link #externalIdIn} looks up one by one; more are compared along the object's records. */
    static final int EXTERNAL_IDS_LOOKED_UP = 1_000;

    /**
     * Up to {@link #EXTERNAL_IDS_LOOKED_UP} values, each looked up in the unique index
     * {@code (organization_id, object, external_id)} (the cross join keeps the values outermost), the records then read
     * by id in id order. {@link #anyOf} of the column had SQLite walk the object's records in id order and test each
     * (it has no statistics of how few match): of 200,000, a page for 2 values took 52–291 ms and an export 52–286 ms,
     * now 4–35 ms and under 5 ms. Past a few thousand values the walk is the quicker for a page, which stops at its
     * limit (10,000 values: 6–52 ms walking, 47–110 ms looking up), so longer lists keep it. An export, which reads
     * every match, gains nothing from a higher cut-off either: a CSV export job (its count and its stream) of 200,000
     * vendors took 172–199 ms walking and 247–410 ms looking up 5,000 values, 1,036–1,311 ms and 2,702–2,935 ms for
     * 50,000 (medians of 7 runs, two runs each).
     */
    @Override
    public String externalIdIn(String organizationId, ObjectDef object, List<?> values, List<Object> params) {
        if (values.size() > EXTERNAL_IDS_LOOKED_UP) {
            return anyOf("external_id", values, params);
        }
        params.add(ValueJson.write(values));
        params.add(organizationId);
        params.add(object.slug());
        return "records.id in (select named.id from json_each(?) looked_up cross join records named"
                + " on named.organization_id = ? and named.object = ? and named.external_id = looked_up.value)";
    }

    @Override
    public String orFail() {
        return "or fail ";
    }

    @Override
    public void configure(HikariConfig config) {
        createFile(config.getJdbcUrl());
        config.addDataSourceProperty("journal_mode", "WAL");
        config.addDataSourceProperty("synchronous", "NORMAL");
        config.addDataSourceProperty("busy_timeout", "30000");
        config.addDataSourceProperty("transaction_mode", "IMMEDIATE");
        config.addDataSourceProperty("foreign_keys", "true");
        config.addDataSourceProperty("cache_size", "-65536");
        // upkeep() checkpoints in the background; a writer checkpoints itself only when that falls far behind.
        config.setConnectionInitSql("pragma wal_autocheckpoint = " + WRITER_CHECKPOINT_PAGES);
        config.setMaximumPoolSize(8);
    }

    /**
     * Creates the database file of {@code url} with {@link #PAGE_SIZE} pages when it does not exist yet or is empty.
     * The page size of a file is fixed by its first write, which is the pool's switch to WAL mode, so it has to be set
     * before the pool opens the file. An existing file keeps its page size (changing it would rewrite the database).
     * When the file cannot be created here, the pool reports why on its first connection.
     */
    private static void createFile(String url) {
        String location = url.substring("jdbc:sqlite:".length());
        int query = location.indexOf('?');
        location = query < 0 ? location : location.substring(0, query);
        if (location.isEmpty() || location.startsWith(":") || location.startsWith("file:")) {
            return;
        }
        Path file = Path.of(location);
        try {
            if (Files.isRegularFile(file) && Files.size(file) > 0) {
                return;
            }
        } catch (IOException e) {
            return;
        }
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("pragma page_size = " + PAGE_SIZE);
            s.execute("pragma journal_mode = WAL");
        } catch (SQLException e) {
            log.debug("Could not create {} with {}-byte pages: {}", file, PAGE_SIZE, e.getMessage());
        }
    }

    /**
     * Copies committed WAL pages into the database file from a thread of its own, every 200 ms, without waiting for
     * or blocking writers (a passive checkpoint). SQLite would otherwise checkpoint inside the commit of whichever
     * writer crossed its threshold: a third of an import's commit time, spent on the writer's thread. Once a
     * checkpoint has caught up, the next writer starts the WAL file over, so it stays small. Closing stops the thread
     * and truncates the WAL.
     */
    @Override
    public AutoCloseable upkeep(DataSource pool) {
        Thread checkpointer = Thread.ofPlatform().daemon().name("freight-sqlite-checkpoint").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(CHECKPOINT_EVERY_MILLIS);
                } catch (InterruptedException stopped) {
                    return;
                }
                checkpoint(pool, "passive");
            }
        });
        return () -> {
            checkpointer.interrupt();
            checkpointer.join();
            checkpoint(pool, "truncate");
        };
    }

    private static void checkpoint(DataSource pool, String mode) {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("pragma wal_checkpoint(" + mode + ")");
        } catch (SQLException e) {
            // The next round tries again; a writer checkpoints itself when the WAL grows past its threshold.
            log.debug("SQLite {} checkpoint failed: {}", mode, e.getMessage());
        }
    }

    /**
     * Plain statements on an auto-commit connection: the driver's own {@code commit()} begins the next transaction at
     * once, so leaving auto-commit mode would take the write lock a second time for an empty transaction.
     */
    @Override
    public void begin(Connection c) throws SQLException {
        // SQLite has one writer at a time. Queue this process's writers fairly (first come, first served) rather
        // than let them sleep-poll for the write lock in the driver's busy handler, which starves unlucky ones.
        writers.lock();
        try (Statement s = c.createStatement()) {
            s.execute("begin immediate");
        } catch (SQLException | RuntimeException e) {
            writers.unlock();
            throw e;
        }
    }

    /**
     * A deferred transaction, which takes no lock until it reads and then only reads: in WAL mode its first read fixes
     * the snapshot all its reads see, while writers go on. Not queued with the writers.
     */
    @Override
    public void beginSnapshot(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("begin deferred");
        }
    }

    @Override
    public void commit(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("commit");
        }
        // Only after a commit that worked: a failed one leaves the transaction open, and the rollback releases.
        unlockIfHeld();
    }

    @Override
    public void rollback(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("rollback");
        } finally {
            unlockIfHeld();
        }
    }

    private void unlockIfHeld() {
        if (writers.isHeldByCurrentThread()) {
            writers.unlock();
        }
    }

    @Override
    public boolean isUniqueViolation(SQLException e) {
        // The driver reports the primary result code (19); the extended one is on SQLiteException.
        return e instanceof SQLiteException s
                && (s.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE
                        || s.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY);
    }

    /**
     * Rows go in groups of {@value #ROWS_PER_INSERT}, each group one execution of a prepared multi-row insert whose
     * values name the chunk's constants ({@code ?1}–{@code ?4}) once: three parameters bound per row instead of
     * eight, and one step per group instead of one per row. The 1,000,000 rows of the import benchmark go into
     * SQLite in 3.0 s this way against 4.5 s as a batch of single-row inserts, and in 7.3 s as multi-row inserts of
     * a whole chunk, parsed again for every chunk. The rest of the chunk (fewer than a group) goes through the
     * single-row form as a batch. A taken key cannot occur while this process holds the write lock after reading
     * the keys; it fails the call all the same, as the port requires.
     */
    @Override
    public boolean insertRecords(Handle h, String organizationId, String object, List<String[]> rows, long now,
            String importId) {
        int grouped = rows.size() - rows.size() % ROWS_PER_INSERT;
        try {
            if (grouped > 0) {
                try (PreparedStatement ps = h.connection().prepareStatement(INSERT_GROUP)) {
                    bindConstants(ps, organizationId, object, now, importId);
                    for (int start = 0; start < grouped; start += ROWS_PER_INSERT) {
                        int p = CONSTANTS;
                        for (String[] row : rows.subList(start, start + ROWS_PER_INSERT)) {
                            ps.setString(++p, row[0]);
                            ps.setString(++p, row[1]);
                            ps.setString(++p, row[2]);
                        }
                        ps.executeUpdate();
                    }
                }
            }
            if (grouped < rows.size()) {
                try (PreparedStatement ps = h.connection().prepareStatement(INSERT_ONE)) {
                    bindConstants(ps, organizationId, object, now, importId);
                    for (String[] row : rows.subList(grouped, rows.size())) {
                        ps.setString(CONSTANTS + 1, row[0]);
                        ps.setString(CONSTANTS + 2, row[1]);
                        ps.setString(CONSTANTS + 3, row[2]);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            }
        } catch (SQLException e) {
            if (isUniqueViolation(e)) {
                throw new StoreException("transient_conflict", "A record of the chunk was created meanwhile by"
                        + " another writer", e);
            }
            throw new StoreException("database_error", "insert into records failed: " + e.getMessage(), e);
        }
        return true;
    }

    static final int ROWS_PER_INSERT = 50;
    /** Organization, object, time and import: ?1 to ?4 in every row of {@link #insertRows}. */
    private static final int CONSTANTS = 4;
    private static final String INSERT_GROUP = insertRows(ROWS_PER_INSERT);
    private static final String INSERT_ONE = insertRows(1);

    private static String insertRows(int count) {
        StringBuilder sql = new StringBuilder("insert or fail into records (id, organization_id, object, external_id,"
                + " data, created_at, updated_at, created_by_import) values ");
        for (int i = 0; i < count; i++) {
            int p = CONSTANTS + 3 * i;
            sql.append(i == 0 ? "" : ", ").append("(?").append(p + 1).append(", ?1, ?2, ?").append(p + 2)
                    .append(", ?").append(p + 3).append(", ?3, ?3, ?4)");
        }
        return sql.toString();
    }

    private static void bindConstants(PreparedStatement ps, String organizationId, String object, long now,
            String importId) throws SQLException {
        ps.setString(1, organizationId);
        ps.setString(2, object);
        ps.setLong(3, now);
        ps.setString(4, importId);
    }

    /** Parameters of one row of {@link #insertSlice}. */
    private static final int COLUMNS = 8;

    @Override
    public void upsertRecords(Handle h, String organizationId, String object, List<String[]> rows, long now,
            String importId, Handle.RowMapper<?> returned) {
        insertSlices(h, organizationId, object, rows, importId, now, UPDATE_ON_KEY, returned);
    }

    /**
     * One statement per record: SQLite plans an update joined with a list of values as a walk over every record of
     * the object (87 s for a chunk of 1,000 updates among 1,000,000 records).
     */
    @Override
    public void updateRecords(Handle h, String organizationId, String object, List<String[]> rows, long now,
            String importId, Handle.RowMapper<?> returned) {
        if (rows.isEmpty()) {
            return;
        }
        if (importId != null) {
            logUpdates(h, organizationId, object, importId, rows);
        }
        List<List<Object>> runs = new ArrayList<>(rows.size());
        for (String[] r : rows) {
            runs.add(List.of(r[2], now, organizationId, object, r[1], Long.parseLong(r[3])));
        }
        h.executeEach(updateOne(), runs, returned);
    }

    /**
     * Logs what {@code updates} (staged rows {id, external_id, data, expected}) are about to overwrite, before they
     * run in the same transaction: an update here cannot return the values it replaced.
     */
    private void logUpdates(Handle h, String organizationId, String object, String importId,
            List<String[]> updates) {
        List<List<Object>> runs = new ArrayList<>(updates.size());
        for (String[] r : updates) {
            runs.add(List.of(importId, object, organizationId, object, r[1], Long.parseLong(r[3])));
        }
        h.executeEach(logUpdateOne(), runs, rs -> null);
    }

    /**
     * Updates one record if its version is still the one read. Parameters: data, time, organization, object, external
     * id, version.
     */
    String updateOne() {
        return "update " + orFail() + "records set data = " + jsonParameter()
                + ", updated_at = ?, version = version + 1"
                + " where organization_id = ? and object = ? and external_id = ? and version = ?"
                + " returning external_id, id, version";
    }

    /**
     * Logs what an update of one record is about to replace. Parameters: import, object, organization, object, external
     * id, version.
     */
    String logUpdateOne() {
        return ImportStore.insertChanges(this) + " select ?, id, ?, external_id, 'updated', data, version,"
                + " version + 1 from records where organization_id = ? and object = ? and external_id = ?"
                + " and version = ?";
    }

    @Override
    public void insertRecordsIfAbsent(Handle h, String organizationId, String object, List<String[]> rows, long now,
            String importId, Handle.RowMapper<?> returned) {
        insertSlices(h, organizationId, object, rows, importId, now, "on conflict do nothing", returned);
    }

    /** Staged rows in multi-row inserts of as many rows as the parameter limit allows, with the conflict clause. */
    private void insertSlices(Handle h, String organizationId, String object, List<String[]> rows, String importId,
            long now, String onConflict, Handle.RowMapper<?> returned) {
        int perStatement = Math.max(1, maxParameters() / COLUMNS);
        for (int from = 0; from < rows.size(); from += perStatement) {
            List<String[]> slice = rows.subList(from, Math.min(rows.size(), from + perStatement));
            insertSlice(h, organizationId, object, slice, importId, now, onConflict, returned);
        }
    }

    /** One multi-row insert of staged rows {id, external_id, data, …} with the given conflict clause. */
    private void insertSlice(Handle h, String organizationId, String object, List<String[]> rows,
            String importId, long now, String onConflict, Handle.RowMapper<?> returned) {
        String row = "(?, ?, ?, ?, " + jsonParameter() + ", ?, ?, ?)";
        StringBuilder sql = new StringBuilder("insert " + orFail() + "into records (id, organization_id,"
                + " object, external_id, data, created_at, updated_at, created_by_import) values ");
        List<Object> params = new ArrayList<>(rows.size() * COLUMNS);
        for (int i = 0; i < rows.size(); i++) {
            String[] r = rows.get(i);
            sql.append(i == 0 ? row : ", " + row);
            params.add(r[0]);
            params.add(organizationId);
            params.add(object);
            params.add(r[1]);
            params.add(r[2]);
            params.add(now);
            params.add(now);
            params.add(importId);
        }
        sql.append(' ').append(onConflict).append(" returning external_id, id, version");
        h.query(sql.toString(), returned, params);
    }

    /**
     * One statement per record, prepared once, under the write lock: SQLite plans a statement joined with a list of
     * values as a walk over every record of the object. The log goes first, since the record is gone after.
     */
    @Override
    public int deleteRecords(Handle h, String organizationId, String importId, List<RecordStore.Versioned> deletes) {
        List<List<Object>> logRuns = new ArrayList<>(deletes.size());
        List<List<Object>> deleteRuns = new ArrayList<>(deletes.size());
        for (RecordStore.Versioned d : deletes) {
            logRuns.add(List.of(importId, organizationId, d.id(), d.version()));
            deleteRuns.add(List.of(organizationId, d.id(), d.version()));
        }
        h.executeEach(ImportStore.insertDeletions(this) + " select ?, id, object, external_id, 'deleted', data,"
                + " version, null, created_by_import, created_at from records where organization_id = ? and id = ?"
                + " and version = ?",
                logRuns, rs -> null);
        int deleted = 0;
        for (int count : h.updateEach(DELETE_ONE, deleteRuns)) {
            deleted += count;
        }
        return deleted;
    }

    /** Deletes one record if it still has the version read. Parameters: organization, id, version. */
    private static final String DELETE_ONE = "delete from records where organization_id = ? and id = ? and version = ?";

    /** The default database file lies in it, and SQLite creates a missing file but not its directory. */
    @Override
    public void createDataDirectory(Path dataDir) throws IOException {
        Files.createDirectories(dataDir);
    }

    @Override
    public String recordsIndex(String name, String object, String expression) {
        return "create index if not exists " + name + " on records (organization_id, " + expression
                + ") where object = '" + object + "'";
    }

    /**
     * Nothing: SQLite's planner walks the keys without statistics (key lookups by the unique index; an import's first
     * 1,001 errors and the change log's pages by the primary keys, the same plans before and after an analyze of 20,000
     * of each), and an analyze reads the whole table holding the database's one write lock, which every chunk of every
     * import would wait for.
     */
    @Override
    public void refreshStatistics(Handle h, String table) {}

    /**
     * A table of the connection's temporary database: its rows stay after a commit, so it is emptied both before use
     * and by {@link #endTemporaryTable}, lest they sit in the temporary file until the next use of the connection.
     */
    @Override
    public void temporaryTable(Handle h, String name, String columns) {
        h.execute("create temp table if not exists " + name + " (" + columns + ")");
        h.execute("delete from temp." + name);
    }

    @Override
    public void endTemporaryTable(Handle h, String name) {
        h.execute("delete from temp." + name);
    }

    /** IMMEDIATE transactions wait for the write lock (busy_timeout) instead of deadlocking. */
    @Override
    public boolean isTransient(SQLException e) {
        return false;
    }

    @Override
    public boolean isUnavailable(SQLException e) {
        return e.getMessage() != null
                && (e.getMessage().contains("SQLITE_CANTOPEN") || e.getMessage().contains("SQLITE_BUSY"));
    }

    /**
     * Only a file that cannot be opened: {@code SQLITE_BUSY} (another process holding the write lock past the busy
     * timeout) leaves every connection as good as it was, each with its page cache, so none is dropped.
     */
    @Override
    public boolean lostConnections(SQLException e) {
        return e.getMessage() != null && e.getMessage().contains("SQLITE_CANTOPEN");
    }

    @Override
    public String jsonValue(List<String> path) {
        return "(data -> " + path(path) + ")";
    }

    /** SQLite's JSON functions read its text format directly, so the type is always given. */
    @Override
    public StringCells jsonStrings(List<List<String>> paths) {
        List<String> columns = new ArrayList<>();
        for (List<String> path : paths) {
            String type = "json_type(data, " + path(path) + ")";
            columns.add("(case when " + type + " = 'text' then " + jsonText(path) + " else " + jsonValue(path)
                    + " end)");
            columns.add("(case when " + type + " = 'text' then 't' else 'f' end)");
        }
        return new StringCells(columns, List.of());
    }

    @Override
    public String jsonText(String data, List<String> path) {
        return "json_extract(" + data + ", " + path(path) + ")";
    }

    /** {@code json_tree} walks the field's value (an object's members too, which a reference's are not). */
    @Override
    public String jsonObjects(String data, String slug, String alias) {
        return "join json_tree(" + data + ", '$.\"' || " + slug + " || '\"') as " + alias + " on " + alias
                + ".type = 'object'";
    }

    /** {@code json_type} is null only for a path the JSON does not have ({@code 'null'} for a JSON null). */
    @Override
    public String jsonFieldPresent(String data, String slug) {
        return "json_type(" + data + ", '$.\"' || " + slug + " || '\"') is not null";
    }

    @Override
    public String jsonFieldId(String data, String slug) {
        return "json_extract(" + data + ", '$.\"' || " + slug + " || '\".id')";
    }

    /**
     * Read from the record's JSON at the object's path: {@code json_extract} of the walk's {@code value} failed as
     * malformed JSON once conditions on it were added (in the sqlite3 3.40 shell and through the driver alike), for
     * an object nested in a list among others.
     */
    @Override
    public String jsonObjectText(String data, String alias, String member) {
        return "json_extract(" + data + ", " + alias + ".fullkey || '." + member + "')";
    }

    @Override
    public String jsonObjectOrder(String alias) {
        return alias + ".id";
    }

    @Override
    public String jsonNumber(List<String> path) {
        return "(case when json_type(data, " + path(path) + ") in ('integer', 'real') then json_extract(data, "
                + path(path) + ") end)";
    }

    @Override
    public String jsonBoolean(List<String> path) {
        return "(case json_type(data, " + path(path) + ") when 'true' then 'true' when 'false' then 'false' end)";
    }

    /** The driver binds a BigDecimal as text, which never equals a JSON number. */
    @Override
    public String numberParameter() {
        return "cast(? as numeric)";
    }

    @Override
    public String binaryOrder(String expression) {
        return expression;
    }

    /** sqlite-jdbc steps through results row by row already. */
    @Override
    public boolean streamsInTransaction() {
        return false;
    }

    /** A connection keeps any number of statements open; one stepping through a result leaves the others free. */
    @Override
    public boolean queriesWhileStreaming() {
        return true;
    }

    /** A JSON path literal such as {@code '$."a"."b"'}; elements are plain identifiers, checked by the caller. */
    private static String path(List<String> path) {
        StringBuilder b = new StringBuilder("'$");
        for (String key : path) {
            b.append(".\"").append(key).append('"');
        }
        return b.append('\'').toString();
    }
}
