package dev.freight.export;

import dev.freight.store.RecordRow;
import dev.freight.store.StoredRecord;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes one export file to a stream, a record at a time, so memory stays flat however many records there are. The
 * header (if any) is written on opening. Not thread-safe; {@link #finish} completes the file and flushes, but never
 * closes the stream.
 */
public interface ExportWriter {

    void row(StoredRecord record) throws IOException;

    /**
     * Whether the writer takes records as their rows ({@link #row(RecordRow)}), copying what it can of their bytes,
     * rather than decoded on the reading thread.
     */
    default boolean takesRows() {
        return false;
    }

    /** Writes a record given as its row; the row's field {@code i} is {@link ExportPlan#fields()} {@code i}. */
    default void row(RecordRow row) throws IOException {
        row(row.record());
    }

    void finish() throws IOException;

    static ExportWriter open(ExportPlan plan, OutputStream out) throws IOException {
        return switch (plan.format()) {
            case CSV -> new CsvExportWriter(plan.columns(), plan.options(), out);
            case XLSX -> new XlsxExportWriter(plan.object(), plan.columns(), plan.options(), out);
            case PDF -> new PdfExportWriter(plan.columns(), plan.options(), out);
            case JSON -> new JsonExportWriter(plan.columns(), out, false);
            case NDJSON -> new JsonExportWriter(plan.columns(), out, true);
        };
    }
}
