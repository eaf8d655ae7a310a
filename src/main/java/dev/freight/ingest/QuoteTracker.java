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

    private static final int FIELD_START = 0;
    private static final int UNQUOTED = 1;
    private static final int QUOTED = 2;
    private static final int QUOTE_IN_QUOTED = 3;

    private final Reader in;
    private final char separator;
    private int state = FIELD_START;
    private long line = 1;
    private boolean afterCr;
    private long openedOn;

    QuoteTracker(Reader in, char separator) {
        this.in = in;
        this.separator = separator;
    }

    /** The line the quote of a cell still open at this point of the text opened on; 0 when no cell is open. */
    long openQuoteLine() {
        return state == QUOTED ? openedOn : 0;
    }

    @Override
    public int read(char[] buffer, int offset, int length) throws IOException {
        int n = in.read(buffer, offset, length);
        int s = state;
        long l = line;
        boolean cr = afterCr;
        for (int i = offset; i < offset + n; i++) {
            char c = buffer[i];
            boolean lineEnd = c == '\n' || c == '\r';
            if (c == '\r' || c == '\n' && !cr) {
                l++;
            }
            cr = c == '\r';
            switch (s) {
                case FIELD_START -> {
                    if (c == '"') {
                        s = QUOTED;
                        openedOn = l;
                    } else if (c != separator && !lineEnd) {
                        s = UNQUOTED;
                    }
                }
                case UNQUOTED -> s = c == separator || lineEnd ? FIELD_START : UNQUOTED;
                case QUOTED -> s = c == '"' ? QUOTE_IN_QUOTED : QUOTED;
                default -> s = c == '"' ? QUOTED : c == separator || lineEnd ? FIELD_START : UNQUOTED;
            }
        }
        state = s;
        line = l;
        afterCr = cr;
        return n;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
