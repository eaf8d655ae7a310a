package dev.freight.app;

import java.nio.file.Path;
import java.util.Map;

class SqliteReadmeWalkThroughTest extends ReadmeWalkThroughContract {

    @Override
    Map<String, String> databaseEnv(Path dataDir) {
        return Map.of();
    }
}
