package dev.freight.api;

import static org.assertj.core.api.Assertions.assertThat;

import de.siegmar.fastcsv.reader.CsvReader;
import de.siegmar.fastcsv.reader.CsvRecord;
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
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Every row of an awkward file is accounted for, through each face: {@code read} = {@code valid} + {@code failed} +
 * {@code skipped_duplicates} = {@code total_rows}, {@code valid} = {@code created} + {@code updated} +
 * {@code unchanged} + {@code deleted}, the errors CSV has one line per failed row (with its first source line and
 * original cells) and the errors JSON one entry per problem of those rows, and the stored records are what the stats
 * say. The files mix blank, whitespace and formula-guarded blank lines, a byte-order mark, CRLF, a quoted cell over
 * two lines, short and long rows, blank keys, keys differing in case or surrounding spaces, and repeated keys.
 */
abstract class RowAccountingContract {

    /** 22 physical lines after the header, 15 rows; the comments give the lines. */
    static final String CSV = String.join("\r\n", csvLines()) + "\r\n";

    private static List<String> csvLines() {
        return List.of(
                "\uFEFFexternal_id,name,status,raw_irq_score",
                "a-1,Acme,active,85", // 2
                ",'\t,,", // 3: an export's guarded tab, blank as read
                "", // 4
                "a-2,\"Beta\r\nInc\",onboarding,70", // 5-6
                "a-3,Gamma,active,1,extra", // 7: a cell past the header
                "a-4,Delta", // 8: short
                ",Nokey,active,3", // 9: no key
                "a-5,Eps,active,4,", // 10: trailing delimiter
                "A-1,Upper,active,5", // 11: another key than a-1
                " a-6 ,Spaced,active,6", // 12
                "a-6,Plain,active,7", // 13: the same key as line 12
                "a-7,Bad,bogus,8", // 14
                "a-8,Dup1,active,9", // 15
                "a-8,Dup2,bogus,10", // 16
                "a-8,Dup3,active,11", // 17
                "   ,Blankkey,active,12", // 18: a blank key
                "a-9,\"Nine\r\nLines\",bogus,13", // 19-20
                ",,,", // 21
                "", // 22
                "");
    }

    /** The records both duplicate rules store, as "external_id values". */
    private static final List<String> CSV_COMMON_RECORDS = List.of(
            "a-1 {\"name\":\"Acme\",\"status\":\"active\",\"raw_irq_score\":85}",
            "a-2 {\"name\":\"Beta\\r\\nInc\",\"status\":\"onboarding\",\"raw_irq_score\":70}",
            "a-3 {\"name\":\"Gamma\",\"status\":\"active\",\"raw_irq_score\":1}",
            "a-4 {\"name\":\"Delta\"}",
            "a-5 {\"name\":\"Eps\",\"status\":\"active\",\"raw_irq_score\":4}",
            "A-1 {\"name\":\"Upper\",\"status\":\"active\",\"raw_irq_score\":5}");

    private static final String SPACED = "a-6 {\"name\":\"Spaced\",\"status\":\"active\",\"raw_irq_score\":6}";
    private static final String DUP1 = "a-8 {\"name\":\"Dup1\",\"status\":\"active\",\"raw_irq_score\":9}";

    static final String NDJSON = "\uFEFF{\"external_id\": \"n-1\", \"name\": \"One\"}\r\n"
            + "\r\n"
            + "[1, 2]\r\n" // 3
            + "   \r\n"
            + "{\"external_id\": \"n-2\", \"name\": \"Two\"}\r\n" // 5
            + "not json\r\n" // 6
            + "{\"external_id\": \" n-1\", \"name\": \"Again\"}\r\n" // 7
            + "{\"external_id\": null, \"name\": \"Null\"}\r\n" // 8
            + "{\"external_id\": 1e3, \"name\": \"Exp\"}\r\n" // 9: the key "1000"
            + "{\"external_id\": \"1000\", \"name\": \"Str\"}\r\n" // 10
            + "{\"external_id\": true, \"name\": \"Bool\"}\r\n" // 11
            + "\r\n\r\n";

    abstract TestDatabases database();

    private static final HttpClient RAW = HttpClient.newHttpClient();
    Tenant tenant;
    Http.Client http;

    @BeforeEach
    void newTenant() {
        tenant = TestServer.of(database()).newTenant("accounting");
        http = tenant.http();
    }

    @Test
    void ignoreAllRejectsEveryRowOfARepeatedKeyAndAccountsForEveryRow() throws Exception {
        JsonNode done = runImport("{\"resource\": \"vendor\"}", CSV.getBytes(StandardCharsets.UTF_8), "text/csv",
                "v.csv");

        assertThat(done.get("stats").toString()).isEqualTo("{\"read\":15,\"valid\":6,\"created\":6,\"updated\":0,"
                + "\"unchanged\":0,\"deleted\":0,\"skipped_duplicates\":0,\"failed\":9}");
        assertThat(errorRows(done)).containsExactly(
                "9||missing_required_field", "12|a-6|duplicate_external_id", "13|a-6|duplicate_external_id",
                "14|a-7|invalid_field_value", "15|a-8|duplicate_external_id", "16|a-8|invalid_field_value",
                "17|a-8|duplicate_external_id", "18||missing_required_field", "19|a-9|invalid_field_value");
        assertThat(vendors()).containsExactlyElementsOf(sorted(CSV_COMMON_RECORDS));
    }

    @Test
    void useFirstKeepsTheFirstRowOfEachKeyInFileOrderPastBlankAndGuardedBlankLines() throws Exception {
        JsonNode done = runImport("{\"resource\": \"vendor\", \"duplicate_handling\": \"use_first\"}",
                CSV.getBytes(StandardCharsets.UTF_8), "text/csv", "v.csv");

        assertThat(done.get("stats").toString()).isEqualTo("{\"read\":15,\"valid\":8,\"created\":8,\"updated\":0,"
                + "\"unchanged\":0,\"deleted\":0,\"skipped_duplicates\":3,\"failed\":4}");
        assertThat(errorRows(done)).containsExactly("9||missing_required_field", "14|a-7|invalid_field_value",
                "18||missing_required_field", "19|a-9|invalid_field_value");
        List<String> cells = errorsCsv(done).getLast();
        assertThat(cells.subList(5, cells.size())).containsExactly("a-9", "Nine\r\nLines", "bogus", "13");
        assertThat(vendors()).containsExactlyElementsOf(plus(CSV_COMMON_RECORDS, SPACED, DUP1));
    }

