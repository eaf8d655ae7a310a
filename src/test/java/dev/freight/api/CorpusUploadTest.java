package dev.freight.api;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.ingest.Corpora;
import dev.freight.testing.Http;
import dev.freight.testing.TestDatabases;
import dev.freight.testing.TestServer;
import dev.freight.testing.TestServer.Tenant;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Every file of the third-party corpora (see {@link Corpora}) through both upload faces: the file workflow's parse and
 * a {@code sync} upload to the Imports resource. No answer is a 5xx or a hang (each request has 60 s); each is a
 * success or a documented refusal (docs/api.md), and the files the corpora mark as must-reject get their exact code.
 *
 * <p>Run on SQLite only: how a file is read does not depend on the database, and the sweep's 2,700 requests would
 * double the suite's time on PostgreSQL for nothing.
 */
class CorpusUploadTest {

    private static final List<String> SETS = List.of("csv-spectrum", "w3c-csvw-tests", "commons-csv-fixtures",
            "fastcsv-spec", "csvkit-examples", "univocity-fixtures", "json-test-suite",
            "charset-samples-juniversalchardet", "poi-spreadsheets");

    /** Parse's answers: read, or one of its 400 codes for a file it cannot read (docs/api.md, "Parse"). */
    private static final Set<String> PARSE_ANSWERS = Set.of("200", "400 empty_file", "400 unsupported_file_type",
            "400 sheet_not_found", "400 malformed_csv", "400 malformed_json", "400 unreadable_file");

    /**
     * A sync upload's answers: prevalidated (200), 415 for what is no supported file, 422 for failed prevalidation
     * (docs/api.md, "Upload").
     */
    private static final Set<String> UPLOAD_ANSWERS = Set.of("200", "415 empty_file", "415 unsupported_file_type",
            "415 encrypted_file", "415 unreadable_file", "422 failed");

    private static final String UNSUPPORTED = "400 unsupported_file_type|415 unsupported_file_type";
    private static final String ENCRYPTED = "400 unsupported_file_type|415 encrypted_file";
    private static final String DAMAGED = "400 unreadable_file|422 unreadable";

    /**
     * How a failed prevalidation's reason starts when the file could not be read; expected as {@code "422 unreadable"}
     * (rather than a mere {@code "422 failed"}, which a readable file without the vendor's columns also gets).
     */
    private static final String READ_FAILURE = "The file could not be read: ";

    /** The must-reject files of poi-spreadsheets' SOURCE.md and the other formats it holds: parse|upload answers. */
    private static final Map<String, String> MUST_REJECT = Map.ofEntries(
            entry("testEXCEL_3.xls", UNSUPPORTED),
            entry("testEXCEL_4.xls", UNSUPPORTED),
            entry("testEXCEL_5.xls", UNSUPPORTED),
            entry("testEXCEL_95.xls", UNSUPPORTED),
            entry("password.xls", ENCRYPTED),
            entry("protected_passtika.xlsx", ENCRYPTED),
            entry("poc-xmlbomb.xlsx", DAMAGED),
            entry("poc-xmlbomb-empty.xlsx", DAMAGED),
            entry("poc-shared-strings.xlsx", DAMAGED),
            entry("Simple.xlsb", UNSUPPORTED),
            entry("date.xlsb", UNSUPPORTED),
            entry("SimpleMacro.xlsm", UNSUPPORTED),
            entry("test.xltx", UNSUPPORTED),
            entry("SampleSS.strict.xlsx", UNSUPPORTED),
            entry("sample.strict.xlsx", UNSUPPORTED),
            entry("SimpleStrict.xlsx", UNSUPPORTED),
            entry("SampleSS.ods", UNSUPPORTED),
            entry("SampleSS.xml", UNSUPPORTED));

    /** What a JSON document that is valid but holds no records (a lone object, string or number) is refused with. */
    private static final String NOT_RECORDS = "expected an array of objects or {\"data\": [...]}, found ";

    private static final HttpClient RAW = HttpClient.newHttpClient();

    /** The largest answer read: the corpora's largest is parse's of a sheet of 16,384 columns, 355 KB. */
    private static final int MAX_BODY = 4 * 1024 * 1024;

