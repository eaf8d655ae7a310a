package dev.freight.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.mozilla.universalchardet.UniversalDetector;

/**
 * The encoding of a text file and the length of its byte-order mark. Detection: a byte-order mark (UTF-8, UTF-16 or
 * UTF-32, either byte order); else UTF-8 when the whole file is valid UTF-8 (plain ASCII is); else juniversalchardet's
 * guess, falling back to windows-1252. Detection reads the file once more, in constant memory.
 */
record TextEncoding(Charset charset, int bomLength) {

    static final Charset WINDOWS_1252 = Charset.forName("windows-1252");
    private static final int BUFFER = 64 * 1024;

    /** The encoding to read {@code file} with: {@code requested} when not null, else the detected one. */
    static TextEncoding of(Path file, Charset requested) throws IOException {
        byte[] head = head(file, 4);
        TextEncoding bom = fromBom(head, head.length);
        if (requested != null) {
            return new TextEncoding(requested, bom != null && bom.charset.equals(requested) ? bom.bomLength : 0);
        }
        if (bom != null) {
            return bom;
        }
        return new TextEncoding(isUtf8(file) ? StandardCharsets.UTF_8 : guess(file), 0);
    }

    /** The encoding announced by a byte-order mark at the start of {@code bytes}, or null. */
    static TextEncoding fromBom(byte[] bytes, int length) {
        if (startsWith(bytes, length, 0xEF, 0xBB, 0xBF)) {
            return new TextEncoding(StandardCharsets.UTF_8, 3);
        }
        if (startsWith(bytes, length, 0x00, 0x00, 0xFE, 0xFF)) {
            return new TextEncoding(Charset.forName("UTF-32BE"), 4);
        }
        if (startsWith(bytes, length, 0xFF, 0xFE, 0x00, 0x00)) {
            return new TextEncoding(Charset.forName("UTF-32LE"), 4);
        }
        if (startsWith(bytes, length, 0xFE, 0xFF)) {
            return new TextEncoding(StandardCharsets.UTF_16BE, 2);
        }
        if (startsWith(bytes, length, 0xFF, 0xFE)) {
            return new TextEncoding(StandardCharsets.UTF_16LE, 2);
        }
        return null;
    }

    /** A reader of the file's text after the byte-order mark; malformed input becomes U+FFFD. */
    Reader open(Path file) throws IOException {
        InputStream in = Files.newInputStream(file);
        try {
            in.skipNBytes(bomLength);
        } catch (IOException e) {
            in.close();
            throw e;
        }
        CharsetDecoder decoder = charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        return new InputStreamReader(in, decoder);
    }

    private static boolean startsWith(byte[] bytes, int length, int... prefix) {
        if (length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if ((bytes[i] & 0xFF) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] head(Path file, int n) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(n);
        }
    }

    private static boolean isUtf8(Path file) throws IOException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer bytes = ByteBuffer.allocate(BUFFER);
        CharBuffer chars = CharBuffer.allocate(BUFFER);
        try (InputStream in = Files.newInputStream(file)) {
            boolean end = false;
            while (!end) {
                int n = in.read(bytes.array(), bytes.position(), bytes.remaining());
                end = n < 0;
                if (!end) {
                    bytes.position(bytes.position() + n);
                }
                bytes.flip();
                if (decoder.decode(bytes, chars, end).isError()) {
                    return false;
                }
                chars.clear();
                bytes.compact();
            }
            return !decoder.flush(chars).isError();
        }
    }

    private static Charset guess(Path file) throws IOException {
        UniversalDetector detector = new UniversalDetector();
        byte[] buffer = new byte[BUFFER];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while (!detector.isDone() && (n = in.read(buffer)) > 0) {
                detector.handleData(buffer, 0, n);
            }
        }
        detector.dataEnd();
        String name = detector.getDetectedCharset();
        if (name == null) {
            return WINDOWS_1252;
        }
        try {
            return Charset.forName(name);
        } catch (IllegalCharsetNameException | UnsupportedCharsetException unknown) {
            return WINDOWS_1252;
        }
    }
}
