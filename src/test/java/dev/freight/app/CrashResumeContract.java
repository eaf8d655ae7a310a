package dev.freight.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.testing.FreightProcess;
import dev.freight.testing.Http;
import dev.freight.testing.Http.Response;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server killed with SIGKILL in the middle of a 200,000-row import resumes it from its last checkpoint after a
 * restart, and ends with the same records, counts and error file as an uninterrupted run of the same file.
 */
abstract class CrashResumeContract {

    static final int ROWS = 200_000;
    static final String KEY = "crash-resume-test-key-0001";
    private static final Duration START = Duration.ofSeconds(90);
    private static final HttpClient RAW = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    /** The database settings of the child process (SQLite file or PostgreSQL URL), beyond the data dir. */
    abstract Map<String, String> databaseEnv(Path dataDir);

    @Test
    void anImportKilledMidwayResumesAfterRestartAndMatchesAnUninterruptedRun() throws Exception {
        Path csv = dir.resolve("vendors.csv");
        writeVendors(csv);
        int port = FreightProcess.freePort();
        Map<String, String> env = new HashMap<>(databaseEnv(dir.resolve("data")));
        env.put("FREIGHT_DATA_DIR", dir.resolve("data").toString());
        env.put("SERVER_PORT", String.valueOf(port));
        env.put("FREIGHT_BOOTSTRAP_API_KEY", KEY);
        env.put("FREIGHT_IMPORT_CHUNK_SIZE", "500");
        Http.Client http = new Http.Client("http://127.0.0.1:" + port, KEY);

        String crashed;
        long checkpointAtKill;
        try (FreightProcess first = FreightProcess.start(env)) {
            first.awaitOutput("Started FreightApplication", START);
            crashed = startImport(http, csv);
            checkpointAtKill = awaitCheckpoint(http, crashed, 20_000);
            first.kill();
        }
        try (FreightProcess second = FreightProcess.start(env)) {
            second.awaitOutput("Started FreightApplication", START);
            Response atRestart = http.get("/v1/imports/" + crashed);
            assertThat(atRestart.at("/status")).isEqualTo("processing");
            assertThat(Long.parseLong(atRestart.at("/stats/read"))).isBetween(checkpointAtKill, (long) ROWS - 1);

            Response resumed = awaitFinal(http, crashed);
            String clean = startImport(http, csv);
            Response uninterrupted = awaitFinal(http, clean);

            assertThat(resumed.at("/status")).isEqualTo("completed");
            assertThat(resumed.at("/stats")).isEqualTo(
                    "{\"read\":200000,\"valid\":199800,\"created\":199800,\"updated\":0,\"unchanged\":0,\"deleted\":0,"
                            + "\"skipped_duplicates\":0,\"failed\":200}");
            assertThat(uninterrupted.at("/stats")).isEqualTo(
                    "{\"read\":200000,\"valid\":199800,\"created\":0,\"updated\":0,\"unchanged\":199800,\"deleted\":0,"
                            + "\"skipped_duplicates\":0,\"failed\":200}");
            String resumedErrors = download(resumed.at("/_errors_csv_url"));
            assertThat(resumedErrors).isEqualTo(download(uninterrupted.at("/_errors_csv_url")));
            assertThat(resumedErrors.lines().count()).isEqualTo(201);
            assertThat(resumedErrors.lines().skip(1).findFirst().orElseThrow()).isEqualTo(
                    "2,v-000000,raw_irq_score,invalid_field_value,"
                            + "\"raw_irq_score: expected a number, got \"\"bad\"\"\",v-000000,Vendor 0,active,bad");
            Response page = http.get("/v1/objects/vendor/records?external_id=v-199999");
            assertThat(page.at("/data/0/values")).isEqualTo(
                    "{\"name\":\"Vendor 199999\",\"status\":\"active\",\"raw_irq_score\":99}");
        }
    }

    /** 200,000 vendors; every 1,000th row has a bad score, so 200 rows fail. */
    static void writeVendors(Path csv) throws IOException {
        StringBuilder b = new StringBuilder(ROWS * 40).append("external_id,name,status,raw_irq_score\n");
        for (int i = 0; i < ROWS; i++) {
            String score = i % 1000 == 0 ? "bad" : String.valueOf(i % 100);
            b.append("v-%06d,Vendor %d,active,%s\n".formatted(i, i, score));
        }
        Files.writeString(csv, b);
    }

    static String startImport(Http.Client http, Path csv) throws IOException, InterruptedException {
        Response created = http.post("/v1/imports", "{\"resource\": \"vendor\"}");
        HttpResponse<String> put = RAW.send(HttpRequest.newBuilder(URI.create(created.at("/_upload_url")))
                .header("Content-Type", "text/csv")
                .PUT(HttpRequest.BodyPublishers.ofFile(csv)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).isEqualTo(202);
        return created.at("/id");
    }

    /** Waits until at least {@code rows} rows are committed and returns how many; fails if the import ends first. */
    static long awaitCheckpoint(Http.Client http, String id, long rows) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
        while (Instant.now().isBefore(deadline)) {
            Response r = http.get("/v1/imports/" + id);
            long read = Long.parseLong(r.at("/stats/read"));
            assertThat(r.at("/status")).as("the import must still be running when the server is killed")
                    .isIn("queued", "processing");
            if (read >= rows) {
                return read;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("import " + id + " did not reach " + rows + " rows");
    }

    static Response awaitFinal(Http.Client http, String id) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(240));
        while (Instant.now().isBefore(deadline)) {
            Response r = http.get("/v1/imports/" + id);
            if (List.of("completed", "failed", "timed_out", "expired").contains(r.at("/status"))) {
                return r;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("import " + id + " did not finish: " + http.get("/v1/imports/" + id).body());
    }

    static String download(String url) throws IOException, InterruptedException {
        return RAW.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}
