package dev.freight.app;

import dev.freight.testing.TestPostgres;
import java.nio.file.Path;
import java.util.Map;

class PostgresGracefulStopTest extends GracefulStopContract {

    @Override
    Map<String, String> databaseEnv(Path dataDir) {
        TestPostgres pg = TestPostgres.get();
        return Map.of("FREIGHT_DATABASE_URL", pg.createDatabase("graceful_stop"), "FREIGHT_DATABASE_USER", "postgres");
    }
}
