package dev.freight.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.freight.testing.FreightProcess;
import dev.freight.testing.Http;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * README.md's walk-through, run as a new user runs it: a first start on the embedded default (SQLite, an empty data
 * folder, a free port), the key it prints, then every command of the walk-through read from README.md itself, run by
 * {@code /bin/bash} with the real curl in a folder of its own, after replacing only what a user replaces (the port, the
 * key, and the ids and URL earlier answers gave). Each answer is held to what the README shows under it; the background
 * import and export are followed, as a user repeats step 8, until they end. A subclass per database gives the
 * child the settings README's configuration section names for it (none for the embedded SQLite). The one setting
 * beyond a new user's is a short export file lifetime, so that step 13's fileUrl is seen answering 410.
 */
abstract class ReadmeWalkThroughContract {

    private static final Path README = Path.of("README.md");
    private static final String README_BASE = "http://127.0.0.1:8080";
    private static final String README_KEY = "KEY=frk_...";
    private static final Duration START = Duration.ofSeconds(120);
    /** The longest a background import or export of the walk-through's few rows may take on a loaded machine. */
    private static final Duration BACKGROUND = Duration.ofSeconds(120);
    /**
     * The child's {@code FREIGHT_EXPORT_FILE_TTL}, short so that step 13's fileUrl is seen answering 410 once it
     * expires (the 24 hours the README says are the default, checked against {@link FreightConfig}); long enough for
     * the test to download the file first.
     */
    private static final Duration EXPORT_FILE_TTL = Duration.ofSeconds(20);
    private static final Set<String> UNFINISHED = Set.of("requested", "queued", "pending", "processing");
    private static final Pattern PLACEHOLDER = Pattern.compile("<the \\w+>|\\b\\w+_" + ShownAnswer.MORE);
    private static final Pattern OUTPUT_FILE = Pattern.compile("\\s-o\\s+(\\S+)");
    private static final Pattern HTTP_STATUS = Pattern.compile("(?m)^HTTP/\\S+ (\\d{3})");

    /**
     * The numbers of the answers of steps 10a–10c that the README shows for its 1,500-row file, as they are for the
     * 2-row file it gives to try: 2 rows, the second of which has a bad email.
     */
    private static final Map<String, Map<String, Object>> SMALL_FILE = Map.of(
            "10a/2", Map.of("totalRows", 2),
            "10c/2", Map.of("errorRows", 1),
            "10c/3", Map.of("successRows", 1, "errorRows", 1, "row", 2));

    /** The walk-through's commands, by step and place in the step; a few are checked beyond the answer shown. */
    private static final List<String> COMMANDS = List.of("0/1", "1/1", "2/1", "3/1", "4/1", "4/2", "5/1", "6/1",
            "7/1", "7/2", "8/1", "9/1", "10a/1", "10a/2", "10b/1", "10c/1", "10c/2", "10c/3", "10d/1", "10d/2", "11/1",
            "12/1", "12/2", "13/1", "13/2");

    @TempDir
    Path dir;

    /** The database settings of the child process (none for SQLite; a PostgreSQL URL and user), beyond the data dir. */
    abstract Map<String, String> databaseEnv(Path dataDir);

    @Test
    void everyCommandOfTheWalkThroughAnswersAsTheReadmeShows() throws IOException {
        Path curl = curl();
        WalkThrough readme = WalkThrough.read(README);
        assertThat(readme.commands()).extracting(WalkThrough.Command::id)
                .as("the walk-through's commands (a new one: add it to COMMANDS, with what else it must answer)")
                .containsExactlyElementsOf(COMMANDS);
        Path data = Files.createDirectory(dir.resolve("data"));
        Map<String, String> env = new HashMap<>(databaseEnv(data));
        env.put("FREIGHT_DATA_DIR", data.toString());
        env.put("SERVER_PORT", "0");
        env.put("FREIGHT_EXPORT_FILE_TTL", EXPORT_FILE_TTL.toSeconds() + "s");
        try (FreightProcess server = FreightProcess.start(env)) {
            String key = server.awaitOutput("Store it now:\\s+(frk_\\S+)", START);
            String base = server.awaitOutput("Bearer " + Pattern.quote(key)
                    + "\" (http://127\\.0\\.0\\.1:\\d+)/v1/import-reports", START);
            server.awaitOutput("Started FreightApplication", START);
            assertBannerAsShown(readme.banner(), server.output(), key);
            new Session(curl, base, key).walk(readme);
        }
    }

    /** The banner's lines as the README shows them, its key of the shape shown. */
    private static void assertBannerAsShown(List<String> banner, String output, String key) {
        for (String line : banner) {
            if (line.strip().startsWith("frk_")) {
                assertThat(key.replaceAll("[A-Za-z0-9]", "x")).as("the key printed has the shape the README shows")
                        .isEqualTo(line.strip().replaceAll("[A-Za-z0-9]", "x"));
            } else if (!line.isBlank()) {
                assertThat(output).as("the first start prints the README's banner line").contains(line);
            }
        }
    }

