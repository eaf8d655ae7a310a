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
import java.time.Duration;
import java.util.Properties;

/**
 * SQLite's outage: another process holds the database's write lock for longer than Freight's busy timeout (30 s), as
 * a backup or an {@code sqlite3} shell left in a write transaction does. Freight's next write transaction then fails
 * with {@code SQLITE_BUSY}, which is {@code database_unavailable}. The lock is taken between two chunks: inside one,
 * the worker holds it.
 */
class SqliteDatabaseOutageTest extends DatabaseOutageContract {

    private Path file;
    private Connection locker;

    @Override
    Database open(Duration connectionWait) {
        try {
            file = Files.createTempDirectory("freight-sqlite-outage-").resolve("freight.db");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Database db = Database.open(new SqliteDialect(), "jdbc:sqlite:" + file, null, null, connectionWait);
        db.migrate();
        return db;
    }

    @Override
    Hold hold() {
        return Hold.BEFORE_THE_CHUNK;
    }

    @Override
    void stopDatabase() {
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
    void startDatabase() {
        try (Connection c = locker; Statement s = c.createStatement()) {
            s.execute("rollback");
        } catch (SQLException e) {
            throw new IllegalStateException("could not let go of the write lock of " + file, e);
        }
    }

    @Override
    void closeDatabase() {}
}
