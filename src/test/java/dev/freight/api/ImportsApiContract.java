package dev.freight.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.kagkarlsson.scheduler.SchedulerClient;
import dev.freight.engine.ImportPipeline;
import dev.freight.engine.PipelineHooks;
import dev.freight.ingest.Corpora;
import dev.freight.jobs.ImportRetention;
import dev.freight.jobs.ImportTasks;
import dev.freight.jobs.StrandedJobs;
import dev.freight.store.Database;
import dev.freight.store.ImportEnums.PhaseStatus;
import dev.freight.store.ImportEnums.Status;
import dev.freight.store.ImportJob;
import dev.freight.store.ImportStore;
import dev.freight.store.KeyKind;
import dev.freight.store.Scope;
import dev.freight.store.UploadStore;
import dev.freight.store.UploadStoreHooks;
import dev.freight.testing.CapturedLog;
import dev.freight.testing.Http;
import dev.freight.testing.Http.Response;
import dev.freight.testing.TestDatabases;
import dev.freight.testing.TestServer;
import dev.freight.testing.TestServer.Tenant;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The Imports resource of seed 004 over HTTP: create, signed upload, background run, files, cancel, rollback. */
abstract class ImportsApiContract {

    static final String VENDORS = """
            external_id,name,status,raw_irq_score
            v-1,Acme,active,85
            v-2,Beta,onboarding,eighty
            v-3,Gamma,inactive,
            v-4,,active,12
            """;

    abstract TestDatabases database();

    Tenant tenant;
    Http.Client http;
    private static final HttpClient RAW = HttpClient.newHttpClient();

    @BeforeEach
    void newTenant() {
        tenant = TestServer.of(database()).newTenant("imports");
        http = tenant.http();
    }

    /**
     * An empty body (none, nothing or blank space, whatever its Content-Type, or {@code null}) is the empty object:
     * 422 {@code invalid_import} naming the resource it lacks, and no import. Before, 422 {@code malformed_body}
     * naming nothing, and 415 for an empty {@code text/plain} body.
     */
    @Test
    void anEmptyBodyIsAnsweredAsTheEmptyObjectWhateverItsContentType() {
        String lacking = "422 {\"error\":{\"code\":\"invalid_import\",\"message\":\"resource is required: the"
                + " object to import into\"}}";

        assertThat(EmptyBodyRequests.answers(http, "POST", "/v1/imports")).isEqualTo(EmptyBodyRequests.each(lacking));
        Response jsonNull = http.post("/v1/imports", "null");
        assertThat(jsonNull.status() + " " + jsonNull.body()).isEqualTo(lacking);
        assertThat(http.get("/v1/imports").json().get("data").size()).isZero();
    }

    @Test
    void aNewImportIsRequestedWithEverySeedFieldAndASignedUploadUrl() {
        long before = Instant.now().getEpochSecond();
        Response r = http.post("/v1/imports", "{\"resource\": \"vendor\", \"name\": \"Nightly ERP\"}");
        long after = Instant.now().getEpochSecond();

        assertThat(r.status()).isEqualTo(201);
        JsonNode j = r.json();
        assertThat(j.propertyNames()).contains("id", "organization_id", "resource", "upload_mode", "action", "status",
                "duplicate_handling", "reason", "has_upload_file", "has_errors_file", "name", "created_by",
                "column_mapping", "phases", "stats", "created_at", "updated_at", "updated_by", "checksum",
                "_upload_url", "_upload_csv_url", "_upload_json_url", "_errors_csv_url", "_errors_json_url");
        assertThat(r.at("/id")).matches("imp_[0-9a-f]{32}");
        assertThat(r.at("/organization_id")).isEqualTo(tenant.organizationId());
        assertThat(r.at("/status")).isEqualTo("requested");
        assertThat(r.at("/upload_mode")).isEqualTo("async");
        assertThat(r.at("/action")).isEqualTo("merge");
        assertThat(r.at("/duplicate_handling")).isEqualTo("ignore_all");
        assertThat(r.at("/name")).isEqualTo("Nightly ERP");
        assertThat(r.at("/created_by")).startsWith("key_");
        assertThat(r.at("/has_upload_file")).isEqualTo("false");
        assertThat(r.at("/_upload_url")).matches(
                "http://127\\.0\\.0\\.1:\\d+/files/imports/imp_[0-9a-f]{32}/upload\\?expires=\\d+&signature=[0-9a-f]{64}");
        assertThat(r.at("/_errors_csv_url")).isNull();
        // Seed 004's types: times are integers in epoch seconds; the members that do not apply yet are null.
        assertThat(j.get("object").asString()).isEqualTo("import");
        assertThat(j.get("resource").asString()).isEqualTo("vendor");
        assertThat(j.get("created_at").isIntegralNumber()).isTrue();
        assertThat(j.get("created_at").asLong()).isBetween(before, after);
        assertThat(j.get("updated_at").asLong()).isEqualTo(j.get("created_at").asLong());
        assertThat(j.get("updated_by").asString()).isEqualTo(r.at("/created_by"));
        assertThat(j.get("has_errors_file").asBoolean()).isFalse();
        for (String none : List.of("reason", "column_mapping", "checksum", "_upload_csv_url", "_upload_json_url",
                "_errors_json_url")) {
            assertThat(j.get(none).isNull()).as(none).isTrue();
        }
        assertThat(j.get("stats").toString()).isEqualTo("{\"read\":0,\"valid\":0,\"created\":0,\"updated\":0,"
                + "\"unchanged\":0,\"deleted\":0,\"skipped_duplicates\":0,\"failed\":0}");
        List<String> phases = new ArrayList<>();
        j.get("phases").forEach(p -> phases.add(p.get("name").asString() + ":" + p.get("status").asString()));
        assertThat(phases).containsExactly("prevalidation:pending", "preparsing:pending", "transforming:pending",
                "parsing:pending", "validation:pending", "processing:pending", "cleanup:pending");
    }

    /**
     * A method the imports' routes do not serve names the ones they do in alphabetical order, however the JVM
     * started: Spring gave them in the order of a hash map of identity hashes ({@code use [POST, GET]} in some runs).
     * The answer has the Allow header HTTP requires of a 405 (RFC 9110, 15.5.6), which it lacked.
     */
    @Test
    void aMethodTheImportsDoNotServeIs405NamingTheOthersInAlphabeticalOrder() {
        for (String path : List.of("/v1/imports", "/v1/imports/imp_00000000000000000000000000000000")) {
            for (String method : List.of("PUT", "DELETE", "PATCH")) {
                Response r = http.send(method, path, "{}");

                assertThat(r.status()).isEqualTo(405);
                assertThat(r.body()).isEqualTo("{\"error\":{\"code\":\"method_not_allowed\",\"message\":\"" + method
                        + " is not supported here; use [GET, POST]\"}}");
                assertThat(r.raw().headers().allValues("Allow")).containsExactly("GET, POST");
            }
        }
    }

    /**
     * Seed 004: {@code _upload_csv_url} and {@code _upload_json_url} give the original payload as CSV and as JSON,
     * whatever its format: a JSON upload's CSV has every key that occurs as a column, in order of first appearance.
     */
    @Test
    void aJsonUploadsOriginalPayloadIsDownloadedAsCsvAndAsJson() throws Exception {
        String json = "[{\"external_id\": \"v-1\", \"name\": \"Acme\"},"
                + " {\"external_id\": \"v-2\", \"name\": \"Beta, Inc.\", \"status\": \"active\"}]";
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
        upload(created.at("/_upload_url"), json, "application/json", "vendors.json");
        Response done = awaitFinal(created.at("/id"));
        assertThat(done.at("/file_type")).isEqualTo("json");

        HttpResponse<String> csv = get(done.at("/_upload_csv_url"));
        HttpResponse<String> asJson = get(done.at("/_upload_json_url"));

        assertThat(csv.statusCode()).isEqualTo(200);
        assertThat(csv.headers().firstValue("Content-Type")).contains("text/csv;charset=UTF-8");
        assertThat(csv.body()).isEqualTo("external_id,name,status\r\nv-1,Acme,\r\nv-2,\"Beta, Inc.\",active\r\n");
        assertThat(asJson.statusCode()).isEqualTo(200);
        assertThat(asJson.headers().firstValue("Content-Type")).contains("application/json");
        assertThat(asJson.body()).isEqualTo("[{\"external_id\":\"v-1\",\"name\":\"Acme\"},"
                + "{\"external_id\":\"v-2\",\"name\":\"Beta, Inc.\",\"status\":\"active\"}]");
    }

    /**
     * A member of the wrong JSON type is refused naming it and the type it takes, and no import is made. Before, a
     * number or boolean was read as its text: {@code "name": 5} made an import named "5", {@code "upload_mode": true}
     * answered that "true" is no upload mode.
     */
    @Test
    void aMemberOfTheWrongJsonTypeIsRefusedNamingTheTypeItTakes() {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("{\"resource\": \"vendor\", \"name\": 5}", "name must be a string, got 5");
        cases.put("{\"resource\": \"vendor\", \"upload_mode\": true}", "upload_mode must be a string, got true");
        cases.put("{\"resource\": \"vendor\", \"action\": 1.5}", "action must be a string, got 1.5");
        cases.put("{\"resource\": false}", "resource must be a string, got false");
        cases.put("{\"resource\": \"vendor\", \"duplicate_handling\": [\"use_first\"]}",
                "duplicate_handling must be a string, got an array");
        cases.put("{\"resource\": \"vendor\", \"column_mapping\": [\"name\"]}",
                "column_mapping must be an object, got an array");
        cases.forEach((body, message) -> {
            Response r = http.post("/v1/imports", body);

            assertThat(r.status() + " " + r.at("/error/code") + " " + r.at("/error/message")).as(body)
                    .isEqualTo("422 invalid_import " + message);
        });
        assertThat(http.get("/v1/imports").json().get("data").size()).isZero();
    }

    @Test
    void aColumnMappingThatCannotWorkForTheResourceIsRejectedWhenTheImportIsCreated() {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("{\"external_id\": \"ID\", \"name\": \"Name\", \"colour\": \"Colour\"}",
                "column_mapping names field \"colour\", which vendor does not have");
        cases.put("{\"name\": \"Vendor\"}",
                "No column is mapped to external_id; map one in column_mapping or name a column \"external_id\"");
        cases.put("{\"colour\": \"Colour\", \"size\": \"Size\"}",
                "No column is mapped to external_id; map one in column_mapping or name a column \"external_id\"; "
                        + "column_mapping names field \"colour\", which vendor does not have; column_mapping names field "
                        + "\"size\", which vendor does not have; Required field \"name\" is not mapped to any column");
        cases.put("{\"external_id\": \"ID\", \"name\": 5}",
                "column_mapping.name must be the header of a column (a non-empty string), got 5");
        cases.put("{\"external_id\": \"\"}",
                "column_mapping.external_id must be the header of a column (a non-empty string), got \"\"");
        cases.put("{\"external_id\": null}",
                "column_mapping.external_id must be the header of a column (a non-empty string), got null");
        cases.forEach((mapping, message) -> {
            Response r = http.post("/v1/imports", "{\"resource\": \"vendor\", \"column_mapping\": " + mapping + "}");

            assertThat(r.status()).as(mapping).isEqualTo(422);
            assertThat(r.at("/error/code")).as(mapping).isEqualTo("invalid_import");
            assertThat(r.at("/error/message")).as(mapping).isEqualTo(message);
        });
        assertThat(http.get("/v1/imports").json().get("data").size()).isZero();
    }

    @Test
    void anAsyncUploadIsAcknowledgedAtOnceAndCompletesInTheBackground() throws Exception {
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");

        HttpResponse<String> put = upload(created.at("/_upload_url"), VENDORS, "text/csv", "vendors.csv");

        assertThat(put.statusCode()).isEqualTo(202);
        assertThat(Http.JSON.readTree(put.body()).get("status").asString()).isEqualTo("queued");
        Response done = awaitFinal(created.at("/id"));
        assertThat(done.at("/status")).isEqualTo("completed");
        assertThat(done.at("/reason")).isEqualTo("2 of 4 rows failed; see the errors file");
        assertThat(done.at("/stats")).isEqualTo("{\"read\":4,\"valid\":2,\"created\":2,\"updated\":0,\"unchanged\":0,"
                + "\"deleted\":0,\"skipped_duplicates\":0,\"failed\":2}");
        assertThat(done.at("/checksum")).isEqualTo(sha256(VENDORS));
        assertThat(done.at("/file_type")).isEqualTo("csv");
        assertThat(done.at("/file_name")).isEqualTo("vendors.csv");
        assertThat(done.at("/has_upload_file")).isEqualTo("true");
        assertThat(done.at("/has_errors_file")).isEqualTo("true");
        assertThat(done.at("/_upload_url")).isNull();
        assertThat(http.get("/v1/objects/vendor/records?external_id=v-3").at("/data/0/values/name")).isEqualTo("Gamma");
    }

    @Test
    void theModulesJobListShowsEachFacesImportInTheModeItRan() throws Exception {
        // Three rows: a file workflow execution of this size would show sync, which an async upload did not run in.
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\", \"upload_mode\": \"sync\"}");
        upload(created.at("/_upload_url"), VENDORS, "text/csv", "vendors.csv");
        awaitFinal(created.at("/id"));
        assertThat(http.post("/v1/import-reports", SeedExamples.REPORT).status()).isEqualTo(201);
        Response batch = http.post("/v1/import/vendor-custom-import", SeedExamples.BATCH);
        assertThat(batch.status()).isEqualTo(200);

        Map<String, String> modes = new LinkedHashMap<>();
        http.get("/v1/modules/vendors/import/jobs").json().get("data").get("jobs").forEach(j ->
                modes.put(j.get("importJobId").asString(), j.get("processingMode").asString()));
        String importApiCall = batch.raw().headers().firstValue("Freight-Import-Id").orElseThrow();