    /** What a command answered: its status (the last one curl saw) and its body (or the file it wrote). */
    private record Answer(int status, byte[] body) {

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        JsonNode json() {
            return Http.JSON.readTree(text());
        }

        /** The answer's members: those of its data when it has the file workflow's envelope. */
        JsonNode members() {
            JsonNode json = json();
            return json.has("success") && json.has("data") ? json.get("data") : json;
        }
    }

    /** One user's walk through the README against one server, in a folder of its own. */
    private final class Session {
        private final Path curl;
        private final String base;
        private final String key;
        private final Path work;
        private final Path curlHome;
        private final Map<String, String> learned = new HashMap<>();
        private final List<String> assignments = new ArrayList<>();
        private final Http.Client http;
        private final Http.Client anonymous;

        Session(Path curl, String base, String key) throws IOException {
            this.curl = curl;
            this.base = base;
            this.key = key;
            this.work = Files.createDirectory(dir.resolve("work"));
            // curl reads $CURL_HOME/.curlrc: it writes each answer's status line where the test reads it, and no
            // .curlrc of the machine's user changes what the README's commands do.
            this.curlHome = Files.createDirectory(dir.resolve("curl-home"));
            Files.writeString(curlHome.resolve(".curlrc"), "dump-header = \"" + headers() + "\"\nmax-time = 100\n");
            this.http = new Http.Client(base, key);
            this.anonymous = new Http.Client("", null);
        }

        private Path headers() {
            return curlHome.resolve("headers");
        }

        void walk(WalkThrough readme) {
            for (WalkThrough.Command c : readme.commands()) {
                Answer a = switch (c.id()) {
                    case "8/1", "13/2" -> runUntilFinished(c);
                    default -> run(c);
                };
                assertAsShown(c, a);
                switch (c.id()) {
                    case "0/1" -> assertThat(c.shell()).as("step 0 sets the key").contains(README_KEY);
                    case "2/1" -> twice(readme, c, a);
                    case "4/1" -> assertThat(a.json().at("/data/0/external_id").asString()).isEqualTo("vendor-123");
                    case "8/1" -> importFinished(readme, a);
                    case "9/1" -> rolledBack(a);
                    case "10a/2" -> assertThat(readme.prose("10a"))
                            .as("README says its answers of step 10 are for a 1,500-row file")
                            .contains("The answers shown are for a 1,500-row file");
                    case "10b/1" -> reasonsAsListed(readme, a);
                    case "10c/2" -> badEmailReported(a);
                    case "10c/3" -> {
                        badEmailReported(a);
                        assertThat(anonymous.get(learned.get("<the errorsCsvUrl>")).status())
                                .as("execute's errorsCsvUrl downloads as it is, no API key").isEqualTo(200);
                    }
                    case "10d/1" -> assertThat(a.members().get("status").asString()).isEqualTo("completed");
                    case "10d/2" -> assertThat(a.json().get("success").asBoolean()).isTrue();
                    case "11/1" -> csvAsShown(c, a);
                    case "12/2" -> assertThat(a.text()).as("step 12 writes a PDF").startsWith("%PDF-");
                    case "13/2" -> exportFileDownloadsThenExpires(readme, a);
                    default -> {}
                }
            }
        }

        /** Step 2, answered as the json block after it shows; run again, every record is "updated". */
        private void twice(WalkThrough readme, WalkThrough.Command c, Answer first) {
            assertThat(ShownAnswer.differences(ShownAnswer.json(readme.jsonAfter("2")), first.json(), README_BASE,
                    base, learned)).as("README's json answer of step 2 against the first answer %s", first.text())
                    .isEmpty();
            Matcher said = Pattern.compile("the second answer reports both records \"(\\w+)\"")
                    .matcher(readme.prose("2"));
            assertThat(said.find()).as("README step 2 says what the second answer reports: %s", readme.prose("2"))
                    .isTrue();
            Answer second = run(c);
            assertThat(second.status()).isEqualTo(first.status());
            JsonNode results = second.json().get("results");
            assertThat(results).hasSize(2);
            results.forEach(r -> assertThat(r.get("action").asString()).as("the second answer's actions: %s",
                    second.text()).isEqualTo(said.group(1)));
        }

