package dev.freight.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FreightConfigTest {

    @Test
    void defaultsToSqliteUnderTheDataDirectoryAndTheDocumentedLimits() {
        FreightConfig config = FreightConfig.from(Map.<String, String>of()::get);

        assertThat(config.dataDir()).isEqualTo(Path.of("./data"));
        assertThat(config.databaseUrl()).isEqualTo("jdbc:sqlite:./data/freight.db");
        assertThat(config.isSqlite()).isTrue();
        assertThat(config.maxRecordsPerRequest()).isEqualTo(10_000);
        assertThat(config.maxRequestBytes()).isEqualTo(32L * 1024 * 1024);
        assertThat(config.bootstrapApiKey()).isNull();
    }

    @Test
    void readsEverySetting() {
        FreightConfig config = FreightConfig.from(Map.of(
                "freight.data-dir", "/srv/freight",
                "freight.database-url", "jdbc:postgresql://db:5432/freight",
                "freight.database-user", "freight",
                "freight.database-password", "secret",
                "freight.bootstrap-api-key", "a-key-of-twenty-chars-or-more",
                "freight.max-records-per-request", "5000",
                "freight.max-request-bytes", "1_000_000")::get);

        assertThat(config).isEqualTo(new FreightConfig(Path.of("/srv/freight"), "jdbc:postgresql://db:5432/freight",
                "freight", "secret", "a-key-of-twenty-chars-or-more", 5000, 1_000_000));
        assertThat(config.isSqlite()).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "freight.database-url|mysql://x|FREIGHT_DATABASE_URL must start with jdbc:sqlite: or jdbc:postgresql:, got \"mysql://x\"",
        "freight.bootstrap-api-key|short|FREIGHT_BOOTSTRAP_API_KEY must be at least 20 characters long, got 5",
        "server.port|eighty|SERVER_PORT must be a port number from 0 to 65535, got \"eighty\"",
        "server.port|70000|SERVER_PORT must be a port number from 0 to 65535, got \"70000\"",
        "freight.max-records-per-request|0|FREIGHT_MAX_RECORDS_PER_REQUEST must be a whole number from 1 to 1,000,000, got \"0\"",
        "freight.max-request-bytes|lots|FREIGHT_MAX_REQUEST_BYTES must be a whole number from 1 to 9,223,372,036,854,775,807, got \"lots\""
    })
    void aBadSettingIsOneSentenceNamingTheEnvironmentVariable(String property, String value, String message) {
        assertThatThrownBy(() -> FreightConfig.from(Map.of(property, value)::get))
                .isInstanceOf(ConfigException.class)
                .hasMessage(message);
    }
}
