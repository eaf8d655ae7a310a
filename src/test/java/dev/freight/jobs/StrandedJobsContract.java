package dev.freight.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.kagkarlsson.scheduler.ScheduledExecution;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.task.TaskInstanceId;
import dev.freight.engine.ExecuteOptions;
import dev.freight.engine.ImportJobs;
import dev.freight.engine.ImportPipeline;
import dev.freight.engine.UploadSources;
import dev.freight.export.ExportConfig;
import dev.freight.export.ExportFiles;
import dev.freight.export.Exporter;
import dev.freight.store.Database;
import dev.freight.store.ExportJob;
import dev.freight.store.ExportJobStore;
import dev.freight.store.IdGenerator;
import dev.freight.store.ImportEnums.Action;
import dev.freight.store.ImportEnums.DuplicateHandling;
import dev.freight.store.ImportEnums.Status;
import dev.freight.store.ImportEnums.UploadMode;
import dev.freight.store.ImportJob;
import dev.freight.store.ImportStats;
import dev.freight.store.ImportStore;
import dev.freight.store.MappingMemoryStore;
import dev.freight.store.RecordStore;
import dev.freight.store.RecordStream;
import dev.freight.store.SchemaStore;
import dev.freight.store.TenantStore;
import dev.freight.store.UploadStore;
import dev.freight.testing.SettableClock;
import dev.freight.testing.TestDatabases;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code stranded-jobs} sweep against a real database and db-scheduler's real queue table, with an injected clock
 * and no scheduler polling: an import or export job accepted (committed) whose run was never queued, as when the
 * process dies between the commit and the queuing, is queued again once the grace period has passed, not before, and
 * its run (called in-line, as a worker would) completes it; one whose run is queued, one that ended and a JSON Import
 * API call's import are left alone.
 */
abstract class StrandedJobsContract {

    static final Instant START = Instant.parse("2025-03-01T09:00:00Z");
    static final Duration GRACE = Duration.ofMinutes(10);
    private static final AtomicInteger DATABASES = new AtomicInteger();

    abstract TestDatabases database();

    @TempDir
    Path dir;

    SettableClock clock;
    Database db;
    ImportStore imports;
    ImportJobs jobs;
    UploadStore uploads;
    ExportJobStore exportJobs;
    ImportTasks importTasks;
    ExportTasks exportTasks;
    StrandedJobs stranded;
    SchedulerClient client;
    String org;

    @BeforeEach
    void setUp() {
        clock = new SettableClock(START);
        db = database().open("stranded_jobs_" + DATABASES.incrementAndGet());
        IdGenerator ids = new IdGenerator(clock);
        imports = new ImportStore(clock);
        SchemaStore schemas = new SchemaStore(clock);
        ImportPipeline pipeline = new ImportPipeline(db, imports, new RecordStore(ids, clock), schemas, clock, 3);
        jobs = new ImportJobs(ids, clock, Duration.ofHours(1));
        uploads = new UploadStore(dir.resolve("uploads"));
        exportJobs = new ExportJobStore();
        importTasks = new ImportTasks(db, imports, pipeline, new UploadSources(uploads, db, imports),
                new MappingMemoryStore(clock), clock, Duration.ofSeconds(10));
        exportTasks = new ExportTasks(db, exportJobs, schemas, new Exporter(db, new RecordStream(db)),
                new ExportFiles(dir.resolve("exports")), clock, Duration.ofHours(24), Duration.ofDays(90),
                Duration.ofMinutes(1));
        stranded = new StrandedJobs(db, imports, exportJobs, importTasks, exportTasks, clock, GRACE,
                Duration.ofMinutes(1));
        client = SchedulerClient.Builder.create(db.dataSource(), importTasks.runTask(), exportTasks.runTask()).build();
        org = db.inTransaction(h -> new TenantStore(ids, clock).createOrganization(h, "acme", "Acme")).id();
    }

    @AfterEach
    void close() {
        db.close();
    }

