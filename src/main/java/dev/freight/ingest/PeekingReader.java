package dev.freight.ingest;

import java.io.IOException;
import java.util.List;

/**
 * A reader of JSON elements that reads the first one ahead, so {@link #headers()} can name its keys, and hands it
 * (or the rejection of it) out again on the first {@link #next()}. Not thread-safe.
 */
abstract class PeekingReader implements RowReader {

    private final SourceFormat format;
    private List<String> headers = List.of();
    private SourceRow pendingRow;
    private IngestException pendingFailure;

    PeekingReader(SourceFormat format) {
        this.format = format;
    }

    @Override
    public final SourceFormat format() {
        return format;
    }

    /** Reads the first element ahead; returns whether there was one (a row, or an element rejected on its own). */
    final boolean peek() throws IOException {
        try {
            pendingRow = read();
        } catch (IngestException e) {
            pendingFailure = e;
        }
        headers = pendingRow == null ? List.of() : List.copyOf(pendingRow.cells().keySet());
        return pendingRow != null || pendingFailure != null;
    }

    /** The next element's row, or null at the end. */
    abstract SourceRow read() throws IOException;

    @Override
    public final List<String> headers() {
        return headers;
    }

    @Override
    public final SourceRow next() throws IOException {
        if (pendingRow != null || pendingFailure != null) {
            SourceRow row = pendingRow;
            IngestException e = pendingFailure;
            pendingRow = null;
            pendingFailure = null;
            if (e != null) {
                throw e;
            }
            return row;
        }
        return read();
    }
}
