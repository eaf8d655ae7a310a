package dev.freight.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.testing.Http;
import dev.freight.testing.Http.Response;
import dev.freight.testing.TestDatabases;
import dev.freight.testing.TestServer;
import dev.freight.testing.TestServer.Tenant;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Organization A's admin key against everything organization B owns: reports, records, objects and keys. Every
 * attempt must answer 404 and leave B's data as it was. One subclass per database.
 */
abstract class TenantIsolationContract {

    abstract TestDatabases database();

    /** What B owns, by id and slug. */
    record Owned(String reportId, String recordId, String keyId) {}

    /** One attempt by A on B's data: the request and the status A must get. */
    record Attempt(String method, Function<Owned, String> path, String body, int expectedStatus) {}

    Tenant a;
    Tenant b;
    Owned owned;

    @BeforeEach
    void twoOrganizations() {
        TestServer server = TestServer.of(database());
        a = server.newTenant("org-a");
        b = server.newTenant("org-b");
        Http.Client http = b.http();
        String reportId = http.post("/v1/import-reports", ImportApiContract.SEED_REPORT).at("/id");
        String recordId = http.post("/v1/import/vendor-custom-import", ImportApiContract.SEED_BODY)
                .at("/results/0/id");
        http.post("/v1/objects", """
                {"slug": "b_secret", "label": "B secret", "fields": [{"slug": "code", "type": "text"}]}""");
        String keyId = http.post("/v1/keys", "{\"name\": \"b-reader\", \"kind\": \"user\", \"scopes\": [\"read\"]}")
                .at("/id");
        owned = new Owned(reportId, recordId, keyId);
    }

    static Stream<Arguments> attempts() {
        return Stream.of(
                attempt("read B's report by id", "GET", o -> "/v1/import-reports/" + o.reportId(), null, 404),
                attempt("replace B's report", "PUT", o -> "/v1/import-reports/" + o.reportId(),
                        ImportApiContract.SEED_REPORT, 404),
                attempt("delete B's report", "DELETE", o -> "/v1/import-reports/" + o.reportId(), null, 404),
                attempt("import through B's report slug", "POST", o -> "/v1/import/vendor-custom-import",
                        ImportApiContract.SEED_BODY, 404),
                attempt("read B's record", "GET", o -> "/v1/records/" + o.recordId(), null, 404),
                attempt("read B's custom object", "GET", o -> "/v1/objects/b_secret", null, 404),
                attempt("list records of B's custom object", "GET", o -> "/v1/objects/b_secret/records", null, 404),
                attempt("add a field to B's custom object", "POST", o -> "/v1/objects/b_secret/fields",
                        "{\"slug\": \"x\", \"type\": \"text\"}", 404),
                attempt("delete B's custom object", "DELETE", o -> "/v1/objects/b_secret", null, 404),
                attempt("revoke B's key", "DELETE", o -> "/v1/keys/" + o.keyId(), null, 404));
    }

    private static Arguments attempt(String name, String method, Function<Owned, String> path, String body,
            int status) {
        return Arguments.of(Named.of(name, new Attempt(method, path, body, status)));
    }

    @ParameterizedTest
    @MethodSource("attempts")
    void organizationACannotReachOrganizationBsData(Attempt attempt) {
        Response r = a.http().send(attempt.method(), attempt.path().apply(owned), attempt.body());

        assertThat(r.status()).isEqualTo(attempt.expectedStatus());
        assertBUnchanged();
    }

    @ParameterizedTest
    @MethodSource("listings")
    void listingsShowOnlyTheCallersOwnData(String path, String pointer) {
        Response r = a.http().get(path);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).doesNotContain(owned.reportId(), owned.recordId(), owned.keyId(), "b_secret");
        assertThat(r.json().at(pointer).size()).isZero();
    }

    static Stream<Arguments> listings() {
        return Stream.of(
                Arguments.of("/v1/import-reports", "/data"),
                Arguments.of("/v1/objects/vendor/records", "/data"),
                Arguments.of("/v1/objects/vendor/records?external_id=vendor-123", "/data"));
    }

    @org.junit.jupiter.api.Test
    void keysAndObjectsListedForAAreAsOwnOnly() {
        assertThat(a.http().get("/v1/keys").json().get("data").size()).isEqualTo(1);
        assertThat(a.http().get("/v1/keys").body()).doesNotContain(owned.keyId());
        assertThat(a.http().get("/v1/objects").body()).doesNotContain("b_secret");
    }

    @org.junit.jupiter.api.Test
    void bothOrganizationsMayUseTheSameReportSlugIndependently() {
        assertThat(a.http().post("/v1/import-reports", ImportApiContract.SEED_REPORT).status()).isEqualTo(201);

        Response r = a.http().post("/v1/import/vendor-custom-import", ImportApiContract.SEED_BODY);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("created_count").asInt()).isEqualTo(2);
        assertThat(r.at("/results/0/id")).isNotEqualTo(owned.recordId());
        assertBUnchanged();
    }

    private void assertBUnchanged() {
        Http.Client http = b.http();
        assertThat(http.get("/v1/import-reports/" + owned.reportId()).status()).isEqualTo(200);
        Response record = http.get("/v1/records/" + owned.recordId());
        assertThat(record.at("/values/name")).isEqualTo("Acme Corporation");
        assertThat(http.get("/v1/objects/vendor/records").json().get("data").size()).isEqualTo(2);
        assertThat(http.get("/v1/objects/b_secret").status()).isEqualTo(200);
        assertThat(http.get("/v1/objects/b_secret").at("/fields/1/slug")).isEqualTo("code");
        assertThat(http.get("/v1/keys").at("/data/1/revoked_at")).isNull();
    }
}
