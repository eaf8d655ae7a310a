package dev.freight.engine;

import dev.freight.ingest.Readers;
import dev.freight.ingest.RowReader;
import dev.freight.schema.ObjectDef;
import dev.freight.store.Database;
import dev.freight.store.ImportJob;
import dev.freight.store.ImportStore;
import dev.freight.store.SchemaStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prevalidation's reads of CSV uploads while they arrive, and the ones their imports accepted, which
 * {@link ImportPipeline#prepare} may use instead of reading the file again. The contract is
 * {@link ImportPipeline#prescan}'s and {@link ImportPipeline#usePrescan}'s; the read itself is the pipeline's
 * ({@link ImportPipeline#scan}), so a prescan counts and hashes exactly as prevalidation does. Thread-safe.
 */
final class Prescans {

    private static final Logger LOG = LoggerFactory.getLogger(Prescans.class);

    private final Database database;
    private final ImportStore imports;
    private final SchemaStore schemas;
    private final Clock clock;
    /** The prescans {@link ImportPipeline#prepare} may use, by import: each of the upload its import accepted. */
    private final Map<String, Accepted> prescans = new ConcurrentHashMap<>();

    Prescans(Database database, ImportStore imports, SchemaStore schemas, Clock clock) {
        this.database = database;
        this.imports = imports;
        this.schemas = schemas;
        this.clock = clock;
    }

    /**
     * What prevalidation learns from one read of the rows: their count, the hash of every external_id and the
     * format of each date and number column.
     */
    record Scan(long rows, KeyHashes hashes, ColumnFormats formats, List<String> headers, String delimiter,
            String keyColumn) {

        /**
         * Whether {@code reader}, opened on the stored file, reads the rows this scan read from the upload, and
         * {@code keys} takes the external_id from the same column.
         */
        boolean readTheSameRowsAs(RowReader reader, RowTransformer keys) {
            return headers.equals(reader.headers()) && delimiter.equals(reader.format().delimiter())
                    && Objects.equals(keyColumn, keys.keyColumn());
        }
    }

    /**
     * Starts the read of {@code bytes}, the upload as it is written to {@code file}, on a virtual thread, and closes
     * them; see {@link ImportPipeline#prescan}.
     */
    Prescan start(String importId, InputStream bytes, Path file) {
        Prescan prescan = new Prescan();
        Thread.ofVirtual().name("import-prescan").start(() -> {
            Scan scan = null;
            try (InputStream in = bytes; RowReader reader = Readers.openUtf8Csv(in)) {
                ImportJob job = load(importId);
                ObjectDef object = database.withHandle(h -> schemas.schema(h, job.organizationId()))
                        .object(job.resource()).orElse(null);
                if (object != null && !ImportJobs.MODULE.equals(job.source())) {
                    Map<String, String> mapping = ColumnMappings.mapping(job, object, reader.headers());
                    RowTransformer keys = new RowTransformer(object, mapping, job.action(), false);
                    ColumnFormats formats = ColumnFormats.ofMapping(object, mapping, job.action());
                    keys.readKeysAnd(reader, formats.columns());
                    KeyHashes hashes = new KeyHashes();
                    // No deadline here: the import's is set once its upload is stored, and prevalidation watches it.
                    long rows = ImportPipeline.scan(reader, "csv", keys, hashes, formats.isEmpty() ? null : formats,
                            () -> {});
                    // The stream ended, so the upload is stored as the file: it is these bytes.
                    Readers.rememberUtf8(file);
                    scan = new Scan(rows, hashes, formats, reader.headers(), reader.format().delimiter(),
                            keys.keyColumn());
                }
            } catch (IOException | RuntimeException e) {
                LOG.debug("import {}: upload not prescanned ({})", importId, e.toString());
            } finally {
                prescan.finish(scan, clock.instant());
            }
        });
        return prescan;
    }

    /**
     * Lets {@link ImportPipeline#prepare} use {@code prescan}, the read of the upload whose SHA-256 is
     * {@code checksum}, and lets go of the finished prescans no prevalidation took in time.
     */
    void use(String importId, Prescan prescan, String checksum) {
        Instant now = clock.instant();
        prescans.values().removeIf(p -> p.prescan().isExpired(now));
        prescans.put(importId, new Accepted(prescan, checksum));
    }

    /**
     * Takes the prescan handed over for the import out of those kept, so that it is let go whatever becomes of the run
     * that took it; null when there is none. {@link Accepted#scanOf} then waits for its result.
     */
    Accepted take(String importId) {
        return prescans.remove(importId);
    }

    /** Whether a prescan handed over for the import is kept, not taken yet. */
    boolean keeps(String importId) {
        return prescans.containsKey(importId);
    }

    private ImportJob load(String importId) {
        return database.withHandle(h -> imports.get(h, importId)).orElseThrow(() ->
                new IllegalArgumentException("no import " + importId));
    }

    /** A prescan of the upload its import accepted, and that upload's SHA-256. */
    record Accepted(Prescan prescan, String checksum) {

        /**
         * The finished prescan, waiting for it to finish, if it read the upload whose SHA-256 is {@code checksum}, the
         * one the import records; null when it read another (or none).
         */
        Scan scanOf(String checksum) {
            return this.checksum.equals(checksum) ? prescan.result.join() : null;
        }
    }
}
