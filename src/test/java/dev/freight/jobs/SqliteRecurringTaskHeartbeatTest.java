package dev.freight.jobs;

import dev.freight.store.Database;
import dev.freight.store.sqlite.SqliteDialect;
import dev.freight.testing.SqliteWriteLock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The heartbeats wait as another process holds SQLite's write lock ({@code begin immediate} on a connection of the
 * test's own, as {@link SqliteDatabaseOutageTest} takes it); the sweeps' own write transactions wait for it too.
 */
class SqliteRecurringTaskHeartbeatTest extends RecurringTaskHeartbeatContract {

    private Path file;
    private SqliteWriteLock locker;

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
        locker = SqliteWriteLock.take(file);
    }

    @Override
    void letGo() {
        locker.close();
    }
}
