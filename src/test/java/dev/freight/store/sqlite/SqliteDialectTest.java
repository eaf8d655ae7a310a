package dev.freight.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.Value;
import dev.freight.store.Database;
import dev.freight.store.IdGenerator;
import dev.freight.store.RecordStore;
import dev.freight.store.RecordWrite;
import dev.freight.store.TenantStore;
import dev.freight.testing.SettableClock;
import dev.freight.testing.TestDatabases;
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
}
