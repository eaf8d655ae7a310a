package dev.freight.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;

/** Reading nullable columns of a result row, as the stores keep them. Stateless. */
final class ResultColumns {

    private ResultColumns() {}

    /** A bigint column, or null. */
    static Long nullableLong(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    /** An instant kept as epoch milliseconds, or null. */
    static Instant instant(ResultSet rs, int column) throws SQLException {
        Long v = nullableLong(rs, column);
        return v == null ? null : Instant.ofEpochMilli(v);
    }
}
