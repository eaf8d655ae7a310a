package dev.freight.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.freight.engine.ExecuteOptions.ColumnMap;
import dev.freight.engine.ExecuteOptions.DuplicateStrategy;
import dev.freight.engine.ExecuteOptions.MergeMode;
import dev.freight.ingest.FileType;
import dev.freight.ingest.ReadOptions;
import dev.freight.ingest.Readers;
import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.Field;
import dev.freight.schema.FieldType;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.Schema;
import dev.freight.schema.Value;
import dev.freight.store.Database;
import dev.freight.store.Handle;
import dev.freight.store.IdGenerator;
import dev.freight.store.ImportEnums.Action;
import dev.freight.store.ImportEnums.DuplicateHandling;
import dev.freight.store.ImportEnums.Status;
import dev.freight.store.ImportEnums.UploadMode;
import dev.freight.store.ImportJob;
import dev.freight.store.ImportStore;
import dev.freight.store.RecordStore;
import dev.freight.store.RecordWrite;
import dev.freight.store.RowError;
import dev.freight.store.SchemaStore;
import dev.freight.store.StoreException;
import dev.freight.store.StoredRecord;
import dev.freight.store.TenantStore;
import dev.freight.testing.SettableClock;
import dev.freight.testing.TestDatabases;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Validate predicts execute: the same file and options, validated and then executed against the same stored records,
 * give the same counts, the same errors (row, field, code, message) in the same order, the same rejected rows in the
 * same order in the errors files, the same warnings and the same referenceWarnings. Execute runs in chunks of 3 rows.
 */
abstract class ValidateExecuteContract {

    private static final Instant START = Instant.parse("2025-03-01T09:00:00Z");
    private static final AtomicInteger DATABASES = new AtomicInteger();

    abstract TestDatabases databases();

    /** Gives the database's text a collation other than the code-point order, where the database has one. */
    void collateLinguistically(Database database) {}

    @TempDir
    Path dir;

    Database db;
    ImportStore imports;
    RecordStore records;
    SchemaStore schemas;
    ImportPipeline pipeline;
    ImportJobs jobs;
    String org;

    @BeforeEach
    void openDatabaseWithAVendor() {
        SettableClock clock = new SettableClock(START);
        db = databases().open("validate_execute_" + DATABASES.incrementAndGet());
        collateLinguistically(db);
        IdGenerator ids = new IdGenerator(clock);
        imports = new ImportStore(clock);
        records = new RecordStore(ids, clock);
        schemas = new SchemaStore(clock);
        pipeline = new ImportPipeline(db, imports, records, schemas, clock, 3);
        jobs = new ImportJobs(ids, clock, Duration.ofHours(1));
        org = db.inTransaction(h -> new TenantStore(ids, clock).createOrganization(h, "acme", "Acme")).id();
        db.inTransaction(h -> records.upsert(h, org, BuiltInObjects.VENDOR, List.of(
                new RecordWrite("v-1", Map.of("name", new Value.Text("Vendor One"))))));
    }

    @AfterEach
    void closeDatabase() {
        db.close();
    }

    /**
     * A row rejected after the last row (its dependencies name two services by name) goes to validate's errors files in
     * its place, before the rows rejected as they were read, as execute lists it. Before, it came last.
     */
    @Test
    void aRowRejectedAfterTheLastRowIsInItsPlaceInTheErrorsFiles() throws IOException {
        Both both = both(BuiltInObjects.SERVICE, options(DuplicateStrategy.UPDATE, "external_id", "name", "vendor",
                "dependencies"), """
                external_id,name,vendor,dependencies
                s-1,Payments,v-1,hub
                s-2,Ledger,nobody,
                s-3,Hub,v-1,
                s-4,HUB,v-1,
                s-5,Broken,,
                """);

        both.agree();
        assertThat(both.counts()).containsExactly(5L, 2L, 3L, 0L);
        assertThat(both.errors()).containsExactly(
                "1|dependencies|ambiguous_reference|dependencies: \"hub\" matches 2 service records by name ignoring"
                        + " case; give the external_id of the one meant",
                "2|vendor|invalid_field_value|vendor: no vendor with external_id or name \"nobody\"",
                "5|vendor|missing_required_field|vendor: required field is missing (expected key \"vendor\")");
        assertThat(both.rejectedRows()).containsExactly(1L, 2L, 5L);
    }

    /**
     * Matched by external_id, a row that leaves the required name empty keeps the stored name under prefer_import and
     * fill_empty and is rejected under overwrite, which would empty it; a row that would create a vendor without a name
     * is rejected in every mode and takes no key, so a later row with its key creates the vendor, and one after that
     * updates it. Validate says so as execute does it. Before, every row with an empty name was rejected.
     */
    @ParameterizedTest
    @EnumSource(MergeMode.class)
    void aRowWithAnEmptyRequiredFieldIsCheckedOnTheRecordItWrites(MergeMode mode) throws IOException {
        ExecuteOptions update = options(DuplicateStrategy.UPDATE, "external_id", "name", "hq_location");
        Both both = both(BuiltInObjects.VENDOR, new ExecuteOptions(update.columns(), DuplicateStrategy.UPDATE, null,
                mode, false, false, null, false, null, null, null), """
                external_id,name,hq_location
                v-1,,Oslo
                v-9,,Rome
                v-9,Nine,Rome
                v-9,,Lima
                """);

        both.agree();
        String missing = "%d|name|missing_required_field|name: required field is missing (expected key \"name\")";
        if (mode == MergeMode.OVERWRITE) {
            assertThat(both.counts()).containsExactly(4L, 1L, 3L, 0L);
            assertThat(both.errors()).containsExactly(missing.formatted(1), missing.formatted(2), missing.formatted(4));
            assertThat(described("vendor", "v-1", "v-9")).containsExactly("v-1 name=Vendor One",
                    "v-9 hq_location=Rome name=Nine");
        } else {
            assertThat(both.counts()).containsExactly(4L, 3L, 1L, 0L);
            assertThat(both.errors()).containsExactly(missing.formatted(2));
            assertThat(described("vendor", "v-1", "v-9")).containsExactly("v-1 hq_location=Oslo name=Vendor One",
                    "v-9 hq_location=" + (mode == MergeMode.FILL_EMPTY ? "Rome" : "Lima") + " name=Nine");
        }
    }

