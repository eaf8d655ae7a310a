package dev.freight.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.store.Database;
import dev.freight.store.KeyKind;
import dev.freight.store.Scope;
import dev.freight.testing.CapturedLog;
import dev.freight.testing.Http;
import dev.freight.testing.Http.Response;
import dev.freight.testing.TestDatabases;
import dev.freight.testing.TestServer;
import dev.freight.testing.TestServer.Tenant;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** {@code POST /v1/import/{report_name}} over HTTP, exactly as seed 000 documents it. One subclass per database. */
abstract class ImportApiContract {

    static final String SEED_REPORT = """
            {"slug": "vendor-custom-import", "report_name": "Vendor Import", "base_object": "vendor",
             "mapping": {"name": "Name", "external_id": "External Id", "website": "Website", "status": "Status",
                         "hq_location": "Hq Location", "raw_irq_score": "Raw Irq Score"}}""";

    /** The body of the seed's cURL example, verbatim. */
    static final String SEED_BODY = """
            {
              "data": [
                {
                  "Name": "Acme Corporation",
                  "External Id": "vendor-123",
                  "Website": "https://acmecorp.com",
                  "Status": "active",
                  "Hq Location": "San Francisco, CA",
                  "Raw Irq Score": "85"
                },
                {
                  "Name": "Beta Services",
                  "External Id": "vendor-456",
                  "Website": "https://betaservices.io",
                  "Status": "onboarding"
                }
              ]
            }""";

    abstract TestDatabases database();


    TestServer server;
    Tenant tenant;
    Http.Client http;

    @BeforeEach
    void newTenantWithSeedReport() {
        server = TestServer.of(database());
        tenant = server.newTenant("import");
        http = tenant.http();
        assertThat(http.post("/v1/import-reports", SEED_REPORT).status()).isEqualTo(201);
    }

    Response importBatch(String body) {
        return http.post("/v1/import/vendor-custom-import", body);
    }

    /**
     * An empty body (none, nothing or blank space, whatever its Content-Type) is the empty object: 422
     * {@code malformed_body} naming the "data" it lacks, and nothing is imported. Before, "The body is not valid JSON
     * at line 1, column 0".
     */
    @Test
    void anEmptyBodyIsAnsweredAsTheEmptyObjectWhateverItsContentType() {
        String lacking = "422 {\"error\":{\"code\":\"malformed_body\",\"message\":\"Expected {\\\"data\\\": ["
                + " {\\\"<incoming key>\\\": <value>, …}, … ]} but got an empty object or body\"}}";

        assertThat(EmptyBodyRequests.answers(http, "POST", "/v1/import/vendor-custom-import"))
                .isEqualTo(EmptyBodyRequests.each(lacking));
        Response empty = importBatch("{}");
        assertThat(empty.status() + " " + empty.body()).isEqualTo(lacking);
        assertThat(http.get("/v1/imports").json().get("data").size()).isZero();
    }

    /**
     * A client cut off mid-body (its connection closed after half of the declared bytes) is no failure of the server:
     * one WARN line without a stack trace names the route, and no import nor record is left. Before, it was logged
     * as an ERROR internal_error with a stack trace and an error id nobody received.
     */
    @Test
    void aBatchCutOffByItsClientIsLoggedAsOneWarningAndStoresNothing() throws Exception {
        byte[] body = SEED_BODY.getBytes(java.nio.charset.StandardCharsets.UTF_8);

        try (CapturedLog log = CapturedLog.attach()) {
            Http.cutOff("POST", server.baseUrl() + "/v1/import/vendor-custom-import", java.util.Map.of(
                    "Authorization", "Bearer " + tenant.adminKey(), "Content-Type", "application/json"), body,
                    body.length / 2);
            log.awaitFirst();

            assertThat(http.get("/v1/imports").json().get("data").size()).isZero();
            assertThat(http.get("/v1/objects/vendor/records").json().get("data").size()).isZero();
            assertThat(log.lines()).containsExactly("WARN dev.freight.api.ErrorMapper: POST"
                    + " /v1/import/vendor-custom-import: the client's request body ended early, before the "
                    + "%,d".formatted(body.length) + " bytes it declared (its connection closed); nothing was kept");
        }
    }

    @Test
    void seedExampleCreatesBothRecordsWithTheDocumentedShape() {
        Response r = importBatch(SEED_BODY);

        assertThat(r.status()).isEqualTo(200);
        JsonNode json = r.json();
        assertThat(json.propertyNames()).containsExactly("id", "slug", "report_name", "base_object", "mapping",
                "received_count", "created_count", "updated_count", "failed_count", "results", "errors", "warnings",
                "received_at");
        assertThat(r.at("/id")).startsWith("imprt_").hasSize(6 + 32);
        assertThat(r.at("/slug")).isEqualTo("vendor-custom-import");
        assertThat(r.at("/report_name")).isEqualTo("Vendor Import");
        assertThat(r.at("/base_object")).isEqualTo("vendor");
        assertThat(r.at("/mapping")).isEqualTo("{\"name\":\"Name\",\"external_id\":\"External Id\","
                + "\"website\":\"Website\",\"status\":\"Status\",\"hq_location\":\"Hq Location\","
                + "\"raw_irq_score\":\"Raw Irq Score\"}");
        assertThat(json.get("received_count").asInt()).isEqualTo(2);
        assertThat(json.get("created_count").asInt()).isEqualTo(2);
        assertThat(json.get("updated_count").asInt()).isEqualTo(0);
        assertThat(json.get("failed_count").asInt()).isEqualTo(0);
        assertThat(r.at("/results/0/external_id")).isEqualTo("vendor-123");
        assertThat(r.at("/results/0/coverbase_id")).matches("vndr_[0-9a-f]{32}").isEqualTo(r.at("/results/0/id"));
        assertThat(r.at("/results/0/action")).isEqualTo("created");
        assertThat(r.at("/results/0/status")).isEqualTo("success");
        assertThat(r.at("/results/1/external_id")).isEqualTo("vendor-456");
        assertThat(r.at("/results/1/action")).isEqualTo("created");
        assertThat(json.get("errors").size()).isZero();
        assertThat(json.get("received_at").asLong()).isBetween(
                System.currentTimeMillis() / 1000 - 60, System.currentTimeMillis() / 1000 + 1);
    }

