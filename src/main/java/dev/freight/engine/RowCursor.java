package dev.freight.engine;

import dev.freight.ingest.IngestException;
import dev.freight.ingest.RowReader;
import dev.freight.ingest.SourceRow;
import java.io.IOException;
import java.util.Set;

/** Reads rows, turning a per-row rejection by the reader into an unreadable row that keeps its ordinal. */
final class RowCursor {
    private final RowReader reader;
    private final Set<String> rowLevel;
    private long ordinal;

    /** NDJSON rejects a malformed line alone; in other formats malformed input ends the read. */
    RowCursor(RowReader reader, String fileType) {
        this.reader = reader;
        this.rowLevel = "ndjson".equals(fileType) ? Set.of("not_an_object", "repeated_key", "malformed_json")
                : Set.of("not_an_object", "repeated_key");
    }

    ParsedRowOrSource next() throws IOException {
        try {
            SourceRow row = reader.next();
            if (row == null) {
                return null;
            }
            ordinal = row.ordinal();
            return new ParsedRowOrSource(row.ordinal(), row, null);
        } catch (IngestException e) {
            if (!rowLevel.contains(e.code())) {
                throw e;
            }
            ordinal++;
            return new ParsedRowOrSource(ordinal, null, ParsedRow.unreadable(ordinal, e.line(), e.getMessage(),
                    e.input()));
        }
    }
}
