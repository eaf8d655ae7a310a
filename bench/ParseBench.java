import de.siegmar.fastcsv.reader.CsvReader;
import de.siegmar.fastcsv.reader.CsvRecord;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The file workflow benchmark's client (run with FastCSV on the class path):
 *   fastcsv --file F                       reads every field of F with FastCSV alone; prints seconds and rows
 *   parse --url U --key K --file F         POSTs F to /v1/modules/vendors/import/parse; prints seconds, rows, fileId
 *   execute --url U --key K --file-id ID   executes the parsed file (every column mapped to the vendor field of the
 *                                          same name, background) and polls the job to its end; prints seconds
 */
public class ParseBench {

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    static final String[] COLUMNS = {"external_id", "name", "website", "status", "hq_location", "raw_irq_score",
        "raw_residual_risk_score", "business_unit", "enterprise", "vendor_category", "next_assessment_date",
        "contract_length"};

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new HashMap<>();
        for (int i = 1; i + 1 < args.length; i += 2) {
            o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        switch (args.length == 0 ? "" : args[0]) {
            case "fastcsv" -> fastcsv(Path.of(o.get("file")));
            case "parse" -> parse(o.get("url"), o.get("key"), Path.of(o.get("file")), o.getOrDefault("type", "text/csv"));
            case "execute" -> execute(o.get("url"), o.get("key"), o.get("file-id"));
            default -> {
                System.err.println("usage: ParseBench fastcsv|parse|execute …");
                System.exit(2);
            }
        }
    }

    static void fastcsv(Path file) throws IOException {
        long start = System.nanoTime();
        long rows = 0;
        long chars = 0;
        try (CsvReader<CsvRecord> reader = CsvReader.builder().ofCsvRecord(file)) {
            for (CsvRecord r : reader) {
                rows++;
                for (int i = 0; i < r.getFieldCount(); i++) {
                    chars += r.getField(i).length();
                }
            }
        }
        System.out.printf("seconds=%.2f rows=%d chars=%d%n", (System.nanoTime() - start) / 1e9, rows - 1, chars);
    }

    static void parse(String url, String key, Path file, String type) throws Exception {
        String boundary = "parse-bench-boundary";
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
                + file.getFileName() + "\"\r\nContent-Type: " + type + "\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        List<byte[]> parts = new ArrayList<>();
        parts.add(head);
        parts.add(Files.readAllBytes(file));
        parts.add(tail);
        long start = System.nanoTime();
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url
                        + "/v1/modules/vendors/import/parse"))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArrays(parts))
                .timeout(Duration.ofMinutes(30))
                .build(), HttpResponse.BodyHandlers.ofString());
        double seconds = (System.nanoTime() - start) / 1e9;
        if (r.statusCode() != 200) {
            throw new IllegalStateException("parse answered " + r.statusCode() + ": " + r.body());
        }
        System.out.printf("seconds=%.2f rows=%s fileId=%s%n", seconds, field(r.body(), "totalRows"),
                field(r.body(), "fileId"));
    }

    static void execute(String url, String key, String fileId) throws Exception {
        StringBuilder mapping = new StringBuilder("[");
        for (String c : COLUMNS) {
            mapping.append(mapping.length() > 1 ? "," : "").append("{\"sourceColumn\":\"").append(c)
                    .append("\",\"targetFieldSlug\":\"").append(c).append("\"}");
        }
        mapping.append(']');
        String body = "{\"fileId\":\"" + fileId + "\",\"columnMapping\":" + mapping
                + ",\"duplicateStrategy\":\"update\",\"processingMode\":\"background\"}";
        long start = System.nanoTime();
        HttpResponse<String> r = send(url, key, "POST", "/v1/modules/vendors/import/execute", body);
        if (r.statusCode() != 200) {
            throw new IllegalStateException("execute answered " + r.statusCode() + ": " + r.body());
        }
        String job = field(r.body(), "importJobId");
        while (true) {
            Thread.sleep(250);
            HttpResponse<String> s = send(url, key, "GET", "/v1/modules/vendors/import/jobs/" + job, null);
            String status = field(s.body(), "status");
            if (!status.equals("pending") && !status.equals("processing")) {
                System.out.printf("seconds=%.2f status=%s processingMode=%s successRows=%s errorRows=%s%n",
                        (System.nanoTime() - start) / 1e9, status, field(r.body(), "processingMode"),
                        field(s.body(), "successRows"), field(s.body(), "errorRows"));
                return;
            }
        }
    }

    static HttpResponse<String> send(String url, String key, String method, String path, String json)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).header("Authorization", "Bearer " + key)
                .timeout(Duration.ofMinutes(5));
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        return HTTP.send(b.method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A scalar member of a JSON answer, found by name (the answers are small and flat enough). */
    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*(\"([^\"]*)\"|[-0-9.a-z]+)").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no " + name + " in " + json);
        }
        return m.group(2) != null ? m.group(2) : m.group(1);
    }
}
