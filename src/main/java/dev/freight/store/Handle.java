package dev.freight.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** A connection lent for one unit of work. Not thread-safe; never keep it past the callback that received it. */
public final class Handle {

    /** Maps the current row of a result set. */
    @FunctionalInterface
    public interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    private final Connection connection;
    private final Dialect dialect;

    Handle(Connection connection, Dialect dialect) {
        this.connection = connection;
        this.dialect = dialect;
    }

    public Dialect dialect() {
        return dialect;
    }

    /** The underlying connection, for a dialect's bulk path (e.g. COPY); never close it. */
    public Connection connection() {
        return connection;
    }

    public <T> List<T> query(String sql, RowMapper<T> mapper, Object... params) {
        return query(sql, mapper, Arrays.asList(params));
    }

    public <T> List<T> query(String sql, RowMapper<T> mapper, List<?> params) {
        try (PreparedStatement ps = prepare(sql, params);
                ResultSet rs = ps.executeQuery()) {
            List<T> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(mapper.map(rs));
            }
            return rows;
        } catch (SQLException e) {
            throw Database.translate(dialect, e);
        }
    }

    /**
     * Runs {@code sql} once per slice of {@code values} that fits the dialect's parameter limit: its {@code %s} becomes
     * the slice's {@link Dialect#inList} on {@code column}, bound after {@code leading}; every row goes to {@code row}.
     */
    public void queryIn(String sql, List<?> leading, String column, Collection<String> values, RowMapper<?> row) {
        List<String> all = List.copyOf(values);
        int perStatement = Math.max(1, dialect.maxParameters() - leading.size());
        for (int from = 0; from < all.size(); from += perStatement) {
            List<Object> params = new ArrayList<>(leading);
            String in = dialect.inList(this, column, all.subList(from, Math.min(all.size(), from + perStatement)),
                    params);
            query(sql.replace("%s", in), row, params);
        }
    }

    /**
     * Reads a large result a few rows at a time, row by row. Where the dialect streams only inside a transaction
     * (PostgreSQL) and this handle has auto-commit, the query runs in a transaction of its own, rolled back after.
     */
    public void forEach(String sql, RowMapper<?> row, Object... params) {
        try {
            streaming(() -> {
                try (PreparedStatement ps = prepare(sql, Arrays.asList(params))) {
                    ps.setFetchSize(1_000);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            row.map(rs);
                        }
                    }
                }
            });
        } catch (SQLException e) {
            throw Database.translate(dialect, e);
        }
    }

    /** Work on the connection that may throw {@link SQLException}. */
    @FunctionalInterface
    interface SqlWork {
        void run() throws SQLException;
    }

    /**
     * Runs {@code work}, which reads a large result with a fetch size, where that result streams: where the dialect
     * streams only inside a transaction and this handle has auto-commit, in a transaction of its own, rolled back
     * after.
     */
    void streaming(SqlWork work) throws SQLException {
        boolean cursor = dialect.streamsInTransaction() && connection.getAutoCommit();
        if (cursor) {
            connection.setAutoCommit(false);
        }
        try {
            work.run();
        } finally {
            if (cursor) {
                connection.rollback();
                connection.setAutoCommit(true);
            }
        }
    }

    public <T> Optional<T> queryFirst(String sql, RowMapper<T> mapper, Object... params) {
        List<T> rows = query(sql, mapper, Arrays.asList(params));
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.getFirst());
    }

    public int update(String sql, Object... params) {
        try (PreparedStatement ps = prepare(sql, Arrays.asList(params))) {
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw Database.translate(dialect, e);
        }
    }

    /** Runs plain SQL without parameters, e.g. DDL in tests. */
    public void execute(String sql) {
        try (var st = connection.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw Database.translate(dialect, e);
        }
    }

    /**
     * Runs {@code sql}, prepared once, with each of {@code runs} as its parameters in turn; the rows any run returns go
     * to {@code row}. For statements about one record each, where one statement about many would be planned badly.
     */
    public void executeEach(String sql, List<List<Object>> runs, RowMapper<?> row) {
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            for (List<Object> params : runs) {
                bind(ps, params);
                if (ps.execute()) {
                    try (ResultSet rs = ps.getResultSet()) {
                        while (rs.next()) {
                            row.map(rs);
                        }
                    }
                }
            }
        } catch (SQLException e) {
            throw Database.translate(dialect, e);
        }
    }

    /**
     * Runs {@code sql}, prepared once, with each of {@code runs} as its parameters, sent together as one batch (one
     * round trip to PostgreSQL instead of one per run); the rows each run changed, in order.
     */
    public int[] updateEach(String sql, List<List<Object>> runs) {
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            for (List<Object> params : runs) {
                bind(ps, params);
                ps.addBatch();
            }
            return runs.isEmpty() ? new int[0] : ps.executeBatch();
        } catch (SQLException e) {
            throw Database.translate(dialect, e);
        }
    }

    private PreparedStatement prepare(String sql, List<?> params) throws SQLException {
        PreparedStatement ps = connection.prepareStatement(sql);
        bind(ps, params);
        return ps;
    }

    private static void bind(PreparedStatement ps, List<?> params) throws SQLException {
        for (int i = 0; i < params.size(); i++) {
            ps.setObject(i + 1, params.get(i));
        }
    }
}
