package dev.freight.app;

import java.nio.file.Path;
import java.util.Map;

class SqliteCrashResumeTest extends CrashResumeContract {

    @Override
    Map<String, String> databaseEnv(Path dataDir) {
        return Map.of();
    }
}
