package dev.freight.export;

import dev.freight.schema.Echo;
import java.util.Map;

/**
 * Reads an export's {@code dateFormat} as the people who write one mean it, into a {@code DateTimeFormatter} pattern.
 * Three dialects are accepted:
 * <ul>
 *   <li>Java patterns ({@code dd/MM/yyyy HH:mm}, literals in {@code '...'}) are kept as they are;</li>
 *   <li>the day.js / moment.js tokens a JSON client writes ({@code DD/MM/YYYY}, {@code MMM D, YYYY h:mm A},
 *       literals in {@code [...]}). In Java, {@code D} is the day of the year and {@code Y} the week-based year, which
 *       print plausible but wrong dates ({@code 166/06/2027}); nobody asks an export for those, so {@code D} and
 *       {@code Y} mean day of month and year here, {@code ddd}/{@code dddd} the weekday and {@code A} AM/PM;</li>
 *   <li>strftime ({@code %d.%m.%Y %H:%M}), recognised by a {@code %} before a letter.</li>
 * </ul>
 * A lone {@code T} (as in {@code YYYY-MM-DDTHH:mm}) is literal text. Any other letter must be one of the tokens
 * listed in {@link #token}, a strftime directive one of {@link #STRFTIME}, and a literal must be closed; else
 * {@link #toJava} throws {@code invalid_date_format} naming it ({@code yyyy-bb} is a mistake, not a request for "bb";
 * day.js's {@code X} or {@code W} mean something else in Java, so neither is guessed at).
 */
final class DatePattern {

    private static final String TOKENS = " (use YYYY YY MMMM MMM MM M DDD DD D dddd ddd HH H hh h mm m ss s SSS A a"
            + " Z ww w, Java's yyyy uuuu dd d EEEE EEE, literals in [...] or '...')";
    private static final String DIRECTIVES = " (use %Y %y %m %d %e %H %I %M %S %p %b %h %B %a %A %j %z %Z %F %T %R %D)";
    private static final Map<Character, String> STRFTIME = Map.ofEntries(
            Map.entry('Y', "yyyy"), Map.entry('y', "yy"), Map.entry('m', "MM"), Map.entry('d', "dd"),
            Map.entry('e', "d"), Map.entry('H', "HH"), Map.entry('I', "hh"), Map.entry('M', "mm"),
            Map.entry('S', "ss"), Map.entry('p', "a"), Map.entry('b', "MMM"), Map.entry('h', "MMM"),
            Map.entry('B', "MMMM"), Map.entry('a', "EEE"), Map.entry('A', "EEEE"), Map.entry('j', "DDD"),
            Map.entry('z', "xx"), Map.entry('Z', "zzz"), Map.entry('F', "yyyy-MM-dd"), Map.entry('T', "HH:mm:ss"),
            Map.entry('R', "HH:mm"), Map.entry('D', "MM/dd/yy"));

    private DatePattern() {}

    /**
     * The {@code DateTimeFormatter} pattern for {@code format}.
     *
     * @throws ExportException {@code invalid_date_format} for a literal not closed, or a token or directive not read
     */
    static String toJava(String format) {
        return isStrftime(format) ? fromStrftime(format) : fromTokens(format);
    }

    private static boolean isStrftime(String format) {
        for (int i = 0; i + 1 < format.length(); i++) {
            if (format.charAt(i) == '%' && Character.isLetter(format.charAt(i + 1))) {
                return true;
            }
        }
        return false;
    }