    @Test
    void aDeclaredNdjsonFileRejectsItsBadLinesAloneAndANumberKeyIsItsPlainDigits() throws Exception {
        byte[] file = NDJSON.getBytes(StandardCharsets.UTF_8);

        JsonNode all = runImport("{\"resource\": \"vendor\"}", file, "application/x-ndjson", "v.ndjson");

        assertThat(all.get("stats").toString()).isEqualTo("{\"read\":9,\"valid\":2,\"created\":2,\"updated\":0,"
                + "\"unchanged\":0,\"deleted\":0,\"skipped_duplicates\":0,\"failed\":7}");
        assertThat(errorRows(all)).containsExactly("1|n-1|duplicate_external_id", "3||malformed_row",
                "6||malformed_row", "7|n-1|duplicate_external_id", "8||missing_required_field",
                "9|1000|duplicate_external_id", "10|1000|duplicate_external_id");
        assertThat(vendors()).containsExactly("n-2 {\"name\":\"Two\"}", "true {\"name\":\"Bool\"}");

        newTenant();
        JsonNode first = runImport("{\"resource\": \"vendor\", \"duplicate_handling\": \"use_first\"}", file,
                "application/x-ndjson", "v.ndjson");

        assertThat(first.get("stats").toString()).isEqualTo("{\"read\":9,\"valid\":4,\"created\":4,\"updated\":0,"
                + "\"unchanged\":0,\"deleted\":0,\"skipped_duplicates\":2,\"failed\":3}");
        assertThat(errorRows(first)).containsExactly("3||malformed_row", "6||malformed_row",
                "8||missing_required_field");
        assertThat(vendors()).containsExactly("1000 {\"name\":\"Exp\"}", "n-1 {\"name\":\"One\"}",
                "n-2 {\"name\":\"Two\"}", "true {\"name\":\"Bool\"}");
    }

    /**
     * The message of a line with an emoji where a value belongs names the emoji whole by reading past the character
     * the parser stopped at; it reads the line's own parser, so the lines after it are imported as ever.
     */
    @Test
    void anNdjsonLineWithAnEmojiForAValueIsRejectedAloneAndTheLinesAfterItAreImported() throws Exception {
        String file = "{\"external_id\": \"e-1\", \"name\": \"One\"}\n"
                + "{\"external_id\": \"e-2\", \"name\": \uD83D\uDE00}\n"
                + "{\"external_id\": \"e-3\", \"name\": \"Three \uD83D\uDE00\"}\n"
                + "{\"external_id\": \"e-4\", \"name\": \"Four\"}\n";

        JsonNode done = runImport("{\"resource\": \"vendor\"}", file.getBytes(StandardCharsets.UTF_8),
                "application/x-ndjson", "v.ndjson");

        assertThat(done.get("stats").toString()).isEqualTo("{\"read\":4,\"valid\":3,\"created\":3,\"updated\":0,"
                + "\"unchanged\":0,\"deleted\":0,\"skipped_duplicates\":0,\"failed\":1}");
        assertThat(errorRows(done)).containsExactly("2||malformed_row");
        assertThat(errorsCsv(done).getFirst().subList(0, 5)).containsExactly("2", "", "", "malformed_row",
                "Line 2, column 32: invalid JSON: expected a value, found U+1F600");
        assertThat(vendors()).containsExactly("e-1 {\"name\":\"One\"}", "e-3 {\"name\":\"Three \uD83D\uDE00\"}",
                "e-4 {\"name\":\"Four\"}");
    }

    /**
     * PostgreSQL stores no U+0000 in text or jsonb, so a value holding one is rejected as that row's invalid value, on
     * both databases alike, and the rows around it are imported: a CSV cell with a NUL byte, and a JSON string with
     * a {@code \\u0000} escape.
     */
    @Test
    void aValueHoldingANulCharacterIsRejectedAloneInACsvAndAJsonUpload() throws Exception {
        String csvFile = "external_id,name,description\nn-1,One,fine\nn-2,Tw\u0000o,fine\nn-3,Three,not\u0000e\nn-4,Four,fine\n"
                + "n-\u00005,Five,fine\n";
        JsonNode csvDone = runImport("{\"resource\": \"vendor\"}", csvFile.getBytes(StandardCharsets.UTF_8),
                "text/csv", "v.csv");

        assertThat(csvDone.get("stats").toString()).isEqualTo("{\"read\":5,\"valid\":2,\"created\":2,\"updated\":0,"
                + "\"unchanged\":0,\"deleted\":0,\"skipped_duplicates\":0,\"failed\":3}");
        assertThat(errorsCsv(csvDone).stream().map(r -> String.join("|", r.subList(0, 5))).toList()).containsExactly(
                "3|n-2|name|invalid_field_value|name: the text holds a NUL character (U+0000) at character 3,"
                        + " which cannot be stored",
                "4|n-3|description|invalid_field_value|description: the text holds a NUL character (U+0000) at"
                        + " character 4, which cannot be stored",
                "6|n-\uFFFD5|external_id|invalid_field_value|external_id: the text holds a NUL character (U+0000) at"
                        + " character 3, which cannot be stored");
        assertThat(vendors()).containsExactly("n-1 {\"name\":\"One\",\"description\":\"fine\"}",
                "n-4 {\"name\":\"Four\",\"description\":\"fine\"}");

        String jsonFile = "[{\"external_id\": \"j-1\", \"name\": \"One\"},"
                + " {\"external_id\": \"j-2\", \"name\": \"Tw\\u0000o\"}, {\"external_id\": \"j-3\", \"name\": \"Three\"}]";
        JsonNode jsonDone = runImport("{\"resource\": \"vendor\"}", jsonFile.getBytes(StandardCharsets.UTF_8),
                "application/json", "v.json");

        assertThat(jsonDone.get("stats").toString()).isEqualTo("{\"read\":3,\"valid\":2,\"created\":2,\"updated\":0,"
                + "\"unchanged\":0,\"deleted\":0,\"skipped_duplicates\":0,\"failed\":1}");
        assertThat(errorsCsv(jsonDone).stream().map(r -> String.join("|", r.subList(0, 5))).toList()).containsExactly(
                "1|j-2|name|invalid_field_value|name: the text holds a NUL character (U+0000) at character 3,"
                        + " which cannot be stored");
    }

    /**
     * A CSV in UTF-8 whose only zero bytes are two NUL characters at even offsets is read as UTF-8, parsed and
     * uploaded alike: each row holding a NUL is rejected alone and the others are imported (before, its first 8 KiB
     * were taken for UTF-16 without a byte-order mark, so no header was found and the whole file failed).
     */
    @Test
    void aCsvWhoseFewNulCharactersAllLieAtEvenOffsetsIsReadInItsOwnEncoding() throws Exception {
        String file = "external_id,name,description\nn-1,One,fine\nn-2,Tw\u0000o,fine\nn-3,Three,no\u0000te\n"
                + "n-4,Four,fine\nn-5,Zoë,fine\n";
        byte[] bytes = file.getBytes(StandardCharsets.UTF_8);
        assertThat(java.util.stream.IntStream.range(0, bytes.length).filter(i -> bytes[i] == 0).boxed().toList())
                .containsExactly(48, 68);

        JsonNode parsed = multipartParse(bytes);

        assertThat(parsed.get("encoding").asString()).isEqualTo("utf-8");
        assertThat(parsed.get("sourceColumns").toString()).isEqualTo("[\"external_id\",\"name\",\"description\"]");
        assertThat(parsed.get("totalRows").asLong()).isEqualTo(5);
        assertThat(parsed.at("/sampleRows/4").toString()).isEqualTo(
                "{\"external_id\":\"n-5\",\"name\":\"Zoë\",\"description\":\"fine\"}");

        JsonNode done = runImport("{\"resource\": \"vendor\"}", bytes, "text/csv", "v.csv");

        assertThat(done.get("stats").toString()).isEqualTo("{\"read\":5,\"valid\":3,\"created\":3,\"updated\":0,"
                + "\"unchanged\":0,\"deleted\":0,\"skipped_duplicates\":0,\"failed\":2}");
        assertThat(errorsCsv(done).stream().map(r -> String.join("|", r.subList(0, 5))).toList()).containsExactly(
                "3|n-2|name|invalid_field_value|name: the text holds a NUL character (U+0000) at character 3,"
                        + " which cannot be stored",
                "4|n-3|description|invalid_field_value|description: the text holds a NUL character (U+0000) at"
                        + " character 3, which cannot be stored");
        assertThat(vendors()).containsExactly("n-1 {\"name\":\"One\",\"description\":\"fine\"}",
                "n-4 {\"name\":\"Four\",\"description\":\"fine\"}",
                "n-5 {\"name\":\"Zoë\",\"description\":\"fine\"}");
    }

