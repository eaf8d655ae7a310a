package dev.freight.app;

import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import dev.freight.api.ApiConfiguration;
import dev.freight.api.ExportSettings;
import dev.freight.api.Limits;
import dev.freight.engine.ImportFiles;
import dev.freight.export.ExportFiles;
import dev.freight.export.Exporter;
import dev.freight.jobs.ExportTasks;
import dev.freight.store.ExportJobStore;
import dev.freight.store.RecordStream;
import dev.freight.store.SavedReportStore;
import dev.freight.engine.UploadSources;
import dev.freight.jobs.ImportRetention;
import dev.freight.jobs.ParsedFileSweeper;
import dev.freight.jobs.StrandedJobs;
import dev.freight.jobs.ValidationFileSweeper;
import dev.freight.engine.ValidationFiles;
import dev.freight.engine.ValidationLeaseRenewal;
import dev.freight.store.ValidationFileStore;
import dev.freight.mapping.MappingSuggester;
import dev.freight.mapping.OpenAiCompatibleMatcher;
import dev.freight.store.MappingMemoryStore;
import dev.freight.store.ParsedFileStore;
import dev.freight.jobs.ImportTasks;
import dev.freight.store.UploadStore;
import java.time.Duration;
import dev.freight.engine.ImportJobs;
import dev.freight.engine.ImportPipeline;
import dev.freight.engine.ImportRollback;
import dev.freight.store.ImportStore;
import javax.sql.DataSource;
import dev.freight.store.Database;
import dev.freight.store.Dialect;
import dev.freight.store.IdGenerator;
import dev.freight.store.RecordStore;
import dev.freight.store.ReportStore;
import dev.freight.store.SchemaStore;
import dev.freight.store.TenantStore;
import dev.freight.store.postgres.PostgresDialect;
import dev.freight.store.sqlite.SqliteDialect;
import dev.freight.ingest.TemporaryFiles;
import dev.freight.ingest.WorkbookLimits;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.io.UncheckedIOException;
import java.time.Clock;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import jakarta.servlet.MultipartConfigElement;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/** The beans that make Freight: configuration, the database and its dialect, stores and the engine. */
@Configuration(proxyBeanMethods = false)
class FreightWiring {

    private static final Logger LOG = LoggerFactory.getLogger(FreightWiring.class);

    @Bean
    FreightConfig freightConfig(Environment environment) {
        return FreightConfig.from(environment::getProperty);
    }

    /**
     * The limits of workbook reads, once the temporary files that killed processes left in {@code FREIGHT_TEMP_DIR}
     * are deleted (those of processes still running, which may share the directory, are kept: TemporaryFiles).
     */
    @Bean
    WorkbookLimits workbookLimits(FreightConfig config, Clock clock) {
        try {
            // Logs what it deleted.
            TemporaryFiles.sweep(config.temporaryDir(), clock.instant());
        } catch (IOException e) {
            LOG.warn("could not look for the temporary files stopped processes left in {}: {}", config.temporaryDir(),
                    e.toString());
        }
        return config.workbookLimits();
    }

    @Bean
    Limits limits(FreightConfig config, WorkbookLimits workbooks) {
        return new Limits(config.maxRecordsPerRequest(), config.maxRequestBytes(), config.maxUploadBytes(),
                config.maxParseBytes(), workbooks);
    }

    @Bean
    ApiConfiguration.UrlSettings urlSettings(FreightConfig config) {
        return new ApiConfiguration.UrlSettings(config.urlSigningKey(), config.publicUrl(), config.uploadUrlTtl(),
                config.downloadUrlTtl());
    }

    @Bean
    UploadStore uploadStore(FreightConfig config) {
        return new UploadStore(config.dataDir().resolve("uploads"));
    }

    @Bean
    UploadSources uploadSources(UploadStore uploads, Database database, ImportStore imports,
            WorkbookLimits workbooks) {
        return new UploadSources(uploads, database, imports, workbooks);
    }

    @Bean
    ImportFiles importFiles(Database database, ImportStore imports) {
        return new ImportFiles(database, imports);
    }

    @Bean
    ImportTasks importTasks(Database database, ImportStore imports, ImportPipeline pipeline, UploadSources sources,
            MappingMemoryStore memory, Clock clock) {
        return new ImportTasks(database, imports, pipeline, sources, memory, clock, Duration.ofSeconds(10));
    }

