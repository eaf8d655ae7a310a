package dev.freight.schema;

/**
 * The URL and email address forms that {@link Coercion} accepts, checked in one pass over the text.
 *
 * <p>Each check accepts exactly the strings its documented regular expression matches in full
 * ({@code SyntaxTest} compares them on generated strings). A hand-written scan is used because a backtracking regex
 * over a host name cost a fifth of an import's reading thread. A space means Java's {@code \s} (space, tab, line
 * feed, vertical tab, form feed and carriage return), a Unicode space separator {@code \p{Z}} (a no-break space
 * U+00A0, U+202F, an ideographic space U+3000…), which a copy from a web page or a spreadsheet leaves in a value, or
 * an invisible character that belongs to no word ({@link #ZERO_WIDTH}): a zero-width space (U+180E, U+200B, U+2060,
 * U+FEFF), a direction mark (U+200E, U+200F) or a bidirectional embedding, override or isolate (U+202A to U+202E,
 * U+2066 to U+2069), which can make an address read otherwise than it is. The zero-width joiners (U+200C, U+200D) are
 * not spaces: Persian and Indic words and emoji sequences hold them.
 */
final class Syntax {

    /** The invisible characters that count as spaces, as a regex character class holds them (no ranges). */
    static final String ZERO_WIDTH = "\u180E\u200B\u200E\u200F\u202A\u202B\u202C\u202D\u202E\u2060\u2066\u2067\u2068"
            + "\u2069\uFEFF";

    private Syntax() {}

    /**
     * Whether {@code s} is a web address: an optional {@code http://} or {@code https://} (any case), a host of two or
     * more dot-separated labels of ASCII letters, digits and inner hyphens, an optional port of 1 to 5 digits, and an
     * optional path, query or fragment that starts with {@code /}, {@code ?} or {@code #} and has no space. As the
     * regex {@code ((?i:https?)://)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+
     * (:[0-9]{1,5})?([/?#][^\s\p{Z}}{@link #ZERO_WIDTH}{@code ]*)?}.
     */
    static boolean isUrl(String s) {
        int i = schemeEnd(s);
        int n = s.length();
        int labels = 0;
        // The host runs to the first character that cannot be part of one: what may follow it cannot either.
        while (true) {
            int start = i;
            while (i < n && (isAsciiAlphanumeric(s.charAt(i)) || s.charAt(i) == '-')) {
                i++;
            }
            if (i == start || s.charAt(start) == '-' || s.charAt(i - 1) == '-') {
                return false;
            }
            labels++;
            if (i < n && s.charAt(i) == '.') {
                i++;
            } else {
                break;
            }
        }
        if (labels < 2) {
            return false;
        }
        if (i < n && s.charAt(i) == ':') {
            int start = ++i;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                i++;
            }
            if (i == start || i - start > 5) {
                return false;
            }
        }
        if (i == n) {
            return true;
        }
        char c = s.charAt(i);
        return (c == '/' || c == '?' || c == '#') && noSpace(s, i + 1, n);
    }

    /**
     * Whether {@code s} is an email address: a local part of one or more characters other than {@code @} and spaces,
     * an {@code @}, and a domain of two or more non-empty dot-separated labels without {@code @} or spaces. As the
     * regex {@code [^@\s\p{Z}Z]+@[^@\s\p{Z}Z.]+(\.[^@\s\p{Z}Z.]+)+}, where {@code Z} stands for
     * {@link #ZERO_WIDTH}.
     */
    static boolean isEmail(String s) {
        int at = s.indexOf('@');
        if (at <= 0 || s.indexOf('@', at + 1) >= 0 || !noSpace(s, 0, s.length())) {
            return false;
        }
        int labels = 0;
        int start = at + 1;
        for (int i = start; i <= s.length(); i++) {
            if (i == s.length() || s.charAt(i) == '.') {
                if (i == start) {
                    return false;
                }
                labels++;
                start = i + 1;
            }
        }
        return labels >= 2;
    }

    /** The index after a leading {@code http://} or {@code https://} in any ASCII case, or 0. */
    private static int schemeEnd(String s) {
        int i = 0;
        for (char expected : "http".toCharArray()) {
            if (i == s.length() || (s.charAt(i) | 0x20) != expected) {
                return 0;
            }
            i++;
        }
        if (i < s.length() && (s.charAt(i) | 0x20) == 's') {
            i++;
        }
        return s.startsWith("://", i) ? i + 3 : 0;
    }

    private static boolean isAsciiAlphanumeric(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
    }

    private static boolean noSpace(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c == ' ' || c >= '\t' && c <= '\r'
                    || c >= '\u0080' && (Character.isSpaceChar(c) || ZERO_WIDTH.indexOf(c) >= 0)) {
                return false;
            }
        }
        return true;
    }
}
