package dev.freight.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.freight.engine.ImportValidator;
import dev.freight.engine.ValidationFiles;
import dev.freight.engine.ValidationLeaseRenewal;
import dev.freight.store.Database;
import dev.freight.store.StoreException;
import dev.freight.store.IdGenerator;
import dev.freight.store.TenantStore;
import dev.freight.store.ValidationFileStore;
import dev.freight.store.ValidationFileStore.Removal;
import dev.freight.store.ValidationFileStore.ValidationFile;
import dev.freight.testing.SettableClock;
import dev.freight.testing.TestDatabases;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The validate step's errors files against a real database, with an injected clock: a writer's lease, expiry from
 * when the files were finished, crash leftovers, and the byte limit on all validations' finished files.
 */
abstract class ValidationFileSweeperContract {

    static final Instant START = Instant.parse("2025-03-01T09:00:00.250Z");
    static final Duration TTL = Duration.ofHours(1);

    /** One rejected row of {@link #rejected}, as the JSON file holds it. */
    static final String JSON_ROW = "{\"row\":%d,\"line\":%d,\"external_id\":null,\"field\":\"email\","
            + "\"error_code\":\"invalid_field_value\",\"message\":\"email: expected an email address, got"
            + " \\\"%s\\\"\",\"errors\":[{\"field\":\"email\",\"error_code\":\"invalid_field_value\",\"message\":"
            + "\"email: expected an email address, got \\\"%s\\\"\"}],\"cells\":{\"Name\":\"%s\",\"Email\":\"%s\"}}";

    /** The CSV file's header and one rejected row of {@link #rejected}. */
    static final String CSV_HEADER = "error_line,error_external_id,error_field,error_code,error_message,Name,Email\r\n";
    static final String CSV_ROW = "%d,,email,invalid_field_value,\"email: expected an email address, got \"\"%s\"\"\","
            + "%s,%s\r\n";

    /** The byte-order mark the CSV file starts with: 3 bytes in UTF-8. */
    static final String BOM = "\uFEFF";

    /** The bytes of both files of a validation with one row {@code rejected(n, "Ann", "nope")}, n of one digit. */
    static final long ONE_ROW_BYTES = 310 + 169;

    abstract TestDatabases database();

    Database db;
    SettableClock clock;
    IdGenerator ids;
    ValidationFileStore store;
    Path dir;
    String organizationId;

    @BeforeEach
    void setUp() throws IOException {
        db = database().open("validation_files");
        clock = new SettableClock(START);
        ids = new IdGenerator(clock);
        store = new ValidationFileStore();
        dir = Files.createTempDirectory("freight-validations-");
        organizationId = db.inTransaction(h -> new TenantStore(ids, clock).createOrganization(h, "acme", "Acme"))
                .id();
    }

    @AfterEach
    void close() {
        db.close();
    }

    ValidationFiles files(long maxBytes) {
        return new ValidationFiles(dir, db, store, ids, clock, TTL, maxBytes);
    }

    ValidationFileSweeper sweeper(ValidationFiles files) {
        return new ValidationFileSweeper(db, store, files, clock, Duration.ofDays(30), Duration.ofMinutes(1));
    }

    static ImportValidator.Rejected rejected(long line, String name, String email) {
        Map<String, Object> cells = new LinkedHashMap<>();
        cells.put("Name", name);
        cells.put("Email", email);
        String message = "email: expected an email address, got \"" + email + "\"";
        return new ImportValidator.Rejected(line - 1, line, null, List.of(
                new ImportValidator.Problem(line - 1, line, "email", email, "invalid_field_value", message)), cells);
    }

    static String json(long line, String name, String email) {
        return JSON_ROW.formatted(line - 1, line, email, email, name, email);
    }

    static String csv(long line, String name, String email) {
        return CSV_ROW.formatted(line, email, name, email);
    }

    static int utf8Bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    ValidationFile record(String id) {
        return db.withHandle(h -> store.get(h, organizationId, id)).orElseThrow();
    }

    List<String> recordedIds() {
        return db.withHandle(h -> h.query("select id from validation_files order by id", rs -> rs.getString(1)));
    }