    /**
     * The seed's example answer, where vendor-123 was already stored: the whole body, member by member, as the seed
     * shows it but for Freight's documented differences (its ids, {@code id} beside {@code coverbase_id},
     * {@code warnings}).
     */
    @Test
    void theSeedsExampleUpdatesTheStoredVendorAndCreatesTheOtherAsItsAnswerShows() {
        String stored = importBatch("""
                {"data": [{"Name": "Acme", "External Id": "vendor-123"}]}""").at("/results/0/id");

        Response r = importBatch(SEED_BODY);

        assertThat(r.status()).isEqualTo(200);
        String reportId = http.get("/v1/import-reports/vendor-custom-import").at("/id");
        String created = r.at("/results/1/id");
        assertThat(created).matches("vndr_[0-9a-f]{32}").isNotEqualTo(stored);
        assertThat(r.body()).isEqualTo(("{\"id\":\"%s\",\"slug\":\"vendor-custom-import\",\"report_name\":"
                + "\"Vendor Import\",\"base_object\":\"vendor\",\"mapping\":{\"name\":\"Name\",\"external_id\":"
                + "\"External Id\",\"website\":\"Website\",\"status\":\"Status\",\"hq_location\":\"Hq Location\","
                + "\"raw_irq_score\":\"Raw Irq Score\"},\"received_count\":2,\"created_count\":1,\"updated_count\":1,"
                + "\"failed_count\":0,\"results\":[{\"external_id\":\"vendor-123\",\"id\":\"%s\",\"coverbase_id\":"
                + "\"%s\",\"action\":\"updated\",\"status\":\"success\"},{\"external_id\":\"vendor-456\",\"id\":"
                + "\"%s\",\"coverbase_id\":\"%s\",\"action\":\"created\",\"status\":\"success\"}],\"errors\":[],"
                + "\"warnings\":[],\"received_at\":%s}").formatted(reportId, stored, stored, created, created,
                r.at("/received_at")));
        assertThat(http.get("/v1/records/" + stored).at("/values/name")).isEqualTo("Acme Corporation");
    }

    @Test
    void postingTheSameBatchTwiceReportsBothRecordsUpdatedWithTheSameIds() {
        Response first = importBatch(SEED_BODY);
        Response second = importBatch(SEED_BODY);

        assertThat(second.status()).isEqualTo(200);
        assertThat(second.json().get("created_count").asInt()).isEqualTo(0);
        assertThat(second.json().get("updated_count").asInt()).isEqualTo(2);
        assertThat(second.at("/results/0/action")).isEqualTo("updated");
        assertThat(second.at("/results/1/action")).isEqualTo("updated");
        assertThat(second.at("/results/0/id")).isEqualTo(first.at("/results/0/id"));
        assertThat(second.at("/results/1/id")).isEqualTo(first.at("/results/1/id"));
    }

