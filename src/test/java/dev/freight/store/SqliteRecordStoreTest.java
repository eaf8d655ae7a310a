package dev.freight.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.testing.TestDatabases;
import dev.freight.schema.BuiltInObjects;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SqliteRecordStoreTest extends RecordStoreContract {

    @Override
    TestDatabases databases() {
        return TestDatabases.SQLITE;
    }

    @Test
    void storesDataAsJsonTextWhoseMembersKeepTheirTypes() {
        String id = upsertTypedVendor();

        List<String> types = db.withHandle(h -> h.query("""
                select typeof(data), json_type(data, '$.raw_irq_score'), json_type(data, '$.raw_residual_risk_score'),
                       json_type(data, '$.enterprise'), json_type(data, '$.name'),
                       json_type(data, '$.dependent_services'), json_extract(data, '$.raw_irq_score')
                from records where id = ?""", rs -> List.of(rs.getString(1), rs.getString(2), rs.getString(3),
                rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7)), id)).getFirst();

        assertThat(types).containsExactly("text", "real", "integer", "true", "text", "array", "85.5");
    }

    @Test
    void aBackgroundThreadCheckpointsTheWalAndClosingTruncatesIt() throws Exception {
        Database own = TestDatabases.SQLITE.open("wal_" + System.nanoTime());
        Path file = Path.of(own.withHandle(h -> h.query("pragma database_list", rs -> rs.getString(3))).getFirst());
        Path wal = Path.of(file + "-wal");
        String org = own.inTransaction(h -> new TenantStore(new IdGenerator(clock), clock)
                .createOrganization(h, "initech", "Initech")).id();
        long before = Files.size(file);
        List<RecordWrite> writes = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            writes.add(vendor("v-" + i, "Vendor number " + i + " with a name long enough to fill pages"));
        }

        own.inTransaction(h -> records.upsert(h, org, BuiltInObjects.VENDOR, writes));

        // A committing writer checkpoints only past 80 MiB of WAL; these few hundred KiB reach the database file
        // through the background checkpoint.
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (Files.size(file) == before && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(Files.size(file)).isGreaterThan(before + 200_000);
        assertThat(Files.size(wal)).isPositive();

        own.close();

        assertThat(Files.exists(wal) ? Files.size(wal) : 0L).isZero();
    }
}
