package dev.freight.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.testing.Http;
import dev.freight.testing.Http.Response;
import dev.freight.testing.TestDatabases;
import dev.freight.testing.TestServer;
import dev.freight.testing.TestServer.Tenant;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * An integration engineer's round trip: records that stress every field type (numbers with their scale, blank and
 * missing values, references to records with and without an external_id) are exported as CSV, XLSX, JSON and NDJSON
 * (every field, headers as the export writes them; a module's export, a report's, and both as export jobs) and
 * imported back unchanged through the Imports resource ({@code merge}), the file workflow
 * ({@code duplicateStrategy update}) and, for JSON, the Import API: every row counts {@code unchanged} and the stored
 * records keep their values and versions. The same files imported into a fresh organization recreate equal records.
 */
abstract class RoundTripContract {

    private static final HttpClient RAW = HttpClient.newHttpClient();
    private static final JsonMapper EXACT = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();

    /** A custom object with one field of every type, and the multi-value kinds. */
    static final String GADGET = """
            {"slug": "gadget", "label": "Gadget", "fields": [
             {"slug": "title", "label": "Title", "type": "text", "required": true},
             {"slug": "notes", "label": "Notes", "type": "long_text"},
             {"slug": "mail", "label": "Mail", "type": "email"},
             {"slug": "mails", "label": "Mails", "type": "email", "multiple": true},
             {"slug": "phones", "label": "Phones", "type": "phone", "multiple": true},
             {"slug": "site", "label": "Site", "type": "url"},
             {"slug": "sites", "label": "Sites", "type": "url", "multiple": true},
             {"slug": "count", "label": "Count", "type": "integer"},
             {"slug": "amount", "label": "Amount", "type": "number"},
             {"slug": "active", "label": "Active", "type": "boolean"},
             {"slug": "due", "label": "Due", "type": "date"},
             {"slug": "seen", "label": "Seen", "type": "datetime"},
             {"slug": "tier", "label": "Tier", "type": "enum", "options": ["Low", "High", "SaaS"]},
             {"slug": "maker", "label": "Maker", "type": "reference", "targets": ["vendor"]},
             {"slug": "tags", "label": "Tags", "type": "list"},
             {"slug": "where", "label": "Where", "type": "address"}]}""";

    static final String VENDORS = """
            [{"external_id": "v-1", "name": "=SUM(A1:A2)", "website": "https://acme.example/a?q=1&r=2#f",
              "description": "Line one\\nLine \\"two\\", with a comma\\r\\n\\ttabbed; semi", "status": "active",
              "hq_location": "+44 London", "raw_irq_score": 1e-7, "raw_residual_risk_score": -12.34567890123456789,
              "business_unit": "@team", "enterprise": true, "vendor_category": "-minus",
              "dependent_services": ["Payroll", "CRM", "Zürich 👋"], "next_assessment_date": "2025-03-01",
              "audit_start": "1999-12-31", "contract_length": "\\t12 months"},
             {"external_id": "v-2", "name": "مرحبا بالعالم 👋🏽", "raw_irq_score": 0,
              "raw_residual_risk_score": 123456789012345678901234567890.123456789, "enterprise": false,
              "hq_location": "\\r carriage", "business_unit": "'=quoted", "vendor_category": "  spaced  "},
             {"external_id": "v-3", "name": "Plain", "raw_irq_score": 85.50, "raw_residual_risk_score": -100.000}]""";

