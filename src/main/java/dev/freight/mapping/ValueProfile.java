package dev.freight.mapping;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/** What the sample values of one column look like. */
record ValueProfile(List<String> values, Kind kind) {

    /** The kind most sample values share; NONE when there are no values or they disagree. */
    enum Kind { EMAIL, LINKEDIN_URL, URL, PHONE, DATE, NUMBER, BOOLEAN, NONE }

    /** Share of non-blank values that must fit a kind. */
    static final double AGREEMENT = 0.8;

    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[A-Za-z]{2,}");
    private static final Pattern URL = Pattern.compile(
            "(?i)(https?://\\S+|www\\.\\S+|[a-z0-9-]+(\\.[a-z0-9-]+)*\\.[a-z]{2,}(/\\S*)?)");
    private static final Pattern LINKEDIN = Pattern.compile("(?i)(https?://)?([a-z]+\\.)?linkedin\\.com/\\S*");
    private static final Pattern PHONE = Pattern.compile("\\+?[0-9 ()./-]{7,22}(\\s*(x|ext\\.?)\\s*\\d{1,5})?");
    private static final Pattern DATE = Pattern.compile("(?i)\\d{4}-\\d{2}-\\d{2}([T ][0-9:.]+Z?)?|\\d{1,2}[/.]\\d{1,2}[/.]\\d{2,4}"
            + "|\\d{1,2} [a-z]{3,9},? \\d{4}|[a-z]{3,9} \\d{1,2},? \\d{4}");
    private static final Pattern NUMBER = Pattern.compile("[-+]?[$€£]?\\d{1,3}([,. ]?\\d{3})*([.,]\\d+)?%?");
    private static final Set<String> BOOLEANS = Set.of("true", "false", "yes", "no", "y", "n", "0", "1", "t", "f");

    static ValueProfile of(String column, List<Map<String, String>> sampleRows) {
        List<String> values = new ArrayList<>();
        if (sampleRows != null) {
            for (Map<String, String> row : sampleRows) {
                String v = row == null ? null : row.get(column);
                if (v != null && !v.isBlank()) {
                    values.add(v.strip());
                }
            }
        }
        return new ValueProfile(List.copyOf(values), kindOf(values));
    }

    private static Kind kindOf(List<String> values) {
        if (values.isEmpty()) {
            return Kind.NONE;
        }
        if (share(values, v -> EMAIL.matcher(v).matches()) >= AGREEMENT) {
            return Kind.EMAIL;
        }
        if (share(values, v -> LINKEDIN.matcher(v).matches()) >= AGREEMENT) {
            return Kind.LINKEDIN_URL;
        }
        if (share(values, v -> DATE.matcher(v).matches()) >= AGREEMENT) {
            return Kind.DATE;
        }
        if (share(values, v -> BOOLEANS.contains(v.toLowerCase(Locale.ROOT))) >= AGREEMENT) {
            return Kind.BOOLEAN;
        }
        if (share(values, v -> NUMBER.matcher(v).matches() && v.replaceAll("\\D", "").length() < 7) >= AGREEMENT) {
            return Kind.NUMBER;
        }
        if (share(values, v -> PHONE.matcher(v).matches() && v.replaceAll("\\D", "").length() >= 7) >= AGREEMENT) {
            return Kind.PHONE;
        }
        if (share(values, v -> URL.matcher(v).matches() && !v.contains("@")) >= AGREEMENT) {
            return Kind.URL;
        }
        return Kind.NONE;
    }

    /** Share of values equal (ignoring case) to one of the options; 0 without values or options. */
    double shareOfOptions(List<String> options) {
        if (values.isEmpty() || options.isEmpty()) {
            return 0;
        }
        return share(values, v -> options.stream().anyMatch(o -> o.equalsIgnoreCase(v)));
    }

    private static double share(List<String> values, Predicate<String> test) {
        return (double) values.stream().filter(test).count() / values.size();
    }
}