    @Test
    void aWorkbookSkipsBlankAndFormattingOnlyRowsAndKeepsEachRowsSheetRowNumber() throws Exception {
        ByteArrayOutputStream xlsx = new ByteArrayOutputStream();
        var workbook = new org.dhatim.fastexcel.Workbook(xlsx, "test", "1.0");
        var sheet = workbook.newWorksheet("S");
        String[][] rows = {{"external_id", "name", "status"}, {"x-1", "One", "active"}, null,
            {"x-2", "Two", "bogus"}, null, {" x-1 ", "Dup", "active"}, {"x-4", "  ", "active"}, null, null};
        for (int r = 0; r < rows.length; r++) {
            if (rows[r] == null) {
                sheet.style(r, 0).fillColor("FFFF00").set();
                sheet.style(r, 2).bold().set();
                continue;
            }
            for (int c = 0; c < rows[r].length; c++) {
                sheet.value(r, c, rows[r][c]);
            }
        }
        workbook.finish();

        JsonNode done = runImport("{\"resource\": \"vendor\", \"duplicate_handling\": \"use_first\"}",
                xlsx.toByteArray(), "application/octet-stream", "v.xlsx");

        assertThat(done.get("stats").toString()).isEqualTo("{\"read\":4,\"valid\":1,\"created\":1,\"updated\":0,"
                + "\"unchanged\":0,\"deleted\":0,\"skipped_duplicates\":1,\"failed\":2}");
        assertThat(errorRows(done)).containsExactly("4|x-2|invalid_field_value", "7|x-4|missing_required_field");
        assertThat(vendors()).containsExactly("x-1 {\"name\":\"One\",\"status\":\"active\"}");
    }

    @Test
    void aHeaderOnlyFileCompletesWithNoRowsAndNoErrorsFile() throws Exception {
        JsonNode done = runImport("{\"resource\": \"vendor\"}",
                "external_id,name\r\n\r\n,\r\n".getBytes(StandardCharsets.UTF_8), "text/csv", "v.csv");

        assertThat(done.get("stats").toString()).isEqualTo("{\"read\":0,\"valid\":0,\"created\":0,\"updated\":0,"
                + "\"unchanged\":0,\"deleted\":0,\"skipped_duplicates\":0,\"failed\":0}");
        assertThat(done.get("reason").isNull()).isTrue();
        assertThat(done.get("_errors_csv_url").isNull()).isTrue();
        assertThat(vendors()).isEmpty();
    }

    @Test
    void theErrorsFilesKeepTheRawInputOfAnNdjsonLineThatCouldNotBeRead() throws Exception {
        String file = "{\"external_id\": \"n-1\", \"name\": \"One\"}\n{\"external_id\": \"n-2\", \"name\": }\n"
                + "[1, 2.50]\n{\"external_id\": \"n-4\"}\n";

        assertErrorsFiles(file, "application/x-ndjson", "v.ndjson", """
                error_line,error_external_id,error_field,error_code,error_message,error_input,external_id,name\r
                2,,,malformed_row,"Line 2, column 32: invalid JSON: expected a value, found '}'",\
                "{""external_id"": ""n-2"", ""name"": }",,\r
                3,,,malformed_row,"Line 3, column 1: expected an object for record 3, found an array","[1, 2.50]",,\r
                4,n-4,name,missing_required_field,"name: required field is missing (expected key ""name"")",,n-4,\r
                """, "[{\"line\":2,\"external_id\":null,"
                + "\"field\":null,\"error_code\":\"malformed_row\",\"message\":\"Line 2, column 32: invalid JSON:"
                + " expected a value, found '}'\",\"cells\":{},\"input\":\"{\\\"external_id\\\": \\\"n-2\\\","
                + " \\\"name\\\": }\"},{\"line\":3,\"external_id\":null,\"field\":null,\"error_code\":"
                + "\"malformed_row\",\"message\":\"Line 3, column 1: expected an object for record 3, found an"
                + " array\",\"cells\":{},\"input\":\"[1, 2.50]\"},{\"line\":4,\"external_id\":\"n-4\",\"field\":"
                + "\"name\",\"error_code\":\"missing_required_field\",\"message\":\"name: required field is missing"
                + " (expected key \\\"name\\\")\",\"cells\":{\"external_id\":\"n-4\"},\"input\":null}]");
    }

    @Test
    void theErrorsFilesKeepAJsonElementThatIsNoObjectAsJson() throws Exception {
        String file = "[{\"external_id\": \"j-1\", \"name\": \"One\"},\n 42,\n [\"a\", 1.50, {\"b\": null}],\n"
                + " \"text\"]";

        assertErrorsFiles(file, "application/json", "v.json", """
                error_line,error_external_id,error_field,error_code,error_message,error_input,external_id,name\r
                2,,,malformed_row,"Line 2, column 2: expected an object for record 2, found a number",42,,\r
                3,,,malformed_row,"Line 3, column 2: expected an object for record 3, found an array",\
                "[""a"",1.50,{""b"":null}]",,\r
                4,,,malformed_row,"Line 4, column 2: expected an object for record 4, found a string",\"""text\""",,\r
                """, "[{\"line\":2,\"external_id\":null,"
                + "\"field\":null,\"error_code\":\"malformed_row\",\"message\":\"Line 2, column 2: expected an object"
                + " for record 2, found a number\",\"cells\":{},\"input\":\"42\"},{\"line\":3,\"external_id\":null,"
                + "\"field\":null,\"error_code\":\"malformed_row\",\"message\":\"Line 3, column 2: expected an object"
                + " for record 3, found an array\",\"cells\":{},\"input\":\"[\\\"a\\\",1.50,{\\\"b\\\":null}]\"},"
                + "{\"line\":4,\"external_id\":null,\"field\":null,\"error_code\":\"malformed_row\",\"message\":"
                + "\"Line 4, column 2: expected an object for record 4, found a string\",\"cells\":{},"
                + "\"input\":\"\\\"text\\\"\"}]");
    }

    /** Imports {@code file} as vendors and checks its errors files' exact bodies (the CSV behind a byte-order mark). */
    private void assertErrorsFiles(String file, String contentType, String fileName, String csv, String json)
            throws Exception {
        JsonNode done = runImport("{\"resource\": \"vendor\"}", file.getBytes(StandardCharsets.UTF_8), contentType,
                fileName);

        assertThat(get(done.get("_errors_csv_url").asString())).isEqualTo("\uFEFF" + csv);
        assertThat(get(done.get("_errors_json_url").asString())).isEqualTo(json);
    }