    /**
     * Matched by external_id, a file without the name column updates the vendors it matches and rejects each row that
     * would create one, a repeated new key included.
     */
    @Test
    void aFileWithoutARequiredColumnUpdatesTheRecordsItMatchesByExternalId() throws IOException {
        Both both = both(BuiltInObjects.VENDOR, options(DuplicateStrategy.UPDATE, "external_id", "hq_location"), """
                external_id,hq_location
                v-1,Oslo
                v-9,Rome
                v-9,Lima
                v-1,Bern
                """);

        both.agree();
        assertThat(both.counts()).containsExactly(4L, 2L, 2L, 0L);
        assertThat(both.warnings()).containsExactly("null|name|required_field_not_mapped|Required field \"Name\" is not"
                + " mapped");
        String notMapped = "%d|name|missing_required_field|name: required field is not in the mapping";
        assertThat(both.errors()).containsExactly(notMapped.formatted(2), notMapped.formatted(3));
        assertThat(described("vendor", "v-1", "v-9")).containsExactly("v-1 hq_location=Bern name=Vendor One",
                "v-9 none");
    }

    /**
     * The links awaiting a later row (s-1's dependencies name "hub", which a later row may give), and the rows rejected
     * after such a row, wait in files in the temporary directory validate is given (FREIGHT_TEMP_DIR); when that
     * directory cannot be written (a plain file stands where it belongs, which refuses even root, as a full disk or a
     * read-only mount would), validate fails with TemporaryFileUnwritable, the server's storage, not the file, at the
     * first of them: the link. Before, the file went to java.io.tmpdir whatever the setting, and a failure to write it
     * was a plain IOException (500 internal_error).
     */
    @Test
    void rowsHeldBackForALaterRowThatTheTemporaryDirectoryCannotTakeFailTheValidationAsTemporaryStorage()
            throws IOException {
        Path file = Files.writeString(dir.resolve("services.csv"), """
                external_id,name,vendor,dependencies
                s-1,Payments,v-1,hub
                s-2,Ledger,nobody,
                s-3,Hub,v-1,
                """);
        Path notADirectory = Files.writeString(dir.resolve("temp"), "not a directory");
        Schema schema = db.withHandle(h -> schemas.schema(h, org));
        List<ImportValidator.Rejected> handed = new ArrayList<>();

        ImportValidator validator = new ImportValidator(1_000, db, records, schema, org, notADirectory);

        assertThatThrownBy(() -> validator.validate(BuiltInObjects.SERVICE, options(DuplicateStrategy.UPDATE,
                "external_id", "name", "vendor", "dependencies"),
                () -> Readers.open(file, FileType.CSV, ReadOptions.defaults()), new ImportValidator.Rejections() {
                    @Override
                    public void start(List<String> headers) {}

                    @Override
                    public void add(ImportValidator.Rejected row) {
                        handed.add(row);
                    }
                }))
                .isInstanceOf(dev.freight.ingest.TemporaryFileUnwritable.class)
                .hasMessageStartingWith("The links awaiting later rows could not be written to a temporary file in "
                        + notADirectory + " (disk full or not writable): ");
        assertThat(handed).isEmpty();
        try (var left = Files.list(dir)) {
            assertThat(left).containsExactlyInAnyOrder(file, notADirectory);
        }
    }

    /**
     * referenceWarnings list each field's values in the same order from validate and execute whatever the database's
     * collation: upper case before lower case and accented letters after both (Java's order, by UTF-16 code unit,
     * where PostgreSQL's linguistic collations put {@code apple} before {@code Banana}), and a character outside the
     * Basic Multilingual Plane before {@code ﬀ} (U+FB00; UTF-8 byte order, SQLite's and PostgreSQL's C collation,
     * puts it after). Before, execute sorted them in SQL and validate in Java.
     */
    @Test
    void referenceWarningsComeInTheSameOrderWhateverTheDatabaseCollation() throws IOException {
        Both both = both(BuiltInObjects.CONTACT, options(DuplicateStrategy.UPDATE, "external_id", "displayName",
                "account"), """
                external_id,displayName,account
                c-1,Ann,apple
                c-2,Bob,Banana
                c-3,Cid,éclair
                c-4,Dan,Zebra
                c-5,Eve,ﬀ
                c-6,Fay,😀
                """);

        both.agree();
        assertThat(both.counts()).containsExactly(6L, 6L, 0L, 0L);
        assertThat(both.validated().referenceWarnings()).isEqualTo(Map.of("account",
                List.of("Banana", "Zebra", "apple", "éclair", "😀", "ﬀ")));
    }

    /**
     * 1,100 stored contacts, each matched by its email by a row that gives it another external_id: every row gets an
     * external_id_not_changed warning. Validate and execute list the first 1,000 alike and say that they leave some out;
     * execute stores only 1,001 of them (before, all 1,100, one a row, never read past the first 1,000).
     */
    @Test
    void rowWarningsKeepTheFirst1000AndOneMoreHoweverManyRowsAreWarnedAbout() throws IOException {
        List<RecordWrite> stored = new ArrayList<>();
        StringBuilder csv = new StringBuilder("external_id,displayName,email\n");
        for (int i = 1; i <= 1_100; i++) {
            stored.add(new RecordWrite("c-" + i, Map.of("displayName", new Value.Text("Name " + i), "email",
                    new Value.Text("n" + i + "@example.com"))));
            csv.append("x-").append(i).append(",Name ").append(i).append(",n").append(i).append("@example.com\n");
        }
        db.inTransaction(h -> records.upsert(h, org, BuiltInObjects.CONTACT, stored));
        List<ColumnMap> columns = List.of(new ColumnMap("external_id", "external_id", null, null),
                new ColumnMap("displayName", "displayName", null, null), new ColumnMap("email", "email", null, null));
        ExecuteOptions byEmail = new ExecuteOptions(columns, DuplicateStrategy.UPDATE, List.of("email"),
                MergeMode.PREFER_IMPORT, false, false, null, false, null, null, null);

        Both both = both(BuiltInObjects.CONTACT, byEmail, csv.toString());

        both.agree();
        assertThat(both.counts()).containsExactly(1_100L, 1_100L, 0L, 0L);
        assertThat(both.warnings()).hasSize(1_000);
        assertThat(both.warnings().getFirst()).isEqualTo("1|external_id|external_id_not_changed|external_id \"x-1\""
                + " was not stored: the record matched by email already has external_id \"c-1\"");
        assertThat(both.warnings().getLast()).startsWith("1000|external_id|external_id_not_changed|");
        assertThat(both.validated().warningsTruncated()).isTrue();
        assertThat(db.withHandle((Handle h) -> h.query("select count(*), max(ordinal) from import_warnings"
                + " where import_id = ?", rs -> rs.getLong(1) + " " + rs.getLong(2), both.executed().id())))
                .containsExactly("1001 1001");
    }

