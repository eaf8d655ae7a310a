package dev.freight.app;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The training run of the JDK's ahead-of-time cache ({@code java -XX:AOTCacheOutput=freight.aot -jar freight.jar
 * train}, JDK 25 or newer). It starts the service on a throwaway SQLite database in a temporary directory, on a port
 * of its own, and imports generated vendors through the Imports resource three times, as a nightly sync does: a
 * fresh load, the same keys with every row changed, and the same file again (every row unchanged). It checks each
 * import's counts, exports the vendors as CSV, stops the service and deletes the directory. The JVM then writes the
 * classes it loaded and the profiles of the methods it ran; a service started with {@code -XX:AOTCache=freight.aot}
 * starts from them instead of learning them again during its first import. The rows are made up here, not read from
 * any file, so the cache holds nothing of anyone's data.
 */
final class Training {

    static final String COMMAND = "train";

    /** 150,000 rows: about 4 s a pass; with fewer, the JIT had not yet compiled what a large import runs most. */
    static final int DEFAULT_ROWS = 150_000;

    private static final String HEADER = "external_id,name,website,description,status,hq_location,raw_irq_score,"
            + "raw_residual_risk_score,business_unit,enterprise,vendor_category,dependent_services,"
            + "next_assessment_date,contract_length";
    private static final String[] STATUSES = {"active", "onboarding", "inactive", "offboarding"};
    private static final String[] WORDS = {"Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli",
        "Vandelay", "Soylent", "Cyberdyne", "Tyrell", "Gringotts"};
    private static final String[] KINDS = {"Payroll", "Cloud hosting", "Legal counsel", "Freight forwarding",
        "Data warehouse", "Security audit"};

    private Training() {}

    /** Runs the training; returns the process exit code (0 done, 1 failed, 2 bad usage). */
    static int run(String[] args, PrintStream out, PrintStream err) {
        int rows = DEFAULT_ROWS;
        if (args.length == 3 && args[1].equals("--rows") && args[2].matches("[1-9][0-9]{0,7}")) {
            rows = Integer.parseInt(args[2]);
        } else if (args.length != 1) {
            err.println("usage: java -XX:AOTCacheOutput=freight.aot -jar freight.jar train [--rows N]");
            return 2;
        }
        Path dir = null;
        try {
            dir = Files.createTempDirectory("freight-train");
            String key = "train-" + HexFormat.of().formatHex(randomBytes(16));
            String url = "http://127.0.0.1:" + freePort();
            // These override the environment's settings: a FREIGHT_DATABASE_URL or FREIGHT_PUBLIC_URL of the real
            // service must not send the training's rows or uploads there.
            Map<String, String> settings = Map.of(
                    "freight.data-dir", dir.toString(),
                    "freight.database-url", "jdbc:sqlite:" + dir.resolve("freight.db"),
                    "freight.bootstrap-api-key", key,
                    "freight.public-url", url,
                    "server.port", url.substring(url.lastIndexOf(':') + 1),
                    "server.address", "127.0.0.1",
                    "logging.level.root", "WARN",
                    "spring.main.log-startup-info", "false");
            ConfigurableApplicationContext service = FreightApplication.start(new String[0], settings);
            try {
                Client client = new Client(url, key);
                Path first = write(dir.resolve("first.csv"), rows, false);
                Path second = write(dir.resolve("second.csv"), rows, true);
                expect(client.importFile(first), "created", rows);
                expect(client.importFile(second), "updated", rows);
                expect(client.importFile(second), "unchanged", rows);
                client.exportCsv();
            } finally {
                service.close();
            }
            out.println("Trained on " + rows + " rows: a fresh load, an update of every row, an unchanged re-load"
                    + " and a CSV export.");
            return 0;
        } catch (IOException | RuntimeException e) {
            err.println("The training run failed: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("The training run was interrupted");
            return 1;
        } finally {
            delete(dir);
        }
    }

    /** Fails unless the import completed with {@code rows} rows counted as {@code count} and none failed. */
    private static void expect(JsonNode answer, String count, int rows) {
        JsonNode stats = answer.path("stats");
        if (!answer.path("status").asString().equals("completed") || stats.path(count).asLong() != rows
                || stats.path("failed").asLong() != 0) {
            throw new IllegalStateException("an import did not end with " + rows + " rows " + count + ": " + answer);
        }
    }

    /** Vendors {@code 0 … rows-1}; {@code changed} gives every row other names, scores and dates. */
    static Path write(Path file, int rows, boolean changed) throws IOException {
        LocalDate start = LocalDate.of(2027, 3, 1);
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(HEADER);
            w.write('\n');
            StringBuilder b = new StringBuilder(400);
            for (int i = 0; i < rows; i++) {
                String word = WORDS[i % WORDS.length];
                String kind = KINDS[i % KINDS.length];
                b.setLength(0);
                b.append("train-").append(i).append(',')
                        .append(word).append(changed ? " & Sons " : " ").append(kind).append(' ').append(i).append(',')
                        .append("https://").append(word.toLowerCase(java.util.Locale.ROOT)).append(i).append(".test,")
                        .append('"').append(kind).append(" for the \"").append(word).append("\" group,\nsince ")
                        .append(1990 + i % 30).append('"').append(',')
                        .append(STATUSES[(i + (changed ? 1 : 0)) % STATUSES.length]).append(',')
                        .append('"').append(i % 500 + 1).append(" High Street, Springfield").append('"').append(',')
                        .append(i % 97).append('.').append(changed ? 5 : 0).append(',')
                        .append(i % 13 + (changed ? 1 : 0)).append(',')
                        .append(kind).append(" unit,")
                        .append(i % 3 == 0).append(',')
                        .append(i % 2 == 0 ? "SaaS" : "Consulting").append(',')
                        .append("billing; reporting").append(',')
                        .append(start.plusDays(i % 700 + (changed ? 30 : 0))).append(',')
                        .append(12 + i % 4 * 12).append(" months\n");
                w.append(b);
            }
        }
        return file;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }

