package dev.freight.ingest;

import java.io.FilterReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * UTF-8 text in which each byte that is not UTF-8 where it stands becomes the character U+DC00 plus its value
 * (0xE9 becomes U+DCE9): an unpaired low surrogate, which valid UTF-8 never decodes to, so a reader of JSON (which
 * RFC 8259 has written in UTF-8) can tell the bad byte, where it is and what it is, instead of reading it as U+FFFD
 * or the file in a guessed encoding. For one thread.
 */
final class Utf8Escapes extends Reader {

    private static final char BASE = '\uDC00';

    private final InputStream in;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final ByteBuffer bytes = ByteBuffer.allocate(8192).flip();
    private boolean end;
    private boolean flushed;
    /** The second half of a surrogate pair that did not fit the caller's buffer, or 0. */
    private char pending;

    Utf8Escapes(InputStream in) {
        this.in = in;
    }

    /** The index of the first escaped byte in {@code text}, or -1 when every character is UTF-8's. */
    static int find(CharSequence text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (c >= BASE + 0x80 && c <= BASE + 0xFF) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The message for the byte escaped as {@code escape}, at {@code where} ("Line 3, column 12").
     */
    static String message(String where, char escape) {
        return "%s: expected UTF-8 text (JSON is written in UTF-8), found the byte 0x%02X, which is not UTF-8 there"
                .formatted(where, escape - BASE);
    }

    /**
     * {@code escaped}'s text up to its first escaped byte, where reading fails with a {@code malformed_json}
     * {@link IngestException} naming the byte and its line and column (counted as a JSON parser counts them: LF, CR
     * and CRLF end a line; columns in UTF-16 units from 1).
     */
    static Reader failing(Reader escaped) {
        return new Failing(escaped);
    }

    private static final class Failing extends FilterReader {

        private long line = 1;
        private long column;
        private boolean afterCr;
        private boolean afterHigh;
        private IngestException failure;

        Failing(Reader in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            char[] one = new char[1];
            return read(one, 0, 1) < 0 ? -1 : one[0];
        }

        @Override
        public int read(char[] buffer, int offset, int length) throws IOException {
            if (failure != null) {
                throw failure;
            }
            int n = in.read(buffer, offset, length);
            for (int i = offset; i < offset + n; i++) {
                char c = buffer[i];
                if (c >= BASE + 0x80 && c <= BASE + 0xFF && !afterHigh) {
                    failure = new IngestException("malformed_json", line,
                            message("Line %d, column %d".formatted(line, column + 1), c));
                    if (i == offset) {
                        throw failure;
                    }
                    return i - offset;
                }
                afterHigh = Character.isHighSurrogate(c);
                if (c == '\n' && afterCr) {
                    afterCr = false;
                } else if (c == '\n' || c == '\r') {
                    line++;
                    column = 0;
                    afterCr = c == '\r';
                } else {
                    afterCr = false;
                    column++;
                }
            }
            return n;
        }
    }

    @Override
    public int read(char[] buffer, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        CharBuffer out = CharBuffer.wrap(buffer, offset, length);
        if (pending != 0) {
            out.put(pending);
            pending = 0;
        }
        while (out.position() == offset) {
            if (flushed) {
                return -1;
            }
            CoderResult result = decoder.decode(bytes, out, end);
            if (result.isOverflow() && out.position() == offset) {
                CharBuffer pair = CharBuffer.allocate(2);
                decoder.decode(bytes, pair, end);
                out.put(pair.get(0));
                pending = pair.get(1);
            } else if (result.isError()) {
                out.put((char) (BASE + (bytes.get() & 0xFF)));
            } else if (result.isUnderflow() && end) {
                decoder.flush(out);
                flushed = true;
            } else if (result.isUnderflow()) {
                bytes.compact();
                int n = in.read(bytes.array(), bytes.position(), bytes.remaining());
                if (n < 0) {
                    end = true;
                } else {
                    bytes.position(bytes.position() + n);
                }
                bytes.flip();
            }
        }
        return out.position() - offset;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
