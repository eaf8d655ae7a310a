package dev.freight.ingest;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Path;

/**
 * Finds the first line ending of a text fed to it in pieces: {@code lf}, {@code crlf} or {@code cr}. For CSV, line
 * breaks inside quoted fields are data, so the first one outside quotes counts; a quote opens a field only at its
 * start, as in RFC 4180 (a quote inside {@code A,B"} is a plain character), and {@code ""} inside one is a quote. When
 * every line break is inside quotes (a file that is one multi-line record, or a quote that is never closed), the first
 * of those is reported. Not thread-safe.
 */
final class LineEnding {

    static final String LF = "lf";
    static final String CRLF = "crlf";
    static final String CR = "cr";

    /** The field separator for quote tracking; -1 for text without CSV quoting (JSON, NDJSON). */
    private final int separator;
    private boolean quoted;
    private boolean quoteInQuoted;
    private boolean fieldStart = true;
    private boolean crPending;
    private boolean crPendingQuoted;
    private String found;
    private String foundQuoted;

    private LineEnding(int separator) {
        this.separator = separator;
    }

    /** For CSV with {@code separator}. */
    static LineEnding csv(char separator) {
        return new LineEnding(separator);
    }

    /** For text where a quote is an ordinary character for this purpose: JSON strings cannot hold a raw line break. */
    static LineEnding plain() {
        return new LineEnding(-1);
    }

    /** The first line ending of a JSON or NDJSON file, reading only as far as it; null when there is none. */
    static String ofJson(Path file, TextEncoding encoding) throws IOException {
        try (Reader reader = encoding.open(file)) {
            return first(reader, plain());
        }
    }

    /** The first line ending of {@code reader}'s text, reading only as far as needed; null when there is none. */
    static String first(Reader reader, LineEnding finder) throws IOException {
        char[] buffer = new char[8192];
        int n;
        while (!finder.known() && (n = reader.read(buffer)) > 0) {
            finder.feed(buffer, 0, n);
        }
        return finder.result();
    }

    /** Whether the answer is known, so that no more text need be fed. */
    boolean known() {
        return found != null;
    }

    /** Looks at the next {@code length} characters of the text. */
    void feed(char[] chars, int offset, int length) {
        for (int i = offset; i < offset + length && found == null; i++) {
            accept(chars[i]);
        }
    }

    /** The answer once the whole text (or enough of it) has been fed; null when the text has no line ending. */
    String result() {
        if (found != null) {
            return found;
        }
        if (crPending) {
            return CR;
        }
        if (foundQuoted == null && crPendingQuoted) {
            return CR;
        }
        return foundQuoted;
    }

    private void accept(char c) {
        if (crPending) {
            found = c == '\n' ? CRLF : CR;
            return;
        }
        if (quoted) {
            acceptQuoted(c);
            return;
        }
        if (c == '"' && fieldStart && separator >= 0) {
            quoted = true;
            fieldStart = false;
        } else if (c == '\n') {
            found = LF;
        } else if (c == '\r') {
            crPending = true;
        } else {
            fieldStart = c == separator;
        }
    }

    private void acceptQuoted(char c) {
        if (crPendingQuoted) {
            crPendingQuoted = false;
            if (foundQuoted == null) {
                foundQuoted = c == '\n' ? CRLF : CR;
            }
        }
        if (quoteInQuoted) {
            quoteInQuoted = false;
            if (c != '"') {
                quoted = false;
                accept(c);
            }
            return;
        }
        if (c == '"') {
            quoteInQuoted = true;
        } else if (c == '\n' && foundQuoted == null) {
            foundQuoted = LF;
        } else if (c == '\r' && foundQuoted == null) {
            crPendingQuoted = true;
        }
    }
}