    static final String GADGETS = """
            [{"external_id": "g-1", "title": "=1+1", "notes": "multi\\nline \\"quoted\\"\\n\\n  indented",
              "mail": "Ana.B@Example.com", "mails": [{"type": "Work", "value": "a@b.co"}, "c@d.org"],
              "phones": [{"type": "Mobile", "value": "+1 555 0100"}, "555-0200 x12",
                         {"type": "Work", "value": "(555) 030-0300"}],
              "site": "https://example.com/path",
              "sites": [{"type": "Home", "value": "http://a.example"}, "b.example"],
              "count": -9223372036854775808, "amount": 3.14159265358979323846264338327950288,
              "active": true, "due": "2024-02-29", "seen": "2024-01-15T10:30:00+02:00", "tier": "saas",
              "maker": "v-1", "tags": ["alpha", "beta gamma", "δ"],
              "where": {"street": "1 Main St, Bldg 2", "street2": "Suite 5", "city": "Springfield", "state": "IL",
                        "zip": "01234", "country": "US"}},
             {"external_id": "g-2", "title": "-minus", "count": 0, "amount": -0.000001, "active": false,
              "due": "0001-01-01", "seen": "2024-06-30T23:59:59Z", "tier": "Low", "maker": "v-2",
              "where": {"city": "Zürich"}, "phones": ["+41 44 000 00 00"]},
             {"external_id": "g-3", "title": "@at", "amount": 1e21, "count": 9223372036854775807,
              "seen": "2024-03-10T02:30:45.123Z"},
             {"external_id": "g-4", "title": "\\ttab", "amount": 0.0000000, "count": 1},
             {"external_id": "g-5", "title": "Old", "due": "1900-01-01", "seen": "1850-05-01T12:00:00+01:00",
              "tags": "one; two, three", "mails": "x@y.io", "where": "just a street"},
             {"external_id": "g-6", "title": " padded ", "notes": "   ", "mail": "", "tags": [], "phones": [],
              "where": {}, "site": null, "amount": -85.50, "count": -1}]""";

    abstract TestDatabases database();

    Tenant tenant;
    Http.Client http;

    @BeforeEach
    void newTenant() {
        tenant = TestServer.of(database()).newTenant("roundtrip");
        http = tenant.http();
    }

    static final List<String> FORMATS = List.of("csv", "xlsx", "json", "ndjson");
    static final Map<String, Integer> ROWS = Map.of("vendor", 3, "gadget", 6);

    @Test
    void everyFieldTypeComesBackUnchangedThroughTheImportsResource() throws Exception {
        seed(tenant);
        Map<String, Map<String, String>> before = Map.of("vendor", records(tenant, "vendor"), "gadget",
                records(tenant, "gadget"));
        for (String format : FORMATS) {
            for (String object : List.of("vendor", "gadget")) {
                byte[] file = export(object, format);

                JsonNode done = runImport(tenant, object, file, "application/octet-stream", "f." + format);

                assertThat(done.get("stats").toString()).as(object + " " + format).isEqualTo(stats(0,
                        ROWS.get(object)));
                assertThat(records(tenant, object)).as(object + " " + format).isEqualTo(before.get(object));
            }
        }
    }

    @Test
    void everyFieldTypeComesBackUnchangedThroughTheFileWorkflowWithDuplicateStrategyUpdate() throws Exception {
        seed(tenant);
        Map<String, Map<String, String>> before = Map.of("vendor", records(tenant, "vendor"), "gadget",
                records(tenant, "gadget"));
        for (String format : FORMATS) {
            for (String object : List.of("vendor", "gadget")) {
                byte[] file = export(object, format);

                JsonNode job = execute(tenant, object, file, format);

                JsonNode answer = job.get("execute");
                assertThat(List.of("successRows", "errorRows", "skippedRows", "createdRecordIds").stream()
                        .map(k -> answer.get(k).toString())).as(object + " " + format + ": " + answer)
                        .containsExactly(String.valueOf(ROWS.get(object)), "0", "0", "[]");
                assertThat(job.get("stats").toString()).as(object + " " + format).isEqualTo(stats(0,
                        ROWS.get(object)));
                assertThat(records(tenant, object)).as(object + " " + format).isEqualTo(before.get(object));
            }
        }
    }

