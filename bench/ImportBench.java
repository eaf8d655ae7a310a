import java.io.BufferedWriter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The import benchmark's two halves, run with the JDK's single-file launcher (no dependencies):
 * <pre>
 * java bench/ImportBench.java generate --rows 1000000 --variant 0 --out vendors.csv
 * java bench/ImportBench.java run --url http://127.0.0.1:8080 --key KEY --file vendors.csv
 * </pre>
 * generate writes a deterministic 12-column vendor CSV (variant 1 changes two fields of every row, for an all-update
 * re-load). run creates an import through the Imports resource, uploads the file to its signed URL, polls until the
 * import ends and prints one line: seconds, status and stats.
 */
public class ImportBench {

    static final String HEADER = "external_id,name,website,status,hq_location,raw_irq_score,raw_residual_risk_score,"
            + "business_unit,enterprise,vendor_category,next_assessment_date,contract_length";
    static final String[] STATUS = {"active", "onboarding", "inactive", "offboarding"};
    static final String[] UNITS = {"Finance", "Engineering", "Sales", "Legal", "Operations", "HR"};
    static final String[] CATEGORIES = {"SaaS", "Consulting", "Hardware", "Logistics", "Marketing"};
    static final String[] CITIES = {"San Francisco, CA", "New York, NY", "Berlin", "London", "Austin, TX", "Paris"};

    public static void main(String[] args) throws Exception {
        Map<String, String> o = options(args);
        switch (args.length == 0 ? "" : args[0]) {
            case "generate" -> generate(Integer.parseInt(o.getOrDefault("rows", "1000000")),
                    Integer.parseInt(o.getOrDefault("variant", "0")), Path.of(o.get("out")));
            case "run" -> run(o.get("url"), o.get("key"), Path.of(o.get("file")), o.getOrDefault("resource", "vendor"));
            default -> {
                System.err.println("usage: ImportBench generate --rows N --variant 0|1 --out FILE | run --url U --key K --file F");
                System.exit(2);
            }
        }
    }

    static void generate(int rows, int variant, Path out) throws IOException {
        LocalDate base = LocalDate.of(2026, 1, 1);
        try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            w.write(HEADER);
            w.write('\n');
            StringBuilder b = new StringBuilder(256);
            for (int i = 0; i < rows; i++) {
                b.setLength(0);
                b.append("vendor-").append(String.format("%08d", i)).append(',')
                        .append(variant == 0 ? "Vendor " : "Vendor renamed ").append(i).append(',')
                        .append("https://vendor").append(i).append(".example.com,")
                        .append(STATUS[i % 4]).append(',')
                        .append('"').append(CITIES[i % CITIES.length]).append('"').append(',')
                        .append((i * 7 + variant) % 100).append('.').append(i % 10).append(',')
                        .append((i * 13) % 100).append(',')
                        .append(UNITS[i % UNITS.length]).append(',')
                        .append(i % 3 == 0 ? "true" : "false").append(',')
                        .append(CATEGORIES[i % CATEGORIES.length]).append(',')
                        .append(base.plusDays(i % 730)).append(',')
                        .append(12 + i % 36).append(" months\n");
                w.append(b);
            }
        }
    }

    static void run(String url, String key, Path file, String resource) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        long start = System.nanoTime();
        String created = http.send(HttpRequest.newBuilder(URI.create(url + "/v1/imports"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"resource\": \"" + resource + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        String id = field(created, "id");
        String upload = field(created, "_upload_url");
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(upload))
                .header("Content-Type", "text/csv").PUT(HttpRequest.BodyPublishers.ofFile(file)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (put.statusCode() != 202) {
            throw new IllegalStateException("upload answered " + put.statusCode() + ": " + put.body());
        }
        long uploaded = System.nanoTime();
        String body;
        while (true) {
            body = http.send(HttpRequest.newBuilder(URI.create(url + "/v1/imports/" + id))
                    .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofString()).body();
            String status = field(body, "status");
            if (status.equals("completed") || status.equals("failed") || status.equals("timed_out")) {
                break;
            }
            Thread.sleep(100);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Matcher stats = Pattern.compile("\"stats\":(\\{[^}]*})").matcher(body);
        System.out.printf("seconds=%.2f upload_seconds=%.2f status=%s stats=%s%n", seconds,
                (uploaded - start) / 1e9, field(body, "status"), stats.find() ? stats.group(1) : "?");
    }

    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\":\"([^\"]*)\"").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no " + name + " in " + json);
        }
        return m.group(1);
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> o = new HashMap<>();
        for (int i = 1; i + 1 < args.length; i += 2) {
            o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        return o;
    }
}
