package dev.freight.ingest;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PushbackInputStream;
import java.io.Reader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Bytes that must be the text {@link TextEncoding} would detect as UTF-8 as a whole: valid UTF-8 without an ESC byte
 * (a UTF-8 byte-order mark is allowed and skipped). Reading fails with {@link NotUtf8} at the first byte that says
 * otherwise. For one thread.
 */
final class Utf8Stream extends FilterInputStream {

    /** The bytes are not text whose whole would be detected as UTF-8. */
    static final class NotUtf8 extends IOException {
        NotUtf8(String message) {
            super(message);
        }
    }

    private static final byte ESC = 0x1B;

    private final boolean bom;

    private Utf8Stream(InputStream in, boolean bom) {
        super(in);
        this.bom = bom;
    }

    /**
     * Reads the start of {@code in}: a UTF-8 byte-order mark is skipped, any other one fails, and so does a start that
     * detection takes for UTF-16 or UTF-32 without a byte-order mark (which can be valid UTF-8: ASCII with zero bytes).
     */
    static Utf8Stream of(InputStream in) throws IOException {
        PushbackInputStream head = new PushbackInputStream(in, TextEncoding.HEAD);
        byte[] start = head.readNBytes(TextEncoding.HEAD);
        TextEncoding mark = TextEncoding.fromBom(start, start.length);
        if (mark != null && !mark.charset().equals(StandardCharsets.UTF_8)) {
            throw new NotUtf8("the bytes start with a byte-order mark of " + mark.charset());
        }
        TextEncoding unmarked = mark == null ? TextEncoding.withoutBom(start, start.length) : null;
        if (unmarked != null) {
            throw new NotUtf8("the bytes are " + unmarked.charset() + " without a byte-order mark");
        }
        int skip = mark == null ? 0 : mark.bomLength();
        head.unread(start, skip, start.length - skip);
        return new Utf8Stream(head, mark != null);
    }

    boolean bom() {
        return bom;
    }

    /** The text, decoded strictly: malformed UTF-8 fails the read instead of becoming U+FFFD. */
    Reader reader() {
        return new InputStreamReader(this, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT));
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b == ESC) {
            throw escape();
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        for (int i = offset; i < offset + n; i++) {
            if (buffer[i] == ESC) {
                throw escape();
            }
        }
        return n;
    }

    private static NotUtf8 escape() {
        return new NotUtf8("the bytes hold an ESC byte, which ISO-2022 text starts its escapes with");
    }
}
