package dev.freight.store.postgres;

import com.zaxxer.hikari.HikariConfig;
import dev.freight.schema.Value;
import dev.freight.store.Dialect;
import dev.freight.store.Handle;
import dev.freight.store.ImportStore;
import dev.freight.store.RecordStore;
import dev.freight.store.StoreException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOut;

/** PostgreSQL: jsonb values, batched statements rewritten by the driver. */
public final class PostgresDialect implements Dialect {

    /** The columns {@link #insertRecords} fills, in the order of its rows' text. */
    private static final List<String> RECORD_COLUMNS = List.of("id", "organization_id", "object", "external_id",
            "data", "created_at", "updated_at", "created_by_import");

    @Override
    public String name() {
        return "postgresql";
    }

    @Override
    public String jsonParameter() {
        return "?::jsonb";
    }

    @Override
    public int maxParameters() {
        return 32_000;
    }

    @Override
    public void configure(HikariConfig config) {
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        config.setMaximumPoolSize(12);
    }

    /**
     * Repeatable read, read only: the first query takes the snapshot the transaction's every query sees. A reader takes
     * no lock a writer of rows waits for.
     */
    @Override
    public void beginSnapshot(Connection c) throws SQLException {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("set transaction isolation level repeatable read, read only");
        }
    }

    @Override
    public boolean isUniqueViolation(SQLException e) {
        return "23505".equals(e.getSQLState());
    }

    @Override
    public String inList(Handle h, String column, List<String> values, List<Object> params) {
        params.add(textArray(h, values));
        return column + " = any(?)";
    }

    /**
     * {@code in} the elements of one array read by a subquery, which PostgreSQL hashes once (a hashed subplan, or a
     * hash join) in any plan, but for a join nested in a loop ({@link #inSetEach}). {@code = any} of a bound array
     * ({@link #inList}) is hashed only in a plan made with the array's values: under the generic plan the driver's
     * statements prepared on the server get from their fifth run, each row is compared with every element in turn. A
     * delete chunk's count of what refers to its 1,000 vendors among 100,000 services compared 100,000 ids with 1,000
     * that way: 14.1 s, 0.93 s with the subquery.
     */
    @Override
    public String inSet(Handle h, String column, Collection<String> values, List<Object> params) {
        params.add(textArray(h, List.copyOf(values)));
        return column + " in (select unnest(cast(? as text[])))";
    }

    /**
     * {@link #inSet} that no plan turns into a join: {@code is true} keeps the subquery a test (a hashed subplan),
     * which PostgreSQL's planner would otherwise join with the rows of the query as a semi-join. In a plan made with
     * the values, that join re-read the 1,000 ids of a delete chunk for each record's walk of a field (a hash join
     * nested in the loop over the records): 4.7 s for the count of what refers to 1,000 vendors among 20,000 services,
     * 0.10 s as a test.
     */
    @Override
    public String inSetEach(Handle h, String expression, Collection<String> values, List<Object> params) {
        return "(" + inSet(h, expression, values, params) + ") is true";
    }

    private static Array textArray(Handle h, List<String> values) {
        try {
            return h.connection().createArrayOf("text", values.toArray());
        } catch (SQLException e) {
            throw new StoreException("database_error", "Could not bind a text array", e);
        }
    }

    /**
     * {@code = any} of one array, bound as text ({@code String[]}, which {@link #streamText} can write as a literal)
     * and cast to the values' type: the same comparison as an {@code in} list, which PostgreSQL plans as
     * {@code = any} of an array anyway.
     */
    @Override
    public String anyOf(String expression, List<?> values, List<Object> params) {
        String type = switch (values.getFirst()) {
            case String s -> "text";
            case BigDecimal d -> "numeric";
            case Long l -> "bigint";
            default -> throw new IllegalArgumentException("cannot compare with a "
                    + values.getFirst().getClass().getName());
        };
        String[] texts = new String[values.size()];
        for (int i = 0; i < texts.length; i++) {
            texts[i] = switch (values.get(i)) {
                case String s when type.equals("text") -> s;
                case BigDecimal d when type.equals("numeric") -> d.toPlainString();
                case Long l when type.equals("bigint") -> l.toString();
                default -> throw new IllegalArgumentException("values of more than one type");
            };
        }
        params.add(texts);
        return expression + " = any(?::" + type + "[])";
    }

    @Override
    public void upsertRecords(Handle h, String organizationId, String object, List<String[]> rows, long now,
            String importId, Handle.RowMapper<?> returned) {
        insertStaged(h, organizationId, object, rows, importId, now, UPDATE_ON_KEY, returned);
    }

    @Override
    public void updateRecords(Handle h, String organizationId, String object, List<String[]> rows, long now,
            String importId, Handle.RowMapper<?> returned) {
        for (List<String[]> run : runs(rows)) {
            List<Object> params = new ArrayList<>();
            String stage = stagedRows(run, params);
            if (importId == null) {
                params.addAll(Arrays.asList(now, organizationId, object));
                h.query("with " + stage + " update records r set data = s.data, updated_at = ?,"
                        + " version = r.version + 1 from s where r.organization_id = ? and r.object = ?"
                        + " and r.external_id = s.external_id and r.version = s.expected"
                        + " returning r.external_id, r.id, r.version", returned, params);
            } else {
                // The second scan of records (o) reads the statement's snapshot: the record as it was before.
                params.addAll(Arrays.asList(now, organizationId, object, importId, object));
                h.query("with " + stage + ", updated as (update records r set data = s.data, updated_at = ?,"
                        + " version = r.version + 1 from s, records o where r.organization_id = ?"
                        + " and r.object = ? and r.external_id = s.external_id and r.version = s.expected"
                        + " and o.id = r.id returning r.external_id, r.id, r.version, o.data as previous_data,"
                        + " o.version as previous_version), logged as (" + ImportStore.insertChanges(this)
                        + " select ?, id, ?, external_id, 'updated', previous_data, previous_version, version"
                        + " from updated)"
                        + " select external_id, id, version from updated", returned, params);
            }
        }
    }

    @Override
    public void insertRecordsIfAbsent(Handle h, String organizationId, String object, List<String[]> rows, long now,
            String importId, Handle.RowMapper<?> returned) {
        insertStaged(h, organizationId, object, rows, importId, now,
                "on conflict (organization_id, object, external_id) do nothing", returned);
    }

    /** Inserts staged rows {id, external_id, data, …} ({@link #stagedRows}) with the given conflict clause. */
    private void insertStaged(Handle h, String organizationId, String object, List<String[]> rows,
            String importId, long now, String onConflict, Handle.RowMapper<?> returned) {
        for (List<String[]> run : runs(rows)) {
            List<Object> params = new ArrayList<>();
            String stage = stagedRows(run, params);
            params.addAll(Arrays.asList(organizationId, object, now, now, importId));
            h.query("with " + stage + " insert into records (id, organization_id, object, external_id, data,"
                    + " created_at, updated_at, created_by_import) select id, ?, ?, external_id, data, ?, ?, ? from s "
                    + onConflict + " returning external_id, id, version", returned, params);
        }
    }

    /**
     * Rows for one statement that reads them as the common table expression {@code s (id, external_id, data,
     * expected)}. Each row is {id, external_id (may be null), data JSON, expected version (null, or absent, for
     * none)}. Returns the expression ({@code s as (…)}) and adds its parameters to {@code params}, which the statement
     * must bind before any other.
     * <p>
     * Four array parameters, unnested: no temporary table to fill, empty and truncate at each commit. 1,000,000 updates
     * with their change log in 1,000-row transactions (a JDBC loop; the backend's CPU): 21.0-21.4 s from a temporary
     * table COPYed each time, 18.4-19.9 s from arrays.
     */
    private static String stagedRows(List<String[]> rows, List<Object> params) {
        int n = rows.size();
        String[] ids = new String[n];
        String[] keys = new String[n];
        String[] data = new String[n];
        Long[] expected = new Long[n];
        for (int i = 0; i < n; i++) {
            String[] row = rows.get(i);
            ids[i] = row[0];
            keys[i] = row[1];
            data[i] = row[2];
            expected[i] = row.length > 3 && row[3] != null ? Long.valueOf(row[3]) : null;
        }
        params.addAll(List.of(ids, keys, data, expected));
        return "s as (select id, external_id, data::jsonb as data, expected"
                + " from unnest(?::text[], ?::text[], ?::text[], ?::bigint[]) as v (id, external_id, data, expected))";
    }

    /** The most characters of JSON that one statement's staged rows carry (a row longer than that goes alone). */
    public static final int STAGED_CHARS = 100_000;

    /**
     * Staged rows in runs of at most {@link #STAGED_CHARS} characters of JSON, a statement each. The driver encodes a
     * statement's arrays into one byte array, and one of half a megabyte or more is humongous for the garbage collector
     * of a small heap (1 MiB G1 regions at -Xmx256m): each starts a concurrent marking cycle. A 1,000,000-row
     * all-update in 1,000-row statements kept G1's concurrent thread busy for 4.5 CPU-s (0.5 CPU-s with a temporary
     * table COPYed in 32 KiB pieces).
     */
    static List<List<String[]>> runs(List<String[]> rows) {
        List<List<String[]>> runs = new ArrayList<>();
        int from = 0;
        long chars = 0;
        for (int i = 0; i < rows.size(); i++) {
            int length = rows.get(i)[2] == null ? 0 : rows.get(i)[2].length();
            if (i > from && chars + length > STAGED_CHARS) {
                runs.add(rows.subList(from, i));
                from = i;
                chars = 0;
            }
            chars += length;
        }
        if (from < rows.size()) {
            runs.add(rows.subList(from, rows.size()));
        }
        return runs;
    }

    /** One statement for the whole list, as the checked update does: its log is written from what it returns. */
    @Override
    public int deleteRecords(Handle h, String organizationId, String importId, List<RecordStore.Versioned> deletes) {
        String[] ids = new String[deletes.size()];
        Long[] versions = new Long[deletes.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = deletes.get(i).id();
            versions[i] = deletes.get(i).version();
        }
        return h.query(deleteChecked(), rs -> rs.getString(1), ids, versions, organizationId, importId).size();
    }

    /**
     * Deletes records at the versions read and logs them in one statement. Parameters: ids, versions (arrays of equal
     * length), organization, import.
     */
    private String deleteChecked() {
        return "with deleted as (delete from records r using unnest(?::text[], ?::bigint[]) as d (id, version)"
                + " where r.organization_id = ? and r.id = d.id and r.version = d.version"
                + " returning r.id, r.object, r.external_id, r.data, r.version, r.created_by_import, r.created_at),"
                + " logged as (" + ImportStore.insertDeletions(this) + " select ?, id, object, external_id, 'deleted',"
                + " data, version, null::bigint, created_by_import, created_at from deleted) select id from deleted";
    }

    @Override
    public boolean insertRecords(Handle h, String organizationId, String object, List<String[]> rows, long now,
            String importId) {
        String fixed = '\t' + organizationId + '\t' + object + '\t';
        String times = "\t" + now + '\t' + now + '\t';
        copyIn(h, "records", RECORD_COLUMNS, "A record of the chunk was created meanwhile by another writer", text -> {
            for (String[] row : rows) {
                StringBuilder b = text.row();
                copyField(b, row[0]).append(fixed);
                copyField(b, row[1]).append('\t');
                copyField(b, row[2]).append(times);
                copyField(b, importId).append('\n');
            }
        });
        return true;
    }

    /** Writes rows in COPY's text format to a {@link CopyText}. */
    @FunctionalInterface
    private interface CopyRows {
        void write(CopyText text) throws SQLException;
    }

    /**
     * The text of a COPY, sent in pieces of about {@link #PIECE} characters as it is written, so no chunk's whole text
     * is ever held: a chunk of long rows would otherwise need arrays of half a megabyte and more, which the garbage
     * collector of a small heap allocates outside its young generation and collects only by marking the whole heap.
     */
    private static final class CopyText {
        static final int PIECE = 32 * 1024;
        private final CopyIn copy;
        private final StringBuilder text = new StringBuilder(PIECE + 4 * 1024);

        CopyText(CopyIn copy) {
            this.copy = copy;
        }

        /** Where the next row goes; the rows written so far are sent first once they fill a piece. */
        StringBuilder row() throws SQLException {
            if (text.length() >= PIECE) {
                flush();
            }
            return text;
        }

        void flush() throws SQLException {
            byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
            copy.writeToCopy(bytes, 0, bytes.length);
            text.setLength(0);
        }
    }

    /**
     * Runs {@code COPY table (columns) FROM STDIN} with the text {@code rows} writes. A unique violation fails with
     * {@code transient_conflict} and {@code conflict} as the message (another writer took a key meanwhile, so the
     * caller's retry may succeed); any other failure with {@code database_error}.
     */
    private void copyIn(Handle h, String table, List<String> columns, String conflict, CopyRows rows) {
        CopyIn copy = null;
        try {
            copy = h.connection().unwrap(PGConnection.class).getCopyAPI()
                    .copyIn("copy " + table + " (" + String.join(", ", columns) + ") from stdin");
            CopyText text = new CopyText(copy);
            rows.write(text);
            text.flush();
            copy.endCopy();
        } catch (SQLException e) {
            if (copy != null && copy.isActive()) {
                try {
                    copy.cancelCopy();
                } catch (SQLException cancel) {
                    e.addSuppressed(cancel);
                }
            }
            if (isUniqueViolation(e)) {
                throw new StoreException("transient_conflict", conflict, e);
            }
            throw new StoreException("database_error", "COPY into " + table + " failed (SQL state "
                    + e.getSQLState() + ")", e);
        }
    }

    /** A value in COPY's text format: \N for null; backslash, tab, newline and carriage return escaped. */
    private static StringBuilder copyField(StringBuilder b, String value) {
        if (value == null) {
            return b.append("\\N");
        }
        if (!needsEscape(value)) {
            return b.append(value);
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\t' -> b.append("\\t");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                default -> b.append(c);
            }
        }
        return b;
    }

    /** Four scans the JIT vectorizes: quicker than one loop testing every character four ways. */
    private static boolean needsEscape(String value) {
        return value.indexOf('\\') >= 0 || value.indexOf('\t') >= 0 || value.indexOf('\n') >= 0
                || value.indexOf('\r') >= 0;
    }


    @Override
    public String storedJsonText(Map<String, Value> values) {
        return JsonbText.of(values);
    }

    /** Saves the WAL flush of every chunk (about 2.5 ms each here, 2.6 s of a 1,000,000-row load). */
    @Override
    public void asynchronousCommit(Handle h) {
        h.execute("set local synchronous_commit = off");
    }

    /**
     * Not built concurrently: that waits for every older transaction of the database, a long export's among them,
     * and leaves an invalid index that "if not exists" then keeps when it fails. A plain build keeps writes to
     * records waiting while it reads the object's records, once (about a second per million).
     */
    @Override
    public String recordsIndex(String name, String object, String expression) {
        return "create index if not exists " + name + " on records (organization_id, " + expression
                + ") where object = '" + object + "'";
    }

    /**
     * A table never analyzed has no statistics: the planner guessed 287 rows and sorted 50,000 for each batch. Nor do
     * the statistics know a new import's rows until the next analyze: the first 1,001 of 200,000 rejected rows took
     * 57 ms to read instead of 1.3 ms, a page of 1,000 of a change log of 200,000 340 ms instead of 3 ms.
     */
    @Override
    public void refreshStatistics(Handle h, String table) {
        h.execute("analyze " + table);
    }

    /**
     * The house pattern of a transaction's working table: its rows go at commit (or rollback), so the table stays and
     * only its rows come and go. Emptied by a delete, not a truncate, which gives the table a new file each time.
     */
    @Override
    public void temporaryTable(Handle h, String name, String columns) {
        String[] names = connectionNames(h);
        try {
            // One round trip: the simple query protocol takes both statements at once.
            h.execute("create temporary table if not exists " + name + " (" + columns + ") on commit delete rows;"
                    + " delete from " + name);
        } catch (StoreException e) {
            if (e.getCause() instanceof SQLException sql && "42501".equals(sql.getSQLState())) {
                throw noTemporaryPrivilege(names[0], names[1], e);
            }
            throw e;
        }
    }

    /**
     * The database's and the user's names, from the connection's settings (no statement), read before the statement
     * that may need them: once it fails, the pool may already have closed the connection (a full-suite run got the
     * placeholders that way).
     */
    private static String[] connectionNames(Handle h) {
        try {
            return new String[] {h.connection().getCatalog(), h.connection().getMetaData().getUserName()};
        } catch (SQLException unnamed) {
            return new String[] {"<database>", "<user>"};
        }
    }

    /**
     * The TEMPORARY privilege revoked (from {@code public} and the user): a setting of the database for its operator
     * to change, named with the statement that changes it in the log; the API client is told only what is missing.
     */
    private static StoreException noTemporaryPrivilege(String database, String user, StoreException e) {
        return new StoreException("database_permission_denied", "The database user " + user + " lacks the"
                + " TEMPORARY privilege on the database " + database + ", which a rollback needs for its working"
                + " table; grant it with: GRANT TEMPORARY ON DATABASE " + identifier(database) + " TO "
                + identifier(user), "The database user lacks the TEMPORARY privilege on its database, which a rollback"
                + " needs for its working table; ask the operator to grant it: the server's log names the user, the"
                + " database and the GRANT under this error id", e.getCause());
    }

    /** {@code name} as an SQL identifier: as it is when PostgreSQL would read it unchanged, else quoted. */
    private static String identifier(String name) {
        return name.matches("[a-z_][a-z0-9_$]*") ? name : '"' + name.replace("\"", "\"\"") + '"';
    }

    /** Byte order, as the records table's ids (V7): a join of the two then needs no collation of its own. */
    @Override
    public String idType() {
        return "text collate \"C\"";
    }

    @Override
    public boolean isTransient(SQLException e) {
        return "40P01".equals(e.getSQLState()) || "40001".equals(e.getSQLState());
    }

    @Override
    public String deleteLock() {
        return " for update";
    }

    @Override
    public String referenceLock() {
        return " for key share";
    }

    @Override
    public String rollbackLock() {
        return " for share";
    }

    /**
     * A connection failure (class 08), or the server ending the session as it goes away: 57P01 admin_shutdown (a fast
     * shutdown or restart, pg_terminate_backend), 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up or
     * shutting down). Not the rest of class 57 (57014, a cancelled statement, is the statement's). Before, the 57P
     * states counted as a statement the database rejected, so a chunk cut off by a restart was replayed row by row.
     */
    @Override
    public boolean isUnavailable(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("08") || state.startsWith("57P"));
    }

    @Override
    public String jsonValue(List<String> path) {
        return "(data" + arrows(path, path.size()) + ")";
    }

    /**
     * {@code ->>} once per value in a subquery (an expression written twice is computed twice; a lateral subquery costs
     * a join per row), and the JSON type only for the few texts that could be something other than a string:
     * extracting a value as jsonb and printing it costs about as much as reading the whole row.
     */
    @Override
    public StringCells jsonStrings(List<List<String>> paths) {
        List<String> columns = new ArrayList<>();
        List<String> once = new ArrayList<>();
        for (int i = 0; i < paths.size(); i++) {
            String text = "string_cell_" + i;
            once.add(jsonText(paths.get(i)) + " as " + text);
            columns.add(text);
            // [ { are containers, - and 0 may start a number whose JSON text differs from its Java text (0.0000001)
            columns.add("(case when ascii(" + text + ") in (45, 48, 91, 123) then (case jsonb_typeof("
                    + jsonValue(paths.get(i)) + ") when 'string' then 't' else 'f' end) end)");
        }
        return new StringCells(columns, once);
    }

    @Override
    public String jsonText(String data, List<String> path) {
        return "(" + data + arrows(path, path.size() - 1) + " ->> '" + path.getLast() + "')";
    }

    /** A jsonpath query, so the objects are found as jsonb holds them: no value is printed and parsed again. */
    @Override
    public String jsonObjects(String data, String slug, String alias) {
        return "cross join lateral jsonb_path_query(" + data + " -> " + slug
                + ", 'strict $.** ? (@.type() == \"object\")') with ordinality as " + alias + "(item, pos)";
    }

    /**
     * The function of jsonb's {@code ?} operator, which JDBC would take for a parameter: a look-up of the key that
     * copies no value out. The lateral {@code jsonb_path_query} ran for a field the record does not have all the same:
     * 50,000 of the 101,000 walks of a delete chunk's check among 100,000 services, half of them without dependencies.
     */
    @Override
    public String jsonFieldPresent(String data, String slug) {
        return "jsonb_exists(" + data + ", " + slug + ")";
    }

    @Override
    public String jsonFieldId(String data, String slug) {
        return "(" + data + " -> " + slug + " ->> 'id')";
    }

    @Override
    public String jsonObjectText(String data, String alias, String member) {
        return "(" + alias + ".item ->> '" + member + "')";
    }

    @Override
    public String jsonObjectOrder(String alias) {
        return alias + ".pos";
    }

    @Override
    public String jsonNumber(List<String> path) {
        return "(case when jsonb_typeof(" + jsonValue(path) + ") = 'number' then " + jsonText(path)
                + "::numeric end)";
    }

    @Override
    public String jsonBoolean(List<String> path) {
        return "(case when jsonb_typeof(" + jsonValue(path) + ") = 'boolean' then " + jsonText(path) + " end)";
    }

    @Override
    public String numberParameter() {
        return "?";
    }

    @Override
    public String binaryOrder(String expression) {
        return expression + " collate \"C\"";
    }

    /** The driver loads a whole result unless auto-commit is off and a fetch size is set. */
    @Override
    public boolean streamsInTransaction() {
        return true;
    }

    /** {@link #streamText} is a COPY, which has the connection to itself until its last row is read. */
    @Override
    public boolean queriesWhileStreaming() {
        return false;
    }

    /**
     * {@code COPY (query) TO STDOUT}: the server streams rows as fast as they are read, where a cursor waits for each
     * fetch, so the database works while Java does. COPY takes no bind parameters, so they are written into the
     * statement as literals. When the handler stops early, the rest of the rows are read and dropped: cancelling a
     * COPY races with the next statement on the connection (the driver's cancelCopy left it out of step).
     */
    @Override
    public void streamText(Handle h, String sql, List<Object> params, TextRowHandler handler) throws SQLException {
        CopyOut copy = h.connection().unwrap(PGConnection.class).getCopyAPI()
                .copyOut("copy (" + withLiterals(sql, params) + ") to stdout");
        CopyTextRow row = new CopyTextRow();
        boolean reading = true;
        Exception failure = null;
        byte[] line;
        while ((line = copy.readFromCopy()) != null) {
            if (reading) {
                try {
                    row.parse(line);
                    reading = handler.row(row);
                } catch (SQLException | RuntimeException e) {
                    failure = e;
                    reading = false;
                }
            }
        }
        switch (failure) {
            case null -> {}
            case SQLException e -> throw e;
            case RuntimeException e -> throw e;
            default -> throw new IllegalStateException(failure);
        }
    }

    /** {@code sql} with each {@code ?} outside quotes replaced by its parameter as a literal. */
    static String withLiterals(String sql, List<Object> params) {
        StringBuilder b = new StringBuilder(sql.length() + 64 * params.size());
        int next = 0;
        boolean quoted = false;
        for (int i = 0; i < sql.length(); i++) {
            char c = sql.charAt(i);
            if (c == '\'') {
                quoted = !quoted;
            }
            if (c == '?' && !quoted) {
                if (next == params.size()) {
                    throw new IllegalArgumentException("more placeholders than the " + params.size() + " parameters");
                }
                literal(b, params.get(next++));
            } else {
                b.append(c);
            }
        }
        if (next != params.size()) {
            throw new IllegalArgumentException(params.size() + " parameters for " + next + " placeholders");
        }
        return b.toString();
    }

    /**
     * An escape-string literal (its meaning does not depend on standard_conforming_strings), a number, or a text array
     * of such literals.
     */
    private static void literal(StringBuilder b, Object value) {
        switch (value) {
            case String s -> b.append("E'").append(s.replace("\\", "\\\\").replace("'", "''")).append('\'');
            case BigDecimal d -> b.append('(').append(d.toPlainString()).append(')');
            case Long l -> b.append('(').append(l.longValue()).append(')');
            case Integer n -> b.append('(').append(n.intValue()).append(')');
            case String[] texts -> {
                b.append("(array[");
                for (int i = 0; i < texts.length; i++) {
                    literal(i == 0 ? b : b.append(", "), texts[i]);
                }
                b.append("]::text[])");
            }
            default -> throw new IllegalArgumentException("cannot write a " + value.getClass().getName()
                    + " as a literal");
        }
    }

    /**
     * A row of COPY's text format: tab-separated cells, {@code \\N} for null, backslash escapes for backslash, tab,
     * newline, carriage return, backspace, form feed and vertical tab. Parsing finds where the cells are; a cell is
     * decoded into a string only when asked for, and one without escapes can be read as the row's bytes.
     */
    private static final class CopyTextRow implements TextRow {

        private static final int NULL = -1;
        private static final int ESCAPED = -2;

        private byte[] line;
        /** Per cell: its start, its end, and {@link #NULL}, {@link #ESCAPED} or 0. */
        private int[] cells = new int[3 * 16];
        private int count;

        void parse(byte[] row) {
            line = row;
            int end = row.length;
            if (end > 0 && row[end - 1] == '\n') {
                end--;
            }
            count = 0;
            int start = 0;
            boolean escaped = false;
            for (int i = 0; i <= end; i++) {
                if (i == end || row[i] == '\t') {
                    add(start, i, !escaped ? 0 : i - start == 2 && row[start + 1] == 'N' ? NULL : ESCAPED);
                    start = i + 1;
                    escaped = false;
                } else if (row[i] == '\\') {
                    escaped = true;
                    i++;
                }
            }
        }

        private void add(int start, int end, int kind) {
            if (3 * count == cells.length) {
                cells = Arrays.copyOf(cells, cells.length * 2);
            }
            cells[3 * count] = start;
            cells[3 * count + 1] = end;
            cells[3 * count + 2] = kind;
            count++;
        }

        private static String unescape(byte[] line, int start, int end) {
            byte[] out = new byte[end - start];
            int n = 0;
            for (int i = start; i < end; i++) {
                byte c = line[i];
                if (c == '\\' && i + 1 < end) {
                    c = switch (line[++i]) {
                        case 'b' -> '\b';
                        case 'f' -> '\f';
                        case 'n' -> '\n';
                        case 'r' -> '\r';
                        case 't' -> '\t';
                        case 'v' -> 0x0B;
                        default -> line[i];
                    };
                }
                out[n++] = c;
            }
            return new String(out, 0, n, StandardCharsets.UTF_8);
        }

        private int cell(int column) throws SQLException {
            if (column < 1 || column > count) {
                throw new SQLException("COPY row has " + count + " cells, not " + column);
            }
            return 3 * (column - 1);
        }

        @Override
        public String text(int column) throws SQLException {
            int c = cell(column);
            return switch (cells[c + 2]) {
                case NULL -> null;
                case ESCAPED -> unescape(line, cells[c], cells[c + 1]);
                default -> new String(line, cells[c], cells[c + 1] - cells[c], StandardCharsets.UTF_8);
            };
        }

        @Override
        public byte[] bytes() {
            return line;
        }

        @Override
        public int start(int column) {
            int c = 3 * (column - 1);
            return column < 1 || column > count || cells[c + 2] != 0 ? -1 : cells[c];
        }

        @Override
        public int end(int column) {
            int c = 3 * (column - 1);
            return column < 1 || column > count || cells[c + 2] != 0 ? -1 : cells[c + 1];
        }
    }

    /** {@code -> 'a' -> 'b'} for the first {@code count} elements; elements are plain identifiers. */
    private static String arrows(List<String> path, int count) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < count; i++) {
            b.append(" -> '").append(path.get(i)).append('\'');
        }
        return b.toString();
    }
}
