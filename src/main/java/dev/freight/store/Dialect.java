package dev.freight.store;

import com.zaxxer.hikari.HikariConfig;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collections;
import java.util.List;

/** What differs between the databases Freight runs on. One implementation per database, chosen at start-up. */
public interface Dialect {

    /** Database name as used in migration folders: {@code sqlite} or {@code postgresql}. */
    String name();

    /** Placeholder for a JSON text parameter, e.g. {@code ?::jsonb}. */
    String jsonParameter();

    /**
     * An SQL expression for the text of a top-level member of a JSON column (null when absent or not a scalar).
     * {@code field} must be a field slug (letters, digits, '_').
     */
    String jsonText(String column, String field);

    /** Most bind parameters one statement may carry. */
    int maxParameters();

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

    /** Connection settings and pool size for this database. */
    void configure(HikariConfig config);

    boolean isUniqueViolation(SQLException e);

    /** Whether the failure is about the connection or server rather than the statement (worth a retry later). */
    boolean isUnavailable(SQLException e);

    /**
     * A condition that {@code column} is one of {@code values}, adding its parameters to {@code params}: an
     * {@code in (?, …)} list by default; PostgreSQL binds one array, which is far cheaper to plan.
     */
    default String inList(Handle h, String column, List<String> values, List<Object> params) {
        params.addAll(values);
        return column + " in (" + String.join(", ", Collections.nCopies(values.size(), "?")) + ")";
    }

    /**
     * Stages rows for one {@code INSERT … SELECT} into records, when the database has a faster path than binding
     * parameters (PostgreSQL's COPY). Each row is {id, external_id (may be null), data JSON}. Returns the table to
     * select {@code id, external_id, data} from, or null to bind the rows as parameters instead.
     */
    default String stageRecords(Handle h, List<String[]> rows) {
        return null;
    }

    /**
     * Refreshes the planner's statistics of the records table after a bulk write, so lookups by key keep using the
     * index while a table grows from empty during an import.
     */
    void refreshStatistics(Handle h);

    /** Whether the transaction lost a race with another one (deadlock, serialization) and may simply be retried. */
    boolean isTransient(SQLException e);
}
