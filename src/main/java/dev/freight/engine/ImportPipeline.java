package dev.freight.engine;

import dev.freight.ingest.RejectedInput;
import dev.freight.ingest.RowReader;
import dev.freight.ingest.SourceRow;
import dev.freight.ingest.TemporaryFileUnwritable;
import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.Schema;
import dev.freight.schema.Value;
import dev.freight.store.Database;
import dev.freight.store.DeferredRow;
import dev.freight.store.Handle;
import dev.freight.store.PhaseState;
import dev.freight.store.RowError;
import dev.freight.store.ValueJson;
import dev.freight.store.ImportEnums.Action;
import dev.freight.store.ImportEnums.Phase;
import dev.freight.store.ImportEnums.PhaseStatus;
import dev.freight.store.ImportEnums.Status;
import dev.freight.store.ImportJob;
import dev.freight.store.ImportLink;
import dev.freight.store.ImportStats;
import dev.freight.store.ImportStore;
import dev.freight.store.RecordStore;
import dev.freight.store.RecordStore.Existing;
import dev.freight.store.SchemaStore;
import dev.freight.store.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one class that owns the order of an import's seven phases, its passes over the source, its chunks and their
 * transactions. What each phase means for Freight is written in {@code docs/engine.md}:
 *
 * <ol>
 *   <li>prevalidation — read the whole source once: structure, row count, the mapping against the headers, and the
 *       hash of every row's external_id;
 *   <li>preparsing — find the external ids that occur more than once (exactly, re-reading keys only on a hash clash);
 *   <li>transforming, parsing, validation, processing — chunk by chunk from the checkpoint: map cells to fields,
 *       coerce values, apply the duplicate rule and resolve references, then write; each chunk commits in one
 *       transaction together with the import's checkpoint and counts;
 *   <li>cleanup — for overwrite, delete the records the import did not contain, unless a row failed or the file had
 *       no data rows, but those that records it does not delete still refer to.
 * </ol>
 *
 * <p>A chunk whose write fails on a row-level cause is rolled back and replayed row by row, so only the bad rows are
 * rejected. Progress goes to a {@link Listener}. Thread-safe: each call works on its own import.
 */
public final class ImportPipeline {

    private static final Logger LOG = LoggerFactory.getLogger(ImportPipeline.class);

    /** Receives the import after every committed chunk, and as it completes. */
    @FunctionalInterface
    public interface Listener {
        void committed(ImportJob job);

        /**
         * Called in the transaction that stores the import {@code completed}, so what it writes commits with that
         * status or not at all. Does nothing unless overridden.
         */
        default void completed(Handle h, ImportJob job) {}

        Listener NONE = job -> {};
    }

    /** Opens the import's rows from the start; called once per pass. */
    @FunctionalInterface
    public interface RowSource {
        RowReader open() throws IOException;
    }

    /** The import was stopped by its deadline or a cancel request; the committed chunks stay. */
    private static final class Stopped extends RuntimeException {
        private final Status status;

        Stopped(Status status, String reason) {
            super(reason, null, false, false);
            this.status = status;
        }
    }

    /** How many times a chunk transaction (or a page of the overwrite cleanup) is tried when it loses a race. */
    private static final int ATTEMPTS = 5;

    /**
     * How many rows prevalidation's and preparsing's reads of the file go between two looks at the import's deadline:
     * a read of a large file can itself run past it. A look is a clock read.
     */
    static final int DEADLINE_EVERY = 1_000;

    /** How long chunks that write nothing go without their progress being saved (and a cancel being looked for). */
    private static final Duration UNCHANGED_SAVED_EVERY = Duration.ofSeconds(1);

    private final Database database;
    private final ImportStore imports;
    private final RecordStore records;
    private final SchemaStore schemas;
    private final Clock clock;
    private final int chunkSize;
    private final TableStatistics statistics;
    /** The prescans of uploads and the ones {@link #prepare} may use. */
    private final Prescans prescans;
    /**
     * How many times a page of the overwrite cleanup is tried before its records are deleted one at a time:
     * {@link #ATTEMPTS}, but a test sets 1 so that a single lost race it forces reaches the one-at-a-time path (a page
     * reads its records under their locks, so tests make it lose through {@link #beforeCleanupDelete}).
     */
    private int cleanupPageAttempts = ATTEMPTS;
    /**
     * Run in the overwrite cleanup's transaction just before each of its version-checked deletes (a page's, or one
     * record's on the one-at-a-time path) with the records about to be deleted at the versions read: nothing, but a
     * test throws there what a lost race throws (a page, which holds its records' locks, loses only to a deadlock), on
     * every attempt if it likes.
     */
    private Consumer<List<Existing>> beforeCleanupDelete = toDelete -> {};
    /**
     * Run in the transaction of a record of the overwrite cleanup's one-at-a-time path with the records it means to
     * delete as read, before it locks them ({@link #cleanRecord}): nothing, but a test's other writer changes them
     * there (after the lock it would wait for the cleanup's commit) so that the delete misses, each time if it likes.
     */
    private Consumer<List<Existing>> beforeCleanupLock = toDelete -> {};
    /**
     * Run on the overwrite cleanup's one-at-a-time path with each unseen record of the page as the page read it, before
     * the record's own transaction reads it afresh, outside any transaction: nothing, but a test's other writer changes
     * the record there (on SQLite too, where no other writer gets between a cleanup transaction's read and delete).
     */
    private Consumer<Existing> beforeCleanupRecord = record -> {};
    /**
     * Run once the overwrite cleanup's walk is done, when records were left for after it, before the transaction that
     * decides them ({@link #cleanLater}), outside any transaction: nothing, but a test's other writer stores a
     * reference to one of them there.
     */
    private volatile Runnable beforeCleanLater = () -> {};
    /**
     * Run by {@link #prepare} with the import's id once it has marked prevalidation running, before it opens the file:
     * nothing, but a test lands a cancel there, inside the run. Volatile: a test sets it on a server's pipeline, whose
     * requests run it on their own threads.
     */
    private volatile Consumer<String> whilePreparing = importId -> {};
    /**
     * Run in each transaction of {@link #commitChunk} (a chunk's, or a row's when the chunk is replayed row by row)
     * with its rows, after their writes and before the commit: nothing, but a test interrupts the worker there, or
     * holds it there while it stops the database. Volatile: a test sets it on a worker's pipeline.
     */
    private volatile BiConsumer<Handle, List<ParsedRow>> insideChunk = (h, rows) -> {};
    /**
     * Run in the transaction of {@link #runBatch} once its rows are written (their references' records locked), before
     * the import row and the commit: nothing, but a test's delete import of a record the batch refers to runs there.
     */
    private volatile Runnable insideBatch = () -> {};
    /**
     * Run by {@link #commitChunk} with the import once the chunk (or its rows, one by one) committed, outside any
     * transaction: nothing, but a test holds the worker there between two chunks. Volatile, as {@link #insideChunk}.
     */
    private volatile Consumer<ImportJob> afterChunk = job -> {};
    /**
     * Run in each transaction of {@link #addLinks} with its batch of links, once they are added and before the commit:
     * nothing, but a test's other writer deletes a record a link names there. Volatile, as {@link #insideChunk}.
     */
    private volatile Consumer<List<ImportLink>> insideLinks = links -> {};
    /**
     * Run by {@link #addLinks} once the links were checked ({@link #rejectUnsatisfiableLinks}), before the first
     * transaction that adds them, outside any transaction: nothing, but a test's other import deletes a record a link
     * names there. Volatile, as {@link #insideChunk}.
     */
    private volatile Runnable afterLinksChecked = () -> {};
    /**
     * Run with the failure each time a transaction that lost a race with another writer (a deadlock, a record changed
     * since it was read) is about to run again ({@link #withRetries}): nothing, but a test counts deadlocks. Volatile,
     * as {@link #insideChunk}.
     */
    private volatile Consumer<StoreException> lostRace = e -> {};
    /**
     * Run with how many statements marked the records that stay of a delete import's put-off rows
     * ({@link StillReferred#rejectPutOff}) or of the overwrite cleanup's records left for after its walk
     * ({@link StillReferred#holdCleanup}), each time they are marked: nothing, but a test counts them.
     */
    private IntConsumer referredMarked = statements -> {};
    /**
     * Run after each page of the overwrite cleanup's walk with how many records left since other writers kept changing
     * them the cleanup holds in memory then: the page's own, which go to import_deferred with the page; nothing, but a
     * test checks that they do not add up over the pages.
     */
    private IntConsumer cleanupPageLeft = held -> {};

    public ImportPipeline(Database database, ImportStore imports, RecordStore records, SchemaStore schemas,
            Clock clock, int chunkSize) {
        this.database = database;
        this.imports = imports;
        this.records = records;
        this.schemas = schemas;
        this.clock = clock;
        this.chunkSize = chunkSize;
        this.statistics = new TableStatistics(database);
        this.prescans = new Prescans(database, imports, schemas, clock);
    }

    /** Sets how many times a page of the overwrite cleanup is tried before the one-at-a-time path; for tests. */
    void cleanupPageAttempts(int attempts) {
        this.cleanupPageAttempts = attempts;
    }

    /** Sets what runs just before each version-checked delete of the overwrite cleanup; for tests. */
    void beforeCleanupDelete(Consumer<List<Existing>> hook) {
        this.beforeCleanupDelete = hook;
    }

    /**
     * Sets what runs before the overwrite cleanup's one-at-a-time path locks the records it read to delete; for tests.
     */
    void beforeCleanupLock(Consumer<List<Existing>> hook) {
        this.beforeCleanupLock = hook;
    }

    /** Sets what runs before each record's own transaction on the overwrite cleanup's one-at-a-time path; for tests. */
    void beforeCleanupRecord(Consumer<Existing> hook) {
        this.beforeCleanupRecord = hook;
    }

    /** Sets what runs before the transaction that decides the records left for after the cleanup's walk; for tests. */
    void beforeCleanLater(Runnable hook) {
        this.beforeCleanLater = hook;
    }

