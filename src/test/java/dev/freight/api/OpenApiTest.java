package dev.freight.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.testing.Http;
import dev.freight.testing.TestDatabases;
import dev.freight.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import tools.jackson.databind.JsonNode;

/** The served OpenAPI 3.1 document lists every route the service answers. */
class OpenApiTest {

    @Test
    void everyRouteIsInTheOpenApiDocument() {
        TestServer server = TestServer.of(TestDatabases.SQLITE);
        Http.Response docs = new Http.Client(server.baseUrl(), null).get("/v3/api-docs");
        assertThat(docs.status()).isEqualTo(200);
        JsonNode json = docs.json();
        assertThat(json.get("openapi").asString()).startsWith("3.1");

        List<String> routes = new ArrayList<>();
        server.bean("requestMappingHandlerMapping", RequestMappingHandlerMapping.class).getHandlerMethods().forEach((info, method) -> {
            if (!method.getBeanType().getPackageName().startsWith("dev.freight")) {
                return;
            }
            for (String path : info.getPatternValues()) {
                if (path.equals("/error")) {
                    continue;
                }
                var methods = info.getMethodsCondition().getMethods();
                for (RequestMethod m : methods.isEmpty() ? List.of(RequestMethod.GET, RequestMethod.POST) : methods) {
                    // springdoc drops a path variable's regex: {file:a|b} is documented as {file}
                    routes.add(m.name().toLowerCase(Locale.ROOT) + " " + path.replaceAll("\\{(\\w+):[^}]*}", "{$1}"));
                }
            }
        });

        assertThat(routes).hasSizeGreaterThanOrEqualTo(17);
        List<String> missing = routes.stream()
                .filter(r -> json.at("/paths/" + r.split(" ")[1].replace("/", "~1") + "/" + r.split(" ")[0])
                        .isMissingNode())
                .toList();
        assertThat(missing).isEmpty();
    }

    @Test
    void theImportApiIsDocumentedWithTheNamesItHasOnTheWire() {
        JsonNode json = new Http.Client(TestServer.of(TestDatabases.SQLITE).baseUrl(), null).get("/v3/api-docs").json();

        assertThat(json.at("/paths/~1v1~1import~1{report_name}/post/parameters/0/name").asString())
                .isEqualTo("report_name");
        assertThat(json.at("/paths/~1v1~1import-reports~1{id_or_slug}/get/parameters/0/name").asString())
                .isEqualTo("id_or_slug");
        JsonNode schemas = json.at("/components/schemas");
        assertThat(schemas.get("ImportResponse").get("properties").propertyNames()).containsExactly("id", "slug",
                "report_name", "base_object", "mapping", "received_count", "created_count", "updated_count",
                "failed_count", "results", "errors", "warnings", "received_at");
        assertThat(schemas.get("Result").get("properties").propertyNames())
                .containsExactly("external_id", "id", "coverbase_id", "action", "status");
        assertThat(schemas.get("Problem").get("properties").propertyNames())
                .containsExactly("index", "external_id", "field", "error_code", "message");
        assertThat(schemas.get("ReportRequest").get("properties").propertyNames())
                .containsExactly("slug", "report_name", "base_object", "mapping");
        assertThat(schemas.get("ReportView").get("properties").propertyNames()).containsExactly("id", "slug",
                "report_name", "base_object", "mapping", "endpoint", "created_at", "updated_at");
        // An explicit @JsonProperty name stays as written.
        assertThat(schemas.get("ImportView").get("properties").propertyNames()).contains("_upload_url", "column_mapping");
    }