    @Bean
    OneTimeTask<Integer> importRunTask(ImportTasks tasks) {
        return tasks.runTask();
    }

    @Bean
    RecurringTask<Void> importExpiryTask(ImportTasks tasks) {
        return tasks.expiryTask();
    }

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    IdGenerator idGenerator(Clock clock) {
        return new IdGenerator(clock);
    }

    /** The one place that picks the database dialect. */
    static Dialect dialectFor(FreightConfig config) {
        return config.isSqlite() ? new SqliteDialect() : new PostgresDialect();
    }

    @Bean(destroyMethod = "close")
    Database database(FreightConfig config) {
        Dialect dialect = dialectFor(config);
        try {
            dialect.createDataDirectory(config.dataDir());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create FREIGHT_DATA_DIR " + config.dataDir(), e);
        }
        Database database = Database.open(dialect, config.databaseUrl(), config.databaseUser(),
                config.databasePassword(), null, config.databaseSpareConnections());
        database.migrate();
        return database;
    }

    @Bean
    RecordStore recordStore(IdGenerator ids, Clock clock) {
        return new RecordStore(ids, clock);
    }

    @Bean
    TenantStore tenantStore(IdGenerator ids, Clock clock) {
        return new TenantStore(ids, clock);
    }

    @Bean
    ReportStore reportStore(IdGenerator ids, Clock clock) {
        return new ReportStore(ids, clock);
    }

    @Bean
    SchemaStore schemaStore(Clock clock) {
        return new SchemaStore(clock);
    }

    @Bean
    Tenants tenants(Database database, TenantStore tenantStore) {
        return new Tenants(database, tenantStore);
    }

    @Bean
    @ConditionalOnWebApplication
    Bootstrap bootstrap(Tenants tenants, FreightConfig config, Environment environment) {
        return new Bootstrap(tenants, config, environment, System.out);
    }

    @Bean
    ImportStore importStore(Clock clock) {
        return new ImportStore(clock);
    }

    @Bean
    ImportJobs importJobs(IdGenerator ids, Clock clock, FreightConfig config) {
        return new ImportJobs(ids, clock, config.importMaxRunTime());
    }

    @Bean
    ImportPipeline importPipeline(Database database, ImportStore imports, RecordStore records, SchemaStore schemas,
            Clock clock, FreightConfig config) {
        return new ImportPipeline(database, imports, records, schemas, clock, config.importChunkSize());
    }

    @Bean
    ImportRollback importRollback(Database database, ImportStore imports, RecordStore records, SchemaStore schemas,
            Clock clock) {
        return new ImportRollback(database, imports, records, schemas, clock);
    }

    @Bean
    ParsedFileStore parsedFileStore(Clock clock) {
        return new ParsedFileStore(clock);
    }

    @Bean
    MappingMemoryStore mappingMemoryStore(Clock clock) {
        return new MappingMemoryStore(clock);
    }

    /** Multipart uploads (the file workflow's parse step) up to FREIGHT_MAX_PARSE_BYTES; larger → 400. */
    @Bean
    MultipartConfigElement multipartConfig(FreightConfig config) {
        long max = config.maxParseBytes();
        return new MultipartConfigElement("", max, max + 1024 * 1024, 1024 * 1024);
    }

    @Bean
    ParsedFileSweeper parsedFileSweeper(Database database, ParsedFileStore files, UploadStore uploads, Clock clock,
            FreightConfig config) {
        return new ParsedFileSweeper(database, files, uploads, clock, config.parsedFileTtl(), Duration.ofMinutes(10));
    }

    @Bean
    RecurringTask<Void> parsedFileExpiryTask(ParsedFileSweeper sweeper) {
        return sweeper.task();
    }

    @Bean
    ValidationFileStore validationFileStore() {
        return new ValidationFileStore();
    }

    /**
     * The validate step's errors files, kept as long as their download URLs live (FREIGHT_DOWNLOAD_URL_TTL) within
     * FREIGHT_MAX_VALIDATION_FILES_BYTES.
     */
    @Bean
    ValidationFiles validationFiles(FreightConfig config, Database database, ValidationFileStore store,
            IdGenerator ids, Clock clock) {
        return new ValidationFiles(config.dataDir().resolve("validations"), database, store, ids, clock,
                config.downloadUrlTtl(), config.maxValidationFilesBytes());
    }

