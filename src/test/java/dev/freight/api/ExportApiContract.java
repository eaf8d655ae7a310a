package dev.freight.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.export.ExportFiles;
import dev.freight.export.ExportHooks;
import dev.freight.export.ExportFormat;
import dev.freight.export.Exporter;
import dev.freight.jobs.ExportTasks;
import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.Value;
import dev.freight.store.Database;
import dev.freight.store.RecordStore;
import dev.freight.store.RecordWrite;
import dev.freight.store.SchemaStore;
import dev.freight.store.StoredRecord;
import dev.freight.testing.CapturedLog;
import dev.freight.testing.Http;
import dev.freight.testing.Http.Response;
import dev.freight.testing.TestDatabases;
import dev.freight.testing.TestServer;
import dev.freight.testing.TestServer.Tenant;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.rendering.PDFRenderer;
import org.apache.pdfbox.text.PDFTextStripper;
import org.dhatim.fastexcel.reader.Cell;
import org.dhatim.fastexcel.reader.CellType;
import org.dhatim.fastexcel.reader.ReadableWorkbook;
import org.dhatim.fastexcel.reader.ReadingOptions;
import org.dhatim.fastexcel.reader.Row;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Seed 003's exports over HTTP: every format and config option, saved reports, export jobs, expiry, round trips. */
abstract class ExportApiContract {

    private static final HttpClient RAW = HttpClient.newHttpClient();
    static final String XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    abstract TestDatabases database();

    TestServer server;
    Tenant tenant;
    Http.Client http;

    @BeforeEach
    void newTenant() {
        server = TestServer.of(database());
        tenant = server.newTenant("exports");
        http = tenant.http();
    }

    // ---- seeding

    /** Stores records one by one (ids sort by creation) and returns them as stored. */
    List<StoredRecord> seed(Tenant t, ObjectDef object, List<RecordWrite> writes) {
        Database db = server.bean(Database.class);
        RecordStore records = server.bean(RecordStore.class);
        for (RecordWrite w : writes) {
            db.inTransaction(h -> records.upsert(h, t.organizationId(), object, List.of(w)));
            sleep(3);
        }
        return stored(t, object);
    }

    List<StoredRecord> stored(Tenant t, ObjectDef object) {
        return server.bean(Database.class).withHandle(h -> server.bean(RecordStore.class)
                .page(h, t.organizationId(), object, null, null, 100_000, null));
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static Map<String, Value> values(Object... pairs) {
        Map<String, Value> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            Object v = pairs[i + 1];
            m.put((String) pairs[i], switch (v) {
                case Value value -> value;
                case String s -> new Value.Text(s);
                case BigDecimal d -> new Value.Decimal(d);
                case Boolean b -> new Value.Bool(b);
                case LocalDate d -> new Value.Date(d);
                default -> throw new IllegalArgumentException(String.valueOf(v));
            });
        }
        return m;
    }

    static Value.Many list(String... items) {
        return new Value.Many(java.util.Arrays.stream(items).<Value>map(Value.Text::new).toList());
    }

    List<StoredRecord> vendors() {
        return seed(tenant, BuiltInObjects.VENDOR, List.of(
                new RecordWrite("v-1", values("name", "Acme", "status", "active", "raw_irq_score",
                        new BigDecimal("85.5"), "enterprise", true, "dependent_services", list("Payroll", "CRM"),
                        "next_assessment_date", LocalDate.of(2025, 3, 1), "website", "https://acme.example")),
                new RecordWrite("v-2", values("name", "Beta, Inc.", "status", "onboarding", "raw_irq_score",
                        new BigDecimal("12"), "description", "Line one\nLine \"two\"", "enterprise", false)),
                new RecordWrite("v-3", values("name", "Gamma", "status", "inactive", "hq_location", "Zürich")),
                new RecordWrite("v-4", values("name", "Delta", "status", "active", "raw_irq_score",
                        new BigDecimal("40"), "next_assessment_date", LocalDate.of(2024, 12, 31)))));
    }

    static String iso(Instant at) {
        return at.toString();
    }

    // ---- HTTP helpers

