package dev.freight.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.testing.Http;
import dev.freight.testing.TestDatabases;
import dev.freight.testing.TestServer;
import dev.freight.testing.TestServer.Tenant;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Every answer is JSON whatever the request's {@code Accept} asks for (only execute's {@code text/event-stream} of a
 * {@code stream} execution is honoured): a write that was done is never answered as a failure of the server. Only a
 * header that refuses JSON with q=0, and nothing else Freight has, is refused, before the route runs.
 */
class AcceptHeaderTest {

    private static final HttpClient RAW = HttpClient.newHttpClient();
    private static final String VENDOR_MAPPING = """
            [{"sourceColumn": "Id", "targetFieldSlug": "external_id"},
             {"sourceColumn": "Name", "targetFieldSlug": "name"}]""";

    private Tenant tenant;

    @BeforeEach
    void newTenant() {
        tenant = TestServer.of(TestDatabases.SQLITE).newTenant("accept");
    }

    @Test
    void aSyncExecutionAskedForEventsAnswersItsResultAsJson() throws Exception {
        HttpResponse<String> r = send("POST", "/v1/modules/vendors/import/execute", "text/event-stream",
                "{\"rows\": [{\"Id\": \"v-1\", \"Name\": \"Acme\"}, {\"Id\": \"v-2\", \"Name\": \"\"}],"
                        + " \"columnMapping\": " + VENDOR_MAPPING + "}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode data = Http.JSON.readTree(r.body()).get("data");
        assertThat(data.get("processingMode").asString()).isEqualTo("sync");
        assertThat(data.get("status").asString()).isEqualTo("completed");
        assertThat(data.get("successRows").asLong()).isEqualTo(1);
        assertThat(data.get("errorRows").asLong()).isEqualTo(1);
        assertThat(data.get("errors").get(0).get("error").asString())
                .isEqualTo("name: required field is missing (expected key \"Name\")");
        assertThat(tenant.http().get("/v1/objects/vendor/records?external_id=v-1").at("/data/0/values/name"))
                .isEqualTo("Acme");
    }

    @Test
    void aBackgroundExecutionAskedForEventsAnswersItsJobAsJson() throws Exception {
        HttpResponse<String> r = send("POST", "/v1/modules/vendors/import/execute", "text/event-stream",
                "{\"rows\": [{\"Id\": \"v-1\", \"Name\": \"Acme\"}], \"columnMapping\": " + VENDOR_MAPPING
                        + ", \"processingMode\": \"background\"}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode data = Http.JSON.readTree(r.body()).get("data");
        assertThat(data.get("processingMode").asString()).isEqualTo("background");
        assertThat(data.get("importJobId").asString()).matches("imp_[0-9a-f]{32}");
        assertThat(data.get("totalRows").asLong()).isEqualTo(1);
    }

    @Test
    void aJsonAnswerAskedForAnotherTypeIsStillJson() throws Exception {
        HttpResponse<String> created = send("POST", "/v1/imports", "text/csv",
                "{\"resource\": \"vendor\", \"name\": \"Nightly ERP\"}");

        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.headers().firstValue("Content-Type")).hasValue("application/json");
        String id = Http.JSON.readTree(created.body()).get("id").asString();

        HttpResponse<String> read = send("GET", "/v1/imports/" + id, "text/html", null);

        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        assertThat(read.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(Http.JSON.readTree(read.body()).get("name").asString()).isEqualTo("Nightly ERP");

        HttpResponse<String> job = send("GET", "/v1/modules/vendors/import/jobs/" + id, "text/event-stream", null);

        assertThat(job.statusCode()).as(job.body()).isEqualTo(200);
        assertThat(job.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(Http.JSON.readTree(job.body()).get("data").get("status").asString()).isEqualTo("pending");
    }

    /**
     * A route that answers only in types other than JSON, asked for none of them, answers 406 {@code not_acceptable}
     * (as JSON, which is always acceptable), naming the types it has; before, 500 {@code internal_error}.
     */
    @Test
    void aRouteWithoutJsonAskedForAnotherTypeAnswers406NamingItsTypes() throws Exception {
        HttpResponse<String> yaml = send("GET", "/v3/api-docs.yaml", "application/json", null);

        assertThat(yaml.statusCode()).as(yaml.body()).isEqualTo(406);
        assertThat(yaml.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode error = Http.JSON.readTree(yaml.body()).get("error");
        assertThat(error.get("code").asString()).isEqualTo("not_acceptable");
        assertThat(error.get("message").asString()).isEqualTo(
                "This answer is available as application/vnd.oai.openapi; none of them is in the Accept header");
        HttpResponse<String> asked = send("GET", "/v3/api-docs.yaml", "application/vnd.oai.openapi", null);
        assertThat(asked.statusCode()).isEqualTo(200);
        assertThat(asked.body()).startsWith("openapi: 3.1.0");
    }

    /**
     * An Accept that refuses JSON with q=0 (RFC 9110, 12.4.2: "not acceptable") and accepts no other type Freight
     * answers in is 406 {@code not_acceptable} before the route runs, so nothing is written (the error itself is
     * JSON, as every error is); before, such a request was answered, and acted on, as any other.
     */
    @Test
    void anAcceptThatRefusesJsonAndNothingElseFreightHasAnswers406BeforeTheRouteRuns() throws Exception {
        for (String accept : List.of("application/json;q=0", "text/plain, application/json;q=0", "*/*;q=0",
                "image/png, application/*;q=0.000", "application/json;q=0, */*;q=0")) {
            HttpResponse<String> r = send("POST", "/v1/imports", accept,
                    "{\"resource\": \"vendor\", \"name\": \"Nightly ERP\"}");

            assertThat(r.statusCode()).as(accept + ": " + r.body()).isEqualTo(406);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
            JsonNode error = Http.JSON.readTree(r.body()).get("error");
            assertThat(error.get("code").asString()).isEqualTo("not_acceptable");
            assertThat(error.get("message").asString()).isEqualTo("The Accept header refuses application/json (q=0)"
                    + " and accepts no other type Freight answers in");
        }
        assertThat(tenant.http().get("/v1/imports").json().get("data").size()).isZero();
        HttpResponse<String> jobs = send("GET", "/v1/modules/vendors/import/jobs", "application/json;q=0", null);
        assertThat(jobs.statusCode()).isEqualTo(406);
        assertThat(jobs.body()).isEqualTo("{\"success\":false,\"error\":{\"code\":\"not_acceptable\",\"message\":"
                + "\"The Accept header refuses application/json (q=0) and accepts no other type Freight answers in\"}}");

        // A weight above 0, a more specific range that accepts JSON, or another type Freight has: JSON as before.
        for (String accept : List.of("application/json;q=0.001", "application/*;q=0, application/json",
                "application/json;q=0, */*;q=0.1", "application/json;q=0, text/csv", "text/plain")) {
            HttpResponse<String> r = send("GET", "/v1/imports", accept, null);

            assertThat(r.statusCode()).as(accept + ": " + r.body()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(Http.JSON.readTree(r.body()).get("data").size()).isZero();
        }
    }

    /**
     * The actuator's health check, which its own handler mapping serves, refuses an Accept that refuses JSON and
     * accepts none of its types as the application's routes do (before, it answered 200 in JSON); one that accepts
     * its own JSON type is answered in that type.
     */
    @Test
    void theHealthCheckRefusesAnAcceptThatRefusesJsonAndAcceptsNoneOfItsTypes() throws Exception {
        HttpResponse<String> refused = send("GET", "/actuator/health", "application/json;q=0", null);

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(406);
        assertThat(refused.body()).isEqualTo("{\"error\":{\"code\":\"not_acceptable\",\"message\":\"The Accept header"
                + " refuses application/json (q=0) and accepts no other type Freight answers in\"}}");

        HttpResponse<String> own = send("GET", "/actuator/health",
                "application/json;q=0, application/vnd.spring-boot.actuator.v3+json", null);
        assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
        assertThat(own.headers().firstValue("Content-Type")).hasValue("application/vnd.spring-boot.actuator.v3+json");
        assertThat(own.body()).isEqualTo("{\"status\":\"UP\"}");
    }

    private HttpResponse<String> send(String method, String path, String accept, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(tenant.server().baseUrl() + path))
                .header("Authorization", "Bearer " + tenant.adminKey())
                .header("Accept", accept)
                .timeout(Duration.ofSeconds(60));
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        return RAW.send(b.method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