    @Test
    void anOverwriteOfAFileWithNoDataRowsSkipsItsCleanupAndDeletesNoRecord() throws Exception {
        runImport("{\"resource\": \"vendor\"}", "external_id,name\r\nx-1,One\r\nx-2,Two\r\n"
                .getBytes(StandardCharsets.UTF_8), "text/csv", "v.csv");

        JsonNode done = runImport("{\"resource\": \"vendor\", \"action\": \"overwrite\"}",
                "[]".getBytes(StandardCharsets.UTF_8), "application/json", "v.json");

        assertThat(done.get("stats").toString()).isEqualTo("{\"read\":0,\"valid\":0,\"created\":0,\"updated\":0,"
                + "\"unchanged\":0,\"deleted\":0,\"skipped_duplicates\":0,\"failed\":0}");
        assertThat(done.get("reason").isNull()).isTrue();
        JsonNode cleanup = done.get("phases").get(6);
        assertThat(cleanup.get("name").asString() + " " + cleanup.get("status").asString() + " "
                + cleanup.get("reason").asString()).isEqualTo("cleanup skipped the file has no data rows, so no"
                + " record was deleted: an empty export must not empty the resource; to delete its records, import"
                + " their external_ids with the delete action");
        assertThat(vendors()).containsExactly("x-1 {\"name\":\"One\"}", "x-2 {\"name\":\"Two\"}");
    }

    @Test
    void theFileWorkflowAccountsForEveryRowInValidateExecuteTheJobAndItsErrorsFile() throws Exception {
        JsonNode parsed = multipartParse(CSV.getBytes(StandardCharsets.UTF_8));
        assertThat(parsed.get("totalRows").asLong()).isEqualTo(15);
        String fileId = parsed.get("fileId").asString();
        String mapping = "[" + String.join(", ", List.of("external_id", "name", "status", "raw_irq_score").stream()
                .map(c -> "{\"sourceColumn\": \"" + c + "\", \"targetFieldSlug\": \"" + c + "\"}").toList()) + "]";
        String body = "{\"fileId\": \"" + fileId + "\", \"columnMapping\": " + mapping;

        Response validated = http.post("/v1/modules/vendors/import/validate", body + "}");
        assertThat(List.of("totalRows", "validRows", "errorRows", "skippedRows").stream()
                .map(k -> validated.at("/data/" + k))).containsExactly("15", "8", "5", "2");
        assertThat(linesOf(csv(validated.at("/data/errorsCsvUrl")))).containsExactly("9", "14", "16", "18", "19");

        Response skip = http.post("/v1/modules/vendors/import/execute", body + "}");
        assertThat(List.of("totalRows", "successRows", "errorRows", "skippedRows").stream()
                .map(k -> skip.at("/data/" + k))).containsExactly("15", "8", "5", "2");
        List<String> rows = new ArrayList<>();
        skip.json().at("/data/errors").forEach(e -> rows.add(e.get("row").asString()));
        assertThat(rows).containsExactly("5", "10", "12", "14", "15");
        assertThat(linesOf(csv(skip.at("/data/errorsCsvUrl")))).containsExactly("9", "14", "16", "18", "19");
        Response job = http.get("/v1/modules/vendors/import/jobs/" + skip.at("/data/importJobId"));
        assertThat(List.of("totalRows", "processedRows", "successRows", "errorRows", "skippedRows").stream()
                .map(k -> job.at("/data/" + k))).containsExactly("15", "15", "8", "5", "2");
        assertAccounted(http.get("/v1/imports/" + skip.at("/data/importJobId")).json());
        assertThat(vendors()).containsExactlyElementsOf(plus(CSV_COMMON_RECORDS, SPACED, DUP1));

        Response update = http.post("/v1/modules/vendors/import/execute", body
                + ", \"duplicateStrategy\": \"update\"}");
        assertThat(List.of("totalRows", "successRows", "errorRows", "skippedRows").stream()
                .map(k -> update.at("/data/" + k))).containsExactly("15", "10", "5", "0");
        JsonNode updated = assertAccounted(http.get("/v1/imports/" + update.at("/data/importJobId")).json());
        assertThat(updated.get("stats").toString()).isEqualTo("{\"read\":15,\"valid\":10,\"created\":0,"
                + "\"updated\":2,\"unchanged\":8,\"deleted\":0,\"skipped_duplicates\":0,\"failed\":5}");
        assertThat(vendors()).containsExactlyElementsOf(plus(CSV_COMMON_RECORDS,
                "a-6 {\"name\":\"Plain\",\"status\":\"active\",\"raw_irq_score\":7}",
                "a-8 {\"name\":\"Dup3\",\"status\":\"active\",\"raw_irq_score\":11}"));
    }

    /**
     * Validate takes execute's duplicateStrategy and counts a file's repeated external_ids as execute then does: a key
     * repeated with surrounding spaces is the same key (" a-6 " and "a-6"), one differing in case another ("A-1" beside
     * "a-1"). Before, validate had no such option and counted every repeat valid: 10 valid rows where skip stored 8 and
     * skipped 2, and create rejected 2 more.
     */
    @Test
    void validateCountsTheRepeatedKeysOfAFileAsExecuteThenDoesUnderEachDuplicateStrategy() throws Exception {
        String mapping = "[" + String.join(", ", List.of("external_id", "name", "status", "raw_irq_score").stream()
                .map(c -> "{\"sourceColumn\": \"" + c + "\", \"targetFieldSlug\": \"" + c + "\"}").toList()) + "]";
        List<String> invalid = List.of(
                "5|external_id|missing_required_field", "10|status|invalid_field_value",
                "12|status|invalid_field_value", "14|external_id|missing_required_field",
                "15|status|invalid_field_value");
        Map<String, List<String>> counts = Map.of("skip", List.of("15", "8", "5", "2"),
                "update", List.of("15", "10", "5", "0"), "create", List.of("15", "8", "7", "0"));
        Map<String, List<String>> problems = Map.of("skip", invalid, "update", invalid, "create", List.of(
                "5|external_id|missing_required_field",
                "9|external_id|duplicate_external_id", "10|status|invalid_field_value",
                "12|status|invalid_field_value", "13|external_id|duplicate_external_id",
                "14|external_id|missing_required_field", "15|status|invalid_field_value"));
        Map<String, List<String>> stored = Map.of(
                "skip", plus(CSV_COMMON_RECORDS, SPACED, DUP1),
                "update", plus(CSV_COMMON_RECORDS, "a-6 {\"name\":\"Plain\",\"status\":\"active\",\"raw_irq_score\":7}",
                        "a-8 {\"name\":\"Dup3\",\"status\":\"active\",\"raw_irq_score\":11}"),
                "create", plus(CSV_COMMON_RECORDS, SPACED, DUP1));

        for (String strategy : List.of("skip", "update", "create")) {
            tenant = TestServer.of(database()).newTenant("accounting-" + strategy);
            http = tenant.http();
            String fileId = multipartParse(CSV.getBytes(StandardCharsets.UTF_8)).get("fileId").asString();
            String body = "{\"fileId\": \"" + fileId + "\", \"columnMapping\": " + mapping
                    + ", \"duplicateStrategy\": \"" + strategy + "\"}";

            Response validated = http.post("/v1/modules/vendors/import/validate", body);
            Response executed = http.post("/v1/modules/vendors/import/execute", body);

            assertThat(List.of("totalRows", "validRows", "errorRows", "skippedRows").stream()
                    .map(k -> validated.at("/data/" + k))).as(strategy).containsExactlyElementsOf(counts.get(strategy));
            assertThat(List.of("totalRows", "successRows", "errorRows", "skippedRows").stream()
                    .map(k -> executed.at("/data/" + k))).as(strategy).containsExactlyElementsOf(counts.get(strategy));
            assertThat(problems(validated).stream().map(p -> p.substring(0, p.lastIndexOf('|'))).toList())
                    .as(strategy).containsExactlyElementsOf(problems.get(strategy));
            assertThat(problems(validated)).as(strategy).containsExactlyElementsOf(problems(executed));
            assertThat(linesOf(csv(validated.at("/data/errorsCsvUrl")))).as(strategy)
                    .containsExactlyElementsOf(linesOf(csv(executed.at("/data/errorsCsvUrl"))));
            assertThat(vendors()).as(strategy).containsExactlyElementsOf(stored.get(strategy));
        }
        assertThat(problems(http.post("/v1/modules/vendors/import/validate", "{\"rows\": [{\"external_id\": \"a-1\","
                + " \"name\": \"Again\"}], \"columnMapping\": " + mapping + ", \"duplicateStrategy\": \"create\"}")))
                .containsExactly("1|external_id|duplicate_external_id|external_id \"a-1\" already exists;"
                        + " duplicateStrategy create never updates a record");
    }

