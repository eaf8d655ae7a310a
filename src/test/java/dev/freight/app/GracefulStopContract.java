package dev.freight.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.testing.FreightProcess;
import dev.freight.testing.Http;
import dev.freight.testing.Http.Response;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server stopped with SIGTERM ({@code Process.destroy()}, as a service manager stops it) in the middle of a
 * 200,000-row background import leaves the import to be resumed: after a restart it ends with the same records,
 * counts and error file as an uninterrupted run, never {@code failed}. The scheduler's shutdown wait is cut to one
 * second so that the import is still running when the scheduler interrupts its worker, whatever the machine's speed.
 */
abstract class GracefulStopContract {

    private static final Duration START = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    /** The database settings of the child process (SQLite file or PostgreSQL URL), beyond the data dir. */
    abstract Map<String, String> databaseEnv(Path dataDir);

    @Test
    void anImportStoppedBySigtermResumesAfterRestartAndMatchesAnUninterruptedRun() throws Exception {
        Path csv = dir.resolve("vendors.csv");
        CrashResumeContract.writeVendors(csv);
        int port = FreightProcess.freePort();
        Map<String, String> env = new HashMap<>(databaseEnv(dir.resolve("data")));
        env.put("FREIGHT_DATA_DIR", dir.resolve("data").toString());
        env.put("SERVER_PORT", String.valueOf(port));
        env.put("FREIGHT_BOOTSTRAP_API_KEY", CrashResumeContract.KEY);
        env.put("FREIGHT_IMPORT_CHUNK_SIZE", "500");
        env.put("DBSCHEDULER_SHUTDOWNMAXWAIT", "1s");
        Http.Client http = new Http.Client("http://127.0.0.1:" + port, CrashResumeContract.KEY);

        String stopped;
        try (FreightProcess first = FreightProcess.start(env)) {
            first.awaitOutput("Started FreightApplication", START);
            stopped = CrashResumeContract.startImport(http, csv);
            CrashResumeContract.awaitCheckpoint(http, stopped, 20_000);
            first.terminate();
            assertThat(first.output()).doesNotContain("import " + stopped + " failed")
                    .doesNotContain("Unhandled exception");
        }
        try (FreightProcess second = FreightProcess.start(env)) {
            second.awaitOutput("Started FreightApplication", START);
            Response atRestart = http.get("/v1/imports/" + stopped);
            assertThat(atRestart.at("/status")).as(atRestart.body()).isIn("processing", "completed");

            Response resumed = CrashResumeContract.awaitFinal(http, stopped);
            String clean = CrashResumeContract.startImport(http, csv);
            Response uninterrupted = CrashResumeContract.awaitFinal(http, clean);

            assertThat(resumed.at("/status")).isEqualTo("completed");
            assertThat(resumed.at("/stats")).isEqualTo(
                    "{\"read\":200000,\"valid\":199800,\"created\":199800,\"updated\":0,\"unchanged\":0,\"deleted\":0,"
                            + "\"skipped_duplicates\":0,\"failed\":200}");
            assertThat(uninterrupted.at("/stats")).isEqualTo(
                    "{\"read\":200000,\"valid\":199800,\"created\":0,\"updated\":0,\"unchanged\":199800,\"deleted\":0,"
                            + "\"skipped_duplicates\":0,\"failed\":200}");
            String resumedErrors = CrashResumeContract.download(resumed.at("/_errors_csv_url"));
            assertThat(resumedErrors).isEqualTo(CrashResumeContract.download(uninterrupted.at("/_errors_csv_url")));
            assertThat(resumedErrors.lines().count()).isEqualTo(201);
            Response page = http.get("/v1/objects/vendor/records?external_id=v-199999");
            assertThat(page.at("/data/0/values")).isEqualTo(
                    "{\"name\":\"Vendor 199999\",\"status\":\"active\",\"raw_irq_score\":99}");
        }
    }
}
