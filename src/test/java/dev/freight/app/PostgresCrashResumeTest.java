package dev.freight.app;

import dev.freight.testing.TestPostgres;
import java.nio.file.Path;
import java.util.Map;

class PostgresCrashResumeTest extends CrashResumeContract {

    @Override
    Map<String, String> databaseEnv(Path dataDir) {
        TestPostgres pg = TestPostgres.get();
        return Map.of("FREIGHT_DATABASE_URL", pg.createDatabase("crash_resume"), "FREIGHT_DATABASE_USER", "postgres");
    }
}
