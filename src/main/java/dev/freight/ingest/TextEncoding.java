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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Locale;
import java.util.Set;
import org.mozilla.universalchardet.UniversalDetector;

/**
 * The encoding of a text file and the length of its byte-order mark. Detection: a byte-order mark (UTF-8, UTF-16 or
 * UTF-32, either byte order); else UTF-32 when the first 8 KiB have a zero byte at one end of every unit of four
 * ({@link #utf32WithoutBom}); else UTF-16 when they have zero bytes on one side of the pairs and strong evidence
 * that they are UTF-16 text, not text with a few NUL characters ({@link #utf16WithoutBom}); else UTF-8 when the whole file is valid UTF-8 (plain ASCII is) unless it holds ESC bytes
 * and juniversalchardet finds ISO-2022 escapes in it; else juniversalchardet's guess, falling back to windows-1252.
 * Detection reads the file once more, in constant memory (twice when it asks juniversalchardet).
 */
record TextEncoding(Charset charset, int bomLength) {

    static final Charset WINDOWS_1252 = Charset.forName("windows-1252");
    private static final Charset UTF_32LE = Charset.forName("UTF-32LE");
    private static final Charset UTF_32BE = Charset.forName("UTF-32BE");
    private static final int BUFFER = 64 * 1024;
    /** How many bytes at the start of a file tell UTF-16 or UTF-32 without a byte-order mark. */
    static final int HEAD = 8192;
    /** The characters whose use as characters of their own tells UTF-16 text ({@link #utf16WithoutBom}). */
    private static final String SEPARATORS = "\t\n\r \",;|";
    /** Java's names of the code pages {@link #guess} does not trust juniversalchardet with. */
    private static final Set<String> LEGACY_CYRILLIC = Set.of("IBM855", "IBM866", "x-MacCyrillic");