    /**
     * 1,500 stored contacts, each matched by its email by a row that gives it another external_id (an
     * external_id_not_changed warning a row) and names one of 250 accounts that do not exist, each named by six rows
     * in chunks far apart. Validate and execute list the first 1,000 warnings and the first 100 values (and keep one
     * more, which tells that they leave some out), and both count all of them: 1,500 warnings and 250 distinct values,
     * a value named again in a later chunk not counted again. Before, nothing told how many were left out.
     */
    @Test
    void warningsAndUnresolvedValuesAreCountedBeyondThoseListed() throws IOException {
        Both both = both(BuiltInObjects.CONTACT, byEmail(), warnedRows());

        both.agree();
        assertThat(both.counts()).containsExactly(1_500L, 1_500L, 0L, 0L);
        assertThat(both.warnings()).hasSize(1_000);
        assertThat(both.validated().warningsTruncated()).isTrue();
        assertThat(both.validated().rowWarningsCount()).isEqualTo(1_500L);
        assertThat(both.validated().referenceWarnings().get("account")).hasSize(101);
        assertThat(both.validated().unresolvedValueCounts()).isEqualTo(Map.of("account", 250L));
        assertThat(both.executeCounts()).isEqualTo(new ImportStore.FindingCounts(1_500L, Map.of("account", 250L)));
        assertThat(db.withHandle((Handle h) -> h.query("select (select count(*) from import_warnings where import_id"
                + " = ?), (select count(*) from import_reference_warnings where import_id = ?), (select count(*)"
                + " from import_reference_seen where import_id = ?)", rs -> rs.getLong(1) + " " + rs.getLong(2) + " "
                + rs.getLong(3), both.executed().id(), both.executed().id(), both.executed().id())))
                .containsExactly("1001 101 250");
        // An import stored before V34 has no count: what it found before is not known.
        db.inTransaction(h -> h.update("update imports set warnings_count = null where id = ?",
                both.executed().id()));
        assertThat(counts(both.executed().id())).isEqualTo(new ImportStore.FindingCounts(null, Map.of()));
        // The purge deletes what counted them with the rest: the answers list no warning and count none.
        db.inTransaction(h -> {
            h.update("update imports set warnings_count = 1500 where id = ?", both.executed().id());
            imports.purge(h, both.executed().id(), START);
            return null;
        });
        assertThat(counts(both.executed().id())).isEqualTo(new ImportStore.FindingCounts(null, Map.of()));
        assertThat(db.withHandle((Handle h) -> h.query("select (select count(*) from import_reference_counts),"
                + " (select count(*) from import_reference_seen)", rs -> rs.getLong(1) + " " + rs.getLong(2))))
                .containsExactly("0 0");
    }

    /**
     * The counts are committed with the chunk that found them: a run stopped inside the transaction of the chunk of
     * rows 151-153 (as a kill -9 would leave it: that chunk rolled back, those before committed, 150 warnings and 150
     * values counted) and resumed from its checkpoint ends with the counts of an uninterrupted run, 1,500 warnings and
     * 250 values, none counted twice or lost.
     */
    @Test
    void countsSurviveARunStoppedInsideAChunkAndResumed() throws IOException {
        Path file = Files.writeString(Files.createTempFile(dir, "rows", ".csv"), warnedRows());
        ImportPipeline.RowSource source = () -> Readers.open(file, FileType.CSV, ReadOptions.defaults());
        ImportJob job = jobs.requested(new ImportJobs.Request(org, BuiltInObjects.CONTACT.slug(), ImportJobs.MODULE,
                UploadMode.ASYNC, Action.MERGE, DuplicateHandling.IGNORE_ALL, "test", "key_test", null),
                START.plus(Duration.ofHours(1)))
                .withUpload("sha", "csv", "rows.csv", null).withDeadline(START.plus(Duration.ofHours(1)));
        db.inTransaction(h -> {
            imports.create(h, job);
            imports.setOptions(h, job.id(), byEmail().toJson());
            return null;
        });
        pipeline.prepare(job.id(), source);
        AtomicInteger stops = new AtomicInteger();
        pipeline.insideChunk((h, rows) -> {
            if (rows.getFirst().ordinal() == 151 && stops.getAndIncrement() == 0) {
                // As ImportPipelineContract's interrupted chunk: the whole chunk rolls back, no row is replayed.
                Thread.currentThread().interrupt();
                h.execute("update no_such_table set x = 1");
            }
        });

        assertThatThrownBy(() -> pipeline.process(job.id(), source, ImportPipeline.Listener.NONE))
                .isInstanceOf(dev.freight.store.StoreException.class);
        assertThat(Thread.interrupted()).isTrue();
        ImportJob stopped = db.withHandle((Handle h) -> imports.get(h, job.id())).orElseThrow();
        assertThat(stopped.checkpoint()).isEqualTo(150);
        assertThat(counts(job.id())).isEqualTo(new ImportStore.FindingCounts(150L, Map.of("account", 150L)));

        ImportJob done = pipeline.process(job.id(), source, ImportPipeline.Listener.NONE);

        assertThat(stops.get()).isEqualTo(2);
        assertThat(done.status()).isEqualTo(Status.COMPLETED);
        assertThat(done.stats().read()).isEqualTo(1_500);
        assertThat(counts(job.id())).isEqualTo(new ImportStore.FindingCounts(1_500L, Map.of("account", 250L)));
    }

    /**
     * Chunks run again after a transient conflict, or replayed row by row, count their warnings once: the 1,500 warned
     * rows end with 1,500 warnings and 250 values counted, as validate counts them, and rows 1 to 1,001's warnings
     * stored. The warnings past those kept are counted without being stored, in the chunk's transaction, which rolls
     * back with the attempt that failed.
     */
    @ParameterizedTest
    @EnumSource(ChunkFailure.class)
    void warningsOfChunksRunAgainOrReplayedRowByRowAreCountedOnce(ChunkFailure failure) throws IOException {
        String csv = warnedRows();
        List<Integer> transactions = failingChunks(failure);

        Both both = both(BuiltInObjects.CONTACT, byEmail(), csv);

        assertThat(transactions).hasSize(switch (failure) {
            case NONE -> 500;
            case TRANSIENT -> 1_000;
            case ROW_LEVEL -> 2_000;
        });
        both.agree();
        assertThat(both.executeCounts()).isEqualTo(new ImportStore.FindingCounts(1_500L, Map.of("account", 250L)));
        assertThat(db.withHandle((Handle h) -> h.query("select count(*), min(ordinal), max(ordinal) from"
                + " import_warnings where import_id = ?", rs -> rs.getLong(1) + " " + rs.getLong(2) + " "
                + rs.getLong(3), both.executed().id()))).containsExactly("1001 1 1001");
    }