    /**
     * Renews the leases of the validation errors files this instance writes, every minute, until shutdown (Spring
     * calls its close).
     */
    @Bean
    ValidationLeaseRenewal validationLeaseRenewal(ValidationFiles files) {
        return new ValidationLeaseRenewal(files, ValidationFiles.RENEWAL);
    }

    /** Deleted files' marks are kept as long as an ended import's rows, so their downloads answer 410 that long. */
    @Bean
    ValidationFileSweeper validationFileSweeper(Database database, ValidationFileStore store, ValidationFiles files,
            Clock clock, FreightConfig config) {
        return new ValidationFileSweeper(database, store, files, clock, config.importRetention(),
                Duration.ofMinutes(1));
    }

    @Bean
    RecurringTask<Void> validationFileExpiryTask(ValidationFileSweeper sweeper) {
        return sweeper.task();
    }

    @Bean
    ImportRetention importRetention(Database database, ImportStore imports, UploadStore uploads, Clock clock,
            FreightConfig config) {
        return new ImportRetention(database, imports, uploads, clock, config.importRetention(), Duration.ofHours(1));
    }

    @Bean
    RecurringTask<Void> importRetentionTask(ImportRetention retention) {
        return retention.task();
    }

    /** The column-mapping suggester, with the external model of FREIGHT_MAPPING_MODEL_URL when it is set. */
    @Bean
    MappingSuggester mappingSuggester() {
        try {
            return new MappingSuggester(OpenAiCompatibleMatcher.fromEnvironment(System.getenv()).orElse(null));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /** The pool as a bean, so db-scheduler (and nothing else) picks it up. */
    @Bean
    DataSource dataSource(Database database) {
        return database.dataSource();
    }

    // ---- exports

    @Bean
    ExportSettings exportSettings(FreightConfig config) {
        return new ExportSettings(config.exportAsyncThreshold());
    }

    @Bean
    RecordStream recordStream(Database database) {
        return new RecordStream(database);
    }

    @Bean
    ExportJobStore exportJobStore() {
        return new ExportJobStore();
    }

    @Bean
    SavedReportStore savedReportStore(IdGenerator ids, Clock clock) {
        return new SavedReportStore(ids, clock);
    }

    @Bean
    Exporter exporter(Database database, RecordStream records) {
        return new Exporter(database, records);
    }

    @Bean
    ExportFiles exportFiles(FreightConfig config) {
        return new ExportFiles(config.dataDir().resolve("exports"));
    }

    @Bean
    ExportTasks exportTasks(Database database, ExportJobStore jobs, SchemaStore schemas, Exporter exporter,
            ExportFiles files, Clock clock, FreightConfig config) {
        return new ExportTasks(database, jobs, schemas, exporter, files, clock, config.exportFileTtl(),
                config.exportJobRetention(), Duration.ofMinutes(1));
    }

    /**
     * Queues again the runs of accepted imports and export jobs that never reached the queue (a process killed between
     * the commit and the queuing). Ten minutes: the queuing follows the commit at once, but a sync upload's request
     * first prepares its import, and prepare's longest stretch without saving the import (prevalidation's read of the
     * file) takes up to about a minute for a big file; a stranded job still runs within about 11 minutes.
     */
    @Bean
    StrandedJobs strandedJobs(Database database, ImportStore imports, ExportJobStore exportJobs,
            ImportTasks importTasks, ExportTasks exportTasks, Clock clock) {
        return new StrandedJobs(database, imports, exportJobs, importTasks, exportTasks, clock, Duration.ofMinutes(10),
                Duration.ofMinutes(1));
    }

    @Bean
    RecurringTask<Void> strandedJobsTask(StrandedJobs stranded) {
        return stranded.task();
    }

    @Bean
    OneTimeTask<Integer> exportRunTask(ExportTasks tasks) {
        return tasks.runTask();
    }

    @Bean
    RecurringTask<Void> exportExpiryTask(ExportTasks tasks) {
        return tasks.expiryTask();
    }
}
