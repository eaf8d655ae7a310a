package dev.freight.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.engine.ExecuteOptions.ColumnMap;
import dev.freight.engine.ExecuteOptions.DuplicateStrategy;
import dev.freight.engine.ExecuteOptions.MergeMode;
import dev.freight.ingest.FileType;
import dev.freight.ingest.ReadOptions;
import dev.freight.ingest.Readers;
import dev.freight.ingest.SourceRow;
import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.Schema;
import dev.freight.schema.Value;
import dev.freight.store.Database;
import dev.freight.store.IdGenerator;
import dev.freight.store.ImportEnums.Action;
import dev.freight.store.RecordStore;
import dev.freight.store.RecordWrite;
import dev.freight.store.TenantStore;
import dev.freight.testing.SettableClock;
import dev.freight.testing.TestDatabases;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Validate's duplicate check keeps as text only the external ids whose hash more than one row of the file has, and
 * its verdicts do not depend on the hash: with keys made to collide (every key one hash, or keys of one length), a
 * file counts exactly as with {@link KeyHashes#hash}. 2,500 rows, so repeated keys span the check's chunks of 1,000.
 */
abstract class DuplicateCheckContract {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static final List<ColumnMap> COLUMNS = List.of(new ColumnMap("Id", "external_id", null, null),
            new ColumnMap("Name", "name", null, null));

    abstract TestDatabases databases();

    @TempDir
    Path dir;

    Database db;
    RecordStore records;
    String org;

    @BeforeEach
    void openDatabaseWithTwoVendors() {
        SettableClock clock = new SettableClock(Instant.parse("2025-03-01T09:00:00Z"));
        db = databases().open("duplicates_" + DATABASES.incrementAndGet());
        IdGenerator ids = new IdGenerator(clock);
        records = new RecordStore(ids, clock);
        org = db.inTransaction(h -> new TenantStore(ids, clock).createOrganization(h, "acme", "Acme")).id();
        db.inTransaction(h -> records.upsert(h, org, BuiltInObjects.VENDOR, List.of(
                new RecordWrite("v-stored", Map.of("name", new Value.Text("Stored")), null),
                new RecordWrite("v-other", Map.of("name", new Value.Text("Other")), null))));
    }

    @AfterEach
    void closeDatabase() {
        db.close();
    }

    /**
     * Row 1 and row 1,500 have the key {@code a}; rows 2 and 2,400 the stored {@code v-stored}; row 2,000 alone the
     * stored {@code v-other}; the others {@code k-<row>}. Names are all different, none a stored one's.
     */
    static String file() {
        StringBuilder csv = new StringBuilder("Id,Name\n");
        for (int row = 1; row <= 2_500; row++) {
            String key = switch (row) {
                case 1, 1_500 -> "a";
                case 2, 2_400 -> "v-stored";
                case 2_000 -> "v-other";
                default -> "k-" + row;
            };
            csv.append(key).append(",N").append(row).append('\n');
        }
        return csv.toString();
    }

    static Stream<Arguments> hashes() {
        return Stream.of(Arguments.of("KeyHashes.hash", (ToLongFunction<String>) KeyHashes::hash),
                Arguments.of("one hash for every key", (ToLongFunction<String>) key -> 0L),
                Arguments.of("the key's length", (ToLongFunction<String>) String::length));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hashes")
    void skipCountsTheFilesRepeatedAndStoredKeysWhateverKeysCollide(String name, ToLongFunction<String> hash)
            throws IOException {
        ImportValidator.Report report = validate(hash, DuplicateStrategy.SKIP, List.of());

        assertThat(List.of(report.totalRows(), report.validRows(), report.errorRows(), report.skippedRows()))
                .containsExactly(2_500L, 2_496L, 0L, 4L);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hashes")
    void createMatchedByNameRejectsTheSameRowsWhateverKeysCollide(String name, ToLongFunction<String> hash)
            throws IOException {
        ImportValidator.Report report = validate(hash, DuplicateStrategy.CREATE, List.of("name"));

        assertThat(List.of(report.totalRows(), report.validRows(), report.errorRows(), report.skippedRows()))
                .containsExactly(2_500L, 2_496L, 4L, 0L);
        assertThat(report.errors()).extracting(p -> p.row() + " " + p.field() + " " + p.code() + " " + p.message())
                .containsExactly(
                        "2 external_id duplicate_external_id " + taken("v-stored"),
                        "1500 external_id duplicate_external_id " + taken("a"),
                        "2000 external_id duplicate_external_id " + taken("v-other"),
                        "2400 external_id duplicate_external_id " + taken("v-stored"));
    }

    /** Of 2,500 keys, the check keeps as text the two that the file repeats: not one per row. */
    @Test
    void keepsAsTextOnlyTheKeysTheFileRepeats() {
        ExecuteOptions options = options(DuplicateStrategy.SKIP, List.of());
        RowTransformer transformer = new RowTransformer(BuiltInObjects.VENDOR, ColumnPlan.of(BuiltInObjects.VENDOR,
                options), Action.MERGE, false, RowTransformer.FormatChecks.ON, ColumnFormats.Readers.NONE,
                RowTransformer.RequiredFields.RECORD_WRITTEN);
        List<ParsedRow> rows = new ArrayList<>();
        KeyHashes hashes = new KeyHashes();
        String[] lines = file().split("\n");
        for (int i = 1; i < lines.length; i++) {
            String[] cells = lines[i].split(",");
            ParsedRow row = transformer.parse(new SourceRow(i, i + 1, Map.of("Id", cells[0], "Name", cells[1])));
            rows.add(row);
            hashes.add(row.externalId());
        }
        DuplicateCheck check = new DuplicateCheck(db, records, BuiltInObjects.VENDOR, org, options,
                hashes.repeated(), KeyHashes::hash);
        List<DuplicateCheck.Verdict> verdicts = new ArrayList<>();
        for (int from = 0; from < rows.size(); from += 1_000) {
            verdicts.addAll(check.check(rows.subList(from, Math.min(rows.size(), from + 1_000))));
        }

        assertThat(verdicts).filteredOn(DuplicateCheck.Verdict::skipped).hasSize(4);
        assertThat(check.keptKeys()).isEqualTo(2);
    }

    private static String taken(String key) {
        return "external_id \"" + key + "\" already exists; duplicateStrategy create never updates a record";
    }

    private ImportValidator.Report validate(ToLongFunction<String> hash, DuplicateStrategy strategy,
            List<String> matchFields) throws IOException {
        Path file = Files.writeString(dir.resolve("vendors.csv"), file());
        return new ImportValidator(10, db, records, Schema.builtInOnly(), org, dir, hash).validate(BuiltInObjects.VENDOR,
                options(strategy, matchFields), () -> Readers.open(file, FileType.CSV, ReadOptions.defaults()));
    }

    private static ExecuteOptions options(DuplicateStrategy strategy, List<String> matchFields) {
        return new ExecuteOptions(COLUMNS, strategy, matchFields, MergeMode.PREFER_IMPORT, false, false, Map.of(),
                false, "sync", Map.of(), null);
    }
}