    /** 1,500 stored contacts c-N, and a file whose row N gives contact N the external_id x-N and account nowhere-N%250. */
    private String warnedRows() {
        List<RecordWrite> stored = new ArrayList<>();
        StringBuilder csv = new StringBuilder("external_id,displayName,email,account\n");
        for (int i = 1; i <= 1_500; i++) {
            stored.add(new RecordWrite("c-" + i, Map.of("displayName", new Value.Text("Name " + i), "email",
                    new Value.Text("n" + i + "@example.com"))));
            csv.append("x-").append(i).append(",Name ").append(i).append(",n").append(i).append("@example.com,nowhere-")
                    .append(i % 250).append('\n');
        }
        db.inTransaction(h -> records.upsert(h, org, BuiltInObjects.CONTACT, stored));
        return csv.toString();
    }

    private static ExecuteOptions byEmail() {
        List<ColumnMap> columns = List.of(new ColumnMap("external_id", "external_id", null, null),
                new ColumnMap("displayName", "displayName", null, null), new ColumnMap("email", "email", null, null),
                new ColumnMap("account", "account", null, null));
        return new ExecuteOptions(columns, DuplicateStrategy.UPDATE, List.of("email"), MergeMode.PREFER_IMPORT, false,
                false, null, false, null, null, null);
    }

    /** How each chunk transaction the pipeline runs fails, the first time. */
    enum ChunkFailure {
        /** It does not: each chunk commits in one go. */
        NONE,
        /** With a transient conflict (a deadlock): the chunk is run again whole. */
        TRANSIENT,
        /** As when the database refuses a row of it: the chunk is replayed one row per transaction. */
        ROW_LEVEL
    }

    /**
     * Makes each chunk transaction of the pipeline fail the first time as {@code failure} says; the sizes of the
     * transactions that ran go to the list returned.
     */
    private List<Integer> failingChunks(ChunkFailure failure) {
        List<Integer> sizes = new ArrayList<>();
        pipeline.insideChunk((h, rows) -> {
            sizes.add(rows.size());
            // A chunk's first attempt is an odd one: the one before it was its predecessor's retry.
            if (failure == ChunkFailure.TRANSIENT && sizes.size() % 2 == 1) {
                throw new StoreException("transient_conflict", "deadlock detected", null);
            }
            if (failure == ChunkFailure.ROW_LEVEL && rows.size() > 1) {
                h.execute("update no_such_table set x = 1");
            }
        });
        return sizes;
    }

    /**
     * A chunk run again after a transient conflict, or replayed row by row, resolves its rows' references as its first
     * attempt did: the same reference warnings and counts of unresolved values (dependencies "nowhere", accounts
     * "nowhere-1" and "nowhere-2"), the same required vendor "nobody" rejected, and the same stored references (s-4's
     * dependency on the later s-5 linked after the last row). Before, the first attempt took the values that matched
     * nothing out of the rows themselves, and the next found none: no warning, no count, no link.
     */
    @ParameterizedTest
    @EnumSource(ChunkFailure.class)
    void aChunkRunAgainOrReplayedRowByRowResolvesItsReferencesAsAFirstAttempt(ChunkFailure failure)
            throws IOException {
        db.inTransaction(h -> records.upsert(h, org, BuiltInObjects.ACCOUNT, List.of(
                new RecordWrite("a-1", Map.of("displayName", new Value.Text("Acme"))))));
        List<Integer> transactions = failingChunks(failure);

        Both services = both(BuiltInObjects.SERVICE, options(DuplicateStrategy.UPDATE, "external_id", "name", "vendor",
                "dependencies"), """
                external_id,name,vendor,dependencies
                s-1,Payments,v-1,v-1
                s-2,Ledger,nobody,
                s-3,Hub,v-1,nowhere
                s-4,Core,Vendor One,s-5
                s-5,Edge,v-1,
                """);
        Both contacts = both(BuiltInObjects.CONTACT, options(DuplicateStrategy.UPDATE, "external_id", "displayName",
                "account"), """
                external_id,displayName,account
                c-1,Ann,nowhere-1
                c-2,Bob,a-1
                c-3,Cid,nowhere-2
                c-4,Dan,Acme
                c-5,Eve,nowhere-1
                """);

        assertThat(transactions).isEqualTo(switch (failure) {
            case NONE -> List.of(3, 2, 3, 2);
            case TRANSIENT -> List.of(3, 3, 2, 2, 3, 3, 2, 2);
            case ROW_LEVEL -> List.of(3, 1, 1, 1, 2, 1, 1, 3, 1, 1, 1, 2, 1, 1);
        });
        services.agree();
        assertThat(services.counts()).containsExactly(5L, 4L, 1L, 0L);
        assertThat(services.executeErrors()).extracting(e -> e.ordinal() + "|" + e.field() + "|" + e.code() + "|"
                + e.message()).containsExactly(
                        "2|vendor|invalid_field_value|vendor: no vendor with external_id or name \"nobody\"");
        assertThat(services.executeWarnings()).isEmpty();
        assertThat(services.executeReferenceWarnings()).isEqualTo(Map.of("dependencies", List.of("nowhere")));
        assertThat(services.executeCounts()).isEqualTo(new ImportStore.FindingCounts(0L,
                Map.of("dependencies", 1L)));
        assertThat(described("service", "s-1", "s-2", "s-3", "s-4", "s-5")).containsExactly(
                "s-1 dependencies=[vendor/v-1] name=Payments vendor=vendor/v-1",
                "s-2 none",
                "s-3 name=Hub vendor=vendor/v-1",
                "s-4 dependencies=[service/s-5] name=Core vendor=vendor/v-1",
                "s-5 name=Edge vendor=vendor/v-1");
        contacts.agree();
        assertThat(contacts.counts()).containsExactly(5L, 5L, 0L, 0L);
        assertThat(contacts.executeErrors()).isEmpty();
        assertThat(contacts.executeWarnings()).isEmpty();
        assertThat(contacts.executeReferenceWarnings()).isEqualTo(Map.of("account",
                List.of("nowhere-1", "nowhere-2")));
        assertThat(contacts.executeCounts()).isEqualTo(new ImportStore.FindingCounts(0L, Map.of("account", 2L)));
        assertThat(described("contact", "c-1", "c-2", "c-3", "c-4", "c-5")).containsExactly(
                "c-1 displayName=Ann",
                "c-2 account=account/a-1 displayName=Bob",
                "c-3 displayName=Cid",
                "c-4 account=account/a-1 displayName=Dan",
                "c-5 displayName=Eve");
    }