    @Test
    void everyFieldTypeIsRecreatedEqualInAFreshOrganization() throws Exception {
        seed(tenant);
        Map<String, Map<String, String>> before = Map.of("vendor", strip(records(tenant, "vendor")), "gadget",
                strip(records(tenant, "gadget")));
        for (String format : FORMATS) {
            Tenant fresh = TestServer.of(database()).newTenant("fresh-" + format);
            assertThat(fresh.http().post("/v1/objects", GADGET).status()).isEqualTo(201);
            for (String object : List.of("vendor", "gadget")) {
                byte[] file = export(object, format);

                JsonNode done = runImport(fresh, object, file, "application/octet-stream", "f." + format);

                assertThat(done.get("stats").toString()).as(object + " " + format).isEqualTo(stats(
                        ROWS.get(object), 0));
                assertThat(strip(records(fresh, object))).as(object + " " + format).isEqualTo(before.get(object));
            }
        }
    }

    @Test
    void reportExportsAndExportJobsComeBackUnchangedThroughTheImportsResource() throws Exception {
        seed(tenant);
        for (String object : List.of("vendor", "gadget")) {
            Map<String, String> before = records(tenant, object);
            Response report = http.post("/v1/reports", "{\"name\": \"All " + object + "\", \"module\": \"" + object
                    + "\", \"columns\": " + columns(object) + "}");
            assertThat(report.status()).as(report.body()).isEqualTo(201);
            String reportPath = "/v1/reports/" + report.at("/data/reportId") + "/export";
            for (String format : FORMATS) {
                Map<String, byte[]> files = new LinkedHashMap<>();
                files.put("report", export(reportPath, format, false));
                files.put("module job", export("/v1/modules/" + object + "/export", format, true));
                files.put("report job", export(reportPath, format, true));
                for (Map.Entry<String, byte[]> file : files.entrySet()) {
                    String as = object + " " + format + " " + file.getKey();

                    JsonNode done = runImport(tenant, object, file.getValue(), "application/octet-stream", "f." + format);

                    assertThat(done.get("stats").toString()).as(as).isEqualTo(stats(0, ROWS.get(object)));
                    assertThat(records(tenant, object)).as(as).isEqualTo(before);
                }
            }
        }
    }

    @Test
    void aJsonExportComesBackUnchangedThroughTheImportApi() throws Exception {
        seed(tenant);
        for (String object : List.of("vendor", "gadget")) {
            Map<String, String> before = records(tenant, object);
            List<String> mapping = new ArrayList<>();
            http.get("/v1/objects/" + object).json().get("fields").forEach(f -> mapping.add("\"" + f.get("slug")
                    .asString() + "\": \"" + f.get("slug").asString() + "\""));
            Response report = http.post("/v1/import-reports", "{\"slug\": \"all-" + object + "\", \"report_name\": "
                    + "\"All " + object + "\", \"base_object\": \"" + object + "\", \"mapping\": {"
                    + String.join(", ", mapping) + "}}");
            assertThat(report.status()).as(report.body()).isEqualTo(201);
            String array = new String(export(object, "json"), StandardCharsets.UTF_8);

            Response answer = http.post("/v1/import/all-" + object, "{\"data\": " + array + "}");

            assertThat(answer.status()).as(answer.body()).isEqualTo(200);
            String importId = answer.raw().headers().firstValue("Freight-Import-Id").orElseThrow();
            assertThat(http.get("/v1/imports/" + importId).json().get("stats").toString()).as(object)
                    .isEqualTo(stats(0, ROWS.get(object)));
            assertThat(records(tenant, object)).as(object).isEqualTo(before);
        }
    }

