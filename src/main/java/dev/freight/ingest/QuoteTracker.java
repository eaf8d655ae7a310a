package dev.freight.ingest;

import java.io.IOException;
import java.io.Reader;

/**
 * The CSV text as FastCSV reads it, followed far enough to say whether a quoted cell is still open where it ends, and
 * on which line that quote opened: FastCSV ends such a cell at the end of the text without a word, so the cell
 * silently holds the rest of the file. The quoting read is FastCSV's (RFC 4180, a quote opens a cell only as its
 * first character, characters after a closing quote allowed); lines are counted as {@link CsvRows} counts them.
 * Not thread-safe.
 */
final class QuoteTracker extends Reader {

    private final Reader in;
    private final char separator;
    /** Whether the text read so far ends inside a quoted cell. */
    private boolean quoted;
    /** Inside a quoted cell, the last character read is a quote: it closes the cell unless a quote follows. */
    private boolean quoteAtEnd;
    /** The last character read; at the start, a line ending, as a cell starts there. */
    private char last = '\n';
    private long line = 1;
    private long openedOn;

    QuoteTracker(Reader in, char separator) {
        this.in = in;
        this.separator = separator;
    }

    /** The line the quote of a cell still open at this point of the text opened on; 0 when no cell is open. */
    long openQuoteLine() {
        return quoted && !quoteAtEnd ? openedOn : 0;
    }

    /**
     * Looks only at quotes and line endings, which are a few characters in a hundred: a quote outside a quoted cell
     * opens one when the character before it ends a cell or a line.
     */
    @Override
    public int read(char[] buffer, int offset, int length) throws IOException {
        int n = in.read(buffer, offset, length);
        if (n <= 0) {
            return n;
        }
        int end = offset + n;
        int i = offset;
        boolean q = quoted;
        long l = line;
        if (quoteAtEnd) {
            quoteAtEnd = false;
            if (buffer[i] == '"') {
                i++;
            } else {
                q = false;
            }
        }
        for (; i < end; i++) {
            char c = buffer[i];
            if ((c == '"') | (c == '\n') | (c == '\r')) {
                char before = i > offset ? buffer[i - 1] : last;
                if (c != '"') {
                    if (c == '\r' || before != '\r') {
                        l++;
                    }
                } else if (!q) {
                    if (before == separator || before == '\n' || before == '\r') {
                        q = true;
                        openedOn = l;
                    }
                } else if (i + 1 == end) {
                    quoteAtEnd = true;
                } else if (buffer[i + 1] == '"') {
                    i++;
                } else {
                    q = false;
                }
            }
        }
        quoted = q;
        line = l;
        last = buffer[end - 1];
        return n;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
