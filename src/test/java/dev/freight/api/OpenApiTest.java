package dev.freight.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.testing.Http;
import dev.freight.testing.TestDatabases;
import dev.freight.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
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
        // A record stored without an external_id (optional on contact, account and custom objects) has it null.
        assertThat(schemas.at("/Result/properties/external_id/type").toString()).isEqualTo("[\"string\",\"null\"]");
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
     * only the seed-003 face sends (documented as {@code ErrorAnswer}, its answers as records of {@code success} and
     * {@code data}); and the records list documents its filters. Before, {@code ErrorBody} listed {@code success} for the Import API's errors, which never have it, and the
     * records list had no filter parameters and no error answers.
     */
    @Test
    void errorBodiesAreDocumentedAsEachRouteFamilySendsThemAndTheRecordsListDocumentsItsFilters() {
        JsonNode json = new Http.Client(TestServer.of(TestDatabases.SQLITE).baseUrl(), null).get("/v3/api-docs").json();

        JsonNode schemas = json.at("/components/schemas");
        assertThat(schemas.get("ErrorBody").get("properties").propertyNames()).containsExactly("error");
        assertThat(schemas.get("SavedReportAnswer").get("properties").propertyNames()).containsExactly("success",
                "data");
        assertThat(json.at("/paths/~1v1~1import~1{report_name}/post/responses/404/content/application~1json/schema"
                + "/$ref").asString()).isEqualTo("#/components/schemas/ErrorBody");
        assertThat(json.at("/paths/~1v1~1modules~1{module}~1export/post/responses/400/content/application~1json"
                + "/schema/$ref").asString()).isEqualTo("#/components/schemas/ErrorAnswer");
        assertThat(schemas.get("ErrorAnswer").get("properties").propertyNames()).containsExactly("success", "error");
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
        assertThat(plural.propertyNames()).containsExactly("401", "404");
        assertThat(plural.at("/404/content/application~1json/schema/$ref").asString())
                .isEqualTo("#/components/schemas/ErrorBody");
    }

    /**
     * Seed 003's routes document their bodies, parameters and answers: parse's multipart part {@code file}, the JSON
     * bodies of suggest-mapping, validate, execute and the exports (which the routes read themselves, so the generator
     * saw none), the {@code limit} bounds, the envelope's {@code data} of each answer and the export's file types and
     * 202. Before, parse's file was documented as a JSON body, the other four steps had no body, every answer was a
     * bare {@code Envelope} of 200 with {@code data} of any shape, and an export's file was not among its answers.
     */
    @Test
    void seed003RoutesDocumentTheirBodiesParametersAndAnswers() {
        JsonNode json = new Http.Client(TestServer.of(TestDatabases.SQLITE).baseUrl(), null).get("/v3/api-docs").json();
        String module = "/paths/~1v1~1modules~1{module}";

        JsonNode parse = json.at(module + "~1import~1parse/post");
        assertThat(parse.at("/requestBody/required").asBoolean()).isTrue();
        assertThat(parse.at("/requestBody/content").propertyNames()).containsExactly("multipart/form-data");
        assertThat(parse.at("/requestBody/content/multipart~1form-data/schema/$ref").asString())
                .isEqualTo("#/components/schemas/ParseForm");
        JsonNode form = json.at("/components/schemas/ParseForm");
        assertThat(form.get("properties").propertyNames()).containsExactly("file", "sheet");
        assertThat(form.at("/properties/file/type").asString()).isEqualTo("string");
        assertThat(form.at("/properties/file/format").asString()).isEqualTo("binary");
        assertThat(form.at("/required").toString()).isEqualTo("[\"file\"]");
        List<String> parameters = new ArrayList<>();
        parse.get("parameters").forEach(p -> parameters.add(p.get("in").asString() + " " + p.get("name").asString()));
        assertThat(parameters).containsExactly("path module", "query sheet");

        Map<String, String> bodies = Map.of("suggest-mapping", "SuggestMappingRequest", "validate",
                "ImportRowsRequest", "execute", "ImportRowsRequest");
        bodies.forEach((step, schema) -> {
            JsonNode post = json.at(module + "~1import~1" + step + "/post");
            assertThat(post.at("/requestBody/required").asBoolean()).as(step).isTrue();
            assertThat(post.at("/requestBody/content").propertyNames()).as(step).containsExactly("application/json");
            assertThat(post.at("/requestBody/content/application~1json/schema/$ref").asString()).as(step)
                    .isEqualTo("#/components/schemas/" + schema);
            assertThat(post.at("/responses/415/content/application~1json/schema/$ref").asString()).as(step)
                    .isEqualTo("#/components/schemas/ErrorAnswer");
        });
        JsonNode schemas = json.at("/components/schemas");
        assertThat(schemas.at("/SuggestMappingRequest/required").toString()).isEqualTo("[\"sourceColumns\"]");
        assertThat(schemas.at("/SuggestMappingRequest/properties").propertyNames())
                .containsExactly("sourceColumns", "sampleData");
        JsonNode rows = schemas.get("ImportRowsRequest");
        assertThat(rows.get("properties").propertyNames()).containsExactly("rows", "fileId", "sheet", "columnMapping",
                "duplicateStrategy", "duplicateMatchFields", "mergeMode", "aiMappingUsed", "skipValidation",
                "createMissingReferences", "staticValues", "processingMode");
        assertThat(rows.at("/required").toString()).isEqualTo("[\"columnMapping\"]");
        assertThat(rows.at("/properties/duplicateStrategy/enum").toString()).isEqualTo("[\"skip\",\"update\",\"create\"]");
        assertThat(rows.at("/properties/duplicateStrategy/default").asString()).isEqualTo("skip");
        assertThat(rows.at("/properties/mergeMode/enum").toString())
                .isEqualTo("[\"fill_empty\",\"overwrite\",\"prefer_import\"]");
        assertThat(rows.at("/properties/mergeMode/default").asString()).isEqualTo("prefer_import");
        assertThat(schemas.at("/ColumnMapping/properties").propertyNames()).containsExactly("sourceColumn",
                "targetFieldSlug", "ignored", "valueType", "addressPart");
        assertThat(schemas.at("/ColumnMapping/properties/targetFieldSlug/type").toString())
                .isEqualTo("[\"string\",\"null\"]");
        assertThat(schemas.at("/ColumnMapping/properties/addressPart/enum").toString())
                .isEqualTo("[\"street\",\"street2\",\"city\",\"state\",\"zip\",\"country\"]");

        Map<String, String> answers = Map.of(module + "~1import~1parse/post", "ParseAnswer",
                module + "~1import~1suggest-mapping/post", "SuggestMappingAnswer",
                module + "~1import~1validate/post", "ValidateAnswer",
                module + "~1import~1execute/post", "ExecuteAnswer",
                module + "~1import~1jobs/get", "ImportJobsAnswer",
                module + "~1import~1jobs~1{jobId}/get", "ImportJobAnswer",
                module + "~1import~1jobs~1{jobId}/delete", "ImportRollbackAnswer",
                "/paths/~1v1~1export-jobs~1{exportJobId}/get", "ExportJobAnswer",
                "/paths/~1v1~1export-jobs/get", "JobList");
        answers.forEach((route, schema) -> assertThat(json.at(route + "/responses/200/content/application~1json/schema/$ref")
                .asString()).as(route).isEqualTo("#/components/schemas/" + schema));
        assertThat(json.at(module + "~1import~1execute/post/responses/200/content").propertyNames())
                .containsExactly("application/json", "text/event-stream");
        assertThat(schemas.at("/ParseAnswer/properties/data/$ref").asString())
                .isEqualTo("#/components/schemas/ParseView");
        assertThat(schemas.at("/ModuleImportJobView/properties/status/enum").toString()).isEqualTo(
                "[\"pending\",\"processing\",\"completed\",\"failed\",\"cancelled\"]");
        assertThat(schemas.at("/ExecuteView/properties/processingMode/enum").toString())
                .isEqualTo("[\"sync\",\"stream\",\"background\"]");
        assertThat(schemas.at("/ExecuteView/properties/referenceWarnings/items/$ref").asString())
                .isEqualTo("#/components/schemas/ReferenceWarningView");
        assertThat(schemas.at("/JobList/properties/jobs/items/$ref").asString())
                .isEqualTo("#/components/schemas/ExportJobView");
        assertThat(schemas.at("/ExportJobAnswer/properties/data/$ref").asString())
                .isEqualTo("#/components/schemas/ExportJobView");

        for (String list : List.of(module + "~1import~1jobs/get", "/paths/~1v1~1export-jobs/get")) {
            JsonNode limit = null;
            for (JsonNode p : json.at(list + "/parameters")) {
                limit = p.get("name").asString().equals("limit") ? p : limit;
            }
            assertThat(limit.at("/schema/minimum").asInt()).as(list).isEqualTo(1);
            assertThat(limit.at("/schema/maximum").asInt()).as(list).isEqualTo(100);
            assertThat(limit.at("/schema/default").asInt()).as(list).isEqualTo(50);
        }

        for (String export : List.of(module + "~1export/post", "/paths/~1v1~1reports~1{reportId}~1export/post")) {
            JsonNode post = json.at(export);
            assertThat(post.at("/requestBody/content/application~1json/schema/$ref").asString()).as(export)
                    .isEqualTo("#/components/schemas/ExportRequest");
            assertThat(post.at("/responses/200/content").propertyNames()).as(export).containsExactly("text/csv",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/pdf",
                    "application/json", "application/x-ndjson");
            assertThat(post.at("/responses/202/content/application~1json/schema/$ref").asString()).as(export)
                    .isEqualTo("#/components/schemas/ExportJobAnswer");
        }
        assertThat(schemas.at("/ExportRequest/required").toString()).isEqualTo("[\"format\"]");
        assertThat(schemas.at("/ExportRequest/properties/format/enum").toString())
                .isEqualTo("[\"csv\",\"xlsx\",\"pdf\",\"json\",\"ndjson\"]");
        JsonNode config = schemas.at("/ExportConfig/properties");
        assertThat(config.propertyNames()).containsExactly("columns", "columnLabels", "includeHeaders", "dateFormat",
                "title", "description", "sortField", "sortDirection", "limit", "filters", "includeBom",
                "escapeFormulas");
        assertThat(config.at("/includeHeaders/default").asBoolean()).isTrue();
        assertThat(config.at("/sortDirection/enum").toString()).isEqualTo("[\"asc\",\"desc\"]");
        assertThat(config.at("/limit/minimum").asInt()).isEqualTo(1);
        assertThat(config.at("/limit/maximum").asInt()).isEqualTo(100_000);
        for (String strict : List.of("ExportRequest", "ExportConfig", "ExportFilter")) {
            assertThat(schemas.at("/" + strict + "/additionalProperties").isBoolean()).as(strict).isTrue();
            assertThat(schemas.at("/" + strict + "/additionalProperties").asBoolean()).as(strict).isFalse();
        }
    }

    /**
     * The Imports resource (seed 004): create's required body and its 201, each route's error answers, the list's
     * query parameters with their values and bounds, the values of the import's enumerations (seed 004's {@code
     * sync|async}, {@code merge|overwrite|delete}, the seven statuses, {@code ignore_all|use_first}) and its nullable
     * members, and the upload URL's body and answers. Before, every route listed 200 "OK" alone (create answers 201),
     * every enumeration was a free string, {@code column_mapping} took any values, and the upload had no body.
     */
    @Test
    void theImportsResourceDocumentsItsBodiesParametersValuesAndAnswers() {
        JsonNode json = new Http.Client(TestServer.of(TestDatabases.SQLITE).baseUrl(), null).get("/v3/api-docs").json();
        JsonNode imports = json.at("/paths/~1v1~1imports");
        JsonNode create = imports.get("post");

        assertThat(create.at("/requestBody/required").asBoolean()).isTrue();
        assertThat(create.at("/requestBody/content").propertyNames()).containsExactly("application/json");
        assertThat(create.at("/requestBody/content/application~1json/schema/$ref").asString())
                .isEqualTo("#/components/schemas/CreateRequest");
        assertAnswers(create, "201", "ImportView", "401", "403", "413", "415", "422");
        JsonNode list = imports.get("get");
        assertAnswers(list, "200", "ImportPage", "400", "401", "403", "422");
        // Several statuses or resources list the imports in any of them: each is an array, given once per value.
        assertThat(parameter(list, "status").at("/schema/type").asString()).isEqualTo("array");
        assertThat(parameter(list, "status").at("/schema/items/enum").toString()).isEqualTo(STATUSES);
        assertThat(parameter(list, "resource").at("/schema/type").asString()).isEqualTo("array");
        assertThat(parameter(list, "limit").at("/schema").toString())
                .isEqualTo("{\"type\":\"integer\",\"format\":\"int32\",\"default\":50,\"maximum\":100,\"minimum\":1}");
        assertThat(parameter(list, "resource").get("description").asString())
                .isEqualTo("An object's slug: only the imports into it (an unknown slug lists none); several, up to"
                        + " 20: into any of them");
        assertThat(parameter(list, "cursor").get("description").asString())
                .isEqualTo("The next_cursor of the previous page");
        assertAnswers(json.at("/paths/~1v1~1imports~1{id}/get"), "200", "ImportView", "401", "403", "404");
        assertAnswers(json.at("/paths/~1v1~1imports~1{id}~1cancel/post"), "200", "ImportView", "401", "403", "404",
                "409");
        assertAnswers(json.at("/paths/~1v1~1imports~1{id}~1rollback/post"), "200", "RollbackView", "401", "403",
                "404", "409");

        JsonNode request = json.at("/components/schemas/CreateRequest");
        assertThat(request.at("/required").toString()).isEqualTo("[\"resource\"]");
        assertThat(request.at("/properties/upload_mode").toString())
                .isEqualTo("{\"type\":\"string\",\"default\":\"async\",\"enum\":[\"sync\",\"async\"]}");
        assertThat(request.at("/properties/action").toString()).isEqualTo(
                "{\"type\":\"string\",\"default\":\"merge\",\"enum\":[\"merge\",\"overwrite\",\"delete\"]}");
        assertThat(request.at("/properties/duplicate_handling").toString()).isEqualTo(
                "{\"type\":\"string\",\"default\":\"ignore_all\",\"enum\":[\"ignore_all\",\"use_first\"]}");
        assertThat(request.at("/properties/column_mapping/additionalProperties/type").asString()).isEqualTo("string");

        JsonNode view = json.at("/components/schemas/ImportView/properties");
        assertThat(view.at("/object/enum").toString()).isEqualTo("[\"import\"]");
        assertThat(view.at("/upload_mode/enum").toString()).isEqualTo("[\"sync\",\"async\"]");
        assertThat(view.at("/action/enum").toString()).isEqualTo("[\"merge\",\"overwrite\",\"delete\"]");
        assertThat(view.at("/status/enum").toString()).isEqualTo(STATUSES);
        assertThat(view.at("/duplicate_handling/enum").toString()).isEqualTo("[\"ignore_all\",\"use_first\"]");
        for (String nullable : List.of("reason", "name", "checksum", "file_type", "file_name", "_upload_url",
                "_upload_csv_url", "_upload_json_url", "_errors_csv_url", "_errors_json_url")) {
            assertThat(view.at("/" + nullable + "/type").toString()).as(nullable).isEqualTo("[\"string\",\"null\"]");
        }
        for (String nullable : List.of("finished_at", "total_rows", "rolled_back_at", "purged_at")) {
            assertThat(view.at("/" + nullable + "/type").toString()).as(nullable)
                    .isEqualTo("[\"integer\",\"null\"]");
        }
        assertThat(view.at("/column_mapping/type").toString()).isEqualTo("[\"object\",\"null\"]");
        for (String always : List.of("id", "organization_id", "resource", "created_by", "updated_by")) {
            assertThat(view.at("/" + always + "/type").asString()).as(always).isEqualTo("string");
        }
        JsonNode phase = json.at("/components/schemas/PhaseView/properties");
        assertThat(phase.at("/name/enum").toString()).isEqualTo("[\"prevalidation\",\"preparsing\",\"transforming\","
                + "\"parsing\",\"validation\",\"processing\",\"cleanup\"]");
        assertThat(phase.at("/status/enum").toString())
                .isEqualTo("[\"pending\",\"running\",\"completed\",\"failed\",\"skipped\"]");

        JsonNode upload = json.at("/paths/~1files~1imports~1{id}~1upload/put");
        assertThat(upload.at("/requestBody/required").asBoolean()).isTrue();
        assertThat(upload.at("/requestBody/content/application~1octet-stream/schema/format").asString())
                .isEqualTo("binary");
        assertThat(upload.at("/responses").propertyNames()).containsExactlyInAnyOrder("200", "202", "400", "403",
                "404", "408", "409", "413", "415", "422", "503");
        for (String status : List.of("200", "202", "422")) {
            assertThat(upload.at("/responses/" + status + "/content/application~1json/schema/$ref").asString())
                    .as(status).isEqualTo("#/components/schemas/ImportView");
        }
        for (String status : List.of("400", "403", "404", "408", "409", "413", "415", "503")) {
            assertThat(upload.at("/responses/" + status + "/content/application~1json/schema/$ref").asString())
                    .as(status).isEqualTo("#/components/schemas/ErrorBody");
        }
        JsonNode download = json.at("/paths/~1files~1imports~1{id}~1{file}/get");
        assertThat(parameter(download, "file").at("/schema/enum").toString())
                .isEqualTo("[\"errors.csv\",\"errors.json\",\"upload.csv\",\"upload.json\"]");
        assertThat(download.at("/responses/200/content").propertyNames()).containsExactly("text/csv",
                "application/json");
        assertThat(download.at("/responses").propertyNames()).containsExactlyInAnyOrder("200", "403", "404", "410");
        // Every signed file URL is reached without a key: none declares the API key's bearer scheme.
        json.get("paths").properties().forEach(path -> {
            if (path.getKey().startsWith("/files/")) {
                path.getValue().properties().forEach(operation -> assertThat(operation.getValue().at("/security")
                        .toString()).as(path.getKey()).isEqualTo("[]"));
            }
        });
        assertThat(json.at("/security/0/apiKey").isArray()).isTrue();
    }

    /**
     * Routes that answer nothing but their success, and 401 without a valid key: none. Every {@code /v1} route checks
     * a scope (403) and every {@code /files} route a signature (403), so an entry here needs a route without either.
     */
    private static final Set<String> ONLY_SUCCESS = Set.of();

    /** The paths whose errors are sent in seed 003's envelope ({@link Envelope}), documented as {@code ErrorAnswer}. */
    private static final List<String> ENVELOPE_FACE = List.of("/v1/modules/", "/v1/reports", "/v1/export-jobs",
            "/files/exports/", "/files/validations/");

    /**
     * A rule over the whole document: every operation lists an error answer besides its success (unless it is in
     * {@link #ONLY_SUCCESS}), every {@code /v1} operation its 401, each error answer in its family's error body
     * ({@code ErrorAnswer} under seed 003's paths, else {@code ErrorBody}) as JSON, with a description that starts with
     * a code, and every answer with a body its media type (not {@code *}{@code /*}). Before, the admin routes (objects,
     * records, keys, Import Reports), the saved reports and the export and validation file URLs listed their 200 alone
     * (a 201 or 204 as 200, with {@code *}{@code /*}), and seed 003's routes listed no 401.
     */
    @Test
    void everyRouteDocumentsItsErrorAnswersInItsFamilysErrorBody() {
        JsonNode json = new Http.Client(TestServer.of(TestDatabases.SQLITE).baseUrl(), null).get("/v3/api-docs").json();

        List<String> problems = new ArrayList<>();
        json.get("paths").properties().forEach(path -> path.getValue().properties().forEach(operation -> {
            String route = operation.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey();
            String error = ENVELOPE_FACE.stream().anyMatch(path.getKey()::startsWith)
                    ? "#/components/schemas/ErrorAnswer" : "#/components/schemas/ErrorBody";
            JsonNode responses = operation.getValue().get("responses");
            List<String> statuses = new ArrayList<>(responses.propertyNames());
            List<String> errors = statuses.stream().filter(s -> s.charAt(0) >= '4').toList();
            if (errors.isEmpty() && !ONLY_SUCCESS.contains(route)) {
                problems.add(route + " lists no error answer: " + statuses);
            }
            if (path.getKey().startsWith("/v1/") && !errors.contains("401")) {
                problems.add(route + " lists no 401");
            }
            for (String status : statuses) {
                JsonNode answer = responses.get(status);
                if (answer.has("content") && answer.get("content").has("*/*")) {
                    problems.add(route + " " + status + " has no media type");
                }
                answer.path("content").properties().forEach(type -> {
                    if (!type.getValue().has("schema")) {
                        problems.add(route + " " + status + " " + type.getKey() + " has no schema");
                    }
                });
                if (status.equals("204") || status.charAt(0) < '4') {
                    continue;
                }
                String ref = answer.at("/content/application~1json/schema/$ref").asString("");
                if (ref.endsWith("/ErrorBody") || ref.endsWith("/ErrorAnswer") || ref.isEmpty()) {
                    if (!ref.equals(error)) {
                        problems.add(route + " " + status + " has the body " + ref + ", not " + error);
                    }
                    if (!answer.get("description").asString().matches("[a-z][a-z0-9_]*(\\W.*)?")) {
                        problems.add(route + " " + status + " does not name its codes: "
                                + answer.get("description").asString());
                    }
                }
            }
        }));
        assertThat(problems).isEmpty();
    }

    /**
     * The admin routes, the saved reports and the export and validation file URLs list exactly the answers their
     * code gives, each in its family's body, and a saved report's body its members. Before, each listed 200 alone
     * ({@code DELETE} routes that answer 204 too), with {@code *}{@code /*} as its type, and a saved report's body
     * was any object.
     */
    @Test
    void theAdminRoutesSavedReportsAndFileUrlsListExactlyTheirAnswers() {
        JsonNode json = new Http.Client(TestServer.of(TestDatabases.SQLITE).baseUrl(), null).get("/v3/api-docs").json();
        String body = "#/components/schemas/ErrorBody";
        String answer = "#/components/schemas/ErrorAnswer";

        assertAnswersWith(json.at("/paths/~1v1~1objects/post"), "201", "ObjectView", body, "401", "403", "409",
                "413", "415", "422");
        assertAnswersWith(json.at("/paths/~1v1~1objects~1{slug}~1fields/post"), "201", "ObjectView", body, "401", "403",
                "404", "413", "415", "422");
        JsonNode delete = json.at("/paths/~1v1~1objects~1{slug}/delete");
        assertThat(delete.at("/responses").propertyNames()).containsExactlyInAnyOrder("204", "401", "403", "404",
                "409");
        assertThat(delete.at("/responses/204/content").isMissingNode()).isTrue();
        assertAnswersWith(json.at("/paths/~1v1~1objects~1{slug}~1records/get"), "200", "PageRecordView", body, "400",
                "401", "403", "404");
        assertAnswersWith(json.at("/paths/~1v1~1records~1{id}/get"), "200", "RecordView", body, "401", "403", "404");
        assertAnswersWith(json.at("/paths/~1v1~1keys/post"), "201", "KeyView", body, "401", "403", "413", "415", "422");
        assertAnswersWith(json.at("/paths/~1v1~1import-reports~1{id_or_slug}/put"), "200", "ReportView", body, "401",
                "403", "404", "409", "413", "415", "422");
        assertAnswersWith(json.at("/paths/~1v1~1reports/post"), "201", "SavedReportAnswer", answer, "400", "401", "403",
                "404", "413", "415", "422");
        assertAnswersWith(json.at("/paths/~1v1~1reports~1{reportId}/delete"), "200", "DeletedReportAnswer", answer,
                "401", "403", "404");
        for (String write : List.of("/paths/~1v1~1reports/post", "/paths/~1v1~1reports~1{reportId}/put")) {
            assertThat(json.at(write + "/requestBody/content/application~1json/schema/$ref").asString()).as(write)
                    .isEqualTo("#/components/schemas/SavedReportRequest");
        }
        JsonNode report = json.at("/components/schemas/SavedReportRequest");
        assertThat(report.get("properties").propertyNames()).containsExactly("name", "module", "columns",
                "columnLabels", "filters", "sortField", "sortDirection", "reportId", "accountId", "createdDateTime",
                "updatedDateTime");
        assertThat(report.at("/required").toString()).isEqualTo("[\"module\",\"name\"]");
        assertThat(report.at("/properties/accountId/readOnly").asBoolean()).isTrue();
        assertThat(report.at("/additionalProperties").asBoolean(true)).isFalse();
        assertThat(json.at("/components/schemas/SavedReportView/properties").propertyNames()).containsExactly(
                "reportId", "accountId", "name", "module", "columns", "columnLabels", "filters", "sortField",
                "sortDirection", "createdDateTime", "updatedDateTime");

        JsonNode export = json.at("/paths/~1files~1exports~1{exportJobId}~1{fileName}/get");
        assertThat(export.at("/responses").propertyNames()).containsExactlyInAnyOrder("200", "403", "404", "409",
                "410");
        JsonNode validation = json.at("/paths/~1files~1validations~1{organizationId}~1{validationId}~1{file}/get");
        assertThat(validation.at("/responses").propertyNames()).containsExactlyInAnyOrder("200", "403", "410");
        assertThat(validation.at("/responses/200/content").propertyNames()).containsExactly("text/csv",
                "application/json");
        assertThat(parameter(validation, "file").at("/schema/enum").toString())
                .isEqualTo("[\"errors.csv\",\"errors.json\"]");
        for (JsonNode download : List.of(export, validation)) {
            for (String status : List.of("403", "410")) {
                assertThat(download.at("/responses/" + status + "/content/application~1json/schema/$ref").asString())
                        .as(status).isEqualTo(answer);
            }
        }
    }

    /**
     * Parse lists exactly the answers it gives (a body of another type or size is 400 no_file or file_too_large, never
     * 413, 415 or 422); the export and saved report routes document their body as required and say what an empty or
     * blank one answers.
     */
    @Test
    void parseListsExactlyItsAnswersAndTheExportAndReportRoutesSayWhatAnEmptyBodyAnswers() {
        JsonNode json = new Http.Client(TestServer.of(TestDatabases.SQLITE).baseUrl(), null).get("/v3/api-docs").json();
        String answer = "#/components/schemas/ErrorAnswer";

        JsonNode parse = json.at("/paths/~1v1~1modules~1{module}~1import~1parse/post");
        assertAnswersWith(parse, "200", "ParseAnswer", answer, "400", "401", "403", "404", "503");
        assertThat(parse.at("/responses/400/description").asString()).startsWith("no_file (also any body that is not a"
                + " multipart form with the part file, JSON or plain text), file_too_large (also a form over"
                + " FREIGHT_MAX_PARSE_BYTES: parse answers no 413, 415 or 422)");
        Map<String, String> lacking = Map.of("/paths/~1v1~1modules~1{module}~1export/post", "invalid_format (an empty"
                + " body or null too: format is required)", "/paths/~1v1~1reports~1{reportId}~1export/post",
                "invalid_format (an empty body or null too: format is required)", "/paths/~1v1~1reports/post",
                "invalid_report (an empty body or null too: name is required)", "/paths/~1v1~1reports~1{reportId}/put",
                "invalid_report (an empty body or null too: name is required)");
        lacking.forEach((route, first) -> {
            JsonNode operation = json.at(route);
            assertThat(operation.at("/requestBody/required").asBoolean()).as(route).isTrue();
            assertThat(operation.at("/responses/400/description").asString()).as(route).startsWith(first + ", ");
            assertThat(operation.at("/responses/422/description").asString()).as(route)
                    .isEqualTo("malformed_body (a body of blank space too)");
            for (String status : List.of("400", "415", "422")) {
                assertThat(operation.at("/responses/" + status + "/content/application~1json/schema/$ref").asString())
                        .as(route + " " + status).isEqualTo(answer);
            }
        });
    }

    /**
     * A rule over the whole document: every schema an answer refers to, directly or through others, lists as required
     * each of its properties but those its answer leaves out when null or empty (named here), so that generated
     * clients type them as present; the schemas only requests refer to keep just what a request must send. Before, no
     * answer's schema had a required list: ImportView's 32 members, every one always present (null where seed 004
     * says null), were each optional.
     */
    @Test
    void everyAnswersSchemaListsAsRequiredEachMemberItAlwaysHas() {
        JsonNode json = new Http.Client(TestServer.of(TestDatabases.SQLITE).baseUrl(), null).get("/v3/api-docs").json();
        JsonNode schemas = json.at("/components/schemas");
        // A job of the file workflow's list has none of its findings; a job's own answer and execute's have them.
        Set<String> findings = Set.of("errors", "errorsTruncated", "errorsCsvUrl", "errorsJsonUrl",
                "referenceWarnings", "warnings", "warningsTruncated", "warningsOmitted");
        Map<String, Set<String>> leftOut = Map.of("Problem", Set.of("external_id", "field"),
                "Detail", Set.of("details", "error_id"), "KeyView", Set.of("name", "revoked_at", "key"),
                "ModuleImportJobView", findings, "ExecuteView", findings);

        Set<String> answers = schemasUnder(json, "responses");
        assertThat(answers).contains("ImportView", "PhaseView", "StatsView", "ImportResponse", "Problem", "Detail",
                "KeyView", "ExportJobView", "ValidationView", "SavedReportView", "ModuleImportJobView")
                .doesNotContainAnyElementsOf(schemasUnder(json, "requestBody"));
        for (String name : answers) {
            List<String> always = new ArrayList<>(schemas.get(name).get("properties").propertyNames());
            always.removeAll(leftOut.getOrDefault(name, Set.of()));
            List<String> required = new ArrayList<>();
            schemas.get(name).path("required").forEach(member -> required.add(member.asString()));
            assertThat(required).as(name).containsExactlyInAnyOrderElementsOf(always);
        }
        assertThat(schemas.at("/ImportView/required").size()).isEqualTo(32);
        assertThat(schemas.at("/Problem/required").toString()).isEqualTo("[\"error_code\",\"index\",\"message\"]");
        assertThat(schemas.at("/KeyRequest/required").isMissingNode()).isTrue();
        assertThat(schemas.at("/CreateRequest/required").toString()).isEqualTo("[\"resource\"]");
    }

    /** The names of the schemas the operations' {@code part} (responses, requestBody) refer to, and those they do. */
    private static Set<String> schemasUnder(JsonNode json, String part) {
        List<String> toVisit = new ArrayList<>();
        json.get("paths").forEach(path -> path.forEach(operation -> referred(operation.path(part), toVisit)));
        Set<String> names = new java.util.TreeSet<>();
        while (!toVisit.isEmpty()) {
            String name = toVisit.removeLast();
            if (names.add(name)) {
                referred(json.at("/components/schemas/" + name), toVisit);
            }
        }
        return names;
    }

    private static void referred(JsonNode node, List<String> names) {
        if (node.has("$ref")) {
            names.add(node.get("$ref").asString().substring(node.get("$ref").asString().lastIndexOf('/') + 1));
        }
        node.forEach(child -> referred(child, names));
    }

    private static final String STATUSES = "[\"requested\",\"queued\",\"processing\",\"completed\",\"failed\","
            + "\"timed_out\",\"expired\"]";

    /**
     * Asserts that {@code operation} answers {@code success} with the schema {@code body} as JSON, and exactly the
     * statuses {@code errors} besides, each with the error body.
     */
    private static void assertAnswers(JsonNode operation, String success, String body, String... errors) {
        assertAnswersWith(operation, success, body, "#/components/schemas/ErrorBody", errors);
    }

    /** As {@link #assertAnswers(JsonNode, String, String, String...)}, each error with the schema {@code error}. */
    private static void assertAnswersWith(JsonNode operation, String success, String body, String error,
            String... errors) {
        List<String> statuses = new ArrayList<>(List.of(success));
        statuses.addAll(List.of(errors));
        assertThat(operation.at("/responses").propertyNames()).containsExactlyInAnyOrderElementsOf(statuses);
        assertThat(operation.at("/responses/" + success + "/content").propertyNames()).containsExactly("application/json");
        assertThat(operation.at("/responses/" + success + "/content/application~1json/schema/$ref").asString())
                .isEqualTo("#/components/schemas/" + body);
        for (String status : errors) {
            assertThat(operation.at("/responses/" + status + "/content/application~1json/schema/$ref").asString())
                    .as(status).isEqualTo(error);
        }
    }

    private static JsonNode parameter(JsonNode operation, String name) {
        for (JsonNode p : operation.get("parameters")) {
            if (p.get("name").asString().equals(name)) {
                return p;
            }
        }
        throw new AssertionError("no parameter " + name + " in " + operation);
    }
}