    private static String fromStrftime(String format) {
        StringBuilder out = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            String directive = c == '%' && i + 1 < format.length() ? STRFTIME.get(format.charAt(i + 1)) : null;
            if (directive != null) {
                flush(literal, out);
                out.append(directive);
                i++;
            } else if (c == '%' && i + 1 < format.length() && format.charAt(i + 1) == '%') {
                literal.append('%');
                i++;
            } else if (c == '%' && i + 1 < format.length() && Character.isLetter(format.charAt(i + 1))) {
                throw invalid(format, "%" + format.charAt(i + 1) + " is not a strftime directive Freight reads"
                        + DIRECTIVES);
            } else {
                literal.append(c);
            }
        }
        flush(literal, out);
        return out.toString();
    }

    private static String fromTokens(String format) {
        StringBuilder out = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < format.length()) {
            char c = format.charAt(i);
            if (c == '[') {
                int end = format.indexOf(']', i + 1);
                if (end < 0) {
                    throw unclosed(format, i, ']');
                }
                literal.append(format, i + 1, end);
                i = end + 1;
                continue;
            }
            if (c == '\'') {
                i = quoted(format, i, literal);
                continue;
            }
            int run = 1;
            while (i + run < format.length() && format.charAt(i + run) == c) {
                run++;
            }
            if (c == 'T' && run == 1 || !Character.isLetter(c)) {
                literal.append(format, i, i + run);
            } else {
                String java = token(c, run);
                if (java == null) {
                    throw invalid(format, format.substring(i, i + run) + " is not a token Freight reads" + TOKENS);
                }
                flush(literal, out);
                out.append(java);
            }
            i += run;
        }
        flush(literal, out);
        return out.toString();
    }

    /**
     * The Java pattern of a run of one letter, or null when it is no token this class reads: one that means something
     * else in day.js than in Java ({@code X}, {@code x}, {@code W}, {@code w}, {@code E}, {@code e}…) or that nobody
     * asks an export for.
     */
    private static String token(char c, int run) {
        String same = String.valueOf(c).repeat(run);
        return switch (c) {
            case 'Y' -> "y".repeat(run);
            case 'y', 'u' -> same;
            case 'M' -> run <= 4 ? same : null;
            case 'D' -> run <= 2 ? "d".repeat(run) : run == 3 ? "DDD" : null;
            case 'd' -> run <= 2 ? same : run <= 4 ? "E".repeat(run) : null;
            case 'E' -> run == 3 || run == 4 ? same : null;
            case 'H', 'h', 'm', 's', 'w' -> run <= 2 ? same : null;
            case 'S' -> run <= 9 ? same : null;
            case 'A', 'a' -> run == 1 ? "a" : null;
            case 'Z' -> run <= 2 ? "Z" : null;
            default -> null;
        };
    }

    private static ExportException invalid(String format, String problem) {
        return new ExportException("invalid_date_format", "dateFormat " + Echo.quoted(format) + ": " + problem);
    }

    private static ExportException unclosed(String format, int start, char close) {
        return invalid(format, "the literal at character " + (start + 1) + " is not closed with " + close);
    }

    /**
     * Reads a Java literal that starts at the quote at {@code start} ({@code ''} is a quote, inside or outside a
     * literal) into {@code literal}; returns the index after it.
     */
    private static int quoted(String format, int start, StringBuilder literal) {
        if (start + 1 < format.length() && format.charAt(start + 1) == '\'') {
            literal.append('\'');
            return start + 2;
        }
        int i = start + 1;
        while (i < format.length()) {
            char c = format.charAt(i);
            if (c != '\'') {
                literal.append(c);
                i++;
            } else if (i + 1 < format.length() && format.charAt(i + 1) == '\'') {
                literal.append('\'');
                i += 2;
            } else {
                return i + 1;
            }
        }
        throw unclosed(format, start, '\'');
    }

    /** Appends pending literal text, each run of letters and quotes in a Java literal ({@code 'o''clock'}). */
    private static void flush(StringBuilder literal, StringBuilder out) {
        int i = 0;
        while (i < literal.length()) {
            char c = literal.charAt(i);
            if (!quotable(c)) {
                out.append(c);
                i++;
                continue;
            }
            int end = i;
            while (end < literal.length() && quotable(literal.charAt(end))) {
                end++;
            }
            String run = literal.substring(i, end);
            if (run.chars().allMatch(ch -> ch == '\'')) {
                out.append("''".repeat(run.length()));
            } else {
                out.append('\'').append(run.replace("'", "''")).append('\'');
            }
            i = end;
        }
        literal.setLength(0);
    }

    /** Characters a Java pattern reads as more than themselves. */
    private static boolean quotable(char c) {
        return Character.isLetter(c) || c == '\'' || c == '[' || c == ']' || c == '{' || c == '}' || c == '#';
    }
}