    @Test
    void aReferenceToARecordThatGotAnExternalIdSinceIsReadWithItAndComesBackUnchangedKeepingWhatItStored() throws Exception {
        brandsAndProducts();
        String acme = http.get("/v1/objects/brand/records").at("/data/0/id");
        assertThat(execute(tenant, "product", "External Id,Title,Brand\r\np-1,Widget,acme\r\n"
                .getBytes(StandardCharsets.UTF_8), "csv").get("stats").toString()).isEqualTo(stats(1, 0));
        String stored = "{\"external_id\":null,\"object\":\"brand\",\"id\":\"" + acme + "\"}";
        assertThat(http.get("/v1/objects/product/records").json().at("/data/0/values/brand").toString())
                .isEqualTo(stored);

        // The brand gets an external_id: a row matched by its name gives it the row's.
        Response given = http.post("/v1/modules/brand/import/execute", "{\"fileId\": \"" + parse(tenant, "brand",
                "External Id,Name\r\nb-1,Acme\r\n".getBytes(StandardCharsets.UTF_8), "csv") + "\", \"columnMapping\": "
                + "[{\"sourceColumn\": \"External Id\", \"targetFieldSlug\": \"external_id\"}, {\"sourceColumn\": "
                + "\"Name\", \"targetFieldSlug\": \"name\"}], \"duplicateStrategy\": \"update\", "
                + "\"duplicateMatchFields\": [\"name\"]}");
        assertThat(given.status()).as(given.body()).isEqualTo(200);
        assertThat(http.get("/v1/objects/brand/records").at("/data/0/external_id")).isEqualTo("b-1");
        // Reading the product names the brand by the external_id it has now, and so does an export; the stored
        // reference still has none (before, the export named the brand by its id, as stored).
        String now = "{\"external_id\":\"b-1\",\"object\":\"brand\",\"id\":\"" + acme + "\"}";
        assertThat(http.get("/v1/objects/product/records").json().at("/data/0/values/brand").toString())
                .isEqualTo(now);
        String product = http.get("/v1/objects/product/records").at("/data/0/id");
        assertThat(http.get("/v1/records/" + product).json().at("/values/brand").toString()).isEqualTo(now);
        assertThat(new String(export("product", "csv"), StandardCharsets.UTF_8))
                .isEqualTo("External Id,Title,Brand\r\np-1,Widget,b-1\r\n");
        assertThat(new String(export("product", "json"), StandardCharsets.UTF_8))
                .isEqualTo("[{\"external_id\":\"p-1\",\"title\":\"Widget\",\"brand\":\"b-1\"}]");
        Map<String, String> before = records(tenant, "product");
        // The export naming the brand by its external_id now, or a file naming it by its id, imports back unchanged.
        for (String format : FORMATS) {
            assertThat(execute(tenant, "product", export("product", format), format).get("stats").toString())
                    .as("file workflow " + format).isEqualTo(stats(0, 1));
            assertThat(runImport(tenant, "product", export("product", format), "application/octet-stream",
                    "p." + format).get("stats").toString()).as("imports " + format).isEqualTo(stats(0, 1));
            assertThat(records(tenant, "product")).as(format).isEqualTo(before);
        }
        for (String name : List.of("b-1", acme)) {
            assertThat(runImport(tenant, "product", ("[{\"external_id\": \"p-1\", \"title\": \"Widget\", "
                    + "\"brand\": \"" + name + "\"}]").getBytes(StandardCharsets.UTF_8), "application/json", "p.json")
                    .get("stats").toString()).as(name).isEqualTo(stats(0, 1));
        }
        assertThat(records(tenant, "product")).isEqualTo(before);
        assertThat(new String(export("product", "csv"), StandardCharsets.UTF_8))
                .isEqualTo("External Id,Title,Brand\r\np-1,Widget,b-1\r\n");
        assertThat(http.get("/v1/objects/product/records").json().at("/data/0/values/brand").toString())
                .isEqualTo(now);
    }

