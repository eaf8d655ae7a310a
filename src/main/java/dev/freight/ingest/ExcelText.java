package dev.freight.ingest;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.poi.ss.usermodel.DataFormatter;
import org.apache.poi.ss.usermodel.DateUtil;

/**
 * How a workbook cell becomes text, the same for XLSX and XLS.
 * <ul>
 *   <li>Numbers: the stored value in plain notation, to Excel's 15 significant digits, as the formula bar shows it
 *       ({@code 12}, {@code 1234.5}, {@code 0.3}; never {@code 12.0} or {@code 1.2E3}). Display formats such as
 *       thousands separators, currency and percent are not applied ({@code 12%} reads {@code 0.12}), except formats
 *       made only of zero-padded digits and separators ({@code 00000}, {@code 000-00-0000}), which keep their padding
 *       so a ZIP code {@code 01234} stays {@code 01234}, and formats of fixed places ({@code 0.00}, {@code #,##0.00}),
 *       which pad the number with zeros to them ({@code 85.5} reads {@code 85.50}; never rounded to them; a whole number
 *       is not padded to three, {@code 1.000} being one or a thousand).</li>
 *   <li>Numbers in a date or time format: {@code yyyy-MM-dd} when the format shows no time,
 *       {@code yyyy-MM-dd'T'HH:mm:ss} when it does, {@code HH:mm:ss} for a time of day alone, and {@code H:mm:ss}
 *       (hours may exceed 24) for elapsed-time formats such as {@code [h]:mm}. Seconds are rounded.</li>
 *   <li>Booleans: {@code true} or {@code false}. Errors: their code, such as {@code #DIV/0!}.</li>
 * </ul>
 * Not thread-safe (POI's formatter is not).
 */
final class ExcelText {

    private static final MathContext EXCEL_PRECISION = new MathContext(15, RoundingMode.HALF_EVEN);
    private static final DateTimeFormatter DATE_TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");
    /** Quoted literals, backslash escapes and bracketed colours, conditions and locales: no date or digit tokens. */
    private static final Pattern LITERALS = Pattern.compile("\"[^\"]*\"|\\\\.|_.|\\*.|\\[[^]]*]");
    private static final Pattern ELAPSED = Pattern.compile("\\[(h+|m+|s+)]", Pattern.CASE_INSENSITIVE);
    private static final Pattern PADDED = Pattern.compile("[0 ()\\-]*0[0 ()\\-]*0[0 ()\\-]*");
    /** The places after a point that also read as a group of thousands ({@code 1.000}). */
    private static final int AMBIGUOUS_PLACES = 3;
    /** A fixed number of places after the point ({@code 0.00}, {@code #,##0.00}, currency as a literal): group 1. */
    private static final Pattern FIXED = Pattern.compile("[\\s$]*(?:#,##)?0\\.(0+)\\s*");

    private final boolean date1904;
    private final DataFormatter formatter = new DataFormatter(Locale.ROOT);

    ExcelText(boolean date1904) {
        this.date1904 = date1904;
    }

    static String bool(boolean value) {
        return value ? "true" : "false";
    }

    /** A numeric cell's text; {@code formatString} may be null (General). */
    String number(BigDecimal value, int formatId, String formatString) {
        if (formatString != null) {
            String section = firstSection(formatString);
            double d = value.doubleValue();
            if (DateUtil.isADateFormat(formatId, formatString) && DateUtil.isValidExcelDate(d)) {
                return dateTime(d, section);
            }
            String tokens = LITERALS.matcher(section).replaceAll("");
            if (PADDED.matcher(tokens).matches() && value.signum() >= 0 && value.stripTrailingZeros().scale() <= 0) {
                return formatter.formatRawCellContents(d, formatId, formatString);
            }
            Matcher fixed = FIXED.matcher(tokens);
            if (fixed.matches()) {
                return places(value, fixed.group(1).length());
            }
        }
        return plain(value);
    }

    /**
     * A number in a format of fixed places: at least that many places, as the cell shows it ({@code 85.5} in
     * {@code 0.00} reads {@code 85.50}), so an export's {@code 85.50} comes back with its scale. Never rounded to them:
     * {@code 85.555} in {@code 0.00} stays {@code 85.555}. A whole number in a format of three places keeps none
     * ({@code 1} in {@code 0.000} reads {@code 1}): {@code 1.000} in an integer column reads as one or a thousand.
     */
    private static String places(BigDecimal value, int places) {
        BigDecimal n = value.round(EXCEL_PRECISION).stripTrailingZeros();
        if (n.scale() >= places || places == AMBIGUOUS_PLACES && n.scale() <= 0) {
            return n.toPlainString();
        }
        return n.setScale(places).toPlainString();
    }

    static String plain(BigDecimal value) {
        return value.round(EXCEL_PRECISION).stripTrailingZeros().toPlainString();
    }

    private String dateTime(double value, String section) {
        if (ELAPSED.matcher(section).find()) {
            return elapsed(value);
        }
        String tokens = LITERALS.matcher(section).replaceAll("").toLowerCase(Locale.ROOT);
        boolean hasTime = tokens.indexOf('h') >= 0 || tokens.indexOf('s') >= 0;
        boolean hasDate = tokens.indexOf('y') >= 0 || tokens.indexOf('d') >= 0 || tokens.indexOf('e') >= 0;
        LocalDateTime t = DateUtil.getLocalDateTime(value, date1904, true);
        if (!hasTime) {
            return t.toLocalDate().toString();
        }
        if (!hasDate && value < 1) {
            return t.toLocalTime().format(TIME);
        }
        return t.format(DATE_TIME);
    }

    private static String elapsed(double value) {
        long seconds = Math.round(Math.abs(value) * 86_400);
        return "%s%d:%02d:%02d".formatted(value < 0 ? "-" : "", seconds / 3600, seconds / 60 % 60, seconds % 60);
    }

    /** The format for positive numbers: the part before the first unquoted semicolon. */
    private static String firstSection(String format) {
        boolean quoted = false;
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == '\\') {
                i++;
            } else if (c == ';' && !quoted) {
                return format.substring(0, i);
            }
        }
        return format;
    }
}
