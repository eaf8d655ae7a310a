package dev.freight.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.app.FreightConfig;
import dev.freight.engine.ValidationFiles;
import dev.freight.jobs.ParsedFileSweeper;
import dev.freight.jobs.ValidationFileSweeper;
import dev.freight.store.Database;
import dev.freight.store.IdGenerator;
import dev.freight.store.KeyKind;
import dev.freight.store.ParsedFileStore;
import dev.freight.store.RecordStore;
import dev.freight.store.Scope;
import dev.freight.store.UploadStore;
import dev.freight.store.ValidationFileStore;
import dev.freight.testing.CapturedLog;
import dev.freight.testing.Http;
import dev.freight.testing.Http.Response;
import dev.freight.testing.SettableClock;
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
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The file import workflow of seed 003 over HTTP: parse, validate, execute with every option, jobs, rollback. */
abstract class ModuleImportApiContract {

    static final String CONTACTS_CSV = """
            Name,Email,Phone,Company
            John Smith,john@example.com,555-0100,Acme Corp
            Jane Doe,invalid-email,555-0101,TechStart Inc
            Ann Lee,ann@example.com,555-0102,Acme Corp
            """;

    abstract TestDatabases database();

    Tenant tenant;
    Http.Client http;
    private static final HttpClient RAW = HttpClient.newHttpClient();

    @BeforeEach
    void newTenant() {
        tenant = TestServer.of(database()).newTenant("modules");
        http = tenant.http();
    }

    /**
     * An empty body (none, nothing or blank space, whatever its Content-Type) is the empty object: suggest-mapping,
     * validate and execute answer 400 {@code invalid_request} naming what they lack, and nothing is imported. Before,
     * 422 {@code malformed_body} "The body is not valid JSON at line 1, column 0".
     */
    @Test
    void anEmptyBodyIsAnsweredAsTheEmptyObjectWhateverItsContentType() {
        String rows = "400 {\"success\":false,\"error\":{\"code\":\"invalid_request\",\"message\":\"send the rows"
                + " to import as \\\"rows\\\", or the \\\"fileId\\\" that parse returned\"}}";
        Map<String, String> answers = new LinkedHashMap<>();
        answers.put("suggest-mapping", "400 {\"success\":false,\"error\":{\"code\":\"invalid_request\",\"message\":"
                + "\"sourceColumns is required: the column headers of the file\"}}");
        answers.put("validate", rows);
        answers.put("execute", rows);

        answers.forEach((step, answer) -> {
            String path = "/v1/modules/contacts/import/" + step;
            assertThat(EmptyBodyRequests.answers(http, "POST", path)).as(step)
                    .isEqualTo(EmptyBodyRequests.each(answer));
            Response empty = http.post(path, "{}");
            assertThat(empty.status() + " " + empty.body()).as(step).isEqualTo(answer);
        });
        assertThat(http.get("/v1/modules/contacts/import/jobs").json().at("/data/jobs").size()).isZero();
    }

    @Test
    void theSeedWorkflowParsesValidatesExecutesAndPolls() throws Exception {
        Response parsed = upload("/v1/modules/contacts/import/parse", "contacts.csv", "text/csv",
                CONTACTS_CSV.getBytes(StandardCharsets.UTF_8));

        assertThat(parsed.status()).isEqualTo(200);
        assertThat(parsed.at("/success")).isEqualTo("true");
        assertThat(parsed.json().get("data").get("sourceColumns").toString())
                .isEqualTo("[\"Name\",\"Email\",\"Phone\",\"Company\"]");
        assertThat(parsed.json().get("data").get("sampleRows").get(0).toString()).isEqualTo(
                "{\"Name\":\"John Smith\",\"Email\":\"john@example.com\",\"Phone\":\"555-0100\",\"Company\":\"Acme Corp\"}");
        assertThat(parsed.at("/data/totalRows")).isEqualTo("3");
        assertThat(parsed.at("/data/fileType")).isEqualTo("csv");
        assertThat(parsed.at("/data/fileName")).isEqualTo("contacts.csv");
        assertThat(parsed.at("/data/encoding")).isEqualTo("utf-8");
        String fileId = parsed.at("/data/fileId");
        assertThat(fileId).matches("fil_[0-9a-f]{32}");

        Response suggested = http.post("/v1/modules/contacts/import/suggest-mapping", """
                {"sourceColumns": ["Name", "Email", "Phone", "Company"],
                 "sampleData": [{"Name": "John Smith", "Email": "john@example.com", "Phone": "555-0100",
                                 "Company": "Acme Corp"}]}""");

        assertThat(suggested.status()).isEqualTo(200);
        JsonNode suggestions = suggested.json().get("data").get("suggestions");
        List<String> pairs = new ArrayList<>();
        suggestions.forEach(x -> pairs.add(x.get("sourceColumn").asString() + "->"
                + x.get("targetFieldSlug").asString()));
        assertThat(pairs).containsExactly("Name->displayName", "Email->email", "Phone->phone", "Company->account");
        suggestions.forEach(x -> assertThat(x.get("confidence").asDouble()).isBetween(0.5, 1.0));
        assertThat(suggested.at("/data/aiUsed")).isEqualTo("false");
        assertThat(suggested.at("/data/targetFields/0/fieldSlug")).isEqualTo("displayName");
        assertThat(suggested.at("/data/targetFields/0/label")).isEqualTo("Name");
        assertThat(suggested.at("/data/targetFields/0/dataType")).isEqualTo("text");
        String mapping = suggestions.toString();

        Response validated = http.post("/v1/modules/contacts/import/validate",
                "{\"fileId\": \"" + fileId + "\", \"columnMapping\": " + mapping + "}");

        assertThat(validated.status()).isEqualTo(200);
        assertThat(validated.at("/data/isValid")).isEqualTo("false");
        assertThat(validated.at("/data/totalRows")).isEqualTo("3");
        assertThat(validated.at("/data/validRows")).isEqualTo("2");
        assertThat(validated.at("/data/errorRows")).isEqualTo("1");
        assertThat(validated.at("/data/errors/0/row")).isEqualTo("2");
        assertThat(validated.at("/data/errors/0/field")).isEqualTo("email");
        assertThat(validated.at("/data/errors/0/value")).isEqualTo("invalid-email");
        assertThat(validated.at("/data/errors/0/error")).isEqualTo(
                "email: expected an email address, got \"invalid-email\"");
        assertThat(validated.json().get("data").get("warnings").size()).isZero();

        Response executed = http.post("/v1/modules/contacts/import/execute", "{\"fileId\": \"" + fileId
                + "\", \"columnMapping\": " + mapping + ", \"duplicateStrategy\": \"update\","
                + " \"duplicateMatchFields\": [\"email\"], \"mergeMode\": \"prefer_import\"}");

        assertThat(executed.status()).isEqualTo(200);
        assertThat(executed.at("/data/importJobId")).matches("imp_[0-9a-f]{32}");
        assertThat(executed.at("/data/status")).isEqualTo("completed");
        assertThat(executed.at("/data/processingMode")).isEqualTo("sync");
        assertThat(executed.at("/data/successRows")).isEqualTo("2");
        assertThat(executed.at("/data/errorRows")).isEqualTo("1");
        assertThat(executed.at("/data/skippedRows")).isEqualTo("0");
        assertThat(executed.json().get("data").get("createdRecordIds").size()).isEqualTo(2);
        assertThat(executed.at("/data/errors/0/row")).isEqualTo("2");
        assertThat(executed.at("/data/errors/0/field")).isEqualTo("email");
        assertThat(executed.at("/data/referenceWarnings/0/fieldSlug")).isEqualTo("account");
        assertThat(executed.at("/data/referenceWarnings/0/fieldLabel")).isEqualTo("Account");
        assertThat(executed.json().get("data").get("referenceWarnings").get(0).get("unresolvedValues").toString())
                .isEqualTo("[\"Acme Corp\"]");
        assertThat(executed.at("/data/referenceWarnings/0/targetModuleSlug")).isEqualTo("accounts");

        String jobId = executed.at("/data/importJobId");
        Response job = http.get("/v1/modules/contacts/import/jobs/" + jobId);
        assertThat(job.status()).isEqualTo(200);
        assertThat(job.json().get("data").propertyNames()).contains("importJobId", "accountId", "moduleId", "status",
                "processingMode", "fileName", "fileType", "totalRows", "processedRows", "successRows", "errorRows",
                "skippedRows", "aiMappingUsed", "duplicateStrategy", "createdDateTime", "startedDateTime",
                "completedDateTime", "expiresDateTime");
        assertThat(job.at("/data/accountId")).isEqualTo(tenant.organizationId());
        assertThat(job.at("/data/moduleId")).isEqualTo("mod_contacts");
        assertThat(job.at("/data/status")).isEqualTo("completed");
        assertThat(job.at("/data/fileName")).isEqualTo("contacts.csv");
        assertThat(job.at("/data/fileType")).isEqualTo("csv");
        assertThat(job.at("/data/totalRows")).isEqualTo("3");
        assertThat(job.at("/data/processedRows")).isEqualTo("3");
        assertThat(job.at("/data/duplicateStrategy")).isEqualTo("update");
        assertThat(job.at("/data/aiMappingUsed")).isEqualTo("false");

        assertThat(contacts()).containsExactly(
                "Ann Lee|ann@example.com|555-0102",
                "John Smith|john@example.com|555-0100");
        Response listed = http.get("/v1/imports?resource=contact");
        assertThat(listed.at("/data/0/id")).isEqualTo(jobId);

        Response again = http.post("/v1/modules/contacts/import/suggest-mapping",
                "{\"sourceColumns\": [\"Company\"]}");
        assertThat(again.at("/data/suggestions/0/targetFieldSlug")).isEqualTo("account");
        assertThat(again.at("/data/suggestions/0/reason")).isEqualTo("remembered");
    }

    /**
     * A header cell or a JSON file's key holding U+0000 names its column with U+FFFD in its place (PostgreSQL stores no
     * NUL, and the header is kept with the parsed file and repeated in messages), so the mapping names it that way; a
     * request's sourceColumn or fileId holding U+0000 is refused alike on both databases. Before, a fileId with one
     * answered 500 on PostgreSQL, and a sourceColumn with one left its row a bare write_failed there.
     */
    @Test
    void aNulCharacterInAHeaderIsReadAsUFFFDAndOneInAMappingOrFileIdIsRefused() throws Exception {
        Response parsed = upload("/v1/modules/vendor/import/parse", "vendors.csv", "text/csv",
                "id,Na\u0000me\nv-1,Acme\n".getBytes(StandardCharsets.UTF_8));
        assertThat(parsed.status()).isEqualTo(200);
        assertThat(parsed.json().get("data").get("sourceColumns").toString()).isEqualTo("[\"id\",\"Na\uFFFDme\"]");
        assertThat(parsed.json().get("data").get("sampleRows").toString()).isEqualTo("[{\"id\":\"v-1\",\"Na\uFFFDme\":\"Acme\"}]");
        Response json = upload("/v1/modules/vendor/import/parse", "vendors.json", "application/json",
                "[{\"id\": \"v-2\", \"Na\\u0000me\": \"Beta\"}]".getBytes(StandardCharsets.UTF_8));
        assertThat(json.json().get("data").get("sourceColumns").toString()).isEqualTo("[\"id\",\"Na\uFFFDme\"]");
        // A file name is a part's header, which the servlet container does not read with a NUL (nor a %00 in
        // filename*): no such name reaches the parsed file's record.
        Response named = upload("/v1/modules/vendor/import/parse", "ven\u0000dors.csv", "text/csv",
                "id,name\nv-9,Nine\n".getBytes(StandardCharsets.UTF_8));
        assertThat(named.status()).isEqualTo(400);
        assertThat(named.at("/error/code")).isEqualTo("no_file");

        String nul = " holds a NUL character (U+0000), which cannot be stored";
        Response source = http.post("/v1/modules/vendor/import/execute", """
                {"rows": [{"id": "v-3", "Na\\u0000me": "Gamma"}], "columnMapping": [
                  {"sourceColumn": "id", "targetFieldSlug": "external_id"},
                  {"sourceColumn": "Na\\u0000me", "targetFieldSlug": "name"}]}""");
        assertThat(source.status()).isEqualTo(400);
        assertThat(source.at("/error/code")).isEqualTo("invalid_request");
        assertThat(source.at("/error/message")).isEqualTo("columnMapping[1].sourceColumn" + nul);
        Response fileId = http.post("/v1/modules/vendor/import/validate", """
                {"fileId": "fil_\\u0000", "columnMapping": [{"sourceColumn": "id", "targetFieldSlug": "external_id"}]}""");
        assertThat(fileId.status()).isEqualTo(400);
        assertThat(fileId.at("/error/code")).isEqualTo("invalid_request");
        assertThat(fileId.at("/error/message")).isEqualTo("fileId" + nul);

        Response executed = http.post("/v1/modules/vendor/import/execute", "{\"fileId\": \"" + parsed.at("/data/fileId")
                + "\", \"columnMapping\": [{\"sourceColumn\": \"id\", \"targetFieldSlug\": \"external_id\"},"
                + " {\"sourceColumn\": \"Na\uFFFDme\", \"targetFieldSlug\": \"name\"}]}");
        assertThat(executed.at("/data/status")).isEqualTo("completed");
        assertThat(executed.at("/data/successRows")).isEqualTo("1");
        assertThat(http.get("/v1/objects/vendor/records").json().get("data").size()).isEqualTo(1);
        assertThat(http.get("/v1/objects/vendor/records?external_id=v-1").at("/data/0/values/name")).isEqualTo("Acme");
    }

    /**
     * Suggest-mapping, validate and execute take a JSON body; the file sent to them as a form (as parse takes it) is
     * 415, naming parse. Before, Spring took the form's parts before the route, which found no bytes and answered 422
     * {@code The body is not valid JSON at line 1, column 0}.
     */
    @Test
    void theJsonStepsAnswerAFormWith415NamingParse() throws Exception {
        for (String step : List.of("suggest-mapping", "validate", "execute")) {
            Response form = upload("/v1/modules/contacts/import/" + step, "contacts.csv", "text/csv",
                    CONTACTS_CSV.getBytes(StandardCharsets.UTF_8));

            assertThat(form.status()).as(step).isEqualTo(415);
            assertThat(form.body()).as(step).isEqualTo("{\"success\":false,\"error\":{\"code\":"
                    + "\"unsupported_media_type\",\"message\":\"Content-Type multipart/form-data is not supported by "
                    + step + "; send its JSON body (application/json): only import/parse takes a file as a form\"}}");
        }
        assertThat(http.get("/v1/modules/contacts/import/jobs").json().at("/data/jobs").size()).isZero();
    }

    /**
     * Seed 003's defaults and merge modes over HTTP: without duplicateStrategy a row matching a record is skipped;
     * update without mergeMode is prefer_import (an empty cell keeps the stored value); overwrite replaces with the
     * import's values, an empty cell included.
     */
    @Test
    void executeSkipsByDefaultPrefersTheImportByDefaultAndOverwriteClearsWithEmptyCells() {
        String mapping = """
                "columnMapping": [{"sourceColumn": "Name", "targetFieldSlug": "displayName"},
                                  {"sourceColumn": "Email", "targetFieldSlug": "email"},
                                  {"sourceColumn": "Title", "targetFieldSlug": "jobTitle"}],
                "duplicateMatchFields": ["email"]""";
        Response created = http.post("/v1/modules/contacts/import/execute", "{\"rows\": [{\"Name\": \"Ann Lee\","
                + " \"Email\": \"ann@example.com\", \"Title\": \"CFO\"}], " + mapping + "}");
        assertThat(created.at("/data/successRows")).as(created.body()).isEqualTo("1");

        Response skipped = http.post("/v1/modules/contacts/import/execute", "{\"rows\": [{\"Name\": \"Ann B. Lee\","
                + " \"Email\": \"ann@example.com\", \"Title\": \"CEO\"}], " + mapping + "}");
        assertThat(skipped.at("/data/skippedRows") + "/" + skipped.at("/data/successRows")).as(skipped.body())
                .isEqualTo("1/0");
        assertThat(http.get("/v1/modules/contacts/import/jobs/" + skipped.at("/data/importJobId"))
                .at("/data/duplicateStrategy")).isEqualTo("skip");
        assertThat(contact()).isEqualTo("Ann Lee|CFO");

        Response preferred = http.post("/v1/modules/contacts/import/execute", "{\"rows\": [{\"Name\":"
                + " \"Ann B. Lee\", \"Email\": \"ann@example.com\", \"Title\": \"\"}], " + mapping
                + ", \"duplicateStrategy\": \"update\"}");
        assertThat(preferred.at("/data/successRows")).as(preferred.body()).isEqualTo("1");
        assertThat(contact()).isEqualTo("Ann B. Lee|CFO");

        Response overwritten = http.post("/v1/modules/contacts/import/execute", "{\"rows\": [{\"Name\":"
                + " \"Ann Lee\", \"Email\": \"ann@example.com\", \"Title\": \"\"}], " + mapping
                + ", \"duplicateStrategy\": \"update\", \"mergeMode\": \"overwrite\"}");
        assertThat(overwritten.at("/data/successRows")).as(overwritten.body()).isEqualTo("1");
        assertThat(contact()).isEqualTo("Ann Lee|null");
    }

    /** The one contact's displayName and jobTitle (null when it has none). */
    private String contact() {
        JsonNode records = http.get("/v1/objects/contact/records").json().get("data");
        assertThat(records.size()).isEqualTo(1);
        JsonNode values = records.get(0).get("values");
        return values.get("displayName").asString() + "|"
                + (values.hasNonNull("jobTitle") ? values.get("jobTitle").asString() : "null");
    }

    /**
     * Rows sent in the body count against FREIGHT_MAX_REQUEST_BYTES, as every JSON body does (docs/api.md, "Where
     * Freight differs from the seeds"): one byte over is 413 in the envelope, and no job is made.
     */
    @Test
    void rowsSentInABodyOverTheRequestByteLimitAre413() {
        String head = "{\"columnMapping\": [{\"sourceColumn\": \"Name\", \"targetFieldSlug\": \"displayName\"}],"
                + " \"rows\": [{\"Name\": \"";
        String body = head + "x".repeat((int) TestServer.MAX_BYTES + 1 - head.length() - 4) + "\"}]}";
        assertThat(body.length()).isEqualTo(TestServer.MAX_BYTES + 1);

        for (String step : List.of("validate", "execute")) {
            Response refused = http.post("/v1/modules/contacts/import/" + step, body);

            assertThat(refused.status()).as(step).isEqualTo(413);
            assertThat(refused.body()).as(step).isEqualTo("{\"success\":false,\"error\":{\"code\":\"payload_too_large\","
                    + "\"message\":\"The request body exceeds the limit of 1,000,000 bytes (FREIGHT_MAX_REQUEST_BYTES)\"}}");
        }
        assertThat(http.get("/v1/modules/contacts/import/jobs").json().at("/data/jobs").size()).isZero();
    }

    /** Seed 003 lists text/plain among a CSV's MIME types. */
    @Test
    void parseReadsACsvSentAsTextPlain() throws Exception {
        Response parsed = upload("/v1/modules/contacts/import/parse", "contacts.csv", "text/plain",
                CONTACTS_CSV.getBytes(StandardCharsets.UTF_8));

        assertThat(parsed.status()).as(parsed.body()).isEqualTo(200);
        assertThat(parsed.at("/data/fileType")).isEqualTo("csv");
        assertThat(parsed.at("/data/totalRows")).isEqualTo("3");
        assertThat(parsed.json().at("/data/sourceColumns").toString())
                .isEqualTo("[\"Name\",\"Email\",\"Phone\",\"Company\"]");
    }

    @Test
    void parseAnswersTheSeedErrorsInTheEnvelope() throws Exception {
        Response noFile = upload("/v1/modules/contacts/import/parse", null, null, null);
        assertThat(noFile.status()).isEqualTo(400);
        assertThat(noFile.at("/success")).isEqualTo("false");
        assertThat(noFile.at("/error/code")).isEqualTo("no_file");
        assertThat(noFile.at("/error/message")).startsWith("No file uploaded");

        Response pdf = upload("/v1/modules/contacts/import/parse", "report.pdf", "application/pdf",
                "%PDF-1.7\n%\u00e2\u00e3\n1 0 obj\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(pdf.status()).isEqualTo(400);
        assertThat(pdf.at("/error/code")).isEqualTo("unsupported_file_type");
        assertThat(pdf.at("/error/message")).startsWith("Unsupported file type: ").contains("PDF");

        Response module = upload("/v1/modules/widgets/import/parse", "a.csv", "text/csv",
                "a,b\n1,2\n".getBytes(StandardCharsets.UTF_8));
        assertThat(module.status()).isEqualTo(404);
        assertThat(module.at("/success")).isEqualTo("false");
        assertThat(module.at("/error/code")).isEqualTo("module_not_found");
        assertThat(module.at("/error/message")).startsWith("Module not found");

        Response job = http.get("/v1/modules/contacts/import/jobs/imp_00000000000000000000000000000000");
        assertThat(job.status()).isEqualTo(404);
        assertThat(job.at("/error/code")).isEqualTo("import_job_not_found");
        assertThat(job.at("/error/message")).startsWith("Import job not found");

        String readOnly = tenant.key(KeyKind.SERVICE_ACCOUNT, Set.of(Scope.READ));
        Response denied = tenant.http(readOnly).post("/v1/modules/contacts/import/execute",
                "{\"rows\": [], \"columnMapping\": []}");
        assertThat(denied.status()).isEqualTo(403);
        assertThat(denied.at("/success")).isEqualTo("false");
        assertThat(denied.at("/error/code")).isEqualTo("insufficient_scope");
        assertThat(denied.at("/error/message")).isEqualTo("Access denied: this API key lacks the \"import\" scope");
    }

    @Test
    void theKeyThatRunsAnImportCanFollowItsJob() {
        Http.Client importer = tenant.http(tenant.key(KeyKind.SERVICE_ACCOUNT, Set.of(Scope.IMPORT)));
        Http.Client exporter = tenant.http(tenant.key(KeyKind.SERVICE_ACCOUNT, Set.of(Scope.EXPORT)));
        Response executed = importer.post("/v1/modules/contacts/import/execute", "{\"rows\": ["
                + rowsJson("Al", "al@example.com") + "], \"columnMapping\": " + MAPPING + "}");
        String jobId = executed.at("/data/importJobId");

        Response job = importer.get("/v1/modules/contacts/import/jobs/" + jobId);
        Response list = importer.get("/v1/modules/contacts/import/jobs?limit=25");
        Response denied = exporter.get("/v1/modules/contacts/import/jobs/" + jobId);

        assertThat(executed.status()).as(executed.body()).isEqualTo(200);
        assertThat(job.status()).as(job.body()).isEqualTo(200);
        assertThat(job.at("/data/importJobId")).isEqualTo(jobId);
        assertThat(job.at("/data/status")).isEqualTo("completed");
        assertThat(list.status()).as(list.body()).isEqualTo(200);
        assertThat(list.at("/data/jobs/0/importJobId")).isEqualTo(jobId);
        assertThat(denied.status()).isEqualTo(403);
        assertThat(denied.body()).isEqualTo("{\"success\":false,\"error\":{\"code\":\"insufficient_scope\","
                + "\"message\":\"Access denied: this API key lacks the \\\"import\\\" scope (or \\\"read\\\")\"}}");
    }

    /**
     * An import-only key follows the file workflow's jobs, but the module's imports of the other faces (here one of the
     * Imports resource) stay out of its reach as they are on their own routes, which need read: left out of its list,
     * 404 by id. A reader sees every face's.
     */
    @Test
    void anImportOnlyKeyFollowsTheWorkflowsJobsButNotTheImportsOfOtherFaces() {
        Http.Client importer = tenant.http(tenant.key(KeyKind.SERVICE_ACCOUNT, Set.of(Scope.IMPORT)));
        Http.Client reader = tenant.http(tenant.key(KeyKind.SERVICE_ACCOUNT, Set.of(Scope.READ)));
        Response otherFace = http.post("/v1/imports", "{\"resource\": \"contact\", \"action\": \"merge\"}");
        String otherId = otherFace.at("/id");
        Response executed = importer.post("/v1/modules/contacts/import/execute", "{\"rows\": ["
                + rowsJson("Al", "al@example.com") + "], \"columnMapping\": " + MAPPING + "}");
        String jobId = executed.at("/data/importJobId");

        Response importerList = importer.get("/v1/modules/contacts/import/jobs");
        Response importerOther = importer.get("/v1/modules/contacts/import/jobs/" + otherId);
        Response importerOwn = importer.get("/v1/modules/contacts/import/jobs/" + jobId);
        Response readerList = reader.get("/v1/modules/contacts/import/jobs");
        Response readerOther = reader.get("/v1/modules/contacts/import/jobs/" + otherId);
        Response importerImports = importer.get("/v1/imports/" + otherId);

        assertThat(otherFace.status()).as(otherFace.body()).isEqualTo(201);
        assertThat(executed.status()).as(executed.body()).isEqualTo(200);
        assertThat(importerList.status()).as(importerList.body()).isEqualTo(200);
        assertThat(importerList.json().get("data").get("jobs").size()).isEqualTo(1);
        assertThat(importerList.at("/data/jobs/0/importJobId")).isEqualTo(jobId);
        assertThat(importerOther.status()).isEqualTo(404);
        assertThat(importerOther.body()).isEqualTo("{\"success\":false,\"error\":{\"code\":\"import_job_not_found\","
                + "\"message\":\"Import job not found: there is no import job \\\"" + otherId
                + "\\\" in this module\"}}");
        assertThat(importerOwn.status()).as(importerOwn.body()).isEqualTo(200);
        assertThat(importerOwn.at("/data/importJobId")).isEqualTo(jobId);
        assertThat(readerList.json().get("data").get("jobs").size()).isEqualTo(2);
        assertThat(readerList.at("/data/jobs/0/importJobId")).isEqualTo(jobId);
        assertThat(readerList.at("/data/jobs/1/importJobId")).isEqualTo(otherId);
        assertThat(readerOther.status()).as(readerOther.body()).isEqualTo(200);
        assertThat(readerOther.at("/data/importJobId")).isEqualTo(otherId);
        assertThat(importerImports.status()).isEqualTo(403);
    }

    /**
     * Rollback finds a job as its status does: an import-only key answers 404 for an import of another face (here an
     * Import API batch) and rolls nothing back. Before, the job it was told did not exist was rolled back.
     */
    @Test
    void anImportOnlyKeyCannotRollBackAnImportOfAnotherFaceThatItCannotFollow() {
        Http.Client importer = tenant.http(tenant.key(KeyKind.SERVICE_ACCOUNT, Set.of(Scope.IMPORT)));
        http.post("/v1/import-reports", "{\"slug\": \"contacts-api\", \"report_name\": \"Contacts\","
                + " \"base_object\": \"contact\", \"mapping\": {\"displayName\": \"Name\", \"external_id\": \"Id\"}}");
        Response batch = http.post("/v1/import/contacts-api", "{\"data\": [{\"Name\": \"Al\", \"Id\": \"c-1\"}]}");
        String otherId = http.get("/v1/imports?limit=1").at("/data/0/id");

        Response refused = importer.delete("/v1/modules/contacts/import/jobs/" + otherId);
        Response records = http.get("/v1/objects/contact/records");

        assertThat(batch.status()).as(batch.body()).isEqualTo(200);
        assertThat(refused.status()).as(refused.body()).isEqualTo(404);
        assertThat(refused.body()).isEqualTo("{\"success\":false,\"error\":{\"code\":\"import_job_not_found\","
                + "\"message\":\"Import job not found: there is no import job \\\"" + otherId
                + "\\\" in this module\"}}");
        assertThat(records.json().get("data").size()).isEqualTo(1);
        assertThat(records.at("/data/0/values/displayName")).isEqualTo("Al");
        assertThat(http.get("/v1/imports/" + otherId).at("/status")).isEqualTo("completed");
    }

    /**
     * A parse upload cut off by its client (its connection closed halfway through the file part) is no failure of the
     * server: one WARN line without a stack trace names the route, and no parsed file is left, neither its record nor
     * its bytes. Before, it was logged as an ERROR internal_error with a stack trace and an error id nobody received.
     */
    @Test
    void aParseUploadCutOffByItsClientIsLoggedAsOneWarningAndLeavesNoParsedFile() throws Exception {
        String boundary = "freight-test-boundary";
        byte[] body = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c.csv\"\r\n"
                + "Content-Type: text/csv\r\n\r\n" + CONTACTS_CSV.repeat(50) + "\r\n--" + boundary + "--\r\n")
                .getBytes(StandardCharsets.UTF_8);
        Path uploads = TestServer.of(database()).bean(UploadStore.class).path("x").getParent();
        List<Path> before = filesIn(uploads);

        try (CapturedLog log = CapturedLog.attach()) {
            Http.cutOff("POST", tenant.server().baseUrl() + "/v1/modules/contacts/import/parse", Map.of(
                    "Authorization", "Bearer " + tenant.adminKey(), "Content-Type", "multipart/form-data; boundary="
                            + boundary), body, body.length / 2);
            log.awaitFirst();

            assertThat(filesIn(uploads)).isEqualTo(before);
            List<Long> parsedFiles = TestServer.of(database()).bean(Database.class).withHandle(h -> h.query(
                    "select count(*) from parsed_files where organization_id = ?", r -> r.getLong(1),
                    tenant.organizationId()));
            assertThat(parsedFiles).containsExactly(0L);
            assertThat(log.lines()).containsExactly("WARN dev.freight.api.ErrorMapper: POST"
                    + " /v1/modules/contacts/import/parse: the client's request body ended early, before the "
                    + "%,d".formatted(body.length) + " bytes it declared (its connection closed); nothing was kept");
        }
    }

    /** Parse answers a body that is no form 400 no_file whatever its type: it gives no 415 (nor 413 or 422). */
    @Test
    void parseAnswersABodyThatIsNoFormWith400NoFile() throws Exception {
        String expected = "{\"success\":false,\"error\":{\"code\":\"no_file\",\"message\":\"No file uploaded: send"
                + " the file as the multipart part \\\"file\\\"\"}}";
        for (String[] body : List.of(new String[] {"application/json", "{\"file\": \"Name\\nA\"}"},
                new String[] {"application/json", "{bad"}, new String[] {"text/plain", "Name\nA"},
                new String[] {"application/x-www-form-urlencoded", "file=Name"})) {
            Response r = post("/v1/modules/contacts/import/parse", body[0], body[1]);

            assertThat(r.status()).as(body[0]).isEqualTo(400);
            assertThat(r.body()).as(body[0]).isEqualTo(expected);
        }
    }

    @Test
    void aMultipartBodyThatCannotBeReadIsNoFileUploaded() throws Exception {
        String part = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\nName\r\nA\r\n";
        String expected = "{\"success\":false,\"error\":{\"code\":\"no_file\",\"message\":\"No file uploaded: the"
                + " multipart body could not be read (is its boundary missing, or was it cut short?); send the file as"
                + " the multipart part \\\"file\\\"\"}}";

        Response noBoundary = post("/v1/modules/contacts/import/parse", "multipart/form-data", part + "--b--\r\n");
        Response cutShort = post("/v1/modules/contacts/import/parse", "multipart/form-data; boundary=b", part);
        Response export = post("/v1/modules/contacts/export", "multipart/form-data", "{\"format\": \"csv\"}");

        assertThat(noBoundary.status()).isEqualTo(400);
        assertThat(noBoundary.body()).isEqualTo(expected);
        assertThat(cutShort.status()).isEqualTo(400);
        assertThat(cutShort.body()).isEqualTo(expected);
        assertThat(export.status()).isEqualTo(400);
        assertThat(export.body()).isEqualTo("{\"success\":false,\"error\":{\"code\":\"unreadable_body\","
                + "\"message\":\"The request body could not be read\"}}");
    }

    /**
     * A text file without a header row is empty whatever its bytes (blank space, empty quoted cells, separators, a
     * byte-order mark, any length): parse refuses it with 400 {@code empty_file}, as the Imports resource's upload
     * does with 415. A header row without data rows is no empty file.
     */
    @Test
    void parseRefusesAFileWithoutAHeaderRowAsEmptyWhateverBlankItHolds() throws Exception {
        for (String blank : List.of("\"\"", "\"\"\n", "\uFEFF\"\"\r\n\r\n", ",,\n\"\",\" \"\n", "\n".repeat(10_000),
                " \n\n")) {
            String as = blank.length() + " chars " + blank.substring(0, Math.min(12, blank.length())).strip();

            Response r = upload("/v1/modules/contacts/import/parse", "contacts.csv", "text/csv",
                    blank.getBytes(StandardCharsets.UTF_8));

            assertThat(r.status()).as(as).isEqualTo(400);
            assertThat(r.at("/success")).as(as).isEqualTo("false");
            assertThat(r.at("/error/code")).as(as).isEqualTo("empty_file");
            assertThat(r.at("/error/message")).as(as).isEqualTo("The file is empty");
        }
        Response headerOnly = upload("/v1/modules/contacts/import/parse", "contacts.csv", "text/csv",
                "Name,Email\n".getBytes(StandardCharsets.UTF_8));
        assertThat(headerOnly.status()).isEqualTo(200);
        assertThat(headerOnly.json().get("data").get("sourceColumns").toString()).isEqualTo("[\"Name\",\"Email\"]");
        assertThat(headerOnly.at("/data/totalRows")).isEqualTo("0");
    }

    @Test
    void parseRejectsAFileAboveTheLimitAndWorkbooksItCannotReadSayingWhatTheyAre() throws Exception {
        byte[] big = new byte[(int) TestServer.MAX_PARSE_BYTES + 100_000];
        java.util.Arrays.fill(big, (byte) 'a');
        Response tooLarge = upload("/v1/modules/contacts/import/parse", "big.csv", "text/csv", big);
        assertThat(tooLarge.status()).isEqualTo(400);
        assertThat(tooLarge.at("/success")).isEqualTo("false");
        assertThat(tooLarge.at("/error/code")).isEqualTo("file_too_large");
        assertThat(tooLarge.at("/error/message")).isEqualTo(
                "File too large: the limit is 2,000,000 bytes (FREIGHT_MAX_PARSE_BYTES); split the file into smaller"
                        + " batches");

        java.nio.file.Path poi = dev.freight.ingest.Corpora.require("poi-spreadsheets");
        for (String name : List.of("Simple.xlsb", "SimpleMacro.xlsm", "password.xls", "testEXCEL_95.xls")) {
            Response r = upload("/v1/modules/contacts/import/parse", name, "application/octet-stream",
                    java.nio.file.Files.readAllBytes(poi.resolve(name)));
            assertThat(r.status()).as(name).isEqualTo(400);
            assertThat(r.at("/error/code")).as(name).isEqualTo("unsupported_file_type");
            assertThat(r.at("/error/message")).as(name).startsWith("Unsupported file type: ");
        }
    }

