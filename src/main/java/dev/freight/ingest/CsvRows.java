package dev.freight.ingest;

import de.siegmar.fastcsv.reader.AbstractBaseCsvCallbackHandler;
import de.siegmar.fastcsv.reader.CloseableIterator;
import de.siegmar.fastcsv.reader.CsvParseException;
import de.siegmar.fastcsv.reader.CsvReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The records of a CSV file, read by FastCSV: RFC 4180 quoting with the sniffed separator, lenient about ragged rows
 * and characters after a closing quote, empty lines skipped. A quoted cell still open at the end of the text ends the
 * read with {@code malformed_csv} at the line of its opening quote (after the record holding it). A record's starting
 * line counts LF, CRLF and lone CR as one line ending each, inside quoted fields too, which is the line a user sees in
 * an editor. A cell is read without the apostrophe a CSV export puts in front of formula-like text
 * ({@link FormulaPrefix}).
 */
final class CsvRows implements TabularReader.RawRows {

    /** FastCSV's default limit on one field, in characters. */
    static final int MAX_FIELD = 16 * 1024 * 1024;
    private static final Pattern STARTED_IN_LINE = Pattern.compile("started in line (\\d+)");
    /** Characters looked at to guess the separator. */
    private static final int SNIFF_CHARS = 64 * 1024;

    private final CsvReader<TabularReader.RawRow> csv;
    private final CloseableIterator<TabularReader.RawRow> records;
    private final Cells cells;
    private final QuoteTracker quotes;
    private long lastLine;

    private CsvRows(CsvReader<TabularReader.RawRow> csv, Cells cells, QuoteTracker quotes) {
        this.csv = csv;
        this.cells = cells;
        this.quotes = quotes;
        this.records = csv.iterator();
    }

    /**
     * Builds each record's cells as strings; after {@link #readOnly}, only the kept columns' ones, the others being
     * {@code ""} when blank and {@link TabularReader#SKIPPED} otherwise, which spares building strings nobody reads.
     */
    private static final class Cells extends AbstractBaseCsvCallbackHandler<TabularReader.RawRow> {
        private List<String> fields = new ArrayList<>();
        private boolean[] keep;

        @Override
        protected void handleBegin(long startingLineNumber) {
            fields = new ArrayList<>(Math.max(10, fields.size()));
        }

        @Override
        protected void handleField(int index, char[] buffer, int offset, int length, boolean quoted) {
            boolean guarded = FormulaPrefix.present(buffer, offset, length);
            if (keep == null || index < keep.length && keep[index]) {
                fields.add(guarded ? new String(buffer, offset + 1, length - 1) : new String(buffer, offset, length));
            } else {
                // Blank as the cell reads, without the apostrophe: a skipped '<tab> is as blank as a read one, so a
                // row counts (and takes an ordinal) alike whichever of its columns a pass reads.
                int apostrophe = guarded ? 1 : 0;
                fields.add(blank(buffer, offset + apostrophe, length - apostrophe) ? "" : TabularReader.SKIPPED);
            }
        }

        @Override
        protected TabularReader.RawRow buildRecord() {
            return new TabularReader.RawRow(getStartingLineNumber(), fields);
        }

        /** As {@link String#isBlank()}: no surrogate is whitespace, so testing chars is testing code points. */
        private static boolean blank(char[] buffer, int offset, int length) {
            for (int i = offset; i < offset + length; i++) {
                if (!Character.isWhitespace(buffer[i])) {
                    return false;
                }
            }
            return true;
        }
    }

    static RowReader open(Path file, Charset charset) throws IOException {
        if (Files.size(file) == 0) {
            throw new IngestException("empty_file", 0, "The file is empty; expected a header row and data rows");
        }
        TextEncoding encoding = TextEncoding.of(file, charset);
        Sniffed sniffed = sniff(file, encoding);
        return read(encoding.open(file), sniffed.separator(),
                encoding.format(String.valueOf(sniffed.separator()), sniffed.lineEnding()));
    }