    @Test
    void importsAndAnExportAcceptedWithoutTheirRunAreQueuedAgainAfterTheGracePeriodAndComplete() throws IOException {
        ImportJob resource = acceptedUpload("external_id,name\nv-1,Acme\nv-2,Beta\nv-3,\nv-4,Delta\n");
        clock.advance(Duration.ofSeconds(1));
        ImportJob workflow = acceptedWorkflowExecution("external_id,name\nv-5,Echo\nv-6,Foxtrot\n");
        clock.advance(Duration.ofSeconds(1));
        ExportJob export = requestedExport();

        // Each is queued again in the first sweep after its own grace period: the imports' counted from their last
        // save, the export's from its request.
        assertThat(sweepAt(START.plus(GRACE))).isEqualTo(requeued(List.of(), List.of()));
        assertThat(sweepAt(START.plus(GRACE).plusMillis(1))).isEqualTo(requeued(List.of(resource.id()), List.of()));
        assertThat(queued("import-run", workflow.id())).isEmpty();
        assertThat(sweepAt(START.plus(GRACE).plusSeconds(1))).isEqualTo(requeued(List.of(), List.of()));
        assertThat(sweepAt(START.plus(GRACE).plusMillis(1001))).isEqualTo(requeued(List.of(workflow.id()),
                List.of()));
        assertThat(sweepAt(START.plus(GRACE).plusSeconds(2))).isEqualTo(requeued(List.of(), List.of()));
        assertThat(queued("export-run", export.id())).isEmpty();
        assertThat(sweepAt(START.plus(GRACE).plusMillis(2001))).isEqualTo(requeued(List.of(), List.of(export.id())));

        assertThat(queued("import-run", resource.id()).map(ScheduledExecution::getExecutionTime))
                .contains(START.plus(GRACE).plusMillis(1));
        assertThat(queued("import-run", workflow.id()).map(ScheduledExecution::getExecutionTime))
                .contains(START.plus(GRACE).plusMillis(1001));
        assertThat(queued("export-run", export.id()).map(ScheduledExecution::getExecutionTime))
                .contains(START.plus(GRACE).plusMillis(2001));
        // Queued once: the next sweep finds their runs in the queue.
        assertThat(stranded.sweep(client, clock.instant())).isEqualTo(requeued(List.of(), List.of()));

        // What a worker does with each queued run.
        importTasks.runImport(resource.id());
        importTasks.runImport(workflow.id());
        exportTasks.run(export.id());

        ImportJob resourceDone = load(resource.id());
        assertThat(resourceDone.status()).isEqualTo(Status.COMPLETED);
        assertThat(resourceDone.stats()).isEqualTo(new ImportStats(4, 3, 3, 0, 0, 0, 0, 1));
        ImportJob workflowDone = load(workflow.id());
        assertThat(workflowDone.status()).isEqualTo(Status.COMPLETED);
        assertThat(workflowDone.stats()).isEqualTo(new ImportStats(2, 2, 2, 0, 0, 0, 0, 0));
        ExportJob exportDone = db.withHandle(h -> exportJobs.get(h, export.id())).orElseThrow();
        assertThat(exportDone.status()).isEqualTo(ExportJob.Status.COMPLETED);
        assertThat(exportDone.recordCount()).isEqualTo(5);
        assertThat(Files.readString(dir.resolve("exports").resolve(export.id() + ".csv"))).isEqualTo(
                "External Id,Name\r\nv-1,Acme\r\nv-2,Beta\r\nv-4,Delta\r\nv-5,Echo\r\nv-6,Foxtrot\r\n");
        // Ended: a later sweep leaves them alone, their runs' rows still in the queue or not.
        clock.advance(GRACE.multipliedBy(2));
        assertThat(stranded.sweep(client, clock.instant())).isEqualTo(requeued(List.of(), List.of()));
    }

    @Test
    void anImportOrExportWhoseRunIsQueuedIsLeftAloneHoweverLongItWaits() throws IOException {
        ImportJob resource = acceptedUpload("external_id,name\nv-1,Acme\n");
        importTasks.enqueue(client, resource.id());
        ExportJob export = requestedExport();
        exportTasks.enqueue(client, export.id());

        clock.advance(Duration.ofHours(3));
        assertThat(stranded.sweep(client, clock.instant())).isEqualTo(requeued(List.of(), List.of()));

        assertThat(queued("import-run", resource.id()).map(ScheduledExecution::getExecutionTime)).contains(START);
        assertThat(queued("export-run", export.id()).map(ScheduledExecution::getExecutionTime)).contains(START);
        assertThat(load(resource.id()).status()).isEqualTo(Status.QUEUED);
    }

