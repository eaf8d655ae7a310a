package dev.freight.ingest;

import java.io.Closeable;
import java.io.IOException;
import java.io.Reader;

/**
 * Lines of text with their 1-based numbers; LF, CRLF and a lone CR each end one line. A line longer than the limit is
 * skipped whole and reported, so reading can go on with the next one.
 */
final class LineReader implements Closeable {

    private final Reader in;
    private final int maxLength;
    private final char[] buffer = new char[8192];
    private final StringBuilder line = new StringBuilder();
    private int position;
    private int limit;
    private long number;
    private boolean pendingLf;
    private boolean tooLong;

    LineReader(Reader in, int maxLength) {
        this.in = in;
        this.maxLength = maxLength;
    }

    /** The number of the line last returned by {@link #next()}. */
    long number() {
        return number;
    }

    /** Whether the line last returned was longer than the limit (and returned empty). */
    boolean tooLong() {
        return tooLong;
    }

    /** The next line without its ending (empty when {@link #tooLong()}), or null at the end. */
    String next() throws IOException {
        line.setLength(0);
        tooLong = false;
        boolean any = false;
        while (true) {
            if (position == limit) {
                limit = in.read(buffer);
                position = 0;
                if (limit <= 0) {
                    limit = 0;
                    if (!any) {
                        return null;
                    }
                    break;
                }
            }
            char c = buffer[position++];
            if (pendingLf) {
                pendingLf = false;
                if (c == '\n') {
                    continue;
                }
            }
            any = true;
            if (c == '\n') {
                break;
            }
            if (c == '\r') {
                pendingLf = true;
                break;
            }
            if (!tooLong) {
                if (line.length() == maxLength) {
                    tooLong = true;
                    line.setLength(0);
                } else {
                    line.append(c);
                }
            }
        }
        number++;
        return line.toString();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
