package dev.freight.api;

import java.nio.charset.StandardCharsets;
import java.text.BreakIterator;
import java.text.Normalizer;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A download's file name: made from a free-text name (a report's), sent in {@code Content-Disposition} and put in a
 * URL path. Names keep the letters of every script; accented Latin letters become their base letters, and a name is
 * at most {@value #MAX_BYTES} bytes in UTF-8. Stateless.
 */
final class AttachmentName {

    /** The longest file name most file systems take (ext4, NTFS, APFS): 255 bytes, or 255 UTF-16 units on NTFS. */
    static final int MAX_BYTES = 255;

    /** A combining mark on a Latin letter: {@code é} decomposed is {@code e} and one of these. */
    private static final Pattern LATIN_MARKS = Pattern.compile("(?<=\\p{IsLatin})\\p{M}+");
    /** Latin letters that do not decompose into a base letter and a mark. */
    private static final Map<Character, String> LATIN_LETTERS = Map.of('ß', "ss", 'æ', "ae", 'œ', "oe", 'ø', "o",
            'ł', "l", 'đ', "d", 'ð', "d", 'þ', "th", 'ı', "i");
    private static final Pattern NOT_A_LETTER = Pattern.compile("[^\\p{L}\\p{M}\\p{N}]+");
    private static final Pattern NOT_ASCII = Pattern.compile("[^\\x20-\\x7E]+");

    private AttachmentName() {}

    /**
     * A name as the base of a file name: lower case, accents off Latin letters ({@code Données} → {@code donnees},
     * {@code Straße} → {@code strasse}), letters of other scripts kept, runs of other characters as one hyphen;
     * {@code report} when nothing is left.
     */
    static String slug(String name) {
        String base = LATIN_MARKS.matcher(Normalizer.normalize(name.toLowerCase(Locale.ROOT), Normalizer.Form.NFD))
                .replaceAll("");
        StringBuilder latin = new StringBuilder(base.length());
        base.codePoints().forEach(c -> {
            String replacement = Character.isBmpCodePoint(c) ? LATIN_LETTERS.get((char) c) : null;
            if (replacement == null) {
                latin.appendCodePoint(c);
            } else {
                latin.append(replacement);
            }
        });
        String s = NOT_A_LETTER.matcher(Normalizer.normalize(latin, Normalizer.Form.NFC)).replaceAll("-")
                .replaceAll("^-+|-+$", "");
        return s.isEmpty() ? "report" : s;
    }

    /**
     * {@code base} followed by {@code suffix} (the rest of the name, extension included: {@code -export-<date>.csv}),
     * with {@code base} cut so that the whole is at most {@value #MAX_BYTES} bytes in UTF-8: at the last hyphen that
     * fits, unless that keeps less than half of what fits, else after the last whole character that fits (a letter
     * with its marks, never half of a surrogate pair); hyphens left at the end go too. The ASCII {@code filename} of
     * {@link #contentDisposition} has no more characters than the name has bytes, so it is within the limit too.
     */
    static String fileName(String base, String suffix) {
        int room = MAX_BYTES - utf8Length(suffix);
        if (utf8Length(base) <= room) {
            return base + suffix;
        }
        BreakIterator characters = BreakIterator.getCharacterInstance(Locale.ROOT);
        characters.setText(base);
        int end = 0;
        int bytes = 0;
        for (int next = characters.next(); next != BreakIterator.DONE; next = characters.next()) {
            bytes += utf8Length(base.substring(end, next));
            if (bytes > room) {
                break;
            }
            end = next;
        }
        int hyphen = base.lastIndexOf('-', end);
        if (hyphen >= end / 2) {
            end = hyphen;
        }
        while (end > 0 && base.charAt(end - 1) == '-') {
            end--;
        }
        return base.substring(0, end) + suffix;
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /**
     * {@code attachment; filename="…"}; a name that is not ASCII also as {@code filename*=UTF-8''…} (RFC 5987, RFC
     * 6266), {@code filename} then holding the name without its other letters for clients that do not read it.
     */
    static String contentDisposition(String fileName) {
        if (!NOT_ASCII.matcher(fileName).find()) {
            return "attachment; filename=\"" + quoted(fileName) + "\"";
        }
        String ascii = NOT_ASCII.matcher(fileName).replaceAll("-").replaceAll("-{2,}", "-").replaceAll("^[-.]+", "");
        return "attachment; filename=\"" + quoted(ascii) + "\"; filename*=UTF-8''" + encoded(fileName, true);
    }

    /** The name as one segment of a URL path, percent-encoded as UTF-8. */
    static String pathSegment(String fileName) {
        return encoded(fileName, false);
    }

    private static String quoted(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /** Percent-encodes all but RFC 5987's attr-char (for a header) or RFC 3986's unreserved characters (for a path). */
    private static String encoded(String s, boolean header) {
        StringBuilder b = new StringBuilder(s.length() * 3);
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (x & 0xFF);
            boolean plain = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || (header ? "!#$&+-.^_`|~" : "-._~").indexOf(c) >= 0;
            if (plain) {
                b.append(c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit((x >> 4) & 0xF, 16)))
                        .append(Character.toUpperCase(Character.forDigit(x & 0xF, 16)));
            }
        }
        return b.toString();
    }
}
