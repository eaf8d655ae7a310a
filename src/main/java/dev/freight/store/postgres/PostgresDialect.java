package dev.freight.store.postgres;

import com.zaxxer.hikari.HikariConfig;
import dev.freight.store.Dialect;
import dev.freight.store.Handle;
import dev.freight.store.StoreException;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/** PostgreSQL: jsonb values, batched statements rewritten by the driver. */
public final class PostgresDialect implements Dialect {

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

    @Override
    public boolean isUniqueViolation(SQLException e) {
        return "23505".equals(e.getSQLState());
    }

    @Override
    public String inList(Handle h, String column, List<String> values, List<Object> params) {
        try {
            params.add(h.connection().createArrayOf("text", values.toArray()));
        } catch (SQLException e) {
            throw new StoreException("database_error", "Could not bind a text array", e);
        }
        return column + " = any(?)";
    }

    /** COPY into a temporary table: far cheaper than binding three parameters per row. */
    @Override
    public String stageRecords(Handle h, List<String[]> rows) {
        // One round trip: the simple query protocol takes both statements at once.
        h.execute("create temporary table if not exists records_stage (id text, external_id text, data jsonb)"
                + " on commit delete rows; truncate records_stage");
        StringBuilder text = new StringBuilder(rows.size() * 200);
        for (String[] row : rows) {
            copyField(text, row[0]).append('\t');
            copyField(text, row[1]).append('\t');
            copyField(text, row[2]).append('\n');
        }
        try {
            CopyManager copy = h.connection().unwrap(PGConnection.class).getCopyAPI();
            copy.copyIn("copy records_stage (id, external_id, data) from stdin", new StringReader(text.toString()));
        } catch (SQLException e) {
            throw new StoreException("database_error", "COPY into the staging table failed (SQL state "
                    + e.getSQLState() + ")", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "records_stage";
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

    private static boolean needsEscape(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' || c == '\t' || c == '\n' || c == '\r') {
                return true;
            }
        }
        return false;
    }

    @Override
    public void refreshStatistics(Handle h) {
        h.execute("analyze records");
    }

    @Override
    public boolean isTransient(SQLException e) {
        return "40P01".equals(e.getSQLState()) || "40001".equals(e.getSQLState());
    }

    @Override
    public boolean isUnavailable(SQLException e) {
        return e.getSQLState() != null && e.getSQLState().startsWith("08");
    }

    @Override
    public String jsonValue(List<String> path) {
        return "(data" + arrows(path, path.size()) + ")";
    }

    /**
     * {@code ->>} once per value in a lateral subquery (an expression written twice is computed twice), and the JSON
     * type only for the few texts that could be something other than a string: extracting a value as jsonb and
     * printing it costs about as much as reading the whole row.
     */
    @Override
    public StringCells jsonStrings(List<List<String>> paths) {
        if (paths.isEmpty()) {
            return new StringCells(List.of(), "");
        }
        List<String> columns = new ArrayList<>();
        StringBuilder lateral = new StringBuilder(" cross join lateral (select ");
        for (int i = 0; i < paths.size(); i++) {
            String text = "string_cells.s" + i;
            lateral.append(i > 0 ? ", " : "").append(jsonText(paths.get(i))).append(" as s").append(i);
            columns.add(text);
            // [ { are containers, - and 0 may start a number whose JSON text differs from its Java text (0.0000001)
            columns.add("(case when ascii(" + text + ") in (45, 48, 91, 123) then jsonb_typeof("
                    + jsonValue(paths.get(i)) + ") = 'string' end)");
        }
        return new StringCells(columns, lateral.append(" offset 0) string_cells").toString());
    }

    @Override
    public String jsonText(List<String> path) {
        return "(data" + arrows(path, path.size() - 1) + " ->> '" + path.getLast() + "')";
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

    /** {@code -> 'a' -> 'b'} for the first {@code count} elements; elements are plain identifiers. */
    private static String arrows(List<String> path, int count) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < count; i++) {
            b.append(" -> '").append(path.get(i)).append('\'');
        }
        return b.toString();
    }
}
