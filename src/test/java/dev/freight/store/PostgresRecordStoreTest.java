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

    /**
     * The references to a set of ids ({@link RecordStore.Referred.Among}) are looked up in it by a subquery that the
     * generic plan hashes once: before, bound as {@code = any} of the array, each reference the walk found was compared
     * with the 1,000 ids in turn ({@code ((o.item ->> 'id'::text) = ANY ($8))}).
     */
    @Test
    void referencesToASetOfIdsAreLookedUpInItHashedInTheGenericPlan() {
        StatementCount.Run run = referencesAmongAThousandIds();

        List<String> plan = db.withHandle(h -> databases().genericPlan(h, run.sql(), run.params()));

        assertThat(plan).as(String.join("\n", plan)).anySatisfy(line -> assertThat(line).contains("hashed SubPlan"));
        assertThat(plan).as(String.join("\n", plan)).noneSatisfy(line -> assertThat(line).contains("ANY ("));
    }

    /**
     * In a plan made with the values too (the driver's first runs of a statement), each reference the walk finds is
     * tested against one hash of the set ({@link Dialect#inSetEach}), not joined with the set: such a join, nested in
     * the loop over the records, read the 1,000 ids again for each record's walk of a field (4.7 s instead of 0.10 s
     * for a delete chunk's count of what refers to 1,000 vendors among 20,000 services).
     */
    @Test
    void referencesToASetOfIdsAreLookedUpInItHashedInThePlanMadeWithTheValues() {
        StatementCount.Run run = referencesAmongAThousandIds();

        List<String> plan = db.withHandle(h -> databases().plan(h, run.sql(), run.params()));

        assertThat(plan).as(String.join("\n", plan)).anySatisfy(line -> assertThat(line).contains(
                "Filter: (((hashed SubPlan 2) IS TRUE) AND"));
        assertThat(plan).as(String.join("\n", plan)).noneSatisfy(line -> assertThat(line).containsAnyOf("Semi Join",
                "Hash Join", "HashAggregate", "= ANY ("));
    }

    /**
     * Each service is walked ({@code jsonb_path_query}) only for the reference fields it has: s-1's, s-2's and s-4's
     * vendor, which name v-1 or v-2, and s-1's dependencies, 4 walks. Before, the dependencies of s-2 to s-4, which
     * have none, were walked too: 7.
     */
    @Test
    void aRecordIsWalkedOnlyForTheReferenceFieldsItHas() {
        StatementCount.Run run = referrersOfTwoVendors();

        List<String> plan = db.withHandle(h -> h.query("explain (analyze, costs off, timing off, summary off) "
                + run.sql(), rs -> rs.getString(1), run.params()));

        assertThat(plan).as(String.join("\n", plan))
                .filteredOn(line -> line.contains("Function Scan on jsonb_path_query")).singleElement()
                .satisfies(line -> assertThat(line).endsWith("loops=4)"));
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
