package dev.freight.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.Value;
import dev.freight.store.Database;
import dev.freight.store.IdGenerator;
import dev.freight.store.RecordStore;
import dev.freight.store.RecordWrite;
import dev.freight.store.TenantStore;
import dev.freight.testing.SettableClock;
import dev.freight.testing.TestDatabases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The plans of {@link SqliteDialect}'s record statements, on a real SQLite database. */
class SqliteDialectTest {

    private Database db;
    private String acme;

    @BeforeEach
    void freshDatabaseWithTwoVendors() {
        SettableClock clock = new SettableClock(Instant.parse("2025-03-01T09:00:00Z"));
        db = TestDatabases.SQLITE.open("sqlite_dialect_" + System.nanoTime());
        IdGenerator ids = new IdGenerator(clock);
        acme = db.inTransaction(h -> new TenantStore(ids, clock).createOrganization(h, "acme", "Acme")).id();
        RecordStore records = new RecordStore(ids, clock);
        db.inTransaction(h -> records.upsert(h, acme, BuiltInObjects.VENDOR, List.of(
                new RecordWrite("v-1", Map.of("name", new Value.Text("Acme"))),
                new RecordWrite("v-2", Map.of("name", new Value.Text("Beta"))))));
    }

    @AfterEach
    void closeDatabase() {
        db.close();
    }

    @Test
    void anUpdateAndItsChangeLogRowFindTheirRecordByTheWholeUniqueKey() {
        SqliteDialect dialect = (SqliteDialect) db.dialect();
        String key = "SEARCH records USING INDEX sqlite_autoindex_records_1"
                + " (organization_id=? AND object=? AND external_id=?)";

        List<String> update = db.withHandle(h -> h.query("explain query plan " + dialect.updateOne(),
                rs -> rs.getString("detail"), "{}", 1L, acme, "vendor", "v-1", 1L));
        List<String> log = db.withHandle(h -> h.query("explain query plan " + dialect.logUpdateOne(),
                rs -> rs.getString("detail"), "imp_1", "vendor", acme, "vendor", "v-1", 1L));

        // Never a walk over the object's records: SQLite planned the former update of a whole chunk, joined with a
        // list of values, as one (87 s for 1,000 updates among 1,000,000 records).
        assertThat(update).containsExactly(key);
        assertThat(log).containsExactly(key);
    }

    /**
     * {@code SQLITE_BUSY} (another connection holding the write lock past the busy timeout) is the database unavailable,
     * worth a retry later, but loses no connection, so the pool keeps its connections and their page caches; a file
     * that cannot be opened loses them. Before, a single busy failure dropped every pooled connection.
     */
    @Test
    void aBusyDatabaseIsUnavailableButLosesNoConnectionWhereAFileThatCannotBeOpenedLosesThem() throws Exception {
        SqliteDialect dialect = new SqliteDialect();
        Path file = Files.createTempDirectory("freight-sqlite-busy-").resolve("busy.db");
        try (Connection holder = DriverManager.getConnection("jdbc:sqlite:" + file);
                Connection waiter = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement hold = holder.createStatement();
                Statement wait = waiter.createStatement()) {
            hold.execute("begin immediate");
            wait.execute("pragma busy_timeout = 0");
            SQLException busy = catchThrowableOfType(SQLException.class, () -> wait.execute("begin immediate"));
            hold.execute("rollback");

            assertThat(busy.getMessage()).contains("SQLITE_BUSY");
            assertThat(dialect.isUnavailable(busy)).isTrue();
            assertThat(dialect.lostConnections(busy)).isFalse();
        }
        String nowhere = "jdbc:sqlite:" + file.resolveSibling("no-such-directory").resolve("x.db");
        SQLException cannotOpen = catchThrowableOfType(SQLException.class, () -> {
            try (Connection c = DriverManager.getConnection(nowhere); Statement s = c.createStatement()) {
                s.execute("create table t (x)");
            }
        });
        assertThat(cannotOpen.getMessage()).contains("SQLITE_CANTOPEN");
        assertThat(dialect.isUnavailable(cannotOpen)).isTrue();
        assertThat(dialect.lostConnections(cannotOpen)).isTrue();
    }
}
