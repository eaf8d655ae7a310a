package dev.freight.api;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * Text written with {@code %XX} escapes (RFC 3986), as in a query string or an RFC 5987 {@code filename*}: each escape
 * one byte, every other character its UTF-8 bytes; a {@code +} is itself.
 */
final class PercentEncoding {

    private PercentEncoding() {}

    /**
     * The text {@code encoded}'s bytes spell in {@code charset}, or null when an escape is not {@code %} and two hex
     * digits or the bytes are not text in that charset.
     */
    static String decode(String encoded, Charset charset) {
        ByteBuffer bytes = ByteBuffer.allocate(encoded.length() * 3);
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (c == '%') {
                if (i + 2 >= encoded.length() || !HexFormat.isHexDigit(encoded.charAt(i + 1))
                        || !HexFormat.isHexDigit(encoded.charAt(i + 2))) {
                    return null;
                }
                bytes.put((byte) HexFormat.fromHexDigits(encoded, i + 1, i + 3));
                i += 2;
            } else {
                bytes.put(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        try {
            return charset.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes.flip()).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