    @Test
    void everyCorpusFileIsReadOrRefusedWithADocumentedCodeThroughParseAndTheImportsUpload() throws Exception {
        List<Path> files = new ArrayList<>();
        for (String set : SETS) {
            try (Stream<Path> walk = Files.walk(Corpora.require(set))) {
                walk.filter(Files::isRegularFile).sorted().forEach(files::add);
            }
        }
        Tenant tenant = TestServer.of(TestDatabases.SQLITE).newTenant("corpora");
        List<String> problems = new ArrayList<>();

        for (Path file : files) {
            byte[] bytes = Files.readAllBytes(file);
            String name = file.getFileName().toString();
            String where = file.getParent().getFileName() + "/" + name;
            Answer parsed = parse(tenant, name, bytes);
            Answer uploaded = upload(tenant, name, bytes);
            String expected = expected(file, bytes);
            if (expected != null) {
                String[] answers = expected.split("\\|");
                check(problems, where, "parse", parsed, Set.of(answers[0].split(",")));
                check(problems, where, "upload", uploaded, Set.of(answers[1].split(",")));
            } else {
                check(problems, where, "parse", parsed, PARSE_ANSWERS);
                check(problems, where, "upload", uploaded, UPLOAD_ANSWERS);
            }
            if (name.startsWith("y_") && !parsed.outcome().equals("200") && !parsed.message().contains(NOT_RECORDS)) {
                problems.add(where + ": parse refused a valid JSON file for its syntax: " + parsed.message());
            }
        }

        assertThat(files).hasSizeGreaterThan(1_300);
        assertThat(problems).isEmpty();
    }

    /**
     * The answers a file must get as {@code "<parse>|<upload>"}, each a comma-separated list; null for a file any
     * documented answer suits.
     */
    private static String expected(Path file, byte[] bytes) {
        String name = file.getFileName().toString();
        if (file.startsWith(Corpora.require("poi-spreadsheets"))) {
            return MUST_REJECT.get(name);
        }
        if (file.startsWith(Corpora.require("json-test-suite"))) {
            boolean blank = new String(bytes, StandardCharsets.UTF_8).replace("\uFEFF", "").isBlank();
            if (name.startsWith("n_")) {
                return blank ? "400 empty_file|415 empty_file" : "400 malformed_json|422 unreadable";
            }
            if (name.startsWith("y_")) {
                return "200,400 malformed_json|200,422 failed";
            }
        }
        if (file.startsWith(Corpora.require("csv-spectrum"))
                || file.startsWith(Corpora.require("charset-samples-juniversalchardet"))) {
            return "200|200,422 failed";
        }
        return null;
    }

    private static void check(List<String> problems, String where, String face, Answer answer, Set<String> allowed) {
        String outcome = answer.outcome().equals("422 failed") && answer.message().startsWith(READ_FAILURE)
                && allowed.contains("422 unreadable") ? "422 unreadable" : answer.outcome();
        if (!allowed.contains(outcome)) {
            problems.add(where + ": " + face + " answered " + answer.outcome() + " (expected one of "
                    + allowed.stream().sorted().toList() + "): " + answer.message());
        } else if (!answer.outcome().equals("200") && answer.message().isBlank()) {
            problems.add(where + ": " + face + " answered " + answer.outcome() + " without saying why");
        }
    }

    /**
     * An answer as {@code "200"}, {@code "<status> <error code>"}, or {@code "422 <import status>"}, with the error
     * message or the failed import's reason.
     */
    private record Answer(String outcome, String message) {

        /**
         * The answer to {@code request}. A body over {@link #MAX_BODY} is not read, so that an answer blown up by a
         * small file (a workbook's shared string repeated in every cell) fails the sweep rather than its heap.
         */
        static Answer of(HttpRequest request) throws IOException, InterruptedException {
            HttpResponse<InputStream> r = RAW.send(request, HttpResponse.BodyHandlers.ofInputStream());
            byte[] bytes;
            try (InputStream in = r.body()) {
                bytes = in.readNBytes(MAX_BODY + 1);
            }
            if (bytes.length > MAX_BODY) {
                return new Answer(r.statusCode() + " (a body over " + MAX_BODY + " bytes)", "");
            }
            JsonNode body;
            try {
                body = Http.JSON.readTree(bytes);
            } catch (RuntimeException e) {
                return new Answer(r.statusCode() + " (not JSON)", new String(bytes, StandardCharsets.UTF_8));
            }
            if (r.statusCode() == 200) {
                return new Answer("200", "");
            }
            if (r.statusCode() == 422 && body.has("status")) {
                return new Answer("422 " + body.get("status").asString(), body.path("reason").asString(""));
            }
            return new Answer(r.statusCode() + " " + body.at("/error/code").asString("(no code)"),
                    body.at("/error/message").asString(""));
        }
    }

    private static Answer parse(Tenant tenant, String name, byte[] content) throws IOException, InterruptedException {
        String boundary = "freight-corpus-boundary";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name
                + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.write(content);
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return Answer.of(HttpRequest.newBuilder(URI.create(tenant.server().baseUrl()
                        + "/v1/modules/vendors/import/parse"))
                .header("Authorization", "Bearer " + tenant.adminKey())
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build());
    }

    private static Answer upload(Tenant tenant, String name, byte[] content) throws IOException,
            InterruptedException {
        Http.Response created = tenant.http().post("/v1/imports",
                "{\"resource\": \"vendor\", \"upload_mode\": \"sync\"}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return Answer.of(HttpRequest.newBuilder(URI.create(created.at("/_upload_url")))
                .header("Content-Type", "application/octet-stream")
                .header("Content-Disposition", "attachment; filename=\"" + name + "\"")
                .timeout(Duration.ofSeconds(60))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(content)).build());
    }
}