    /**
     * Matching by email (case and surrounding spaces aside), validate counts what execute does with rows that match an
     * earlier row of the file, a stored record, or two stored records, and with an external_id another row took.
     */
    @Test
    void validateCountsRowsMatchedByEmailAsExecuteThenDoesUnderEachDuplicateStrategy() throws Exception {
        String mapping = "[{\"sourceColumn\": \"Name\", \"targetFieldSlug\": \"displayName\"},"
                + " {\"sourceColumn\": \"Email\", \"targetFieldSlug\": \"email\"},"
                + " {\"sourceColumn\": \"Id\", \"targetFieldSlug\": \"external_id\"}]";
        String rows = """
                [{"Name": "Ann", "Email": "ann@example.com", "Id": "c-1"},
                 {"Name": "Ann Again", "Email": " ANN@Example.com ", "Id": "c-2"},
                 {"Name": "Bob", "Email": "bob@example.com", "Id": "c-1"},
                 {"Name": "Bad", "Email": "not-an-email", "Id": ""},
                 {"Name": "Cy", "Email": "cy@example.com", "Id": ""},
                 {"Name": "Cy Two", "Email": "CY@example.com", "Id": ""},
                 {"Name": "Dee Again", "Email": "Dee@Example.com", "Id": ""},
                 {"Name": "Eve Three", "Email": "EVE@example.com", "Id": ""}]""";
        String badEmail = "4|email|invalid_field_value|email: expected an email address, got \"not-an-email\"";
        Map<String, List<String>> counts = Map.of("skip", List.of("8", "2", "2", "4"),
                "update", List.of("8", "5", "3", "0"), "create", List.of("8", "6", "2", "0"));
        Map<String, List<String>> problems = Map.of(
                "skip", List.of("3|external_id|duplicate_external_id|external_id \"c-1\" already exists on a record"
                        + " that this row's email did not match; duplicateStrategy skip would create a second record"
                        + " with it, so the row was not applied", badEmail),
                "update", List.of("3|external_id|duplicate_external_id|external_id \"c-1\" already exists on a"
                        + " record that this row's email did not match; duplicateStrategy update would create a second"
                        + " record with it, so the row was not applied", badEmail,
                        "8|email|ambiguous_match|email: 2 stored records match this row's email; duplicateStrategy"
                        + " update changes one record, so the row was not applied"),
                "create", List.of("3|external_id|duplicate_external_id|external_id \"c-1\" already exists;"
                        + " duplicateStrategy create never updates a record", badEmail));
        Map<String, List<String>> stored = Map.of(
                "skip", List.of("Ann|ann@example.com|c-1", "Cy|cy@example.com|null", "Dee|dee@example.com|null",
                        "Eve Two|eve@example.com|null", "Eve|eve@example.com|null"),
                "update", List.of("Ann Again|ANN@Example.com|c-1", "Cy Two|CY@example.com|null",
                        "Dee Again|Dee@Example.com|null", "Eve Two|eve@example.com|null", "Eve|eve@example.com|null"),
                "create", List.of("Ann Again|ANN@Example.com|c-2", "Ann|ann@example.com|c-1",
                        "Cy Two|CY@example.com|null", "Cy|cy@example.com|null", "Dee Again|Dee@Example.com|null",
                        "Dee|dee@example.com|null", "Eve Three|EVE@example.com|null", "Eve Two|eve@example.com|null",
                        "Eve|eve@example.com|null"));

        for (String strategy : List.of("skip", "update", "create")) {
            tenant = TestServer.of(database()).newTenant("accounting-email-" + strategy);
            http = tenant.http();
            Response before = http.post("/v1/modules/contacts/import/execute", "{\"rows\": [{\"Name\": \"Dee\","
                    + " \"Email\": \"dee@example.com\"}, {\"Name\": \"Eve\", \"Email\": \"eve@example.com\"},"
                    + " {\"Name\": \"Eve Two\", \"Email\": \"eve@example.com\"}], \"columnMapping\": " + mapping
                    + ", \"duplicateStrategy\": \"create\", \"duplicateMatchFields\": [\"email\"]}");
            assertThat(before.at("/data/successRows")).as(before.body()).isEqualTo("3");
            String body = "{\"rows\": " + rows + ", \"columnMapping\": " + mapping + ", \"duplicateStrategy\": \""
                    + strategy + "\", \"duplicateMatchFields\": [\"email\"]}";

            Response validated = http.post("/v1/modules/contacts/import/validate", body);
            Response executed = http.post("/v1/modules/contacts/import/execute", body);

            assertThat(List.of("totalRows", "validRows", "errorRows", "skippedRows").stream()
                    .map(k -> validated.at("/data/" + k))).as(strategy + validated.body())
                    .containsExactlyElementsOf(counts.get(strategy));
            assertThat(List.of("totalRows", "successRows", "errorRows", "skippedRows").stream()
                    .map(k -> executed.at("/data/" + k))).as(strategy + executed.body())
                    .containsExactlyElementsOf(counts.get(strategy));
            assertThat(problems(validated)).as(strategy).containsExactlyElementsOf(problems.get(strategy));
            assertThat(problems(executed)).as(strategy).containsExactlyElementsOf(problems.get(strategy));
            assertThat(rowWarnings(validated)).as(strategy).containsExactlyElementsOf(rowWarnings(executed))
                    .containsExactlyElementsOf(strategy.equals("update") ? List.of("2|external_id"
                            + "|external_id_not_changed|external_id \"c-2\" was not stored: the record matched by email"
                            + " already has external_id \"c-1\"") : List.of());
            assertThat(contacts()).as(strategy).containsExactlyElementsOf(stored.get(strategy));
        }
    }