    /** Each stored record of {@code object} with these external ids as its fields (by name) and values. */
    private List<String> described(String object, String... externalIds) {
        List<String> described = new ArrayList<>();
        for (String externalId : externalIds) {
            StoredRecord stored = stored(object, externalId);
            described.add(externalId + (stored == null ? " none" : new TreeMap<>(stored.values()).entrySet()
                    .stream().map(e -> " " + e.getKey() + "=" + described(e.getValue())).collect(Collectors.joining())));
        }
        return described;
    }

    private static String described(Value value) {
        return switch (value) {
            case Value.Ref r -> r.object() + "/" + r.text();
            case Value.Many m -> m.values().stream().map(ValidateExecuteContract::described).toList().toString();
            case Value.Text t -> t.value();
            default -> value.toString();
        };
    }

    /**
     * 2,500 services, each depending on the next, so every row awaits a later one: validate holds their links in its
     * temporary file and resolves them 1,000 at a time (PendingLinks), and foresees what execute does all the same.
     * Row 1,500 depends on "hub", which two later rows name (Hub, HUB): it is rejected after the last row, and the
     * service it created is taken as deleted; the last row's "nowhere" matches nothing.
     */
    @Test
    void aFileWhoseEveryRowAwaitsALaterRowIsForeseenAsExecuteDoesItOverSeveralBatchesOfLinks() throws IOException {
        StringBuilder csv = new StringBuilder("external_id,name,vendor,dependencies\n");
        for (int i = 1; i <= 2_500; i++) {
            String name = i == 2_000 ? "Hub" : i == 2_100 ? "HUB" : "Service " + i;
            String dependsOn = i == 2_500 ? "nowhere" : i == 1_500 ? "hub" : "s-" + (i + 1);
            csv.append("s-").append(i).append(',').append(name).append(",v-1,").append(dependsOn).append('\n');
        }

        Both both = both(BuiltInObjects.SERVICE, options(DuplicateStrategy.UPDATE, "external_id", "name", "vendor",
                "dependencies"), csv.toString());

        both.agree();
        assertThat(both.counts()).containsExactly(2_500L, 2_499L, 1L, 0L);
        assertThat(both.errors()).containsExactly("1500|dependencies|ambiguous_reference|dependencies: \"hub\""
                + " matches 2 service records by name ignoring case; give the external_id of the one meant");
        assertThat(both.rejectedRows()).containsExactly(1_500L);
        assertThat(both.validated().referenceWarnings()).isEqualTo(Map.of("dependencies",
                List.of("nowhere", "s-1500")));
        // The records the rows would create are found through hashes and a file: one external id or name at a time.
        assertThat(both.ownHeld()).isEqualTo(1);
        // The duplicate check lets go of its 2,500 keys' hashes (8,192 slots of 16 bytes) before the links are
        // resolved: an empty check's 1,024 slots are left. Before, all of them stayed to the end.
        assertThat(both.keyHashBytesAfterRows()).isEqualTo(16_384L);
    }

    /**
     * A file whose 250 rows each name an account that matches nothing: validate and execute list the same first values
     * in Java's String order and one more (their answers list 100 and say that they leave some out), and execute
     * stores only those 101 (before, all 250, one a row, never read).
     */
    @Test
    void referenceWarningsKeepTheFirstValuesOfAFieldAndOneMoreHoweverManyRowsNameOne() throws IOException {
        StringBuilder csv = new StringBuilder("external_id,displayName,account\n");
        List<String> accounts = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            // Not in file order: a later chunk's values push out those of earlier ones.
            String account = "acct-" + (250 - i);
            accounts.add(account);
            csv.append("c-").append(i).append(",Name ").append(i).append(',').append(account).append('\n');
        }

        Both both = both(BuiltInObjects.CONTACT, options(DuplicateStrategy.UPDATE, "external_id", "displayName",
                "account"), csv.toString());

