package dev.freight.ingest;

/**
 * The apostrophe a CSV export puts in front of a text cell a spreadsheet would run as a formula (OWASP's advice), and
 * which the CSV reader takes off again, so that an export imports back unchanged. A formula starts with {@code =},
 * {@code +}, {@code -}, {@code @}, a tab or a carriage return. The writer prefixes a cell that starts with one of
 * them, or with apostrophes and then one of them ({@code '=x} becomes {@code ''=x}); the reader takes one apostrophe
 * off a cell that starts with an apostrophe and then such a cell. So reading what was written always gives the text
 * back. Stateless.
 */
public final class FormulaPrefix {

    private FormulaPrefix() {}

    /** Whether a CSV export puts an apostrophe in front of {@code s}. */
    public static boolean needed(CharSequence s) {
        int i = 0;
        while (i < s.length() && s.charAt(i) == '\'') {
            i++;
        }
        return i < s.length() && starts(s.charAt(i));
    }

    /** As {@link #needed(CharSequence)}, for the UTF-8 bytes {@code b[start..end)}. */
    public static boolean needed(byte[] b, int start, int end) {
        int i = start;
        while (i < end && b[i] == '\'') {
            i++;
        }
        return i < end && starts((char) b[i]);
    }

    /** Whether the read cell {@code chars[offset..offset+length)} starts with the apostrophe an export put there. */
    static boolean present(char[] chars, int offset, int length) {
        if (length < 2 || chars[offset] != '\'') {
            return false;
        }
        int i = offset + 1;
        int end = offset + length;
        while (i < end && chars[i] == '\'') {
            i++;
        }
        return i < end && starts(chars[i]);
    }

    private static boolean starts(char c) {
        return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
    }
}
