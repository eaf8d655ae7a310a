package dev.freight.store.sqlite;

import com.zaxxer.hikari.HikariConfig;
import dev.freight.store.Dialect;
import dev.freight.store.Handle;
import java.sql.SQLException;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * SQLite: WAL journal, a busy timeout, and IMMEDIATE transactions so concurrent read-then-write transactions wait for
 * the write lock instead of failing with SQLITE_BUSY.
 */
public final class SqliteDialect implements Dialect {

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
    public void configure(HikariConfig config) {
        config.addDataSourceProperty("journal_mode", "WAL");
        config.addDataSourceProperty("synchronous", "NORMAL");
        config.addDataSourceProperty("busy_timeout", "30000");
        config.addDataSourceProperty("transaction_mode", "IMMEDIATE");
        config.addDataSourceProperty("foreign_keys", "true");
        config.addDataSourceProperty("cache_size", "-65536");
        config.setMaximumPoolSize(8);
    }

    @Override
    public boolean isUniqueViolation(SQLException e) {
        // The driver reports the primary result code (19); the extended one is on SQLiteException.
        return e instanceof SQLiteException s
                && (s.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE
                        || s.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY);
    }

    /** SQLite's planner uses the unique index for key lookups without statistics. */
    @Override
    public void refreshStatistics(Handle h) {}

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
}
