package dev.freight.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.testing.FreightProcess;
import dev.freight.testing.Http;
import dev.freight.testing.TemporaryFileHolder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Freight started as a real process: first-start bootstrap, the key printed once, the CLI, bad settings, and the
 * training run of the ahead-of-time cache.
 */
class StartupTest {

    private static final Duration START = Duration.ofSeconds(90);

    @TempDir
    Path dataDir;

    private Map<String, String> env(int port) {
        return Map.of("FREIGHT_DATA_DIR", dataDir.toString(), "SERVER_PORT", String.valueOf(port));
    }

    @Test
    void firstStartCreatesTheDataDirAndPrintsAWorkingKeyOnceWithACurlLine() {
        int port = FreightProcess.freePort();
        String key;
        try (FreightProcess first = FreightProcess.start(env(port))) {
            key = first.awaitOutput("Store it now:\\s+(frk_\\S+)", START);
            String curl = first.awaitOutput("(curl -H \"Authorization: Bearer " + key + "\" http://127\\.0\\.0\\.1:"
                    + port + "/v1/import-reports)", START);
            assertThat(curl).isNotEmpty();
            first.awaitOutput("Started FreightApplication", START);
            assertThat(Files.exists(dataDir.resolve("freight.db"))).isTrue();
            Http.Client http = new Http.Client("http://127.0.0.1:" + port, key);
            assertThat(http.get("/actuator/health").body()).isEqualTo("{\"status\":\"UP\"}");
            assertThat(http.get("/v1/import-reports").status()).isEqualTo(200);
            assertThat(http.get("/v1/keys").at("/data/0/kind")).isEqualTo("service_account");
            assertThat(http.get("/v1/keys").at("/data/0/scopes")).isEqualTo("[\"admin\",\"import\",\"export\",\"read\"]");
        }
        try (FreightProcess second = FreightProcess.start(env(port))) {
            second.awaitOutput("Started FreightApplication", START);
            assertThat(second.output()).doesNotContain("frk_").doesNotContain("created the organization");
            assertThat(new Http.Client("http://127.0.0.1:" + port, key).get("/v1/import-reports").status())
                    .isEqualTo(200);
        }
    }

    @Test
    void firstStartBehindAPublicUrlPrintsTheCurlLineWithThePublicUrl() {
        int port = FreightProcess.freePort();
        Map<String, String> env = Map.of("FREIGHT_DATA_DIR", dataDir.toString(), "SERVER_PORT", String.valueOf(port),
                "FREIGHT_PUBLIC_URL", "https://freight.example.com/");
        try (FreightProcess p = FreightProcess.start(env)) {
            String key = p.awaitOutput("Store it now:\\s+(frk_\\S+)", START);
            p.awaitOutput("Started FreightApplication", START);

            assertThat(p.output()).contains(" Try it:\n   curl -H \"Authorization: Bearer " + key
                    + "\" https://freight.example.com/v1/import-reports\n");
        }
    }

    @Test
    void aPresetBootstrapKeyBecomesTheFirstKeyAndIsNotPrinted() {
        int port = FreightProcess.freePort();
        String preset = "preset-bootstrap-key-for-automation-0001";
        Map<String, String> env = Map.of("FREIGHT_DATA_DIR", dataDir.toString(), "SERVER_PORT", String.valueOf(port),
                "FREIGHT_BOOTSTRAP_API_KEY", preset);
        try (FreightProcess p = FreightProcess.start(env)) {
            p.awaitOutput("Started FreightApplication", START);
            assertThat(p.output()).contains("The key is the one given in FREIGHT_BOOTSTRAP_API_KEY (prefix "
                    + preset.substring(0, 4) + ")").doesNotContain(preset);
            assertThat(new Http.Client("http://127.0.0.1:" + port, preset).get("/v1/import-reports").status())
                    .isEqualTo(200);
        }
    }

    @Test
    void theCliCreatesOrganizationsAndKeysThatTheServiceAccepts() {
        Map<String, String> env = Map.of("FREIGHT_DATA_DIR", dataDir.toString());
        FreightProcess org = FreightProcess.start(env, "orgs", "create", "--slug", "acme", "--name", "Acme Inc");
        assertThat(org.waitForExit()).isZero();
        assertThat(org.output()).containsPattern("Created organization acme \\(org_[0-9a-f]{32}\\)");

        FreightProcess keys = FreightProcess.start(env, "keys", "create", "--org", "acme", "--kind",
                "service_account", "--scopes", "admin,import");
        assertThat(keys.waitForExit()).isZero();
        String key = keys.output().lines().filter(l -> l.startsWith("frk_")).findFirst().orElseThrow();
        assertThat(keys.output()).containsPattern("Created service_account key key_[0-9a-f]{32} with scopes "
                + "\\[admin, import\\]");

        FreightProcess missing = FreightProcess.start(env, "keys", "create", "--org", "nobody", "--kind", "user");
        assertThat(missing.waitForExit()).isEqualTo(1);
        assertThat(missing.output()).contains(
                "There is no organization \"nobody\"; create it first with: orgs create --slug nobody");
        FreightProcess unlisted = FreightProcess.start(env, "keys", "list", "--org", "nobody");
        assertThat(unlisted.waitForExit()).isEqualTo(1);
        assertThat(unlisted.output()).contains(
                "There is no organization \"nobody\"; create it first with: orgs create --slug nobody");

        int port = FreightProcess.freePort();
        try (FreightProcess server = FreightProcess.start(env(port))) {
            server.awaitOutput("Started FreightApplication", START);
            assertThat(server.output()).doesNotContain("created the organization");
            Http.Client http = new Http.Client("http://127.0.0.1:" + port, key);
            assertThat(http.post("/v1/import-reports", dev.freight.api.SeedExamples.REPORT).status()).isEqualTo(201);
            assertThat(http.post("/v1/import/vendor-custom-import", dev.freight.api.SeedExamples.BATCH).status())
                    .isEqualTo(200);
        }
    }

