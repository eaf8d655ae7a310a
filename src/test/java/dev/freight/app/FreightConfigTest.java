package dev.freight.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FreightConfigTest {

    /** An existing directory, as FREIGHT_TEMP_DIR must name. */
    private static final Path TEMP = Path.of(System.getProperty("java.io.tmpdir"));

    @Test
    void defaultsToSqliteUnderTheDataDirectoryAndTheDocumentedLimits() {
        FreightConfig config = FreightConfig.from(Map.<String, String>of()::get);

        assertThat(config.dataDir()).isEqualTo(Path.of("./data"));
        assertThat(config.databaseUrl()).isEqualTo("jdbc:sqlite:./data/freight.db");
        assertThat(config.isSqlite()).isTrue();
        assertThat(config.maxRecordsPerRequest()).isEqualTo(10_000);
        assertThat(config.maxRequestBytes()).isEqualTo(32L * 1024 * 1024);
        assertThat(config.bootstrapApiKey()).isNull();
        assertThat(config.exportAsyncThreshold()).isEqualTo(10_000);
        assertThat(config.exportFileTtl()).isEqualTo(Duration.ofHours(24));
        assertThat(config.parsedFileTtl()).isEqualTo(Duration.ofDays(7));
        assertThat(config.maxParseBytes()).isEqualTo(100L * 1024 * 1024);
        assertThat(config.maxValidationFilesBytes()).isEqualTo(2L * 1024 * 1024 * 1024);
        assertThat(config.maxXlsxPartBytes()).isEqualTo(4L * 1024 * 1024 * 1024);
        assertThat(config.maxXlsCells()).isEqualTo(Runtime.getRuntime().maxMemory() / 256);
        assertThat(config.temporaryDir()).isEqualTo(Path.of(System.getProperty("java.io.tmpdir")));
        assertThat(config.databaseSpareConnections()).isEqualTo(2);
    }

    @Test
    void readsEverySetting() {
        FreightConfig config = FreightConfig.from(Map.ofEntries(
                Map.entry("freight.data-dir", "/srv/freight"),
                Map.entry("freight.database-url", "jdbc:postgresql://db:5432/freight"),
                Map.entry("freight.database-user", "freight"),
                Map.entry("freight.database-password", "secret"),
                Map.entry("freight.bootstrap-api-key", "a-key-of-twenty-chars-or-more"),
                Map.entry("freight.max-records-per-request", "5000"),
                Map.entry("freight.max-request-bytes", "1_000_000"),
                Map.entry("freight.max-upload-bytes", "2000000000"),
                Map.entry("freight.import-max-run-time", "90m"),
                Map.entry("freight.import-chunk-size", "500"),
                Map.entry("freight.upload-url-ttl", "PT2H"),
                Map.entry("freight.download-url-ttl", "1d"),
                Map.entry("freight.public-url", "https://freight.example.com/"),
                Map.entry("freight.url-signing-key", "k3y"),
                Map.entry("freight.max-parse-bytes", "5000000"),
                Map.entry("freight.export-async-threshold", "50000"),
                Map.entry("freight.export-file-ttl", "2d"),
                Map.entry("freight.export-job-retention", "30d"),
                Map.entry("freight.parsed-file-ttl", "3d"),
                Map.entry("freight.import-retention", "90d"),
                Map.entry("freight.max-validation-files-bytes", "500_000_000"),
                Map.entry("freight.max-xlsx-part-bytes", "1_000_000_000"),
                Map.entry("freight.max-xls-cells", "2000000"),
                Map.entry("freight.temp-dir", TEMP.toString()),
                Map.entry("freight.database-spare-connections", "4"))::get);

        assertThat(config).isEqualTo(new FreightConfig(Path.of("/srv/freight"), "jdbc:postgresql://db:5432/freight",
                "freight", "secret", "a-key-of-twenty-chars-or-more", 5000, 1_000_000, 2_000_000_000L,
                Duration.ofMinutes(90), 500, Duration.ofHours(2), Duration.ofDays(1), "https://freight.example.com",
                "k3y", 5_000_000L, 50_000, Duration.ofDays(2), Duration.ofDays(30), Duration.ofDays(3), Duration.ofDays(90),
                500_000_000L,
                1_000_000_000L, 2_000_000L, TEMP, 4));
        assertThat(config.isSqlite()).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "freight.database-url|mysql://x|FREIGHT_DATABASE_URL must start with jdbc:sqlite: or jdbc:postgresql:, got \"mysql://x\"",
        "freight.bootstrap-api-key|short|FREIGHT_BOOTSTRAP_API_KEY must be at least 20 characters long, got 5",
        "server.port|eighty|SERVER_PORT must be a port number from 0 to 65535, got \"eighty\"",
        "server.port|70000|SERVER_PORT must be a port number from 0 to 65535, got \"70000\"",
        "freight.max-records-per-request|0|FREIGHT_MAX_RECORDS_PER_REQUEST must be a whole number from 1 to 1,000,000, got \"0\"",
        "freight.max-request-bytes|lots|FREIGHT_MAX_REQUEST_BYTES must be a whole number from 1 to 9,223,372,036,854,775,807, got \"lots\"",
        "freight.import-max-run-time|soon|FREIGHT_IMPORT_MAX_RUN_TIME must be a duration such as 90s, 15m, 6h or 1d, got \"soon\"",
        "freight.upload-url-ttl|0s|FREIGHT_UPLOAD_URL_TTL must be a duration such as 90s, 15m, 6h or 1d, got \"0s\"",
        "freight.export-async-threshold|-1|FREIGHT_EXPORT_ASYNC_THRESHOLD must be a whole number from 1 to 9,223,372,036,854,775,807, got \"-1\"",
        "freight.export-file-ttl|never|FREIGHT_EXPORT_FILE_TTL must be a duration such as 90s, 15m, 6h or 1d, got \"never\"",
        "freight.import-retention|forever|FREIGHT_IMPORT_RETENTION must be a duration such as 90s, 15m, 6h or 1d, got \"forever\"",
        "freight.max-validation-files-bytes|2GB|FREIGHT_MAX_VALIDATION_FILES_BYTES must be a whole number from 1 to 9,223,372,036,854,775,807, got \"2GB\"",
        "freight.max-validation-files-bytes|0|FREIGHT_MAX_VALIDATION_FILES_BYTES must be a whole number from 1 to 9,223,372,036,854,775,807, got \"0\"",
        "freight.max-xlsx-part-bytes|4GiB|FREIGHT_MAX_XLSX_PART_BYTES must be a whole number from 1 to 9,223,372,036,854,775,807, got \"4GiB\"",
        "freight.max-xls-cells|0|FREIGHT_MAX_XLS_CELLS must be a whole number from 1 to 9,223,372,036,854,775,807, got \"0\"",
        "freight.database-spare-connections|0|FREIGHT_DATABASE_SPARE_CONNECTIONS must be a whole number from 1 to 100, got \"0\"",
        "freight.database-spare-connections|101|FREIGHT_DATABASE_SPARE_CONNECTIONS must be a whole number from 1 to 100, got \"101\"",
        "freight.temp-dir|/no/such/freight/dir|FREIGHT_TEMP_DIR must be an existing directory, got \"/no/such/freight/dir\"",
        "freight.public-url|ftp://x|FREIGHT_PUBLIC_URL must be an http(s) URL such as https://freight.example.com, got \"ftp://x\""
    })
    void aBadSettingIsOneSentenceNamingTheEnvironmentVariable(String property, String value, String message) {
        assertThatThrownBy(() -> FreightConfig.from(Map.of(property, value)::get))
                .isInstanceOf(ConfigException.class)
                .hasMessage(message);
    }
}
