package dev.freight.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.testing.TestDatabases;
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
}
