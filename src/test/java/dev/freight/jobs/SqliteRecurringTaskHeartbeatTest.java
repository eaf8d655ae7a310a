package dev.freight.jobs;

import dev.freight.store.Database;
import dev.freight.store.sqlite.SqliteDialect;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * The heartbeats wait as another process holds SQLite's write lock ({@code begin immediate} on a connection of the
 * test's own, as {@link SqliteDatabaseOutageTest} takes it); the sweeps' own write transactions wait for it too.
 */
class SqliteRecurringTaskHeartbeatTest extends RecurringTaskHeartbeatContract {

    private Path file;
    private Connection locker;

    @Override
    Database open() {
        try {
            file = Files.createTempDirectory("freight-sqlite-heartbeat-").resolve("freight.db");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Database db = Database.open(new SqliteDialect(), "jdbc:sqlite:" + file, null, null);
        db.migrate();
        return db;
    }

    @Override
    void holdWrites() {
        try {
            Properties properties = new Properties();
            // Waits out a write of db-scheduler's that holds the lock for a moment.
            properties.setProperty("busy_timeout", "120000");
            locker = DriverManager.getConnection("jdbc:sqlite:" + file, properties);
            try (Statement s = locker.createStatement()) {
                s.execute("begin immediate");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not take the write lock of " + file, e);
        }
    }

    @Override
    void letGo() {
        try (Connection c = locker; Statement s = c.createStatement()) {
            s.execute("rollback");
        } catch (SQLException e) {
            throw new IllegalStateException("could not let go of the write lock of " + file, e);
        }
    }
}