    @Test
    void storesTypedValuesReadableThroughTheRecordsApi() {
        String id = importBatch(SEED_BODY).at("/results/0/id");

        Response r = http.get("/v1/records/" + id);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.at("/external_id")).isEqualTo("vendor-123");
        assertThat(r.at("/values")).isEqualTo("{\"name\":\"Acme Corporation\",\"website\":\"https://acmecorp.com\","
                + "\"status\":\"active\",\"hq_location\":\"San Francisco, CA\",\"raw_irq_score\":85}");
    }

    @Test
    void aNumberWithAnExponentIsStoredWrittenOutAndATimeOutsideTheCalendarYearsInUtcIsRejected() {
        Response r = importBatch("""
                {"data": [{"Name": "A", "External Id": "v-1", "Raw Irq Score": 1e3},
                          {"Name": "B", "External Id": "v-2", "Raw Irq Score": "2.5E+1"}]}""");

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(http.get("/v1/records/" + r.at("/results/0/id")).at("/values/raw_irq_score")).isEqualTo("1000");
        assertThat(http.get("/v1/records/" + r.at("/results/1/id")).at("/values/raw_irq_score")).isEqualTo("25");
    }

    @Test
    void aSmallNumberIsAnsweredInPlainDecimalDigitsWithItsScale() {
        Response r = importBatch("""
                {"data": [{"Name": "A", "External Id": "v-1", "Raw Irq Score": "0.00000012"},
                          {"Name": "B", "External Id": "v-2", "Raw Irq Score": 0.0000000},
                          {"Name": "C", "External Id": "v-3", "Raw Irq Score": "-1E-9"}]}""");

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(http.get("/v1/records/" + r.at("/results/0/id")).body()).contains("\"raw_irq_score\":0.00000012}");
        assertThat(http.get("/v1/records/" + r.at("/results/1/id")).body()).contains("\"raw_irq_score\":0.0000000}");
        assertThat(http.get("/v1/objects/vendor/records?external_id=v-3").body())
                .contains("\"raw_irq_score\":-0.000000001}");
    }

    @Test
    void halfASurrogatePairAloneFailsItsRecordAndNotTheOthers() {
        Response r = importBatch("""
                {"data": [{"Name": "A\\ud800", "External Id": "v-1"}, {"Name": "B", "External Id": "v-2\\udc00"},
                          {"Name": "C \\ud83d\\ude00", "External Id": "v-3"}]}""");

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("created_count").asInt()).isEqualTo(1);
        assertThat(r.at("/errors/0")).isEqualTo("{\"index\":0,\"external_id\":\"v-1\",\"field\":\"name\","
                + "\"error_code\":\"invalid_field_value\",\"message\":\"name: expected Unicode text, got an "
                + "unpaired surrogate U+D800 at character 2\"}");
        assertThat(r.at("/errors/1/message")).isEqualTo("external_id: expected Unicode text, got an unpaired "
                + "surrogate U+DC00 at character 4");
        // the key is echoed as the JSON escape it came as, which any JSON reader takes
        assertThat(r.body()).contains("\"index\":1,\"external_id\":\"v-2\\uDC00\",\"field\":\"external_id\"");
        assertThat(http.get("/v1/records/" + r.at("/results/0/id")).at("/values/name"))
                .isEqualTo("C \uD83D\uDE00");
    }

    @Test
    void contactsWithoutAnExternalIdAreCreatedBesideOnesWithOne() {
        assertThat(http.post("/v1/import-reports", """
                {"slug": "crm-contacts", "report_name": "CRM contacts", "base_object": "contact",
                 "mapping": {"external_id": "id", "displayName": "name"}}""").status()).isEqualTo(201);

        Response r = http.post("/v1/import/crm-contacts", """
                {"data": [{"id": "c-1", "name": "Ann"}, {"name": "Bo"}, {"id": "", "name": "Cy"}, {"id": null,
                  "name": "Di"}]}""");

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("created_count").asInt()).isEqualTo(4);
        assertThat(r.json().get("failed_count").asInt()).isZero();
        List<String> stored = new ArrayList<>();
        http.get("/v1/objects/contact/records").json().get("data").forEach(c -> stored.add(
                c.get("values").get("displayName").asString() + "|" + c.get("external_id").asString("-")));
        assertThat(stored).containsExactlyInAnyOrder("Ann|c-1", "Bo|-", "Cy|-", "Di|-");
    }

    /**
     * A zero-width space (U+200B, U+2060, U+FEFF) in an email address or a URL's path is refused like another Unicode
     * space, shown escaped; a zero-width joiner, part of a Persian word, is not (before, both were stored).
     */
    @Test
    void anEmailOrUrlHoldingAZeroWidthSpaceIsRejectedLikeOneHoldingAnotherSpace() {
        assertThat(http.post("/v1/import-reports", """
                {"slug": "crm-contacts", "report_name": "CRM contacts", "base_object": "contact",
                 "mapping": {"external_id": "id", "displayName": "name", "email": "email",
                  "website": "site"}}""").status()).isEqualTo(201);

        Response r = http.post("/v1/import/crm-contacts", """
                {"data": [{"id": "c-1", "name": "Ann", "email": "ann@example.com\\u200b"},
                  {"id": "c-2", "name": "Bo", "site": "https://acme.com/a\\u2060b"},
                  {"id": "c-3", "name": "Cy", "email": "\\ufeffcy@example.com"},
                  {"id": "c-4", "name": "Di",
                   "email": "\\u0645\\u06cc\\u200c\\u062e\\u0648\\u0627\\u0647@example.com"}]}""");

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("created_count").asInt()).isEqualTo(1);
        assertThat(r.at("/errors")).isEqualTo("[{\"index\":0,\"external_id\":\"c-1\",\"field\":\"email\","
                + "\"error_code\":\"invalid_field_value\",\"message\":\"email: expected an email address, got "
                + "\\\"ann@example.com\\\\u200b\\\"\"},{\"index\":1,\"external_id\":\"c-2\",\"field\":\"website\","
                + "\"error_code\":\"invalid_field_value\",\"message\":\"website: expected a URL, got "
                + "\\\"https://acme.com/a\\\\u2060b\\\"\"},{\"index\":2,\"external_id\":\"c-3\",\"field\":\"email\","
                + "\"error_code\":\"invalid_field_value\",\"message\":\"email: expected an email address, got "
                + "\\\"\\\\ufeffcy@example.com\\\"\"}]");
        List<String> stored = new ArrayList<>();
        http.get("/v1/objects/contact/records").json().get("data").forEach(c -> stored.add(
                c.get("external_id").asString() + "|" + c.get("values").get("email").asString()));
        assertThat(stored).containsExactly("c-4|\u0645\u06cc\u200c\u062e\u0648\u0627\u0647@example.com");
    }

    @Test
    void aRecordWithoutARequiredFieldIsRejectedWithMissingRequiredField() {
        Response r = importBatch("""
                {"data": [{"External Id": "v-1", "Website": "https://a.io"}, {"Name": "B", "External Id": "v-2"}]}""");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("failed_count").asInt()).isEqualTo(1);
        assertThat(r.json().get("created_count").asInt()).isEqualTo(1);
        assertThat(r.at("/errors")).isEqualTo("[{\"index\":0,\"external_id\":\"v-1\",\"field\":\"name\","
                + "\"error_code\":\"missing_required_field\","
                + "\"message\":\"name: required field is missing (expected key \\\"Name\\\")\"}]");
        assertThat(r.at("/results/0/external_id")).isEqualTo("v-2");
    }

    @Test
    void aNonNumericScoreIsRejectedWithInvalidFieldValueAndTheDocumentedMessage() {
        Response r = importBatch("""
                {"data": [{"Name": "A", "External Id": "v-1", "Raw Irq Score": "eighty"}]}""");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.at("/errors/0/error_code")).isEqualTo("invalid_field_value");
        assertThat(r.at("/errors/0/field")).isEqualTo("raw_irq_score");
        assertThat(r.at("/errors/0/message")).isEqualTo("raw_irq_score: expected a number, got \"eighty\"");
        assertThat(r.json().get("results").size()).isZero();
    }

    @Test
    void unmappedKeysAreReportedAsWarningsWithoutFailingTheRecord() {
        Response r = importBatch("""
                {"data": [{"Name": "A", "External Id": "v-1", "Legacy Code": "X9"}]}""");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("failed_count").asInt()).isEqualTo(0);
        assertThat(r.json().get("errors").size()).isZero();
        assertThat(r.at("/warnings")).isEqualTo("[{\"index\":0,\"external_id\":\"v-1\",\"field\":\"Legacy Code\","
                + "\"error_code\":\"unmapped_field\","
                + "\"message\":\"\\\"Legacy Code\\\" is not in the report's mapping and was ignored\"}]");
    }

    /**
     * An unmapped key's warning quotes it as every message quotes what it was sent ({@code Echo}): its first 100
     * characters and {@code …} (before, the whole key, however long); {@code field} is the key itself.
     */
    @Test
    void anUnmappedKeyOfMoreThanAHundredCharactersIsCutInItsWarningMessage() {
        String key = "K".repeat(99) + "\uD83D\uDE00" + "k".repeat(500);
        Response r = importBatch("{\"data\": [{\"Name\": \"A\", \"External Id\": \"v-1\", \"" + key + "\": \"X9\"}]}");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("created_count").asInt()).isEqualTo(1);
        JsonNode warning = r.json().get("warnings").get(0);
        assertThat(warning.get("field").asString()).isEqualTo(key);
        assertThat(warning.get("error_code").asString()).isEqualTo("unmapped_field");
        assertThat(warning.get("message").asString()).isEqualTo("\"" + "K".repeat(99)
                + "…\" is not in the report's mapping and was ignored");
    }

    /**
     * A record's key holding half of a surrogate pair alone is no Unicode text: the body is refused naming that, not
     * as invalid JSON (its syntax is valid), and nothing is stored.
     */
    @Test
    void aKeyHoldingAnUnpairedSurrogateRefusesTheBodyNamingWhy() {
        Response r = importBatch("""
                {"data": [{"Name": "A", "External Id": "v-1"}, {"Name": "B", "External Id": "v-2", "Le\\ud800gacy": 1}]}""");

        assertThat(r.status()).isEqualTo(422);
        assertThat(r.at("/error/code")).isEqualTo("malformed_body");
        assertThat(r.at("/error/message")).isEqualTo("The body has a key holding half of a surrogate pair alone, which"
                + " is not Unicode text at line 1, column 93; expected {\"data\": [ {\"<incoming key>\": <value>, …}, … ]}");
        assertThat(http.get("/v1/objects/vendor/records").json().get("data").size()).isZero();
    }

    @Test
    void everyOccurrenceOfARepeatedExternalIdIsRejected() {
        Response r = importBatch("""
                {"data": [{"Name": "A", "External Id": "dup"}, {"Name": "B", "External Id": "solo"},
                          {"Name": "C", "External Id": "dup"}]}""");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("failed_count").asInt()).isEqualTo(2);
        assertThat(r.at("/errors/0/index")).isEqualTo("0");
        assertThat(r.at("/errors/1/index")).isEqualTo("2");
        assertThat(r.at("/errors/0/error_code")).isEqualTo("duplicate_external_id");
        assertThat(r.at("/errors/1/message")).isEqualTo("external_id \"dup\" appears more than once in this batch");
        assertThat(r.at("/results/0/external_id")).isEqualTo("solo");
        assertThat(http.get("/v1/objects/vendor/records?external_id=dup").json().get("data").size()).isZero();
    }

    @Test
    void aReportWhoseBaseObjectWasDeletedRejectsEveryRecordWithUnknownBaseObject() {
        reportSuppliersOnADeletedObject(http);

        // A number or boolean key is named by the text it would have been stored under, as on every other path.
        Response r = http.post("/v1/import/suppliers", """
                {"data": [{"id": "s-1", "name": "S"}, {"id": 1e3, "name": "T"}, {"id": true, "name": "U"}]}""");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.at("/errors/0/error_code")).isEqualTo("unknown_base_object");
        assertThat(r.at("/errors/0/message")).isEqualTo("The report's base object \"supplier\" no longer exists");
        List<String> keys = new ArrayList<>();
        r.json().get("errors").forEach(e -> keys.add(e.get("index").asInt() + ":"
                + (e.has("external_id") ? e.get("external_id").asString() : "(none)")));
        assertThat(keys).containsExactly("0:s-1", "1:1000", "2:true");
    }

    @Test
    void aBatchIsListedAsAnImportThatEndedWithItsEndTime() {
        Response r = importBatch(SEED_BODY);
        assertThat(r.status()).isEqualTo(200);

        Response listed = http.get("/v1/imports/" + r.raw().headers().firstValue("Freight-Import-Id").orElseThrow());
        assertThat(listed.at("/status")).isEqualTo("completed");
        // finished_at says when it ended, as for every ended import; the retention sweeper purges by it.
        assertThat(listed.json().get("finished_at").isNumber()).isTrue();
        assertThat(listed.at("/finished_at")).isEqualTo(listed.at("/updated_at"));
    }

    @Test
    void aBatchForADeletedBaseObjectIsListedAsFailedWithItsEndTime() {
        reportSuppliersOnADeletedObject(http);

        Response r = http.post("/v1/import/suppliers", "{\"data\": [{\"id\": \"s-1\", \"name\": \"S\"}]}");

        Response listed = http.get("/v1/imports/" + r.raw().headers().firstValue("Freight-Import-Id").orElseThrow());
        assertThat(listed.at("/status")).isEqualTo("failed");
        assertThat(listed.json().get("finished_at").isNumber()).isTrue();
        assertThat(listed.at("/finished_at")).isEqualTo(listed.at("/updated_at"));
    }

    @Test
    void answers400WhenEveryRecordFails() {
        Response r = importBatch("{\"data\": [{\"Name\": \"A\"}, {\"Name\": \"B\"}]}");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("received_count").asInt()).isEqualTo(2);
        assertThat(r.json().get("failed_count").asInt()).isEqualTo(2);
        assertThat(r.at("/errors/0/message")).isEqualTo(
                "external_id: required field is missing (expected key \"External Id\")");
    }

    @Test
    void assessmentsResolveTheirVendorByExternalId() {
        importBatch(SEED_BODY);
        http.post("/v1/import-reports", """
                {"slug": "assessments", "report_name": "Assessments", "base_object": "assessment",
                 "mapping": {"external_id": "Id", "vendor": "Vendor", "type": "Type", "period_end": "End"}}""");

        Response r = http.post("/v1/import/assessments", """
                {"data": [{"Id": "a-1", "Vendor": "vendor-123", "Type": "SIG Lite", "End": "2024-06-30"},
                          {"Id": "a-2", "Vendor": "vendor-999", "Type": "CAIQ"}]}""");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.at("/errors/0/index")).isEqualTo("1");
        assertThat(r.at("/errors/0/error_code")).isEqualTo("invalid_field_value");
        assertThat(r.at("/errors/0/message")).isEqualTo("vendor: no vendor with external_id \"vendor-999\"");
        String vendorId = http.get("/v1/objects/vendor/records?external_id=vendor-123").at("/data/0/id");
        Response stored = http.get("/v1/records/" + r.at("/results/0/id"));
        assertThat(stored.at("/values/vendor")).isEqualTo(
                "{\"external_id\":\"vendor-123\",\"object\":\"vendor\",\"id\":\"" + vendorId + "\"}");
        assertThat(stored.at("/values/period_end")).isEqualTo("2024-06-30");
        assertThat(r.at("/results/0/id")).startsWith("asmt_");
    }

    @Test
    void aRequiredReferenceToTheObjectItselfThatMatchesNothingInTheBatchRejectsItsRowAndTheRowsNamingIt() {
        assertThat(http.post("/v1/objects", """
                {"slug": "team", "label": "Team", "fields": [
                  {"slug": "name", "label": "Name", "type": "text", "required": true},
                  {"slug": "parent", "label": "Parent", "type": "reference", "targets": ["team"],
                   "required": true}]}""").status()).isEqualTo(201);
        http.post("/v1/import-reports", """
                {"slug": "teams", "report_name": "Teams", "base_object": "team",
                 "mapping": {"external_id": "Id", "name": "Name", "parent": "Parent"}}""");

        Response r = http.post("/v1/import/teams", """
                {"data": [{"Id": "t-0", "Name": "Root", "Parent": "t-0"},
                          {"Id": "t-1", "Name": "Alpha", "Parent": "t-2"},
                          {"Id": "t-2", "Name": "Beta", "Parent": "t-0"},
                          {"Id": "t-3", "Name": "Gamma", "Parent": "t-9"},
                          {"Id": "t-4", "Name": "Delta", "Parent": "t-3"}]}""");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("created_count").asInt()).isEqualTo(3);
        assertThat(r.json().get("failed_count").asInt()).isEqualTo(2);
        List<String> errors = new ArrayList<>();
        r.json().get("errors").forEach(n -> errors.add(n.get("index").asInt() + " " + n.get("error_code").asString() + " "
                + n.get("message").asString()));
        assertThat(errors).containsExactly(
                "3 invalid_field_value parent: no team with external_id \"t-9\"",
                "4 invalid_field_value parent: no team with external_id \"t-3\"; this import's row with that"
                        + " external_id (line 4) was rejected");
        List<String> teams = new ArrayList<>();
        for (JsonNode t : http.get("/v1/objects/team/records").json().get("data")) {
            teams.add(t.get("external_id").asString() + "|" + t.at("/values/parent/external_id").asString() + "|"
                    + t.at("/values/parent/object").asString());
        }
        teams.sort(null);
        assertThat(teams).containsExactly("t-0|t-0|team", "t-1|t-2|team", "t-2|t-0|team");
    }

    @Test
    void aServiceMayDependOnOneLaterInTheBatchAndOnesThatDependOnItInACycle() {
        assertThat(importBatch(SEED_BODY).json().get("created_count").asInt()).isEqualTo(2);
        http.post("/v1/import-reports", """
                {"slug": "services", "report_name": "Services", "base_object": "service",
                 "mapping": {"external_id": "Id", "name": "Name", "vendor": "Vendor", "dependencies": "Depends on"}}""");

        Response r = http.post("/v1/import/services", """
                {"data": [{"Id": "svc-api", "Name": "API", "Vendor": "vendor-123", "Depends on": ["svc-db", "vendor-456"]},
                          {"Id": "svc-db", "Name": "Database", "Vendor": "vendor-123", "Depends on": "svc-queue"},
                          {"Id": "svc-queue", "Name": "Queue", "Vendor": "vendor-456", "Depends on": "svc-db"},
                          {"Id": "svc-mail", "Name": "Mail", "Vendor": "vendor-456", "Depends on": "svc-fax"},
                          {"Id": "svc-news", "Name": "Newsletter", "Vendor": "vendor-456", "Depends on": "svc-mail"}]}""");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("created_count").asInt()).isEqualTo(3);
        assertThat(r.json().get("failed_count").asInt()).isEqualTo(2);
        List<String> results = new ArrayList<>();
        r.json().get("results").forEach(n -> results.add(n.get("external_id").asString()));
        assertThat(results).containsExactly("svc-api", "svc-db", "svc-queue");
        List<String> errors = new ArrayList<>();
        r.json().get("errors").forEach(n -> errors.add(n.get("index").asInt() + " " + n.get("message").asString()));
        assertThat(errors).containsExactly(
                "3 dependencies: no service or vendor with external_id \"svc-fax\"",
                "4 dependencies: no service or vendor with external_id \"svc-mail\"; this import's row with that"
                        + " external_id (line 4) was rejected");
        String api = r.at("/results/0/id");
        String db = r.at("/results/1/id");
        String queue = r.at("/results/2/id");
        String beta = http.get("/v1/objects/vendor/records?external_id=vendor-456").at("/data/0/id");
        assertThat(http.get("/v1/records/" + api).json().at("/values/dependencies").toString()).isEqualTo(
                "[{\"external_id\":\"svc-db\",\"object\":\"service\",\"id\":\"" + db + "\"},"
                        + "{\"external_id\":\"vendor-456\",\"object\":\"vendor\",\"id\":\"" + beta + "\"}]");
        assertThat(http.get("/v1/records/" + db).json().at("/values/dependencies").toString()).isEqualTo(
                "[{\"external_id\":\"svc-queue\",\"object\":\"service\",\"id\":\"" + queue + "\"}]");
        assertThat(http.get("/v1/records/" + queue).json().at("/values/dependencies").toString()).isEqualTo(
                "[{\"external_id\":\"svc-db\",\"object\":\"service\",\"id\":\"" + db + "\"}]");
        Response listed = http.get("/v1/imports/" + r.raw().headers().firstValue("Freight-Import-Id").orElseThrow());
        assertThat(List.of("read", "valid", "created", "failed").stream().map(k -> listed.at("/stats/" + k)).toList())
                .containsExactly("5", "3", "3", "2");
    }

    @Test
    void theErrorsFilesKeepARecordThatIsNoObjectAsJson() throws Exception {
        Response r = importBatch("""
                {"data": [{"Name": "Acme", "External Id": "v-1"}, [7, 1.50, "x"], {"External Id": "v-3"}]}""");

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode job = http.get("/v1/imports/" + r.raw().headers().firstValue("Freight-Import-Id").orElseThrow())
                .json();
        assertThat(ImportsApiContract.get(job.get("_errors_csv_url").asString()).body()).isEqualTo("""
                \uFEFFerror_line,error_external_id,error_field,error_code,error_message,error_input,External Id\r
                2,,,malformed_row,Record 1 is not a JSON object,"[7,1.50,""x""]",\r
                3,v-3,name,missing_required_field,"name: required field is missing (expected key ""Name"")",,v-3\r
                """);
        assertThat(ImportsApiContract.get(job.get("_errors_json_url").asString()).body()).isEqualTo("[{\"line\":2,"
                + "\"external_id\":null,\"field\":null,\"error_code\":\"malformed_row\",\"message\":\"Record 1 is not"
                + " a JSON object\",\"cells\":{},\"input\":\"[7,1.50,\\\"x\\\"]\"},{\"line\":3,\"external_id\":"
                + "\"v-3\",\"field\":\"name\",\"error_code\":\"missing_required_field\",\"message\":\"name: required"
                + " field is missing (expected key \\\"Name\\\")\",\"cells\":{\"External Id\":\"v-3\"},"
                + "\"input\":null}]");
    }

    @Test
    void aLabelledReferenceElementIsRejectedNamingTheFieldWhileAnUnlabelledOneResolves() {
        importBatch(SEED_BODY);
        http.post("/v1/import-reports", """
                {"slug": "services", "report_name": "Services", "base_object": "service",
                 "mapping": {"external_id": "id", "name": "name", "vendor": "vendor", "dependencies": "deps"}}""");
        http.post("/v1/import/services", """
                {"data": [{"id": "s-a", "name": "A", "vendor": "vendor-123"}]}""");

        Response r = http.post("/v1/import/services", """
                {"data": [{"id": "s-e", "name": "E", "vendor": "vendor-123", "deps": [{"type": "x", "value": "s-a"}]},
                          {"id": "s-f", "name": "F", "vendor": "vendor-123", "deps": [{"label": "x", "value": "nope"}]},
                          {"id": "s-g", "name": "G", "vendor": "vendor-123", "deps": [{"value": "s-a"}]}]}""");

        assertThat(r.status()).isEqualTo(200);
        List<String> errors = new ArrayList<>();
        r.json().get("errors").forEach(n -> errors.add(n.get("index").asInt() + " "
                + n.get("error_code").asString() + " " + n.get("message").asString()));
        assertThat(errors).containsExactly(
                "0 invalid_field_value dependencies: expected an external_id without a label, got the label \"x\"",
                "1 invalid_field_value dependencies: expected an external_id without a label, got the label \"x\"");
        assertThat(r.json().get("created_count").asInt()).isEqualTo(1);
        String a = http.get("/v1/objects/service/records?external_id=s-a").at("/data/0/id");
        assertThat(http.get("/v1/records/" + r.at("/results/0/id")).json().at("/values/dependencies").toString())
                .isEqualTo("[{\"external_id\":\"s-a\",\"object\":\"service\",\"id\":\"" + a + "\"}]");
    }

    @Test
    void preparsingRejectsEveryRowThatSharesAKeyNotEachKeyOnce() {
        Response r = importBatch("""
                {"data": [{"Name": "A", "External Id": "pa"}, {"Name": "B", "External Id": "pa"},
                          {"Name": "C", "External Id": "pb"}, {"Name": "D", "External Id": "pb"},
                          {"Name": "E", "External Id": "pc"}]}""");

        Response listed = http.get("/v1/imports/" + r.raw().headers().firstValue("Freight-Import-Id").orElseThrow());
        assertThat(listed.at("/phases/1/name")).isEqualTo("preparsing");
        assertThat(listed.at("/phases/1/rows")).isEqualTo("5");
        assertThat(listed.at("/phases/1/rejected")).isEqualTo("4");
        assertThat(List.of("read", "valid", "created", "failed").stream().map(k -> listed.at("/stats/" + k)).toList())
                .containsExactly("5", "1", "1", "4");
    }

    @Test
    void aBareRecordObjectIsRejectedWith422ShowingTheExpectedShape() {
        Response r = importBatch("{\"Name\": \"Acme\", \"External Id\": \"v-1\"}");

        assertThat(r.status()).isEqualTo(422);
        assertThat(r.at("/error/code")).isEqualTo("malformed_body");
        assertThat(r.at("/error/message")).isEqualTo("Expected {\"data\": [ {\"<incoming key>\": <value>, …}, … ]}"
                + " but got an object without \"data\" (a bare record?)");
    }

    @Test
    void aBareArrayOrInvalidJsonIsRejectedWith422() {
        assertThat(importBatch("[{\"Name\": \"A\"}]").at("/error/message")).endsWith("but got a bare array");
        Response broken = importBatch("{\"data\": [");
        assertThat(broken.status()).isEqualTo(422);
        assertThat(broken.at("/error/code")).isEqualTo("malformed_body");
        assertThat(broken.at("/error/message")).startsWith("The body is not valid JSON at line 1, column ");
        assertThat(importBatch("{\"data\": []}").at("/error/message")).startsWith("\"data\" is empty");
        Response deep = importBatch("{\"data\": [{\"Name\": " + "[".repeat(600) + "]".repeat(600) + "}]}");
        assertThat(deep.status()).isEqualTo(422);
        assertThat(deep.at("/error/message")).isEqualTo("The body is beyond what Freight reads: arrays and objects "
                + "nest more than 500 deep; expected {\"data\": [ {\"<incoming key>\": <value>, …}, … ]}");
    }

    /**
     * A body in Latin-1 without a charset in its Content-Type is refused saying it is not UTF-8, and where; with
     * {@code charset=ISO-8859-1} it is read in that charset, as the routes Spring binds read it. Before, the Import
     * API (and the file workflow, which reads its body alike) answered "The body is not valid JSON at line 1, column
     * 26" in both cases, and a bound body without the charset "The request body is not valid JSON of the expected
     * shape".
     */
    @Test
    void aBodyThatIsNotUtf8IsRefusedSayingSoAndWhereUnlessItsCharsetIsNamed() throws Exception {
        byte[] batch = "{\"data\": [{\"Name\": \"Café\", \"External Id\": \"x-1\"}]}"
                .getBytes(StandardCharsets.ISO_8859_1);
        byte[] create = "{\"resource\": \"vendor\", \"name\": \"Café\"}".getBytes(StandardCharsets.ISO_8859_1);
        String remedy = "; send JSON in UTF-8, or name its charset in the Content-Type (e.g. application/json;"
                + " charset=ISO-8859-1)";

        Response refused = send("/v1/import/vendor-custom-import", "application/json", batch);
        Response read = send("/v1/import/vendor-custom-import", "application/json; charset=ISO-8859-1", batch);
        Response refusedBound = send("/v1/imports", "application/json", create);
        Response readBound = send("/v1/imports", "application/json; charset=iso-8859-1", create);

        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.at("/error/code")).isEqualTo("malformed_body");
        assertThat(refused.at("/error/message")).isEqualTo("The body is not UTF-8 text: it holds bytes that spell no"
                + " UTF-8 character just before line 1, column 26" + remedy + "; expected {\"data\": [ {\"<incoming"
                + " key>\": <value>, …}, … ]}");
        assertThat(read.status()).as(read.body()).isEqualTo(200);
        assertThat(read.at("/created_count")).isEqualTo("1");
        assertThat(refusedBound.status()).isEqualTo(422);
        assertThat(refusedBound.at("/error/code")).isEqualTo("malformed_body");
        assertThat(refusedBound.at("/error/message")).isEqualTo("The request body is not UTF-8 text: it holds bytes"
                + " that spell no UTF-8 character just before line 1, column 38" + remedy);
        assertThat(readBound.status()).isEqualTo(201);
        assertThat(readBound.at("/name")).isEqualTo("Café");
        assertThat(http.get("/v1/objects/vendor/records").at("/data/0/values/name")).isEqualTo("Café");
        assertThat(http.get("/v1/imports").json().get("data").size()).isEqualTo(2);
    }

    /** A POST of {@code body} as it is, with the Content-Type {@code type}. */
    private Response send(String path, String type, byte[] body) throws Exception {
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.baseUrl() + path))
                        .header("Authorization", "Bearer " + tenant.adminKey()).header("Content-Type", type)
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.body(), r);
    }

    /**
     * The body is read whatever its Content-Type (a text/plain or form-encoded client's too), but a multipart one is
     * taken apart by Spring before the route runs: 415 says so, and nothing is stored. Before, the seed's valid JSON
     * body sent so answered 422 "The body is not valid JSON at line 1, column 0".
     */
    @Test
    void aMultipartContentTypeIs415WhileOtherTypesAreReadAsJson() throws Exception {
        java.net.http.HttpClient raw = java.net.http.HttpClient.newHttpClient();
        List<String> answers = new ArrayList<>();
        for (String type : List.of("multipart/form-data; boundary=x", "text/plain", "application/x-www-form-urlencoded",
                "Multipart/Mixed; boundary=y")) {
            java.net.http.HttpResponse<String> r = raw.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(server.baseUrl() + "/v1/import/vendor-custom-import"))
                    .header("Authorization", "Bearer " + tenant.adminKey()).header("Content-Type", type)
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(SEED_BODY)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            answers.add(r.statusCode() + " " + (r.statusCode() == 200 ? Http.JSON.readTree(r.body())
                    .get("received_count").asInt() : r.body()));
        }

        assertThat(answers).containsExactly("415 {\"error\":{\"code\":\"unsupported_media_type\",\"message\":"
                + "\"Content-Type multipart/form-data is not supported by the Import API; send the JSON body itself "
                + "(application/json), not in a form\"}}", "200 2", "200 2", "415 {\"error\":{\"code\":"
                + "\"unsupported_media_type\",\"message\":\"Content-Type Multipart/Mixed is not supported by the "
                + "Import API; send the JSON body itself (application/json), not in a form\"}}");
        assertThat(http.get("/v1/imports").json().get("data").size()).isEqualTo(2);
    }

    @Test
    void aKeyRepeatedInTheBodyOrInOneRecordIsRejectedWith422NamingIt() {
        Response twice = importBatch("{\"data\": [{\"Name\": \"a\", \"External Id\": \"q1\"}],"
                + " \"data\": [{\"Name\": \"b\", \"External Id\": \"q2\"}]}");
        assertThat(twice.status()).isEqualTo(422);
        assertThat(twice.at("/error/code")).isEqualTo("malformed_body");
        assertThat(twice.at("/error/message")).isEqualTo("The body has the key \"data\" twice in one object at line 1,"
                + " column 54; expected {\"data\": [ {\"<incoming key>\": <value>, …}, … ]}");

        Response inRecord = importBatch("{\"data\": [{\"Name\": \"a\", \"External Id\": \"q3\", \"Name\": \"b\"}]}");
        assertThat(inRecord.status()).isEqualTo(422);
        assertThat(inRecord.at("/error/message")).startsWith("The body has the key \"Name\" twice in one object at");
        assertThat(http.get("/v1/objects/vendor/records").json().get("data").size()).isZero();

        Response report = http.post("/v1/import-reports", """
                {"slug": "twice", "report_name": "Twice", "base_object": "vendor", "base_object": "contact",
                 "mapping": {"name": "Name"}}""");
        assertThat(report.status()).isEqualTo(422);
        assertThat(report.at("/error/code")).isEqualTo("malformed_body");
        assertThat(report.at("/error/message")).isEqualTo(
                "The request body has the key \"base_object\" twice in one object at line 1, column 81;"
                        + " each key may appear once");
    }

    @Test
    void anUnknownReportIs404AndThePluralPathPointsToTheSingularOne() {
        Response unknown = http.post("/v1/import/no-such-report", SEED_BODY);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.at("/error/code")).isEqualTo("report_not_found");
        assertThat(unknown.at("/error/message")).isEqualTo("There is no import report \"no-such-report\"");

        Response plural = http.post("/v1/imports/vendor-custom-import", SEED_BODY);
        assertThat(plural.status()).isEqualTo(404);
        assertThat(plural.at("/error/message")).isEqualTo(
                "No route here; the Import API path is /v1/import/vendor-custom-import (singular \"import\")");
    }

    /**
     * A value with U+0000, which PostgreSQL stores in no text or jsonb, is that record's invalid value on both
     * databases; before, PostgreSQL failed the whole batch's write with 500.
     */
    @Test
    void aValueOrKeyHoldingANulCharacterIsRejectedAloneAndTheBatchIsStored() {
        Response r = importBatch("""
                {"data": [{"Name": "One", "External Id": "a-1"}, {"Name": "Tw\\u0000o", "External Id": "a-2"},
                          {"Name": "Three", "External Id": "a-\\u00003"}]}""");

        assertThat(r.status()).isEqualTo(200);
        assertThat(List.of(r.at("/created_count"), r.at("/failed_count"))).containsExactly("1", "2");
        assertThat(r.at("/errors")).isEqualTo("[{\"index\":1,\"external_id\":\"a-2\",\"field\":\"name\","
                + "\"error_code\":\"invalid_field_value\",\"message\":\"name: the text holds a NUL character (U+0000)"
                + " at character 3, which cannot be stored\"},{\"index\":2,\"external_id\":\"a-\\u00003\","
                + "\"field\":\"external_id\",\"error_code\":\"invalid_field_value\",\"message\":\"external_id: the"
                + " text holds a NUL character (U+0000) at character 3, which cannot be stored\"}]");
        assertThat(http.get("/v1/objects/vendor/records").json().get("data").size()).isEqualTo(1);
    }

    /**
     * A key holding U+0000, a record's own (which no mapping names) or one inside a value (an address's part, a
     * labelled phone's), rejects its record as a value holding one does, on both databases. Before, PostgreSQL failed
     * the whole batch with 500 (the address's message repeated the key), and SQLite stored the first record with the
     * key echoed back in a warning and the third with the key ignored.
     */
    @Test
    void aKeyHoldingANulCharacterInARecordOrInsideAValueRejectsItsRecordAlone() {
        assertThat(http.post("/v1/import-reports", """
                {"slug": "accounts", "report_name": "Accounts", "base_object": "account",
                 "mapping": {"displayName": "Name", "external_id": "Id", "address": "Address", "phone": "Phone"}}""")
                .status()).isEqualTo(201);

        Response r = http.post("/v1/import/accounts", """
                {"data": [{"Name": "One", "Id": "b-1", "Le\\u0000gacy": "x"},
                          {"Name": "Two", "Id": "b-2", "Address": {"ci\\u0000ty": "Paris"}},
                          {"Name": "Three", "Id": "b-3",
                           "Phone": [{"type": "Main", "value": "555 0100", "no\\u0000te": "x"}]},
                          {"Name": "Four", "Id": "b-4", "Address": {"city": "Paris"}}]}""");

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(List.of(r.at("/created_count"), r.at("/failed_count"))).containsExactly("1", "3");
        assertThat(r.at("/errors")).isEqualTo("[{\"index\":0,\"external_id\":\"b-1\",\"error_code\":\"malformed_row\","
                + "\"message\":\"The key \\\"Le\uFFFDgacy\\\" holds a NUL character (U+0000) at character 3, which cannot"
                + " be stored\"},{\"index\":1,\"external_id\":\"b-2\",\"field\":\"address\","
                + "\"error_code\":\"invalid_field_value\",\"message\":\"address: the key \\\"ci\uFFFDty\\\" holds a NUL"
                + " character (U+0000) at character 3, which cannot be stored\"},{\"index\":2,\"external_id\":\"b-3\","
                + "\"field\":\"phone\",\"error_code\":\"invalid_field_value\",\"message\":\"phone: the key"
                + " \\\"no\uFFFDte\\\" holds a NUL character (U+0000) at character 3, which cannot be stored\"}]");
        assertThat(r.at("/warnings")).isEqualTo("[]");
        String importId = r.raw().headers().firstValue("Freight-Import-Id").orElseThrow();
        assertThat(http.get("/v1/imports/" + importId).at("/stats/failed")).isEqualTo("3");
        JsonNode stored = http.get("/v1/objects/account/records").json().get("data");
        assertThat(stored.size()).isEqualTo(1);
        assertThat(stored.get(0).get("external_id").asString()).isEqualTo("b-4");
    }

    @Test
    void tooManyRecordsOrTooManyBytesAre413WithAClearError() {
        String records = IntStream.range(0, TestServer.MAX_RECORDS + 1)
                .mapToObj(i -> "{\"Name\":\"N\",\"External Id\":\"e" + i + "\"}")
                .collect(Collectors.joining(",", "{\"data\":[", "]}"));
        Response many = importBatch(records);
        assertThat(many.status()).isEqualTo(413);
        assertThat(many.at("/error/code")).isEqualTo("too_many_records");
        assertThat(many.at("/error/message")).isEqualTo(
                "The request has 1,001 records; the limit is 1,000 per request (FREIGHT_MAX_RECORDS_PER_REQUEST)");

        String big = "{\"data\":[{\"Name\":\"" + "x".repeat((int) TestServer.MAX_BYTES) + "\"}]}";
        Response huge = importBatch(big);
        assertThat(huge.status()).isEqualTo(413);
        assertThat(huge.at("/error/code")).isEqualTo("payload_too_large");
        assertThat(huge.at("/error/message")).isEqualTo(
                "The request body exceeds the limit of 1,000,000 bytes (FREIGHT_MAX_REQUEST_BYTES)");
    }

    @Test
    void missingInvalidAndRevokedKeysAre401() {
        Http.Client anonymous = tenant.http(null);
        assertThat(anonymous.post("/v1/import/vendor-custom-import", SEED_BODY).status()).isEqualTo(401);
        Response invalid = tenant.http("frk_nothere_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")
                .post("/v1/import/vendor-custom-import", SEED_BODY);
        assertThat(invalid.status()).isEqualTo(401);
        assertThat(invalid.at("/error/code")).isEqualTo("invalid_api_key");

        String key = tenant.key(KeyKind.SERVICE_ACCOUNT, Set.of(Scope.IMPORT));
        assertThat(tenant.http(key).post("/v1/import/vendor-custom-import", SEED_BODY).status()).isEqualTo(200);
        String keyId = http.get("/v1/keys").at("/data/1/id");
        assertThat(http.delete("/v1/keys/" + keyId).status()).isEqualTo(200);
        Response revoked = tenant.http(key).post("/v1/import/vendor-custom-import", SEED_BODY);
        assertThat(revoked.status()).isEqualTo(401);
        assertThat(revoked.at("/error/code")).isEqualTo("revoked_api_key");
    }

    @Test
    void aUserKeyOrAKeyWithoutImportScopeIs403() {
        String userKey = tenant.key(KeyKind.USER, Set.of(Scope.ADMIN));
        Response user = tenant.http(userKey).post("/v1/import/vendor-custom-import", SEED_BODY);
        assertThat(user.status()).isEqualTo(403);
        assertThat(user.at("/error/code")).isEqualTo("wrong_key_kind");
        assertThat(user.at("/error/message")).isEqualTo(
                "This endpoint requires a service_account API key; this key is a user key");

        String readOnly = tenant.key(KeyKind.SERVICE_ACCOUNT, Set.of(Scope.READ));
        Response scoped = tenant.http(readOnly).post("/v1/import/vendor-custom-import", SEED_BODY);
        assertThat(scoped.status()).isEqualTo(403);
        assertThat(scoped.at("/error/code")).isEqualTo("insufficient_scope");
        assertThat(scoped.at("/error/message")).isEqualTo("Access denied: this API key lacks the \"import\" scope");
    }

    @Test
    void aDatabaseFailureStoresNothingOfTheRequestAndAnswers500WithAnErrorId() {
        Database db = server.bean(Database.class);
        db.withHandle(h -> {
            h.execute(database().failingTriggerSql("boom-trigger"));
            return null;
        });
        Response r = importBatch("""
                {"data": [{"Name": "Fine", "External Id": "fine-before-boom"},
                          {"Name": "Boom", "External Id": "boom-trigger"}]}""");

        assertThat(r.status()).isEqualTo(500);
        assertThat(r.at("/error/code")).isEqualTo("internal_error");
        assertThat(r.at("/error/error_id")).matches("err_[0-9a-f]{32}");
        assertThat(r.at("/error/message")).isEqualTo(
                "Freight failed to process the request (error id " + r.at("/error/error_id") + ")");
        assertThat(http.get("/v1/objects/vendor/records?external_id=fine-before-boom").json().get("data").size())
                .isZero();
    }

    /** The report {@code suppliers} over a custom object {@code supplier} that was deleted after the report was made. */
    static void reportSuppliersOnADeletedObject(Http.Client http) {
        assertThat(http.post("/v1/objects", """
                {"slug": "supplier", "label": "Supplier",
                 "fields": [{"slug": "name", "label": "Name", "type": "text", "required": true}]}""").status())
                .isEqualTo(201);
        assertThat(http.post("/v1/import-reports", """
                {"slug": "suppliers", "report_name": "Suppliers", "base_object": "supplier",
                 "mapping": {"external_id": "id", "name": "name"}}""").status()).isEqualTo(201);
        assertThat(http.delete("/v1/objects/supplier").status()).isEqualTo(204);
    }
}
