package dev.freight.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.freight.testing.TestDatabases;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;

class PostgresRecordStoreTest extends RecordStoreContract {

    @Override
    TestDatabases databases() {
        return TestDatabases.POSTGRESQL;
    }

    /**
     * A server going away ({@code pg_ctl stop -m fast}, a restart, an administrator's pg_terminate_backend) ends each
     * session with SQL state 57P01 (admin_shutdown), not a class 08 state: it is the database unavailable, which a
     * background import waits out and resumes from its checkpoint. Before, it counted as a statement the database
     * rejected ({@code database_error}): an import's chunk was replayed row by row, a row that met another terminated
     * connection recorded as {@code write_failed}, and the import marked {@code failed} once the server was back.
     */
    @Test
    void aStatementWhoseSessionTheServerTerminatedIsTheDatabaseUnavailable() {
        StoreException e = catchThrowableOfType(StoreException.class, () -> db.inTransaction(h -> {
            int pid = h.query("select pg_backend_pid()", rs -> rs.getInt(1)).getFirst();
            db.withHandle(other -> other.query("select pg_terminate_backend(?, 10000)", rs -> rs.getBoolean(1), pid));
            return h.query("select 1", rs -> rs.getInt(1));
        }));

        assertThat(e.code()).isEqualTo("database_unavailable");
        assertThat(((SQLException) e.getCause()).getSQLState()).isEqualTo("57P01");
        List<Integer> after = db.withHandle(h -> h.query("select 2", rs -> rs.getInt(1)));
        assertThat(after).containsExactly(2);
    }

    /**
     * A small {@code in} filter on the external_id, one array parameter now, is planned as its list of parameters was
     * (PostgreSQL reads such a list as {@code = any} of an array too): the values looked up in the unique key, then
     * sorted, not a walk over the object's records.
     */
    @Test
    void aSmallInFilterOnTheExternalIdIsPlannedAsItsListOfParametersWasThroughTheUniqueKey() {
        List<List<String>> plans = smallInFilterPlans();

        assertThat(plans.get(1)).isEqualTo(plans.get(0));
        assertThat(databases().readsOnlyThrough(plans.get(1), "records",
                "records_organization_id_object_external_id_key")).as(String.join("\n", plans.get(1))).isTrue();
    }

    /**
     * A set of ids a statement must see at once is read by a subquery that the generic plan hashes once: before, bound
     * as {@code = any} of the array, the generic plan compared each record's id with the 1,000 ids in turn
     * ({@code <> ALL ($2)}), and a delete chunk's count of what refers to its vendors took 14.1 s instead of 0.93 s.
     */
    @Test
    void aSetOfIdsIsHashedOnceInTheGenericPlan() {
        List<String> plan = notInASetOfIdsPlan();

        assertThat(plan).anySatisfy(line -> assertThat(line).contains("(NOT (hashed SubPlan 1))"));
        assertThat(plan).noneSatisfy(line -> assertThat(line).contains("ALL ("));
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
