package dev.freight.testing;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * A SQLite database's write lock held by a connection of its own ({@code begin immediate}), as another process's long
 * write would hold it: every writer of the database waits for it, then fails at its busy timeout. Tests of outages and
 * of held-up heartbeats take it and let go of it.
 */
public final class SqliteWriteLock implements AutoCloseable {

    private final Path file;
    private final Connection connection;

    private SqliteWriteLock(Path file, Connection connection) {
        this.file = file;
        this.connection = connection;
    }

    /** Takes the write lock of the database in {@code file}, waiting out a write that holds it for a moment. */
    public static SqliteWriteLock take(Path file) {
        try {
            Properties properties = new Properties();
            properties.setProperty("busy_timeout", "120000");
            Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file, properties);
            try (Statement s = connection.createStatement()) {
                s.execute("begin immediate");
            }
            return new SqliteWriteLock(file, connection);
        } catch (SQLException e) {
            throw new IllegalStateException("could not take the write lock of " + file, e);
        }
    }

    /** Lets go of the lock and closes its connection. */
    @Override
    public void close() {
        try (Connection c = connection; Statement s = c.createStatement()) {
            s.execute("rollback");
        } catch (SQLException e) {
            throw new IllegalStateException("could not let go of the write lock of " + file, e);
        }
    }
}
