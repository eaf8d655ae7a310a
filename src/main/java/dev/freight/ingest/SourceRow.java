package dev.freight.ingest;

import java.util.Map;
import java.util.Objects;

/**
 * One data row of a source file.
 *
 * <p>{@code ordinal} is the 1-based position of the row among the file's data rows (header and blank rows not counted;
 * in JSON and NDJSON, an element rejected as {@code not_an_object} or {@code malformed_json} still takes its number).
 * {@code line} is where the row starts in the file, as a user would count it:
 * <ul>
 *   <li>CSV: the physical line of the record's first character, counting the header line and every line ending
 *       (LF, CRLF or a lone CR), including those inside quoted multi-line fields;</li>
 *   <li>XLSX and XLS: the sheet's row number, as Excel shows it;</li>
 *   <li>JSON: the line where the element's opening brace is; NDJSON: the element's line.</li>
 * </ul>
 *
 * <p>{@code cells} is a fresh, mutable map owned by the caller, in column (or key) order.
 * Tabular sources give {@link String} values keyed by header; JSON and NDJSON give plain Java values: {@link String},
 * {@link java.math.BigDecimal} for fractions, {@link Integer}, {@link Long} or {@link java.math.BigInteger} for whole
 * numbers, {@link Boolean}, {@link java.util.List}, {@link Map} or null.
 */
public record SourceRow(long ordinal, long line, Map<String, Object> cells) {

    public SourceRow {
        Objects.requireNonNull(cells, "cells");
    }
}
