package dev.freight.testing;

import dev.freight.store.Database;
import dev.freight.store.Dialect;
import dev.freight.store.postgres.PostgresDialect;
import dev.freight.store.sqlite.SqliteDialect;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens migrated databases for store tests: a real SQLite file, or a fresh database on {@link TestPostgres}. */
public enum TestDatabases {
    SQLITE {
        @Override
        public Database open(String name) {
            try {
                Path dir = Files.createTempDirectory("freight-sqlite-");
                return migrated(new SqliteDialect(), "jdbc:sqlite:" + dir.resolve(name + ".db"), null);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    },
    POSTGRESQL {
        @Override
        public Database open(String name) {
            TestPostgres pg = TestPostgres.get();
            return migrated(new PostgresDialect(), pg.createDatabase(name), "postgres");
        }
    };

    /** A new, empty, migrated database. */
    public abstract Database open(String name);

    private static Database migrated(Dialect dialect, String url, String user) {
        Database db = Database.open(dialect, url, user, null);
        db.migrate();
        return db;
    }
}
