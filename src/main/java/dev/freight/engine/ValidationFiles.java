package dev.freight.engine;

import dev.freight.store.Database;
import dev.freight.store.Handle;
import dev.freight.store.IdGenerator;
import dev.freight.store.StoreException;
import dev.freight.store.ValidationFileStore;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MappingIterator;
import tools.jackson.databind.json.JsonMapper;

/**
 * The validate step's errors files: every rejected row of one validation, as {@code <dir>/<id>.errors.json} and
 * {@code <dir>/<id>.errors.csv}, in the shape of an import's errors files ({@link ImportFiles}). The JSON file is
 * written as validation reads the rows, and the CSV from it once the rows' columns are all known, so no list of
 * problems is kept. Both are written under temporary names and moved into place complete. Several service instances
 * on PostgreSQL must share the directory. Thread-safe; each {@link Recorder} is used by one thread.
 *
 * <p>Each validation with a rejected row is recorded ({@link ValidationFileStore}) before its first byte is written.
 * While its files are written, their record's expiry is a lease {@link #LEASE} ahead, renewed by
 * {@link #renewLeases} (every {@link #RENEWAL}, by a {@link ValidationLeaseRenewal}) for as long as its
 * {@link Recorder} is open: by the clock, not by the rows, so a validation that reads no row for a long time (a large
 * workbook's shared strings, a paused reader) keeps its files. {@link #deleteExpired} therefore never deletes files
 * being written, and does delete those a crash or kill left half written once the lease ran out. Finished files
 * expire {@code ttl} after they were finished. The finished files of all validations are kept within
 * {@code maxBytes}: when a validation finishes, the oldest finished files are deleted first until the rest fit
 * ({@link #trim}); a validation whose own files would take more is not kept at all ({@link TooLarge}), and stops
 * writing as soon as its files reach that. What a validation's answer hands out is read after that
 * ({@link #handOut}): a validation finishing at the same moment may have deleted its files first ({@link Trimmed}).
 */
public final class ValidationFiles {

    /** How long files being written are kept past their writer's last renewal (the process's last sign of life). */
    public static final Duration LEASE = Duration.ofMinutes(10);

    /** How often the leases of the files being written are renewed. */
    public static final Duration RENEWAL = Duration.ofMinutes(1);

    /** The two files of a validation, by the name their download URL ends with. */
    public enum Format {
        CSV("errors.csv"),
        JSON("errors.json");

        private final String fileName;

        Format(String fileName) {
            this.fileName = fileName;
        }

        public String fileName() {
            return fileName;
        }
    }

    /** What a finished {@link Recorder} leaves. */
    public sealed interface Finished permits Stored, NoneRejected, TooLarge, Trimmed {}

    /** A validation's complete files: their id and when they expire (a whole second). */
    public record Stored(String id, Instant expiresAt) implements Finished {}

    /** No row was rejected, so there are no files. */
    public record NoneRejected() implements Finished {}

    /** The files would take more than {@code maxBytes} on their own, so none were kept. */
    public record TooLarge(long maxBytes) implements Finished {}

    /**
     * The files fitted, but were deleted as soon as they were finished, before the answer: validations finishing at
     * the same moment took the room ({@link #trim}, oldest finished first), and these were the oldest.
     */
    public record Trimmed(long maxBytes) implements Finished {}

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {};

    private final Path dir;
    private final Database database;
    private final ValidationFileStore store;
    private final IdGenerator ids;
    private final Clock clock;
    private final Duration ttl;
    private final long maxBytes;
    /** The recorders writing files now, by validation id: the leases {@link #renewLeases} renews. */
    private final Map<String, Recorder> writing = new ConcurrentHashMap<>();

    /**
     * @param ttl how long finished files are kept (the download URLs' lifetime)
     * @param maxBytes the most bytes the finished files of all validations may take together
     */
    public ValidationFiles(Path dir, Database database, ValidationFileStore store, IdGenerator ids, Clock clock,
            Duration ttl, long maxBytes) {
        this.dir = dir;
        this.database = database;
        this.store = store;
        this.ids = ids;
        this.clock = clock;
        this.ttl = ttl;
        this.maxBytes = maxBytes;
    }

    public Path path(String id, Format format) {
        return dir.resolve(id + "." + format.fileName());
    }

    private Path temporary(String id, Format format) {
        return dir.resolve(id + "." + format.fileName() + ".part");
    }

    /** The most bytes the finished files of all validations may take together. */
    public long maxBytes() {
        return maxBytes;
    }

