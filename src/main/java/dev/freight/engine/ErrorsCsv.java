package dev.freight.engine;

import de.siegmar.fastcsv.writer.CsvWriter;
import de.siegmar.fastcsv.writer.QuoteStrategy;
import dev.freight.ingest.FormulaPrefix;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The CSV of an errors file, which a person opens in a spreadsheet, corrects and uploads again: RFC 4180 with CRLF
 * line ends, in UTF-8 behind a byte-order mark (without one, Excel reads UTF-8 in its own code page: {@code Zoë} as
 * {@code ZoÃ«}), and a cell a spreadsheet would run as a formula written as a CSV export writes it: an apostrophe in
 * front, the field quoted ({@link FormulaPrefix}). A plain number ({@code -3}, {@code +1.5}) is no formula and is
 * written as it is, as an export writes a number. The CSV reader takes off both the mark and the apostrophe, so the
 * file uploads again with the rows' cells as they were read. Not thread-safe.
 */
final class ErrorsCsv implements Closeable {

    private static final Pattern PLAIN_NUMBER = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    /** Quotes what {@link #writeRecord} prefixed, besides what RFC 4180 quotes anyway. */
    private static final QuoteStrategy FORMULAS = new QuoteStrategy() {
        @Override
        public boolean quoteValue(int lineNo, int fieldIdx, String value) {
            return formula(value);
        }
    };

    private final CsvWriter csv;

    ErrorsCsv(OutputStream out) throws IOException {
        Writer writer = new OutputStreamWriter(out, StandardCharsets.UTF_8);
        writer.write('\uFEFF');
        this.csv = CsvWriter.builder().quoteStrategy(FORMULAS).build(writer);
    }

    /** One line of {@code cells}, each with an apostrophe in front when a spreadsheet would run it as a formula. */
    void writeRecord(List<String> cells) {
        List<String> written = new ArrayList<>(cells.size());
        for (String cell : cells) {
            written.add(formula(cell) ? "'" + cell : cell);
        }
        csv.writeRecord(written);
    }

    /** Whether a spreadsheet would run {@code cell} as a formula: it starts as one and is not a plain number. */
    private static boolean formula(String cell) {
        return FormulaPrefix.needed(cell) && !PLAIN_NUMBER.matcher(cell).matches();
    }

    @Override
    public void close() throws IOException {
        csv.close();
    }
}