    /**
     * The encodings detected last, so that a file opened again unchanged (an import reads its upload once to
     * prevalidate and once to write) is not read through again to detect it.
     */
    private static final Map<FileVersion, Charset> DETECTED = Collections.synchronizedMap(
            new LinkedHashMap<>(32, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<FileVersion, Charset> eldest) {
                    return size() > 16;
                }
            });

    /** The encoding to read {@code file} with: {@code requested} when not null, else the detected one. */
    static TextEncoding of(Path file, Charset requested) throws IOException {
        byte[] head = head(file, HEAD);
        TextEncoding bom = fromBom(head, head.length);
        if (requested != null) {
            return new TextEncoding(requested, bom != null && bom.charset.equals(requested) ? bom.bomLength : 0);
        }
        if (bom != null) {
            return bom;
        }
        TextEncoding unmarked = withoutBom(head, head.length);
        if (unmarked != null) {
            return unmarked;
        }
        FileVersion key = FileVersion.of(file);
        Charset known = DETECTED.get(key);
        if (known != null) {
            return new TextEncoding(known, 0);
        }
        Charset detected = switch (scanUtf8(file)) {
            case UTF_8 -> StandardCharsets.UTF_8;
            case SEVEN_BIT_WITH_ESCAPES -> iso2022OrUtf8(file);
            case OTHER -> guess(file);
        };
        DETECTED.put(key, detected);
        return new TextEncoding(detected, 0);
    }

    /**
     * The encoding to read a JSON or NDJSON {@code file} with: {@code requested} when not null, else a byte-order
     * mark's, else UTF-32 or UTF-16 without one ({@link #withoutBom}), else UTF-8 whatever the bytes are. JSON is
     * written in UTF-8 (RFC 8259), so a byte that is not UTF-8 is an error in the text, which
     * {@link #openEscaped} shows, not a sign of another encoding to guess.
     */
    static TextEncoding ofJson(Path file, Charset requested) throws IOException {
        if (requested != null) {
            return of(file, requested);
        }
        byte[] head = head(file, HEAD);
        TextEncoding bom = fromBom(head, head.length);
        if (bom != null) {
            return bom;
        }
        TextEncoding unmarked = withoutBom(head, head.length);
        return unmarked != null ? unmarked : new TextEncoding(StandardCharsets.UTF_8, 0);
    }

    /**
     * Records that {@code file}, as it is now, is what detection calls UTF-8: its bytes, read through as a
     * {@link Utf8Stream}, were valid UTF-8 without ESC bytes. Opening it unchanged then skips the detecting read.
     */
    static void rememberUtf8(Path file) throws IOException {
        DETECTED.put(FileVersion.of(file), StandardCharsets.UTF_8);
    }

    /** The encoding detection remembers for {@code file} as it is now; null when it has not read the file through. */
    static Charset remembered(Path file) throws IOException {
        return DETECTED.get(FileVersion.of(file));
    }

    /** What one pass over the bytes says. */
    private enum Utf8Scan {
        /** Valid UTF-8 (plain ASCII is). */
        UTF_8,
        /** Valid UTF-8 with ESC bytes, which only ISO-2022 text (ISO-2022-JP email, say) has: 7-bit, escape-switched. */
        SEVEN_BIT_WITH_ESCAPES,
        /** Not UTF-8. */
        OTHER
    }

    /** The encoding announced by a byte-order mark at the start of {@code bytes}, or null. */
    static TextEncoding fromBom(byte[] bytes, int length) {
        if (startsWith(bytes, length, 0xEF, 0xBB, 0xBF)) {
            return new TextEncoding(StandardCharsets.UTF_8, 3);
        }
        if (startsWith(bytes, length, 0x00, 0x00, 0xFE, 0xFF)) {
            return new TextEncoding(UTF_32BE, 4);
        }
        if (startsWith(bytes, length, 0xFF, 0xFE, 0x00, 0x00)) {
            return new TextEncoding(UTF_32LE, 4);
        }
        if (startsWith(bytes, length, 0xFE, 0xFF)) {
            return new TextEncoding(StandardCharsets.UTF_16BE, 2);
        }
        if (startsWith(bytes, length, 0xFF, 0xFE)) {
            return new TextEncoding(StandardCharsets.UTF_16LE, 2);
        }
        return null;
    }

    /**
     * UTF-32 or UTF-16 without a byte-order mark, told from the first {@code length} bytes: {@link #utf32WithoutBom},
     * else {@link #utf16WithoutBom} (UTF-32 first: its pattern is the stricter, and UTF-16 text never has it). Null
     * when the bytes are neither.
     */
    static TextEncoding withoutBom(byte[] bytes, int length) {
        TextEncoding utf32 = utf32WithoutBom(bytes, length);
        return utf32 != null ? utf32 : utf16WithoutBom(bytes, length);
    }

    /**
     * UTF-32 without a byte-order mark, told from the first {@code length} bytes (the first {@value #HEAD} of a file):
     * a code point has at most 21 bits, so in text in UTF-32 every unit of four bytes has a zero byte at one end, the
     * last for little-endian (ASCII {@code a} is {@code 61 00 00 00}, three zero bytes of four), the first for
     * big-endian. Every unit must be a code point, at least one an ASCII character (separators and line breaks are),
     * and they must read as text: few control characters, surrogates or unassigned code points. Null when the bytes
     * are not that: UTF-16 text has letters where UTF-32 has zero bytes, and binary data breaks the pattern or reads
     * as control characters.
     */
    static TextEncoding utf32WithoutBom(byte[] bytes, int length) {
        TextEncoding little = utf32WithoutBom(bytes, length / 4, true);
        return little != null ? little : utf32WithoutBom(bytes, length / 4, false);
    }

    private static TextEncoding utf32WithoutBom(byte[] bytes, int units, boolean little) {
        int odd = 0;
        boolean ascii = false;
        for (int i = 0; i < units; i++) {
            int c = 0;
            for (int j = 0; j < 4; j++) {
                c = c << 8 | bytes[4 * i + (little ? 3 - j : j)] & 0xFF;
            }
            if (c < 0 || c > Character.MAX_CODE_POINT) {
                return null;
            }
            ascii |= c >= 0x20 && c < 0x7F || c == '\t' || c == '\n' || c == '\r';
            int type = Character.getType(c);
            if (type == Character.UNASSIGNED || type == Character.SURROGATE || type == Character.CONTROL
                    && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1A) {
                odd++;
            }
        }
        return !ascii || odd * 50 > units ? null : new TextEncoding(little ? UTF_32LE : UTF_32BE, 0);
    }

    /**
     * UTF-16 without a byte-order mark, told from the first {@code length} bytes (the first {@value #HEAD} of a file),
     * read in the byte order that has the more zero bytes on the high side of the pairs, else in the other: the pairs
     * must read as text (no unpaired surrogate, few control characters) and give strong evidence of UTF-16, one of
     * <ul>
     * <li>most characters ASCII or Latin-1: the high byte of most pairs zero, and the low byte of few ({@code 61 00}
     *     is ASCII {@code a} in little-endian);</li>
     * <li>a first line of at least three characters, all ASCII written as characters of their own (a header), ended
     *     by a line break of its own: a header followed by one long cell in Chinese has few zero bytes and separators,
     *     but no 8-bit text has a zero byte between all the letters of a line;</li>
     * <li>a character that separates cells or lines ({@link #SEPARATORS}: tab, line feed, carriage return, space,
     *     quote, comma, semicolon, bar) written at least twice as a character of its own, and at least a quarter as
     *     often as its byte is the low byte of another character. Text in a script without Latin letters (Chinese,
     *     say) has fewer zero bytes, but its separators and line breaks are ASCII; the few common characters whose low
     *     byte is a separator's ({@code 上} is {@code 0A 4E}) do not outnumber them fourfold. This evidence does not
     *     count when more than 19 in 20 of the characters that are not ASCII or Latin-1 have two printable ASCII
     *     bytes: that is 8-bit text with a NUL byte before its line breaks (or separators), which UTF-16 text in any
     *     script hardly ever is (Chinese has about one such character in five).</li>
     * </ul>
     * Null when the bytes are not that. Text in a single-byte encoding or in UTF-8 with a few zero bytes (NUL
     * characters in some cells) is not taken for UTF-16, however its zero bytes fall: nearly all its separators and
     * line breaks pair with another letter, or all its other pairs are two ASCII bytes. Nor is binary data (its pairs
     * read as control characters or surrogates).
     */
    static TextEncoding utf16WithoutBom(byte[] bytes, int length) {
        int units = length / 2;
        int zerosFirst = 0;
        int zerosSecond = 0;
        for (int i = 0; i < units; i++) {
            zerosFirst += bytes[2 * i] == 0 ? 1 : 0;
            zerosSecond += bytes[2 * i + 1] == 0 ? 1 : 0;
        }
        boolean little = zerosSecond > zerosFirst;
        TextEncoding likelier = utf16WithoutBom(bytes, units, little);
        return likelier != null ? likelier : utf16WithoutBom(bytes, units, !little);
    }

    private static TextEncoding utf16WithoutBom(byte[] bytes, int units, boolean little) {
        int zeroHigh = 0;
        int zeroLow = 0;
        int odd = 0;
        int[] alone = new int[SEPARATORS.length()];
        int[] inOthers = new int[SEPARATORS.length()];
        int asciiPairs = 0;
        int firstLine = 0;
        boolean firstLineOpen = true;
        boolean asciiFirstLine = false;
        for (int i = 0; i < units; i++) {
            char c = unit(bytes, i, little);
            if (firstLineOpen && (c == '\n' || c == '\r')) {
                firstLineOpen = false;
                asciiFirstLine = firstLine >= 3;
            } else if (firstLineOpen && (c >= 0x20 && c < 0x7F || c == '\t')) {
                firstLine++;
            } else {
                firstLineOpen = false;
            }
            asciiPairs += printable(c >> 8) && printable(c & 0xFF) ? 1 : 0;
            zeroHigh += c >> 8 == 0 ? 1 : 0;
            zeroLow += (c & 0xFF) == 0 ? 1 : 0;
            int separator = SEPARATORS.indexOf(c & 0xFF);
            if (separator >= 0) {
                if (c >> 8 == 0) {
                    alone[separator]++;
                } else {
                    inOthers[separator]++;
                }
            }
            if (Character.isHighSurrogate(c) && i + 1 < units && Character.isLowSurrogate(unit(bytes, i + 1, little))) {
                i++;
            } else if (Character.isSurrogate(c) && i + 1 < units || c == 0xFFFE || c == 0xFFFF || c == 0x7F
                    || c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1A) {
                odd++;
            }
        }
        if (zeroHigh < 2 || odd * 50 > units) {
            return null;
        }
        boolean strong = zeroHigh * 2 >= units && zeroLow * 16 <= zeroHigh || asciiFirstLine;
        boolean eightBit = asciiPairs * 20 > (units - zeroHigh) * 19;
        for (int s = 0; s < SEPARATORS.length() && !strong && !eightBit; s++) {
            strong = alone[s] >= 2 && alone[s] * 4 >= inOthers[s];
        }
        return strong ? new TextEncoding(little ? StandardCharsets.UTF_16LE : StandardCharsets.UTF_16BE, 0) : null;
    }

    private static boolean printable(int b) {
        return b >= 0x20 && b < 0x7F;
    }

    private static char unit(byte[] bytes, int i, boolean little) {
        int first = bytes[2 * i] & 0xFF;
        int second = bytes[2 * i + 1] & 0xFF;
        return (char) (little ? second << 8 | first : first << 8 | second);
    }

    /**
     * The encoding's name as {@link SourceFormat#encoding()} reports it: Java's canonical name in lowercase, without
     * the {@code x-} of names Java marks as non-registered ({@code x-EUC-TW} is {@code euc-tw}).
     */
    String reportedName() {
        String name = charset.name().toLowerCase(Locale.ROOT);
        return name.startsWith("x-") ? name.substring(2) : name;
    }

    /** The file's format as far as the encoding goes. */
    SourceFormat format(String delimiter, String lineEnding) {
        return new SourceFormat(reportedName(), bomLength > 0, delimiter, lineEnding, null);
    }

    /** A reader of the file's text after the byte-order mark; malformed input becomes U+FFFD. */
    Reader open(Path file) throws IOException {
        InputStream in = afterBom(file);
        CharsetDecoder decoder = charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        return new InputStreamReader(in, decoder);
    }

    /**
     * A reader of the file's text after the byte-order mark: in UTF-8, each byte that is not UTF-8 becomes the escape
     * {@link Utf8Escapes} tells; in another encoding as {@link #open} reads it.
     */
    Reader openEscaped(Path file) throws IOException {
        if (!charset.equals(StandardCharsets.UTF_8)) {
            return open(file);
        }
        return new Utf8Escapes(afterBom(file));
    }

    /** The file's bytes after the byte-order mark. */
    private InputStream afterBom(Path file) throws IOException {
        InputStream in = Files.newInputStream(file);
        try {
            in.skipNBytes(bomLength);
        } catch (IOException e) {
            in.close();
            throw e;
        }
        return in;
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

    private static Utf8Scan scanUtf8(Path file) throws IOException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer bytes = ByteBuffer.allocate(BUFFER);
        CharBuffer chars = CharBuffer.allocate(BUFFER);
        boolean escapes = false;
        try (InputStream in = Files.newInputStream(file)) {
            boolean end = false;
            while (!end) {
                int n = in.read(bytes.array(), bytes.position(), bytes.remaining());
                end = n < 0;
                if (!end) {
                    escapes = escapes || contains(bytes.array(), bytes.position(), n, (byte) 0x1B);
                    bytes.position(bytes.position() + n);
                }
                bytes.flip();
                if (decoder.decode(bytes, chars, end).isError()) {
                    return Utf8Scan.OTHER;
                }
                chars.clear();
                bytes.compact();
            }
            if (decoder.flush(chars).isError()) {
                return Utf8Scan.OTHER;
            }
            return escapes ? Utf8Scan.SEVEN_BIT_WITH_ESCAPES : Utf8Scan.UTF_8;
        }
    }

    private static boolean contains(byte[] bytes, int from, int length, byte b) {
        for (int i = from; i < from + length; i++) {
            if (bytes[i] == b) {
                return true;
            }
        }
        return false;
    }

    /** An ISO-2022 encoding when the detector names one, else UTF-8 (the ESC bytes are then just control bytes). */
    private static Charset iso2022OrUtf8(Path file) throws IOException {
        Charset detected = detect(file);
        return detected != null && detected.name().startsWith("ISO-2022") ? detected : StandardCharsets.UTF_8;
    }

    /**
     * juniversalchardet's guess, or windows-1252 when it has none or names one of the DOS and Mac Cyrillic code pages
     * (IBM855, IBM866, x-mac-cyrillic): it takes short Latin text full of umlauts for those (its bug 20: German names
     * in windows-1252 come out as MacCyrillic), and such files are far rarer among uploads than Latin ones.
     */
    private static Charset guess(Path file) throws IOException {
        Charset detected = detect(file);
        return detected == null || LEGACY_CYRILLIC.contains(detected.name()) ? WINDOWS_1252 : detected;
    }

    /** juniversalchardet's answer as a Java charset; null when it has none or Java does not know it. */
    private static Charset detect(Path file) throws IOException {
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
            return null;
        }
        try {
            return Charset.forName(name);
        } catch (IllegalCharsetNameException | UnsupportedCharsetException unknown) {
            return null;
        }
    }
}