    @Test
    void aReferenceToARecordWhoseExternalIdARollbackTookBackIsExportedByThatRecordsIdAndComesBackUnchanged()
            throws Exception {
        brandsAndProducts();
        String acme = http.get("/v1/objects/brand/records").at("/data/0/id");
        // A row matched by name gives the brand the external_id b-1; a product refers to the brand by it.
        Response given = http.post("/v1/modules/brand/import/execute", "{\"fileId\": \"" + parse(tenant, "brand",
                "External Id,Name\r\nb-1,Acme\r\n".getBytes(StandardCharsets.UTF_8), "csv") + "\", \"columnMapping\": "
                + "[{\"sourceColumn\": \"External Id\", \"targetFieldSlug\": \"external_id\"}, {\"sourceColumn\": "
                + "\"Name\", \"targetFieldSlug\": \"name\"}], \"duplicateStrategy\": \"update\", "
                + "\"duplicateMatchFields\": [\"name\"]}");
        assertThat(given.status()).as(given.body()).isEqualTo(200);
        assertThat(runImport(tenant, "product", "[{\"external_id\": \"p-1\", \"title\": \"Widget\", \"brand\": \"b-1\"}]"
                .getBytes(StandardCharsets.UTF_8), "application/json", "p.json").get("stats").toString())
                .isEqualTo(stats(1, 0));
        String named = "{\"external_id\":\"b-1\",\"object\":\"brand\",\"id\":\"" + acme + "\"}";
        assertThat(http.get("/v1/objects/product/records").json().at("/data/0/values/brand").toString())
                .isEqualTo(named);

        // Rolling back the brand's import takes b-1 back; the stored reference still holds it.
        Response rollback = http.post("/v1/imports/" + given.at("/data/importJobId") + "/rollback", "");
        assertThat(rollback.status()).as(rollback.body()).isEqualTo(200);
        assertThat(rollback.json().get("restored_count").asInt()).isEqualTo(1);
        assertThat(http.get("/v1/objects/brand/records").json().at("/data/0/external_id").isNull()).isTrue();
        String byId = "{\"external_id\":null,\"object\":\"brand\",\"id\":\"" + acme + "\"}";
        assertThat(http.get("/v1/objects/product/records").json().at("/data/0/values/brand").toString())
                .isEqualTo(byId);
        // Another brand takes b-1: an export writing the stored b-1 would move the reference to it when imported back
        // (before, it did); the export names the brand by its id, as reading the product does.
        assertThat(runImport(tenant, "brand", "[{\"external_id\": \"b-1\", \"name\": \"Other\"}]"
                .getBytes(StandardCharsets.UTF_8), "application/json", "b2.json").get("stats").toString())
                .isEqualTo(stats(1, 0));
        assertThat(new String(export("product", "csv"), StandardCharsets.UTF_8))
                .isEqualTo("External Id,Title,Brand\r\np-1,Widget," + acme + "\r\n");
        assertThat(new String(export("product", "ndjson"), StandardCharsets.UTF_8))
                .isEqualTo("{\"external_id\":\"p-1\",\"title\":\"Widget\",\"brand\":\"" + acme + "\"}\n");
        Map<String, String> before = records(tenant, "product");
        for (String format : FORMATS) {
            assertThat(execute(tenant, "product", export("product", format), format).get("stats").toString())
                    .as("file workflow " + format).isEqualTo(stats(0, 1));
            assertThat(runImport(tenant, "product", export("product", format), "application/octet-stream",
                    "p." + format).get("stats").toString()).as("imports " + format).isEqualTo(stats(0, 1));
            assertThat(records(tenant, "product")).as(format).isEqualTo(before);
        }
        assertThat(http.get("/v1/objects/product/records").json().at("/data/0/values/brand").toString())
                .isEqualTo(byId);
    }

    /** A brand object with one brand, Acme, which has no external_id, and a product object referring to brands. */
    void brandsAndProducts() throws Exception {
        assertThat(http.post("/v1/objects", """
                {"slug": "brand", "label": "Brand", "fields": [
                 {"slug": "name", "label": "Name", "type": "text", "required": true}]}""").status()).isEqualTo(201);
        assertThat(http.post("/v1/objects", """
                {"slug": "product", "label": "Product", "fields": [
                 {"slug": "title", "label": "Title", "type": "text", "required": true},
                 {"slug": "brand", "label": "Brand", "type": "reference", "targets": ["brand"]}]}""").status())
                .isEqualTo(201);
        assertThat(runImport(tenant, "brand", "[{\"name\": \"Acme\"}]".getBytes(StandardCharsets.UTF_8),
                "application/json", "b.json").get("stats").toString()).isEqualTo(stats(1, 0));
    }

