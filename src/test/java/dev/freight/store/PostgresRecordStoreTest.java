package dev.freight.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.testing.TestDatabases;
import java.util.List;
import org.junit.jupiter.api.Test;

class PostgresRecordStoreTest extends RecordStoreContract {

    @Override
    TestDatabases databases() {
        return TestDatabases.POSTGRESQL;
    }

    @Test
    void storesDataAsJsonbWhoseMembersKeepTheirTypesAndScale() {
        String id = upsertTypedVendor();

        List<String> types = db.withHandle(h -> h.query("""
                select pg_typeof(data)::text, jsonb_typeof(data->'raw_irq_score'),
                       jsonb_typeof(data->'raw_residual_risk_score'), jsonb_typeof(data->'enterprise'),
                       jsonb_typeof(data->'name'), jsonb_typeof(data->'dependent_services'),
                       data->>'raw_irq_score'
                from records where id = ?""", rs -> List.of(rs.getString(1), rs.getString(2), rs.getString(3),
                rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7)), id)).getFirst();

        assertThat(types).containsExactly("jsonb", "number", "number", "boolean", "string", "array", "85.50");
    }
}