    @Test
    void parseRefusesACsvWhoseQuotedCellIsNeverClosedNamingTheLineWhereItOpens() throws Exception {
        Response r = upload("/v1/modules/contacts/import/parse", "contacts.csv", "text/csv",
                "Name,Email\nAnn,ann@example.com\r\n\"Bob\nBob,b@example.com\n".getBytes(StandardCharsets.UTF_8));

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.at("/success")).isEqualTo("false");
        assertThat(r.at("/error/code")).isEqualTo("malformed_csv");
        assertThat(r.at("/error/message")).isEqualTo("Line 3: a quoted cell opens here and is never closed");
    }

    /**
     * A workbook of 5 KB whose row 2 has 33 cells referring to one shared string of 32,767 characters (1,081,311 in
     * all, over a row's 1,048,576) is refused as a damaged workbook, with a small answer: before, parse gave the row's
     * text in its preview, and a row of 16,384 such cells, repeated over rows, made gigabytes of it.
     */
    @Test
    void parseRefusesAWorkbookWhoseRowExpandsPastTheMostARowMayHold() throws Exception {
        String[] header = new String[33];
        for (int i = 0; i < header.length; i++) {
            header[i] = "c" + (i + 1);
        }
        byte[] xlsx = dev.freight.testing.XlsxFiles.repeating(header, "x".repeat(32_767), 3);

        Response r = upload("/v1/modules/contacts/import/parse", "contacts.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx);

        assertThat(xlsx.length).isLessThan(8_192);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.at("/error/code")).isEqualTo("unreadable_file");
        assertThat(r.at("/error/message")).isEqualTo("Row 2: the workbook cannot be read; expected a valid .xlsx file,"
                + " found a damaged one (the row's cells hold more than 1,048,576 characters, the most a row may hold)");
        assertThat(r.body().length()).isLessThan(1_024);
    }

    /**
     * An XLSX whose row 3 refers to a shared string of 32,768 characters, one more than an Excel cell holds, is a
     * damaged workbook at that row, with the same words for a cell's own text (the reader tests cover inline strings
     * and values).
     */
    @Test
    void parseRefusesAnXlsxWhoseCellTextIsLongerThanACellHoldsAtItsRow() throws Exception {
        byte[] xlsx = dev.freight.testing.XlsxFiles.of("S",
                new String[][] {{"Name", "Note"}, {"Ann", "x".repeat(32_767)}, {"Bo", "y".repeat(32_768)}});

        Response r = upload("/v1/modules/contacts/import/parse", "contacts.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx);

        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.at("/error/code")).isEqualTo("unreadable_file");
        assertThat(r.at("/error/message")).isEqualTo("Row 3: the workbook cannot be read; expected a valid .xlsx file,"
                + " found a damaged one (shared string 5 of xl/sharedStrings.xml in cell B3 has 32,768 characters,"
                + " where a cell holds at most 32,767)");
    }

    /**
     * A partly uploaded workbook (an XLSX cut short) is a damaged workbook, 400 {@code unreadable_file} as parse answers
     * for one damaged inside, not a file of another type: before, 400 {@code unsupported_file_type} "Unsupported file
     * type: The file is a damaged ZIP archive…", whose advice (use CSV or Excel) does not fit an Excel file.
     */
    @Test
    void parseRefusesATruncatedXlsxAsAnUnreadableFile() throws Exception {
        byte[] whole = dev.freight.testing.XlsxFiles.of("S", new String[][] {{"Name", "Email"}, {"Ann", "a@x.com"}});

        Response r = upload("/v1/modules/contacts/import/parse", "contacts.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                java.util.Arrays.copyOf(whole, whole.length / 2));

        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.at("/success")).isEqualTo("false");
        assertThat(r.at("/error/code")).isEqualTo("unreadable_file");
        assertThat(r.at("/error/message")).isEqualTo("The workbook cannot be read; expected a valid .xlsx file, found a"
                + " damaged one (its ZIP archive is cut short or corrupt, as a partly uploaded file is; send the whole"
                + " file again)");
    }

    /** An XLS whose cell B3 holds 32,768 characters, one more than an Excel cell holds, is refused at that row too. */
    @Test
    void parseRefusesAnXlsWhoseCellTextIsLongerThanACellHoldsAtItsRow() throws Exception {
        byte[] xls = dev.freight.testing.XlsFiles.of("S",
                new String[][] {{"Name", "Note"}, {"Ann", "x".repeat(32_767)}, {"Bo", "y".repeat(32_768)}});

        Response r = upload("/v1/modules/contacts/import/parse", "contacts.xls", "application/vnd.ms-excel", xls);

        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.at("/error/code")).isEqualTo("unreadable_file");
        assertThat(r.at("/error/message")).isEqualTo("Row 3: the workbook cannot be read; expected a valid .xls file,"
                + " found a damaged one (cell B3 has 32,768 characters, where a cell holds at most 32,767)");
    }

    /**
     * An XLSX of a few kilobytes whose shared strings expand to 5 MB, past the server's FREIGHT_MAX_XLSX_PART_BYTES
     * (4,000,000 on test servers), is refused as a damaged workbook naming the part and the setting: before, the
     * strings were read whole, and those past the heap's share written to a temporary file at their full size.
     */
    @Test
    void parseRefusesAnXlsxWhosePartExpandsPastTheConfiguredLimit() throws Exception {
        byte[] xlsx = dev.freight.testing.XlsxFiles.expanding("<si><t>" + "x".repeat(1_000) + "</t></si>", 5_000, 4_999,
                "", 0);

        Response r = upload("/v1/modules/contacts/import/parse", "contacts.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx);

        assertThat(xlsx.length).isLessThan(65_536);
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.at("/error/code")).isEqualTo("unreadable_file");
        assertThat(r.at("/error/message")).isEqualTo("The workbook cannot be read; expected a valid .xlsx file, found a"
                + " damaged one (xl/sharedStrings.xml expands to more than 4,000,000 bytes, the most a part of this"
                + " workbook may expand to (FREIGHT_MAX_XLSX_PART_BYTES))");
    }

    /**
     * An XLSX whose shared strings pass the heap's 65,536, so that the rest go to a temporary file, parsed while the
     * server's temporary directory cannot be written (a plain file stands where it belongs, which refuses even root, as
     * a full disk or a read-only mount would), answers 503 storage_unavailable as an unwritable uploads directory does,
     * keeps no parsed file and leaves no file in the directory; the same file parses once the directory can be
     * written. Before, the answer was 500 internal_error.
     */
    @Test
    void parseOfAWorkbookWhoseSharedStringsCannotBeKeptInTheTemporaryDirectoryAnswersStorageUnavailable()
            throws Exception {
        byte[] xlsx = dev.freight.testing.XlsxFiles.expanding(new String[] {"Name", "Email"}, "<si><t>n</t></si>",
                70_000, 69_999, "", 0);
        java.nio.file.Path temp = TestServer.of(database()).bean(FreightConfig.class).temporaryDir();
        java.nio.file.Path aside = temp.resolveSibling("tmp-aside");
        java.nio.file.Files.move(temp, aside);
        Response refused;
        try {
            java.nio.file.Files.writeString(temp, "not a directory");
            refused = upload("/v1/modules/contacts/import/parse", "contacts.xlsx",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx);
        } finally {
            java.nio.file.Files.delete(temp);
            java.nio.file.Files.move(aside, temp);
        }

        assertThat(refused.status()).as(refused.body()).isEqualTo(503);
        assertThat(refused.at("/error/code")).isEqualTo("storage_unavailable");
        assertThat(refused.at("/error/message")).isEqualTo("Freight could not read the file: the shared strings of"
                + " xl/sharedStrings.xml could not be written to a temporary file in its temporary directory"
                + " (FREIGHT_TEMP_DIR; disk full or not writable); nothing was kept, retry later (error id "
                + refused.at("/error/error_id") + ")");
        assertThat(temporaryFiles(temp)).isEmpty();
        Response parsed = upload("/v1/modules/contacts/import/parse", "contacts.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx);
        assertThat(parsed.status()).as(parsed.body()).isEqualTo(200);
        assertThat(parsed.at("/data/totalRows")).isEqualTo("1");
        assertThat(parsed.at("/data/sampleRows/0/Email")).isEqualTo("n");
    }

    /**
     * Execute of a parsed XLSX whose shared strings pass the heap's 65,536 while the server's temporary directory
     * cannot be written answers 503 storage_unavailable naming the import job, which is kept, waiting, to be run again
     * a minute later (the worker's retry; its own test is jobs.TemporaryStorageContract). Before, the job failed for
     * good and the answer was 200 with status failed.
     */
    @Test
    void executeOfAParsedWorkbookWhoseSharedStringsTheTemporaryDirectoryCannotTakeAnswersStorageUnavailable()
            throws Exception {
        Response contacts = upload("/v1/modules/contacts/import/parse", "contacts.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                dev.freight.testing.XlsxFiles.expanding(new String[] {"Name", "Email"}, "<si><t>n</t></si>", 70_000,
                        69_999, "", 0));
        assertThat(contacts.status()).as(contacts.body()).isEqualTo(200);
        java.nio.file.Path temp = TestServer.of(database()).bean(FreightConfig.class).temporaryDir();
        java.nio.file.Path aside = temp.resolveSibling("tmp-aside");
        java.nio.file.Files.move(temp, aside);
        Response refused;
        try {
            java.nio.file.Files.writeString(temp, "not a directory");
            refused = http.post("/v1/modules/contacts/import/execute", "{\"fileId\": \"" + contacts.at("/data/fileId")
                    + "\", \"columnMapping\": [{\"sourceColumn\": \"Name\", \"targetFieldSlug\": \"displayName\"}]}");
        } finally {
            java.nio.file.Files.delete(temp);
            java.nio.file.Files.move(aside, temp);
        }

        assertThat(refused.status()).as(refused.body()).isEqualTo(503);
        assertThat(refused.at("/error/code")).isEqualTo("storage_unavailable");
        String message = refused.at("/error/message");
        assertThat(message).matches("Freight could not read the file: its temporary directory cannot be written \\(disk"
                + " full or not writable\\); import job imp_[0-9a-f]{32} is kept and tried again in a minute, until its"
                + " maximum run time: follow it at import/jobs/imp_[0-9a-f]{32}");
        String jobId = message.substring(message.indexOf("imp_"), message.indexOf("imp_") + 36);
        Response job = http.get("/v1/modules/contacts/import/jobs/" + jobId);
        assertThat(job.status()).as(job.body()).isEqualTo(200);
        assertThat(job.at("/data/status")).as(job.body()).isEqualTo("pending");
        assertThat(contacts()).isEmpty();
    }

    /**
     * A streamed execute (Accept: text/event-stream) of a parsed XLSX whose shared strings the temporary directory
     * cannot take: the events so far, then an "error" event in the envelope with storage_unavailable naming the job,
     * which is kept, waiting, to be run again a minute later; no result event.
     */
    @Test
    void aStreamedExecuteOfAWorkbookWhoseSharedStringsTheTemporaryDirectoryCannotTakeEndsWithAnErrorEvent()
            throws Exception {
        Response contacts = upload("/v1/modules/contacts/import/parse", "contacts.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                dev.freight.testing.XlsxFiles.expanding(new String[] {"Name", "Email"}, "<si><t>n</t></si>", 70_000,
                        69_999, "", 0));
        assertThat(contacts.status()).as(contacts.body()).isEqualTo(200);
        java.nio.file.Path temp = TestServer.of(database()).bean(FreightConfig.class).temporaryDir();
        java.nio.file.Path aside = temp.resolveSibling("tmp-aside");
        java.nio.file.Files.move(temp, aside);
        HttpResponse<String> r;
        try {
            java.nio.file.Files.writeString(temp, "not a directory");
            r = RAW.send(HttpRequest.newBuilder(URI.create(tenant.server().baseUrl()
                            + "/v1/modules/contacts/import/execute"))
                    .header("Authorization", "Bearer " + tenant.adminKey())
                    .header("Content-Type", "application/json")
                    .header("Accept", "text/event-stream")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"fileId\": \"" + contacts.at("/data/fileId")
                            + "\", \"columnMapping\": [{\"sourceColumn\": \"Name\", \"targetFieldSlug\":"
                            + " \"displayName\"}], \"processingMode\": \"stream\"}"))
                    .timeout(Duration.ofSeconds(60))
                    .build(), HttpResponse.BodyHandlers.ofString());
        } finally {
            java.nio.file.Files.delete(temp);
            java.nio.file.Files.move(aside, temp);
        }

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        List<String> events = new ArrayList<>();
        List<JsonNode> data = new ArrayList<>();
        for (String line : r.body().split("\n")) {
            if (line.startsWith("event:")) {
                events.add(line.substring(6).strip());
            } else if (line.startsWith("data:")) {
                data.add(Http.JSON.readTree(line.substring(5).strip()));
            }
        }
        assertThat(events).containsExactly("progress", "error");
        String jobId = data.getFirst().get("importJobId").asString();
        assertThat(jobId).matches("imp_[0-9a-f]{32}");
        assertThat(data.getLast().toString()).isEqualTo("{\"success\":false,\"error\":{\"code\":"
                + "\"storage_unavailable\",\"message\":\"Freight could not read the file: its temporary directory"
                + " cannot be written (disk full or not writable); import job " + jobId + " is kept and tried again in"
                + " a minute, until its maximum run time: follow it at import/jobs/" + jobId + "\"}}");
        Response job = http.get("/v1/modules/contacts/import/jobs/" + jobId);
        assertThat(job.at("/data/status")).as(job.body()).isEqualTo("pending");
        assertThat(contacts()).isEmpty();
    }

    /**
     * Validate of a parsed file while the server's temporary directory cannot be written (a plain file stands where
     * it belongs) answers 503 storage_unavailable, as parse does, for both of its temporary files: a workbook's shared
     * strings past the heap's 65,536, and the links awaiting a later row (s-1's dependencies name "hub", which s-3
     * may give; s-2, rejected, waits with the rows held back after it). Once the directory can be written, both validate. Before,
     * the rows held back went to java.io.tmpdir whatever FREIGHT_TEMP_DIR said (so this validation passed), and a
     * failure to write them answered 500 internal_error.
     */
    @Test
    void validateOfAParsedFileWhoseTemporaryFilesTheTemporaryDirectoryCannotTakeAnswersStorageUnavailable()
            throws Exception {
        vendor("v-1", "Acme");
        Response services = upload("/v1/modules/services/import/parse", "services.csv", "text/csv",
                "Id,Name,Vendor,Uses\ns-1,Payments,v-1,hub\ns-2,Ledger,nobody,\ns-3,Hub,v-1,\n"
                        .getBytes(StandardCharsets.UTF_8));
        Response contacts = upload("/v1/modules/contacts/import/parse", "contacts.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                dev.freight.testing.XlsxFiles.expanding(new String[] {"Name", "Email"}, "<si><t>n</t></si>", 70_000,
                        69_999, "", 0));
        assertThat(services.status()).as(services.body()).isEqualTo(200);
        assertThat(contacts.status()).as(contacts.body()).isEqualTo(200);
        String servicesBody = "{\"fileId\": \"" + services.at("/data/fileId") + "\", \"columnMapping\": "
                + SERVICE_MAPPING + "}";
        String contactsBody = "{\"fileId\": \"" + contacts.at("/data/fileId") + "\", \"columnMapping\": [{"
                + "\"sourceColumn\": \"Name\", \"targetFieldSlug\": \"displayName\"}, {\"sourceColumn\": \"Email\","
                + " \"targetFieldSlug\": \"email\"}]}";
        java.nio.file.Path temp = TestServer.of(database()).bean(FreightConfig.class).temporaryDir();
        java.nio.file.Path aside = temp.resolveSibling("tmp-aside");
        java.nio.file.Files.move(temp, aside);
        List<Response> refused = new ArrayList<>();
        try {
            java.nio.file.Files.writeString(temp, "not a directory");
            refused.add(http.post("/v1/modules/services/import/validate", servicesBody));
            refused.add(http.post("/v1/modules/contacts/import/validate", contactsBody));
        } finally {
            java.nio.file.Files.delete(temp);
            java.nio.file.Files.move(aside, temp);
        }

        for (Response r : refused) {
            assertThat(r.status()).as(r.body()).isEqualTo(503);
            assertThat(r.at("/error/code")).isEqualTo("storage_unavailable");
        }
        // Each names what it could not write, and for which step: before, both said "could not read the file".
        // The links awaiting a later row are the first of validate's files (its held-back rows come after them).
        assertThat(refused.get(0).at("/error/message")).isEqualTo("Freight could not validate the file: the links"
                + " awaiting later rows could not be written to a temporary file in its"
                + " temporary directory (FREIGHT_TEMP_DIR; disk full or not writable); nothing was kept, retry later"
                + " (error id " + refused.get(0).at("/error/error_id") + ")");
        assertThat(refused.get(1).at("/error/message")).isEqualTo("Freight could not read the file: the shared"
                + " strings of xl/sharedStrings.xml could not be written to a temporary file in its temporary"
                + " directory (FREIGHT_TEMP_DIR; disk full or not writable); nothing was kept, retry later (error id "
                + refused.get(1).at("/error/error_id") + ")");
        Response validServices = http.post("/v1/modules/services/import/validate", servicesBody);
        assertThat(validServices.status()).as(validServices.body()).isEqualTo(200);
        assertThat(validServices.at("/data/errorRows")).isEqualTo("1");
        assertThat(validServices.at("/data/errors/0/row")).isEqualTo("2");
        assertThat(validServices.at("/data/errors/0/field")).isEqualTo("vendor");
        Response validContacts = http.post("/v1/modules/contacts/import/validate", contactsBody);
        assertThat(validContacts.status()).as(validContacts.body()).isEqualTo(200);
        assertThat(validContacts.at("/data/totalRows")).isEqualTo("1");
        assertThat(temporaryFiles(temp)).isEmpty();
    }

    /**
     * An XLS of 400 runs of 256 blank cells (200 KB, 102,400 cells that HSSF would load into the heap), past the
     * server's FREIGHT_MAX_XLS_CELLS (100,000 on test servers), is refused before it is loaded: before, any number of
     * cells was loaded, and a large enough file ran the server out of memory.
     */
    @Test
    void parseRefusesAnXlsOfMoreCellsThanTheConfiguredLimit() throws Exception {
        byte[] xls = dev.freight.testing.XlsFiles.withSheetRecords(dev.freight.testing.XlsFiles.of("S",
                new String[][] {{"Name", "Email"}, {"Ann", "ann@example.com"}}),
                dev.freight.testing.XlsFiles.blankRows(2, 400));

        Response r = upload("/v1/modules/contacts/import/parse", "contacts.xls", "application/vnd.ms-excel", xls);

        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.at("/error/code")).isEqualTo("unreadable_file");
        assertThat(r.at("/error/message")).isEqualTo("The workbook cannot be read; expected a valid .xls file, found a"
                + " damaged one (the workbook holds more than 100,000 cells and shared strings, each 256 bytes of its"
                + " records counting as one more, the most an .xls may hold here (FREIGHT_MAX_XLS_CELLS; an .xls is"
                + " read whole into memory); save it as .xlsx)");
    }

    /**
     * An XLS whose cell A3 has a cell format the workbook does not define is a damaged workbook at that row: before,
     * HSSF's IndexOutOfBoundsException answered 500 internal_error.
     */
    @Test
    void parseRefusesAnXlsWhoseCellHasAnUndefinedFormatAtItsRow() throws Exception {
        byte[] xls = dev.freight.testing.XlsFiles.withSheetRecords(dev.freight.testing.XlsFiles.of("S",
                new String[][] {{"Name", "Email"}, {"Ann", "ann@example.com"}}),
                dev.freight.testing.XlsFiles.numberCell(2, 0, 9_999, 1.5));

        Response r = upload("/v1/modules/contacts/import/parse", "contacts.xls", "application/vnd.ms-excel", xls);

        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.at("/error/code")).isEqualTo("unreadable_file");
        assertThat(r.at("/error/message")).isEqualTo("Row 3: the workbook cannot be read; expected a valid .xls file,"
                + " found a damaged one (cell A3 has a cell format the workbook does not define (it defines 21))");
    }

    @Test
    void aJsonElementThatIsNotAnObjectOrAnNdjsonLineThatIsNotJsonIsOneBadRowAndTheRestIsRead() throws Exception {
        String json = "[{\"Name\": \"Ann\"},\n [1, 2],\n {\"Name\": \"Bo\"}]";
        String ndjson = "{\"Name\": \"Ann\"}\n{\"Name\": \n{\"Name\": \"Bo\"}\n";
        Map<String, String> messages = Map.of(
                "people.json", "Line 2, column 2: expected an object for record 2, found an array",
                "people.ndjson", "Line 2, column 10: invalid JSON: the object is not closed");
        for (String name : List.of("people.json", "people.ndjson")) {
            Response parsed = upload("/v1/modules/contacts/import/parse", name,
                    name.endsWith(".json") ? "application/json" : "application/x-ndjson",
                    (name.endsWith(".json") ? json : ndjson).getBytes(StandardCharsets.UTF_8));

            assertThat(parsed.status()).as(name + " " + parsed.body()).isEqualTo(200);
            assertThat(parsed.at("/data/totalRows")).as(name).isEqualTo("3");
            assertThat(parsed.json().get("data").get("sampleRows").toString()).as(name)
                    .isEqualTo("[{\"Name\":\"Ann\"},{\"Name\":\"Bo\"}]");
            assertThat(parsed.json().get("data").get("errors").toString()).as(name).isEqualTo(
                    "[{\"row\":2,\"line\":2,\"error\":\"" + messages.get(name) + "\",\"code\":\"malformed_row\"}]");
            String body = "{\"fileId\": \"" + parsed.at("/data/fileId") + "\", \"columnMapping\": [{\"sourceColumn\":"
                    + " \"Name\", \"targetFieldSlug\": \"displayName\"}]}";

            Response validated = http.post("/v1/modules/contacts/import/validate", body);
            assertThat(validated.status()).as(name + " " + validated.body()).isEqualTo(200);
            assertThat(validated.at("/data/totalRows")).isEqualTo("3");
            assertThat(validated.at("/data/validRows")).isEqualTo("2");
            assertThat(validated.at("/data/errorRows")).isEqualTo("1");
            assertThat(validated.json().get("data").get("errors").toString()).as(name).isEqualTo(
                    "[{\"row\":2,\"line\":2,\"field\":null,\"value\":null,\"error\":\"" + messages.get(name)
                            + "\",\"code\":\"malformed_row\"}]");

            Response executed = http.post("/v1/modules/contacts/import/execute", body);
            assertThat(executed.at("/data/status")).as(name + " " + executed.body()).isEqualTo("completed");
            assertThat(executed.at("/data/successRows")).isEqualTo("2");
            assertThat(executed.at("/data/errorRows")).isEqualTo("1");
            assertThat(executed.at("/data/errors/0/code")).isEqualTo("malformed_row");
            assertThat(executed.at("/data/errors/0/row")).isEqualTo("2");
        }
        Response csv = upload("/v1/modules/contacts/import/parse", "people.csv", "text/csv",
                "Name\nAnn\n".getBytes(StandardCharsets.UTF_8));
        assertThat(csv.json().get("data").get("errors").toString()).isEqualTo("[]");
    }

    @Test
    void parseShowsAJsonNumberAsPlainDigits() throws Exception {
        Response r = upload("/v1/modules/contacts/import/parse", "contacts.json", "application/json",
                "[{\"Name\": \"Ann\", \"Score\": 1e3, \"Ratio\": 2.50, \"Small\": 1e-7}]"
                        .getBytes(StandardCharsets.UTF_8));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("data").get("sampleRows").toString()).isEqualTo(
                "[{\"Name\":\"Ann\",\"Score\":\"1000\",\"Ratio\":\"2.50\",\"Small\":\"0.0000001\"}]");
    }

    @Test
    void aWorkbookSheetIsPickedByNameAndItsDatesAndNumbersComeAsText() throws Exception {
        java.nio.file.Path csvkit = dev.freight.ingest.Corpora.require("csvkit-examples");
        byte[] xlsx = java.nio.file.Files.readAllBytes(csvkit.resolve("sheets.xlsx"));
        Response first = upload("/v1/modules/contacts/import/parse", "sheets.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx);
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(first.at("/data/fileType")).isEqualTo("xlsx");
        assertThat(first.json().get("data").get("sheets").toString()).isEqualTo("[\"not this one\",\"data\",\"ʤ\"]");
        assertThat(first.at("/data/sheet")).isEqualTo("not this one");

        Response picked = upload("/v1/modules/contacts/import/parse?sheet=data", "sheets.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx);
        assertThat(picked.status()).as(picked.body()).isEqualTo(200);
        assertThat(picked.json().get("data").get("sourceColumns").toString()).isEqualTo(
                "[\"text\",\"date\",\"integer\",\"boolean\",\"float\",\"datetime\",\"empty_column\",\"column_8\"]");
        // A cell past the header row: listed, so it can be mapped, under the name the preview shows it by.
        assertThat(picked.at("/data/sampleRows/1/column_8")).isEqualTo("Extra data beyond headers will be trimmed");
        // The workbook uses the 1904 date system: serial 24472 is 1971-01-01.
        assertThat(picked.at("/data/sampleRows/0/date")).isEqualTo("1971-01-01");
        assertThat(picked.at("/data/sampleRows/0/integer")).isEqualTo("40");
        assertThat(picked.at("/data/sampleRows/0/datetime")).isEqualTo("1971-01-01T04:14:00");
        assertThat(picked.at("/data/sheet")).isEqualTo("data");
    }

    /**
     * A BIFF sheet name can hold U+0000 (an XLSX's, being XML, cannot): it is read with U+FFFD in its place, as a
     * header cell is, and a request names it so; a {@code sheet} form field or a {@code sourceColumns} member holding
     * one is refused as the workflow's other members are. Before, PostgreSQL answered parse 500 (the parsed file's
     * sheet), SQLite stored and listed the name with its NUL, and suggest-mapping echoed the column back.
     */
    @Test
    void aNulCharacterInAnXlsSheetNameIsReadAsUFFFDAndOneInParsesSheetOrInSourceColumnsIsRefused() throws Exception {
        ByteArrayOutputStream xls = new ByteArrayOutputStream();
        try (var workbook = new org.apache.poi.hssf.usermodel.HSSFWorkbook()) {
            var data = workbook.createSheet("DaXta");
            data.createRow(0).createCell(0).setCellValue("Name");
            data.createRow(1).createCell(0).setCellValue("Ann");
            workbook.write(xls);
        }
        // POI writes no NUL into a sheet name: its BOUNDSHEET record holds the name as 8-bit characters, once.
        byte[] book = xls.toByteArray();
        String bytes = new String(book, StandardCharsets.ISO_8859_1);
        int at = bytes.indexOf("DaXta");
        assertThat(at).isPositive();
        assertThat(bytes.indexOf("DaXta", at + 1)).isEqualTo(-1);
        book[at + 2] = 0;

        Response parsed = upload("/v1/modules/contacts/import/parse", "book.xls", "application/vnd.ms-excel", book);
        assertThat(parsed.status()).as(parsed.body()).isEqualTo(200);
        assertThat(parsed.json().get("data").get("sheets").toString()).isEqualTo("[\"Da\uFFFDta\"]");
        assertThat(parsed.at("/data/sheet")).isEqualTo("Da\uFFFDta");
        Response picked = upload("/v1/modules/contacts/import/parse", "book.xls", "application/vnd.ms-excel", book,
                "Da\uFFFDta");
        assertThat(picked.status()).as(picked.body()).isEqualTo(200);
        assertThat(picked.at("/data/sheet")).isEqualTo("Da\uFFFDta");
        assertThat(picked.at("/data/sampleRows/0/Name")).isEqualTo("Ann");

        String nul = " holds a NUL character (U+0000), which cannot be stored";
        for (boolean workbook : List.of(true, false)) {
            Response refused = workbook
                    ? upload("/v1/modules/contacts/import/parse", "book.xls", "application/vnd.ms-excel", book,
                            "Da\u0000ta")
                    : upload("/v1/modules/contacts/import/parse", "people.csv", "text/csv",
                            "Name\nBo\n".getBytes(StandardCharsets.UTF_8), "Da\u0000ta");
            assertThat(refused.status()).as(refused.body()).isEqualTo(400);
            assertThat(refused.at("/error/code")).isEqualTo("invalid_request");
            assertThat(refused.at("/error/message")).isEqualTo("sheet" + nul);
        }
        Response suggested = http.post("/v1/modules/contacts/import/suggest-mapping", """
                {"sourceColumns": ["Email", "Na\\u0000me"]}""");
        assertThat(suggested.status()).isEqualTo(400);
        assertThat(suggested.at("/error/code")).isEqualTo("invalid_request");
        assertThat(suggested.at("/error/message")).isEqualTo("sourceColumns[1]" + nul);

        String mapping = "[{\"sourceColumn\": \"Name\", \"targetFieldSlug\": \"displayName\"}]";
        Response validated = http.post("/v1/modules/contacts/import/validate", "{\"fileId\": \""
                + parsed.at("/data/fileId") + "\", \"sheet\": \"Da\uFFFDta\", \"columnMapping\": " + mapping + "}");
        assertThat(validated.status()).as(validated.body()).isEqualTo(200);
        assertThat(validated.at("/data/validRows")).isEqualTo("1");
        Response executed = http.post("/v1/modules/contacts/import/execute", "{\"fileId\": \""
                + parsed.at("/data/fileId") + "\", \"columnMapping\": " + mapping + "}");
        assertThat(executed.status()).as(executed.body()).isEqualTo(200);
        assertThat(executed.at("/data/successRows")).isEqualTo("1");
        assertThat(contacts()).containsExactly("Ann||");
    }

    @Test
    void anEmptySheetChosenByNameIsRefusedNamingItAndTheOtherSheets() throws Exception {
        ByteArrayOutputStream xls = new ByteArrayOutputStream();
        try (var workbook = new org.apache.poi.hssf.usermodel.HSSFWorkbook()) {
            workbook.createSheet("Blank");
            var data = workbook.createSheet("Data");
            data.createRow(0).createCell(0).setCellValue("Name");
            data.createRow(1).createCell(0).setCellValue("Ann");
            workbook.write(xls);
        }
        Response picked = upload("/v1/modules/contacts/import/parse?sheet=Blank", "book.xls",
                "application/vnd.ms-excel", xls.toByteArray());
        assertThat(picked.status()).as(picked.body()).isEqualTo(400);
        assertThat(picked.at("/error/code")).isEqualTo("empty_file");
        assertThat(picked.at("/error/message")).isEqualTo("Sheet \"Blank\" has no rows; choose another of the"
                + " file's sheets: \"Data\"");

        Response first = upload("/v1/modules/contacts/import/parse", "book.xls", "application/vnd.ms-excel",
                xls.toByteArray());
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(first.at("/data/sheet")).isEqualTo("Blank");
        String mapping = "[{\"sourceColumn\": \"Name\", \"targetFieldSlug\": \"displayName\"}]";
        for (String step : List.of("validate", "execute")) {
            Response r = http.post("/v1/modules/contacts/import/" + step, "{\"fileId\": \"" + first.at("/data/fileId")
                    + "\", \"columnMapping\": " + mapping + "}");
            assertThat(r.status()).as(step + " " + r.body()).isEqualTo(400);
            assertThat(r.at("/error/code")).isEqualTo("empty_file");
            assertThat(r.at("/error/message")).isEqualTo("Sheet \"Blank\" has no rows; choose another of the"
                    + " file's sheets: \"Data\"");
            Response other = http.post("/v1/modules/contacts/import/" + step, "{\"fileId\": \""
                    + first.at("/data/fileId") + "\", \"sheet\": \"Data\", \"columnMapping\": " + mapping + "}");
            assertThat(other.status()).as(step + " " + other.body()).isEqualTo(200);
        }
        assertThat(contacts()).containsExactly("Ann||");
    }

    @Test
    void parseShowsFiftySampleRowsAndCountsTheRestIncludingBlankLinesSkipped() throws Exception {
        StringBuilder csv = new StringBuilder("Name;Phone\r\n");
        for (int i = 1; i <= 120; i++) {
            csv.append("P").append(i).append(";0").append(1000 + i).append(i == 60 ? "\r\n;\r\n" : "\r\n");
        }
        Response r = upload("/v1/modules/contacts/import/parse", "people.csv", "text/csv",
                csv.toString().getBytes(StandardCharsets.UTF_8));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.at("/data/totalRows")).isEqualTo("120");
        assertThat(r.json().get("data").get("sampleRows").size()).isEqualTo(50);
        assertThat(r.at("/data/sampleRows/49/Phone")).isEqualTo("01050");
        assertThat(r.at("/data/delimiter")).isEqualTo(";");
        assertThat(r.at("/data/lineEnding")).isEqualTo("crlf");
    }

    /** A row with more cells than the header: the preview's extra column is listed, so it can be mapped. */
    @Test
    void parseListsTheColumnsOfCellsPastTheHeaderThatTheSampleShows() throws Exception {
        Response r = upload("/v1/modules/contacts/import/parse", "people.csv", "text/csv",
                "Name,Email\nAnn,ann@example.com,Sales\nBo,bo@example.com\n".getBytes(StandardCharsets.UTF_8));

        assertThat(r.json().get("data").get("sourceColumns").toString()).isEqualTo("[\"Name\",\"Email\",\"column_3\"]");
        assertThat(r.json().get("data").get("sampleRows").get(0).toString())
                .isEqualTo("{\"Name\":\"Ann\",\"Email\":\"ann@example.com\",\"column_3\":\"Sales\"}");
        Response executed = http.post("/v1/modules/contacts/import/execute", "{\"fileId\": \"" + r.at("/data/fileId")
                + "\", \"columnMapping\": [{\"sourceColumn\": \"Name\", \"targetFieldSlug\": \"displayName\"},"
                + " {\"sourceColumn\": \"column_3\", \"targetFieldSlug\": \"department\"}]}");
        assertThat(executed.at("/data/successRows")).as(executed.body()).isEqualTo("2");
        List<String> stored = new ArrayList<>();
        http.get("/v1/objects/contact/records").json().get("data").forEach(x -> stored.add(x.get("values").toString()));
        assertThat(stored).containsExactlyInAnyOrder("{\"displayName\":\"Ann\",\"department\":\"Sales\"}",
                "{\"displayName\":\"Bo\"}");
    }

    @Test
    void recordsOfOneExecutionGetIdsInRowOrder() {
        StringBuilder rows = new StringBuilder();
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            String name = "Order %02d".formatted(i);
            names.add(name);
            rows.append(i == 1 ? "" : ", ").append("{\"Name\": \"").append(name).append("\"}");
        }
        Response executed = http.post("/v1/modules/contacts/import/execute", "{\"rows\": [" + rows
                + "], \"columnMapping\": [{\"sourceColumn\": \"Name\", \"targetFieldSlug\": \"displayName\"}]}");

        assertThat(executed.at("/data/successRows")).as(executed.body()).isEqualTo("20");
        List<String> createdIds = new ArrayList<>();
        executed.json().get("data").get("createdRecordIds").forEach(x -> createdIds.add(x.asString()));
        List<String> listedIds = new ArrayList<>();
        List<String> listedNames = new ArrayList<>();
        http.get("/v1/objects/contact/records?limit=100").json().get("data").forEach(x -> {
            listedIds.add(x.get("id").asString());
            listedNames.add(x.get("values").get("displayName").asString());
        });
        assertThat(listedNames).containsExactlyElementsOf(names);
        assertThat(createdIds).containsExactlyElementsOf(listedIds);
    }

    @Test
    void aMappingThatReadsAColumnTheFileDoesNotHaveIsRefusedByValidateAndExecuteAlike() throws Exception {
        Response parsed = upload("/v1/modules/contacts/import/parse", "people.csv", "text/csv",
                "Name ,Email\nAnn,ann@example.com\n".getBytes(StandardCharsets.UTF_8));
        String fileId = parsed.at("/data/fileId");
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("""
                [{"sourceColumn": "Name ", "targetFieldSlug": "displayName"},
                 {"sourceColumn": "Emial", "targetFieldSlug": "email"}]""",
                "columnMapping[1].sourceColumn: the file has no column \"Emial\"; its columns are \"Name \", \"Email\"");
        cases.put("""
                [{"sourceColumn": "Email", "targetFieldSlug": "email"},
                 {"sourceColumn": "Phone", "targetFieldSlug": null},
                 {"sourceColumn": "Full name", "targetFieldSlug": "displayName"}]""",
                "columnMapping[2].sourceColumn: the file has no column \"Full name\"; its columns are \"Name \","
                        + " \"Email\"");

        cases.forEach((mapping, message) -> {
            for (String step : List.of("validate", "execute")) {
                Response r = http.post("/v1/modules/contacts/import/" + step, "{\"fileId\": \"" + fileId
                        + "\", \"columnMapping\": " + mapping + "}");
                assertThat(r.status()).as(step + " " + r.body()).isEqualTo(400);
                assertThat(r.at("/error/code")).as(step).isEqualTo("invalid_request");
                assertThat(r.at("/error/message")).as(step).isEqualTo(message);
            }
        });
        assertThat(http.get("/v1/modules/contacts/import/jobs").json().get("data").get("jobs").size()).isZero();
        Response valid = http.post("/v1/modules/contacts/import/validate", "{\"fileId\": \"" + fileId
                + "\", \"columnMapping\": [{\"sourceColumn\": \"Name \", \"targetFieldSlug\": \"displayName\"},"
                + " {\"sourceColumn\": \"Email\", \"targetFieldSlug\": \"email\"}]}");
        assertThat(valid.at("/data/isValid")).as(valid.body()).isEqualTo("true");
    }

    @Test
    void aSourceColumnFindsTheOneHeaderThatDiffersOnlyInCaseAndAnExactHeaderWins() throws Exception {
        Response parsed = upload("/v1/modules/contacts/import/parse", "people.csv", "text/csv",
                "Name,EMAIL,Phone,phone\nAnn,ann@example.com,555-0100,555-0199\n".getBytes(StandardCharsets.UTF_8));
        String mapping = """
                [{"sourceColumn": "name", "targetFieldSlug": "displayName"},
                 {"sourceColumn": "Email", "targetFieldSlug": "email"},
                 {"sourceColumn": "phone", "targetFieldSlug": "phone"}]""";
        String body = "{\"fileId\": \"" + parsed.at("/data/fileId") + "\", \"columnMapping\": " + mapping + "}";

        Response validated = http.post("/v1/modules/contacts/import/validate", body);
        assertThat(validated.at("/data/isValid")).as(validated.body()).isEqualTo("true");
        assertThat(validated.at("/data/validRows")).isEqualTo("1");
        Response executed = http.post("/v1/modules/contacts/import/execute", body);
        assertThat(executed.at("/data/successRows")).as(executed.body()).isEqualTo("1");
        assertThat(contacts()).containsExactly("Ann|ann@example.com|555-0199");
        assertThat(http.get("/v1/imports/" + executed.at("/data/importJobId")).json().get("column_mapping")
                .toString()).isEqualTo("{\"displayName\":\"Name\",\"email\":\"EMAIL\",\"phone\":\"phone\"}");

        Response twice = upload("/v1/modules/contacts/import/parse", "people.csv", "text/csv",
                "Name,Email,email\nAnn,a@example.com,b@example.com\n".getBytes(StandardCharsets.UTF_8));
        for (String step : List.of("validate", "execute")) {
            Response r = http.post("/v1/modules/contacts/import/" + step, "{\"fileId\": \"" + twice.at("/data/fileId")
                    + "\", \"columnMapping\": [{\"sourceColumn\": \"Name\", \"targetFieldSlug\": \"displayName\"},"
                    + " {\"sourceColumn\": \"EMAIL\", \"targetFieldSlug\": \"email\"}]}");
            assertThat(r.status()).as(step + " " + r.body()).isEqualTo(400);
            assertThat(r.at("/error/code")).isEqualTo("invalid_request");
            assertThat(r.at("/error/message")).isEqualTo("columnMapping[1].sourceColumn: the file has no column"
                    + " \"EMAIL\", and its columns \"Email\", \"email\" differ from it only in case; name one exactly");
        }
    }

    /**
     * A sourceColumn is found as the Imports resource finds a column_mapping's column: ignoring case and the spaces
     * around a header; two headers that fit are refused, naming them.
     */
    @Test
    void aSourceColumnFindsTheOneHeaderThatDiffersInCaseAndSurroundingSpaces() throws Exception {
        Response parsed = upload("/v1/modules/vendors/import/parse", "vendors.csv", "text/csv",
                "Id, Vendor Name ,Status\nv-1,Acme,active\n".getBytes(StandardCharsets.UTF_8));
        String body = "{\"fileId\": \"" + parsed.at("/data/fileId") + "\", \"columnMapping\": ["
                + "{\"sourceColumn\": \"Id\", \"targetFieldSlug\": \"external_id\"},"
                + " {\"sourceColumn\": \"vendor name\", \"targetFieldSlug\": \"name\"}]}";

        Response validated = http.post("/v1/modules/vendors/import/validate", body);
        assertThat(validated.status()).as(validated.body()).isEqualTo(200);
        assertThat(validated.at("/data/validRows")).isEqualTo("1");
        Response executed = http.post("/v1/modules/vendors/import/execute", body);
        assertThat(executed.at("/data/successRows")).as(executed.body()).isEqualTo("1");
        assertThat(http.get("/v1/objects/vendor/records?external_id=v-1").at("/data/0/values/name"))
                .isEqualTo("Acme");
        assertThat(http.get("/v1/imports/" + executed.at("/data/importJobId")).json().get("column_mapping")
                .toString()).isEqualTo("{\"external_id\":\"Id\",\"name\":\" Vendor Name \"}");

        Response twice = upload("/v1/modules/vendors/import/parse", "vendors.csv", "text/csv",
                "Id,Name, name\nv-2,Beta,beta\n".getBytes(StandardCharsets.UTF_8));
        for (String step : List.of("validate", "execute")) {
            Response r = http.post("/v1/modules/vendors/import/" + step, "{\"fileId\": \"" + twice.at("/data/fileId")
                    + "\", \"columnMapping\": [{\"sourceColumn\": \"Id\", \"targetFieldSlug\": \"external_id\"},"
                    + " {\"sourceColumn\": \"NAME\", \"targetFieldSlug\": \"name\"}]}");
            assertThat(r.status()).as(step + " " + r.body()).isEqualTo(400);
            assertThat(r.at("/error/code")).isEqualTo("invalid_request");
            assertThat(r.at("/error/message")).isEqualTo("columnMapping[1].sourceColumn: the file has no column"
                    + " \"NAME\", and its columns \"Name\", \" name\" differ from it only in case or surrounding"
                    + " spaces; name one exactly");
        }
    }

    /**
     * The workflow's steps read one parsed workbook several times (parse, validate, execute's prevalidation and
     * processing); its sheet is scanned for merged cells by the first read only, and every read fills them.
     */
    @Test
    void theStepsOfAParsedWorkbookScanItsSheetForMergedCellsOnce() throws Exception {
        ByteArrayOutputStream xlsx = new ByteArrayOutputStream();
        var workbook = new org.dhatim.fastexcel.Workbook(xlsx, "test", "1.0");
        var sheet = workbook.newWorksheet("Vendors");
        String[][] rows = {{"Id", "Vendor", "Status"}, {"v-1", "Acme", "active"}, {"v-2", "Beta", null},
            {"v-3", "Gamma", "inactive"}};
        for (int r = 0; r < rows.length; r++) {
            for (int c = 0; c < 3; c++) {
                if (rows[r][c] != null) {
                    sheet.value(r, c, rows[r][c]);
                }
            }
        }
        sheet.range(1, 2, 2, 2).merge();
        workbook.finish();
        long before = dev.freight.ingest.MergedCellScans.count();

        Response parsed = upload("/v1/modules/vendors/import/parse", "vendors.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx.toByteArray());
        assertThat(parsed.at("/data/sampleRows/1/Status")).as(parsed.body()).isEqualTo("active");
        String body = "{\"fileId\": \"" + parsed.at("/data/fileId") + "\", \"columnMapping\": ["
                + "{\"sourceColumn\": \"Id\", \"targetFieldSlug\": \"external_id\"},"
                + " {\"sourceColumn\": \"Vendor\", \"targetFieldSlug\": \"name\"},"
                + " {\"sourceColumn\": \"status\", \"targetFieldSlug\": \"status\"}]}";
        Response validated = http.post("/v1/modules/vendors/import/validate", body);
        Response executed = http.post("/v1/modules/vendors/import/execute", body);

        assertThat(validated.at("/data/validRows")).as(validated.body()).isEqualTo("3");
        assertThat(executed.at("/data/successRows")).as(executed.body()).isEqualTo("3");
        assertThat(http.get("/v1/objects/vendor/records?external_id=v-2").at("/data/0/values/status"))
                .isEqualTo("active");
        assertThat(dev.freight.ingest.MergedCellScans.count() - before).isEqualTo(1);
    }

    /**
     * A workbook whose sheet declares the dimension A1 (as streaming writers leave it) although it holds five rows of
     * three columns: parse gives every column, every row and the exact count, and validate and execute read them all.
     */
    @Test
    void aWorkbookWhoseSheetDeclaresTheDimensionA1IsParsedValidatedAndExecutedWithEveryRowAndColumn()
            throws Exception {
        byte[] xlsx = dev.freight.testing.XlsxFiles.withDimension(dev.freight.testing.XlsxFiles.of("Vendors",
                new String[][] {{"Id", "Vendor", "Status"}, {"v-1", "Acme", "active"}, {"v-2", "Beta", null},
                    {"v-3", "Gamma", "onboarding"}, {"v-4", "Delta", "inactive"}}), "A1");

        Response parsed = upload("/v1/modules/vendors/import/parse", "vendors.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx);

        assertThat(parsed.status()).as(parsed.body()).isEqualTo(200);
        assertThat(parsed.json().get("data").get("sourceColumns").toString())
                .isEqualTo("[\"Id\",\"Vendor\",\"Status\"]");
        assertThat(parsed.json().get("data").get("sampleRows").toString()).isEqualTo("["
                + "{\"Id\":\"v-1\",\"Vendor\":\"Acme\",\"Status\":\"active\"},"
                + "{\"Id\":\"v-2\",\"Vendor\":\"Beta\",\"Status\":\"\"},"
                + "{\"Id\":\"v-3\",\"Vendor\":\"Gamma\",\"Status\":\"onboarding\"},"
                + "{\"Id\":\"v-4\",\"Vendor\":\"Delta\",\"Status\":\"inactive\"}]");
        assertThat(parsed.at("/data/totalRows")).isEqualTo("4");
        assertThat(parsed.at("/data/fileType")).isEqualTo("xlsx");
        String body = "{\"fileId\": \"" + parsed.at("/data/fileId") + "\", \"columnMapping\": ["
                + "{\"sourceColumn\": \"Id\", \"targetFieldSlug\": \"external_id\"},"
                + " {\"sourceColumn\": \"Vendor\", \"targetFieldSlug\": \"name\"},"
                + " {\"sourceColumn\": \"Status\", \"targetFieldSlug\": \"status\"}]}";
        Response validated = http.post("/v1/modules/vendors/import/validate", body);
        Response executed = http.post("/v1/modules/vendors/import/execute", body);

        assertThat(validated.at("/data/totalRows")).as(validated.body()).isEqualTo("4");
        assertThat(validated.at("/data/validRows")).isEqualTo("4");
        assertThat(executed.at("/data/status")).as(executed.body()).isEqualTo("completed");
        assertThat(executed.at("/data/totalRows")).isEqualTo("4");
        assertThat(executed.at("/data/successRows")).isEqualTo("4");
        assertThat(executed.at("/data/errorRows")).isEqualTo("0");
        assertThat(http.get("/v1/objects/vendor/records?external_id=v-4").at("/data/0/values/status"))
                .isEqualTo("inactive");
        assertThat(http.get("/v1/objects/vendor/records?external_id=v-3").at("/data/0/values/name"))
                .isEqualTo("Gamma");
    }

    /** Validate checks a fileId's mapping against the header parse read, without opening the file for it. */
    @Test
    void aMappingIsCheckedAgainstTheHeaderParseReadWithoutOpeningTheFileAgain() throws Exception {
        Response parsed = upload("/v1/modules/contacts/import/parse", "people.csv", "text/csv",
                "Name ,Email\nAnn,ann@example.com\n".getBytes(StandardCharsets.UTF_8));
        String fileId = parsed.at("/data/fileId");
        tenant.server().bean(UploadStore.class).delete(fileId);

        Response r = http.post("/v1/modules/contacts/import/validate", "{\"fileId\": \"" + fileId
                + "\", \"columnMapping\": [{\"sourceColumn\": \"Emial\", \"targetFieldSlug\": \"email\"}]}");

        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.at("/error/code")).isEqualTo("invalid_request");
        assertThat(r.at("/error/message")).isEqualTo(
                "columnMapping[0].sourceColumn: the file has no column \"Emial\"; its columns are \"Name \", \"Email\"");
    }

    /**
     * The values the file workflow takes from a fixed list match without regard to case: {@code duplicateStrategy},
     * {@code mergeMode}, {@code addressPart}. Before, each was refused with 400 {@code invalid_request}.
     */
    @Test
    void theNamesTheFileWorkflowTakesFromAListMatchWithoutRegardToCase() {
        Response r = http.post("/v1/modules/contacts/import/execute", """
                {"rows": [{"Name": "Ann", "Street": "1 Main St", "City": "Springfield"}],
                 "columnMapping": [{"sourceColumn": "Name", "targetFieldSlug": "displayName"},
                   {"sourceColumn": "Street", "targetFieldSlug": "address", "addressPart": "Street"},
                   {"sourceColumn": "City", "targetFieldSlug": "address", "addressPart": "CITY"}],
                 "duplicateStrategy": "UPDATE", "duplicateMatchFields": ["displayName"], "mergeMode": "Fill_Empty"}""");

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.at("/data/successRows")).isEqualTo("1");
        assertThat(http.get("/v1/records/" + r.at("/data/createdRecordIds/0")).at("/values/address")).isEqualTo(
                "{\"street\":\"1 Main St\",\"city\":\"Springfield\"}");
    }

    @Test
    void twoColumnsFeedingOneSingleValueFieldOrOneAddressPartAreRefused() {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("""
                [{"sourceColumn": "Name", "targetFieldSlug": "displayName"},
                 {"sourceColumn": "Title", "targetFieldSlug": "displayName"}]""",
                "columnMapping[1]: \"Title\" maps to displayName, which \"Name\" (columnMapping[0]) already feeds;"
                        + " a field that holds one value takes one column");
        cases.put("""
                [{"sourceColumn": "Name", "targetFieldSlug": "displayName"},
                 {"sourceColumn": "Street", "targetFieldSlug": "address"},
                 {"sourceColumn": "Title", "targetFieldSlug": null},
                 {"sourceColumn": "City", "targetFieldSlug": "address"}]""",
                "columnMapping[3]: \"City\" maps to address beside \"Street\" (columnMapping[1]); the columns of one"
                        + " address field each need their own addressPart");
        cases.put("""
                [{"sourceColumn": "Name", "targetFieldSlug": "displayName"},
                 {"sourceColumn": "Street", "targetFieldSlug": "address", "addressPart": "street"},
                 {"sourceColumn": "City", "targetFieldSlug": "address"}]""",
                "columnMapping[2]: \"City\" maps to address beside \"Street\" (columnMapping[1]); the columns of one"
                        + " address field each need their own addressPart");
        cases.put("""
                [{"sourceColumn": "Name", "targetFieldSlug": "displayName"},
                 {"sourceColumn": "Street", "targetFieldSlug": "address", "addressPart": "street"},
                 {"sourceColumn": "City", "targetFieldSlug": "address", "addressPart": "street"}]""",
                "columnMapping[2]: \"City\" maps to the street of address, which \"Street\" (columnMapping[1])"
                        + " already feeds; each addressPart takes one column");
        String rows = "[{\"Name\": \"Ann\", \"Title\": \"CEO\", \"Street\": \"1 Main St\", \"City\": \"Springfield\"}]";

        cases.forEach((mapping, message) -> {
            for (String step : List.of("validate", "execute")) {
                Response r = http.post("/v1/modules/contacts/import/" + step, "{\"rows\": " + rows
                        + ", \"columnMapping\": " + mapping + "}");
                assertThat(r.status()).as(step + " " + r.body()).isEqualTo(400);
                assertThat(r.at("/error/code")).as(step).isEqualTo("invalid_request");
                assertThat(r.at("/error/message")).as(step).isEqualTo(message);
            }
        });
        assertThat(http.get("/v1/modules/contacts/import/jobs").json().get("data").get("jobs").size()).isZero();
        assertThat(http.get("/v1/objects/contact/records").json().get("data").size()).isZero();
    }

    @Test
    void aMatchFieldThatNoColumnIsMappedToIsRefusedByValidateAndExecuteAlike() {
        execute(rowsJson("Ann", "ann@example.com"), "{}");
        String rows = "[{\"Name\": \"Ann\", \"Email\": \"ann@example.com\", \"Title\": \"CEO\"}]";
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("[\"jobTitle\"]", "duplicateMatchFields: \"jobTitle\" is mapped to no column (nor given a static"
                + " value), so it cannot identify an existing record");
        cases.put("[\"email\", \"phone\"]", "duplicateMatchFields: \"phone\" is mapped to no column (nor given a"
                + " static value), so it cannot identify an existing record");

        cases.forEach((fields, message) -> {
            for (String step : List.of("validate", "execute")) {
                Response r = http.post("/v1/modules/contacts/import/" + step, "{\"rows\": " + rows
                        + ", \"columnMapping\": " + MAPPING + ", \"duplicateStrategy\": \"update\","
                        + " \"duplicateMatchFields\": " + fields + "}");
                assertThat(r.status()).as(step + " " + r.body()).isEqualTo(400);
                assertThat(r.at("/error/code")).as(step).isEqualTo("invalid_request");
                assertThat(r.at("/error/message")).as(step).isEqualTo(message);
            }
        });
        assertThat(http.get("/v1/modules/contacts/import/jobs").json().get("data").get("jobs").size()).isEqualTo(1);
        assertThat(contacts()).containsExactly("Ann|ann@example.com|");
        Response byStatic = http.post("/v1/modules/contacts/import/execute", "{\"rows\": " + rows
                + ", \"columnMapping\": " + MAPPING + ", \"duplicateStrategy\": \"update\","
                + " \"duplicateMatchFields\": [\"email\", \"department\"], \"staticValues\": {\"department\": \"Ops\"}}");
        assertThat(byStatic.status()).as(byStatic.body()).isEqualTo(200);
        assertThat(byStatic.at("/data/successRows")).isEqualTo("1");
    }

    @Test
    void emptyRowsAreRefusedByValidateAndExecuteAlike() {
        for (String step : List.of("validate", "execute")) {
            Response r = http.post("/v1/modules/contacts/import/" + step, """
                    {"rows": [], "columnMapping": [{"sourceColumn": "Name", "targetFieldSlug": "displayName"}]}""");
            assertThat(r.status()).as(step + " " + r.body()).isEqualTo(400);
            assertThat(r.at("/error/code")).as(step).isEqualTo("invalid_request");
            assertThat(r.at("/error/message")).as(step).isEqualTo("rows is empty: there is nothing to import");
        }
        assertThat(http.get("/v1/modules/contacts/import/jobs").json().get("data").get("jobs").size()).isZero();
    }

    @Test
    void parsedFilesExpireButAnExecutionMadeFromOneKeepsItsRows() throws Exception {
        Response parsed = upload("/v1/modules/contacts/import/parse", "contacts.csv", "text/csv",
                CONTACTS_CSV.getBytes(StandardCharsets.UTF_8));
        String fileId = parsed.at("/data/fileId");
        String mapping = MAPPING;
        Response executed = http.post("/v1/modules/contacts/import/execute", "{\"fileId\": \"" + fileId
                + "\", \"columnMapping\": " + mapping + ", \"processingMode\": \"background\"}");
        String jobId = executed.at("/data/importJobId");
        TestServer server = tenant.server();
        var sweeper = new ParsedFileSweeper(server.bean(Database.class), server.bean(ParsedFileStore.class),
                server.bean(UploadStore.class), Clock.offset(Clock.systemUTC(), Duration.ofHours(2)),
                Duration.ofHours(1), Duration.ofMinutes(10));

        assertThat(sweeper.sweep()).isGreaterThanOrEqualTo(1);

        Response gone = http.post("/v1/modules/contacts/import/validate", "{\"fileId\": \"" + fileId
                + "\", \"columnMapping\": " + mapping + "}");
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.at("/error/code")).isEqualTo("file_not_found");
        JsonNode job = poll(jobId);
        assertThat(job.get("status").asString()).isEqualTo("completed");
        assertThat(job.get("successRows").asLong()).isEqualTo(2);
    }

    /**
     * A parsed file whose bytes are gone while its record remains (the sweeper deleted them between execute's read of
     * the record and its link to them) is answered as a file that is gone, not as a failure of Freight's.
     */
    @Test
    void anExecutionOfAParsedFileWhoseBytesAreGoneIsFileNotFound() throws Exception {
        Response parsed = upload("/v1/modules/contacts/import/parse", "contacts.csv", "text/csv",
                CONTACTS_CSV.getBytes(StandardCharsets.UTF_8));
        String fileId = parsed.at("/data/fileId");
        java.nio.file.Files.delete(tenant.server().bean(UploadStore.class).path(fileId));

        Response executed = http.post("/v1/modules/contacts/import/execute", "{\"fileId\": \"" + fileId
                + "\", \"columnMapping\": " + MAPPING + "}");

        assertThat(executed.status()).isEqualTo(404);
        assertThat(executed.body()).isEqualTo("{\"success\":false,\"error\":{\"code\":\"file_not_found\","
                + "\"message\":\"There is no parsed file \\\"" + fileId + "\\\"; upload it to parse first\"}}");
        assertThat(http.get("/v1/modules/contacts/import/jobs").json().get("data").get("jobs").size()).isZero();
    }

    @Test
    void theProcessingModeFollowsTheSeedsRowCounts() {
        assertThat(ModuleImportController.processingMode(5_000, null)).isEqualTo("sync");
        assertThat(ModuleImportController.processingMode(5_001, null)).isEqualTo("stream");
        assertThat(ModuleImportController.processingMode(50_000, null)).isEqualTo("stream");
        assertThat(ModuleImportController.processingMode(50_001, null)).isEqualTo("background");
        assertThat(ModuleImportController.processingMode(10, "background")).isEqualTo("background");
        assertThat(ModuleImportController.processingMode(60_000, "sync")).isEqualTo("background");
    }

    @Test
    void validateWarnsAboutAnUnmappedRequiredFieldAndChecksEveryRow() {
        Response r = http.post("/v1/modules/contacts/import/validate", """
                {"rows": [{"Email": "a@example.com"}, {"Email": "nope"}],
                 "columnMapping": [{"sourceColumn": "Email", "targetFieldSlug": "email"}]}""");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.at("/data/isValid")).isEqualTo("false");
        assertThat(r.at("/data/warnings/0/field")).isEqualTo("displayName");
        assertThat(r.at("/data/warnings/0/message")).isEqualTo("Required field \"Name\" is not mapped");
        assertThat(r.at("/data/errorRows")).isEqualTo("2");
    }

    /**
     * Validate lists the first 1,000 problems, not rows (a row without a name and with a bad email has two), and says
     * when it left some out.
     */
    @Test
    void validateListsTheFirstThousandProblemsAndSaysWhetherItLeftSomeOut() {
        List<String> twoProblems = new ArrayList<>();
        for (int i = 1; i <= 501; i++) {
            twoProblems.add(rowsJson("", "bad-" + i));
        }
        String oneProblem = rowsJson("Ann", "bad-0");

        Response exactly = validateRows(String.join(",", twoProblems.subList(0, 500)));

        assertThat(exactly.at("/data/errorRows")).isEqualTo("500");
        assertThat(exactly.json().get("data").get("errors").size()).isEqualTo(1_000);
        assertThat(exactly.at("/data/errorsTruncated")).isEqualTo("false");

        Response over = validateRows(oneProblem + "," + String.join(",", twoProblems.subList(0, 500)));

        assertThat(over.at("/data/totalRows")).isEqualTo("501");
        assertThat(over.at("/data/errorRows")).isEqualTo("501");
        JsonNode errors = over.json().get("data").get("errors");
        assertThat(errors.size()).isEqualTo(1_000);
        assertThat(errors.get(0).toString()).isEqualTo("{\"row\":1,\"line\":1,\"field\":\"email\",\"value\":\"bad-0\","
                + "\"error\":\"email: expected an email address, got \\\"bad-0\\\"\","
                + "\"code\":\"invalid_field_value\"}");
        assertThat(errors.get(998).toString()).isEqualTo("{\"row\":500,\"line\":500,\"field\":\"email\","
                + "\"value\":\"bad-499\","
                + "\"error\":\"email: expected an email address, got \\\"bad-499\\\"\","
                + "\"code\":\"invalid_field_value\"}");
        assertThat(errors.get(999).toString()).isEqualTo("{\"row\":501,\"line\":501,\"field\":\"displayName\","
                + "\"value\":\"\","
                + "\"error\":\"displayName: required field is missing (expected key \\\"Name\\\")\","
                + "\"code\":\"missing_required_field\"}");
        assertThat(over.at("/data/errorsTruncated")).isEqualTo("true");

        Response few = validateRows(rowsJson("Bo", "bo@example.com") + "," + oneProblem);

        assertThat(few.json().get("data").get("errors").size()).isEqualTo(1);
        assertThat(few.at("/data/errors/0/row")).isEqualTo("2");
        assertThat(few.at("/data/errorsTruncated")).isEqualTo("false");
    }

    /**
     * Validate lists the first 1,000 problems but writes every rejected row to its errors files, in the shape of an
     * execution's: one line per rejected row (a row with two bad fields has one, listing both), its cells after.
     */
    @Test
    void validateLinksToErrorsFilesHoldingEveryRejectedRow() throws Exception {
        StringBuilder rows = new StringBuilder(rowsJson("Ann", "ann@example.com"));
        for (int i = 2; i <= 1_006; i++) {
            rows.append(',').append(rowsJson(i == 500 ? "" : "P" + i, "bad-" + i));
        }

        Response validated = validateRows(rows.toString());

        assertThat(validated.at("/data/totalRows")).isEqualTo("1006");
        assertThat(validated.at("/data/errorRows")).isEqualTo("1005");
        assertThat(validated.json().get("data").get("errors").size()).isEqualTo(1_000);
        assertThat(validated.at("/data/errorsTruncated")).isEqualTo("true");
        String files = Pattern.quote(tenant.server().baseUrl() + "/files/validations/" + tenant.organizationId() + "/")
                + "(val_[0-9a-f]{32})/";
        String signed = "\\?expires=\\d+&signature=[0-9a-f]{64}";
        String csvUrl = validated.at("/data/errorsCsvUrl");
        String jsonUrl = validated.at("/data/errorsJsonUrl");
        assertThat(csvUrl).matches(files + "errors\\.csv" + signed);
        assertThat(jsonUrl).matches(files + "errors\\.json" + signed);
        assertThat(csvUrl.replace("/errors.csv?", "/errors.json?").replaceAll("signature=.*", ""))
                .isEqualTo(jsonUrl.replaceAll("signature=.*", ""));
        assertThat(Long.parseLong(csvUrl.replaceAll(".*expires=(\\d+)&.*", "$1")))
                .isBetween(Instant.now().plus(Duration.ofMinutes(59)).getEpochSecond(),
                        Instant.now().plus(Duration.ofHours(1)).getEpochSecond());

        HttpResponse<String> csv = ImportsApiContract.get(csvUrl);

        assertThat(csv.statusCode()).as(csv.body()).isEqualTo(200);
        assertThat(csv.headers().firstValue("Content-Type").orElse("")).isEqualTo("text/csv;charset=UTF-8");
        List<String> lines = List.of(csv.body().split("\r\n"));
        assertThat(lines).hasSize(1 + 1_005);
        assertThat(lines.getFirst())
                .isEqualTo("\uFEFFerror_line,error_external_id,error_field,error_code,error_message,Name,Email");
        assertThat(lines.get(1)).isEqualTo("2,,email,invalid_field_value,"
                + "\"email: expected an email address, got \"\"bad-2\"\"\",P2,bad-2");
        assertThat(lines.get(499)).isEqualTo("500,,displayName; email,missing_required_field; invalid_field_value,"
                + "\"displayName: required field is missing (expected key \"\"Name\"\")\n"
                + "email: expected an email address, got \"\"bad-500\"\"\",,bad-500");
        assertThat(lines.get(1_005)).isEqualTo("1006,,email,invalid_field_value,"
                + "\"email: expected an email address, got \"\"bad-1006\"\"\",P1006,bad-1006");

        HttpResponse<String> json = ImportsApiContract.get(jsonUrl);

        assertThat(json.statusCode()).as(json.body()).isEqualTo(200);
        assertThat(json.headers().firstValue("Content-Type").orElse("")).isEqualTo("application/json");
        JsonNode entries = Http.JSON.readTree(json.body());
        assertThat(entries.size()).isEqualTo(1_005);
        assertThat(entries.get(0).toString()).isEqualTo("{\"row\":2,\"line\":2,\"external_id\":null,"
                + "\"field\":\"email\",\"error_code\":\"invalid_field_value\","
                + "\"message\":\"email: expected an email address, got \\\"bad-2\\\"\","
                + "\"errors\":[{\"field\":\"email\",\"error_code\":\"invalid_field_value\","
                + "\"message\":\"email: expected an email address, got \\\"bad-2\\\"\"}],"
                + "\"cells\":{\"Name\":\"P2\",\"Email\":\"bad-2\"}}");
        assertThat(entries.get(498).toString()).isEqualTo("{\"row\":500,\"line\":500,\"external_id\":null,"
                + "\"field\":\"displayName; email\",\"error_code\":\"missing_required_field; invalid_field_value\","
                + "\"message\":\"displayName: required field is missing (expected key \\\"Name\\\")\\n"
                + "email: expected an email address, got \\\"bad-500\\\"\","
                + "\"errors\":[{\"field\":\"displayName\",\"error_code\":\"missing_required_field\","
                + "\"message\":\"displayName: required field is missing (expected key \\\"Name\\\")\"},"
                + "{\"field\":\"email\",\"error_code\":\"invalid_field_value\","
                + "\"message\":\"email: expected an email address, got \\\"bad-500\\\"\"}],"
                + "\"cells\":{\"Name\":\"\",\"Email\":\"bad-500\"}}");
        assertThat(entries.get(1_004).get("row").asLong()).isEqualTo(1_006);
        assertThat(entries.get(1_004).get("cells").toString()).isEqualTo("{\"Name\":\"P1006\",\"Email\":\"bad-1006\"}");
    }

    /**
     * Each problem that validate, execute and the job list names its row as the file numbers it, {@code line} (the
     * CSV's line, a sheet's row number), beside {@code row}, which counts data rows: blank lines are none, so the two
     * part, and {@code row} alone did not say where in the file a person should look. For {@code rows}, the row's
     * position.
     */
    @Test
    void everyListedProblemGivesItsLineInTheFileBesideItsDataRow() throws Exception {
        String fileId = upload("/v1/modules/contacts/import/parse", "people.csv", "text/csv",
                "Name,Email\r\nAnn,ann@example.com\r\n\r\n,\r\nBo,bad\r\n".getBytes(StandardCharsets.UTF_8))
                .at("/data/fileId");
        String body = "{\"fileId\": \"" + fileId + "\", \"columnMapping\": " + MAPPING + "}";

        Response validated = http.post("/v1/modules/contacts/import/validate", body);
        Response executed = http.post("/v1/modules/contacts/import/execute", body);
        Response job = http.get("/v1/modules/contacts/import/jobs/" + executed.at("/data/importJobId"));
        Response sent = validateRows(rowsJson("Ann", "ann@example.com") + "," + rowsJson("Bo", "bad"));

        String expected = "[{\"row\":2,\"line\":5,\"field\":\"email\",";
        assertThat(validated.json().get("data").get("errors").toString()).as(validated.body())
                .isEqualTo(expected + "\"value\":\"bad\",\"error\":\"email: expected an email address, got"
                        + " \\\"bad\\\"\",\"code\":\"invalid_field_value\"}]");
        String listed = expected + "\"error\":\"email: expected an email address, got \\\"bad\\\"\","
                + "\"code\":\"invalid_field_value\"}]";
        assertThat(executed.json().get("data").get("errors").toString()).as(executed.body()).isEqualTo(listed);
        assertThat(job.json().get("data").get("errors").toString()).as(job.body()).isEqualTo(listed);
        assertThat(sent.at("/data/errors/0/row")).isEqualTo("2");
        assertThat(sent.at("/data/errors/0/line")).isEqualTo("2");
    }

    /**
     * Both errors CSVs open in a spreadsheet as the rows were read: they start with a UTF-8 byte-order mark (without
     * it, Excel reads the UTF-8 in its own code page, {@code Zoë} as {@code ZoÃ«}), and a cell a spreadsheet would
     * run as a formula ({@code =}, {@code +}, {@code -}, {@code @}) has an apostrophe in front and is quoted, as a CSV
     * export writes it; a plain number ({@code -5}) is no formula. The file parsed again reads the rows' cells as
     * they were.
     */
    @Test
    void errorsCsvFilesStartWithAByteOrderMarkAndNeutraliseFormulaCellsAndReadBackAsTheRowsWere() throws Exception {
        String file = """
                Name,Email,Phone,Notes\r
                Zoë Müller,=1+2,+1 555 0100,@SUM(A1)\r
                José,jose@example.com,555-0101,fine\r
                "=HYPERLINK(""http://evil.example"")",bad,-5,''=kept\r
                """;
        String fileId = upload("/v1/modules/contacts/import/parse", "people.csv", "text/csv",
                file.getBytes(StandardCharsets.UTF_8)).at("/data/fileId");
        String body = "{\"fileId\": \"" + fileId + "\", \"columnMapping\": [{\"sourceColumn\": \"Name\","
                + " \"targetFieldSlug\": \"displayName\"}, {\"sourceColumn\": \"Email\","
                + " \"targetFieldSlug\": \"email\"}, {\"sourceColumn\": \"Notes\","
                + " \"targetFieldSlug\": \"description\"}]}";
        String expected = """
                \uFEFFerror_line,error_external_id,error_field,error_code,error_message,Name,Email,Phone,Notes\r
                2,,email,invalid_field_value,"email: expected an email address, got ""=1+2\"\"",Zoë Müller,"'=1+2",\
                "'+1 555 0100","'@SUM(A1)"\r
                4,,email,invalid_field_value,"email: expected an email address, got ""bad\"\"",\
                "'=HYPERLINK(""http://evil.example"")",bad,-5,"''=kept"\r
                """;

        Response validated = http.post("/v1/modules/contacts/import/validate", body);
        Response executed = http.post("/v1/modules/contacts/import/execute", body);

        assertThat(validated.at("/data/errorRows")).as(validated.body()).isEqualTo("2");
        assertThat(executed.at("/data/errorRows")).as(executed.body()).isEqualTo("2");
        HttpResponse<String> validatedCsv = ImportsApiContract.get(validated.at("/data/errorsCsvUrl"));
        HttpResponse<String> executedCsv = ImportsApiContract.get(executed.at("/data/errorsCsvUrl"));
        assertThat(validatedCsv.body()).isEqualTo(expected);
        assertThat(executedCsv.body()).isEqualTo(expected);

        Response reparsed = upload("/v1/modules/contacts/import/parse", "errors.csv", "text/csv",
                executedCsv.body().getBytes(StandardCharsets.UTF_8));

        assertThat(reparsed.at("/data/bom")).isEqualTo("true");
        assertThat(reparsed.at("/data/sourceColumns/0")).isEqualTo("error_line");
        JsonNode rows = reparsed.json().get("data").get("sampleRows");
        assertThat(rows.get(0).toString()).isEqualTo("{\"error_line\":\"2\",\"error_external_id\":\"\","
                + "\"error_field\":\"email\",\"error_code\":\"invalid_field_value\","
                + "\"error_message\":\"email: expected an email address, got \\\"=1+2\\\"\",\"Name\":\"Zoë Müller\","
                + "\"Email\":\"=1+2\",\"Phone\":\"+1 555 0100\",\"Notes\":\"@SUM(A1)\"}");
        assertThat(rows.get(1).get("Name").asString()).isEqualTo("=HYPERLINK(\"http://evil.example\")");
        assertThat(rows.get(1).get("Phone").asString()).isEqualTo("-5");
        assertThat(rows.get(1).get("Notes").asString()).isEqualTo("'=kept");
    }

    @Test
    void aValidationOfAParsedFileWritesItsLinesAndEveryCellAndACleanOneHasNoErrorsFiles() throws Exception {
        Response parsed = upload("/v1/modules/contacts/import/parse", "contacts.csv", "text/csv",
                CONTACTS_CSV.getBytes(StandardCharsets.UTF_8));
        String fileId = parsed.at("/data/fileId");

        Response validated = http.post("/v1/modules/contacts/import/validate", "{\"fileId\": \"" + fileId
                + "\", \"columnMapping\": " + MAPPING + "}");

        assertThat(validated.at("/data/errorRows")).as(validated.body()).isEqualTo("1");
        assertThat(validated.at("/data/errorsTruncated")).isEqualTo("false");
        // The CSV's line 3 (the header is line 1), under all of the file's columns, mapped or not.
        assertThat(ImportsApiContract.get(validated.at("/data/errorsCsvUrl")).body()).isEqualTo("""
                \uFEFFerror_line,error_external_id,error_field,error_code,error_message,Name,Email,Phone,Company\r
                3,,email,invalid_field_value,"email: expected an email address, got ""invalid-email\"\"",\
                Jane Doe,invalid-email,555-0101,TechStart Inc\r
                """);

        Response json = upload("/v1/modules/contacts/import/parse", "people.json", "application/json",
                "[{\"Name\": \"Ann\"},\n [1, 2],\n {\"Name\": \"Bo\", \"Email\": \"nope\", \"Age\": 41.50}]"
                        .getBytes(StandardCharsets.UTF_8));
        Response fromJson = http.post("/v1/modules/contacts/import/validate", "{\"fileId\": \""
                + json.at("/data/fileId") + "\", \"columnMapping\": " + MAPPING + "}");

        assertThat(fromJson.at("/data/errorRows")).as(fromJson.body()).isEqualTo("2");
        assertThat(ImportsApiContract.get(fromJson.at("/data/errorsCsvUrl")).body()).isEqualTo("""
                \uFEFFerror_line,error_external_id,error_field,error_code,error_message,Name,Email,Age\r
                2,,,malformed_row,"Line 2, column 2: expected an object for record 2, found an array",,,\r
                3,,email,invalid_field_value,"email: expected an email address, got ""nope\"\"",Bo,nope,41.50\r
                """);
        assertThat(ImportsApiContract.get(fromJson.at("/data/errorsJsonUrl")).body()).startsWith(
                "[{\"row\":2,\"line\":2,\"external_id\":null,\"field\":null,\"error_code\":\"malformed_row\",");

        Response clean = validateRows(rowsJson("Ann", "ann@example.com"));

        assertThat(clean.at("/data/isValid")).isEqualTo("true");
        JsonNode data = clean.json().get("data");
        assertThat(data.get("errorsCsvUrl").isNull()).isTrue();
        assertThat(data.get("errorsJsonUrl").isNull()).isTrue();
    }

    @Test
    void aChangedValidationFileUrlIsRefusedAndOneOfAnotherOrganizationFindsNothing() throws Exception {
        Response validated = validateRows(rowsJson("Ann", "nope"));
        String csvUrl = validated.at("/data/errorsCsvUrl");
        String expires = csvUrl.replaceAll(".*expires=(\\d+)&.*", "$1");
        String other = TestServer.of(database()).newTenant("other").organizationId();

        for (String tampered : List.of(
                csvUrl.replace("expires=" + expires, "expires=" + (Long.parseLong(expires) + 60)),
                csvUrl.replace("/errors.csv?", "/errors.json?"),
                csvUrl.replace(tenant.organizationId(), other),
                csvUrl.replaceAll("signature=.*", "signature=00"))) {
            HttpResponse<String> refused = ImportsApiContract.get(tampered);
            assertThat(refused.statusCode()).as(tampered).isEqualTo(403);
            JsonNode error = Http.JSON.readTree(refused.body()).get("error");
            assertThat(error.get("code").asString()).isEqualTo("invalid_signature");
            assertThat(error.get("message").asString()).isEqualTo("This URL's signature is not valid (was it"
                    + " changed?); get a fresh one from a new validation (POST /v1/modules/{module}/import/validate)");
        }
        String path = URI.create(csvUrl).getPath();
        String pastExpiry = String.valueOf(Instant.now().minusSeconds(5).getEpochSecond());
        HttpResponse<String> elsewhere = ImportsApiContract.get(tenant.server().baseUrl()
                + path.replace(tenant.organizationId(), other) + "?expires=" + expires + "&signature="
                + ImportsApiContract.hmac("GET " + path.replace(tenant.organizationId(), other) + " " + expires));
        assertThat(elsewhere.statusCode()).as(elsewhere.body()).isEqualTo(410);
        assertThat(Http.JSON.readTree(elsewhere.body()).get("error").get("message").asString())
                .isEqualTo("Validation errors file has expired and was deleted; validate again");
        HttpResponse<String> expired = ImportsApiContract.get(tenant.server().baseUrl() + path + "?expires="
                + pastExpiry + "&signature=" + ImportsApiContract.hmac("GET " + path + " " + pastExpiry));
        assertThat(expired.statusCode()).as(expired.body()).isEqualTo(410);
        assertThat(Http.JSON.readTree(expired.body()).get("error").get("code").asString())
                .isEqualTo("validation_file_expired");
        assertThat(ImportsApiContract.get(csvUrl).statusCode()).isEqualTo(200);
    }

    @Test
    void aValidationFileMissingBeforeItsExpiryIsNotCalledExpired() throws Exception {
        Response validated = validateRows(rowsJson("Ann", "nope"));
        String csvUrl = validated.at("/data/errorsCsvUrl");
        String id = csvUrl.replaceAll(".*/(val_[0-9a-f]{32})/.*", "$1");
        String expires = csvUrl.replaceAll(".*expires=(\\d+).*", "$1");
        // A data directory restored without its validations/ folder, or a file an operator removed.
        java.nio.file.Files.delete(tenant.server().bean(ValidationFiles.class).path(id, ValidationFiles.Format.CSV));

        HttpResponse<String> missing = ImportsApiContract.get(csvUrl);

        assertThat(missing.statusCode()).as(missing.body()).isEqualTo(410);
        assertThat(missing.body()).isEqualTo("{\"success\":false,\"error\":{\"code\":\"validation_file_expired\","
                + "\"message\":"
                + "\"Validation errors file is no longer on the server, though it was to be kept until "
                + Instant.ofEpochSecond(Long.parseLong(expires)) + "; validate again\"}}");
    }

    @Test
    void theSweeperDeletesExpiredValidationFilesWhoseDownloadThenAnswersGone() throws Exception {
        Response validated = validateRows(rowsJson("Ann", "nope"));
        String csvUrl = validated.at("/data/errorsCsvUrl");
        String id = csvUrl.replaceAll(".*/(val_[0-9a-f]{32})/.*", "$1");
        TestServer server = tenant.server();
        ValidationFiles files = server.bean(ValidationFiles.class);
        java.nio.file.Path csvFile = files.path(id, ValidationFiles.Format.CSV);
        assertThat(csvFile).exists();
        var notYet = new ValidationFileSweeper(server.bean(Database.class), server.bean(ValidationFileStore.class),
                files, Clock.offset(Clock.systemUTC(), Duration.ofMinutes(50)), Duration.ofDays(30),
                Duration.ofMinutes(1));
        notYet.sweep();
        assertThat(csvFile).exists();
        var sweeper = new ValidationFileSweeper(server.bean(Database.class), server.bean(ValidationFileStore.class),
                files, Clock.offset(Clock.systemUTC(), Duration.ofHours(2)), Duration.ofDays(30),
                Duration.ofMinutes(1));

        assertThat(sweeper.sweep()).isGreaterThanOrEqualTo(1);

        assertThat(csvFile).doesNotExist();
        assertThat(files.path(id, ValidationFiles.Format.JSON)).doesNotExist();
        ValidationFileStore.ValidationFile record = server.bean(Database.class).withHandle(h ->
                server.bean(ValidationFileStore.class).get(h, tenant.organizationId(), id)).orElseThrow();
        for (String url : List.of(csvUrl, validated.at("/data/errorsJsonUrl"))) {
            HttpResponse<String> gone = ImportsApiContract.get(url);
            assertThat(gone.statusCode()).as(gone.body()).isEqualTo(410);
            JsonNode error = Http.JSON.readTree(gone.body()).get("error");
            assertThat(error.get("code").asString()).isEqualTo("validation_file_expired");
            assertThat(error.get("message").asString()).isEqualTo("Validation errors file has expired (at "
                    + record.expiresAt().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                    + ") and was deleted; validate again");
        }
    }

    /**
     * A validation that writes its files for longer than FREIGHT_DOWNLOAD_URL_TTL (its clock driven two hours on, the
     * sweeper running every minute meanwhile) keeps them, and they download for a TTL from when they were finished.
     */
    @Test
    void aValidationWritingLongerThanTheTtlIsNotSweptAndItsFilesDownloadAfterwards() throws Exception {
        TestServer server = tenant.server();
        FreightConfig config = server.bean(FreightConfig.class);
        Database db = server.bean(Database.class);
        ValidationFileStore store = server.bean(ValidationFileStore.class);
        SettableClock clock = new SettableClock(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        ValidationFiles files = new ValidationFiles(config.dataDir().resolve("validations"), db, store,
                new IdGenerator(clock), clock, config.downloadUrlTtl(), config.maxValidationFilesBytes());
        var sweeper = new ValidationFileSweeper(db, store, files, clock, Duration.ofDays(30), Duration.ofMinutes(1));
        ValidationFiles.Finished finished;
        try (ValidationFiles.Recorder recorder = files.recorder(tenant.organizationId())) {
            recorder.start(List.of("Name", "Email"));
            recorder.add(rejectedRow(1, "Ann", "nope"));
            for (int minute = 1; minute <= 120; minute++) {
                clock.advance(Duration.ofMinutes(1));
                files.renewLeases();
                if (minute == 90) {
                    recorder.add(rejectedRow(91, "Bo", "bad"));
                }
                sweeper.sweep();
            }
            try (var written = java.nio.file.Files.list(config.dataDir().resolve("validations"))) {
                assertThat(written.filter(f -> f.toString().endsWith(".errors.json.part")).count()).isEqualTo(1);
            }
            finished = recorder.finish();
        }
        ValidationFiles.Stored stored = (ValidationFiles.Stored) finished;
        assertThat(stored.expiresAt()).isEqualTo(clock.instant().plus(Duration.ofHours(1))
                .truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        String path = "/files/validations/" + tenant.organizationId() + "/" + stored.id() + "/errors.csv";
        long expires = stored.expiresAt().getEpochSecond();

        HttpResponse<String> csv = ImportsApiContract.get(server.baseUrl() + path + "?expires=" + expires
                + "&signature=" + ImportsApiContract.hmac("GET " + path + " " + expires));

        assertThat(csv.statusCode()).as(csv.body()).isEqualTo(200);
        assertThat(csv.body()).isEqualTo("""
                \uFEFFerror_line,error_external_id,error_field,error_code,error_message,Name,Email\r
                1,,email,invalid_field_value,"email: expected an email address, got ""nope\"\"",Ann,nope\r
                91,,email,invalid_field_value,"email: expected an email address, got ""bad\"\"",Bo,bad\r
                """);
        ValidationFileStore.ValidationFile record = db.withHandle(h -> store.get(h, tenant.organizationId(),
                stored.id())).orElseThrow();
        assertThat(record.finishedAt()).isEqualTo(clock.instant());
        assertThat(record.expiresAt()).isEqualTo(stored.expiresAt());
        assertThat(record.deletedAt()).isNull();
    }

    private static dev.freight.engine.ImportValidator.Rejected rejectedRow(long line, String name, String email) {
        Map<String, Object> cells = new LinkedHashMap<>();
        cells.put("Name", name);
        cells.put("Email", email);
        return new dev.freight.engine.ImportValidator.Rejected(line, line, null, List.of(
                new dev.freight.engine.ImportValidator.Problem(line, line, "email", email, "invalid_field_value",
                        "email: expected an email address, got \"" + email + "\"")), cells);
    }

    /** {@code count} rows whose email is bad, named {@code <prefix><n>} with n of five digits: all as long. */
    private static String badRows(String prefix, int count) {
        StringBuilder rows = new StringBuilder();
        for (int i = 1; i <= count; i++) {
            String name = prefix + "%05d".formatted(i);
            rows.append(i == 1 ? "" : ",").append(rowsJson(name, "bad-" + name));
        }
        return rows.toString();
    }

    /**
     * The test servers keep 4,000,000 bytes of finished validation files: the files of three validations of 3,500
     * rejected rows (1,173,787 bytes of JSON and 369,971 of CSV each) do not fit, so the oldest's go when the third
     * finishes, and its URLs say why.
     */
    @Test
    void theOldestFinishedValidationFilesAreDeletedFirstToKeepUnderTheLimitAndTheirDownloadSaysSo()
            throws Exception {
        TestServer server = tenant.server();
        Database db = server.bean(Database.class);
        ValidationFileStore store = server.bean(ValidationFileStore.class);
        ValidationFiles files = server.bean(ValidationFiles.class);
        List<String> csvUrls = new ArrayList<>();
        List<String> jsonUrls = new ArrayList<>();
        List<ValidationFileStore.ValidationFile> records = new ArrayList<>();
        for (String prefix : List.of("a", "b", "c")) {
            Response validated = validateRows(badRows(prefix, 3_500));
            assertThat(validated.at("/data/errorRows")).isEqualTo("3500");
            String csvUrl = validated.at("/data/errorsCsvUrl");
            String id = csvUrl.replaceAll(".*/(val_[0-9a-f]{32})/.*", "$1");
            csvUrls.add(csvUrl);
            jsonUrls.add(validated.at("/data/errorsJsonUrl"));
            records.add(db.withHandle(h -> store.get(h, tenant.organizationId(), id)).orElseThrow());
            // The URLs expire when the files do: FREIGHT_DOWNLOAD_URL_TTL after they were finished, to the second.
            assertThat(records.getLast().expiresAt()).isEqualTo(records.getLast().finishedAt()
                    .plus(Duration.ofHours(1)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
            for (String url : List.of(csvUrl, jsonUrls.getLast())) {
                assertThat(Long.parseLong(url.replaceAll(".*expires=(\\d+)&.*", "$1")))
                        .isEqualTo(records.getLast().expiresAt().getEpochSecond());
            }
            // Every one's files take the same bytes, as recorded.
            assertThat(records.getLast().sizeBytes()).isEqualTo(1_543_761L).isEqualTo(
                    java.nio.file.Files.size(files.path(id, ValidationFiles.Format.CSV))
                    + java.nio.file.Files.size(files.path(id, ValidationFiles.Format.JSON)));
        }
        assertThat(3 * 1_543_761L).isGreaterThan(TestServer.MAX_VALIDATION_FILES_BYTES);
        assertThat(2 * 1_543_761L).isLessThanOrEqualTo(TestServer.MAX_VALIDATION_FILES_BYTES);

        ValidationFileStore.ValidationFile oldest = db.withHandle(h -> store.get(h, tenant.organizationId(),
                records.getFirst().id())).orElseThrow();
        ValidationFileStore.ValidationFile third = records.getLast();
        assertThat(oldest.deletedBecause()).isEqualTo(ValidationFileStore.Removal.OVER_LIMIT);
        assertThat(oldest.deletedAt()).isEqualTo(third.finishedAt());
        assertThat(files.path(oldest.id(), ValidationFiles.Format.CSV)).doesNotExist();
        assertThat(files.path(oldest.id(), ValidationFiles.Format.JSON)).doesNotExist();
        for (String url : List.of(csvUrls.getFirst(), jsonUrls.getFirst())) {
            HttpResponse<String> gone = ImportsApiContract.get(url);
            assertThat(gone.statusCode()).as(url).isEqualTo(410);
            JsonNode error = Http.JSON.readTree(gone.body()).get("error");
            assertThat(error.get("code").asString()).isEqualTo("validation_file_expired");
            assertThat(error.get("message").asString()).isEqualTo("Validation errors file was deleted early (at "
                    + oldest.deletedAt().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + ", before it expired at "
                    + oldest.expiresAt() + ") to keep all validations' errors files within"
                    + " FREIGHT_MAX_VALIDATION_FILES_BYTES; validate again");
        }
        for (int i = 1; i < 3; i++) {
            HttpResponse<String> csv = ImportsApiContract.get(csvUrls.get(i));
            assertThat(csv.statusCode()).as(csv.body()).isEqualTo(200);
            assertThat(csv.body().length()).isEqualTo(369_972);
            HttpResponse<String> json = ImportsApiContract.get(jsonUrls.get(i));
            assertThat(json.statusCode()).as(json.body()).isEqualTo(200);
            assertThat(json.body().length()).isEqualTo(1_173_787);
        }
    }

    /** A validation whose own files would take more than the limit answers as any other, saying it kept none. */
    @Test
    void aValidationWhoseErrorsFilesAloneExceedTheLimitAnswersWithoutThemAndSaysSo() throws Exception {
        Database db = tenant.server().bean(Database.class);
        java.nio.file.Path dir = tenant.server().bean(FreightConfig.class).dataDir().resolve("validations");
        List<String> recordedBefore = validationFileIds(db);
        List<java.nio.file.Path> filesBefore = filesIn(dir);

        Response validated = validateRows(badRows("p", 10_000));

        JsonNode data = validated.json().get("data");
        assertThat(data.get("isValid").asBoolean()).isFalse();
        assertThat(data.get("totalRows").asLong()).isEqualTo(10_000);
        assertThat(data.get("errorRows").asLong()).isEqualTo(10_000);
        assertThat(data.get("errors").size()).isEqualTo(1_000);
        assertThat(data.get("errors").get(0).get("error").asString())
                .isEqualTo("email: expected an email address, got \"bad-p00001\"");
        assertThat(data.get("errorsTruncated").asBoolean()).isTrue();
        assertThat(data.get("errorsCsvUrl").isNull()).isTrue();
        assertThat(data.get("errorsJsonUrl").isNull()).isTrue();
        assertThat(data.get("warnings").toString()).isEqualTo("[{\"row\":null,\"field\":null,\"message\":"
                + "\"This validation's errors files would take more than FREIGHT_MAX_VALIDATION_FILES_BYTES"
                + " (4,000,000 bytes) on their own, so they were not kept: errorsCsvUrl and errorsJsonUrl are null and"
                + " errors lists at most the first 1,000 problems\",\"code\":\"errors_files_not_kept\"}]");
        assertThat(validationFileIds(db)).isEqualTo(recordedBefore);
        assertThat(filesIn(dir)).isEqualTo(filesBefore);
        // 10,000 rejected rows make 4,416,761 bytes of files; without the last 1,500, 3,753,758 bytes fit and are kept.
        Response fits = validateRows(badRows("p", 8_500));
        assertThat(fits.at("/data/errorsCsvUrl")).isNotNull();
        assertThat(fits.json().get("data").get("warnings").size()).isZero();
        assertThat(ImportsApiContract.get(fits.at("/data/errorsCsvUrl")).statusCode()).isEqualTo(200);
    }

    private static List<String> validationFileIds(Database db) {
        return db.withHandle(h -> h.query("select id from validation_files where deleted_at is null order by id",
                rs -> rs.getString(1)));
    }

    private static List<java.nio.file.Path> filesIn(java.nio.file.Path dir) throws IOException {
        if (!java.nio.file.Files.exists(dir)) {
            return List.of();
        }
        try (var listed = java.nio.file.Files.list(dir)) {
            return listed.sorted().toList();
        }
    }

    /**
     * The sheet both workbook tests validate: a header, then rows of text, dates, numbers and empty cells, with a blank
     * row. Rows 3, 5 and 7 are bad.
     */
    private static final Object[][] CONTACTS_SHEET = {
        {"Name", "Email", "Phone", "Joined", "Score"},
        {"Ann", "ann@example.com", "555-0100", java.time.LocalDate.of(2024, 1, 15), 42},
        {"Bo", "not-an-email", "555-0101", java.time.LocalDate.of(2024, 2, 29), 7.5},
        null,
        {null, "also@bad", null, null, 0.25},
        {"Cy", "cy@example.com", "555-0103", java.time.LocalDate.of(2023, 12, 31), 1_234_567.5},
        {"Di, \"the boss\"", "di at example.com", "555-0104", java.time.LocalDate.of(2025, 6, 1), -3}};

    @Test
    void aValidationOfAnXlsxFileWritesTheSheetsRowNumbersAndOriginalCellsToItsErrorsFiles() throws Exception {
        ByteArrayOutputStream xlsx = new ByteArrayOutputStream();
        var workbook = new org.dhatim.fastexcel.Workbook(xlsx, "test", "1.0");
        var sheet = workbook.newWorksheet("Contacts");
        for (int r = 0; r < CONTACTS_SHEET.length; r++) {
            Object[] row = CONTACTS_SHEET[r];
            for (int c = 0; row != null && c < row.length; c++) {
                switch (row[c]) {
                    case null -> { }
                    case String text -> sheet.value(r, c, text);
                    case Number n -> sheet.value(r, c, n);
                    case java.time.LocalDate date -> {
                        sheet.value(r, c, date);
                        sheet.style(r, c).format("yyyy-mm-dd").set();
                    }
                    default -> throw new IllegalArgumentException(row[c].toString());
                }
            }
        }
        workbook.finish();

        validatesTheContactsSheetIntoItsErrorsFiles("contacts.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx.toByteArray(), "xlsx");
    }

    @Test
    void aValidationOfAnXlsFileWritesTheSheetsRowNumbersAndOriginalCellsToItsErrorsFiles() throws Exception {
        ByteArrayOutputStream xls = new ByteArrayOutputStream();
        try (var workbook = new org.apache.poi.hssf.usermodel.HSSFWorkbook()) {
            var sheet = workbook.createSheet("Contacts");
            var dates = workbook.createCellStyle();
            dates.setDataFormat(workbook.createDataFormat().getFormat("yyyy-mm-dd"));
            for (int r = 0; r < CONTACTS_SHEET.length; r++) {
                Object[] row = CONTACTS_SHEET[r];
                if (row == null) {
                    continue;
                }
                var cells = sheet.createRow(r);
                for (int c = 0; c < row.length; c++) {
                    switch (row[c]) {
                        case null -> { }
                        case String text -> cells.createCell(c).setCellValue(text);
                        case Number n -> cells.createCell(c).setCellValue(n.doubleValue());
                        case java.time.LocalDate date -> {
                            var cell = cells.createCell(c);
                            cell.setCellValue(date);
                            cell.setCellStyle(dates);
                        }
                        default -> throw new IllegalArgumentException(row[c].toString());
                    }
                }
            }
            workbook.write(xls);
        }

        validatesTheContactsSheetIntoItsErrorsFiles("contacts.xls", "application/vnd.ms-excel", xls.toByteArray(),
                "xls");
    }

    /**
     * Both workbooks give the same files: a rejected row's {@code error_line} and {@code line} are its sheet row
     * number (the blank row 4 is skipped, so row 5 is data row 3), its cells as parse shows them, under every column.
     */
    private void validatesTheContactsSheetIntoItsErrorsFiles(String name, String contentType, byte[] workbook,
            String fileType) throws Exception {
        Response parsed = upload("/v1/modules/contacts/import/parse", name, contentType, workbook);
        assertThat(parsed.status()).as(parsed.body()).isEqualTo(200);
        assertThat(parsed.at("/data/fileType")).isEqualTo(fileType);

        Response validated = http.post("/v1/modules/contacts/import/validate", "{\"fileId\": \""
                + parsed.at("/data/fileId") + "\", \"columnMapping\": " + MAPPING + "}");

        assertThat(validated.status()).as(validated.body()).isEqualTo(200);
        assertThat(validated.at("/data/totalRows")).isEqualTo("5");
        assertThat(validated.at("/data/errorRows")).isEqualTo("3");
        // The answer's rows are data rows (the blank sheet row is none), its lines the sheet's row numbers.
        assertThat(validated.json().get("data").get("errors").toString()).isEqualTo("[{\"row\":2,\"line\":3,"
                + "\"field\":\"email\","
                + "\"value\":\"not-an-email\",\"error\":\"email: expected an email address, got \\\"not-an-email\\\"\","
                + "\"code\":\"invalid_field_value\"},{\"row\":3,\"line\":5,\"field\":\"displayName\","
                + "\"value\":\"\","
                + "\"error\":\"displayName: required field is missing (expected key \\\"Name\\\")\","
                + "\"code\":\"missing_required_field\"},{\"row\":3,\"line\":5,\"field\":\"email\","
                + "\"value\":\"also@bad\","
                + "\"error\":\"email: expected an email address, got \\\"also@bad\\\"\",\"code\":\"invalid_field_value\"},"
                + "{\"row\":5,\"line\":7,\"field\":\"email\",\"value\":\"di at example.com\","
                + "\"error\":\"email: expected an email address, got \\\"di at example.com\\\"\","
                + "\"code\":\"invalid_field_value\"}]");
        HttpResponse<String> csv = ImportsApiContract.get(validated.at("/data/errorsCsvUrl"));
        assertThat(csv.statusCode()).as(csv.body()).isEqualTo(200);
        assertThat(csv.body()).isEqualTo("""
                \uFEFFerror_line,error_external_id,error_field,error_code,error_message,Name,Email,Phone,Joined,Score\r
                3,,email,invalid_field_value,"email: expected an email address, got ""not-an-email\"\"",\
                Bo,not-an-email,555-0101,2024-02-29,7.5\r
                5,,displayName; email,missing_required_field; invalid_field_value,\
                "displayName: required field is missing (expected key ""Name"")
                email: expected an email address, got ""also@bad\"\"",,also@bad,,,0.25\r
                7,,email,invalid_field_value,"email: expected an email address, got ""di at example.com\"\"",\
                "Di, ""the boss\"\"",di at example.com,555-0104,2025-06-01,-3\r
                """);
        HttpResponse<String> json = ImportsApiContract.get(validated.at("/data/errorsJsonUrl"));
        assertThat(json.statusCode()).as(json.body()).isEqualTo(200);
        JsonNode entries = Http.JSON.readTree(json.body());
        assertThat(entries.size()).isEqualTo(3);
        assertThat(entries.get(0).toString()).isEqualTo("{\"row\":2,\"line\":3,\"external_id\":null,\"field\":\"email\","
                + "\"error_code\":\"invalid_field_value\","
                + "\"message\":\"email: expected an email address, got \\\"not-an-email\\\"\","
                + "\"errors\":[{\"field\":\"email\",\"error_code\":\"invalid_field_value\","
                + "\"message\":\"email: expected an email address, got \\\"not-an-email\\\"\"}],"
                + "\"cells\":{\"Name\":\"Bo\",\"Email\":\"not-an-email\",\"Phone\":\"555-0101\","
                + "\"Joined\":\"2024-02-29\",\"Score\":\"7.5\"}}");
        assertThat(entries.get(1).toString()).isEqualTo("{\"row\":3,\"line\":5,\"external_id\":null,"
                + "\"field\":\"displayName; email\",\"error_code\":\"missing_required_field; invalid_field_value\","
                + "\"message\":\"displayName: required field is missing (expected key \\\"Name\\\")\\n"
                + "email: expected an email address, got \\\"also@bad\\\"\","
                + "\"errors\":[{\"field\":\"displayName\",\"error_code\":\"missing_required_field\","
                + "\"message\":\"displayName: required field is missing (expected key \\\"Name\\\")\"},"
                + "{\"field\":\"email\",\"error_code\":\"invalid_field_value\","
                + "\"message\":\"email: expected an email address, got \\\"also@bad\\\"\"}],"
                + "\"cells\":{\"Name\":\"\",\"Email\":\"also@bad\",\"Phone\":\"\",\"Joined\":\"\",\"Score\":\"0.25\"}}");
        assertThat(entries.get(2).toString()).isEqualTo("{\"row\":5,\"line\":7,\"external_id\":null,\"field\":\"email\","
                + "\"error_code\":\"invalid_field_value\","
                + "\"message\":\"email: expected an email address, got \\\"di at example.com\\\"\","
                + "\"errors\":[{\"field\":\"email\",\"error_code\":\"invalid_field_value\","
                + "\"message\":\"email: expected an email address, got \\\"di at example.com\\\"\"}],"
                + "\"cells\":{\"Name\":\"Di, \\\"the boss\\\"\",\"Email\":\"di at example.com\",\"Phone\":\"555-0104\","
                + "\"Joined\":\"2025-06-01\",\"Score\":\"-3\"}}");
    }

    private Response validateRows(String rows) {
        Response r = http.post("/v1/modules/contacts/import/validate", "{\"rows\": [" + rows + "], \"columnMapping\": "
                + MAPPING + "}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r;
    }

    @Test
    void anExecutionWhoseEveryRowFailedIsFailedWithAReasonWhileOneWithASuccessIsCompleted() throws Exception {
        Response r = execute(rowsJson("", "ann@example.com") + "," + rowsJson("Bo", "not-an-email"), "{}");

        assertThat(r.at("/data/status")).as(r.body()).isEqualTo("failed");
        assertThat(r.at("/data/successRows")).isEqualTo("0");
        assertThat(r.at("/data/errorRows")).isEqualTo("2");
        assertThat(r.at("/data/reason")).isEqualTo("All 2 rows failed; nothing was imported");
        String jobId = r.at("/data/importJobId");
        Response job = http.get("/v1/modules/contacts/import/jobs/" + jobId);
        assertThat(job.at("/data/status")).isEqualTo("failed");
        assertThat(job.at("/data/reason")).isEqualTo("All 2 rows failed; nothing was imported");
        assertThat(job.json().get("data").get("errors").size()).isEqualTo(2);
        JsonNode listed = http.get("/v1/modules/contacts/import/jobs").json().get("data").get("jobs").get(0);
        assertThat(listed.get("importJobId").asString()).isEqualTo(jobId);
        assertThat(listed.get("status").asString()).isEqualTo("failed");
        assertThat(listed.get("reason").asString()).isEqualTo("All 2 rows failed; nothing was imported");
        // The Imports resource keeps its own rules: every row was handled, so the import completed.
        assertThat(http.get("/v1/imports/" + jobId).at("/status")).isEqualTo("completed");

        Response one = execute(rowsJson("Cy", "nope"), "{\"processingMode\": \"background\"}");
        assertThat(poll(one.at("/data/importJobId")).get("reason").asString())
                .isEqualTo("The one row failed; nothing was imported");

        Response partly = execute(rowsJson("Di", "di@example.com") + "," + rowsJson("Ed", "nope"), "{}");
        assertThat(partly.at("/data/status")).isEqualTo("completed");
        assertThat(partly.at("/data/errorRows")).isEqualTo("1");
        assertThat(partly.at("/data/reason")).isEqualTo("1 of 2 rows failed; see the errors file");

        Response skipped = execute(rowsJson("Di", "di@example.com"), "{\"duplicateMatchFields\": [\"email\"]}");
        assertThat(skipped.at("/data/status")).isEqualTo("completed");
        assertThat(skipped.at("/data/skippedRows")).isEqualTo("1");
    }

    @Test
    void skipLeavesMatchedRecordsAloneAndCountsThemSkipped() {
        execute(rowsJson("Ann", "ann@example.com"), "{}");

        Response second = execute(rowsJson("Ann Changed", "ANN@example.com") + ",{\"Name\": \"Bo\", \"Email\":"
                + " \"bo@example.com\"}", "{\"duplicateMatchFields\": [\"email\"]}");

        assertThat(second.at("/data/successRows")).isEqualTo("1");
        assertThat(second.at("/data/skippedRows")).isEqualTo("1");
        assertThat(contacts()).containsExactly("Ann|ann@example.com|", "Bo|bo@example.com|");
    }

    @Test
    void updateMatchesByEmailIgnoringCaseAndCreateAlwaysAddsRecords() {
        execute(rowsJson("Ann", "ann@example.com"), "{}");

        Response updated = execute(rowsJson("Ann Lee", " ANN@Example.com"),
                "{\"duplicateStrategy\": \"update\", \"duplicateMatchFields\": [\"email\"]}");
        assertThat(updated.at("/data/successRows")).isEqualTo("1");
        // prefer_import: the import's spelling of the email wins too.
        assertThat(contacts()).containsExactly("Ann Lee|ANN@Example.com|");

        execute(rowsJson("Ann Again", "ann@example.com"), "{\"duplicateStrategy\": \"create\","
                + " \"duplicateMatchFields\": [\"email\"]}");
        assertThat(contacts()).containsExactly("Ann Again|ann@example.com|", "Ann Lee|ANN@Example.com|");
    }

    /**
     * Matching by email with update, a row's external_id is stored on the record it matched when that record has none
     * and no other record has it (else the row is rejected as duplicate_external_id, in its chunk or a later one); a
     * record's own external_id is never replaced: the row gets an external_id_not_changed warning naming both. Before,
     * the row's external_id was dropped in every case, with no word. Rollback takes back the external_ids it stored.
     */
    @Test
    void aRowMatchedByEmailStoresItsExternalIdOnARecordWithoutOneAndNeverReplacesOne() throws Exception {
        execute(String.join(",", contactRow("", "Ann", "ann@example.com"), contactRow("C-1", "Bo", "bo@example.com"),
                contactRow("C-3", "Cy", "cy@example.com"), contactRow("", "Di", "di@example.com"),
                contactRow("", "Ed", "ed@example.com")), "{}", ID_COLUMN);
        assertThat(contactsWithIds()).containsExactly("C-1|Bo|bo@example.com", "C-3|Cy|cy@example.com",
                "|Ann|ann@example.com", "|Di|di@example.com", "|Ed|ed@example.com");

        // Chunks of three rows: Ed's row meets C-2 given by Ann's row in its chunk, Di's row C-3 stored.
        Response r = execute(String.join(",", contactRow("C-2", "Ann 2", "ann@example.com"),
                contactRow("C-2", "Ed 2", "ed@example.com"), contactRow("C-9", "Bo 2", "bo@example.com"),
                contactRow("C-3", "Cy 2", "cy@example.com"), contactRow("C-3", "Di 2", "di@example.com"),
                contactRow("C-6", "Fay", "fay@example.com"), contactRow("C-2", "Ann 3", "ann@example.com"),
                contactRow("C-7", "Ann 4", "ANN@example.com")),
                "{\"duplicateStrategy\": \"update\", \"duplicateMatchFields\": [\"email\"]}", ID_COLUMN);

        assertThat(r.at("/data/successRows")).as(r.body()).isEqualTo("6");
        assertThat(r.at("/data/errorRows")).isEqualTo("2");
        List<String> errors = new ArrayList<>();
        r.json().get("data").get("errors").forEach(e -> errors.add(e.get("row").asString() + "|"
                + e.get("field").asString() + "|" + e.get("code").asString() + "|" + e.get("error").asString()));
        assertThat(errors).containsExactly(
                "2|external_id|duplicate_external_id|external_id \"C-2\" already exists on another record than the"
                        + " one this row's email matched, which has none; two records never share an external_id, so"
                        + " the row was not applied",
                "5|external_id|duplicate_external_id|external_id \"C-3\" already exists on another record than the"
                        + " one this row's email matched, which has none; two records never share an external_id, so"
                        + " the row was not applied");
        String warnings = "[{\"row\":3,\"field\":\"external_id\",\"message\":\"external_id \\\"C-9\\\" was not"
                + " stored: the record matched by email already has external_id \\\"C-1\\\"\",\"code\":"
                + "\"external_id_not_changed\"},{\"row\":8,\"field\":\"external_id\",\"message\":\"external_id"
                + " \\\"C-7\\\" was not stored: the record matched by email already has external_id \\\"C-2\\\"\","
                + "\"code\":\"external_id_not_changed\"}]";
        assertThat(r.json().get("data").get("warnings").toString()).isEqualTo(warnings);
        String jobId = r.at("/data/importJobId");
        assertThat(http.get("/v1/modules/contacts/import/jobs/" + jobId).json().get("data").get("warnings")
                .toString()).isEqualTo(warnings);
        assertThat(http.get("/v1/imports/" + jobId).json().get("stats").toString()).isEqualTo("{\"read\":8,"
                + "\"valid\":6,\"created\":1,\"updated\":5,\"unchanged\":0,\"deleted\":0,\"skipped_duplicates\":0,"
                + "\"failed\":2}");
        assertThat(contactsWithIds()).containsExactly("C-1|Bo 2|bo@example.com", "C-2|Ann 4|ANN@example.com",
                "C-3|Cy 2|cy@example.com", "C-6|Fay|fay@example.com", "|Di|di@example.com", "|Ed|ed@example.com");

        Response rolledBack = http.delete("/v1/modules/contacts/import/jobs/" + jobId);

        assertThat(rolledBack.json().get("data").get("conflicts").size()).as(rolledBack.body()).isZero();
        assertThat(rolledBack.at("/data/deletedCount")).isEqualTo("1");
        assertThat(rolledBack.at("/data/restoredCount")).isEqualTo("3");
        assertThat(contactsWithIds()).containsExactly("C-1|Bo|bo@example.com", "C-3|Cy|cy@example.com",
                "|Ann|ann@example.com", "|Di|di@example.com", "|Ed|ed@example.com");
    }

    static final String ID_COLUMN = ", {\"sourceColumn\": \"Id\", \"targetFieldSlug\": \"external_id\"}";

    private static String contactRow(String externalId, String name, String email) {
        return "{\"Id\": \"" + externalId + "\", \"Name\": \"" + name + "\", \"Email\": \"" + email + "\"}";
    }

    /** The tenant's contacts as "external_id|name|email" (no external_id: empty), sorted. */
    private List<String> contactsWithIds() {
        List<String> out = new ArrayList<>();
        for (JsonNode r : http.get("/v1/objects/contact/records?limit=1000").json().get("data")) {
            JsonNode v = r.get("values");
            out.add((r.get("external_id").isNull() ? "" : r.get("external_id").asString()) + "|"
                    + v.get("displayName").asString() + "|" + v.get("email").asString());
        }
        out.sort(null);
        return out;
    }

    @Test
    void laterRowsOfOneImportMatchEarlierOnes() {
        Response r = execute(rowsJson("Ann", "ann@example.com") + "," + rowsJson("Ann Lee", "ann@example.com")
                .substring(0), "{\"duplicateStrategy\": \"update\"}");

        assertThat(r.at("/data/successRows")).isEqualTo("2");
        assertThat(contacts()).containsExactly("Ann Lee|ann@example.com|");
    }

    @Test
    void recordsThatLaterChunksOfOneImportUpdateAgainAreWrittenAndRollBackToTheValuesBeforeTheImport() {
        execute(rowsJson("Ann", "ann@example.com"), "{}");
        // Chunks of three rows: Ann (stored) and Bo (created) are updated again in the second and third chunks.
        String rows = String.join(",", rowsJson("Ann 2", "ann@example.com"), rowsJson("Bo", "bo@example.com"),
                rowsJson("Cy", "cy@example.com"), rowsJson("Di", "di@example.com"), rowsJson("Ann 3", "ann@example.com"),
                rowsJson("Bo 2", "bo@example.com"), rowsJson("Ed", "ed@example.com"),
                rowsJson("Ann 4", "ann@example.com"), rowsJson("Bo 3", "bo@example.com"));

        Response r = execute(rows, "{\"duplicateStrategy\": \"update\"}");

        assertThat(r.at("/data/errorRows")).as(r.body()).isEqualTo("0");
        assertThat(r.at("/data/successRows")).isEqualTo("9");
        assertThat(contacts()).containsExactly("Ann 4|ann@example.com|", "Bo 3|bo@example.com|",
                "Cy|cy@example.com|", "Di|di@example.com|", "Ed|ed@example.com|");

        Response rolledBack = http.delete("/v1/modules/contacts/import/jobs/" + r.at("/data/importJobId"));

        assertThat(rolledBack.status()).isEqualTo(200);
        assertThat(rolledBack.json().get("data").get("conflicts").size()).as(rolledBack.body()).isZero();
        assertThat(rolledBack.at("/data/deletedCount")).isEqualTo("4");
        assertThat(rolledBack.at("/data/restoredCount")).isEqualTo("1");
        assertThat(contacts()).containsExactly("Ann|ann@example.com|");
    }

    @Test
    void aRecordTheImportCreatedAndUpdatedThatSomeoneChangedSinceIsAConflictOfItsRollback() {
        String rows = String.join(",", rowsJson("Bo", "bo@example.com"), rowsJson("Cy", "cy@example.com"),
                rowsJson("Di", "di@example.com"), rowsJson("Bo 2", "bo@example.com"));
        Response r = execute(rows, "{\"duplicateStrategy\": \"update\"}");
        assertThat(r.at("/data/successRows")).isEqualTo("4");
        execute(rowsJson("Bo Edited", "bo@example.com"), "{\"duplicateStrategy\": \"update\"}");

        Response rolledBack = http.delete("/v1/modules/contacts/import/jobs/" + r.at("/data/importJobId"));

        assertThat(rolledBack.at("/data/deletedCount")).isEqualTo("2");
        assertThat(rolledBack.at("/data/restoredCount")).isEqualTo("0");
        assertThat(rolledBack.at("/data/conflictCount")).as(rolledBack.body()).isEqualTo("1");
        assertThat(rolledBack.json().get("data").get("conflicts").size()).as(rolledBack.body()).isEqualTo(1);
        assertThat(rolledBack.at("/data/conflicts/0/reason")).isEqualTo("changed since the import created it");
        assertThat(contacts()).containsExactly("Bo Edited|bo@example.com|");
    }

    static final String SERVICE_MAPPING = """
            [{"sourceColumn": "Id", "targetFieldSlug": "external_id"},
             {"sourceColumn": "Name", "targetFieldSlug": "name"},
             {"sourceColumn": "Vendor", "targetFieldSlug": "vendor"},
             {"sourceColumn": "Uses", "targetFieldSlug": "dependencies"}]""";

    @Test
    void referencesToRowsOfTheirOwnObjectFurtherDownOrEarlierInTheChunkAreLinkedAfterTheLastRow() {
        vendor("v-1", "Acme");
        // Chunks of three rows: s-1 refers to s-4 of the next chunk and s-2 after it, s-2 to s-1 before it.
        Response r = executeServices(String.join(",", service("s-1", "Payments", "s-4;s-2"),
                service("s-2", "Ledger", "s-1"), service("s-3", "Search", "s-9;v-1"), service("s-4", "Auth", ""),
                service("s-5", "Mail", "Ledger")), "{\"createMissingReferences\": true}");

        assertThat(r.at("/data/successRows")).as(r.body()).isEqualTo("5");
        assertThat(r.at("/data/errorRows")).isEqualTo("0");
        assertThat(r.json().get("data").get("referenceWarnings").size()).as(r.body()).isEqualTo(1);
        assertThat(r.at("/data/referenceWarnings/0/fieldSlug")).isEqualTo("dependencies");
        assertThat(r.json().get("data").get("referenceWarnings").get(0).get("unresolvedValues").toString())
                .isEqualTo("[\"s-9\"]");
        assertThat(services()).containsExactly("s-1|Payments|s-4,s-2", "s-2|Ledger|s-1", "s-3|Search|v-1",
                "s-4|Auth|", "s-5|Mail|s-2");
        assertThat(http.get("/v1/imports/" + r.at("/data/importJobId")).at("/stats/created")).isEqualTo("5");

        Response rolledBack = http.delete("/v1/modules/services/import/jobs/" + r.at("/data/importJobId"));

        assertThat(rolledBack.json().get("data").get("conflicts").size()).as(rolledBack.body()).isZero();
        assertThat(rolledBack.at("/data/deletedCount")).isEqualTo("5");
        assertThat(services()).isEmpty();
    }

    @Test
    void aStoredRecordThatGainsALinkToALaterRowCountsUpdatedAndRollsBackUnlessTheMergeKeepsItsValue() {
        vendor("v-1", "Acme");
        executeServices(String.join(",", service("s-0", "Base", ""), service("s-1", "Payments", ""),
                service("s-2", "Ledger", "s-0")), "{}");

        Response r = executeServices(String.join(",", service("s-1", "Payments", "s-7"),
                service("s-2", "Ledger", "s-8"), service("s-7", "Queue", ""), service("s-8", "Cache", "")),
                "{\"duplicateStrategy\": \"update\", \"mergeMode\": \"fill_empty\"}");

        assertThat(r.json().get("data").get("referenceWarnings").size()).as(r.body()).isZero();
        // fill_empty: s-1 had no dependency and takes s-7; s-2 keeps s-0.
        assertThat(services()).containsExactly("s-0|Base|", "s-1|Payments|s-7", "s-2|Ledger|s-0", "s-7|Queue|",
                "s-8|Cache|");
        Response job = http.get("/v1/imports/" + r.at("/data/importJobId"));
        assertThat(job.at("/stats/created") + "/" + job.at("/stats/updated") + "/" + job.at("/stats/unchanged"))
                .isEqualTo("2/1/1");

        Response rolledBack = http.delete("/v1/modules/services/import/jobs/" + r.at("/data/importJobId"));

        assertThat(rolledBack.json().get("data").get("conflicts").size()).as(rolledBack.body()).isZero();
        assertThat(rolledBack.at("/data/deletedCount")).isEqualTo("2");
        assertThat(rolledBack.at("/data/restoredCount")).isEqualTo("1");
        assertThat(services()).containsExactly("s-0|Base|", "s-1|Payments|", "s-2|Ledger|s-0");
    }

    @Test
    void theLastRowOfARecordThatGivesTheFieldDecidesItsLinkInTheSameChunkOrALaterOne() {
        vendor("v-1", "Acme");
        // Chunks of three rows. s-1: its second row replaces the first's value in the same chunk. s-6: row 7
        // replaces row 5's value, which would have awaited s-9. s-2: row 8 gives no value, so row 6's awaits s-5.
        Response r = executeServices(String.join(",", service("s-1", "Payments", "s-3"),
                service("s-1", "Payments", "s-4"), service("s-3", "Queue", ""), service("s-4", "Cache", ""),
                service("s-6", "Hub", "s-9"), service("s-2", "Ledger", "s-5"), service("s-6", "Hub", "s-1"),
                service("s-2", "Ledger 2", "")), "{\"duplicateStrategy\": \"update\"}");

        assertThat(r.at("/data/successRows")).as(r.body()).isEqualTo("8");
        assertThat(services()).containsExactly("s-1|Payments|s-4", "s-2|Ledger 2|", "s-3|Queue|", "s-4|Cache|",
                "s-6|Hub|s-1");
        assertThat(r.json().get("data").get("referenceWarnings").size()).as(r.body()).isEqualTo(1);
        assertThat(r.json().get("data").get("referenceWarnings").get(0).get("unresolvedValues").toString())
                .isEqualTo("[\"s-5\"]");
    }

    @Test
    void aMissingReferenceToTheObjectItselfIsCreatedOnlyWhenNoRowOfTheImportIsTheRecord() {
        assertThat(http.post("/v1/objects", """
                {"slug": "team", "label": "Team", "fields": [
                  {"slug": "name", "label": "Name", "type": "text", "required": true},
                  {"slug": "parent", "label": "Parent", "type": "reference", "targets": ["team"]}]}""").status())
                .isEqualTo(201);
        String mapping = """
                [{"sourceColumn": "Id", "targetFieldSlug": "external_id"},
                 {"sourceColumn": "Name", "targetFieldSlug": "name"},
                 {"sourceColumn": "Parent", "targetFieldSlug": "parent"}]""";
        Response r = http.post("/v1/modules/team/import/execute", "{\"rows\": ["
                + "{\"Id\": \"t-1\", \"Name\": \"Alpha\", \"Parent\": \"t-2\"},"
                + "{\"Id\": \"t-3\", \"Name\": \"Gamma\", \"Parent\": \"Omega\"},"
                + "{\"Id\": \"t-4\", \"Name\": \"Delta\", \"Parent\": \"Beta\"},"
                + "{\"Id\": \"t-2\", \"Name\": \"Beta\", \"Parent\": \"\"}], \"columnMapping\": " + mapping
                + ", \"createMissingReferences\": true}");

        assertThat(r.at("/data/successRows")).as(r.body()).isEqualTo("4");
        assertThat(r.json().get("data").get("referenceWarnings").size()).as(r.body()).isZero();
        List<String> teams = new ArrayList<>();
        JsonNode records = http.get("/v1/objects/team/records").json().get("data");
        Map<String, String> names = new TreeMap<>();
        records.forEach(t -> names.put(t.get("id").asString(), t.get("values").get("name").asString()));
        for (JsonNode t : records) {
            JsonNode v = t.get("values");
            // A reference to a record without an external_id holds none: it names the record by id alone.
            teams.add(t.get("external_id").asString("") + "|" + v.get("name").asString() + "|"
                    + (!v.has("parent") ? "" : v.get("parent").get("external_id").isNull()
                            ? "id of " + names.get(v.get("parent").get("id").asString())
                            : v.get("parent").get("external_id").asString()));
        }
        teams.sort(null);
        // Omega names no row: it is created, after the last row, from its name.
        assertThat(teams).containsExactly("t-1|Alpha|t-2", "t-2|Beta|", "t-3|Gamma|id of Omega", "t-4|Delta|t-2",
                "|Omega|");
    }

    /**
     * A reference found by name to a record without an external_id holds none: it names the record by id. One an
     * earlier build stored with the name in its external_id is read and exported with the record's external_id now
     * (none: its id), a file naming the record so leaves it unchanged, it still matches by the record it names
     * ({@code duplicateMatchFields}), and is stored anew by the import that writes the record again.
     */
    @Test
    void aReferenceFoundByNameToARecordWithoutAnExternalIdMatchesByTheRecordItNamesAsEarlierBuildsStoredItToo() {
        assertThat(http.post("/v1/objects", """
                {"slug": "brand", "label": "Brand", "fields": [
                  {"slug": "name", "label": "Name", "type": "text", "required": true}]}""").status()).isEqualTo(201);
        assertThat(http.post("/v1/objects", """
                {"slug": "product", "label": "Product", "fields": [
                  {"slug": "title", "label": "Title", "type": "text", "required": true},
                  {"slug": "brand", "label": "Brand", "type": "reference", "targets": ["brand"]}]}""").status())
                .isEqualTo(201);
        String mapping = """
                [{"sourceColumn": "Title", "targetFieldSlug": "title"},
                 {"sourceColumn": "Brand", "targetFieldSlug": "brand"}]""";
        assertThat(http.post("/v1/modules/brand/import/execute", "{\"rows\": [{\"Name\": \"Acme\"}],"
                + " \"columnMapping\": [{\"sourceColumn\": \"Name\", \"targetFieldSlug\": \"name\"}]}")
                .at("/data/successRows")).isEqualTo("1");
        String acme = http.get("/v1/objects/brand/records").at("/data/0/id");
        Response first = http.post("/v1/modules/product/import/execute", "{\"rows\": [{\"Title\": \"Widget\","
                + " \"Brand\": \"acme\"}], \"columnMapping\": " + mapping + "}");
        assertThat(first.at("/data/successRows")).as(first.body()).isEqualTo("1");
        String product = first.at("/data/createdRecordIds/0");
        String byId = "{\"external_id\":null,\"object\":\"brand\",\"id\":\"" + acme + "\"}";
        assertThat(http.get("/v1/records/" + product).json().at("/values/brand").toString()).isEqualTo(byId);

        // As an earlier build stored it: the value that found the brand by name in the reference's external_id.
        Database db = TestServer.of(database()).bean(Database.class);
        RecordStore store = TestServer.of(database()).bean(RecordStore.class);
        db.inTransaction(h -> store.updateIfVersion(h, tenant.organizationId(), product, "{\"title\":\"Widget\","
                + "\"brand\":{\"external_id\":\"acme\",\"object\":\"brand\",\"id\":\"" + acme + "\"}}",
                store.existingByIds(h, tenant.organizationId(), List.of(product)).get(product).version()));
        // Read and exported with the external_id the brand has now (none: its id); before, the export wrote the
        // stored name, and importing it back counted the row updated.
        assertThat(http.get("/v1/records/" + product).json().at("/values/brand").toString()).isEqualTo(byId);
        String export = "{\"format\": \"csv\", \"config\": {\"columns\": [\"title\", \"brand\"]}}";
        assertThat(http.post("/v1/modules/product/export", export).body())
                .isEqualTo("Title,Brand\r\nWidget," + acme + "\r\n");
        Response same = http.post("/v1/modules/product/import/execute", "{\"rows\": [{\"Title\": \"Widget\","
                + " \"Brand\": \"" + acme + "\"}], \"columnMapping\": " + mapping + ", \"duplicateStrategy\": \"update\","
                + " \"duplicateMatchFields\": [\"brand\"]}");
        assertThat(same.at("/data/successRows")).as(same.body()).isEqualTo("1");
        assertThat(http.get("/v1/imports/" + same.at("/data/importJobId")).json().get("stats").toString())
                .isEqualTo("{\"read\":1,\"valid\":1,\"created\":0,\"updated\":0,\"unchanged\":1,\"deleted\":0,"
                        + "\"skipped_duplicates\":0,\"failed\":0}");

        Response again = http.post("/v1/modules/product/import/execute", "{\"rows\": [{\"Title\": \"Widget 2\","
                + " \"Brand\": \"ACME\"}], \"columnMapping\": " + mapping + ", \"duplicateStrategy\": \"update\","
                + " \"duplicateMatchFields\": [\"brand\"]}");

        assertThat(again.at("/data/successRows")).as(again.body()).isEqualTo("1");
        assertThat(again.json().at("/data/createdRecordIds").toString()).isEqualTo("[]");
        assertThat(http.get("/v1/objects/product/records").json().get("data").size()).isEqualTo(1);
        assertThat(http.get("/v1/records/" + product).json().at("/values").toString())
                .isEqualTo("{\"title\":\"Widget 2\",\"brand\":" + byId + "}");
        assertThat(http.post("/v1/modules/product/export", export).body())
                .isEqualTo("Title,Brand\r\nWidget 2," + acme + "\r\n");
    }

    /**
     * A required reference to the object itself that still matches nothing after the last row rejects its row, and
     * nothing of the row stays stored: the record it created is deleted, the record it updated gets its values back, a
     * row whose reference named a rejected row's record is rejected in turn (even when it comes first in the file).
     * Validate, storing nothing, counts and lists the same rows (before, it counted all five valid).
     */
    @Test
    void aRequiredReferenceToTheObjectItselfThatMatchesNothingAfterTheLastRowRejectsItsRow() throws Exception {
        assertThat(http.post("/v1/objects", """
                {"slug": "team", "label": "Team", "fields": [
                  {"slug": "name", "label": "Name", "type": "text", "required": true},
                  {"slug": "parent", "label": "Parent", "type": "reference", "targets": ["team"],
                   "required": true}]}""").status()).isEqualTo(201);
        Response roots = teams("{\"Id\": \"t-0\", \"Name\": \"Root\", \"Parent\": \"t-0\"},"
                + "{\"Id\": \"t-5\", \"Name\": \"Epsilon\", \"Parent\": \"t-0\"}", "");
        assertThat(roots.at("/data/successRows")).as(roots.body()).isEqualTo("2");
        String rows = "{\"Id\": \"t-1\", \"Name\": \"Alpha\", \"Parent\": \"t-2\"},"
                + "{\"Id\": \"t-4\", \"Name\": \"Delta\", \"Parent\": \"t-3\"},"
                + "{\"Id\": \"t-2\", \"Name\": \"Beta\", \"Parent\": \"t-0\"},"
                + "{\"Id\": \"t-3\", \"Name\": \"Gamma\", \"Parent\": \"t-9\"},"
                + "{\"Id\": \"t-5\", \"Name\": \"Epsilon 2\", \"Parent\": \"t-8\"}";

        Response validated = teams("validate", rows, ", \"duplicateStrategy\": \"update\"");
        assertThat(teamList()).containsExactly("t-0|Root|t-0", "t-5|Epsilon|t-0");
        Response r = teams(rows, ", \"duplicateStrategy\": \"update\"");

        assertThat(validated.at("/data/validRows") + "/" + validated.at("/data/errorRows")).as(validated.body())
                .isEqualTo("2/3");
        assertThat(r.at("/data/successRows")).as(r.body()).isEqualTo("2");
        assertThat(r.at("/data/errorRows")).isEqualTo("3");
        assertThat(r.json().get("data").get("createdRecordIds").size()).isEqualTo(2);
        List<String> errors = new ArrayList<>();
        r.json().get("data").get("errors").forEach(e -> errors.add(e.get("row").asString() + "|"
                + e.get("field").asString() + "|" + e.get("code").asString() + "|" + e.get("error").asString()));
        List<String> validateErrors = new ArrayList<>();
        validated.json().get("data").get("errors").forEach(e -> validateErrors.add(e.get("row").asString() + "|"
                + e.get("field").asString() + "|" + e.get("code").asString() + "|" + e.get("error").asString()));
        assertThat(validateErrors).containsExactlyElementsOf(errors);
        assertThat(errors).containsExactly(
                "2|parent|invalid_field_value|parent: no team with external_id or name \"t-3\"",
                "4|parent|invalid_field_value|parent: no team with external_id or name \"t-9\"",
                "5|parent|invalid_field_value|parent: no team with external_id or name \"t-8\"");
        assertThat(teamList()).containsExactly("t-0|Root|t-0", "t-1|Alpha|t-2", "t-2|Beta|t-0", "t-5|Epsilon|t-0");
        Response job = http.get("/v1/imports/" + r.at("/data/importJobId"));
        assertThat(job.json().get("stats").toString()).isEqualTo("{\"read\":5,\"valid\":2,\"created\":2,"
                + "\"updated\":0,\"unchanged\":0,\"deleted\":0,\"skipped_duplicates\":0,\"failed\":3}");
        assertThat(ImportsApiContract.get(job.at("/_errors_csv_url")).body()).isEqualTo("""
                \uFEFFerror_line,error_external_id,error_field,error_code,error_message,Id,Name,Parent\r
                2,t-4,parent,invalid_field_value,"parent: no team with external_id or name ""t-3""\",t-4,Delta,t-3\r
                4,t-3,parent,invalid_field_value,"parent: no team with external_id or name ""t-9""\",t-3,Gamma,t-9\r
                5,t-5,parent,invalid_field_value,"parent: no team with external_id or name ""t-8""\",t-5,Epsilon 2,t-8\r
                """);
    }

    /**
     * An optional reference to the object itself that names several records by name after the last row rejects its
     * row with ambiguous_reference, as any reference naming several records does, and nothing of the row stays
     * stored; one that matches nothing is still a reference warning, and one naming a single record is added.
     */
    @Test
    void anOptionalReferenceToTheObjectItselfThatNamesSeveralRecordsAfterTheLastRowRejectsItsRow() throws Exception {
        assertThat(http.post("/v1/objects", """
                {"slug": "team", "label": "Team", "fields": [
                  {"slug": "name", "label": "Name", "type": "text", "required": true},
                  {"slug": "parent", "label": "Parent", "type": "reference", "targets": ["team"]}]}""").status())
                .isEqualTo(201);
        Response roots = teams("{\"Id\": \"t-0\", \"Name\": \"Root\", \"Parent\": \"\"},"
                + "{\"Id\": \"t-5\", \"Name\": \"Epsilon\", \"Parent\": \"t-0\"}", "");
        assertThat(roots.at("/data/successRows")).as(roots.body()).isEqualTo("2");

        // Chunks of three rows: rows 1 and 2 name "Hub" and "HUB", which rows 3 and 4 create.
        Response r = teams("{\"Id\": \"t-1\", \"Name\": \"Alpha\", \"Parent\": \"hub\"},"
                + "{\"Id\": \"t-5\", \"Name\": \"Epsilon 2\", \"Parent\": \"HUB\"},"
                + "{\"Id\": \"t-2\", \"Name\": \"Hub\", \"Parent\": \"t-0\"},"
                + "{\"Id\": \"t-3\", \"Name\": \"HUB\", \"Parent\": \"\"},"
                + "{\"Id\": \"t-4\", \"Name\": \"Delta\", \"Parent\": \"Nowhere\"},"
                + "{\"Id\": \"t-6\", \"Name\": \"Zeta\", \"Parent\": \"delta\"}",
                ", \"duplicateStrategy\": \"update\"");

        assertThat(r.at("/data/successRows")).as(r.body()).isEqualTo("4");
        assertThat(r.at("/data/errorRows")).isEqualTo("2");
        assertThat(r.json().get("data").get("createdRecordIds").size()).isEqualTo(4);
        List<String> errors = new ArrayList<>();
        r.json().get("data").get("errors").forEach(e -> errors.add(e.get("row").asString() + "|"
                + e.get("field").asString() + "|" + e.get("code").asString() + "|" + e.get("error").asString()));
        assertThat(errors).containsExactly("1|parent|ambiguous_reference|parent: \"hub\" matches 2 team records by"
                + " name ignoring case; give the external_id of the one meant", "2|parent|ambiguous_reference|parent:"
                + " \"HUB\" matches 2 team records by name ignoring case; give the external_id of the one meant");
        assertThat(r.json().get("data").get("referenceWarnings").size()).as(r.body()).isEqualTo(1);
        assertThat(r.at("/data/referenceWarnings/0/fieldSlug")).isEqualTo("parent");
        assertThat(r.json().get("data").get("referenceWarnings").get(0).get("unresolvedValues").toString())
                .isEqualTo("[\"Nowhere\"]");
        // t-1 (created by row 1) is deleted; t-5 (updated by row 2) has its values from before the import back.
        assertThat(teamList()).containsExactly("t-0|Root|", "t-2|Hub|t-0", "t-3|HUB|", "t-4|Delta|",
                "t-5|Epsilon|t-0", "t-6|Zeta|t-4");
        Response job = http.get("/v1/imports/" + r.at("/data/importJobId"));
        assertThat(job.json().get("stats").toString()).isEqualTo("{\"read\":6,\"valid\":4,\"created\":4,"
                + "\"updated\":0,\"unchanged\":0,\"deleted\":0,\"skipped_duplicates\":0,\"failed\":2}");
        assertThat(ImportsApiContract.get(job.at("/_errors_csv_url")).body()).isEqualTo("""
                \uFEFFerror_line,error_external_id,error_field,error_code,error_message,Id,Name,Parent\r
                1,t-1,parent,ambiguous_reference,"parent: ""hub"" matches 2 team records by name ignoring case; \
                give the external_id of the one meant",t-1,Alpha,hub\r
                2,t-5,parent,ambiguous_reference,"parent: ""HUB"" matches 2 team records by name ignoring case; \
                give the external_id of the one meant",t-5,Epsilon 2,HUB\r
                """);

        Response rolledBack = http.delete("/v1/modules/team/import/jobs/" + r.at("/data/importJobId"));

        assertThat(rolledBack.json().get("data").get("conflicts").size()).as(rolledBack.body()).isZero();
        assertThat(rolledBack.at("/data/deletedCount")).isEqualTo("4");
        assertThat(rolledBack.at("/data/restoredCount")).isEqualTo("0");
        assertThat(teamList()).containsExactly("t-0|Root|", "t-5|Epsilon|t-0");
    }

    /**
     * A required reference to the object itself that names several records by name after the last row rejects its
     * row with ambiguous_reference too, undoing the row as when it matches nothing, or saying what the record keeps.
     */
    @Test
    void aRequiredReferenceToTheObjectItselfThatNamesSeveralRecordsAfterTheLastRowRejectsItsRow() throws Exception {
        assertThat(http.post("/v1/objects", """
                {"slug": "team", "label": "Team", "fields": [
                  {"slug": "name", "label": "Name", "type": "text", "required": true},
                  {"slug": "parent", "label": "Parent", "type": "reference", "targets": ["team"],
                   "required": true}]}""").status()).isEqualTo(201);
        Response roots = teams("{\"Id\": \"t-0\", \"Name\": \"Root\", \"Parent\": \"t-0\"},"
                + "{\"Id\": \"t-5\", \"Name\": \"Epsilon\", \"Parent\": \"t-0\"}", "");
        assertThat(roots.at("/data/successRows")).as(roots.body()).isEqualTo("2");

        // Chunks of three rows: row 5, in the second, finds t-1 stored and refers to it.
        Response r = teams("{\"Id\": \"t-1\", \"Name\": \"Alpha\", \"Parent\": \"hub\"},"
                + "{\"Id\": \"t-5\", \"Name\": \"Epsilon 2\", \"Parent\": \"HUB\"},"
                + "{\"Id\": \"t-2\", \"Name\": \"Hub\", \"Parent\": \"t-0\"},"
                + "{\"Id\": \"t-3\", \"Name\": \"HUB\", \"Parent\": \"t-0\"},"
                + "{\"Id\": \"t-4\", \"Name\": \"Delta\", \"Parent\": \"t-1\"}",
                ", \"duplicateStrategy\": \"update\"");

        assertThat(r.at("/data/successRows")).as(r.body()).isEqualTo("3");
        assertThat(r.at("/data/errorRows")).isEqualTo("2");
        List<String> errors = new ArrayList<>();
        r.json().get("data").get("errors").forEach(e -> errors.add(e.get("row").asString() + "|"
                + e.get("field").asString() + "|" + e.get("code").asString() + "|" + e.get("error").asString()));
        assertThat(errors).containsExactly("1|parent|ambiguous_reference|parent: \"hub\" matches 2 team records by"
                + " name ignoring case; give the external_id of the one meant; the record with external_id \"t-1\","
                + " which the row created, is kept without it, since team \"t-4\" refers to it",
                "2|parent|ambiguous_reference|parent: \"HUB\" matches 2 team records by name ignoring case; give the"
                        + " external_id of the one meant");
        assertThat(teamList()).containsExactly("t-0|Root|t-0", "t-1|Alpha|", "t-2|Hub|t-0", "t-3|HUB|t-0",
                "t-4|Delta|t-1", "t-5|Epsilon|t-0");
        Response job = http.get("/v1/imports/" + r.at("/data/importJobId"));
        assertThat(job.json().get("stats").toString()).isEqualTo("{\"read\":5,\"valid\":3,\"created\":3,"
                + "\"updated\":0,\"unchanged\":0,\"deleted\":0,\"skipped_duplicates\":0,\"failed\":2}");
        assertThat(ImportsApiContract.get(job.at("/_errors_csv_url")).body()).isEqualTo("""
                \uFEFFerror_line,error_external_id,error_field,error_code,error_message,Id,Name,Parent\r
                1,t-1,parent,ambiguous_reference,"parent: ""hub"" matches 2 team records by name ignoring case; \
                give the external_id of the one meant; the record with external_id ""t-1"", which the row created, \
                is kept without it, since team ""t-4"" refers to it",t-1,Alpha,hub\r
                2,t-5,parent,ambiguous_reference,"parent: ""HUB"" matches 2 team records by name ignoring case; \
                give the external_id of the one meant",t-5,Epsilon 2,HUB\r
                """);
    }

    /**
     * A row matched by name that gave a team without an external_id its own, and that its parent then rejects after
     * the last row (the name matches two teams), keeps nothing of it: Alpha, which only that row changed, gets its
     * values back without the external_id; Beta, which a later row changed too, keeps that row's code but not the
     * external_id. Before, Beta kept t-2 although its row was an error row. Rolling the import back then leaves the
     * teams as they were before it.
     */
    @Test
    void aRowRejectedAfterTheLastRowTakesBackTheExternalIdItGaveItsRecord() throws Exception {
        assertThat(http.post("/v1/objects", """
                {"slug": "team", "label": "Team", "fields": [
                  {"slug": "name", "label": "Name", "type": "text", "required": true},
                  {"slug": "code", "label": "Code", "type": "text"},
                  {"slug": "parent", "label": "Parent", "type": "reference", "targets": ["team"]}]}""").status())
                .isEqualTo(201);
        Response seeded = coded("{\"Id\": \"t-0\", \"Name\": \"Root\"}, {\"Name\": \"Alpha\", \"Code\": \"A\"},"
                + " {\"Name\": \"Beta\"}", "");
        assertThat(seeded.at("/data/successRows")).as(seeded.body()).isEqualTo("3");
        String alpha = seeded.json().get("data").get("createdRecordIds").get(1).asString();
        String beta = seeded.json().get("data").get("createdRecordIds").get(2).asString();

        // Chunks of three rows: rows 1 and 2 name "hub" and "HUB", which rows 3 and 4 create; row 5 changes Beta.
        Response r = coded("{\"Id\": \"t-1\", \"Name\": \"Alpha\", \"Parent\": \"hub\"},"
                + "{\"Id\": \"t-2\", \"Name\": \"Beta\", \"Parent\": \"HUB\"},"
                + "{\"Id\": \"t-3\", \"Name\": \"Hub\", \"Parent\": \"t-0\"},"
                + "{\"Id\": \"t-4\", \"Name\": \"HUB\"},"
                + "{\"Name\": \"Beta\", \"Code\": \"B\"}",
                ", \"duplicateStrategy\": \"update\", \"duplicateMatchFields\": [\"name\"]");

        assertThat(r.at("/data/successRows")).as(r.body()).isEqualTo("3");
        assertThat(r.at("/data/errorRows")).isEqualTo("2");
        String ambiguous = " matches 2 team records by name ignoring case; give the external_id of the one meant";
        String betaKeeps = "; record " + beta + " keeps its earlier parent and the values other rows of this import"
                + " gave it, and the row's other values could not be undone; the external_id \"t-2\" the row gave it"
                + " was taken back";
        List<String> errors = new ArrayList<>();
        r.json().get("data").get("errors").forEach(e -> errors.add(e.get("row").asString() + "|"
                + e.get("field").asString() + "|" + e.get("code").asString() + "|" + e.get("error").asString()));
        assertThat(errors).containsExactly("1|parent|ambiguous_reference|parent: \"hub\"" + ambiguous,
                "2|parent|ambiguous_reference|parent: \"HUB\"" + ambiguous + betaKeeps);
        assertThat(codedTeams()).containsExactlyInAnyOrder(alpha + "||Alpha|A|", beta + "||Beta|B|", "t-0|Root||",
                "t-3|Hub||t-0", "t-4|HUB||");
        Response job = http.get("/v1/imports/" + r.at("/data/importJobId"));
        assertThat(job.json().get("stats").toString()).isEqualTo("{\"read\":5,\"valid\":3,\"created\":2,"
                + "\"updated\":1,\"unchanged\":0,\"deleted\":0,\"skipped_duplicates\":0,\"failed\":2}");
        assertThat(ImportsApiContract.get(job.at("/_errors_csv_url")).body()).isEqualTo("""
                \uFEFFerror_line,error_external_id,error_field,error_code,error_message,Id,Name,Parent\r
                1,t-1,parent,ambiguous_reference,"parent: ""hub"" matches 2 team records by name ignoring case; \
                give the external_id of the one meant",t-1,Alpha,hub\r
                2,t-2,parent,ambiguous_reference,"parent: ""HUB"" matches 2 team records by name ignoring case; \
                give the external_id of the one meant; record %s keeps its earlier parent and the values other rows \
                of this import gave it, and the row's other values could not be undone; the external_id ""t-2"" the \
                row gave it was taken back",t-2,Beta,HUB\r
                """.formatted(beta));

        Response rolledBack = http.delete("/v1/modules/team/import/jobs/" + r.at("/data/importJobId"));

        assertThat(rolledBack.json().get("data").get("conflicts").size()).as(rolledBack.body()).isZero();
        assertThat(rolledBack.at("/data/deletedCount")).isEqualTo("2");
        assertThat(rolledBack.at("/data/restoredCount")).isEqualTo("1");
        assertThat(codedTeams()).containsExactlyInAnyOrder(alpha + "||Alpha|A|", beta + "||Beta||", "t-0|Root||");
    }

    /**
     * Two rows of one record rejected after the last row, the one that created it and a later one that left it
     * unchanged (each deciding another field, so each keeps a link): the first undone deletes the record, and the
     * second finds nothing left to undo. Before, the second's delete missed and its message said the record "is kept
     * without it, since null refers to it", though nothing referred to it and it was gone.
     */
    @Test
    void twoRejectedRowsOfOneCreatedRecordDeleteItAndNeitherSaysItIsKept() throws Exception {
        assertThat(http.post("/v1/objects", """
                {"slug": "team", "label": "Team", "fields": [
                  {"slug": "name", "label": "Name", "type": "text", "required": true},
                  {"slug": "parent", "label": "Parent", "type": "reference", "targets": ["team"]},
                  {"slug": "sponsor", "label": "Sponsor", "type": "reference", "targets": ["team"]}]}""").status())
                .isEqualTo(201);

        // Chunks of three rows: rows 2 and 3 create "Hub" and "HUB"; row 4, in the second chunk, leaves t-1 as row 1
        // left it and gives its parent (prefer_import: its empty Sponsor keeps row 1's), so each row keeps a link.
        Response r = http.post("/v1/modules/team/import/execute", """
                {"rows": [{"Id": "t-1", "Name": "Alpha", "Parent": "hub", "Sponsor": "hub"},
                          {"Id": "t-2", "Name": "Hub", "Parent": "", "Sponsor": ""},
                          {"Id": "t-3", "Name": "HUB", "Parent": "", "Sponsor": ""},
                          {"Id": "t-1", "Name": "Alpha", "Parent": "hub", "Sponsor": ""}],
                 "columnMapping": [{"sourceColumn": "Id", "targetFieldSlug": "external_id"},
                                   {"sourceColumn": "Name", "targetFieldSlug": "name"},
                                   {"sourceColumn": "Parent", "targetFieldSlug": "parent"},
                                   {"sourceColumn": "Sponsor", "targetFieldSlug": "sponsor"}],
                 "duplicateStrategy": "update", "mergeMode": "prefer_import"}""");

        assertThat(r.at("/data/successRows")).as(r.body()).isEqualTo("2");
        assertThat(r.at("/data/errorRows")).isEqualTo("2");
        String ambiguous = " matches 2 team records by name ignoring case; give the external_id of the one meant";
        List<String> errors = new ArrayList<>();
        r.json().get("data").get("errors").forEach(e -> errors.add(e.get("row").asString() + "|"
                + e.get("field").asString() + "|" + e.get("code").asString() + "|" + e.get("error").asString()));
        assertThat(errors).containsExactly("1|sponsor|ambiguous_reference|sponsor: \"hub\"" + ambiguous,
                "4|parent|ambiguous_reference|parent: \"hub\"" + ambiguous);
        assertThat(teamList()).containsExactly("t-2|Hub|", "t-3|HUB|");
        Response job = http.get("/v1/imports/" + r.at("/data/importJobId"));
        assertThat(job.json().get("stats").toString()).isEqualTo("{\"read\":4,\"valid\":2,\"created\":2,"
                + "\"updated\":0,\"unchanged\":0,\"deleted\":0,\"skipped_duplicates\":0,\"failed\":2}");
    }

    /** Rows of teams with a code, into the team module. */
    private Response coded(String rows, String options) {
        return http.post("/v1/modules/team/import/execute", "{\"rows\": [" + rows + "], \"columnMapping\": ["
                + "{\"sourceColumn\": \"Id\", \"targetFieldSlug\": \"external_id\"},"
                + "{\"sourceColumn\": \"Name\", \"targetFieldSlug\": \"name\"},"
                + "{\"sourceColumn\": \"Code\", \"targetFieldSlug\": \"code\"},"
                + "{\"sourceColumn\": \"Parent\", \"targetFieldSlug\": \"parent\"}]" + options + "}");
    }

    /** Every team as external_id (none: its id and an empty external_id)|name|code|its parent's external_id. */
    private List<String> codedTeams() {
        List<String> teams = new ArrayList<>();
        for (JsonNode t : http.get("/v1/objects/team/records").json().get("data")) {
            JsonNode v = t.get("values");
            teams.add((t.get("external_id").isNull() ? t.get("id").asString() + "|" : t.get("external_id").asString())
                    + "|" + v.get("name").asString() + "|" + (v.has("code") ? v.get("code").asString() : "") + "|"
                    + (v.has("parent") ? v.get("parent").get("external_id").asString() : ""));
        }
        return teams;
    }

    /**
     * createMissingReferences creates no record that would leave a required field of its object empty: an optional
     * reference to such an object becomes a reference warning, a required one rejects its row saying why.
     */
    @Test
    void aMissingReferenceIsNotCreatedWhenItsObjectHasOtherRequiredFields() throws Exception {
        assertThat(http.post("/v1/objects", """
                {"slug": "region", "label": "Region", "fields": [
                  {"slug": "name", "label": "Name", "type": "text", "required": true},
                  {"slug": "code", "label": "Code", "type": "text", "required": true}]}""").status()).isEqualTo(201);
        assertThat(http.post("/v1/objects", """
                {"slug": "site", "label": "Site", "fields": [
                  {"slug": "name", "label": "Name", "type": "text", "required": true},
                  {"slug": "region", "label": "Region", "type": "reference", "targets": ["region"]},
                  {"slug": "zone", "label": "Zone", "type": "reference", "targets": ["region"], "required": true}]}""")
                .status()).isEqualTo(201);
        assertThat(http.post("/v1/modules/region/import/execute", """
                {"rows": [{"Id": "r-1", "Name": "Central", "Code": "C"}], "columnMapping": [
                  {"sourceColumn": "Id", "targetFieldSlug": "external_id"},
                  {"sourceColumn": "Name", "targetFieldSlug": "name"},
                  {"sourceColumn": "Code", "targetFieldSlug": "code"}]}""").at("/data/successRows")).isEqualTo("1");

        Response r = http.post("/v1/modules/site/import/execute", """
                {"rows": [{"Name": "S1", "Region": "North", "Zone": "r-1"},
                          {"Name": "S2", "Region": "r-1", "Zone": "South"}],
                 "columnMapping": [{"sourceColumn": "Name", "targetFieldSlug": "name"},
                                   {"sourceColumn": "Region", "targetFieldSlug": "region"},
                                   {"sourceColumn": "Zone", "targetFieldSlug": "zone"}],
                 "createMissingReferences": true}""");

        assertThat(r.at("/data/successRows")).as(r.body()).isEqualTo("1");
        assertThat(r.at("/data/errors/0/row")).isEqualTo("2");
        assertThat(r.at("/data/errors/0/code")).isEqualTo("invalid_field_value");
        assertThat(r.at("/data/errors/0/error")).isEqualTo("zone: no region with external_id or name \"South\"; a"
                + " region is not created from a name, since its required field code would be empty");
        assertThat(r.json().get("data").get("referenceWarnings").size()).isEqualTo(1);
        assertThat(r.at("/data/referenceWarnings/0/fieldSlug")).isEqualTo("region");
        assertThat(r.json().get("data").get("referenceWarnings").get(0).get("unresolvedValues").toString())
                .isEqualTo("[\"North\"]");
        JsonNode regions = http.get("/v1/objects/region/records").json().get("data");
        assertThat(regions.size()).isEqualTo(1);
        assertThat(regions.get(0).at("/values/name").asString()).isEqualTo("Central");

        // A team whose parent is required is not created from a name either: the row naming it is rejected.
        assertThat(http.post("/v1/objects", """
                {"slug": "team", "label": "Team", "fields": [
                  {"slug": "name", "label": "Name", "type": "text", "required": true},
                  {"slug": "parent", "label": "Parent", "type": "reference", "targets": ["team"],
                   "required": true}]}""").status()).isEqualTo(201);
        Response t = teams("{\"Id\": \"t-1\", \"Name\": \"Alpha\", \"Parent\": \"Omega\"}",
                ", \"createMissingReferences\": true");
        assertThat(t.at("/data/successRows")).as(t.body()).isEqualTo("0");
        assertThat(t.at("/data/errors/0/error")).isEqualTo("parent: no team with external_id or name \"Omega\"; a"
                + " team is not created from a name, since its required field parent would be empty");
        assertThat(teamList()).isEmpty();
    }

    private Response teams(String rows, String options) {
        return teams("execute", rows, options);
    }

    /** Validates ({@code step} "validate") or executes ("execute") the rows into team. */
    private Response teams(String step, String rows, String options) {
        return http.post("/v1/modules/team/import/" + step, "{\"rows\": [" + rows + "], \"columnMapping\": ["
                + "{\"sourceColumn\": \"Id\", \"targetFieldSlug\": \"external_id\"},"
                + "{\"sourceColumn\": \"Name\", \"targetFieldSlug\": \"name\"},"
                + "{\"sourceColumn\": \"Parent\", \"targetFieldSlug\": \"parent\"}]" + options + "}");
    }

    /** external_id|name|the external_id of its parent, of every team, sorted. */
    private List<String> teamList() {
        List<String> teams = new ArrayList<>();
        for (JsonNode t : http.get("/v1/objects/team/records").json().get("data")) {
            JsonNode v = t.get("values");
            teams.add(t.get("external_id").asString("") + "|" + v.get("name").asString() + "|"
                    + (v.has("parent") ? v.get("parent").get("external_id").asString() : ""));
        }
        teams.sort(null);
        return teams;
    }

    @Test
    void multiValueColumnsAddressPartsAndStaticValuesMakeOneRecord() {
        Response r = http.post("/v1/modules/contacts/import/execute", """
                {"rows": [{"Name": "Ann", "Mobile": "555-0100", "Work": "555-0199", "Street": "1 Main St",
                           "City": "Springfield", "Zip": "01101"}],
                 "columnMapping": [
                   {"sourceColumn": "Name", "targetFieldSlug": "displayName"},
                   {"sourceColumn": "Mobile", "targetFieldSlug": "phone", "valueType": "Mobile"},
                   {"sourceColumn": "Work", "targetFieldSlug": "phone", "valueType": "Work"},
                   {"sourceColumn": "Street", "targetFieldSlug": "address", "addressPart": "street"},
                   {"sourceColumn": "City", "targetFieldSlug": "address", "addressPart": "city"},
                   {"sourceColumn": "Zip", "targetFieldSlug": "address", "addressPart": "zip"}],
                 "staticValues": {"department": "Sales", "owner": "import-bot"}}""");

        assertThat(r.at("/data/successRows")).isEqualTo("1");
        JsonNode values = http.get("/v1/objects/contact/records").json().get("data").get(0).get("values");
        assertThat(values.get("phone").toString()).isEqualTo(
                "[{\"type\":\"Mobile\",\"value\":\"555-0100\"},{\"type\":\"Work\",\"value\":\"555-0199\"}]");
        assertThat(values.get("address").toString()).isEqualTo(
                "{\"street\":\"1 Main St\",\"city\":\"Springfield\",\"zip\":\"01101\"}");
        assertThat(values.get("department").asString()).isEqualTo("Sales");
        assertThat(values.get("owner").asString()).isEqualTo("import-bot");
    }

    /**
     * An exported file goes back through the whole workflow with the suggested mapping and changes nothing: its one
     * "Address" column holds every part, labeled, so it is mapped without a part (beside a "City" column it would be
     * the street).
     */
    @Test
    void anExportedFileComesBackThroughTheSuggestedMappingUnchanged() throws Exception {
        multiValueColumnsAddressPartsAndStaticValuesMakeOneRecord();
        String before = http.get("/v1/objects/contact/records").json().get("data").get(0).get("values").toString();
        Response exported = http.post("/v1/modules/contacts/export", """
                {"format": "csv", "config": {"columns": ["displayName", "phone", "address", "department"]}}""");
        assertThat(exported.body()).isEqualTo("Name,Phone,Address,Department\r\n"
                + "Ann,Mobile: 555-0100; Work: 555-0199,street: 1 Main St; city: Springfield; zip: 01101,Sales\r\n");

        Response parsed = upload("/v1/modules/contacts/import/parse", "contacts-export.csv", "text/csv",
                exported.body().getBytes(StandardCharsets.UTF_8));
        Response suggested = http.post("/v1/modules/contacts/import/suggest-mapping",
                "{\"sourceColumns\": " + parsed.json().get("data").get("sourceColumns") + "}");
        JsonNode mapping = suggested.json().get("data").get("suggestions");
        assertThat(mapping.get(2).toString()).isEqualTo("{\"sourceColumn\":\"Address\",\"targetFieldSlug\":\"address\","
                + "\"confidence\":1.0,\"reason\":\"exact\",\"valueType\":null,\"addressPart\":null}");
        Response executed = http.post("/v1/modules/contacts/import/execute", "{\"fileId\": \""
                + parsed.at("/data/fileId") + "\", \"columnMapping\": " + mapping
                + ", \"duplicateStrategy\": \"update\", \"duplicateMatchFields\": [\"displayName\"]}");

        assertThat(executed.at("/data/successRows")).as(executed.body()).isEqualTo("1");
        assertThat(executed.json().get("data").get("createdRecordIds").size()).isZero();
        assertThat(http.get("/v1/imports/" + executed.at("/data/importJobId")).at("/stats/unchanged")).isEqualTo("1");
        assertThat(http.get("/v1/objects/contact/records").json().get("data").get(0).get("values").toString())
                .isEqualTo(before);

        Response beside = http.post("/v1/modules/contacts/import/suggest-mapping",
                "{\"sourceColumns\": [\"Address\", \"City\"]}");
        assertThat(beside.at("/data/suggestions/0/addressPart")).isEqualTo("street");
        assertThat(beside.at("/data/suggestions/1/addressPart")).isEqualTo("city");
    }

    /** An errors CSV of the Imports resource, uploaded again: its own columns are not suggested for any field. */
    @Test
    void suggestMappingGivesTheEmailSlotToThePlainHeaderAndCallsNoSuffixedHeaderExact() {
        Response r = http.post("/v1/modules/contacts/import/suggest-mapping", """
                {"sourceColumns": ["Email 2", "Secondary Email", "Email Address", "Phone_2"],
                 "sampleData": [{"Email 2": "b@example.com", "Secondary Email": "c@example.com",
                                 "Email Address": "a@example.com", "Phone_2": "555-0100"}]}""");

        List<String> got = new ArrayList<>();
        r.json().get("data").get("suggestions").forEach(x -> got.add(x.get("sourceColumn").asString() + "->"
                + x.get("targetFieldSlug").asString("null") + " " + x.get("reason").asString("null") + " "
                + x.get("confidence").asDouble()));
        assertThat(got).containsExactly("Email 2->null null 0.0", "Secondary Email->null null 0.0",
                "Email Address->email alias 0.9", "Phone_2->phone alias 0.83");
    }

    @Test
    void onlyAnExecutionThatStoredARowIsRememberedAndItsLabelsAndAddressPartsAreToo() {
        String mapping = """
                [{"sourceColumn": "Vollname", "targetFieldSlug": "displayName"},
                 {"sourceColumn": "Rufnummer", "targetFieldSlug": "phone", "valueType": "Mobile"},
                 {"sourceColumn": "Anschrift A", "targetFieldSlug": "address", "addressPart": "street"},
                 {"sourceColumn": "Anschrift B", "targetFieldSlug": "address", "addressPart": "street2"}]""";
        Response failed = http.post("/v1/modules/contacts/import/execute", """
                {"rows": [{"Vollname": "", "Rufnummer": "x", "Anschrift A": "1 Main St", "Anschrift B": "Apt 2"}],
                 "columnMapping": %s}""".formatted(mapping));
        assertThat(failed.at("/data/successRows")).as(failed.body()).isEqualTo("0");
        String columns = "{\"sourceColumns\": [\"Vollname\", \"Rufnummer\", \"Anschrift A\", \"Anschrift B\"]}";
        List<String> afterFailure = new ArrayList<>();
        http.post("/v1/modules/contacts/import/suggest-mapping", columns).json().get("data").get("suggestions")
                .forEach(x -> afterFailure.add(x.get("reason").asString("null")));
        assertThat(afterFailure).doesNotContain("remembered");

        Response stored = http.post("/v1/modules/contacts/import/execute", """
                {"rows": [{"Vollname": "Ann", "Rufnummer": "555-0100", "Anschrift A": "1 Main St",
                           "Anschrift B": "Apt 2"}],
                 "columnMapping": %s}""".formatted(mapping));
        assertThat(stored.at("/data/successRows")).as(stored.body()).isEqualTo("1");

        List<String> remembered = new ArrayList<>();
        http.post("/v1/modules/contacts/import/suggest-mapping", columns).json().get("data").get("suggestions")
                .forEach(x -> remembered.add(x.get("sourceColumn").asString() + "->"
                        + x.get("targetFieldSlug").asString("null") + " " + x.get("reason").asString("null") + " "
                        + x.get("valueType").asString("null") + " " + x.get("addressPart").asString("null")));
        assertThat(remembered).containsExactly("Vollname->displayName remembered null null",
                "Rufnummer->phone remembered Mobile null", "Anschrift A->address remembered null street",
                "Anschrift B->address remembered null street2");
    }

    @Test
    void theColumnsOfAnErrorsFileAreNotSuggestedForFields() {
        Response suggested = http.post("/v1/modules/contacts/import/suggest-mapping", """
                {"sourceColumns": ["error_line", "error_external_id", "error_field", "error_code", "error_message",
                                   "Name", "Street"]}""");

        List<String> pairs = new ArrayList<>();
        suggested.json().get("data").get("suggestions").forEach(x -> pairs.add(x.get("sourceColumn").asString()
                + "->" + x.get("targetFieldSlug") + "/" + x.get("addressPart")));
        assertThat(pairs).containsExactly("error_line->null/null", "error_external_id->null/null",
                "error_field->null/null", "error_code->null/null", "error_message->null/null",
                "Name->\"displayName\"/null", "Street->\"address\"/null");
        Response alone = http.post("/v1/modules/contacts/import/suggest-mapping",
                "{\"sourceColumns\": [\"error_line\", \"Name\"]}");
        assertThat(alone.at("/data/suggestions/0/targetFieldSlug")).isEqualTo("address");
    }

    @Test
    void missingReferencesAreCreatedWhenAskedAndNamesResolveToExistingRecords() {
        Response first = execute("{\"Name\": \"Ann\", \"Email\": \"ann@example.com\", \"Company\": \"Acme Corp\"}",
                "{\"createMissingReferences\": true}", ",{\"sourceColumn\": \"Company\", \"targetFieldSlug\": \"account\"}");
        assertThat(first.json().get("data").get("referenceWarnings").size()).isZero();
        JsonNode accounts = http.get("/v1/objects/account/records").json().get("data");
        assertThat(accounts.size()).isEqualTo(1);
        assertThat(accounts.get(0).get("values").get("displayName").asString()).isEqualTo("Acme Corp");

        Response second = execute("{\"Name\": \"Bo\", \"Email\": \"bo@example.com\", \"Company\": \"ACME corp\"}",
                "{}", ",{\"sourceColumn\": \"Company\", \"targetFieldSlug\": \"account\"}");
        assertThat(second.json().get("data").get("referenceWarnings").size()).isZero();
        assertThat(http.get("/v1/objects/account/records").json().get("data").size()).isEqualTo(1);
        JsonNode bo = http.get("/v1/objects/contact/records").json().get("data").get(1).get("values");
        assertThat(bo.get("account").toString()).contains(accounts.get(0).get("id").asString());
    }

    @Test
    void rollbackKeepsACreatedRecordThatARecordItLeavesStillRefersToAndListsItAsAConflict() {
        String company = ",{\"sourceColumn\": \"Company\", \"targetFieldSlug\": \"account\"}";
        Response first = execute("{\"Name\": \"Ann\", \"Email\": \"ann@example.com\", \"Company\": \"Acme Corp\"}",
                "{\"createMissingReferences\": true}", company);
        String accountId = http.get("/v1/objects/account/records").json().get("data").get(0).get("id").asString();
        Response second = execute("{\"Name\": \"Bo\", \"Email\": \"bo@example.com\", \"Company\": \"ACME corp\"}",
                "{}", company);
        String boId = second.json().get("data").get("createdRecordIds").get(0).asString();

        Response rolledBack = http.delete("/v1/modules/contacts/import/jobs/" + first.at("/data/importJobId"));

        assertThat(rolledBack.status()).isEqualTo(200);
        assertThat(rolledBack.at("/data/deletedCount")).as(rolledBack.body()).isEqualTo("1");
        assertThat(rolledBack.at("/data/restoredCount")).isEqualTo("0");
        assertThat(rolledBack.at("/data/conflictCount")).as(rolledBack.body()).isEqualTo("1");
        assertThat(rolledBack.json().get("data").get("conflicts").size()).as(rolledBack.body()).isEqualTo(1);
        assertThat(rolledBack.at("/data/conflicts/0/record_id")).isEqualTo(accountId);
        assertThat(rolledBack.at("/data/conflicts/0/external_id")).isNull();
        assertThat(rolledBack.at("/data/conflicts/0/reason")).isEqualTo("still referred to by contact " + boId
                + " (field account), which the rollback does not delete");
        assertThat(contacts()).containsExactly("Bo|bo@example.com|");
        JsonNode accounts = http.get("/v1/objects/account/records").json().get("data");
        assertThat(accounts.size()).isEqualTo(1);
        assertThat(accounts.get(0).get("id").asString()).isEqualTo(accountId);

        // A created record that only records the same rollback deletes refer to goes with them.
        Response third = execute("{\"Name\": \"Cy\", \"Email\": \"cy@example.com\", \"Company\": \"Beta Ltd\"},"
                + "{\"Name\": \"Di\", \"Email\": \"di@example.com\", \"Company\": \"Beta Ltd\"}",
                "{\"createMissingReferences\": true}", company);
        assertThat(http.get("/v1/objects/account/records").json().get("data").size()).isEqualTo(2);
        Response undone = http.delete("/v1/modules/contacts/import/jobs/" + third.at("/data/importJobId"));
        assertThat(undone.json().get("data").get("conflicts").size()).as(undone.body()).isZero();
        assertThat(undone.at("/data/conflictCount")).isEqualTo("0");
        assertThat(undone.at("/data/deletedCount")).isEqualTo("3");
        assertThat(contacts()).containsExactly("Bo|bo@example.com|");
        assertThat(http.get("/v1/objects/account/records").json().get("data").size()).isEqualTo(1);
    }

    @Test
    void aReferenceByANameThatSeveralRecordsHaveRejectsItsRowAndOneNewNameCreatesOneRecord() {
        vendor("v-1", "Acme");
        vendor("v-2", "ACME");
        String mapping = """
                [{"sourceColumn": "X", "targetFieldSlug": "external_id"},
                 {"sourceColumn": "V", "targetFieldSlug": "vendor"},
                 {"sourceColumn": "N", "targetFieldSlug": "name"}]""";

        Response r = http.post("/v1/modules/assessments/import/execute", "{\"rows\": [{\"X\": \"as-1\", \"V\":"
                + " \"acme\", \"N\": \"A1\"}, {\"X\": \"as-2\", \"V\": \"v-2\", \"N\": \"A2\"}], \"columnMapping\": "
                + mapping + "}");

        assertThat(r.at("/data/successRows")).as(r.body()).isEqualTo("1");
        assertThat(r.at("/data/errorRows")).isEqualTo("1");
        assertThat(r.json().get("data").get("errors").size()).isEqualTo(1);
        assertThat(r.at("/data/errors/0/row")).isEqualTo("1");
        assertThat(r.at("/data/errors/0/field")).isEqualTo("vendor");
        assertThat(r.at("/data/errors/0/code")).isEqualTo("ambiguous_reference");
        assertThat(r.at("/data/errors/0/error")).isEqualTo("vendor: \"acme\" matches 2 vendor records by name ignoring"
                + " case; give the external_id of the one meant");
        List<String> assessments = new ArrayList<>();
        for (JsonNode a : http.get("/v1/objects/assessment/records").json().get("data")) {
            assessments.add(a.get("external_id").asString() + "|" + a.at("/values/vendor/external_id").asString());
        }
        assertThat(assessments).containsExactly("as-2|v-2");

        // Names that differ only in case create one account, so they do not make the next look-up ambiguous.
        Response created = execute("{\"Name\": \"Ann\", \"Email\": \"ann@example.com\", \"Company\": \"Beta Ltd\"},"
                + "{\"Name\": \"Bo\", \"Email\": \"bo@example.com\", \"Company\": \"BETA LTD\"}",
                "{\"createMissingReferences\": true}", ",{\"sourceColumn\": \"Company\", \"targetFieldSlug\":"
                        + " \"account\"}");
        assertThat(created.at("/data/successRows")).as(created.body()).isEqualTo("2");
        JsonNode accounts = http.get("/v1/objects/account/records").json().get("data");
        assertThat(accounts.size()).isEqualTo(1);
        assertThat(accounts.get(0).at("/values/displayName").asString()).isEqualTo("Beta Ltd");
        for (JsonNode c : http.get("/v1/objects/contact/records").json().get("data")) {
            assertThat(c.at("/values/account/id").asString()).isEqualTo(accounts.get(0).get("id").asString());
        }
    }

    /**
     * A sheet of Email and Phone updates the phones of the contacts it matches: the name the mapping does not feed
     * keeps its stored value, whatever the merge mode, in validate and execute alike; a row that matches no contact
     * would create one without a name and is rejected for it. Before, every row was rejected with "displayName:
     * required field is not in the mapping".
     */
    @Test
    void aSheetWithoutTheNameUpdatesThePhonesOfTheContactsItMatchesAndRejectsARowThatWouldCreateOne() {
        execute(rowsJson("Ann", "ann@example.com") + "," + rowsJson("Bo", "bo@example.com"), "{}");
        String mapping = """
                [{"sourceColumn": "Email", "targetFieldSlug": "email"},
                 {"sourceColumn": "Phone", "targetFieldSlug": "phone"}]""";
        String rows = """
                {"Email": "ann@example.com", "Phone": "%s"}, {"Email": "BO@example.com", "Phone": "%s"},
                {"Email": "cy@example.com", "Phone": "555-0109"}""";
        String options = "\"duplicateStrategy\": \"update\", \"duplicateMatchFields\": [\"email\"]";
        String notMapped = "3|displayName|missing_required_field|displayName: required field is not in the mapping";

        Response validated = workflow("validate", rows.formatted("555-0100", "555-0101"), mapping, options);
        assertThat(answer(validated, "validRows")).isEqualTo("2/1/0 " + List.of(notMapped));
        assertThat(validated.at("/data/warnings/0/message")).isEqualTo("Required field \"Name\" is not mapped");
        Response executed = workflow("execute", rows.formatted("555-0100", "555-0101"), mapping, options);
        assertThat(answer(executed, "successRows")).isEqualTo("2/1/0 " + List.of(notMapped));
        assertThat(contacts()).containsExactly("Ann|ann@example.com|555-0100", "Bo|BO@example.com|555-0101");

        for (String mode : List.of("overwrite", "fill_empty")) {
            String modeOptions = options + ", \"mergeMode\": \"" + mode + "\"";
            String phones = rows.formatted("555-0200", "555-0201");
            assertThat(answer(workflow("validate", phones, mapping, modeOptions), "validRows")).as(mode)
                    .isEqualTo("2/1/0 " + List.of(notMapped));
            assertThat(answer(workflow("execute", phones, mapping, modeOptions), "successRows")).as(mode)
                    .isEqualTo("2/1/0 " + List.of(notMapped));
        }
        // fill_empty keeps the phones overwrite gave.
        assertThat(contacts()).containsExactly("Ann|ann@example.com|555-0200", "Bo|BO@example.com|555-0201");
    }

    /**
     * A row that matches a contact and leaves Name empty keeps the stored name under prefer_import and fill_empty;
     * under overwrite it would empty the required name and is rejected for it, as a row that would create a contact
     * without a name is under every mode. Before, the matched row was rejected under every mode.
     */
    @Test
    void anEmptyNameOnAMatchedRowKeepsTheStoredNameUnlessOverwriteWouldEmptyIt() {
        execute(rowsJson("Ann", "ann@example.com"), "{}");
        String rows = rowsJson("", "ann@example.com") + "," + rowsJson("", "new@example.com");
        String missing = "%d|displayName|missing_required_field|displayName: required field is missing (expected key"
                + " \"Name\")";

        for (String mode : List.of("prefer_import", "fill_empty", "overwrite")) {
            String options = "\"duplicateStrategy\": \"update\", \"duplicateMatchFields\": [\"email\"],"
                    + " \"mergeMode\": \"" + mode + "\"";
            String expected = mode.equals("overwrite") ? "0/2/0 " + List.of(missing.formatted(1), missing.formatted(2))
                    : "1/1/0 " + List.of(missing.formatted(2));
            assertThat(answer(workflow("validate", rows, MAPPING, options), "validRows")).as(mode)
                    .isEqualTo(expected);
            assertThat(answer(workflow("execute", rows, MAPPING, options), "successRows")).as(mode)
                    .isEqualTo(expected);
            assertThat(contacts()).as(mode).containsExactly("Ann|ann@example.com|");
        }
    }

    /** duplicateStrategy skip skips the rows of a sheet without the name that match, and rejects those that do not. */
    @Test
    void skipSkipsTheMatchedRowsOfASheetWithoutTheNameAndRejectsTheOthers() {
        execute(rowsJson("Ann", "ann@example.com"), "{}");
        String mapping = """
                [{"sourceColumn": "Email", "targetFieldSlug": "email"},
                 {"sourceColumn": "Phone", "targetFieldSlug": "phone"}]""";
        String rows = """
                {"Email": "ann@example.com", "Phone": "555-0100"}, {"Email": "cy@example.com", "Phone": "555-0109"}""";
        String options = "\"duplicateStrategy\": \"skip\", \"duplicateMatchFields\": [\"email\"]";
        String expected = "0/1/1 " + List.of(
                "2|displayName|missing_required_field|displayName: required field is not in the mapping");

        assertThat(answer(workflow("validate", rows, mapping, options), "validRows")).isEqualTo(expected);
        assertThat(answer(workflow("execute", rows, mapping, options), "successRows")).isEqualTo(expected);
        assertThat(contacts()).containsExactly("Ann|ann@example.com|");
    }

    /** A contacts import step ({@code validate} or {@code execute}) of {@code rows} with {@code mapping}. */
    private Response workflow(String step, String rows, String mapping, String options) {
        Response r = http.post("/v1/modules/contacts/import/" + step, "{\"rows\": [" + rows + "], \"columnMapping\": "
                + mapping + ", " + options + "}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r;
    }

    /** A validate or execute answer: the rows valid (or {@code applied}), rejected and skipped, and its errors. */
    private static String answer(Response r, String applied) {
        List<String> errors = new ArrayList<>();
        for (JsonNode e : r.json().get("data").get("errors")) {
            errors.add(e.get("row").asString() + "|" + e.get("field").asString() + "|" + e.get("code").asString() + "|"
                    + e.get("error").asString());
        }
        return r.at("/data/" + applied) + "/" + r.at("/data/errorRows") + "/" + r.at("/data/skippedRows") + " "
                + errors;
    }

    @Test
    void anUpdateWhoseMatchFieldsFindSeveralStoredRecordsRejectsItsRow() {
        execute(String.join(",", rowsJson("Ann", "ann@example.com"), rowsJson("Ann", "ann2@example.com"),
                rowsJson("Bo", "bo@example.com")), "{}");

        Response r = execute(rowsJson("Ann", "new@example.com") + "," + rowsJson("Bo", "bo2@example.com"),
                "{\"duplicateStrategy\": \"update\", \"duplicateMatchFields\": [\"displayName\"]}");

        assertThat(r.at("/data/successRows")).as(r.body()).isEqualTo("1");
        assertThat(r.at("/data/errorRows")).isEqualTo("1");
        assertThat(r.at("/data/errors/0/row")).isEqualTo("1");
        assertThat(r.at("/data/errors/0/field")).isEqualTo("displayName");
        assertThat(r.at("/data/errors/0/code")).isEqualTo("ambiguous_match");
        assertThat(r.at("/data/errors/0/error")).isEqualTo("displayName: 2 stored records match this row's"
                + " displayName; duplicateStrategy update changes one record, so the row was not applied");
        assertThat(contacts()).containsExactly("Ann|ann2@example.com|", "Ann|ann@example.com|",
                "Bo|bo2@example.com|");
    }

    @Test
    void aRowWhoseRequiredReferenceMatchesNothingIsRejectedAndNoVendorIsCreatedFromAName() {
        vendor("v-1", "Acme");
        String mapping = """
                [{"sourceColumn": "X", "targetFieldSlug": "external_id"},
                 {"sourceColumn": "V", "targetFieldSlug": "vendor"},
                 {"sourceColumn": "N", "targetFieldSlug": "name"}]""";
        String rows = """
                [{"X": "as-1", "V": "New Vendor Ltd", "N": "A1"}, {"X": "as-2", "V": "ACME", "N": "A2"}]""";

        Response warned = http.post("/v1/modules/assessments/import/execute",
                "{\"rows\": " + rows + ", \"columnMapping\": " + mapping + "}");
        Response created = http.post("/v1/modules/assessments/import/execute", "{\"rows\": "
                + rows.replace("as-1", "as-3").replace("as-2", "as-4") + ", \"columnMapping\": " + mapping
                + ", \"createMissingReferences\": true}");

        for (Response r : List.of(warned, created)) {
            assertThat(r.at("/data/successRows")).as(r.body()).isEqualTo("1");
            assertThat(r.at("/data/errorRows")).isEqualTo("1");
            assertThat(r.json().get("data").get("errors").size()).isEqualTo(1);
            assertThat(r.at("/data/errors/0/row")).isEqualTo("1");
            assertThat(r.at("/data/errors/0/field")).isEqualTo("vendor");
            assertThat(r.json().get("data").get("referenceWarnings").size()).isZero();
        }
        assertThat(warned.at("/data/errors/0/error")).isEqualTo("vendor: no vendor with external_id or name"
                + " \"New Vendor Ltd\"");
        assertThat(created.at("/data/errors/0/error")).isEqualTo("vendor: no vendor with external_id or name"
                + " \"New Vendor Ltd\"; a vendor is not created from a name, since it needs an external_id");
        List<String> assessments = new ArrayList<>();
        for (JsonNode a : http.get("/v1/objects/assessment/records").json().get("data")) {
            assessments.add(a.get("external_id").asString() + "|" + a.at("/values/vendor/external_id").asString());
        }
        assertThat(assessments).containsExactlyInAnyOrder("as-2|v-1", "as-4|v-1");
        assertThat(http.get("/v1/objects/vendor/records").json().get("data").size()).isEqualTo(1);
    }

    @Test
    void dateColumnsAreReadInTheFormatTheWholeColumnHasAndAmbiguityIsAWarning() {
        String mapping = """
                [{"sourceColumn": "Id", "targetFieldSlug": "external_id"},
                 {"sourceColumn": "Vendor", "targetFieldSlug": "name"},
                 {"sourceColumn": "Next review", "targetFieldSlug": "next_assessment_date"}]""";
        Response european = http.post("/v1/modules/vendors/import/execute", """
                {"rows": [{"Id": "v1", "Vendor": "Acme", "Next review": "03/04/2025"},
                          {"Id": "v2", "Vendor": "Beta", "Next review": "15/01/2025"}],
                 "columnMapping": %s}""".formatted(mapping));
        assertThat(european.at("/data/successRows")).as(european.body()).isEqualTo("2");
        assertThat(european.json().get("data").get("warnings").size()).isZero();
        assertThat(http.get("/v1/objects/vendor/records?external_id=v1").at("/data/0/values/next_assessment_date"))
                .isEqualTo("2025-04-03");

        Response validated = http.post("/v1/modules/vendors/import/validate", """
                {"rows": [{"Id": "v3", "Vendor": "Gamma", "Next review": "03/04/2025"},
                          {"Id": "v4", "Vendor": "Delta", "Next review": "12/01/2025"}],
                 "columnMapping": %s}""".formatted(mapping));
        assertThat(validated.at("/data/isValid")).isEqualTo("true");
        assertThat(validated.at("/data/warnings/0/field")).isEqualTo("next_assessment_date");
        assertThat(validated.at("/data/warnings/0/code")).isEqualTo("ambiguous_date_format");
        assertThat(validated.at("/data/warnings/0/message")).startsWith(
                "Column \"Next review\" has dates that fit both MM/DD and DD/MM");
    }

    @Test
    void isoDateTimesAreNeverAnAmbiguousDateFormatButMonthAndDayThatBothFitAre() {
        assertThat(http.post("/v1/objects", """
                {"slug": "sighting", "label": "Sighting", "fields": [
                  {"slug": "title", "label": "Title", "type": "text", "required": true},
                  {"slug": "seen", "label": "Seen", "type": "datetime"}]}""").status()).isEqualTo(201);
        String mapping = """
                [{"sourceColumn": "T", "targetFieldSlug": "title"},
                 {"sourceColumn": "S", "targetFieldSlug": "seen"}]""";
        String iso = "{\"rows\": [{\"T\": \"iso-dt\", \"S\": \"2024-01-15T14:30:00\"}], \"columnMapping\": "
                + mapping + "}";

        Response validated = http.post("/v1/modules/sighting/import/validate", iso);
        Response executed = http.post("/v1/modules/sighting/import/execute", iso);

        assertThat(validated.json().get("data").get("warnings").size()).as(validated.body()).isZero();
        assertThat(executed.at("/data/successRows")).as(executed.body()).isEqualTo("1");
        assertThat(executed.json().get("data").get("warnings").size()).as(executed.body()).isZero();
        assertThat(http.get("/v1/modules/sighting/import/jobs/" + executed.at("/data/importJobId"))
                .json().get("data").get("warnings").size()).isZero();

        Response us = http.post("/v1/modules/sighting/import/execute", "{\"rows\": [{\"T\": \"us\", \"S\":"
                + " \"03/04/2024 14:30\"}], \"columnMapping\": " + mapping + "}");
        assertThat(us.at("/data/warnings/0/code")).as(us.body()).isEqualTo("ambiguous_date_format");
        assertThat(us.at("/data/warnings/0/message")).isEqualTo(
                "Column \"S\" has dates that fit both MM/DD and DD/MM; they are read as MM/DD/YYYY HH:mm (month first)");
    }

    @Test
    void anIsoDateOrAPlaceholderInADateColumnLeavesTheOtherDatesReadable() {
        assertThat(http.post("/v1/objects", """
                {"slug": "task", "label": "Task", "fields": [
                  {"slug": "due", "label": "Due", "type": "date"}]}""").status()).isEqualTo(201);
        String mapping = """
                [{"sourceColumn": "Id", "targetFieldSlug": "external_id"},
                 {"sourceColumn": "Due", "targetFieldSlug": "due"}]""";

        Response r = http.post("/v1/modules/task/import/execute", """
                {"rows": [{"Id": "t-1", "Due": "2024-05-06"}, {"Id": "t-2", "Due": "13/01/2024"},
                          {"Id": "t-3", "Due": "n/a"}, {"Id": "t-4", "Due": "14/02/2024"}],
                 "columnMapping": %s}""".formatted(mapping));

        assertThat(r.at("/data/successRows")).as(r.body()).isEqualTo("3");
        assertThat(r.at("/data/errorRows")).isEqualTo("1");
        assertThat(r.json().get("data").get("errors").size()).isEqualTo(1);
        assertThat(r.at("/data/errors/0/row")).isEqualTo("3");
        assertThat(r.at("/data/errors/0/field")).isEqualTo("due");
        assertThat(r.at("/data/errors/0/error")).isEqualTo("due: expected a date (YYYY-MM-DD), got \"n/a\"");
        List<String> tasks = new ArrayList<>();
        for (JsonNode t : http.get("/v1/objects/task/records").json().get("data")) {
            tasks.add(t.get("external_id").asString() + "|" + t.at("/values/due").asString());
        }
        assertThat(tasks).containsExactlyInAnyOrder("t-1|2024-05-06", "t-2|2024-01-13", "t-4|2024-02-14");
    }

    @Test
    void aStoredNumberOfMoreThan9999DecimalPlacesIsAnsweredInPlainDigits() {
        assertThat(http.post("/v1/objects", """
                {"slug": "task", "label": "Task", "fields": [
                  {"slug": "cost", "label": "Cost", "type": "number"}]}""").status()).isEqualTo(201);
        String mapping = """
                [{"sourceColumn": "Id", "targetFieldSlug": "external_id"},
                 {"sourceColumn": "Cost", "targetFieldSlug": "cost"}]""";
        Response executed = http.post("/v1/modules/task/import/execute", """
                {"rows": [{"Id": "t-1", "Cost": 1E-10000}], "columnMapping": %s}""".formatted(mapping));
        assertThat(executed.at("/data/successRows")).as(executed.body()).isEqualTo("1");

        Response records = http.get("/v1/objects/task/records");

        assertThat(records.status()).as(records.body()).isEqualTo(200);
        assertThat(records.body()).contains("\"values\":{\"cost\":0." + "0".repeat(9_999) + "1}");
    }

    @Test
    void aDateNoYearHasFailsOnItsOwnRowAndLeavesTheOtherDatesOfItsColumnReadable() {
        assertThat(http.post("/v1/objects", """
                {"slug": "task", "label": "Task", "fields": [
                  {"slug": "due", "label": "Due", "type": "date"}]}""").status()).isEqualTo(201);
        String mapping = """
                [{"sourceColumn": "Id", "targetFieldSlug": "external_id"},
                 {"sourceColumn": "Due", "targetFieldSlug": "due"}]""";

        Response r = http.post("/v1/modules/task/import/execute", """
                {"rows": [{"Id": "t-1", "Due": "01/15/2024"}, {"Id": "t-2", "Due": "02/29/2023"},
                          {"Id": "t-3", "Due": "12/31/2023"}],
                 "columnMapping": %s}""".formatted(mapping));

        assertThat(r.at("/data/successRows")).as(r.body()).isEqualTo("2");
        assertThat(r.at("/data/errorRows")).isEqualTo("1");
        assertThat(r.json().get("data").get("errors").size()).isEqualTo(1);
        assertThat(r.at("/data/errors/0/row")).isEqualTo("2");
        assertThat(r.at("/data/errors/0/field")).isEqualTo("due");
        assertThat(r.at("/data/errors/0/error")).isEqualTo("due: expected a date (YYYY-MM-DD), got \"02/29/2023\"");
        assertThat(r.json().get("data").get("warnings").size()).isEqualTo(0);
        List<String> tasks = new ArrayList<>();
        for (JsonNode t : http.get("/v1/objects/task/records").json().get("data")) {
            tasks.add(t.get("external_id").asString() + "|" + t.at("/values/due").asString());
        }
        assertThat(tasks).containsExactlyInAnyOrder("t-1|2024-01-15", "t-3|2023-12-31");
    }

    @Test
    void aColumnOfDatesOrNumbersInMoreThanOneFormatIsAWarningAndItsRowsSayWhy() {
        assertThat(http.post("/v1/objects", """
                {"slug": "task", "label": "Task", "fields": [
                  {"slug": "due", "label": "Due", "type": "date"},
                  {"slug": "cost", "label": "Cost", "type": "number"}]}""").status()).isEqualTo(201);
        String body = """
                {"rows": [{"Id": "t-1", "Due": "01/13/2024", "Cost": "1,234.5"},
                          {"Id": "t-2", "Due": "13/01/2024", "Cost": "1,5"},
                          {"Id": "t-3", "Due": "2024-02-01", "Cost": "2.5"}],
                 "columnMapping": [{"sourceColumn": "Id", "targetFieldSlug": "external_id"},
                                   {"sourceColumn": "Due", "targetFieldSlug": "due"},
                                   {"sourceColumn": "Cost", "targetFieldSlug": "cost"}]}""";
        String dates = "; its column's dates are written in more than one format, so none was read; write dates as"
                + " YYYY-MM-DD";
        String numbers = "; its column's numbers have a decimal point in some values and a decimal comma in others,"
                + " so none with a decimal comma or a separator between thousands was read; write numbers without a"
                + " separator between thousands";
        List<String> expectedErrors = List.of(
                "1|due|due: expected a date (YYYY-MM-DD), got \"01/13/2024\"" + dates,
                "1|cost|cost: expected a number, got \"1,234.5\"" + numbers,
                "2|due|due: expected a date (YYYY-MM-DD), got \"13/01/2024\"" + dates,
                "2|cost|cost: expected a number, got \"1,5\"" + numbers);

        Response validated = http.post("/v1/modules/task/import/validate", body);

        assertThat(validated.at("/data/validRows")).as(validated.body()).isEqualTo("1");
        assertThat(validated.at("/data/errorRows")).isEqualTo("2");
        assertThat(problems(validated.json().get("data").get("errors"), "error")).isEqualTo(expectedErrors);
        assertThat(problems(validated.json().get("data").get("warnings"), "message")).containsExactly(
                "null|due|Column \"Due\" has dates written in more than one format; none of them is read (write them"
                        + " as YYYY-MM-DD)",
                "null|cost|The numbers in column \"Cost\" have a decimal point in some values and a decimal comma in"
                        + " others; those with a decimal comma or a separator between thousands are not read");

        Response executed = http.post("/v1/modules/task/import/execute", body);

        assertThat(executed.at("/data/successRows")).as(executed.body()).isEqualTo("1");
        assertThat(executed.at("/data/errorRows")).isEqualTo("2");
        assertThat(problems(executed.json().get("data").get("errors"), "error")).isEqualTo(expectedErrors);
        assertThat(problems(executed.json().get("data").get("warnings"), "message")).containsExactly(
                "null|due|Column \"Due\" has dates written in more than one format; none of them is read (write them"
                        + " as YYYY-MM-DD)",
                "null|cost|The numbers in column \"Cost\" have a decimal point in some values and a decimal comma in"
                        + " others; those with a decimal comma or a separator between thousands are not read");
        assertThat(executed.json().get("data").get("warnings").get(0).get("code").asString())
                .isEqualTo("mixed_date_format");
        assertThat(executed.json().get("data").get("warnings").get(1).get("code").asString())
                .isEqualTo("mixed_number_format");
        JsonNode task = http.get("/v1/objects/task/records").json().get("data").get(0);
        assertThat(task.get("external_id").asString()).isEqualTo("t-3");
        assertThat(task.at("/values/due").asString()).isEqualTo("2024-02-01");
        assertThat(task.at("/values/cost").toString()).isEqualTo("2.5");
    }

    /**
     * The values of a multi-value number or integer cell are read in the format their column's values have, each
     * value on its own, as a single-value column's cells are; a column they leave ambiguous explains its values as a
     * single-value column does (before, the cell was inferred whole, which is no number, and {@code 1,5} failed).
     */
    @Test
    void theValuesOfAMultiValueNumberCellAreReadInTheFormatOfTheirColumn() {
        assertThat(http.post("/v1/objects", """
                {"slug": "reading", "label": "Reading", "fields": [
                  {"slug": "scores", "label": "Scores", "type": "number", "multiple": true},
                  {"slug": "counts", "label": "Counts", "type": "integer", "multiple": true}]}""").status())
                .isEqualTo(201);
        String mapping = """
                [{"sourceColumn": "Id", "targetFieldSlug": "external_id"},
                 {"sourceColumn": "Scores", "targetFieldSlug": "scores"},
                 {"sourceColumn": "Counts", "targetFieldSlug": "counts"}]""";
        Response read = http.post("/v1/modules/reading/import/execute", """
                {"rows": [{"Id": "r-1", "Scores": "1,5; 2,5", "Counts": "1.200; 3"},
                          {"Id": "r-2", "Scores": "1.234,5", "Counts": "7"}],
                 "columnMapping": %s}""".formatted(mapping));

        assertThat(read.at("/data/successRows")).as(read.body()).isEqualTo("2");
        assertThat(read.json().get("data").get("warnings").size()).isZero();
        assertThat(http.get("/v1/objects/reading/records?external_id=r-1").json().at("/data/0/values").toString())
                .isEqualTo("{\"scores\":[1.5,2.5],\"counts\":[1200,3]}");
        assertThat(http.get("/v1/objects/reading/records?external_id=r-2").json().at("/data/0/values").toString())
                .isEqualTo("{\"scores\":[1234.5],\"counts\":[7]}");

        String ambiguous = """
                {"rows": [{"Id": "r-3", "Scores": "2; 1,000"},
                          {"Id": "r-4", "Scores": "1.000"},
                          {"Id": "r-5", "Scores": "3; 4"}],
                 "columnMapping": %s}""".formatted(mapping);
        List<String> expectedErrors = List.of(
                "1|scores|scores: expected a number, got \"1,000\"; its column's numbers could have a decimal comma or"
                        + " a comma between thousands (1,000: one or a thousand), so none with a comma was read; write"
                        + " numbers without a separator between thousands",
                "2|scores|scores: \"1.000\" could be 1 or 1000; its column's numbers could have a decimal point or a"
                        + " decimal comma (1.000: one or a thousand), so it was not read; write numbers without a"
                        + " separator between thousands");
        Response validated = http.post("/v1/modules/reading/import/validate", ambiguous);
        assertThat(problems(validated.json().get("data").get("errors"), "error")).as(validated.body())
                .isEqualTo(expectedErrors);
        assertThat(validated.at("/data/warnings/0/code")).isEqualTo("ambiguous_number_format");
        Response executed = http.post("/v1/modules/reading/import/execute", ambiguous);
        assertThat(problems(executed.json().get("data").get("errors"), "error")).as(executed.body())
                .isEqualTo(expectedErrors);
        assertThat(executed.at("/data/successRows")).isEqualTo("1");
        assertThat(http.get("/v1/objects/reading/records?external_id=r-5").json().at("/data/0/values").toString())
                .isEqualTo("{\"scores\":[3,4]}");
    }

    /**
     * A column-format warning reads the same from validate, execute and the job, naming the column as the file does
     * (before, execute and the job named the field's slug in other words: {@code Numbers of "cost" … were not read}).
     */
    @Test
    void validateExecuteAndTheJobGiveTheSameColumnFormatWarnings() throws Exception {
        assertThat(http.post("/v1/objects", """
                {"slug": "audit", "label": "Audit", "fields": [
                  {"slug": "due", "label": "Due", "type": "date"},
                  {"slug": "seen", "label": "Seen", "type": "date"},
                  {"slug": "cost", "label": "Cost", "type": "number"},
                  {"slug": "price", "label": "Price", "type": "number"}]}""").status()).isEqualTo(201);
        Response parsed = upload("/v1/modules/audit/import/parse", "audits.csv", "text/csv", """
                Id,Due Date,Seen On,Cost (EUR),Unit Price
                a-1,03/04/2024,01/13/2024,"1,000","1,234.5"
                a-2,05/06/2024,13/01/2024,7,"1,5"
                """.getBytes(StandardCharsets.UTF_8));
        String body = """
                {"fileId": "%s",
                 "columnMapping": [{"sourceColumn": "Id", "targetFieldSlug": "external_id"},
                                   {"sourceColumn": "Due Date", "targetFieldSlug": "due"},
                                   {"sourceColumn": "Seen On", "targetFieldSlug": "seen"},
                                   {"sourceColumn": "Cost (EUR)", "targetFieldSlug": "cost"},
                                   {"sourceColumn": "Unit Price", "targetFieldSlug": "price"}]}"""
                .formatted(parsed.at("/data/fileId"));
        List<String> expected = List.of(
                "null|due|ambiguous_date_format|Column \"Due Date\" has dates that fit both MM/DD and DD/MM; they are"
                        + " read as MM/DD/YYYY (month first)",
                "null|cost|ambiguous_number_format|The numbers in column \"Cost (EUR)\" could have a decimal comma or a"
                        + " comma between thousands (1,000: one or a thousand); those with a comma are not read",
                "null|seen|mixed_date_format|Column \"Seen On\" has dates written in more than one format; none of"
                        + " them is read (write them as YYYY-MM-DD)",
                "null|price|mixed_number_format|The numbers in column \"Unit Price\" have a decimal point in some"
                        + " values and a decimal comma in others; those with a decimal comma or a separator between"
                        + " thousands are not read");

        Response validated = http.post("/v1/modules/audit/import/validate", body);
        Response executed = http.post("/v1/modules/audit/import/execute", body);
        Response job = http.get("/v1/modules/audit/import/jobs/" + executed.at("/data/importJobId"));

        assertThat(warnings(validated)).as(validated.body()).isEqualTo(expected);
        assertThat(warnings(executed)).as(executed.body()).isEqualTo(expected);
        assertThat(warnings(job)).as(job.body()).isEqualTo(expected);
    }

    /** The answer's warnings as {@code row|field|code|message}, in its order. */
    private static List<String> warnings(Response r) {
        List<String> out = new ArrayList<>();
        for (JsonNode w : r.json().get("data").get("warnings")) {
            out.add((w.get("row").isNull() ? "null" : w.get("row").asString()) + "|" + w.get("field").asString() + "|"
                    + w.get("code").asString() + "|" + w.get("message").asString());
        }
        return out;
    }

    /** Each problem as {@code row|field|<text member>}, in the answer's order. */
    private static List<String> problems(JsonNode list, String text) {
        List<String> out = new ArrayList<>();
        for (JsonNode p : list) {
            out.add((p.get("row").isNull() ? "null" : p.get("row").asString()) + "|" + p.get("field").asString() + "|"
                    + p.get(text).asString());
        }
        return out;
    }

    @Test
    void numberColumnsAreReadInTheFormatTheWholeColumnHasAndAmbiguityIsAWarning() {
        String mapping = """
                [{"sourceColumn": "Name", "targetFieldSlug": "displayName"},
                 {"sourceColumn": "Staff", "targetFieldSlug": "employeeCount"},
                 {"sourceColumn": "Revenue", "targetFieldSlug": "annualRevenue"}]""";
        Response european = http.post("/v1/modules/accounts/import/execute", """
                {"rows": [{"Name": "Acme", "Staff": "1.200", "Revenue": "2.500.000,50"},
                          {"Name": "Beta", "Staff": "85", "Revenue": "1.000"}],
                 "columnMapping": %s}""".formatted(mapping));
        assertThat(european.at("/data/successRows")).as(european.body()).isEqualTo("2");
        JsonNode acme = null;
        for (JsonNode record : http.get("/v1/objects/account/records").json().get("data")) {
            acme = record.at("/values/displayName").asString().equals("Acme") ? record.get("values") : acme;
        }
        assertThat(acme).isNotNull();
        assertThat(acme.get("employeeCount").toString()).isEqualTo("1200");
        assertThat(acme.get("annualRevenue").decimalValue()).isEqualByComparingTo("2500000.50");

        Response validated = http.post("/v1/modules/accounts/import/validate", """
                {"rows": [{"Name": "Gamma", "Staff": "1,000", "Revenue": "1,000"},
                          {"Name": "Delta", "Staff": "12", "Revenue": "7,5"}],
                 "columnMapping": %s}""".formatted(mapping));
        assertThat(validated.at("/data/errorRows")).as(validated.body()).isEqualTo("1");
        assertThat(validated.at("/data/errors/0/field")).isEqualTo("employeeCount");
        assertThat(validated.at("/data/errors/0/error")).isEqualTo("employeeCount: expected an integer, got"
                + " \"1,000\"; its column's numbers could have a decimal comma or a comma between thousands (1,000: one"
                + " or a thousand), so none with a comma was read; write numbers without a separator between thousands");
        assertThat(validated.at("/data/warnings/0/field")).isEqualTo("employeeCount");
        assertThat(validated.at("/data/warnings/0/code")).isEqualTo("ambiguous_number_format");
        assertThat(validated.at("/data/warnings/0/message")).isEqualTo("The numbers in column \"Staff\" could have a"
                + " decimal comma or a comma between thousands (1,000: one or a thousand); those with a comma are not"
                + " read");
        assertThat(validated.json().get("data").get("warnings").size()).isEqualTo(1);

        Response executed = http.post("/v1/modules/accounts/import/execute", """
                {"rows": [{"Name": "Gamma", "Staff": "1,000", "Revenue": "1,000"},
                          {"Name": "Delta", "Staff": "12", "Revenue": "7,5"}],
                 "columnMapping": %s}""".formatted(mapping));
        assertThat(executed.at("/data/successRows")).as(executed.body()).isEqualTo("1");
        assertThat(executed.at("/data/warnings/0/code")).isEqualTo("ambiguous_number_format");
        assertThat(executed.at("/data/warnings/0/message")).isEqualTo("The numbers in column \"Staff\" could have a"
                + " decimal comma or a comma between thousands (1,000: one or a thousand); those with a comma are not"
                + " read");
    }

    @Test
    void aDecimalInAnIntegerColumnIsNotExplainedAsACommaAndAnIntegerColumnsPointNumberIsNotReadAsOne() {
        String mapping = """
                [{"sourceColumn": "Name", "targetFieldSlug": "displayName"},
                 {"sourceColumn": "Staff", "targetFieldSlug": "employeeCount"},
                 {"sourceColumn": "Revenue", "targetFieldSlug": "annualRevenue"}]""";
        Response decimal = http.post("/v1/modules/accounts/import/validate", """
                {"rows": [{"Name": "Gamma", "Staff": "1,000"}, {"Name": "Delta", "Staff": "1.5"}],
                 "columnMapping": %s}""".formatted(mapping));
        assertThat(decimal.at("/data/errors/1/row")).as(decimal.body()).isEqualTo("2");
        assertThat(decimal.at("/data/errors/1/error")).isEqualTo("employeeCount: expected an integer, got \"1.5\"");

        // Revenue has decimal commas, but Staff's own values fit both readings: 1.000 is one or a thousand.
        String rows = """
                [{"Name": "Acme", "Staff": "1.000", "Revenue": "2.500,50"},
                 {"Name": "Beta", "Staff": "85", "Revenue": "7,5"}]""";
        Response validated = http.post("/v1/modules/accounts/import/validate",
                "{\"rows\": " + rows + ", \"columnMapping\": " + mapping + "}");
        assertThat(validated.at("/data/errorRows")).as(validated.body()).isEqualTo("1");
        assertThat(validated.at("/data/errors/0/error")).isEqualTo("employeeCount: \"1.000\" could be 1 or 1000;"
                + " its column's numbers could have a decimal point or a decimal comma (1.000: one or a thousand), so"
                + " it was not read; write numbers without a separator between thousands");
        assertThat(validated.at("/data/warnings/0/code")).isEqualTo("ambiguous_number_format");
        assertThat(validated.at("/data/warnings/0/field")).isEqualTo("employeeCount");

        Response executed = http.post("/v1/modules/accounts/import/execute",
                "{\"rows\": " + rows + ", \"columnMapping\": " + mapping + "}");
        assertThat(executed.at("/data/successRows")).as(executed.body()).isEqualTo("1");
        assertThat(executed.at("/data/errors/0/row")).isEqualTo("1");
        JsonNode stored = http.get("/v1/objects/account/records").json().get("data");
        assertThat(stored.size()).isEqualTo(1);
        assertThat(stored.get(0).get("values").toString())
                .isEqualTo("{\"displayName\":\"Beta\",\"employeeCount\":85,\"annualRevenue\":7.5}");
    }

    @Test
    void suggestMappingSaysSourceColumnsMustBeAListWhenItIsNot() {
        Response r = http.post("/v1/modules/contacts/import/suggest-mapping", "{\"sourceColumns\": \"Name\"}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.at("/error/code")).isEqualTo("invalid_request");
        assertThat(r.at("/error/message"))
                .isEqualTo("sourceColumns must be a list of the file's column headers, got \"Name\"");
        Response missing = http.post("/v1/modules/contacts/import/suggest-mapping", "{}");
        assertThat(missing.at("/error/message")).isEqualTo("sourceColumns is required: the column headers of the file");
    }

    /**
     * A sampleData that is no list of rows, and a static value that is an object or a list, are refused naming them.
     * Before, such a sampleData (or row of it) was passed over in silence, and a static value {@code {"a": 1}} was
     * read as the text "{a=1}".
     */
    @Test
    void aSampleDataOrStaticValueOfTheWrongJsonTypeIsRefusedNamingIt() {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("suggest-mapping {\"sourceColumns\": [\"Name\"], \"sampleData\": {\"Name\": \"Ann\"}}",
                "sampleData must be a list of rows (objects of column → value), got an object");
        cases.put("suggest-mapping {\"sourceColumns\": [\"Name\"], \"sampleData\": [{\"Name\": \"Ann\"}, \"Bo\"]}",
                "sampleData[1] must be a row (an object of column → value), got \"Bo\"");
        cases.put("execute {\"rows\": [{\"Name\": \"Ann\"}], \"columnMapping\": [{\"sourceColumn\": \"Name\","
                + " \"targetFieldSlug\": \"displayName\"}], \"staticValues\": {\"email\": {\"a\": 1}}}",
                "staticValues.email must be a value (text, a number or true/false), got an object");
        cases.forEach((request, message) -> {
            String[] stepAndBody = request.split(" ", 2);
            Response r = http.post("/v1/modules/contacts/import/" + stepAndBody[0], stepAndBody[1]);

            assertThat(r.status() + " " + r.at("/error/code") + " " + r.at("/error/message")).as(request)
                    .isEqualTo("400 invalid_request " + message);
        });
        assertThat(http.get("/v1/objects/contact/records").json().get("data").size()).isZero();
    }

    @Test
    void skipValidationKeepsMalformedEmailsButNotUnstorableValues() {
        Response r = http.post("/v1/modules/accounts/import/execute", """
                {"rows": [{"Name": "Acme", "Site": "not a url", "Staff": "12"},
                          {"Name": "Beta", "Site": "beta.example", "Staff": "twelve"}],
                 "columnMapping": [{"sourceColumn": "Name", "targetFieldSlug": "displayName"},
                                   {"sourceColumn": "Site", "targetFieldSlug": "website"},
                                   {"sourceColumn": "Staff", "targetFieldSlug": "employeeCount"}],
                 "skipValidation": true}""");

        assertThat(r.at("/data/successRows")).isEqualTo("1");
        assertThat(r.at("/data/errorRows")).isEqualTo("1");
        assertThat(r.at("/data/errors/0/row")).isEqualTo("2");
        assertThat(r.at("/data/errors/0/field")).isEqualTo("employeeCount");
    }

    @Test
    void backgroundExecutionAnswersAtOnceAndRollbackDeletesWhatItCreated() throws Exception {
        execute(rowsJson("Ann", "ann@example.com"), "{}");
        Response r = execute(rowsJson("Ann Lee", "ann@example.com") + ",{\"Name\": \"Bo\", \"Email\":"
                + " \"bo@example.com\"}", "{\"duplicateStrategy\": \"update\", \"processingMode\": \"background\"}");

        assertThat(r.at("/data/processingMode")).isEqualTo("background");
        assertThat(r.json().get("data").get("createdRecordIds").isNull()).isTrue();
        String jobId = r.at("/data/importJobId");
        JsonNode job = poll(jobId);
        assertThat(job.get("status").asString()).isEqualTo("completed");
        assertThat(job.get("processingMode").asString()).isEqualTo("background");
        assertThat(contacts()).containsExactly("Ann Lee|ann@example.com|", "Bo|bo@example.com|");

        Response rolledBack = http.delete("/v1/modules/contacts/import/jobs/" + jobId);

        assertThat(rolledBack.status()).isEqualTo(200);
        assertThat(rolledBack.at("/data/deletedCount")).isEqualTo("1");
        assertThat(rolledBack.at("/data/restoredCount")).isEqualTo("1");
        assertThat(contacts()).containsExactly("Ann|ann@example.com|");
        assertThat(http.get("/v1/modules/contacts/import/jobs/" + jobId).at("/data/status")).isEqualTo("cancelled");
        Response listed = http.get("/v1/modules/contacts/import/jobs?limit=1");
        assertThat(listed.json().get("data").get("jobs").size()).isEqualTo(1);
        assertThat(listed.at("/data/jobs/0/importJobId")).isEqualTo(jobId);
        assertThat(http.get("/v1/modules/contacts/import/jobs?limit=0").status()).isEqualTo(400);
    }

    /**
     * Seed 003 writes a job's date-times as {@code 2024-01-15T10:30:00Z}, and export jobs answer so: the import's own
     * times, to the second, never with the stored milliseconds (which made the text's length vary).
     */
    @Test
    void jobDateTimesAreTheImportsTimesInIsoToTheSecond() {
        String jobId = execute(rowsJson("Ann", "ann@example.com"), "{}").at("/data/importJobId");
        Response resource = http.get("/v1/imports/" + jobId);
        long created = Long.parseLong(resource.at("/created_at"));
        long started = Long.parseLong(resource.at("/phases/0/started_at"));
        long finished = Long.parseLong(resource.at("/finished_at"));
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("createdDateTime", Instant.ofEpochSecond(created).toString());
        expected.put("startedDateTime", Instant.ofEpochSecond(started).toString());
        expected.put("completedDateTime", Instant.ofEpochSecond(finished).toString());
        expected.put("expiresDateTime", Instant.ofEpochSecond(finished).plus(Duration.ofDays(30)).toString());

        Response job = http.get("/v1/modules/contacts/import/jobs/" + jobId);
        Response listed = http.get("/v1/modules/contacts/import/jobs?limit=1");

        assertThat(listed.at("/data/jobs/0/importJobId")).isEqualTo(jobId);
        expected.forEach((member, time) -> {
            assertThat(time).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z");
            assertThat(job.at("/data/" + member)).as(member).isEqualTo(time);
            assertThat(listed.at("/data/jobs/0/" + member)).as(member).isEqualTo(time);
        });
    }

    @Test
    void rollbackKeepsTheTimeTheImportEndedAndWhenItsFilesExpire() throws Exception {
        String jobId = execute(rowsJson("Ann", "ann@example.com"), "{}").at("/data/importJobId");
        Response before = http.get("/v1/modules/contacts/import/jobs/" + jobId);
        String phasesBefore = http.get("/v1/imports/" + jobId).json().get("phases").toString();
        Thread.sleep(1_100);

        assertThat(http.delete("/v1/modules/contacts/import/jobs/" + jobId).status()).isEqualTo(200);

        Response after = http.get("/v1/modules/contacts/import/jobs/" + jobId);
        assertThat(after.at("/data/status")).isEqualTo("cancelled");
        assertThat(before.at("/data/completedDateTime")).isNotNull();
        assertThat(after.at("/data/completedDateTime")).isEqualTo(before.at("/data/completedDateTime"));
        assertThat(after.at("/data/expiresDateTime")).isEqualTo(before.at("/data/expiresDateTime"));
        assertThat(Instant.parse(after.at("/data/expiresDateTime"))).isEqualTo(
                Instant.parse(after.at("/data/completedDateTime")).plus(Duration.ofDays(30)));
        Response listed = http.get("/v1/modules/contacts/import/jobs?limit=1");
        assertThat(listed.at("/data/jobs/0/completedDateTime")).isEqualTo(before.at("/data/completedDateTime"));
        Response resource = http.get("/v1/imports/" + jobId);
        assertThat(resource.json().get("phases").toString()).isEqualTo(phasesBefore);
        assertThat(resource.at("/finished_at")).isEqualTo(String.valueOf(
                Instant.parse(before.at("/data/completedDateTime")).getEpochSecond()));
    }

    @Test
    void theJobOfABackgroundExecutionListsItsRejectedRowsAndUnresolvedReferencesOnceItEnds() throws Exception {
        Response r = execute("{\"Name\": \"Ann\", \"Email\": \"ann@example.com\", \"Company\": \"Nowhere Ltd\"},"
                + "{\"Name\": \"Bo\", \"Email\": \"not-an-email\", \"Company\": \"\"}",
                "{\"processingMode\": \"background\"}",
                ", {\"sourceColumn\": \"Company\", \"targetFieldSlug\": \"account\"}");
        String jobId = r.at("/data/importJobId");

        JsonNode job = poll(jobId);

        assertThat(job.get("status").asString()).isEqualTo("completed");
        assertThat(job.get("errors").toString()).isEqualTo("[{\"row\":2,\"line\":2,\"field\":\"email\",\"error\":"
                + "\"email: expected an email address, got \\\"not-an-email\\\"\",\"code\":\"invalid_field_value\"}]");
        assertThat(job.get("referenceWarnings").toString()).isEqualTo("[{\"fieldSlug\":\"account\",\"fieldLabel\":"
                + "\"Account\",\"unresolvedValues\":[\"Nowhere Ltd\"],\"targetModuleSlug\":\"accounts\","
                + "\"unresolvedValuesTruncated\":false,\"unresolvedValuesCount\":1}]");
        assertThat(job.get("warnings").toString()).isEqualTo("[]");
        JsonNode listed = http.get("/v1/modules/contacts/import/jobs").json().get("data").get("jobs").get(0);
        assertThat(listed.get("importJobId").asString()).isEqualTo(jobId);
        assertThat(listed.propertyNames()).doesNotContain("errors", "errorsTruncated", "errorsCsvUrl", "errorsJsonUrl",
                "referenceWarnings", "warnings", "warningsTruncated", "warningsOmitted");
    }

    /**
     * The execute answer and the job's answer list the first 1,000 problems and say when more were left out; both point
     * to the import's errors files, signed URLs that need no API key and hold every rejected row.
     */
    @Test
    void aJobWithMoreRejectedRowsThanTheAnswerListsLinksToErrorsFilesHoldingEveryOne() throws Exception {
        StringBuilder rows = new StringBuilder(rowsJson("Ann", "ann@example.com"));
        for (int i = 2; i <= 1_002; i++) {
            rows.append(',').append(rowsJson("P" + i, "bad-" + i));
        }

        Response executed = execute(rows.toString(), "{}");

        String jobId = executed.at("/data/importJobId");
        String files = Pattern.quote(tenant.server().baseUrl() + "/files/imports/" + jobId + "/");
        String signed = "\\?expires=\\d+&signature=[0-9a-f]{64}";
        assertThat(executed.at("/data/status")).as(executed.body()).isEqualTo("completed");
        assertThat(executed.at("/data/errorRows")).isEqualTo("1001");
        assertThat(executed.json().get("data").get("errors").size()).isEqualTo(1_000);
        assertThat(executed.at("/data/errorsTruncated")).isEqualTo("true");
        assertThat(executed.at("/data/reason")).isEqualTo("1,001 of 1,002 rows failed; see the errors file");
        assertThat(executed.at("/data/errorsCsvUrl")).matches(files + "errors\\.csv" + signed);
        assertThat(executed.at("/data/errorsJsonUrl")).matches(files + "errors\\.json" + signed);

        Response job = http.get("/v1/modules/contacts/import/jobs/" + jobId);

        assertThat(job.json().get("data").get("errors").size()).isEqualTo(1_000);
        assertThat(job.at("/data/errors/999/row")).isEqualTo("1001");
        assertThat(job.at("/data/errorsTruncated")).isEqualTo("true");
        String csvUrl = job.at("/data/errorsCsvUrl");
        assertThat(csvUrl).matches(files + "errors\\.csv" + signed);
        String resourceUrl = http.get("/v1/imports/" + jobId).at("/_errors_csv_url");
        assertThat(csvUrl.substring(0, csvUrl.indexOf('?')))
                .isEqualTo(resourceUrl.substring(0, resourceUrl.indexOf('?')));

        HttpResponse<String> csv = ImportsApiContract.get(csvUrl);

        assertThat(csv.statusCode()).as(csv.body()).isEqualTo(200);
        List<String> lines = List.of(csv.body().split("\r\n"));
        assertThat(lines).hasSize(1 + 1_001);
        assertThat(lines.getFirst())
                .isEqualTo("\uFEFFerror_line,error_external_id,error_field,error_code,error_message,Name,Email");
        assertThat(lines.get(1)).isEqualTo("2,,email,invalid_field_value,"
                + "\"email: expected an email address, got \"\"bad-2\"\"\",P2,bad-2");
        assertThat(lines.get(1_001)).isEqualTo("1002,,email,invalid_field_value,"
                + "\"email: expected an email address, got \"\"bad-1002\"\"\",P1002,bad-1002");
        HttpResponse<String> json = ImportsApiContract.get(job.at("/data/errorsJsonUrl"));
        assertThat(json.statusCode()).isEqualTo(200);
        assertThat(Http.JSON.readTree(json.body()).size()).isEqualTo(1_001);

        String expires = csvUrl.replaceAll(".*expires=(\\d+)&.*", "$1");
        String later = csvUrl.replace("expires=" + expires, "expires=" + (Long.parseLong(expires) + 60));
        for (String tampered : List.of(later, csvUrl.replace("/errors.csv?", "/upload.csv?"))) {
            HttpResponse<String> refused = ImportsApiContract.get(tampered);
            assertThat(refused.statusCode()).as(tampered).isEqualTo(403);
            JsonNode error = Http.JSON.readTree(refused.body()).get("error");
            assertThat(error.get("code").asString()).isEqualTo("invalid_signature");
            assertThat(error.get("message").asString()).isEqualTo("This URL's signature is not valid (was it"
                    + " changed?); get a fresh one from the import (GET /v1/imports/{id}) or, for a file import"
                    + " workflow job, from the job (GET /v1/modules/{module}/import/jobs/{jobId})");
        }
    }

    private static final String FILE_MAPPING = """
            [{"sourceColumn": "Name", "targetFieldSlug": "displayName"},
             {"sourceColumn": "Email", "targetFieldSlug": "email"}]""";

    /** Parses {@link #CONTACTS_CSV}; its fileId. */
    private String parsedContacts() throws IOException, InterruptedException {
        Response parsed = upload("/v1/modules/contacts/import/parse", "contacts.csv", "text/csv",
                CONTACTS_CSV.getBytes(StandardCharsets.UTF_8));
        assertThat(parsed.status()).as(parsed.body()).isEqualTo(200);
        return parsed.at("/data/fileId");
    }

    private Response executeFile(String fileId) {
        return http.post("/v1/modules/contacts/import/execute", "{\"fileId\": \"" + fileId + "\", \"columnMapping\": "
                + FILE_MAPPING + ", \"duplicateStrategy\": \"update\"}");
    }

    private void setStatus(String importId, String status, Long finishedAt) {
        TestServer.of(database()).bean(Database.class).inTransaction(h -> h.update(
                "update imports set status = ?, finished_at = ? where id = ?", status, finishedAt, importId));
    }

    private static String refusal(String fileId, String jobId, String status) {
        return "{\"success\":false,\"error\":{\"code\":\"import_running\",\"message\":\"The file \\\"" + fileId
                + "\\\" is already being imported by job " + jobId + " (" + status + "); wait for that job to end"
                + " before executing the file again\"}}";
    }

    /**
     * A parsed file whose job is pending or processing is not executed again (a double click would make two jobs
     * splitting its rows): 409 naming the job, and no second job. Once the job ended, the file executes again; another
     * parse of the same bytes is another file.
     */
    @Test
    void aFileWhoseJobHasNotEndedIsNotExecutedAgainUntilTheJobEnds() throws Exception {
        String fileId = parsedContacts();
        Response first = executeFile(fileId);
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        String jobId = first.at("/data/importJobId");
        Long finishedAt = TestServer.of(database()).bean(Database.class).withHandle(h -> h.queryFirst(
                "select finished_at from imports where id = ?", rs -> rs.getLong(1), jobId)).orElseThrow();

        setStatus(jobId, "processing", null);
        Response whileProcessing = executeFile(fileId);
        setStatus(jobId, "queued", null);
        Response whilePending = executeFile(fileId);
        Response otherFile = executeFile(parsedContacts());

        assertThat(whileProcessing.status()).isEqualTo(409);
        assertThat(whileProcessing.body()).isEqualTo(refusal(fileId, jobId, "processing"));
        assertThat(whilePending.status()).isEqualTo(409);
        assertThat(whilePending.body()).isEqualTo(refusal(fileId, jobId, "pending"));
        assertThat(otherFile.status()).as(otherFile.body()).isEqualTo(200);
        assertThat(http.get("/v1/modules/contacts/import/jobs").json().get("data").get("jobs").size()).isEqualTo(2);

        setStatus(jobId, "completed", finishedAt);
        Response again = executeFile(fileId);

        assertThat(again.status()).as(again.body()).isEqualTo(200);
        assertThat(again.at("/data/importJobId")).isNotEqualTo(jobId);
        assertThat(again.at("/data/status")).isEqualTo("completed");
        assertThat(again.at("/data/successRows")).isEqualTo("2");
    }

    /**
     * The check that a file's job has not ended decodes the options of that file's unfinished jobs alone, not those of
     * every unfinished job of the organization at each execute (options an older or newer version wrote, here
     * unreadable, of a job of rows sent with the request, make no execute of a file fail).
     */
    @Test
    void theCheckForAFilesRunningJobReadsOnlyTheOptionsOfThatFilesJobs() throws Exception {
        Response rows = http.post("/v1/modules/contacts/import/execute", "{\"rows\": ["
                + rowsJson("Al", "al@example.com") + "], \"columnMapping\": " + MAPPING + "}");
        String rowsJob = rows.at("/data/importJobId");
        setStatus(rowsJob, "processing", null);
        TestServer.of(database()).bean(Database.class).inTransaction(h -> h.update(
                "update imports set options = ? where id = ?", "{\"columns\": \"not a list\"}", rowsJob));
        String fileId = parsedContacts();

        Response first = executeFile(fileId);
        setStatus(first.at("/data/importJobId"), "queued", null);
        Response second = executeFile(fileId);

        assertThat(rows.status()).as(rows.body()).isEqualTo(200);
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(first.at("/data/successRows")).isEqualTo("2");
        assertThat(second.status()).isEqualTo(409);
        assertThat(second.body()).isEqualTo(refusal(fileId, first.at("/data/importJobId"), "pending"));
    }

    /**
     * Two executions of one file at once. The first holds the transaction of its check open (hooks) until the second
     * has come to its own check, which then waits for the first's lock; the first's import is held queued until the
     * second answered, so it cannot end first. The second sees it and is refused: only one passes the check, and the
     * file's rows are imported once, by one job.
     */
    @Test
    void twoExecutionsOfOneFileAtOnceMakeOneJob() throws Exception {
        String fileId = parsedContacts();
        ModuleImportController controller = TestServer.of(database()).bean(ModuleImportController.class);
        CountDownLatch firstPassed = new CountDownLatch(1);
        CountDownLatch secondArrived = new CountDownLatch(1);
        CountDownLatch releaseCheck = new CountDownLatch(1);
        CountDownLatch releaseRun = new CountDownLatch(1);
        AtomicInteger arrived = new AtomicInteger();
        AtomicInteger passed = new AtomicInteger();
        AtomicInteger created = new AtomicInteger();
        controller.fileCheckHooks(new ModuleImportController.FileCheckHooks() {
            @Override
            public void beforeCheck() {
                if (arrived.incrementAndGet() == 2) {
                    secondArrived.countDown();
                }
            }

            @Override
            public void passed() {
                if (passed.incrementAndGet() == 1) {
                    firstPassed.countDown();
                    awaitLatch(releaseCheck);
                }
            }

            @Override
            public void created() {
                if (created.incrementAndGet() == 1) {
                    awaitLatch(releaseRun);
                }
            }
        });
        try {
            CompletableFuture<Response> first = CompletableFuture.supplyAsync(() -> executeFile(fileId));
            assertThat(firstPassed.await(60, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<Response> second = CompletableFuture.supplyAsync(() -> executeFile(fileId));
            assertThat(secondArrived.await(60, TimeUnit.SECONDS)).isTrue();
            releaseCheck.countDown();
            Response b = second.get(60, TimeUnit.SECONDS);
            releaseRun.countDown();
            Response a = first.get(60, TimeUnit.SECONDS);

            assertThat(a.status()).as(a.body()).isEqualTo(200);
            assertThat(a.at("/data/successRows")).isEqualTo("2");
            assertThat(b.status()).as(b.body()).isEqualTo(409);
            assertThat(b.body()).isEqualTo(refusal(fileId, a.at("/data/importJobId"), "pending"));
            assertThat(passed.get()).isEqualTo(1);
            JsonNode jobs = http.get("/v1/modules/contacts/import/jobs").json().get("data").get("jobs");
            assertThat(jobs.size()).isEqualTo(1);
            assertThat(jobs.get(0).get("importJobId").asString()).isEqualTo(a.at("/data/importJobId"));
            assertThat(contacts()).hasSize(2);
        } finally {
            releaseCheck.countDown();
            releaseRun.countDown();
            controller.fileCheckHooks(ModuleImportController.FileCheckHooks.NONE);
        }
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            if (!latch.await(60, TimeUnit.SECONDS)) {
                throw new AssertionError("the test did not release the first execution");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * A job's errors file URLs are the Imports resource's, so a changed or expired one says where both faces give a
     * fresh one: the job's route, which the workflow's user knows, as well as {@code GET /v1/imports/{id}}.
     */
    @Test
    void aChangedOrExpiredErrorsFileUrlOfAJobNamesTheJobRouteForAFreshOne() throws Exception {
        Response executed = execute(rowsJson("Ann", "ann@example.com") + "," + rowsJson("Bo", "nope"), "{}");
        String jsonUrl = executed.at("/data/errorsJsonUrl");
        String path = URI.create(jsonUrl).getPath();
        long past = Instant.now().minusSeconds(60).getEpochSecond();

        HttpResponse<String> changed = ImportsApiContract.get(jsonUrl.replaceAll("signature=.*", "signature=00"));
        HttpResponse<String> expired = ImportsApiContract.get(tenant.server().baseUrl() + path + "?expires=" + past
                + "&signature=" + ImportsApiContract.hmac("GET " + path + " " + past));

        ImportsApiContract.assertRefusedDownloadUrls(changed, expired, past);
        String fresh = http.get("/v1/modules/contacts/import/jobs/" + executed.at("/data/importJobId"))
                .at("/data/errorsJsonUrl");
        assertThat(ImportsApiContract.get(fresh).statusCode()).isEqualTo(200);
    }

    @Test
    void aJobWithoutRejectedRowsHasNoErrorsFileAndOneWithAFewListsThemAll() throws Exception {
        Response clean = execute(rowsJson("Ann", "ann@example.com"), "{}");

        JsonNode executed = clean.json().get("data");
        assertThat(executed.get("errors").size()).isZero();
        assertThat(executed.get("errorsTruncated").asBoolean()).isFalse();
        assertThat(executed.get("errorsCsvUrl").isNull()).isTrue();
        assertThat(executed.get("errorsJsonUrl").isNull()).isTrue();
        JsonNode job = http.get("/v1/modules/contacts/import/jobs/" + executed.get("importJobId").asString()).json()
                .get("data");
        assertThat(job.get("errorsTruncated").asBoolean()).isFalse();
        assertThat(job.get("errorsCsvUrl").isNull()).isTrue();
        assertThat(job.get("errorsJsonUrl").isNull()).isTrue();

        Response partly = execute(rowsJson("Bo", "bo@example.com") + "," + rowsJson("Cy", "nope"), "{}");

        assertThat(partly.at("/data/errorRows")).isEqualTo("1");
        assertThat(partly.json().get("data").get("errors").size()).isEqualTo(1);
        assertThat(partly.at("/data/errorsTruncated")).isEqualTo("false");
        Response partlyJob = http.get("/v1/modules/contacts/import/jobs/" + partly.at("/data/importJobId"));
        assertThat(partlyJob.at("/data/errorsTruncated")).isEqualTo("false");
        assertThat(ImportsApiContract.get(partlyJob.at("/data/errorsCsvUrl")).body()).isEqualTo("""
                \uFEFFerror_line,error_external_id,error_field,error_code,error_message,Name,Email\r
                2,,email,invalid_field_value,"email: expected an email address, got ""nope\"\"",Cy,nope\r
                """);
    }

    @Test
    void aStreamedExecutionSendsProgressEventsAndTheResultLast() throws Exception {
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            rows.append(i == 0 ? "" : ",").append(rowsJson("P" + i, "p" + i + "@example.com"));
        }
        rows.append(',').append(rowsJson("Bad", "nope"));
        HttpResponse<String> r = RAW.send(HttpRequest.newBuilder(URI.create(tenant.server().baseUrl()
                        + "/v1/modules/contacts/import/execute"))
                .header("Authorization", "Bearer " + tenant.adminKey())
                .header("Content-Type", "application/json")
                .header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString("{\"rows\": [" + rows + "], \"columnMapping\": "
                        + MAPPING + ", \"processingMode\": \"stream\"}"))
                .timeout(Duration.ofSeconds(60))
                .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        List<String> events = new ArrayList<>();
        for (String line : r.body().split("\n")) {
            if (line.startsWith("event:")) {
                events.add(line.substring(6).strip());
            }
        }
        assertThat(events).startsWith("progress").endsWith("result");
        String last = r.body().substring(r.body().lastIndexOf("data:") + 5).strip();
        JsonNode result = Http.JSON.readTree(last);
        assertThat(result.get("data").get("processingMode").asString()).isEqualTo("stream");
        assertThat(result.get("data").get("successRows").asLong()).isEqualTo(20);
        assertThat(result.get("data").get("errorRows").asLong()).isEqualTo(1);
        // Signed after the request thread let go: the URL still starts at the request's own base.
        String csvUrl = result.get("data").get("errorsCsvUrl").asString();
        assertThat(csvUrl).startsWith(tenant.server().baseUrl() + "/files/imports/"
                + result.get("data").get("importJobId").asString() + "/errors.csv?expires=");
        assertThat(ImportsApiContract.get(csvUrl).body()).endsWith(
                "21,,email,invalid_field_value,\"email: expected an email address, got \"\"nope\"\"\",Bad,nope\r\n");
    }

    /**
     * The files in the temporary directory {@code temp}, in the processes' directories or not, but for the lock file of
     * each process's directory (ingest.TemporaryFiles), which stays while the process runs.
     */
    private static List<java.nio.file.Path> temporaryFiles(java.nio.file.Path temp) throws IOException {
        try (var all = java.nio.file.Files.walk(temp)) {
            return all.filter(java.nio.file.Files::isRegularFile)
                    .filter(f -> !f.getFileName().toString().equals("freight-instance.lock"))
                    .filter(f -> !f.getFileName().toString().equals(".freight-instances.lock")).toList();
        }
    }

    static final String MAPPING = """
            [{"sourceColumn": "Name", "targetFieldSlug": "displayName"},
             {"sourceColumn": "Email", "targetFieldSlug": "email"}]""";

    private void vendor(String externalId, String name) {
        Response r = http.post("/v1/modules/vendors/import/execute", "{\"rows\": [{\"Id\": \"" + externalId
                + "\", \"Name\": \"" + name + "\"}], \"columnMapping\": [{\"sourceColumn\": \"Id\","
                + " \"targetFieldSlug\": \"external_id\"}, {\"sourceColumn\": \"Name\", \"targetFieldSlug\":"
                + " \"name\"}]}");
        assertThat(r.at("/data/successRows")).as(r.body()).isEqualTo("1");
    }

    @Test
    void aValueTypeOnAReferenceColumnIsRefusedBeforeAnythingIsStored() {
        Response r = http.post("/v1/modules/services/import/execute", """
                {"rows": [{"Id": "s-1", "Name": "API", "Uses": "s-2"}],
                 "columnMapping": [{"sourceColumn": "Id", "targetFieldSlug": "external_id"},
                                   {"sourceColumn": "Name", "targetFieldSlug": "name"},
                                   {"sourceColumn": "Uses", "targetFieldSlug": "dependencies", "valueType": "Primary"}]}
                """);

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.at("/error/code")).isEqualTo("invalid_request");
        assertThat(r.at("/error/message")).isEqualTo(
                "columnMapping[2].valueType: \"dependencies\" is a reference, which takes no label");
    }

    private static String service(String externalId, String name, String uses) {
        return "{\"Id\": \"" + externalId + "\", \"Name\": \"" + name + "\", \"Vendor\": \"v-1\", \"Uses\": \""
                + uses + "\"}";
    }

    private Response executeServices(String rows, String options) {
        String body = "{\"rows\": [" + rows + "], \"columnMapping\": " + SERVICE_MAPPING
                + (options.equals("{}") ? "" : ", " + options.substring(1, options.length() - 1)) + "}";
        Response r = http.post("/v1/modules/services/import/execute", body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r;
    }

    /** external_id|name|the external ids of its dependencies, of every service, sorted. */
    private List<String> services() {
        List<String> out = new ArrayList<>();
        for (JsonNode r : http.get("/v1/objects/service/records?limit=1000").json().get("data")) {
            JsonNode v = r.get("values");
            List<String> uses = new ArrayList<>();
            if (v.has("dependencies")) {
                v.get("dependencies").forEach(d -> uses.add(d.get("external_id").asString()));
            }
            out.add(r.get("external_id").asString() + "|" + v.get("name").asString() + "|" + String.join(",", uses));
        }
        out.sort(null);
        return out;
    }

    /**
     * 101 rows naming 101 accounts that match nothing: validate, execute and the job list the first 100 of them
     * ("Co-000" to "Co-099") and say that they leave some out ({@code unresolvedValuesTruncated}).
     */
    @Test
    void referenceWarningsListTheFirst100ValuesOfAFieldAndSayWhenTheyLeaveSomeOut() {
        List<String> rows = new ArrayList<>();
        for (int i = 100; i >= 0; i--) {
            rows.add("{\"Name\": \"N" + i + "\", \"Email\": \"n" + i + "@example.com\", \"Company\": \"Co-"
                    + String.format("%03d", i) + "\"}");
        }
        String company = ", {\"sourceColumn\": \"Company\", \"targetFieldSlug\": \"account\"}";
        String mapping = MAPPING.substring(0, MAPPING.lastIndexOf(']')) + company + "]";
        List<String> first100 = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            first100.add("\"Co-" + String.format("%03d", i) + "\"");
        }
        String expected = "[" + String.join(",", first100) + "]";

        Response validated = http.post("/v1/modules/contacts/import/validate", "{\"rows\": ["
                + String.join(",", rows) + "], \"columnMapping\": " + mapping + "}");
        Response executed = execute(String.join(",", rows), "{}", company);
        JsonNode job = http.get("/v1/modules/contacts/import/jobs/" + executed.at("/data/importJobId")).json()
                .get("data");

        assertThat(validated.status()).as(validated.body()).isEqualTo(200);
        for (JsonNode answer : List.of(validated.json().get("data"), executed.json().get("data"), job)) {
            JsonNode warning = answer.get("referenceWarnings").get(0);
            assertThat(answer.get("referenceWarnings").size()).isEqualTo(1);
            assertThat(warning.get("fieldSlug").asString()).isEqualTo("account");
            assertThat(warning.get("unresolvedValues").toString()).isEqualTo(expected);
            assertThat(warning.get("unresolvedValuesTruncated").asBoolean()).isTrue();
            assertThat(answer.get("warningsTruncated").isBoolean()).isTrue();
            assertThat(answer.get("warningsTruncated").asBoolean()).isFalse();
            assertThat(answer.get("warningsOmitted").asLong()).isEqualTo(0);
            assertThat(warning.get("unresolvedValuesCount").asLong()).isEqualTo(101);
        }
        assertThat(executed.at("/data/successRows")).isEqualTo("101");
    }

    /**
     * 1,500 rows matched by email to stored contacts that have another external_id (an external_id_not_changed
     * warning each) and naming 250 accounts that match nothing, each in six rows: validate, execute and the job list
     * the first 1,000 warnings and the first 100 values, and say how many they leave out: warningsOmitted 500 and
     * unresolvedValuesCount 250 beside warningsTruncated and unresolvedValuesTruncated. Before, only the booleans.
     */
    @Test
    void answersSayHowManyWarningsAndUnresolvedValuesTheyLeaveOut() {
        List<String> stored = new ArrayList<>();
        List<String> rows = new ArrayList<>();
        for (int i = 1; i <= 1_500; i++) {
            stored.add(contactRow("C-" + i, "N" + i, "n" + i + "@example.com"));
            rows.add("{\"Id\": \"X-" + i + "\", \"Name\": \"N" + i + "\", \"Email\": \"n" + i
                    + "@example.com\", \"Company\": \"Co-" + (i % 250) + "\"}");
        }
        execute(String.join(",", stored), "{}", ID_COLUMN);
        String columns = ID_COLUMN + ", {\"sourceColumn\": \"Company\", \"targetFieldSlug\": \"account\"}";
        String byEmail = "\"duplicateStrategy\": \"update\", \"duplicateMatchFields\": [\"email\"]";

        Response validated = http.post("/v1/modules/contacts/import/validate", "{\"rows\": ["
                + String.join(",", rows) + "], \"columnMapping\": " + MAPPING.substring(0, MAPPING.lastIndexOf(']'))
                + columns + "], " + byEmail + "}");
        Response executed = execute(String.join(",", rows), "{" + byEmail + "}", columns);
        JsonNode job = http.get("/v1/modules/contacts/import/jobs/" + executed.at("/data/importJobId")).json()
                .get("data");

        assertThat(validated.status()).as(validated.body()).isEqualTo(200);
        assertThat(executed.at("/data/successRows")).isEqualTo("1500");
        for (JsonNode answer : List.of(validated.json().get("data"), executed.json().get("data"), job)) {
            assertThat(answer.get("warnings").size()).isEqualTo(1_000);
            assertThat(answer.get("warningsTruncated").asBoolean()).isTrue();
            assertThat(answer.get("warningsOmitted").isNumber()).isTrue();
            assertThat(answer.get("warningsOmitted").asLong()).isEqualTo(500);
            JsonNode warning = answer.get("referenceWarnings").get(0);
            assertThat(answer.get("referenceWarnings").size()).isEqualTo(1);
            assertThat(warning.get("unresolvedValues").size()).isEqualTo(100);
            assertThat(warning.get("unresolvedValuesTruncated").asBoolean()).isTrue();
            assertThat(warning.get("unresolvedValuesCount").asLong()).isEqualTo(250);
            assertThat(warning.propertyNames()).containsExactly("fieldSlug", "fieldLabel", "unresolvedValues",
                    "targetModuleSlug", "unresolvedValuesTruncated", "unresolvedValuesCount");
        }
    }

    private static String rowsJson(String name, String email) {
        return "{\"Name\": \"" + name + "\", \"Email\": \"" + email + "\"}";
    }

    private Response execute(String rows, String options) {
        return execute(rows, options, "");
    }

    private Response execute(String rows, String options, String extraColumns) {
        String mapping = MAPPING.substring(0, MAPPING.lastIndexOf(']')) + extraColumns + "]";
        String body = "{\"rows\": [" + rows + "], \"columnMapping\": " + mapping
                + (options.equals("{}") ? "" : ", " + options.substring(1, options.length() - 1)) + "}";
        Response r = http.post("/v1/modules/contacts/import/execute", body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r;
    }

    private JsonNode poll(String jobId) throws InterruptedException {
        for (int i = 0; i < 600; i++) {
            JsonNode job = http.get("/v1/modules/contacts/import/jobs/" + jobId).json().get("data");
            String status = job.get("status").asString();
            if (!status.equals("pending") && !status.equals("processing")) {
                return job;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("job " + jobId + " did not end");
    }

    /** The tenant's contacts as "name|email|first phone", sorted. */
    private List<String> contacts() {
        JsonNode data = http.get("/v1/objects/contact/records?limit=1000").json().get("data");
        TreeMap<String, Integer> sorted = new TreeMap<>();
        for (JsonNode r : data) {
            JsonNode v = r.get("values");
            String phone = v.has("phone") ? v.get("phone").get(0).isString() ? v.get("phone").get(0).asString()
                    : v.get("phone").get(0).toString() : "";
            sorted.merge(v.get("displayName").asString() + "|" + (v.has("email") ? v.get("email").asString() : "")
                    + "|" + phone, 1, Integer::sum);
        }
        List<String> out = new ArrayList<>();
        sorted.forEach((k, n) -> {
            for (int i = 0; i < n; i++) {
                out.add(k);
            }
        });
        return out;
    }

    /**
     * Parse names its file by the part's {@code filename*} (RFC 5987) when it has one, decoded, as an upload URL does:
     * Spring reads the part's header. Before and after: this case needed no change.
     */
    @Test
    void parseNamesItsFileByAnEncodedFileName() throws Exception {
        String boundary = "b0undary";
        String body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"vendors.csv\";"
                + " filename*=UTF-8''Lieferanten%20M%C3%BCnchen.csv\r\nContent-Type: text/csv\r\n\r\n"
                + "id,name\nv-1,Acme\n\r\n--" + boundary + "--\r\n";

        Response parsed = post("/v1/modules/vendor/import/parse", "multipart/form-data; boundary=" + boundary, body);

        assertThat(parsed.status()).as(parsed.body()).isEqualTo(200);
        assertThat(parsed.at("/data/fileName")).isEqualTo("Lieferanten München.csv");
    }

    /** A POST of {@code body} as it is, with the Content-Type {@code contentType}. */
    Response post(String path, String contentType, String body) throws IOException, InterruptedException {
        HttpResponse<String> r = RAW.send(HttpRequest.newBuilder(URI.create(tenant.server().baseUrl() + path))
                .header("Authorization", "Bearer " + tenant.adminKey())
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofSeconds(60))
                .build(), HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.body(), r);
    }

    /** A multipart POST with one part "file" (none when {@code name} is null). */
    Response upload(String path, String name, String contentType, byte[] content) throws IOException,
            InterruptedException {
        return upload(path, name, contentType, content, null);
    }

    /** @param sheet the multipart form field {@code sheet} sent before the file; null for none */
    Response upload(String path, String name, String contentType, byte[] content, String sheet) throws IOException,
            InterruptedException {
        String boundary = "freight-test-boundary";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (sheet != null) {
            body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"sheet\"\r\n\r\n" + sheet
                    + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        if (name != null) {
            body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name
                    + "\"\r\nContent-Type: " + contentType + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.write(content);
            body.write("\r\n".getBytes(StandardCharsets.UTF_8));
        } else {
            body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nnothing\r\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        body.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = RAW.send(HttpRequest.newBuilder(URI.create(tenant.server().baseUrl() + path))
                .header("Authorization", "Bearer " + tenant.adminKey())
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                .timeout(Duration.ofSeconds(60))
                .build(), HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.body(), r);
    }

}