    HttpResponse<byte[]> export(String path, String body) {
        return send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .header("Authorization", "Bearer " + tenant.adminKey())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    static HttpResponse<byte[]> send(HttpRequest request) {
        try {
            return RAW.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static HttpResponse<byte[]> get(String url) {
        return send(HttpRequest.newBuilder(URI.create(url)).GET().build());
    }

    static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    static JsonNode json(HttpResponse<byte[]> r) {
        return Http.JSON.readTree(r.body());
    }

    String csv(String config) {
        HttpResponse<byte[]> r = export("/v1/modules/vendors/export", "{\"format\": \"csv\", \"config\": " + config + "}");
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        return text(r);
    }

    /** The external ids a JSON export with {@code config} lists, in order. */
    List<String> externalIds(String config) {
        HttpResponse<byte[]> r = export("/v1/modules/vendor/export", "{\"format\": \"json\", \"config\": " + config + "}");
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        json(r).forEach(n -> ids.add(n.get("external_id").asString()));
        return ids;
    }

    // ---- CSV and the config options

    /**
     * The values an export takes from a fixed list match without regard to case, as {@code sortDirection} did:
     * {@code "format": "CSV"}, a filter's {@code "operator": "IS_NOT_EMPTY"}. Before, both were refused (400
     * {@code invalid_format}, {@code invalid_filter}).
     */
    @Test
    void theNamesAnExportTakesFromAListMatchWithoutRegardToCase() {
        vendors();
        HttpResponse<byte[]> r = export("/v1/modules/vendors/export", """
                {"format": "CSV", "config": {"columns": ["external_id"], "sortField": "external_id",
                 "sortDirection": "DESC", "filters": [{"field": "external_id", "operator": "In",
                 "values": ["v-1", "v-2"]}]}}""");

        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/csv;charset=utf-8");
        assertThat(text(r)).isEqualTo("External Id\r\nv-2\r\nv-1\r\n");
    }

    @Test
    void aCsvExportWithDefaultsHasNameAndDatesWithTheSeedHeaders() {
        List<StoredRecord> v = vendors();
        HttpResponse<byte[]> r = export("/v1/modules/vendors/export", "{\"format\": \"csv\"}");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/csv;charset=utf-8");
        assertThat(r.headers().firstValue("Content-Disposition")).hasValue("attachment; filename=\"vendors-export-"
                + LocalDate.now(ZoneOffset.UTC) + ".csv\"");
        StringBuilder expected = new StringBuilder("Name,Created,Updated\r\n");
        for (StoredRecord s : v) {
            String name = s.values().get("name") instanceof Value.Text t ? t.value() : "";
            expected.append(name.contains(",") ? "\"" + name + "\"" : name).append(',')
                    .append(iso(s.createdAt())).append(',').append(iso(s.updatedAt())).append("\r\n");
        }
        assertThat(text(r)).isEqualTo(expected.toString());
    }

    @Test
    void csvHonoursColumnsLabelsDateFormatSortLimitAndBom() {
        vendors();

        String body = csv("""
                {"columns": ["external_id", "name", "raw_irq_score", "next_assessment_date", "dependent_services",
                             "enterprise", "description"],
                 "columnLabels": {"external_id": "Vendor ID", "raw_irq_score": "Risk"},
                 "dateFormat": "dd/MM/yyyy", "sortField": "raw_irq_score", "sortDirection": "desc", "limit": 3,
                 "includeBom": true}""");

        assertThat(body).isEqualTo("\uFEFFVendor ID,Name,Risk,Next Assessment Date,Dependent Services,Enterprise,"
                + "Description\r\n"
                + "v-1,Acme,85.5,01/03/2025,Payroll; CRM,true,\r\n"
                + "v-4,Delta,40,31/12/2024,,,\r\n"
                + "v-2,\"Beta, Inc.\",12,,,false,\"Line one\nLine \"\"two\"\"\"\r\n");
    }

    @Test
    void includeHeadersFalseLeavesOutTheHeaderRow() {
        vendors();

        assertThat(csv("{\"columns\": [\"external_id\", \"status\"], \"includeHeaders\": false}"))
                .isEqualTo("v-1,active\r\nv-2,onboarding\r\nv-3,inactive\r\nv-4,active\r\n");
    }

    @Test
    void filtersSelectASubsetOnEveryKindOfField() {
        vendors();

        assertThat(externalIds("{\"filters\": [{\"field\": \"status\", \"operator\": \"equals\", \"value\": \"active\"}],"
                + " \"columns\": [\"external_id\"]}")).containsExactly("v-1", "v-4");
        assertThat(externalIds("{\"filters\": [{\"field\": \"status\", \"value\": \"ACTIVE\"}],"
                + " \"columns\": [\"external_id\"]}")).containsExactly("v-1", "v-4");
        assertThat(externalIds("{\"filters\": [{\"field\": \"status\", \"operator\": \"in\","
                + " \"values\": [\"inactive\", \"onboarding\"]}], \"columns\": [\"external_id\"]}"))
                .containsExactly("v-2", "v-3");
        assertThat(externalIds("{\"filters\": [{\"field\": \"raw_irq_score\", \"operator\": \"range\", \"from\": 12,"
                + " \"to\": \"40\"}], \"columns\": [\"external_id\"]}")).containsExactly("v-2", "v-4");
        assertThat(externalIds("{\"filters\": [{\"field\": \"raw_irq_score\", \"operator\": \"range\", \"from\": 13}],"
                + " \"columns\": [\"external_id\"]}")).containsExactly("v-1", "v-4");
        assertThat(externalIds("{\"filters\": [{\"field\": \"raw_irq_score\", \"operator\": \"is_empty\"}],"
                + " \"columns\": [\"external_id\"]}")).containsExactly("v-3");
        assertThat(externalIds("{\"filters\": [{\"field\": \"dependent_services\", \"operator\": \"is_not_empty\"}],"
                + " \"columns\": [\"external_id\"]}")).containsExactly("v-1");
        assertThat(externalIds("{\"filters\": [{\"field\": \"enterprise\", \"value\": \"yes\"}],"
                + " \"columns\": [\"external_id\"]}")).containsExactly("v-1");
        assertThat(externalIds("{\"filters\": [{\"field\": \"next_assessment_date\", \"operator\": \"range\","
                + " \"from\": \"2025-01-01\"}], \"columns\": [\"external_id\"]}")).containsExactly("v-1");
        assertThat(externalIds("{\"filters\": [{\"field\": \"createdDateTime\", \"operator\": \"range\","
                + " \"to\": \"" + LocalDate.now(ZoneOffset.UTC) + "\"}], \"columns\": [\"external_id\"]}"))
                .containsExactly("v-1", "v-2", "v-3", "v-4");
        assertThat(externalIds("{\"filters\": [{\"field\": \"external_id\", \"operator\": \"in\","
                + " \"values\": [\"v-3\", \"v-1\"]}, {\"field\": \"status\", \"value\": \"active\"}],"
                + " \"columns\": [\"external_id\"]}")).containsExactly("v-1");
    }

    @Test
    void sortingByAFieldIsStableWithEmptyValuesLastInBothDirections() {
        vendors();

        assertThat(externalIds("{\"sortField\": \"status\", \"columns\": [\"external_id\"]}"))
                .containsExactly("v-1", "v-4", "v-3", "v-2");
        assertThat(externalIds("{\"sortField\": \"status\", \"sortDirection\": \"desc\", \"columns\": [\"external_id\"]}"))
                .containsExactly("v-2", "v-3", "v-4", "v-1");
        assertThat(externalIds("{\"sortField\": \"raw_irq_score\", \"columns\": [\"external_id\"]}"))
                .containsExactly("v-2", "v-4", "v-1", "v-3");
        assertThat(externalIds("{\"sortField\": \"raw_irq_score\", \"sortDirection\": \"desc\","
                + " \"columns\": [\"external_id\"]}")).containsExactly("v-1", "v-4", "v-2", "v-3");
        assertThat(externalIds("{\"sortField\": \"createdDateTime\", \"sortDirection\": \"desc\","
                + " \"columns\": [\"external_id\"]}")).containsExactly("v-4", "v-3", "v-2", "v-1");
        assertThat(externalIds("{\"sortField\": \"name\", \"columns\": [\"external_id\"]}"))
                .containsExactly("v-1", "v-2", "v-4", "v-3");
    }

    /**
     * A reference to a record without an external_id is written as that record's id: filters and sorts compare that
     * same text, so a filter by what the file shows finds the record and a sort puts it among the set values.
     */
    @Test
    void filtersAndSortsCompareAReferenceToARecordWithoutAnExternalIdByTheIdTheExportWrites() {
        List<StoredRecord> accounts = seed(tenant, BuiltInObjects.ACCOUNT, List.of(
                new RecordWrite("a-1", values("displayName", "Acme")),
                new RecordWrite(null, values("displayName", "Beta")),
                new RecordWrite(null, values("displayName", "Gamma"))));
        String beta = accounts.get(1).id();
        String gamma = accounts.get(2).id();
        seed(tenant, BuiltInObjects.CONTACT, List.of(
                new RecordWrite("c-1", values("displayName", "One", "account",
                        new Value.Ref("a-1", "account", accounts.get(0).id()))),
                new RecordWrite("c-2", values("displayName", "Two", "account", new Value.Ref(null, "account", beta))),
                new RecordWrite("c-3", values("displayName", "Three")),
                new RecordWrite("c-4", values("displayName", "Four", "account",
                        new Value.Ref(null, "account", gamma)))));

        assertThat(contactCsv("{\"columns\": [\"external_id\", \"account\"], \"includeHeaders\": false}"))
                .isEqualTo("c-1,a-1\r\nc-2," + beta + "\r\nc-3,\r\nc-4," + gamma + "\r\n");
        assertThat(contactCsv("{\"columns\": [\"external_id\"], \"includeHeaders\": false, \"filters\":"
                + " [{\"field\": \"account\", \"value\": \"" + beta + "\"}]}")).isEqualTo("c-2\r\n");
        assertThat(contactCsv("{\"columns\": [\"external_id\"], \"includeHeaders\": false, \"filters\":"
                + " [{\"field\": \"account\", \"operator\": \"in\", \"values\": [\"" + gamma + "\", \"a-1\"]}]}"))
                .isEqualTo("c-1\r\nc-4\r\n");
        assertThat(contactCsv("{\"columns\": [\"external_id\"], \"includeHeaders\": false, \"filters\":"
                + " [{\"field\": \"account\", \"operator\": \"range\", \"from\": \"acct_\"}]}"))
                .isEqualTo("c-2\r\nc-4\r\n");
        assertThat(contactCsv("{\"columns\": [\"external_id\"], \"includeHeaders\": false, \"filters\":"
                + " [{\"field\": \"account\", \"operator\": \"is_empty\"}]}")).isEqualTo("c-3\r\n");
        assertThat(contactCsv("{\"columns\": [\"external_id\"], \"includeHeaders\": false, \"filters\":"
                + " [{\"field\": \"account\", \"operator\": \"is_not_empty\"}]}"))
                .isEqualTo("c-1\r\nc-2\r\nc-4\r\n");
        // "a-1" sorts before "acct_…" ('-' before 'c'); the ids in creation order; the contact without one last.
        assertThat(contactCsv("{\"columns\": [\"external_id\"], \"includeHeaders\": false,"
                + " \"sortField\": \"account\"}")).isEqualTo("c-1\r\nc-2\r\nc-4\r\nc-3\r\n");
        assertThat(contactCsv("{\"columns\": [\"external_id\"], \"includeHeaders\": false,"
                + " \"sortField\": \"account\", \"sortDirection\": \"desc\"}"))
                .isEqualTo("c-4\r\nc-2\r\nc-1\r\nc-3\r\n");
    }

    /**
     * A reference is filtered and sorted by the external_id its record has now, which the export writes: once account
     * a-1 is given the external_id a-5, a filter for a-5 finds its contact in a module's export, a report's and an
     * export job's, a filter for a-1 finds none, and a sort puts it after a-3. Before, they went by the a-1 the
     * reference held.
     */
    @Test
    void filtersAndSortsCompareAReferenceByTheExternalIdItsRecordHasNow() {
        List<StoredRecord> accounts = accountsAndTheirContacts();
        server.bean(Database.class).withHandle(h -> h.update("update records set external_id = ? where id = ?", "a-5",
                accounts.get(0).id()));
        String columns = "\"columns\": [\"external_id\", \"account\"], \"includeHeaders\": false";

        assertThat(contactCsv("{" + columns + ", \"filters\": [{\"field\": \"account\", \"value\": \"a-5\"}]}"))
                .isEqualTo("c-1,a-5\r\n");
        assertThat(contactCsv("{" + columns + ", \"filters\": [{\"field\": \"account\", \"value\": \"a-1\"}]}"))
                .isEmpty();
        assertThat(contactCsv("{" + columns + ", \"sortField\": \"account\"}"))
                .isEqualTo("c-2,a-3\r\nc-1,a-5\r\nc-3,\r\n");
        String report = http.post("/v1/reports", "{\"name\": \"Acme's contacts\", \"module\": \"contacts\","
                + " \"columns\": [\"external_id\", \"account\"], \"filters\": [{\"field\": \"account\","
                + " \"operator\": \"in\", \"values\": [\"a-5\", \"a-1\"]}]}").at("/data/reportId");
        HttpResponse<byte[]> reported = export("/v1/reports/" + report + "/export", "{\"format\": \"csv\"}");
        assertThat(text(reported)).isEqualTo("External Id,Account\r\nc-1,a-5\r\n");
        HttpResponse<byte[]> accepted = export("/v1/modules/contacts/export", "{\"format\": \"csv\", \"async\": true,"
                + " \"config\": {" + columns + ", \"filters\": [{\"field\": \"account\", \"operator\": \"range\","
                + " \"from\": \"a-4\"}]}}");
        assertThat(accepted.statusCode()).as(text(accepted)).isEqualTo(202);
        JsonNode done = awaitJob(json(accepted).at("/data/exportJobId").asString());
        assertThat(done.get("status").asString()).isEqualTo("completed");
        assertThat(text(get(done.get("fileUrl").asString()))).isEqualTo("c-1,a-5\r\n");
    }

    /**
     * An {@code in} filter takes as many values as a request holds: 100,000 values that name no record beside a few
     * that do select exactly the records the few name, on a text field and on a reference, in an immediate export
     * (counted first, to choose between the file and a job) and in an export job. Before, each value was a parameter
     * of its own, and a statement takes at most 65,535 on PostgreSQL (its driver), 250,000 on SQLite (as sqlite-jdbc
     * builds it), where a reference's filter binds its values three times: the exports failed with 500
     * {@code internal_error}, on PostgreSQL at the count, on SQLite for the reference.
     */
    @Test
    void anInFilterOfMoreValuesThanAStatementTakesParametersExportsExactlyTheRecordsItsValuesName() {
        vendors();
        accountsAndTheirContacts();
        // Short values, so that the requests fit the test server's FREIGHT_MAX_REQUEST_BYTES (1,000,000).
        String none = java.util.stream.IntStream.range(0, 100_000).mapToObj(i -> "\"~" + Integer.toString(i, 36)
                + "\"").collect(Collectors.joining(","));
        String byName = "{\"columns\": [\"external_id\"], \"filters\": [{\"field\": \"name\", \"operator\": \"in\","
                + " \"values\": [\"Gamma\", " + none + ", \"Acme\"]}]}";
        String byAccount = "{\"columns\": [\"external_id\", \"account\"], \"includeHeaders\": false, \"filters\":"
                + " [{\"field\": \"account\", \"operator\": \"in\", \"values\": [" + none + ", \"a-3\"]}]}";

        assertThat(externalIds(byName)).containsExactly("v-1", "v-3");
        assertThat(contactCsv(byAccount)).isEqualTo("c-2,a-3\r\n");
        HttpResponse<byte[]> accepted = export("/v1/modules/contacts/export", "{\"format\": \"csv\", \"async\": true,"
                + " \"config\": " + byAccount + "}");
        assertThat(accepted.statusCode()).as(text(accepted)).isEqualTo(202);
        assertThat(json(accepted).at("/data/recordCount").asLong()).isEqualTo(1);
        JsonNode done = awaitJob(json(accepted).at("/data/exportJobId").asString());
        assertThat(done.get("status").asString()).isEqualTo("completed");
        assertThat(text(get(done.get("fileUrl").asString()))).isEqualTo("c-2,a-3\r\n");
    }

    /**
     * The worst filters for each database at the cap (ranges with from and to nest deepest in SQLite's expressions;
     * equals on a reference, a subquery each, costs PostgreSQL the most) still run; one more is 400. Before, there was
     * no cap: 7,000 equals filters on a reference answered 500 internal_error on both databases.
     */
    @Test
    void moreFiltersThanTheCapAreRefusedWith400NamingTheCapAndTheNumberGiven() {
        seedContactOfAccountAndOneWithout();
        String range = "{\"field\": \"account\", \"operator\": \"range\", \"from\": \"a\", \"to\": \"z\"}";
        String equals = "{\"field\": \"account\", \"value\": \"a-1\"}";

        assertThat(contactCsv(filtered(range, 200))).isEqualTo("c-1\r\n");
        assertThat(contactCsv(filtered(equals, 200))).isEqualTo("c-1\r\n");
        for (int n : List.of(201, 7_000)) {
            HttpResponse<byte[]> r = export("/v1/modules/contacts/export", "{\"format\": \"csv\", \"config\": "
                    + filtered(equals, n) + "}");
            assertThat(r.statusCode()).as(text(r)).isEqualTo(400);
            assertThat(text(r)).isEqualTo("{\"success\":false,\"error\":{\"code\":\"invalid_filter\",\"message\":"
                    + "\"filters may hold at most 200 filters, got " + n + "\"}}");
        }
        Response report = http.post("/v1/reports", "{\"name\": \"Many\", \"module\": \"contacts\", \"filters\": ["
                + String.join(",", java.util.Collections.nCopies(201, equals)) + "]}");
        assertThat(report.status()).isEqualTo(400);
        assertThat(report.at("/error/code")).isEqualTo("invalid_filter");
        assertThat(report.at("/error/message")).isEqualTo("filters may hold at most 200 filters, got 201");

        String query = "/v1/objects/contact/records?filters=%5B" + java.net.URLEncoder.encode(equals,
                StandardCharsets.UTF_8) + "%5D";
        // A field given several times is one filter, in, whatever its number of values (docs/api.md, "Records");
        // before, one filter per value: 200 of them and filters' one were refused, 201 filters.
        Response listed = http.get(query + "&account=a-1".repeat(300));
        assertThat(listed.status()).as(listed.body()).isEqualTo(200);
        assertThat(listed.json().at("/data/0/external_id").asString()).isEqualTo("c-1");
        assertThat(listed.json().get("data").size()).isEqualTo(1);
    }

    /**
     * A saved report's export applies the report's filters and the request's, at most 200 together: past that, when
     * both gave some, the refusal says how many each gave, so that a caller who sent 50 learns why 230 were counted;
     * 200 together are exported.
     */
    @Test
    void aReportsExportPastTheFilterCapSaysHowManyFiltersTheReportAndTheRequestGave() {
        seedContactOfAccountAndOneWithout();
        String equals = "{\"field\": \"account\", \"value\": \"a-1\"}";
        Response report = http.post("/v1/reports", "{\"name\": \"Many\", \"module\": \"contacts\", \"columns\":"
                + " [\"external_id\"], \"filters\": [" + String.join(",", java.util.Collections.nCopies(180, equals))
                + "]}");
        assertThat(report.status()).as(report.body()).isEqualTo(201);
        String path = "/v1/reports/" + report.at("/data/reportId") + "/export";

        HttpResponse<byte[]> refused = export(path, "{\"format\": \"csv\", \"config\": " + filtered(equals, 50)
                + "}");
        HttpResponse<byte[]> exported = export(path, "{\"format\": \"csv\", \"config\": " + filtered(equals, 20)
                + "}");

        assertThat(refused.statusCode()).as(text(refused)).isEqualTo(400);
        assertThat(text(refused)).isEqualTo("{\"success\":false,\"error\":{\"code\":\"invalid_filter\","
                + "\"message\":\"filters may hold at most 200 filters, got 230 (180 of the report and 50 of the"
                + " request)\"}}");
        assertThat(exported.statusCode()).as(text(exported)).isEqualTo(200);
        assertThat(text(exported)).isEqualTo("c-1\r\n");
    }

    /** Account a-1, contact c-1 referring to it, and contact c-2 referring to none. */
    void seedContactOfAccountAndOneWithout() {
        List<StoredRecord> accounts = seed(tenant, BuiltInObjects.ACCOUNT, List.of(
                new RecordWrite("a-1", values("displayName", "Acme"))));
        seed(tenant, BuiltInObjects.CONTACT, List.of(
                new RecordWrite("c-1", values("displayName", "One", "account",
                        new Value.Ref("a-1", "account", accounts.get(0).id()))),
                new RecordWrite("c-2", values("displayName", "Two"))));
    }

    static String filtered(String filter, int n) {
        return "{\"columns\": [\"external_id\"], \"includeHeaders\": false, \"filters\": ["
                + String.join(",", java.util.Collections.nCopies(n, filter)) + "]}";
    }

    String contactCsv(String config) {
        HttpResponse<byte[]> r = export("/v1/modules/contacts/export", "{\"format\": \"csv\", \"config\": " + config
                + "}");
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        return text(r);
    }

    @Test
    void formulaInjectionPayloadsAreNeutralisedUnlessTurnedOff() {
        List<String> payloads = List.of("=1+2", "+SUM(1,2)", "-2+3", "@SUM(1+1)", "\t=1+2", "\r=1+2",
                "=cmd|' /C calc'!A0", "=HYPERLINK(\"http://evil.example\",\"click\")", "safe -1");
        List<RecordWrite> writes = new ArrayList<>();
        for (int i = 0; i < payloads.size(); i++) {
            writes.add(new RecordWrite("f-" + i, values("name", payloads.get(i), "raw_irq_score",
                    new BigDecimal("-5"))));
        }
        seed(tenant, BuiltInObjects.VENDOR, writes);

        assertThat(csv("{\"columns\": [\"name\", \"raw_irq_score\"], \"includeHeaders\": false}")).isEqualTo("""
                "'=1+2",-5\r
                "'+SUM(1,2)",-5\r
                "'-2+3",-5\r
                "'@SUM(1+1)",-5\r
                "'\t=1+2",-5\r
                "'\r=1+2",-5\r
                "'=cmd|' /C calc'!A0",-5\r
                "'=HYPERLINK(""http://evil.example"",""click"")",-5\r
                safe -1,-5\r
                """);
        assertThat(csv("{\"columns\": [\"name\"], \"includeHeaders\": false, \"escapeFormulas\": false, \"limit\": 3}"))
                .isEqualTo("=1+2\r\n\"+SUM(1,2)\"\r\n-2+3\r\n");
    }

    @Test
    void aNumberOfMoreThan9999DecimalPlacesIsExportedAsJsonInPlainDigits() {
        seed(tenant, BuiltInObjects.VENDOR, List.of(new RecordWrite("v-1", values("name", "Acme",
                "raw_irq_score", new Value.Decimal(new java.math.BigDecimal("1E-10000"))))));

        HttpResponse<byte[]> json = export("/v1/modules/vendor/export", "{\"format\": \"json\", \"config\":"
                + " {\"columns\": [\"external_id\", \"raw_irq_score\"]}}");

        assertThat(json.statusCode()).isEqualTo(200);
        assertThat(text(json)).isEqualTo("[{\"external_id\":\"v-1\",\"raw_irq_score\":0." + "0".repeat(9_999)
                + "1}]");
    }

    @Test
    void contactsRenderPhonesAddressesAndReferencesInTextAndKeepTheirShapeInJson() {
        seed(tenant, BuiltInObjects.ACCOUNT, List.of(new RecordWrite("a-1", values("displayName", "Acme"))));
        seed(tenant, BuiltInObjects.CONTACT, List.of(new RecordWrite("c-1", values(
                "displayName", "Ζωή Παπαδοπούλου", "owner", "sam",
                "phone", new Value.Many(List.of(new Value.Labeled("Mobile", new Value.Text("+30 690 000 0000")),
                        new Value.Labeled("Work", new Value.Text("+30 210 000 0000")))),
                "account", new Value.Ref("a-1", "account", null),
                "address", new Value.Address("1 Main St", null, "Springfield", "IL", "62704", "US")))));

        String body = text(export("/v1/modules/contacts/export", "{\"format\": \"csv\", \"config\": {\"columns\":"
                + " [\"external_id\", \"displayName\", \"owner\", \"phone\", \"account\", \"address\"]}}"));
        HttpResponse<byte[]> json = export("/v1/modules/contacts/export", "{\"format\": \"json\", \"config\":"
                + " {\"columns\": [\"external_id\", \"phone\", \"account\", \"address\"]}}");
        HttpResponse<byte[]> ndjson = export("/v1/modules/contact/export", "{\"format\": \"ndjson\", \"config\":"
                + " {\"columns\": [\"external_id\", \"account\"]}}");

        assertThat(body).isEqualTo("External Id,Name,Owner,Phone,Account,Address\r\n"
                + "c-1,Ζωή Παπαδοπούλου,sam,Mobile: +30 690 000 0000; Work: +30 210 000 0000,a-1,"
                + "street: 1 Main St; city: Springfield; state: IL; zip: 62704; country: US\r\n");
        assertThat(text(json)).isEqualTo("[{\"external_id\":\"c-1\",\"phone\":[{\"type\":\"Mobile\",\"value\":"
                + "\"+30 690 000 0000\"},{\"type\":\"Work\",\"value\":\"+30 210 000 0000\"}],\"account\":\"a-1\","
                + "\"address\":{\"street\":\"1 Main St\",\"city\":\"Springfield\",\"state\":\"IL\",\"zip\":\"62704\","
                + "\"country\":\"US\"}}]");
        assertThat(json.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(text(ndjson)).isEqualTo("{\"external_id\":\"c-1\",\"account\":\"a-1\"}\n");
        assertThat(ndjson.headers().firstValue("Content-Disposition")).hasValue("attachment; filename=\"contact-export-"
                + LocalDate.now(ZoneOffset.UTC) + ".ndjson\"");
    }

    // ---- XLSX

    @Test
    void xlsxHasRealNumbersDatesAndBooleansReadBackWithAReader() throws IOException {
        List<StoredRecord> v = vendors();

        HttpResponse<byte[]> r = export("/v1/modules/vendors/export", "{\"format\": \"xlsx\", \"config\": {\"columns\":"
                + " [\"external_id\", \"name\", \"raw_irq_score\", \"next_assessment_date\", \"enterprise\","
                + " \"dependent_services\", \"createdDateTime\"], \"columnLabels\": {\"name\": \"Vendor\"}}}");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue(XLSX_TYPE);
        assertThat(r.headers().firstValue("Content-Disposition")).hasValue("attachment; filename=\"vendors-export-"
                + LocalDate.now(ZoneOffset.UTC) + ".xlsx\"");
        try (ReadableWorkbook wb = new ReadableWorkbook(new ByteArrayInputStream(r.body()), new ReadingOptions(true, false))) {
            assertThat(wb.getFirstSheet().getName()).isEqualTo("Vendor");
            List<Row> rows = wb.getFirstSheet().read();
            assertThat(rows).hasSize(5);
            assertThat(rows.get(0).stream().map(Cell::getText).toList()).containsExactly("External Id", "Vendor",
                    "Raw Irq Score", "Next Assessment Date", "Enterprise", "Dependent Services", "Created");
            Row acme = rows.get(1);
            assertThat(acme.getCell(0).asString()).isEqualTo("v-1");
            assertThat(acme.getCell(1).asString()).isEqualTo("Acme");
            assertThat(acme.getCell(2).getType()).isEqualTo(CellType.NUMBER);
            assertThat(acme.getCell(2).asNumber()).isEqualByComparingTo("85.5");
            assertThat(acme.getCell(3).getType()).isEqualTo(CellType.NUMBER);
            assertThat(acme.getCell(3).getDataFormatString()).isEqualTo("yyyy-mm-dd");
            assertThat(acme.getCell(3).asDate()).isEqualTo(LocalDateTime.of(2025, 3, 1, 0, 0));
            assertThat(acme.getCell(4).getType()).isEqualTo(CellType.BOOLEAN);
            assertThat(acme.getCell(4).asBoolean()).isTrue();
            assertThat(acme.getCell(5).asString()).isEqualTo("Payroll; CRM");
            assertThat(acme.getCell(6).getDataFormatString()).isEqualTo("yyyy-mm-dd hh:mm:ss");
            assertThat(acme.getCell(6).asDate()).isEqualTo(LocalDateTime.ofInstant(v.get(0).createdAt(), ZoneOffset.UTC)
                    .withNano(v.get(0).createdAt().getNano() / 1_000_000 * 1_000_000));
            assertThat(rows.get(3).getCellAsString(2)).isEmpty();
        }
    }

    /**
     * An XLSX export, streamed in the answer or written by a job, declares no {@code <dimension>} for its sheet
     * (fastexcel wrote {@code A1} whatever the rows, which a reader trusting it read as one cell): a reader counts the
     * rows, here the header and 2,500 records.
     */
    @Test
    void anXlsxExportsSheetDeclaresNoDimensionInTheAnswerOrAJobsFile() throws IOException {
        List<RecordWrite> many = new ArrayList<>();
        for (int i = 0; i < 2_500; i++) {
            many.add(new RecordWrite("v-%05d".formatted(i), values("name", "Vendor " + i)));
        }
        server.bean(Database.class).inTransaction(h -> server.bean(RecordStore.class).upsert(h,
                tenant.organizationId(), BuiltInObjects.VENDOR, many));
        String body = "{\"format\": \"xlsx\", \"config\": {\"columns\": [\"external_id\", \"name\"]}";

        HttpResponse<byte[]> answer = export("/v1/modules/vendors/export", body + "}");
        HttpResponse<byte[]> job = export("/v1/modules/vendors/export", body + ", \"async\": true}");
        JsonNode done = awaitJob(json(job).at("/data/exportJobId").asString());

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(done.get("status").asString()).isEqualTo("completed");
        for (byte[] file : List.of(answer.body(), get(done.get("fileUrl").asString()).body())) {
            String sheet = firstSheet(file);
            assertThat(sheet).doesNotContain("<dimension");
            assertThat(sheet.split("<row ", -1)).hasSize(1 + 2_501);
            assertThat(sheet).contains("<row r=\"2501\"><c r=\"A2501\" t=\"inlineStr\"><is><t>v-02499</t></is></c>"
                    + "<c r=\"B2501\" t=\"inlineStr\"><is><t>Vendor 2499</t></is></c></row></sheetData>");
        }
    }

    /**
     * The first sheet's XML, read entry by entry by the local headers, as a client reading the answer as it arrives
     * does (java.util.zip's ZipInputStream failed on every entry of opczip's package).
     */
    private static String firstSheet(byte[] xlsx) throws IOException {
        try (var zip = new java.util.zip.ZipInputStream(new ByteArrayInputStream(xlsx))) {
            for (var e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                if (e.getName().equals("xl/worksheets/sheet1.xml")) {
                    return new String(zip.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
        }
        throw new AssertionError("no xl/worksheets/sheet1.xml");
    }

    /**
     * A JSON client writes day.js tokens: "DD/MM/YYYY" is the day of the month and the year, not Java's day of the
     * year and week-based year (which printed 060/03/2025 for 1 March 2025). The same format names XLSX cells' format.
     */
    @Test
    void dateFormatsInDayjsAndStrftimeTokensPrintTheDayOfTheMonthAndTheYear() throws IOException {
        vendors();
        String columns = "\"columns\": [\"external_id\", \"next_assessment_date\"], \"sortField\": \"external_id\"";

        assertThat(csv("{" + columns + ", \"dateFormat\": \"DD/MM/YYYY\"}")).isEqualTo(
                "External Id,Next Assessment Date\r\nv-1,01/03/2025\r\nv-2,\r\nv-3,\r\nv-4,31/12/2024\r\n");
        assertThat(csv("{" + columns + ", \"dateFormat\": \"ddd, MMM D YYYY\", \"limit\": 1}")).isEqualTo(
                "External Id,Next Assessment Date\r\nv-1,\"Sat, Mar 1 2025\"\r\n");
        assertThat(csv("{" + columns + ", \"dateFormat\": \"%d.%m.%Y\", \"limit\": 1}")).isEqualTo(
                "External Id,Next Assessment Date\r\nv-1,01.03.2025\r\n");

        HttpResponse<byte[]> r = export("/v1/modules/vendors/export", "{\"format\": \"xlsx\", \"config\": {"
                + columns + ", \"dateFormat\": \"DD/MM/YYYY\"}}");
        try (ReadableWorkbook wb = new ReadableWorkbook(new ByteArrayInputStream(r.body()),
                new ReadingOptions(true, false))) {
            Row acme = wb.getFirstSheet().read().get(1);
            assertThat(acme.getCell(1).getDataFormatString()).isEqualTo("dd/mm/yyyy");
            assertThat(acme.getCell(1).asDate()).isEqualTo(LocalDateTime.of(2025, 3, 1, 0, 0));
        }
    }

    // ---- PDF

    @Test
    void aPdfHasTitleDescriptionTheHeaderOnEveryPagePageNumbersAndNonLatinNames() throws IOException {
        List<RecordWrite> writes = new ArrayList<>();
        List<String> names = List.of("Ærøskøbing Værft", "Ζωή Παπαδοπούλου", "Фёдор Достоевский", "Łódź Żółć",
                "华为技术有限公司", "株式会社 東京商事", "삼성전자 주식회사");
        for (int i = 0; i < 120; i++) {
            writes.add(new RecordWrite("p-%03d".formatted(i), values("name", names.get(i % names.size()) + " " + i,
                    "status", "active", "raw_irq_score", new BigDecimal(i), "description",
                    "A long description that has to wrap inside its cell because it is much wider than the column. "
                            .repeat(2), "business_unit", "Unit " + i, "vendor_category", "SaaS",
                    "hq_location", "Zürich")));
        }
        Database db = server.bean(Database.class);
        db.inTransaction(h -> server.bean(RecordStore.class).upsert(h, tenant.organizationId(), BuiltInObjects.VENDOR,
                writes));

        HttpResponse<byte[]> r = export("/v1/modules/vendors/export", "{\"format\": \"pdf\", \"config\": {"
                + "\"title\": \"Q4 Vendor Review\", \"description\": \"Generated for quarterly review\","
                + "\"columns\": [\"external_id\", \"name\", \"status\", \"raw_irq_score\", \"description\","
                + " \"business_unit\", \"vendor_category\", \"hq_location\"], \"sortField\": \"external_id\"}}");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/pdf");
        try (PDDocument pdf = Loader.loadPDF(r.body())) {
            int pages = pdf.getNumberOfPages();
            assertThat(pages).isGreaterThan(2);
            assertThat(landscape(pdf)).isTrue();
            PDFTextStripper stripper = new PDFTextStripper();
            String all = stripper.getText(pdf);
            assertThat(all).startsWith("Q4 Vendor Review\nGenerated for quarterly review\n");
            assertThat(all).contains("Ærøskøbing", "Værft", "Ζωή", "Παπαδοπούλου", "Фёдор", "Достоевский", "Łódź",
                    "Żółć", "华为技术有限公司", "株式会社", "東京商事", "삼성전자", "주식회사", "p-119", "Zürich",
                    "inside its cell");
            assertThat(fontNames(pdf)).anyMatch(f -> f.endsWith("+DejaVuSans")).anyMatch(f -> f.endsWith(
                    "+DroidSansFallback")).anyMatch(f -> f.endsWith("+NanumSquareR")).allMatch(f -> f.matches("[A-Z]{6}\\+.*"));
            for (int p = 1; p <= pages; p++) {
                stripper.setStartPage(p);
                stripper.setEndPage(p);
                String page = stripper.getText(pdf);
                assertThat(page).as("page %d", p).contains("External Id", "Description", "Hq Location");
                assertThat(page).as("page %d", p).contains("Page " + p + " of " + pages);
            }
            Path dir = Path.of("target", "export-artifacts");
            Files.createDirectories(dir);
            javax.imageio.ImageIO.write(new PDFRenderer(pdf).renderImageWithDPI(0, 72),
                    "png", dir.resolve(database().name().toLowerCase() + "-vendors-page-1.png").toFile());
        }
    }

    @Test
    void aSmallPdfReadsBackAsItsExactText() throws IOException {
        vendors();

        HttpResponse<byte[]> r = export("/v1/modules/vendors/export", "{\"format\": \"pdf\", \"config\": {"
                + "\"columns\": [\"external_id\", \"name\", \"raw_irq_score\"]}}");

        try (PDDocument pdf = Loader.loadPDF(r.body())) {
            assertThat(pdf.getNumberOfPages()).isEqualTo(1);
            assertThat(landscape(pdf)).isFalse();
            assertThat(new PDFTextStripper().getText(pdf)).isEqualTo("""
                    Vendor export
                    External Id Name Raw Irq Score
                    v-1 Acme 85.5
                    v-2 Beta, Inc. 12
                    v-3 Gamma
                    v-4 Delta 40
                    Page 1 of 1
                    """);
        }
    }

    @Test
    void aCharacterNoEmbeddedFontHasShowsAsAReplacementCharacterInsteadOfVanishing() throws IOException {
        Database db = server.bean(Database.class);
        db.inTransaction(h -> server.bean(RecordStore.class).upsert(h, tenant.organizationId(), BuiltInObjects.VENDOR,
                List.of(new RecordWrite("t-1", values("name", "Thai สวัสดี Co")),
                        new RecordWrite("t-2", values("name", "Smile \uD83D\uDE00 \uD83E\uDDE9 Ltd")),
                        new RecordWrite("t-3", values("name", "Ærø 华为 삼성")))));

        HttpResponse<byte[]> r = export("/v1/modules/vendors/export", "{\"format\": \"pdf\", \"config\": {"
                + "\"columns\": [\"external_id\", \"name\"], \"sortField\": \"external_id\"}}");

        assertThat(r.statusCode()).isEqualTo(200);
        try (PDDocument pdf = Loader.loadPDF(r.body())) {
            assertThat(new PDFTextStripper().getText(pdf)).isEqualTo("""
                    Vendor export
                    External Id Name
                    t-1 Thai \uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD Co
                    t-2 Smile \uD83D\uDE00 \uFFFD Ltd
                    t-3 Ærø 华为 삼성
                    Page 1 of 1
                    """);
        }
    }

    /** The names of the fonts the pages use (a subset's name starts with six capitals and a plus). */
    static List<String> fontNames(PDDocument pdf) throws IOException {
        List<String> names = new ArrayList<>();
        for (var page : pdf.getPages()) {
            for (var name : page.getResources().getFontNames()) {
                names.add(page.getResources().getFont(name).getName());
            }
        }
        return names;
    }

    static boolean landscape(PDDocument pdf) {
        var page = pdf.getPage(0);
        boolean turned = page.getRotation() % 180 == 90;
        float w = page.getMediaBox().getWidth();
        float h = page.getMediaBox().getHeight();
        return turned ? h > w : w > h;
    }

    // ---- errors

    @Test
    void badRequestsAnswerInTheEnvelopeWithAStableCodeNamingTheProblem() {
        record Case(String path, String body, int status, String code, String message) {}
        List<Case> cases = List.of(
                new Case("/v1/modules/widgets/export", "{\"format\": \"csv\"}", 404, "module_not_found",
                        "Module not found: \"widgets\""),
                new Case("/v1/modules/vendor/export", "{\"format\": \"docx\"}", 400, "invalid_format",
                        "format must be one of csv, xlsx, pdf, json, ndjson, got \"docx\""),
                new Case("/v1/modules/vendor/export", "{}", 400, "invalid_format",
                        "format is required: one of csv, xlsx, pdf, json, ndjson"),
                new Case("/v1/modules/vendor/export", "{\"format\": \"csv\", \"config\": {\"colums\": []}}", 400,
                        "unknown_option", null),
                new Case("/v1/modules/vendor/export", "{\"format\": \"csv\", \"config\": {\"columns\": [\"displayName\"]}}",
                        400, "unknown_column", null),
                new Case("/v1/modules/vendor/export", "{\"format\": \"csv\", \"config\": {\"sortField\": \"nope\"}}",
                        400, "unknown_sort_field", null),
                new Case("/v1/modules/vendor/export", "{\"format\": \"csv\", \"config\": {\"sortField\": \"dependent_services\"}}",
                        400, "invalid_sort_field", null),
                new Case("/v1/modules/vendor/export", "{\"format\": \"csv\", \"config\": {\"sortDirection\": \"up\"}}",
                        400, "invalid_sort_direction", "sortDirection must be asc or desc, got \"up\""),
                new Case("/v1/modules/vendor/export", "{\"format\": \"csv\", \"config\": {\"filters\": [{\"field\": \"x\"}]}}",
                        400, "unknown_filter_field", null),
                new Case("/v1/modules/vendor/export", "{\"format\": \"csv\", \"config\": {\"filters\": [{\"field\":"
                        + " \"raw_irq_score\", \"value\": \"high\"}]}}", 400, "invalid_filter",
                        "Filter on \"raw_irq_score\": raw_irq_score: expected a number, got \"high\""),
                new Case("/v1/modules/vendor/export", "{\"format\": \"csv\", \"config\": {\"limit\": 100001}}", 400,
                        "invalid_limit", "limit must be from 1 to 100,000, got 100001"),
                new Case("/v1/modules/vendor/export", "{\"format\": \"csv\", \"config\": {\"dateFormat\": \"yyyy-bb\"}}",
                        400, "invalid_date_format", null),
                new Case("/v1/reports/rpt_nothing/export", "{\"format\": \"csv\"}", 404, "report_not_found",
                        "Report not found: \"rpt_nothing\""));
        for (Case c : cases) {
            HttpResponse<byte[]> r = export(c.path(), c.body());
            JsonNode j = json(r);
            assertThat(r.statusCode()).as(c.body()).isEqualTo(c.status());
            assertThat(j.get("success").asBoolean()).isFalse();
            assertThat(j.at("/error/code").asString()).as(c.body()).isEqualTo(c.code());
            if (c.message() != null) {
                assertThat(j.at("/error/message").asString()).isEqualTo(c.message());
            }
        }
        assertThat(http.get("/v1/export-jobs/exp_nothing").at("/error/code")).isEqualTo("export_job_not_found");
        String readOnly = tenant.key(dev.freight.store.KeyKind.SERVICE_ACCOUNT, java.util.Set.of(dev.freight.store.Scope.READ));
        Response denied = tenant.http(readOnly).post("/v1/modules/vendor/export", "{\"format\": \"csv\"}");
        assertThat(denied.status()).isEqualTo(403);
        assertThat(denied.at("/error/code")).isEqualTo("insufficient_scope");
    }

    /**
     * The body of an export, a report's export and a saved report's create and replace is required: an empty one
     * (none, nothing or blank space, whatever its Content-Type, or {@code null}) is 400 naming the member it lacks.
     * Before, blank space was 422 {@code malformed_body} and an empty {@code text/plain} body 415. A body with content
     * in another type is still 415, an array 422.
     */
    @Test
    void anEmptyBodyAnswers400NamingWhatItLacksWhateverItsContentType() {
        String id = http.post("/v1/reports", "{\"name\": \"R\", \"module\": \"vendors\"}").at("/data/reportId");
        String format = "400 {\"success\":false,\"error\":{\"code\":\"invalid_format\",\"message\":\"format is"
                + " required: one of csv, xlsx, pdf, json, ndjson\"}}";
        String name = "400 {\"success\":false,\"error\":{\"code\":\"invalid_report\",\"message\":\"name is"
                + " required\"}}";
        String array = "422 {\"success\":false,\"error\":{\"code\":\"malformed_body\",\"message\":\"The request"
                + " body is not valid JSON of the expected shape\"}}";
        String text = "415 {\"success\":false,\"error\":{\"code\":\"unsupported_media_type\",\"message\":"
                + "\"Content-Type text/plain is not supported here; send application/json\"}}";
        Map<String, String> routes = new LinkedHashMap<>();
        routes.put("POST /v1/modules/vendors/export", format);
        routes.put("POST /v1/reports/" + id + "/export", format);
        routes.put("POST /v1/reports", name);
        routes.put("PUT /v1/reports/" + id, name);
        routes.forEach((route, lacking) -> {
            String[] methodAndPath = route.split(" ");
            assertThat(EmptyBodyRequests.answers(http, methodAndPath[0], methodAndPath[1])).as(route)
                    .isEqualTo(EmptyBodyRequests.each(lacking));
            Response jsonNull = http.send(methodAndPath[0], methodAndPath[1], "null");
            assertThat(jsonNull.status() + " " + jsonNull.body()).as(route).isEqualTo(lacking);
            Response jsonArray = http.send(methodAndPath[0], methodAndPath[1], "[]");
            assertThat(jsonArray.status() + " " + jsonArray.body()).as(route).isEqualTo(array);
            HttpResponse<byte[]> plain = send(HttpRequest.newBuilder(URI.create(server.baseUrl() + methodAndPath[1]))
                    .header("Authorization", "Bearer " + tenant.adminKey()).header("Content-Type", "text/plain")
                    .method(methodAndPath[0], HttpRequest.BodyPublishers.ofString("{\"format\": \"csv\"}")).build());
            assertThat(plain.statusCode() + " " + text(plain)).as(route).isEqualTo(text);
        });
        assertThat(http.get("/v1/reports/" + id).at("/data/name")).isEqualTo("R");
    }

    // ---- saved reports

    @Test
    void savedReportsAreCreatedListedUpdatedExportedAndDeleted() throws IOException {
        vendors();
        Response created = http.post("/v1/reports", """
                {"name": "Active vendors", "module": "vendors", "columns": ["external_id", "name", "raw_irq_score"],
                 "columnLabels": {"raw_irq_score": "Risk"},
                 "filters": [{"field": "status", "operator": "equals", "value": "active"}],
                 "sortField": "raw_irq_score", "sortDirection": "asc"}""");

        assertThat(created.status()).isEqualTo(201);
        String id = created.at("/data/reportId");
        assertThat(id).startsWith("rpt_");
        assertThat(created.at("/data/module")).isEqualTo("vendor");
        assertThat(created.at("/data/accountId")).isEqualTo(tenant.organizationId());
        assertThat(http.get("/v1/reports").at("/data/0/name")).isEqualTo("Active vendors");
        assertThat(http.get("/v1/reports/" + id).at("/data/columnLabels/raw_irq_score")).isEqualTo("Risk");

        HttpResponse<byte[]> csv = export("/v1/reports/" + id + "/export", "{\"format\": \"csv\"}");
        assertThat(text(csv)).isEqualTo("External Id,Name,Risk\r\nv-4,Delta,40\r\nv-1,Acme,85.5\r\n");
        assertThat(csv.headers().firstValue("Content-Disposition")).hasValue("attachment; filename=\"active-vendors-export-"
                + LocalDate.now(ZoneOffset.UTC) + ".csv\"");
        HttpResponse<byte[]> narrowed = export("/v1/reports/" + id + "/export", "{\"format\": \"csv\", \"config\":"
                + " {\"includeHeaders\": false, \"filters\": [{\"field\": \"raw_irq_score\", \"operator\": \"range\","
                + " \"from\": 50}]}}");
        assertThat(text(narrowed)).isEqualTo("v-1,Acme,85.5\r\n");
        HttpResponse<byte[]> pdf = export("/v1/reports/" + id + "/export", "{\"format\": \"pdf\", \"config\":"
                + " {\"title\": \"Q4 Sales Report\", \"description\": \"Generated for quarterly review\"}}");
        try (PDDocument doc = Loader.loadPDF(pdf.body())) {
            assertThat(new PDFTextStripper().getText(doc)).startsWith(
                    "Q4 Sales Report\nGenerated for quarterly review\nExternal Id Name Risk\nv-4 Delta 40\n");
        }

        Response updated = http.put("/v1/reports/" + id, "{\"name\": \"All vendors\", \"module\": \"vendor\","
                + " \"columns\": [\"external_id\"]}");
        assertThat(updated.at("/data/name")).isEqualTo("All vendors");
        assertThat(text(export("/v1/reports/" + id + "/export", "{\"format\": \"csv\"}")))
                .isEqualTo("External Id\r\nv-1\r\nv-2\r\nv-3\r\nv-4\r\n");
        assertThat(http.post("/v1/reports", "{\"name\": \"Bad\", \"module\": \"vendor\", \"columns\": [\"nope\"]}")
                .at("/error/code")).isEqualTo("unknown_column");

        assertThat(http.delete("/v1/reports/" + id).at("/data/deleted")).isEqualTo("true");
        assertThat(http.get("/v1/reports/" + id).status()).isEqualTo(404);
    }

    @Test
    void aReportExportWithOtherColumnsDropsTheReportsLabelsOfColumnsItLeavesOut() {
        vendors();
        String id = http.post("/v1/reports", """
                {"name": "Vendors", "module": "vendor", "columns": ["external_id", "name"],
                 "columnLabels": {"name": "Vendor", "external_id": "Key"}}""").at("/data/reportId");

        HttpResponse<byte[]> csv = export("/v1/reports/" + id + "/export", "{\"format\": \"csv\", \"config\":"
                + " {\"columns\": [\"external_id\", \"status\"], \"limit\": 1}}");
        HttpResponse<byte[]> badLabel = export("/v1/reports/" + id + "/export", "{\"format\": \"csv\", \"config\":"
                + " {\"columns\": [\"external_id\"], \"columnLabels\": {\"status\": \"State\"}}}");

        assertThat(text(csv)).isEqualTo("Key,Status\r\nv-1,active\r\n");
        assertThat(badLabel.statusCode()).isEqualTo(400);
        assertThat(json(badLabel).at("/error/code").asString()).isEqualTo("unknown_column");
    }

    @Test
    void aSavedReportsViewCanBePutBackAsItIs() {
        String id = http.post("/v1/reports", """
                {"name": "Active vendors", "module": "vendors", "columns": ["external_id", "name"],
                 "filters": [{"field": "status", "value": "active"},
                             {"field": "raw_irq_score", "operator": "range", "from": 10}]}""").at("/data/reportId");
        Response got = http.get("/v1/reports/" + id);
        JsonNode view = got.json().get("data");

        Response put = http.put("/v1/reports/" + id, view.toString());

        assertThat(view.get("filters").toString()).isEqualTo("[{\"field\":\"status\",\"value\":\"active\"},"
                + "{\"field\":\"raw_irq_score\",\"operator\":\"range\",\"from\":10}]");
        assertThat(put.status()).as(put.body()).isEqualTo(200);
        assertThat(put.json().get("data").get("filters")).isEqualTo(view.get("filters"));
        assertThat(put.json().get("data").get("columns")).isEqualTo(view.get("columns"));
        Response other = http.put("/v1/reports/" + id, view.toString().replace(id, "rpt_other"));
        assertThat(other.status()).isEqualTo(400);
        assertThat(other.at("/error/message")).isEqualTo("reportId \"rpt_other\" is not the report of this URL (\""
                + id + "\"); leave it out or send the report's own");
    }

    /**
     * U+0000 in a saved report's name, or in a text an export writes into its file (title, description, a column's
     * label, the date format), is refused alike on both databases. Before, a report named so answered 500 on
     * PostgreSQL, which stores no U+0000 in text, and SQLite saved it; the export options were taken by both.
     */
    @Test
    void aNulCharacterInAReportNameOrAnExportsTextIsRefusedWith400() {
        String nul = " holds a NUL character (U+0000), which cannot be stored";
        Response named = http.post("/v1/reports", "{\"name\": \"Vendors\\u0000\", \"module\": \"vendor\"}");
        assertThat(named.status()).isEqualTo(400);
        assertThat(named.body()).isEqualTo("{\"success\":false,\"error\":{\"code\":\"invalid_report\",\"message\":"
                + "\"name" + nul + "\"}}");
        assertThat(http.get("/v1/reports").json().get("data").size()).isZero();

        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("{\"title\": \"T\\u0000\"}", "config.title");
        cases.put("{\"description\": \"\\u0000\"}", "config.description");
        cases.put("{\"dateFormat\": \"YYYY\\u0000\"}", "config.dateFormat");
        cases.put("{\"columns\": [\"name\"], \"columnLabels\": {\"name\": \"N\\u0000\"}}", "config.columnLabels.name");
        cases.forEach((config, where) -> {
            HttpResponse<byte[]> r = export("/v1/modules/vendor/export", "{\"format\": \"xlsx\", \"async\": true,"
                    + " \"config\": " + config + "}");
            assertThat(r.statusCode()).as(config).isEqualTo(400);
            assertThat(text(r)).as(config).isEqualTo("{\"success\":false,\"error\":{\"code\":"
                    + "\"invalid_export_config\",\"message\":\"" + where + nul + "\"}}");
        });
        assertThat(http.get("/v1/export-jobs").json().at("/data/jobs").size()).isZero();
    }

    @Test
    void aFilterWithValuesButNoOperatorSaysValuesNeedsOperatorIn() {
        HttpResponse<byte[]> r = export("/v1/modules/vendors/export", "{\"format\": \"csv\", \"config\": {\"filters\":"
                + " [{\"field\": \"status\", \"values\": [\"active\", \"onboarding\"]}]}}");

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(text(r)).isEqualTo("{\"success\":false,\"error\":{\"code\":\"invalid_filter\",\"message\":\"Filter"
                + " on \\\"status\\\": values needs \\\"operator\\\": \\\"in\\\" (the default operator, equals, takes one"
                + " value)\"}}");
    }

    @Test
    void aMethodTheExportFaceDoesNotServeIs405InItsEnvelope() {
        Response post = http.post("/v1/export-jobs/exp_00000000000000000000000000000000", "{}");
        Response delete = http.delete("/v1/export-jobs");
        Response report = http.post("/v1/reports/rpt_x", "{}");

        assertThat(post.status()).isEqualTo(405);
        assertThat(post.body()).isEqualTo("{\"success\":false,\"error\":{\"code\":\"method_not_allowed\",\"message\":"
                + "\"POST is not supported here; use [GET]\"}}");
        assertThat(delete.status()).isEqualTo(405);
        assertThat(delete.at("/success")).isEqualTo("false");
        assertThat(report.status()).isEqualTo(405);
        assertThat(report.at("/success")).isEqualTo("false");
    }

    // ---- export jobs

    JsonNode awaitJob(String id) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline)) {
            Response r = http.get("/v1/export-jobs/" + id);
            String status = r.at("/data/status");
            if (List.of("completed", "failed", "expired").contains(status)) {
                return r.json().get("data");
            }
            sleep(100);
        }
        throw new AssertionError("export job " + id + " did not finish within 60 s");
    }

    /**
     * A text over Excel's 32,767 characters per cell met before the first bytes went out is a 400 {@code cell_too_long};
     * met once the download is under way (here after 4,000 rows), the connection is cut before the end of the chunked
     * body, so the client sees a failed transfer rather than a complete-looking file, and the server logs it once, as a
     * warning (no internal_error, no stack traces of failed error handlers).
     */
    @Test
    void anImmediateXlsxExportMeetingATooLongCellAfterItsFirstBytesEndsAsAFailedTransfer() throws Exception {
        List<RecordWrite> many = new ArrayList<>();
        for (int i = 0; i < 4_000; i++) {
            many.add(new RecordWrite("v-%05d".formatted(i), values("name", "Vendor " + i, "status", "active",
                    "description", "Row " + i + " of the export, with a few words to make it longer")));
        }
        Database db = server.bean(Database.class);
        db.inTransaction(h -> server.bean(RecordStore.class).upsert(h, tenant.organizationId(), BuiltInObjects.VENDOR,
                many));
        sleep(3);
        seed(tenant, BuiltInObjects.VENDOR, List.of(new RecordWrite("v-long", values("name", "Long", "status",
                "active", "description", "z".repeat(40_000)))));
        String columns = "\"columns\": [\"external_id\", \"name\", \"description\"]";
        HttpResponse<byte[]> first = export("/v1/modules/vendors/export", "{\"format\": \"xlsx\", \"config\": {"
                + columns + ", \"sortField\": \"external_id\", \"sortDirection\": \"desc\"}}");
        assertThat(first.statusCode()).isEqualTo(400);
        assertThat(json(first).at("/error/code").asString()).isEqualTo("cell_too_long");
        assertThat(json(first).at("/error/message").asString()).isEqualTo("Record v-long: description has 40,000"
                + " characters, but an XLSX cell holds at most 32,767; export it as CSV or JSON");

        HttpRequest late = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/modules/vendors/export"))
                .header("Authorization", "Bearer " + tenant.adminKey())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"format\": \"xlsx\", \"config\": {" + columns
                        + "}}")).build();
        try (CapturedLog logged = CapturedLog.attach()) {
            HttpResponse<java.io.InputStream> streamed = RAW.send(late, HttpResponse.BodyHandlers.ofInputStream());
            assertThat(streamed.statusCode()).isEqualTo(200);
            assertThat(streamed.headers().firstValue("Transfer-Encoding")).hasValue("chunked");
            try (java.io.InputStream body = streamed.body()) {
                org.assertj.core.api.Assertions.assertThatThrownBy(body::readAllBytes).isInstanceOf(IOException.class);
            }
            logged.awaitFirst();
            assertThat(logged.lines()).containsExactly("WARN dev.freight.api.ExportController: An"
                    + " immediate export was cut off after its first bytes: Record v-long: description has 40,000"
                    + " characters, but an XLSX cell holds at most 32,767; export it as CSV or JSON (cell_too_long)");
        }
    }

    /**
     * A cell too long for XLSX names its record by its external_id (its id when it has none) also when the export's
     * columns leave both out. Before, the message read {@code Record null: …}.
     */
    @Test
    void aTooLongXlsxCellNamesItsRecordWhenTheColumnsLeaveItsKeysOut() {
        seed(tenant, BuiltInObjects.VENDOR, List.of(new RecordWrite("v-long", values("name", "Long", "status",
                "active", "description", "z".repeat(40_000)))));

        HttpResponse<byte[]> refused = export("/v1/modules/vendors/export", "{\"format\": \"xlsx\", \"config\":"
                + " {\"columns\": [\"name\", \"description\"]}}");

        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(json(refused).at("/error/message").asString()).isEqualTo("Record v-long: description has 40,000"
                + " characters, but an XLSX cell holds at most 32,767; export it as CSV or JSON");
    }

    /**
     * A report's file name keeps the base letter of accented Latin letters ({@code Données clés} → {@code donnees-cles})
     * and the letters of other scripts; a name that is not ASCII goes in {@code filename*} (RFC 5987) beside an ASCII
     * {@code filename}, and an export job's signed URL carries it percent-encoded.
     */
    @Test
    void reportFileNamesKeepTheirLettersAndAreSentAsRfc5987WhenNotAscii() {
        vendors();
        String date = LocalDate.now(ZoneOffset.UTC).toString();
        String latin = http.post("/v1/reports", "{\"name\": \"Données clés: Straße, Łódź & Ærø\", \"module\": \"vendors\","
                + " \"columns\": [\"external_id\"]}").at("/data/reportId");
        String other = http.post("/v1/reports", "{\"name\": \"Отчёт Q1 — 売上\", \"module\": \"vendors\","
                + " \"columns\": [\"external_id\"]}").at("/data/reportId");
        String none = http.post("/v1/reports", "{\"name\": \"«—»\", \"module\": \"vendors\","
                + " \"columns\": [\"external_id\"]}").at("/data/reportId");

        assertThat(export("/v1/reports/" + latin + "/export", "{\"format\": \"csv\"}").headers()
                .firstValue("Content-Disposition"))
                .hasValue("attachment; filename=\"donnees-cles-strasse-lodz-aero-export-" + date + ".csv\"");
        assertThat(export("/v1/reports/" + none + "/export", "{\"format\": \"csv\"}").headers()
                .firstValue("Content-Disposition")).hasValue("attachment; filename=\"report-export-" + date + ".csv\"");
        String encoded = "%D0%BE%D1%82%D1%87%D1%91%D1%82-q1-%E5%A3%B2%E4%B8%8A-export-" + date + ".csv";
        HttpResponse<byte[]> immediate = export("/v1/reports/" + other + "/export", "{\"format\": \"csv\"}");
        assertThat(immediate.statusCode()).isEqualTo(200);
        assertThat(immediate.headers().firstValue("Content-Disposition")).hasValue("attachment; filename=\"q1-export-"
                + date + ".csv\"; filename*=UTF-8''" + encoded);

        HttpResponse<byte[]> accepted = export("/v1/reports/" + other + "/export", "{\"format\": \"csv\","
                + " \"async\": true}");
        assertThat(accepted.statusCode()).isEqualTo(202);
        JsonNode done = awaitJob(json(accepted).at("/data/exportJobId").asString());
        assertThat(done.get("sourceType").asString()).isEqualTo("report");
        assertThat(done.get("sourceId").asString()).isEqualTo(other);
        assertThat(done.get("fileName").asString()).isEqualTo("отчёт-q1-売上-export-" + date + ".csv");
        String url = done.get("fileUrl").asString();
        assertThat(url).matches("http://127\\.0\\.0\\.1:\\d+/files/exports/exp_[0-9a-f]{32}/" + encoded
                .replace(".", "\\.") + "\\?expires=\\d+&signature=[0-9a-f]{64}");
        HttpResponse<byte[]> file = get(url);
        assertThat(file.statusCode()).as(text(file)).isEqualTo(200);
        assertThat(file.headers().firstValue("Content-Disposition")).hasValue("attachment; filename=\"q1-export-"
                + date + ".csv\"; filename*=UTF-8''" + encoded);
        assertThat(file.body()).isEqualTo(immediate.body());
    }

    /**
     * A report's file name is at most 255 bytes in UTF-8, extension included, as most file systems require: a long
     * name is cut at a hyphen (whole words), or, where a hyphen would keep less than half, after the last whole
     * character: never inside a surrogate pair (𠀀 is four bytes) nor between a letter and its mark (а́ is four).
     */
    @Test
    void aLongReportNameIsCutToAFileNameOf255BytesAtAWordOrAWholeCharacter() {
        vendors();
        String date = LocalDate.now(ZoneOffset.UTC).toString();
        String words = report("Vendors " + "abcdefghi ".repeat(30));
        String astral = report("𠀀".repeat(70));
        String marked = report("x " + "а́".repeat(70));

        String cutAtAWord = "vendors-" + "abcdefghi-".repeat(21) + "abcdefghi-export-" + date + ".csv";
        assertThat(cutAtAWord.getBytes(StandardCharsets.UTF_8)).hasSize(249);
        assertThat(disposition(words)).isEqualTo("attachment; filename=\"" + cutAtAWord + "\"");
        // 22 bytes of suffix leave 233: 58 whole characters of four bytes.
        assertThat(disposition(astral)).isEqualTo("attachment; filename=\"export-" + date + ".csv\"; filename*=UTF-8''"
                + "%F0%A0%80%80".repeat(58) + "-export-" + date + ".csv");
        // "x-" and 57 letters with their marks (230 bytes); the next letter would fit without its mark.
        assertThat(disposition(marked)).isEqualTo("attachment; filename=\"x-export-" + date + ".csv\";"
                + " filename*=UTF-8''x-" + "%D0%B0%CC%81".repeat(57) + "-export-" + date + ".csv");

        HttpResponse<byte[]> accepted = export("/v1/reports/" + astral + "/export", "{\"format\": \"csv\","
                + " \"async\": true}");
        assertThat(accepted.statusCode()).isEqualTo(202);
        JsonNode done = awaitJob(json(accepted).at("/data/exportJobId").asString());
        assertThat(done.get("fileName").asString()).isEqualTo("𠀀".repeat(58) + "-export-" + date + ".csv");
    }

    private String report(String name) {
        return http.post("/v1/reports", "{\"name\": \"" + name + "\", \"module\": \"vendors\","
                + " \"columns\": [\"external_id\"]}").at("/data/reportId");
    }

    private String disposition(String reportId) {
        HttpResponse<byte[]> r = export("/v1/reports/" + reportId + "/export", "{\"format\": \"csv\"}");
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        return r.headers().firstValue("Content-Disposition").orElseThrow();
    }

    @Test
    void anAsyncExportBecomesAJobWhoseSignedFileMatchesTheImmediateExportAndExpires() {
        vendors();
        String request = "{\"format\": \"csv\", \"config\": {\"columns\": [\"external_id\", \"name\"]}";
        HttpResponse<byte[]> accepted = export("/v1/modules/vendors/export", request + ", \"async\": true}");

        assertThat(accepted.statusCode()).isEqualTo(202);
        JsonNode queued = json(accepted).get("data");
        String id = queued.get("exportJobId").asString();
        assertThat(accepted.headers().firstValue("Location")).hasValue("/v1/export-jobs/" + id);
        assertThat(queued.get("sourceType").asString()).isEqualTo("module");
        assertThat(queued.get("sourceId").asString()).isEqualTo("mod_vendors");
        JsonNode done = awaitJob(id);
        assertThat(done.propertyNames()).contains("exportJobId", "accountId", "sourceId", "sourceType", "format",
                "status", "progress", "fileName", "fileUrl", "fileSizeBytes", "contentType", "requestedDateTime",
                "completedDateTime", "expiresDateTime");
        assertThat(done.get("status").asString()).isEqualTo("completed");
        assertThat(done.get("progress").asInt()).isEqualTo(100);
        assertThat(done.get("accountId").asString()).isEqualTo(tenant.organizationId());
        assertThat(done.get("format").asString()).isEqualTo("csv");
        assertThat(done.get("contentType").asString()).isEqualTo("text/csv; charset=utf-8");
        assertThat(done.get("fileName").asString()).isEqualTo("vendors-export-" + LocalDate.now(ZoneOffset.UTC) + ".csv");
        Instant completed = Instant.parse(done.get("completedDateTime").asString());
        assertThat(Instant.parse(done.get("expiresDateTime").asString())).isEqualTo(completed.plus(Duration.ofHours(24)));
        String url = done.get("fileUrl").asString();
        assertThat(url).matches("http://127\\.0\\.0\\.1:\\d+/files/exports/exp_[0-9a-f]{32}/vendors-export-[0-9-]+\\.csv"
                + "\\?expires=\\d+&signature=[0-9a-f]{64}");

        HttpResponse<byte[]> file = get(url);
        assertThat(file.statusCode()).isEqualTo(200);
        assertThat(file.headers().firstValue("Content-Disposition")).hasValue("attachment; filename=\""
                + done.get("fileName").asString() + "\"");
        byte[] immediate = export("/v1/modules/vendors/export", request + "}").body();
        assertThat(file.body()).isEqualTo(immediate);
        assertThat(done.get("fileSizeBytes").asLong()).isEqualTo(immediate.length);
        assertThat(http.get("/v1/export-jobs?limit=10").at("/jobs/0/exportJobId")).isEqualTo(id);
        HttpResponse<byte[]> tampered = get(url.substring(0, url.length() - 1) + (url.endsWith("0") ? "1" : "0"));
        assertThat(tampered.statusCode()).isEqualTo(403);
        assertThat(text(tampered)).isEqualTo("{\"success\":false,\"error\":{\"code\":\"invalid_signature\","
                + "\"message\":\"This URL's signature is not valid (was it changed?); get a fresh one from the export"
                + " job (GET /v1/export-jobs/{exportJobId})\"}}");
        // The signature is checked first, so a made-up job id tells nothing about which jobs exist.
        HttpResponse<byte[]> unknown = get(url.replace(id, "exp_00000000000000000000000000000000"));
        assertThat(unknown.statusCode()).isEqualTo(403);
        assertThat(json(unknown).at("/error/code").asString()).isEqualTo("invalid_signature");

        // Past its expiry and not swept yet: the job already says expired, and its URL answers 410.
        server.bean(Database.class).inTransaction(h -> h.update("update export_jobs set expires_at = ? where id = ?",
                Instant.now().minusSeconds(1).toEpochMilli(), id));
        JsonNode lapsed = http.get("/v1/export-jobs/" + id).json().get("data");
        assertThat(lapsed.get("status").asString()).isEqualTo("expired");
        assertThat(lapsed.get("fileUrl").isNull()).isTrue();
        assertThat(http.get("/v1/export-jobs?limit=10").at("/jobs/0/status")).isEqualTo("expired");

        int swept = server.bean(ExportTasks.class).sweep(Instant.now().plus(Duration.ofHours(25)));

        assertThat(swept).isGreaterThanOrEqualTo(1);
        HttpResponse<byte[]> gone = get(url);
        assertThat(gone.statusCode()).isEqualTo(410);
        assertThat(json(gone).at("/error/code").asString()).isEqualTo("export_file_expired");
        assertThat(json(gone).at("/error/message").asString()).startsWith("Export file has expired");
        JsonNode expired = http.get("/v1/export-jobs/" + id).json().get("data");
        assertThat(expired.get("status").asString()).isEqualTo("expired");
        assertThat(expired.get("fileUrl").isNull()).isTrue();
    }

    /**
     * A validly signed URL of a job that is not completed (queued, or still running) is 409 export_not_ready; one past
     * its time whose job has been deleted is 403 url_expired (with the job still there it is 410, above).
     */
    @Test
    void aJobNotCompletedIs409NotReadyAndAnExpiredUrlOfADeletedJobIs403UrlExpired() throws Exception {
        vendors();
        HttpResponse<byte[]> accepted = export("/v1/modules/vendors/export", "{\"format\": \"csv\", \"async\": true}");
        JsonNode done = awaitJob(json(accepted).at("/data/exportJobId").asString());
        String id = done.get("exportJobId").asString();
        String url = done.get("fileUrl").asString();
        Database db = server.bean(Database.class);

        for (String status : List.of("queued", "processing")) {
            db.inTransaction(h -> h.update("update export_jobs set status = ? where id = ?", status, id));

            HttpResponse<byte[]> notReady = get(url);

            assertThat(notReady.statusCode()).as(status).isEqualTo(409);
            assertThat(text(notReady)).isEqualTo("{\"success\":false,\"error\":{\"code\":\"export_not_ready\","
                    + "\"message\":\"The export is " + status + "; its file is not ready\"}}");
        }

        db.inTransaction(h -> h.update("delete from export_jobs where id = ?", id));
        long past = Instant.now().minusSeconds(60).getEpochSecond();
        String path = ExportUrls.path(id, done.get("fileName").asString());
        HttpResponse<byte[]> expired = get(server.baseUrl() + path + "?expires=" + past + "&signature="
                + ImportsApiContract.hmac("GET " + path + " " + past));

        assertThat(expired.statusCode()).isEqualTo(403);
        assertThat(text(expired)).isEqualTo("{\"success\":false,\"error\":{\"code\":\"url_expired\",\"message\":"
                + "\"This URL expired at " + Instant.ofEpochSecond(past) + "; get a fresh one from the export job"
                + " (GET /v1/export-jobs/{exportJobId})\"}}");
        HttpResponse<byte[]> gone = get(url);
        assertThat(gone.statusCode()).isEqualTo(404);
        assertThat(json(gone).at("/error/code").asString()).isEqualTo("export_job_not_found");
    }

    @Test
    void aJobFileMissingBeforeItsExpiryIsNotCalledExpired() throws IOException {
        vendors();
        HttpResponse<byte[]> accepted = export("/v1/modules/vendors/export", "{\"format\": \"csv\", \"async\": true}");
        JsonNode done = awaitJob(json(accepted).at("/data/exportJobId").asString());
        String id = done.get("exportJobId").asString();
        // A data directory restored without its exports/ folder, or a file an operator removed.
        Files.delete(server.bean(ExportFiles.class).path(id, ExportFormat.CSV));

        HttpResponse<byte[]> missing = get(done.get("fileUrl").asString());

        assertThat(missing.statusCode()).isEqualTo(410);
        assertThat(text(missing)).isEqualTo("{\"success\":false,\"error\":{\"code\":\"export_file_expired\","
                + "\"message\":\"Export file is no longer on the server, though it was to be kept until "
                + done.get("expiresDateTime").asString() + "; run the export again\"}}");
    }

    @Test
    void aJobWhoseFileIsMissingBeforeItsExpiryIsListedExpiredWithoutAFileUrlSayingWhy() throws IOException {
        vendors();
        HttpResponse<byte[]> accepted = export("/v1/modules/vendors/export", "{\"format\": \"csv\", \"async\": true}");
        JsonNode done = awaitJob(json(accepted).at("/data/exportJobId").asString());
        String id = done.get("exportJobId").asString();
        assertThat(done.get("status").asString()).isEqualTo("completed");
        // A data directory restored without its exports/ folder, or a file an operator removed.
        Files.delete(server.bean(ExportFiles.class).path(id, ExportFormat.CSV));

        JsonNode one = http.get("/v1/export-jobs/" + id).json().get("data");
        JsonNode listed = http.get("/v1/export-jobs?limit=1").json().get("jobs").get(0);

        String why = "Export file is no longer on the server, though it was to be kept until "
                + done.get("expiresDateTime").asString() + "; run the export again";
        for (JsonNode job : List.of(one, listed)) {
            assertThat(job.get("exportJobId").asString()).isEqualTo(id);
            assertThat(job.get("status").asString()).isEqualTo("expired");
            assertThat(job.get("fileUrl").isNull()).isTrue();
            assertThat(job.get("error").asString()).isEqualTo(why);
            assertThat(job.get("fileName").asString()).isEqualTo(done.get("fileName").asString());
            assertThat(job.get("fileSizeBytes").asLong()).isEqualTo(done.get("fileSizeBytes").asLong());
            assertThat(job.get("expiresDateTime").asString()).isEqualTo(done.get("expiresDateTime").asString());
        }
        HttpResponse<byte[]> download = get(done.get("fileUrl").asString());
        assertThat(download.statusCode()).isEqualTo(410);
        assertThat(json(download).at("/error/message").asString()).isEqualTo(why);
    }

    /**
     * An immediate export's X-Record-Count is the number of records in its body, though records are created and
     * deleted between its count and its stream: both read one snapshot of the database. Before, the count was a query
     * of its own, and the header said 3 of a body that held 4.
     */
    @Test
    void anImmediateExportsRecordCountIsTheRecordsOfItsBodyThoughRecordsChangeAsItStarts() {
        List<StoredRecord> stored = seed(tenant, BuiltInObjects.VENDOR, List.of(
                new RecordWrite("v-1", values("name", "Acme")), new RecordWrite("v-2", values("name", "Bolt")),
                new RecordWrite("v-3", values("name", "Cog"))));
        Database db = server.bean(Database.class);
        RecordStore records = server.bean(RecordStore.class);
        Exporter exporter = server.bean(Exporter.class);
        ExportHooks.afterCount(exporter, () -> db.inTransaction(h -> {
            records.delete(h, tenant.organizationId(), List.of(stored.getFirst().id()));
            return records.upsert(h, tenant.organizationId(), BuiltInObjects.VENDOR, List.of(
                    new RecordWrite("v-4", values("name", "Dyno")), new RecordWrite("v-5", values("name", "Edge"))));
        }));
        HttpResponse<byte[]> exported;
        try {
            exported = export("/v1/modules/vendors/export", "{\"format\": \"csv\", \"config\":"
                    + " {\"columns\": [\"external_id\", \"name\"]}}");
        } finally {
            ExportHooks.clear(exporter);
        }

        assertThat(exported.statusCode()).isEqualTo(200);
        String body = text(exported);
        assertThat(exported.headers().firstValue("X-Record-Count")).as(body)
                .hasValue(String.valueOf(body.lines().count() - 1));
        assertThat(body.lines().skip(1)).containsExactly("v-1,Acme", "v-2,Bolt", "v-3,Cog");
        assertThat(exported.headers().firstValue("X-Record-Count")).hasValue("3");
        assertThat(stored(tenant, BuiltInObjects.VENDOR).stream().map(StoredRecord::externalId))
                .containsExactlyInAnyOrder("v-2", "v-3", "v-4", "v-5");
    }

    @Test
    void anExportOfMoreRecordsThanTheThresholdRunsAsAJob() {
        List<RecordWrite> writes = new ArrayList<>();
        for (int i = 0; i < 10_001; i++) {
            writes.add(new RecordWrite("t-" + i, values("name", "Vendor " + i)));
        }
        server.bean(Database.class).inTransaction(h -> server.bean(RecordStore.class).upsert(h,
                tenant.organizationId(), BuiltInObjects.VENDOR, writes));

        HttpResponse<byte[]> big = export("/v1/modules/vendors/export", "{\"format\": \"xlsx\"}");
        HttpResponse<byte[]> limited = export("/v1/modules/vendors/export", "{\"format\": \"csv\", \"config\":"
                + " {\"limit\": 10000, \"columns\": [\"external_id\"]}}");

        assertThat(big.statusCode()).isEqualTo(202);
        assertThat(json(big).at("/data/recordCount").asLong()).isEqualTo(10_001);
        assertThat(limited.statusCode()).isEqualTo(200);
        assertThat(text(limited).split("\r\n")).hasSize(10_001);
        assertThat(limited.headers().firstValue("X-Record-Count")).hasValue("10000");
        HttpResponse<byte[]> forced = export("/v1/modules/vendors/export", "{\"format\": \"csv\", \"async\": false,"
                + " \"config\": {\"columns\": [\"external_id\"]}}");
        assertThat(forced.statusCode()).isEqualTo(200);
        assertThat(text(forced).split("\r\n")).hasSize(10_002);
        assertThat(forced.headers().firstValue("X-Record-Count")).isEmpty();
        JsonNode done = awaitJob(json(big).at("/data/exportJobId").asString());
        assertThat(done.get("status").asString()).isEqualTo("completed");
        assertThat(get(done.get("fileUrl").asString()).headers().firstValue("Content-Type")).hasValue(XLSX_TYPE);
    }

    // ---- round trip through the Imports resource

    static final String ROUND_TRIP_COLUMNS = "[\"external_id\", \"name\", \"website\", \"description\", \"status\","
            + " \"hq_location\", \"raw_irq_score\", \"enterprise\", \"dependent_services\", \"next_assessment_date\"]";

    @Test
    void recordsExportedAsCsvXlsxAndJsonComeBackIdenticalThroughTheImportApi() throws Exception {
        vendors();
        Map<String, Map<String, Value>> original = byExternalId(tenant);
        for (String format : List.of("csv", "xlsx", "json")) {
            HttpResponse<byte[]> file = export("/v1/modules/vendors/export", "{\"format\": \"" + format
                    + "\", \"config\": {\"columns\": " + ROUND_TRIP_COLUMNS + "}}");
            Tenant target = server.newTenant("roundtrip-" + format);
            Response created = target.http().post("/v1/imports", "{\"resource\": \"vendor\"}");
            HttpResponse<byte[]> put = send(HttpRequest.newBuilder(URI.create(created.at("/_upload_url")))
                    .header("Content-Type", file.headers().firstValue("Content-Type").orElseThrow())
                    .header("Content-Disposition", "attachment; filename=\"vendors." + format + "\"")
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(file.body())).build());
            assertThat(put.statusCode()).as(text(put)).isEqualTo(202);
            Response done = awaitImport(target, created.at("/id"));
            assertThat(done.at("/stats/created")).as(format + ": " + done.body()).isEqualTo("4");

            assertThat(byExternalId(target)).as(format).isEqualTo(original);
        }
    }

    static final String CONTACT = """
            {"slug": "liaison", "label": "Liaison", "fields": [
             {"slug": "name", "label": "Name", "type": "text", "required": true},
             {"slug": "phones", "label": "Phones", "type": "phone", "multiple": true},
             {"slug": "emails", "label": "Emails", "type": "email", "multiple": true},
             {"slug": "aliases", "label": "Aliases", "type": "text", "multiple": true},
             {"slug": "address", "label": "Address", "type": "address"}]}""";

    /**
     * Several values in one cell (CSV, XLSX) are written {@code "Mobile: +1 555 0100; 555-0200"}, an address as its
     * labeled parts; a file import reads them back into the same values, labels and parts.
     */
    @Test
    void multiValueLabeledAndAddressFieldsComeBackIdenticalFromCsvXlsxAndJson() throws Exception {
        Response object = http.post("/v1/objects", CONTACT);
        assertThat(object.status()).as(object.body()).isEqualTo(201);
        ObjectDef contact = server.bean(Database.class).withHandle(h -> server.bean(SchemaStore.class)
                .schema(h, tenant.organizationId())).object("liaison").orElseThrow();
        seed(tenant, contact, List.of(
                new RecordWrite("c-1", Map.of("name", new Value.Text("Ana"),
                        "phones", new Value.Many(List.of(new Value.Labeled("Mobile", new Value.Text("+1 555 0100")),
                                new Value.Text("555-0200"), new Value.Labeled("Work", new Value.Text("555-0300")))),
                        "emails", new Value.Many(List.of(new Value.Labeled("Work", new Value.Text("ana@acme.com")),
                                new Value.Text("ana@example.com"))),
                        "aliases", new Value.Many(List.of(new Value.Text("Ana B."), new Value.Text("A, B"))),
                        "address", new Value.Address("1 Main St, Bldg 2", null, "Springfield", "IL", "62704",
                                "US"))),
                new RecordWrite("c-2", Map.of("name", new Value.Text("Bo"),
                        "phones", new Value.Many(List.of(new Value.Text("555-0400")))))));
        Map<String, Map<String, Value>> original = stored(tenant, contact).stream().collect(Collectors.toMap(
                StoredRecord::externalId, StoredRecord::values));
        for (String format : List.of("csv", "xlsx", "json")) {
            HttpResponse<byte[]> file = export("/v1/modules/liaison/export", "{\"format\": \"" + format
                    + "\", \"config\": {\"columns\": [\"external_id\", \"name\", \"phones\", \"emails\","
                    + " \"aliases\", \"address\"]}}");
            assertThat(file.statusCode()).as(text(file)).isEqualTo(200);
            if (format.equals("csv")) {
                assertThat(text(file)).contains(
                        "c-1,Ana,Mobile: +1 555 0100; 555-0200; Work: 555-0300,Work: ana@acme.com; ana@example.com,"
                                + "\"Ana B.; A, B\",\"street: 1 Main St, Bldg 2; city: Springfield; state: IL; zip: 62704;"
                                + " country: US\"\r\n");
            }
            Tenant target = server.newTenant("contacts-" + format);
            assertThat(target.http().post("/v1/objects", CONTACT).status()).isEqualTo(201);
            Response created = target.http().post("/v1/imports", "{\"resource\": \"liaison\"}");
            HttpResponse<byte[]> put = send(HttpRequest.newBuilder(URI.create(created.at("/_upload_url")))
                    .header("Content-Type", file.headers().firstValue("Content-Type").orElseThrow())
                    .header("Content-Disposition", "attachment; filename=\"contacts." + format + "\"")
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(file.body())).build());
            assertThat(put.statusCode()).as(text(put)).isEqualTo(202);
            Response done = awaitImport(target, created.at("/id"));
            assertThat(done.at("/stats/created")).as(format + ": " + done.body()).isEqualTo("2");

            assertThat(stored(target, contact).stream().collect(Collectors.toMap(StoredRecord::externalId,
                    StoredRecord::values))).as(format).isEqualTo(original);
        }
    }