        assertThat(modes).containsExactly(Map.entry(importApiCall, "sync"), Map.entry(created.at("/id"),
                "background"));
    }

    @Test
    void aSyncUploadRunsPrevalidationAndPreparsingInTheRequest() throws Exception {
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\", \"upload_mode\": \"sync\"}");

        HttpResponse<String> put = upload(created.at("/_upload_url"), VENDORS, "text/csv", "vendors.csv");

        assertThat(put.statusCode()).isEqualTo(200);
        JsonNode answer = Http.JSON.readTree(put.body());
        assertThat(answer.at("/phases/0/status").asString()).isEqualTo("completed");
        assertThat(answer.at("/phases/0/rows").asLong()).isEqualTo(4);
        assertThat(answer.at("/phases/1/status").asString()).isEqualTo("completed");
        assertThat(answer.at("/total_rows").asLong()).isEqualTo(4);
        assertThat(awaitFinal(created.at("/id")).at("/status")).isEqualTo("completed");
    }

    /**
     * A cancel (POST /v1/imports/{id}/cancel) that lands while a sync upload's request prepares the import ends it at
     * once and takes it from the request's run, whose next save fails (superseded): the upload is answered 422 with
     * the import as the cancel left it, and nothing of the run is saved over it; the worker never runs it.
     */
    @Test
    void aSyncUploadWhoseImportIsCancelledWhileItsRequestPreparesItIsAnswered422WithTheCancelledImport()
            throws Exception {
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\", \"upload_mode\": \"sync\"}");
        String id = created.at("/id");
        ImportPipeline pipeline = TestServer.of(database()).bean(ImportPipeline.class);
        AtomicReference<Response> cancel = new AtomicReference<>();
        // The server's pipeline serves every test of the class: the hook acts on this import alone.
        PipelineHooks.whilePreparing(pipeline, importId -> {
            if (importId.equals(id)) {
                cancel.set(http.post("/v1/imports/" + id + "/cancel", null));
            }
        });
        HttpResponse<String> put;
        try {
            put = upload(created.at("/_upload_url"), VENDORS, "text/csv", "vendors.csv");
        } finally {
            PipelineHooks.clear(pipeline);
        }

        assertThat(cancel.get().status()).isEqualTo(200);
        assertThat(put.statusCode()).isEqualTo(422);
        JsonNode answer = Http.JSON.readTree(put.body());
        assertThat(answer.at("/id").asString()).isEqualTo(id);
        assertThat(answer.at("/status").asString()).isEqualTo("failed");
        assertThat(answer.at("/reason").asString()).isEqualTo("Cancelled on request before it started");
        List<String> phases = new ArrayList<>();
        answer.get("phases").forEach(p -> phases.add(p.get("name").asString() + ":" + p.get("status").asString() + ":"
                + p.get("rows").asLong() + ":" + p.get("reason").asString()));
        assertThat(phases).containsExactly(Stream.of("prevalidation", "preparsing", "transforming", "parsing",
                "validation", "processing", "cleanup").map(p -> p + ":skipped:0:Cancelled on request before it started")
                .toArray(String[]::new));
        assertThat(answer.get("total_rows").isNull()).isTrue();
        assertThat(answer.get("stats").toString()).isEqualTo("{\"read\":0,\"valid\":0,\"created\":0,\"updated\":0,"
                + "\"unchanged\":0,\"deleted\":0,\"skipped_duplicates\":0,\"failed\":0}");
        assertThat(answer.at("/has_upload_file").asBoolean()).isTrue();
        assertThat(answer.at("/checksum").asString()).isEqualTo(sha256(VENDORS));
        assertThat(answer.get("_upload_url").isNull()).isTrue();
        // Field for field the import as the cancel answered it and as it stays: nothing of the run was saved over it
        // (its updated_at among them), and no worker ran it. The signed URLs are left out, their expiry counted from
        // the second each answer was made.
        assertThat(withoutSignedUrls(answer)).isEqualTo(withoutSignedUrls(cancel.get().json()));
        assertThat(withoutSignedUrls(http.get("/v1/imports/" + id).json())).isEqualTo(withoutSignedUrls(answer));
    }

    /**
     * A sync upload's request that prepares its import for longer than the stranded-jobs grace period (the hook
     * stands for a long read) finds the sweep queued the import's run meanwhile, taking it for lost: the worker's run
     * takes the import over (a new run token) and completes it; the request's prepare then fails its next save
     * (superseded), saves nothing over the worker's, and the upload is answered 200 with the completed import
     * (before, 422, as if prevalidation had failed).
     */
    @Test
    void aSyncUploadWhoseImportTheStrandedJobsSweepQueuesWhileItsRequestPreparesItIsAnsweredWithTheWorkersRun()
            throws Exception {
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\", \"upload_mode\": \"sync\"}");
        String id = created.at("/id");
        TestServer server = TestServer.of(database());
        ImportPipeline pipeline = server.bean(ImportPipeline.class);
        StrandedJobs stranded = server.bean(StrandedJobs.class);
        SchedulerClient scheduler = server.bean(SchedulerClient.class);
        AtomicReference<StrandedJobs.Requeued> requeued = new AtomicReference<>();
        AtomicReference<Response> finished = new AtomicReference<>();
        AtomicBoolean swept = new AtomicBoolean();
        // The server's pipeline serves every test of the class: the hook acts on this import alone, and on the
        // request's prepare only (the first), not on the worker's.
        PipelineHooks.whilePreparing(pipeline, importId -> {
            if (importId.equals(id) && swept.compareAndSet(false, true)) {
                requeued.set(stranded.sweep(scheduler, Instant.now().plus(Duration.ofMinutes(11))));
                try {
                    finished.set(awaitFinal(id));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        });
        HttpResponse<String> put;
        try {
            put = upload(created.at("/_upload_url"), VENDORS, "text/csv", "vendors.csv");
        } finally {
            PipelineHooks.clear(pipeline);
        }

        assertThat(requeued.get().imports()).contains(id);
        assertThat(finished.get().at("/status")).isEqualTo("completed");
        assertThat(put.statusCode()).isEqualTo(200);
        JsonNode answer = Http.JSON.readTree(put.body());
        assertThat(answer.at("/id").asString()).isEqualTo(id);
        assertThat(answer.at("/status").asString()).isEqualTo("completed");
        assertThat(answer.at("/reason").asString()).isEqualTo("2 of 4 rows failed; see the errors file");
        assertThat(answer.get("stats").toString()).isEqualTo("{\"read\":4,\"valid\":2,\"created\":2,\"updated\":0,"
                + "\"unchanged\":0,\"deleted\":0,\"skipped_duplicates\":0,\"failed\":2}");
        assertThat(answer.at("/total_rows").asLong()).isEqualTo(4);
        List<String> phases = new ArrayList<>();
        answer.get("phases").forEach(p -> phases.add(p.get("name").asString() + ":" + p.get("status").asString()));
        assertThat(phases).containsExactly("prevalidation:completed", "preparsing:completed", "transforming:completed",
                "parsing:completed", "validation:completed", "processing:completed", "cleanup:skipped");
        // Field for field the import as the worker left it: nothing of the request's run was saved over it.
        assertThat(withoutSignedUrls(answer)).isEqualTo(withoutSignedUrls(finished.get().json()));
        assertThat(withoutSignedUrls(http.get("/v1/imports/" + id).json())).isEqualTo(withoutSignedUrls(answer));
        assertThat(http.get("/v1/objects/vendor/records?external_id=v-3").at("/data/0/values/name")).isEqualTo("Gamma");
    }

    /** An import's view without its signed URLs, whose expiry and signature depend on the second of the answer. */
    static JsonNode withoutSignedUrls(JsonNode view) {
        ObjectNode copy = (ObjectNode) view.deepCopy();
        copy.remove(List.of("_upload_url", "_upload_csv_url", "_upload_json_url", "_errors_csv_url",
                "_errors_json_url"));
        return copy;
    }

    @Test
    void aEuropeanSpreadsheetExportIsReadWithItsDayFirstDatesAndDecimalCommasAndTheReasonSaysSo() throws Exception {
        String file = "external_id;name;Next Assessment Date;raw_irq_score\r\n"
                + "v-1;Acme;13.01.2025;70,5\r\n"
                + "v-2;Beta;01.02.2025;1.234,5\r\n";
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\", \"upload_mode\": \"sync\"}");

        HttpResponse<String> put = upload(created.at("/_upload_url"), file, "text/csv", "lieferanten.csv");

        assertThat(put.statusCode()).isEqualTo(200);
        assertThat(Http.JSON.readTree(put.body()).at("/phases/0/reason").asString()).isEqualTo("The dates in column"
                + " \"Next Assessment Date\" were read as DD.MM.YYYY. The numbers in column \"raw_irq_score\" were"
                + " read as 1.234,5");
        Response done = awaitFinal(created.at("/id"));
        assertThat(done.at("/stats")).isEqualTo("{\"read\":2,\"valid\":2,\"created\":2,\"updated\":0,\"unchanged\":0,"
                + "\"deleted\":0,\"skipped_duplicates\":0,\"failed\":0}");
        Response beta = http.get("/v1/objects/vendor/records?external_id=v-2");
        assertThat(beta.at("/data/0/values/next_assessment_date")).isEqualTo("2025-02-01");
        assertThat(beta.at("/data/0/values/raw_irq_score")).isEqualTo("1234.5");
        assertThat(http.get("/v1/objects/vendor/records?external_id=v-1").at("/data/0/values/next_assessment_date"))
                .isEqualTo("2025-01-13");
    }

    /**
     * The values of a multi-value number or integer cell are read in the format their column's values have, each
     * value on its own, as a single-value column's cells are (before, the cell was inferred whole, which is no number,
     * and its values were coerced as they were written: {@code 1,5} failed).
     */
    @Test
    void theValuesOfAMultiValueNumberCellAreReadInTheFormatOfTheirColumn() throws Exception {
        assertThat(http.post("/v1/objects", """
                {"slug": "reading", "label": "Reading", "fields": [
                  {"slug": "scores", "label": "Scores", "type": "number", "multiple": true},
                  {"slug": "counts", "label": "Counts", "type": "integer", "multiple": true}]}""").status())
                .isEqualTo(201);
        Response created = http.post("/v1/imports", "{\"resource\": \"reading\", \"upload_mode\": \"sync\"}");

        HttpResponse<String> put = upload(created.at("/_upload_url"), """
                external_id,scores,counts
                r-1,"1,5; 2,5","1.200; 3"
                r-2,"1.234,5",7
                r-3,"n/a; 3,5",
                """, "text/csv", "readings.csv");

        assertThat(put.statusCode()).isEqualTo(200);
        assertThat(Http.JSON.readTree(put.body()).at("/phases/0/reason").asString()).isEqualTo("The numbers in column"
                + " \"scores\" were read as 1.234,5. The numbers in column \"counts\" were read as 1.234,5");
        Response done = awaitFinal(created.at("/id"));
        assertThat(done.at("/stats")).isEqualTo("{\"read\":3,\"valid\":2,\"created\":2,\"updated\":0,\"unchanged\":0,"
                + "\"deleted\":0,\"skipped_duplicates\":0,\"failed\":1}");
        assertThat(http.get("/v1/objects/reading/records?external_id=r-1").json().at("/data/0/values").toString())
                .isEqualTo("{\"scores\":[1.5,2.5],\"counts\":[1200,3]}");
        assertThat(http.get("/v1/objects/reading/records?external_id=r-2").json().at("/data/0/values").toString())
                .isEqualTo("{\"scores\":[1234.5],\"counts\":[7]}");
        assertThat(get(done.at("/_errors_csv_url")).body()).isEqualTo("""
                \uFEFFerror_line,error_external_id,error_field,error_code,error_message,external_id,scores,counts\r
                4,r-3,scores,invalid_field_value,"scores: expected a number, got ""n/a\"\"",r-3,"n/a; 3,5",\r
                """);
    }

    /**
     * U+0000 in an import's name or column_mapping, or in a list filter, is refused alike on both databases (before,
     * PostgreSQL answered 500 for the name and the filter, which SQLite took). A file's header cell holding one names
     * its column with U+FFFD in its place, the character the errors files show for a NUL in a rejected row's key, so
     * a column_mapping can name it (before, it could not on either database: no mapping may hold the NUL).
     */
    @Test
    void aNulCharacterInANameMappingOrFilterIsRefusedAndOneInAHeaderCellIsReadAsUFFFD() throws Exception {
        String nul = " holds a NUL character (U+0000), which cannot be stored";
        Response named = http.post("/v1/imports", "{\"resource\": \"vendor\", \"name\": \"nightly\\u0000\"}");
        assertThat(named.status()).isEqualTo(422);
        assertThat(named.at("/error/code")).isEqualTo("invalid_import");
        assertThat(named.at("/error/message")).isEqualTo("name" + nul);
        Response mapped = http.post("/v1/imports", """
                {"resource": "vendor", "column_mapping": {"external_id": "id", "name": "Na\\u0000me"}}""");
        assertThat(mapped.status()).isEqualTo(422);
        assertThat(mapped.at("/error/code")).isEqualTo("invalid_import");
        assertThat(mapped.at("/error/message")).isEqualTo("column_mapping.name" + nul);
        Response filtered = http.get("/v1/imports?resource=vendor%00");
        assertThat(filtered.status()).isEqualTo(400);
        assertThat(filtered.at("/error/code")).isEqualTo("invalid_parameter");
        assertThat(filtered.at("/error/message")).isEqualTo("Query parameter \"resource\"" + nul);
        assertThat(http.get("/v1/imports").json().get("data").size()).isZero();

        Response created = http.post("/v1/imports", """
                {"resource": "vendor", "upload_mode": "sync",
                 "column_mapping": {"external_id": "id", "name": "Na\uFFFDme"}}""");
        HttpResponse<String> put = upload(created.at("/_upload_url"), "id,Na\u0000me\nv-1,Acme\n", "text/csv",
                "vendors.csv");

        assertThat(put.statusCode()).isEqualTo(200);
        Response done = awaitFinal(created.at("/id"));
        assertThat(done.at("/status")).isEqualTo("completed");
        assertThat(done.at("/stats")).isEqualTo("{\"read\":1,\"valid\":1,\"created\":1,\"updated\":0,\"unchanged\":0,"
                + "\"deleted\":0,\"skipped_duplicates\":0,\"failed\":0}");
        assertThat(http.get("/v1/objects/vendor/records?external_id=v-1").at("/data/0/values/name")).isEqualTo("Acme");
    }

    /** UTF-16 without a byte-order mark (either byte order) is read as UTF-16, not refused as binary data. */
    @Test
    void aUtf16CsvWithoutAByteOrderMarkIsImportedWithItsLetters() throws Exception {
        String file = "external_id,name,status\r\nv-1,Zoë Ågren,active\r\nv-2,Борис 李,inactive\r\n";
        for (java.nio.charset.Charset charset : List.of(StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE)) {
            Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
            HttpResponse<String> put = RAW.send(HttpRequest.newBuilder(URI.create(created.at("/_upload_url")))
                    .header("Content-Type", "text/csv")
                    .header("Content-Disposition", "attachment; filename=\"vendors.csv\"")
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(file.getBytes(charset))).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(put.statusCode()).as(put.body()).isEqualTo(202);
            Response done = awaitFinal(created.at("/id"));
            assertThat(done.at("/status")).as(charset + ": " + done.body()).isEqualTo("completed");
            assertThat(http.get("/v1/objects/vendor/records?external_id=v-1").at("/data/0/values/name"))
                    .isEqualTo("Zoë Ågren");
            assertThat(http.get("/v1/objects/vendor/records?external_id=v-2").at("/data/0/values/name"))
                    .isEqualTo("Борис 李");
        }
    }

    /**
     * UTF-32 (either byte order) is read as UTF-32 with a byte-order mark or without one, not refused as binary data
     * nor taken for UTF-8 by the upload's streaming check (its ASCII with zero bytes is valid UTF-8).
     */
    @Test
    void aUtf32CsvWithOrWithoutAByteOrderMarkIsImportedWithItsLetters() throws Exception {
        String file = "external_id,name,status\r\nv-1,Zoë Ågren,active\r\nv-2,Борис 李 𠀀,inactive\r\n";
        for (String charset : List.of("UTF-32LE", "UTF-32BE")) {
            for (boolean bom : List.of(false, true)) {
                byte[] bytes = ((bom ? "\uFEFF" : "") + file).getBytes(java.nio.charset.Charset.forName(charset));
                Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
                HttpResponse<String> put = RAW.send(HttpRequest.newBuilder(URI.create(created.at("/_upload_url")))
                        .header("Content-Type", "text/csv")
                        .header("Content-Disposition", "attachment; filename=\"vendors.csv\"")
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(),
                        HttpResponse.BodyHandlers.ofString());

                assertThat(put.statusCode()).as(put.body()).isEqualTo(202);
                Response done = awaitFinal(created.at("/id"));
                assertThat(done.at("/status")).as(charset + " " + bom + ": " + done.body()).isEqualTo("completed");
                assertThat(done.at("/stats/created") + "/" + done.at("/stats/unchanged"))
                        .isEqualTo(charset.equals("UTF-32LE") && !bom ? "2/0" : "0/2");
                assertThat(http.get("/v1/objects/vendor/records?external_id=v-1").at("/data/0/values/name"))
                        .isEqualTo("Zoë Ågren");
                assertThat(http.get("/v1/objects/vendor/records?external_id=v-2").at("/data/0/values/name"))
                        .isEqualTo("Борис 李 𠀀");
            }
        }
    }

    @Test
    void aFileSentInAFormIsRefusedAsAFormAndTheImportStillWaitsForItsUpload() throws Exception {
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
        String form = "--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"vendors.csv\"\r\n"
                + "Content-Type: text/csv\r\n\r\n" + VENDORS + "\r\n--b0undary--\r\n";

        HttpResponse<String> put = RAW.send(HttpRequest.newBuilder(URI.create(created.at("/_upload_url")))
                .header("Content-Type", "multipart/form-data; boundary=b0undary")
                .PUT(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());

        // Before, the form's parts were read before the upload and it answered 415 empty_file, "The file is empty".
        assertThat(put.statusCode()).isEqualTo(415);
        assertThat(Http.JSON.readTree(put.body()).at("/error/code").asString()).isEqualTo("unsupported_media_type");
        assertThat(Http.JSON.readTree(put.body()).at("/error/message").asString()).isEqualTo(
                "Content-Type multipart/form-data is not supported by an upload URL; send the file itself as the"
                        + " request body (e.g. curl --upload-file), not in a form");
        Response after = http.get("/v1/imports/" + created.at("/id"));
        assertThat(after.at("/status")).isEqualTo("requested");
        assertThat(after.at("/has_upload_file")).isEqualTo("false");
        assertThat(upload(created.at("/_upload_url"), VENDORS, "text/csv", "vendors.csv").statusCode()).isEqualTo(202);
    }

    @Test
    void aSyncUploadOfAFileThatCannotWorkFailsInTheRequestWithTheReason() throws Exception {
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\", \"upload_mode\": \"sync\"}");

        HttpResponse<String> put = upload(created.at("/_upload_url"), "name,status\nAcme,active\n", "text/csv", "x.csv");

        assertThat(put.statusCode()).isEqualTo(422);
        JsonNode answer = Http.JSON.readTree(put.body());
        assertThat(answer.get("status").asString()).isEqualTo("failed");
        assertThat(answer.get("reason").asString()).isEqualTo(
                "No column is mapped to external_id; map one in column_mapping or name a column \"external_id\"");
    }

    /**
     * A sync upload of a workbook of 5 KB whose row 2 has 33 cells referring to one shared string of 32,767
     * characters (1,081,311 in all, over a row's 1,048,576) fails in prevalidation as a damaged workbook, with a small
     * answer and no record: before, its rows were read whole, and rejected rows keep their original cells.
     */
    @Test
    void aSyncUploadOfAWorkbookWhoseRowExpandsPastTheMostARowMayHoldFailsAsUnreadable() throws Exception {
        String[] header = new String[33];
        header[0] = "external_id";
        header[1] = "name";
        for (int i = 2; i < header.length; i++) {
            header[i] = "c" + (i + 1);
        }
        byte[] xlsx = dev.freight.testing.XlsxFiles.repeating(header, "x".repeat(32_767), 3);
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\", \"upload_mode\": \"sync\"}");

        HttpResponse<String> put = RAW.send(HttpRequest.newBuilder(URI.create(created.at("/_upload_url")))
                .header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                .header("Content-Disposition", "attachment; filename=\"vendors.xlsx\"")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(xlsx)).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(xlsx.length).isLessThan(8_192);
        assertThat(put.statusCode()).as(put.body()).isEqualTo(422);
        assertThat(put.body().length()).isLessThan(4_096);
        JsonNode answer = Http.JSON.readTree(put.body());
        assertThat(answer.get("status").asString()).isEqualTo("failed");
        assertThat(answer.get("reason").asString()).isEqualTo("The file could not be read: Row 2: the workbook cannot"
                + " be read; expected a valid .xlsx file, found a damaged one (the row's cells hold more than 1,048,576"
                + " characters, the most a row may hold)");
        assertThat(http.get("/v1/objects/vendor/records").json().get("data").size()).isZero();
    }

    /**
     * A sync upload of an XLSX whose shared strings expand past FREIGHT_MAX_XLSX_PART_BYTES (4,000,000 on test
     * servers), or of an XLS of more cells than FREIGHT_MAX_XLS_CELLS (100,000), fails in prevalidation as a damaged
     * workbook naming the limit, and stores no record: the import reads its upload with the server's limits.
     */
    @Test
    void aSyncUploadOfAWorkbookPastTheWorkbookLimitsFailsAsUnreadable() throws Exception {
        byte[] xlsx = dev.freight.testing.XlsxFiles.expanding(new String[] {"external_id", "name"},
                "<si><t>" + "x".repeat(1_000) + "</t></si>", 5_000, 4_999, "", 0);
        byte[] xls = dev.freight.testing.XlsFiles.withSheetRecords(dev.freight.testing.XlsFiles.of("S",
                new String[][] {{"external_id", "name"}, {"v1", "V1"}}), dev.freight.testing.XlsFiles.blankRows(2, 400));
        Map<String, String> reasons = new LinkedHashMap<>();
        reasons.put("vendors.xlsx", "The file could not be read: The workbook cannot be read; expected a valid .xlsx"
                + " file, found a damaged one (xl/sharedStrings.xml expands to more than 4,000,000 bytes, the most a"
                + " part of this workbook may expand to (FREIGHT_MAX_XLSX_PART_BYTES))");
        reasons.put("vendors.xls", "The file could not be read: The workbook cannot be read; expected a valid .xls"
                + " file, found a damaged one (the workbook holds more than 100,000 cells and shared strings, each 256"
                + " bytes of its records counting as one more, the most an .xls may hold here (FREIGHT_MAX_XLS_CELLS;"
                + " an .xls is read whole into memory); save it as .xlsx)");
        for (var expected : reasons.entrySet()) {
            boolean isXlsx = expected.getKey().endsWith(".xlsx");
            Response created = http.post("/v1/imports", "{\"resource\": \"vendor\", \"upload_mode\": \"sync\"}");

            HttpResponse<String> put = RAW.send(HttpRequest.newBuilder(URI.create(created.at("/_upload_url")))
                    .header("Content-Type", isXlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                            : "application/vnd.ms-excel")
                    .header("Content-Disposition", "attachment; filename=\"" + expected.getKey() + "\"")
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(isXlsx ? xlsx : xls)).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(put.statusCode()).as(put.body()).isEqualTo(422);
            JsonNode answer = Http.JSON.readTree(put.body());
            assertThat(answer.get("status").asString()).isEqualTo("failed");
            assertThat(answer.get("reason").asString()).isEqualTo(expected.getValue());
        }
        assertThat(http.get("/v1/objects/vendor/records").json().get("data").size()).isZero();
    }

    /**
     * A sync upload of an XLSX whose shared strings pass the heap's 65,536 while the server's temporary directory
     * cannot be written (a plain file stands where it belongs) answers 503 storage_unavailable, as an upload the
     * uploads directory cannot take does: the failure is the server's disk, not the file. The import waits for its
     * upload again, with no file kept and nothing claiming one, and the same upload is accepted once the directory can
     * be written. Before, the import failed for good (422, status failed) and the file had to go to a new import.
     */
    @Test
    void aSyncUploadWhoseSharedStringsTheTemporaryDirectoryCannotTakeAnswersStorageUnavailableAndARetryIsAccepted()
            throws Exception {
        byte[] xlsx = dev.freight.testing.XlsxFiles.expanding(new String[] {"external_id", "name"},
                "<si><t>n</t></si>", 70_000, 69_999, "", 0);
        Path temp = TestServer.of(database()).bean(dev.freight.app.FreightConfig.class).temporaryDir();
        Path aside = temp.resolveSibling("tmp-aside");
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\", \"upload_mode\": \"sync\"}");
        String id = created.at("/id");
        HttpRequest put = HttpRequest.newBuilder(URI.create(created.at("/_upload_url")))
                .header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                .header("Content-Disposition", "attachment; filename=\"vendors.xlsx\"")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(xlsx)).build();
        Files.move(temp, aside);
        HttpResponse<String> refused;
        try {
            Files.writeString(temp, "not a directory");
            refused = RAW.send(put, HttpResponse.BodyHandlers.ofString());
        } finally {
            Files.delete(temp);
            Files.move(aside, temp);
        }

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
        JsonNode error = Http.JSON.readTree(refused.body()).get("error");
        assertThat(error.get("code").asString()).isEqualTo("storage_unavailable");
        assertThat(error.get("message").asString()).isEqualTo("Freight could not read the file: the shared strings"
                + " of xl/sharedStrings.xml could not be written to a temporary file in its temporary directory"
                + " (FREIGHT_TEMP_DIR; disk full or not writable); nothing was kept, retry later (error id "
                + error.get("error_id").asString() + ")");
        Response waiting = http.get("/v1/imports/" + id);
        assertThat(waiting.at("/status")).isEqualTo("requested");
        assertThat(waiting.at("/reason")).isNull();
        assertThat(waiting.at("/has_upload_file")).isEqualTo("false");
        assertThat(waiting.at("/checksum")).isNull();
        assertThat(TestServer.of(database()).bean(UploadStore.class).path(id)).doesNotExist();
        assertThat(stagedFiles(id)).isEmpty();
        assertThat(http.get("/v1/objects/vendor/records").json().get("data").size()).isZero();
        HttpResponse<String> accepted = RAW.send(put, HttpResponse.BodyHandlers.ofString());
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
        Response done = awaitFinal(id);
        assertThat(done.at("/status")).isEqualTo("completed");
        assertThat(done.at("/checksum")).isEqualTo(HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(xlsx)));
        assertThat(http.get("/v1/objects/vendor/records").json().get("data").size()).isEqualTo(1);
    }

    /**
     * A sync upload refused so whose giving back the database itself refuses (the transaction that makes the import
     * wait for its upload again fails) is kept: the answer, still 503 storage_unavailable, says so and names the import
     * to follow; the import stays queued with its file and the reason that it waits for temporary storage, and its run
     * is queued a minute ahead, as the worker's own retry would be. Before, the answer said "nothing was kept, retry
     * later", a retry was refused (409 upload_received), and no run was queued: the import waited for the
     * stranded-jobs sweep, 10 minutes later, while its reason said it was tried again in a minute.
     */
    @Test
    void aSyncUploadThatCannotBeGivenBackIsKeptAndItsRunQueuedAMinuteAhead() throws Exception {
        byte[] xlsx = dev.freight.testing.XlsxFiles.expanding(new String[] {"external_id", "name"},
                "<si><t>n</t></si>", 70_000, 69_999, "", 0);
        TestServer server = TestServer.of(database());
        Database db = server.bean(Database.class);
        db.withHandle(h -> {
            database().refusingGiveBacksSql().forEach(h::execute);
            return null;
        });
        Path temp = server.bean(dev.freight.app.FreightConfig.class).temporaryDir();
        Path aside = temp.resolveSibling("tmp-aside");
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\", \"upload_mode\": \"sync\"}");
        String id = created.at("/id");
        db.inTransaction(h -> h.update("insert into refused_give_back_imports (id) values (?)", id));
        HttpRequest put = HttpRequest.newBuilder(URI.create(created.at("/_upload_url")))
                .header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                .header("Content-Disposition", "attachment; filename=\"vendors.xlsx\"")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(xlsx)).build();
        Files.move(temp, aside);
        HttpResponse<String> refused;
        Instant sent = Instant.now();
        Instant answered;
        try {
            Files.writeString(temp, "not a directory");
            refused = RAW.send(put, HttpResponse.BodyHandlers.ofString());
            answered = Instant.now();
        } finally {
            Files.delete(temp);
            Files.move(aside, temp);
            db.inTransaction(h -> h.update("delete from refused_give_back_imports where id = ?", id));
        }

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
        JsonNode error = Http.JSON.readTree(refused.body()).get("error");
        assertThat(error.get("code").asString()).isEqualTo("storage_unavailable");
        assertThat(error.get("message").asString()).isEqualTo("Freight could not read the file: the shared strings"
                + " of xl/sharedStrings.xml could not be written to a temporary file in its temporary directory"
                + " (FREIGHT_TEMP_DIR; disk full or not writable); the upload was kept: import " + id + " runs in the"
                + " background once the server can write its temporary files (until its maximum run time); follow it"
                + " at GET /v1/imports/" + id + " and do not upload it again");
        Response kept = http.get("/v1/imports/" + id);
        assertThat(kept.at("/status")).isEqualTo("queued");
        assertThat(kept.at("/reason")).isEqualTo(ImportPipeline.AWAITING_STORAGE);
        assertThat(kept.at("/has_upload_file")).isEqualTo("true");
        assertThat(kept.at("/checksum")).isEqualTo(HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(xlsx)));
        var run = com.github.kagkarlsson.scheduler.task.TaskInstanceId.of("import-run", id);
        Instant due = server.bean(SchedulerClient.class).getScheduledExecution(run).orElseThrow().getExecutionTime();
        assertThat(due).isBetween(sent.plus(Duration.ofMinutes(1)), answered.plus(Duration.ofMinutes(1)));
        HttpResponse<String> again = RAW.send(put, HttpResponse.BodyHandlers.ofString());
        assertThat(again.statusCode()).as(again.body()).isEqualTo(409);
        assertThat(Http.JSON.readTree(again.body()).at("/error/code").asString()).isEqualTo("upload_received");
        // The kept upload runs once the server can write its temporary files: brought forward, so that it runs within
        // this test and not a minute later during another one (its workbook read would count in that test's reads).
        server.bean(SchedulerClient.class).reschedule(run, Instant.now());
        Response done = awaitFinal(id);
        assertThat(done.at("/status")).isEqualTo("completed");
        assertThat(http.get("/v1/objects/vendor/records").json().get("data").size()).isEqualTo(1);
    }

    /**
     * A cancel that lands after a sync upload's prepare failed for want of temporary storage, before the upload is
     * given back, ends the import: the upload is answered 422 with the import as the cancel left it, as when a cancel
     * supersedes the prepare, and a retry is refused 409 upload_received. Before, the answer was 503
     * storage_unavailable, "nothing was kept, retry later", though the retry could only get that 409.
     */
    @Test
    void aSyncUploadWhoseImportIsCancelledAfterItsReadFailedForWantOfStorageIsAnsweredWithTheCancelledImport()
            throws Exception {
        byte[] xlsx = dev.freight.testing.XlsxFiles.expanding(new String[] {"external_id", "name"},
                "<si><t>n</t></si>", 70_000, 69_999, "", 0);
        TestServer server = TestServer.of(database());
        FilesController controller = server.bean(FilesController.class);
        Path temp = server.bean(dev.freight.app.FreightConfig.class).temporaryDir();
        Path aside = temp.resolveSibling("tmp-aside");
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\", \"upload_mode\": \"sync\"}");
        String id = created.at("/id");
        HttpRequest put = HttpRequest.newBuilder(URI.create(created.at("/_upload_url")))
                .header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                .header("Content-Disposition", "attachment; filename=\"vendors.xlsx\"")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(xlsx)).build();
        AtomicReference<Response> cancel = new AtomicReference<>();
        // The server's controller serves every test of the class: the hook acts on this import alone.
        controller.beforeGiveBack(importId -> {
            if (importId.equals(id)) {
                cancel.set(http.post("/v1/imports/" + id + "/cancel", null));
            }
        });
        Files.move(temp, aside);
        HttpResponse<String> answered;
        try {
            Files.writeString(temp, "not a directory");
            answered = RAW.send(put, HttpResponse.BodyHandlers.ofString());
        } finally {
            controller.beforeGiveBack(importId -> {});
            Files.delete(temp);
            Files.move(aside, temp);
        }

        assertThat(cancel.get().status()).isEqualTo(200);
        assertThat(answered.statusCode()).as(answered.body()).isEqualTo(422);
        JsonNode answer = Http.JSON.readTree(answered.body());
        assertThat(answer.at("/id").asString()).isEqualTo(id);
        assertThat(answer.at("/status").asString()).isEqualTo("failed");
        assertThat(answer.at("/reason").asString()).isEqualTo(cancel.get().at("/reason"));
        assertThat(answer.at("/checksum").asString()).isEqualTo(HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(xlsx)));
        assertThat(withoutSignedUrls(answer)).isEqualTo(withoutSignedUrls(cancel.get().json()));
        assertThat(withoutSignedUrls(http.get("/v1/imports/" + id).json())).isEqualTo(withoutSignedUrls(answer));
        HttpResponse<String> again = RAW.send(put, HttpResponse.BodyHandlers.ofString());
        assertThat(again.statusCode()).as(again.body()).isEqualTo(409);
        assertThat(Http.JSON.readTree(again.body()).at("/error/code").asString()).isEqualTo("upload_received");
    }

    @Test
    void aQuotedCellNeverClosedFailsPrevalidationNamingTheLineWhereItOpens() throws Exception {
        String file = "external_id,name,description\nq1,Q1,ok\nq2,Q2,\"unclosed desc\nq3,Q3,fine\nq4,Q4,fine\n"
                + "q5,Q5,fine\n";
        for (String mode : List.of("async", "sync")) {
            Response created = http.post("/v1/imports", "{\"resource\": \"vendor\", \"upload_mode\": \"" + mode
                    + "\"}");

            upload(created.at("/_upload_url"), file, "text/csv", "vendors.csv");

            Response done = awaitFinal(created.at("/id"));
            assertThat(done.at("/status")).as(mode).isEqualTo("failed");
            assertThat(done.at("/reason")).as(mode).isEqualTo(
                    "The file could not be read: Line 3: a quoted cell opens here and is never closed");
            assertThat(done.at("/phases/0/status")).as(mode).isEqualTo("failed");
        }
        assertThat(http.get("/v1/objects/vendor/records").json().get("data").size()).isZero();
    }

    @Test
    void payloadCopiesOfAnUploadMissingBeforeTheRetentionAnswerGoneNotAFailure() throws Exception {
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
        upload(created.at("/_upload_url"), VENDORS, "text/csv", "vendors.csv");
        Response done = awaitFinal(created.at("/id"));
        // A data directory restored without its uploads/ folder, or a file an operator removed.
        java.nio.file.Files.delete(TestServer.of(database()).bean(UploadStore.class).path(created.at("/id")));

        for (String url : List.of(done.at("/_upload_csv_url"), done.at("/_upload_json_url"))) {
            HttpResponse<String> gone = get(url);

            assertThat(gone.statusCode()).as(url).isEqualTo(410);
            assertThat(gone.body()).as(url).isEqualTo("{\"error\":{\"code\":\"import_files_deleted\",\"message\":"
                    + "\"The import's uploaded file is no longer on the server, though the retention"
                    + " (FREIGHT_IMPORT_RETENTION) has not deleted it\"}}");
            // Found before the answer started: none of the download's headers went out with the error.
            assertThat(gone.headers().firstValue("Content-Type")).as(url).hasValue("application/json");
            assertThat(gone.headers().firstValue("Content-Disposition")).as(url).isEmpty();
        }
        // The rejected rows are in the database: the errors files still answer, without the upload's header order.
        assertThat(get(done.at("/_errors_csv_url")).statusCode()).isEqualTo(200);
    }

    @Test
    void errorFilesListEveryRejectedRowWithItsLineCodeMessageAndOriginalCells() throws Exception {
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
        upload(created.at("/_upload_url"), VENDORS, "text/csv", "vendors.csv");
        Response done = awaitFinal(created.at("/id"));

        HttpResponse<String> csv = get(done.at("/_errors_csv_url"));
        HttpResponse<String> json = get(done.at("/_errors_json_url"));

        assertThat(csv.statusCode()).isEqualTo(200);
        assertThat(csv.headers().firstValue("Content-Type")).hasValue("text/csv;charset=UTF-8");
        assertThat(csv.body()).isEqualTo("""
                \uFEFFerror_line,error_external_id,error_field,error_code,error_message,external_id,name,\
                status,raw_irq_score\r
                3,v-2,raw_irq_score,invalid_field_value,"raw_irq_score: expected a number, got ""eighty\""",v-2,Beta,onboarding,eighty\r
                5,v-4,name,missing_required_field,"name: required field is missing (expected key ""name"")",v-4,,active,12\r
                """);
        assertThat(json.body()).isEqualTo("[{\"line\":3,\"external_id\":\"v-2\",\"field\":\"raw_irq_score\","
                + "\"error_code\":\"invalid_field_value\",\"message\":\"raw_irq_score: expected a number, got \\\"eighty\\\"\","
                + "\"cells\":{\"external_id\":\"v-2\",\"name\":\"Beta\",\"status\":\"onboarding\","
                + "\"raw_irq_score\":\"eighty\"},\"input\":null},"
                + "{\"line\":5,\"external_id\":\"v-4\",\"field\":\"name\",\"error_code\":\"missing_required_field\","
                + "\"message\":\"name: required field is missing (expected key \\\"name\\\")\","
                + "\"cells\":{\"external_id\":\"v-4\",\"name\":\"\",\"status\":\"active\",\"raw_irq_score\":\"12\"},"
                + "\"input\":null}]");
        assertThat(get(done.at("/_upload_csv_url")).body()).isEqualTo(VENDORS.replace("\n", "\r\n"));
        assertThat(get(done.at("/_upload_json_url")).body()).startsWith("[{\"external_id\":\"v-1\",\"name\":\"Acme\","
                + "\"status\":\"active\",\"raw_irq_score\":\"85\"},");
    }

    /**
     * A column_mapping names headers as a person types them: a header that differs only in case or surrounding spaces
     * is read, unless two headers would fit, which the reason names.
     */
    @Test
    void columnMappingFindsAHeaderThatDiffersOnlyInCaseOrSpacesUnlessTwoFit() throws Exception {
        Response created = http.post("/v1/imports", """
                {"resource": "vendor", "column_mapping": {"external_id": "vendor id", "name": "Vendor Name"}}""");
        upload(created.at("/_upload_url"), "Vendor ID,Vendor Name ,Status\nx-1,Xeno,active\n", "text/csv", "v.csv");
        Response done = awaitFinal(created.at("/id"));

        assertThat(done.at("/status")).as(done.body()).isEqualTo("completed");
        assertThat(http.get("/v1/objects/vendor/records?external_id=x-1").json().get("data").get(0).get("values")
                .toString()).isEqualTo("{\"name\":\"Xeno\"}");

        Response twice = http.post("/v1/imports", """
                {"resource": "vendor", "column_mapping": {"external_id": "id", "name": "NAME"}}""");
        upload(twice.at("/_upload_url"), "id,Name,name\nx-2,Yarn,yarn\n", "text/csv", "v.csv");
        Response failed = awaitFinal(twice.at("/id"));

        assertThat(failed.at("/status")).isEqualTo("failed");
        assertThat(failed.at("/reason")).isEqualTo("column_mapping maps name to the column \"NAME\", which the file "
                + "does not have, and its columns \"Name\", \"name\" differ from it only in case; column_mapping must "
                + "name one exactly");
        assertThat(failed.json().get("phases").get(0).get("reason").asString()).isEqualTo(failed.at("/reason"));

        Response two = http.post("/v1/imports", """
                {"resource": "vendor", "column_mapping": {"external_id": "key", "name": "title", "status": "status"}}""");
        upload(two.at("/_upload_url"), "id,name,status\nx-3,Zed,active\n", "text/csv", "v.csv");

        assertThat(awaitFinal(two.at("/id")).at("/reason")).isEqualTo("column_mapping maps external_id to the column "
                + "\"key\", which the file does not have; column_mapping maps name to the column \"title\", which the "
                + "file does not have; its columns are id, name, status");
    }

    /**
     * Several headers that equal a mapped column ignoring case and surrounding spaces fail prevalidation naming them in
     * file order, beside a column that no header matches, as the file workflow refuses them.
     */
    @Test
    void columnMappingMatchedBySeveralHeadersIgnoringCaseOrSpacesFailsNamingThem() throws Exception {
        Response created = http.post("/v1/imports", """
                {"resource": "vendor", "column_mapping": {"external_id": "key", "name": "Vendor Name",
                 "status": "STATUS"}}""");
        upload(created.at("/_upload_url"), "id, vendor name ,VENDOR NAME,Status,status\nx-4,Ulm,ulm,active,active\n",
                "text/csv", "v.csv");
        Response failed = awaitFinal(created.at("/id"));

        assertThat(failed.at("/status")).isEqualTo("failed");
        assertThat(failed.at("/reason")).isEqualTo("column_mapping maps external_id to the column \"key\", which the "
                + "file does not have; column_mapping maps name to the column \"Vendor Name\", which the file does not "
                + "have, and its columns \" vendor name \", \"VENDOR NAME\" differ from it only in case or surrounding "
                + "spaces; column_mapping must name one exactly; column_mapping maps status to the column \"STATUS\", "
                + "which the file does not have, and its columns \"Status\", \"status\" differ from it only in case; "
                + "column_mapping must name one exactly; its columns are id,  vendor name , VENDOR NAME, Status, status");
        assertThat(failed.json().get("phases").get(0).get("status").asString()).isEqualTo("failed");
        assertThat(http.get("/v1/objects/vendor/records?external_id=x-4").json().get("data").size()).isZero();
    }

    /** The rule the file workflow follows too: a header with spaces around it is read for its name in any case. */
    @Test
    void columnMappingReadsAHeaderWithSurroundingSpacesForItsNameInAnotherCase() throws Exception {
        Response created = http.post("/v1/imports", """
                {"resource": "vendor", "column_mapping": {"external_id": "id", "name": "vendor name"}}""");
        upload(created.at("/_upload_url"), "id, Vendor Name ,status\nx-9,Yew,active\n", "text/csv", "v.csv");
        Response done = awaitFinal(created.at("/id"));

        assertThat(done.at("/status")).as(done.body()).isEqualTo("completed");
        assertThat(http.get("/v1/objects/vendor/records?external_id=x-9").json().get("data").get(0).get("values")
                .toString()).isEqualTo("{\"name\":\"Yew\"}");
    }

    /**
     * The errors CSV has one line per rejected row, however many problems it has, and its original columns under their
     * own headers: corrected, it can be uploaded again as it is and maps as the original file did.
     */
    @Test
    void anErrorsCsvHasOneLinePerRejectedRowAndCanBeCorrectedAndUploadedAgain() throws Exception {
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
        upload(created.at("/_upload_url"), """
                external_id,name,status,raw_irq_score,website
                v-1,Acme,active,85,https://acme.example
                v-2,,bogus,high,not a url
                v-3,Gamma,active,70,
                """, "text/csv", "vendors.csv");
        Response done = awaitFinal(created.at("/id"));
        assertThat(done.at("/stats/failed")).isEqualTo("1");

        String errors = get(done.at("/_errors_csv_url")).body();
        assertThat(errors).isEqualTo("""
                \uFEFFerror_line,error_external_id,error_field,error_code,error_message,external_id,name,status,\
                raw_irq_score,website\r
                3,v-2,name; status; raw_irq_score; website,missing_required_field; invalid_field_value; \
                invalid_field_value; invalid_field_value,"name: required field is missing (expected key ""name"")
                status: expected one of active, onboarding, inactive, offboarding, got ""bogus""
                raw_irq_score: expected a number, got ""high""
                website: expected a URL, got ""not a url\"\"",v-2,,bogus,high,not a url\r
                """);
        assertThat(Http.JSON.readTree(get(done.at("/_errors_json_url")).body()).size()).isEqualTo(4);

        String corrected = errors.replace("v-2,,bogus,high,not a url", "v-2,Beta,onboarding,60,https://beta.example");
        Response again = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
        upload(again.at("/_upload_url"), corrected, "text/csv", "errors.csv");
        Response fixed = awaitFinal(again.at("/id"));

        assertThat(fixed.at("/status")).as(fixed.body()).isEqualTo("completed");
        assertThat(fixed.at("/stats/created")).isEqualTo("1");
        assertThat(fixed.at("/stats/failed")).isEqualTo("0");
        JsonNode beta = http.get("/v1/objects/vendor/records?external_id=v-2").json().get("data").get(0).get("values");
        assertThat(beta.toString()).isEqualTo("{\"name\":\"Beta\",\"website\":\"https://beta.example\","
                + "\"status\":\"onboarding\",\"raw_irq_score\":60}");
    }

    @Test
    void aRequiredReferenceToTheObjectItselfThatMatchesNothingInTheFileRejectsItsRowAndTheRowsNamingIt()
            throws Exception {
        assertThat(http.post("/v1/objects", """
                {"slug": "team", "label": "Team", "fields": [
                  {"slug": "name", "label": "Name", "type": "text", "required": true},
                  {"slug": "parent", "label": "Parent", "type": "reference", "targets": ["team"],
                   "required": true}]}""").status()).isEqualTo(201);
        Response created = http.post("/v1/imports", "{\"resource\": \"team\"}");
        upload(created.at("/_upload_url"), """
                external_id,name,parent
                t-1,Alpha,t-2
                t-4,Delta,t-3
                t-2,Beta,t-2
                t-3,Gamma,t-9
                """, "text/csv", "teams.csv");

        Response done = awaitFinal(created.at("/id"));

        assertThat(done.at("/status")).isEqualTo("completed");
        assertThat(List.of("read", "valid", "created", "failed").stream().map(k -> done.at("/stats/" + k)).toList())
                .containsExactly("4", "2", "2", "2");
        assertThat(get(done.at("/_errors_csv_url")).body()).isEqualTo("""
                \uFEFFerror_line,error_external_id,error_field,error_code,error_message,external_id,name,parent\r
                3,t-4,parent,invalid_field_value,"parent: no team with external_id ""t-3""; this import's row with \
                that external_id (line 5) was rejected",t-4,Delta,t-3\r
                5,t-3,parent,invalid_field_value,"parent: no team with external_id ""t-9""\",t-3,Gamma,t-9\r
                """);
        List<String> teams = new ArrayList<>();
        for (JsonNode t : http.get("/v1/objects/team/records").json().get("data")) {
            teams.add(t.get("external_id").asString() + "|" + t.at("/values/parent/external_id").asString());
        }
        teams.sort(null);
        assertThat(teams).containsExactly("t-1|t-2", "t-2|t-2");
    }

    @Test
    void servicesThatDependOnLaterOnesAreImportedAndTheErrorsFileNamesTheRejectedRowTheyReferTo() throws Exception {
        Response vendors = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
        upload(vendors.at("/_upload_url"), VENDORS, "text/csv", "vendors.csv");
        assertThat(awaitFinal(vendors.at("/id")).at("/status")).isEqualTo("completed");
        Response created = http.post("/v1/imports", "{\"resource\": \"service\"}");
        upload(created.at("/_upload_url"), """
                external_id,name,vendor,dependencies
                s-web,Web,v-1,s-api; s-cdn
                s-api,API,v-1,s-db
                s-cdn,CDN,v-3,s-gone
                s-db,Database,v-3,s-api
                """, "text/csv", "services.csv");

        Response done = awaitFinal(created.at("/id"));

        assertThat(done.at("/status")).isEqualTo("completed");
        assertThat(List.of("read", "valid", "created", "failed").stream().map(k -> done.at("/stats/" + k)).toList())
                .containsExactly("4", "2", "2", "2");
        assertThat(get(done.at("/_errors_csv_url")).body()).isEqualTo("""
                \uFEFFerror_line,error_external_id,error_field,error_code,error_message,external_id,name,\
                vendor,dependencies\r
                2,s-web,dependencies,invalid_field_value,"dependencies: no service or vendor with external_id ""s-cdn""; \
                this import's row with that external_id (line 4) was rejected",s-web,Web,v-1,s-api; s-cdn\r
                4,s-cdn,dependencies,invalid_field_value,"dependencies: no service or vendor with external_id \
                ""s-gone""\",s-cdn,CDN,v-3,s-gone\r
                """);
        JsonNode api = http.get("/v1/objects/service/records?external_id=s-api").json().get("data").get(0);
        JsonNode db = http.get("/v1/objects/service/records?external_id=s-db").json().get("data").get(0);
        assertThat(api.at("/values/dependencies/0/id").asString()).isEqualTo(db.get("id").asString());
        assertThat(db.at("/values/dependencies/0/id").asString()).isEqualTo(api.get("id").asString());
    }

    @Test
    void aTamperedOrExpiredSignedUrlIsRejectedWith403() throws Exception {
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
        String url = created.at("/_upload_url");

        char last = url.charAt(url.length() - 1);
        String changed = url.substring(0, url.length() - 1) + (last == '0' ? '1' : '0');
        HttpResponse<String> tampered = upload(changed, VENDORS, "text/csv", "v.csv");
        assertThat(tampered.statusCode()).isEqualTo(403);
        assertThat(Http.JSON.readTree(tampered.body()).at("/error/code").asString()).isEqualTo("invalid_signature");

        String path = "/files/imports/" + created.at("/id") + "/upload";
        long past = Instant.now().minusSeconds(60).getEpochSecond();
        String expiredUrl = url.substring(0, url.indexOf("/files/")) + path + "?expires=" + past + "&signature="
                + hmac("PUT " + path + " " + past);
        HttpResponse<String> expired = upload(expiredUrl, VENDORS, "text/csv", "v.csv");
        assertThat(expired.statusCode()).isEqualTo(403);
        JsonNode error = Http.JSON.readTree(expired.body()).get("error");
        assertThat(error.get("code").asString()).isEqualTo("url_expired");
        assertThat(error.get("message").asString()).isEqualTo("This URL expired at " + Instant.ofEpochSecond(past)
                + "; get a fresh one from the import (GET /v1/imports/{id})");
        assertThat(http.get("/v1/imports/" + created.at("/id")).at("/status")).isEqualTo("requested");
    }

    /**
     * A download URL is refused in the same words whichever face gave it, naming both faces' routes to a fresh one;
     * the upload URL, which only this resource gives, names this resource alone (above).
     */
    @Test
    void aTamperedOrExpiredDownloadUrlNamesBothRoutesToAFreshOne() throws Exception {
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\", \"upload_mode\": \"sync\"}");
        upload(created.at("/_upload_url"), VENDORS, "text/csv", "v.csv");
        String url = http.get("/v1/imports/" + created.at("/id")).at("/_upload_csv_url");
        String path = URI.create(url).getPath();
        long past = Instant.now().minusSeconds(60).getEpochSecond();

        HttpResponse<String> tampered = get(url.replace("/upload.csv?", "/errors.csv?"));
        HttpResponse<String> expired = get(url.substring(0, url.indexOf("/files/")) + path + "?expires=" + past
                + "&signature=" + hmac("GET " + path + " " + past));

        assertRefusedDownloadUrls(tampered, expired, past);
        assertThat(get(url).statusCode()).isEqualTo(200);
    }

    @Test
    void aSecondUploadIsRefused() throws Exception {
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
        upload(created.at("/_upload_url"), VENDORS, "text/csv", "v.csv");

        HttpResponse<String> again = upload(created.at("/_upload_url"), VENDORS, "text/csv", "v.csv");

        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(Http.JSON.readTree(again.body()).at("/error/code").asString()).isEqualTo("upload_received");
    }

    /**
     * An import that has its upload refuses another as {@code upload_received}, whatever became of it, even once the
     * retention deleted the file.
     */
    @Test
    void anUploadToAnImportThatHasItsUploadIsRefusedAsUploadReceivedWhateverItsStatus() throws Exception {
        List<Map.Entry<String, String>> urls = new ArrayList<>();
        for (Status status : List.of(Status.QUEUED, Status.PROCESSING, Status.TIMED_OUT)) {
            Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
            stored(created.at("/id"), j -> {
                ImportJob received = j.withUpload("0".repeat(64), "csv", "v.csv", 4L);
                return status.isFinal() ? received.ended(status, "The import ran past its maximum run time",
                        PhaseStatus.FAILED, Instant.now()) : received.withStatus(status, null);
            });
            urls.add(Map.entry(status.wireName(), created.at("/_upload_url")));
        }
        Response completed = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
        upload(completed.at("/_upload_url"), VENDORS, "text/csv", "v.csv");
        assertThat(awaitFinal(completed.at("/id")).at("/status")).isEqualTo("completed");
        urls.add(Map.entry("completed", completed.at("/_upload_url")));
        Response failed = http.post("/v1/imports", """
                {"resource": "vendor", "column_mapping": {"external_id": "key", "name": "name"}}""");
        upload(failed.at("/_upload_url"), VENDORS, "text/csv", "v.csv");
        assertThat(awaitFinal(failed.at("/id")).at("/status")).isEqualTo("failed");
        urls.add(Map.entry("failed", failed.at("/_upload_url")));
        Response purged = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
        upload(purged.at("/_upload_url"), VENDORS, "text/csv", "v.csv");
        awaitFinal(purged.at("/id"));
        TestServer server = TestServer.of(database());
        server.bean(Database.class).inTransaction(h -> {
            server.bean(ImportStore.class).purge(h, purged.at("/id"), Instant.now());
            return null;
        });
        assertThat(http.get("/v1/imports/" + purged.at("/id")).at("/has_upload_file")).isEqualTo("false");
        urls.add(Map.entry("completed", purged.at("/_upload_url")));

        for (Map.Entry<String, String> e : urls) {
            String status = e.getKey();
            HttpResponse<String> again = upload(e.getValue(), VENDORS, "text/csv", "v.csv");

            assertRefused(again, status, 409, "upload_received",
                    "This import already has its upload (status " + status + ")");
        }
    }

    /**
     * An import that ended without an upload (cancelled, expired, timed out) refuses one with a code of its own that
     * names its status, as a new import is needed.
     */
    @Test
    void anUploadToAnImportThatEndedWithoutOneIsRefusedNamingItsStatus() throws Exception {
        Map<String, String> urls = new LinkedHashMap<>();
        Response cancelled = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
        assertThat(http.post("/v1/imports/" + cancelled.at("/id") + "/cancel", null).at("/status")).isEqualTo("failed");
        urls.put("failed", cancelled.at("/_upload_url"));
        Response expired = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
        uploadExpiresAt(expired.at("/id"), Instant.now().minusSeconds(1));
        TestServer.of(database()).bean(ImportTasks.class).expireStaleUploads();
        assertThat(http.get("/v1/imports/" + expired.at("/id")).at("/status")).isEqualTo("expired");
        urls.put("expired", expired.at("/_upload_url"));
        Response timedOut = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
        stored(timedOut.at("/id"), j -> j.ended(Status.TIMED_OUT, "The import ran past its maximum run time",
                PhaseStatus.SKIPPED, Instant.now()));
        urls.put("timed_out", timedOut.at("/_upload_url"));

        for (Map.Entry<String, String> e : urls.entrySet()) {
            String status = e.getKey();
            HttpResponse<String> refused = upload(e.getValue(), VENDORS, "text/csv", "v.csv");

            assertRefused(refused, status, 409, "import_not_awaiting_upload",
                    "This import is " + status + " and takes no upload; create a new import");
        }
        assertThat(http.get("/v1/imports/" + cancelled.at("/id")).at("/has_upload_file")).isEqualTo("false");
    }

    /**
     * An import's upload URL expires when its wait for the upload ends, so the URL past its time finds the import
     * expired, even before the sweep marks it, and answers as an expired import does: not 403 url_expired, whose
     * fresh URL the import no longer has.
     */
    @Test
    void anUploadUrlPastItsTimeFindsTheImportExpiredAndAnswersAsAnExpiredImportDoes() throws Exception {
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
        String id = created.at("/id");
        Instant past = Instant.now().minusSeconds(60).truncatedTo(ChronoUnit.SECONDS);
        uploadExpiresAt(id, past);
        String path = "/files/imports/" + id + "/upload";
        String url = created.at("/_upload_url");
        String expiredUrl = url.substring(0, url.indexOf("/files/")) + path + "?expires=" + past.getEpochSecond()
                + "&signature=" + hmac("PUT " + path + " " + past.getEpochSecond());

        for (int attempt = 1; attempt <= 2; attempt++) {
            HttpResponse<String> refused = upload(expiredUrl, VENDORS, "text/csv", "v.csv");

            assertThat(refused.statusCode()).as("attempt %d", attempt).isEqualTo(409);
            JsonNode error = Http.JSON.readTree(refused.body()).get("error");
            assertThat(error.get("code").asString()).isEqualTo("import_not_awaiting_upload");
            assertThat(error.get("message").asString())
                    .isEqualTo("This import is expired and takes no upload; create a new import");
            Response after = http.get("/v1/imports/" + id);
            assertThat(after.at("/status")).isEqualTo("expired");
            assertThat(after.at("/reason")).isEqualTo("No upload arrived before the upload URL expired at " + past);
            assertThat(after.at("/_upload_url")).isNull();
        }
    }

    /**
     * An upload that began while its URL was valid is not cut off by the expiry sweep when the URL's time passes
     * while its bytes arrive: the sweep leaves an import whose upload this process is receiving, and the upload then
     * queues it.
     */
    @Test
    void theExpirySweepLeavesAnImportWhoseUploadIsArriving() throws Exception {
        HeldUpload upload = heldUpload();
        String id = upload.importId();

        uploadExpiresAt(id, Instant.now().minusSeconds(1));
        TestServer.of(database()).bean(ImportTasks.class).expireStaleUploads();
        String during = http.get("/v1/imports/" + id).at("/status");
        HttpResponse<String> answer = upload.finish();

        assertThat(during).isEqualTo("requested");
        assertThat(answer.statusCode()).isEqualTo(202);
        Response done = awaitFinal(id);
        assertThat(done.at("/status")).isEqualTo("completed");
        assertThat(done.at("/stats/created")).isEqualTo("3000");
    }

    /**
     * An import whose wait ended while its upload's bytes arrived (another instance's sweep, a cancel) stays as it
     * ended: the upload is refused naming its status, and its file is not kept.
     */
    @Test
    void anUploadWhoseImportEndedWhileItsBytesArrivedIsRefusedAndNotKept() throws Exception {
        HeldUpload upload = heldUpload();
        String id = upload.importId();

        stored(id, j -> j.ended(Status.EXPIRED, "No upload arrived before the upload URL expired at "
                + j.uploadExpiresAt(), PhaseStatus.SKIPPED, Instant.now()));
        HttpResponse<String> refused = upload.finish();

        assertRefused(refused, "expired", 409, "import_not_awaiting_upload",
                "This import is expired and takes no upload; create a new import");
        Response after = http.get("/v1/imports/" + id);
        assertThat(after.at("/status")).isEqualTo("expired");
        assertThat(after.at("/has_upload_file")).isEqualTo("false");
        assertThat(after.json().get("checksum").isNull()).as(after.body()).isTrue();
        assertThat(TestServer.of(database()).bean(UploadStore.class).path(id)).doesNotExist();
    }

    /**
     * The expiry sweep ends an import's wait only while it is still {@code requested}: an upload that another
     * instance stored after the sweep read the import keeps it queued.
     */
    @Test
    void anImportIsMarkedExpiredOnlyWhileItIsStillRequested() {
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
        String id = created.at("/id");
        TestServer server = TestServer.of(database());
        ImportStore imports = server.bean(ImportStore.class);
        ImportJob read = server.bean(Database.class).withHandle(h -> imports.get(h, id).orElseThrow());
        stored(id, j -> j.withUpload("0".repeat(64), "csv", "v.csv", null).withStatus(Status.QUEUED, null));

        Optional<ImportJob> expired = server.bean(Database.class).inTransaction(h -> imports.saveIf(h,
                read.ended(Status.EXPIRED, "No upload arrived", PhaseStatus.SKIPPED, Instant.now()),
                Status.REQUESTED));

        assertThat(expired).isEmpty();
        Response after = http.get("/v1/imports/" + id);
        assertThat(after.at("/status")).isEqualTo("queued");
        assertThat(after.at("/checksum")).isEqualTo("0".repeat(64));
    }

    /**
     * Two uploads to one import at once (a client retrying after a time-out, say): the first to finish is the
     * import's, and the other, finishing later, is refused and does not replace the stored file.
     */
    @Test
    void ofTwoUploadsToOneImportAtOnceTheFirstToFinishIsKeptAndTheOtherRefused() throws Exception {
        twoUploadsAtOnce("application/octet-stream", "vendors");
    }

    /**
     * As above, for two uploads declared CSV and so prescanned while they arrive: the import's prevalidation takes
     * the prescan of its own upload, never the other's (whose 4,000 rows would show in the row count), and does not
     * wait for the other to end.
     */
    @Test
    void ofTwoPrescannedUploadsToOneImportAtOnceTheImportUsesThePrescanOfTheOneKept() throws Exception {
        twoUploadsAtOnce("text/csv", "v.csv");
    }

    /**
     * Uploads {@link #MANY_VENDORS} and, at the same time, 4,000 vendors to one import, both declared
     * {@code contentType} and named {@code fileName}; lets the first finish and the import complete, then the second.
     */
    private void twoUploadsAtOnce(String contentType, String fileName) throws Exception {
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
        String id = created.at("/id");
        HeldUpload first = heldUpload(id, created.at("/_upload_url"), MANY_VENDORS, contentType, fileName);
        HeldUpload second = heldUpload(id, created.at("/_upload_url"), vendors(4_000), contentType, fileName);

        HttpResponse<String> refused = afterTheFirstCompleted(first, second);

        assertRefused(refused, "the second upload", 409, "upload_received",
                "This import already has its upload (status completed)");
        assertKeptManyVendors(id, fileName);
    }

    /**
     * An upload of an unsupported type received alongside another upload to the same import, which was kept while the
     * first was held mid-stream, is answered 409 {@code upload_received}, as an upload of a supported type is: the
     * import's state is the answer that matters, since no upload can help it now (before, it was 415). It discards
     * only its own bytes: the import keeps its file.
     */
    @Test
    void anUploadOfAnUnsupportedTypeReceivedAlongsideTheOneKeptIsRefusedAsUploadReceivedAndLeavesTheKeptFileAlone()
            throws Exception {
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
        String id = created.at("/id");
        HeldUpload first = heldUpload(id, created.at("/_upload_url"), MANY_VENDORS, "text/csv", "v.csv");
        HeldUpload second = heldUpload(id, created.at("/_upload_url"), "%PDF-1.4\n" + "x".repeat(100_000),
                "application/pdf", "v.pdf");

        HttpResponse<String> refused = afterTheFirstCompleted(first, second);

        assertRefused(refused, "the PDF", 409, "upload_received",
                "This import already has its upload (status completed)");
        assertKeptManyVendors(id, "v.csv");
    }

    /**
     * As above for an upload over FREIGHT_MAX_UPLOAD_BYTES (its first half, under the limit, arrives while the other
     * is held): 409 {@code upload_received}, not 413, once the other was kept.
     */
    @Test
    void anUploadOverTheLimitReceivedAlongsideTheOneKeptIsRefusedAsUploadReceived() throws Exception {
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
        String id = created.at("/id");
        HeldUpload first = heldUpload(id, created.at("/_upload_url"), MANY_VENDORS, "text/csv", "v.csv");
        HeldUpload second = heldUpload(id, created.at("/_upload_url"),
                "external_id,name\n" + "x".repeat((int) TestServer.MAX_UPLOAD_BYTES), "text/csv", "v.csv");

        HttpResponse<String> refused = afterTheFirstCompleted(first, second);

        assertRefused(refused, "the upload over the limit", 409, "upload_received",
                "This import already has its upload (status completed)");
        assertKeptManyVendors(id, "v.csv");
    }

    /**
     * An upload whose accepting transaction fails at its commit, after its file was moved into place (the database
     * refuses the commit: a deferred test trigger), leaves no half state: the import still waits, with no checksum and
     * no file, nothing is staged, and a retry is accepted and imported. Before, the file stayed in place under an
     * import still requested.
     */
    @Test
    void anUploadWhoseAcceptanceFailsToCommitLeavesNoFileAndARetryIsAccepted() throws Exception {
        TestServer server = TestServer.of(database());
        Database db = server.bean(Database.class);
        UploadStore uploads = server.bean(UploadStore.class);
        db.withHandle(h -> {
            database().refusingUploadCommitsSql().forEach(h::execute);
            return null;
        });
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
        String id = created.at("/id");
        db.inTransaction(h -> h.update("insert into refused_upload_imports (id) values (?)", id));

        HttpResponse<String> failed;
        try {
            failed = upload(created.at("/_upload_url"), VENDORS, "text/csv", "vendors.csv");
        } finally {
            db.inTransaction(h -> h.update("delete from refused_upload_imports where id = ?", id));
        }

        assertThat(failed.statusCode()).as(failed.body()).isEqualTo(500);
        JsonNode error = Http.JSON.readTree(failed.body()).get("error");
        assertThat(error.get("code").asString()).isEqualTo("internal_error");
        assertThat(error.get("message").asString())
                .matches("Freight failed to process the request \\(error id err_[0-9a-f]{32}\\)");
        assertStillWaitsForItsUpload(id);
        assertThat(uploads.receiving(id)).isFalse();
        HttpResponse<String> accepted = upload(created.at("/_upload_url"), VENDORS, "text/csv", "vendors.csv");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        Response done = awaitFinal(id);
        assertThat(done.at("/status")).isEqualTo("completed");
        assertThat(done.at("/checksum")).isEqualTo(sha256(VENDORS));
        assertThat(Files.readString(uploads.path(id))).isEqualTo(VENDORS);
    }

    /**
     * An upload refused for its type leaves nothing on disk, and the import waits for another upload, which it
     * takes.
     */
    @Test
    void anUploadOfAnUnsupportedTypeIsNotKeptAndTheImportTakesAnother() throws Exception {
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
        String id = created.at("/id");

        HttpResponse<String> refused = upload(created.at("/_upload_url"), "%PDF-1.4\n", "application/pdf", "v.pdf");

        assertRefused(refused, "the PDF", 415, "unsupported_file_type",
                "The file is a PDF document; expected a CSV, JSON, NDJSON, XLSX or XLS file");
        Response waiting = http.get("/v1/imports/" + id);
        assertThat(waiting.at("/status")).isEqualTo("requested");
        assertThat(waiting.at("/has_upload_file")).isEqualTo("false");
        assertThat(TestServer.of(database()).bean(UploadStore.class).path(id)).doesNotExist();
        assertThat(stagedFiles(id)).isEmpty();
        HttpResponse<String> accepted = upload(created.at("/_upload_url"), VENDORS, "text/csv", "vendors.csv");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        assertThat(awaitFinal(id).at("/checksum")).isEqualTo(sha256(VENDORS));
    }

    /**
     * A partly uploaded workbook (an XLSX cut short, its ZIP archive without its end) is refused as it arrives with 415
     * {@code unreadable_file}, a damaged workbook, in either upload mode, not as a file of another type (before, 415
     * {@code unsupported_file_type}); the import keeps waiting, and takes the whole file.
     */
    @Test
    void aTruncatedXlsxUploadIsRefusedAs415UnreadableFileAndTheImportTakesTheWholeFile() throws Exception {
        byte[] whole = dev.freight.testing.XlsxFiles.of("Vendors",
                new String[][] {{"external_id", "name"}, {"v-1", "Acme"}, {"v-2", "Beta"}});
        String xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        for (String mode : List.of("sync", "async")) {
            Response created = http.post("/v1/imports", "{\"resource\": \"vendor\", \"upload_mode\": \"" + mode
                    + "\"}");
            String id = created.at("/id");

            HttpResponse<String> refused = RAW.send(HttpRequest.newBuilder(URI.create(created.at("/_upload_url")))
                    .header("Content-Type", xlsx)
                    .header("Content-Disposition", "attachment; filename=\"vendors.xlsx\"")
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(Arrays.copyOf(whole, whole.length / 2))).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertRefused(refused, mode, 415, "unreadable_file", "The workbook cannot be read; expected a valid .xlsx"
                    + " file, found a damaged one (its ZIP archive is cut short or corrupt, as a partly uploaded file"
                    + " is; send the whole file again)");
            Response waiting = http.get("/v1/imports/" + id);
            assertThat(waiting.at("/status")).as(mode).isEqualTo("requested");
            assertThat(waiting.at("/has_upload_file")).as(mode).isEqualTo("false");
            HttpResponse<String> accepted = RAW.send(HttpRequest.newBuilder(URI.create(created.at("/_upload_url")))
                    .header("Content-Type", xlsx)
                    .header("Content-Disposition", "attachment; filename=\"vendors.xlsx\"")
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(whole)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(mode.equals("sync") ? 200 : 202);
            Response done = awaitFinal(id);
            assertThat(done.at("/status")).as(mode).isEqualTo("completed");
            assertThat(done.at("/stats/valid")).as(mode).isEqualTo("2");
            assertThat(done.at("/stats/failed")).as(mode).isEqualTo("0");
        }
    }

    /**
     * A password-protected Excel 97-2003 workbook (an OLE2 file with a Workbook stream, as an open one is) is refused
     * as it arrives, 415 {@code encrypted_file} as an encrypted XLSX is, in either upload mode: before, it was accepted
     * as an XLS and failed in prevalidation.
     */
    @Test
    void anEncryptedXlsUploadIsRefusedAs415EncryptedFileAndTheImportKeepsWaiting() throws Exception {
        byte[] file = Files.readAllBytes(Corpora.require("poi-spreadsheets").resolve("password.xls"));
        for (String mode : List.of("sync", "async")) {
            Response created = http.post("/v1/imports", "{\"resource\": \"vendor\", \"upload_mode\": \"" + mode
                    + "\"}");

            HttpResponse<String> refused = RAW.send(HttpRequest.newBuilder(URI.create(created.at("/_upload_url")))
                    .header("Content-Type", "application/vnd.ms-excel")
                    .header("Content-Disposition", "attachment; filename=\"password.xls\"")
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(file)).build(), HttpResponse.BodyHandlers.ofString());

            assertRefused(refused, mode, 415, "encrypted_file",
                    "The file is a password-protected Office document; expected a workbook without a password");
            Response waiting = http.get("/v1/imports/" + created.at("/id"));
            assertThat(waiting.at("/status")).as(mode).isEqualTo("requested");
            assertThat(waiting.at("/has_upload_file")).as(mode).isEqualTo("false");
        }
    }

    /**
     * A text file without a header row is empty whatever its bytes (blank space, empty quoted cells, separators, a
     * byte-order mark, any length): refused as it arrives, 415 {@code empty_file}, in either upload mode, and the
     * import keeps waiting, as parse refuses it with 400 {@code empty_file}. Before, only blank space under 8 KiB was;
     * the others were accepted and failed in prevalidation (422 in sync mode). A header row without data rows is no
     * empty file.
     */
    @Test
    void anUploadWithoutAHeaderRowIsRefusedAs415EmptyFileWhateverBlankItHolds() throws Exception {
        String blankRows = "The file has only blank rows; expected a CSV, JSON, NDJSON, XLSX or XLS file";
        Map<String, String> refusals = new LinkedHashMap<>();
        refusals.put("\"\"", blankRows);
        refusals.put("\"\"\n", blankRows);
        refusals.put("\uFEFF\"\"\r\n\r\n", blankRows);
        refusals.put(",,\n\"\",\" \"\n", blankRows);
        refusals.put("\n".repeat(10_000), blankRows);
        refusals.put(" \n\n", "The file has only blank space; expected a CSV, JSON, NDJSON, XLSX or XLS file");
        for (String mode : List.of("sync", "async")) {
            for (Map.Entry<String, String> refusal : refusals.entrySet()) {
                String as = mode + " " + refusal.getKey().length() + " chars "
                        + refusal.getKey().substring(0, Math.min(12, refusal.getKey().length())).strip();
                Response created = http.post("/v1/imports", "{\"resource\": \"vendor\", \"upload_mode\": \""
                        + mode + "\"}");
                String id = created.at("/id");

                HttpResponse<String> refused = upload(created.at("/_upload_url"), refusal.getKey(), "text/csv",
                        "v.csv");

                assertRefused(refused, as, 415, "empty_file", refusal.getValue());
                Response waiting = http.get("/v1/imports/" + id);
                assertThat(waiting.at("/status")).as(as).isEqualTo("requested");
                assertThat(waiting.at("/has_upload_file")).as(as).isEqualTo("false");
                assertThat(stagedFiles(id)).as(as).isEmpty();
            }
            Response created = http.post("/v1/imports", "{\"resource\": \"vendor\", \"upload_mode\": \"" + mode
                    + "\"}");
            HttpResponse<String> headerOnly = upload(created.at("/_upload_url"), "external_id,name\n", "text/csv",
                    "v.csv");
            assertThat(headerOnly.statusCode()).as(mode + ": " + headerOnly.body()).isEqualTo(mode.equals("sync")
                    ? 200 : 202);
        }
    }

    /**
     * An upload one byte over FREIGHT_MAX_UPLOAD_BYTES is refused whole, with nothing kept, and leaves the import
     * waiting for another. Exactly one byte over, so the server has read the whole body when it answers.
     */
    @Test
    void anUploadOverTheLimitIsRefusedWithNothingKeptAndTheImportTakesAnother() throws Exception {
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
        String id = created.at("/id");
        byte[] header = "external_id,name\n".getBytes(StandardCharsets.UTF_8);
        byte[] tooLarge = new byte[(int) TestServer.MAX_UPLOAD_BYTES + 1];
        System.arraycopy(header, 0, tooLarge, 0, header.length);
        for (int i = header.length; i < tooLarge.length; i++) {
            tooLarge[i] = i % 16 == 15 ? (byte) '\n' : (byte) ('a' + i % 7);
        }

        HttpResponse<String> refused = RAW.send(HttpRequest.newBuilder(URI.create(created.at("/_upload_url")))
                .header("Content-Type", "text/csv").PUT(HttpRequest.BodyPublishers.ofByteArray(tooLarge)).build(),
                HttpResponse.BodyHandlers.ofString());

        assertRefused(refused, "the upload over the limit", 413, "payload_too_large",
                "The upload exceeds the limit of 8,000,000 bytes (FREIGHT_MAX_UPLOAD_BYTES)");
        assertStillWaitsForItsUpload(id);
        HttpResponse<String> accepted = upload(created.at("/_upload_url"), VENDORS, "text/csv", "vendors.csv");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        assertThat(awaitFinal(id).at("/checksum")).isEqualTo(sha256(VENDORS));
    }

    /**
     * A client cut off mid-upload (its connection closed after half of the declared body) is no failure of the server:
     * one WARN line without a stack trace names the import, nothing of the upload is kept, and the import still
     * waits, so the whole file sent again is accepted. Before, it was logged as an ERROR internal_error with the
     * EOFException's stack and an error id nobody received.
     */
    @Test
    void anUploadCutOffByItsClientIsLoggedAsOneWarningAndTheWholeFileIsAcceptedAfter() throws Exception {
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
        String id = created.at("/id");
        byte[] file = VENDORS.getBytes(StandardCharsets.UTF_8);

        try (CapturedLog log = CapturedLog.attach()) {
            Http.cutOff("PUT", created.at("/_upload_url"), Map.of("Content-Type", "text/csv"), file, file.length / 2);
            log.awaitFirst();

            assertStillWaitsForItsUpload(id);
            assertThat(log.lines()).containsExactly("WARN dev.freight.api.ErrorMapper: PUT /files/imports/" + id
                    + "/upload: the client's request body ended early, before the 119 bytes it declared (its"
                    + " connection closed); nothing was kept");
        }
        HttpResponse<String> accepted = upload(created.at("/_upload_url"), VENDORS, "text/csv", "vendors.csv");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        assertThat(awaitFinal(id).at("/checksum")).isEqualTo(sha256(VENDORS));
    }

    /**
     * An upload that sends no byte for over an hour while another instance shares the uploads directory: that
     * instance's import-retention sweep (its clock here two hours on) takes the staged file as abandoned, since only
     * the receiving instance knows it is live, and deletes it. When the rest arrives, the answer is 408
     * upload_stalled, nothing is kept, the import still waits, and the whole file sent again is accepted. Before, the
     * answer was 500 internal_error (the staged file was gone when the upload went to keep it).
     */
    @Test
    void anUploadStalledUntilAnotherInstanceSweptItsFileAnswersStalledAndARetryIsAccepted() throws Exception {
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
        String id = created.at("/id");
        TestServer server = TestServer.of(database());
        byte[] file = MANY_VENDORS.getBytes(StandardCharsets.UTF_8);
        Http.RawAnswer stalled;
        try (Http.SplitRequest upload = Http.SplitRequest.begin("PUT", created.at("/_upload_url"), Map.of(
                "Content-Type", "text/csv", "Content-Disposition", "attachment; filename=\"v.csv\""), file,
                file.length / 2)) {
            awaitStaged(id, file.length / 2);
            UploadStore sharedDirectory = new UploadStore(server.bean(UploadStore.class).path(id).getParent());
            new ImportRetention(server.bean(Database.class), server.bean(ImportStore.class), sharedDirectory,
                    java.time.Clock.systemUTC(), Duration.ofDays(30), Duration.ofHours(1))
                    .sweep(Instant.now().plus(Duration.ofHours(2)));
            assertThat(stagedFiles(id)).isEmpty();

            stalled = upload.finish();
        }

        assertThat(stalled.status()).as(stalled.body()).isEqualTo(408);
        assertThat(stalled.body()).isEqualTo("{\"error\":{\"code\":\"upload_stalled\",\"message\":\"The upload sent"
                + " no bytes for so long that its partly received file was deleted as abandoned (after an hour without"
                + " a byte); nothing was kept and the import still waits for its upload: send the whole file"
                + " again\"}}");
        Response waiting = http.get("/v1/imports/" + id);
        assertThat(waiting.at("/status")).isEqualTo("requested");
        assertThat(waiting.at("/has_upload_file")).isEqualTo("false");
        assertThat(waiting.at("/checksum")).isNull();
        assertThat(server.bean(UploadStore.class).path(id)).doesNotExist();
        assertThat(stagedFiles(id)).isEmpty();
        HttpResponse<String> accepted = upload(waiting.at("/_upload_url"), MANY_VENDORS, "text/csv", "v.csv");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        assertThat(awaitFinal(id).at("/status")).isEqualTo("completed");
        assertKeptManyVendors(id, "v.csv");
    }

    /**
     * An upload's staged file deleted just after its creation, before the upload opened it (another instance's sweep,
     * or someone): the CSV upload answers 408 upload_stalled saying so, nothing is kept, the import still waits, and
     * the whole file sent again is accepted. Before, the prescan's open of the file failed: 500 internal_error.
     */
    @Test
    void anUploadWhoseStagedFileIsDeletedBeforeItsFirstByteAnswersStalledAndARetryIsAccepted() throws Exception {
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
        String id = created.at("/id");
        UploadStore uploads = TestServer.of(database()).bean(UploadStore.class);
        List<String> deleted = new ArrayList<>();
        UploadStoreHooks.afterStaging(uploads, file -> {
            if (file.getFileName().toString().startsWith(id)) {
                try {
                    Files.delete(file);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                deleted.add(file.getFileName().toString());
            }
        });
        HttpResponse<String> stalled;
        try {
            stalled = upload(created.at("/_upload_url"), MANY_VENDORS, "text/csv", "v.csv");
        } finally {
            UploadStoreHooks.clear(uploads);
        }

        assertThat(deleted).hasSize(1);
        assertThat(stalled.statusCode()).as(stalled.body()).isEqualTo(408);
        assertThat(stalled.body()).isEqualTo("{\"error\":{\"code\":\"upload_stalled\",\"message\":\"The upload's"
                + " staged file was deleted from the uploads directory before its first byte was written; nothing was"
                + " kept and the import still waits for its upload: send the whole file again\"}}");
        Response waiting = assertStillWaitsForItsUpload(id);
        HttpResponse<String> accepted = upload(waiting.at("/_upload_url"), MANY_VENDORS, "text/csv", "v.csv");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        assertThat(awaitFinal(id).at("/status")).isEqualTo("completed");
        assertKeptManyVendors(id, "v.csv");
    }

    /**
     * An upload this instance cannot write (its uploads directory cannot be created or written: here a plain file
     * stands where the directory belongs, which refuses even root, as a full disk or a read-only mount would) answers
     * 503 storage_unavailable; the import keeps waiting with nothing claiming a file, and the same upload is accepted
     * once the directory can be written. Before, the answer was 500 internal_error.
     */
    @Test
    void anUploadTheUploadsDirectoryCannotTakeAnswersStorageUnavailableAndARetryIsAccepted() throws Exception {
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
        String id = created.at("/id");
        Path uploads = TestServer.of(database()).bean(UploadStore.class).path(id).getParent();
        Path aside = uploads.resolveSibling("uploads-aside-" + id);
        if (Files.exists(uploads)) {
            Files.move(uploads, aside);
        }
        HttpResponse<String> refused;
        try {
            Files.writeString(uploads, "not a directory");
            refused = upload(created.at("/_upload_url"), VENDORS, "text/csv", "vendors.csv");
        } finally {
            Files.delete(uploads);
            if (Files.exists(aside)) {
                Files.move(aside, uploads);
            }
        }

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
        JsonNode error = Http.JSON.readTree(refused.body()).get("error");
        assertThat(error.get("code").asString()).isEqualTo("storage_unavailable");
        assertThat(error.get("message").asString()).isEqualTo("Freight could not store the upload: its uploads "
                + "directory cannot be written (disk full or not writable); nothing was kept, retry later (error id "
                + error.get("error_id").asString() + ")");
        Response waiting = http.get("/v1/imports/" + id);
        assertThat(waiting.at("/status")).isEqualTo("requested");
        assertThat(waiting.at("/has_upload_file")).isEqualTo("false");
        assertThat(waiting.at("/checksum")).isNull();
        assertThat(stagedFiles(id)).isEmpty();
        HttpResponse<String> accepted = upload(created.at("/_upload_url"), VENDORS, "text/csv", "vendors.csv");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        assertThat(awaitFinal(id).at("/checksum")).isEqualTo(sha256(VENDORS));
    }

    /**
     * Lets {@code first} finish and its import complete, then {@code second}; returns the second's answer. The second
     * is let go whatever happens, so that no request of the server is left waiting.
     */
    private HttpResponse<String> afterTheFirstCompleted(HeldUpload first, HeldUpload second) throws Exception {
        try {
            HttpResponse<String> accepted = first.finish();

            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
            assertThat(awaitFinal(first.importId()).at("/status")).isEqualTo("completed");
            return second.finish();
        } finally {
            second.rest().countDown();
        }
    }

    /** Asserts that the import completed with {@link #MANY_VENDORS} as its upload, and nothing else is on disk. */
    private void assertKeptManyVendors(String id, String fileName) throws Exception {
        Response done = http.get("/v1/imports/" + id);
        assertThat(done.at("/status")).isEqualTo("completed");
        assertThat(done.at("/checksum")).isEqualTo(sha256(MANY_VENDORS));
        assertThat(done.at("/file_name")).isEqualTo(fileName);
        assertThat(done.at("/total_rows")).isEqualTo("3000");
        assertThat(done.at("/stats")).isEqualTo("{\"read\":3000,\"valid\":3000,\"created\":3000,\"updated\":0,"
                + "\"unchanged\":0,\"deleted\":0,\"skipped_duplicates\":0,\"failed\":0}");
        assertThat(get(done.at("/_upload_csv_url")).body()).isEqualTo(MANY_VENDORS.replace("\n", "\r\n"));
        Path stored = TestServer.of(database()).bean(UploadStore.class).path(id);
        assertThat(Files.readString(stored)).isEqualTo(MANY_VENDORS);
        assertThat(stagedFiles(id)).isEmpty();
    }

    /** Vendors v-1 to v-3000, each row valid. */
    private static final String MANY_VENDORS = vendors(3_000);

    /** Vendors v-1 to v-{@code count}, each row valid. */
    private static String vendors(int count) {
        return "external_id,name,status,raw_irq_score\n" + IntStream.rangeClosed(1, count)
                .mapToObj(i -> "v-" + i + ",Vendor " + i + ",active," + i % 100 + "\n").collect(Collectors.joining());
    }

    /**
     * A PUT of {@code content} whose first half (tens of kilobytes, past any buffer of the client's) goes at once and
     * the rest once {@code rest} opens.
     */
    private static CompletableFuture<HttpResponse<String>> heldBackUpload(String url, String content,
            String contentType, String fileName, CountDownLatch rest) {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        int first = bytes.length / 2;
        InputStream held = new InputStream() {
            private InputStream remaining;

            private InputStream remaining() throws IOException {
                if (remaining == null) {
                    try {
                        rest.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException();
                    }
                    remaining = new ByteArrayInputStream(bytes, first, bytes.length - first);
                }
                return remaining;
            }

            @Override
            public int read() throws IOException {
                return remaining().read();
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                return remaining().read(buffer, offset, length);
            }
        };
        InputStream body = new SequenceInputStream(new ByteArrayInputStream(bytes, 0, first), held);
        AtomicBoolean sent = new AtomicBoolean();
        // The body can be read once: a second call of the supplier (the HttpClient sending the request again on a new
        // connection) fails the upload, where handing out the same stream, partly read, sent the server a truncated
        // body that looked whole.
        Supplier<InputStream> once = () -> {
            if (!sent.compareAndSet(false, true)) {
                throw new IllegalStateException("the held-back upload to " + url + " was sent a second time, which "
                        + "its body cannot be");
            }
            return body;
        };
        return RAW.sendAsync(HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", contentType)
                .header("Content-Disposition", "attachment; filename=\"" + fileName + "\"")
                .PUT(HttpRequest.BodyPublishers.ofInputStream(once)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Asserts an error answer's status, code and message; {@code as} names the case in a failure. */
    private static void assertRefused(HttpResponse<String> answer, String as, int status, String code,
            String message) {
        assertThat(answer.statusCode()).as(as + ": " + answer.body()).isEqualTo(status);
        JsonNode error = Http.JSON.readTree(answer.body()).get("error");
        assertThat(error.get("code").asString()).as(as).isEqualTo(code);
        assertThat(error.get("message").asString()).as(as).isEqualTo(message);
    }

    /** An upload to an import whose second half waits for {@link #finish}. */
    private record HeldUpload(String importId, CountDownLatch rest, CompletableFuture<HttpResponse<String>> answer) {

        /** Sends the rest of the bytes and returns the upload's answer. */
        HttpResponse<String> finish() throws Exception {
            rest.countDown();
            return answer.get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * A new vendor import, and an upload of {@link #MANY_VENDORS} to it that the server has begun to receive and that
     * waits for its rest.
     */
    private HeldUpload heldUpload() throws InterruptedException, IOException {
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
        return heldUpload(created.at("/id"), created.at("/_upload_url"), MANY_VENDORS, "text/csv", "v.csv");
    }

    /**
     * An upload of {@code content} to the import, at its upload URL, that the server has begun to receive (into one
     * more staged file of the import) and that waits for its rest.
     */
    private HeldUpload heldUpload(String id, String url, String content, String contentType, String fileName)
            throws InterruptedException, IOException {
        int staged = stagedFiles(id).size();
        CountDownLatch rest = new CountDownLatch(1);
        CompletableFuture<HttpResponse<String>> answer = heldBackUpload(url, content, contentType, fileName, rest);
        UploadStore uploads = TestServer.of(database()).bean(UploadStore.class);
        Instant deadline = Instant.now().plusSeconds(20);
        while (!uploads.receiving(id) || stagedFiles(id).size() <= staged) {
            assertThat(Instant.now()).as("the upload of " + id + " began").isBefore(deadline);
            Thread.sleep(20);
        }
        return new HeldUpload(id, rest, answer);
    }

    /**
     * Waits until this process receives an upload of the import into a staged file and has written its first
     * {@code bytes} bytes there. Only then is the file under the staged name the one the request writes: the name
     * exists a moment before the request opens the file, and a file deleted in that moment is created again by that
     * open, so the upload loses nothing.
     */
    private void awaitStaged(String id, long bytes) throws InterruptedException, IOException {
        UploadStore uploads = TestServer.of(database()).bean(UploadStore.class);
        Path dir = uploads.path(id).getParent();
        Instant deadline = Instant.now().plusSeconds(20);
        List<String> staged = stagedFiles(id);
        while (!uploads.receiving(id) || staged.size() != 1 || Files.size(dir.resolve(staged.getFirst())) != bytes) {
            assertThat(Instant.now()).as("the upload of " + id + " wrote " + bytes + " bytes").isBefore(deadline);
            Thread.sleep(20);
            staged = stagedFiles(id);
        }
    }

    /**
     * The import still waits for its upload, as created: requested, no upload file or checksum, nothing in the uploads
     * directory under its id. Returns the import as read.
     */
    private Response assertStillWaitsForItsUpload(String id) throws IOException {
        Response waiting = http.get("/v1/imports/" + id);
        assertThat(waiting.at("/status")).isEqualTo("requested");
        assertThat(waiting.at("/has_upload_file")).isEqualTo("false");
        assertThat(waiting.at("/checksum")).isNull();
        assertThat(TestServer.of(database()).bean(UploadStore.class).path(id)).doesNotExist();
        assertThat(stagedFiles(id)).isEmpty();
        return waiting;
    }

    /** The names of the import's files in the uploads directory other than its upload: those of uploads arriving. */
    private List<String> stagedFiles(String id) throws IOException {
        Path upload = TestServer.of(database()).bean(UploadStore.class).path(id);
        if (!Files.isDirectory(upload.getParent())) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(upload.getParent())) {
            return files.filter(f -> f.getFileName().toString().startsWith(id) && !f.equals(upload))
                    .map(f -> f.getFileName().toString()).toList();
        }
    }

    /** Sets when the import's wait for its upload ends, as if it had been created that long before. */
    private void uploadExpiresAt(String id, Instant at) {
        TestServer.of(database()).bean(Database.class).inTransaction(h -> h.update(
                "update imports set upload_expires_at = ? where id = ?", at.toEpochMilli(), id));
    }

    /** Saves the import as {@code change} makes it, as the engine would. */
    private void stored(String id, UnaryOperator<ImportJob> change) {
        TestServer server = TestServer.of(database());
        ImportStore imports = server.bean(ImportStore.class);
        server.bean(Database.class).inTransaction(h -> imports.save(h, change.apply(imports.get(h, id).orElseThrow())));
    }

    @Test
    void cancellingARequestedImportEndsItAsFailed() {
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");

        Response cancelled = http.post("/v1/imports/" + created.at("/id") + "/cancel", null);

        assertThat(cancelled.status()).isEqualTo(200);
        assertThat(cancelled.at("/status")).isEqualTo("failed");
        assertThat(cancelled.at("/reason")).isEqualTo("Cancelled on request before it started");
        for (JsonNode phase : cancelled.json().get("phases")) {
            assertThat(phase.get("status").asString()).isEqualTo("skipped");
            assertThat(phase.get("reason").asString()).isEqualTo("Cancelled on request before it started");
        }
        assertThat(cancelled.json().get("phases").size()).isEqualTo(7);
        assertThat(http.post("/v1/imports/" + created.at("/id") + "/cancel", null).status()).isEqualTo(409);
    }

    /**
     * Seed 004: {@code updated_by} is the ID of whoever last updated the import. A cancel and a rollback by another key
     * than the creator's name that key; {@code created_by} stays. Before, a cancel left the creator's key.
     */
    @Test
    void theKeyThatCancelsOrRollsBackAnImportIsItsUpdatedBy() throws Exception {
        Http.Client other = tenant.http(tenant.key(KeyKind.USER, Set.of(Scope.IMPORT, Scope.READ)));
        Response byOther = other.post("/v1/imports", "{\"resource\": \"vendor\"}");
        String otherKey = byOther.at("/created_by");
        Response byAdmin = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
        String adminKey = byAdmin.at("/created_by");
        assertThat(otherKey).matches("key_[0-9a-f]{32}").isNotEqualTo(adminKey);
        assertThat(byOther.at("/updated_by")).isEqualTo(otherKey);

        Response cancelled = http.post("/v1/imports/" + byOther.at("/id") + "/cancel", null);

        assertThat(cancelled.at("/status")).isEqualTo("failed");
        assertThat(cancelled.at("/created_by")).isEqualTo(otherKey);
        assertThat(cancelled.at("/updated_by")).isEqualTo(adminKey);
        assertThat(http.get("/v1/imports/" + byOther.at("/id")).at("/updated_by")).isEqualTo(adminKey);

        upload(byAdmin.at("/_upload_url"), "external_id,name\nv-1,Acme\n", "text/csv", "v.csv");
        assertThat(awaitFinal(byAdmin.at("/id")).at("/updated_by")).isEqualTo(adminKey);
        assertThat(other.post("/v1/imports/" + byAdmin.at("/id") + "/rollback", null).status()).isEqualTo(200);

        Response rolledBack = http.get("/v1/imports/" + byAdmin.at("/id"));
        assertThat(rolledBack.at("/created_by")).isEqualTo(adminKey);
        assertThat(rolledBack.at("/updated_by")).isEqualTo(otherKey);
    }

    @Test
    void rollingBackAnImportDeletesWhatItCreated() throws Exception {
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
        upload(created.at("/_upload_url"), VENDORS, "text/csv", "v.csv");
        awaitFinal(created.at("/id"));

        Response rolledBack = http.post("/v1/imports/" + created.at("/id") + "/rollback", null);

        assertThat(rolledBack.status()).isEqualTo(200);
        assertThat(rolledBack.body()).isEqualTo("{\"import_id\":\"" + created.at("/id")
                + "\",\"deleted_count\":2,\"restored_count\":0,\"conflict_count\":0,\"conflicts\":[]}");
        assertThat(http.get("/v1/objects/vendor/records").json().get("data").size()).isZero();
        assertThat(http.post("/v1/imports/" + created.at("/id") + "/rollback", null).at("/error/code"))
                .isEqualTo("already_rolled_back");
    }

    @Test
    void twoImportsRolledBackNewestFirstRestoreTheRecordsAsTheyWereBeforeBoth() throws Exception {
        String first = importVendors("external_id,name\nv-1,Orig\n");
        String a = importVendors("external_id,name\nv-1,By A\nv-9,Made by A\n");
        String b = importVendors("external_id,name\nv-1,By B\nv-9,Changed by B\n");

        Response undoB = http.post("/v1/imports/" + b + "/rollback", null);

        assertThat(undoB.body()).isEqualTo("{\"import_id\":\"" + b
                + "\",\"deleted_count\":0,\"restored_count\":2,\"conflict_count\":0,\"conflicts\":[]}");
        assertThat(vendorNames()).containsExactly("v-1=By A", "v-9=Made by A");

        Response undoA = http.post("/v1/imports/" + a + "/rollback", null);

        assertThat(undoA.body()).isEqualTo("{\"import_id\":\"" + a
                + "\",\"deleted_count\":1,\"restored_count\":1,\"conflict_count\":0,\"conflicts\":[]}");
        assertThat(vendorNames()).containsExactly("v-1=Orig");
        assertThat(http.get("/v1/imports/" + first).at("/status")).isEqualTo("completed");
    }

    @Test
    void rollingBackAnImportWhoseRecordsALaterImportChangedLeavesThemAsConflicts() throws Exception {
        importVendors("external_id,name\nv-1,Orig\n");
        String a = importVendors("external_id,name\nv-1,By A\nv-9,Made by A\n");
        String b = importVendors("external_id,name\nv-1,By B\nv-9,Changed by B\n");

        Response undoA = http.post("/v1/imports/" + a + "/rollback", null);

        assertThat(undoA.at("/deleted_count")).isEqualTo("0");
        assertThat(undoA.at("/restored_count")).isEqualTo("0");
        assertThat(undoA.at("/conflict_count")).isEqualTo("2");
        List<String> reasons = new ArrayList<>();
        undoA.json().get("conflicts").forEach(c -> reasons.add(c.get("external_id").asString() + ": "
                + c.get("reason").asString()));
        assertThat(reasons).containsExactlyInAnyOrder("v-1: changed or deleted since the import updated it",
                "v-9: changed since the import created it");
        assertThat(vendorNames()).containsExactly("v-1=By B", "v-9=Changed by B");
        assertThat(http.get("/v1/imports/" + b).at("/status")).isEqualTo("completed");
    }

    @Test
    void aCreatedRecordThatALaterDeleteRemovedAndItsRollbackReCreatedIsDeletedByTheCreatorsRollback()
            throws Exception {
        String a = importVendors("external_id,name\nz-1,Made by A\nz-2,Also by A\n");
        String before = storedVendor("z-1");
        String b = importVendorsWith("delete", "external_id\nz-1\n");

        Response undoB = http.post("/v1/imports/" + b + "/rollback", null);

        assertThat(undoB.body()).isEqualTo("{\"import_id\":\"" + b
                + "\",\"deleted_count\":0,\"restored_count\":1,\"conflict_count\":0,\"conflicts\":[]}");
        // Id, version, created_at and creating import as they were before the delete.
        assertThat(before).matches("vndr_\\w+\\|1\\|\\d+\\|" + a);
        assertThat(storedVendor("z-1")).isEqualTo(before);

        Response undoA = http.post("/v1/imports/" + a + "/rollback", null);

        assertThat(undoA.body()).isEqualTo("{\"import_id\":\"" + a
                + "\",\"deleted_count\":2,\"restored_count\":0,\"conflict_count\":0,\"conflicts\":[]}");
        assertThat(vendorNames()).isEmpty();
    }

    @Test
    void anOverwriteThatDeletedPartOfAFullLoadAndTheLoadRolledBackNewestFirstLeaveNoVendor() throws Exception {
        StringBuilder all = new StringBuilder("external_id,name\n");
        StringBuilder kept = new StringBuilder("external_id,name\n");
        for (int i = 0; i < 200; i++) {
            String row = "V%04d,Vendor %d\n".formatted(i, i);
            all.append(row);
            kept.append(i < 190 ? row : "");
        }
        String load = importVendors(all.toString());
        String overwrite = importVendorsWith("overwrite", kept.toString());

        assertThat(http.post("/v1/imports/" + overwrite + "/rollback", null).body()).isEqualTo("{\"import_id\":\""
                + overwrite + "\",\"deleted_count\":0,\"restored_count\":10,\"conflict_count\":0,\"conflicts\":[]}");
        assertThat(http.post("/v1/imports/" + load + "/rollback", null).body()).isEqualTo("{\"import_id\":\""
                + load + "\",\"deleted_count\":200,\"restored_count\":0,\"conflict_count\":0,\"conflicts\":[]}");
        assertThat(vendorNames()).isEmpty();
    }

    @Test
    void aReCreatedRecordALaterImportUpdatedAndWhoseUpdateWasRolledBackIsDeletedByTheCreatorsRollback()
            throws Exception {
        String a = importVendors("external_id,name\nz-1,Made by A\nz-2,Also by A\n");
        String b = importVendorsWith("delete", "external_id\nz-1\n");
        http.post("/v1/imports/" + b + "/rollback", null);
        String c = importVendors("external_id,name\nz-1,By C\n");

        assertThat(http.post("/v1/imports/" + c + "/rollback", null).body()).isEqualTo("{\"import_id\":\"" + c
                + "\",\"deleted_count\":0,\"restored_count\":1,\"conflict_count\":0,\"conflicts\":[]}");
        assertThat(http.post("/v1/imports/" + a + "/rollback", null).body()).isEqualTo("{\"import_id\":\"" + a
                + "\",\"deleted_count\":2,\"restored_count\":0,\"conflict_count\":0,\"conflicts\":[]}");
        assertThat(vendorNames()).isEmpty();
    }

    @Test
    void aCreatedRecordEditedBeforeALaterDeleteAndReCreatedByItsRollbackIsAConflictOfTheCreatorsRollback()
            throws Exception {
        String a = importVendors("external_id,name\nz-1,Made by A\nz-2,Also by A\n");
        importVendors("external_id,name\nz-1,Edited\n");
        String edited = storedVendor("z-1");
        String b = importVendorsWith("delete", "external_id\nz-1\n");
        http.post("/v1/imports/" + b + "/rollback", null);
        assertThat(edited).matches("vndr_\\w+\\|2\\|\\d+\\|" + a);
        assertThat(storedVendor("z-1")).isEqualTo(edited);

        Response undoA = http.post("/v1/imports/" + a + "/rollback", null);

        assertThat(undoA.body()).isEqualTo("{\"import_id\":\"" + a + "\",\"deleted_count\":1,\"restored_count\":0,"
                + "\"conflict_count\":1,\"conflicts\":[{\"record_id\":\"" + edited.split("\\|")[0]
                + "\",\"external_id\":\"z-1\",\"reason\":\"changed since the import created it\"}]}");
        assertThat(vendorNames()).containsExactly("z-1=Edited");
    }

    @Test
    void aDeleteRolledBackAfterTheImportThatCreatedTheRecordDoesNotReCreateItAndSaysWhy() throws Exception {
        String a = importVendors("external_id,name\nz-1,Made by A\nz-2,Also by A\n");
        String id = storedVendor("z-1").split("\\|")[0];
        String b = importVendorsWith("delete", "external_id\nz-1\n");
        assertThat(http.post("/v1/imports/" + a + "/rollback", null).at("/deleted_count")).isEqualTo("1");

        Response undoB = http.post("/v1/imports/" + b + "/rollback", null);

        assertThat(undoB.body()).isEqualTo("{\"import_id\":\"" + b + "\",\"deleted_count\":0,\"restored_count\":0,"
                + "\"conflict_count\":1,\"conflicts\":[{\"record_id\":\"" + id + "\",\"external_id\":\"z-1\","
                + "\"reason\":\"not re-created: import " + a + ", which created it, was rolled back after this import"
                + " was created\"}]}");
        assertThat(vendorNames()).isEmpty();
    }

    @Test
    void aDeleteRowWhoseVendorAServiceStillRefersToIsInTheErrorsFileAndTheVendorStays() throws Exception {
        importVendors("external_id,name\nv-1,Acme\nv-2,Beta\n");
        importRecords("service", "external_id,name,vendor\ns-1,Payments,v-1\n");
        String service = http.get("/v1/objects/service/records").json().get("data").get(0).get("id").asString();
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\", \"action\": \"delete\"}");

        upload(created.at("/_upload_url"), "external_id,name\nv-1,Acme\nv-2,Beta\n", "text/csv", "gone.csv");

        Response done = awaitFinal(created.at("/id"));
        assertThat(done.at("/status")).isEqualTo("completed");
        assertThat(done.at("/reason")).isEqualTo("1 of 2 rows failed; see the errors file");
        assertThat(done.at("/stats")).isEqualTo("{\"read\":2,\"valid\":1,\"created\":0,\"updated\":0,\"unchanged\":0,"
                + "\"deleted\":1,\"skipped_duplicates\":0,\"failed\":1}");
        assertThat(get(done.at("/_errors_csv_url")).body()).isEqualTo("""
                \uFEFFerror_line,error_external_id,error_field,error_code,error_message,external_id,name\r
                2,v-1,external_id,record_referenced,"still referred to by service %s (field vendor), which this \
                file does not delete",v-1,Acme\r
                """.formatted(service));
        assertThat(vendorNames()).containsExactly("v-1=Acme");
    }

    @Test
    void aRollbackAnswerListsACreatedRecordChangedSinceAndStillReferredToOnce() throws Exception {
        String a = importVendors("external_id,name\nv-1,Acme\nv-2,Beta\n");
        importVendors("external_id,name\nv-1,Acme Edited\n");
        importRecords("service", "external_id,name,vendor\ns-1,Payments,v-1\n");
        String vendor = null;
        for (JsonNode r : http.get("/v1/objects/vendor/records").json().get("data")) {
            vendor = "v-1".equals(r.get("external_id").asString()) ? r.get("id").asString() : vendor;
        }
        String service = http.get("/v1/objects/service/records").json().get("data").get(0).get("id").asString();

        Response undoA = http.post("/v1/imports/" + a + "/rollback", null);

        assertThat(undoA.status()).as(undoA.body()).isEqualTo(200);
        assertThat(undoA.body()).isEqualTo("{\"import_id\":\"" + a + "\",\"deleted_count\":1,\"restored_count\":0,"
                + "\"conflict_count\":1,\"conflicts\":[{\"record_id\":\"" + vendor + "\",\"external_id\":\"v-1\","
                + "\"reason\":\"changed since the import created it, and still referred to by service " + service
                + " (field vendor), which the rollback does not delete\"}]}");
        assertThat(vendorNames()).containsExactly("v-1=Acme Edited");
    }

    @Test
    void aRollbackAnswerListsTheFirstThousandConflictsByRecordIdAndCountsThemAll() throws Exception {
        StringBuilder created = new StringBuilder("external_id,name\n");
        StringBuilder changed = new StringBuilder("external_id,name\n");
        for (int i = 0; i < 1_250; i++) {
            created.append(String.format("v-%04d,Name %d%n", i, i));
            if (i < 1_200) {
                changed.append(String.format("v-%04d,Changed %d%n", i, i));
            }
        }
        String first = importVendors(created.toString());
        importVendors(changed.toString());

        Response undo = http.post("/v1/imports/" + first + "/rollback", null);

        assertThat(undo.status()).as(undo.body()).isEqualTo(200);
        assertThat(undo.at("/deleted_count")).isEqualTo("50");
        assertThat(undo.at("/restored_count")).isEqualTo("0");
        assertThat(undo.at("/conflict_count")).isEqualTo("1200");
        JsonNode conflicts = undo.json().get("conflicts");
        assertThat(conflicts.size()).isEqualTo(1_000);
        assertThat(conflicts.get(0).get("external_id").asString()).isEqualTo("v-0000");
        assertThat(conflicts.get(999).get("external_id").asString()).isEqualTo("v-0999");
        assertThat(conflicts.get(999).get("reason").asString()).isEqualTo("changed since the import created it");
    }

    @Test
    void anImportPastTheRetentionKeepsItsStatsAndRecordsButNotItsFilesRowsOrRollback() throws Exception {
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
        String id = created.at("/id");
        upload(created.at("/_upload_url"), VENDORS, "text/csv", "v.csv");
        Response done = awaitFinal(id);
        String errorsUrl = done.at("/_errors_csv_url");
        TestServer server = TestServer.of(database());
        Path upload = server.bean(UploadStore.class).path(id);
        ImportRetention retention = server.bean(ImportRetention.class);
        assertThat(retention.retention()).isEqualTo(Duration.ofDays(30));
        assertThat(upload).exists();
        // A staged upload file a killed process left: the sweep deletes it once nothing wrote it for an hour.
        Path abandoned = Files.writeString(upload.resolveSibling("imp_killed0123.part"), "external_id\nv-1\n");
        retention.sweep(Instant.now());
        assertThat(abandoned).exists();

        retention.sweep(Instant.now().plus(Duration.ofDays(29)));
        assertThat(http.get("/v1/imports/" + id).at("/purged_at")).isNull();
        assertThat(upload).exists();
        assertThat(abandoned).doesNotExist();

        Instant sweptAt = Instant.now();
        assertThat(retention.sweep(sweptAt.plus(Duration.ofDays(31)))).isPositive();

        Response after = http.get("/v1/imports/" + id);
        assertThat(Long.parseLong(after.at("/purged_at"))).isBetween(sweptAt.getEpochSecond() - 1,
                Instant.now().getEpochSecond());
        assertThat(after.at("/has_upload_file")).isEqualTo("false");
        assertThat(after.at("/has_errors_file")).isEqualTo("false");
        assertThat(after.at("/_errors_csv_url")).isNull();
        assertThat(after.at("/_upload_csv_url")).isNull();
        assertThat(after.json().get("stats")).isEqualTo(done.json().get("stats"));
        assertThat(after.at("/stats/created")).isEqualTo("2");
        assertThat(upload).doesNotExist();
        long rows = server.bean(Database.class).withHandle(h -> h.queryFirst(
                "select (select count(*) from import_errors where import_id = ?)"
                        + " + (select count(*) from import_changes where import_id = ?)", rs -> rs.getLong(1), id, id))
                .orElseThrow();
        assertThat(rows).isZero();
        HttpResponse<String> gone = get(errorsUrl);
        assertThat(gone.statusCode()).isEqualTo(410);
        assertThat(gone.body()).contains("\"import_files_deleted\"", "passed the retention (FREIGHT_IMPORT_RETENTION)");
        Response rollback = http.post("/v1/imports/" + id + "/rollback", null);
        assertThat(rollback.status()).isEqualTo(409);
        assertThat(rollback.at("/error/code")).isEqualTo("rollback_unavailable");
        assertThat(http.get("/v1/objects/vendor/records").json().get("data").size()).isEqualTo(2);
        assertThat(retention.sweep(sweptAt.plus(Duration.ofDays(31)))).isZero();
    }

    @Test
    void theJsonImportApiRunsThroughTheEngineAndIsListedWithItsPhases() {
        http.post("/v1/import-reports", ImportApiContract.SEED_REPORT);
        http.post("/v1/import/vendor-custom-import", ImportApiContract.SEED_BODY);

        Response list = http.get("/v1/imports?resource=vendor&status=completed");

        assertThat(list.json().get("data").size()).isEqualTo(1);
        assertThat(list.at("/data/0/upload_mode")).isEqualTo("sync");
        assertThat(list.at("/data/0/name")).isEqualTo("Vendor Import");
        assertThat(list.at("/data/0/column_mapping/name")).isEqualTo("Name");
        assertThat(list.at("/data/0/stats/created")).isEqualTo("2");
        assertThat(list.at("/data/0/phases/5/name")).isEqualTo("processing");
        assertThat(list.at("/data/0/phases/5/status")).isEqualTo("completed");
        assertThat(list.at("/data/0/phases/6/status")).isEqualTo("skipped");
        // It has no upload: no checksum (docs/api.md, "Where Freight differs from the seeds").
        assertThat(list.json().at("/data/0/checksum").isNull()).isTrue();
        assertThat(list.at("/data/0/has_upload_file")).isEqualTo("false");
    }

    @Test
    void importsAreListedNewestFirstWithFiltersAndACursor() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(http.post("/v1/imports", "{\"resource\": \"vendor\"}").at("/id"));
        }
        http.post("/v1/imports", "{\"resource\": \"service\"}");

        Response first = http.get("/v1/imports?resource=vendor&limit=2");
        Response second = http.get("/v1/imports?resource=vendor&limit=2&cursor=" + first.at("/next_cursor"));

        assertThat(first.at("/data/0/id")).isEqualTo(ids.get(2));
        assertThat(first.at("/data/1/id")).isEqualTo(ids.get(1));
        assertThat(second.at("/data/0/id")).isEqualTo(ids.get(0));
        assertThat(second.at("/next_cursor")).isNull();
        assertThat(http.get("/v1/imports?status=completed").json().get("data").size()).isZero();
        assertThat(http.get("/v1/imports?status=done").at("/error/message")).isEqualTo(
                "status must be one of requested, queued, processing, completed, failed, timed_out, expired, got \"done\"");
        assertThat(http.get("/v1/imports/imp_nothing").status()).isEqualTo(404);
        for (String bad : List.of("not.base64", "abc", "eyJ4IjoxfQ", "AAAA", "")) {
            assertThat(http.get("/v1/imports?cursor=" + bad).at("/error/code")).as(bad).isEqualTo("invalid_cursor");
        }
        Response undecodable = http.get("/v1/imports?cursor=%C3%28");
        assertThat(undecodable.status()).isEqualTo(400);
        assertThat(undecodable.at("/error/code")).isEqualTo("invalid_parameter");
        assertThat(undecodable.at("/error/message")).isEqualTo("The query string is not valid: each %XX escape must"
                + " be two hex digits, and together they must spell UTF-8");
        // Also where no handler reads a parameter: a POST with a JSON body, creating nothing.
        int listed = http.get("/v1/imports").json().get("data").size();
        for (String path : List.of("/v1/imports?x=%C3%28", "/v1/imports?name=%FF")) {
            Response post = http.post(path, "{\"resource\": \"vendor\"}");
            assertThat(post.status()).as(path).isEqualTo(400);
            assertThat(post.at("/error/code")).as(path).isEqualTo("invalid_parameter");
        }
        assertThat(http.get("/v1/imports").json().get("data").size()).isEqualTo(listed);
        Response notANumber = http.get("/v1/imports?limit=ten");
        assertThat(notANumber.status()).isEqualTo(400);
        assertThat(notANumber.at("/error/code")).isEqualTo("invalid_parameter");
        assertThat(notANumber.at("/error/message")).isEqualTo("Parameter limit must be a whole number, got \"ten\"");
        assertThat(http.get("/v1/imports?limit=99999999999999").at("/error/message"))
                .isEqualTo("Parameter limit is too large, got \"99999999999999\"");
    }

    /**
     * A listing's {@code status} and {@code resource} given several times, or as a comma list, list the imports in any
     * of them, a page at a time. Before, Spring joined the values with commas: the statuses answered 422 naming
     * {@code "failed,completed"}, the resources listed nothing.
     */
    @Test
    void severalStatusesOrResourcesListTheImportsInAnyOfThem() {
        String vendor = http.post("/v1/imports", "{\"resource\": \"vendor\"}").at("/id");
        String service = http.post("/v1/imports", "{\"resource\": \"service\"}").at("/id");
        String contact = http.post("/v1/imports", "{\"resource\": \"contact\"}").at("/id");
        String cancelled = http.post("/v1/imports", "{\"resource\": \"vendor\"}").at("/id");
        assertThat(http.post("/v1/imports/" + cancelled + "/cancel", null).at("/status")).isEqualTo("failed");
        http.post("/v1/import-reports", ImportApiContract.SEED_REPORT);
        assertThat(http.post("/v1/import/vendor-custom-import", ImportApiContract.SEED_BODY).status()).isEqualTo(200);
        String completed = http.get("/v1/imports?status=completed").at("/data/0/id");

        assertThat(listedIds("/v1/imports?status=failed&status=completed")).containsExactly(completed, cancelled);
        assertThat(listedIds("/v1/imports?status=failed,completed")).containsExactly(completed, cancelled);
        assertThat(listedIds("/v1/imports?resource=vendor&resource=contact"))
                .containsExactly(completed, cancelled, contact, vendor);
        assertThat(listedIds("/v1/imports?resource=service&resource=service")).containsExactly(service);
        String both = "/v1/imports?resource=vendor&resource=contact&status=requested&status=failed&limit=2";
        Response first = http.get(both);
        assertThat(ids(first)).containsExactly(cancelled, contact);
        assertThat(listedIds(both + "&cursor=" + first.at("/next_cursor"))).containsExactly(vendor);
        Response unknown = http.get("/v1/imports?status=failed&status=done");
        assertThat(unknown.status()).isEqualTo(422);
        assertThat(unknown.at("/error/message")).isEqualTo("status must be one of requested, queued, processing,"
                + " completed, failed, timed_out, expired, got \"done\"");
        assertThat(http.get("/v1/imports?status=").at("/error/message")).endsWith("got \"\"");
        String many = IntStream.rangeClosed(1, 21).mapToObj(i -> "resource=o" + i).collect(Collectors.joining("&"));
        Response tooMany = http.get("/v1/imports?" + many);
        assertThat(tooMany.status()).isEqualTo(400);
        assertThat(tooMany.at("/error/code")).isEqualTo("invalid_parameter");
        assertThat(tooMany.at("/error/message")).isEqualTo("resource may name at most 20 objects, got 21");
    }

    /**
     * A parameter that takes one value, given twice, is refused naming it on every listing and signed URL, before
     * anything is read or written. Before, Spring joined two texts with a comma ({@code external_id} then listed
     * nothing, a signature did not match) and took the first of two numbers.
     */
    @Test
    void aParameterThatTakesOneValueGivenTwiceIsRefusedNamingIt() throws Exception {
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
        String url = created.at("/_upload_url");
        for (String path : List.of("/v1/imports?limit=5&limit=10", "/v1/imports?cursor=a&status=failed&cursor=b",
                "/v1/objects/vendor/records?external_id=v-1&external_id=v-2", "/v1/objects/vendor/records?limit=1"
                + "&li%6Dit=2", "/v1/export-jobs?limit=5&limit=5", "/v1/modules/vendors/import/jobs?limit=1&limit=2")) {
            Response r = http.get(path);
            String name = path.contains("external_id") ? "external_id" : path.contains("cursor") ? "cursor" : "limit";
            assertThat(r.status()).as(path).isEqualTo(400);
            assertThat(r.at("/error/code")).as(path).isEqualTo("invalid_parameter");
            assertThat(r.at("/error/message")).as(path).isEqualTo("Query parameter \"" + name + "\" is given 2 times;"
                    + " it takes one value");
        }
        HttpResponse<String> twice = upload(url + "&expires=1", VENDORS, "text/csv", "v.csv");
        assertThat(twice.statusCode()).isEqualTo(400);
        assertThat(twice.body()).isEqualTo("{\"error\":{\"code\":\"invalid_parameter\",\"message\":\"Query"
                + " parameter \\\"expires\\\" is given 2 times; it takes one value\"}}");
        assertThat(http.get("/v1/imports/" + created.at("/id")).at("/status")).isEqualTo("requested");
        assertThat(upload(url, VENDORS, "text/csv", "v.csv").statusCode()).isEqualTo(202);
    }

    /**
     * An upload's {@code Content-Disposition} with {@code filename*} (RFC 6266, RFC 5987: what browsers and curl send
     * for a name that is not ASCII) names the import's file by it, decoded, before any {@code filename}; one that does
     * not decode (a bad escape, bytes that are not text in its charset, a control character) is passed over for
     * {@code filename}. Before, {@code filename*} was ignored: the file was {@code upload}, or the ASCII fallback.
     */
    @Test
    void anUploadsEncodedFileNameNamesItsFile() throws Exception {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("attachment; filename*=UTF-8''Lieferanten%20M%C3%BCnchen%20%E2%82%AC.csv",
                "Lieferanten München €.csv");
        expected.put("attachment; filename=\"vendors.csv\"; filename*=utf-8'de'Lieferanten%20K%C3%B6ln.csv",
                "Lieferanten Köln.csv");
        expected.put("attachment; FILENAME*=UTF-8''a+b%3Bc.csv; filename=\"ab.csv\"", "a+b;c.csv");
        expected.put("attachment; filename*=ISO-8859-1''caf%E9.csv", "café.csv");
        expected.put("attachment; filename=\"fallback.csv\"; filename*=UTF-8''caf%E9.csv", "fallback.csv");
        expected.put("attachment; filename=\"fallback.csv\"; filename*=UTF-8''a%00b.csv", "fallback.csv");
        expected.put("attachment; filename=\"fallback.csv\"; filename*=UTF-8''a%ZZ.csv", "fallback.csv");
        expected.put("attachment; filename*=windows-1252''caf%E9.csv", "upload");
        for (Map.Entry<String, String> e : expected.entrySet()) {
            Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
            HttpResponse<String> put = RAW.send(HttpRequest.newBuilder(URI.create(created.at("/_upload_url")))
                    .header("Content-Type", "text/csv").header("Content-Disposition", e.getKey())
                    .PUT(HttpRequest.BodyPublishers.ofString(VENDORS)).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(put.statusCode()).as(e.getKey()).isEqualTo(202);
            assertThat(http.get("/v1/imports/" + created.at("/id")).at("/file_name")).as(e.getKey())
                    .isEqualTo(e.getValue());
        }
    }

    /**
     * The values an import takes from a fixed list match without regard to case, in its body and in the listing's
     * {@code status}; the import answers them in lower case. Before, each was refused with 422 {@code invalid_import}.
     */
    @Test
    void theNamesAnImportTakesFromAListMatchWithoutRegardToCase() {
        Response created = http.post("/v1/imports", """
                {"resource": "vendor", "upload_mode": "SYNC", "action": "Merge", "duplicate_handling": "USE_FIRST"}""");

        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.at("/upload_mode")).isEqualTo("sync");
        assertThat(created.at("/action")).isEqualTo("merge");
        assertThat(created.at("/duplicate_handling")).isEqualTo("use_first");
        assertThat(listedIds("/v1/imports?status=REQUESTED&status=Failed")).containsExactly(created.at("/id"));
    }

    /** The ids of a listing's first page. */
    private List<String> listedIds(String path) {
        Response r = http.get(path);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return ids(r);
    }

    private static List<String> ids(Response listing) {
        List<String> ids = new ArrayList<>();
        listing.json().get("data").forEach(i -> ids.add(i.get("id").asString()));
        return ids;
    }

    @Test
    void aJsonFileMapsEveryKeyNamedLikeAFieldInEveryRowNotOnlyTheFirst() throws Exception {
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");

        upload(created.at("/_upload_url"), """
                [{"external_id": "j-1", "name": "Acme"},
                 {"external_id": "j-2", "name": "Beta", "status": "sleeping", "raw_irq_score": 70.50}]""",
                "application/json", "v.json");

        Response done = awaitFinal(created.at("/id"));
        assertThat(done.at("/file_type")).isEqualTo("json");
        assertThat(done.at("/stats/created")).isEqualTo("1");
        assertThat(done.at("/stats/failed")).isEqualTo("1");
        assertThat(get(done.at("/_errors_json_url")).body()).contains("\"line\":2,\"external_id\":\"j-2\","
                + "\"field\":\"status\",\"error_code\":\"invalid_field_value\"");
        // The original cells as written: a fraction keeps its digits.
        assertThat(get(done.at("/_errors_csv_url")).body()).endsWith(",j-2,Beta,sleeping,70.50\r\n");
    }

    @Test
    void aRecordOfAJsonOrNdjsonFileWithAKeyTwiceIsRejectedAloneNamingTheKey() throws Exception {
        String json = """
                [{"external_id": "d-1", "name": "Acme"},
                 {"external_id": "d-2", "name": "Beta", "name": "Gamma"},
                 {"external_id": "d-3", "name": "Delta", "hq_location": {"city": "X", "city": "Y"}}]""";
        String ndjson = """
                {"external_id": "n-1", "name": "Acme"}
                {"external_id": "n-2", "name": "Beta", "name": "Gamma"}
                {"external_id": "n-3", "name": "Delta"}
                """;
        for (String[] file : List.of(new String[] {json, "application/json", "v.json", "2, column 41", "3"},
                new String[] {ndjson, "application/x-ndjson", "v.ndjson", "2, column 40", null})) {
            Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");

            upload(created.at("/_upload_url"), file[0], file[1], file[2]);

            Response done = awaitFinal(created.at("/id"));
            assertThat(done.at("/status")).as(file[2]).isEqualTo("completed");
            assertThat(done.at("/stats/read")).as(file[2]).isEqualTo("3");
            assertThat(done.at("/stats/failed")).as(file[2]).isEqualTo(file[4] == null ? "1" : "2");
            JsonNode errors = Http.JSON.readTree(get(done.at("/_errors_json_url")).body());
            assertThat(errors.get(0).get("line").asLong()).isEqualTo(2);
            assertThat(errors.get(0).get("error_code").asString()).isEqualTo("malformed_row");
            assertThat(errors.get(0).get("message").asString()).as(file[2]).isEqualTo(
                    "Line " + file[3] + ": the key \"name\" appears twice in one object");
            if (file[4] != null) {
                assertThat(errors.get(1).get("message").asString()).isEqualTo(
                        "Line 3, column 71: the key \"city\" appears twice in one object");
            }
        }
        assertThat(http.get("/v1/objects/vendor/records?external_id=d-2").json().get("data").size()).isZero();
        assertThat(http.get("/v1/objects/vendor/records?external_id=n-3").at("/data/0/values/name")).isEqualTo("Delta");
    }

    /**
     * A JSON record's key holding half of a surrogate pair alone (a {@code "\ud800"} escape writes one) names its
     * column with U+FFFD in its place, as a NUL is read, so the column's name can be stored and shown.
     */
    @Test
    void aJsonKeyHoldingAnUnpairedSurrogateNamesItsColumnWithTheReplacementCharacter() throws Exception {
        String json = """
                [{"external_id": "s-1", "name": "Acme", "note\\ud800": "x"},
                 {"external_id": "s-2", "name": "Beta", "note\\ud800": "y", "note\\uFFFD": "z"}]""";
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");

        upload(created.at("/_upload_url"), json, "application/json", "s.json");

        Response done = awaitFinal(created.at("/id"));
        assertThat(done.at("/status")).as(done.body()).isEqualTo("completed");
        assertThat(done.at("/stats/created") + "/" + done.at("/stats/failed")).isEqualTo("1/1");
        JsonNode errors = Http.JSON.readTree(get(done.at("/_errors_json_url")).body());
        assertThat(errors.get(0).get("message").asString()).isEqualTo("Line 2, column 60: the keys \"note\\ud800\""
                + " and \"note\uFFFD\" both read as \"note\uFFFD\" (a NUL character (U+0000) or half of a surrogate pair"
                + " alone in a key is read as U+FFFD), so the key \"note\uFFFD\" appears twice in one object");
        assertThat(vendorNames()).containsExactly("s-1=Acme");
    }

    /**
     * A record whose keys {@code "a\u0000"} and {@code "a\uFFFD"} both read as the column {@code a�} is rejected
     * alone, its message naming the two keys as written (before, it named only {@code a�}, which looks written once).
     */
    @Test
    void aRecordWhoseNulKeyReadsAsAnotherOfItsKeysIsRejectedNamingBothKeys() throws Exception {
        String ndjson = """
                {"external_id": "k-1", "name": "Acme", "a\\u0000": 1, "a\\uFFFD": 2}
                {"external_id": "k-2", "name": "Beta", "a\\u0000": 3}
                """;
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");

        upload(created.at("/_upload_url"), ndjson, "application/x-ndjson", "k.ndjson");

        Response done = awaitFinal(created.at("/id"));
        assertThat(done.at("/status")).isEqualTo("completed");
        assertThat(done.at("/stats/created") + "/" + done.at("/stats/failed")).isEqualTo("1/1");
        JsonNode errors = Http.JSON.readTree(get(done.at("/_errors_json_url")).body());
        assertThat(errors.size()).isEqualTo(1);
        assertThat(errors.get(0).get("error_code").asString()).isEqualTo("malformed_row");
        assertThat(errors.get(0).get("message").asString()).isEqualTo("Line 1, column 54: the keys \"a\\u0000\" and"
                + " \"a\uFFFD\" both read as \"a\uFFFD\" (a NUL character (U+0000) or half of a surrogate pair alone in a"
                + " key is read as U+FFFD), so the key \"a\uFFFD\" appears twice in one object");
        assertThat(vendorNames()).containsExactly("k-2=Beta");
    }

    /**
     * JSON is written in UTF-8 (RFC 8259): a byte that is not UTF-8 (an {@code é} saved in windows-1252) fails a JSON
     * file at its line and column and rejects an NDJSON line alone, instead of the file being read in a guessed
     * encoding.
     */
    @Test
    void aJsonOrNdjsonFileWithAByteThatIsNotUtf8IsRefusedAtItsLineNotReadInAGuessedEncoding() throws Exception {
        byte[] json = ("[{\"external_id\": \"u-1\", \"name\": \"Acme\"},\n"
                + " {\"external_id\": \"u-2\", \"name\": \"Caf\u00e9\"}]").getBytes(StandardCharsets.ISO_8859_1);
        byte[] latin1 = ("{\"external_id\": \"w-1\", \"name\": \"Acme\"}\n"
                + "{\"external_id\": \"w-2\", \"name\": \"Caf\u00e9\"}\n").getBytes(StandardCharsets.ISO_8859_1);
        byte[] utf8 = "{\"external_id\": \"w-3\", \"name\": \"Caf\u00e9\"}\n".getBytes(StandardCharsets.UTF_8);
        byte[] ndjson = Arrays.copyOf(latin1, latin1.length + utf8.length);
        System.arraycopy(utf8, 0, ndjson, latin1.length, utf8.length);
        for (Object[] file : List.of(new Object[] {json, "application/json", "u.json"},
                new Object[] {ndjson, "application/x-ndjson", "w.ndjson"})) {
            Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
            HttpResponse<String> put = RAW.send(HttpRequest.newBuilder(URI.create(created.at("/_upload_url")))
                    .header("Content-Type", (String) file[1])
                    .header("Content-Disposition", "attachment; filename=\"" + file[2] + "\"")
                    .PUT(HttpRequest.BodyPublishers.ofByteArray((byte[]) file[0])).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(put.statusCode()).as(put.body()).isEqualTo(202);

            Response done = awaitFinal(created.at("/id"));
            if (file[2].equals("u.json")) {
                assertThat(done.at("/status")).isEqualTo("failed");
                assertThat(done.at("/reason")).isEqualTo("The file could not be read: Line 2, column 37: expected"
                        + " UTF-8 text (JSON is written in UTF-8), found the byte 0xE9, which is not UTF-8 there");
            } else {
                assertThat(done.at("/status")).isEqualTo("completed");
                assertThat(done.at("/stats/created") + "/" + done.at("/stats/failed")).isEqualTo("2/1");
                JsonNode errors = Http.JSON.readTree(get(done.at("/_errors_json_url")).body());
                assertThat(errors.size()).isEqualTo(1);
                assertThat(errors.get(0).get("line").asLong()).isEqualTo(2);
                assertThat(errors.get(0).get("error_code").asString()).isEqualTo("malformed_row");
                assertThat(errors.get(0).get("message").asString()).isEqualTo("Line 2, column 36: expected UTF-8"
                        + " text (JSON is written in UTF-8), found the byte 0xE9, which is not UTF-8 there");
            }
        }
        assertThat(vendorNames()).containsExactly("w-1=Acme", "w-3=Café");
    }

    @Test
    void anUploadSentAsAFormBodyByCurlDefaultsIsReadAsTheFile() throws Exception {
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");

        HttpResponse<String> put = upload(created.at("/_upload_url"), VENDORS, "application/x-www-form-urlencoded",
                "vendors.csv");

        assertThat(put.statusCode()).isEqualTo(202);
        assertThat(awaitFinal(created.at("/id")).at("/stats/read")).isEqualTo("4");
    }

    // ---- helpers

    /** Runs an import of vendors from {@code csv} to its end; returns its id. */
    String importVendors(String csv) throws Exception {
        return importRecords("vendor", csv);
    }

    /** Runs an import of {@code resource} records from {@code csv} to its end; returns its id. */
    String importRecords(String resource, String csv) throws Exception {
        return runImport("{\"resource\": \"" + resource + "\"}", csv);
    }

    /** Runs a vendor import of {@code action} ({@code delete}, {@code overwrite}…) to its end; returns its id. */
    String importVendorsWith(String action, String csv) throws Exception {
        return runImport("{\"resource\": \"vendor\", \"action\": \"" + action + "\"}", csv);
    }

    /** Runs the import that {@code body} asks for, from {@code csv}, to its end; returns its id. */
    private String runImport(String body, String csv) throws Exception {
        Response created = http.post("/v1/imports", body);
        upload(created.at("/_upload_url"), csv, "text/csv", "v.csv");
        Response done = awaitFinal(created.at("/id"));
        assertThat(done.at("/status")).as(done.body()).isEqualTo("completed");
        return created.at("/id");
    }

    /** The tenant's vendor with {@code externalId} as stored: "id|version|created_at|created_by_import". */
    String storedVendor(String externalId) {
        return tenant.server().bean(Database.class).withHandle(h -> h.queryFirst("select id, version, created_at,"
                + " created_by_import from records where organization_id = ? and object = 'vendor' and external_id = ?",
                rs -> rs.getString(1) + "|" + rs.getLong(2) + "|" + rs.getLong(3) + "|" + rs.getString(4),
                tenant.organizationId(), externalId)).orElseThrow();
    }

    /** The tenant's vendors as "external id=name", in id order. */
    List<String> vendorNames() {
        List<String> names = new ArrayList<>();
        http.get("/v1/objects/vendor/records").json().get("data").forEach(r -> names.add(
                r.get("external_id").asString() + "=" + r.get("values").get("name").asString()));
        return names;
    }

    static HttpResponse<String> upload(String url, String body, String contentType, String fileName)
            throws IOException, InterruptedException {
        return RAW.send(HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", contentType)
                .header("Content-Disposition", "attachment; filename=\"" + fileName + "\"")
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return RAW.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    Response awaitFinal(String id) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline)) {
            Response r = http.get("/v1/imports/" + id);
            if (List.of("completed", "failed", "timed_out", "expired").contains(r.at("/status"))) {
                return r;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("import " + id + " did not finish within 60 s: " + http.get("/v1/imports/" + id).body());
    }

    static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    static String hmac(String text) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(TestServer.SIGNING_KEY.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * The answers to a changed ({@code changed}) and an expired ({@code expired}, at {@code past}) download URL: 403,
     * naming both routes that give a fresh one, since the Imports resource and the file workflow's jobs hand out the
     * same URLs.
     */
    static void assertRefusedDownloadUrls(HttpResponse<String> changed, HttpResponse<String> expired, long past) {
        assertThat(changed.statusCode()).isEqualTo(403);
        assertThat(changed.body()).isEqualTo("{\"error\":{\"code\":\"invalid_signature\",\"message\":\"This URL's"
                + " signature is not valid (was it changed?); get a fresh one from the import (GET /v1/imports/{id})"
                + " or, for a file import workflow job, from the job (GET /v1/modules/{module}/import/jobs/{jobId})"
                + "\"}}");
        assertThat(expired.statusCode()).isEqualTo(403);
        assertThat(expired.body()).isEqualTo("{\"error\":{\"code\":\"url_expired\",\"message\":\"This URL expired"
                + " at " + Instant.ofEpochSecond(past) + "; get a fresh one from the import (GET /v1/imports/{id})"
                + " or, for a file import workflow job, from the job (GET /v1/modules/{module}/import/jobs/{jobId})"
                + "\"}}");
    }
}