        /** Step 8 once the import has ended: v-1 created, v-2 failed (no such status), the error files linked. */
        private void importFinished(WalkThrough readme, Answer a) {
            JsonNode j = a.json();
            assertThat(j.get("status").asString()).as("the import's end: %s", a.text()).isEqualTo("completed");
            assertThat(readme.prose("8")).contains("the seven phases");
            assertThat(j.get("phases")).hasSize(7);
            JsonNode stats = j.get("stats");
            assertThat(List.of(stats.get("read").asInt(), stats.get("created").asInt(), stats.get("failed").asInt()))
                    .as("read, created, failed: %s", stats).containsExactly(2, 1, 1);
            assertThat(http.get("/v1/objects/vendor/records?external_id=v-1").at("/data/0/values/name"))
                    .isEqualTo("One Co");
            assertThat(readme.prose("8")).contains("_errors_csv_url / _errors_json_url");
            Http.Response errors = anonymous.get(j.get("_errors_csv_url").asString());
            assertThat(errors.status()).isEqualTo(200);
            assertThat(errors.body()).contains("v-2,Two Co,bogus");
            assertThat(anonymous.get(j.get("_errors_json_url").asString()).status()).isEqualTo(200);
        }

        /** Step 9 deleted what the import created. */
        private void rolledBack(Answer a) {
            assertThat(a.json().get("deleted_count").asInt()).as("step 9's answer: %s", a.text()).isEqualTo(1);
            assertThat(http.get("/v1/objects/vendor/records?external_id=v-1").at("/data")).isEqualTo("[]");
        }

        /** Step 10b: every suggestion's reason is one the README lists. */
        private void reasonsAsListed(WalkThrough readme, Answer a) {
            Matcher listed = Pattern.compile("\"reason\": ([^)]+)\\)").matcher(readme.prose("10b"));
            assertThat(listed.find()).as("README step 10b lists the reasons").isTrue();
            Set<String> reasons = new LinkedHashSet<>(Arrays.asList(listed.group(1).split(",\\s*|\\s+or\\s+")));
            JsonNode suggestions = a.members().get("suggestions");
            assertThat(suggestions).hasSize(4);
            suggestions.forEach(s -> assertThat(reasons).as("README's reasons (%s)", a.text())
                    .contains(s.get("reason").asString()));
        }

        /** Validate and execute report the small file's second row, whose email is bad. */
        private void badEmailReported(Answer a) {
            JsonNode error = a.members().at("/errors/0");
            assertThat(List.of(error.get("row").asInt(), error.get("field").asString()))
                    .as("the error reported: %s", a.text()).containsExactly(2, "email");
        }

        /** Step 11's file as the README shows it: a byte order mark, then the lines shown, CRLF line ends. */
        private void csvAsShown(WalkThrough.Command c, Answer a) {
            assertThat(c.answer()).as("README shows step 11's file").hasSizeGreaterThan(1);
            assertThat(c.answer().getFirst()).startsWith("vendors.csv").contains("byte order mark").contains("CRLF");
            String shown = "\uFEFF" + String.join("\r\n", c.answer().subList(1, c.answer().size())) + "\r\n";
            assertThat(a.text()).as("step 11's vendors.csv").isEqualTo(shown);
        }

        /**
         * Step 13's fileUrl downloads the workbook, no key needed, works for the file's lifetime (the 24 hours the
         * README says by default; {@link #EXPORT_FILE_TTL} here), then answers 410.
         */
        private void exportFileDownloadsThenExpires(WalkThrough readme, Answer a) {
            assertThat(readme.prose("13")).contains("works for 24 hours, then answers 410");
            assertThat(FreightConfig.from(Map.<String, String>of()::get).exportFileTtl())
                    .as("the default FREIGHT_EXPORT_FILE_TTL").isEqualTo(Duration.ofHours(24));
            JsonNode job = a.members();
            String url = job.get("fileUrl").asString();
            Http.Response file = anonymous.get(url);
            assertThat(file.status()).isEqualTo(200);
            assertThat(file.body()).as("an XLSX (a zip)").startsWith("PK");
            Instant completed = Instant.parse(job.get("completedDateTime").asString());
            Instant expires = Instant.parse(job.get("expiresDateTime").asString());
            assertThat(Duration.between(completed, expires)).isEqualTo(EXPORT_FILE_TTL);
            assertThat(url).contains("expires=" + expires.getEpochSecond() + "&");
            Instant deadline = expires.plus(BACKGROUND);
            while (file.status() == 200 && Instant.now().isBefore(deadline)) {
                pause();
                file = anonymous.get(url);
            }
            assertThat(file.status()).as("step 13's fileUrl once expired: %s", file.body()).isEqualTo(410);
            assertThat(file.body()).isEqualTo("{\"success\":false,\"error\":{\"code\":\"export_file_expired\","
                    + "\"message\":\"Export file has expired (at " + job.get("expiresDateTime").asString()
                    + ") and was deleted; run the export again\"}}");
        }