    /** Sets what {@link #prepare} runs once prevalidation is marked running; for tests. */
    void whilePreparing(Consumer<String> hook) {
        this.whilePreparing = hook;
    }

    /** Sets what runs in each chunk's transaction before its commit; for tests. */
    void insideChunk(BiConsumer<Handle, List<ParsedRow>> hook) {
        this.insideChunk = hook;
    }

    /** Sets what runs with the number of statements each marking of the put-off records that stay ran; for tests. */
    void referredMarked(IntConsumer hook) {
        this.referredMarked = hook;
    }

    /** Sets what runs with how many left records the cleanup holds after each page of its walk; for tests. */
    void cleanupPageLeft(IntConsumer hook) {
        this.cleanupPageLeft = hook;
    }

    /** Sets what runs in each transaction that adds a batch of a file workflow import's links; for tests. */
    void insideLinks(Consumer<List<ImportLink>> hook) {
        this.insideLinks = hook;
    }

    /** Sets what runs between the check of a file workflow import's links and the first batch added; for tests. */
    void afterLinksChecked(Runnable hook) {
        this.afterLinksChecked = hook;
    }

    /** Sets what runs each time a transaction that lost a race runs again; for tests. */
    void lostRace(Consumer<StoreException> hook) {
        this.lostRace = hook;
    }

    /** Sets what runs in the transaction of an Import API batch before its commit; for tests. */
    void insideBatch(Runnable hook) {
        this.insideBatch = hook;
    }

    /** Sets what runs once each chunk committed, outside its transaction; for tests. */
    void afterChunk(Consumer<ImportJob> hook) {
        this.afterChunk = hook;
    }

    /** Whether a prescan handed over for the import is still kept for {@link #prepare}; for tests. */
    boolean keepsPrescanOf(String importId) {
        return prescans.keeps(importId);
    }

    /**
     * Prevalidation and preparsing. Leaves the import {@code queued} with its row count and duplicate keys stored,
     * or {@code failed} with the reason (unreadable file, unknown object, mapping that does not fit). An import that
     * ended before this run took it (cancelled) is returned as it is; one cancelled while this run prepares it makes
     * the run's next save fail ({@code superseded}), and nothing of the run is saved over the cancel.
     */
    public ImportJob prepare(String importId, RowSource source) {
        // Taken out of those kept before anything can end this run (the import ended already, a cancel supersedes it),
        // so that no way out of it leaves the upload's prescan in memory until a later upload sweeps expired ones.
        Prescans.Accepted accepted = prescans.take(importId);
        ImportJob loaded = claim(importId);
        if (loaded.status().isFinal()) {
            // Cancelled (or expired) before this run took it: nothing to prepare, and nothing to save over it.
            return loaded;
        }
        String timedOut = pastDeadline(loaded);
        if (timedOut != null) {
            // A run again after the deadline (the database was away while the last run prevalidated): before, it
            // read the whole file again, and the import timed out only at its first chunk.
            return save(loaded.ended(Status.TIMED_OUT, timedOut, PhaseStatus.SKIPPED, now()));
        }
        ImportJob job = save(loaded.withPhase(loaded.phase(Phase.PREVALIDATION).running(now())));
        whilePreparing.accept(importId);
        // Before the file is opened: a prescan that read it all has told the reader its encoding.
        Prescans.Scan prescanned = accepted == null ? null : accepted.scanOf(loaded.checksum());
        Schema schema = database.withHandle(h -> schemas.schema(h, job.organizationId()));
        ObjectDef object = schema.object(job.resource()).orElse(null);
        if (object == null) {
            return fail(job, Phase.PREVALIDATION, "The resource \"" + job.resource() + "\" is not an object");
        }
        KeyHashes hashes;
        long rows;
        Map<String, String> mapping;
        String note = null;
        // The options prevalidation's end stores, in its transaction (storesOptions false: it leaves them as they are).
        boolean storesOptions;
        String storedOptions;
        try (RowReader reader = source.open()) {
            mapping = ColumnMappings.mapping(job, object, reader.headers());
            ExecuteOptions options = options(job);
            String problem = options != null ? ColumnMappings.columnsProblem(object, options, reader, job.fileType())
                    : ColumnMappings.mappingProblem(job, object, mapping, reader);
            if (problem != null) {
                return fail(job, Phase.PREVALIDATION, problem);
            }
            // Module imports apply rows in file order instead of rejecting repeated keys: no key hashes.
            RowTransformer keys = new RowTransformer(object, options != null ? Map.of() : mapping, job.action(),
                    false);
            ColumnFormats formats;
            if (options == null && prescanned != null && prescanned.readTheSameRowsAs(reader, keys)) {
                rows = prescanned.rows();
                hashes = prescanned.hashes();
                formats = prescanned.formats();
            } else {
                formats = options != null ? new ColumnFormats(object, options)
                        : ColumnFormats.ofMapping(object, mapping, job.action());
                if (options == null) {
                    keys.readKeysAnd(reader, formats.columns());
                }
                hashes = new KeyHashes();
                rows = scan(reader, job.fileType(), keys, hashes, formats.isEmpty() ? null : formats,
                        deadlineWatch(job));
            }
            storedOptions = options == null ? ColumnFormats.formatsJson(formats.fileFormats())
                    : formats.isEmpty() ? null : options.withDateFormats(formats.formats()).toJson();
            // Set for an Imports-resource import even when there are none, so a prevalidation run again over another
            // schema leaves none behind. Stored in the transaction that saves prevalidation's end, which fails
            // (superseded) when a cancel took the import from this run meanwhile; before, a transaction of their own
            // with no such check stored a superseded run's formats on the cancelled import.
            storesOptions = options == null || storedOptions != null;
            if (options == null) {
                List<String> notes = new ArrayList<>();
                notes.add(ColumnMappings.ignoredColumns(job, mapping, reader.headers()));
                notes.addAll(formats.notes());
                notes.removeIf(Objects::isNull);
                note = notes.isEmpty() ? null : String.join(". ", notes);
            }
        } catch (StoreException e) {
            throw e;
        } catch (Stopped pastDeadline) {
            return timedOut(job);
        } catch (IOException | RuntimeException e) {
            if (interrupted(e)) {
                throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
            }
            TemporaryFileUnwritable storage = temporaryStorageFailure(e);
            if (storage != null) {
                throw awaitingStorage(job, storage);
            }
            return fail(job, Phase.PREVALIDATION, readFailure(e));
        }
        long total = rows;
        boolean setsOptions = storesOptions;
        String optionsJson = storedOptions;
        ImportJob prevalidated = job.withTotalRows(total)
                .withPhase(job.phase(Phase.PREVALIDATION).counted(total, 0).finished(PhaseStatus.COMPLETED, now(), note))
                .withPhase(job.phase(Phase.PREPARSING).running(now()));
        ImportJob validated = database.inTransaction(h -> {
            if (setsOptions) {
                imports.setOptions(h, importId, optionsJson);
            }
            return imports.save(h, prevalidated);
        });
        Map<String, long[]> duplicates;
        try {
            duplicates = exactDuplicates(source, object, mapping, validated, hashes.repeated(), deadlineWatch(job));
        } catch (Stopped pastDeadline) {
            return timedOut(validated);
        }
        long repeatedRows = duplicates.values().stream().mapToLong(d -> d[0]).sum();
        return database.inTransaction(h -> {
            imports.addDuplicates(h, importId, duplicates);
            ImportJob current = imports.get(h, importId).orElseThrow().withRunToken(loaded.runToken());
            return imports.save(h, current.withStatus(Status.QUEUED, null)
                    .withPhase(current.phase(Phase.PREPARSING).counted(total, repeatedRows)
                            .finished(PhaseStatus.COMPLETED, now(), null)));
        });
    }

    /**
     * Reads every row of {@code reader} once: counts them, hashes their keys, and gives formats their values.
     * Prevalidation's read of the file, and a prescan's of an upload ({@link Prescans}). Runs {@code deadlineWatch}
     * every {@link #DEADLINE_EVERY} rows, which throws to stop the read.
     */
    static long scan(RowReader reader, String fileType, RowTransformer keys, KeyHashes hashes,
            ColumnFormats formats, Runnable deadlineWatch) throws IOException {
        long rows = 0;
        RowCursor cursor = new RowCursor(reader, fileType);
        for (ParsedRowOrSource next = cursor.next(); next != null; next = cursor.next()) {
            if (++rows % DEADLINE_EVERY == 0) {
                deadlineWatch.run();
            }
            String key = next.source() == null ? null : keys.externalIdOf(next.source().cells());
            if (key != null) {
                hashes.add(key);
            }
            if (formats != null && next.source() != null) {
                formats.accept(next.source().cells());
            }
        }
        return rows;
    }

    /**
     * Starts prevalidation's read of an import's CSV upload while the upload is still arriving, on a thread of its
     * own: {@code bytes} follows the upload as it is written, and ends once it is stored as {@code file}; this closes
     * it. Nothing uses the read until {@link #usePrescan} says that its upload is the one the import accepted: two
     * uploads to one import may arrive at once, and the read of the one refused must never stand for the other's.
     * {@link #prepare} then takes the row count and key hashes from it instead of reading the file again, provided
     * the upload was UTF-8 (what else it was, detection decides, and prepare reads it) and the stored file reads the
     * same header with the same separator and key column. On any failure (the upload's among them) the prescan ends
     * quietly with no result: prepare reads the file itself and reports what is wrong with it. Module imports are
     * never prescanned.
     */
    public Prescan prescan(String importId, InputStream bytes, Path file) {
        return prescans.start(importId, bytes, file);
    }

    /**
     * Lets {@link #prepare} use {@code prescan}, the read of the upload whose SHA-256 is {@code checksum}, now that
     * the import has accepted that upload. Prepare uses it only while the import records that checksum.
     */
    public void usePrescan(String importId, Prescan prescan, String checksum) {
        prescans.use(importId, prescan, checksum);
    }