    /**
     * Validate resolves a required reference as execute does, writing nothing: by external_id, by record id, then by
     * name ignoring case. A name of two vendors is ambiguous_reference, a value matching nothing invalid_field_value
     * (and a vendor is never created from a name, since it needs an external_id). Before, validate resolved no
     * reference and counted all five rows valid where execute stored three.
     */
    @Test
    void validateRejectsTheRowsWhoseRequiredReferenceExecuteFindsAmbiguousOrMissing() throws Exception {
        for (boolean create : List.of(false, true)) {
            tenant = TestServer.of(database()).newTenant("accounting-refs-" + create);
            http = tenant.http();
            storeVendors("v-1|Acme", "v-2|ACME", "v-3|Beta", "v-4|Gamma");
            List<String> ids = new ArrayList<>();
            http.get("/v1/objects/vendor/records?limit=100").json().get("data").forEach(r -> {
                if (r.get("external_id").asString().equals("v-4")) {
                    ids.add(r.get("id").asString());
                }
            });
            String gammaId = ids.getFirst();
            String body = """
                    {"rows": [{"Id": "a-1", "Vendor": "v-3"}, {"Id": "a-2", "Vendor": "acme"},
                              {"Id": "a-3", "Vendor": "beta"}, {"Id": "a-4", "Vendor": "Nobody"},
                              {"Id": "a-5", "Vendor": "%s"}],
                     "columnMapping": [{"sourceColumn": "Id", "targetFieldSlug": "external_id"},
                                       {"sourceColumn": "Vendor", "targetFieldSlug": "vendor"}],
                     "createMissingReferences": %s}""".formatted(gammaId, create);

            Response validated = http.post("/v1/modules/assessments/import/validate", body);
            assertThat(http.get("/v1/objects/vendor/records?limit=100").json().get("data").size()).isEqualTo(4);
            Response executed = http.post("/v1/modules/assessments/import/execute", body);

            assertThat(counts(validated, "validRows")).as(validated.body()).containsExactly("5", "3", "2", "0");
            assertThat(counts(executed, "successRows")).as(executed.body()).containsExactly("5", "3", "2", "0");
            String nobody = "4|vendor|invalid_field_value|vendor: no vendor with external_id or name \"Nobody\""
                    + (create ? "; a vendor is not created from a name, since it needs an external_id" : "");
            List<String> expected = List.of("2|vendor|ambiguous_reference|vendor: \"acme\" matches 2 vendor records"
                    + " by name ignoring case; give the external_id of the one meant", nobody);
            assertThat(problems(validated)).containsExactlyElementsOf(expected);
            assertThat(problems(executed)).containsExactlyElementsOf(expected);
            assertThat(validated.json().at("/data/errors/0/value").asString()).isEqualTo("acme");
            assertThat(linesOf(csv(validated.at("/data/errorsCsvUrl"))))
                    .containsExactlyElementsOf(linesOf(csv(executed.at("/data/errorsCsvUrl"))))
                    .containsExactly("2", "4");
            assertThat(referenceWarnings(validated, "referenceWarnings")).isEmpty();
            assertThat(referenceWarnings(validated, "createdReferences")).isEmpty();
            assertThat(http.get("/v1/objects/vendor/records?limit=100").json().get("data").size()).isEqualTo(4);
            assertThat(http.get("/v1/objects/assessment/records?limit=100").json().get("data").size()).isEqualTo(3);
        }
    }

    /**
     * An optional reference that matches nothing: without createMissingReferences validate lists it in
     * referenceWarnings as execute does; with it, in createdReferences (one account per name ignoring case, as execute
     * creates them), creating nothing itself. A name of two accounts rejects its row either way.
     */
    @Test
    void validateListsTheOptionalReferencesExecuteWouldWarnAboutOrCreateAndCreatesNothing() throws Exception {
        for (boolean create : List.of(false, true)) {
            tenant = TestServer.of(database()).newTenant("accounting-optional-" + create);
            http = tenant.http();
            Response before = http.post("/v1/modules/accounts/import/execute", """
                    {"rows": [{"Name": "Acme Corp", "Id": "ac-1"}, {"Name": "Dup", "Id": ""},
                              {"Name": "DUP", "Id": ""}],
                     "columnMapping": [{"sourceColumn": "Name", "targetFieldSlug": "displayName"},
                                       {"sourceColumn": "Id", "targetFieldSlug": "external_id"}],
                     "duplicateStrategy": "create"}""");
            assertThat(before.at("/data/successRows")).as(before.body()).isEqualTo("3");
            String body = """
                    {"rows": [{"Name": "Ann", "Company": "acme corp"}, {"Name": "Bob", "Company": "Unknown Co"},
                              {"Name": "Cy", "Company": "unknown co"}, {"Name": "Dee", "Company": "dup"},
                              {"Name": "Eve", "Company": "ac-1"}, {"Name": "Fay", "Company": "Other"}],
                     "columnMapping": [{"sourceColumn": "Name", "targetFieldSlug": "displayName"},
                                       {"sourceColumn": "Company", "targetFieldSlug": "account"}],
                     "createMissingReferences": %s}""".formatted(create);

            Response validated = http.post("/v1/modules/contacts/import/validate", body);
            assertThat(accountNames()).containsExactly("Acme Corp", "DUP", "Dup");
            Response executed = http.post("/v1/modules/contacts/import/execute", body);

            assertThat(counts(validated, "validRows")).as(validated.body()).containsExactly("6", "5", "1", "0");
            assertThat(counts(executed, "successRows")).as(executed.body()).containsExactly("6", "5", "1", "0");
            List<String> expected = List.of("4|account|ambiguous_reference|account: \"dup\" matches 2 account"
                    + " records by name ignoring case; give the external_id of the one meant");
            assertThat(problems(validated)).containsExactlyElementsOf(expected);
            assertThat(problems(executed)).containsExactlyElementsOf(expected);
            String unknown = "account|Account|accounts|[\"Other\",\"Unknown Co\",\"unknown co\"]";
            assertThat(referenceWarnings(validated, "referenceWarnings"))
                    .containsExactlyElementsOf(referenceWarnings(executed, "referenceWarnings"))
                    .containsExactlyElementsOf(create ? List.of() : List.of(unknown));
            assertThat(referenceWarnings(validated, "createdReferences")).containsExactlyElementsOf(create
                    ? List.of("account|Account|accounts|[\"Other\",\"Unknown Co\"]") : List.of());
            assertThat(accountNames()).containsExactlyElementsOf(create
                    ? List.of("Acme Corp", "DUP", "Dup", "Other", "Unknown Co") : List.of("Acme Corp", "DUP", "Dup"));
        }
    }