    /** A recorder of one validation's rejected rows; nothing is written or recorded until the first one. */
    public Recorder recorder(String organizationId) {
        return new Recorder(organizationId);
    }

    /** Deletes a validation's files, complete or not; nothing happens when there are none. */
    public void delete(String id) {
        try {
            for (Format f : Format.values()) {
                Files.deleteIfExists(path(id, f));
                Files.deleteIfExists(temporary(id, f));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Moves the lease of every validation writing its files now to {@link #LEASE} from the clock's time, however long
     * ago it read a row; returns how many. A lease found lost (the files deleted as abandoned: no renewal reached the
     * database for {@link #LEASE}) is no longer renewed, and its writer fails at its next row or at its finish.
     * Each lease is renewed in a transaction of its own, so one that fails (the database refused it) does not hold
     * back the others: once every lease was tried, the first failure is thrown, with the others suppressed, and the
     * failed leases are tried again at the next call. A failure to reach the database at all
     * ({@link StoreException#isUnavailable}: the server down, or no connection free within the pool's time-out) ends
     * the call at once instead (the first failure thrown, as above): every other lease would wait as long
     * for a connection only to fail the same way, so a round would take a pool time-out (30 s) per lease. The leases
     * not tried are tried at the next call, well within their {@link #LEASE}. Thread-safe; called every
     * {@link #RENEWAL} by {@link ValidationLeaseRenewal}.
     */
    public int renewLeases() {
        int renewed = 0;
        RuntimeException failed = null;
        for (Recorder recorder : writing.values()) {
            try {
                Instant leaseUntil = clock.instant().plus(LEASE);
                if (database.inTransaction(h -> store.renew(h, recorder.id, leaseUntil))) {
                    renewed++;
                } else if (writing.remove(recorder.id, recorder)) {
                    // Not lost when the writer finished or gave up its files in the meantime: it left the map first.
                    recorder.leaseLost = true;
                }
            } catch (RuntimeException e) {
                // The lease has nine more renewals before it runs out; the others are renewed all the same.
                if (failed == null) {
                    failed = e;
                } else if (e != failed) {
                    failed.addSuppressed(e);
                }
                if (e instanceof StoreException storeFailure && storeFailure.isUnavailable()) {
                    break;
                }
            }
        }
        if (failed != null) {
            throw failed;
        }
        return renewed;
    }

    /**
     * What a validation's answer may hand out, read from the record as late as possible before answering: the files
     * as {@code finished} says, unless a validation that finished at the same moment deleted them first to keep
     * {@link #maxBytes} ({@link Trimmed}), so an answer never gives URLs of files already deleted.
     */
    public Finished handOut(String organizationId, Finished finished) {
        if (!(finished instanceof Stored stored)) {
            return finished;
        }
        boolean kept = database.withHandle(h -> store.get(h, organizationId, stored.id()))
                .filter(f -> f.deletedAt() == null)
                .isPresent();
        return kept ? stored : new Trimmed(maxBytes);
    }

    /**
     * Deletes the files whose expiry passed by {@code now}: finished files past their time, and files whose writer
     * stopped renewing its lease. Returns how many validations' files.
     */
    public int deleteExpired(Instant now) {
        int deleted = 0;
        for (String id : database.withHandle(h -> store.expired(h, now))) {
            // Marked only if the expiry has still passed: a writer that renewed its lease meanwhile keeps its files,
            // and one that tries to renew after finds it lost them.
            if (remove(id, h -> store.markExpired(h, id, now))) {
                deleted++;
            }
        }
        return deleted;
    }

    /**
     * Deletes the oldest finished files (never files being written) until the finished files left take at most
     * {@link #maxBytes}; returns how many validations' files.
     */
    public int trim(Instant now) {
        if (database.withHandle(store::keptBytes) <= maxBytes) {
            return 0;
        }
        List<ValidationFileStore.Kept> oldestFirst = database.withHandle(store::keptOldestFirst);
        long kept = oldestFirst.stream().mapToLong(ValidationFileStore.Kept::sizeBytes).sum();
        int deleted = 0;
        for (ValidationFileStore.Kept oldest : oldestFirst) {
            if (kept <= maxBytes) {
                break;
            }
            // Counted off whether this trim or a concurrent one (another validation finishing) deleted them.
            if (remove(oldest.id(), h -> store.markOverLimit(h, oldest.id(), now))) {
                deleted++;
            }
            kept -= oldest.sizeBytes();
        }
        return deleted;
    }

    /**
     * Deletes a validation's files if {@code mark} marks their record deleted, in its transaction: a failure to
     * delete them leaves the record unmarked, for the next sweep.
     */
    private boolean remove(String id, Predicate<Handle> mark) {
        return database.inTransaction(h -> {
            if (!mark.test(h)) {
                return false;
            }
            delete(id);
            return true;
        });
    }

    /**
     * Writes one validation's rejected rows as {@link ImportValidator} hands them over. {@link #finish} makes the
     * files whole; {@link #close} without it (the validation failed) deletes whatever was written and its record.
     */
    public final class Recorder implements ImportValidator.Rejections, AutoCloseable {

        private enum State {
            NOTHING_YET,
            WRITING,
            TOO_LARGE,
            FINISHED
        }

        private final String organizationId;
        /** The source's headers, then every other key of a rejected row's cells: the CSV's columns. */
        private final Set<String> headers = new LinkedHashSet<>();
        private State state = State.NOTHING_YET;
        private String id;
        /** The JSON file itself, behind the buffer: closed first when the files are discarded. */
        private OutputStream file;
        /** What the generator handed over, in front of the buffer: with its own buffer, every byte produced. */
        private CountingStream out;
        private JsonGenerator json;
        /** Set by {@link #renewLeases} (another thread) when the files were deleted as abandoned meanwhile. */
        private volatile boolean leaseLost;

        private Recorder(String organizationId) {
            this.organizationId = organizationId;
        }

        @Override
        public void start(List<String> sourceHeaders) {
            headers.addAll(sourceHeaders);
        }

        @Override
        public void add(ImportValidator.Rejected row) throws IOException {
            switch (state) {
                case NOTHING_YET -> open();
                case WRITING -> checkLease();
                case TOO_LARGE, FINISHED -> {
                    return;
                }
            }
            List<ImportValidator.Problem> problems = row.problems();
            json.writeStartObject();
            json.writeNumberProperty("row", row.row());
            json.writeNumberProperty("line", row.line());
            json.writeStringProperty("external_id", row.externalId());
            json.writeStringProperty("field", problems.stream().allMatch(p -> p.field() == null) ? null
                    : ImportFiles.joined(problems, p -> p.field() == null ? "" : p.field(), "; "));
            json.writeStringProperty("error_code", ImportFiles.joined(problems, ImportValidator.Problem::code, "; "));
            json.writeStringProperty("message", ImportFiles.joined(problems, ImportValidator.Problem::message, "\n"));
            json.writeArrayPropertyStart("errors");
            for (ImportValidator.Problem p : problems) {
                json.writeStartObject();
                json.writeStringProperty("field", p.field());
                json.writeStringProperty("error_code", p.code());
                json.writeStringProperty("message", p.message());
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeName("cells");
            json.writePOJO(row.cells());
            json.writeEndObject();
            headers.addAll(row.cells().keySet());
            // What was produced so far, buffered or on disk, already exceeds the limit: the files will not be kept,
            // so stop at once, before the buffers put any of the excess on disk.
            if (out.count() + json.streamWriteOutputBuffered() > maxBytes) {
                drop();
            }
        }

        /** Records the validation, leased to this writer, and starts its JSON file. */
        private void open() throws IOException {
            String fresh = ids.next("val");
            Instant now = clock.instant();
            // Recorded first: a crash from here on leaves files the sweeper finds once the lease runs out.
            database.inTransaction(h -> {
                store.create(h, fresh, organizationId, now, now.plus(LEASE));
                return null;
            });
            id = fresh;
            state = State.WRITING;
            writing.put(id, this);
            Files.createDirectories(dir);
            file = Files.newOutputStream(temporary(id, Format.JSON));
            out = new CountingStream(new BufferedOutputStream(file, 1 << 16));
            json = JSON.createGenerator(out);
            json.writeStartArray();
        }

        /** Fails once the files were deleted as abandoned: writing on would only fill deleted files. */
        private void checkLease() {
            if (leaseLost) {
                throw lost();
            }
        }

        private IllegalStateException lost() {
            return new IllegalStateException("The errors files of validation " + id + " were deleted as abandoned"
                    + " while it wrote them: no renewal of its lease on them reached the database for " + LEASE);
        }

        /**
         * Makes the files whole and keeps them, expiring {@code ttl} from now, then deletes the oldest finished files
         * of other validations beyond the limit; or says why there are none.
         */
        public Finished finish() throws IOException {
            switch (state) {
                case NOTHING_YET -> {
                    state = State.FINISHED;
                    return new NoneRejected();
                }
                case FINISHED -> throw new IllegalStateException("The validation's files were finished already");
                case TOO_LARGE -> {
                    return new TooLarge(maxBytes);
                }
                case WRITING -> {
                    // written below
                }
            }
            checkLease();
            json.writeEndArray();
            json.close();
            long jsonBytes = Files.size(temporary(id, Format.JSON));
            long size = jsonBytes <= maxBytes && writeCsv(jsonBytes)
                    ? jsonBytes + Files.size(temporary(id, Format.CSV)) : Long.MAX_VALUE;
            if (size > maxBytes) {
                drop();
                return new TooLarge(maxBytes);
            }
            Files.move(temporary(id, Format.JSON), path(id, Format.JSON), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            Files.move(temporary(id, Format.CSV), path(id, Format.CSV), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            Instant finishedAt = clock.instant();
            // To the second, as the download URLs' expiry is: they expire together.
            Instant expiresAt = finishedAt.plus(ttl).truncatedTo(ChronoUnit.SECONDS);
            // The lease, renewed within the last RENEWAL, outlasts the update below; renewing after it would fail.
            writing.remove(id, this);
            if (!database.inTransaction(h -> store.finished(h, id, finishedAt, expiresAt, size))) {
                throw lost();
            }
            state = State.FINISHED;
            trim(finishedAt);
            return new Stored(id, expiresAt);
        }

        /**
         * The CSV, read back from the JSON file a row at a time: its columns are known only once every row was.
         * False, and stopped, as soon as the two files reach more than the limit.
         */
        private boolean writeCsv(long jsonBytes) throws IOException {
            try (MappingIterator<LinkedHashMap<String, Object>> rows = JSON.readerFor(MAP)
                    .readValues(temporary(id, Format.JSON).toFile());
                    CountingStream counted = new CountingStream(new BufferedOutputStream(
                            Files.newOutputStream(temporary(id, Format.CSV)), 1 << 16));
                    // FastCSV buffers its characters itself, so the count trails what was produced by that little.
                    ErrorsCsv csv = new ErrorsCsv(counted)) {
                List<String> header = new ArrayList<>(ImportFiles.ERROR_COLUMNS);
                header.addAll(headers);
                csv.writeRecord(header);
                List<String> line = new ArrayList<>(header.size());
                while (rows.hasNext()) {
                    if (jsonBytes + counted.count() > maxBytes) {
                        return false;
                    }
                    Map<String, Object> row = rows.next();
                    line.clear();
                    line.add(String.valueOf(row.get("line")));
                    line.add(ImportFiles.text(row.get("external_id")));
                    line.add(ImportFiles.text(row.get("field")));
                    line.add(ImportFiles.text(row.get("error_code")));
                    line.add(ImportFiles.text(row.get("message")));
                    Map<?, ?> cells = (Map<?, ?>) row.get("cells");
                    for (String column : headers) {
                        line.add(ImportFiles.text(cells.get(column)));
                    }
                    csv.writeRecord(line);
                }
            }
            return true;
        }

        /** Deletes what was written and forgets the validation: its files are too large to keep. */
        private void drop() {
            discard();
            state = State.TOO_LARGE;
        }

        /** Without {@link #finish}: deletes what was written and forgets the validation. */
        @Override
        public void close() {
            if (state == State.WRITING) {
                discard();
                state = State.FINISHED;
            }
        }

        private void discard() {
            writing.remove(id, this);
            // The file first: closing the generator would otherwise flush its buffers (up to 64 KiB) into a file
            // about to be deleted. It fails to flush into the closed file instead, and lets go of its buffers.
            try {
                if (file != null) {
                    file.close();
                }
            } catch (IOException e) {
                // The files are deleted below whatever state they were left in.
            }
            try {
                if (json != null) {
                    json.close();
                }
            } catch (RuntimeException e) {
                // As above: the flush into the closed file fails.
            }
            // No JSON file, no files: its creation failed (the directory could not be made or written to). Looking for
            // them would fail the same way where the directory's path names a regular file, and leave the record
            // behind until the sweeper took it as abandoned.
            if (file != null) {
                delete(id);
            }
            database.inTransaction(h -> {
                store.delete(h, id);
                return null;
            });
        }
    }

    /** Counts the bytes handed to the stream it wraps (not what buffers in front of it still hold). */
    private static final class CountingStream extends FilterOutputStream {
        private long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        long count() {
            return count;
        }
    }
}