    /**
     * Lets go of the prescan handed over for an import that no {@link #prepare} will take: one that ended (cancelled)
     * before a run prepared it, which the worker then leaves alone. Does nothing when there is none.
     */
    public void letGoOfPrescan(String importId) {
        prescans.take(importId);
    }

    /**
     * Transforming through cleanup, from the import's checkpoint (so a restarted worker resumes where the last
     * committed chunk ended). Returns the import in its final status.
     */
    public ImportJob process(String importId, RowSource source, Listener listener) {
        ImportJob job = claim(importId);
        String token = job.runToken();
        if (job.status().isFinal()) {
            return job;
        }
        Schema schema = database.withHandle(h -> schemas.schema(h, job.organizationId()));
        ObjectDef object = schema.object(job.resource()).orElse(null);
        if (object == null) {
            return fail(job, Phase.TRANSFORMING, "The resource \"" + job.resource() + "\" is not an object");
        }
        Instant now = now();
        ImportJob running = job.withStatus(Status.PROCESSING, null);
        for (Phase p : List.of(Phase.TRANSFORMING, Phase.PARSING, Phase.VALIDATION, Phase.PROCESSING)) {
            running = running.withPhase(running.phase(p).running(now));
        }
        running = save(running);
        try {
            running = chunks(running, schema, object, source, listener);
            running = cleanup(running, schema, object);
            String reason = running.stats().failed() == 0 ? null
                    : "%,d of %,d rows failed; see the errors file".formatted(running.stats().failed(),
                            running.stats().read());
            ImportJob completed = load(importId).withRunToken(token).withStatus(Status.COMPLETED, reason);
            return database.inTransaction(h -> {
                ImportJob saved = imports.save(h, completed);
                listener.completed(h, saved);
                return saved;
            });
        } catch (Stopped stopped) {
            return save(load(importId).withRunToken(token).ended(stopped.status, stopped.getMessage(),
                    PhaseStatus.SKIPPED, now()));
        } catch (UncheckedIOException e) {
            if (interrupted(e.getCause())) {
                throw e;
            }
            TemporaryFileUnwritable storage = temporaryStorageFailure(e);
            if (storage != null) {
                // The committed chunks stay; the run tried again resumes from the checkpoint.
                throw awaitingStorage(load(importId).withRunToken(token), storage);
            }
            return fail(load(importId).withRunToken(token), Phase.PROCESSING, readFailure(e.getCause()));
        }
    }

    /** The outcome of a JSON batch run in-line: the import, each row's result, its errors and its warnings. */
    public record BatchOutcome(
            ImportJob job, List<ChunkResultRow> rows, List<Violation> errors, List<Violation> warnings) {}

    /** One row of a batch: its 1-based ordinal, external id, record id (null unless stored) and what happened. */
    public record ChunkResultRow(long ordinal, String externalId, String recordId, String outcome) {}

    /** The raw input an errors file keeps of an Import API record that is no JSON object: its JSON, bounded. */
    private static String input(Object record) {
        return RejectedInput.bounded(ValueJson.write(record));
    }

    /**
     * Runs a whole JSON batch in the calling thread: every phase in order, the rows as one chunk in one transaction.
     * {@code job} (with its column mapping) is not stored yet: it is stored in the batch's transaction, or as failed. If the database fails, nothing of the batch is
     * stored, the import is marked failed and the {@link StoreException} propagates. Only a {@code merge}: the one action
     * of the face that runs batches (the Import API).
     *
     * @throws IllegalArgumentException for any other action, before anything is stored
     */
    public BatchOutcome runBatch(ImportJob stored, List<?> data) {
        if (stored.action() != Action.MERGE) {
            // A batch has no cleanup, and creates its import row only at its end, after its chunk: an overwrite would
            // delete nothing, and its seen keys, written before the row exists, would never mark the import as having
            // some (imports.has_seen_keys), so import-retention would never delete them. The Import API runs merges
            // only; any other action is refused here rather than run with what a batch leaves out.
            throw new IllegalArgumentException("runBatch runs merge imports only, not " + stored.action().wireName()
                    + " (import " + stored.id() + ")");
        }
        Instant start = now();
        Schema schema = database.withHandle(h -> schemas.schema(h, stored.organizationId()));
        ObjectDef object = schema.object(stored.resource()).orElse(null);
        ImportJob job = stored.withTotalRows(data.size())
                .withPhase(stored.phase(Phase.PREVALIDATION).running(start).counted(data.size(), 0)
                        .finished(PhaseStatus.COMPLETED, start, null));
        if (object == null) {
            String reason = "The report's base object \"" + stored.resource() + "\" no longer exists";
            List<Violation> errors = new ArrayList<>();
            List<RowError> rejected = new ArrayList<>();
            String keyColumn = stored.columnMapping().get(BuiltInObjects.EXTERNAL_ID);
            for (int i = 0; i < data.size(); i++) {
                Map<String, Object> cells = data.get(i) instanceof Map<?, ?> m ? cells(m) : Map.of();
                // The key text every other path gives the row (RowTransformer.externalIdOf), a boolean included.
                String externalId = RowTransformer.keyText(keyColumn == null ? null : cells.get(keyColumn));
                errors.add(new Violation(i + 1, externalId, null, ViolationCode.UNKNOWN_BASE_OBJECT, reason));
                rejected.add(new RowError(i + 1, 1, i + 1, externalId, null,
                        ViolationCode.UNKNOWN_BASE_OBJECT.wireName(), reason, data.get(i) instanceof Map<?, ?>
                                ? ValueJson.write(cells) : RowError.inputCells(input(data.get(i)))));
            }
            // Every record is rejected, so the errors files list them all, as they list any batch's rejected records.
            ImportJob failed = storeFailed(job.withProgress(new ImportStats(data.size(), 0, 0, 0, 0, 0, 0,
                    data.size()), 0, true), Phase.PREPARSING, reason, rejected);
            return new BatchOutcome(failed, List.of(), errors, List.of());
        }
        RowTransformer transformer = new RowTransformer(object, stored.columnMapping(), stored.action(), true);
        List<ParsedRow> parsed = new ArrayList<>(data.size());
        Map<String, long[]> counts = new HashMap<>();
        for (int i = 0; i < data.size(); i++) {
            Object element = data.get(i);
            if (!(element instanceof Map<?, ?> m)) {
                parsed.add(ParsedRow.unreadable(i + 1, i + 1, "Record " + i + " is not a JSON object",
                        input(element)));
                continue;
            }
            Map<String, Object> cells = cells(m);
            ParsedRow row = transformer.parse(new SourceRow(i + 1, i + 1, cells));
            parsed.add(row);
            String key = transformer.externalIdOf(cells);
            if (key != null) {
                long ordinal = i + 1;
                counts.computeIfAbsent(key, k -> new long[] {0, ordinal})[0]++;
            }
        }
        Map<String, Long> duplicates = new HashMap<>();
        long repeatedRows = 0;
        for (Map.Entry<String, long[]> e : counts.entrySet()) {
            if (e.getValue()[0] > 1) {
                duplicates.put(e.getKey(), e.getValue()[1]);
                repeatedRows += e.getValue()[0];
            }
        }
        Instant parsedAt = now();
        ImportJob ready = job.withStatus(Status.PROCESSING, null)
                .withPhase(job.phase(Phase.PREPARSING).running(parsedAt).counted(data.size(), repeatedRows)
                        .finished(PhaseStatus.COMPLETED, parsedAt, null));
        for (Phase p : List.of(Phase.TRANSFORMING, Phase.PARSING, Phase.VALIDATION, Phase.PROCESSING)) {
            ready = ready.withPhase(ready.phase(p).running(parsedAt));
        }
        ChunkWriter writer = new ChunkWriter(records, database, schema, object, stored.organizationId(),
                stored.id(), stored.action(), stored.duplicateHandling(), duplicates, "batch", null);
        ImportJob before = ready;
        List<ChunkWriter.Result> result = new ArrayList<>(1);
        ImportJob done;
        List<Map<String, Value>> asRead = writer.changesRows() ? asRead(parsed) : null;
        try {
            done = withRetries(() -> database.inTransaction(h -> {
                result.clear();
                putBack(parsed, asRead);
                ImportJob applied = progressed(h, before, writer, parsed, result);
                if (!result.getFirst().deferred().isEmpty()) {
                    // Rows that refer to later ones of the batch: written after it, in the same transaction.
                    RowWriter putOffWriter = putOffWriter(before, schema, object, duplicates, "batch");
                    rejectUnsatisfiable(h, before, object);
                    rejectStillReferred(h, before, schema, object);
                    for (List<ParsedRow> chunk = putOff(h, before, 0, transformer); !chunk.isEmpty();
                            chunk = putOff(h, before, chunk.getLast().ordinal(), transformer)) {
                        applied = progressed(h, applied, putOffWriter, chunk, result);
                        imports.removeDeferred(h, before.id(), chunk.getFirst().ordinal(), chunk.getLast().ordinal());
                    }
                }
                Instant end = now();
                for (Phase p : List.of(Phase.TRANSFORMING, Phase.PARSING, Phase.VALIDATION, Phase.PROCESSING)) {
                    applied = applied.withPhase(applied.phase(p).finished(PhaseStatus.COMPLETED, end, null));
                }
                applied = applied.withPhase(applied.phase(Phase.CLEANUP).finished(PhaseStatus.SKIPPED, end,
                        "only overwrite imports delete records they did not contain"));
                String reason = applied.stats().failed() == 0 ? null : "%,d of %,d rows failed".formatted(
                        applied.stats().failed(), applied.stats().read());
                // The import row is written once, in its final state, with the batch.
                ImportJob completed = applied.withStatus(Status.COMPLETED, reason).withUpdatedAt(end);
                insideBatch.run();
                imports.create(h, completed);
                return completed;
            }));
        } catch (StoreException e) {
            storeFailed(before, Phase.PROCESSING, "The database failed while writing the batch; nothing was stored",
                    List.of());
            throw e;
        }
        statistics.written(ImportStats.ZERO, done.stats());
        List<ChunkResultRow> rows = result.stream().flatMap(r -> r.rows().stream())
                .sorted(Comparator.comparingLong(RowWriter.RowResult::ordinal))
                .map(r -> new ChunkResultRow(r.ordinal(), r.externalId(), r.recordId(),
                        r.outcome().name().toLowerCase(Locale.ROOT)))
                .toList();
        List<Violation> errors = result.stream().flatMap(r -> r.errors().stream())
                .sorted(Comparator.comparingLong(Violation::row)).toList();
        List<Violation> warnings = parsed.stream().flatMap(p -> p.warnings().stream()).toList();
        return new BatchOutcome(done, rows, errors, warnings);
    }