    @Test
    void aReferenceFoundByNameToARecordWithoutAnExternalIdNamesThatRecordByItsIdAndComesBackUnchanged()
            throws Exception {
        brandsAndProducts();
        String acme = http.get("/v1/objects/brand/records").at("/data/0/id");
        byte[] named = "External Id,Title,Brand\r\np-1,Widget,acme\r\n".getBytes(StandardCharsets.UTF_8);

        assertThat(execute(tenant, "product", named, "csv").get("stats").toString()).isEqualTo(stats(1, 0));

        // The brand has no external_id: the reference holds none (before, it held the name "acme" in its place).
        String stored = "{\"external_id\":null,\"object\":\"brand\",\"id\":\"" + acme + "\"}";
        assertThat(http.get("/v1/objects/product/records").json().at("/data/0/values/brand").toString())
                .isEqualTo(stored);
        assertThat(execute(tenant, "product", named, "csv").get("stats").toString()).isEqualTo(stats(0, 1));

        // Another brand takes the first one's name as its external_id: the reference still names the first.
        assertThat(runImport(tenant, "brand", "[{\"external_id\": \"acme\", \"name\": \"Other\"}]"
                .getBytes(StandardCharsets.UTF_8), "application/json", "b2.json").get("stats").toString())
                .isEqualTo(stats(1, 0));
        Map<String, String> before = records(tenant, "product");
        assertThat(new String(export("product", "csv"), StandardCharsets.UTF_8)).contains("," + acme + "\r\n");
        for (String format : FORMATS) {
            assertThat(execute(tenant, "product", export("product", format), format).get("stats").toString())
                    .as("file workflow " + format).isEqualTo(stats(0, 1));
            assertThat(runImport(tenant, "product", export("product", format), "application/octet-stream",
                    "p." + format).get("stats").toString()).as("imports " + format).isEqualTo(stats(0, 1));
            assertThat(records(tenant, "product")).as(format).isEqualTo(before);
        }
        assertThat(http.get("/v1/objects/product/records").json().at("/data/0/values/brand").toString())
                .isEqualTo(stored);
    }

    static String stats(int created, int unchanged) {
        int n = created + unchanged;
        return "{\"read\":" + n + ",\"valid\":" + n + ",\"created\":" + created + ",\"updated\":0,"
                + "\"unchanged\":" + unchanged + ",\"deleted\":0,\"skipped_duplicates\":0,\"failed\":0}";
    }

    static void seed(Tenant t) throws Exception {
        assertThat(t.http().post("/v1/objects", GADGET).status()).isEqualTo(201);
        assertThat(runImport(t, "vendor", VENDORS.getBytes(StandardCharsets.UTF_8), "application/json", "v.json")
                .get("stats").toString()).isEqualTo(stats(3, 0));
        assertThat(runImport(t, "gadget", GADGETS.getBytes(StandardCharsets.UTF_8), "application/json", "g.json")
                .get("stats").toString()).isEqualTo(stats(6, 0));
    }