        both.agree();
        assertThat(both.counts()).containsExactly(250L, 250L, 0L, 0L);
        assertThat(both.validated().referenceWarnings()).isEqualTo(Map.of("account",
                accounts.stream().sorted().limit(101).toList()));
        assertThat(db.withHandle((Handle h) -> h.query("select count(*) from import_reference_warnings"
                + " where import_id = ?", rs -> rs.getLong(1), both.executed().id()))).containsExactly(101L);
    }

    /**
     * The stored reference warnings are read a batch at a time, however many an import stored: each field's first
     * values in Java's String order (upper case, lower case, accented, outside the Basic Multilingual Plane, then
     * U+FB00), the same through a handle with auto-commit and inside a transaction.
     */
    @Test
    void referenceWarningsReadEachFieldsFirstValuesInJavasOrderOutOfManyStored() {
        // 20 values of each spelling but the last, which takes the rest (U+FB00 sorts after U+1F600 in Java, before it
        // in UTF-8 byte order), stored in a shuffled order.
        List<String> spellings = List.of("Banana", "Zebra", "apple", "éclair", "😀", "ﬀ");
        Map<String, List<String>> stored = new java.util.LinkedHashMap<>();
        for (String field : List.of("account", "vendor", "owner")) {
            List<String> values = new ArrayList<>();
            for (int i = 0; i < 2_500; i++) {
                int n = (int) (7_919L * i % 2_500);
                values.add(spellings.get(Math.min(n / 20, spellings.size() - 1)) + "-" + n
                        + (field.equals("account") ? "" : "-" + field));
            }
            stored.put(field, values);
        }
        stored.put("single", List.of("only"));
        db.inTransaction(h -> {
            // As a run's chunks add them, 100 values a field at a time.
            for (int from = 0; from < 2_500; from += 100) {
                int start = from;
                Map<String, List<String>> chunk = new java.util.LinkedHashMap<>();
                stored.forEach((field, values) -> chunk.put(field,
                        values.subList(Math.min(start, values.size()), Math.min(start + 100, values.size()))));
                imports.addReferenceWarnings(h, "imp_many_warnings", chunk);
            }
            imports.addReferenceWarnings(h, "imp_other", Map.of("account", List.of("AAA other import")));
            return null;
        });
        Map<String, List<String>> expected = new java.util.TreeMap<>();
        stored.forEach((field, values) -> expected.put(field, values.stream().sorted().limit(100).toList()));

        Map<String, List<String>> autoCommit = db.withHandle(
                (Handle h) -> imports.referenceWarnings(h, "imp_many_warnings", 100));
        Map<String, List<String>> inTransaction = db.inTransaction(
                (Handle h) -> imports.referenceWarnings(h, "imp_many_warnings", 100));

        assertThat(autoCommit).isEqualTo(expected);
        assertThat(inTransaction).isEqualTo(expected);
        assertThat(autoCommit.keySet()).containsExactly("account", "owner", "single", "vendor");
        List<String> account = autoCommit.get("account");
        assertThat(account).hasSize(100);
        assertThat(List.of(account.get(0), account.get(1), account.get(2), account.get(19), account.get(20),
                account.get(40), account.get(60), account.get(80), account.get(99))).containsExactly("Banana-0",
                "Banana-1", "Banana-10", "Banana-9", "Zebra-20", "apple-40", "éclair-60", "😀-80", "😀-99");
        assertThat(autoCommit.get("single")).containsExactly("only");
        // Each field keeps its first 101 values only: one more than the answers list, telling that they leave some out.
        assertThat(db.withHandle((Handle h) -> h.query("select field, count(*) from import_reference_warnings"
                + " where import_id = ? group by field order by field", rs -> rs.getString(1) + "=" + rs.getLong(2),
                "imp_many_warnings"))).containsExactly("account=101", "owner=101", "single=1", "vendor=101");
        assertThat(db.withHandle((Handle h) -> imports.referenceWarnings(h, "imp_many_warnings", 101))).isEqualTo(
                Map.of("account", stored.get("account").stream().sorted().limit(101).toList(), "owner",
                        stored.get("owner").stream().sorted().limit(101).toList(), "single", List.of("only"), "vendor",
                        stored.get("vendor").stream().sorted().limit(101).toList()));
    }

    /** How a later row finds the record an earlier row of the file created. */
    enum Finding {
        /** By external_id, the keys hashed as the rows come (no date or number column). */
        EXTERNAL_ID_IN_ONE_PASS,
        /** By external_id, after a first pass (a date column is mapped). */
        EXTERNAL_ID_AFTER_A_FIRST_PASS,
        /** By another match field, code. */
        MATCH_FIELD
    }

    /**
     * A row that left its record unchanged in a later chunk keeps the link of peers; the row that created the record
     * is rejected after the last row (its parent names two nodes), so execute deletes the record and does not add
     * the later row's link: validate gives the same link_not_added warning (before, it gave none), however row 4 finds
     * the record row 1 created (n-1, code c-1). Validate knows the record by the row that created it, not by its text
     * (before, a set of the deleted records' texts, about 105 bytes each, grew with the rows rejected).
     */
    @ParameterizedTest
    @EnumSource(Finding.class)
    void aLinkOfARecordDeletedAfterTheLastRowIsNotAddedHoweverItsRowFoundTheRecord(Finding finding)
            throws IOException {
        db.inTransaction(h -> {
            schemas.createObject(h, org, new ObjectDef("node", "Node", "node", false, List.of(
                    new Field("name", "Name", FieldType.TEXT, true, "", List.of(), List.of(), false),
                    new Field("code", "Code", FieldType.TEXT, false, "", List.of(), List.of(), false),
                    new Field("since", "Since", FieldType.DATE, false, "", List.of(), List.of(), false),
                    new Field("parent", "Parent", FieldType.REFERENCE, false, "", List.of(), List.of("node"), false),
                    new Field("peers", "Peers", FieldType.REFERENCE, false, "", List.of(), List.of("node"), true))));
            return null;
        });
        List<ColumnMap> columns = new ArrayList<>();
        for (String field : finding == Finding.EXTERNAL_ID_AFTER_A_FIRST_PASS
                ? List.of("external_id", "name", "code", "since", "parent", "peers")
                : List.of("external_id", "name", "code", "parent", "peers")) {
            columns.add(new ColumnMap(field, field, null, null));
        }
        ExecuteOptions options = new ExecuteOptions(columns, DuplicateStrategy.UPDATE,
                finding == Finding.MATCH_FIELD ? List.of("code") : null, MergeMode.PREFER_IMPORT, false, false, null,
                false, null, null, null);

        Both both = both(object("node"), options, """
                external_id,name,code,since,parent,peers
                n-1,One,c-1,2024-01-31,hub,n-5
                n-2,Hub,c-2,2024-01-31,,
                n-3,HUB,c-3,2024-01-31,,
                n-1,One,c-1,2024-01-31,,n-5
                n-5,Five,c-5,2024-01-31,,
                """);

        both.agree();
        assertThat(both.counts()).containsExactly(5L, 4L, 1L, 0L);
        assertThat(both.errors()).containsExactly("1|parent|ambiguous_reference|parent: \"hub\" matches 2 node records"
                + " by name ignoring case; give the external_id of the one meant");
        assertThat(both.warnings()).containsExactly("4|peers|link_not_added|peers: \"n-5\" was not added: the row's"
                + " record was deleted since the row wrote it");
        assertThat(stored("node", "n-1")).isNull();
    }

    /**
     * 2,100 nodes whose parent "hub" names two later nodes (Hub, HUB): each is rejected after the last row and its
     * record deleted; 2,100 later rows leave those records unchanged but for a peer created by the last row, and their
     * links are not added. Validate lists the first 1,000 problems and warnings, as execute, and holds at most 2,001
     * of either at once, however many rows are rejected or warned about after the last row (before, all of them);
     * the rejected rows wait with why in a temporary file, 1,000 held at once (before, a map of all 2,100).
     */
    @Test
    void problemsAndWarningsFoundAfterTheLastRowAreCutAsTheyComeNotAllHeld() throws IOException {
        db.inTransaction(h -> {
            schemas.createObject(h, org, new ObjectDef("node", "Node", "node", false, List.of(
                    new Field("name", "Name", FieldType.TEXT, true, "", List.of(), List.of(), false),
                    new Field("parent", "Parent", FieldType.REFERENCE, false, "", List.of(), List.of("node"), false),
                    new Field("peers", "Peers", FieldType.REFERENCE, false, "", List.of(), List.of("node"), true))));
            return null;
        });
        StringBuilder csv = new StringBuilder("external_id,name,parent,peers\n");
        for (int i = 1; i <= 2_100; i++) {
            csv.append("n-").append(i).append(",Node ").append(i).append(",hub,\n");
        }
        csv.append("n-hub-1,Hub,,\nn-hub-2,HUB,,\n");
        for (int i = 1; i <= 2_100; i++) {
            csv.append("n-").append(i).append(",Node ").append(i).append(",,n-last\n");
        }
        csv.append("n-last,Last,,\n");

        Both both = both(object("node"), options(DuplicateStrategy.UPDATE, "external_id", "name", "parent",
                "peers"), csv.toString());

        assertThat(both.counts()).containsExactly(4_203L, 2_103L, 2_100L, 0L);
        assertThat(both.counts()).containsExactly(both.executed().stats().read(), both.executed().stats().valid(),
                both.executed().stats().failed(), both.executed().stats().skippedDuplicates());
        assertThat(both.validated().errorsTruncated()).isTrue();
        assertThat(both.errors()).hasSize(1_000).first().isEqualTo("1|parent|ambiguous_reference|parent: \"hub\""
                + " matches 2 node records by name ignoring case; give the external_id of the one meant");
        assertThat(both.errors()).isEqualTo(both.executeErrors().subList(0, 1_000).stream()
                .map(e -> e.ordinal() + "|" + e.field() + "|" + e.code() + "|" + e.message()).toList());
        assertThat(both.rejectedRows()).hasSize(2_100).endsWith(2_100L);
        assertThat(both.validated().warningsTruncated()).isTrue();
        assertThat(both.warnings()).hasSize(1_000).first().isEqualTo("2103|peers|link_not_added|peers: \"n-last\""
                + " was not added: the row's record was deleted since the row wrote it");
        assertThat(both.warnings()).isEqualTo(both.executeWarnings());
        assertThat(both.notesHeld()).isEqualTo(2_001);
        // The 2,100 rows rejected after the last row wait in a file with why, a batch of links' at a time in memory.
        assertThat(both.lateHeld()).isEqualTo(1_000);
    }

    /**
     * With no date or number column, validate reads the file once: the keys are hashed as the rows come. A file that
     * repeats a key has it read once more, to confirm that the rows refused as repeats have the key of the row before.
     * Before, a first pass read every file's keys before the rows.
     */
    @Test
    void aFileWithoutDateOrNumberColumnsIsReadOnceAndOnceMoreWhenItRepeatsAKey() throws IOException {
        Both clean = both(BuiltInObjects.VENDOR, options(DuplicateStrategy.CREATE, "external_id", "name"), """
                external_id,name
                v-1,Taken
                v-2,Two
                v-3,Three
                """);

        clean.agree();
        assertThat(clean.counts()).containsExactly(3L, 2L, 1L, 0L);
        assertThat(clean.errors()).containsExactly("1|external_id|duplicate_external_id|external_id \"v-1\" already"
                + " exists; duplicateStrategy create never updates a record");
        assertThat(clean.validateReads()).isEqualTo(1);

        Both repeating = both(BuiltInObjects.VENDOR, options(DuplicateStrategy.SKIP, "external_id", "name"), """
                external_id,name
                v-4,Four
                v-5,Five
                v-4,Four again
                """);

        repeating.agree();
        assertThat(repeating.counts()).containsExactly(3L, 2L, 0L, 1L);
        assertThat(repeating.validateReads()).isEqualTo(2);
    }

    /**
     * Keys made to share one hash: the single read refuses k-3 as a repeat of k-2, the read that confirms it finds it
     * is not, and the file is validated again with a first pass. The errors files have each rejected row once, in row
     * order: row 1, handed over before the refusal in doubt, is not handed over again.
     */
    @Test
    void keysSharingAHashAreValidatedAgainWithAFirstPassAndEachRejectedRowIsHandedOverOnce() throws IOException {
        Both both = both(BuiltInObjects.VENDOR, options(DuplicateStrategy.CREATE, "external_id", "name"), """
                external_id,name
                k-1,
                k-2,Two
                k-3,Three
                k-2,Two again
                k-4,
                """, key -> 0L);

        both.agree();
        assertThat(both.counts()).containsExactly(5L, 2L, 3L, 0L);
        assertThat(both.errors()).containsExactly(
                "1|name|missing_required_field|name: required field is missing (expected key \"name\")",
                "4|external_id|duplicate_external_id|external_id \"k-2\" already exists; duplicateStrategy create"
                        + " never updates a record",
                "5|name|missing_required_field|name: required field is missing (expected key \"name\")");
        assertThat(both.rejectedRows()).containsExactly(1L, 4L, 5L);
        assertThat(both.validateReads()).isEqualTo(4);
    }

    /**
     * The values of a multi-value date cell are inferred one by one (as numbers are), and every column feeding a field
     * counts for its format: {@code 13/01/2024; 14/02/2024} makes the column day first, so
     * {@code 03/04/2024; 05/06/2024} is the 3rd of April and the 5th of June; Due's {@code 03/04/2024} alone fits both orders, but Due (alt)'s
     * {@code 03/25/2024} makes the field month first, with no warning. Before, the cell was inferred whole (no date, so
     * no format, and every value failed) and only Due counted (an ambiguous_date_format warning).
     */
    @Test
    void multiValueDateCellsAndEveryColumnOfAFieldCountForItsFormat() throws IOException {
        db.inTransaction(h -> {
            schemas.createObject(h, org, new ObjectDef("event", "Event", "evnt", false, List.of(
                    new Field("days", "Days", FieldType.DATE, false, "", List.of(), List.of(), true),
                    new Field("due", "Due", FieldType.DATE, false, "", List.of(), List.of(), false))));
            return null;
        });
        ExecuteOptions options = new ExecuteOptions(List.of(new ColumnMap("Id", "external_id", null, null),
                new ColumnMap("Days", "days", null, null), new ColumnMap("Due", "due", null, null),
                new ColumnMap("Due (alt)", "due", null, null)), DuplicateStrategy.UPDATE, null,
                MergeMode.PREFER_IMPORT, false, false, null, false, null, null, null);
        Both both = both(object("event"), options, """
                Id,Days,Due,Due (alt)
                e-1,13/01/2024; 14/02/2024,03/04/2024,
                e-2,03/04/2024; 05/06/2024,,03/25/2024
                """);

        both.agree();
        assertThat(both.counts()).containsExactly(2L, 2L, 0L, 0L);
        assertThat(both.errors()).isEmpty();
        assertThat(both.warnings()).isEmpty();
        assertThat(stored("event", "e-1").values()).isEqualTo(Map.of(
                "days", new Value.Many(List.of(date("2024-01-13"), date("2024-02-14"))), "due", date("2024-03-04")));
        assertThat(stored("event", "e-2").values()).isEqualTo(Map.of(
                "days", new Value.Many(List.of(date("2024-04-03"), date("2024-06-05"))), "due", date("2024-03-25")));
    }

    private static Value date(String iso) {
        return new Value.Date(java.time.LocalDate.parse(iso));
    }

    /** What validate answered and execute then did for the same file and options. */
    record Both(ImportValidator.Report validated, List<ImportValidator.Rejected> rejected, int validateReads,
            ImportJob executed, List<RowError> executeErrors, List<String> executeWarnings,
            Map<String, List<String>> executeReferenceWarnings, int ownHeld, int notesHeld, int lateHeld,
            long keyHashBytesAfterRows, ImportStore.FindingCounts executeCounts) {

        /** Asserts that validate foresaw what execute did. */
        void agree() {
            assertThat(executed.status()).isEqualTo(Status.COMPLETED);
            assertThat(counts()).as("validate's counts, execute's")
                    .containsExactly(executed.stats().read(), executed.stats().valid(), executed.stats().failed(),
                            executed.stats().skippedDuplicates());
            assertThat(errors()).as("validate's errors, execute's").isEqualTo(executeErrors.stream()
                    .map(e -> e.ordinal() + "|" + e.field() + "|" + e.code() + "|" + e.message()).toList());
            assertThat(rejectedRows()).as("the errors files' rows, execute's error rows")
                    .isEqualTo(List.copyOf(new LinkedHashSet<>(executeErrors.stream().map(RowError::ordinal)
                            .toList())));
            // A required field no column feeds is validate's warning about the mapping, not about a row.
            assertThat(warnings().stream()
                    .filter(w -> !w.startsWith("null|") || !w.contains("|required_field_not_mapped|")).toList()).as("validate's warnings, execute's").isEqualTo(executeWarnings);
            assertThat(validated.referenceWarnings()).as("validate's referenceWarnings, execute's")
                    .isEqualTo(executeReferenceWarnings);
            assertThat(validated.rowWarningsCount()).as("validate's count of row warnings, execute's")
                    .isEqualTo(executeCounts.warnings());
            assertThat(validated.unresolvedValueCounts()).as("validate's counts of unresolved values, execute's")
                    .isEqualTo(executeCounts.unresolvedValues());
        }

        List<Long> counts() {
            return List.of(validated.totalRows(), validated.validRows(), validated.errorRows(),
                    validated.skippedRows());
        }

        List<String> errors() {
            return validated.errors().stream().map(p -> p.row() + "|" + p.field() + "|" + p.code() + "|" + p.message())
                    .toList();
        }

        List<Long> rejectedRows() {
            return rejected.stream().map(ImportValidator.Rejected::row).toList();
        }

        List<String> warnings() {
            return validated.warnings().stream().map(w -> w.row() + "|" + w.field() + "|" + w.code() + "|"
                    + w.message()).toList();
        }
    }

    /** Validates {@code csv} with {@code options}, then executes it as a file workflow import. */
    private Both both(ObjectDef object, ExecuteOptions options, String csv) throws IOException {
        return both(object, options, csv, KeyHashes::hash);
    }

    /** As {@link #both(ObjectDef, ExecuteOptions, String)}, validate hashing external ids with {@code keyHash}. */
    private Both both(ObjectDef object, ExecuteOptions options, String csv, ToLongFunction<String> keyHash)
            throws IOException {
        Path file = Files.writeString(Files.createTempFile(dir, "rows", ".csv"), csv);
        AtomicInteger reads = new AtomicInteger();
        ImportPipeline.RowSource source = () -> {
            reads.incrementAndGet();
            return Readers.open(file, FileType.CSV, ReadOptions.defaults());
        };
        List<ImportValidator.Rejected> rejected = new ArrayList<>();
        Schema schema = db.withHandle(h -> schemas.schema(h, org));
        ImportValidator validator = new ImportValidator(1_000, db, records, schema, org, dir, keyHash);
        ImportValidator.Report report = validator.validate(object, options, source, new ImportValidator.Rejections() {
            @Override
            public void start(List<String> headers) {}

            @Override
            public void add(ImportValidator.Rejected row) {
                rejected.add(row);
            }
        });
        int validateReads = reads.get();

        ImportJob job = jobs.requested(new ImportJobs.Request(org, object.slug(), ImportJobs.MODULE,
                UploadMode.ASYNC, Action.MERGE, DuplicateHandling.IGNORE_ALL, "test", "key_test", null),
                START.plus(Duration.ofHours(1)))
                .withUpload("sha", "csv", "rows.csv", null).withDeadline(START.plus(Duration.ofHours(1)));
        db.inTransaction(h -> {
            imports.create(h, job);
            imports.setOptions(h, job.id(), options.toJson());
            return null;
        });
        pipeline.prepare(job.id(), source);
        ImportJob done = pipeline.process(job.id(), source, ImportPipeline.Listener.NONE);
        List<RowError> errors = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Map<String, List<String>> referenceWarnings = db.withHandle((Handle h) -> {
            imports.errors(h, job.id(), errors::add);
            // As execute's answer lists them: the column formats' warnings, then the rows'.
            imports.options(h, job.id()).map(ExecuteOptions::fromJson).orElseThrow().formatWarnings().forEach(w ->
                    warnings.add("null|" + w.field() + "|" + w.code() + "|" + w.message()));
            imports.warnings(h, job.id(), 1_000).forEach(w ->
                    warnings.add(w.ordinal() + "|" + w.field() + "|" + w.code() + "|" + w.message()));
            return imports.referenceWarnings(h, job.id(), ImportStore.KEPT_REFERENCE_WARNINGS);
        });
        return new Both(report, rejected, validateReads, done, errors, warnings, referenceWarnings,
                validator.mostOwnHeld(), validator.mostNotesHeld(), validator.mostLateHeld(),
                validator.keyHashBytesAfterRows(), counts(job.id()));
    }

    private ImportStore.FindingCounts counts(String importId) {
        return db.withHandle((Handle h) -> imports.findingCounts(h, importId)).orElseThrow();
    }

    private static ExecuteOptions options(DuplicateStrategy strategy, String... fields) {
        List<ColumnMap> columns = new ArrayList<>();
        for (String field : fields) {
            columns.add(new ColumnMap(field, field, null, null));
        }
        return new ExecuteOptions(columns, strategy, null, MergeMode.PREFER_IMPORT, false, false, null, false, null,
                null, null);
    }

    private ObjectDef object(String slug) {
        return db.withHandle(h -> schemas.schema(h, org)).object(slug).orElseThrow();
    }

    /** The stored record of {@code object} with {@code externalId}; null when there is none. */
    private StoredRecord stored(String object, String externalId) {
        List<StoredRecord> page = db.withHandle(h -> records.page(h, org, object(object), externalId, null, 1,
                null));
        return page.isEmpty() ? null : page.getFirst();
    }
}