    private ImportJob chunks(ImportJob job, Schema schema, ObjectDef object, RowSource source, Listener listener) {
        Map<String, String> mapping;
        Map<String, Long> duplicates = database.withHandle(h -> imports.duplicates(h, job.id()));
        ImportJob current = job;
        RowTransformer transformer;
        ExecuteOptions options;
        MatchingWriter matching = null;
        try (RowReader reader = source.open()) {
            mapping = ColumnMappings.mapping(job, object, reader.headers());
            options = options(job);
            RowWriter writer;
            if (options == null) {
                Map<String, String> formats = database.withHandle(h -> imports.options(h, job.id()))
                        .map(ColumnFormats::formatsFromJson).orElse(Map.of());
                transformer = new RowTransformer(object, ColumnPlan.of(object, mapping), job.action(), false,
                        RowTransformer.FormatChecks.ON, ColumnFormats.readers(formats, false),
                        RowTransformer.RequiredFields.EVERY_ROW);
                writer = new ChunkWriter(records, database, schema, object, job.organizationId(), job.id(),
                        job.action(), job.duplicateHandling(), duplicates, "file", null);
            } else {
                transformer = new RowTransformer(object, ColumnPlan.of(object, options), job.action(), false,
                        options.skipValidation() ? RowTransformer.FormatChecks.OFF : RowTransformer.FormatChecks.ON,
                        ColumnFormats.readers(options), RowTransformer.RequiredFields.RECORD_WRITTEN);
                matching = matchingWriter(job, schema, object, options);
                writer = matching;
            }
            Instant savedAt = now();
            // Reading and transforming the next chunk overlaps with writing this one (the second core).
            try (ChunkFeed feed = new ChunkFeed(new RowCursor(reader, job.fileType()),
                    row -> writer.prepare(transformer.parse(row)), writer::lookAhead, job.checkpoint(), chunkSize)) {
                for (List<ParsedRow> chunk = feed.next(); chunk != null; chunk = feed.next()) {
                    RowWriter.Result unchanged = job.action() == Action.OVERWRITE ? null : writer.unchanged(chunk);
                    if (unchanged == null) {
                        current = commitChunk(current, writer, chunk, listener, (h, rows) -> {});
                        savedAt = now();
                    } else {
                        // Nothing to write: the import moves past the chunk in memory, and its progress is saved
                        // with the next chunk that writes, or once a second (a transaction per chunk cost a
                        // PostgreSQL re-load of 1,000,000 unchanged rows 0.4-0.9 s; bench/README.md, session 23).
                        current = moved(current, chunk, unchanged);
                        if (!now().isBefore(savedAt.plus(UNCHANGED_SAVED_EVERY))) {
                            current = saveProgress(current, listener);
                            savedAt = now();
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (options == null) {
            current = writePutOff(current, schema, object, duplicates, transformer, listener);
        } else {
            current = addLinks(current, matching, listener);
        }
        Instant now = now();
        for (Phase p : List.of(Phase.TRANSFORMING, Phase.PARSING, Phase.VALIDATION, Phase.PROCESSING)) {
            current = current.withPhase(current.phase(p).finished(PhaseStatus.COMPLETED, now, null));
        }
        return save(current);
    }

    /**
     * The rows the pass over the source put off, because a reference names a record of the object not stored yet (a
     * later row of the import, or none). First the rows whose references nothing in the import can satisfy are marked
     * rejected, until no more are; then every put-off row is written in source order, a chunk per transaction as
     * before, and leaves the import's put-off rows with it. A reference to another pending put-off row resolves to the
     * id kept for that row's record, so rows that refer to later ones, and cycles, are all written.
     */
    private ImportJob writePutOff(ImportJob job, Schema schema, ObjectDef object, Map<String, Long> duplicates,
            RowTransformer transformer, Listener listener) {
        if (database.withHandle(h -> imports.putOffCount(h, job.id())) == 0) {
            return job;
        }
        database.withHandle(h -> {
            h.dialect().refreshStatistics(h, "import_deferred");
            h.dialect().refreshStatistics(h, "import_deferred_refs");
            return null;
        });
        database.inTransaction(h -> {
            rejectUnsatisfiable(h, job, object);
            rejectStillReferred(h, job, schema, object);
            return null;
        });
        RowWriter writer = putOffWriter(job, schema, object, duplicates, "file");
        ImportJob current = job;
        long after = 0;
        for (List<ParsedRow> chunk = nextPutOff(job, after, transformer); !chunk.isEmpty();
                chunk = nextPutOff(job, after, transformer)) {
            current = commitChunk(current, writer, chunk, listener, (h, rows) -> imports.removeDeferred(h, job.id(),
                    rows.getFirst().ordinal(), rows.getLast().ordinal()));
            after = chunk.getLast().ordinal();
        }
        return current;
    }

    /**
     * Adds the links the rows of a file workflow import gave to records of their own object not stored when they
     * were written ({@link MatchingWriter#link}): a batch per transaction, with the import's stats, leaving the
     * import's links with it, so an import resumed after a crash adds each link once.
     */
    private ImportJob addLinks(ImportJob job, MatchingWriter writer, Listener listener) {
        if (database.withHandle(h -> imports.links(h, job.id(), null, 1)).isEmpty()) {
            return job;
        }
        database.withHandle(h -> {
            h.dialect().refreshStatistics(h, "import_links");
            return null;
        });
        ImportJob current = writer.linksMayReject() ? rejectUnsatisfiableLinks(job, writer, listener) : job;
        afterLinksChecked.run();
        ImportLink[] last = {null};
        while (true) {
            checkStop(current);
            ImportJob before = current;
            ImportLink from = last[0];
            ImportJob after = withRetries(() -> database.inTransaction(h -> {
                List<ImportLink> links = imports.links(h, before.id(), from, chunkSize);
                if (links.isEmpty()) {
                    return null;
                }
                // As for a chunk: a batch lost in a database crash still has its links, and is added again.
                h.dialect().asynchronousCommit(h);
                ImportStats moved = writer.link(h, links);
                imports.removeLinks(h, before.id(), from, links.getLast());
                insideLinks.accept(links);
                last[0] = links.getLast();
                return imports.save(h, linksMoved(before, moved));
            }));
            if (after == null) {
                return current;
            }
            current = after;
            listener.committed(current);
        }
    }

    /**
     * Before a file workflow import adds its links: rejects the rows whose link names several records, or of a
     * required field matches nothing ({@link MatchingWriter#rejectUnsatisfiable}), a batch of links per transaction
     * with the import's stats and errors, over all the links again and again until a pass rejects none (a rejected
     * row's deleted record can leave a link that named it unsatisfiable). A run resumed after a crash does it again
     * from the links still kept.
     */
    private ImportJob rejectUnsatisfiableLinks(ImportJob job, MatchingWriter writer, Listener listener) {
        ImportJob current = job;
        boolean rejected = true;
        while (rejected) {
            rejected = false;
            ImportLink[] last = {null};
            while (true) {
                checkStop(current);
                ImportJob before = current;
                ImportLink from = last[0];
                long[] failed = {0};
                ImportJob after = withRetries(() -> database.inTransaction(h -> {
                    List<ImportLink> links = imports.links(h, before.id(), from, chunkSize);
                    if (links.isEmpty()) {
                        return null;
                    }
                    ImportStats moved = writer.rejectUnsatisfiable(h, links);
                    last[0] = links.getLast();
                    failed[0] = moved.failed();
                    if (moved.failed() == 0) {
                        return before;
                    }
                    return imports.save(h, linksMoved(before, moved));
                }));
                if (after == null) {
                    break;
                }
                if (failed[0] > 0) {
                    rejected = true;
                    current = after;
                    listener.committed(current);
                }
            }
        }
        return current;
    }

    /**
     * The import with what a batch of its links moved counted, not saved: the rows they rejected counted failed by
     * validation instead of processed, with their errors.
     */
    private static ImportJob linksMoved(ImportJob before, ImportStats moved) {
        ImportJob job = before.withProgress(before.stats().plus(moved), before.checkpoint(), moved.failed() > 0);
        return moved.failed() == 0 ? job : job.withPhase(before.phase(Phase.VALIDATION).counted(0, moved.failed()))
                .withPhase(before.phase(Phase.PROCESSING).counted(-moved.failed(), 0));
    }

    /** The writer of the rows an import put off: their references may name one another's kept ids. */
    private RowWriter putOffWriter(ImportJob job, Schema schema, ObjectDef object, Map<String, Long> duplicates,
            String unitNoun) {
        String importId = job.id();
        ReferenceResolver.KeptRows kept = new ReferenceResolver.KeptRows() {
            @Override
            public Map<String, String> ids(Handle h, Collection<String> externalIds) {
                return imports.deferredIds(h, importId, externalIds);
            }

            @Override
            public Map<String, Long> rejectedLines(Handle h, Collection<String> externalIds) {
                return imports.rejectedLines(h, importId, externalIds);
            }
        };
        return new ChunkWriter(records, database, schema, object, job.organizationId(), importId, job.action(),
                job.duplicateHandling(), duplicates, unitNoun, kept);
    }

    /** Marks rejected the put-off rows whose references no stored record or other put-off row can satisfy. */
    private void rejectUnsatisfiable(Handle h, ImportJob job, ObjectDef object) {
        while (imports.rejectUnsatisfiable(h, job.id(), job.organizationId(), object.slug()) > 0) {
            // A row marked rejected can leave the rows that referred to it unsatisfiable in turn.
        }
    }

    /**
     * Before a delete import deletes the rows it put off (other records of the object referred to their records, see
     * ChunkWriter's delete): marks rejected those whose records a record that is not a put-off row's still refers to,
     * and in turn those that such a row's record refers to. The rest are referred to by one another's records only, so
     * they all go; the writer rejects each marked row with what keeps its record. The database finds and marks them
     * ({@link StillReferred#rejectPutOff}): neither the put-off rows nor the references to them are held here.
     */
    private void rejectStillReferred(Handle h, ImportJob job, Schema schema, ObjectDef object) {
        StillReferred referred = new StillReferred(schema, object);
        if (job.action() != Action.DELETE || referred.isEmpty()) {
            return;
        }
        referredMarked.accept(referred.rejectPutOff(records, h, job.organizationId(), job.id()));
    }

    private List<ParsedRow> nextPutOff(ImportJob job, long after, RowTransformer transformer) {
        return database.withHandle(h -> putOff(h, job, after, transformer));
    }

    /**
     * The next chunk of the import's put-off rows after ordinal {@code after}, read again from their original cells;
     * empty after the last.
     */
    private List<ParsedRow> putOff(Handle h, ImportJob job, long after, RowTransformer transformer) {
        List<ParsedRow> rows = new ArrayList<>();
        for (DeferredRow r : imports.deferredRows(h, job.id(), after, chunkSize)) {
            rows.add(transformer.parse(new SourceRow(r.ordinal(), r.line(), ValueJson.readObject(r.cellsJson()))));
        }
        return rows;
    }

    /**
     * Commits one chunk with the checkpoint, or on a row-level failure replays it one row per transaction; {@code also}
     * runs in each of those transactions with the rows it wrote.
     */
    private ImportJob commitChunk(ImportJob job, RowWriter writer, List<ParsedRow> parsed, Listener listener,
            BiConsumer<Handle, List<ParsedRow>> also) {
        checkStop(job);
        List<Map<String, Value>> asRead = writer.changesRows() ? asRead(parsed) : null;
        ImportJob committed;
        try {
            committed = withRetries(() -> database.inTransaction(h -> {
                putBack(parsed, asRead);
                ImportJob applied = apply(h, job, writer, parsed);
                also.accept(h, parsed);
                insideChunk.accept(h, parsed);
                return applied;
            }));
            writer.committed();
        } catch (StoreException e) {
            if ("database_unavailable".equals(e.code()) || e.isSuperseded() || interrupted(e)) {
                throw e;
            }
            committed = job;
            for (int i = 0; i < parsed.size(); i++) {
                ParsedRow row = parsed.get(i);
                List<Map<String, Value>> rowAsRead = asRead == null ? null : List.of(asRead.get(i));
                ImportJob before = committed;
                try {
                    committed = withRetries(() -> database.inTransaction(h -> {
                        putBack(List.of(row), rowAsRead);
                        ImportJob applied = apply(h, before, writer, List.of(row));
                        also.accept(h, List.of(row));
                        insideChunk.accept(h, List.of(row));
                        return applied;
                    }));
                    writer.committed();
                } catch (StoreException rowFailure) {
                    if ("database_unavailable".equals(rowFailure.code()) || rowFailure.isSuperseded()
                            || interrupted(rowFailure)) {
                        throw rowFailure;
                    }
                    committed = database.inTransaction(h -> {
                        ImportJob applied = applyFailure(h, before, row, rowFailure);
                        also.accept(h, List.of(row));
                        return applied;
                    });
                }
            }
        }
        statistics.written(job.stats(), committed.stats());
        listener.committed(committed);
        afterChunk.accept(committed);
        return committed;
    }

    private ImportJob apply(Handle h, ImportJob job, RowWriter writer, List<ParsedRow> rows) {
        return apply(h, job, writer, rows, new ArrayList<>(1));
    }

    /**
     * A copy of the values of each of {@code rows}, as they were read, taken when the writer {@link
     * RowWriter#changesRows changes rows} (null when it cannot). A writer resolves the rows' references in the
     * rows themselves (a value that matches nothing leaves its row), so a chunk written again, after a transient
     * conflict or one row at a time, first gets these back ({@link #putBack}) and resolves them as its first attempt.
     */
    private static List<Map<String, Value>> asRead(List<ParsedRow> rows) {
        List<Map<String, Value>> values = new ArrayList<>(rows.size());
        for (ParsedRow row : rows) {
            values.add(row.values().isEmpty() ? Map.of() : new LinkedHashMap<>(row.values()));
        }
        return values;
    }

    /** Gives each of {@code rows} that a write changed its values from {@link #asRead} back (none when null). */
    private static void putBack(List<ParsedRow> rows, List<Map<String, Value>> asRead) {
        if (asRead == null) {
            return;
        }
        for (int i = 0; i < rows.size(); i++) {
            Map<String, Value> values = rows.get(i).values();
            if (!values.equals(asRead.get(i))) {
                values.clear();
                values.putAll(asRead.get(i));
            }
        }
    }

    private ImportJob apply(Handle h, ImportJob job, RowWriter writer, List<ParsedRow> rows,
            List<RowWriter.Result> sink) {
        // A chunk lost in a database crash is written again from the checkpoint it committed with; the import's end is
        // saved by an ordinary commit, which makes every chunk before it durable.
        h.dialect().asynchronousCommit(h);
        return imports.save(h, progressed(h, job, writer, rows, sink));
    }

    /** Writes a chunk and its error rows, change log and seen keys; returns the import moved past it, not saved. */
    private ImportJob progressed(Handle h, ImportJob job, RowWriter writer, List<ParsedRow> rows,
            List<RowWriter.Result> sink) {
        RowWriter.Result result = writer.write(h, rows);
        sink.add(result);
        imports.addErrors(h, job.id(), result.errorRows());
        imports.addDeferred(h, job.id(), result.deferred());
        if (job.action() == Action.OVERWRITE) {
            List<String> seen = new ArrayList<>();
            for (ParsedRow r : rows) {
                if (r.externalId() != null) {
                    seen.add(r.externalId());
                }
            }
            imports.addSeen(h, job.id(), seen);
        }
        return moved(job, rows, result);
    }

    /** The import moved past a chunk whose result is {@code result}, not saved. */
    private static ImportJob moved(ImportJob job, List<ParsedRow> rows, RowWriter.Result result) {
        // Put-off rows count when they are written; the checkpoint never goes back for them.
        long last = Math.max(job.checkpoint(), rows.getLast().ordinal());
        long read = rows.size() - result.deferred().size();
        return job.withProgress(job.stats().plus(result.stats()), last, !result.errorRows().isEmpty())
                .withPhase(job.phase(Phase.TRANSFORMING).counted(read, 0))
                .withPhase(job.phase(Phase.PARSING).counted(read, result.parseRejected()))
                .withPhase(job.phase(Phase.VALIDATION).counted(read - result.parseRejected(),
                        result.validationRejected() + result.stats().skippedDuplicates()))
                .withPhase(job.phase(Phase.PROCESSING).counted(result.stats().valid(), 0));
    }

    /** Saves the progress of chunks that wrote nothing, with the checkpoint past them, unless the import must stop. */
    private ImportJob saveProgress(ImportJob job, Listener listener) {
        checkStop(job);
        ImportJob saved = withRetries(() -> database.inTransaction(h -> {
            h.dialect().asynchronousCommit(h);
            return imports.save(h, job);
        }));
        listener.committed(saved);
        return saved;
    }

    /**
     * Runs a chunk transaction again when it lost a race with another writer (a deadlock, a record changed since it was
     * read), up to 5 times.
     */
    private <T> T withRetries(Supplier<T> chunk) {
        return withRetries(chunk, ATTEMPTS);
    }

    /** As {@link #withRetries(Supplier)}, with at most {@code attempts} attempts. */
    private <T> T withRetries(Supplier<T> chunk, int attempts) {
        for (int attempt = 1; ; attempt++) {
            try {
                return chunk.get();
            } catch (StoreException e) {
                if (!e.isTransient() || attempt == attempts) {
                    throw e;
                }
                lostRace.accept(e);
                try {
                    Thread.sleep(10L * attempt * attempt);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** Records a row the database refused on its own, with the checkpoint moved past it. */
    private ImportJob applyFailure(Handle h, ImportJob job, ParsedRow row, StoreException e) {
        Violation v = new Violation(row.ordinal(), row.externalId(), null, ViolationCode.WRITE_FAILED,
                "The database refused this row (" + e.getMessage() + ")");
        imports.addErrors(h, job.id(), List.of(new RowError(row.ordinal(), 1, row.line(),
                row.externalId(), null, v.code().wireName(), v.message(), ValueJson.write(
                        row.cells()))));
        ImportStats one = new ImportStats(1, 0, 0, 0, 0, 0, 0, 1);
        ImportJob next = job.withProgress(job.stats().plus(one), Math.max(job.checkpoint(), row.ordinal()), true)
                .withPhase(job.phase(Phase.PROCESSING).counted(0, 1));
        return imports.save(h, next);
    }

    private ImportJob cleanup(ImportJob job, Schema schema, ObjectDef object) {
        if (job.action() != Action.OVERWRITE) {
            return save(job.withPhase(job.phase(Phase.CLEANUP).finished(PhaseStatus.SKIPPED, now(),
                    "only overwrite imports delete records they did not contain")));
        }
        if (job.stats().failed() > 0) {
            return save(job.withPhase(job.phase(Phase.CLEANUP).finished(PhaseStatus.SKIPPED, now(),
                    "%,d %s failed, so no record was deleted: a rejected row must not delete the record it was"
                            .formatted(job.stats().failed(), job.stats().failed() == 1 ? "row" : "rows")
                            + " meant to replace")));
        }
        if (job.stats().read() == 0) {
            // The nightly export that failed and wrote a header alone: deleting everything is never what it meant.
            return save(job.withPhase(job.phase(Phase.CLEANUP).finished(PhaseStatus.SKIPPED, now(),
                    "the file has no data rows, so no record was deleted: an empty export must not empty the"
                            + " resource; to delete its records, import their external_ids with the delete action")));
        }
        ImportJob current = save(job.withPhase(job.phase(Phase.CLEANUP).running(now())));
        StillReferred maybe = new StillReferred(schema, object);
        StillReferred referring = maybe.isEmpty() ? null : maybe;
        String importId = job.id();
        // The records kept since records that stay refer to them (with what keeps each), those referred to by other
        // records of the object that the walk may still delete, decided after it, and those left since other writers
        // kept changing them are kept in import_deferred (ImportStore.addCleanup), not in memory: a page's at a time;
        // a run resumed after a crash starts afresh.
        database.inTransaction(h -> {
            imports.clearCleanup(h, importId);
            return null;
        });
        // The object's records are walked once, a chunk at a time in key order, each page after the last key of the
        // one before: the records the import saw stay, and walking past them again on every batch would make the
        // cleanup quadratic.
        String lastKey = null;
        // Whether a page left a record so far: until one does, a walk without references writes nothing of its pages.
        boolean anyLeft = false;
        while (true) {
            checkStop(current);
            ImportJob before = current;
            String after = lastKey;
            // A page whose delete missed (another writer changed or deleted one of its records since the page was
            // read) is read and deleted again, like a chunk: the next attempt starts after the same key.
            CleanedPage cleaned;
            try {
                cleaned = withRetries(() -> database.inTransaction(h -> cleanPage(h, before, object, referring, after)),
                        cleanupPageAttempts);
            } catch (StoreException e) {
                if (!e.isTransient()) {
                    throw e;
                }
                // Every row is written by now, so a page that keeps losing must not fail the import, as a chunk that
                // keeps failing falls back to one row per transaction: only the records that change again under their
                // own delete are left.
                cleaned = cleanPageOneByOne(before, object, referring, after);
            }
            if (cleaned == null) {
                break;
            }
            lastKey = cleaned.lastKey();
            current = cleaned.job();
            cleanupPageLeft.accept(cleaned.left().size());
            anyLeft |= !cleaned.left().isEmpty();
            // A record left by an earlier page (by id) whose key another writer moved ahead of the walk may be met
            // again and deleted by this one: then it is no longer left (addCleanup forgets it before adding the page's).
            if (referring != null || anyLeft) {
                CleanedPage page = cleaned;
                List<ImportStore.CleanupKept> kept = new ArrayList<>(page.referred().size());
                page.referred().forEach((id, k) -> kept.add(new ImportStore.CleanupKept(id, k.object(), k.id(),
                        k.field(), k.count())));
                database.inTransaction(h -> {
                    imports.addCleanup(h, importId, page.deleted(), kept, page.later().stream().sorted().toList(),
                            page.left().stream().sorted().toList());
                    return null;
                });
            }
        }
        List<String> reasons = new ArrayList<>(2);
        if (referring != null) {
            database.inTransaction(h -> {
                imports.dropLaterKept(h, importId);
                return null;
            });
            LaterCleaned decided = null;
            if (database.withHandle(h -> !imports.cleanupRecords(h, importId, ImportStore.CLEANUP_LATER,
                    Long.MIN_VALUE, 1).isEmpty())) {
                checkStop(current);
                ImportJob before = current;
                beforeCleanLater.run();
                try {
                    decided = withRetries(() -> database.inTransaction(h -> cleanLater(h, before, referring)));
                    current = decided.job();
                } catch (StoreException e) {
                    if (!e.isTransient()) {
                        throw e;
                    }
                    // The records left for after the walk are all left, counted once with those the walk left.
                    database.inTransaction(h -> {
                        imports.leaveLater(h, importId);
                        return null;
                    });
                }
            }
            LaterCleaned held = decided;
            String reason = database.inTransaction(h -> {
                long walkKept = imports.cleanupCount(h, importId, ImportStore.CLEANUP_KEPT);
                long count = walkKept + (held == null ? 0 : held.kept());
                String why = null;
                if (walkKept > 0) {
                    ImportStore.CleanupKept k = imports.firstCleanupKept(h, importId).orElseThrow();
                    why = keptReferred(object, k.recordId(), new StillReferred.Keeper(k.object(), k.referrerId(),
                            k.field(), k.count()), count);
                } else if (held != null && held.first() != null) {
                    why = keptReferred(object, held.first().getKey(), held.first().getValue(), count);
                }
                return why;
            });
            if (reason != null) {
                reasons.add(reason);
            }
        }
        long leftCount = database.inTransaction(h -> {
            long count = imports.cleanupCount(h, importId, ImportStore.CLEANUP_LEFT);
            imports.clearCleanup(h, importId);
            return count;
        });
        if (leftCount > 0) {
            reasons.add(keptChanging(leftCount));
        }
        return save(current.withPhase(current.phase(Phase.CLEANUP).finished(PhaseStatus.COMPLETED, now(),
                reasons.isEmpty() ? null : String.join("; ", reasons))));
    }

    /** The cleanup phase's reason when it kept {@code count} records, {@code first} among them, for {@code keeper}. */
    private static String keptReferred(ObjectDef object, String first, StillReferred.Keeper keeper, long count) {
        String example = object.slug() + " " + first + " is " + keeper.reason("the cleanup");
        return count == 1
                ? "1 record the import did not contain was not deleted: " + example
                : "%,d records the import did not contain were not deleted, since records the cleanup does not delete"
                        .formatted(count) + " still refer to them; e.g. " + example;
    }

    /**
     * The import after its cleanup decided the records left for after the walk, how many it kept and the first of
     * them with what keeps it (null when it kept none).
     */
    private record LaterCleaned(ImportJob job, long kept, Map.Entry<String, StillReferred.Keeper> first) {}

    /**
     * Decides, after the walk, the records the import did not contain that other records of the object referred to
     * when their page was cleaned (kept in import_deferred): each is read again by id, a page at a time, and those
     * still stored and still not in the import go unless a record that stays refers to them (all that records could
     * go have been by now), which the database finds ({@link StillReferred#holdCleanup}); then the others are deleted
     * a page at a time, at the version read. Returns the import with them counted and the records kept.
     */
    private LaterCleaned cleanLater(Handle h, ImportJob job, StillReferred referring) {
        String importId = job.id();
        for (List<ImportStore.CleanupLater> page = imports.cleanupRecords(h, importId, ImportStore.CLEANUP_LATER,
                Long.MIN_VALUE, chunkSize); !page.isEmpty(); page = imports.cleanupRecords(h, importId,
                        ImportStore.CLEANUP_LATER, page.getLast().ordinal(), chunkSize)) {
            List<String> ids = page.stream().map(ImportStore.CleanupLater::recordId).toList();
            // Locked before holdCleanup looks for what refers to them, as StillReferred.references's candidates are.
            records.lockToDelete(h, job.organizationId(), ids);
            Map<String, Existing> stored = records.existingByIds(h, job.organizationId(), ids);
            Map<Long, Long> versions = new HashMap<>();
            for (ImportStore.CleanupLater l : page) {
                Existing e = stored.get(l.recordId());
                versions.put(l.ordinal(), e != null && e.externalId() != null && !records.seen(h, importId,
                        e.externalId()) ? e.version() : -1L);
            }
            imports.readCleanup(h, importId, versions);
        }
        referredMarked.accept(referring.holdCleanup(records, h, job.organizationId(), importId));
        long deleted = 0;
        for (List<ImportStore.CleanupLater> page = imports.cleanupRecords(h, importId, ImportStore.CLEANUP_LATER,
                Long.MIN_VALUE, chunkSize); !page.isEmpty(); page = imports.cleanupRecords(h, importId,
                        ImportStore.CLEANUP_LATER, page.getLast().ordinal(), chunkSize)) {
            Map<String, Existing> stored = records.existingByIds(h, job.organizationId(),
                    page.stream().map(ImportStore.CleanupLater::recordId).toList());
            Map<String, Long> versions = new HashMap<>();
            page.forEach(l -> versions.put(l.recordId(), l.version()));
            List<Existing> doomed = new ArrayList<>(stored.values());
            doomed.sort(Comparator.comparing(Existing::externalId));
            List<RecordStore.Versioned> deletes = new ArrayList<>(page.size());
            doomed.forEach(e -> deletes.add(new RecordStore.Versioned(e.id(), versions.get(e.id()))));
            // One another writer deleted since it was read misses, as any delete at a version does.
            page.stream().filter(l -> !stored.containsKey(l.recordId()))
                    .forEach(l -> deletes.add(new RecordStore.Versioned(l.recordId(), l.version())));
            beforeCleanupDelete.accept(List.copyOf(doomed));
            records.deleteChecked(h, job.organizationId(), importId, deletes);
            deleted += deletes.size();
        }
        long kept = imports.cleanupCount(h, importId, ImportStore.CLEANUP_HOLD);
        Map.Entry<String, StillReferred.Keeper> first = kept == 0 ? null
                : referring.firstHeld(records, h, job.organizationId(), importId).orElse(null);
        return new LaterCleaned(deleted == 0 ? job : imports.save(h, cleaned(job, Math.toIntExact(deleted))), kept, first);
    }

    /**
     * Takes out of {@code doomed}, which the caller's transaction has locked to be deleted, the records that a record
     * the cleanup does not delete still refers to, into {@code referred} with what keeps each, and those that other
     * records of the object refer to (the walk may delete them yet), into {@code later}; a reference among the doomed
     * records keeps nothing when both go.
     */
    private void spare(Handle h, ImportJob job, ObjectDef object, StillReferred referring, List<Existing> doomed,
            Map<String, StillReferred.Keeper> referred, Set<String> later) {
        if (doomed.isEmpty() || referring == null) {
            return;
        }
        Set<String> ids = ids(doomed);
        StillReferred.Found refs = referring.references(records, h, job.organizationId(), ids, null);
        if (refs.outside().isEmpty()) {
            return;
        }
        Map<String, StillReferred.Keeper> kept = StillReferred.kept(refs, o -> o.equals(object));
        Set<String> undecided = new HashSet<>(StillReferred.kept(refs, o -> false).keySet());
        undecided.removeAll(kept.keySet());
        referred.putAll(kept);
        later.addAll(undecided);
        doomed.removeIf(e -> kept.containsKey(e.id()) || undecided.contains(e.id()));
    }

    /** The cleanup phase's reason when it left {@code left} records that other writers kept changing. */
    private static String keptChanging(long left) {
        return left == 1
                ? "1 record the import did not contain was not deleted, since other writers kept changing it while"
                        + " the cleanup deleted it"
                : "%,d records the import did not contain were not deleted, since other writers kept changing them"
                        .formatted(left) + " while the cleanup deleted them";
    }

    /**
     * The import after one page of its overwrite cleanup, the last key the page read, the ids of the records it deleted,
     * those of the records it left because other writers kept changing them, those it kept since records that stay
     * refer to them (with what keeps each), and those it left to decide after the walk ({@link #spare}).
     */
    private record CleanedPage(ImportJob job, String lastKey, Set<String> deleted, Set<String> left,
            Map<String, StillReferred.Keeper> referred, Set<String> later) {}

    /**
     * Deletes the records of one page of the cleanup's walk (after {@code afterKey}) that the import did not see, each
     * at the version the page read, logged as the store deletes it; null when the walk is done. The page reads them
     * under their locks, in id order ({@link RecordStore#unseenToDelete}): a record another writer was changing is read
     * once that writer committed, with the values it has then (it is still not in the import), so the page deletes it
     * in one attempt and rollback restores that writer's values; one another writer deleted is not read, nor counted.
     */
    private CleanedPage cleanPage(Handle h, ImportJob before, ObjectDef object, StillReferred referring,
            String afterKey) {
        RecordStore.UnseenPage page = records.unseenToDelete(h, before.organizationId(), object, before.id(), afterKey,
                chunkSize);
        if (page.lastExternalId() == null) {
            return null;
        }
        List<Existing> unseen = new ArrayList<>(page.unseen());
        Map<String, StillReferred.Keeper> referred = new LinkedHashMap<>();
        Set<String> later = new HashSet<>();
        spare(h, before, object, referring, unseen, referred, later);
        if (unseen.isEmpty()) {
            return new CleanedPage(before, page.lastExternalId(), Set.of(), Set.of(), referred, later);
        }
        beforeCleanupDelete.accept(unseen);
        records.deleteChecked(h, before.organizationId(), before.id(),
                unseen.stream().map(e -> new RecordStore.Versioned(e.id(), e.version())).toList());
        return new CleanedPage(imports.save(h, cleaned(before, unseen.size())), page.lastExternalId(),
                ids(unseen), Set.of(), referred, later);
    }

    /**
     * The page after {@code afterKey} of a cleanup whose page lost to other writers on every attempt: each of its
     * unseen records is read again, in a transaction of its own, and what the import did not contain as of that read is
     * deleted at the version read, so one record that keeps changing no longer holds back the others (see
     * {@link #cleanRecord}). A record whose own delete misses too, or that has lost its external_id, is left and
     * counted in the returned page's {@code left}, unless it is gone (another writer deleted it) or now has a key the
     * import saw. Null when the walk is done.
     */
    private CleanedPage cleanPageOneByOne(ImportJob before, ObjectDef object, StillReferred referring,
            String afterKey) {
        RecordStore.UnseenPage page = database.withHandle(h -> records.unseen(h, before.organizationId(), object,
                before.id(), afterKey, chunkSize));
        if (page.lastExternalId() == null) {
            return null;
        }
        ImportJob current = before;
        Set<String> deleted = new HashSet<>();
        Set<String> left = new HashSet<>();
        Map<String, StillReferred.Keeper> referred = new LinkedHashMap<>();
        Set<String> later = new HashSet<>();
        for (Existing record : page.unseen()) {
            beforeCleanupRecord.accept(record);
            ImportJob job = current;
            List<Existing> doomed = new ArrayList<>();
            Map<String, StillReferred.Keeper> kept = new LinkedHashMap<>();
            Set<String> undecided = new HashSet<>();
            try {
                current = database.inTransaction(h -> {
                    doomed.clear();
                    kept.clear();
                    undecided.clear();
                    return cleanRecord(h, job, object, referring, record, doomed, left, kept, undecided);
                });
                deleted.addAll(ids(doomed));
                left.removeAll(ids(doomed));
                referred.putAll(kept);
                later.addAll(undecided);
            } catch (StoreException e) {
                if (!e.isTransient()) {
                    throw e;
                }
                // A delete missed: another writer changed or deleted a record since it was read. Each one still stored
                // and still not in the import is left; one deleted, or given a key the import saw, is not counted.
                List<Existing> missed = doomed.isEmpty() ? List.of(record) : List.copyOf(doomed);
                database.withHandle(h -> {
                    for (Existing m : missed) {
                        Existing now = freshCopy(h, job, m);
                        if (now != null && (now.externalId() == null
                                || !records.seen(h, job.id(), now.externalId()))) {
                            left.add(now.id());
                        }
                    }
                    return null;
                });
            }
        }
        return new CleanedPage(current, page.lastExternalId(), deleted, left, referred, later);
    }

    /**
     * Deletes, in the caller's transaction, what of {@code record} (an unseen record as its page read it) the import
     * did not contain as of now, each at the version read now, adding them to {@code doomed}; returns the import with
     * them counted, saved when there were any. Two records may be meant: the record itself, read again by its id,
     * whatever key it has now but one the import saw (another writer may have re-keyed it since the page read it:
     * into the import's keys it is a record of the file now, and stays); and a record that another writer put under
     * the key the page read (the record deleted and created again, or another record re-keyed onto it), which is not
     * in the import either. A record that has no external_id now is added to {@code left}: an overwrite deletes records
     * by the keys the import did not contain, never one without a key. Before, a record re-keyed was left and counted,
     * and then deleted by a later page when its new key was ahead of the walk; and a record put under the key after
     * the page's read was never deleted. The records are locked, in id order, after that read: a change another writer
     * committed between the two makes the delete miss, and the record is left. A record that other records still
     * refer to is not deleted ({@link #spare}).
     */
    private ImportJob cleanRecord(Handle h, ImportJob job, ObjectDef object, StillReferred referring, Existing record,
            List<Existing> doomed, Set<String> left, Map<String, StillReferred.Keeper> referred, Set<String> later) {
        // By id: a record whose key another writer took is still stored (looked up by the key it had, it was taken
        // for deleted and neither deleted nor counted).
        Existing fresh = freshCopy(h, job, record);
        if (fresh != null) {
            if (fresh.externalId() == null) {
                left.add(fresh.id());
            } else if (fresh.externalId().equals(record.externalId())
                    || !records.seen(h, job.id(), fresh.externalId())) {
                doomed.add(fresh);
            }
        }
        Existing underKey = records.existing(h, job.organizationId(), object.slug(), List.of(record.externalId()))
                .get(record.externalId());
        if (underKey != null && !underKey.id().equals(record.id())) {
            doomed.add(underKey);
        }
        if (!doomed.isEmpty()) {
            beforeCleanupLock.accept(List.copyOf(doomed));
            records.lockToDelete(h, job.organizationId(), ids(doomed));
        }
        spare(h, job, object, referring, doomed, referred, later);
        if (doomed.isEmpty()) {
            return job;
        }
        beforeCleanupDelete.accept(List.copyOf(doomed));
        records.deleteChecked(h, job.organizationId(), job.id(),
                doomed.stream().map(e -> new RecordStore.Versioned(e.id(), e.version())).toList());
        return imports.save(h, cleaned(job, doomed.size()));
    }

    private static Set<String> ids(List<Existing> records) {
        Set<String> ids = new HashSet<>();
        records.forEach(e -> ids.add(e.id()));
        return ids;
    }

    /** {@code record} as stored now, looked up by its id; null when it is gone. */
    private Existing freshCopy(Handle h, ImportJob job, Existing record) {
        return records.existingByIds(h, job.organizationId(), List.of(record.id())).get(record.id());
    }

    /** The import with {@code deleted} more records deleted by its cleanup, not saved. */
    private static ImportJob cleaned(ImportJob job, int deleted) {
        ImportStats stats = new ImportStats(0, 0, 0, 0, 0, deleted, 0, 0);
        return job.withProgress(job.stats().plus(stats), job.checkpoint(), false)
                .withPhase(job.phase(Phase.CLEANUP).counted(deleted, 0));
    }

    /**
     * Throws {@link Stopped} when the import ran past its deadline or was cancelled, first saving {@code job}: its
     * progress may include chunks that wrote nothing and were not saved yet, which the reason counts. The rows it
     * counts as committed are those the checkpoint passed less those put off and not written yet, which it names
     * apart: the rows {@code stats.read} counts.
     */
    private void checkStop(ImportJob job) {
        String timedOut = pastDeadline(job);
        if (timedOut != null) {
            save(job);
            throw new Stopped(Status.TIMED_OUT, timedOut);
        }
        if (database.withHandle(h -> imports.cancelRequested(h, job.id()))) {
            save(job);
            long putOff = putOffCount(job);
            throw new Stopped(Status.FAILED, "Cancelled on request; %,d rows committed before it stopped are kept"
                    .formatted(job.checkpoint() - putOff) + notWritten(putOff, job.action()));
        }
    }

    /**
     * Why the import stops, when it ran past its deadline: the rows it counts as committed are those the checkpoint
     * passed less those put off and not written yet, which it names apart. Null when the deadline has not passed.
     */
    private String pastDeadline(ImportJob job) {
        if (job.deadlineAt() == null || !now().isAfter(job.deadlineAt())) {
            return null;
        }
        long putOff = putOffCount(job);
        // A run again after one that waited for temporary storage says so: the deadline passed while it waited.
        String waiting = AWAITING_STORAGE.equals(job.reason())
                ? " while the server's temporary directory could not be written (disk full or not writable)" : "";
        return "The import ran past its maximum run time (deadline " + job.deadlineAt() + ")" + waiting
                + "; %,d rows committed before it stopped are kept".formatted(job.checkpoint() - putOff)
                + notWritten(putOff, job.action());
    }

    /**
     * What prevalidation's and preparsing's reads run every {@link #DEADLINE_EVERY} rows: throws {@link Stopped} once
     * the import's deadline has passed, so that a read that itself runs past it stops there. Before, prepare looked at
     * the deadline only before it began, and a read of a large file ran to its end however late.
     */
    private Runnable deadlineWatch(ImportJob job) {
        Instant deadline = job.deadlineAt();
        return () -> {
            if (deadline != null && now().isAfter(deadline)) {
                throw new Stopped(Status.TIMED_OUT, "past the deadline");
            }
        };
    }

    /** {@code job}, stopped in prevalidation or preparsing past its deadline, saved {@code timed_out}. */
    private ImportJob timedOut(ImportJob job) {
        return save(job.ended(Status.TIMED_OUT, pastDeadline(job), PhaseStatus.SKIPPED, now()));
    }

    private long putOffCount(ImportJob job) {
        return database.withHandle(h -> imports.putOffCount(h, job.id()));
    }

    /** What a stop message adds about rows put off and not written yet, which the checkpoint has passed. */
    private static String notWritten(long putOff, Action action) {
        if (putOff == 0) {
            return "";
        }
        boolean one = putOff == 1;
        if (action == Action.DELETE) {
            return ("; %,d %s put off until after the last row (other records of the object refer to %s) %s not"
                    + " applied, so %s").formatted(putOff, one ? "row" : "rows", one ? "its record" : "their records",
                            one ? "was" : "were", one ? "its record stays" : "their records stay");
        }
        return ("; %,d %s put off until after the last row (%s to records of the import not stored yet) %s not written")
                .formatted(putOff, one ? "row" : "rows", one ? "it refers" : "they refer", one ? "was" : "were");
    }

    /** Second, exact look at the keys whose hash occurs more than once: key → {occurrences, first ordinal}. */
    private Map<String, long[]> exactDuplicates(RowSource source, ObjectDef object, Map<String, String> mapping,
            ImportJob job, Set<Long> repeatedHashes, Runnable deadlineWatch) {
        Map<String, long[]> counts = new HashMap<>();
        if (repeatedHashes.isEmpty()) {
            return counts;
        }
        RowTransformer keys = new RowTransformer(object, mapping, job.action(), false);
        try (RowReader reader = source.open()) {
            keys.readKeysOnly(reader);
            RowCursor cursor = new RowCursor(reader, job.fileType());
            long rows = 0;
            for (ParsedRowOrSource row = cursor.next(); row != null; row = cursor.next()) {
                if (++rows % DEADLINE_EVERY == 0) {
                    deadlineWatch.run();
                }
                String key = row.source() == null ? null : keys.externalIdOf(row.source().cells());
                if (key != null && repeatedHashes.contains(KeyHashes.hash(key))) {
                    long ordinal = row.ordinal();
                    counts.computeIfAbsent(key, k -> new long[] {0, ordinal})[0]++;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        counts.values().removeIf(c -> c[0] < 2);
        return counts;
    }

    /**
     * Why an import's column_mapping cannot work for {@code object} whatever file comes, or null: it must map
     * external_id, name only fields the object has, and (unless the import deletes) map every required field. Every
     * problem is named, joined by {@code "; "}, so that one correction fixes them all.
     */
    public static String columnMappingProblem(ObjectDef object, Action action, Map<String, String> mapping) {
        return ColumnMappings.columnMappingProblem(object, action, mapping);
    }

    /** The workflow options of a module import; null for the other faces' imports. */
    private ExecuteOptions options(ImportJob job) {
        if (!ImportJobs.MODULE.equals(job.source())) {
            return null;
        }
        return database.withHandle(h -> imports.options(h, job.id())).map(ExecuteOptions::fromJson).orElseThrow(
                () -> new IllegalStateException("module import " + job.id() + " has no stored options"));
    }

    /** The module import's writer, with the index of stored records when it matches on fields other than keys. */
    private MatchingWriter matchingWriter(ImportJob job, Schema schema, ObjectDef object, ExecuteOptions options) {
        List<String> matchFields = options.effectiveMatchFields(object);
        RecordMatcher matcher = matchFields.isEmpty() || matchFields.equals(List.of(BuiltInObjects.EXTERNAL_ID))
                ? null
                : database.inTransaction(h -> RecordMatcher.load(h, records, job.organizationId(), object,
                        matchFields));
        // References resolve by name too, against every record of the target: that look-up needs its index.
        database.withHandle(h -> {
            ReferenceResolver.byNameTargets(schema, object).forEach((target, field) ->
                    records.ensureTextIndex(h, target, field));
            return null;
        });
        return new MatchingWriter(records, imports, schema, object, job.organizationId(), job.id(), options, matcher,
                matchFields);
    }

    /**
     * Whether {@code e} came of the worker thread's interrupt (db-scheduler interrupts a run still going when the
     * instance stops) rather than of the file or a row: an interruptible read fails with
     * {@link ClosedByInterruptException} or {@link InterruptedIOException}, a wait for a pooled connection with an SQL
     * exception, and each leaves the thread interrupted. Such a failure is thrown on, so the import stays to be
     * resumed; before, an interrupted prevalidation failed the import with "The file could not be read", and a chunk
     * that failed so was replayed row by row, which could record good rows as {@code write_failed}.
     */
    private static boolean interrupted(Throwable e) {
        return Thread.currentThread().isInterrupted() || e instanceof ClosedByInterruptException
                || e instanceof InterruptedIOException;
    }

    /**
     * The reason an import carries while a run that failed for want of temporary storage waits to be tried again
     * ({@link #awaitingStorage}).
     */
    public static final String AWAITING_STORAGE = "Freight could not read the file: its temporary directory cannot be"
            + " written (disk full or not writable); the run is tried again in a minute, until the import's maximum run"
            + " time";

    /**
     * The {@link TemporaryFileUnwritable} that {@code e} is or was caused by, or null: a failure of the server's disk
     * (its temporary directory full or not writable), not of the file, which {@link #prepare} and {@link #process}
     * throw on, as an {@link UncheckedIOException}, rather than failing the import.
     */
    public static TemporaryFileUnwritable temporaryStorageFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TemporaryFileUnwritable unwritable) {
                return unwritable;
            }
        }
        return null;
    }

    /**
     * Saves {@code job} (of this run) with the reason {@link #AWAITING_STORAGE}, in the status and phases it has, and
     * returns the failure to throw: the run ends there, and its caller either tries it again later (the worker,
     * {@code jobs.RunRetries}) or gives the upload back (a sync upload). Before, the import failed for good, and its
     * file had to be imported again as a new import once the server had room.
     */
    private UncheckedIOException awaitingStorage(ImportJob job, TemporaryFileUnwritable cause) {
        // The operator gets the directory and the file system's words; the import's reader no server path.
        LOG.warn("import {}: a file read failed: {}", job.id(), cause.getMessage());
        save(job.withStatus(job.status(), AWAITING_STORAGE));
        return new UncheckedIOException(cause);
    }

    private static String readFailure(Exception e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return "The file could not be read: " + message;
    }

    private ImportJob fail(ImportJob job, Phase phase, String reason) {
        return save(failed(job, phase, reason));
    }

    /** A batch record's cells: its keys as text, in its order. */
    private static Map<String, Object> cells(Map<?, ?> record) {
        Map<String, Object> cells = new LinkedHashMap<>();
        record.forEach((k, v) -> cells.put(String.valueOf(k), v));
        return cells;
    }

    /** Stores a batch's import, not stored before, as failed, with its {@code rejected} rows in one transaction. */
    private ImportJob storeFailed(ImportJob job, Phase phase, String reason, List<RowError> rejected) {
        ImportJob failed = failed(job, phase, reason);
        database.inTransaction(h -> {
            imports.create(h, failed);
            imports.addErrors(h, failed.id(), rejected);
            return null;
        });
        return failed;
    }

    /**
     * The import failed in {@code phase}: the phases after it are skipped, and those running beside it (transforming
     * through processing run together) failed with it.
     */
    private ImportJob failed(ImportJob job, Phase phase, String reason) {
        ImportJob failed = job.withPhase(job.phase(phase).finished(PhaseStatus.FAILED, now(), reason));
        for (Phase p : Phase.values()) {
            if (p.ordinal() > phase.ordinal()) {
                failed = failed.withPhase(failed.phase(p).finished(PhaseStatus.SKIPPED, now(), "an earlier phase failed"));
            }
        }
        return failed.ended(Status.FAILED, reason, PhaseStatus.FAILED, now());
    }

    /** Makes this call the owner of the import (a new run token) and loads it. */
    private ImportJob claim(String importId) {
        String token = UUID.randomUUID().toString();
        ImportJob claimed = database.inTransaction(h -> imports.get(h, importId).isPresent()
                ? imports.claim(h, importId, token) : null);
        if (claimed == null) {
            throw new IllegalArgumentException("no import " + importId);
        }
        return claimed;
    }

    private ImportJob load(String importId) {
        return database.withHandle(h -> imports.get(h, importId)).orElseThrow(() ->
                new IllegalArgumentException("no import " + importId));
    }

    private ImportJob save(ImportJob job) {
        return database.inTransaction(h -> imports.save(h, job));
    }

    private Instant now() {
        return clock.instant();
    }
}