    private static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The calls a client of the Imports resource makes, over HTTP like any other client's. */
    private record Client(String url, String key) {

        private static final List<String> RUNNING = List.of("requested", "queued", "processing");
        private static final JsonMapper JSON = JsonMapper.builder().build();
        private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

        /** Creates an import of vendors, uploads {@code file} to its upload URL and waits for its end. */
        JsonNode importFile(Path file) throws IOException, InterruptedException {
            JsonNode created = send(authorized("/v1/imports").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"resource\": \"vendor\"}")), 201);
            send(HttpRequest.newBuilder(URI.create(created.path("_upload_url").asString()))
                    .header("Content-Type", "text/csv").PUT(HttpRequest.BodyPublishers.ofFile(file)), 202);
            while (true) {
                JsonNode answer = send(authorized("/v1/imports/" + created.path("id").asString()).GET(), 200);
                if (!RUNNING.contains(answer.path("status").asString())) {
                    return answer;
                }
                Thread.sleep(50);
            }
        }

        void exportCsv() throws IOException, InterruptedException {
            send(authorized("/v1/modules/vendors/export").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"format\": \"csv\", \"async\": false}")), 200);
        }

        private HttpRequest.Builder authorized(String path) {
            return HttpRequest.newBuilder(URI.create(url + path)).header("Authorization", "Bearer " + key);
        }

        /** The answer's JSON body (a file's first bytes are not JSON: {@code null} for them). */
        private static JsonNode send(HttpRequest.Builder request, int expected)
                throws IOException, InterruptedException {
            HttpResponse<String> answer = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != expected) {
                throw new IllegalStateException(answer.request().method() + " " + answer.uri().getPath()
                        + " answered " + answer.statusCode() + ": " + answer.body());
            }
            String type = answer.headers().firstValue("Content-Type").orElse("");
            return type.startsWith("application/json") ? JSON.readTree(answer.body()) : null;
        }
    }
}
