package dev.freight.schema;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Infers the date format of one column from its values: feed every value to {@link #accept}, then ask
 * {@link #result()}. Holds a fixed handful of flags whatever the number of values (a million is fine). Not
 * thread-safe.
 *
 * <p>What is recognised (values are stripped of surrounding white space; blank ones are ignored):
 * <ul>
 *   <li>dates written as three numbers with one separator, {@code -}, {@code /} or {@code .}, the same in every value:
 *       year first ({@link DateOrder#ISO} with hyphens, else {@link DateOrder#YMD}; the year has four digits), or month
 *       first ({@link DateOrder#MDY}) or day first ({@link DateOrder#DMY}) with a year of four or two digits. Month
 *       and day may lack their leading zero. A two-digit year is read as Excel reads it: {@code 00}–{@code 29} are
 *       2000–2029, {@code 30}–{@code 99} are 1930–1999;</li>
 *   <li>an optional time after the date, separated by {@code T} or white space: {@code H:mm}, {@code H:mm:ss} or
 *       {@code H:mm:ss.fff}, in 24-hour form or 12-hour form with {@code AM}/{@code PM} (either case). A column may
 *       mix dates with and without a time; it then has {@code withTime} and a bare date is midnight;</li>
 *   <li>Excel serial numbers ({@link DateOrder#EXCEL_SERIAL}, 1900 date system): a column whose every value is a
 *       plain number from 25,569 to 73,050, that is, a day from 1970-01-01 to 2099-12-31, with an optional fraction
 *       of a day. Narrower than what Excel can hold, so that counts, amounts and years are not taken for dates; a
 *       column of five-digit codes in that range still is, so use this on columns that are meant to hold dates.</li>
 * </ul>
 * Not recognised: month names ({@code 15-Jan-2024}), compact {@code 20240115}, time zones and offsets. The result is
 * empty when there is no non-blank value or when one value fits none of the formats the others fit: there is no
 * majority vote, so one odd value (a {@code n/a}, a date in another format) makes the whole column not a date column,
 * for the caller to report rather than to half-convert. A day its month lacks ({@code 02/30/2024}) counts for the
 * one order in which its month is from 1 to 12 and its day from 1 to 31, and fails when converted. A caller that
 * reads ISO values as they are and lets a value that is no date fail on its own feeds only the values
 * {@link #needsInference} keeps.
 */
public final class DateInference {

    private static final Pattern DATE = Pattern.compile(
            "(\\d{1,4})([-/.])(\\d{1,2})\\2(\\d{1,4})"
                    + "(?:(T|\\s+)(\\d{1,2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d{1,9}))?)?(?:\\s*([AaPp][Mm]))?)?");
    private static final Pattern SERIAL = Pattern.compile("[1-9]\\d{0,6}(?:\\.\\d+)?");
    /** 1970-01-01 and 2099-12-31 as Excel serials: the range inferred as dates. */
    private static final int FIRST_INFERRED_SERIAL = 25_569;
    private static final int LAST_INFERRED_SERIAL = 73_050;
    /** 9999-12-31, Excel's last date. */
    private static final int LAST_SERIAL = 2_958_465;
    private static final LocalDate EXCEL_EPOCH = LocalDate.of(1899, 12, 30);
    private static final int SECONDS_PER_DAY = 86_400;

    private long values;
    private boolean failed;
    private boolean yearFirst = true;
    private boolean monthFirst = true;
    private boolean dayFirst = true;
    private boolean serial = true;
    private char separator;
    private boolean anyTime;
    private boolean anySeconds;
    private boolean anyMeridiem;
    private boolean anyT;
    private boolean anyFourDigitYear;
    private boolean anyTwoDigitYear;
    /** Whether any value was a real date (or a serial): a column of days their months lack has nothing to read. */
    private boolean anyRealDate;
    /** Whether the first, second and third number of a date ever had a single digit. */
    private final boolean[] singleDigit = new boolean[3];

    /**
     * Whether {@code value} is written as one of the dates this recognises: three numbers with a separator and an
     * optional time, or an Excel serial in the inferred range, that is a real date (and time) in at least one of its
     * orders, or whose day and month are in range (a month of 1 to 12, a day of 1 to 31) in exactly one order.
     * Says nothing of which format. A day its month lacks ({@code 02/29/2023}, {@code 31/04/2024}) is no date and
     * fails on its own row, but which of its numbers is the month still tells its column's order; a value in range in
     * no order ({@code 13/45/2024}) or with no real time ({@code 1/15/2024 25:00}) tells nothing.
     */
    public static boolean writtenAsDate(String value) {
        if (value == null) {
            return false;
        }
        String v = value.strip();
        Matcher m = DATE.matcher(v);
        if (m.matches()) {
            return (m.group(6) == null || time(m) != null) && (realInSomeOrder(m) || orderInRange(m) != null);
        }
        if (!SERIAL.matcher(v).matches()) {
            return false;
        }
        return inInferredRange(new BigDecimal(v));
    }

    /**
     * Whether {@code value} is one a column's format is inferred from: written as a date ({@link #writtenAsDate}) but
     * not in the ISO form a date or date-time field reads as it is ({@code 2024-01-15}, {@code 2024-01-15T10:30:00},
     * with or without an offset). Feeding only these to {@link #accept} leaves out the values that need no format and
     * those that are no date at all ({@code n/a}, {@code TBD}, a day no year has such as {@code 02/29/2023}): they
     * pass or fail on their own rows, and the column's other values are still read.
     */
    public static boolean needsInference(String value) {
        if (value == null || value.isBlank()) {
            return false;
        }
        String v = value.strip();
        return Coercion.isoDate(v) == null && !isoDateTime(v) && writtenAsDate(v);
    }

    /** Whether a {@link #DATE} match is a real date in at least one order (its time is not looked at). */
    private static boolean realInSomeOrder(Matcher m) {
        String a = m.group(1);
        String b = m.group(3);
        String c = m.group(4);
        boolean yearLast = c.length() == 4 || c.length() == 2;
        return a.length() == 4 && c.length() <= 2 && date(a, b, c) != null
                || a.length() <= 2 && yearLast && (date(c, a, b) != null || date(c, b, a) != null);
    }

    /**
     * The one of {@link DateOrder#MDY} and {@link DateOrder#DMY} in which a {@link #DATE} match's month is from 1 to
     * 12 and its day from 1 to 31, or null when that is neither or both. Of a value that is a real date in no order,
     * both never are: a day of 12 or less is in every month.
     */
    private static DateOrder orderInRange(Matcher m) {
        String a = m.group(1);
        String c = m.group(4);
        if (a.length() > 2 || c.length() != 4 && c.length() != 2) {
            return null;
        }
        int first = Integer.parseInt(a);
        int second = Integer.parseInt(m.group(3));
        boolean monthFirst = first >= 1 && first <= 12 && second >= 1 && second <= 31;
        boolean dayFirst = second >= 1 && second <= 12 && first >= 1 && first <= 31;
        return monthFirst == dayFirst ? null : monthFirst ? DateOrder.MDY : DateOrder.DMY;
    }

    private static boolean isoDateTime(String v) {
        try {
            OffsetDateTime.parse(v);
            return true;
        } catch (DateTimeException withoutOffset) {
            try {
                LocalDateTime.parse(v);
                return true;
            } catch (DateTimeException notOne) {
                return false;
            }
        }
    }

    private static boolean inInferredRange(BigDecimal serial) {
        return serial.compareTo(BigDecimal.valueOf(FIRST_INFERRED_SERIAL)) >= 0
                && serial.compareTo(BigDecimal.valueOf(LAST_INFERRED_SERIAL + 1)) < 0;
    }

    /** Takes one value of the column into account; null and blank values are ignored. */
    public void accept(String value) {
        if (value == null || value.isBlank() || failed) {
            return;
        }
        values++;
        String v = value.strip();
        Matcher m = DATE.matcher(v);
        if (m.matches()) {
            acceptDate(m);
        } else if (SERIAL.matcher(v).matches()) {
            acceptSerial(new BigDecimal(v));
        } else {
            failed = true;
        }
        if (!yearFirst && !monthFirst && !dayFirst && !serial) {
            failed = true;
        }
    }

    private void acceptDate(Matcher m) {
        serial = false;
        char sep = m.group(2).charAt(0);
        if (separator == 0) {
            separator = sep;
        } else if (separator != sep) {
            failed = true;
            return;
        }
        if (m.group(6) != null) {
            if (time(m) == null) {
                failed = true;
                return;
            }
            anyTime = true;
            anySeconds |= m.group(8) != null;
            anyMeridiem |= m.group(10) != null;
            anyT |= m.group(5).equals("T");
        }
        String a = m.group(1);
        String b = m.group(3);
        String c = m.group(4);
        boolean ymd = a.length() == 4 && c.length() <= 2 && date(a, b, c) != null;
        boolean yearLast = c.length() == 4 || c.length() == 2;
        boolean mdy = a.length() <= 2 && yearLast && date(c, a, b) != null;
        boolean dmy = a.length() <= 2 && yearLast && date(c, b, a) != null;
        if (ymd || mdy || dmy) {
            anyRealDate = true;
        } else {
            // A day its month lacks (02/30/2024, 31/04/2024) fails on its own row, but its month still tells the
            // order: left out, it would let an otherwise ambiguous day-first column be read month first.
            DateOrder order = orderInRange(m);
            mdy = order == DateOrder.MDY;
            dmy = order == DateOrder.DMY;
        }
        yearFirst &= ymd;
        monthFirst &= mdy;
        dayFirst &= dmy;
        anyFourDigitYear |= c.length() == 4;
        anyTwoDigitYear |= c.length() == 2;
        singleDigit[0] |= a.length() == 1;
        singleDigit[1] |= b.length() == 1;
        singleDigit[2] |= c.length() == 1;
    }

    private void acceptSerial(BigDecimal number) {
        anyRealDate = true;
        yearFirst = false;
        monthFirst = false;
        dayFirst = false;
        serial &= inInferredRange(number);
        anyTime |= number.stripTrailingZeros().scale() > 0;
    }

    /**
     * Whether the column's values are dates written in more than one format that no one format fits (separators mixed,
     * a US date beside a European one, dates beside serials): {@link #result()} is then empty, and the caller says why.
     * Meaningful when only values {@link #writtenAsDate} keeps were fed; false when no value was.
     */
    public boolean mixed() {
        return failed && values > 0;
    }

    /** The column's format; empty when it has no non-blank value or its values are not all dates of one format. */
    public Optional<DateColumnFormat> result() {
        if (failed || values == 0 || !anyRealDate) {
            return Optional.empty();
        }
        if (serial) {
            return Optional.of(new DateColumnFormat(DateOrder.EXCEL_SERIAL, anyTime, false, "Excel serial number"));
        }
        if (yearFirst) {
            DateOrder order = separator == '-' ? DateOrder.ISO : DateOrder.YMD;
            return Optional.of(format(order, false, "YYYY", month(1), day(2)));
        }
        String year = anyFourDigitYear ? "YYYY" : "YY";
        if (monthFirst) {
            return Optional.of(format(DateOrder.MDY, dayFirst, month(0), day(1), year));
        }
        return Optional.of(format(DateOrder.DMY, false, day(0), month(1), year));
    }

    private DateColumnFormat format(DateOrder order, boolean ambiguous, String first, String second, String third) {
        String pattern = String.join(String.valueOf(separator), first, second, third);
        if (anyTime) {
            pattern += (anyT ? "T" : " ") + (anyMeridiem ? "h" : "HH") + ":mm" + (anySeconds ? ":ss" : "")
                    + (anyMeridiem ? " AM/PM" : "");
        }
        return new DateColumnFormat(order, anyTime, ambiguous, pattern);
    }

    private String month(int position) {
        return singleDigit[position] ? "M" : "MM";
    }

    private String day(int position) {
        return singleDigit[position] ? "D" : "DD";
    }

    /**
     * {@code value} as an ISO date ({@code 2024-01-15}) or, when it has a time or the format is {@code withTime}, an
     * ISO date-time to the second ({@code 2024-01-15T10:30:00}, with a fraction when there is one); empty when the
     * value does not fit {@code format}'s order or is no real date or time. Any of the three separators is accepted
     * whatever the pattern says. Excel serials follow Excel's 1900 date system, including its leap-year bug: 59 is
     * 1900-02-28, 60 is the day Excel calls 1900-02-29 (empty here: it never was), and 61 is 1900-03-01.
     */
    public static Optional<String> toIso(String value, DateColumnFormat format) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        String v = value.strip();
        if (format.order() == DateOrder.EXCEL_SERIAL) {
            return SERIAL.matcher(v).matches() ? fromSerial(new BigDecimal(v), format.withTime()) : Optional.empty();
        }
        Matcher m = DATE.matcher(v);
        if (!m.matches()) {
            return Optional.empty();
        }
        String a = m.group(1);
        String b = m.group(3);
        String c = m.group(4);
        LocalDate date = switch (format.order()) {
            case ISO, YMD -> a.length() == 4 && c.length() <= 2 ? date(a, b, c) : null;
            case MDY -> a.length() <= 2 && c.length() != 3 && c.length() != 1 ? date(c, a, b) : null;
            case DMY -> a.length() <= 2 && c.length() != 3 && c.length() != 1 ? date(c, b, a) : null;
            case EXCEL_SERIAL -> null;
        };
        if (date == null) {
            return Optional.empty();
        }
        if (m.group(6) == null) {
            return Optional.of(format.withTime() ? date.atStartOfDay().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME)
                    : date.toString());
        }
        LocalTime time = time(m);
        return time == null ? Optional.empty()
                : Optional.of(LocalDateTime.of(date, time).format(DateTimeFormatter.ISO_LOCAL_DATE_TIME));
    }

    private static Optional<String> fromSerial(BigDecimal number, boolean withTime) {
        long day = number.longValue();
        if (day < 1 || day == 60 || day > LAST_SERIAL) {
            return Optional.empty();
        }
        LocalDate date = EXCEL_EPOCH.plusDays(day < 60 ? day + 1 : day);
        long seconds = number.subtract(BigDecimal.valueOf(day)).multiply(BigDecimal.valueOf(SECONDS_PER_DAY))
                .setScale(0, RoundingMode.HALF_UP).longValueExact();
        if (!withTime && seconds == 0) {
            return Optional.of(date.toString());
        }
        LocalDateTime t = date.atStartOfDay().plusSeconds(seconds);
        return Optional.of(t.format(DateTimeFormatter.ISO_LOCAL_DATE_TIME));
    }

    /** The date, or null when there is none such; a two-digit year is read as Excel does. */
    private static LocalDate date(String year, String month, String day) {
        int y = Integer.parseInt(year);
        if (year.length() == 2) {
            y += y < 30 ? 2000 : 1900;
        } else if (year.length() != 4) {
            return null;
        }
        try {
            return LocalDate.of(y, Integer.parseInt(month), Integer.parseInt(day));
        } catch (DateTimeException noSuchDate) {
            return null;
        }
    }

    /** The time of a {@link #DATE} match that has one, or null when it is no real time. */
    private static LocalTime time(Matcher m) {
        int hour = Integer.parseInt(m.group(6));
        int minute = Integer.parseInt(m.group(7));
        int second = m.group(8) == null ? 0 : Integer.parseInt(m.group(8));
        int nanos = m.group(9) == null ? 0 : Integer.parseInt((m.group(9) + "00000000").substring(0, 9));
        String meridiem = m.group(10);
        if (meridiem != null) {
            if (hour < 1 || hour > 12) {
                return null;
            }
            boolean pm = Character.toUpperCase(meridiem.charAt(0)) == 'P';
            hour = hour % 12 + (pm ? 12 : 0);
        }
        try {
            return LocalTime.of(hour, minute, second, nanos);
        } catch (DateTimeException noSuchTime) {
            return null;
        }
    }
}