    /**
     * The records of CSV text arriving on {@code in} as UTF-8, while it arrives: the same records as {@link #open}
     * reads from a file of the same bytes whose encoding is detected as UTF-8. A UTF-8 byte-order mark is skipped.
     * Reading fails with {@link Utf8Stream.NotUtf8} when the bytes are not UTF-8, start with another byte-order mark
     * or hold an ESC byte (which detection may take for ISO-2022 text). The format's line ending is left out.
     */
    static RowReader openUtf8(InputStream in) throws IOException {
        Utf8Stream utf8 = Utf8Stream.of(in);
        PushbackReader reader = new PushbackReader(utf8.reader(), SNIFF_CHARS + 1);
        try {
            Head head = Head.read(reader);
            char separator = head.separator();
            reader.unread(head.chars(), 0, head.length());
            return read(reader, separator, new SourceFormat("utf-8", utf8.bom(), String.valueOf(separator), null,
                    null));
        } catch (IOException | RuntimeException e) {
            reader.close();
            throw e;
        }
    }

    private static RowReader read(Reader reader, char separator, SourceFormat format) throws IOException {
        Cells cells = new Cells();
        QuoteTracker quotes = new QuoteTracker(reader, separator);
        CsvReader<TabularReader.RawRow> csv = CsvReader.builder()
                .fieldSeparator(separator)
                .allowExtraFields(true)
                .allowMissingFields(true)
                .allowExtraCharsAfterClosingQuote(true)
                .skipEmptyLines(true)
                .maxBufferSize(MAX_FIELD)
                .build(cells, quotes);
        return TabularReader.open(new CsvRows(csv, cells, quotes), Columns.MissingCells.ABSENT,
                "The file has only blank lines; expected a header row and data rows", format);
    }

    /** What the start of the file says: the field separator and the first line ending (null when none). */
    private record Sniffed(char separator, String lineEnding) {}

    /** Guesses the separator from the first 64K characters, then reads on only as far as the first line ending. */
    private static Sniffed sniff(Path file, TextEncoding encoding) throws IOException {
        try (Reader reader = encoding.open(file)) {
            Head head = Head.read(reader);
            char separator = head.separator();
            LineEnding lineEnding = LineEnding.csv(separator);
            lineEnding.feed(head.chars(), 0, head.length());
            return new Sniffed(separator, head.complete() ? lineEnding.result()
                    : LineEnding.first(reader, lineEnding));
        }
    }

    /**
     * The start of a text: its first {@link #SNIFF_CHARS} characters, which the separator is guessed from, and one
     * more when there are more ({@code length} counts it; {@code complete} says there were none).
     */
    private record Head(char[] chars, int length, boolean complete) {

        static Head read(Reader reader) throws IOException {
            char[] chars = new char[SNIFF_CHARS + 1];
            int length = 0;
            int n = 0;
            while (length < SNIFF_CHARS && (n = reader.read(chars, length, SNIFF_CHARS - length)) > 0) {
                length += n;
            }
            int next = n < 0 || length < SNIFF_CHARS ? -1 : reader.read();
            if (next >= 0) {
                chars[length++] = (char) next;
            }
            return new Head(chars, length, next < 0);
        }

        char separator() {
            return Delimiter.sniff(CharBuffer.wrap(chars, 0, complete ? length : length - 1), complete);
        }
    }

    @Override
    public TabularReader.RawRow next() throws IOException {
        try {
            if (!records.hasNext()) {
                long opened = quotes.openQuoteLine();
                if (opened > 0) {
                    throw new IngestException("malformed_csv", opened,
                            "Line %d: a quoted cell opens here and is never closed".formatted(opened));
                }
                return null;
            }
            TabularReader.RawRow row = records.next();
            lastLine = row.line();
            return row;
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } catch (CsvParseException e) {
            throw malformed(e);
        }
    }

    /** FastCSV says where the record started; its innermost cause says what went wrong. */
    private IngestException malformed(CsvParseException e) {
        Matcher started = STARTED_IN_LINE.matcher(String.valueOf(e.getMessage()));
        long line = started.find() ? Long.parseLong(started.group(1)) : lastLine + 1;
        Throwable cause = e;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        String found = String.valueOf(cause.getMessage()).contains("maximum buffer size")
                ? "found a longer one (often a quote that is never closed)"
                : "found an error: " + cause.getMessage();
        return new IngestException("malformed_csv", line,
                "Line %d: expected fields of at most %,d characters, %s".formatted(line, MAX_FIELD, found), e);
    }

    @Override
    public void readOnly(boolean[] keep) {
        cells.keep = keep.clone();
    }

    @Override
    public void close() throws IOException {
        csv.close();
    }
}