    @Test
    void endedImportsAndExportsAndAnImportApiCallsImportAreLeftAlone() throws IOException {
        ImportJob cancelled = acceptedUpload("external_id,name\nv-1,Acme\n");
        db.inTransaction(h -> imports.cancel(h, org, cancelled.id(), "key_canceller", clock.instant()));
        ImportJob completed = acceptedUpload("external_id,name\nv-2,Beta\n");
        importTasks.runImport(completed.id());
        // A JSON Import API call's import runs in its request, never on the worker: one a crash cut short stays
        // processing with no upload, and a run of it could only fail.
        ImportJob inline = jobs.inline(new ImportJobs.Request(org, "vendor", "report:vendors", UploadMode.SYNC,
                Action.MERGE, DuplicateHandling.IGNORE_ALL, "Vendors", "key_test", null));
        db.inTransaction(h -> {
            imports.create(h, inline);
            return null;
        });
        ExportJob failed = requestedExport();
        db.inTransaction(h -> exportJobs.save(h, failed.failed(clock.instant(), "Module vendor no longer exists")));

        clock.advance(Duration.ofHours(1));
        assertThat(stranded.sweep(client, clock.instant())).isEqualTo(requeued(List.of(), List.of()));

        assertThat(load(cancelled.id()).status()).isEqualTo(Status.FAILED);
        assertThat(load(completed.id()).status()).isEqualTo(Status.COMPLETED);
        assertThat(load(inline.id()).status()).isEqualTo(Status.PROCESSING);
        for (String id : List.of(cancelled.id(), completed.id(), inline.id())) {
            assertThat(queued("import-run", id)).as(id).isEmpty();
        }
        assertThat(queued("export-run", failed.id())).isEmpty();
    }

    /** An Imports-resource upload of {@code csv} as the upload request commits it: queued, its run not queued. */
    ImportJob acceptedUpload(String csv) throws IOException {
        ImportJob job = jobs.requested(new ImportJobs.Request(org, "vendor", "imports", UploadMode.ASYNC, Action.MERGE,
                DuplicateHandling.IGNORE_ALL, "test", "key_test", null), clock.instant().plus(Duration.ofHours(1)));
        Files.createDirectories(uploads.path(job.id()).getParent());
        Files.writeString(uploads.path(job.id()), csv);
        ImportJob queued = job.withUpload(UploadStore.sha256(uploads.path(job.id())), "csv", "vendors.csv", null)
                .withDeadline(jobs.deadlineFromNow()).withStatus(Status.QUEUED, null);
        db.inTransaction(h -> {
            imports.create(h, queued);
            return null;
        });
        return queued;
    }

    /** A file workflow execution of {@code csv} as its request commits it: queued with its options, run not queued. */
    ImportJob acceptedWorkflowExecution(String csv) throws IOException {
        ImportJob job = jobs.requested(new ImportJobs.Request(org, "vendor", ImportJobs.MODULE, UploadMode.ASYNC,
                Action.MERGE, DuplicateHandling.USE_FIRST, null, "key_test", null), null);
        Files.createDirectories(uploads.path(job.id()).getParent());
        Files.writeString(uploads.path(job.id()), csv);
        ImportJob queued = job.withUpload(UploadStore.sha256(uploads.path(job.id())), "csv", "vendors.csv", 2L)
                .withStatus(Status.QUEUED, null).withDeadline(jobs.deadlineFromNow());
        ExecuteOptions options = new ExecuteOptions(List.of(
                new ExecuteOptions.ColumnMap("external_id", "external_id", null, null),
                new ExecuteOptions.ColumnMap("name", "name", null, null)), ExecuteOptions.DuplicateStrategy.UPDATE,
                null, ExecuteOptions.MergeMode.PREFER_IMPORT, false, false, null, false, null, null, null);
        db.inTransaction(h -> {
            imports.create(h, queued);
            imports.setOptions(h, queued.id(), options.toJson());
            return null;
        });
        return queued;
    }

    /** An export job of the organization's vendors as its request commits it: queued, its run not queued. */
    ExportJob requestedExport() {
        ExportJob job = new ExportJob(new IdGenerator(clock).next("exp"), org, "module", "vendor", "vendor", "csv",
                new ExportConfig(List.of("external_id", "name"), null, null, null, null, null, null, null, null, null,
                        null, null).toJson(), ExportJob.Status.QUEUED, 0, null, "vendors-export-2025-03-01.csv", null,
                "text/csv; charset=utf-8", null, "key_test", clock.instant(), null, null, null);
        db.inTransaction(h -> {
            exportJobs.create(h, job);
            return null;
        });
        return job;
    }

    /** The sweep at {@code now}, with the clock set to it (the runs it queues are due then). */
    StrandedJobs.Requeued sweepAt(Instant now) {
        clock.set(now);
        return stranded.sweep(client, now);
    }

    static StrandedJobs.Requeued requeued(List<String> imports, List<String> exports) {
        return new StrandedJobs.Requeued(imports, exports);
    }

    Optional<ScheduledExecution<Object>> queued(String task, String id) {
        return client.getScheduledExecution(TaskInstanceId.of(task, id));
    }

    ImportJob load(String id) {
        return db.withHandle(h -> imports.get(h, id)).orElseThrow();
    }
}