    List<String> filesOnDisk() throws IOException {
        try (Stream<Path> listed = Files.list(dir)) {
            return listed.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** A validation writing its files, its one rejected row (line 2) added and not finished. */
    ValidationFiles.Recorder writingOneRow(ValidationFiles files) throws IOException {
        ValidationFiles.Recorder recorder = files.recorder(organizationId);
        recorder.start(List.of("Name", "Email"));
        recorder.add(rejected(2, "Ann", "nope"));
        return recorder;
    }

    /** The id of the one validation writing its files now, from its JSON file's name. */
    String writingId() throws IOException {
        return filesOnDisk().getFirst().replace(".errors.json.part", "");
    }

    /** A finished validation of one rejected row, finished at the clock's time. */
    ValidationFiles.Stored validated(ValidationFiles files, long line) throws IOException {
        try (ValidationFiles.Recorder recorder = files.recorder(organizationId)) {
            recorder.start(List.of("Name", "Email"));
            recorder.add(rejected(line, "Ann", "nope"));
            return (ValidationFiles.Stored) recorder.finish();
        }
    }

    /**
     * The lease follows the clock, not the rows: 50 minutes without a row read (a large workbook's shared strings, a
     * slow reader), five leases' worth, cost the validation nothing.
     */
    @Test
    void aValidationReadingNoRowForLongerThanItsLeaseAndWritingLongerThanTheTtlIsNeverSwept() throws IOException {
        ValidationFiles files = files(Long.MAX_VALUE);
        ValidationFileSweeper sweeper = sweeper(files);
        ValidationFiles.Recorder recorder = writingOneRow(files);
        String id = writingId();
        assertThat(filesOnDisk()).containsExactly(id + ".errors.json.part");
        assertThat(record(id).expiresAt()).isEqualTo(START.plus(ValidationFiles.LEASE));

        // Two hours and a half, a row every 50 minutes; the leases renewed and the sweeper run every minute meanwhile.
        for (int minute = 1; minute <= 150; minute++) {
            clock.advance(Duration.ofMinutes(1));
            assertThat(files.renewLeases()).as("minute %d", minute).isEqualTo(1);
            if (minute % 50 == 0) {
                recorder.add(rejected(2 + minute, "Bo", "bad"));
            }
            assertThat(sweeper.sweep()).as("minute %d", minute).isZero();
        }
        assertThat(filesOnDisk()).containsExactly(id + ".errors.json.part");
        assertThat(record(id).finishedAt()).isNull();
        assertThat(record(id).expiresAt()).isEqualTo(START.plus(Duration.ofMinutes(150)).plus(ValidationFiles.LEASE));
        clock.advance(Duration.ofSeconds(30));

        ValidationFiles.Finished finished = recorder.finish();
        recorder.close();

        Instant finishedAt = START.plus(Duration.ofMinutes(150)).plusSeconds(30);
        // Expiring with the download URLs, to the second: 09:00:00.250 + 2h30m30s + 1h → 12:30:30.
        Instant expiresAt = Instant.parse("2025-03-01T12:30:30Z");
        assertThat(finished).isEqualTo(new ValidationFiles.Stored(id, expiresAt));
        String json = "[" + json(2, "Ann", "nope") + "," + json(52, "Bo", "bad") + "," + json(102, "Bo", "bad") + ","
                + json(152, "Bo", "bad") + "]";
        String csv = BOM + CSV_HEADER + csv(2, "Ann", "nope") + csv(52, "Bo", "bad") + csv(102, "Bo", "bad")
                + csv(152, "Bo", "bad");
        assertThat(Files.readString(files.path(id, ValidationFiles.Format.JSON))).isEqualTo(json);
        assertThat(Files.readString(files.path(id, ValidationFiles.Format.CSV))).isEqualTo(csv);
        assertThat(filesOnDisk()).containsExactly(id + ".errors.csv", id + ".errors.json");
        assertThat(record(id)).isEqualTo(new ValidationFile(id, organizationId, START, expiresAt, finishedAt,
                (long) (json.length() + utf8Bytes(csv)), null, null));
        assertThat(json.length() + utf8Bytes(csv)).isEqualTo(1_235 + 429);

        clock.set(expiresAt.minusMillis(1));
        assertThat(sweeper.sweep()).isZero();
        assertThat(filesOnDisk()).hasSize(2);
        clock.set(expiresAt);
        assertThat(sweeper.sweep()).isEqualTo(1);
        assertThat(filesOnDisk()).isEmpty();
        assertThat(record(id).deletedAt()).isEqualTo(expiresAt);
        assertThat(record(id).deletedBecause()).isEqualTo(Removal.EXPIRED);
    }

    @Test
    void filesACrashLeftHalfWrittenAreSweptOnceTheirWritersLeaseRanOut() throws IOException {
        ValidationFiles files = files(Long.MAX_VALUE);
        ValidationFileSweeper sweeper = sweeper(files);
        ValidationFiles.Recorder crashed = files.recorder(organizationId);
        crashed.start(List.of("Name", "Email"));
        crashed.add(rejected(2, "Ann", "nope"));
        clock.advance(Duration.ofMinutes(3));
        assertThat(files.renewLeases()).isEqualTo(1);
        String id = filesOnDisk().getFirst().replace(".errors.json.part", "");
        // The process dies here, its renewals with it: no more renewals, rows, finish or close.

        clock.advance(ValidationFiles.LEASE.minusMillis(1));
        assertThat(sweeper.sweep()).isZero();
        assertThat(filesOnDisk()).containsExactly(id + ".errors.json.part");
        clock.advance(Duration.ofMillis(1));
        assertThat(sweeper.sweep()).isEqualTo(1);

        assertThat(filesOnDisk()).isEmpty();
        ValidationFile swept = record(id);
        assertThat(swept.deletedAt()).isEqualTo(START.plus(Duration.ofMinutes(13)));
        assertThat(swept.deletedBecause()).isEqualTo(Removal.ABANDONED);
        assertThat(swept.finishedAt()).isNull();
        // A process whose renewals could not reach the database that long learns its writer lost its files; the writer
        // fails at its next row rather than fill deleted files, and forgets them.
        assertThat(files.renewLeases()).isZero();
        assertThatThrownBy(() -> crashed.add(rejected(3, "Bo", "bad")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("The errors files of validation " + id + " were deleted as abandoned while it wrote"
                        + " them: no renewal of its lease on them reached the database for PT10M");
        crashed.close();
        assertThat(recordedIds()).doesNotContain(id);
    }

    /**
     * The database refuses to renew one of two validations' leases (a trigger on its record): the other's is renewed
     * all the same, in a transaction of its own, and the failure is thrown once both were tried. The refused one keeps
     * its files and its writer, and is renewed at the next round the database allows it. Each is refused in turn, so
     * that in one of the two rounds the refused lease is tried first, whatever order the leases are tried in. Before,
     * the first failure ended the round, and the leases after it went unrenewed.
     */
    @Test
    void aLeaseTheDatabaseRefusesToRenewHoldsBackNoOther() throws IOException {
        ValidationFiles files = files(Long.MAX_VALUE);
        ValidationFiles.Recorder first = writingOneRow(files);
        String firstId = writingId();
        ValidationFiles.Recorder second = writingOneRow(files);
        String secondId = recordedIds().stream().filter(id -> !id.equals(firstId)).findFirst().orElseThrow();
        db.withHandle(h -> {
            database().refusingValidationFileUpdatesSql().forEach(h::execute);
            return null;
        });

        for (int minute = 1; minute <= 2; minute++) {
            String refused = minute == 1 ? firstId : secondId;
            String renewed = minute == 1 ? secondId : firstId;
            refuseOnly(List.of(refused));
            clock.advance(Duration.ofMinutes(1));

            assertThatThrownBy(files::renewLeases).as("minute %d", minute).isInstanceOf(StoreException.class)
                    .hasNoSuppressedExceptions().rootCause().hasMessageContaining("refused by test trigger");

            assertThat(record(renewed).expiresAt()).as("minute %d", minute)
                    .isEqualTo(START.plus(Duration.ofMinutes(minute)).plus(ValidationFiles.LEASE));
            assertThat(record(refused).expiresAt()).as("minute %d", minute)
                    .isEqualTo(START.plus(Duration.ofMinutes(minute - 1)).plus(ValidationFiles.LEASE));
        }
        // Both refused: both tried, one failure thrown with the other's suppressed.
        refuseOnly(List.of(firstId, secondId));
        clock.advance(Duration.ofMinutes(1));
        assertThatThrownBy(files::renewLeases).isInstanceOf(StoreException.class)
                .satisfies(e -> assertThat(e.getSuppressed()).singleElement().isInstanceOf(StoreException.class));
        refuseOnly(List.of());
        clock.advance(Duration.ofMinutes(1));
        assertThat(files.renewLeases()).isEqualTo(2);
        assertThat(record(firstId).expiresAt())
                .isEqualTo(START.plus(Duration.ofMinutes(4)).plus(ValidationFiles.LEASE));
        assertThat(record(secondId).expiresAt())
                .isEqualTo(START.plus(Duration.ofMinutes(4)).plus(ValidationFiles.LEASE));

        // Neither was taken for a lost lease: both write on and finish.
        first.add(rejected(3, "Bo", "bad"));
        second.add(rejected(3, "Bo", "bad"));
        assertThat(first.finish()).isInstanceOf(ValidationFiles.Stored.class);
        assertThat(second.finish()).isInstanceOf(ValidationFiles.Stored.class);
        first.close();
        second.close();
        assertThat(filesOnDisk()).containsExactly(firstId + ".errors.csv", firstId + ".errors.json",
                secondId + ".errors.csv", secondId + ".errors.json");
    }

    /**
     * A round that cannot reach the database (here the pool's connection time-out: every connection is taken) stops at
     * the first lease it tries, rather than waiting out the time-out once per lease (30 s each by default): one
     * failure, {@code database_unavailable}, nothing suppressed. The leases keep their writers, and the next round,
     * with the database back, renews all three. Before, each lease waited for a connection and failed in turn, and
     * the pool's time-out counted as {@code database_error}.
     */
    @Test
    void aRoundThatCannotReachTheDatabaseStopsAtTheFirstLease() throws Exception {
        HikariDataSource shared = (HikariDataSource) db.dataSource();
        // A pool of its own on the same database, whose requests give up after 250 ms rather than 30 s.
        Database quick = Database.open(db.dialect(), shared.getJdbcUrl(), shared.getUsername(), null,
                Duration.ofMillis(250));
        HikariDataSource pool = (HikariDataSource) quick.dataSource();
        List<Connection> taken = new ArrayList<>();
        try (quick) {
            ValidationFiles files = new ValidationFiles(dir, quick, store, ids, clock, TTL, Long.MAX_VALUE);
            List<ValidationFiles.Recorder> recorders = List.of(writingOneRow(files), writingOneRow(files),
                    writingOneRow(files));
            for (int i = 0; i < pool.getMaximumPoolSize(); i++) {
                taken.add(pool.getConnection());
            }
            clock.advance(Duration.ofMinutes(1));

            assertThatThrownBy(files::renewLeases).isInstanceOf(StoreException.class)
                    .hasNoSuppressedExceptions()
                    .satisfies(e -> assertThat(((StoreException) e).code()).isEqualTo("database_unavailable"))
                    .hasMessage("The database is unavailable")
                    .cause().isInstanceOf(SQLTransientConnectionException.class);
            for (Connection c : taken) {
                c.close();
            }
            taken.clear();
            clock.advance(Duration.ofMinutes(1));

            assertThat(files.renewLeases()).isEqualTo(3);
            assertThat(recordedIds()).hasSize(3);
            for (String id : recordedIds()) {
                assertThat(record(id).expiresAt())
                        .isEqualTo(START.plus(Duration.ofMinutes(2)).plus(ValidationFiles.LEASE));
            }
            for (ValidationFiles.Recorder recorder : recorders) {
                assertThat(recorder.finish()).isInstanceOf(ValidationFiles.Stored.class);
                recorder.close();
            }
        } finally {
            for (Connection c : taken) {
                c.close();
            }
        }
    }

    /** Makes the database refuse updates of exactly these validations' records (see the trigger above). */
    private void refuseOnly(List<String> ids) {
        db.inTransaction(h -> {
            h.update("delete from refused_validation_files");
            for (String id : ids) {
                h.update("insert into refused_validation_files (id) values (?)", id);
            }
            return null;
        });
    }

    @Test
    void aWriterThatRenewsItsLeaseAfterTheSweeperListedItKeepsItsFiles() throws IOException {
        ValidationFiles files = files(Long.MAX_VALUE);
        ValidationFiles.Recorder recorder = writingOneRow(files);
        String id = writingId();
        Instant late = START.plus(ValidationFiles.LEASE);
        List<String> expired = db.withHandle(h -> store.expired(h, late));
        assertThat(expired).containsExactly(id);

        boolean renewed = db.inTransaction(h -> store.renew(h, id, late.plus(ValidationFiles.LEASE)));
        assertThat(renewed).isTrue();

        boolean marked = db.inTransaction(h -> store.markExpired(h, id, late));
        assertThat(marked).isFalse();
        assertThat(files.deleteExpired(late)).isZero();
        assertThat(filesOnDisk()).containsExactly(id + ".errors.json.part");
        recorder.close();
        assertThat(filesOnDisk()).isEmpty();
        assertThat(recordedIds()).doesNotContain(id);
    }

    @Test
    void theOldestFinishedFilesAreDeletedFirstToKeepUnderTheLimitAndFilesBeingWrittenNever() throws IOException {
        assertThat((json(2, "Ann", "nope") + "[]").length()).isEqualTo(310);
        assertThat(utf8Bytes(BOM + CSV_HEADER + csv(2, "Ann", "nope"))).isEqualTo(169);
        // Room for two validations of one row, 479 bytes each, and not three.
        ValidationFiles files = files(2 * ONE_ROW_BYTES + 10);
        ValidationFiles.Stored first = validated(files, 2);
        clock.advance(Duration.ofSeconds(1));
        ValidationFiles.Stored second = validated(files, 3);
        clock.advance(Duration.ofSeconds(1));
        ValidationFiles.Recorder writing = files.recorder(organizationId);
        writing.start(List.of("Name", "Email"));
        writing.add(rejected(2, "Ann", "nope"));
        String writingId = filesOnDisk().stream().filter(f -> f.endsWith(".part")).findFirst().orElseThrow()
                .replace(".errors.json.part", "");
        assertThat(record(first.id()).sizeBytes()).isEqualTo(ONE_ROW_BYTES);
        assertThat(record(second.id()).sizeBytes()).isEqualTo(ONE_ROW_BYTES);

        clock.advance(Duration.ofSeconds(1));
        ValidationFiles.Stored third = validated(files, 4);

        // 3 × 479 = 1,437 bytes > 968: the first goes; the files still being written are not counted, and stay.
        ValidationFile gone = record(first.id());
        assertThat(gone.deletedBecause()).isEqualTo(Removal.OVER_LIMIT);
        assertThat(gone.deletedAt()).isEqualTo(START.plusSeconds(3));
        assertThat(filesOnDisk()).containsExactlyInAnyOrder(second.id() + ".errors.csv",
                second.id() + ".errors.json", third.id() + ".errors.csv", third.id() + ".errors.json",
                writingId + ".errors.json.part");
        long keptBytes = db.withHandle(store::keptBytes);
        assertThat(keptBytes).isEqualTo(2 * ONE_ROW_BYTES);
        assertThat(sweeper(files).sweep()).isZero();
        writing.close();
    }

    @Test
    void theSweeperKeepsFinishedFilesUnderALimitLoweredSinceTheyWereWritten() throws IOException {
        ValidationFiles roomy = files(Long.MAX_VALUE);
        ValidationFiles.Stored first = validated(roomy, 2);
        clock.advance(Duration.ofSeconds(1));
        ValidationFiles.Stored second = validated(roomy, 3);
        clock.advance(Duration.ofSeconds(1));
        ValidationFiles.Stored third = validated(roomy, 4);
        clock.advance(Duration.ofSeconds(1));

        assertThat(sweeper(files(ONE_ROW_BYTES)).sweep()).isEqualTo(2);

        assertThat(record(first.id()).deletedBecause()).isEqualTo(Removal.OVER_LIMIT);
        assertThat(record(second.id()).deletedBecause()).isEqualTo(Removal.OVER_LIMIT);
        assertThat(record(third.id()).deletedAt()).isNull();
        assertThat(filesOnDisk()).containsExactly(third.id() + ".errors.csv", third.id() + ".errors.json");
    }

    /**
     * A validation stops as soon as what it produced passes the limit, buffered or not: none of the excess reaches the
     * disk, and from that row on it has neither a file nor a record, and no lease to renew.
     */
    @Test
    void aValidationWhoseFilesAloneExceedTheLimitKeepsNoneStopsWritingAndLeavesTheOthers() throws IOException {
        ValidationFiles files = files(10_000);
        ValidationFiles.Stored kept = validated(files, 2);
        List<String> keptFiles = List.of(kept.id() + ".errors.csv", kept.id() + ".errors.json");
        ValidationFiles.Recorder recorder = files.recorder(organizationId);
        recorder.start(List.of("Name", "Email"));
        // "[", then the rows, a comma between two: the 33rd row (line 34) takes the JSON past 10,000 bytes.
        long produced = 1;
        int line = 2;
        for (; produced + json(line, "Ann", "nope").length() + (line > 2 ? 1 : 0) <= 10_000; line++) {
            recorder.add(rejected(line, "Ann", "nope"));
            produced += json(line, "Ann", "nope").length() + (line > 2 ? 1 : 0);
            String part = filesOnDisk().stream().filter(f -> f.endsWith(".part")).findFirst().orElseThrow();
            // All of it still in the buffers.
            assertThat(Files.size(dir.resolve(part))).isZero();
            assertThat(recordedIds()).hasSize(2).contains(kept.id());
        }
        assertThat(line).isEqualTo(34);
        assertThat(produced).isEqualTo(9_935);

        recorder.add(rejected(line, "Ann", "nope"));

        assertThat(filesOnDisk()).isEqualTo(keptFiles);
        assertThat(Files.size(dir.resolve(keptFiles.get(0))) + Files.size(dir.resolve(keptFiles.get(1))))
                .isEqualTo(ONE_ROW_BYTES);
        assertThat(recordedIds()).containsExactly(kept.id());
        assertThat(files.renewLeases()).isZero();
        for (line++; line < 400; line++) {
            recorder.add(rejected(line, "Ann", "nope"));
        }
        assertThat(filesOnDisk()).isEqualTo(keptFiles);

        assertThat(recorder.finish()).isEqualTo(new ValidationFiles.TooLarge(10_000));
        recorder.close();

        assertThat(filesOnDisk()).isEqualTo(keptFiles);
        assertThat(recordedIds()).containsExactly(kept.id());
        assertThat(record(kept.id()).deletedAt()).isNull();
        assertThat(db.withHandle(store::keptBytes)).isEqualTo(ONE_ROW_BYTES);
    }

    @Test
    void aValidationWhoseTwoFilesTogetherExceedTheLimitKeepsNone() throws IOException {
        // The JSON file of one row fits (310 bytes), both files (479) do not.
        ValidationFiles files = files(ONE_ROW_BYTES - 1);
        ValidationFiles.Recorder recorder = writingOneRow(files);

        assertThat(recorder.finish()).isEqualTo(new ValidationFiles.TooLarge(ONE_ROW_BYTES - 1));

        assertThat(filesOnDisk()).isEmpty();
        assertThat(recordedIds()).isEmpty();
        ValidationFiles exactly = files(ONE_ROW_BYTES);
        ValidationFiles.Stored fits = validated(exactly, 2);
        assertThat(fits.expiresAt()).isEqualTo(Instant.parse("2025-03-01T10:00:00Z"));
        assertThat(Files.readString(exactly.path(fits.id(), ValidationFiles.Format.CSV)))
                .isEqualTo(BOM + CSV_HEADER + csv(2, "Ann", "nope"));
    }

    @Test
    void aValidationWithoutRejectedRowsRecordsNothing() throws IOException {
        ValidationFiles.Recorder recorder = files(1).recorder(organizationId);
        recorder.start(List.of("Name", "Email"));

        assertThat(recorder.finish()).isEqualTo(new ValidationFiles.NoneRejected());
        assertThat(filesOnDisk()).isEmpty();
    }

    /**
     * A validation whose JSON file cannot be created (here the validations directory's path names a regular file, so
     * it cannot be made; the test runs as root, for whom no permission would stop it) fails with that error alone and
     * leaves neither a record nor a file behind. Before, closing the recorder looked for the files in that
     * "directory", failed as well, and left the record until the sweeper took it as abandoned.
     */
    @Test
    void aValidationWhoseFileCannotBeCreatedFailsAndLeavesNoRecord() throws IOException {
        Path notADirectory = dir.resolve("validations");
        Files.writeString(notADirectory, "not a directory");
        ValidationFiles files = new ValidationFiles(notADirectory, db, store, ids, clock, TTL, Long.MAX_VALUE);

        assertThatThrownBy(() -> {
            try (ValidationFiles.Recorder recorder = files.recorder(organizationId)) {
                recorder.start(List.of("Name", "Email"));
                recorder.add(rejected(2, "Ann", "nope"));
            }
        }).isInstanceOf(FileAlreadyExistsException.class).hasMessage(notADirectory.toString())
                .hasNoSuppressedExceptions();
        assertThat(recordedIds()).isEmpty();
        assertThat(files.renewLeases()).isZero();
        assertThat(filesOnDisk()).containsExactly("validations");
        assertThat(Files.readString(notADirectory)).isEqualTo("not a directory");
    }

    /**
     * The renewals run on a thread of their own, by the clock, while nothing reads a row: here every 10 ms of real
     * time, the test's clock half an hour on. Once they stop (as when the process dies), the lease runs out.
     */
    @Test
    void theRenewalThreadKeepsTheLeaseOfAValidationReadingNoRowUntilItStops() throws Exception {
        ValidationFiles files = files(Long.MAX_VALUE);
        ValidationFileSweeper sweeper = sweeper(files);
        ValidationFiles.Recorder recorder = writingOneRow(files);
        String id = writingId();
        clock.advance(Duration.ofMinutes(30));
        Instant renewedTo = START.plus(Duration.ofMinutes(30)).plus(ValidationFiles.LEASE);

        try (ValidationLeaseRenewal renewal = new ValidationLeaseRenewal(files, Duration.ofMillis(10))) {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!record(id).expiresAt().equals(renewedTo) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(record(id).expiresAt()).isEqualTo(renewedTo);
            assertThat(sweeper.sweep()).isZero();
        }
        assertThat(filesOnDisk()).containsExactly(id + ".errors.json.part");

        clock.advance(ValidationFiles.LEASE.minusMillis(1));
        assertThat(sweeper.sweep()).isZero();
        clock.advance(Duration.ofMillis(1));
        assertThat(sweeper.sweep()).isEqualTo(1);
        assertThat(filesOnDisk()).isEmpty();
        assertThat(record(id).deletedBecause()).isEqualTo(Removal.ABANDONED);
        recorder.close();
    }

    /**
     * Two validations finish together and only one's files fit: the second's trim deletes the first's, the oldest,
     * before the first answered. The first's answer then hands out no files, rather than URLs answering 410.
     */
    @Test
    void aValidationWhoseFilesAnotherFinishingAtTheSameTimeDeletedHandsOutNone() throws IOException {
        long limit = 2 * ONE_ROW_BYTES - 1;
        ValidationFiles files = files(limit);
        ValidationFiles.Recorder first = files.recorder(organizationId);
        ValidationFiles.Recorder second = files.recorder(organizationId);
        first.start(List.of("Name", "Email"));
        first.add(rejected(2, "Ann", "nope"));
        second.start(List.of("Name", "Email"));
        second.add(rejected(3, "Ann", "nope"));

        ValidationFiles.Stored firstFinished = (ValidationFiles.Stored) first.finish();
        clock.advance(Duration.ofSeconds(1));
        ValidationFiles.Stored secondFinished = (ValidationFiles.Stored) second.finish();

        assertThat(files.handOut(organizationId, firstFinished)).isEqualTo(new ValidationFiles.Trimmed(limit));
        assertThat(files.handOut(organizationId, secondFinished)).isEqualTo(secondFinished);
        assertThat(record(firstFinished.id()).deletedBecause()).isEqualTo(Removal.OVER_LIMIT);
        assertThat(record(firstFinished.id()).deletedAt()).isEqualTo(START.plusSeconds(1));
        assertThat(filesOnDisk()).containsExactly(secondFinished.id() + ".errors.csv",
                secondFinished.id() + ".errors.json");
        assertThat(files.handOut(organizationId, new ValidationFiles.NoneRejected()))
                .isEqualTo(new ValidationFiles.NoneRejected());
        assertThat(files.handOut(organizationId, new ValidationFiles.TooLarge(limit)))
                .isEqualTo(new ValidationFiles.TooLarge(limit));
        first.close();
        second.close();
        assertThat(filesOnDisk()).hasSize(2);
    }
}