    /**
     * A service's dependencies may name services that later rows of the file create: validate resolves them after the
     * last row as execute adds those links, by external_id or by name among the stored services and those the file
     * creates. A name two later rows give ("Hub", "HUB") rejects its row after the last row, and is listed in row
     * order, in the answer and the errors files; a name nothing has is a reference warning (a service cannot be
     * created from a name: it needs its vendor). Before, validate counted all eight rows valid.
     */
    @Test
    void validateResolvesReferencesToRowsFurtherDownTheFileAsExecuteLinksThem() throws Exception {
        for (boolean create : List.of(false, true)) {
            tenant = TestServer.of(database()).newTenant("accounting-own-" + create);
            http = tenant.http();
            storeVendors("v-1|Vend");
            String csv = String.join("\r\n", "Id,Name,Vendor,Uses",
                    "s-1,Payments,v-1,s-2",
                    "s-2,Core,v-1,",
                    "s-3,Search,vend,hub",
                    "s-4,Hub,v-1,",
                    "s-5,HUB,v-1,",
                    "s-6,Mail,v-1,core;v-1",
                    "s-7,Queue,v-1,nothing",
                    "s-8,Ghost,ghost,s-1") + "\r\n";
            String fileId = multipartParse("services", csv.getBytes(StandardCharsets.UTF_8)).get("fileId").asString();
            String body = "{\"fileId\": \"" + fileId + "\", \"columnMapping\": "
                    + ModuleImportApiContract.SERVICE_MAPPING + ", \"createMissingReferences\": " + create + "}";

            Response validated = http.post("/v1/modules/services/import/validate", body);
            assertThat(http.get("/v1/objects/service/records?limit=100").json().get("data").size()).isZero();
            Response executed = http.post("/v1/modules/services/import/execute", body);

            assertThat(counts(validated, "validRows")).as(validated.body()).containsExactly("8", "6", "2", "0");
            assertThat(counts(executed, "successRows")).as(executed.body()).containsExactly("8", "6", "2", "0");
            List<String> expected = List.of("3|dependencies|ambiguous_reference|dependencies: \"hub\" matches 2"
                    + " service records by name ignoring case; give the external_id of the one meant",
                    "8|vendor|invalid_field_value|vendor: no vendor with external_id or name \"ghost\""
                            + (create ? "; a vendor is not created from a name, since it needs an external_id" : ""));
            assertThat(problems(validated)).containsExactlyElementsOf(expected);
            assertThat(problems(executed)).containsExactlyElementsOf(expected);
            assertThat(referenceWarnings(validated, "referenceWarnings"))
                    .containsExactlyElementsOf(referenceWarnings(executed, "referenceWarnings"))
                    .containsExactly("dependencies|Dependencies|services|[\"nothing\"]");
            assertThat(referenceWarnings(validated, "createdReferences")).isEmpty();
            // A row rejected after the last row is in its place in validate's errors files, as in execute's (before,
            // it came last).
            assertThat(linesOf(csv(validated.at("/data/errorsCsvUrl")))).containsExactly("4", "9");
            assertThat(linesOf(csv(executed.at("/data/errorsCsvUrl")))).containsExactly("4", "9");
            List<String> services = new ArrayList<>();
            http.get("/v1/objects/service/records?limit=100").json().get("data").forEach(r -> services.add(
                    r.get("external_id").asString()));
            services.sort(null);
            assertThat(services).containsExactly("s-1", "s-2", "s-4", "s-5", "s-6", "s-7");
        }
    }

    /** Stores vendors given as "external_id|name". */
    private void storeVendors(String... vendors) {
        String rows = String.join(", ", List.of(vendors).stream().map(v -> v.split("\\|"))
                .map(v -> "{\"Id\": \"" + v[0] + "\", \"Name\": \"" + v[1] + "\"}").toList());
        Response r = http.post("/v1/modules/vendors/import/execute", "{\"rows\": [" + rows + "], \"columnMapping\":"
                + " [{\"sourceColumn\": \"Id\", \"targetFieldSlug\": \"external_id\"},"
                + " {\"sourceColumn\": \"Name\", \"targetFieldSlug\": \"name\"}]}");
        assertThat(r.at("/data/successRows")).as(r.body()).isEqualTo(String.valueOf(vendors.length));
    }

    /** The warnings of rows an answer lists, as "row|field|code|message". */
    private static List<String> rowWarnings(Response r) {
        List<String> out = new ArrayList<>();
        r.json().at("/data/warnings").forEach(w -> {
            if (!w.get("row").isNull()) {
                out.add(w.get("row").asString() + "|" + w.get("field").asString() + "|" + w.get("code").asString()
                        + "|" + w.get("message").asString());
            }
        });
        return out;
    }

    /** totalRows, then {@code valid} (validRows or successRows), errorRows and skippedRows of an answer. */
    private static List<String> counts(Response r, String valid) {
        return List.of("totalRows", valid, "errorRows", "skippedRows").stream().map(k -> r.at("/data/" + k)).toList();
    }

    /** An answer's reference list {@code member}, each as "fieldSlug|fieldLabel|targetModuleSlug|values". */
    private static List<String> referenceWarnings(Response r, String member) {
        List<String> out = new ArrayList<>();
        r.json().at("/data/" + member).forEach(w -> out.add(w.get("fieldSlug").asString() + "|"
                + w.get("fieldLabel").asString() + "|" + w.get("targetModuleSlug").asString() + "|"
                + w.get(member.equals("createdReferences") ? "values" : "unresolvedValues")));
        return out;
    }

    /** The tenant's accounts' names, sorted. */
    private List<String> accountNames() {
        List<String> out = new ArrayList<>();
        http.get("/v1/objects/account/records?limit=100").json().get("data").forEach(r -> out.add(
                r.at("/values/displayName").asString()));
        out.sort(null);
        return out;
    }

    @Test
    void theImportApiAnswersForEveryRecordOfABatchOnceAndItsImportAddsUp() throws Exception {
        assertThat(http.post("/v1/import-reports", SeedExamples.REPORT).status()).isEqualTo(201);

        Response r = http.post("/v1/import/vendor-custom-import", """
                {"data": [{"Name": "A", "External Id": "i-1"}, 7, {"Name": "B", "External Id": " i-1 "},
                 {"Name": "C", "External Id": ""}, {"Name": "D"}, {"Name": "E", "External Id": "I-1"},
                 {"Name": "F", "External Id": 1e3}, {"Name": "G", "External Id": "1000"},
                 {"Name": "H", "External Id": "i-3", "Status": "bogus"}, {"Name": "I", "External Id": "i-4"}]}""");

        assertThat(r.status()).isEqualTo(200);
        assertThat(List.of("received_count", "created_count", "updated_count", "failed_count").stream()
                .map(k -> r.at("/" + k))).containsExactly("10", "2", "0", "8");
        List<String> results = new ArrayList<>();
        r.json().get("results").forEach(x -> results.add(x.get("external_id").asString()));
        assertThat(results).containsExactly("I-1", "i-4");
        List<String> errors = new ArrayList<>();
        r.json().get("errors").forEach(e -> errors.add(e.get("index").asString() + "|"
                + (e.has("external_id") ? e.get("external_id").asString() : "") + "|" + e.get("error_code").asString()));
        assertThat(errors).containsExactly("0|i-1|duplicate_external_id", "1||malformed_row",
                "2|i-1|duplicate_external_id", "3||missing_required_field", "4||missing_required_field",
                "6|1000|duplicate_external_id", "7|1000|duplicate_external_id", "8|i-3|invalid_field_value");
        JsonNode done = assertAccounted(http.get("/v1/imports/"
                + r.raw().headers().firstValue("Freight-Import-Id").orElseThrow()).json());
        assertThat(linesOf(errorsCsv(done))).containsExactly("1", "2", "3", "4", "5", "7", "8", "9");
        assertThat(vendors()).containsExactly("I-1 {\"name\":\"E\"}", "i-4 {\"name\":\"I\"}");
    }