    @Test
    void helpPrintsTheUsageAndAnUnknownCommandIsRefusedWithoutStartingTheService() throws IOException {
        Map<String, String> env = Map.of("FREIGHT_DATA_DIR", dataDir.toString());
        FreightProcess help = FreightProcess.start(env, "--help");
        assertThat(help.waitForExit()).isZero();
        assertThat(help.output()).startsWith("usage:\n  java -jar freight.jar [--setting=value ...]   starts the"
                + " service (settings: docs/operations.md)\n  java -jar freight.jar orgs create --slug SLUG");

        FreightProcess unknown = FreightProcess.start(env, "serve");
        assertThat(unknown.waitForExit()).isEqualTo(2);
        assertThat(unknown.output()).startsWith("Unknown command \"serve\"\nusage:\n")
                .doesNotContain("Started FreightApplication");
        try (Stream<Path> created = Files.list(dataDir)) {
            assertThat(created).as("nothing started, so no database").isEmpty();
        }
    }

    /**
     * A start deletes the temporary files a process killed with SIGKILL left in FREIGHT_TEMP_DIR, and keeps those of a
     * process still running there (instances may share the directory) and whatever Freight did not write. Before,
     * nothing deleted them, and every crash during a large workbook's read or a validation left its files for good.
     */
    @Test
    void aStartDeletesTheTemporaryFilesOfAKilledProcessAndKeepsThoseOfARunningOne(@TempDir Path temp)
            throws IOException {
        int port = FreightProcess.freePort();
        Path notes = temp.resolve("notes.txt");
        try (TemporaryFileHolder running = TemporaryFileHolder.holding(temp)) {
            Path left;
            try (TemporaryFileHolder killed = TemporaryFileHolder.holding(temp)) {
                left = killed.file();
                killed.kill();
            }
            Files.writeString(notes, "not Freight's");
            assertThat(left).exists();

            try (FreightProcess p = FreightProcess.start(Map.of("FREIGHT_DATA_DIR", dataDir.toString(),
                    "SERVER_PORT", String.valueOf(port), "FREIGHT_TEMP_DIR", temp.toString()))) {
                p.awaitOutput("Started FreightApplication", START);

                assertThat(left.getParent()).doesNotExist();
                assertThat(running.file()).exists();
                assertThat(notes).hasContent("not Freight's");
                assertThat(p.output()).contains("deleted the temporary files of 1 stopped process(es) in " + temp
                        + ": [" + left.getParent() + "]");
            }
        }
    }

    @Test
    void aBadSettingStopsStartUpWithOneSentenceNamingIt() {
        FreightProcess p = FreightProcess.start(Map.of("FREIGHT_DATA_DIR", dataDir.toString(),
                "FREIGHT_DATABASE_URL", "mysql://db.example/freight"));

        assertThat(p.waitForExit()).isNotZero();
        assertThat(p.output()).contains("FREIGHT_DATABASE_URL must start with jdbc:sqlite: or jdbc:postgresql:, got"
                + " \"mysql://db.example/freight\"")
                .contains("APPLICATION FAILED TO START")
                .doesNotContain("\tat dev.freight");
    }

    @Test
    void theTrainingRunImportsMadeUpVendorsIntoAThrowawayDatabaseAndExits(@TempDir Path tmp) throws IOException {
        // The child's temporary directory is tmp, where the run's throwaway database lives until it ends.
        // The real service's settings, which the training must not follow.
        FreightProcess p = FreightProcess.start(Map.of("FREIGHT_DATA_DIR", dataDir.toString(),
                "FREIGHT_PUBLIC_URL", "https://freight.example.com",
                "JAVA_TOOL_OPTIONS", "-Djava.io.tmpdir=" + tmp), "train", "--rows", "3000");

        assertThat(p.waitForExit()).isZero();
        assertThat(p.output()).contains("Trained on 3000 rows: a fresh load, an update of every row, an unchanged"
                + " re-load and a CSV export.");
        try (Stream<Path> left = Files.list(tmp)) {
            assertThat(left.map(f -> f.getFileName().toString())).noneMatch(name -> name.startsWith("freight-train"));
        }
        try (Stream<Path> configured = Files.list(dataDir)) {
            assertThat(configured).isEmpty();
        }
    }

    @Test
    void theTrainingRunTakesOnlyARowCount() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int code = Training.run(new String[] {"train", "--rows", "0"}, System.out, new PrintStream(err, true,
                StandardCharsets.UTF_8));

        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .isEqualTo("usage: java -XX:AOTCacheOutput=freight.aot -jar freight.jar train [--rows N]\n");
    }
}