    static final String SITES = """
            {"slug": "site", "label": "Site", "fields": [
             {"slug": "name", "label": "Name", "type": "text", "required": true},
             {"slug": "addresses", "label": "Addresses", "type": "address", "multiple": true}]}""";

    /**
     * Several addresses in one cell are written one per line, each as its labeled parts, so that addresses with
     * different parts ({@code city} alone, then {@code street} and {@code city}) do not run into each other; the
     * export imports back into the same addresses and counts the records unchanged.
     */
    @Test
    void severalAddressesOfOneRecordComeBackAsTheSameAddressesFromCsvXlsxAndJson() throws Exception {
        assertThat(http.post("/v1/objects", SITES).status()).isEqualTo(201);
        ObjectDef site = server.bean(Database.class).withHandle(h -> server.bean(SchemaStore.class)
                .schema(h, tenant.organizationId())).object("site").orElseThrow();
        seed(tenant, site, List.of(
                new RecordWrite("s-1", Map.of("name", new Value.Text("Two offices"), "addresses",
                        new Value.Many(List.of(new Value.Address(null, null, "Springfield", null, null, null),
                        new Value.Address("2 Elm St", null, "Boston", "MA", null, "US"))))),
                new RecordWrite("s-2", Map.of("name", new Value.Text("Street, then city"), "addresses",
                        new Value.Many(List.of(new Value.Address("1 Main St, Bldg 2", null, null, null, null, null),
                                new Value.Address(null, null, "Boston", null, null, null),
                                new Value.Address("3 Oak Rd", "Floor 2", "Salem", "OR", "97301", "US"))))),
                new RecordWrite("s-3", Map.of("name", new Value.Text("One"), "addresses", new Value.Many(List.of(
                        new Value.Address("4 Pine Ave", null, "Austin", "TX", "73301", null)))))));
        Map<String, Map<String, Value>> original = stored(tenant, site).stream().collect(Collectors.toMap(
                StoredRecord::externalId, StoredRecord::values));
        for (String format : List.of("csv", "xlsx", "json")) {
            HttpResponse<byte[]> file = export("/v1/modules/site/export", "{\"format\": \"" + format
                    + "\", \"config\": {\"columns\": [\"external_id\", \"name\", \"addresses\"]}}");
            assertThat(file.statusCode()).as(text(file)).isEqualTo(200);
            if (format.equals("csv")) {
                assertThat(text(file)).isEqualTo("External Id,Name,Addresses\r\n"
                        + "s-1,Two offices,\"city: Springfield\n"
                        + "street: 2 Elm St; city: Boston; state: MA; country: US\"\r\n"
                        + "s-2,\"Street, then city\",\"street: 1 Main St, Bldg 2\ncity: Boston\n"
                        + "street: 3 Oak Rd; street2: Floor 2; city: Salem; state: OR; zip: 97301; country: US\"\r\n"
                        + "s-3,One,street: 4 Pine Ave; city: Austin; state: TX; zip: 73301\r\n");
            }
            Response created = http.post("/v1/imports", "{\"resource\": \"site\"}");
            HttpResponse<byte[]> put = send(HttpRequest.newBuilder(URI.create(created.at("/_upload_url")))
                    .header("Content-Type", file.headers().firstValue("Content-Type").orElseThrow())
                    .header("Content-Disposition", "attachment; filename=\"sites." + format + "\"")
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(file.body())).build());
            assertThat(put.statusCode()).as(text(put)).isEqualTo(202);
            Response done = awaitImport(tenant, created.at("/id"));

            assertThat(done.json().get("stats").toString()).as(format + ": " + done.body()).isEqualTo("{\"read\":3,"
                    + "\"valid\":3,\"created\":0,\"updated\":0,\"unchanged\":3,\"deleted\":0,"
                    + "\"skipped_duplicates\":0,\"failed\":0}");
            assertThat(stored(tenant, site).stream().collect(Collectors.toMap(StoredRecord::externalId,
                    StoredRecord::values))).as(format).isEqualTo(original);
        }
    }

    /**
     * A CSV export puts an apostrophe in front of text a spreadsheet would run as a formula ({@code "'=1+1"}); the
     * CSV reader takes it off again, so the export imports back unchanged, phones starting with {@code +} included.
     */
    @Test
    void formulaLikeTextAndPhonesComeBackUnchangedFromACsvExport() throws Exception {
        assertThat(http.post("/v1/objects", CONTACT).status()).isEqualTo(201);
        ObjectDef contact = server.bean(Database.class).withHandle(h -> server.bean(SchemaStore.class)
                .schema(h, tenant.organizationId())).object("liaison").orElseThrow();
        List<String> names = List.of("=1+1", "+24", "-2+3", "@at", "\t=1+1 tab-led", "'=1+1 with an apostrophe",
                "''+1", "'plain", "=HYPERLINK(\"http://evil.example\",\"click\")");
        List<RecordWrite> writes = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            writes.add(new RecordWrite("c-" + i, Map.of("name", new Value.Text(names.get(i)),
                    "phones", new Value.Many(List.of(new Value.Text("+1 555 0100"))))));
        }
        seed(tenant, contact, writes);
        Map<String, Map<String, Value>> original = stored(tenant, contact).stream().collect(Collectors.toMap(
                StoredRecord::externalId, StoredRecord::values));
        HttpResponse<byte[]> file = export("/v1/modules/liaison/export", "{\"format\": \"csv\", \"config\":"
                + " {\"columns\": [\"external_id\", \"name\", \"phones\"]}}");
        assertThat(text(file)).contains("c-0,\"'=1+1\",\"'+1 555 0100\"\r\n",
                "c-5,\"''=1+1 with an apostrophe\",\"'+1 555 0100\"\r\n", "c-6,\"'''+1\",", "c-7,'plain,");

        Response created = http.post("/v1/imports", "{\"resource\": \"liaison\"}");
        HttpResponse<byte[]> put = send(HttpRequest.newBuilder(URI.create(created.at("/_upload_url")))
                .header("Content-Type", "text/csv")
                .header("Content-Disposition", "attachment; filename=\"liaison.csv\"")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(file.body())).build());
        assertThat(put.statusCode()).as(text(put)).isEqualTo(202);
        Response done = awaitImport(tenant, created.at("/id"));

        assertThat(done.json().get("stats").toString()).as(done.body()).isEqualTo("{\"read\":9,\"valid\":9,"
                + "\"created\":0,\"updated\":0,\"unchanged\":9,\"deleted\":0,\"skipped_duplicates\":0,\"failed\":0}");
        assertThat(stored(tenant, contact).stream().collect(Collectors.toMap(StoredRecord::externalId,
                StoredRecord::values))).isEqualTo(original);
    }

    /**
     * The server's spare pool (an export job's progress saves, a PostgreSQL export's reference look-ups) has as many
     * connections as FREIGHT_DATABASE_SPARE_CONNECTIONS says, 3 on test servers: three callers hold one each at once.
     * Before, the pool had 2 whatever the setting, and the third waited for one of theirs until the pool's time-out.
     */
    @Test
    void theSparePoolHasTheConnectionsItsSettingGivesIt() throws Exception {
        Database db = server.bean(Database.class);
        CountDownLatch holding = new CountDownLatch(TestServer.SPARE_CONNECTIONS);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService callers = Executors.newFixedThreadPool(TestServer.SPARE_CONNECTIONS);
        List<Future<Integer>> answers = new ArrayList<>();
        try {
            for (int i = 0; i < TestServer.SPARE_CONNECTIONS; i++) {
                answers.add(callers.submit(() -> db.withSpareHandle(h -> {
                    holding.countDown();
                    try {
                        assertThat(release.await(120, TimeUnit.SECONDS)).as("released").isTrue();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(e);
                    }
                    return h.queryFirst("select 1", rs -> rs.getInt(1)).orElseThrow();
                })));
            }
            boolean allAtOnce = holding.await(60, TimeUnit.SECONDS);
            release.countDown();

            assertThat(allAtOnce).as("every caller holding a spare connection at once").isTrue();
            for (Future<Integer> answer : answers) {
                assertThat(answer.get(60, TimeUnit.SECONDS)).isEqualTo(1);
            }
        } finally {
            release.countDown();
            callers.shutdownNow();
        }
    }

    Map<String, Map<String, Value>> byExternalId(Tenant t) {
        return stored(t, BuiltInObjects.VENDOR).stream().collect(Collectors.toMap(StoredRecord::externalId,
                StoredRecord::values));
    }

    static Response awaitImport(Tenant t, String id) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline)) {
            Response r = t.http().get("/v1/imports/" + id);
            if (List.of("completed", "failed", "timed_out", "expired").contains(r.at("/status"))) {
                return r;
            }
            sleep(100);
        }
        throw new AssertionError("import " + id + " did not finish");
    }

    static String formatDate(LocalDate d) {
        return d.format(DateTimeFormatter.ISO_LOCAL_DATE);
    }

    /**
     * Seeds accounts a-1 (Acme) and a-3 (Beta), and contacts c-1 (One, of a-1), c-2 (Two, of a-3) and c-3 (Three, of
     * none); returns the accounts.
     */
    private List<StoredRecord> accountsAndTheirContacts() {
        List<StoredRecord> accounts = seed(tenant, BuiltInObjects.ACCOUNT, List.of(
                new RecordWrite("a-1", values("displayName", "Acme")),
                new RecordWrite("a-3", values("displayName", "Beta"))));
        seed(tenant, BuiltInObjects.CONTACT, List.of(
                new RecordWrite("c-1", values("displayName", "One", "account",
                        new Value.Ref("a-1", "account", accounts.get(0).id()))),
                new RecordWrite("c-2", values("displayName", "Two", "account",
                        new Value.Ref("a-3", "account", accounts.get(1).id()))),
                new RecordWrite("c-3", values("displayName", "Three"))));
        return accounts;
    }
}