    /**
     * A batch through a report whose base object was deleted fails every record with unknown_base_object, and its
     * import lists them in its errors files like any other rejected rows, a record that is no object among them.
     * Before, its stats counted them failed but the import had no errors file (both URLs null).
     */
    @Test
    void anImportApiBatchForADeletedBaseObjectListsEveryRecordInItsErrorsFiles() throws Exception {
        ImportApiContract.reportSuppliersOnADeletedObject(http);

        Response r = http.post("/v1/import/suppliers", """
                {"data": [{"id": "s-1", "name": "S"}, 7, {"id": 1e3, "name": "T", "extra": true}]}""");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.at("/failed_count")).isEqualTo("3");
        JsonNode job = http.get("/v1/imports/" + r.raw().headers().firstValue("Freight-Import-Id").orElseThrow())
                .json();
        assertThat(job.get("status").asString()).isEqualTo("failed");
        assertThat(job.get("has_errors_file").asBoolean()).isTrue();
        assertAccounted(job);
        assertThat(errorRows(job)).containsExactly("1|s-1|unknown_base_object", "2||unknown_base_object",
                "3|1000|unknown_base_object");
        assertThat(get(job.get("_errors_json_url").asString())).isEqualTo("""
                [{"line":1,"external_id":"s-1","field":null,"error_code":"unknown_base_object",\
                "message":"The report's base object \\"supplier\\" no longer exists",\
                "cells":{"id":"s-1","name":"S"},"input":null},\
                {"line":2,"external_id":null,"field":null,"error_code":"unknown_base_object",\
                "message":"The report's base object \\"supplier\\" no longer exists","cells":{},"input":"7"},\
                {"line":3,"external_id":"1000","field":null,"error_code":"unknown_base_object",\
                "message":"The report's base object \\"supplier\\" no longer exists",\
                "cells":{"id":1E+3,"name":"T","extra":true},"input":null}]""");
    }

    // ---- helpers

    /** Creates an import, uploads {@code file}, waits for its end and checks that its rows add up. */
    private JsonNode runImport(String options, byte[] file, String contentType, String fileName) throws Exception {
        Response created = http.post("/v1/imports", options);
        HttpResponse<String> put = RAW.send(HttpRequest.newBuilder(URI.create(created.at("/_upload_url")))
                .header("Content-Type", contentType)
                .header("Content-Disposition", "attachment; filename=\"" + fileName + "\"")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(file)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).as(put.body()).isEqualTo(202);
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline)) {
            Response r = http.get("/v1/imports/" + created.at("/id"));
            if (List.of("completed", "failed").contains(r.at("/status"))) {
                assertThat(r.at("/status")).as(r.body()).isEqualTo("completed");
                return assertAccounted(r.json());
            }
            Thread.sleep(50);
        }
        throw new AssertionError("import did not end: " + http.get("/v1/imports/" + created.at("/id")).body());
    }

    /**
     * The identities every ended import holds: read = valid + failed + skipped_duplicates = total_rows; valid =
     * created + updated + unchanged + deleted; the errors CSV has a line per failed row, in file order, and the errors
     * JSON an entry for each problem of those rows, on the same lines.
     */
    private JsonNode assertAccounted(JsonNode job) throws Exception {
        JsonNode s = job.get("stats");
        long read = s.get("read").asLong();
        assertThat(read).as("read = total_rows").isEqualTo(job.get("total_rows").asLong());
        assertThat(s.get("valid").asLong() + s.get("failed").asLong() + s.get("skipped_duplicates").asLong())
                .as("valid + failed + skipped_duplicates").isEqualTo(read);
        assertThat(s.get("created").asLong() + s.get("updated").asLong() + s.get("unchanged").asLong()
                + s.get("deleted").asLong()).as("created + updated + unchanged + deleted").isEqualTo(
                        s.get("valid").asLong());
        long failed = s.get("failed").asLong();
        if (failed == 0) {
            assertThat(job.get("_errors_csv_url").isNull()).isTrue();
            return job;
        }
        List<String> csvLines = linesOf(errorsCsv(job));
        assertThat(csvLines).hasSize((int) failed);
        assertThat(csvLines).isSortedAccordingTo((a, b) -> Long.compare(Long.parseLong(a), Long.parseLong(b)));
        TreeSet<Long> jsonLines = new TreeSet<>();
        Http.JSON.readTree(get(job.get("_errors_json_url").asString())).forEach(e -> jsonLines.add(
                e.get("line").asLong()));
        assertThat(jsonLines.stream().map(String::valueOf).toList()).containsExactlyElementsOf(csvLines);
        return job;
    }

    /** The failed rows of an ended import as "line|external_id|error_code" from its errors CSV. */
    private List<String> errorRows(JsonNode job) throws Exception {
        return errorsCsv(job).stream().map(r -> r.get(0) + "|" + r.get(1) + "|" + r.get(3)).toList();
    }

    private List<List<String>> errorsCsv(JsonNode job) throws Exception {
        return csv(job.get("_errors_csv_url").asString());
    }

    /** The data rows of the CSV at {@code url}, without the header and the byte-order mark it starts with. */
    private static List<List<String>> csv(String url) throws Exception {
        String body = get(url);
        assertThat(body).startsWith("\uFEFF");
        List<List<String>> rows = new ArrayList<>();
        for (CsvRecord record : CsvReader.builder().ofCsvRecord(body.substring(1))) {
            rows.add(record.getFields());
        }
        assertThat(rows.getFirst().subList(0, 5)).containsExactly("error_line", "error_external_id", "error_field",
                "error_code", "error_message");
        return rows.subList(1, rows.size());
    }

    private static List<String> linesOf(List<List<String>> rows) {
        return rows.stream().map(List::getFirst).toList();
    }

    private static String get(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = RAW.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    /** The {@code data} of the Module Import API's answer to parsing {@code content} as {@code v.csv}. */
    private JsonNode multipartParse(byte[] content) throws Exception {
        return multipartParse("vendors", content);
    }

    private JsonNode multipartParse(String module, byte[] content) throws Exception {
        String boundary = "freight-accounting-boundary";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"v.csv\"\r\n"
                + "Content-Type: text/csv\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.write(content);
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = RAW.send(HttpRequest.newBuilder(URI.create(tenant.server().baseUrl()
                + "/v1/modules/" + module + "/import/parse"))
                .header("Authorization", "Bearer " + tenant.adminKey())
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Http.JSON.readTree(r.body()).get("data");
    }

    /** The problems a validate or execute answer lists, as "row|field|code|error". */
    private static List<String> problems(Response r) {
        List<String> out = new ArrayList<>();
        r.json().at("/data/errors").forEach(e -> out.add(e.get("row").asString() + "|" + e.get("field").asString()
                + "|" + e.get("code").asString() + "|" + e.get("error").asString()));
        return out;
    }

    /** The tenant's contacts as "displayName|email|external_id", sorted. */
    private List<String> contacts() {
        List<String> out = new ArrayList<>();
        http.get("/v1/objects/contact/records?limit=100").json().get("data").forEach(r -> out.add(
                r.at("/values/displayName").asString() + "|" + r.at("/values/email").asString() + "|"
                        + (r.get("external_id").isNull() ? "null" : r.get("external_id").asString())));
        out.sort(null);
        return out;
    }

    /** The tenant's vendors as "external_id values", sorted. */
    private List<String> vendors() {
        List<String> out = new ArrayList<>();
        http.get("/v1/objects/vendor/records?limit=100").json().get("data").forEach(r -> out.add(
                r.get("external_id").asString() + " " + r.get("values")));
        out.sort(null);
        return out;
    }

    private static List<String> sorted(List<String> records) {
        List<String> out = new ArrayList<>(records);
        out.sort(null);
        return out;
    }

    private static List<String> plus(List<String> records, String... more) {
        List<String> out = new ArrayList<>(records);
        out.addAll(List.of(more));
        return sorted(out);
    }
}
