package dev.freight.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.jobs.ExportTasks;
import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.Value;
import dev.freight.store.Database;
import dev.freight.store.RecordStore;
import dev.freight.store.RecordWrite;
import dev.freight.store.StoredRecord;
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
                + "\"1 Main St, Springfield, IL 62704, US\"\r\n");
        assertThat(text(json)).isEqualTo("[{\"external_id\":\"c-1\",\"phone\":[{\"type\":\"Mobile\",\"value\":"
                + "\"+30 690 000 0000\"},{\"type\":\"Work\",\"value\":\"+30 210 000 0000\"}],\"account\":\"a-1\","
                + "\"address\":{\"street\":\"1 Main St\",\"city\":\"Springfield\",\"state\":\"IL\",\"zip\":\"62704\","
                + "\"country\":\"US\"}}]");
        assertThat(json.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(text(ndjson)).isEqualTo("{\"external_id\":\"c-1\",\"account\":\"a-1\"}\n");
        assertThat(ndjson.headers().firstValue("Content-Disposition")).hasValue("attachment; filename=\"contact-export-"
                + LocalDate.now(ZoneOffset.UTC) + ".ndjson\"");
    }
}
