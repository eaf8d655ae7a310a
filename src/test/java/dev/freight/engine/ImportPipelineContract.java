package dev.freight.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.tuple;

import dev.freight.ingest.FileType;
import dev.freight.ingest.IngestException;
import dev.freight.ingest.ReadOptions;
import dev.freight.ingest.RowReader;
import dev.freight.ingest.Readers;
import dev.freight.ingest.SourceFormat;
import dev.freight.ingest.SourceRow;
import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.Field;
import dev.freight.schema.FieldType;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.Schema;
import dev.freight.schema.Value;
import dev.freight.store.Change;
import dev.freight.store.Database;
import dev.freight.store.IdGenerator;
import dev.freight.store.ImportEnums.Action;
import dev.freight.store.ImportEnums.DuplicateHandling;
import dev.freight.store.ImportEnums.Phase;
import dev.freight.store.ImportEnums.PhaseStatus;
import dev.freight.store.ImportEnums.Status;
import dev.freight.store.ImportEnums.UploadMode;
import dev.freight.store.Handle;
import dev.freight.store.ImportJob;
import dev.freight.store.ImportLink;
import dev.freight.store.ImportStats;
import dev.freight.store.ImportStore;
import dev.freight.store.RecordStore;
import dev.freight.store.RecordWrite;
import dev.freight.store.RowError;
import dev.freight.store.RowWarning;
import dev.freight.store.SchemaStore;
import dev.freight.store.StoredRecord;
import dev.freight.store.StoreException;
import dev.freight.store.TenantStore;
import dev.freight.store.UploadStore;
import dev.freight.store.ValueJson;
import dev.freight.testing.SettableClock;
import dev.freight.testing.TestDatabases;
import dev.freight.testing.XlsxFiles;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.channels.ClosedByInterruptException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.IntPredicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The phased pipeline against a real database: actions, duplicate rules, unchanged detection, error rows, resume from
 * the checkpoint, time-out, cancel, row-by-row replay and rollback. Chunks of 3 rows so every file spans chunks.
 */
abstract class ImportPipelineContract {

    static final Instant START = Instant.parse("2025-03-01T09:00:00Z");
    private static final AtomicInteger DATABASES = new AtomicInteger();

    abstract TestDatabases databases();


    @TempDir
    Path dir;

    SettableClock clock;
    Database db;
    ImportStore imports;
    RecordStore records;
    ImportPipeline pipeline;
    ImportJobs jobs;
    ImportRollback rollback;
    String org;

    @BeforeEach
    void openDatabase() {
        clock = new SettableClock(START);
        db = databases().open("pipeline_" + DATABASES.incrementAndGet());
        IdGenerator ids = new IdGenerator(clock);
        imports = new ImportStore(clock);
        records = new RecordStore(ids, clock);
        pipeline = new ImportPipeline(db, imports, records, new SchemaStore(clock), clock, 3);
        jobs = new ImportJobs(ids, clock, Duration.ofHours(1));
        rollback = new ImportRollback(db, imports, records, new SchemaStore(clock), clock);
        org = db.inTransaction(h -> new TenantStore(ids, clock).createOrganization(h, "acme", "Acme")).id();
    }

    @AfterEach
    void closeDatabase() {
        db.close();
    }

    static final String VENDORS = """
            external_id,name,status,raw_irq_score
            v-1,Acme,active,85
            v-2,Beta,onboarding,70
            v-3,Gamma,inactive,
            v-4,Delta,active,12.5
            v-5,Epsilon,offboarding,99
            """;

    @Test
    void mergeCreatesEveryRowAndRecordsEachPhase() throws IOException {
        ImportJob job = run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);

        assertThat(job.status()).isEqualTo(Status.COMPLETED);
        assertThat(job.reason()).isNull();
        assertThat(job.totalRows()).isEqualTo(5);
        assertThat(job.stats()).isEqualTo(new ImportStats(5, 5, 5, 0, 0, 0, 0, 0));
        assertThat(job.checkpoint()).isEqualTo(5);
        assertThat(job.phases()).extracting(p -> p.phase().wireName() + ":" + p.status().wireName() + ":" + p.rows()
                + ":" + p.rejected()).containsExactly("prevalidation:completed:5:0", "preparsing:completed:5:0",
                "transforming:completed:5:0", "parsing:completed:5:0", "validation:completed:5:0",
                "processing:completed:5:0", "cleanup:skipped:0:0");
        assertThat(job.phase(Phase.CLEANUP).reason()).isEqualTo(
                "only overwrite imports delete records they did not contain");
        assertThat(job.phases()).allSatisfy(p -> assertThat(p.finishedAt()).isEqualTo(START));
        assertThat(vendor("v-4").values().get("raw_irq_score").toString()).isEqualTo("Decimal[value=12.5]");
        assertThat(vendor("v-3").values()).containsOnlyKeys("name", "status");
    }

    /** Transforms vendor rows of an external_id and a name, merged. */
    static RowTransformer names() {
        return new RowTransformer(BuiltInObjects.VENDOR, Map.of("external_id", "external_id", "name", "name"),
                Action.MERGE, false);
    }

    /** The writer of a new merge import of vendors' rows, as the pipeline makes one for the pass over a file. */
    ChunkWriter mergeWriter() {
        String importId = uploaded(Action.MERGE, DuplicateHandling.IGNORE_ALL, null).id();
        return new ChunkWriter(records, db, db.withHandle(h -> new SchemaStore(clock).schema(h, org)),
                BuiltInObjects.VENDOR, org, importId, Action.MERGE, DuplicateHandling.IGNORE_ALL, Map.of(), "file",
                null);
    }

    @Test
    void aFirstLoadReadsNothingAhead() {
        ChunkWriter writer = mergeWriter();
        RowTransformer transformer = names();
        List<ParsedRow> chunk = List.of(writer.prepare(transformer.parse(new SourceRow(1, 2,
                Map.of("external_id", "v-1", "name", "Acme")))));

        assertThat(writer.lookAhead(chunk)).isSameAs(chunk);
        assertThat(writer.unchanged(chunk)).isNull();
        assertThat(db.inTransaction(h -> writer.write(h, chunk)).stats())
                .isEqualTo(new ImportStats(1, 1, 1, 0, 0, 0, 0, 0));
    }

    @Test
    void aChunkReadAheadIsWrittenAsPlannedOrWhenAnotherWriterChangedItsRecordsWrittenAgainOverTheirChanges() {
        db.inTransaction(h -> records.upsert(h, org, BuiltInObjects.VENDOR, List.of(
                new RecordWrite("v-1", Map.of("name", new Value.Text("Acme"))),
                new RecordWrite("v-2", Map.of("name", new Value.Text("Beta"))),
                new RecordWrite("v-5", Map.of("name", new Value.Text("Epsilon"))),
                new RecordWrite("v-6", Map.of("name", new Value.Text("Zeta"),
                        "website", new Value.Text("https://zeta.example"))))));
        ChunkWriter writer = mergeWriter();
        RowTransformer transformer = names();
        AtomicInteger ordinal = new AtomicInteger();
        java.util.function.Function<String, ParsedRow> row = cells -> {
            String[] c = cells.split(",");
            int n = ordinal.incrementAndGet();
            return writer.prepare(transformer.parse(new SourceRow(n, n + 1L,
                    Map.of("external_id", c[0], "name", c[1]))));
        };
        List<ParsedRow> first = List.of(row.apply("v-1,Acme 2"));
        // Records are stored, so this is no first load: even the first chunk is read ahead.
        assertThat(writer.lookAhead(first)).isNotSameAs(first).containsExactlyElementsOf(first);
        assertThat(db.inTransaction(h -> writer.write(h, first)).stats())
                .isEqualTo(new ImportStats(1, 1, 0, 1, 0, 0, 0, 0));
        writer.committed();

        List<ParsedRow> second = List.of(row.apply("v-2,Beta 2"), row.apply("v-3,Gamma"), row.apply("v-1,Acme 2"));
        List<ParsedRow> ahead = writer.lookAhead(second);
        assertThat(ahead).isNotSameAs(second).containsExactlyElementsOf(second);
        // Another writer changes v-2 and creates v-3 after the chunk's records were read, before it is written.
        db.inTransaction(h -> records.upsert(h, org, BuiltInObjects.VENDOR, List.of(
                new RecordWrite("v-2", Map.of("name", new Value.Text("Beta"),
                        "website", new Value.Text("https://beta.example"))),
                new RecordWrite("v-3", Map.of("name", new Value.Text("Someone else's"),
                        "website", new Value.Text("https://gamma.example"))))));

        assertThatThrownBy(() -> db.inTransaction(h -> writer.write(h, ahead)))
                .isInstanceOfSatisfying(StoreException.class,
                        e -> assertThat(e.code()).isEqualTo("transient_conflict"));
        RowWriter.Result again = db.inTransaction(h -> writer.write(h, ahead));

        assertThat(again.stats()).isEqualTo(new ImportStats(3, 3, 0, 2, 1, 0, 0, 0));
        assertThat(again.rows()).extracting(RowWriter.RowResult::externalId, RowWriter.RowResult::outcome)
                .containsExactly(tuple("v-2", RowWriter.Outcome.UPDATED), tuple("v-3", RowWriter.Outcome.UPDATED),
                        tuple("v-1", RowWriter.Outcome.UNCHANGED));
        assertThat(vendor("v-2").values()).containsOnly(Map.entry("name", new Value.Text("Beta 2")),
                Map.entry("website", new Value.Text("https://beta.example")));
        assertThat(vendor("v-3").values()).containsOnly(Map.entry("name", new Value.Text("Gamma")),
                Map.entry("website", new Value.Text("https://gamma.example")));

        // Nothing changes between the read ahead and the write: the chunk is written as planned, at once.
        List<ParsedRow> third = List.of(row.apply("v-5,Epsilon"), row.apply("v-6,Zeta 2"), row.apply("v-4,Delta"));
        List<ParsedRow> planned = writer.lookAhead(third);
        assertThat(planned).isNotSameAs(third).containsExactlyElementsOf(third);
        RowWriter.Result asPlanned = db.inTransaction(h -> writer.write(h, planned));

        assertThat(asPlanned.stats()).isEqualTo(new ImportStats(3, 3, 1, 1, 1, 0, 0, 0));
        assertThat(asPlanned.rows()).extracting(RowWriter.RowResult::externalId, RowWriter.RowResult::outcome)
                .containsExactly(tuple("v-5", RowWriter.Outcome.UNCHANGED), tuple("v-6", RowWriter.Outcome.UPDATED),
                        tuple("v-4", RowWriter.Outcome.CREATED));
        assertThat(vendor("v-5").values()).containsOnly(Map.entry("name", new Value.Text("Epsilon")));
        assertThat(vendor("v-6").values()).containsOnly(Map.entry("name", new Value.Text("Zeta 2")),
                Map.entry("website", new Value.Text("https://zeta.example")));
        assertThat(vendor("v-4").values()).containsOnly(Map.entry("name", new Value.Text("Delta")));
        assertThat(vendorCount()).isEqualTo(6);
    }

    @Test
    void aFirstLoadWritesWithoutLookupsAndAKeyTakenMeanwhileRunsTheChunkAgainWithThem() throws IOException {
        ImportJob job = prepared(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        // After the first chunk (v-1..v-3), another writer creates v-5, which the second chunk creates too.
        ImportPipeline.Listener takeAKey = committed -> {
            if (committed.checkpoint() == 3) {
                db.inTransaction(h -> records.upsert(h, org, BuiltInObjects.VENDOR, List.of(new RecordWrite("v-5",
                        Map.of("name", new Value.Text("Someone else's"), "website", new Value.Text("https://e.example"))))));
            }
        };

        ImportJob done = pipeline.process(job.id(), csv(VENDORS), takeAKey);

        assertThat(done.status()).isEqualTo(Status.COMPLETED);
        assertThat(done.stats()).isEqualTo(new ImportStats(5, 5, 4, 1, 0, 0, 0, 0));
        assertThat(vendorCount()).isEqualTo(5);
        // The file's values merged into the other writer's record: nothing of either is lost.
        assertThat(vendor("v-5").values()).containsEntry("name", new Value.Text("Epsilon"))
                .containsEntry("status", new Value.Text("offboarding"))
                .containsEntry("website", new Value.Text("https://e.example"));
        assertThat(vendor("v-5").values().get("raw_irq_score").toString()).isEqualTo("Decimal[value=99]");
    }

    @Test
    void reloadingTheSameFileIsUnchangedAndAChangedRowIsUpdated() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        String before = vendor("v-1").id();

        ImportJob same = run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        ImportJob changed = run(Action.MERGE, DuplicateHandling.IGNORE_ALL,
                VENDORS.replace("v-2,Beta,onboarding,70", "v-2,Beta Ltd,active,70"));

        assertThat(same.stats()).isEqualTo(new ImportStats(5, 5, 0, 0, 5, 0, 0, 0));
        assertThat(changed.stats()).isEqualTo(new ImportStats(5, 5, 0, 1, 4, 0, 0, 0));
        assertThat(vendor("v-2").values().get("name").toString()).isEqualTo("Text[value=Beta Ltd]");
        assertThat(vendor("v-1").id()).isEqualTo(before);
    }

    /**
     * A tiny number is stored in plain digits on both databases, as PostgreSQL's jsonb prints it (before, SQLite stored
     * {@code 1.2E-7} and {@code 0E-8}), and a record an earlier build stored with an exponent reloads unchanged.
     */
    @Test
    void aTinyNumberIsStoredInPlainDigitsAndOneStoredWithAnExponentReloadsUnchanged() throws IOException {
        String file = "external_id,name,raw_irq_score\nv-1,Acme,0.00000012\nv-2,Beta,0.00000000\n";

        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, file);

        assertThat(storedData("v-1")).isEqualTo("{\"name\":\"Acme\",\"raw_irq_score\":0.00000012}");
        assertThat(storedData("v-2")).isEqualTo("{\"name\":\"Beta\",\"raw_irq_score\":0.00000000}");

        // As an earlier build wrote them on SQLite; PostgreSQL's jsonb prints them plain whatever it is given.
        db.inTransaction(h -> {
            String update = "update records set data = " + h.dialect().jsonParameter()
                    + " where organization_id = ? and external_id = ?";
            h.update(update, "{\"name\":\"Acme\",\"raw_irq_score\":1.2E-7}", org, "v-1");
            return h.update(update, "{\"name\":\"Beta\",\"raw_irq_score\":0E-8}", org, "v-2");
        });
        boolean sqlite = databases() == TestDatabases.SQLITE;
        assertThat(storedData("v-1")).isEqualTo(sqlite ? "{\"name\":\"Acme\",\"raw_irq_score\":1.2E-7}"
                : "{\"name\":\"Acme\",\"raw_irq_score\":0.00000012}");
        long version = version(vendor("v-1").id());

        ImportJob again = run(Action.MERGE, DuplicateHandling.IGNORE_ALL, file);

        assertThat(again.stats()).isEqualTo(new ImportStats(2, 2, 0, 0, 2, 0, 0, 0));
        assertThat(version(vendor("v-1").id())).isEqualTo(version);
        assertThat(vendor("v-1").values()).containsEntry("raw_irq_score",
                new Value.Decimal(new BigDecimal("0.00000012")));
        assertThat(vendor("v-2").values()).containsEntry("raw_irq_score",
                new Value.Decimal(new BigDecimal("0.00000000")));
    }

    /** A vendor's stored values as the database gives their text back, without the spaces jsonb prints. */
    private String storedData(String externalId) {
        return db.withHandle(h -> h.queryFirst("select data from records where organization_id = ? and external_id = ?",
                rs -> rs.getString(1), org, externalId)).orElseThrow().replace(" ", "");
    }

    static final String NINE_VENDORS = VENDORS + """
            v-6,Zeta,active,1
            v-7,Eta,active,2
            v-8,Theta,active,3
            v-9,Iota,active,4
            """;

    @Test
    void aChunkThatChangesNothingIsSavedWithTheNextChunkThatWritesNotInATransactionOfItsOwn() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        String changed = VENDORS.replace("v-4,Delta,active,12.5", "v-4,Delta,inactive,12.5");
        ImportJob job = prepared(Action.MERGE, DuplicateHandling.IGNORE_ALL, changed);
        List<Long> saved = new ArrayList<>();

        ImportJob done = pipeline.process(job.id(), csv(changed), committed -> saved.add(committed.checkpoint()));

        // v-1..v-3 are unchanged: their chunk commits nothing, and the chunk with v-4 saves the checkpoint past both.
        assertThat(saved).containsExactly(5L);
        assertThat(done.stats()).isEqualTo(new ImportStats(5, 5, 0, 1, 4, 0, 0, 0));
        assertThat(done.checkpoint()).isEqualTo(5);
        assertThat(vendor("v-4").values()).containsEntry("status", new Value.Text("inactive"));
    }

    @Test
    void aRunThatDiesAfterChunksThatChangedNothingResumesBeforeThemAndCountsThemOnce() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, NINE_VENDORS);
        ImportJob job = prepared(Action.MERGE, DuplicateHandling.IGNORE_ALL, NINE_VENDORS);
        ImportPipeline.RowSource source = csv(NINE_VENDORS);

        assertThatThrownBy(() -> pipeline.process(job.id(), reading(source, 8, () -> {
            throw new IllegalStateException("the worker died reading row 8");
        }), ImportPipeline.Listener.NONE)).hasMessage("the worker died reading row 8");
        // Rows 1-6 were read and found unchanged, and none of it was saved (the clock stood still).
        ImportJob interrupted = load(job.id());
        assertThat(interrupted.status()).isEqualTo(Status.PROCESSING);
        assertThat(interrupted.checkpoint()).isZero();
        assertThat(interrupted.stats()).isEqualTo(ImportStats.ZERO);

        ImportJob resumed = pipeline.process(job.id(), source, ImportPipeline.Listener.NONE);

        assertThat(resumed.status()).isEqualTo(Status.COMPLETED);
        assertThat(resumed.stats()).isEqualTo(new ImportStats(9, 9, 0, 0, 9, 0, 0, 0));
        assertThat(resumed.checkpoint()).isEqualTo(9);
        assertThat(vendorCount()).isEqualTo(9);
    }

    @Test
    void chunksThatChangeNothingSaveTheirProgressOnceASecond() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, NINE_VENDORS);
        ImportJob job = prepared(Action.MERGE, DuplicateHandling.IGNORE_ALL, NINE_VENDORS);
        List<ImportJob> stored = new ArrayList<>();

        // Each row read takes two seconds by the clock, so the first chunk is already due to be saved.
        ImportJob done = pipeline.process(job.id(), reading(csv(NINE_VENDORS), 0,
                () -> clock.advance(Duration.ofSeconds(2))), committed -> stored.add(load(job.id())));

        assertThat(stored).first().satisfies(first -> {
            assertThat(first.checkpoint()).isEqualTo(3);
            assertThat(first.stats()).isEqualTo(new ImportStats(3, 3, 0, 0, 3, 0, 0, 0));
            assertThat(first.status()).isEqualTo(Status.PROCESSING);
        });
        assertThat(done.status()).isEqualTo(Status.COMPLETED);
        assertThat(done.stats()).isEqualTo(new ImportStats(9, 9, 0, 0, 9, 0, 0, 0));
    }

    @Test
    void aCancelDuringChunksThatChangeNothingIsMetWhenTheirProgressIsSavedAndCountsThem() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, NINE_VENDORS);
        ImportJob job = prepared(Action.MERGE, DuplicateHandling.IGNORE_ALL, NINE_VENDORS);

        ImportJob done = pipeline.process(job.id(), reading(csv(NINE_VENDORS), 0, () -> {
            clock.advance(Duration.ofSeconds(2));
            db.withHandle(h -> imports.requestCancel(h, org, job.id(), "key_canceller"));
        }), ImportPipeline.Listener.NONE);

        assertThat(done.status()).isEqualTo(Status.FAILED);
        assertThat(done.reason()).isEqualTo("Cancelled on request; 3 rows committed before it stopped are kept");
        assertThat(done.checkpoint()).isEqualTo(3);
        assertThat(done.stats()).isEqualTo(new ImportStats(3, 3, 0, 0, 3, 0, 0, 0));
    }

    @Test
    void aMergeKeepsFieldsTheFileDoesNotMapAndClearsMappedEmptyCells() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);

        ImportJob partial = run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name,raw_irq_score\nv-1,Acme,\n");

        assertThat(partial.stats().updated()).isEqualTo(1);
        assertThat(vendor("v-1").values()).containsOnlyKeys("name", "status");
    }

    @Test
    void aRowGivingEveryStoredFieldReplacesTheRecordWithItsValuesAndReloadsUnchanged() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name,status\nv-1,Acme,active\nv-2,Beta,active\n");
        // Other column order than the first file's, and one field more than the record has.
        String update = "status,raw_irq_score,external_id,name\ninactive,12.5,v-1,Acme Two\nactive,7,v-2,Beta\n";

        ImportJob updated = run(Action.MERGE, DuplicateHandling.IGNORE_ALL, update);
        ImportJob again = run(Action.MERGE, DuplicateHandling.IGNORE_ALL, update);

        assertThat(updated.stats()).isEqualTo(new ImportStats(2, 2, 0, 2, 0, 0, 0, 0));
        assertThat(vendor("v-1").values()).isEqualTo(Map.of("name", new Value.Text("Acme Two"),
                "status", new Value.Text("inactive"), "raw_irq_score", new Value.Decimal(new BigDecimal("12.5"))));
        assertThat(vendor("v-2").values()).isEqualTo(Map.of("name", new Value.Text("Beta"),
                "status", new Value.Text("active"), "raw_irq_score", new Value.Decimal(new BigDecimal("7"))));
        assertThat(again.stats()).isEqualTo(new ImportStats(2, 2, 0, 0, 2, 0, 0, 0));
    }

    @Test
    void ignoreAllRejectsEveryRowOfARepeatedKeyAcrossChunks() throws IOException {
        ImportJob job = run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS + "v-1,Acme again,active,1\n");

        assertThat(job.stats()).isEqualTo(new ImportStats(6, 4, 4, 0, 0, 0, 0, 2));
        assertThat(job.phase(Phase.PREPARSING).rejected()).isEqualTo(2);
        assertThat(errors(job)).extracting(RowError::line, RowError::code, RowError::message).containsExactly(
                tuple(2L, "duplicate_external_id",
                        "external_id \"v-1\" appears more than once in this file"),
                tuple(7L, "duplicate_external_id",
                        "external_id \"v-1\" appears more than once in this file"));
        assertThat(ids("v-1")).isEmpty();
    }

    @Test
    void useFirstKeepsTheFirstRowAndSkipsTheRest() throws IOException {
        ImportJob job = run(Action.MERGE, DuplicateHandling.USE_FIRST, VENDORS + "v-1,Acme again,active,1\n");

        assertThat(job.stats()).isEqualTo(new ImportStats(6, 5, 5, 0, 0, 0, 1, 0));
        assertThat(vendor("v-1").values().get("name").toString()).isEqualTo("Text[value=Acme]");
        assertThat(job.hasErrorsFile()).isFalse();
    }

    @Test
    void useFirstSkipsALaterRowOfARepeatedKeyWhateverItsValues() throws IOException {
        ImportJob job = run(Action.MERGE, DuplicateHandling.USE_FIRST, """
                external_id,name,status
                dd4,G,active
                dd4,H,bad
                dd5,,active
                dd5,J,active
                """);

        assertThat(job.stats()).isEqualTo(new ImportStats(4, 1, 1, 0, 0, 0, 2, 1));
        assertThat(job.phases()).extracting(p -> p.phase().wireName() + ":" + p.rows() + ":" + p.rejected())
                .containsExactly("prevalidation:4:0", "preparsing:4:4", "transforming:4:0", "parsing:4:1",
                        "validation:3:2", "processing:1:0", "cleanup:0:0");
        assertThat(vendor("dd4").values().get("name")).isEqualTo(new Value.Text("G"));
        assertThat(ids("dd5")).isEmpty();
        assertThat(errors(job)).extracting(RowError::line, RowError::code, RowError::message).containsExactly(
                tuple(4L, "missing_required_field", "name: required field is missing (expected key \"name\")"));
    }

    @Test
    void rejectedRowsKeepTheirLineFieldCodeMessageAndOriginalCells() throws IOException {
        ImportJob job = run(Action.MERGE, DuplicateHandling.IGNORE_ALL, """
                external_id,name,status,raw_irq_score
                v-1,Acme,active,eighty
                v-2,,active,1
                v-3,Gamma,sleeping,2
                """);

        assertThat(job.stats()).isEqualTo(new ImportStats(3, 0, 0, 0, 0, 0, 0, 3));
        assertThat(job.reason()).isEqualTo("3 of 3 rows failed; see the errors file");
        assertThat(job.hasErrorsFile()).isTrue();
        assertThat(errors(job)).containsExactly(
                new RowError(1, 1, 2, "v-1", "raw_irq_score", "invalid_field_value",
                        "raw_irq_score: expected a number, got \"eighty\"",
                        "{\"external_id\":\"v-1\",\"name\":\"Acme\",\"status\":\"active\",\"raw_irq_score\":\"eighty\"}"),
                new RowError(2, 1, 3, "v-2", "name", "missing_required_field",
                        "name: required field is missing (expected key \"name\")",
                        "{\"external_id\":\"v-2\",\"name\":\"\",\"status\":\"active\",\"raw_irq_score\":\"1\"}"),
                new RowError(3, 1, 4, "v-3", "status", "invalid_field_value",
                        "status: expected one of active, onboarding, inactive, offboarding, got \"sleeping\"",
                        "{\"external_id\":\"v-3\",\"name\":\"Gamma\",\"status\":\"sleeping\",\"raw_irq_score\":\"2\"}"));
    }

    @Test
    void overwriteDeletesTheRecordsTheImportDidNotContain() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);

        ImportJob job = run(Action.OVERWRITE, DuplicateHandling.IGNORE_ALL,
                "external_id,name,status\nv-1,Acme,active\nv-6,Zeta,active\n");

        assertThat(job.stats()).isEqualTo(new ImportStats(2, 2, 1, 0, 1, 4, 0, 0));
        assertThat(job.phase(Phase.CLEANUP).status()).isEqualTo(PhaseStatus.COMPLETED);
        assertThat(job.phase(Phase.CLEANUP).rows()).isEqualTo(4);
        assertThat(vendorCount()).isEqualTo(2);
    }

    @Test
    void overwriteCleanupDeletesInBatchesEveryUnseenRecordBetweenTheSeenOnes() throws IOException {
        StringBuilder all = new StringBuilder("external_id,name\n");
        for (int i = 1; i <= 11; i++) {
            all.append("v-").append(i).append(",Vendor ").append(i).append('\n');
            clock.advance(Duration.ofMillis(1));
        }
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, all.toString());
        assertThat(vendorCount()).isEqualTo(11);

        ImportJob job = run(Action.OVERWRITE, DuplicateHandling.IGNORE_ALL,
                "external_id,name\nv-2,Vendor 2\nv-6,Vendor 6\nv-10,Vendor 10\n");

        // Chunks of 3: the eight unseen records go in batches of 3, 3 and 2, each after the last id of the one before.
        assertThat(job.stats()).isEqualTo(new ImportStats(3, 3, 0, 0, 3, 8, 0, 0));
        assertThat(job.phase(Phase.CLEANUP).rows()).isEqualTo(8);
        assertThat(ids("v-1", "v-2", "v-3", "v-4", "v-5", "v-6", "v-7", "v-8", "v-9", "v-10", "v-11").keySet())
                .containsExactlyInAnyOrder("v-2", "v-6", "v-10");
        assertThat(vendorCount()).isEqualTo(3);
    }

    @Test
    void overwriteCleanupIsSkippedWhenARowFailedSoNoRecordIsDeletedByMistake() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);

        ImportJob job = run(Action.OVERWRITE, DuplicateHandling.IGNORE_ALL,
                "external_id,name,status\nv-1,Acme,active\nv-2,Beta,broken\n");

        assertThat(job.status()).isEqualTo(Status.COMPLETED);
        assertThat(job.phase(Phase.CLEANUP).status()).isEqualTo(PhaseStatus.SKIPPED);
        assertThat(job.phase(Phase.CLEANUP).reason()).isEqualTo("1 row failed, so no record was deleted: a rejected"
                + " row must not delete the record it was meant to replace");
        assertThat(vendorCount()).isEqualTo(5);
    }

    @Test
    void overwriteCleanupIsSkippedWhenTheFileHasNoDataRowsSoAnEmptyExportDeletesNothing() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);

        ImportJob job = run(Action.OVERWRITE, DuplicateHandling.IGNORE_ALL, "external_id,name,status\n");

        assertThat(job.status()).isEqualTo(Status.COMPLETED);
        assertThat(job.reason()).isNull();
        assertThat(job.stats()).isEqualTo(ImportStats.ZERO);
        assertThat(job.phase(Phase.CLEANUP).status()).isEqualTo(PhaseStatus.SKIPPED);
        assertThat(job.phase(Phase.CLEANUP).rows()).isZero();
        assertThat(job.phase(Phase.CLEANUP).reason()).isEqualTo("the file has no data rows, so no record was"
                + " deleted: an empty export must not empty the resource; to delete its records, import their"
                + " external_ids with the delete action");
        assertThat(vendorCount()).isEqualTo(5);
    }

    @Test
    void deleteRemovesTheListedRecordsAndCountsMissingOnesUnchanged() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);

        ImportJob job = run(Action.DELETE, DuplicateHandling.IGNORE_ALL, "external_id\nv-1\nv-3\nv-404\n");

        assertThat(job.stats()).isEqualTo(new ImportStats(3, 3, 0, 0, 1, 2, 0, 0));
        assertThat(ids("v-1", "v-2", "v-3")).containsOnlyKeys("v-2");
    }

    @Test
    void aDeleteRowWithoutAnExternalIdIsRejected() throws IOException {
        String file = "external_id,displayName\n,blank\nc-404,Nobody\n";
        ImportJob prepared = pipeline.prepare(uploaded("contact", Action.DELETE, DuplicateHandling.IGNORE_ALL, null)
                .id(), csv(file));

        ImportJob job = pipeline.process(prepared.id(), csv(file), ImportPipeline.Listener.NONE);

        assertThat(job.stats()).isEqualTo(new ImportStats(2, 1, 0, 0, 1, 0, 0, 1));
        assertThat(job.phase(Phase.PARSING).rejected()).isEqualTo(1);
        assertThat(errors(job)).containsExactly(new RowError(1, 1, 2, null, "external_id", "missing_required_field",
                "external_id: required field is missing (expected key \"external_id\")",
                "{\"external_id\":\"\",\"displayName\":\"blank\"}"));
    }

    @Test
    void aDeleteRowWhoseRecordAnotherRecordStillRefersToIsRejectedAndTheRecordStays() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        runServices("external_id,name,vendor,dependencies\ns-1,Base,v-1,\ns-2,Ledger,v-1,v-2\n");
        Map<String, String> services = serviceIds("s-1", "s-2");
        Map<String, String> vendors = ids("v-1", "v-2", "v-3");

        ImportJob job = run(Action.DELETE, DuplicateHandling.IGNORE_ALL, "external_id\nv-1\nv-3\nv-2\n");

        // v-3, which no record refers to, goes; v-1 and v-2 stay with the services that refer to them.
        assertThat(job.status()).isEqualTo(Status.COMPLETED);
        assertThat(job.stats()).isEqualTo(new ImportStats(3, 1, 0, 0, 0, 1, 0, 2));
        assertThat(job.phase(Phase.VALIDATION).rejected()).isEqualTo(2);
        assertThat(job.reason()).isEqualTo("2 of 3 rows failed; see the errors file");
        assertThat(errors(job)).containsExactly(
                new RowError(1, 1, 2, "v-1", "external_id", "record_referenced",
                        "still referred to by 2 records this file does not delete, e.g. service "
                                + services.get("s-1") + " (field vendor)", "{\"external_id\":\"v-1\"}"),
                new RowError(3, 1, 4, "v-2", "external_id", "record_referenced",
                        "still referred to by service " + services.get("s-2")
                                + " (field dependencies), which this file does not delete",
                        "{\"external_id\":\"v-2\"}"));
        assertThat(ids("v-1", "v-2", "v-3")).containsOnlyKeys("v-1", "v-2");
        assertThat(ids("v-1", "v-2")).isEqualTo(Map.of("v-1", vendors.get("v-1"), "v-2", vendors.get("v-2")));

        ImportRollback.Result undo = rollback.rollback(job, "key_test");

        assertThat(undo.restored()).isEqualTo(1);
        assertThat(undo.deleted()).isZero();
        assertThat(undo.conflicts()).isEmpty();
        assertThat(ids("v-1", "v-2", "v-3")).isEqualTo(vendors);
    }

    /**
     * The records of a chunk of vendor deletes can be referred to by services and assessments: the database counts
     * each object's references to them (one statement each; its caller locked them on PostgreSQL), and looks for the
     * references they hold to one another in the vendors alone, which hold none, so it reads no record for that.
     * Before, it looked for those in the services and assessments too, which are never among the records deleted: 4
     * statements instead of 2 (and PostgreSQL's lock, taken by the callers now).
     */
    @Test
    void aDeleteChunkLooksForReferencesAmongItsRecordsOnlyInTheirOwnObject() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        runServices("external_id,name,vendor,dependencies\ns-1,Base,v-1,\ns-2,Ledger,v-1,\n");
        Schema schema = db.withHandle(h -> new SchemaStore(clock).schema(h, org));
        Map<String, String> vendors = ids("v-1", "v-2");
        String s1 = serviceIds("s-1").get("s-1");
        StillReferred referred = new StillReferred(schema, BuiltInObjects.VENDOR);
        dev.freight.store.StatementCount statements = new dev.freight.store.StatementCount();

        StillReferred.Found found = db.inTransaction(h -> referred.references(records, statements.counting(h), org,
                vendors.values(), null));

        assertThat(statements.taken()).isEqualTo(2);
        assertThat(found.outside()).extracting(r -> List.of(r.object().slug(), r.to(), r.count(), r.from(),
                r.fromExternalId(), r.field().slug())).containsExactly(List.of("service", vendors.get("v-1"), 2L, s1,
                "s-1", "vendor"));
        assertThat(found.among()).isEmpty();
    }

    @Test
    void servicesDeletedWithTheServicesThatReferToThemGoAndThoseARecordThatStaysRefersToAreRejected()
            throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        runServices("""
                external_id,name,vendor,dependencies
                s-1,Base,v-1,
                s-2,Ledger,v-1,
                s-3,Billing,v-1,s-2
                s-4,Reports,v-1,s-1
                s-5,Search,v-1,s-6
                s-6,Index,v-1,
                s-7,Mail,v-1,s-8
                s-8,Queue,v-1,s-7
                s-9,Audit,v-1,s-5
                """);
        Map<String, String> before = serviceIds("s-1", "s-2", "s-3", "s-4", "s-5", "s-6", "s-7", "s-8", "s-9");

        // Chunks of 3: s-1 is referred to by s-4 of the next chunk, s-2 by s-3 of its own; s-7 and s-8 refer to each
        // other; s-9, which the file does not delete, refers to s-5, which refers to s-6.
        ImportJob job = runServices(Action.DELETE, "external_id\ns-1\ns-2\ns-3\ns-4\ns-5\ns-6\ns-7\ns-8\n");

        assertThat(job.status()).isEqualTo(Status.COMPLETED);
        assertThat(job.stats()).isEqualTo(new ImportStats(8, 6, 0, 0, 0, 6, 0, 2));
        assertThat(errors(job)).containsExactly(
                new RowError(5, 1, 6, "s-5", "external_id", "record_referenced",
                        "still referred to by service " + before.get("s-9")
                                + " (field dependencies), which this file does not delete",
                        "{\"external_id\":\"s-5\"}"),
                new RowError(6, 1, 7, "s-6", "external_id", "record_referenced",
                        "still referred to by service " + before.get("s-5")
                                + " (field dependencies), which this file does not delete",
                        "{\"external_id\":\"s-6\"}"));
        assertThat(serviceIds("s-1", "s-2", "s-3", "s-4", "s-5", "s-6", "s-7", "s-8", "s-9"))
                .containsOnlyKeys("s-5", "s-6", "s-9");
        assertThat(db.withHandle((Handle h) -> imports.deferredCount(h, job.id()))).isZero();

        ImportRollback.Result undo = rollback.rollback(job, "key_test");

        assertThat(undo.restored()).isEqualTo(6);
        assertThat(undo.conflicts()).isEmpty();
        assertThat(serviceIds("s-1", "s-2", "s-3", "s-4", "s-5", "s-6", "s-7", "s-8", "s-9")).isEqualTo(before);
    }

    @Test
    void aChainOfPutOffDeleteRowsAStayingRecordKeepsIsMarkedInOneStatementWithEachRecordsKeeper() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        runServices(chainOfServices(6) + "s-7,Audit,v-1,s-1\n");
        Map<String, String> before = serviceIds("s-1", "s-2", "s-3", "s-4", "s-5", "s-6", "s-7");
        List<Integer> statements = new ArrayList<>();
        pipeline.referredMarked(statements::add);

        // Chunks of 3: each of s-1 to s-6 is referred to by a service outside its chunk's rows, or through one, so all
        // are put off; s-7, which the file does not delete, keeps s-1, which keeps s-2, and so on down the chain.
        ImportJob job = runServices(Action.DELETE, "external_id\ns-1\ns-2\ns-3\ns-4\ns-5\ns-6\n");

        // One statement marks the whole chain: before, one pass per link and a last one that marked none (7).
        assertThat(statements).containsExactly(1);
        assertThat(job.stats()).isEqualTo(new ImportStats(6, 0, 0, 0, 0, 0, 0, 6));
        List<RowError> expected = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            String keeper = i == 1 ? before.get("s-7") : before.get("s-" + (i - 1));
            expected.add(new RowError(i, 1, i + 1, "s-" + i, "external_id", "record_referenced",
                    "still referred to by service " + keeper + " (field dependencies), which this file does not delete",
                    "{\"external_id\":\"s-" + i + "\"}"));
        }
        assertThat(errors(job)).containsExactlyElementsOf(expected);
        assertThat(serviceIds("s-1", "s-2", "s-3", "s-4", "s-5", "s-6", "s-7")).isEqualTo(before);
        assertThat(db.withHandle((Handle h) -> imports.deferredCount(h, job.id()))).isZero();
    }

    @Test
    void aChainOfRecordsLeftForAfterTheCleanupWalkThatARecordOfTheFileKeepsIsHeldInOneStatement()
            throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        runServices(chainOfServices(6) + "s-7,Audit,v-1,s-1\n");
        Map<String, String> before = serviceIds("s-1", "s-2", "s-3", "s-4", "s-5", "s-6", "s-7");
        List<Integer> statements = new ArrayList<>();
        pipeline.referredMarked(statements::add);

        // Pages of 3: s-1 to s-6 are each referred to by another service only, so left for after the walk; then s-7
        // of the file keeps s-1, which keeps s-2, and so on down the chain.
        ImportJob job = runServices(Action.OVERWRITE, "external_id,name,vendor,dependencies\ns-7,Audit,v-1,s-1\n");

        assertThat(statements).containsExactly(1);
        assertThat(job.stats()).isEqualTo(new ImportStats(1, 1, 0, 0, 1, 0, 0, 0));
        assertThat(job.phase(Phase.CLEANUP).rows()).isZero();
        assertThat(job.phase(Phase.CLEANUP).reason()).isEqualTo("6 records the import did not contain were not"
                + " deleted, since records the cleanup does not delete still refer to them; e.g. service "
                + before.get("s-1") + " is still referred to by service " + before.get("s-7")
                + " (field dependencies), which the cleanup does not delete");
        assertThat(serviceIds("s-1", "s-2", "s-3", "s-4", "s-5", "s-6", "s-7")).isEqualTo(before);
        assertThat(db.withHandle((Handle h) -> imports.deferredCount(h, job.id()))).isZero();
    }

    @Test
    void overwriteCleanupKeepsTheRecordsThatRecordsItDoesNotDeleteStillReferTo() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        runServices("external_id,name,vendor,dependencies\ns-1,Base,v-2,\ns-2,Ledger,v-3,v-2\n");
        Map<String, String> services = serviceIds("s-1", "s-2");
        Map<String, String> vendors = ids("v-1", "v-2", "v-3");

        ImportJob job = run(Action.OVERWRITE, DuplicateHandling.IGNORE_ALL,
                "external_id,name,status,raw_irq_score\nv-1,Acme,active,85\n");

        assertThat(job.stats()).isEqualTo(new ImportStats(1, 1, 0, 0, 1, 2, 0, 0));
        assertThat(job.phase(Phase.CLEANUP).status()).isEqualTo(PhaseStatus.COMPLETED);
        assertThat(job.phase(Phase.CLEANUP).rows()).isEqualTo(2);
        assertThat(job.phase(Phase.CLEANUP).reason()).isEqualTo("2 records the import did not contain were not"
                + " deleted, since records the cleanup does not delete still refer to them; e.g. vendor "
                + vendors.get("v-2") + " is still referred to by 2 records the cleanup does not delete, e.g. service "
                + services.get("s-1") + " (field vendor)");
        assertThat(ids("v-1", "v-2", "v-3", "v-4", "v-5")).isEqualTo(vendors);
    }

    @Test
    void overwriteCleanupDeletesRecordsReferredToOnlyByRecordsItDeletesOnAnyPage() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        String stored = """
                external_id,name,vendor,dependencies
                s-1,Base,v-1,s-5
                s-2,Ledger,v-1,
                s-3,Billing,v-1,
                s-4,Reports,v-1,s-3
                s-5,Search,v-1,
                s-6,Index,v-1,s-2
                """;
        runServices(stored);
        Map<String, String> ids = serviceIds("s-3", "s-4");

        // Pages of 3: s-2 is referred to by s-6 and s-3 by s-4, both on the next page; s-6 goes, s-4 is in the file.
        ImportJob job = runServices(Action.OVERWRITE, "external_id,name,vendor,dependencies\ns-4,Reports,v-1,s-3\n");

        assertThat(job.stats()).isEqualTo(new ImportStats(1, 1, 0, 0, 1, 4, 0, 0));
        assertThat(job.phase(Phase.CLEANUP).rows()).isEqualTo(4);
        assertThat(job.phase(Phase.CLEANUP).reason()).isEqualTo("1 record the import did not contain was not"
                + " deleted: service " + ids.get("s-3") + " is still referred to by service " + ids.get("s-4")
                + " (field dependencies), which the cleanup does not delete");
        assertThat(serviceIds("s-1", "s-2", "s-3", "s-4", "s-5", "s-6")).isEqualTo(ids);
    }

    @Test
    void theRecordsLeftForAfterTheCleanupWalkAreDecidedAndDeletedAPageAtATime() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        runServices("""
                external_id,name,vendor,dependencies
                s-01,A,v-1,
                s-02,B,v-1,
                s-03,C,v-1,
                s-04,D,v-1,
                s-05,E,v-1,
                s-06,F,v-1,s-05
                s-07,G,v-1,s-01
                s-08,H,v-1,s-02
                s-09,I,v-1,s-03
                s-10,J,v-1,s-04
                s-11,K,v-1,s-05
                s-12,L,v-1,s-06
                """);
        Map<String, String> ids = serviceIds("s-05", "s-06");
        List<List<String>> deletes = new ArrayList<>();
        pipeline.beforeCleanupDelete(toDelete -> deletes.add(toDelete.stream().map(RecordStore.Existing::externalId)
                .toList()));

        // Pages of 3: s-01 to s-06 are referred to by services of later pages, so left for after the walk, which
        // deletes s-07 to s-12; then s-06 stays for s-13 of the file, and s-05 for s-06.
        ImportJob job = runServices(Action.OVERWRITE, "external_id,name,vendor,dependencies\ns-13,M,v-1,s-06\n");

        // Decided a page at a time: before, the 4 records left were read and deleted together.
        assertThat(deletes).isEqualTo(List.of(List.of("s-07", "s-08", "s-09"), List.of("s-10", "s-11", "s-12"),
                List.of("s-01", "s-02", "s-03"), List.of("s-04")));
        assertThat(job.phase(Phase.CLEANUP).rows()).isEqualTo(10);
        String added = serviceIds("s-13").get("s-13");
        assertThat(job.phase(Phase.CLEANUP).reason()).isEqualTo("2 records the import did not contain were not"
                + " deleted, since records the cleanup does not delete still refer to them; e.g. service "
                + ids.get("s-06") + " is still referred to by service " + added
                + " (field dependencies), which the cleanup does not delete");
        assertThat(serviceIds("s-01", "s-02", "s-03", "s-04", "s-05", "s-06", "s-07", "s-08", "s-09", "s-10", "s-11",
                "s-12", "s-13")).isEqualTo(Map.of("s-05", ids.get("s-05"), "s-06", ids.get("s-06"), "s-13", added));
        assertThat(db.withHandle((Handle h) -> imports.deferredCount(h, job.id()))).isZero();
    }

    @Test
    void theOneAtATimeCleanupKeepsARecordThatARecordItDoesNotDeleteStillRefersTo() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name\nv-1,Acme\nv-2,Beta\nv-3,Gamma\n");
        runServices("external_id,name,vendor\ns-1,Payments,v-2\n");
        Map<String, String> before = ids("v-1", "v-2", "v-3");
        String service = serviceIds("s-1").get("s-1");
        String file = "external_id,name\nv-1,Acme\n";
        ImportJob job = prepared(Action.OVERWRITE, DuplicateHandling.IGNORE_ALL, file);
        pipeline.cleanupPageAttempts(1);
        List<List<String>> deletes = new ArrayList<>();
        pipeline.beforeCleanupDelete(toDelete -> {
            deletes.add(toDelete.stream().map(RecordStore.Existing::externalId).toList());
            if (deletes.size() == 1) {
                throw new StoreException("transient_conflict", "1 of 1 records changed or were deleted while they"
                        + " were being deleted", null);
            }
        });

        ImportJob done = pipeline.process(job.id(), csv(file), ImportPipeline.Listener.NONE);

        // The page and then v-3's own transaction delete v-3 only; v-2's own transaction deletes nothing.
        assertThat(deletes).isEqualTo(List.of(List.of("v-3"), List.of("v-3")));
        assertThat(done.stats()).isEqualTo(new ImportStats(1, 1, 0, 0, 1, 1, 0, 0));
        assertThat(done.phase(Phase.CLEANUP).rows()).isEqualTo(1);
        assertThat(done.phase(Phase.CLEANUP).reason()).isEqualTo("1 record the import did not contain was not"
                + " deleted: vendor " + before.get("v-2") + " is still referred to by service " + service
                + " (field vendor), which the cleanup does not delete");
        assertThat(ids("v-1", "v-2", "v-3")).isEqualTo(Map.of("v-1", before.get("v-1"), "v-2", before.get("v-2")));
    }

    @Test
    void aRestartedRunResumesAfterTheLastCommittedChunkWithoutCountingRowsTwice() throws IOException {
        ImportJob job = prepared(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        ImportPipeline.RowSource source = csv(VENDORS);
        try {
            pipeline.process(job.id(), source, committed -> {
                throw new IllegalStateException("worker killed after chunk ending at row " + committed.checkpoint());
            });
        } catch (IllegalStateException expected) {
            assertThat(expected).hasMessage("worker killed after chunk ending at row 3");
        }
        ImportJob interrupted = load(job.id());
        assertThat(interrupted.status()).isEqualTo(Status.PROCESSING);
        assertThat(interrupted.checkpoint()).isEqualTo(3);

        ImportJob resumed = pipeline.process(job.id(), source, ImportPipeline.Listener.NONE);

        assertThat(resumed.status()).isEqualTo(Status.COMPLETED);
        assertThat(resumed.stats()).isEqualTo(new ImportStats(5, 5, 5, 0, 0, 0, 0, 0));
        assertThat(vendorCount()).isEqualTo(5);
    }

    @Test
    void anImportPastItsDeadlineEndsTimedOutKeepingTheCommittedChunks() throws IOException {
        ImportJob job = prepared(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);

        ImportJob done = pipeline.process(job.id(), csv(VENDORS), committed -> clock.advance(Duration.ofHours(2)));

        assertThat(done.status()).isEqualTo(Status.TIMED_OUT);
        assertThat(done.reason()).isEqualTo("The import ran past its maximum run time (deadline 2025-03-01T10:00:00Z);"
                + " 3 rows committed before it stopped are kept");
        assertThat(done.stats().created()).isEqualTo(3);
        assertThat(done.phase(Phase.CLEANUP).status()).isEqualTo(PhaseStatus.SKIPPED);
        assertThat(vendorCount()).isEqualTo(3);
    }

    /**
     * A run of an import whose prevalidation was interrupted (here a worker that died in it), run again past the
     * import's deadline, ends it {@code timed_out} without opening its file. Before, it read the whole file again and
     * left the import {@code queued}, to time out at its first chunk.
     */
    @Test
    void anImportRunAgainPastItsDeadlineDuringPrevalidationEndsTimedOutWithoutReadingItsFile() throws IOException {
        ImportJob job = uploaded(Action.MERGE, DuplicateHandling.IGNORE_ALL, null);
        pipeline.whilePreparing(importId -> {
            throw new IllegalStateException("the worker died");
        });
        assertThatThrownBy(() -> pipeline.prepare(job.id(), csv(VENDORS))).hasMessage("the worker died");
        pipeline.whilePreparing(importId -> {});
        clock.advance(Duration.ofHours(2));
        ImportPipeline.RowSource file = csv(VENDORS);
        AtomicInteger opened = new AtomicInteger();

        ImportJob done = pipeline.prepare(job.id(), () -> {
            opened.incrementAndGet();
            return file.open();
        });

        assertThat(opened).hasValue(0);
        assertThat(done.status()).isEqualTo(Status.TIMED_OUT);
        assertThat(done.reason()).isEqualTo("The import ran past its maximum run time (deadline 2025-03-01T10:00:00Z);"
                + " 0 rows committed before it stopped are kept");
        assertThat(load(job.id()).withRunToken(done.runToken())).isEqualTo(done);
        assertThat(done.totalRows()).isNull();
        assertThat(done.phases()).extracting(p -> p.phase().wireName() + ":" + p.status().wireName())
                .containsExactly("prevalidation:skipped", "preparsing:skipped", "transforming:skipped",
                        "parsing:skipped", "validation:skipped", "processing:skipped", "cleanup:skipped");
        assertThat(done.phases()).allSatisfy(p -> assertThat(p.finishedAt()).isEqualTo(START.plus(
                Duration.ofHours(2))));
        assertThat(vendorCount()).isZero();
    }

    /**
     * Prevalidation whose read of the file runs past the import's deadline (the clock passes it as row 1,500 is read)
     * stops at its next look, every {@link ImportPipeline#DEADLINE_EVERY} rows, and ends the import {@code timed_out}
     * with the reason of every time-out. Before, prepare looked at the deadline only before it began: the read went on
     * to the end of the file and left the import {@code queued}, to time out at its first chunk.
     */
    @Test
    void aPrevalidationThatRunsPastTheDeadlineStopsReadingAndEndsTheImportTimedOut() throws IOException {
        ImportJob job = uploaded(Action.MERGE, DuplicateHandling.IGNORE_ALL, null);
        ImportPipeline.RowSource file = csv(manyVendors(5_000, false));
        AtomicLong given = new AtomicLong();

        ImportJob done = pipeline.prepare(job.id(), () -> passingTheDeadlineAt(file.open(), 1_500, given));

        assertThat(given).hasValue(2 * ImportPipeline.DEADLINE_EVERY);
        assertThat(done.status()).isEqualTo(Status.TIMED_OUT);
        assertThat(done.reason()).isEqualTo("The import ran past its maximum run time (deadline 2025-03-01T10:00:00Z);"
                + " 0 rows committed before it stopped are kept");
        assertThat(load(job.id()).withRunToken(done.runToken())).isEqualTo(done);
        assertThat(done.totalRows()).isNull();
        assertThat(done.phases()).extracting(p -> p.phase().wireName() + ":" + p.status().wireName())
                .containsExactly("prevalidation:skipped", "preparsing:skipped", "transforming:skipped",
                        "parsing:skipped", "validation:skipped", "processing:skipped", "cleanup:skipped");
        assertThat(vendorCount()).isZero();
    }

    /**
     * The same for preparsing's second read, of the rows whose key hashes repeat (here every row's key is written
     * twice): prevalidation completed, and preparsing stops at its next look past the deadline. Before, it read on to
     * the end of the file.
     */
    @Test
    void aPreparsingThatRunsPastTheDeadlineStopsReadingAndEndsTheImportTimedOut() throws IOException {
        ImportJob job = uploaded(Action.MERGE, DuplicateHandling.IGNORE_ALL, null);
        ImportPipeline.RowSource file = csv(manyVendors(2_500, true));
        AtomicLong given = new AtomicLong();

        ImportJob done = pipeline.prepare(job.id(), () -> passingTheDeadlineAt(file.open(), 5_000 + 1_500, given));

        assertThat(given).hasValue(5_000 + 2 * ImportPipeline.DEADLINE_EVERY);
        assertThat(done.status()).isEqualTo(Status.TIMED_OUT);
        assertThat(done.reason()).isEqualTo("The import ran past its maximum run time (deadline 2025-03-01T10:00:00Z);"
                + " 0 rows committed before it stopped are kept");
        assertThat(load(job.id()).withRunToken(done.runToken())).isEqualTo(done);
        assertThat(done.totalRows()).isEqualTo(5_000);
        assertThat(done.phases()).extracting(p -> p.phase().wireName() + ":" + p.status().wireName())
                .containsExactly("prevalidation:completed", "preparsing:skipped", "transforming:skipped",
                        "parsing:skipped", "validation:skipped", "processing:skipped", "cleanup:skipped");
        assertThat(vendorCount()).isZero();
    }

    /** A CSV of {@code count} vendors v-1…, each written twice in a row when {@code twice}. */
    static String manyVendors(int count, boolean twice) {
        StringBuilder csv = new StringBuilder("external_id,name,status\n");
        for (int i = 1; i <= count; i++) {
            String row = "v-" + i + ",Vendor " + i + ",active\n";
            csv.append(row);
            if (twice) {
                csv.append(row);
            }
        }
        return csv.toString();
    }

    /**
     * {@code reader}, which moves the clock two hours on (past the import's deadline) as it gives the row that is the
     * {@code at}-th it gives (counting across the readers made so, in {@code given}).
     */
    RowReader passingTheDeadlineAt(RowReader reader, long at, AtomicLong given) {
        return new RowReader() {
            @Override
            public List<String> headers() {
                return reader.headers();
            }

            @Override
            public Map<String, String> renamedHeaders() {
                return reader.renamedHeaders();
            }

            @Override
            public boolean hasColumn(String column) {
                return reader.hasColumn(column);
            }

            @Override
            public SourceFormat format() {
                return reader.format();
            }

            @Override
            public SourceRow next() throws IOException {
                SourceRow row = reader.next();
                if (row != null && given.incrementAndGet() == at) {
                    clock.advance(Duration.ofHours(2));
                }
                return row;
            }

            @Override
            public void readOnly(Set<String> columns) {
                reader.readOnly(columns);
            }

            @Override
            public boolean rowLevel(IngestException e) {
                return reader.rowLevel(e);
            }

            @Override
            public void close() throws IOException {
                reader.close();
            }
        };
    }

    /**
     * A cancel stops the run at its next chunk, and the key that asked is the import's {@code updated_by} (seed 004:
     * who last updated it) from the request on: the run's saves after it do not write back the key the run read.
     */
    @Test
    void aCancelRequestStopsTheImportAsFailedWithItsReason() throws IOException {
        ImportJob job = prepared(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        assertThat(job.updatedBy()).isEqualTo("key_test");
        List<ImportJob> whenRequested = new ArrayList<>();

        ImportJob done = pipeline.process(job.id(), csv(VENDORS), committed -> {
            clock.advance(Duration.ofMinutes(1));
            db.withHandle(h -> imports.requestCancel(h, org, job.id(), "key_canceller"));
            whenRequested.add(load(job.id()));
        });

        assertThat(done.status()).isEqualTo(Status.FAILED);
        assertThat(done.reason()).isEqualTo("Cancelled on request; 3 rows committed before it stopped are kept");
        assertThat(vendorCount()).isEqualTo(3);
        assertThat(load(job.id()).status()).isEqualTo(Status.FAILED);
        assertThat(load(job.id()).updatedBy()).isEqualTo("key_canceller");
        // The request itself is the update: who and when, before the run stops.
        assertThat(whenRequested).hasSize(1);
        assertThat(whenRequested.get(0).status()).isEqualTo(Status.PROCESSING);
        assertThat(whenRequested.get(0).updatedBy()).isEqualTo("key_canceller");
        assertThat(whenRequested.get(0).updatedAt()).isEqualTo(START.plus(Duration.ofMinutes(1)));
    }

    @Test
    void aCancelWhilePrevalidationReadsTheFileEndsTheImportAndTheRunSavesNothingOverIt() throws IOException {
        ImportJob job = uploaded(Action.MERGE, DuplicateHandling.IGNORE_ALL, null);
        // The cancel lands while prevalidation reads row 2, as POST /v1/imports/{id}/cancel would.
        ImportPipeline.RowSource cancelledWhileRead = reading(csv(NINE_VENDORS), 2,
                () -> db.inTransaction(h -> imports.cancel(h, org, job.id(), "key_canceller", clock.instant())));

        assertThatThrownBy(() -> pipeline.prepare(job.id(), cancelledWhileRead))
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.isSuperseded()).isTrue());

        ImportJob stored = load(job.id());
        assertThat(stored.status()).isEqualTo(Status.FAILED);
        assertThat(stored.reason()).isEqualTo("Cancelled on request before it started");
        assertThat(stored.totalRows()).isNull();
        assertThat(stored.phases()).extracting(p -> p.status()).containsOnly(PhaseStatus.SKIPPED).hasSize(7);
        // The worker's next step finds it ended and writes nothing.
        assertThat(pipeline.process(job.id(), csv(NINE_VENDORS), ImportPipeline.Listener.NONE).status())
                .isEqualTo(Status.FAILED);
        assertThat(vendorCount()).isZero();
    }

    @Test
    void anImportCancelledBeforeItsRunTookItIsNotPreparedOver() throws IOException {
        ImportJob job = uploaded(Action.MERGE, DuplicateHandling.IGNORE_ALL, null);
        ImportJob cancelled = db.inTransaction(h -> imports.cancel(h, org, job.id(), "key_canceller", clock.instant()))
                .orElseThrow();

        ImportJob prepared = pipeline.prepare(job.id(), csv(NINE_VENDORS));

        assertThat(prepared.status()).isEqualTo(Status.FAILED);
        ImportJob stored = load(job.id());
        assertThat(stored.status()).isEqualTo(Status.FAILED);
        assertThat(stored.reason()).isEqualTo("Cancelled on request before it started");
        assertThat(stored.phases()).isEqualTo(cancelled.phases());
        assertThat(stored.totalRows()).isNull();
    }

    /**
     * The column formats prevalidation inferred are stored with its end, in the transaction of the run's save, which a
     * cancel while the file is read makes fail: before, they were stored in a transaction of their own, without the
     * run token's check, on the cancelled import.
     */
    @Test
    void aCancelWhilePrevalidationReadsTheFileLeavesNoneOfTheRunsColumnFormatsOnTheImport() throws IOException {
        ImportJob job = uploaded(Action.MERGE, DuplicateHandling.IGNORE_ALL, null);
        ImportPipeline.RowSource cancelledWhileRead = reading(csv(DATED), 2,
                () -> db.inTransaction(h -> imports.cancel(h, org, job.id(), "key_canceller", clock.instant())));

        assertThatThrownBy(() -> pipeline.prepare(job.id(), cancelledWhileRead))
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.isSuperseded()).isTrue());

        assertThat(db.withHandle((Handle h) -> imports.options(h, job.id()))).isEmpty();
        assertThat(load(job.id()).status()).isEqualTo(Status.FAILED);
        // What the cancel kept out: the same file prepared to its end stores the formats of its date columns.
        ImportJob prepared = prepared(Action.MERGE, DuplicateHandling.IGNORE_ALL, DATED);
        assertThat(db.withHandle((Handle h) -> imports.options(h, prepared.id()))).contains("{\"dateFormats\":{"
                + "\"next_assessment_date\":\"MDY|false|false|M/DD/YYYY\",\"audit_start\":\"DMY|false|false|D.M.YYYY\","
                + "\"soc2_audit_end\":\"MDY|false|true|MM/DD/YYYY\"}}");
    }

    /** An import whose CSV upload was prescanned from {@code content}, the prescan finished and handed over. */
    ImportJob uploadedWithPrescan(String content) throws IOException {
        ImportJob job = uploaded(Action.MERGE, DuplicateHandling.IGNORE_ALL, null);
        Path file = Files.createTempFile(dir, "stored", ".csv");
        Files.writeString(file, content);
        Prescan prescan = pipeline.prescan(job.id(), new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)),
                file);
        prescan.result.join();
        pipeline.usePrescan(job.id(), prescan, "sha");
        assertThat(pipeline.keepsPrescanOf(job.id())).isTrue();
        return job;
    }

    /**
     * The prescan of an import's upload is let go by the prepare that finds the import cancelled, and by the worker
     * that then leaves it alone: before, it stayed in memory until a later CSV upload swept the expired ones.
     */
    @Test
    void aPrepareThatFindsItsImportCancelledLetsGoOfTheUploadsPrescan() throws IOException {
        ImportJob job = uploadedWithPrescan(NINE_VENDORS);
        db.inTransaction(h -> imports.cancel(h, org, job.id(), "key_canceller", clock.instant())).orElseThrow();

        ImportJob prepared = pipeline.prepare(job.id(), csv(NINE_VENDORS));

        assertThat(prepared.status()).isEqualTo(Status.FAILED);
        assertThat(pipeline.keepsPrescanOf(job.id())).isFalse();
    }

    @Test
    void aWorkerThatFindsItsImportCancelledLetsGoOfTheUploadsPrescan() throws IOException {
        UploadStore uploads = new UploadStore(dir.resolve("uploads"));
        var tasks = new dev.freight.jobs.ImportTasks(db, imports, pipeline, new UploadSources(uploads, db, imports),
                new dev.freight.store.MappingMemoryStore(clock), clock, Duration.ofSeconds(10));
        ImportJob job = uploadedWithPrescan(NINE_VENDORS);
        db.inTransaction(h -> imports.cancel(h, org, job.id(), "key_canceller", clock.instant())).orElseThrow();

        tasks.runImport(job.id());

        assertThat(load(job.id()).status()).isEqualTo(Status.FAILED);
        assertThat(pipeline.keepsPrescanOf(job.id())).isFalse();
    }

    /**
     * A batch has no cleanup and stores its import only at its end, so it could not run an overwrite (nor mark the
     * import as having seen keys); the Import API runs merges only, and any other action is refused before anything is
     * stored.
     */
    @ParameterizedTest
    @EnumSource(value = Action.class, names = {"OVERWRITE", "DELETE"})
    void aBatchRunsMergesOnlyAndRefusesAnyOtherActionStoringNothing(Action action) {
        ImportJob job = jobs.inline(new ImportJobs.Request(org, "vendor", "report:vendors", UploadMode.SYNC, action,
                DuplicateHandling.IGNORE_ALL, "test", "key_test", Map.of("external_id", "external_id", "name",
                        "name")));
        List<Map<String, String>> data = List.of(Map.of("external_id", "v-1", "name", "Acme"));

        assertThatThrownBy(() -> pipeline.runBatch(job, data)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("runBatch runs merge imports only, not " + action.wireName() + " (import " + job.id() + ")");

        assertThat(db.withHandle((Handle h) -> imports.get(h, job.id()))).isEmpty();
        assertThat(vendorCount()).isZero();
    }

    @Test
    void aChunkTheDatabaseRefusesIsReplayedRowByRowSoOnlyTheBadRowFails() throws IOException {
        db.withHandle(h -> {
            h.execute(databases().failingTriggerSql("boom"));
            return null;
        });

        ImportJob job = run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS.replace("v-2,Beta", "boom,Beta"));

        assertThat(job.stats()).isEqualTo(new ImportStats(5, 4, 4, 0, 0, 0, 0, 1));
        assertThat(errors(job)).singleElement().satisfies(e -> {
            assertThat(e.line()).isEqualTo(3);
            assertThat(e.code()).isEqualTo("write_failed");
            assertThat(e.externalId()).isEqualTo("boom");
        });
        assertThat(vendorCount()).isEqualTo(4);
    }

    @Test
    void rollbackDeletesCreatedRecordsAndRestoresUpdatedAndDeletedOnes() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name\nv-1,Acme\nv-2,Beta\n");
        ImportJob second = run(Action.OVERWRITE, DuplicateHandling.IGNORE_ALL, "external_id,name\nv-1,Acme Corp\nv-3,Gamma\n");
        assertThat(second.stats()).isEqualTo(new ImportStats(2, 2, 1, 1, 0, 1, 0, 0));

        ImportRollback.Result result = rollback.rollback(second, "key_test");

        assertThat(result.deleted()).isEqualTo(1);
        assertThat(result.restored()).isEqualTo(2);
        assertThat(result.conflicts()).isEmpty();
        assertThat(result.job().rolledBackAt()).isEqualTo(START);
        assertThat(vendor("v-1").values().get("name").toString()).isEqualTo("Text[value=Acme]");
        assertThat(vendor("v-2").values().get("name").toString()).isEqualTo("Text[value=Beta]");
        assertThat(ids("v-3")).isEmpty();
    }

    @Test
    void aRollbackOfAnImportRolledBackSinceItWasReadIsRefusedAndChangesNothing() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name\nv-1,Acme\nv-2,Beta\n");
        ImportJob second = run(Action.OVERWRITE, DuplicateHandling.IGNORE_ALL,
                "external_id,name\nv-1,Acme Corp\nv-3,Gamma\n");
        rollback.rollback(second, "key_first");
        clock.advance(Duration.ofMinutes(1));
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name\nv-1,Acme Again\n");

        // second as read before the first rollback: a request that checked it then, or a retry.
        assertThatThrownBy(() -> rollback.rollback(second, "key_second"))
                .isInstanceOfSatisfying(ImportRollback.Refused.class, refused -> {
                    assertThat(refused.current().rolledBackAt()).isEqualTo(START);
                    assertThat(refused.current().purgedAt()).isNull();
                });

        assertThat(vendor("v-1").values().get("name").toString()).isEqualTo("Text[value=Acme Again]");
        assertThat(vendor("v-2").values().get("name").toString()).isEqualTo("Text[value=Beta]");
        assertThat(ids("v-3")).isEmpty();
        assertThat(load(second.id()).rolledBackAt()).isEqualTo(START);
        assertThat(load(second.id()).updatedBy()).isEqualTo("key_first");
    }

    @Test
    void twoRollbacksOfOneImportAtOnceRollItBackOnceAndTheSecondIsRefused() throws Exception {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name\nv-1,Acme\nv-2,Beta\n");
        ImportJob second = run(Action.OVERWRITE, DuplicateHandling.IGNORE_ALL,
                "external_id,name\nv-1,Acme Corp\nv-3,Gamma\n");
        ImportRollback other = new ImportRollback(db, imports, records, new SchemaStore(clock), clock);
        ExecutorService worker = Executors.newSingleThreadExecutor();
        try {
            List<Future<ImportRollback.Result>> started = new ArrayList<>();
            // The second starts inside the first's transaction and waits for the import it claimed (PostgreSQL), or
            // for the write lock (SQLite).
            rollback.afterRestored(() -> {
                Future<ImportRollback.Result> run = worker.submit(() -> other.rollback(second, "key_second"));
                started.add(run);
                databases().awaitLockWaiter(db, "update imports set updated_by", run);
            });

            ImportRollback.Result first = rollback.rollback(second, "key_first");

            assertThat(first.deleted()).isEqualTo(1);
            assertThat(first.restored()).isEqualTo(2);
            assertThat(first.conflicts()).isEmpty();
            assertThatThrownBy(() -> started.getFirst().get(60, TimeUnit.SECONDS))
                    .cause().isInstanceOfSatisfying(ImportRollback.Refused.class,
                            refused -> assertThat(refused.current().rolledBackAt()).isEqualTo(START));
        } finally {
            worker.shutdownNow();
        }
        assertThat(vendor("v-1").values().get("name").toString()).isEqualTo("Text[value=Acme]");
        assertThat(vendor("v-2").values().get("name").toString()).isEqualTo("Text[value=Beta]");
        assertThat(ids("v-3")).isEmpty();
        assertThat(load(second.id()).updatedBy()).isEqualTo("key_first");
    }

    /**
     * The rollback of a delete that runs while the rollback of the import that created the deleted record is under way
     * waits for it (PostgreSQL: the creator's row, which the other claimed; SQLite: the write lock), then finds the
     * creator rolled back and does not re-create the record. Before, on PostgreSQL it re-created the record, unseen by
     * the creator's rollback, which deleted only what was committed: the record stayed, marked as created by an import
     * rolled back, and neither rollback listed it.
     */
    @Test
    void aDeleteRolledBackWhileTheCreatorsRollbackRunsWaitsForItAndDoesNotReCreateTheRecord() throws Exception {
        ImportJob creator = run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name\nv-1,Acme\nv-2,Beta\n");
        String id = ids("v-1").get("v-1");
        ImportJob delete = run(Action.DELETE, DuplicateHandling.IGNORE_ALL, "external_id\nv-1\n");
        ImportRollback other = new ImportRollback(db, imports, records, new SchemaStore(clock), clock);
        CompletableFuture<Void> reached = new CompletableFuture<>();
        CountDownLatch creatorDone = new CountDownLatch(1);
        // Holds the delete's rollback open once it re-created what it could, until the creator's rollback commits.
        other.afterRestored(() -> {
            reached.complete(null);
            try {
                creatorDone.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        ExecutorService worker = Executors.newSingleThreadExecutor();
        try {
            List<Future<ImportRollback.Result>> started = new ArrayList<>();
            rollback.afterRestored(() -> {
                Future<ImportRollback.Result> run = worker.submit(() -> other.rollback(delete, "key_delete"));
                started.add(run);
                databases().awaitLockWaiter(db, "select id, rolled_back_at from imports", reached);
            });

            ImportRollback.Result first = rollback.rollback(creator, "key_creator");
            creatorDone.countDown();
            ImportRollback.Result second = started.getFirst().get(60, TimeUnit.SECONDS);

            assertThat(first.deleted()).isEqualTo(1);
            assertThat(first.conflicts()).isEmpty();
            assertThat(second.restored()).isZero();
            assertThat(second.conflicts()).containsExactly(new ImportRollback.Conflict(id, "v-1", "not re-created:"
                    + " import " + creator.id() + ", which created it, was rolled back after this import was created"));
        } finally {
            worker.shutdownNow();
        }
        assertThat(vendorCount()).isZero();
    }

    @Test
    void aRollbackOfAnImportPurgedSinceItWasReadIsRefusedAndChangesNothing() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name\nv-1,Acme\n");
        ImportJob second = run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name\nv-1,Acme Corp\n");
        Instant purged = START.plus(Duration.ofDays(40));
        db.inTransaction(h -> {
            imports.purge(h, second.id(), purged);
            return null;
        });

        assertThatThrownBy(() -> rollback.rollback(second, "key_second"))
                .isInstanceOfSatisfying(ImportRollback.Refused.class, refused -> {
                    assertThat(refused.current().purgedAt()).isEqualTo(purged);
                    assertThat(refused.current().rolledBackAt()).isNull();
                });

        assertThat(vendor("v-1").values().get("name").toString()).isEqualTo("Text[value=Acme Corp]");
        assertThat(load(second.id()).rolledBackAt()).isNull();
    }

    @Test
    void rollbackRestoresEveryUpdateAndDeleteItCanAndReportsEachItCannot() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL,
                "external_id,name\nv-1,A\nv-2,B\nv-3,C\nv-4,D\nv-5,E\nv-6,F\nv-7,G\n");
        ImportJob second = run(Action.OVERWRITE, DuplicateHandling.IGNORE_ALL,
                "external_id,name\nv-1,A2\nv-2,B2\nv-3,C2\nv-4,D2\nv-5,E2\n");
        assertThat(second.stats()).isEqualTo(new ImportStats(5, 5, 0, 5, 0, 2, 0, 0));
        // Since then: v-2 and v-4 edited, v-6 created again; v-7 still deleted.
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name\nv-2,B3\nv-4,D3\nv-6,F3\n");

        ImportRollback.Result result = rollback.rollback(second, "key_test");

        assertThat(result.restored()).isEqualTo(4);
        assertThat(result.conflicts()).extracting(ImportRollback.Conflict::externalId, ImportRollback.Conflict::reason)
                .containsExactlyInAnyOrder(
                        tuple("v-2", "changed or deleted since the import updated it"),
                        tuple("v-4", "changed or deleted since the import updated it"),
                        tuple("v-6", "a record with its id or external_id exists again"));
        Map<String, String> names = new LinkedHashMap<>();
        for (String key : List.of("v-1", "v-2", "v-3", "v-4", "v-5", "v-6", "v-7")) {
            names.put(key, vendor(key).values().get("name").toString());
        }
        assertThat(names).containsExactly(Map.entry("v-1", "Text[value=A]"), Map.entry("v-2", "Text[value=B3]"),
                Map.entry("v-3", "Text[value=C]"), Map.entry("v-4", "Text[value=D3]"),
                Map.entry("v-5", "Text[value=E]"), Map.entry("v-6", "Text[value=F3]"),
                Map.entry("v-7", "Text[value=G]"));
    }

    @Test
    void rollbackOfAChangeLogLongerThanOnePageRestoresEveryRecordOfEveryPage() throws IOException {
        StringBuilder first = new StringBuilder("external_id,name\n");
        StringBuilder second = new StringBuilder("external_id,name\n");
        for (int i = 0; i < 2_500; i++) {
            first.append(String.format("v-%04d,Name %d%n", i, i));
            if (i % 25 != 7) {
                second.append(String.format("v-%04d,Changed %d%n", i, i));
            }
        }
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, first.toString());
        ImportJob overwrite = run(Action.OVERWRITE, DuplicateHandling.IGNORE_ALL, second.toString());
        assertThat(overwrite.stats()).isEqualTo(new ImportStats(2_400, 2_400, 0, 2_400, 0, 100, 0, 0));
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name\nv-1500,Edited since\n");

        ImportRollback.Result result = rollback.rollback(overwrite, "key_test");

        assertThat(result.restored()).isEqualTo(2_499);
        assertThat(result.conflicts()).extracting(ImportRollback.Conflict::externalId, ImportRollback.Conflict::reason)
                .containsExactly(tuple("v-1500", "changed or deleted since the import updated it"));
        assertThat(vendorCount()).isEqualTo(2_500);
        for (int i : List.of(0, 7, 999, 1_000, 1_007, 1_999, 2_000, 2_482, 2_499)) {
            assertThat(vendor(String.format("v-%04d", i)).values().get("name").toString())
                    .isEqualTo("Text[value=Name " + i + "]");
        }
        assertThat(vendor("v-1500").values().get("name").toString()).isEqualTo("Text[value=Edited since]");
    }

    @Test
    void aLargeImportsRejectedRowsAndChangeLogAreReadThroughTheirKeysRightAfterIt() throws Exception {
        // Autovacuum may analyze the tables minutes after they grew; the reads must not wait for it.
        db.withHandle(h -> {
            for (String table : List.of("records", "import_errors", "import_changes")) {
                databases().withoutAutoAnalyze(h, table);
            }
            return null;
        });
        pipeline = new ImportPipeline(db, imports, records, new SchemaStore(clock), clock, 1_000);
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, updatesAndRejects(20_000, 0, "Name"));

        ImportJob large = run(Action.MERGE, DuplicateHandling.IGNORE_ALL, updatesAndRejects(20_000, 20_000, "Changed"));

        assertThat(large.stats()).isEqualTo(new ImportStats(40_000, 20_000, 0, 20_000, 0, 0, 0, 20_000));
        assertReadsThroughKeysSoon(large);
    }

    /**
     * An overwrite's cleanup finds the records it did not see through keys, whatever the statistics know: PostgreSQL
     * planned the anti-join of records and import_seen it used to read, when the statistics knew an earlier import's
     * keys but not this one's, as a comparison of every record of a page with every key the import saw (30 s a page of
     * 1,000 at 200,000 keys; here about 10 s, which the statement timeout stops).
     */
    @Test
    void anOverwriteAfterAnotherDeletesTheRecordsItDidNotSeeThroughKeysWhateverTheStatisticsKnow() throws Exception {
        db.close();
        db = databases().open("pipeline_" + DATABASES.incrementAndGet(), Duration.ofSeconds(3));
        IdGenerator ids = new IdGenerator(clock);
        records = new RecordStore(ids, clock);
        pipeline = new ImportPipeline(db, imports, records, new SchemaStore(clock), clock, 1_000);
        jobs = new ImportJobs(ids, clock, Duration.ofHours(1));
        org = db.inTransaction(h -> new TenantStore(ids, clock).createOrganization(h, "acme", "Acme")).id();
        db.withHandle(h -> {
            databases().withoutAutoAnalyze(h, "import_seen");
            return null;
        });
        int rows = 96_000;
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, vendorKeys(rows, i -> true));
        ImportJob first = run(Action.OVERWRITE, DuplicateHandling.IGNORE_ALL, vendorKeys(rows, i -> true));
        assertThat(first.stats()).isEqualTo(new ImportStats(rows, rows, 0, 0, rows, 0, 0, 0));
        // As autovacuum would analyze the table after the first overwrite: it knows that import's keys alone.
        db.withHandle(h -> {
            h.dialect().refreshStatistics(h, "import_seen");
            return null;
        });

        ImportJob second = run(Action.OVERWRITE, DuplicateHandling.IGNORE_ALL, vendorKeys(rows, i -> i % 6 != 0));

        assertThat(second.status()).isEqualTo(Status.COMPLETED);
        assertThat(second.stats()).isEqualTo(new ImportStats(80_000, 80_000, 0, 0, 80_000, 16_000, 0, 0));
        assertThat(second.phase(Phase.CLEANUP).rows()).isEqualTo(16_000);
        assertThat(vendorCount()).isEqualTo(80_000);
        assertThat(db.withHandle(h -> records.existing(h, org, "vendor", List.of("v-00000", "v-00001", "v-00006",
                "v-95999", "v-95994"))).keySet()).containsExactlyInAnyOrder("v-00001", "v-95999");
    }

    /** Vendor rows of an external id and a name, one for each {@code i} below {@code count} that {@code keep} keeps. */
    private static String vendorKeys(int count, IntPredicate keep) {
        StringBuilder rows = new StringBuilder("external_id,name\n");
        for (int i = 0; i < count; i++) {
            if (keep.test(i)) {
                rows.append(String.format("v-%05d,Name %d%n", i, i));
            }
        }
        return rows.toString();
    }

    /** Vendor rows: {@code valid} that create or update v-00000…, and between them {@code rejected} of unknown status. */
    private static String updatesAndRejects(int valid, int rejected, String name) {
        StringBuilder rows = new StringBuilder("external_id,name,status\n");
        for (int i = 0; i < Math.max(valid, rejected); i++) {
            if (i < valid) {
                rows.append(String.format("v-%05d,%s %d,active%n", i, name, i));
            }
            if (i < rejected) {
                rows.append(String.format("x-%05d,Rejected %d,bogus%n", i, i));
            }
        }
        return rows.toString();
    }

    /** The most rows a chunk holds ({@code FREIGHT_IMPORT_CHUNK_SIZE} at its maximum, docs/operations.md). */
    static final int LARGEST_CHUNK = 100_000;

    /** More rows than one statement takes parameters ({@link dev.freight.store.Dialect#maxParameters}). */
    static final int PAST_THE_LIMIT = 40_000;

    /**
     * The rows of each chunk transaction the pipeline commits from now on: a chunk that fails is replayed one row per
     * transaction, which would write the same records, only slowly, and so hide a statement the database refused.
     */
    private List<Integer> chunkTransactions() {
        List<Integer> rows = new ArrayList<>();
        pipeline.insideChunk((h, chunk) -> rows.add(chunk.size()));
        return rows;
    }

    /**
     * Chunks of the largest size, each holding every row of its file: 40,000 vendors created, updated (with 4,000
     * rejected rows between them), the update rolled back, all deleted, the delete rolled back, then an overwrite that
     * keeps 32,000 of them and deletes 8,000, rolled back. Each statement whose parameters grow with a chunk's rows
     * (look-ups by key, the rejected rows, the seen keys, the change log, the deletes, the restores) is split within
     * the dialect's limit or binds them as one value, so every step counts every row.
     */
    @Test
    void chunksOfTheLargestSizeWriteAndRollBackMoreRowsThanAStatementTakesParameters() throws IOException {
        int rows = PAST_THE_LIMIT;
        assertThat(rows).isGreaterThan(db.dialect().maxParameters());
        pipeline = new ImportPipeline(db, imports, records, new SchemaStore(clock), clock, LARGEST_CHUNK);
        List<Integer> transactions = chunkTransactions();
        ImportJob created = run(Action.MERGE, DuplicateHandling.IGNORE_ALL, vendorKeys(rows, i -> true));
        assertThat(created.stats()).isEqualTo(new ImportStats(rows, rows, rows, 0, 0, 0, 0, 0));
        Map<String, String> first = ids("v-00000", "v-39999");

        ImportJob updated = run(Action.MERGE, DuplicateHandling.IGNORE_ALL, updatesAndRejects(rows, 4_000, "Changed"));

        assertThat(updated.status()).isEqualTo(Status.COMPLETED);
        assertThat(updated.checkpoint()).isEqualTo(44_000);
        assertThat(updated.stats()).isEqualTo(new ImportStats(44_000, rows, 0, rows, 0, 0, 0, 4_000));
        List<RowError> rejected = errors(updated);
        assertThat(rejected).hasSize(4_000);
        assertThat(rejected.getLast().externalId()).isEqualTo("x-03999");
        assertThat(rejected.getLast().line()).isEqualTo(8_001);
        assertThat(vendor("v-39999").values()).containsOnly(Map.entry("name", new Value.Text("Changed 39999")),
                Map.entry("status", new Value.Text("active")));

        ImportRollback.Result undoUpdate = rollback.rollback(updated, "key_test");

        assertThat(undoUpdate.restored()).isEqualTo(rows);
        assertThat(undoUpdate.deleted()).isZero();
        assertThat(undoUpdate.conflicts()).isEmpty();
        assertThat(vendor("v-00000").values()).containsOnly(Map.entry("name", new Value.Text("Name 0")));
        assertThat(vendor("v-39999").values()).containsOnly(Map.entry("name", new Value.Text("Name 39999")));

        ImportJob deleted = run(Action.DELETE, DuplicateHandling.IGNORE_ALL, vendorKeys(rows, i -> true)
                .replaceAll(",Name \\d+", "").replace(",name", ""));

        assertThat(deleted.stats()).isEqualTo(new ImportStats(rows, rows, 0, 0, 0, rows, 0, 0));
        assertThat(vendorCount()).isZero();

        ImportRollback.Result undoDelete = rollback.rollback(deleted, "key_test");

        assertThat(undoDelete.restored()).isEqualTo(rows);
        assertThat(undoDelete.conflicts()).isEmpty();
        assertThat(vendorCount()).isEqualTo(rows);
        assertThat(ids("v-00000", "v-39999")).isEqualTo(first);

        ImportJob overwrite = run(Action.OVERWRITE, DuplicateHandling.IGNORE_ALL, vendorKeys(rows, i -> i % 5 != 0));

        assertThat(overwrite.stats()).isEqualTo(new ImportStats(32_000, 32_000, 0, 0, 32_000, 8_000, 0, 0));
        assertThat(overwrite.phase(Phase.CLEANUP).rows()).isEqualTo(8_000);
        assertThat(vendorCount()).isEqualTo(32_000);
        assertThat(ids("v-00000", "v-00001", "v-39995", "v-39999")).containsOnlyKeys("v-00001", "v-39999");
        assertThat(transactions).containsExactly(rows, 44_000, rows, 32_000);

        ImportRollback.Result undoOverwrite = rollback.rollback(overwrite, "key_test");

        assertThat(undoOverwrite.restored()).isEqualTo(8_000);
        assertThat(undoOverwrite.conflicts()).isEmpty();
        assertThat(vendorCount()).isEqualTo(rows);
        assertThat(ids("v-00000", "v-39999")).isEqualTo(first);
    }

    /**
     * A file workflow import in one chunk of the largest size: 40,000 rows, each matching a stored contact by email,
     * giving it another external_id than the one it has (a row warning each) and naming an account that does not exist
     * (an unresolved value each). The look-up by email, the change log, the warnings and the unresolved values each
     * take more rows than one statement takes parameters: all rows are written, the first 1,001 warnings and 101
     * values of the field are kept and every one is counted, and the rollback restores every record.
     */
    @Test
    void aWorkflowChunkOfTheLargestSizeWarnsAboutEveryRowAndCountsEveryUnresolvedValue() throws IOException {
        int rows = PAST_THE_LIMIT;
        StringBuilder stored = new StringBuilder("external_id,displayName,email\n");
        StringBuilder file = new StringBuilder("external_id,displayName,email,account\n");
        for (int i = 0; i < rows; i++) {
            stored.append(String.format("c-%05d,Ann %d,ann%d@example.com%n", i, i, i));
            file.append(String.format("d-%05d,Bo %d,ANN%d@example.com,acct-%05d%n", i, i, i, i));
        }
        pipeline = new ImportPipeline(db, imports, records, new SchemaStore(clock), clock, LARGEST_CHUNK);
        ImportJob contacts = pipeline.prepare(uploaded("contact", Action.MERGE, DuplicateHandling.IGNORE_ALL, null)
                .id(), csv(stored.toString()));
        assertThat(pipeline.process(contacts.id(), csv(stored.toString()), ImportPipeline.Listener.NONE).stats())
                .isEqualTo(new ImportStats(rows, rows, rows, 0, 0, 0, 0, 0));
        ImportPipeline.RowSource source = csv(file.toString());
        ImportJob job = workflowJob("contact", List.of("external_id", "displayName", "email", "account"),
                ExecuteOptions.DuplicateStrategy.UPDATE, List.of("email"), source);
        List<Integer> transactions = chunkTransactions();

        ImportJob done = pipeline.process(job.id(), source, ImportPipeline.Listener.NONE);

        assertThat(transactions).containsExactly(rows);
        assertThat(done.status()).isEqualTo(Status.COMPLETED);
        assertThat(done.stats()).isEqualTo(new ImportStats(rows, rows, 0, rows, 0, 0, 0, 0));
        assertThat(errors(done)).isEmpty();
        List<RowWarning> warnings = db.withHandle((Handle h) -> imports.warnings(h, job.id(), 2_000));
        assertThat(warnings).hasSize(ImportStore.KEPT_WARNINGS);
        assertThat(warnings.getLast()).isEqualTo(new RowWarning(1_001, "external_id", "external_id_not_changed",
                "external_id \"d-01000\" was not stored: the record matched by email already has external_id"
                        + " \"c-01000\""));
        assertThat(db.withHandle((Handle h) -> imports.findingCounts(h, job.id())).orElseThrow())
                .isEqualTo(new ImportStore.FindingCounts((long) rows, Map.of("account", (long) rows)));
        List<String> unresolved = db.withHandle((Handle h) -> imports.referenceWarnings(h, job.id(), 200))
                .get("account");
        assertThat(unresolved).hasSize(ImportStore.KEPT_REFERENCE_WARNINGS);
        assertThat(unresolved.getFirst()).isEqualTo("acct-00000");
        assertThat(unresolved.getLast()).isEqualTo("acct-00100");
        StoredRecord last = db.withHandle(h -> records.page(h, org, BuiltInObjects.CONTACT, "c-39999", null, 1,
                null)).getFirst();
        assertThat(last.values().get("displayName")).isEqualTo(new Value.Text("Bo 39999"));

        ImportRollback.Result undone = rollback.rollback(done, "key_test");

        assertThat(undone.restored()).isEqualTo(rows);
        assertThat(undone.conflicts()).isEmpty();
        StoredRecord restored = db.withHandle(h -> records.page(h, org, BuiltInObjects.CONTACT, "c-39999", null, 1,
                null)).getFirst();
        assertThat(restored.values()).isEqualTo(Map.of("displayName", new Value.Text("Ann 39999"), "email",
                new Value.Text("ann39999@example.com")));
    }

    /**
     * Services in one chunk of the largest size, each depending on the next: every row but the last refers to a row
     * after it, so 39,999 rows are put off (kept with the reference each did not find) and written after the last row,
     * each with the id of the record it names.
     */
    @Test
    void aChunkOfTheLargestSizePutsOffEveryRowThatRefersToALaterOne() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        int rows = PAST_THE_LIMIT;
        pipeline = new ImportPipeline(db, imports, records, new SchemaStore(clock), clock, LARGEST_CHUNK);
        List<Integer> transactions = chunkTransactions();

        ImportJob job = runServices(chainOfServices(rows));

        assertThat(transactions).containsExactly(rows, rows - 1);
        assertThat(job.status()).isEqualTo(Status.COMPLETED);
        assertThat(job.stats()).isEqualTo(new ImportStats(rows, rows, rows, 0, 0, 0, 0, 0));
        assertThat(errors(job)).isEmpty();
        Map<String, String> ids = serviceIds("s-1", "s-2", "s-39999", "s-40000");
        assertThat(ids).hasSize(4);
        assertThat(dependencies("s-1")).isEqualTo(refs(new Value.Ref("s-2", "service", ids.get("s-2"))));
        assertThat(dependencies("s-39999")).isEqualTo(refs(new Value.Ref("s-40000", "service",
                ids.get("s-40000"))));
        assertThat(dependencies("s-40000")).isNull();
        assertThat(db.withHandle((Handle h) -> imports.deferredCount(h, job.id()))).isZero();
    }

    /**
     * A JSON Import API batch is one transaction however many records it has (FREIGHT_MAX_RECORDS_PER_REQUEST allows
     * up to 1,000,000): 40,000 services created, then all 40,000 renamed. Nothing is replayed in a batch: a statement
     * the database refused would fail the whole batch.
     */
    @Test
    void aBatchOfMoreRecordsThanAStatementTakesParametersIsWrittenWhole() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        int rows = PAST_THE_LIMIT;
        Map<String, String> mapping = Map.of("external_id", "external_id", "name", "name", "vendor", "vendor");
        List<Map<String, String>> created = new ArrayList<>(rows);
        List<Map<String, String>> renamed = new ArrayList<>(rows);
        for (int i = 1; i <= rows; i++) {
            created.add(Map.of("external_id", "s-" + i, "name", "Service " + i, "vendor", "v-1"));
            renamed.add(Map.of("external_id", "s-" + i, "name", "Renamed " + i, "vendor", "v-1"));
        }

        ImportPipeline.BatchOutcome first = pipeline.runBatch(jobs.inline(new ImportJobs.Request(org, "service",
                "report:services", UploadMode.SYNC, Action.MERGE, DuplicateHandling.IGNORE_ALL, "test", "key_test",
                mapping)), created);
        ImportPipeline.BatchOutcome second = pipeline.runBatch(jobs.inline(new ImportJobs.Request(org, "service",
                "report:services", UploadMode.SYNC, Action.MERGE, DuplicateHandling.IGNORE_ALL, "test", "key_test",
                mapping)), renamed);

        assertThat(first.job().status()).isEqualTo(Status.COMPLETED);
        assertThat(first.job().stats()).isEqualTo(new ImportStats(rows, rows, rows, 0, 0, 0, 0, 0));
        assertThat(first.rows()).hasSize(rows).allSatisfy(r -> assertThat(r.outcome()).isEqualTo("created"));
        assertThat(first.errors()).isEmpty();
        assertThat(second.job().stats()).isEqualTo(new ImportStats(rows, rows, 0, rows, 0, 0, 0, 0));
        assertThat(second.rows()).hasSize(rows).allSatisfy(r -> assertThat(r.outcome()).isEqualTo("updated"));
        assertThat(db.withHandle((Handle h) -> records.page(h, org, BuiltInObjects.SERVICE, "s-40000", null, 1,
                null)).getFirst().values().get("name")).isEqualTo(new Value.Text("Renamed 40000"));
        assertThat(db.withHandle((Handle h) -> records.count(h, org, "service"))).isEqualTo(rows);
    }

    /**
     * Asserts that the reads of the import's first 1,001 errors ({@link ImportStore#errors(Handle, String, int)}) and
     * of its change log's first page ({@link ImportStore#changes}) walk the tables' keys, waiting up to 30 s for the
     * statistics refreshed off the writer's thread, perhaps still after the import ended.
     */
    private void assertReadsThroughKeysSoon(ImportJob job) throws InterruptedException {
        String errors = """
                select ordinal, seq, line, external_id, field, code, message, cells from import_errors
                where import_id = ? order by ordinal, seq limit 1001""";
        String changes = """
                select record_id, object, external_id, kind, previous_data, previous_version, applied_version
                from import_changes c where import_id = ? and record_id > ? and not exists (select 1 from records r
                    where r.organization_id = ? and r.id = c.record_id and r.created_by_import = c.import_id)
                order by record_id limit 1000""";
        Instant deadline = Instant.now().plusSeconds(30);
        List<String> errorsPlan;
        List<String> changesPlan;
        while (true) {
            errorsPlan = db.withHandle(h -> databases().plan(h, errors, List.of(job.id())));
            changesPlan = db.withHandle(h -> databases().plan(h, changes, List.of(job.id(), "", org)));
            if (databases().readsThroughKeyInOrder(errorsPlan, "import_errors")
                    && databases().readsThroughKeyInOrder(changesPlan, "import_changes")
                    || Instant.now().isAfter(deadline)) {
                break;
            }
            Thread.sleep(20);
        }
        assertThat(databases().readsThroughKeyInOrder(errorsPlan, "import_errors"))
                .as(String.join("\n", errorsPlan)).isTrue();
        assertThat(databases().readsThroughKeyInOrder(changesPlan, "import_changes"))
                .as(String.join("\n", changesPlan)).isTrue();
    }

    @Test
    void rollbackLeavesARecordEditedSinceAloneAndReportsTheConflict() throws IOException {
        ImportJob first = run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name\nv-1,Acme\nv-2,Beta\n");
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name\nv-1,Acme Edited\n");

        ImportRollback.Result result = rollback.rollback(first, "key_test");

        assertThat(result.deleted()).isEqualTo(1);
        assertThat(result.conflicts()).extracting(ImportRollback.Conflict::externalId, ImportRollback.Conflict::reason)
                .containsExactly(tuple("v-1",
                        "changed since the import created it"));
        assertThat(vendor("v-1").values().get("name").toString()).isEqualTo("Text[value=Acme Edited]");
    }

    @Test
    void rollbackKeepsCreatedRecordsThatRecordsItLeavesStillReferToAndWhatThoseReferTo() throws IOException {
        ImportJob vendors = run(Action.MERGE, DuplicateHandling.IGNORE_ALL,
                "external_id,name\nv-1,Acme\nv-2,Beta\nv-3,Gamma\nv-4,Delta\n");
        ImportJob services = runServices("external_id,name,vendor,dependencies\ns-1,Base,v-3,\ns-2,Ledger,v-3,s-1\n"
                + "s-3,Mail,v-3,\n");
        runServices("external_id,name,vendor,dependencies\ns-8,Payments,v-1,\ns-9,Search,v-1,v-2; s-2; v-1\n");
        Map<String, String> ids = serviceIds("s-1", "s-2", "s-8", "s-9");

        ImportRollback.Result undoServices = rollback.rollback(services, "key_test");

        // s-9 (another import's) refers to s-2, which refers to s-1: both stay; s-3 goes.
        assertThat(undoServices.deleted()).isEqualTo(1);
        assertThat(undoServices.conflicts()).extracting(ImportRollback.Conflict::recordId,
                ImportRollback.Conflict::externalId, ImportRollback.Conflict::reason).containsExactly(
                tuple(ids.get("s-2"), "s-2", "still referred to by service " + ids.get("s-9")
                        + " (field dependencies), which the rollback does not delete"),
                tuple(ids.get("s-1"), "s-1", "still referred to by service " + ids.get("s-2")
                        + " (field dependencies), which the rollback does not delete"));
        assertThat(serviceIds("s-1", "s-2", "s-3", "s-8", "s-9")).containsOnlyKeys("s-1", "s-2", "s-8", "s-9");

        ImportRollback.Result undoVendors = rollback.rollback(vendors, "key_test");

        assertThat(undoVendors.deleted()).isEqualTo(1);
        assertThat(undoVendors.conflicts()).extracting(ImportRollback.Conflict::externalId,
                ImportRollback.Conflict::reason).containsExactlyInAnyOrder(
                tuple("v-1", "still referred to by 2 records the rollback does not delete, e.g. service "
                        + ids.get("s-8") + " (field vendor)"),
                tuple("v-2", "still referred to by service " + ids.get("s-9")
                        + " (field dependencies), which the rollback does not delete"),
                tuple("v-3", "still referred to by 2 records the rollback does not delete, e.g. service "
                        + ids.get("s-1") + " (field vendor)"));
        assertThat(ids("v-1", "v-2", "v-3", "v-4")).containsOnlyKeys("v-1", "v-2", "v-3");
    }

    @Test
    void rollbackListsACreatedRecordChangedSinceAndStillReferredToOnceWithBothReasons() throws IOException {
        ImportJob vendors = run(Action.MERGE, DuplicateHandling.IGNORE_ALL,
                "external_id,name\nv-1,Acme\nv-2,Beta\nv-3,Gamma\nv-4,Delta\nv-5,Epsilon\n");
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name\nv-1,Acme Edited\nv-4,Delta Edited\n");
        runServices("external_id,name,vendor\ns-1,Payments,v-1\ns-2,Ledger,v-2\ns-3,Mail,v-1\ns-4,Search,v-4\n");
        Map<String, String> services = serviceIds("s-1", "s-2", "s-4");
        Map<String, String> kept = ids("v-1", "v-2", "v-4");

        ImportRollback.Result result = rollback.rollback(vendors, "key_test");

        assertThat(result.deleted()).isEqualTo(2);
        assertThat(result.restored()).isZero();
        assertThat(result.conflictCount()).isEqualTo(3);
        assertThat(result.conflicts()).extracting(ImportRollback.Conflict::recordId,
                ImportRollback.Conflict::externalId, ImportRollback.Conflict::reason).containsExactly(
                tuple(kept.get("v-1"), "v-1", "changed since the import created it, and still referred to by 2"
                        + " records the rollback does not delete, e.g. service " + services.get("s-1")
                        + " (field vendor)"),
                tuple(kept.get("v-4"), "v-4", "changed since the import created it, and still referred to by service "
                        + services.get("s-4") + " (field vendor), which the rollback does not delete"),
                tuple(kept.get("v-2"), "v-2", "still referred to by service " + services.get("s-2")
                        + " (field vendor), which the rollback does not delete"));
        assertThat(ids("v-1", "v-2", "v-3", "v-4", "v-5")).isEqualTo(kept);
        assertThat(vendor("v-1").values().get("name").toString()).isEqualTo("Text[value=Acme Edited]");
    }

    /**
     * A created record changed since that only created records the rollback keeps refer to (s-1: s-2 and s-3, kept
     * because changed since too; s-6: s-5, kept because another import's s-9 refers to it) is one conflict whose
     * reason says both, counted once. Before, its reason said only "changed since the import created it".
     */
    @Test
    void rollbackSaysACreatedRecordChangedSinceIsStillReferredToByCreatedRecordsItKeeps() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name\nv-1,Acme\n");
        ImportJob services = runServices("""
                external_id,name,vendor,dependencies
                s-1,Base,v-1,
                s-2,Ledger,v-1,s-1
                s-3,Mail,v-1,s-1
                s-4,Search,v-1,
                s-5,Queue,v-1,s-6
                s-6,Store,v-1,
                """);
        runServices("external_id,name,vendor\ns-1,Base 2,v-1\ns-2,Ledger 2,v-1\ns-3,Mail 2,v-1\ns-6,Store 2,v-1\n");
        runServices("external_id,name,vendor,dependencies\ns-9,Payments,v-1,s-5\n");
        Map<String, String> ids = serviceIds("s-1", "s-2", "s-3", "s-5", "s-6", "s-9");

        ImportRollback.Result result = rollback.rollback(services, "key_test");

        assertThat(result.deleted()).isEqualTo(1);
        assertThat(result.restored()).isZero();
        assertThat(result.conflictCount()).isEqualTo(5);
        assertThat(result.conflicts()).extracting(ImportRollback.Conflict::recordId,
                ImportRollback.Conflict::externalId, ImportRollback.Conflict::reason).containsExactly(
                tuple(ids.get("s-1"), "s-1", "changed since the import created it, and still referred to by 2 records"
                        + " the rollback does not delete, e.g. service " + ids.get("s-2") + " (field dependencies)"),
                tuple(ids.get("s-2"), "s-2", "changed since the import created it"),
                tuple(ids.get("s-3"), "s-3", "changed since the import created it"),
                tuple(ids.get("s-6"), "s-6", "changed since the import created it, and still referred to by service "
                        + ids.get("s-5") + " (field dependencies), which the rollback does not delete"),
                tuple(ids.get("s-5"), "s-5", "still referred to by service " + ids.get("s-9")
                        + " (field dependencies), which the rollback does not delete"));
        assertThat(serviceIds("s-1", "s-2", "s-3", "s-4", "s-5", "s-6", "s-9")).isEqualTo(ids);
    }

    @Test
    void rollbackListsTheFirstThousandConflictsByIdAndCountsThemAll() throws IOException {
        StringBuilder created = new StringBuilder("external_id,name\n");
        StringBuilder changed = new StringBuilder("external_id,name\n");
        for (int i = 0; i < 1_500; i++) {
            created.append(String.format("v-%04d,Name %d%n", i, i));
            if (i < 1_200) {
                changed.append(String.format("v-%04d,Changed %d%n", i, i));
            }
        }
        ImportJob first = run(Action.MERGE, DuplicateHandling.IGNORE_ALL, created.toString());
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, changed.toString());

        ImportRollback.Result result = rollback.rollback(first, "key_test");

        assertThat(result.deleted()).isEqualTo(300);
        assertThat(result.restored()).isZero();
        assertThat(result.conflictCount()).isEqualTo(1_200);
        List<String> listed = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            listed.add(String.format("v-%04d", i));
        }
        assertThat(result.conflicts()).extracting(ImportRollback.Conflict::externalId).isEqualTo(listed);
        assertThat(result.conflicts()).extracting(ImportRollback.Conflict::reason)
                .containsOnly("changed since the import created it");
        assertThat(result.conflicts().getFirst().recordId()).isEqualTo(ids("v-0000").get("v-0000"));
        assertThat(vendorCount()).isEqualTo(1_200);
        for (int i : List.of(0, 999, 1_000, 1_199)) {
            assertThat(vendor(String.format("v-%04d", i)).values().get("name").toString())
                    .isEqualTo("Text[value=Changed " + i + "]");
        }
        assertThat(ids("v-1200", "v-1499")).isEmpty();
    }

    @Test
    void rollbackDeletesCreatedRecordsChangedBackOnEveryPageButThoseStillReferredToOrChangedSince()
            throws IOException {
        StringBuilder created = new StringBuilder("external_id,name\n");
        StringBuilder changed = new StringBuilder("external_id,name\n");
        for (int i = 0; i < 2_600; i++) {
            created.append(String.format("v-%04d,Name %d%n", i, i));
            if (i < 2_500) {
                changed.append(String.format("v-%04d,Changed %d%n", i, i));
            }
        }
        ImportJob vendors = run(Action.MERGE, DuplicateHandling.IGNORE_ALL, created.toString());
        // Changed and rolled back: 2,500 records past version 1 with the values the first import left.
        rollback.rollback(run(Action.MERGE, DuplicateHandling.IGNORE_ALL, changed.toString()), "key_test");
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name\nv-2100,Edited since\n");
        runServices("external_id,name,vendor,dependencies\ns-1,Payments,v-0005,\ns-2,Ledger,v-1800,\n"
                + "s-3,Mail,v-1800,\ns-4,Search,v-2550,\n");
        Map<String, String> services = serviceIds("s-1", "s-2", "s-4");
        Map<String, String> kept = ids("v-0005", "v-1800", "v-2100", "v-2550");

        ImportRollback.Result result = rollback.rollback(vendors, "key_test");

        assertThat(result.deleted()).isEqualTo(2_596);
        assertThat(result.restored()).isZero();
        assertThat(result.conflictCount()).isEqualTo(4);
        assertThat(result.conflicts()).extracting(ImportRollback.Conflict::recordId,
                ImportRollback.Conflict::externalId, ImportRollback.Conflict::reason).containsExactly(
                tuple(kept.get("v-2100"), "v-2100", "changed since the import created it"),
                tuple(kept.get("v-0005"), "v-0005", "still referred to by service " + services.get("s-1")
                        + " (field vendor), which the rollback does not delete"),
                tuple(kept.get("v-1800"), "v-1800", "still referred to by 2 records the rollback does not delete,"
                        + " e.g. service " + services.get("s-2") + " (field vendor)"),
                tuple(kept.get("v-2550"), "v-2550", "still referred to by service " + services.get("s-4")
                        + " (field vendor), which the rollback does not delete"));
        assertThat(vendorCount()).isEqualTo(4);
        assertThat(ids("v-0005", "v-1800", "v-2100", "v-2550")).isEqualTo(kept);
        assertThat(vendor("v-2100").values().get("name").toString()).isEqualTo("Text[value=Edited since]");
    }

    @Test
    void rollbackKeepsWhatKeptRecordsOnEveryPageReferToInTurn() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name\nv-1,Acme\n");
        StringBuilder created = new StringBuilder("external_id,name,vendor,dependencies\nq-1,Base,v-1,\n"
                + "q-2,Ledger,v-1,\nq-3,Mail,v-1,\n");
        StringBuilder changed = new StringBuilder("external_id,name,vendor\n");
        for (int i = 0; i < 1_200; i++) {
            created.append(String.format("p-%04d,Service %d,v-1,%s%n", i, i,
                    i == 3 ? "q-1" : i == 1_150 ? "q-2" : ""));
            changed.append(String.format("p-%04d,Changed %d,v-1%n", i, i));
        }
        ImportJob services = runServices(created.toString());
        ImportJob later = runServices(changed.toString());
        assertThat(later.stats().updated()).isEqualTo(1_200);

        ImportRollback.Result result = rollback.rollback(services, "key_test");

        // Every p- service is kept (changed since); p-0003 (first page) keeps q-1, p-1150 (second page) q-2.
        assertThat(result.deleted()).isEqualTo(1);
        assertThat(result.conflictCount()).isEqualTo(1_202);
        assertThat(result.conflicts()).hasSize(1_000);
        assertThat(serviceIds("q-1", "q-2", "q-3")).containsOnlyKeys("q-1", "q-2");
        long left = db.withHandle((Handle h) -> records.count(h, org, "service"));
        assertThat(left).isEqualTo(1_202);
    }

    @Test
    void aReferenceFindsEveryRowOfTheFileBeforeItOrAfterIt() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        // Chunks of 3: s-2 and s-3 refer to rows of their own chunk, s-5 to the first chunk, s-6 to s-5 of its own
        // chunk; s-4 refers to s-5, which comes after it, so s-4 is put off until after the last row.
        String services = """
                external_id,name,vendor,dependencies
                s-1,Payments,v-1,
                s-2,Ledger,v-1,s-1
                s-3,Billing,v-2,s-1; v-3; s-2
                s-4,Reports,v-2,s-5
                s-5,Search,v-3,s-3
                s-6,Audit,v-4,s-5
                """;

        ImportJob job = runServices(services);

        assertThat(job.status()).isEqualTo(Status.COMPLETED);
        assertThat(job.stats()).isEqualTo(new ImportStats(6, 6, 6, 0, 0, 0, 0, 0));
        assertThat(errors(job)).isEmpty();
        assertThat(job.phases()).extracting(p -> p.phase().wireName() + ":" + p.status().wireName() + ":" + p.rows()
                + ":" + p.rejected()).containsExactly("prevalidation:completed:6:0", "preparsing:completed:6:0",
                "transforming:completed:6:0", "parsing:completed:6:0", "validation:completed:6:0",
                "processing:completed:6:0", "cleanup:skipped:0:0");
        Map<String, String> ids = serviceIds("s-1", "s-2", "s-3", "s-4", "s-5", "s-6");
        assertThat(ids).hasSize(6);
        String v3 = ids("v-3").get("v-3");
        assertThat(dependencies("s-1")).isNull();
        assertThat(dependencies("s-2")).isEqualTo(refs(new Value.Ref("s-1", "service", ids.get("s-1"))));
        assertThat(dependencies("s-3")).isEqualTo(refs(new Value.Ref("s-1", "service", ids.get("s-1")),
                new Value.Ref("v-3", "vendor", v3), new Value.Ref("s-2", "service", ids.get("s-2"))));
        assertThat(dependencies("s-4")).isEqualTo(refs(new Value.Ref("s-5", "service", ids.get("s-5"))));
        assertThat(dependencies("s-5")).isEqualTo(refs(new Value.Ref("s-3", "service", ids.get("s-3"))));
        assertThat(dependencies("s-6")).isEqualTo(refs(new Value.Ref("s-5", "service", ids.get("s-5"))));
        assertThat(db.withHandle((Handle h) -> imports.deferredCount(h, job.id()))).isZero();
    }

    @Test
    void rowsThatReferToEachOtherInACycleAreAllWrittenWithEachOthersIds() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        // s-1 → s-4 → s-2 → s-1, across chunks; s-3 → s-3 refers to itself.
        String services = """
                external_id,name,vendor,dependencies
                s-1,Payments,v-1,s-4
                s-2,Ledger,v-1,s-1
                s-3,Billing,v-2,s-3
                s-4,Reports,v-2,s-2; v-1
                """;

        ImportJob job = runServices(services);

        assertThat(job.stats()).isEqualTo(new ImportStats(4, 4, 4, 0, 0, 0, 0, 0));
        Map<String, String> ids = serviceIds("s-1", "s-2", "s-3", "s-4");
        assertThat(ids).hasSize(4);
        assertThat(dependencies("s-1")).isEqualTo(refs(new Value.Ref("s-4", "service", ids.get("s-4"))));
        assertThat(dependencies("s-2")).isEqualTo(refs(new Value.Ref("s-1", "service", ids.get("s-1"))));
        assertThat(dependencies("s-3")).isEqualTo(refs(new Value.Ref("s-3", "service", ids.get("s-3"))));
        assertThat(dependencies("s-4")).isEqualTo(refs(new Value.Ref("s-2", "service", ids.get("s-2")),
                new Value.Ref("v-1", "vendor", ids("v-1").get("v-1"))));
        assertThat(ids.get("s-1")).startsWith("srvc_");

        ImportRollback.Result undone = rollback.rollback(job, "key_test");

        assertThat(undone.deleted()).isEqualTo(4);
        assertThat(undone.conflicts()).isEmpty();
        assertThat(serviceIds("s-1", "s-2", "s-3", "s-4")).isEmpty();
    }

    @Test
    void aKeyThatIsBothAVendorAndAServiceOfTheFileResolvesToTheServiceTheFirstTarget() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        // Services keyed v-2 and v-3 share their keys with vendors; dependencies targets service first, then vendor.
        // s-1 refers to service v-2 of its own chunk; s-2 to service v-3, which is put off like s-2 itself.
        String services = """
                external_id,name,vendor,dependencies
                v-2,Shadow Two,v-1,
                s-1,Payments,v-1,v-2
                s-2,Ledger,v-1,v-3; s-3
                v-3,Shadow Three,v-1,s-2
                s-3,Search,v-1,v-4
                """;

        ImportJob job = runServices(services);

        assertThat(job.stats()).isEqualTo(new ImportStats(5, 5, 5, 0, 0, 0, 0, 0));
        Map<String, String> ids = serviceIds("v-2", "s-1", "s-2", "v-3", "s-3");
        assertThat(ids).hasSize(5);
        assertThat(dependencies("s-1")).isEqualTo(refs(new Value.Ref("v-2", "service", ids.get("v-2"))));
        assertThat(dependencies("s-2")).isEqualTo(refs(new Value.Ref("v-3", "service", ids.get("v-3")),
                new Value.Ref("s-3", "service", ids.get("s-3"))));
        assertThat(dependencies("v-3")).isEqualTo(refs(new Value.Ref("s-2", "service", ids.get("s-2"))));
        assertThat(dependencies("s-3")).isEqualTo(refs(new Value.Ref("v-4", "vendor", ids("v-4").get("v-4"))));
    }

    @Test
    void aRowThatRefersToARejectedOrMissingRowIsRejectedAndSoAreTheRowsThatReferToIt() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        // s-1 refers to a key that is nowhere; s-2 to s-1; s-3 to s-4, which is rejected for its vendor; s-5 to s-3,
        // which came before it but was put off; s-6 to s-7, which is fine.
        String services = """
                external_id,name,vendor,dependencies
                s-1,Payments,v-1,s-9
                s-2,Ledger,v-1,s-1
                s-3,Billing,v-2,s-4
                s-4,Reports,v-8,
                s-5,Search,v-3,s-3
                s-6,Audit,v-4,s-7
                s-7,Mail,v-4,
                """;

        ImportJob job = runServices(services);

        assertThat(job.stats()).isEqualTo(new ImportStats(7, 2, 2, 0, 0, 0, 0, 5));
        assertThat(errors(job)).extracting(e -> e.ordinal() + " " + e.line() + " " + e.externalId() + " "
                + e.field() + " " + e.code() + " " + e.message()).containsExactly(
                "1 2 s-1 dependencies invalid_field_value dependencies: no service or vendor with external_id"
                        + " \"s-9\"",
                "2 3 s-2 dependencies invalid_field_value dependencies: no service or vendor with external_id"
                        + " \"s-1\"; this import's row with that external_id (line 2) was rejected",
                "3 4 s-3 dependencies invalid_field_value dependencies: no service or vendor with external_id"
                        + " \"s-4\"; this import's row with that external_id (line 5) was rejected",
                "4 5 s-4 vendor invalid_field_value vendor: no vendor with external_id \"v-8\"",
                "5 6 s-5 dependencies invalid_field_value dependencies: no service or vendor with external_id"
                        + " \"s-3\"; this import's row with that external_id (line 4) was rejected");
        assertThat(errors(job)).extracting(RowError::cellsJson).first()
                .isEqualTo("{\"external_id\":\"s-1\",\"name\":\"Payments\",\"vendor\":\"v-1\","
                        + "\"dependencies\":\"s-9\"}");
        Map<String, String> ids = serviceIds("s-1", "s-2", "s-3", "s-4", "s-5", "s-6", "s-7");
        assertThat(ids).containsOnlyKeys("s-6", "s-7");
        assertThat(dependencies("s-6")).isEqualTo(refs(new Value.Ref("s-7", "service", ids.get("s-7"))));
    }

    @Test
    void aWorkflowRunKilledWhileAddingItsLinksResumesThemAndAddsEachOnce() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        // Every row refers to the one after it: each is written without it, and the seven links are added after the
        // last row, three to a transaction.
        ImportPipeline.RowSource source = csv(chainOfServices(8));
        ImportJob job = workflowJob(source);
        List<String> seen = new ArrayList<>();
        try {
            pipeline.process(job.id(), source, committed -> {
                seen.add(committed.checkpoint() + "/" + committed.stats().read());
                if (seen.size() == 4) {
                    throw new IllegalStateException("worker killed");
                }
            });
        } catch (IllegalStateException expected) {
            assertThat(expected).hasMessage("worker killed");
        }
        assertThat(seen).containsExactly("3/3", "6/6", "8/8", "8/8");
        assertThat(db.withHandle((Handle h) -> imports.links(h, job.id(), null, 10))).extracting(ImportLink::ordinal)
                .containsExactly(4L, 5L, 6L, 7L);

        ImportJob resumed = pipeline.process(job.id(), source, ImportPipeline.Listener.NONE);

        assertThat(resumed.status()).isEqualTo(Status.COMPLETED);
        assertThat(resumed.stats()).isEqualTo(new ImportStats(8, 8, 8, 0, 0, 0, 0, 0));
        assertThat(db.withHandle((Handle h) -> imports.links(h, job.id(), null, 10))).isEmpty();
        Map<String, String> ids = serviceIds("s-1", "s-2", "s-3", "s-4", "s-5", "s-6", "s-7", "s-8");
        for (int i = 1; i < 8; i++) {
            assertThat(dependencies("s-" + i)).isEqualTo(refs(new Value.Ref("s-" + (i + 1), "service",
                    ids.get("s-" + (i + 1)))));
        }
        assertThat(dependencies("s-8")).isNull();
    }

    @Test
    void aLinkWhoseRecordWasDeletedOrWhoseValueChangedSinceTheRowIsNotAddedAndTheRowGetsAWarning()
            throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        ImportPipeline.RowSource source = csv(chainOfServices(8));
        ImportJob job = workflowJob(source);
        Map<String, String> before = new HashMap<>();
        // After the last row, before the links: someone else sets s-3's dependencies and deletes s-5.
        ImportPipeline.Listener meddle = committed -> {
            if (committed.checkpoint() == 8 && before.isEmpty()) {
                before.putAll(serviceIds("s-1", "s-3", "s-5"));
                StoredRecord s3 = db.withHandle(h -> records.page(h, org, BuiltInObjects.SERVICE, "s-3", null, 1,
                        null)).getFirst();
                Map<String, Value> edited = new HashMap<>(s3.values());
                edited.put("dependencies", refs(new Value.Ref("s-1", "service", before.get("s-1"))));
                db.inTransaction(h -> {
                    records.upsert(h, org, BuiltInObjects.SERVICE, List.of(new RecordWrite("s-3", edited)));
                    return records.delete(h, org, List.of(before.get("s-5")));
                });
            }
        };

        ImportJob done = pipeline.process(job.id(), source, meddle);

        assertThat(done.status()).isEqualTo(Status.COMPLETED);
        assertThat(done.stats()).isEqualTo(new ImportStats(8, 8, 8, 0, 0, 0, 0, 0));
        Map<String, String> ids = serviceIds("s-1", "s-2", "s-3", "s-4", "s-5", "s-6", "s-7", "s-8");
        assertThat(ids).doesNotContainKey("s-5");
        assertThat(dependencies("s-2")).isEqualTo(refs(new Value.Ref("s-3", "service", ids.get("s-3"))));
        assertThat(dependencies("s-3")).isEqualTo(refs(new Value.Ref("s-1", "service", ids.get("s-1"))));
        assertThat(dependencies("s-4")).isNull();
        assertThat(dependencies("s-6")).isEqualTo(refs(new Value.Ref("s-7", "service", ids.get("s-7"))));
        assertThat(db.withHandle((Handle h) -> imports.warnings(h, job.id(), 10))).containsExactly(
                new RowWarning(3, "dependencies", "link_not_added", "dependencies: \"s-4\" was not added: the value"
                        + " the row wrote was changed since (record external_id s-3), and the change was kept"),
                new RowWarning(5, "dependencies", "link_not_added", "dependencies: \"s-6\" was not added: the row's"
                        + " record was deleted since the row wrote it"));
        // s-4's link names the deleted s-5: unresolved, as any reference to a missing record.
        assertThat(db.withHandle((Handle h) -> imports.referenceWarnings(h, job.id(), 10)))
                .isEqualTo(Map.of("dependencies", List.of("s-5")));
    }

    /**
     * Checking a batch of links that rejects many rows undoes them in a few statements for the batch, however many
     * rows it rejects: 300 rows that updated their service (put back) and 300 that created theirs (deleted) take 15
     * statements, and on PostgreSQL one more that locks the records to delete before it looks for what refers to
     * them. Before, each row took its own: 1,210 (three per updated row, one per created row, and 10 for the batch).
     * The rows' errors, the records, the links and the change log are as they were (on the old code, every assertion
     * but the count holds).
     */
    @Test
    void rejectingManyRowsOfABatchOfLinksUndoesThemInAFewStatements() throws IOException {
        pipeline = new ImportPipeline(db, imports, records, new SchemaStore(clock), clock, 1_000);
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        int n = 300;
        StringBuilder first = new StringBuilder(
                "external_id,name,vendor,dependencies\nhub-1,Hub,v-1,\nhub-2,HUB,v-1,\n");
        StringBuilder second = new StringBuilder("external_id,name,vendor,dependencies\n");
        for (int i = 1; i <= n; i++) {
            first.append("s-%d,Old %d,v-1,\n".formatted(i, i));
            second.append("s-%d,New %d,v-1,hub\nc-%d,Created %d,v-1,hub\n".formatted(i, i, i, i));
        }
        ImportPipeline.RowSource stored = csv(first.toString());
        assertThat(pipeline.process(workflowJob(stored).id(), stored, ImportPipeline.Listener.NONE).status())
                .isEqualTo(Status.COMPLETED);
        ImportPipeline.RowSource source = csv(second.toString());
        ImportJob job = workflowJob(source);
        MatchingWriter writer = stoppedAfterTheLastRow(job, source, null, List.of("external_id"));
        List<ImportLink> links = db.withHandle((Handle h) -> imports.links(h, job.id(), null, 1_000));
        assertThat(links).hasSize(2 * n);
        dev.freight.store.StatementCount statements = new dev.freight.store.StatementCount();

        ImportStats moved = db.inTransaction(h -> writer.rejectUnsatisfiable(statements.counting(h), links));

        int taken = statements.taken();
        assertThat(moved).isEqualTo(new ImportStats(0, -2 * n, -n, -n, 0, 0, 0, 2 * n));
        String ambiguous = "dependencies: \"hub\" matches 2 service records by name ignoring case; give the external_id"
                + " of the one meant";
        assertThat(errors(job)).extracting(RowError::ordinal, RowError::field, RowError::code, RowError::message)
                .isEqualTo(LongStream.rangeClosed(1, 2L * n).mapToObj(o -> tuple(o, "dependencies",
                        "ambiguous_reference", ambiguous)).toList());
        assertThat(db.withHandle((Handle h) -> imports.links(h, job.id(), null, 1_000))).isEmpty();
        List<StoredRecord> services = db.withHandle(h -> records.page(h, org, BuiltInObjects.SERVICE, null, null,
                1_000, null));
        assertThat(services).extracting(StoredRecord::externalId, r -> r.values().get("name"),
                r -> r.values().get("dependencies"), r -> version(r.id())).containsExactlyInAnyOrderElementsOf(
                        Stream.concat(Stream.of(tuple("hub-1", new Value.Text("Hub"), null, 1L),
                                tuple("hub-2", new Value.Text("HUB"), null, 1L)), IntStream.rangeClosed(1, n)
                                .mapToObj(i -> tuple("s-" + i, new Value.Text("Old " + i), null, 3L))).toList());
        assertThat(db.withHandle((Handle h) -> h.queryFirst("select count(*) from import_changes where import_id = ?",
                rs -> rs.getLong(1), job.id()))).contains(0L);
        assertThat(taken).isEqualTo(databases() == TestDatabases.POSTGRESQL ? 16 : 15);
    }

    /**
     * Another writer stores a second service named "hub" after the links were checked (where "hub" named one record)
     * and before they are added: the link is not added, the record's dependencies stay as the row left them, and the
     * row gets a link_not_added warning saying why. Before, the resolver's ambiguous_reference was dropped and the
     * record got the value unresolved ({"external_id":"hub","object":null,"id":null}) with no word of it.
     */
    @Test
    void aLinkWhoseValueNamesSeveralRecordsOnlyWhenItIsAddedIsNotAddedAndTheRowGetsAWarning() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        ImportPipeline.RowSource source = csv("""
                external_id,name,vendor,dependencies
                s-1,Payments,v-1,hub
                s-2,Hub,v-1,
                """);
        ImportJob job = workflowJob(source);
        // The worker stops after the last row, before the links: the test checks and adds them as the pipeline does.
        MatchingWriter writer = stoppedAfterTheLastRow(job, source, null, List.of("external_id"));
        List<ImportLink> links = db.withHandle((Handle h) -> imports.links(h, job.id(), null, 10));
        assertThat(links).extracting(ImportLink::ordinal, ImportLink::field).containsExactly(tuple(1L,
                "dependencies"));

        ImportStats checked = db.inTransaction(h -> writer.rejectUnsatisfiable(h, links));
        assertThat(checked).isEqualTo(ImportStats.ZERO);
        String v1 = ids("v-1").get("v-1");
        db.inTransaction(h -> records.upsert(h, org, BuiltInObjects.SERVICE, List.of(new RecordWrite("s-9",
                Map.of("name", new Value.Text("HUB"), "vendor", new Value.Ref("v-1", "vendor", v1))))));
        ImportStats moved = db.inTransaction(h -> writer.link(h, links));

        assertThat(moved).isEqualTo(ImportStats.ZERO);
        assertThat(serviceIds("s-1", "s-2", "s-9")).hasSize(3);
        assertThat(dependencies("s-1")).isNull();
        assertThat(db.withHandle((Handle h) -> imports.warnings(h, job.id(), 10))).containsExactly(
                new RowWarning(1, "dependencies", "link_not_added", "dependencies: \"hub\" was not added: \"hub\""
                        + " matches 2 service records by name ignoring case; give the external_id of the one meant"));
        assertThat(db.withHandle((Handle h) -> imports.referenceWarnings(h, job.id(), 10))).isEmpty();
    }

    /**
     * A row whose dependencies ("hub") name two services once every row is stored is rejected after the last row, and
     * the record it created is deleted unless it changed meanwhile. Here another writer changes it after the check
     * read it and commits while the check's lock of it, taken before it looks for what refers to it, waits for it
     * (PostgreSQL): the version-checked delete then misses, the record is kept with that writer's change, and the
     * message says why. SQLite's check takes the write lock before it reads, so there it
     * reads the record as the other writer left it (no longer as the row created it) and keeps it, saying so.
     */
    @Test
    void aRejectedRowsRecordThatAnotherWriterChangesMeanwhileIsKeptAndItsMessageSaysWhy() throws Exception {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        ImportPipeline.RowSource source = csv("""
                external_id,name,vendor,dependencies
                s-1,Payments,v-1,hub
                s-2,Hub,v-1,
                s-3,HUB,v-1,
                """);
        ImportJob job = workflowJob(source);
        MatchingWriter writer = stoppedAfterTheLastRow(job, source, null, List.of("external_id"));
        String s1 = serviceIds("s-1").get("s-1");

        ImportStats checked = checkLinksWhileAnotherWriterChanges(job, writer, s1, RECORD_LOCK);

        assertThat(checked).isEqualTo(new ImportStats(0, -1, -1, 0, 0, 0, 0, 1));
        String ambiguous = "dependencies: \"hub\" matches 2 service records by name ignoring case; give the external_id"
                + " of the one meant";
        assertThat(errors(job)).extracting(RowError::message).containsExactly(ambiguous
                + (databases() == TestDatabases.POSTGRESQL
                        ? "; the record with external_id \"s-1\", which the row created, is kept without it, since it"
                                + " changed after the row wrote it"
                        : "; the record with external_id \"s-1\" keeps its earlier dependencies and the values other"
                                + " rows of this import gave it, and the row's other values could not be undone"));
        assertThat(serviceIds("s-1")).isEqualTo(Map.of("s-1", s1));
        assertThat(version(s1)).isEqualTo(2);
    }

    /**
     * A row matched by name gave Beta, which had no external_id, its own ("s-2"), and its dependencies then name two
     * services: it is rejected after the last row, and the external_id it gave is taken back while Beta still has the
     * version the check read (a later row of the import changed Beta too, so its other values stay). Here another
     * writer changes Beta after the check read it and commits while the take-back waits for it (PostgreSQL): Beta keeps
     * "s-2", and the message now says so and why. Before, it said nothing of the external_id. SQLite's check takes the
     * write lock before it reads, so there it reads Beta as the other writer left it and takes "s-2" back.
     */
    @Test
    void anExternalIdARejectedRowGaveThatCannotBeTakenBackIsReportedKept() throws Exception {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        String v1 = ids("v-1").get("v-1");
        db.inTransaction(h -> records.upsert(h, org, BuiltInObjects.SERVICE, List.of(
                new RecordWrite(null, Map.of("name", new Value.Text("Beta"), "vendor", new Value.Ref("v-1", "vendor",
                        v1)), null, null),
                new RecordWrite("s-8", Map.of("name", new Value.Text("Hub"), "vendor", new Value.Ref("v-1", "vendor",
                        v1)), null, null),
                new RecordWrite("s-9", Map.of("name", new Value.Text("HUB"), "vendor", new Value.Ref("v-1", "vendor",
                        v1)), null, null))));
        ImportPipeline.RowSource source = csv("""
                external_id,name,vendor,dependencies
                s-2,Beta,v-1,hub
                s-2,Beta,v-2,
                """);
        ImportJob job = workflowJob("service", List.of("external_id", "name", "vendor", "dependencies"),
                ExecuteOptions.DuplicateStrategy.UPDATE, List.of("name"), source);
        MatchingWriter writer = stoppedAfterTheLastRow(job, source, null, List.of("name"));
        String beta = serviceIds("s-2").get("s-2");

        ImportStats checked = checkLinksWhileAnotherWriterChanges(job, writer, beta,
                "update records set external_id = null");

        assertThat(checked).isEqualTo(new ImportStats(0, -1, 0, -1, 0, 0, 0, 1));
        String ambiguous = "dependencies: \"hub\" matches 2 service records by name ignoring case; give the external_id"
                + " of the one meant";
        String keeps = " keeps its earlier dependencies and the values other rows of this import gave it, and the row's"
                + " other values could not be undone";
        if (databases() == TestDatabases.POSTGRESQL) {
            assertThat(errors(job)).extracting(RowError::message).containsExactly(ambiguous + "; the record with"
                    + " external_id \"s-2\"" + keeps + "; the external_id \"s-2\" the row gave it was kept, since the"
                    + " record changed after the row wrote it");
            assertThat(serviceIds("s-2")).isEqualTo(Map.of("s-2", beta));
        } else {
            assertThat(errors(job)).extracting(RowError::message).containsExactly(ambiguous + "; record " + beta
                    + keeps + "; the external_id \"s-2\" the row gave it was taken back");
            assertThat(serviceIds("s-2")).isEmpty();
        }
    }

    /**
     * Processes a workflow {@code job} of services up to its last row and stops the worker there, before the links
     * are checked; returns a writer to check them with, as the pipeline would.
     */
    private MatchingWriter stoppedAfterTheLastRow(ImportJob job, ImportPipeline.RowSource source,
            RecordMatcher matcher, List<String> matchFields) {
        assertThatThrownBy(() -> pipeline.process(job.id(), source, committed -> {
            throw new IllegalStateException("worker killed");
        })).hasMessage("worker killed");
        ExecuteOptions options = db.withHandle(h -> imports.options(h, job.id())).map(ExecuteOptions::fromJson)
                .orElseThrow();
        return new MatchingWriter(records, imports, db.withHandle(h -> new SchemaStore(clock).schema(h, org)),
                BuiltInObjects.SERVICE, org, job.id(), options, matcher, matchFields);
    }

    /**
     * Checks {@code job}'s links ({@link MatchingWriter#rejectUnsatisfiable}) on a thread of its own while another
     * writer, in a transaction of its own, has changed the record {@code recordId} ({@link #OTHER_WRITER_CHANGE}) and
     * not committed; it commits once the check's statement that begins with {@code awaited} waits for it (PostgreSQL;
     * on SQLite the check waits for the write lock before it reads anything).
     */
    private ImportStats checkLinksWhileAnotherWriterChanges(ImportJob job, MatchingWriter writer, String recordId,
            String awaited) throws Exception {
        List<ImportLink> links = db.withHandle((Handle h) -> imports.links(h, job.id(), null, 10));
        ExecutorService worker = Executors.newSingleThreadExecutor();
        try {
            Future<ImportStats> checked = db.inTransaction(h -> {
                h.update(OTHER_WRITER_CHANGE, org, recordId);
                Future<ImportStats> started = worker.submit(() -> db.inTransaction(c -> writer.rejectUnsatisfiable(c,
                        links)));
                databases().awaitLockWaiter(db, awaited);
                return started;
            });
            return checked.get(60, TimeUnit.SECONDS);
        } finally {
            worker.shutdownNow();
        }
    }

    /**
     * A run resumed with links stored by an older version, which kept no row with them (so the check before the
     * links rejects nothing for them): a value that names several records when the links are added is not added and
     * its row gets a link_not_added warning; the other links are added.
     */
    @Test
    void aResumedRunWithLinksKeptWithoutTheirRowsAddsNoLinkThatNamesSeveralRecords() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        ImportPipeline.RowSource source = csv("""
                external_id,name,vendor,dependencies
                s-1,Payments,v-1,hub
                s-2,Ledger,v-1,s-3
                s-3,Hub,v-1,
                s-4,HUB,v-2,
                """);
        ImportJob job = workflowJob(source);
        List<String> seen = new ArrayList<>();
        assertThatThrownBy(() -> pipeline.process(job.id(), source, committed -> {
            seen.add(committed.checkpoint() + "/" + committed.stats().read());
            if (committed.checkpoint() == 4) {
                throw new IllegalStateException("worker killed");
            }
        })).hasMessage("worker killed");
        assertThat(seen).containsExactly("3/3", "4/4");
        // As an older version stored them: without their rows.
        db.inTransaction(h -> {
            List<ImportLink> kept = imports.links(h, job.id(), null, 10);
            imports.removeLinksOfRows(h, job.id(), kept.stream().map(ImportLink::ordinal).toList());
            imports.addLinks(h, job.id(), kept.stream().map(l -> new ImportLink(l.ordinal(), l.recordId(),
                    l.field(), l.valueJson(), l.writtenJson(), l.unchanged(), null)).toList());
            return null;
        });
        assertThat(db.withHandle((Handle h) -> imports.links(h, job.id(), null, 10)))
                .extracting(ImportLink::ordinal, ImportLink::row).containsExactly(tuple(1L, null), tuple(2L, null));

        ImportJob resumed = pipeline.process(job.id(), source, ImportPipeline.Listener.NONE);

        assertThat(resumed.status()).isEqualTo(Status.COMPLETED);
        assertThat(resumed.stats()).isEqualTo(new ImportStats(4, 4, 4, 0, 0, 0, 0, 0));
        Map<String, String> ids = serviceIds("s-1", "s-2", "s-3", "s-4");
        assertThat(ids).hasSize(4);
        assertThat(dependencies("s-1")).isNull();
        assertThat(dependencies("s-2")).isEqualTo(refs(new Value.Ref("s-3", "service", ids.get("s-3"))));
        assertThat(db.withHandle((Handle h) -> imports.warnings(h, job.id(), 10))).containsExactly(
                new RowWarning(1, "dependencies", "link_not_added", "dependencies: \"hub\" was not added: \"hub\""
                        + " matches 2 service records by name ignoring case; give the external_id of the one meant"));
        assertThat(db.withHandle((Handle h) -> imports.referenceWarnings(h, job.id(), 10))).isEmpty();
    }

    /** A file workflow import of services (every column mapped by name, update, prefer_import), prepared. */
    private ImportJob workflowJob(ImportPipeline.RowSource source) throws IOException {
        return workflowJob("service", List.of("external_id", "name", "vendor", "dependencies"),
                ExecuteOptions.DuplicateStrategy.UPDATE, null, source);
    }

    /**
     * A file workflow import of {@code object} (the columns named as the {@code fields} they feed, prefer_import,
     * matching by {@code matchFields}: null for the default), prepared.
     */
    private ImportJob workflowJob(String object, List<String> fields, ExecuteOptions.DuplicateStrategy strategy,
            List<String> matchFields, ImportPipeline.RowSource source) throws IOException {
        return workflowJob(pipeline, org, object, fields, strategy, ExecuteOptions.MergeMode.PREFER_IMPORT,
                matchFields, source);
    }

    /**
     * A file workflow import of {@code object} into {@code organization} (the columns named as the {@code fields} they
     * feed, matching by {@code matchFields}: null for the default), prepared by {@code by}.
     */
    private ImportJob workflowJob(ImportPipeline by, String organization, String object, List<String> fields,
            ExecuteOptions.DuplicateStrategy strategy, ExecuteOptions.MergeMode mode, List<String> matchFields,
            ImportPipeline.RowSource source) throws IOException {
        ImportJob job = jobs.requested(new ImportJobs.Request(organization, object, ImportJobs.MODULE,
                UploadMode.ASYNC, Action.MERGE, DuplicateHandling.IGNORE_ALL, "test", "key_test", null),
                START.plus(Duration.ofHours(1)))
                .withUpload("sha", "csv", object + "s.csv", null).withDeadline(START.plus(Duration.ofHours(1)));
        List<ExecuteOptions.ColumnMap> columns = new ArrayList<>();
        for (String field : fields) {
            columns.add(new ExecuteOptions.ColumnMap(field, field, null, null));
        }
        ExecuteOptions options = new ExecuteOptions(columns, strategy, matchFields, mode, false, false, null, false,
                null, null, null);
        db.inTransaction(h -> {
            imports.create(h, job);
            imports.setOptions(h, job.id(), options.toJson());
            return null;
        });
        by.prepare(job.id(), source);
        return job;
    }

    /**
     * Two stored contacts share an email (ignoring case). Before either is deleted, a row with it is rejected with
     * update (ambiguous_match) and skipped with skip. Once the one the run's index found first is deleted (after the
     * first chunk), a row with that email matches the one left: it updates it, or is skipped. It never creates a
     * contact beside it.
     */
    @ParameterizedTest
    @EnumSource(value = ExecuteOptions.DuplicateStrategy.class, names = {"UPDATE", "SKIP"})
    void aRowMatchesTheRecordLeftOfTwoSharingItsMatchKeyWhenTheOtherIsDeletedDuringTheRun(
            ExecuteOptions.DuplicateStrategy strategy) throws IOException {
        // Two writes, so that c-1 has the lesser id: the one the index, read in id order, finds first.
        for (RecordWrite contact : List.of(contact("c-1", "Ann", "ann@example.com"),
                contact("c-2", "Ann B", "ANN@example.com"))) {
            db.inTransaction(h -> records.upsert(h, org, BuiltInObjects.CONTACT, List.of(contact)));
        }
        String first = db.withHandle(h -> records.idsByExternalId(h, org, "contact", List.of("c-1"))).get("c-1");
        ImportPipeline.RowSource source = csv("""
                displayName,email
                Ann Again,ann@example.com
                Cy,cy@example.com
                Di,di@example.com
                Ann Later,Ann@Example.com
                """);
        ImportJob job = workflowJob("contact", List.of("displayName", "email"), strategy, List.of("email"), source);
        ImportPipeline.Listener deleteTheFirst = committed -> {
            if (committed.checkpoint() == 3) {
                db.inTransaction(h -> records.delete(h, org, List.of(first)));
            }
        };

        ImportJob done = pipeline.process(job.id(), source, deleteTheFirst);

        assertThat(done.status()).isEqualTo(Status.COMPLETED);
        if (strategy == ExecuteOptions.DuplicateStrategy.UPDATE) {
            assertThat(done.stats()).isEqualTo(new ImportStats(4, 3, 2, 1, 0, 0, 0, 1));
            assertThat(errors(done)).extracting(RowError::line, RowError::field, RowError::code, RowError::message)
                    .containsExactly(tuple(2L, "email", "ambiguous_match", "email: 2 stored records match this"
                            + " row's email; duplicateStrategy update changes one record, so the row was not applied"));
            assertThat(contacts()).containsExactly("c-2|Ann Later|Ann@Example.com", "null|Cy|cy@example.com",
                    "null|Di|di@example.com");
        } else {
            assertThat(done.stats()).isEqualTo(new ImportStats(4, 2, 2, 0, 0, 0, 2, 0));
            assertThat(errors(done)).isEmpty();
            assertThat(contacts()).containsExactly("c-2|Ann B|ANN@example.com", "null|Cy|cy@example.com",
                    "null|Di|di@example.com");
        }
    }

    /**
     * What the run's index of match keys, built when the run starts, does with another writer's changes during the run
     * (after the first chunk): a contact stored with Eve's email is not found, so Eve's row creates a second contact
     * with it (as had the other writer stored it after the import); Ann's contact, whose email the other writer
     * changed, no longer matches the email it had, so Ann's row creates a contact too (as had the writer changed it
     * before the import). No row is lost or applied twice: each is counted once, and its record holds its values. Not
     * fixed for records given a key, see docs/engine.md ("Matching", the index of match keys).
     */
    @Test
    void theRunsIndexOfMatchKeysDoesNotSeeAnotherWritersChangesDuringTheRun() throws IOException {
        db.inTransaction(h -> records.upsert(h, org, BuiltInObjects.CONTACT,
                List.of(contact("c-1", "Ann", "ann@example.com"))));
        ImportPipeline.RowSource source = csv("""
                displayName,email
                Bo,bo@example.com
                Cy,cy@example.com
                Di,di@example.com
                Eve,eve@example.com
                Ann Later,ann@example.com
                """);
        ImportJob job = workflowJob("contact", List.of("displayName", "email"), ExecuteOptions.DuplicateStrategy.UPDATE,
                List.of("email"), source);
        ImportPipeline.Listener anotherWriter = committed -> {
            if (committed.checkpoint() == 3) {
                db.inTransaction(h -> {
                    records.upsert(h, org, BuiltInObjects.CONTACT, List.of(contact("c-9", "Eve", "eve@example.com"),
                            contact("c-1", "Ann", "ann@new.example")));
                    return null;
                });
            }
        };

        ImportJob done = pipeline.process(job.id(), source, anotherWriter);

        assertThat(done.status()).isEqualTo(Status.COMPLETED);
        assertThat(done.stats()).isEqualTo(new ImportStats(5, 5, 5, 0, 0, 0, 0, 0));
        assertThat(errors(done)).isEmpty();
        assertThat(contacts()).containsExactly("c-1|Ann|ann@new.example", "null|Bo|bo@example.com",
                "null|Cy|cy@example.com", "null|Di|di@example.com", "c-9|Eve|eve@example.com",
                "null|Eve|eve@example.com", "null|Ann Later|ann@example.com");
    }

    /**
     * Another writer changes Ann's email and name after the run's first chunk, so the email the run's index matched her
     * by is stale. Ann's row, with the email she had, re-checks the match in its chunk's transaction and finds she no
     * longer has it: it matches nothing and creates a contact, with update as with skip, and her record keeps the
     * other writer's email and name. Before, update merged the row into her record (her name and email back to the
     * row's, that writer's change lost) and skip skipped the row. A later run's index, built afresh, matches the new
     * contact by the email, not her.
     */
    @ParameterizedTest
    @EnumSource(value = ExecuteOptions.DuplicateStrategy.class, names = {"UPDATE", "SKIP"})
    void aRowDoesNotMatchARecordWhoseEmailAnotherWriterChangedDuringTheRun(ExecuteOptions.DuplicateStrategy strategy)
            throws IOException {
        db.inTransaction(h -> records.upsert(h, org, BuiltInObjects.CONTACT,
                List.of(contact("c-1", "Ann", "ann@example.com"))));
        ImportPipeline.RowSource source = csv("""
                displayName,email
                Bo,bo@example.com
                Cy,cy@example.com
                Di,di@example.com
                Ann Later,ANN@example.com
                Ann Again,ann@example.com
                """);
        ImportJob job = workflowJob("contact", List.of("displayName", "email"), strategy, List.of("email"), source);
        ImportPipeline.Listener anotherWriter = committed -> {
            if (committed.checkpoint() == 3) {
                db.inTransaction(h -> records.upsert(h, org, BuiltInObjects.CONTACT,
                        List.of(contact("c-1", "Ann Other", "ann@new.example"))));
            }
        };

        ImportJob done = pipeline.process(job.id(), source, anotherWriter);

        assertThat(done.status()).isEqualTo(Status.COMPLETED);
        assertThat(errors(done)).isEmpty();
        if (strategy == ExecuteOptions.DuplicateStrategy.UPDATE) {
            // Ann Again matches the contact Ann Later created in the same chunk.
            assertThat(done.stats()).isEqualTo(new ImportStats(5, 5, 4, 1, 0, 0, 0, 0));
            assertThat(contacts()).containsExactly("c-1|Ann Other|ann@new.example", "null|Bo|bo@example.com",
                    "null|Cy|cy@example.com", "null|Di|di@example.com", "null|Ann Again|ann@example.com");
        } else {
            assertThat(done.stats()).isEqualTo(new ImportStats(5, 4, 4, 0, 0, 0, 1, 0));
            assertThat(contacts()).containsExactly("c-1|Ann Other|ann@new.example", "null|Bo|bo@example.com",
                    "null|Cy|cy@example.com", "null|Di|di@example.com", "null|Ann Later|ANN@example.com");
        }
    }

    private static RecordWrite contact(String externalId, String name, String email) {
        return new RecordWrite(externalId, Map.of("displayName", new Value.Text(name), "email",
                new Value.Text(email)));
    }

    /** The contacts in id order, each as external_id|displayName|email. */
    private List<String> contacts() {
        return db.withHandle(h -> records.page(h, org, BuiltInObjects.CONTACT, null, null, 100, null)).stream()
                .map(r -> r.externalId() + "|" + ((Value.Text) r.values().get("displayName")).value() + "|"
                        + ((Value.Text) r.values().get("email")).value())
                .toList();
    }

    /**
     * Each row counts what it did to its record, whether the record was written by an earlier row of its own chunk or
     * of an earlier one: with fill_empty, Ann's second row and Bo's second row change nothing (unchanged), Cy's first
     * row changes nothing and its second gives the department (updated). Chunks of 1, 2 and 100 rows count alike.
     */
    @Test
    void eachRowCountsWhatItChangedWhicheverChunkWroteItsRecordBefore() throws IOException {
        List<RecordWrite> stored = List.of(
                contact("c-1", Map.of("displayName", "Ann", "email", "ann@example.com")),
                contact("c-2", Map.of("displayName", "Cy", "email", "cy@example.com", "jobTitle", "CFO")));
        String file = """
                displayName,email,jobTitle,department
                Ann,ann@example.com,CEO,
                Ann B,ann@example.com,CTO,
                Bo,bo@example.com,,
                Bo,bo@example.com,,
                Cy,cy@example.com,,
                Cy,cy@example.com,,Sales
                """;

        Map<Integer, List<String>> outcomes = byChunkSize(stored, file, List.of("displayName", "email", "jobTitle",
                "department"), ExecuteOptions.DuplicateStrategy.UPDATE, ExecuteOptions.MergeMode.FILL_EMPTY,
                List.of("email"), 1, 2, 100);

        List<String> expected = List.of(
                "COMPLETED " + new ImportStats(6, 6, 1, 2, 3, 0, 0, 0),
                "c-1 displayName=Ann email=ann@example.com jobTitle=CEO",
                "c-2 displayName=Cy email=cy@example.com jobTitle=CFO department=Sales",
                "null displayName=Bo email=bo@example.com");
        assertThat(outcomes).isEqualTo(Map.of(1, expected, 2, expected, 100, expected));
    }

    /**
     * Contacts matched by phone (a multi-value field): the run's index of stored records follows the phones the run's
     * own rows give or take, as their chunks commit. Ann (stored, Mobile 555-0001) gets a Work phone from row 1, and
     * row 3, with that phone alone, matches her. With overwrite, row 3 leaves her only that phone, so row 4, with her
     * Mobile phone, matches no record and creates one. Row 6 matches Ed, whom row 5 created, and Bo, whom row 2
     * created: with update it is ambiguous. With skip nothing is changed: row 3 creates a contact and the other rows
     * that match are skipped. Chunks of 1, 2, 3 and 100 rows give the same result.
     */
    @ParameterizedTest
    @MethodSource("phoneMatchedImports")
    void aRowMatchesByTheKeysEarlierRowsOfTheRunGaveOrTookWhateverTheChunkSize(
            ExecuteOptions.DuplicateStrategy strategy, ExecuteOptions.MergeMode mode, List<String> expected)
            throws IOException {
        List<RecordWrite> stored = List.of(withPhones("c-1", "Ann", "Mobile: 555-0001"));
        String file = """
                displayName,phone
                Ann 1,Mobile: 555-0001; Work: 555-0002
                Bo,Mobile: 555-0009
                Ann 3,Work: 555-0002
                Cy,Mobile: 555-0001
                Ed,Home: 555-0007
                Ed 2,Home: 555-0007; Work: 555-0009
                """;

        Map<Integer, List<String>> outcomes = byChunkSize(stored, file, List.of("displayName", "phone"), strategy,
                mode, List.of("phone"), 1, 2, 3, 100);

        assertThat(outcomes).isEqualTo(Map.of(1, expected, 2, expected, 3, expected, 100, expected));
    }

    static Stream<Arguments> phoneMatchedImports() {
        String ambiguous = "line 7 phone ambiguous_match: phone: 2 stored records match this row's phone;"
                + " duplicateStrategy update changes one record, so the row was not applied";
        String bo = "null displayName=Bo phone=Mobile: 555-0009";
        String ed = "null displayName=Ed phone=Home: 555-0007";
        return Stream.of(
                Arguments.of(ExecuteOptions.DuplicateStrategy.UPDATE, ExecuteOptions.MergeMode.FILL_EMPTY, List.of(
                        "COMPLETED " + new ImportStats(6, 5, 2, 1, 2, 0, 0, 1), ambiguous,
                        "c-1 displayName=Ann phone=Mobile: 555-0001; Work: 555-0002", bo, ed)),
                Arguments.of(ExecuteOptions.DuplicateStrategy.UPDATE, ExecuteOptions.MergeMode.PREFER_IMPORT, List.of(
                        "COMPLETED " + new ImportStats(6, 5, 2, 3, 0, 0, 0, 1), ambiguous,
                        "c-1 displayName=Cy phone=Mobile: 555-0001; Work: 555-0002", bo, ed)),
                Arguments.of(ExecuteOptions.DuplicateStrategy.UPDATE, ExecuteOptions.MergeMode.OVERWRITE, List.of(
                        "COMPLETED " + new ImportStats(6, 5, 3, 2, 0, 0, 0, 1), ambiguous,
                        "c-1 displayName=Ann 3 phone=Work: 555-0002", bo,
                        "null displayName=Cy phone=Mobile: 555-0001", ed)),
                Arguments.of(ExecuteOptions.DuplicateStrategy.SKIP, ExecuteOptions.MergeMode.PREFER_IMPORT, List.of(
                        "COMPLETED " + new ImportStats(6, 3, 3, 0, 0, 0, 3, 0),
                        "c-1 displayName=Ann phone=Mobile: 555-0001", bo,
                        "null displayName=Ann 3 phone=Work: 555-0002", ed)));
    }

    /**
     * A key repeated in the file, whether its rows share a chunk or not: contacts matched by external_id, c-9 new and
     * repeated in rows 1 and 2, c-1 stored and repeated in rows 3 and 5, c-8 new and repeated in rows 4 and 6. With
     * create every row after the first of a key (and each row of the stored key) is rejected, since two records can
     * never share an external_id; skip skips them, update merges them. Chunks of 1, 2, 3 and 100 rows give the same
     * result.
     */
    @ParameterizedTest
    @MethodSource("externalIdMatchedImports")
    void aRepeatedExternalIdGivesTheSameOutcomeWhateverTheChunkSize(ExecuteOptions.DuplicateStrategy strategy,
            List<String> expected) throws IOException {
        String file = """
                external_id,displayName,email
                c-9,Nu,nu@example.com
                c-9,Nu 2,nu2@example.com
                c-1,Ann 2,ann2@example.com
                c-8,Ed,ed@example.com
                c-1,Ann 3,ann3@example.com
                c-8,Ed 2,ed2@example.com
                """;

        Map<Integer, List<String>> outcomes = byChunkSize(List.of(contact("c-1", Map.of("displayName", "Ann",
                "email", "ann@example.com"))), file, List.of("external_id", "displayName", "email"), strategy,
                ExecuteOptions.MergeMode.PREFER_IMPORT, List.of("external_id"), 1, 2, 3, 100);

        assertThat(outcomes).isEqualTo(Map.of(1, expected, 2, expected, 3, expected, 100, expected));
    }

    static Stream<Arguments> externalIdMatchedImports() {
        return Stream.of(
                Arguments.of(ExecuteOptions.DuplicateStrategy.CREATE, List.of(
                        "COMPLETED " + new ImportStats(6, 2, 2, 0, 0, 0, 0, 4),
                        "line 3 external_id duplicate_external_id: " + taken("c-9"),
                        "line 4 external_id duplicate_external_id: " + taken("c-1"),
                        "line 6 external_id duplicate_external_id: " + taken("c-1"),
                        "line 7 external_id duplicate_external_id: " + taken("c-8"),
                        "c-1 displayName=Ann email=ann@example.com",
                        "c-9 displayName=Nu email=nu@example.com",
                        "c-8 displayName=Ed email=ed@example.com")),
                Arguments.of(ExecuteOptions.DuplicateStrategy.SKIP, List.of(
                        "COMPLETED " + new ImportStats(6, 2, 2, 0, 0, 0, 4, 0),
                        "c-1 displayName=Ann email=ann@example.com",
                        "c-9 displayName=Nu email=nu@example.com",
                        "c-8 displayName=Ed email=ed@example.com")),
                Arguments.of(ExecuteOptions.DuplicateStrategy.UPDATE, List.of(
                        "COMPLETED " + new ImportStats(6, 6, 2, 4, 0, 0, 0, 0),
                        "c-1 displayName=Ann 3 email=ann3@example.com",
                        "c-9 displayName=Nu 2 email=nu2@example.com",
                        "c-8 displayName=Ed 2 email=ed2@example.com")));
    }

    /**
     * Contacts matched by email with update, whose rows give external ids. A row stores its external_id on the record
     * it matched when that record has none and no other record has it: Bo gets c-2 (row 1), Cy c-3 (row 5). A row
     * whose external_id another record has is rejected as duplicate_external_id: c-2 given by row 1 (row 2, in its
     * chunk or a later one), c-1 stored on Ann (row 4), and c-3, which row 5 gave Cy, for Di's row that matches no
     * record (row 7). A record's own external_id is never replaced: rows 3 and 6 get external_id_not_changed warnings.
     * Before, every row's external_id was dropped when it matched by email (Di's row created a record with c-3).
     * Chunks of 1, 2, 3 and 100 rows give the same result.
     */
    @Test
    void aRowMatchedByEmailStoresItsExternalIdOnARecordWithoutOneWhateverTheChunkSize() throws IOException {
        String file = """
                external_id,displayName,email
                c-2,Bo 2,bo@example.com
                c-2,Cy 2,cy@example.com
                c-9,Ann 2,ann@example.com
                c-1,Cy 3,cy@example.com
                c-3,Cy 4,cy@example.com
                c-4,Cy 5,CY@example.com
                c-3,Di,di@example.com
                ,Bo 3,bo@example.com
                """;
        List<RecordWrite> stored = List.of(contact("c-1", Map.of("displayName", "Ann", "email", "ann@example.com")),
                contact(null, Map.of("displayName", "Bo", "email", "bo@example.com")),
                contact(null, Map.of("displayName", "Cy", "email", "cy@example.com")));

        Map<Integer, List<String>> outcomes = byChunkSize(stored, file, List.of("external_id", "displayName", "email"),
                ExecuteOptions.DuplicateStrategy.UPDATE, ExecuteOptions.MergeMode.PREFER_IMPORT, List.of("email"), 1,
                2, 3, 100);

        String another = " already exists on another record than the one this row's email matched, which has none;"
                + " two records never share an external_id, so the row was not applied";
        List<String> expected = List.of("COMPLETED " + new ImportStats(8, 5, 0, 5, 0, 0, 0, 3),
                "line 3 external_id duplicate_external_id: external_id \"c-2\"" + another,
                "line 5 external_id duplicate_external_id: external_id \"c-1\"" + another,
                "line 8 external_id duplicate_external_id: " + takenElsewhere("c-3", "update"),
                "warning row 3 external_id external_id_not_changed: external_id \"c-9\" was not stored: the record"
                        + " matched by email already has external_id \"c-1\"",
                "warning row 6 external_id external_id_not_changed: external_id \"c-4\" was not stored: the record"
                        + " matched by email already has external_id \"c-3\"",
                "c-1 displayName=Ann 2 email=ann@example.com",
                "c-2 displayName=Bo 3 email=bo@example.com",
                "c-3 displayName=Cy 5 email=CY@example.com");
        assertThat(outcomes).isEqualTo(Map.of(1, expected, 2, expected, 3, expected, 100, expected));
    }

    /**
     * Rollback takes back only an external_id that is still the one the import gave. Contacts matched by email: the
     * first import changes Ann (no external_id) and gives Bo c-2 and creates Cy (none); a later import gives Ann c-1
     * and Cy c-3 and changes nothing else; a third changes Bo and is rolled back. Rolling back the first restores Ann's
     * and Bo's values (still those it left), takes c-2 back from Bo, keeps Ann's c-1 and says so, and keeps Cy, changed
     * since. Before, Ann's c-1 was cleared and Cy (with c-3) deleted without a word.
     */
    @Test
    void rollbackTakesBackOnlyTheExternalIdTheImportGaveAndSaysWhichItKept() throws IOException {
        db.inTransaction(h -> records.upsert(h, org, BuiltInObjects.CONTACT,
                List.of(contact(null, Map.of("displayName", "Ann", "email", "ann@example.com")))));
        db.inTransaction(h -> records.upsert(h, org, BuiltInObjects.CONTACT,
                List.of(contact(null, Map.of("displayName", "Bo", "email", "bo@example.com")))));
        ImportJob first = contactsByEmail("""
                external_id,displayName,email
                ,Ann 2,ann@example.com
                c-2,Bo 2,bo@example.com
                ,Cy,cy@example.com
                """);
        contactsByEmail("external_id,displayName,email\nc-1,Ann 2,ann@example.com\nc-3,Cy,cy@example.com\n");
        rollback.rollback(contactsByEmail("external_id,displayName,email\n,Bo 3,bo@example.com\n"), "key_test");
        assertThat(contactValues(org)).containsExactly("c-1 displayName=Ann 2 email=ann@example.com",
                "c-2 displayName=Bo 2 email=bo@example.com", "c-3 displayName=Cy email=cy@example.com");
        Map<String, String> ids = db.withHandle(h -> records.idsByExternalId(h, org, "contact",
                List.of("c-1", "c-3")));

        ImportRollback.Result result = rollback.rollback(first, "key_test");

        assertThat(result.deleted()).isZero();
        assertThat(result.restored()).isEqualTo(2);
        assertThat(result.conflictCount()).isEqualTo(2);
        assertThat(result.conflicts()).containsExactly(
                new ImportRollback.Conflict(ids.get("c-3"), "c-3", "changed since the import created it"),
                new ImportRollback.Conflict(ids.get("c-1"), "c-1", "restored its earlier values, but kept external_id"
                        + " \"c-1\", which it got after the import (it had none before the import)"));
        assertThat(contactValues(org)).containsExactly("c-1 displayName=Ann email=ann@example.com",
                "null displayName=Bo email=bo@example.com", "c-3 displayName=Cy email=cy@example.com");
    }

    /**
     * Another writer gives Bo c-1 after the chunk looked c-1 up (free) and before it gives Ann c-1 (it holds Ann's
     * row): on PostgreSQL the unique key refuses the chunk's update, the chunk is replayed row by row, and Ann's row
     * alone finds c-1 taken: it is rejected as duplicate_external_id and Ann keeps no external_id; the chunk's other
     * rows are written. SQLite's writers cannot get between a chunk's look-up and its write (the chunk waits for the
     * write lock before it reads): there the chunk finds c-1 taken as it looks it up, with the same outcome.
     */
    @Test
    void aNewExternalIdAnotherWriterTakesBetweenTheChunksLookUpAndItsWriteRejectsOnlyThatRow() throws Exception {
        contactsByEmail("external_id,displayName,email\n,Ann,ann@example.com\n,Bo,bo@example.com\n"
                + "c-3,Cy,cy@example.com\n");
        List<StoredRecord> stored = db.withHandle(h -> records.page(h, org, BuiltInObjects.CONTACT, null, null, 10,
                null));
        String ann = stored.get(0).id();
        RecordStore.Existing bo = db.withHandle(h -> records.existingByIds(h, org, List.of(stored.get(1).id())))
                .get(stored.get(1).id());
        String file = """
                external_id,displayName,email
                c-1,Ann 2,ann@example.com
                ,Cy 2,cy@example.com
                c-4,Di,di@example.com
                """;
        ImportPipeline.RowSource source = csv(file);
        ImportJob job = workflowJob("contact", List.of("external_id", "displayName", "email"),
                ExecuteOptions.DuplicateStrategy.UPDATE, List.of("email"), source);
        // Holds Ann's row (PostgreSQL) or the write lock (SQLite) without changing the record; once the chunk has looked
        // c-1 up and waits to give it to Ann, gives c-1 to Bo.
        ImportJob done = processWhileAnotherWriterHolds(job, source, "update records set external_id",
                h -> h.update("update records set version = version where organization_id = ? and id = ?", org, ann),
                h -> assertThat(records.updateIfVersion(h, org, bo.id(), "c-1", bo.data(), bo.version()))
                        .isEqualTo(bo.version() + 1));

        assertThat(done.status()).isEqualTo(Status.COMPLETED);
        assertThat(done.stats()).isEqualTo(new ImportStats(3, 2, 1, 1, 0, 0, 0, 1));
        assertThat(errors(done)).containsExactly(new RowError(1, 1, 2, "c-1", "external_id",
                "duplicate_external_id", "external_id \"c-1\" already exists on another record than the one this"
                        + " row's email matched, which has none; two records never share an external_id, so the"
                        + " row was not applied", "{\"external_id\":\"c-1\",\"displayName\":\"Ann 2\","
                        + "\"email\":\"ann@example.com\"}"));
        assertThat(contactValues(org)).containsExactly("null displayName=Ann email=ann@example.com",
                "c-1 displayName=Bo email=bo@example.com", "c-3 displayName=Cy 2 email=cy@example.com",
                "c-4 displayName=Di email=di@example.com");
    }

    /** Runs {@code file} as a file workflow import of contacts (update, matched by email, prefer_import). */
    private ImportJob contactsByEmail(String file) throws IOException {
        ImportPipeline.RowSource source = csv(file);
        ImportJob job = workflowJob("contact", List.of("external_id", "displayName", "email"),
                ExecuteOptions.DuplicateStrategy.UPDATE, List.of("email"), source);
        ImportJob done = pipeline.process(job.id(), source, ImportPipeline.Listener.NONE);
        assertThat(done.status()).isEqualTo(Status.COMPLETED);
        return done;
    }

    /** The message of a row that create rejects because a record has its external_id. */
    private static String taken(String externalId) {
        return "external_id \"" + externalId + "\" already exists; duplicateStrategy create never updates a record";
    }

    /**
     * Contacts matched by email, whose rows also give external ids. With create, rows with the same email (nu@ in
     * rows 1 and 5, the stored ann@ in rows 3 and 6) each create a record, but a row whose external_id a record
     * already has (c-9 of row 1 in row 2, the stored c-1 in row 4, c-7 of row 7 in row 8) is rejected as
     * duplicate_external_id, as it is with skip and update when its email matches no record: it would create a
     * second record with that external_id. With update, rows 5, 6 and 8 merge into the records of their email; with
     * skip they are skipped. Chunks of 1, 2, 3 and 100 rows give the same result.
     */
    @ParameterizedTest
    @MethodSource("emailMatchedImports")
    void aRepeatedEmailOrExternalIdGivesTheSameOutcomeWhateverTheChunkSize(ExecuteOptions.DuplicateStrategy strategy,
            List<String> expected) throws IOException {
        String file = """
                external_id,displayName,email
                c-9,Nu,nu@example.com
                c-9,Nu 2,nu2@example.com
                ,Ann 2,ann@example.com
                c-1,Cy,cy@example.com
                ,Nu 3,nu@example.com
                ,Ann 3,ann@example.com
                c-7,Ed,ed@example.com
                c-7,Ed 2,ed@example.com
                """;

        Map<Integer, List<String>> outcomes = byChunkSize(List.of(contact("c-1", Map.of("displayName", "Ann",
                "email", "ann@example.com"))), file, List.of("external_id", "displayName", "email"), strategy,
                ExecuteOptions.MergeMode.PREFER_IMPORT, List.of("email"), 1, 2, 3, 100);

        assertThat(outcomes).isEqualTo(Map.of(1, expected, 2, expected, 3, expected, 100, expected));
    }

    static Stream<Arguments> emailMatchedImports() {
        return Stream.of(
                Arguments.of(ExecuteOptions.DuplicateStrategy.CREATE, List.of(
                        "COMPLETED " + new ImportStats(8, 5, 5, 0, 0, 0, 0, 3),
                        "line 3 external_id duplicate_external_id: " + taken("c-9"),
                        "line 5 external_id duplicate_external_id: " + taken("c-1"),
                        "line 9 external_id duplicate_external_id: " + taken("c-7"),
                        "c-1 displayName=Ann email=ann@example.com",
                        "c-9 displayName=Nu email=nu@example.com",
                        "null displayName=Ann 2 email=ann@example.com",
                        "null displayName=Nu 3 email=nu@example.com",
                        "null displayName=Ann 3 email=ann@example.com",
                        "c-7 displayName=Ed email=ed@example.com")),
                Arguments.of(ExecuteOptions.DuplicateStrategy.SKIP, List.of(
                        "COMPLETED " + new ImportStats(8, 2, 2, 0, 0, 0, 4, 2),
                        "line 3 external_id duplicate_external_id: " + takenElsewhere("c-9", "skip"),
                        "line 5 external_id duplicate_external_id: " + takenElsewhere("c-1", "skip"),
                        "c-1 displayName=Ann email=ann@example.com",
                        "c-9 displayName=Nu email=nu@example.com",
                        "c-7 displayName=Ed email=ed@example.com")),
                Arguments.of(ExecuteOptions.DuplicateStrategy.UPDATE, List.of(
                        "COMPLETED " + new ImportStats(8, 6, 2, 4, 0, 0, 0, 2),
                        "line 3 external_id duplicate_external_id: " + takenElsewhere("c-9", "update"),
                        "line 5 external_id duplicate_external_id: " + takenElsewhere("c-1", "update"),
                        "c-1 displayName=Ann 3 email=ann@example.com",
                        "c-9 displayName=Nu 3 email=nu@example.com",
                        "c-7 displayName=Ed 2 email=ed@example.com")));
    }

    /** The message of a row matched by email that skip or update rejects because a record has its external_id. */
    private static String takenElsewhere(String externalId, String strategy) {
        return "external_id \"" + externalId + "\" already exists on a record that this row's email did not match;"
                + " duplicateStrategy " + strategy + " would create a second record with it, so the row was not"
                + " applied";
    }

    /**
     * A chunk the database refuses (row 2's insert) is replayed row by row, and the index learns what each replayed row
     * committed: row 1, matching Ann by her Work phone, gives her Mobile 555-0003 in place of 555-0001, so row 3, with
     * 555-0001, matches nobody and creates Cy, and row 4, in the next chunk, with 555-0003, updates Ann.
     */
    @Test
    void aChunkReplayedRowByRowTeachesTheIndexTheKeysItsCommittedRowsGaveAndTook() throws IOException {
        db.withHandle(h -> {
            h.execute(databases().failingTriggerSql("boom"));
            return null;
        });
        db.inTransaction(h -> records.upsert(h, org, BuiltInObjects.CONTACT,
                List.of(withPhones("c-1", "Ann", "Mobile: 555-0001", "Work: 555-0002"))));
        ImportPipeline.RowSource source = csv("""
                external_id,displayName,phone
                ,Ann 1,Work: 555-0002; Mobile: 555-0003
                boom,Bo,Mobile: 555-0009
                ,Cy,Mobile: 555-0001
                ,Di,Mobile: 555-0003
                """);
        ImportJob job = workflowJob(pipeline, org, "contact", List.of("external_id", "displayName", "phone"),
                ExecuteOptions.DuplicateStrategy.UPDATE, ExecuteOptions.MergeMode.PREFER_IMPORT, List.of("phone"),
                source);

        ImportJob done = pipeline.process(job.id(), source, ImportPipeline.Listener.NONE);

        assertThat(done.status()).isEqualTo(Status.COMPLETED);
        assertThat(done.stats()).isEqualTo(new ImportStats(4, 3, 1, 2, 0, 0, 0, 1));
        assertThat(errors(done)).extracting(RowError::line, RowError::externalId, RowError::code)
                .containsExactly(tuple(3L, "boom", "write_failed"));
        assertThat(contactValues(org)).containsExactly("c-1 displayName=Di phone=Mobile: 555-0003; Work: 555-0002",
                "null displayName=Cy phone=Mobile: 555-0001");
    }

    /**
     * The writer's index learns the keys a chunk gave and took only once the chunk commits: a chunk rolled back after
     * it was written (with overwrite, Ann's phones replaced with her Work phone and a Home phone 555-0004) leaves the
     * next chunk matching Ann by her Mobile phone 555-0001 and nobody by 555-0004.
     */
    @Test
    void aRolledBackChunkLeavesTheIndexAsTheCommittedChunksMadeIt() throws IOException {
        db.inTransaction(h -> records.upsert(h, org, BuiltInObjects.CONTACT,
                List.of(withPhones("c-1", "Ann", "Mobile: 555-0001", "Work: 555-0002"))));
        ImportJob job = workflowJob(pipeline, org, "contact", List.of("displayName", "phone"),
                ExecuteOptions.DuplicateStrategy.UPDATE, ExecuteOptions.MergeMode.OVERWRITE, List.of("phone"),
                csv("displayName,phone\n"));
        ExecuteOptions options = db.withHandle(h -> imports.options(h, job.id())).map(ExecuteOptions::fromJson)
                .orElseThrow();
        RowTransformer transformer = new RowTransformer(BuiltInObjects.CONTACT,
                ColumnPlan.of(BuiltInObjects.CONTACT, options), Action.MERGE, false, RowTransformer.FormatChecks.ON,
                ColumnFormats.readers(options), RowTransformer.RequiredFields.RECORD_WRITTEN);
        MatchingWriter writer = new MatchingWriter(records, imports,
                db.withHandle(h -> new SchemaStore(clock).schema(h, org)), BuiltInObjects.CONTACT, org, job.id(),
                options, db.inTransaction(h -> RecordMatcher.load(h, records, org, BuiltInObjects.CONTACT,
                        List.of("phone"))), List.of("phone"));
        List<ParsedRow> first = List.of(transformer.parse(new SourceRow(1, 2,
                Map.of("displayName", "Ann 1", "phone", "Work: 555-0002; Home: 555-0004"))));
        List<ParsedRow> second = List.of(
                transformer.parse(new SourceRow(2, 3, Map.of("displayName", "Cy", "phone", "Mobile: 555-0001"))),
                transformer.parse(new SourceRow(3, 4, Map.of("displayName", "Di", "phone", "Home: 555-0004"))));

        assertThatThrownBy(() -> db.inTransaction(h -> {
            assertThat(writer.write(h, first).stats()).isEqualTo(new ImportStats(1, 1, 0, 1, 0, 0, 0, 0));
            throw new IllegalStateException("the chunk's transaction failed");
        })).hasMessage("the chunk's transaction failed");
        RowWriter.Result result = db.inTransaction(h -> writer.write(h, second));
        writer.committed();

        assertThat(result.stats()).isEqualTo(new ImportStats(2, 2, 1, 1, 0, 0, 0, 0));
        assertThat(contactValues(org)).containsExactly("c-1 displayName=Cy phone=Mobile: 555-0001",
                "null displayName=Di phone=Home: 555-0004");
    }

    /**
     * The writer sees that two rows of one chunk give the same new external_id, as a later chunk sees the record the
     * first row stored: the second row is rejected as duplicate_external_id and the chunk is written in one go,
     * never refused by the database (which the pipeline would retry, then replay row by row).
     */
    @ParameterizedTest
    @MethodSource("matchFieldsOfRepeatedExternalIds")
    void twoRowsOfAChunkWithOneNewExternalIdAreToldApartByTheWriterNotByTheDatabase(
            ExecuteOptions.DuplicateStrategy strategy, List<String> matchFields, String message) throws IOException {
        ImportJob job = workflowJob(pipeline, org, "contact", List.of("external_id", "displayName", "email"),
                strategy, ExecuteOptions.MergeMode.PREFER_IMPORT, matchFields, csv("external_id,displayName,email\n"));
        ExecuteOptions options = db.withHandle(h -> imports.options(h, job.id())).map(ExecuteOptions::fromJson)
                .orElseThrow();
        RowTransformer transformer = new RowTransformer(BuiltInObjects.CONTACT,
                ColumnPlan.of(BuiltInObjects.CONTACT, options), Action.MERGE, false, RowTransformer.FormatChecks.ON,
                ColumnFormats.readers(options), RowTransformer.RequiredFields.RECORD_WRITTEN);
        RecordMatcher matcher = matchFields.equals(List.of("external_id")) ? null : db.inTransaction(h ->
                RecordMatcher.load(h, records, org, BuiltInObjects.CONTACT, matchFields));
        MatchingWriter writer = new MatchingWriter(records, imports,
                db.withHandle(h -> new SchemaStore(clock).schema(h, org)), BuiltInObjects.CONTACT, org, job.id(),
                options, matcher, matchFields);
        List<ParsedRow> chunk = List.of(
                transformer.parse(new SourceRow(1, 2, Map.of("external_id", "c-9", "displayName", "Nu",
                        "email", "nu@example.com"))),
                transformer.parse(new SourceRow(2, 3, Map.of("external_id", "c-9", "displayName", "Nu 2",
                        "email", "nu2@example.com"))));

        RowWriter.Result result = db.inTransaction(h -> writer.write(h, chunk));
        writer.committed();

        assertThat(result.stats()).isEqualTo(new ImportStats(2, 1, 1, 0, 0, 0, 0, 1));
        assertThat(result.errors()).containsExactly(new Violation(2, "c-9", "external_id",
                ViolationCode.DUPLICATE_EXTERNAL_ID, message));
        assertThat(contactValues(org)).containsExactly("c-9 displayName=Nu email=nu@example.com");
    }

    static Stream<Arguments> matchFieldsOfRepeatedExternalIds() {
        return Stream.of(
                Arguments.of(ExecuteOptions.DuplicateStrategy.CREATE, List.of("external_id"), taken("c-9")),
                Arguments.of(ExecuteOptions.DuplicateStrategy.CREATE, List.of("email"), taken("c-9")),
                Arguments.of(ExecuteOptions.DuplicateStrategy.UPDATE, List.of("email"),
                        takenElsewhere("c-9", "update")),
                Arguments.of(ExecuteOptions.DuplicateStrategy.SKIP, List.of("email"), takenElsewhere("c-9", "skip")));
    }

    /** A contact with labelled phones, each written as {@code Mobile: 555-0001}. */
    private static RecordWrite withPhones(String externalId, String name, String... phones) {
        List<Value> items = new ArrayList<>();
        for (String phone : phones) {
            String[] labelled = phone.split(": ");
            items.add(new Value.Labeled(labelled[0], new Value.Text(labelled[1])));
        }
        return new RecordWrite(externalId, Map.of("displayName", new Value.Text(name), "phone",
                new Value.Many(items)));
    }

    /** A contact of text values. */
    private static RecordWrite contact(String externalId, Map<String, String> texts) {
        Map<String, Value> values = new LinkedHashMap<>();
        texts.forEach((field, text) -> values.put(field, new Value.Text(text)));
        return new RecordWrite(externalId, values);
    }

    /**
     * Runs the contacts {@code file} as a file workflow import (the columns named as the {@code fields} they feed) in
     * chunks of each of {@code chunkSizes} rows, each in an organization of its own that stores {@code stored} first
     * (one by one, in id order); returns per chunk size the import's status and stats, its errors (line, field, code,
     * message) and its contacts ({@link #contactValues}).
     */
    private Map<Integer, List<String>> byChunkSize(List<RecordWrite> stored, String file, List<String> fields,
            ExecuteOptions.DuplicateStrategy strategy, ExecuteOptions.MergeMode mode, List<String> matchFields,
            int... chunkSizes) throws IOException {
        Map<Integer, List<String>> out = new LinkedHashMap<>();
        for (int size : chunkSizes) {
            String organization = db.inTransaction(h -> new TenantStore(new IdGenerator(clock), clock)
                    .createOrganization(h, "chunks-" + size, "Chunks of " + size)).id();
            for (RecordWrite record : stored) {
                db.inTransaction(h -> records.upsert(h, organization, BuiltInObjects.CONTACT, List.of(record)));
            }
            ImportPipeline by = new ImportPipeline(db, imports, records, new SchemaStore(clock), clock, size);
            ImportPipeline.RowSource source = csv(file);
            ImportJob job = workflowJob(by, organization, "contact", fields, strategy, mode, matchFields, source);
            ImportJob done = by.process(job.id(), source, ImportPipeline.Listener.NONE);
            List<String> outcome = new ArrayList<>();
            outcome.add(done.status() + " " + done.stats());
            errors(done).forEach(e -> outcome.add("line " + e.line() + " " + e.field() + " " + e.code() + ": "
                    + e.message()));
            db.withHandle((Handle h) -> imports.warnings(h, job.id(), 100)).forEach(w -> outcome.add("warning row "
                    + w.ordinal() + " " + w.field() + " " + w.code() + ": " + w.message()));
            outcome.addAll(contactValues(organization));
            out.put(size, outcome);
        }
        return out;
    }

    /** The contacts of {@code organization} in id order, each as its external_id and its values in field order. */
    private List<String> contactValues(String organization) {
        return db.withHandle(h -> records.page(h, organization, BuiltInObjects.CONTACT, null, null, 100, null))
                .stream().map(r -> {
                    StringBuilder line = new StringBuilder(String.valueOf(r.externalId()));
                    for (var field : BuiltInObjects.CONTACT.fields()) {
                        Value value = r.values().get(field.slug());
                        if (value != null) {
                            line.append(' ').append(field.slug()).append('=').append(text(value));
                        }
                    }
                    return line.toString();
                }).toList();
    }

    /** A value as a file would give it: labelled items as {@code Mobile: 555-0001}, separated by {@code ; }. */
    private static String text(Value value) {
        return switch (value) {
            case Value.Text t -> t.value();
            case Value.Labeled l -> l.label() + ": " + text(l.value());
            case Value.Many m -> String.join("; ", m.values().stream().map(ImportPipelineContract::text).toList());
            default -> value.toString();
        };
    }

    @Test
    void aRunKilledWhileWritingThePutOffRowsResumesThemWithTheSameIds() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        // Every row refers to the one after it: all but the last are put off, and written three to a chunk after it.
        String services = chainOfServices(8);
        ImportJob prepared = pipeline.prepare(uploaded("service", Action.MERGE, DuplicateHandling.IGNORE_ALL, null)
                .id(), csv(services));
        ImportPipeline.RowSource source = csv(services);
        List<String> seen = new ArrayList<>();
        try {
            pipeline.process(prepared.id(), source, committed -> {
                seen.add(committed.checkpoint() + "/" + committed.stats().read());
                if (committed.checkpoint() == 8 && committed.stats().read() > 1) {
                    throw new IllegalStateException("worker killed");
                }
            });
        } catch (IllegalStateException expected) {
            assertThat(expected).hasMessage("worker killed");
        }
        // Chunks of the file: rows 1-3 all put off, 4-6 all put off, 7-8 with s-8 written; then the put-off rows.
        assertThat(seen).containsExactly("3/0", "6/0", "8/1", "8/4");
        assertThat(db.withHandle((Handle h) -> imports.deferredCount(h, prepared.id()))).isEqualTo(4);

        ImportJob resumed = pipeline.process(prepared.id(), source, ImportPipeline.Listener.NONE);

        assertThat(resumed.status()).isEqualTo(Status.COMPLETED);
        assertThat(resumed.stats()).isEqualTo(new ImportStats(8, 8, 8, 0, 0, 0, 0, 0));
        Map<String, String> ids = serviceIds("s-1", "s-2", "s-3", "s-4", "s-5", "s-6", "s-7", "s-8");
        assertThat(ids).hasSize(8);
        for (int i = 1; i < 8; i++) {
            assertThat(dependencies("s-" + i)).isEqualTo(refs(new Value.Ref("s-" + (i + 1), "service",
                    ids.get("s-" + (i + 1)))));
        }
    }

    @Test
    void aStopWithRowsStillPutOffSaysTheyWereNotWritten() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        String services = """
                external_id,name,vendor,dependencies
                s-1,Payments,v-1,s-4
                s-2,Ledger,v-1,s-4
                s-3,Billing,v-2,
                s-4,Reports,v-2,
                """;
        ImportJob prepared = pipeline.prepare(uploaded("service", Action.MERGE, DuplicateHandling.IGNORE_ALL, null)
                .id(), csv(services));

        ImportJob done = pipeline.process(prepared.id(), csv(services), committed -> {
            if (committed.checkpoint() == 4) {
                db.withHandle(h -> imports.requestCancel(h, org, prepared.id(), "key_canceller"));
            }
        });

        assertThat(done.status()).isEqualTo(Status.FAILED);
        // The rows committed are those written (stats.read), not the four the checkpoint passed: two of them are put
        // off and named apart.
        assertThat(done.reason()).isEqualTo("Cancelled on request; 2 rows committed before it stopped are kept; 2 rows"
                + " put off until after the last row (they refer to records of the import not stored yet) were not"
                + " written");
        assertThat(done.stats()).isEqualTo(new ImportStats(2, 2, 2, 0, 0, 0, 0, 0));
        assertThat(serviceIds("s-1", "s-2", "s-3", "s-4")).containsOnlyKeys("s-3", "s-4");
    }

    @Test
    void aStopWithDeleteRowsStillPutOffSaysTheirRecordsStay() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        runServices("external_id,name,vendor,dependencies\ns-1,Base,v-1,\ns-3,Ledger,v-1,\ns-4,Reports,v-1,s-1\n"
                + "s-5,Mail,v-1,\n");
        // Chunks of 3: s-1 is referred to by s-4 of the next chunk, so it is put off; the cancel comes after s-4's.
        String file = "external_id\ns-1\ns-3\ns-5\ns-4\n";
        ImportJob prepared = pipeline.prepare(uploaded("service", Action.DELETE, DuplicateHandling.IGNORE_ALL, null)
                .id(), csv(file));

        ImportJob done = pipeline.process(prepared.id(), csv(file), committed -> {
            if (committed.checkpoint() == 4) {
                db.withHandle(h -> imports.requestCancel(h, org, prepared.id(), "key_canceller"));
            }
        });

        assertThat(done.status()).isEqualTo(Status.FAILED);
        assertThat(done.reason()).isEqualTo("Cancelled on request; 3 rows committed before it stopped are kept; 1 row"
                + " put off until after the last row (other records of the object refer to its record) was not"
                + " applied, so its record stays");
        assertThat(done.stats()).isEqualTo(new ImportStats(3, 3, 0, 0, 0, 3, 0, 0));
        assertThat(serviceIds("s-1", "s-3", "s-4", "s-5")).containsOnlyKeys("s-1");
    }

    @Test
    void aTimeOutWhileWritingThePutOffRowsCountsAsCommittedOnlyTheRowsWritten() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        // Every row refers to the one after it: all but the last are put off, and written three to a chunk after it.
        String services = chainOfServices(8);
        ImportJob prepared = pipeline.prepare(uploaded("service", Action.MERGE, DuplicateHandling.IGNORE_ALL, null)
                .id(), csv(services));

        ImportJob done = pipeline.process(prepared.id(), csv(services), committed -> {
            if (committed.checkpoint() == 8 && committed.stats().read() > 1) {
                clock.advance(Duration.ofHours(2));
            }
        });

        assertThat(done.status()).isEqualTo(Status.TIMED_OUT);
        assertThat(done.stats()).isEqualTo(new ImportStats(4, 4, 4, 0, 0, 0, 0, 0));
        assertThat(done.reason()).isEqualTo("The import ran past its maximum run time (deadline 2025-03-01T10:00:00Z);"
                + " 4 rows committed before it stopped are kept; 4 rows put off until after the last row (they refer"
                + " to records of the import not stored yet) were not written");
    }

    private ImportJob runServices(String services) throws IOException {
        ImportJob prepared = pipeline.prepare(uploaded("service", Action.MERGE, DuplicateHandling.IGNORE_ALL, null)
                .id(), csv(services));
        return pipeline.process(prepared.id(), csv(services), ImportPipeline.Listener.NONE);
    }

    private ImportJob runServices(Action action, String services) throws IOException {
        ImportJob prepared = pipeline.prepare(uploaded("service", action, DuplicateHandling.IGNORE_ALL, null).id(),
                csv(services));
        return pipeline.process(prepared.id(), csv(services), ImportPipeline.Listener.NONE);
    }

    private Map<String, String> serviceIds(String... externalIds) {
        return db.withHandle(h -> records.idsByExternalId(h, org, "service", List.of(externalIds)));
    }

    /** A services CSV of {@code n} rows, each depending on the one after it. */
    private static String chainOfServices(int n) {
        StringBuilder services = new StringBuilder("external_id,name,vendor,dependencies\n");
        for (int i = 1; i <= n; i++) {
            services.append("s-%d,Service %d,v-1,%s\n".formatted(i, i, i < n ? "s-" + (i + 1) : ""));
        }
        return services.toString();
    }

    private Value dependencies(String service) {
        return db.withHandle(h -> records.page(h, org, BuiltInObjects.SERVICE, service, null, 1, null)).getFirst()
                .values().get("dependencies");
    }

    private static Value refs(Value.Ref... refs) {
        return new Value.Many(List.<Value>of(refs));
    }

    @Test
    void aFileWithoutAnExternalIdColumnFailsInPrevalidation() throws IOException {
        ImportJob job = prepared(Action.MERGE, DuplicateHandling.IGNORE_ALL, "name,status\nAcme,active\n");

        assertThat(job.status()).isEqualTo(Status.FAILED);
        assertThat(job.reason()).isEqualTo(
                "No column is mapped to external_id; map one in column_mapping or name a column \"external_id\"");
        assertThat(job.phase(Phase.PREVALIDATION).status()).isEqualTo(PhaseStatus.FAILED);
        assertThat(job.phase(Phase.PROCESSING).status()).isEqualTo(PhaseStatus.SKIPPED);
    }

    @Test
    void prevalidationNamesTheColumnsThatMatchNoFieldWhenTheImportMapsByHeaderNames() throws IOException {
        String file = """
                external_id,Name,Staus,Notes,
                v-1,Acme,inactive,call back,
                """;

        ImportJob byHeaders = run(Action.MERGE, DuplicateHandling.IGNORE_ALL, file);

        assertThat(byHeaders.status()).isEqualTo(Status.COMPLETED);
        assertThat(byHeaders.phase(Phase.PREVALIDATION).status()).isEqualTo(PhaseStatus.COMPLETED);
        assertThat(byHeaders.phase(Phase.PREVALIDATION).reason()).isEqualTo("The columns \"Staus\", \"Notes\" match"
                + " no field of vendor and were not imported; name a field's slug or label in the header, or give a"
                + " column_mapping");
        assertThat(vendor("v-1").values()).containsOnlyKeys("name");

        ImportJob one = run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name,Staus\nv-2,Beta,active\n");
        assertThat(one.phase(Phase.PREVALIDATION).reason()).isEqualTo("The column \"Staus\" matches no field of"
                + " vendor and was not imported; name a field's slug or label in the header, or give a column_mapping");

        StringBuilder wide = new StringBuilder("external_id,name");
        for (int i = 1; i <= 12; i++) {
            wide.append(",extra ").append(i);
        }
        ImportJob many = run(Action.MERGE, DuplicateHandling.IGNORE_ALL, wide + "\nv-3,Gamma" + ",x".repeat(12) + "\n");
        assertThat(many.phase(Phase.PREVALIDATION).reason()).startsWith("The columns \"extra 1\", \"extra 2\",")
                .contains("\"extra 10\" and 2 more match no field of vendor");

        ImportJob every = run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name,status\nv-4,Delta,active\n");
        assertThat(every.phase(Phase.PREVALIDATION).reason()).isNull();
        ImportJob mapped = pipeline.process(prepared(Action.MERGE, DuplicateHandling.IGNORE_ALL, file,
                Map.of("external_id", "external_id", "name", "Name")).id(), csv(file), ImportPipeline.Listener.NONE);
        assertThat(mapped.phase(Phase.PREVALIDATION).reason()).isNull();
    }

    private static final String DATED = """
            external_id,name,Next Assessment Date,audit_start,soc2_audit_end
            v-1,Acme,01/13/2024,13.1.2024,
            v-2,Beta,2024-02-01,2.3.2024,03/04/2024
            v-3,Gamma,n/a,,
            v-4,Delta,2/29/2024,31.12.2023,
            """;

    @Test
    void datesWrittenMonthFirstOrDayFirstAreReadInTheFormatOfTheirWholeColumn() throws IOException {
        ImportJob job = run(Action.MERGE, DuplicateHandling.IGNORE_ALL, DATED);

        assertDatedImport(job);
    }

    @Test
    void aPrescannedUploadReadsItsDatesInTheFormatOfTheirWholeColumnToo() throws IOException {
        ImportJob prepared = preparedAfterPrescan(DATED.getBytes(StandardCharsets.UTF_8), DATED);
        assertThat(prepared.status()).isEqualTo(Status.QUEUED);

        assertDatedImport(pipeline.process(prepared.id(), csv(DATED), ImportPipeline.Listener.NONE));
    }

    private void assertDatedImport(ImportJob job) {
        assertThat(job.status()).isEqualTo(Status.COMPLETED);
        assertThat(job.phase(Phase.PREVALIDATION).reason()).isEqualTo("The dates in column \"Next Assessment Date\""
                + " were read as M/DD/YYYY. The dates in column \"audit_start\" were read as D.M.YYYY. The dates in"
                + " column \"soc2_audit_end\" fit both MM/DD and DD/MM, so they were not read; write them as YYYY-MM-DD");
        assertThat(job.stats().created()).isEqualTo(2);
        assertThat(job.stats().failed()).isEqualTo(2);
        assertThat(vendor("v-1").values()).containsEntry("next_assessment_date", new Value.Date(LocalDate.of(2024, 1,
                13))).containsEntry("audit_start", new Value.Date(LocalDate.of(2024, 1, 13)));
        assertThat(vendor("v-4").values()).containsEntry("next_assessment_date", new Value.Date(LocalDate.of(2024, 2,
                29))).containsEntry("audit_start", new Value.Date(LocalDate.of(2023, 12, 31)));
        assertThat(errors(job)).extracting(RowError::line, RowError::externalId, RowError::field, RowError::message)
                .containsExactly(
                        tuple(3L, "v-2", "soc2_audit_end",
                                "soc2_audit_end: expected a date (YYYY-MM-DD), got \"03/04/2024\"; its column's dates"
                                        + " fit both MM/DD and DD/MM, so none was read; write dates as YYYY-MM-DD"),
                        tuple(4L, "v-3", "next_assessment_date",
                                "next_assessment_date: expected a date (YYYY-MM-DD), got \"n/a\""));
    }

    @Test
    void aDateNoYearHasFailsOnItsOwnRowAndLeavesTheOtherDatesOfItsColumnReadable() throws IOException {
        ImportJob job = run(Action.MERGE, DuplicateHandling.IGNORE_ALL, """
                external_id,name,next_assessment_date
                v-1,Acme,01/15/2024
                v-2,Beta,02/29/2023
                v-3,Gamma,12/31/2023
                """);

        assertThat(job.phase(Phase.PREVALIDATION).reason())
                .isEqualTo("The dates in column \"next_assessment_date\" were read as MM/DD/YYYY");
        assertThat(job.stats().created()).isEqualTo(2);
        assertThat(job.stats().failed()).isEqualTo(1);
        assertThat(vendor("v-1").values()).containsEntry("next_assessment_date",
                new Value.Date(LocalDate.of(2024, 1, 15)));
        assertThat(vendor("v-3").values()).containsEntry("next_assessment_date",
                new Value.Date(LocalDate.of(2023, 12, 31)));
        assertThat(errors(job)).extracting(RowError::line, RowError::externalId, RowError::field, RowError::message)
                .containsExactly(tuple(3L, "v-2", "next_assessment_date",
                        "next_assessment_date: expected a date (YYYY-MM-DD), got \"02/29/2023\""));
    }

    @Test
    void aDayItsMonthLacksKeepsAnOtherwiseAmbiguousColumnDayFirst() throws IOException {
        ImportJob job = run(Action.MERGE, DuplicateHandling.IGNORE_ALL, """
                external_id,name,next_assessment_date
                v-1,Acme,05/06/2024
                v-2,Beta,31/04/2024
                v-3,Gamma,07/08/2024
                """);

        assertThat(job.phase(Phase.PREVALIDATION).reason())
                .isEqualTo("The dates in column \"next_assessment_date\" were read as DD/MM/YYYY");
        assertThat(job.stats().created()).isEqualTo(2);
        assertThat(job.stats().failed()).isEqualTo(1);
        assertThat(vendor("v-1").values()).containsEntry("next_assessment_date",
                new Value.Date(LocalDate.of(2024, 6, 5)));
        assertThat(vendor("v-3").values()).containsEntry("next_assessment_date",
                new Value.Date(LocalDate.of(2024, 8, 7)));
        assertThat(errors(job)).extracting(RowError::line, RowError::externalId, RowError::field, RowError::message)
                .containsExactly(tuple(3L, "v-2", "next_assessment_date",
                        "next_assessment_date: expected a date (YYYY-MM-DD), got \"31/04/2024\""));
    }

    @Test
    void aColumnOfDatesOrNumbersInMoreThanOneFormatIsNotReadAndItsNoteAndRowsSayWhy() throws IOException {
        ImportJob job = run(Action.MERGE, DuplicateHandling.IGNORE_ALL, """
                external_id,name,next_assessment_date,raw_irq_score
                v-1,Acme,01/13/2024,"1,234.5"
                v-2,Beta,13/01/2024,"1,5"
                v-3,Gamma,2024-02-01,2.5
                v-4,Delta,n/a,n/a
                """);

        assertThat(job.phase(Phase.PREVALIDATION).reason()).isEqualTo("The dates in column"
                + " \"next_assessment_date\" are written in more than one format, so they were not read; write them as"
                + " YYYY-MM-DD. The numbers in column \"raw_irq_score\" have a decimal point in some values and a"
                + " decimal comma in others, so none with a decimal comma or a separator between thousands was read;"
                + " write them without a separator between thousands");
        assertThat(job.stats().created()).isEqualTo(1);
        assertThat(job.stats().failed()).isEqualTo(3);
        assertThat(vendor("v-3").values()).containsEntry("next_assessment_date",
                new Value.Date(LocalDate.of(2024, 2, 1))).containsEntry("raw_irq_score",
                new Value.Decimal(new BigDecimal("2.5")));
        String dates = "; its column's dates are written in more than one format, so none was read; write dates as"
                + " YYYY-MM-DD";
        String numbers = "; its column's numbers have a decimal point in some values and a decimal comma in others,"
                + " so none with a decimal comma or a separator between thousands was read; write numbers without a"
                + " separator between thousands";
        assertThat(errors(job)).extracting(RowError::line, RowError::externalId, RowError::field, RowError::message)
                .containsExactlyInAnyOrder(
                        tuple(2L, "v-1", "next_assessment_date",
                                "next_assessment_date: expected a date (YYYY-MM-DD), got \"01/13/2024\"" + dates),
                        tuple(2L, "v-1", "raw_irq_score",
                                "raw_irq_score: expected a number, got \"1,234.5\"" + numbers),
                        tuple(3L, "v-2", "next_assessment_date",
                                "next_assessment_date: expected a date (YYYY-MM-DD), got \"13/01/2024\"" + dates),
                        tuple(3L, "v-2", "raw_irq_score", "raw_irq_score: expected a number, got \"1,5\"" + numbers),
                        tuple(5L, "v-4", "next_assessment_date",
                                "next_assessment_date: expected a date (YYYY-MM-DD), got \"n/a\""),
                        tuple(5L, "v-4", "raw_irq_score", "raw_irq_score: expected a number, got \"n/a\""));
    }

    @Test
    void isoDatesAndDeletesNeedNoNoteAndADateColumnOfOneFormatIsReadWithAColumnMappingToo() throws IOException {
        ImportJob iso = run(Action.MERGE, DuplicateHandling.IGNORE_ALL,
                "external_id,name,next_assessment_date\nv-1,Acme,2024-01-13\nv-2,Beta,\n");
        assertThat(iso.phase(Phase.PREVALIDATION).reason()).isNull();
        assertThat(iso.stats().created()).isEqualTo(2);

        String file = "Vendor,Name,Due\nv-3,Gamma,13/01/2024\nv-4,Delta,01/02/2024\n";
        ImportJob mapped = pipeline.process(prepared(Action.MERGE, DuplicateHandling.IGNORE_ALL, file,
                Map.of("external_id", "Vendor", "name", "Name", "next_assessment_date", "Due")).id(), csv(file),
                ImportPipeline.Listener.NONE);

        assertThat(mapped.phase(Phase.PREVALIDATION).reason())
                .isEqualTo("The dates in column \"Due\" were read as DD/MM/YYYY");
        assertThat(mapped.stats().created()).isEqualTo(2);
        assertThat(vendor("v-4").values()).containsEntry("next_assessment_date",
                new Value.Date(LocalDate.of(2024, 2, 1)));

        ImportJob delete = run(Action.DELETE, DuplicateHandling.IGNORE_ALL,
                "external_id,next_assessment_date\nv-4,01/13/2024\n");
        assertThat(delete.phase(Phase.PREVALIDATION).reason()).isNull();
        assertThat(delete.stats().deleted()).isEqualTo(1);
    }

    @Test
    void numbersWithADecimalCommaOrSeparatorsBetweenThousandsAreReadInTheFormatOfTheirWholeColumn()
            throws IOException {
        String file = """
                external_id;name;raw_irq_score;Raw Residual Risk Score
                v-1;Acme;70,5;1,000
                v-2;Beta;1.234,56;85
                v-3;Gamma;n/a;2
                """;

        ImportJob job = run(Action.MERGE, DuplicateHandling.IGNORE_ALL, file);

        assertThat(job.phase(Phase.PREVALIDATION).reason()).isEqualTo("The numbers in column \"raw_irq_score\" were"
                + " read as 1.234,5. The numbers in column \"Raw Residual Risk Score\" could have a decimal comma or a"
                + " comma between thousands (1,000: one or a thousand), so they were not read; write them without a"
                + " separator between thousands");
        assertThat(job.stats().created()).isEqualTo(1);
        assertThat(vendor("v-2").values())
                .containsEntry("raw_irq_score", new Value.Decimal(new BigDecimal("1234.56")))
                .containsEntry("raw_residual_risk_score", new Value.Decimal(new BigDecimal("85")));
        assertThat(errors(job)).extracting(RowError::line, RowError::externalId, RowError::message).containsExactly(
                tuple(2L, "v-1", "raw_residual_risk_score: expected a number, got \"1,000\"; its column's numbers"
                        + " could have a decimal comma or a comma between thousands (1,000: one or a thousand), so none"
                        + " with a comma was read; write numbers without a separator between thousands"),
                tuple(4L, "v-3", "raw_irq_score: expected a number, got \"n/a\""));
    }

    @Test
    void integersAndDecimalsWithCommasBetweenThousandsAreReadWhenAValueSettlesIt() throws IOException {
        String file = """
                external_id,Name,Employees,Annual Revenue
                a-1,Acme,"1,200","2,500,000.50"
                a-2,Beta,85,"1,000"
                """;

        ImportJob job = pipeline.process(pipeline.prepare(uploaded("account", Action.MERGE,
                DuplicateHandling.IGNORE_ALL, null).id(), csv(file)).id(), csv(file), ImportPipeline.Listener.NONE);

        assertThat(job.phase(Phase.PREVALIDATION).reason()).isEqualTo("The numbers in column \"Employees\" were read"
                + " as 1,234.5. The numbers in column \"Annual Revenue\" were read as 1,234.5");
        assertThat(job.stats().created()).isEqualTo(2);
        assertThat(account("a-1").values())
                .containsEntry("employeeCount", new Value.Int(1200))
                .containsEntry("annualRevenue", new Value.Decimal(new BigDecimal("2500000.50")));
        assertThat(account("a-2").values())
                .containsEntry("employeeCount", new Value.Int(85))
                .containsEntry("annualRevenue", new Value.Decimal(new BigDecimal("1000")));
    }

    private StoredRecord account(String externalId) {
        return db.withHandle(h -> records.page(h, org, BuiltInObjects.ACCOUNT, externalId, null, 1, null)).getFirst();
    }

    @Test
    void aColumnMappingNamesTheColumnsOfEachField() throws IOException {
        Map<String, String> mapping = new LinkedHashMap<>();
        mapping.put("external_id", "Vendor No");
        mapping.put("name", "Vendor Name");
        ImportJob job = prepared(Action.MERGE, DuplicateHandling.IGNORE_ALL, "Vendor No,Vendor Name,Other\n42,Acme,x\n",
                mapping);

        ImportJob done = pipeline.process(job.id(), csv("Vendor No,Vendor Name,Other\n42,Acme,x\n"),
                ImportPipeline.Listener.NONE);

        assertThat(done.stats().created()).isEqualTo(1);
        assertThat(vendor("42").values()).containsOnlyKeys("name");
    }

    /** Files whose header names would feed one field from two columns, and the reason each import fails with. */
    static Stream<Arguments> ambiguousHeaders() {
        return Stream.of(
                Arguments.of("external_id,name,status,name\nq-1,First,active,Second\n",
                        "The file has 2 columns named \"name\" (read as name, name_2); say which one is name in"
                                + " column_mapping"),
                Arguments.of("External ID,name,external_id\nq-1,First,q-2\n",
                        "The columns \"External ID\" and \"external_id\" both match field external_id; say which"
                                + " one to read in column_mapping"));
    }

    @ParameterizedTest
    @MethodSource("ambiguousHeaders")
    void mappingByHeaderNamesFailsWhenTwoColumnsWouldFeedOneFieldRatherThanLeaveOneOut(String content, String reason)
            throws IOException {
        ImportJob job = prepared(Action.MERGE, DuplicateHandling.IGNORE_ALL, content);

        assertThat(job.status()).isEqualTo(Status.FAILED);
        assertThat(job.reason()).isEqualTo(reason);
        assertThat(job.phase(Phase.PREVALIDATION).status()).isEqualTo(PhaseStatus.FAILED);
        assertThat(vendorCount()).isZero();
    }

    @Test
    void aColumnMappingCanReadTheSecondOfTwoColumnsOfOneNameByItsSuffixedName() throws IOException {
        String content = "external_id,name,name\nq-1,First,Second\n";
        ImportJob job = prepared(Action.MERGE, DuplicateHandling.IGNORE_ALL, content,
                Map.of("external_id", "external_id", "name", "name_2"));

        ImportJob done = pipeline.process(job.id(), csv(content), ImportPipeline.Listener.NONE);

        assertThat(done.status()).isEqualTo(Status.COMPLETED);
        assertThat(vendor("q-1").values()).containsExactly(Map.entry("name", new Value.Text("Second")));
    }

    @Test
    void twoImportsOfOverlappingKeysAtTheSameTimeStoreEachKeyOnceAndAccountForEveryRow() throws Exception {
        StringBuilder a = new StringBuilder("external_id,name\n");
        StringBuilder b = new StringBuilder("external_id,name\n");
        for (int i = 0; i < 600; i++) {
            a.append("k-%04d,A %d\n".formatted(i, i));
            b.append("k-%04d,B %d\n".formatted(i + 300, i));
        }
        ImportJob jobA = prepared(Action.MERGE, DuplicateHandling.IGNORE_ALL, a.toString());
        ImportJob jobB = prepared(Action.MERGE, DuplicateHandling.IGNORE_ALL, b.toString());
        ImportPipeline.RowSource sourceA = csv(a.toString());
        ImportPipeline.RowSource sourceB = csv(b.toString());
        ImportPipeline big = new ImportPipeline(db, imports, records, new SchemaStore(clock), clock, 100);

        var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        var doneA = pool.submit(() -> big.process(jobA.id(), sourceA, ImportPipeline.Listener.NONE));
        var doneB = pool.submit(() -> big.process(jobB.id(), sourceB, ImportPipeline.Listener.NONE));
        ImportStats statsA = doneA.get(120, java.util.concurrent.TimeUnit.SECONDS).stats();
        ImportStats statsB = doneB.get(120, java.util.concurrent.TimeUnit.SECONDS).stats();
        pool.shutdown();

        assertThat(vendorCount()).isEqualTo(900);
        for (ImportStats s : List.of(statsA, statsB)) {
            assertThat(s.read()).isEqualTo(600);
            assertThat(s.failed()).isZero();
            assertThat(s.created() + s.updated() + s.unchanged()).isEqualTo(600);
        }
        assertThat(statsA.created() + statsB.created()).isEqualTo(900);
        assertThat(statsA.updated() + statsA.unchanged() + statsB.updated() + statsB.unchanged()).isEqualTo(300);
    }

    @Test
    void twoImportsUpdatingDifferentFieldsOfTheSameRecordsAtOnceLoseNeitherChange() throws Exception {
        StringBuilder seed = new StringBuilder("external_id,name\n");
        StringBuilder a = new StringBuilder("external_id,name,status\n");
        StringBuilder b = new StringBuilder("external_id,name,business_unit\n");
        for (int i = 0; i < 300; i++) {
            seed.append("k-%04d,V %d\n".formatted(i, i));
            a.append("k-%04d,V %d,active\n".formatted(i, i));
            b.append("k-%04d,V %d,Finance\n".formatted(i, i));
        }
        ImportJob first = prepared(Action.MERGE, DuplicateHandling.IGNORE_ALL, seed.toString());
        pipeline.process(first.id(), csv(seed.toString()), ImportPipeline.Listener.NONE);
        ImportJob jobA = prepared(Action.MERGE, DuplicateHandling.IGNORE_ALL, a.toString());
        ImportJob jobB = prepared(Action.MERGE, DuplicateHandling.IGNORE_ALL, b.toString());
        ImportPipeline big = new ImportPipeline(db, imports, records, new SchemaStore(clock), clock, 50);

        var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        var doneA = pool.submit(() -> big.process(jobA.id(), csv(a.toString()), ImportPipeline.Listener.NONE));
        var doneB = pool.submit(() -> big.process(jobB.id(), csv(b.toString()), ImportPipeline.Listener.NONE));
        ImportStats statsA = doneA.get(120, java.util.concurrent.TimeUnit.SECONDS).stats();
        ImportStats statsB = doneB.get(120, java.util.concurrent.TimeUnit.SECONDS).stats();
        pool.shutdown();

        assertThat(statsA.failed() + statsB.failed()).isZero();
        assertThat(statsA.updated()).isEqualTo(300);
        assertThat(statsB.updated()).isEqualTo(300);
        for (int i = 0; i < 300; i += 37) {
            assertThat(vendor("k-%04d".formatted(i)).values()).as("k-%04d", i).containsEntry("status",
                    new dev.freight.schema.Value.Text("active")).containsEntry("business_unit",
                    new dev.freight.schema.Value.Text("Finance"));
        }
    }

    /**
     * A row that creates its record (its external_id matched nothing when the chunk looked it up) while another writer
     * creates a record with that external_id and commits before the chunk's insert: the insert misses (PostgreSQL: the
     * chunk's insert waits for the other writer's uncommitted key, then finds it taken; a COPY of creates fails on the
     * unique key), the chunk runs again from a fresh look-up, and the row updates the other writer's record. No second
     * record, no lost row, no rejected row; the other writer's values the row does not map stay. SQLite's writers cannot
     * get between a chunk's look-up and its write (the chunk waits for the write lock before it reads): there the chunk
     * finds the record as it looks v-2 up, with the same outcome.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("creatingRowsRacingAnotherWriter")
    void aRowCreatingAKeyAnotherWriterCreatesMeanwhileUpdatesThatWritersRecord(String layout, String stored,
            String file, String awaited, ImportStats expected) throws Exception {
        if (!stored.isEmpty()) {
            run(Action.MERGE, DuplicateHandling.IGNORE_ALL, stored);
        }
        ImportJob job = prepared(Action.MERGE, DuplicateHandling.IGNORE_ALL, file);
        ImportPipeline.RowSource source = csv(file);
        List<String> othersId = new ArrayList<>();
        // The chunk finds no v-2, and its insert of v-2 waits for the other writer's.
        ImportJob done = processWhileAnotherWriterHolds(job, source, awaited,
                h -> othersId.add(records.upsert(h, org, BuiltInObjects.VENDOR, List.of(new RecordWrite("v-2", Map.of(
                        "name", new Value.Text("Someone else's"), "website", new Value.Text("https://beta.example")))))
                        .getFirst().id()),
                h -> {});

        assertThat(done.status()).isEqualTo(Status.COMPLETED);
        assertThat(done.stats()).isEqualTo(expected);
        assertThat(errors(done)).isEmpty();
        assertThat(vendorCount()).isEqualTo(expected.created() + expected.updated() + (stored.isEmpty() ? 0 : 1));
        assertThat(vendor("v-2").values()).containsOnly(Map.entry("name", new Value.Text("Beta")),
                Map.entry("website", new Value.Text("https://beta.example")));
        assertThat(vendor("v-2").id()).isEqualTo(othersId.getFirst());
    }

    static Stream<Arguments> creatingRowsRacingAnotherWriter() {
        String creates = "external_id,name\nv-2,Beta\nv-3,Gamma\nv-4,Delta\n";
        return Stream.of(
                Arguments.of("a chunk that also updates a stored record", "external_id,name\nv-1,Acme\nv-9,Iota\n",
                        "external_id,name\nv-1,Acme 2\nv-2,Beta\nv-3,Gamma\n", "with s as",
                        new ImportStats(3, 3, 1, 2, 0, 0, 0, 0)),
                Arguments.of("a chunk of creates only", "external_id,name\nv-9,Iota\n", creates, "copy records",
                        new ImportStats(3, 3, 2, 1, 0, 0, 0, 0)),
                Arguments.of("a first load, which looks no key up", "", creates, "copy records",
                        new ImportStats(3, 3, 2, 1, 0, 0, 0, 0)));
    }

    /**
     * The file workflow matching by external_id: a row that creates c-5 while another writer creates c-5 and commits
     * before the chunk's insert updates that writer's record on the chunk's next attempt (prefer_import: the row's
     * values win), as an Imports resource merge does.
     */
    @Test
    void aWorkflowRowCreatingAKeyAnotherWriterCreatesMeanwhileUpdatesThatWritersRecord() throws Exception {
        ImportJob done = workflowCreateRacingAnotherWriter(null);

        assertThat(done.status()).isEqualTo(Status.COMPLETED);
        assertThat(done.stats()).isEqualTo(new ImportStats(3, 3, 1, 2, 0, 0, 0, 0));
        assertThat(errors(done)).isEmpty();
        assertThat(contactValues(org)).containsExactly("c-1 displayName=Ann 2 email=ann@example.com",
                "null displayName=Bo email=bo@example.com", "c-5 displayName=Di email=di@example.com",
                "c-6 displayName=Ed email=ed@example.com");
    }

    /**
     * The file workflow matching by email: a row whose email matches nothing creates a record with its external_id
     * c-5, which another writer gives a record of another email and commits before the chunk's insert. On the chunk's
     * next attempt the row finds c-5 taken and is rejected as duplicate_external_id, as it would be had c-5 been stored
     * before the import; the chunk's other rows are written and the other writer's record is left as it wrote it.
     */
    @Test
    void aWorkflowRowMatchedByEmailCreatingAKeyAnotherWriterCreatesMeanwhileIsRejectedAlone() throws Exception {
        ImportJob done = workflowCreateRacingAnotherWriter(List.of("email"));

        assertThat(done.status()).isEqualTo(Status.COMPLETED);
        assertThat(done.stats()).isEqualTo(new ImportStats(3, 2, 1, 1, 0, 0, 0, 1));
        assertThat(errors(done)).containsExactly(new RowError(2, 1, 3, "c-5", "external_id", "duplicate_external_id",
                "external_id \"c-5\" already exists on a record that this row's email did not match; duplicateStrategy"
                        + " update would create a second record with it, so the row was not applied",
                "{\"external_id\":\"c-5\",\"displayName\":\"Di\",\"email\":\"di@example.com\"}"));
        assertThat(contactValues(org)).containsExactly("c-1 displayName=Ann 2 email=ann@example.com",
                "null displayName=Bo email=bo@example.com", "c-5 displayName=Someone else's email=zed@example.com",
                "c-6 displayName=Ed email=ed@example.com");
    }

    /**
     * Runs a file workflow import of contacts (update, matching by {@code matchFields}, null for the default) whose
     * second row creates c-5 while another writer creates c-5: on PostgreSQL the chunk's insert waits for the other
     * writer's uncommitted key, which then commits; on SQLite the other writer commits before the chunk begins.
     */
    private ImportJob workflowCreateRacingAnotherWriter(List<String> matchFields) throws Exception {
        contactsByEmail("external_id,displayName,email\nc-1,Ann,ann@example.com\n,Bo,bo@example.com\n");
        String file = """
                external_id,displayName,email
                c-1,Ann 2,ann@example.com
                c-5,Di,di@example.com
                c-6,Ed,ed@example.com
                """;
        ImportPipeline.RowSource source = csv(file);
        ImportJob job = workflowJob("contact", List.of("external_id", "displayName", "email"),
                ExecuteOptions.DuplicateStrategy.UPDATE, matchFields, source);
        // The chunk finds no c-5, and its insert of c-5 (a COPY of the chunk's creates) waits for the other writer's.
        return processWhileAnotherWriterHolds(job, source, "copy records",
                h -> records.upsert(h, org, BuiltInObjects.CONTACT, List.of(contact("c-5", "Someone else's",
                        "zed@example.com"))),
                h -> {});
    }

    /**
     * A delete row whose external_id matched nothing when the chunk looked it up, while another writer creates a record
     * with it: on PostgreSQL the other writer commits after the look-up began (which waits for its lock on v-1),
     * the row counts unchanged as a key with nothing to delete, and the other writer's record stays; the chunk's other
     * rows are deleted. On SQLite the chunk begins after the other writer's commit (it waits for the write lock), finds
     * v-2 and deletes it too. Either way no row fails and every row is accounted for.
     */
    @Test
    void aDeleteRowWhoseKeyAnotherWriterCreatesMeanwhileIsCountedAndNothingFails() throws Exception {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name\nv-1,Acme\nv-3,Gamma\n");
        String v1 = vendor("v-1").id();
        String file = "external_id\nv-1\nv-2\nv-3\n";
        ImportJob job = prepared(Action.DELETE, DuplicateHandling.IGNORE_ALL, file);
        ImportPipeline.RowSource source = csv(file);
        // Holds v-1's row (PostgreSQL) or the write lock (SQLite) without changing the record, and creates v-2. The
        // chunk looks v-1, v-2 and v-3 up under their locks, waits for v-1, and finds v-1 and v-3.
        ImportJob done = processWhileAnotherWriterHolds(job, source, RECORD_LOCK, h -> {
            h.update("update records set version = version where organization_id = ? and id = ?", org, v1);
            records.upsert(h, org, BuiltInObjects.VENDOR, List.of(new RecordWrite("v-2", Map.of("name",
                    new Value.Text("Someone else's")))));
        }, h -> {});

        assertThat(done.status()).isEqualTo(Status.COMPLETED);
        assertThat(errors(done)).isEmpty();
        if (databases() == TestDatabases.POSTGRESQL) {
            assertThat(done.stats()).isEqualTo(new ImportStats(3, 3, 0, 0, 1, 2, 0, 0));
            assertThat(ids("v-1", "v-2", "v-3")).containsOnlyKeys("v-2");
            assertThat(vendor("v-2").values()).containsOnly(Map.entry("name", new Value.Text("Someone else's")));
        } else {
            assertThat(done.stats()).isEqualTo(new ImportStats(3, 3, 0, 0, 0, 3, 0, 0));
            assertThat(ids("v-1", "v-2", "v-3")).isEmpty();
        }
    }

    /**
     * Processes {@code job} on a thread of its own while another writer, in a transaction of its own, has done
     * {@code first} and not committed: once the import's statement that begins with {@code awaited} waits for that
     * writer's locks (PostgreSQL; SQLite's import waits for the write lock before it reads anything, so
     * {@link TestDatabases#awaitLockWaiter} returns at once there), the writer does {@code then} and commits. Returns
     * the import as it ended.
     */
    private ImportJob processWhileAnotherWriterHolds(ImportJob job, ImportPipeline.RowSource source, String awaited,
            Consumer<Handle> first, Consumer<Handle> then) throws Exception {
        ExecutorService worker = Executors.newSingleThreadExecutor();
        try {
            Future<ImportJob> run = db.inTransaction(h -> {
                first.accept(h);
                Future<ImportJob> started = worker.submit(() -> pipeline.process(job.id(), source,
                        ImportPipeline.Listener.NONE));
                databases().awaitLockWaiter(db, awaited);
                then.accept(h);
                return started;
            });
            return run.get(60, TimeUnit.SECONDS);
        } finally {
            worker.shutdownNow();
        }
    }

    /**
     * An import deletes v-2 (a delete row, or an overwrite's cleanup, as v-2 is not in the file) while another writer
     * updates or deletes v-2 and commits meanwhile. On PostgreSQL a delete chunk reads its records under their locks
     * ({@code RecordStore.existingToDelete}): it waits for the other writer and reads v-2 as that writer left it, in
     * one attempt (before, it read v-2 first, missed the version it read and ran again); so does the cleanup's page
     * ({@code RecordStore.unseenToDelete}; before, it read v-2, then waited for its lock, missed the version it read
     * and ran again: one lost race). Either way an updated v-2 is deleted with the other
     * writer's values in the change log, and rollback restores exactly those; a deleted v-2 counts as a key with
     * nothing to delete (a delete row: {@code unchanged}; the cleanup: not at all), and rollback does not bring it
     * back. Before, the delete removed v-2
     * by id whatever its version and logged the values read before the other writer's update, which rollback then
     * restored over that writer's update (or re-created the record that writer had deleted). SQLite's import waits for
     * the write lock before it reads anything, so there it reads v-2 as the other writer left it, with the same outcome.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("deletesRacingAnotherWriter")
    void aDeleteOfARecordAnotherWriterChangesMeanwhileLogsTheValuesItDeleted(String layout, Action action,
            String file, boolean otherDeletes, ImportStats expected) throws Exception {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name\nv-1,Acme\nv-2,Beta\nv-3,Gamma\n");
        Map<String, String> before = ids("v-1", "v-2", "v-3");
        ImportJob job = prepared(action, DuplicateHandling.IGNORE_ALL, file);
        ImportPipeline.RowSource source = csv(file);
        List<StoreException> lost = new CopyOnWriteArrayList<>();
        pipeline.lostRace(lost::add);
        ImportJob done = processWhileAnotherWriterHolds(job, source, RECORD_LOCK, h -> {
            if (otherDeletes) {
                records.delete(h, org, List.of(before.get("v-2")));
            } else {
                records.upsert(h, org, BuiltInObjects.VENDOR, List.of(new RecordWrite("v-2", Map.of("name",
                        new Value.Text("Someone else's"), "website", new Value.Text("https://beta.example")))));
            }
        }, h -> {});

        assertThat(done.status()).isEqualTo(Status.COMPLETED);
        assertThat(done.stats()).isEqualTo(expected);
        assertThat(errors(done)).isEmpty();
        assertThat(done.phase(Phase.CLEANUP).rows()).isEqualTo(action == Action.OVERWRITE ? expected.deleted() : 0);
        assertThat(lost).isEmpty();
        assertThat(ids("v-1", "v-2", "v-3").keySet()).containsExactlyInAnyOrderElementsOf(
                action == Action.OVERWRITE ? List.of("v-1", "v-3") : List.of());

        ImportRollback.Result undone = rollback.rollback(done, "key_test");

        assertThat(undone.restored()).isEqualTo((int) expected.deleted());
        assertThat(undone.deleted()).isZero();
        assertThat(undone.conflicts()).isEmpty();
        assertThat(vendor("v-1").values()).containsOnly(Map.entry("name", new Value.Text("Acme")));
        assertThat(vendor("v-3").values()).containsOnly(Map.entry("name", new Value.Text("Gamma")));
        if (otherDeletes) {
            assertThat(ids("v-1", "v-2", "v-3")).isEqualTo(Map.of("v-1", before.get("v-1"), "v-3",
                    before.get("v-3")));
        } else {
            assertThat(ids("v-1", "v-2", "v-3")).isEqualTo(before);
            assertThat(vendor("v-2").values()).containsOnly(Map.entry("name", new Value.Text("Someone else's")),
                    Map.entry("website", new Value.Text("https://beta.example")));
        }
    }

    static Stream<Arguments> deletesRacingAnotherWriter() {
        String deletes = "external_id\nv-1\nv-2\nv-3\n";
        String overwrite = "external_id,name\nv-1,Acme\nv-3,Gamma\n";
        return Stream.of(
                Arguments.of("a delete row, another writer updating the record", Action.DELETE, deletes, false,
                        new ImportStats(3, 3, 0, 0, 0, 3, 0, 0)),
                Arguments.of("a delete row, another writer deleting the record", Action.DELETE, deletes, true,
                        new ImportStats(3, 3, 0, 0, 1, 2, 0, 0)),
                Arguments.of("an overwrite's cleanup, another writer updating the record", Action.OVERWRITE, overwrite,
                        false, new ImportStats(2, 2, 0, 0, 2, 1, 0, 0)),
                Arguments.of("an overwrite's cleanup, another writer deleting the record", Action.OVERWRITE,
                        overwrite, true, new ImportStats(2, 2, 0, 0, 2, 0, 0, 0)));
    }

    /**
     * An overwrite whose file has the first of three stored records of {@code object} (vendors, which services refer
     * to, or contacts, which nothing refers to), so its cleanup's page has the other two unseen, runs while another
     * writer has changed the second (its version) and not committed. The page reads its unseen records under their
     * locks, in id order ({@code RecordStore.unseenToDelete}): on PostgreSQL it waits for the writer's commit, reads
     * the second at the version that writer left, and deletes both in one attempt, logging version 2; rollback restores
     * both. Before, the page read them first and locked them after (vendors: {@code StillReferred}; contacts: the
     * delete itself): it waited there, its delete at the version read before missed, and the page ran again (one lost
     * race, a second delete of both). On SQLite the page takes the write lock before it reads.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("threeStoredRecords")
    void aCleanupPageThatWaitedForAWriterOfItsRecordsDeletesThemInOneAttempt(String object, String stored)
            throws Exception {
        ImportJob seeded = pipeline.prepare(uploaded(object, Action.MERGE, DuplicateHandling.IGNORE_ALL, null).id(),
                csv(stored));
        assertThat(pipeline.process(seeded.id(), csv(stored), ImportPipeline.Listener.NONE).stats())
                .isEqualTo(new ImportStats(3, 3, 3, 0, 0, 0, 0, 0));
        List<String> keys = stored.lines().skip(1).map(line -> line.substring(0, line.indexOf(','))).toList();
        Map<String, String> before = db.withHandle((Handle h) -> records.idsByExternalId(h, org, object, keys));
        String file = stored.lines().limit(2).collect(Collectors.joining("\n", "", "\n"));
        ImportJob job = pipeline.prepare(uploaded(object, Action.OVERWRITE, DuplicateHandling.IGNORE_ALL, null).id(),
                csv(file));
        List<List<String>> deletes = new ArrayList<>();
        pipeline.beforeCleanupDelete(toDelete -> deletes.add(toDelete.stream().map(RecordStore.Existing::externalId)
                .toList()));
        List<StoreException> lost = new CopyOnWriteArrayList<>();
        pipeline.lostRace(lost::add);

        ImportJob done = processWhileAnotherWriterHolds(job, csv(file), "",
                h -> h.update(OTHER_WRITER_CHANGE, org, before.get(keys.get(1))), h -> {});

        assertCompletedDeletingTheOtherTwo(done);
        assertThat(deletes).isEqualTo(List.of(keys.subList(1, 3)));
        assertThat(lost).isEmpty();
        assertThat(db.withHandle((Handle h) -> records.idsByExternalId(h, org, object, keys)))
                .isEqualTo(Map.of(keys.getFirst(), before.get(keys.getFirst())));
        Map<String, Change> logged = db.withHandle((Handle h) -> imports.changes(h, done.id(), before.values()));
        assertThat(logged.values().stream().map(c -> List.of(c.kind(), c.externalId(), c.previousVersion())))
                .containsExactlyInAnyOrder(List.of("deleted", keys.get(1), 2L), List.of("deleted", keys.get(2), 1L));

        ImportRollback.Result undone = rollback.rollback(done, "key_test");

        assertThat(undone.restored()).isEqualTo(2);
        assertThat(undone.conflicts()).isEmpty();
        assertThat(db.withHandle((Handle h) -> records.idsByExternalId(h, org, object, keys))).isEqualTo(before);
    }

    static Stream<Arguments> threeStoredRecords() {
        return Stream.of(
                Arguments.of("vendor", "external_id,name\nv-1,Acme\nv-2,Beta\nv-3,Gamma\n"),
                Arguments.of("contact", "external_id,displayName,email\nc-1,Ann,ann@example.com\n"
                        + "c-2,Bob,bob@example.com\nc-3,Cid,cid@example.com\n"));
    }

    /**
     * An overwrite of v-1 over v-1 to v-3 whose cleanup page (v-2 and v-3 unseen) loses its one attempt, so each unseen
     * record is read again in a transaction of its own; before v-2's, another writer commits {@code otherWriter} (no
     * transaction of the cleanup is open then, so this runs on SQLite too). The cleanup deletes exactly what the
     * import did not contain as of its own read of each record, counts what it deleted, and leaves only what has no
     * key: a record re-keyed (ahead of the walk or behind it) is deleted once and not counted left (before, it was
     * counted left, and deleted by the next page when its key was ahead); a record re-keyed into the file's keys stays
     * and is not counted (before, counted left); a record created again under the key the page read is deleted
     * (before, it stayed); one whose key was taken stays and is counted left.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cleanupRacingAnotherWriterOneAtATime")
    void theOneAtATimeCleanupDeletesWhatTheImportDidNotContainAsOfItsOwnRead(String what,
            OtherWriterChange otherWriter, List<List<String>> expectedDeletes, long deleted, String reason,
            Map<String, String> remaining) throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name\nv-1,Acme\nv-2,Beta\nv-3,Gamma\n");
        Map<String, String> before = ids("v-1", "v-2", "v-3");
        String file = "external_id,name\nv-1,Acme\n";
        ImportJob job = prepared(Action.OVERWRITE, DuplicateHandling.IGNORE_ALL, file);
        pipeline.cleanupPageAttempts(1);
        List<List<String>> deletes = new ArrayList<>();
        pipeline.beforeCleanupDelete(toDelete -> {
            deletes.add(toDelete.stream().map(RecordStore.Existing::externalId).toList());
            if (deletes.size() == 1) {
                // What a page that lost its race throws (SQLite's page, holding the write lock, cannot lose one).
                throw new StoreException("transient_conflict", "1 of 2 records changed or were deleted while they"
                        + " were being deleted", null);
            }
        });
        pipeline.beforeCleanupRecord(record -> {
            if (record.externalId().equals("v-2")) {
                db.inTransaction(h -> {
                    otherWriter.apply(h, records, org, before);
                    return null;
                });
            }
        });

        ImportJob done = pipeline.process(job.id(), csv(file), ImportPipeline.Listener.NONE);

        assertThat(deletes).isEqualTo(expectedDeletes);
        assertThat(done.status()).isEqualTo(Status.COMPLETED);
        assertThat(done.reason()).isNull();
        assertThat(errors(done)).isEmpty();
        assertThat(done.stats()).isEqualTo(new ImportStats(1, 1, 0, 0, 1, deleted, 0, 0));
        assertThat(done.phase(Phase.CLEANUP).status()).isEqualTo(PhaseStatus.COMPLETED);
        assertThat(done.phase(Phase.CLEANUP).rows()).isEqualTo(deleted);
        assertThat(done.phase(Phase.CLEANUP).reason()).isEqualTo(reason);
        assertThat(load(done.id()).phase(Phase.CLEANUP)).isEqualTo(done.phase(Phase.CLEANUP));
        assertThat(load(done.id()).stats()).isEqualTo(done.stats());
        assertThat(vendorNamesByKey()).isEqualTo(remaining);

        ImportRollback.Result undone = rollback.rollback(done, "key_test");

        assertThat(undone.restored()).isEqualTo((int) deleted);
        assertThat(undone.conflicts()).isEmpty();
    }

    /**
     * An overwrite of v-1 over v-1 to v-7 whose first two cleanup pages (keys v-1 to v-3, v-4 to v-6; the third has v-7
     * alone) lose their one attempt, so each unseen record is read again in a transaction of its own; before those of
     * v-2, v-3 and v-5, another writer takes their external_id, so the cleanup leaves them. The left records go to
     * import_deferred with their page: after each page the cleanup holds only that page's (2, 1, 0), and the reason
     * counts all three. Before, a set in memory held every record left so far (2, 3, 3), growing with every page of a
     * busy object.
     */
    @Test
    void theRecordsTheCleanupLeavesSinceOtherWritersKeptChangingThemAreNotHeldInMemoryAcrossPages()
            throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name\nv-1,Acme\nv-2,Beta\nv-3,Gamma\n"
                + "v-4,Delta\nv-5,Epsilon\nv-6,Zeta\nv-7,Eta\n");
        Map<String, String> before = ids("v-1", "v-2", "v-3", "v-4", "v-5", "v-6", "v-7");
        String file = "external_id,name\nv-1,Acme\n";
        ImportJob job = prepared(Action.OVERWRITE, DuplicateHandling.IGNORE_ALL, file);
        pipeline.cleanupPageAttempts(1);
        pipeline.beforeCleanupDelete(toDelete -> {
            if (toDelete.size() > 1) {
                // What a page that lost its race throws (SQLite's page, holding the write lock, cannot lose one).
                throw new StoreException("transient_conflict", "1 of 2 records changed or were deleted while they"
                        + " were being deleted", null);
            }
        });
        pipeline.beforeCleanupRecord(record -> {
            if (List.of("v-2", "v-3", "v-5").contains(record.externalId())) {
                db.inTransaction(h -> {
                    records.clearExternalIds(h, org, List.of(before.get(record.externalId())));
                    return null;
                });
            }
        });
        List<Integer> held = new ArrayList<>();
        pipeline.cleanupPageLeft(held::add);

        ImportJob done = pipeline.process(job.id(), csv(file), ImportPipeline.Listener.NONE);

        assertThat(held).containsExactly(2, 1, 0);
        assertThat(done.status()).isEqualTo(Status.COMPLETED);
        assertThat(done.stats()).isEqualTo(new ImportStats(1, 1, 0, 0, 1, 3, 0, 0));
        assertThat(done.phase(Phase.CLEANUP).rows()).isEqualTo(3);
        assertThat(done.phase(Phase.CLEANUP).reason()).isEqualTo("3 records the import did not contain were not"
                + " deleted, since other writers kept changing them while the cleanup deleted them");
        assertThat(load(done.id()).phase(Phase.CLEANUP)).isEqualTo(done.phase(Phase.CLEANUP));
        assertThat(ids("v-1", "v-2", "v-3", "v-4", "v-5", "v-6", "v-7")).isEqualTo(Map.of("v-1", before.get("v-1")));
        List<String> keyless = db.withHandle((Handle h) -> h.query("select id from records where organization_id = ?"
                + " and object = 'vendor' and external_id is null order by id", rs -> rs.getString(1), org));
        assertThat(keyless).containsExactlyInAnyOrder(before.get("v-2"), before.get("v-3"), before.get("v-5"));
        assertThat(db.withHandle((Handle h) -> imports.deferredCount(h, done.id()))).isZero();
    }

    /**
     * An overwrite of v-1 over v-1 to v-7 cancelled after its cleanup's first page (keys v-1 to v-3: v-2 deleted, v-3
     * kept since service s-1 refers to it) stops before the second: the reason counts the one row committed and no row
     * put off. Before, the record the cleanup kept in import_deferred was counted as a put-off row not written, and the
     * committed rows were one fewer.
     */
    @Test
    void aCancelDuringTheCleanupDoesNotCountTheRecordsItKeepsAsPutOffRows() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name\nv-1,Acme\nv-2,Beta\nv-3,Gamma\n"
                + "v-4,Delta\nv-5,Epsilon\nv-6,Zeta\nv-7,Eta\n");
        runServices("external_id,name,vendor\ns-1,Payments,v-3\n");
        String file = "external_id,name\nv-1,Acme\n";
        ImportJob job = prepared(Action.OVERWRITE, DuplicateHandling.IGNORE_ALL, file);
        List<List<String>> deletes = new ArrayList<>();
        pipeline.beforeCleanupDelete(toDelete -> deletes.add(toDelete.stream().map(RecordStore.Existing::externalId)
                .toList()));
        // Once the first page is done, outside its transaction (SQLite's page holds the write lock).
        pipeline.cleanupPageLeft(held -> db.withHandle(h -> imports.requestCancel(h, org, job.id(), "key_canceller")));

        ImportJob done = pipeline.process(job.id(), csv(file), ImportPipeline.Listener.NONE);

        assertThat(deletes).containsExactly(List.of("v-2"));
        assertThat(done.status()).isEqualTo(Status.FAILED);
        assertThat(done.reason()).isEqualTo("Cancelled on request; 1 rows committed before it stopped are kept");
        assertThat(done.stats()).isEqualTo(new ImportStats(1, 1, 0, 0, 1, 1, 0, 0));
        assertThat(ids("v-1", "v-2", "v-3", "v-4")).containsOnlyKeys("v-1", "v-3", "v-4");
    }

    /** Every stored vendor's name by its external_id ({@code (no external_id)} for one without). */
    Map<String, String> vendorNamesByKey() {
        Map<String, String> names = new HashMap<>();
        db.withHandle(h -> {
            h.forEach("select external_id, data from records where organization_id = ? and object = 'vendor'",
                    rs -> names.put(rs.getString(1) == null ? "(no external_id)" : rs.getString(1),
                            ValueJson.readObject(rs.getString(2)).get("name").toString()), org);
            return null;
        });
        return names;
    }

    /** A change another writer commits, in the transaction given, to the records stored before (key to id). */
    @FunctionalInterface
    interface OtherWriterChange {
        void apply(Handle h, RecordStore records, String org, Map<String, String> before);
    }

    /** Another writer's change of a record's external_id, from {@code from} to {@code to}. */
    static OtherWriterChange rekey(String from, String to) {
        return (h, records, org, before) -> h.update("update records set external_id = ?, version = version + 1"
                + " where organization_id = ? and id = ?", to, org, before.get(from));
    }

    static Stream<Arguments> cleanupRacingAnotherWriterOneAtATime() {
        String left = "1 record the import did not contain was not deleted, since other writers kept changing it while"
                + " the cleanup deleted it";
        OtherWriterChange fileKey = (h, records, org, before) -> {
            h.update("delete from records where organization_id = ? and id = ?", org, before.get("v-1"));
            rekey("v-2", "v-1").apply(h, records, org, before);
        };
        OtherWriterChange createdAgain = (h, records, org, before) -> {
            h.update("delete from records where organization_id = ? and id = ?", org, before.get("v-2"));
            records.upsert(h, org, BuiltInObjects.VENDOR, List.of(new RecordWrite("v-2",
                    Map.of("name", new Value.Text("Beta again")))));
        };
        OtherWriterChange keyTaken = (h, records, org, before) -> records.clearExternalIds(h, org,
                List.of(before.get("v-2")));
        return Stream.of(
                Arguments.of("v-2 re-keyed to v-9, ahead of the walk", rekey("v-2", "v-9"),
                        List.of(List.of("v-2", "v-3"), List.of("v-9"), List.of("v-3")), 2L, null,
                        Map.of("v-1", "Acme")),
                Arguments.of("v-2 re-keyed to v-0, behind the walk", rekey("v-2", "v-0"),
                        List.of(List.of("v-2", "v-3"), List.of("v-0"), List.of("v-3")), 2L, null,
                        Map.of("v-1", "Acme")),
                Arguments.of("v-1 deleted and v-2 re-keyed to v-1, a key of the file", fileKey,
                        List.of(List.of("v-2", "v-3"), List.of("v-3")), 1L, null, Map.of("v-1", "Beta")),
                Arguments.of("v-2 deleted and created again", createdAgain,
                        List.of(List.of("v-2", "v-3"), List.of("v-2"), List.of("v-3")), 2L, null,
                        Map.of("v-1", "Acme")),
                Arguments.of("v-2's external_id taken", keyTaken,
                        List.of(List.of("v-2", "v-3"), List.of("v-3")), 1L, left,
                        Map.of("v-1", "Acme", "(no external_id)", "Beta")));
    }

    /**
     * The references to the records being deleted, found by the database: among 2,000 services that refer to a vendor
     * kept (by their vendor and their dependencies), a few services and an assessment refer to v-1 to v-3, once or
     * several times, in one field or two, beside references to a service and to the kept vendor. The scan hands back
     * each referring record's reference to each of them once, in the first field naming it, by record and in the order
     * its field holds them, and reads only their rows (7, or 6 without s-d's, which the import that created v-1 to v-3
     * created too); before, it read every record of the two objects (2,005) and decoded those naming a vendor.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"among ids", "created by the import"})
    void referringRecordsReadsOnlyTheReferencesToTheRecordsBeingDeleted(String referred) {
        String importId = "imp_cleanup";
        Map<String, String> vendors = new HashMap<>();
        db.inTransaction(h -> {
            records.upsert(h, org, BuiltInObjects.VENDOR, List.of(vendorWrite("v-keep")));
            records.upsert(h, org, BuiltInObjects.VENDOR, List.of(vendorWrite("v-1"), vendorWrite("v-2"),
                    vendorWrite("v-3")), importId);
            vendors.putAll(records.idsByExternalId(h, org, "vendor", List.of("v-keep", "v-1", "v-2", "v-3")));
            List<RecordWrite> unrelated = new ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                unrelated.add(serviceWrite("s-%04d".formatted(i), vendors, "v-keep", List.of("v-keep")));
            }
            records.upsert(h, org, BuiltInObjects.SERVICE, unrelated);
            records.upsert(h, org, BuiltInObjects.SERVICE, List.of(serviceWrite("s-a", vendors, "v-1", List.of())));
            vendors.putAll(records.idsByExternalId(h, org, "service", List.of("s-a")));
            records.upsert(h, org, BuiltInObjects.SERVICE, List.of(
                    serviceWrite("s-b", vendors, "v-keep", List.of("v-2", "s-a", "v-1")),
                    serviceWrite("s-c", vendors, "v-2", List.of("v-2"))));
            records.upsert(h, org, BuiltInObjects.SERVICE, List.of(serviceWrite("s-d", vendors, "v-1", List.of())),
                    importId);
            return records.upsert(h, org, BuiltInObjects.ASSESSMENT, List.of(new RecordWrite("a-1", Map.of(
                    "name", new Value.Text("Review"), "vendor", vendorRef("v-3", vendors)))));
        });
        Map<String, String> keys = new HashMap<>();
        vendors.forEach((key, id) -> keys.put(id, key));
        boolean among = referred.equals("among ids");
        RecordStore.Referred which = among
                ? new RecordStore.Referred.Among(List.of(vendors.get("v-1"), vendors.get("v-2"), vendors.get("v-3")))
                : new RecordStore.Referred.CreatedBy(importId);
        ReferringRecords referring = new ReferringRecords(db.withHandle(h -> new SchemaStore(clock).schema(h, org)),
                Set.of("vendor"));
        List<String> found = new ArrayList<>();

        long read = db.inTransaction(h -> referring.scan(records, h, org, which, among ? null : importId,
                r -> found.add(r.object().slug() + " " + r.fromExternalId() + " " + r.field().slug() + " "
                        + keys.get(r.to()))));

        List<String> expected = new ArrayList<>(List.of("assessment a-1 vendor v-3", "service s-a vendor v-1",
                "service s-b dependencies v-2", "service s-b dependencies v-1", "service s-c vendor v-2"));
        if (among) {
            expected.add("service s-d vendor v-1");
        }
        assertThat(found).containsExactlyElementsOf(expected);
        assertThat(read).isEqualTo(among ? 7 : 6);
    }

    /**
     * The references to the records a chunk deletes, as the database counts them: 300 services refer to v-1 (by
     * their vendor, s-0000 by its dependencies too), and s-x to v-2 in its dependencies only; v-3 refers to nothing
     * and v-2 and v-3 are referred to by no candidate. What comes back is one answer per candidate referred to (2),
     * however many records refer to it; before, every reference came back (301).
     */
    @Test
    void stillReferredHoldsOneAnswerPerRecordReferredToHoweverManyRecordsReferToIt() {
        Map<String, String> ids = new HashMap<>();
        db.inTransaction(h -> {
            records.upsert(h, org, BuiltInObjects.VENDOR, List.of(vendorWrite("v-1"), vendorWrite("v-2"),
                    vendorWrite("v-3")));
            ids.putAll(records.idsByExternalId(h, org, "vendor", List.of("v-1", "v-2", "v-3")));
            List<RecordWrite> services = new ArrayList<>();
            services.add(serviceWrite("s-0000", ids, "v-1", List.of("v-1")));
            for (int i = 1; i < 300; i++) {
                services.add(serviceWrite("s-%04d".formatted(i), ids, "v-1", List.of()));
            }
            records.upsert(h, org, BuiltInObjects.SERVICE, services);
            return records.upsert(h, org, BuiltInObjects.SERVICE, List.of(new RecordWrite("s-x", Map.of(
                    "name", new Value.Text("Search"), "dependencies", new Value.Many(List.of(vendorRef("v-2",
                            ids)))))));
        });
        String first = db.withHandle(h -> h.queryFirst("select min(id) from records where organization_id = ?"
                + " and object = 'service' and external_id like 's-0%'", rs -> rs.getString(1), org)).orElseThrow();
        String search = db.withHandle(h -> records.idsByExternalId(h, org, "service", List.of("s-x"))).get("s-x");
        StillReferred referred = new StillReferred(db.withHandle(h -> new SchemaStore(clock).schema(h, org)),
                BuiltInObjects.VENDOR);

        StillReferred.Found found = db.inTransaction(h -> referred.references(records, h, org,
                Set.of(ids.get("v-1"), ids.get("v-2"), ids.get("v-3")), null));

        assertThat(found.held()).isEqualTo(2);
        assertThat(StillReferred.kept(found, o -> false)).containsExactly(
                Map.entry(ids.get("v-1"), new StillReferred.Keeper("service", first, "vendor", 300)),
                Map.entry(ids.get("v-2"), new StillReferred.Keeper("service", search, "dependencies", 1)));
    }

    private static RecordWrite vendorWrite(String key) {
        return new RecordWrite(key, Map.of("name", new Value.Text("Vendor " + key)));
    }

    private static Value.Ref vendorRef(String key, Map<String, String> ids) {
        return new Value.Ref(key, key.startsWith("s-") ? "service" : "vendor", ids.get(key));
    }

    private static RecordWrite serviceWrite(String key, Map<String, String> ids, String vendor,
            List<String> dependencies) {
        Map<String, Value> values = new LinkedHashMap<>();
        values.put("name", new Value.Text("Service " + key));
        values.put("vendor", vendorRef(vendor, ids));
        if (!dependencies.isEmpty()) {
            values.put("dependencies", new Value.Many(dependencies.stream().map(d -> (Value) vendorRef(d, ids))
                    .toList()));
        }
        return new RecordWrite(key, values);
    }

    /** What another writer does in the race tests: a change only a version check sees. */
    private static final String OTHER_WRITER_CHANGE = "update records set version = version + 1 where organization_id"
            + " = ? and id = ?";

    long version(String recordId) {
        return db.withHandle(h -> h.queryFirst("select version from records where organization_id = ? and id = ?",
                rs -> rs.getLong(1), org, recordId)).orElseThrow();
    }

    @Test
    void aRunThatAnotherWorkerTookOverStopsWithoutCommittingAndTheNewRunFinishesTheImport() throws IOException {
        StringBuilder csv = new StringBuilder("external_id,name\n");
        for (int i = 0; i < 10; i++) {
            csv.append("t-%02d,Vendor %d\n".formatted(i, i));
        }
        ImportJob job = prepared(Action.MERGE, DuplicateHandling.IGNORE_ALL, csv.toString());
        ImportPipeline.Listener takeOverAfterFirstChunk = committed -> {
            if (committed.checkpoint() == 3) {
                db.inTransaction(h -> imports.claim(h, job.id(), "another-worker"));
            }
        };

        assertThatThrownBy(() -> pipeline.process(job.id(), csv(csv.toString()), takeOverAfterFirstChunk))
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.isSuperseded()).isTrue());
        assertThat(load(job.id()).checkpoint()).isEqualTo(3);
        assertThat(load(job.id()).stats().created()).isEqualTo(3);
        assertThat(vendorCount()).isEqualTo(3);

        ImportJob done = pipeline.process(job.id(), csv(csv.toString()), ImportPipeline.Listener.NONE);

        assertThat(done.status()).isEqualTo(Status.COMPLETED);
        assertThat(done.stats().read()).isEqualTo(10);
        assertThat(done.stats().created()).isEqualTo(10);
        assertThat(done.stats().unchanged()).isZero();
        assertThat(vendorCount()).isEqualTo(10);
    }

    @Test
    void anImportWhoseUploadNeverArrivedExpiresWithItsUploadUrl() {
        ImportJob waiting = jobs.requested(new ImportJobs.Request(org, "vendor", "imports", UploadMode.ASYNC,
                Action.MERGE, DuplicateHandling.IGNORE_ALL, null, "key_test", null), START.plus(Duration.ofHours(1)));
        db.inTransaction(h -> {
            imports.create(h, waiting);
            return null;
        });
        var tasks = new dev.freight.jobs.ImportTasks(db, imports, pipeline,
                new UploadSources(new dev.freight.store.UploadStore(dir), db, imports),
                new dev.freight.store.MappingMemoryStore(clock), clock, Duration.ofSeconds(10));

        tasks.expireStaleUploads();
        assertThat(load(waiting.id()).status()).isEqualTo(Status.REQUESTED);
        clock.advance(Duration.ofMinutes(61));
        tasks.expireStaleUploads();

        ImportJob expired = load(waiting.id());
        assertThat(expired.status()).isEqualTo(Status.EXPIRED);
        assertThat(expired.reason()).isEqualTo(
                "No upload arrived before the upload URL expired at 2025-03-01T10:00:00Z");
        assertThat(expired.phases()).allSatisfy(p -> {
            assertThat(p.status()).isEqualTo(PhaseStatus.SKIPPED);
            assertThat(p.reason()).isEqualTo(expired.reason());
            assertThat(p.finishedAt()).isEqualTo(START.plus(Duration.ofMinutes(61)));
        });
    }

    /** A recorded async merge of vendors whose upload is an XLSX (the test writes it under the upload's path). */
    private ImportJob xlsxImport() {
        ImportJob job = jobs.requested(new ImportJobs.Request(org, "vendor", "imports", UploadMode.ASYNC, Action.MERGE,
                DuplicateHandling.IGNORE_ALL, "test", "key_test", null), START.plus(Duration.ofHours(1)))
                .withUpload("sha", "xlsx", "vendors.xlsx", null).withDeadline(START.plus(Duration.ofHours(1)));
        db.inTransaction(h -> {
            imports.create(h, job);
            return null;
        });
        return job;
    }

    /**
     * An XLSX upload's merged cells are found once per import: prevalidation scans the sheet for them, and processing,
     * which reads the file again, fills its rows from the blocks that scan found.
     */
    @Test
    void anXlsxImportScansItsSheetForMergedCellsOnceAndFillsThemOnEveryRead() throws IOException {
        UploadStore uploads = new UploadStore(dir.resolve("uploads"));
        ImportJob job = xlsxImport();
        Path file = uploads.path(job.id());
        Files.createDirectories(file.getParent());
        try (var out = Files.newOutputStream(file)) {
            var workbook = new org.dhatim.fastexcel.Workbook(out, "test", "1.0");
            var sheet = workbook.newWorksheet("Vendors");
            String[][] rows = {{"external_id", "name", "status"}, {"v-1", "Acme", "active"}, {"v-2", "Beta", null},
                {"v-3", "Gamma", "onboarding"}, {"v-4", "Delta", null}};
            for (int r = 0; r < rows.length; r++) {
                for (int c = 0; c < 3; c++) {
                    if (rows[r][c] != null) {
                        sheet.value(r, c, rows[r][c]);
                    }
                }
            }
            sheet.range(1, 2, 2, 2).merge();
            sheet.range(3, 2, 4, 2).merge();
            workbook.finish();
        }
        AtomicInteger opens = new AtomicInteger();
        UploadSources sources = new UploadSources(uploads, db, imports);
        ImportPipeline.RowSource source = () -> {
            opens.incrementAndGet();
            return sources.of(load(job.id())).open();
        };
        long before = dev.freight.ingest.MergedCellScans.count();

        ImportJob prepared = pipeline.prepare(job.id(), source);
        ImportJob done = pipeline.process(job.id(), source, ImportPipeline.Listener.NONE);

        assertThat(prepared.status()).isEqualTo(Status.QUEUED);
        assertThat(done.status()).isEqualTo(Status.COMPLETED);
        assertThat(done.stats()).isEqualTo(new ImportStats(4, 4, 4, 0, 0, 0, 0, 0));
        assertThat(opens.get()).isEqualTo(2);
        assertThat(dev.freight.ingest.MergedCellScans.count() - before).isEqualTo(1);
        assertThat(Stream.of("v-1", "v-2", "v-3", "v-4").map(k -> vendor(k).values().get("status").toString()))
                .containsExactly("Text[value=active]", "Text[value=active]", "Text[value=onboarding]",
                        "Text[value=onboarding]");
    }

    /**
     * An XLSX upload whose sheet declares the dimension A1, or none, as streaming writers leave it, although it holds
     * five rows of three columns: prevalidation counts every row and finds every column, and every row is imported
     * with every cell.
     */
    @ParameterizedTest(name = "dimension {0}")
    @NullSource
    @ValueSource(strings = "A1")
    void anXlsxImportReadsEveryRowAndColumnWhateverItsSheetsDimensionSays(String dimension) throws IOException {
        UploadStore uploads = new UploadStore(dir.resolve("uploads"));
        ImportJob job = xlsxImport();
        Path file = uploads.path(job.id());
        Files.createDirectories(file.getParent());
        Files.write(file, XlsxFiles.withDimension(XlsxFiles.of("Vendors", new String[][] {
            {"external_id", "name", "status"}, {"v-1", "Acme", "active"}, {"v-2", "Beta", null},
            {"v-3", "Gamma", "onboarding"}, {"v-4", "Delta", "inactive"}}), dimension));
        UploadSources sources = new UploadSources(uploads, db, imports);
        ImportPipeline.RowSource source = () -> sources.of(load(job.id())).open();

        ImportJob prepared = pipeline.prepare(job.id(), source);
        ImportJob done = pipeline.process(job.id(), source, ImportPipeline.Listener.NONE);

        assertThat(prepared.status()).isEqualTo(Status.QUEUED);
        assertThat(prepared.totalRows()).isEqualTo(4);
        assertThat(prepared.phase(Phase.PREVALIDATION).reason()).isNull();
        assertThat(done.status()).isEqualTo(Status.COMPLETED);
        assertThat(done.stats()).isEqualTo(new ImportStats(4, 4, 4, 0, 0, 0, 0, 0));
        assertThat(Stream.of("v-1", "v-2", "v-3", "v-4").map(k -> vendor(k).values().toString())).containsExactly(
                "{name=Text[value=Acme], status=Text[value=active]}", "{name=Text[value=Beta]}",
                "{name=Text[value=Gamma], status=Text[value=onboarding]}",
                "{name=Text[value=Delta], status=Text[value=inactive]}");
    }

    /** An exception the pipeline does not expect (here a file changed since prevalidation) fails the import. */
    @Test
    void anImportThatFailsOnAnErrorDuringProcessingEndsEveryPhase() throws IOException {
        UploadStore uploads = new UploadStore(dir.resolve("uploads"));
        var tasks = new dev.freight.jobs.ImportTasks(db, imports, pipeline, new UploadSources(uploads, db, imports),
                new dev.freight.store.MappingMemoryStore(clock), clock, Duration.ofSeconds(10));
        ImportJob job = uploaded(Action.MERGE, DuplicateHandling.IGNORE_ALL, null);
        db.inTransaction(h -> imports.save(h, job.withUpload("sha", "json", "vendors.json", null)));
        Path file = uploads.path(job.id());
        Files.createDirectories(file.getParent());
        Files.writeString(file, "[{\"external_id\": \"v-1\", \"name\": \"Acme\"}]");
        pipeline.prepare(job.id(), () -> Readers.open(file, FileType.JSON, ReadOptions.defaults()));
        Files.writeString(file, "[{\"external_id\": \"v-1\", \"name\": ");

        tasks.runImport(job.id());

        ImportJob failed = load(job.id());
        assertThat(failed.status()).isEqualTo(Status.FAILED);
        assertThat(failed.reason()).isEqualTo("Freight failed while processing the import (IngestException)");
        assertThat(failed.phases()).extracting(p -> p.phase().wireName() + ":" + p.status().wireName())
                .containsExactly("prevalidation:completed", "preparsing:completed", "transforming:failed",
                        "parsing:failed", "validation:failed", "processing:failed", "cleanup:skipped");
        assertThat(failed.phases().subList(2, 7)).allSatisfy(p -> assertThat(p.reason()).isEqualTo(failed.reason()));
    }

    /**
     * A run the instance's shutdown interrupts (db-scheduler interrupts a run still going once its shutdown wait is
     * over) leaves the import as its last commit left it, for the next start to resume. In prevalidation a channel
     * read of the upload fails with ClosedByInterruptException (here a source that fails so, as the read would); in
     * processing the wait for the next chunk fails. Before, the first failed the import with "The file could not be
     * read", the second with "Freight failed while processing the import (IllegalStateException)".
     */
    @Test
    void aRunInterruptedByTheShutdownLeavesTheImportToBeResumed() throws IOException {
        UploadStore uploads = new UploadStore(dir.resolve("uploads"));
        UploadSources sources = new UploadSources(uploads, db, imports);
        var tasks = new dev.freight.jobs.ImportTasks(db, imports, pipeline, sources,
                new dev.freight.store.MappingMemoryStore(clock), clock, Duration.ofSeconds(10));
        ImportJob job = uploaded(Action.MERGE, DuplicateHandling.IGNORE_ALL, null);
        Path file = uploads.path(job.id());
        Files.createDirectories(file.getParent());
        Files.writeString(file, NINE_VENDORS);

        Throwable inPrevalidation = interrupted(() -> pipeline.prepare(job.id(), () -> {
            throw new ClosedByInterruptException();
        }));

        assertThat(inPrevalidation).isInstanceOf(UncheckedIOException.class)
                .hasCauseInstanceOf(ClosedByInterruptException.class);
        ImportJob afterPrevalidation = load(job.id());
        assertThat(afterPrevalidation.status()).isEqualTo(Status.REQUESTED);
        assertThat(afterPrevalidation.reason()).isNull();
        assertThat(afterPrevalidation.phase(Phase.PREVALIDATION).status()).isEqualTo(PhaseStatus.RUNNING);

        Throwable inProcessing = interrupted(() -> tasks.runImport(job.id(), () -> true));

        assertThat(inProcessing).hasMessage("import " + job.id() + " was stopped by the shutdown of this instance; it "
                + "runs again at the next start").hasRootCauseInstanceOf(InterruptedException.class);
        ImportJob afterProcessing = load(job.id());
        assertThat(afterProcessing.status()).isEqualTo(Status.PROCESSING);
        assertThat(afterProcessing.phases()).extracting(p -> p.phase().wireName() + ":" + p.status().wireName())
                .containsExactly("prevalidation:completed", "preparsing:completed", "transforming:running",
                        "parsing:running", "validation:running", "processing:running", "cleanup:pending");
        assertThat(afterProcessing.stats()).isEqualTo(ImportStats.ZERO);

        tasks.runImport(job.id());

        ImportJob done = load(job.id());
        assertThat(done.status()).isEqualTo(Status.COMPLETED);
        assertThat(done.stats()).isEqualTo(new ImportStats(9, 9, 9, 0, 0, 0, 0, 0));
    }

    /**
     * An interrupt that lands inside a chunk's transaction (db-scheduler interrupts the worker as the instance stops)
     * is no row's fault. The hook interrupts the worker after the chunk of rows 4-6 wrote them, and the transaction
     * then fails with the thread interrupted (a statement the database refuses, standing for whatever the interrupt
     * makes fail): the chunk is rolled back whole and not replayed row by row, so no row is rejected, and the run
     * throws on with the thread still interrupted. The next run resumes after row 3 and ends with the records, stats
     * and (no) rejected rows of an uninterrupted run of the same file.
     */
    @Test
    void anInterruptInsideAChunksTransactionRejectsNoRowAndTheNextRunEndsAsAnUninterruptedRun() throws IOException {
        ImportJob job = prepared(Action.MERGE, DuplicateHandling.IGNORE_ALL, NINE_VENDORS);
        ImportPipeline.RowSource source = csv(NINE_VENDORS);
        AtomicBoolean armed = new AtomicBoolean(true);
        List<Long> interrupted = new ArrayList<>();
        pipeline.insideChunk((h, rows) -> {
            long first = rows.getFirst().ordinal();
            if (armed.get() && first >= 4 && first <= 6) {
                interrupted.add(first);
                Thread.currentThread().interrupt();
                h.execute("update no_such_table set x = 1");
            }
        });

        Throwable thrown = catchThrowable(() -> pipeline.process(job.id(), source, ImportPipeline.Listener.NONE));
        boolean stillInterrupted = Thread.interrupted();
        armed.set(false);

        assertThat(thrown).isInstanceOf(StoreException.class);
        assertThat(((StoreException) thrown).code()).isEqualTo("database_error");
        assertThat(stillInterrupted).isTrue();
        assertThat(interrupted).containsExactly(4L);
        ImportJob stopped = load(job.id());
        assertThat(stopped.status()).isEqualTo(Status.PROCESSING);
        assertThat(stopped.checkpoint()).isEqualTo(3);
        assertThat(stopped.stats()).isEqualTo(new ImportStats(3, 3, 3, 0, 0, 0, 0, 0));
        assertThat(errors(stopped)).isEmpty();
        assertThat(vendorCount()).isEqualTo(3);
        assertThat(ids("v-4", "v-5", "v-6")).isEmpty();

        ImportJob resumed = pipeline.process(job.id(), source, ImportPipeline.Listener.NONE);
        List<String> resumedRecords = vendorValues();
        org = db.inTransaction(h -> new TenantStore(new IdGenerator(clock), clock).createOrganization(h, "other",
                "Other")).id();
        ImportJob uninterrupted = run(Action.MERGE, DuplicateHandling.IGNORE_ALL, NINE_VENDORS);

        assertThat(resumed.status()).isEqualTo(Status.COMPLETED);
        assertThat(uninterrupted.status()).isEqualTo(Status.COMPLETED);
        assertThat(resumed.stats()).isEqualTo(new ImportStats(9, 9, 9, 0, 0, 0, 0, 0))
                .isEqualTo(uninterrupted.stats());
        assertThat(resumed.checkpoint()).isEqualTo(9);
        assertThat(errors(resumed)).isEmpty();
        assertThat(resumedRecords).hasSize(9).isEqualTo(vendorValues());
        assertThat(resumedRecords.get(3)).isEqualTo(
                "v-4={name=Text[value=Delta], raw_irq_score=Decimal[value=12.5], status=Text[value=active]}");
    }

    /** The organization's vendors as "external id=values" in external id order, values in field order. */
    private List<String> vendorValues() {
        return db.withHandle(h -> records.page(h, org, BuiltInObjects.VENDOR, null, null, 100, null)).stream()
                .map(r -> r.externalId() + "=" + new TreeMap<>(r.values()))
                .sorted().toList();
    }

    /** What {@code run} throws when it starts with its thread interrupted; the interrupt is cleared after. */
    private static Throwable interrupted(ThrowingCallable run) {
        Thread.currentThread().interrupt();
        try {
            return catchThrowable(run);
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void anImportWhoseFileCannotBeReadDuringProcessingFailsEveryRunningPhase() throws IOException {
        ImportJob job = prepared(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);

        ImportJob failed = pipeline.process(job.id(), () -> {
            throw new IOException("disk gone");
        }, ImportPipeline.Listener.NONE);

        assertThat(failed.status()).isEqualTo(Status.FAILED);
        assertThat(failed.reason()).isEqualTo("The file could not be read: disk gone");
        assertThat(failed.phases()).extracting(p -> p.phase().wireName() + ":" + p.status().wireName() + ":"
                + p.reason()).containsExactly("prevalidation:completed:null", "preparsing:completed:null",
                "transforming:failed:The file could not be read: disk gone",
                "parsing:failed:The file could not be read: disk gone",
                "validation:failed:The file could not be read: disk gone",
                "processing:failed:The file could not be read: disk gone", "cleanup:skipped:an earlier phase failed");
    }

    // ---- helpers

    @Test
    void prevalidationTakesTheRowCountAndKeysOfAPrescannedUploadThatReadsLikeItsStoredFile() throws IOException {
        String streamed = "external_id,name\nv-1,Acme\nv-2,Beta\nv-1,Acme again\n";

        ImportJob job = preparedAfterPrescan(streamed.getBytes(StandardCharsets.UTF_8), streamed + "v-3,Gamma\n");

        assertThat(job.status()).isEqualTo(Status.QUEUED);
        assertThat(job.totalRows()).isEqualTo(3);
        assertThat(job.phase(Phase.PREPARSING).rejected()).isEqualTo(2);
        Map<String, Long> duplicates = db.withHandle((Handle h) -> imports.duplicates(h, job.id()));
        assertThat(duplicates).containsExactly(Map.entry("v-1", 1L));
    }

    @Test
    void aPrescanOfBytesThatAreNotUtf8OrOfAnotherHeaderIsLeftUnusedAndTheStoredFileIsRead() throws IOException {
        String stored = "external_id,name\nv-1,Acme\nv-2,Beta\n";
        byte[] latin1 = "external_id,name\nv-1,Caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] escape = "external_id,name\nv-1,\u001b$B\n".getBytes(StandardCharsets.UTF_8);
        byte[] otherHeader = "external_id,title\nv-1,Acme\n".getBytes(StandardCharsets.UTF_8);
        byte[] utf16 = ("\ufeff" + stored).getBytes(StandardCharsets.UTF_16BE);

        for (byte[] streamed : List.of(latin1, escape, otherHeader, utf16)) {
            ImportJob job = preparedAfterPrescan(streamed, stored);

            assertThat(job.status()).isEqualTo(Status.QUEUED);
            assertThat(job.totalRows()).isEqualTo(2);
        }
    }

    /**
     * A prescan stands only for the upload it read: one handed over with another checksum than the import's (that of
     * another upload to the import, refused) is left unused, and the stored file is read.
     */
    @Test
    void aPrescanOfAnotherUploadThanTheImportsIsLeftUnusedAndTheStoredFileIsRead() throws IOException {
        String stored = "external_id,name\nv-1,Acme\nv-2,Beta\n";
        String streamed = stored + "v-3,Gamma\n";

        ImportJob job = preparedAfterPrescan(streamed.getBytes(StandardCharsets.UTF_8), "other", stored);

        assertThat(job.status()).isEqualTo(Status.QUEUED);
        assertThat(job.totalRows()).isEqualTo(2);
    }

    /**
     * A delete import of v-1 runs while another import's transaction has stored service s-1, which refers to v-1, and
     * not committed. The delete locks v-1 before it looks for what refers to it: on PostgreSQL it waits for the
     * writer, which holds v-1 against deletes, then sees s-1 and keeps v-1 ({@code record_referenced}). Before, it
     * looked before the writer committed, found nothing, and deleted v-1 under s-1's reference. On SQLite the delete
     * waits for the one write lock at its start, so it runs after the writer.
     */
    @Test
    void aDeleteThatRunsWhileAWriterStoresAReferenceToItsRecordKeepsTheRecord() throws Exception {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name\nv-1,Acme\n");
        String vendorId = ids("v-1").get("v-1");
        String deletes = "external_id\nv-1\n";
        ImportJob delete = prepared(Action.DELETE, DuplicateHandling.IGNORE_ALL, deletes);
        ImportPipeline other = new ImportPipeline(db, imports, records, new SchemaStore(clock), clock, 3);

        RaceOutcome race = whileInsideFirstChunk(pipeline, () -> runServices("external_id,name,vendor\ns-1,Base,v-1\n"),
                () -> other.process(delete.id(), csv(deletes), ImportPipeline.Listener.NONE));

        String serviceId = serviceIds("s-1").get("s-1");
        assertThat(race.holder().stats()).isEqualTo(new ImportStats(1, 1, 1, 0, 0, 0, 0, 0));
        assertDeleteOfV1RefusedForService(race.other(), serviceId);
        assertThat(ids("v-1")).isEqualTo(Map.of("v-1", vendorId));
        assertThat(serviceVendor(serviceId)).isEqualTo(new Value.Ref("v-1", "vendor", vendorId));
    }

    /**
     * An import of service s-1, which refers to v-1, runs while a delete import's transaction has deleted v-1 and not
     * committed. The writer locks v-1 before it writes: on PostgreSQL it waits for the delete, then finds v-1 gone,
     * and rejects the row as it rejects any reference to a vendor that does not exist. Before, it read v-1 as the
     * delete had not committed yet, and stored s-1 referring to a record that was then deleted. On SQLite the writer
     * waits for the one write lock at its start, so it runs after the delete.
     */
    @Test
    void aWriterThatRunsWhileADeleteRemovesTheRecordItRefersToRejectsItsRow() throws Exception {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name\nv-1,Acme\n");
        String services = "external_id,name,vendor\ns-1,Base,v-1\n";
        ImportJob writer = pipeline.prepare(uploaded("service", Action.MERGE, DuplicateHandling.IGNORE_ALL, null).id(),
                csv(services));
        ImportPipeline other = new ImportPipeline(db, imports, records, new SchemaStore(clock), clock, 3);

        RaceOutcome race = whileInsideFirstChunk(pipeline,
                () -> run(Action.DELETE, DuplicateHandling.IGNORE_ALL, "external_id\nv-1\n"),
                () -> other.process(writer.id(), csv(services), ImportPipeline.Listener.NONE));

        assertThat(race.holder().stats()).isEqualTo(new ImportStats(1, 1, 0, 0, 0, 1, 0, 0));
        assertThat(race.other().stats()).isEqualTo(new ImportStats(1, 0, 0, 0, 0, 0, 0, 1));
        assertThat(errors(race.other())).containsExactly(new RowError(1, 1, 2, "s-1", "vendor",
                "invalid_field_value", "vendor: no vendor with external_id \"v-1\"",
                "{\"external_id\":\"s-1\",\"name\":\"Base\",\"vendor\":\"v-1\"}"));
        assertThat(ids("v-1")).isEmpty();
        assertThat(serviceIds("s-1")).isEmpty();
    }

    /**
     * An import moved s-1 from v-1 to v-2, and v-1 was deleted after it. Rolling the import back would put back s-1's
     * reference to v-1, which names no record now: s-1 is a conflict and keeps v-2. Before, the rollback restored the
     * reference to the deleted v-1.
     */
    @Test
    void aRollbackDoesNotRestoreAReferenceToARecordDeletedSince() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name\nv-1,Acme\nv-2,Beta\n");
        Map<String, String> vendors = ids("v-1", "v-2");
        runServices("external_id,name,vendor\ns-1,Base,v-1\n");
        ImportJob moved = runServices("external_id,name,vendor\ns-1,Base,v-2\n");
        ImportJob deleted = run(Action.DELETE, DuplicateHandling.IGNORE_ALL, "external_id\nv-1\n");
        assertThat(deleted.stats()).isEqualTo(new ImportStats(1, 1, 0, 0, 0, 1, 0, 0));
        String serviceId = serviceIds("s-1").get("s-1");

        ImportRollback.Result undone = rollback.rollback(moved, "key_test");

        assertThat(undone.restored()).isZero();
        assertThat(undone.deleted()).isZero();
        assertThat(undone.conflicts()).containsExactly(new ImportRollback.Conflict(serviceId, "s-1",
                "not restored: its earlier values refer to vendor " + vendors.get("v-1")
                        + " (field vendor), which was deleted since"));
        assertThat(undone.conflictCount()).isEqualTo(1);
        assertThat(serviceVendor(serviceId)).isEqualTo(new Value.Ref("v-2", "vendor", vendors.get("v-2")));
    }

    /**
     * A rollback puts back s-1's reference to v-1 (the import it undoes moved s-1 to v-2), and inside its transaction,
     * after that restore and before its commit ({@code ImportRollback.afterRestored}), a delete import of v-1 starts
     * on a thread of its own. The rollback locked v-1 when it checked that v-1 is still stored
     * ({@code RecordStore.lockReferencedOrGone}): on PostgreSQL the delete waits for the rollback's commit, then sees
     * s-1's restored reference and keeps v-1 ({@code record_referenced}). Without that lock the delete counted before
     * the rollback committed, found nothing referring to v-1 and deleted it under s-1's restored reference. On SQLite
     * the delete waits for the one write lock, so it runs after the rollback.
     */
    @Test
    void aDeleteThatRunsWhileARollbackRestoresAReferenceToItsRecordKeepsTheRecord() throws Exception {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name\nv-1,Acme\nv-2,Beta\n");
        Map<String, String> vendors = ids("v-1", "v-2");
        runServices("external_id,name,vendor\ns-1,Base,v-1\n");
        ImportJob moved = runServices("external_id,name,vendor\ns-1,Base,v-2\n");
        String serviceId = serviceIds("s-1").get("s-1");
        BesideADelete<ImportRollback.Result> both = rollBackWhileADeleteOfV1Runs(moved);
        ImportRollback.Result undone = both.work();
        ImportJob deleted = both.delete();

        assertThat(undone.restored()).isEqualTo(1);
        assertThat(undone.conflicts()).isEmpty();
        assertDeleteOfV1RefusedForService(deleted, serviceId);
        assertThat(ids("v-1", "v-2")).isEqualTo(vendors);
        assertThat(serviceVendor(serviceId)).isEqualTo(new Value.Ref("v-1", "vendor", vendors.get("v-1")));
    }

    /**
     * An overwrite of services leaves s-1 for after its walk (s-4, on the next page, refers to it), and the walk
     * deletes s-2 to s-4. Before the cleanup decides s-1 ({@code ImportPipeline.beforeCleanLater}), an import of
     * service s-8, which depends on s-1, starts on a thread of its own and holds its chunk open, its reference stored
     * and not committed, until a statement of the cleanup waits for a lock (any: on PostgreSQL the cleanup's lock of
     * s-1 in {@code cleanLater}, or, were that lock missing, its delete of s-1, which waits for the writer's key share
     * lock). The cleanup, which locked s-1 before it looked for what refers to it, then sees s-8 and keeps s-1. Without
     * that lock it looked before s-8 was committed, found nothing, and deleted s-1 once the writer committed, leaving
     * s-8's reference naming no record. On SQLite the cleanup waits for the one write lock, so it runs after the
     * writer.
     */
    @Test
    void aRecordLeftForAfterTheCleanupWalkThatAWriterRefersToMeanwhileIsKept() throws Exception {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        runServices("external_id,name,vendor,dependencies\ns-1,Base,v-1,\ns-2,Ledger,v-1,\ns-3,Billing,v-1,\n"
                + "s-4,Reports,v-1,s-1\n");
        String s1 = serviceIds("s-1").get("s-1");
        BesideAWriter<ImportJob> both = whileAWriterHoldsItsChunk(pipeline::beforeCleanLater, "service",
                "external_id,name,vendor,dependencies\ns-8,Audit,v-1,s-1\n", () -> runServices(Action.OVERWRITE,
                        "external_id,name,vendor,dependencies\ns-5,Search,v-1,\n"));
        ImportJob overwrite = both.work();

        assertThat(both.writer().stats()).isEqualTo(new ImportStats(1, 1, 1, 0, 0, 0, 0, 0));
        Map<String, String> ids = serviceIds("s-1", "s-2", "s-3", "s-4", "s-5", "s-8");
        assertThat(ids).containsOnlyKeys("s-1", "s-5", "s-8").containsEntry("s-1", s1);
        assertThat(dependencies("s-8")).isEqualTo(refs(new Value.Ref("s-1", "service", s1)));
        assertThat(overwrite.stats()).isEqualTo(new ImportStats(1, 1, 1, 0, 0, 3, 0, 0));
        assertThat(overwrite.phase(Phase.CLEANUP).rows()).isEqualTo(3);
        assertThat(overwrite.phase(Phase.CLEANUP).reason()).isEqualTo("1 record the import did not contain was not"
                + " deleted: service " + s1 + " is still referred to by service " + ids.get("s-8")
                + " (field dependencies), which the cleanup does not delete");
    }

    /** What {@link #whileAWriterHoldsItsChunk} ended with: what the work it ran beside returned, and the writer. */
    private record BesideAWriter<T>(T work, ImportJob writer) {}

    /**
     * Runs {@code work} while an import of {@code content} into {@code object} runs on a thread of its own, started
     * from the hook that {@code at} sets (once), which returns once that import is inside its first chunk: the chunk
     * holds its writes, not committed, until a statement waits for a lock (any; on SQLite it runs to its end).
     */
    private <T> BesideAWriter<T> whileAWriterHoldsItsChunk(Consumer<Runnable> at, String object, String content,
            Callable<T> work) throws Exception {
        ImportJob writer = pipeline.prepare(uploaded(object, Action.MERGE, DuplicateHandling.IGNORE_ALL, null).id(),
                csv(content));
        ImportPipeline other = new ImportPipeline(db, imports, records, new SchemaStore(clock), clock, 3);
        ExecutorService worker = Executors.newSingleThreadExecutor();
        try {
            CountDownLatch inside = new CountDownLatch(1);
            AtomicBoolean first = new AtomicBoolean(true);
            other.insideChunk((h, rows) -> {
                if (first.getAndSet(false)) {
                    inside.countDown();
                    databases().awaitLockWaiter(db, "");
                }
            });
            List<Future<ImportJob>> started = new ArrayList<>();
            at.accept(() -> {
                if (!started.isEmpty()) {
                    return;
                }
                started.add(worker.submit(() -> other.process(writer.id(), csv(content),
                        ImportPipeline.Listener.NONE)));
                try {
                    assertThat(inside.await(60, TimeUnit.SECONDS)).isTrue();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
            });
            T done = work.call();
            return new BesideAWriter<>(done, started.getFirst().get(60, TimeUnit.SECONDS));
        } finally {
            worker.shutdownNow();
        }
    }

    /**
     * A file workflow import of node n-1, whose required parent is n-2, and n-2 (a custom object whose required
     * reference targets itself): n-1's parent is added after the last row (import_links), once the check before the
     * links ({@code ImportPipeline.rejectUnsatisfiableLinks}) found n-2 stored. Between that check's commit and the
     * transaction that adds the link ({@code ImportPipeline.afterLinksChecked}) another import deletes n-2 (nothing
     * refers to it yet). The link then matches nothing: n-1 is rejected as if n-2 had gone before the check
     * ({@code invalid_field_value}, naming n-2), the record it created is deleted, and the import counts it failed.
     */
    @Test
    void aRowWhoseRequiredLinkNamesARecordDeletedAfterTheCheckIsRejectedAndItsRecordDeleted() throws Exception {
        String content = "external_id,name,parent\nn-1,One,n-2\nn-2,Two,n-0\n";

        ImportJob done = runNodesDeletingN2AfterTheLinksCheck(content);

        assertThat(done.status()).isEqualTo(Status.COMPLETED);
        assertThat(done.reason()).isEqualTo("1 of 2 rows failed; see the errors file");
        assertThat(done.stats()).isEqualTo(new ImportStats(2, 1, 1, 0, 0, 0, 0, 1));
        assertThat(done.hasErrorsFile()).isTrue();
        assertThat(done.phase(Phase.VALIDATION).rejected()).isEqualTo(1);
        assertThat(done.phase(Phase.PROCESSING).rows()).isEqualTo(1);
        assertThat(errors(done)).containsExactly(new RowError(1, 1, 2, "n-1", "parent", "invalid_field_value",
                "parent: no node with external_id or name \"n-2\"", "{\"external_id\":\"n-1\",\"name\":\"One\","
                        + "\"parent\":\"n-2\"}"));
        assertNothingLeftOfTheLinksBut(done, "n-0");
    }

    /**
     * As above, n-3's parent being n-1, whose row comes after it: both links are added in one transaction. n-1 is
     * rejected and its record deleted, so n-3's link, which found n-1 stored, is resolved again and rejects n-3 in
     * turn, rather than n-3 being stored naming the deleted n-1.
     */
    @Test
    void aRowWhoseRequiredLinkNamesARowRejectedWhenTheLinksAreAddedIsRejectedInTurn() throws Exception {
        String content = "external_id,name,parent\nn-3,Three,n-1\nn-1,One,n-2\nn-2,Two,n-0\n";

        ImportJob done = runNodesDeletingN2AfterTheLinksCheck(content);

        assertThat(done.reason()).isEqualTo("2 of 3 rows failed; see the errors file");
        assertThat(done.stats()).isEqualTo(new ImportStats(3, 1, 1, 0, 0, 0, 0, 2));
        assertThat(done.phase(Phase.VALIDATION).rejected()).isEqualTo(2);
        assertThat(done.phase(Phase.PROCESSING).rows()).isEqualTo(1);
        assertThat(errors(done)).containsExactly(
                new RowError(1, 1, 2, "n-3", "parent", "invalid_field_value",
                        "parent: no node with external_id or name \"n-1\"",
                        "{\"external_id\":\"n-3\",\"name\":\"Three\",\"parent\":\"n-1\"}"),
                new RowError(2, 1, 3, "n-1", "parent", "invalid_field_value",
                        "parent: no node with external_id or name \"n-2\"",
                        "{\"external_id\":\"n-1\",\"name\":\"One\",\"parent\":\"n-2\"}"));
        assertNothingLeftOfTheLinksBut(done, "n-0");
    }

    /**
     * A file workflow import of node n-1, whose required parent n-9 is nowhere: n-1's record is created in its chunk,
     * and the check before the links rejects the row and deletes that record unless a stored record refers to it.
     * Once the chunk committed ({@code ImportPipeline.afterChunk}) an import of node n-5, whose parent is n-1, starts
     * on a thread of its own and holds its chunk open, its reference stored and not committed, until a statement of
     * the check waits for a lock. The check locks the records it means to delete before it looks for what refers to
     * them ({@code RecordStore.lockToDelete} in {@code MatchingWriter.reject}): on PostgreSQL it waits for the writer,
     * then sees n-5 and keeps n-1, saying so in the row's message. Without that lock it looked before the writer
     * committed, found nothing, and its delete of n-1, which waited for the writer's key share lock, deleted n-1 once
     * the writer committed, leaving n-5's parent naming no record. On SQLite the writer runs before the check.
     */
    @Test
    void aRejectedRowsRecordThatAnotherWriterRefersToMeanwhileIsKeptAndItsMessageSaysWhy() throws Exception {
        ImportPipeline.RowSource source = nodesWithRequiredParents("external_id,name,parent\nn-1,One,n-9\n");
        ImportJob job = workflowJob("node", List.of("external_id", "name", "parent"),
                ExecuteOptions.DuplicateStrategy.UPDATE, null, source);
        BesideAWriter<ImportJob> both = whileAWriterHoldsItsChunk(hook -> pipeline.afterChunk(committed -> hook.run()),
                "node", "external_id,name,parent\nn-5,Five,n-1\n",
                () -> pipeline.process(job.id(), source, ImportPipeline.Listener.NONE));
        ImportJob done = both.work();

        Map<String, String> ids = db.withHandle((Handle h) -> records.idsByExternalId(h, org, "node",
                List.of("n-1", "n-5")));
        assertThat(ids).containsOnlyKeys("n-1", "n-5");
        assertThat(both.writer().stats()).isEqualTo(new ImportStats(1, 1, 1, 0, 0, 0, 0, 0));
        assertThat(done.status()).isEqualTo(Status.COMPLETED);
        assertThat(done.stats()).isEqualTo(new ImportStats(1, 0, 0, 0, 0, 0, 0, 1));
        assertThat(errors(done)).containsExactly(new RowError(1, 1, 2, "n-1", "parent", "invalid_field_value",
                "parent: no node with external_id or name \"n-9\"; the record with external_id \"n-1\", which the"
                        + " row created, is kept without it, since node \"n-5\" refers to it",
                "{\"external_id\":\"n-1\",\"name\":\"One\",\"parent\":\"n-9\"}"));
        ObjectDef node = db.withHandle(h -> new SchemaStore(clock).schema(h, org)).object("node").orElseThrow();
        String n5 = ids.get("n-5");
        assertThat(ValueJson.decode(db.withHandle(h -> records.existingByIds(h, org, List.of(n5))).get(n5).data(),
                node).get("parent")).isEqualTo(new Value.Ref("n-1", "node", ids.get("n-1")));
    }

    /**
     * Runs a file workflow import of {@code content}, nodes with required parents ({@link #nodesWithRequiredParents}),
     * deleting n-2 by a delete import between the check of its links and the first transaction that adds them.
     */
    private ImportJob runNodesDeletingN2AfterTheLinksCheck(String content) throws Exception {
        ImportPipeline.RowSource source = nodesWithRequiredParents(content);
        ImportJob job = workflowJob("node", List.of("external_id", "name", "parent"),
                ExecuteOptions.DuplicateStrategy.UPDATE, null, source);
        String deletes = "external_id\nn-2\n";
        ImportJob delete = pipeline.prepare(uploaded("node", Action.DELETE, DuplicateHandling.IGNORE_ALL, null).id(),
                csv(deletes));
        ImportPipeline other = new ImportPipeline(db, imports, records, new SchemaStore(clock), clock, 3);
        List<ImportJob> deleted = new ArrayList<>();
        pipeline.afterLinksChecked(() -> {
            try {
                deleted.add(other.process(delete.id(), csv(deletes), ImportPipeline.Listener.NONE));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        ImportJob done = pipeline.process(job.id(), source, ImportPipeline.Listener.NONE);
        assertThat(deleted.getFirst().stats()).isEqualTo(new ImportStats(1, 1, 0, 0, 0, 1, 0, 0));
        return done;
    }

    /** No warning and no link left of {@code job}, and of the nodes only those {@code kept} are stored. */
    private void assertNothingLeftOfTheLinksBut(ImportJob job, String... kept) {
        assertThat(db.withHandle((Handle h) -> imports.warnings(h, job.id(), 10))).isEmpty();
        assertThat(db.withHandle((Handle h) -> imports.referenceWarnings(h, job.id(), 10))).isEmpty();
        assertThat(db.withHandle((Handle h) -> imports.links(h, job.id(), null, 10))).isEmpty();
        assertThat(db.withHandle((Handle h) -> records.idsByExternalId(h, org, "node", List.of("n-0", "n-1", "n-2",
                "n-3")))).containsOnlyKeys(kept);
    }

    /**
     * {@code content}, a file of nodes: creates the custom object node (name, and a required parent that targets
     * node itself) and stores node n-0, the root, without a parent.
     */
    private ImportPipeline.RowSource nodesWithRequiredParents(String content) throws IOException {
        ObjectDef node = new ObjectDef("node", "Node", "node", false, List.of(
                new Field("name", "Name", FieldType.TEXT, true, "", List.of(), List.of(), false),
                new Field("parent", "Parent", FieldType.REFERENCE, true, "", List.of(), List.of("node"), false)));
        db.inTransaction(h -> {
            new SchemaStore(clock).createObject(h, org, node);
            return records.upsert(h, org, node, List.of(new RecordWrite("n-0", Map.of("name",
                    new Value.Text("Root")))));
        });
        return csv(content);
    }

    /**
     * A file workflow import of s-1, which depends on s-2, and s-2: s-1's dependency matches nothing stored when its
     * chunk resolves it, so it is added after the last row (import_links). Inside the transaction that adds it, before
     * the commit ({@code ImportPipeline.insideLinks}), a delete import of s-2 starts on a thread of its own. The link's
     * resolver locked s-2 ({@code ReferenceResolver}, {@code RecordStore.lockReferenced}): on PostgreSQL the delete
     * waits for the link's commit, then sees s-1's reference and keeps s-2 (a record referred to by a record of its
     * own object is put off, then rejected after the last row: {@code record_referenced}). Without that lock the
     * delete counted before the link was committed, found nothing referring to s-2 and deleted it, and the link was
     * committed naming no record. On SQLite the delete waits for the one write lock, so it runs after the links.
     */
    @Test
    void aDeleteThatRunsWhileAFileWorkflowAddsALinkToItsRecordKeepsTheRecord() throws Exception {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        ImportPipeline.RowSource source = csv("external_id,name,vendor,dependencies\ns-1,Payments,v-1,s-2\n"
                + "s-2,Ledger,v-1,\n");
        ImportJob job = workflowJob(source);
        String deletes = "external_id\ns-2\n";
        ImportJob delete = pipeline.prepare(uploaded("service", Action.DELETE, DuplicateHandling.IGNORE_ALL, null).id(),
                csv(deletes));
        ImportPipeline other = new ImportPipeline(db, imports, records, new SchemaStore(clock), clock, 3);
        ExecutorService worker = Executors.newSingleThreadExecutor();
        try {
            List<Future<ImportJob>> started = new ArrayList<>();
            pipeline.insideLinks(links -> {
                if (started.isEmpty()) {
                    Future<ImportJob> run = worker.submit(() -> other.process(delete.id(), csv(deletes),
                            ImportPipeline.Listener.NONE));
                    started.add(run);
                    databases().awaitLockWaiter(db, RECORD_LOCK, run);
                }
            });

            ImportJob done = pipeline.process(job.id(), source, ImportPipeline.Listener.NONE);
            ImportJob deleted = started.getFirst().get(60, TimeUnit.SECONDS);

            Map<String, String> ids = serviceIds("s-1", "s-2");
            assertThat(ids).containsOnlyKeys("s-1", "s-2");
            assertThat(done.status()).isEqualTo(Status.COMPLETED);
            assertThat(done.stats()).isEqualTo(new ImportStats(2, 2, 2, 0, 0, 0, 0, 0));
            assertThat(dependencies("s-1")).isEqualTo(refs(new Value.Ref("s-2", "service", ids.get("s-2"))));
            assertThat(db.withHandle((Handle h) -> imports.warnings(h, job.id(), 10))).isEmpty();
            assertThat(db.withHandle((Handle h) -> imports.referenceWarnings(h, job.id(), 10))).isEmpty();
            assertThat(deleted.stats()).isEqualTo(new ImportStats(1, 0, 0, 0, 0, 0, 0, 1));
            assertThat(errors(deleted)).containsExactly(new RowError(1, 1, 2, "s-2", "external_id",
                    "record_referenced", "still referred to by service " + ids.get("s-1")
                            + " (field dependencies), which this file does not delete", "{\"external_id\":\"s-2\"}"));
        } finally {
            worker.shutdownNow();
        }
    }

    /**
     * A rollback of the import that created v-1 runs while another import's transaction has stored service s-1, which
     * refers to v-1, and not committed. The rollback locks the records its import created before it looks for what
     * refers to them ({@code RecordStore.lockCreatedBy}): on PostgreSQL it waits for the writer, which holds v-1
     * against deletes, then sees s-1 and keeps v-1 as a conflict (still referred to). Without that lock it looked
     * before the writer committed, found nothing, and its delete of v-1, which waited for the writer's key share
     * lock, deleted v-1 once the writer committed, leaving s-1's reference naming no record. On SQLite the rollback
     * waits for the one write lock at its start, so it runs after the writer.
     */
    @Test
    void aRollbackThatRunsWhileAWriterStoresAReferenceToARecordItsImportCreatedKeepsTheRecord() throws Exception {
        ImportJob created = run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name\nv-1,Acme\n");
        String vendorId = ids("v-1").get("v-1");
        AtomicReference<ImportRollback.Result> undone = new AtomicReference<>();

        // Any lock: were the rollback's lock missing, its delete of v-1 would wait for the writer instead.
        RaceOutcome race = whileInsideFirstChunk(pipeline, "",
                () -> runServices("external_id,name,vendor\ns-1,Base,v-1\n"), () -> {
                    undone.set(rollback.rollback(created, "key_test"));
                    return undone.get().job();
                });

        String serviceId = serviceIds("s-1").get("s-1");
        assertThat(race.holder().stats()).isEqualTo(new ImportStats(1, 1, 1, 0, 0, 0, 0, 0));
        assertThat(undone.get().deleted()).isZero();
        assertThat(undone.get().restored()).isZero();
        assertThat(undone.get().conflicts()).containsExactly(new ImportRollback.Conflict(vendorId, "v-1",
                "still referred to by service " + serviceId + " (field vendor), which the rollback does not delete"));
        assertThat(undone.get().conflictCount()).isEqualTo(1);
        assertThat(ids("v-1")).isEqualTo(Map.of("v-1", vendorId));
        assertThat(serviceVendor(serviceId)).isEqualTo(new Value.Ref("v-1", "vendor", vendorId));
    }

    /**
     * A rollback of the import that created v-1 has locked the records its import created
     * ({@code RecordStore.lockCreatedBy}) and not committed when an import of service s-1, which refers to v-1, starts
     * on a thread of its own ({@code ImportRollback.afterCreatedLocked}); the writer's chunk, once written, commits
     * only after the rollback has ended or waits for a lock. On PostgreSQL the writer's lock of v-1
     * ({@code ReferenceResolver}, {@code RecordStore.lockReferenced}) waits for the rollback, which finds nothing
     * referring to v-1 and deletes it; the writer then finds v-1 gone and rejects its row as it rejects any reference
     * to a vendor that does not exist. Without either lock the writer looked v-1 up and stored s-1 before the rollback
     * looked for what refers to v-1, which found nothing as the writer had not committed, and v-1 was deleted under
     * s-1's reference (the rollback's delete waited for the writer's key share lock, were only the rollback's lock
     * missing). On SQLite the writer waits for the one write lock, so it runs after the rollback.
     */
    @Test
    void aWriterThatRunsWhileARollbackDeletesTheRecordItRefersToRejectsItsRow() throws Exception {
        ImportJob created = run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name\nv-1,Acme\n");
        String services = "external_id,name,vendor\ns-1,Base,v-1\n";
        ImportJob writer = pipeline.prepare(uploaded("service", Action.MERGE, DuplicateHandling.IGNORE_ALL, null).id(),
                csv(services));
        ImportPipeline other = new ImportPipeline(db, imports, records, new SchemaStore(clock), clock, 3);
        CompletableFuture<Void> written = new CompletableFuture<>();
        CompletableFuture<Void> rolledBack = new CompletableFuture<>();
        ExecutorService worker = Executors.newSingleThreadExecutor();
        try {
            other.insideChunk((h, rows) -> {
                written.complete(null);
                // Any lock: were the writer's lock missing, the rollback's delete of v-1 would wait for it instead.
                databases().awaitLockWaiter(db, "", rolledBack);
            });
            List<Future<ImportJob>> started = new ArrayList<>();
            rollback.afterCreatedLocked(() -> {
                started.add(worker.submit(() -> {
                    try {
                        return other.process(writer.id(), csv(services), ImportPipeline.Listener.NONE);
                    } finally {
                        written.complete(null);
                    }
                }));
                databases().awaitLockWaiter(db, RECORD_LOCK, written);
            });

            ImportRollback.Result undone;
            try {
                undone = rollback.rollback(created, "key_test");
            } finally {
                rolledBack.complete(null);
            }
            ImportJob done = started.getFirst().get(60, TimeUnit.SECONDS);

            assertThat(undone.deleted()).isEqualTo(1);
            assertThat(undone.restored()).isZero();
            assertThat(undone.conflicts()).isEmpty();
            assertThat(undone.conflictCount()).isZero();
            assertThat(done.stats()).isEqualTo(new ImportStats(1, 0, 0, 0, 0, 0, 0, 1));
            assertThat(errors(done)).containsExactly(new RowError(1, 1, 2, "s-1", "vendor",
                    "invalid_field_value", "vendor: no vendor with external_id \"v-1\"",
                    "{\"external_id\":\"s-1\",\"name\":\"Base\",\"vendor\":\"v-1\"}"));
            assertThat(ids("v-1")).isEmpty();
            assertThat(serviceIds("s-1")).isEmpty();
        } finally {
            worker.shutdownNow();
        }
    }

    /**
     * A rollback re-creates s-1, which refers to v-1 (the import it undoes deleted s-1), and inside its transaction,
     * after that re-creation and before its commit ({@code ImportRollback.afterRestored}), a delete import of v-1
     * starts on a thread of its own. The rollback locked v-1 when it checked, before re-creating s-1, that v-1 is
     * still stored ({@code RecordStore.lockReferencedOrGone}, taking the records the import deleted as coming back):
     * on PostgreSQL the delete waits for the rollback's commit, then sees the re-created s-1's reference and keeps v-1
     * ({@code record_referenced}). Without that lock the delete counted before the rollback committed, found nothing
     * referring to v-1 and deleted it under the re-created s-1's reference. On SQLite the delete waits for the one
     * write lock, so it runs after the rollback.
     */
    @Test
    void aDeleteThatRunsWhileARollbackReCreatesARecordReferringToItsRecordKeepsTheRecord() throws Exception {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name\nv-1,Acme\n");
        String vendorId = ids("v-1").get("v-1");
        runServices("external_id,name,vendor\ns-1,Base,v-1\n");
        String serviceId = serviceIds("s-1").get("s-1");
        ImportJob removed = runServices(Action.DELETE, "external_id\ns-1\n");
        assertThat(removed.stats()).isEqualTo(new ImportStats(1, 1, 0, 0, 0, 1, 0, 0));
        BesideADelete<ImportRollback.Result> both = rollBackWhileADeleteOfV1Runs(removed);
        ImportRollback.Result undone = both.work();
        ImportJob deleted = both.delete();

        assertThat(undone.restored()).isEqualTo(1);
        assertThat(undone.deleted()).isZero();
        assertThat(undone.conflicts()).isEmpty();
        assertDeleteOfV1RefusedForService(deleted, serviceId);
        assertThat(ids("v-1")).isEqualTo(Map.of("v-1", vendorId));
        assertThat(serviceIds("s-1")).isEqualTo(Map.of("s-1", serviceId));
        assertThat(serviceVendor(serviceId)).isEqualTo(new Value.Ref("v-1", "vendor", vendorId));
    }

    /**
     * An Import API batch (the same engine, {@code ImportPipeline.runBatch}) of service s-1, which refers to v-1, runs
     * while a delete import's transaction has deleted v-1 and not committed. The batch locks v-1 before it writes
     * ({@code ReferenceResolver}, {@code RecordStore.lockReferenced}): on PostgreSQL it waits for the delete, then
     * finds v-1 gone, and rejects the item as it rejects any reference to a vendor that does not exist. Without that
     * lock it read v-1 as the delete had not committed yet, and stored s-1 referring to a record that was then deleted.
     * On SQLite the batch waits for the one write lock at its start, so it runs after the delete.
     */
    @Test
    void anImportApiBatchThatRunsWhileADeleteRemovesTheRecordItRefersToRejectsItsItem() throws Exception {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name\nv-1,Acme\n");
        ImportJob batch = jobs.inline(new ImportJobs.Request(org, "service", "report:services", UploadMode.SYNC,
                Action.MERGE, DuplicateHandling.IGNORE_ALL, "test", "key_test",
                Map.of("external_id", "external_id", "name", "name", "vendor", "vendor")));
        ImportPipeline other = new ImportPipeline(db, imports, records, new SchemaStore(clock), clock, 3);
        AtomicReference<ImportPipeline.BatchOutcome> written = new AtomicReference<>();

        RaceOutcome race = whileInsideFirstChunk(pipeline,
                () -> run(Action.DELETE, DuplicateHandling.IGNORE_ALL, "external_id\nv-1\n"), () -> {
                    written.set(other.runBatch(batch, List.of(Map.of("external_id", "s-1", "name", "Base",
                            "vendor", "v-1"))));
                    return written.get().job();
                });

        assertThat(race.holder().stats()).isEqualTo(new ImportStats(1, 1, 0, 0, 0, 1, 0, 0));
        assertThat(race.other().status()).isEqualTo(Status.COMPLETED);
        assertThat(race.other().reason()).isEqualTo("1 of 1 rows failed");
        assertThat(race.other().stats()).isEqualTo(new ImportStats(1, 0, 0, 0, 0, 0, 0, 1));
        assertThat(written.get().rows()).containsExactly(
                new ImportPipeline.ChunkResultRow(1, "s-1", null, "failed"));
        assertThat(written.get().errors()).containsExactly(new Violation(1, "s-1", "vendor",
                ViolationCode.INVALID_FIELD_VALUE, "vendor: no vendor with external_id \"v-1\""));
        assertThat(ids("v-1")).isEmpty();
        assertThat(serviceIds("s-1")).isEmpty();
    }

    /**
     * The other way round: an Import API batch of service s-1, which refers to v-1, has locked v-1 before it wrote
     * ({@code ReferenceResolver}, {@code RecordStore.lockReferenced}) and not committed when a delete import of v-1
     * starts on a thread of its own ({@code ImportPipeline.insideBatch}). On PostgreSQL the delete's lock of v-1
     * ({@code StillReferred}, {@code RecordStore.lockToDelete}) waits for the batch's commit, then sees s-1's reference
     * and keeps v-1 ({@code record_referenced}). Without the batch's lock the delete counted before the batch
     * committed, found nothing referring to v-1 and deleted it, and s-1 was committed naming no record. On SQLite the
     * delete waits for the one write lock, so it runs after the batch.
     */
    @Test
    void aDeleteThatRunsWhileAnImportApiBatchStoresAReferenceToItsRecordKeepsTheRecord() throws Exception {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name\nv-1,Acme\n");
        String vendorId = ids("v-1").get("v-1");
        ImportJob batch = jobs.inline(new ImportJobs.Request(org, "service", "report:services", UploadMode.SYNC,
                Action.MERGE, DuplicateHandling.IGNORE_ALL, "test", "key_test",
                Map.of("external_id", "external_id", "name", "name", "vendor", "vendor")));

        BesideADelete<ImportPipeline.BatchOutcome> both = whileADeleteOfV1Runs(pipeline::insideBatch,
                () -> pipeline.runBatch(batch, List.of(Map.of("external_id", "s-1", "name", "Base", "vendor", "v-1"))));

        String serviceId = serviceIds("s-1").get("s-1");
        ImportPipeline.BatchOutcome written = both.work();
        assertThat(written.job().status()).isEqualTo(Status.COMPLETED);
        assertThat(written.job().reason()).isNull();
        assertThat(written.job().stats()).isEqualTo(new ImportStats(1, 1, 1, 0, 0, 0, 0, 0));
        assertThat(written.rows()).containsExactly(new ImportPipeline.ChunkResultRow(1, "s-1", serviceId, "created"));
        assertThat(written.errors()).isEmpty();
        assertDeleteOfV1RefusedForService(both.delete(), serviceId);
        assertThat(ids("v-1")).isEqualTo(Map.of("v-1", vendorId));
        assertThat(serviceVendor(serviceId)).isEqualTo(new Value.Ref("v-1", "vendor", vendorId));
    }

    /**
     * A chunk of services updates s-0 and s-1, and gives s-1 a dependency on s-2 (ids in that order), while a delete
     * import of s-1 and s-2 runs. The test's transaction holds s-0 for share (PostgreSQL), so the writer's chunk waits
     * at s-0 in its upsert, which takes the chunk's records in id order; then the delete starts on a thread of its own
     * and waits for a lock, and the test lets the writer go. The chunk locked s-2, the record it refers to, together
     * with its own records s-0 and s-1, in one statement in id order ({@code ReferenceResolver},
     * {@code RecordStore.lockReferenced}, for key share, which the test's lock lets by): the delete, which locks s-1
     * then s-2 as it reads them ({@code RecordStore.existingToDelete}), waits at s-1 for the chunk's commit, then
     * deletes both in one attempt: no transaction of either import runs again (the delete's first try read s-1 before
     * the chunk's change and locked it after, and ran again, until it read under its lock). Before, the chunk locked
     * s-2 only, and s-1 as its upsert reached it, after s-0: the delete held s-1 and waited for s-2, the chunk waited
     * for s-1, and PostgreSQL broke the deadlock (40P01) by failing one of them, which ran again. On SQLite the writer
     * and the delete run one after the other.
     */
    @Test
    void aChunkThatUpdatesItsOwnRecordsAndLocksTheirDependencyDoesNotDeadlockWithADeleteOfThem() throws Exception {
        Map<String, String> ids = servicesS0ToS2();
        String services = "external_id,name,vendor,dependencies\ns-0,Audit,v-2,\ns-1,Base,v-1,s-2\n";
        ImportJob writer = pipeline.prepare(uploaded("service", Action.MERGE, DuplicateHandling.IGNORE_ALL, null).id(),
                csv(services));

        assertWritesBesideADeleteOfS1AndS2WithoutARaceLost(writer, services, ids);
    }

    /**
     * As above, the chunk being a file workflow import's that matches s-0 and s-1 by name (the file has no external_id
     * column): its lock of the records it refers to takes the records it matched with them, in id order
     * ({@code MatchingWriter.matchedOwn}, {@code RecordStore.lockReferenced}), so the delete waits at s-1 for the
     * chunk's commit, and neither import runs a transaction again. Before, the lock took the records its rows named
     * by external_id only (none): the chunk updated s-0 and s-1 row by row as it came to them, the delete held s-1 and
     * waited for s-2, the chunk waited for s-1, and PostgreSQL broke the deadlock (40P01), a race lost and run again.
     */
    @Test
    void aFileWorkflowChunkThatUpdatesRecordsItMatchedByNameDoesNotDeadlockWithADeleteOfThem() throws Exception {
        Map<String, String> ids = servicesS0ToS2();
        String services = "name,vendor,dependencies\nAudit,v-2,\nBase,v-1,s-2\n";
        ImportJob writer = workflowJob("service", List.of("name", "vendor", "dependencies"),
                ExecuteOptions.DuplicateStrategy.UPDATE, List.of("name"), csv(services));

        assertWritesBesideADeleteOfS1AndS2WithoutARaceLost(writer, services, ids);
    }

    /** Vendors, and services s-0 (Audit), s-1 (Base) and s-2 (Ledger) in that id order: their ids by external id. */
    private Map<String, String> servicesS0ToS2() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        runServices("external_id,name,vendor,dependencies\ns-0,Audit,v-1,\n");
        runServices("external_id,name,vendor,dependencies\ns-1,Base,v-1,\ns-2,Ledger,v-1,\n");
        Map<String, String> ids = serviceIds("s-0", "s-1", "s-2");
        assertThat(ids.get("s-0")).isLessThan(ids.get("s-1"));
        assertThat(ids.get("s-1")).isLessThan(ids.get("s-2"));
        return ids;
    }

    /**
     * Processes {@code writer} (an import of {@code services} that updates s-0 and s-1 and gives s-1 a dependency on
     * s-2) beside a delete import of s-1 and s-2, interleaved as the tests above say on PostgreSQL, one after the other
     * on SQLite; checks that no transaction of either lost a race and ran again, that the writer updated both records
     * and that the delete deleted s-1 and s-2.
     */
    private void assertWritesBesideADeleteOfS1AndS2WithoutARaceLost(ImportJob writer, String services,
            Map<String, String> ids) throws Exception {
        String deletes = "external_id\ns-1\ns-2\n";
        ImportJob delete = pipeline.prepare(uploaded("service", Action.DELETE, DuplicateHandling.IGNORE_ALL, null).id(),
                csv(deletes));
        ImportPipeline writing = new ImportPipeline(db, imports, records, new SchemaStore(clock), clock, 3);
        ImportPipeline deleting = new ImportPipeline(db, imports, records, new SchemaStore(clock), clock, 3);
        List<StoreException> lost = new CopyOnWriteArrayList<>();
        writing.lostRace(lost::add);
        deleting.lostRace(lost::add);
        ExecutorService workers = Executors.newFixedThreadPool(2);
        try {
            List<Future<ImportJob>> started = new ArrayList<>();
            Callable<ImportJob> write = () -> writing.process(writer.id(), csv(services), ImportPipeline.Listener.NONE);
            Callable<ImportJob> remove = () -> deleting.process(delete.id(), csv(deletes),
                    ImportPipeline.Listener.NONE);
            if (databases() == TestDatabases.POSTGRESQL) {
                db.inTransaction(h -> {
                    h.query("select id from records where organization_id = ? and id = ? for share",
                            rs -> rs.getString(1), org, ids.get("s-0"));
                    started.add(workers.submit(write));
                    databases().awaitLockWaiter(db, "", started.getFirst());
                    started.add(workers.submit(remove));
                    databases().awaitLockWaiter(db, LOCK_TO_DELETE, started.getLast());
                    return null;
                });
            } else {
                started.add(CompletableFuture.completedFuture(write.call()));
                started.add(CompletableFuture.completedFuture(remove.call()));
            }
            ImportJob written = started.getFirst().get(60, TimeUnit.SECONDS);
            ImportJob deleted = started.getLast().get(60, TimeUnit.SECONDS);

            assertThat(lost).isEmpty();
            assertThat(written.stats()).isEqualTo(new ImportStats(2, 2, 0, 2, 0, 0, 0, 0));
            assertThat(deleted.stats()).isEqualTo(new ImportStats(2, 2, 0, 0, 0, 2, 0, 0));
            assertThat(serviceIds("s-0", "s-1", "s-2")).isEqualTo(Map.of("s-0", ids.get("s-0")));
        } finally {
            workers.shutdownNow();
        }
    }

    /**
     * A delete import of v-1 and v-2 runs while another import's chunk has updated both and not committed: it holds
     * its chunk until a statement waits for a lock ({@link #whileAWriterHoldsItsChunk}). The delete reads its records
     * under their locks ({@code RecordStore.existingToDelete}): on PostgreSQL it waits for the writer's commit, then
     * reads them as the writer left them, and deletes them at those versions in one attempt, logging the writer's
     * values. Before, it read them first and locked them after ({@code StillReferred}, vendors being records services
     * refer to): it waited there, its delete at the versions read before missed, and its chunk ran again (a lost
     * race, each time). On SQLite the writer runs before the delete.
     */
    @Test
    void aDeleteThatWaitedForAWriterOfItsRecordsDeletesThemInOneAttempt() throws Exception {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);

        assertDeletedInOneAttemptBesideAWriter("vendor", "name", List.of("v-1", "v-2"), List.of("Acme 2", "Beta 2"));
    }

    /**
     * As above for contacts, records nothing can refer to: the delete locked nothing before its delete, which waited
     * for the writer on PostgreSQL and then missed, and its chunk ran again. Now it reads them under their locks too.
     */
    @Test
    void aDeleteOfRecordsNothingRefersToThatWaitedForAWriterDeletesThemInOneAttempt() throws Exception {
        String contacts = "external_id,displayName,email\nc-1,Ann,ann@example.com\nc-2,Bob,bob@example.com\n";
        ImportJob seeded = pipeline.prepare(uploaded("contact", Action.MERGE, DuplicateHandling.IGNORE_ALL, null).id(),
                csv(contacts));
        assertThat(pipeline.process(seeded.id(), csv(contacts), ImportPipeline.Listener.NONE).stats())
                .isEqualTo(new ImportStats(2, 2, 2, 0, 0, 0, 0, 0));

        assertDeletedInOneAttemptBesideAWriter("contact", "displayName", List.of("c-1", "c-2"),
                List.of("Ann 2", "Bob 2"));
    }

    /**
     * Deletes the two stored records of {@code object} with the external ids {@code keys} by a delete import that runs
     * while an import that gives them the {@code names} (in {@code nameField}) holds its first chunk; checks that the
     * writer updated both, that the delete deleted both without a transaction run again, and that its change log
     * holds the names the writer gave them, at version 2.
     */
    private void assertDeletedInOneAttemptBesideAWriter(String object, String nameField, List<String> keys,
            List<String> names) throws Exception {
        StringBuilder changes = new StringBuilder("external_id," + nameField + "\n");
        for (int i = 0; i < keys.size(); i++) {
            changes.append(keys.get(i)).append(',').append(names.get(i)).append('\n');
        }
        Map<String, String> ids = db.withHandle((Handle h) -> records.idsByExternalId(h, org, object, keys));
        String deletes = "external_id\n" + String.join("\n", keys) + "\n";
        ImportJob delete = pipeline.prepare(uploaded(object, Action.DELETE, DuplicateHandling.IGNORE_ALL, null).id(),
                csv(deletes));
        List<StoreException> lost = new CopyOnWriteArrayList<>();
        pipeline.lostRace(lost::add);

        BesideAWriter<ImportJob> both = whileAWriterHoldsItsChunk(Runnable::run, object, changes.toString(),
                () -> pipeline.process(delete.id(), csv(deletes), ImportPipeline.Listener.NONE));

        assertThat(both.writer().stats()).isEqualTo(new ImportStats(2, 2, 0, 2, 0, 0, 0, 0));
        assertThat(both.work().stats()).isEqualTo(new ImportStats(2, 2, 0, 0, 0, 2, 0, 0));
        assertThat(lost).isEmpty();
        assertThat(db.withHandle((Handle h) -> records.idsByExternalId(h, org, object, keys))).isEmpty();
        Map<String, Change> logged = db.withHandle((Handle h) -> imports.changes(h, delete.id(), ids.values()));
        ObjectDef definition = BuiltInObjects.ALL.stream().filter(o -> o.slug().equals(object)).findFirst()
                .orElseThrow();
        for (int i = 0; i < keys.size(); i++) {
            Change change = logged.get(ids.get(keys.get(i)));
            assertThat(List.of(change.kind(), change.externalId(), change.previousVersion()))
                    .isEqualTo(List.of("deleted", keys.get(i), 2L));
            assertThat(ValueJson.decode(change.previousData(), definition).get(nameField))
                    .isEqualTo(new Value.Text(names.get(i)));
        }
    }

    /**
     * The lock a chunk of an object that refers to itself takes on the records it refers to takes its own records
     * too, in the same statement ({@code RecordStore.lockReferenced}): a chunk of services that updates s-1 and s-2
     * and refers to s-3 takes as many statements as before, and a chunk of vendors, which refer to nothing, locks
     * nothing and takes as many as before (on the code before, the same counts: 3 and 6 on PostgreSQL, 6 and 8 on
     * SQLite).
     */
    @Test
    void aChunkLocksItsOwnRecordsWithTheRecordsItRefersToInNoStatementMore() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        runServices("external_id,name,vendor,dependencies\ns-1,Base,v-1,\ns-2,Ledger,v-1,\ns-3,Audit,v-1,\n");
        Schema schema = db.withHandle(h -> new SchemaStore(clock).schema(h, org));
        ChunkWriter vendors = mergeWriter();
        RowTransformer vendorRows = names();
        List<ParsedRow> vendorChunk = List.of(
                vendors.prepare(vendorRows.parse(new SourceRow(1, 2, Map.of("external_id", "v-1", "name", "Acme 2")))),
                vendors.prepare(vendorRows.parse(new SourceRow(2, 3, Map.of("external_id", "v-2", "name", "Beta 2")))));
        ChunkWriter services = new ChunkWriter(records, db, schema, BuiltInObjects.SERVICE, org,
                uploaded("service", Action.MERGE, DuplicateHandling.IGNORE_ALL, null).id(), Action.MERGE,
                DuplicateHandling.IGNORE_ALL, Map.of(), "file", null);
        RowTransformer serviceRows = new RowTransformer(BuiltInObjects.SERVICE, Map.of("external_id", "external_id",
                "name", "name", "vendor", "vendor", "dependencies", "dependencies"), Action.MERGE, false);
        List<ParsedRow> serviceChunk = List.of(
                services.prepare(serviceRows.parse(new SourceRow(1, 2, Map.of("external_id", "s-1", "name", "Base 2",
                        "vendor", "v-1", "dependencies", "s-3")))),
                services.prepare(serviceRows.parse(new SourceRow(2, 3, Map.of("external_id", "s-2", "name",
                        "Ledger 2", "vendor", "v-1", "dependencies", "s-3")))));
        dev.freight.store.StatementCount statements = new dev.freight.store.StatementCount();

        ChunkWriter.Result vendorsWritten = db.inTransaction(h -> vendors.write(statements.counting(h), vendorChunk));
        int vendorStatements = statements.taken();
        ChunkWriter.Result servicesWritten = db.inTransaction(h -> services.write(statements.counting(h),
                serviceChunk));
        int serviceStatements = statements.taken();

        assertThat(vendorsWritten.stats()).isEqualTo(new ImportStats(2, 2, 0, 2, 0, 0, 0, 0));
        assertThat(servicesWritten.stats()).isEqualTo(new ImportStats(2, 2, 0, 2, 0, 0, 0, 0));
        assertThat(dependencies("s-1")).isEqualTo(refs(new Value.Ref("s-3", "service", serviceIds("s-3")
                .get("s-3"))));
        assertThat(List.of(vendorStatements, serviceStatements))
                .isEqualTo(databases() == TestDatabases.POSTGRESQL ? List.of(3, 6) : List.of(6, 8));
    }

    /**
     * A delete chunk reads its records and locks them in one statement ({@code RecordStore.existingToDelete}), and
     * looks for what refers to them without locking them again: a chunk deleting v-1 and v-2, which services and
     * assessments may refer to, takes 4 statements on PostgreSQL and 7 on SQLite; before, 5 on PostgreSQL, the read
     * and the lock ({@code StillReferred}) being two (SQLite locks nothing). Both counts were 2 higher before the
     * references among the deleted records were looked for in their own object only (vendors refer to none).
     */
    @Test
    void aDeleteChunkReadsAndLocksItsRecordsInOneStatement() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        Schema schema = db.withHandle(h -> new SchemaStore(clock).schema(h, org));
        ChunkWriter deletes = new ChunkWriter(records, db, schema, BuiltInObjects.VENDOR, org,
                uploaded("vendor", Action.DELETE, DuplicateHandling.IGNORE_ALL, null).id(), Action.DELETE,
                DuplicateHandling.IGNORE_ALL, Map.of(), "file", null);
        RowTransformer rows = new RowTransformer(BuiltInObjects.VENDOR, Map.of("external_id", "external_id"),
                Action.DELETE, false);
        List<ParsedRow> chunk = List.of(rows.parse(new SourceRow(1, 2, Map.of("external_id", "v-1"))),
                rows.parse(new SourceRow(2, 3, Map.of("external_id", "v-2"))));
        dev.freight.store.StatementCount statements = new dev.freight.store.StatementCount();

        ChunkWriter.Result written = db.inTransaction(h -> deletes.write(statements.counting(h), chunk));

        assertThat(written.stats()).isEqualTo(new ImportStats(2, 2, 0, 0, 0, 2, 0, 0));
        assertThat(ids("v-1", "v-2", "v-3")).containsOnlyKeys("v-3");
        assertThat(statements.taken()).isEqualTo(databases() == TestDatabases.POSTGRESQL ? 4 : 7);
    }

    /**
     * How a delete chunk's read of its records under their locks ({@code RecordStore.existingToDelete}) begins, as
     * PostgreSQL shows it.
     */
    private static final String LOCK_TO_DELETE = "select id, external_id, data, version from records where"
            + " organization_id = $1 and object = $2 and external_id = any(";

    /**
     * An overwrite of services kept s-3 without its dependency on s-1, and deleted s-1 and s-2 (which depends on s-1
     * too); then another writer stored a new s-1. Rolling the overwrite back cannot re-create the old s-1 (its
     * external_id is taken), so neither s-2's re-creation nor s-3's restore may put back a reference to it: both are
     * conflicts, s-2 stays deleted, s-3 keeps no dependency and the new s-1 is untouched. Before, the old s-1 counted
     * as coming back whether or not it did: s-2 was re-created and s-3 restored naming a record that does not exist.
     */
    @Test
    void aRollbackDoesNotPutBackAReferenceToADeletedRecordItCouldNotReCreate() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        runServices("external_id,name,vendor,dependencies\ns-1,Base,v-1,\ns-2,Ledger,v-1,s-1\ns-3,Billing,v-1,s-1\n");
        Map<String, String> before = serviceIds("s-1", "s-2", "s-3");
        ImportJob overwrite = runServices(Action.OVERWRITE,
                "external_id,name,vendor,dependencies\ns-3,Billing,v-1,\n");
        assertThat(overwrite.stats()).isEqualTo(new ImportStats(1, 1, 0, 1, 0, 2, 0, 0));
        runServices("external_id,name,vendor,dependencies\ns-1,Fresh,v-2,\n");
        String fresh = serviceIds("s-1").get("s-1");

        ImportRollback.Result undone = rollback.rollback(overwrite, "key_test");

        String notBack = " (field dependencies), which the rollback could not re-create";
        List<ImportRollback.Conflict> expected = new ArrayList<>(List.of(
                new ImportRollback.Conflict(before.get("s-1"), "s-1",
                        "a record with its id or external_id exists again"),
                new ImportRollback.Conflict(before.get("s-2"), "s-2", "not re-created: its earlier values refer to"
                        + " service " + before.get("s-1") + notBack),
                new ImportRollback.Conflict(before.get("s-3"), "s-3", "not restored: its earlier values refer to"
                        + " service " + before.get("s-1") + notBack)));
        expected.sort(Comparator.comparing(ImportRollback.Conflict::recordId));
        assertThat(undone.conflicts()).containsExactlyElementsOf(expected);
        assertThat(undone.conflictCount()).isEqualTo(3);
        assertThat(undone.restored()).isZero();
        assertThat(undone.deleted()).isZero();
        assertThat(serviceIds("s-1", "s-2", "s-3")).isEqualTo(Map.of("s-1", fresh, "s-3", before.get("s-3")));
        assertThat(dependencies("s-3")).isNull();
        assertThat(dependencies("s-1")).isNull();
        assertThat(serviceVendor(fresh)).isEqualTo(new Value.Ref("v-2", "vendor", ids("v-2").get("v-2")));
    }

    /**
     * The overwrite above rolled back with nobody taking s-1 meanwhile: s-1 and s-2 come back under their ids, and
     * s-3 depends on s-1 again, with no conflict. Re-creating the deleted records before the restores changes nothing
     * for a rollback whose records all come back.
     */
    @Test
    void aRollbackRestoresAReferenceToADeletedRecordItReCreates() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        runServices("external_id,name,vendor,dependencies\ns-1,Base,v-1,\ns-2,Ledger,v-1,s-1\ns-3,Billing,v-1,s-1\n");
        Map<String, String> before = serviceIds("s-1", "s-2", "s-3");
        ImportJob overwrite = runServices(Action.OVERWRITE,
                "external_id,name,vendor,dependencies\ns-3,Billing,v-1,\n");
        assertThat(overwrite.stats()).isEqualTo(new ImportStats(1, 1, 0, 1, 0, 2, 0, 0));

        ImportRollback.Result undone = rollback.rollback(overwrite, "key_test");

        assertThat(undone.conflicts()).isEmpty();
        assertThat(undone.conflictCount()).isZero();
        assertThat(undone.restored()).isEqualTo(3);
        assertThat(undone.deleted()).isZero();
        assertThat(serviceIds("s-1", "s-2", "s-3")).isEqualTo(before);
        Value s1 = refs(new Value.Ref("s-1", "service", before.get("s-1")));
        assertThat(dependencies("s-2")).isEqualTo(s1);
        assertThat(dependencies("s-3")).isEqualTo(s1);
    }

    /**
     * A delete import removed a chain of services, s-1 depending on s-2 and s-2 on s-3, and another writer stored a
     * new s-3. Rolling the delete back cannot re-create the old s-3, so it does not re-create s-2, which would depend
     * on it, nor s-1, which would depend on s-2, whatever order their ids come in: three conflicts, nothing
     * re-created, the new s-3 untouched. Before, s-1 and s-2 were re-created, s-2 depending on a record that does not
     * exist.
     */
    @Test
    void aRollbackDoesNotReCreateAChainOfRecordsWhoseLastItCouldNotReCreate() throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, VENDORS);
        runServices(chainOfServices(3));
        Map<String, String> before = serviceIds("s-1", "s-2", "s-3");
        ImportJob delete = runServices(Action.DELETE, "external_id\ns-1\ns-2\ns-3\n");
        assertThat(delete.stats()).isEqualTo(new ImportStats(3, 3, 0, 0, 0, 3, 0, 0));
        runServices("external_id,name,vendor,dependencies\ns-3,Fresh,v-2,\n");
        String fresh = serviceIds("s-3").get("s-3");

        ImportRollback.Result undone = rollback.rollback(delete, "key_test");

        String notBack = " (field dependencies), which the rollback could not re-create";
        List<ImportRollback.Conflict> expected = new ArrayList<>(List.of(
                new ImportRollback.Conflict(before.get("s-1"), "s-1", "not re-created: its earlier values refer to"
                        + " service " + before.get("s-2") + notBack),
                new ImportRollback.Conflict(before.get("s-2"), "s-2", "not re-created: its earlier values refer to"
                        + " service " + before.get("s-3") + notBack),
                new ImportRollback.Conflict(before.get("s-3"), "s-3",
                        "a record with its id or external_id exists again")));
        expected.sort(Comparator.comparing(ImportRollback.Conflict::recordId));
        assertThat(undone.conflicts()).containsExactlyElementsOf(expected);
        assertThat(undone.conflictCount()).isEqualTo(3);
        assertThat(undone.restored()).isZero();
        assertThat(undone.deleted()).isZero();
        assertThat(serviceIds("s-1", "s-2", "s-3")).isEqualTo(Map.of("s-3", fresh));
        assertThat(db.withHandle((Handle h) -> records.existingByIds(h, org, before.values()))).isEmpty();
    }

    /** What two imports that ran into one another ended as: the one that held its chunk open, and the other. */
    private record RaceOutcome(ImportJob holder, ImportJob other) {}

    /** An import run, for {@link #whileInsideFirstChunk}. */
    private interface ImportRun {
        ImportJob run() throws Exception;
    }

    /**
     * Runs {@code holder} (an import of {@code holding}'s pipeline); inside its first chunk's transaction, after its
     * writes and before its commit, starts {@code other} on a thread of its own and lets the transaction commit once
     * {@code other} waits for one of the record locks that transaction holds (PostgreSQL), or has ended without
     * waiting (the old code). On SQLite {@code other} waits for the one write lock as its transaction begins, so it
     * runs after the holder's chunk.
     */
    private RaceOutcome whileInsideFirstChunk(ImportPipeline holding, ImportRun holder, ImportRun other)
            throws Exception {
        return whileInsideFirstChunk(holding, RECORD_LOCK, holder, other);
    }

    /**
     * {@link #whileInsideFirstChunk(ImportPipeline, ImportRun, ImportRun)}, the holder's transaction committing once a
     * statement of {@code other} that starts with {@code statement} waits for a lock ("": any).
     */
    private RaceOutcome whileInsideFirstChunk(ImportPipeline holding, String statement, ImportRun holder,
            ImportRun other) throws Exception {
        ExecutorService worker = Executors.newSingleThreadExecutor();
        try {
            AtomicBoolean first = new AtomicBoolean(true);
            List<Future<ImportJob>> started = new ArrayList<>();
            holding.insideChunk((h, rows) -> {
                if (first.getAndSet(false)) {
                    Future<ImportJob> run = worker.submit(other::run);
                    started.add(run);
                    databases().awaitLockWaiter(db, statement, run);
                }
            });
            ImportJob held = holder.run();
            holding.insideChunk((h, rows) -> {});
            return new RaceOutcome(held, started.getFirst().get(60, TimeUnit.SECONDS));
        } finally {
            worker.shutdownNow();
        }
    }

    /**
     * How the store's locking selects of records to delete or to refer to begin, to wait for them: "select id from
     * records" ({@code RecordStore.lockToDelete}, {@code lockReferenced}) or, a delete chunk reading its records under
     * their locks, "select id, external_id, data, version from records" ({@code RecordStore.existingToDelete}).
     */
    private static final String RECORD_LOCK = "select id";

    /** The stored value of service {@code id}'s vendor field. */
    private Value serviceVendor(String id) {
        return ValueJson.decode(db.withHandle(h -> records.existingByIds(h, org, List.of(id))).get(id).data(),
                BuiltInObjects.SERVICE).get("vendor");
    }

    ImportJob run(Action action, DuplicateHandling duplicates, String content) throws IOException {
        ImportJob job = prepared(action, duplicates, content);
        assertThat(job.status()).isEqualTo(Status.QUEUED);
        return pipeline.process(job.id(), csv(content), ImportPipeline.Listener.NONE);
    }

    ImportJob prepared(Action action, DuplicateHandling duplicates, String content) throws IOException {
        return prepared(action, duplicates, content, null);
    }

    ImportJob prepared(Action action, DuplicateHandling duplicates, String content, Map<String, String> mapping)
            throws IOException {
        return pipeline.prepare(uploaded(action, duplicates, mapping).id(), csv(content));
    }

    /** An import whose CSV upload has arrived, before prevalidation. */
    ImportJob uploaded(Action action, DuplicateHandling duplicates, Map<String, String> mapping) {
        return uploaded("vendor", action, duplicates, mapping);
    }

    ImportJob uploaded(String resource, Action action, DuplicateHandling duplicates, Map<String, String> mapping) {
        ImportJob job = jobs.requested(new ImportJobs.Request(org, resource, "imports", UploadMode.ASYNC, action,
                duplicates, "test", "key_test", mapping), START.plus(Duration.ofHours(1)));
        ImportJob uploaded = job.withUpload("sha", "csv", "vendors.csv", null).withDeadline(START.plus(
                Duration.ofHours(1)));
        db.inTransaction(h -> {
            imports.create(h, uploaded);
            return null;
        });
        return uploaded;
    }

    /**
     * Prevalidates an import whose upload was prescanned from {@code streamed} while the file stored holds
     * {@code stored}. The two differ in the tests so that the row count tells which one prevalidation read.
     */
    ImportJob preparedAfterPrescan(byte[] streamed, String stored) throws IOException {
        return preparedAfterPrescan(streamed, "sha", stored);
    }

    /** As above, the prescan handed over as the read of the upload whose SHA-256 is {@code checksum}. */
    ImportJob preparedAfterPrescan(byte[] streamed, String checksum, String stored) throws IOException {
        ImportJob job = uploaded(Action.MERGE, DuplicateHandling.IGNORE_ALL, null);
        Path file = Files.createTempFile(dir, "stored", ".csv");
        Files.writeString(file, stored);
        pipeline.usePrescan(job.id(), pipeline.prescan(job.id(), new ByteArrayInputStream(streamed), file), checksum);
        return pipeline.prepare(job.id(), () -> Readers.open(file, FileType.CSV, ReadOptions.defaults()));
    }

    /**
     * {@code source}, running {@code before} on the reading thread before the {@code row}th data row is read (every
     * row when {@code row} is 0).
     */
    static ImportPipeline.RowSource reading(ImportPipeline.RowSource source, int row, Runnable before) {
        return () -> {
            RowReader reader = source.open();
            AtomicInteger read = new AtomicInteger();
            return new RowReader() {
                @Override
                public List<String> headers() {
                    return reader.headers();
                }

                @Override
                public SourceFormat format() {
                    return reader.format();
                }

                @Override
                public SourceRow next() throws IOException {
                    if (read.incrementAndGet() == row || row == 0) {
                        before.run();
                    }
                    return reader.next();
                }

                @Override
                public void close() throws IOException {
                    reader.close();
                }
            };
        };
    }

    /**
     * An overwrite of v-1 alone, after v-1 to v-3: completed with no reason and no rejected row, its cleanup having
     * deleted the other two records.
     */
    void assertCompletedDeletingTheOtherTwo(ImportJob done) {
        assertThat(done.status()).isEqualTo(Status.COMPLETED);
        assertThat(done.reason()).isNull();
        assertThat(errors(done)).isEmpty();
        assertThat(done.stats()).isEqualTo(new ImportStats(1, 1, 0, 0, 1, 2, 0, 0));
        assertThat(done.phase(Phase.CLEANUP).status()).isEqualTo(PhaseStatus.COMPLETED);
        assertThat(done.phase(Phase.CLEANUP).rows()).isEqualTo(2);
        assertThat(done.phase(Phase.CLEANUP).reason()).isNull();
    }

    ImportPipeline.RowSource csv(String content) throws IOException {
        Path file = Files.createTempFile(dir, "rows", ".csv");
        Files.writeString(file, content);
        return () -> Readers.open(file, FileType.CSV, ReadOptions.defaults());
    }

    ImportJob load(String id) {
        return db.withHandle(h -> imports.get(h, id)).orElseThrow();
    }

    List<RowError> errors(ImportJob job) {
        List<RowError> out = new ArrayList<>();
        db.withHandle(h -> {
            imports.errors(h, job.id(), out::add);
            return null;
        });
        return out;
    }

    Map<String, String> ids(String... externalIds) {
        return db.withHandle(h -> records.idsByExternalId(h, org, "vendor", List.of(externalIds)));
    }

    long vendorCount() {
        return db.withHandle(h -> records.count(h, org, "vendor"));
    }

    StoredRecord vendor(String externalId) {
        return db.withHandle(h -> records.page(h, org, BuiltInObjects.VENDOR, externalId, null, 1, null))
                .getFirst();
    }

    /**
     * The delete import of v-1 (one row) rejected it: {@code record_referenced}, still referred to by service
     * {@code serviceId}.
     */
    private void assertDeleteOfV1RefusedForService(ImportJob delete, String serviceId) {
        assertThat(delete.stats()).isEqualTo(new ImportStats(1, 0, 0, 0, 0, 0, 0, 1));
        assertThat(errors(delete)).containsExactly(new RowError(1, 1, 2, "v-1", "external_id",
                "record_referenced", "still referred to by service " + serviceId
                        + " (field vendor), which this file does not delete", "{\"external_id\":\"v-1\"}"));
    }

    /** What {@link #whileADeleteOfV1Runs} ended with: what the work it ran beside returned, and the delete import. */
    private record BesideADelete<T>(T work, ImportJob delete) {}

    /**
     * Rolls {@code job} back while a delete import of vendor v-1 runs: started once the rollback has restored and
     * re-created its records ({@code ImportRollback.afterRestored}), see {@link #whileADeleteOfV1Runs}.
     */
    private BesideADelete<ImportRollback.Result> rollBackWhileADeleteOfV1Runs(ImportJob job) throws Exception {
        return whileADeleteOfV1Runs(rollback::afterRestored, () -> rollback.rollback(job, "key_test"));
    }

    /**
     * Runs {@code work} while a delete import of vendor v-1 runs: started on a thread of its own from the hook that
     * {@code at} sets, inside {@code work}'s transaction, which commits only once the delete waits for a record lock
     * (PostgreSQL), or has ended without waiting (were the lock missing).
     */
    private <T> BesideADelete<T> whileADeleteOfV1Runs(Consumer<Runnable> at, Callable<T> work) throws Exception {
        String deletes = "external_id\nv-1\n";
        ImportJob delete = prepared(Action.DELETE, DuplicateHandling.IGNORE_ALL, deletes);
        ImportPipeline other = new ImportPipeline(db, imports, records, new SchemaStore(clock), clock, 3);
        ExecutorService worker = Executors.newSingleThreadExecutor();
        try {
            List<Future<ImportJob>> started = new ArrayList<>();
            at.accept(() -> {
                Future<ImportJob> run = worker.submit(() -> other.process(delete.id(), csv(deletes),
                        ImportPipeline.Listener.NONE));
                started.add(run);
                databases().awaitLockWaiter(db, RECORD_LOCK, run);
            });
            T done = work.call();
            return new BesideADelete<>(done, started.getFirst().get(60, TimeUnit.SECONDS));
        } finally {
            worker.shutdownNow();
        }
    }
}
