package dev.freight.app;

import dev.freight.testing.TestPostgres;
import java.nio.file.Path;
import java.util.Map;

class PostgresReadmeWalkThroughTest extends ReadmeWalkThroughContract {

    @Override
    Map<String, String> databaseEnv(Path dataDir) {
        TestPostgres pg = TestPostgres.get();
        return Map.of("FREIGHT_DATABASE_URL", pg.createDatabase("readme_walk_through"), "FREIGHT_DATABASE_USER",
                "postgres");
    }
}