    /** Records of another organization: ids (the record's and its references') and timestamps left out. */
    static Map<String, String> strip(Map<String, String> m) {
        Map<String, String> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, v.replaceAll("\"id\":\"[a-z]+_[0-9a-f]+\"", "\"id\":\"*\"")
                .replaceAll("\"(created|updated)_at\":[0-9]+", "\"$1_at\":0").replaceAll("\"version\":[0-9]+", "")));
        return out;
    }

    /** The export of every field of {@code object}, the external_id first, headers as the export writes them. */
    byte[] export(String object, String format) throws Exception {
        return export("/v1/modules/" + object + "/export", format, columns(object), false);
    }

    /** A report's export as the report defines it, or a module's export of every field; an export job when async. */
    byte[] export(String path, String format, boolean async) throws Exception {
        String object = path.startsWith("/v1/modules/") ? path.split("/")[3] : null;
        return export(path, format, object == null ? null : columns(object), async);
    }

    /** The export at {@code path} ({@code columns} null: the report's); an export job's file when async. */
    private byte[] export(String path, String format, List<String> columns, boolean async) throws Exception {
        HttpResponse<byte[]> r = RAW.send(HttpRequest.newBuilder(URI.create(tenant.server().baseUrl() + path))
                .header("Authorization", "Bearer " + tenant.adminKey())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"format\": \"" + format + "\", \"async\": " + async
                        + (columns == null ? "" : ", \"config\": {\"columns\": " + columns + "}") + "}")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(async ? 202 : 200);
        if (!async) {
            return r.body();
        }
        String job = Http.JSON.readTree(r.body()).at("/data/exportJobId").asString();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline)) {
            JsonNode data = http.get("/v1/export-jobs/" + job).json().get("data");
            if (!List.of("queued", "processing").contains(data.get("status").asString())) {
                assertThat(data.get("status").asString()).as(data.toString()).isEqualTo("completed");
                HttpResponse<byte[]> file = RAW.send(HttpRequest.newBuilder(URI.create(data.get("fileUrl")
                        .asString())).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
                assertThat(file.statusCode()).isEqualTo(200);
                return file.body();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("export job " + job + " did not end");
    }

    /** Every field of {@code object} as quoted JSON strings, in its order. */
    List<String> columns(String object) {
        List<String> columns = new ArrayList<>();
        http.get("/v1/objects/" + object).json().get("fields").forEach(f -> columns.add("\"" + f.get("slug")
                .asString() + "\""));
        return columns;
    }

    /** Every record of {@code object} as external_id → its JSON without the timestamps. */
    static Map<String, String> records(Tenant t, String object) {
        Map<String, String> out = new LinkedHashMap<>();
        EXACT.readTree(t.http().get("/v1/objects/" + object + "/records?limit=1000").body()).get("data").forEach(r -> {
            ObjectNode o = (ObjectNode) r;
            out.put(o.get("external_id").asString(), o.toString());
        });
        return out;
    }

    static JsonNode runImport(Tenant t, String resource, byte[] file, String contentType, String fileName)
            throws Exception {
        Response created = t.http().post("/v1/imports", "{\"resource\": \"" + resource + "\"}");
        HttpResponse<String> put = RAW.send(HttpRequest.newBuilder(URI.create(created.at("/_upload_url")))
                .header("Content-Type", contentType)
                .header("Content-Disposition", "attachment; filename=\"" + fileName + "\"")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(file)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).as(put.body()).isEqualTo(202);
        return await(t, created.at("/id"));
    }

    static JsonNode await(Tenant t, String id) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline)) {
            Response r = t.http().get("/v1/imports/" + id);
            if (List.of("completed", "failed").contains(r.at("/status"))) {
                return r.json();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("import did not end");
    }

    /** The file workflow: parse, then execute with every column mapped by its label and duplicateStrategy update. */
    JsonNode execute(Tenant t, String object, byte[] file, String format) throws Exception {
        String fileId = parse(t, object, file, format);
        JsonNode fields = t.http().get("/v1/objects/" + object).json().get("fields");
        List<String> mapping = new ArrayList<>();
        fields.forEach(f -> mapping.add("{\"sourceColumn\": \"" + (format.endsWith("json") ? f.get("slug").asString()
                : f.get("label").asString()) + "\", \"targetFieldSlug\": \"" + f.get("slug").asString() + "\"}"));
        Response exec = t.http().post("/v1/modules/" + object + "/import/execute", "{\"fileId\": \"" + fileId
                + "\", \"columnMapping\": " + mapping + ", \"duplicateStrategy\": \"update\"}");
        assertThat(exec.status()).as(exec.body()).isEqualTo(200);
        JsonNode job = t.http().get("/v1/imports/" + exec.at("/data/importJobId")).json();
        ((ObjectNode) job).set("execute", exec.json().get("data"));
        return job;
    }

    /** The file workflow's parse of {@code file}: its fileId. */
    static String parse(Tenant t, String object, byte[] file, String format) throws Exception {
        String boundary = "freight-roundtrip-boundary";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f." + format
                + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.write(file);
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = RAW.send(HttpRequest.newBuilder(URI.create(t.server().baseUrl()
                + "/v1/modules/" + object + "/import/parse"))
                .header("Authorization", "Bearer " + t.adminKey())
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Http.JSON.readTree(r.body()).at("/data/fileId").asString();
    }
}