    /**
     * Each route family's error body is documented as it is sent: {@code ErrorBody} without {@code success}, which
     * only the seed-003 face sends (documented as {@code Envelope}); and the records list documents its filters.
     * Before, {@code ErrorBody} listed {@code success} for the Import API's errors, which never have it, and the
     * records list had no filter parameters and no error answers.
     */
    @Test
    void errorBodiesAreDocumentedAsEachRouteFamilySendsThemAndTheRecordsListDocumentsItsFilters() {
        JsonNode json = new Http.Client(TestServer.of(TestDatabases.SQLITE).baseUrl(), null).get("/v3/api-docs").json();

        JsonNode schemas = json.at("/components/schemas");
        assertThat(schemas.get("ErrorBody").get("properties").propertyNames()).containsExactly("error");
        assertThat(schemas.get("Envelope").get("properties").propertyNames()).containsExactly("success", "data",
                "error");
        assertThat(json.at("/paths/~1v1~1import~1{report_name}/post/responses/404/content/application~1json/schema"
                + "/$ref").asString()).isEqualTo("#/components/schemas/ErrorBody");
        assertThat(json.at("/paths/~1v1~1modules~1{module}~1export/post/responses/200/content/*~1*/schema/$ref")
                .asString()).isEqualTo("#/components/schemas/Envelope");
        JsonNode list = json.at("/paths/~1v1~1objects~1{slug}~1records/get");
        List<String> parameters = new ArrayList<>();
        list.get("parameters").forEach(p -> parameters.add(p.get("name").asString()));
        assertThat(parameters).containsExactly("slug", "external_id", "limit", "cursor", "filters", "fields");
        JsonNode fields = list.get("parameters").get(5);
        assertThat(fields.path("required").asBoolean()).isFalse();
        assertThat(fields.get("style").asString() + " " + fields.get("explode").asBoolean() + " "
                + fields.get("schema")).isEqualTo("form true"
                + " {\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"}}");
        assertThat(fields.get("description").asString()).startsWith("Any other parameter <field>=<value> is an"
                + " export filter");
        for (String status : List.of("400", "404")) {
            assertThat(list.at("/responses/" + status + "/content/application~1json/schema/$ref").asString())
                    .as(status).isEqualTo("#/components/schemas/ErrorBody");
        }
    }

    /**
     * Seed 000's request body, its 400 answer (every record failed, with the same body as 200), the 404/422 it names
     * and the values of {@code action}, {@code status} and {@code error_code} are in the document; the plural path,
     * which always answers 404, is not documented as 200. Before, the Import API had no request body, 200 alone and
     * free strings, and {@code POST /v1/imports/{report_name}} showed 200 "OK".
     */
    @Test
    void theImportApiDocumentsItsRequestBodyItsAnswersAndThePluralPathAs404() {
        JsonNode json = new Http.Client(TestServer.of(TestDatabases.SQLITE).baseUrl(), null).get("/v3/api-docs").json();
        JsonNode post = json.at("/paths/~1v1~1import~1{report_name}/post");

        assertThat(post.at("/requestBody/required").asBoolean()).isTrue();
        assertThat(post.at("/requestBody/content").propertyNames()).containsExactly("application/json");
        assertThat(post.at("/requestBody/content/application~1json/schema/$ref").asString())
                .isEqualTo("#/components/schemas/ImportRequest");
        assertThat(post.at("/parameters/0/description").asString()).isEqualTo("The Import Report's slug");
        assertThat(post.at("/responses").propertyNames()).containsExactly("200", "400", "401", "403", "404",
                "413", "415", "422");
        for (String status : List.of("200", "400")) {
            assertThat(post.at("/responses/" + status + "/content/application~1json/schema/$ref").asString())
                    .isEqualTo("#/components/schemas/ImportResponse");
        }
        for (String status : List.of("401", "403", "404", "413", "415", "422")) {
            assertThat(post.at("/responses/" + status + "/content/application~1json/schema/$ref").asString())
                    .isEqualTo("#/components/schemas/ErrorBody");
        }
        JsonNode request = json.at("/components/schemas/ImportRequest");
        assertThat(request.get("properties").propertyNames()).containsExactly("data");
        assertThat(request.at("/required/0").asString()).isEqualTo("data");
        assertThat(request.at("/required").size()).isEqualTo(1);
        assertThat(request.at("/properties/data/type").asString()).isEqualTo("array");
        assertThat(request.at("/properties/data/items/type").asString()).isEqualTo("object");
        assertThat(request.at("/properties/data/minItems").asInt()).isEqualTo(1);
        JsonNode schemas = json.at("/components/schemas");
        assertThat(schemas.at("/Result/properties/action/enum").toString()).isEqualTo("[\"created\",\"updated\"]");
        assertThat(schemas.at("/Result/properties/status/enum").toString()).isEqualTo("[\"success\"]");
        assertThat(schemas.at("/Problem/properties/error_code/enum").toString()).isEqualTo("[\"missing_required_field\","
                + "\"invalid_field_value\",\"unmapped_field\",\"unknown_base_object\",\"duplicate_external_id\","
                + "\"malformed_row\"]");

        JsonNode plural = json.at("/paths/~1v1~1imports~1{report_name}/post/responses");
        assertThat(plural.propertyNames()).containsExactly("404");
        assertThat(plural.at("/404/content/application~1json/schema/$ref").asString())
                .isEqualTo("#/components/schemas/ErrorBody");
    }
}
