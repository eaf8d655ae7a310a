package dev.freight.mapping;

import java.text.Normalizer;
import java.util.Locale;

/** Normalized column headers: the key under which confirmed mappings are remembered. */
public final class HeaderNames {

    private HeaderNames() {}

    /**
     * Lowercase, accents folded, camelCase and letter/digit boundaries split, punctuation and underscores turned into
     * single spaces, trimmed: {@code "MailingStreet"}, {@code "mailing_street"} and {@code "Mailing Street"} all give
     * {@code "mailing street"}. Null gives the empty string.
     */
    public static String normalize(String header) {
        if (header == null) {
            return "";
        }
        String folded = Normalizer.normalize(header, Normalizer.Form.NFKD).replaceAll("\\p{M}+", "").replace("ß", "ss");
        StringBuilder out = new StringBuilder(folded.length() + 8);
        char prev = ' ';
        for (int i = 0; i < folded.length(); i++) {
            char c = folded.charAt(i);
            if (!Character.isLetterOrDigit(c)) {
                appendSpace(out);
                prev = ' ';
                continue;
            }
            char next = i + 1 < folded.length() ? folded.charAt(i + 1) : ' ';
            boolean lowerToUpper = Character.isLowerCase(prev) && Character.isUpperCase(c);
            boolean acronymEnd = Character.isUpperCase(prev) && Character.isUpperCase(c) && Character.isLowerCase(next);
            boolean letterDigit = Character.isLetter(prev) && Character.isDigit(c)
                    || Character.isDigit(prev) && Character.isLetter(c);
            if (lowerToUpper || acronymEnd || letterDigit) {
                appendSpace(out);
            }
            out.append(Character.toLowerCase(c));
            prev = c;
        }
        return out.toString().strip().toLowerCase(Locale.ROOT);
    }

    private static void appendSpace(StringBuilder out) {
        if (!out.isEmpty() && out.charAt(out.length() - 1) != ' ') {
            out.append(' ');
        }
    }
}
