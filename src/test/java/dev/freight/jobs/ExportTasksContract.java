package dev.freight.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.export.ExportConfig;
import dev.freight.export.ExportFiles;
import dev.freight.export.Exporter;
import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.Value;
import dev.freight.store.Database;
import dev.freight.store.ExportJob;
import dev.freight.store.ExportJobStore;
import dev.freight.store.IdGenerator;
import dev.freight.store.RecordStore;
import dev.freight.store.RecordStream;
import dev.freight.store.RecordWrite;
import dev.freight.store.SchemaStore;
import dev.freight.store.TenantStore;
import dev.freight.testing.SettableClock;
import dev.freight.testing.TestDatabases;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The export worker and the file sweeper against a real database, with an injected clock. */
abstract class ExportTasksContract {

    static final Instant START = Instant.parse("2025-03-01T09:00:00Z");

    abstract TestDatabases database();

    Database db;
    SettableClock clock;
    ExportJobStore jobs;
    ExportTasks tasks;
    Path dir;
    String organizationId;

    @BeforeEach
    void setUp() throws IOException {
        db = database().open("export_tasks");
        clock = new SettableClock(START);
        IdGenerator ids = new IdGenerator(clock);
        jobs = new ExportJobStore();
        dir = Files.createTempDirectory("freight-exports-");
        tasks = new ExportTasks(db, jobs, new SchemaStore(clock), new Exporter(db, new RecordStream()),
                new ExportFiles(dir), clock, Duration.ofHours(24), Duration.ofMinutes(1));
        TenantStore tenants = new TenantStore(ids, clock);
        organizationId = db.inTransaction(h -> tenants.createOrganization(h, "acme", "Acme")).id();
        RecordStore records = new RecordStore(ids, clock);
        db.inTransaction(h -> records.upsert(h, organizationId, BuiltInObjects.VENDOR, List.of(
                new RecordWrite("v-1", Map.of("name", new Value.Text("Acme"))))));
    }

    @AfterEach
    void close() {
        db.close();
    }

    ExportJob queued(String id) {
        ExportJob job = new ExportJob(id, organizationId, "module", "vendor", "vendor", "csv",
                new ExportConfig(List.of("external_id", "name"), null, null, null, null, null, null, null, null, null,
                        null, null).toJson(), ExportJob.Status.QUEUED, 0, null, "vendors-export-2025-03-01.csv", null,
                "text/csv; charset=utf-8", null, "key_test", clock.instant(), null, null, null);
        db.inTransaction(h -> {
            jobs.create(h, job);
            return null;
        });
        return job;
    }

    ExportJob reload(String id) {
        return db.withHandle(h -> jobs.get(h, id)).orElseThrow();
    }

    @Test
    void aJobWritesItsFileAndExpiresItTwentyFourHoursAfterCompletion() throws IOException {
        queued("exp_1");
        clock.advance(Duration.ofSeconds(5));

        tasks.run("exp_1");

        ExportJob done = reload("exp_1");
        Path file = dir.resolve("exp_1.csv");
        assertThat(done.status()).isEqualTo(ExportJob.Status.COMPLETED);
        assertThat(done.progress()).isEqualTo(100);
        assertThat(done.recordCount()).isEqualTo(1);
        assertThat(done.completedAt()).isEqualTo(START.plusSeconds(5));
        assertThat(done.expiresAt()).isEqualTo(START.plusSeconds(5).plus(Duration.ofHours(24)));
        assertThat(Files.readString(file)).isEqualTo("External Id,Name\r\nv-1,Acme\r\n");
        assertThat(done.fileSizeBytes()).isEqualTo(Files.size(file));

        clock.advance(Duration.ofHours(24).minusSeconds(1));
        assertThat(tasks.sweep(clock.instant())).isZero();
        assertThat(file).exists();

        clock.advance(Duration.ofSeconds(1));
        assertThat(tasks.sweep(clock.instant())).isEqualTo(1);
        assertThat(file).doesNotExist();
        assertThat(reload("exp_1").status()).isEqualTo(ExportJob.Status.EXPIRED);
        assertThat(tasks.sweep(clock.instant())).isZero();
    }

    @Test
    void aJobWhoseModuleIsGoneFailsWithTheReasonAndLeavesNoFile() {
        ExportJob job = new ExportJob("exp_2", organizationId, "module", "widget", "widget", "csv", "{}",
                ExportJob.Status.QUEUED, 0, null, "widget-export.csv", null, "text/csv; charset=utf-8", null, null,
                clock.instant(), null, null, null);
        db.inTransaction(h -> {
            jobs.create(h, job);
            return null;
        });

        tasks.run("exp_2");

        ExportJob failed = reload("exp_2");
        assertThat(failed.status()).isEqualTo(ExportJob.Status.FAILED);
        assertThat(failed.error()).isEqualTo("Module widget no longer exists");
        assertThat(dir.resolve("exp_2.csv")).doesNotExist();
    }
}
