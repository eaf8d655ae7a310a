package dev.freight.ingest;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Streams the data rows of one file, in file order, holding at most one row (and the reading library's buffers) in
 * memory. Not thread-safe: one thread reads, then closes. Obtain one from {@link Readers#open}.
 */
public interface RowReader extends Closeable {

    /**
     * The column names. Tabular sources: the header row as keys of {@link SourceRow#cells()}: exactly as written (a
     * byte-order mark is removed, nothing is trimmed), except that a blank name becomes {@code column_N} (N the
     * 1-based column) and a repeated name gets a suffix ({@code Email}, {@code Email_2}). JSON and NDJSON: the keys of
     * the first object, for information only; empty when the file has no object.
     */
    List<String> headers();

    /**
     * The {@link #headers()} that are suffixed repeats, each with the header as written ({@code Email_2 → Email}), in
     * column order; empty when no name repeats, and for JSON and NDJSON.
     */
    default Map<String, String> renamedHeaders() {
        return Map.of();
    }

    /**
     * Whether {@code column} names cells of this source: one of its {@link #headers()}, or, for tabular files, the
     * {@code column_N} that keys cells past the last header.
     */
    default boolean hasColumn(String column) {
        return headers().contains(column);
    }

    /** How the file is written: its encoding, byte-order mark, delimiter and line ending, or the sheet being read. */
    SourceFormat format();

    /**
     * The next data row, or null at the end of the file.
     *
     * @throws IngestException when the file cannot be read further; for JSON and NDJSON, {@code not_an_object} (and
     *     NDJSON's {@code malformed_json}) reject only that element: the reader has moved past it and {@code next()}
     *     may be called again. After any other {@link IngestException} the reader is unusable.
     */
    SourceRow next() throws IOException;

    /**
     * From the next row on, reads only the named columns' cells: {@link SourceRow#cells()} holds those of them the row
     * has, and no others. Rows are skipped and numbered as before. For a pass that needs a column or two (the keys of
     * a prevalidation) on a wide file; readers that cannot skip cells more cheaply than reading them ignore it.
     */
    default void readOnly(Set<String> columns) {}

    /**
     * Reads the rest of the file and counts its rows without building them (what a row count needs); the reader is
     * at the end afterwards. Row-level rejections of JSON and NDJSON count as rows, as they take an ordinal.
     */
    default long countRemaining() throws IOException {
        long n = 0;
        while (true) {
            try {
                if (next() == null) {
                    return n;
                }
            } catch (IngestException e) {
                if (!rowLevel(e)) {
                    throw e;
                }
            }
            n++;
        }
    }

    /** Whether the reader rejected only that row and may be read on (see {@link #next}). */
    default boolean rowLevel(IngestException e) {
        return "not_an_object".equals(e.code()) || "repeated_key".equals(e.code());
    }
}