        /** The status the README shows (else a success) and the members it shows, as the service answered. */
        private void assertAsShown(WalkThrough.Command c, Answer a) {
            // Under a command that writes a file, the README describes the file (step 11, checked by csvAsShown).
            ShownAnswer shown = c.answer().isEmpty() || OUTPUT_FILE.matcher(c.shell()).find() ? null
                    : ShownAnswer.parse(String.join(" ", c.answer()));
            if (shown != null && shown.status() != null) {
                assertThat(a.status()).as("README step %s shows the status %s; the answer: %s", c.id(),
                        shown.status(), a.text()).isEqualTo(shown.status());
            } else if (c.shell().startsWith("curl ")) {
                assertThat(a.status()).as("README step %s: %s answered %s", c.id(), c.shell(), a.text())
                        .isBetween(200, 299);
            }
            if (shown == null || shown.body() == null) {
                return;
            }
            JsonNode expected = shown.body();
            for (Map.Entry<String, Object> e : SMALL_FILE.getOrDefault(c.id(), Map.of()).entrySet()) {
                expected = ShownAnswer.replaced(expected, e.getKey(),
                        JsonNodeFactory.instance.numberNode((Integer) e.getValue()));
            }
            JsonNode actual = shown.some() ? a.members() : a.json();
            assertThat(ShownAnswer.differences(expected, actual, README_BASE, base, learned))
                    .as("README step %s shows %s; the service answered %s", c.id(), String.join(" ", c.answer()),
                            a.text())
                    .isEmpty();
        }

        /** Runs a command until the import or export it follows has ended (at most {@link #BACKGROUND}). */
        private Answer runUntilFinished(WalkThrough.Command c) {
            Instant deadline = Instant.now().plus(BACKGROUND);
            while (true) {
                Answer a = run(c);
                String status = a.members().path("status").asString("");
                if (!UNFINISHED.contains(status)) {
                    return a;
                }
                if (Instant.now().isAfter(deadline)) {
                    fail("README step %s still answered status %s after %s: %s", c.id(), status, BACKGROUND,
                            a.text());
                }
                pause();
            }
        }

        /** The command as a user runs it: the README's text with the port, key, ids and URLs of earlier answers. */
        private String shell(WalkThrough.Command c) {
            String text = c.shell().replace(README_BASE, base).replace(README_KEY, "KEY=" + key);
            Matcher m = PLACEHOLDER.matcher(text);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                String value = learned.get(m.group());
                assertThat(value).as("README step %s uses %s, which no earlier answer shows", c.id(), m.group())
                        .isNotNull();
                m.appendReplacement(out, Matcher.quoteReplacement(value));
            }
            m.appendTail(out);
            assertThat(out.toString()).as("README step %s, every placeholder replaced", c.id())
                    .doesNotContain(ShownAnswer.MORE).doesNotContain("frk_...");
            return out.toString();
        }

        private Answer run(WalkThrough.Command c) {
            String shell = shell(c);
            List<String> script = new ArrayList<>(assignments);
            script.add(shell);
            if (shell.matches("(?s)^[A-Z_]+=.*")) {
                assignments.add(shell);
            }
            try {
                Files.deleteIfExists(headers());
                Path out = dir.resolve("stdout");
                Path err = dir.resolve("stderr");
                ProcessBuilder pb = new ProcessBuilder("/bin/bash", "-c", String.join("\n", script))
                        .directory(work.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
                pb.environment().put("CURL_HOME", curlHome.toString());
                // The server is local: a proxy set for the machine must not stand between curl and it.
                pb.environment().put("no_proxy", "127.0.0.1");
                pb.environment().put("NO_PROXY", "127.0.0.1");
                pb.environment().put("PATH", curl.getParent() + ":" + pb.environment().getOrDefault("PATH", ""));
                Process p = pb.start();
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    fail("README step %s did not end within 120 s: %s", c.id(), shell);
                }
                assertThat(p.exitValue()).as("README step %s exits 0 (%s): %s", c.id(), Files.readString(err), shell)
                        .isZero();
                int status = -1;
                if (Files.exists(headers())) {
                    Matcher m = HTTP_STATUS.matcher(Files.readString(headers()));
                    while (m.find()) {
                        status = Integer.parseInt(m.group(1));
                    }
                }
                Matcher file = OUTPUT_FILE.matcher(shell);
                return new Answer(status, Files.readAllBytes(file.find() ? work.resolve(file.group(1)) : out));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** The curl on the PATH; skips the test without one (fails under CI, as a missing PostgreSQL does). */
    private static Path curl() {
        for (String folder : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path candidate = Path.of(folder, "curl");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        String reason = "The README's walk-through runs curl, and there is none on the PATH: apt-get install curl";
        if (System.getenv("CI") != null) {
            fail(reason);
        }
        Assumptions.abort(reason);
        throw new AssertionError(reason);
    }

    /** Between two runs of a command that follows a background job, as a user waits before repeating it. */
    private static void pause() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
