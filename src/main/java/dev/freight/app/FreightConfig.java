package dev.freight.app;

import dev.freight.ingest.WorkbookLimits;
import dev.freight.store.Database;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Freight's settings, parsed and checked once at start-up. Each comes from an environment variable (named in the
 * messages) or the matching property in {@code application.properties}, e.g. {@code FREIGHT_DATA_DIR} or
 * {@code freight.data-dir}.
 *
 * @param databaseUrl a {@code jdbc:sqlite:} or {@code jdbc:postgresql:} URL
 * @param databaseUser null when the URL or database needs none
 * @param bootstrapApiKey the first key to create on an empty database instead of a generated one, or null
 * @param exportAsyncThreshold exports of more records than this run as background jobs
 * @param exportFileTtl how long a background export's file is kept after it completes
 * @param exportJobRetention how long an ended export job (its file expired, or failed) stays listed; then its row is
 *     deleted
 * @param parsedFileTtl how long a file uploaded to the workflow's parse step is kept for validate and execute
 * @param importRetention how long an ended import keeps its upload, rejected rows and change log (and so can be
 *     rolled back)
 * @param maxValidationFilesBytes the most bytes the finished errors files of the validate step may take together
 * @param maxXlsxPartBytes the most bytes one part of an uploaded XLSX may expand to, and its shared strings may take
 *     in their temporary file
 * @param maxXlsCells the most cells and shared strings an uploaded XLS may hold (it is read whole into the heap), each
 *     256 bytes of its records counting as one more; by default one per 256 bytes of the JVM's maximum heap
 * @param temporaryDir an existing directory for the temporary files of reads (an XLSX's shared strings past the
 *     heap's share); by default {@code java.io.tmpdir}
 * @param databaseSpareConnections the most connections of the database's spare pool, which an export job's progress
 *     saves and a PostgreSQL export's reference look-ups take while their stream holds one of the main pool
 */
public record FreightConfig(
        Path dataDir,
        String databaseUrl,
        String databaseUser,
        String databasePassword,
        String bootstrapApiKey,
        int maxRecordsPerRequest,
        long maxRequestBytes,
        long maxUploadBytes,
        Duration importMaxRunTime,
        int importChunkSize,
        Duration uploadUrlTtl,
        Duration downloadUrlTtl,
        String publicUrl,
        String urlSigningKey,
        long maxParseBytes,
        long exportAsyncThreshold,
        Duration exportFileTtl,
        Duration exportJobRetention,
        Duration parsedFileTtl,
        Duration importRetention,
        long maxValidationFilesBytes,
        long maxXlsxPartBytes,
        long maxXlsCells,
        Path temporaryDir,
        int databaseSpareConnections) {

    private static final Pattern DURATION = Pattern.compile("^(\\d{1,9})([smhd])$");

    /** The most connections {@code FREIGHT_DATABASE_SPARE_CONNECTIONS} may give the spare pool. */
    static final int MAX_SPARE_CONNECTIONS = 100;

    /** Reads and checks every setting; {@code property} answers Spring-style property names. */
    public static FreightConfig from(Function<String, String> property) {
        Path dataDir = Path.of(value(property, "freight.data-dir", "./data"));
        String url = value(property, "freight.database-url", null);
        if (url == null) {
            url = "jdbc:sqlite:" + dataDir.resolve("freight.db");
        } else if (!url.startsWith("jdbc:sqlite:") && !url.startsWith("jdbc:postgresql:")) {
            throw new ConfigException("FREIGHT_DATABASE_URL must start with jdbc:sqlite: or jdbc:postgresql:, got \""
                    + url + "\"");
        }
        String key = value(property, "freight.bootstrap-api-key", null);
        if (key != null && key.length() < 20) {
            throw new ConfigException(
                    "FREIGHT_BOOTSTRAP_API_KEY must be at least 20 characters long, got " + key.length());
        }
        port(property);
        return new FreightConfig(
                dataDir,
                url,
                value(property, "freight.database-user", null),
                value(property, "freight.database-password", null),
                key,
                (int) positive(property, "freight.max-records-per-request", 10_000, 1_000_000),
                positive(property, "freight.max-request-bytes", 32L * 1024 * 1024, Long.MAX_VALUE),
                positive(property, "freight.max-upload-bytes", 4L * 1024 * 1024 * 1024, Long.MAX_VALUE),
                duration(property, "freight.import-max-run-time", Duration.ofHours(6)),
                (int) positive(property, "freight.import-chunk-size", 1_000, 100_000),
                duration(property, "freight.upload-url-ttl", Duration.ofHours(1)),
                duration(property, "freight.download-url-ttl", Duration.ofHours(1)),
                publicUrl(property),
                value(property, "freight.url-signing-key", null),
                positive(property, "freight.max-parse-bytes", 100L * 1024 * 1024, Long.MAX_VALUE),
                positive(property, "freight.export-async-threshold", 10_000, Long.MAX_VALUE),
                duration(property, "freight.export-file-ttl", Duration.ofHours(24)),
                duration(property, "freight.export-job-retention", Duration.ofDays(90)),
                duration(property, "freight.parsed-file-ttl", Duration.ofDays(7)),
                duration(property, "freight.import-retention", Duration.ofDays(30)),
                positive(property, "freight.max-validation-files-bytes", 2L * 1024 * 1024 * 1024, Long.MAX_VALUE),
                positive(property, "freight.max-xlsx-part-bytes", WorkbookLimits.DEFAULT_MAX_PART_BYTES,
                        Long.MAX_VALUE),
                positive(property, "freight.max-xls-cells", WorkbookLimits.defaultMaxXlsCells(), Long.MAX_VALUE),
                directory(property, "freight.temp-dir", WorkbookLimits.defaultTemporaryDir()),
                (int) positive(property, "freight.database-spare-connections", Database.DEFAULT_SPARE_CONNECTIONS,
                        MAX_SPARE_CONNECTIONS));
    }

    /** How far an uploaded workbook may expand when it is read. */
    public WorkbookLimits workbookLimits() {
        return new WorkbookLimits(maxXlsxPartBytes, maxXlsCells, temporaryDir);
    }

    /** A directory that exists when Freight starts. */
    private static Path directory(Function<String, String> property, String name, Path fallback) {
        String raw = value(property, name, null);
        Path dir = raw == null ? fallback : Path.of(raw);
        if (!Files.isDirectory(dir)) {
            throw new ConfigException("%s must be an existing directory, got \"%s\"".formatted(envName(name), dir));
        }
        return dir;
    }

    private static String publicUrl(Function<String, String> property) {
        String url = value(property, "freight.public-url", null);
        if (url != null && !url.matches("^https?://[^\\s/]+(/\\S*)?$")) {
            throw new ConfigException("FREIGHT_PUBLIC_URL must be an http(s) URL such as https://freight.example.com,"
                    + " got \"" + url + "\"");
        }
        return url == null ? null : url.replaceAll("/+$", "");
    }

    /** A duration written as 90s, 15m, 6h, 1d or ISO-8601 (PT6H). */
    private static Duration duration(Function<String, String> property, String name, Duration fallback) {
        String raw = value(property, name, null);
        if (raw == null) {
            return fallback;
        }
        try {
            Matcher m = DURATION.matcher(raw);
            Duration d = m.matches()
                    ? Duration.of(Long.parseLong(m.group(1)), switch (m.group(2)) {
                        case "s" -> ChronoUnit.SECONDS;
                        case "m" -> ChronoUnit.MINUTES;
                        case "h" -> ChronoUnit.HOURS;
                        default -> ChronoUnit.DAYS;
                    })
                    : Duration.parse(raw);
            if (!d.isNegative() && !d.isZero()) {
                return d;
            }
        } catch (DateTimeParseException | ArithmeticException notADuration) {
            // reported below
        }
        throw new ConfigException("%s must be a duration such as 90s, 15m, 6h or 1d, got \"%s\"".formatted(
                envName(name), raw));
    }

    public boolean isSqlite() {
        return databaseUrl.startsWith("jdbc:sqlite:");
    }

    private static void port(Function<String, String> property) {
        String raw = value(property, "server.port", null);
        if (raw == null) {
            return;
        }
        try {
            int port = Integer.parseInt(raw);
            if (port >= 0 && port <= 65_535) {
                return;
            }
        } catch (NumberFormatException notANumber) {
            // reported below
        }
        throw new ConfigException("SERVER_PORT must be a port number from 0 to 65535, got \"" + raw + "\"");
    }

    private static long positive(Function<String, String> property, String name, long fallback, long max) {
        String raw = value(property, name, null);
        if (raw == null) {
            return fallback;
        }
        try {
            long n = Long.parseLong(raw.replace("_", ""));
            if (n >= 1 && n <= max) {
                return n;
            }
        } catch (NumberFormatException notANumber) {
            // reported below
        }
        throw new ConfigException("%s must be a whole number from 1 to %,d, got \"%s\"".formatted(envName(name), max,
                raw));
    }

    private static String value(Function<String, String> property, String name, String fallback) {
        String v = property.apply(name);
        return v == null || v.isBlank() ? fallback : v.strip();
    }

    /** The environment variable for a property: {@code freight.data-dir} → {@code FREIGHT_DATA_DIR}. */
    static String envName(String property) {
        return property.replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT);
    }
}
