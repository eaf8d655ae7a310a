package dev.freight.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.testing.CapturedLog;
import dev.freight.testing.Http;
import dev.freight.testing.Http.Response;
import dev.freight.testing.TestDatabases;
import dev.freight.testing.TestPostgres;
import dev.freight.testing.TestServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A server whose PostgreSQL user lacks the TEMPORARY privilege (revoked from {@code public} and the user), which a
 * rollback's working table needs: both rollback routes answer 500 {@code database_permission_denied} naming the
 * privilege missing (the database's and its user's names and the GRANT are in the server's log only), nothing
 * changes, and once the GRANT has run the rollback works. PostgreSQL only: SQLite has no privileges (its rollbacks are
 * the contracts' {@code Sqlite*} tests).
 */
class PostgresRollbackWithoutTemporaryPrivilegeTest {

    private static final String DATABASE = "freight_no_temp";
    private static final String USER = "freight_rollback";
    /** The client's message: what is missing, not the database's or its user's names (the log has those). */
    private static final String REFUSED = "The database user lacks the TEMPORARY privilege on its database, which a"
            + " rollback needs for its working table; ask the operator to grant it: the server's log names the user,"
            + " the database and the GRANT under this error id (error id ";
    private static final String LOGGED = "The database user " + USER + " lacks the TEMPORARY privilege on the"
            + " database " + DATABASE + ", which a rollback needs for its working table; grant it with: GRANT"
            + " TEMPORARY ON DATABASE " + DATABASE + " TO " + USER;

    private static TestServer server;
    private static Http.Client http;

    @BeforeAll
    static void startAsAUserWithoutTemporary() {
        TestPostgres pg = TestPostgres.get();
        asSuperuser("drop database if exists " + DATABASE, "drop role if exists " + USER,
                "create role " + USER + " login", "create database " + DATABASE + " owner " + USER,
                "revoke temporary on database " + DATABASE + " from public, " + USER);
        Map<String, String> properties = TestServer.properties(TestDatabases.SQLITE);
        properties.put("freight.database-url", pg.url(DATABASE));
        properties.put("freight.database-user", USER);
        server = TestServer.started(properties);
        http = server.newTenant("no-temp").http();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void anImportsRollbackAnswersPermissionDeniedNamingTheGrantAndWorksOnceItRan() throws Exception {
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
        ImportsApiContract.upload(created.at("/_upload_url"), "external_id,name\nv-1,Acme\nv-2,Beta\n", "text/csv",
                "v.csv");
        String id = created.at("/id");
        assertThat(awaitFinal(id)).isEqualTo("completed");

        Response refused;
        List<String> logged;
        try (CapturedLog log = CapturedLog.attach()) {
            refused = http.post("/v1/imports/" + id + "/rollback", null);
            logged = log.lines();
        }

        assertThat(refused.status()).isEqualTo(500);
        assertThat(refused.at("/error/code")).isEqualTo("database_permission_denied");
        String errorId = refused.at("/error/error_id");
        assertThat(errorId).matches("err_[0-9a-f]{32}");
        assertThat(refused.at("/error/message")).isEqualTo(REFUSED + errorId + ")");
        assertThat(refused.body()).doesNotContain(USER, DATABASE);
        assertThat(logged).containsExactly("ERROR dev.freight.api.ErrorMapper: " + errorId
                + " (database_permission_denied): dev.freight.store.StoreException: " + LOGGED + " [stack]");
        assertThat(vendors()).containsExactly("v-1=Acme", "v-2=Beta");
        assertThat(http.get("/v1/imports/" + id).at("/rolled_back_at")).isNull();

        asSuperuser("grant temporary on database " + DATABASE + " to " + USER);
        try {
            Response rolledBack = http.post("/v1/imports/" + id + "/rollback", null);

            assertThat(rolledBack.status()).as(rolledBack.body()).isEqualTo(200);
            assertThat(rolledBack.at("/deleted_count")).isEqualTo("2");
            assertThat(vendors()).isEmpty();
        } finally {
            asSuperuser("revoke temporary on database " + DATABASE + " from " + USER);
        }
    }

    @Test
    void aFileWorkflowJobsRollbackAnswersPermissionDeniedInTheEnvelope() {
        Response executed = http.post("/v1/modules/vendors/import/execute", """
                {"rows": [{"Id": "v-7", "Name": "Gamma"}],
                 "columnMapping": [{"sourceColumn": "Id", "targetFieldSlug": "external_id"},
                                   {"sourceColumn": "Name", "targetFieldSlug": "name"}]}""");
        assertThat(executed.status()).as(executed.body()).isEqualTo(200);
        assertThat(executed.at("/data/successRows")).isEqualTo("1");

        Response refused = http.delete("/v1/modules/vendors/import/jobs/" + executed.at("/data/importJobId"));

        assertThat(refused.status()).isEqualTo(500);
        assertThat(refused.at("/success")).isEqualTo("false");
        assertThat(refused.at("/error/code")).isEqualTo("database_permission_denied");
        assertThat(refused.at("/error/message")).isEqualTo(REFUSED + refused.at("/error/error_id") + ")");
        assertThat(refused.body()).doesNotContain(USER, DATABASE);
        assertThat(vendors()).contains("v-7=Gamma");
    }

    private static String awaitFinal(String id) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline)) {
            String status = http.get("/v1/imports/" + id).at("/status");
            if (List.of("completed", "failed", "timed_out", "expired").contains(status)) {
                return status;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("import " + id + " did not finish within 60 s");
    }

    /** The tenant's vendors as "external id=name", in id order. */
    private static List<String> vendors() {
        List<String> names = new ArrayList<>();
        http.get("/v1/objects/vendor/records").json().get("data").forEach(r -> names.add(
                r.get("external_id").asString() + "=" + r.get("values").get("name").asString()));
        return names;
    }

    private static void asSuperuser(String... statements) {
        try (Connection c = DriverManager.getConnection(TestPostgres.get().url("postgres"), "postgres", null);
                Statement st = c.createStatement()) {
            for (String sql : statements) {
                st.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot prepare the user without TEMPORARY", e);
        }
    }
}
