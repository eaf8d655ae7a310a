package dev.freight.export;

import java.time.format.DateTimeFormatter;

/**
 * How a file is written, beyond its columns.
 *
 * @param dates the date format for text cells, null for ISO 8601
 * @param excelDates the number format of XLSX date cells when a date format was asked for, else null
 * @param title PDF title, never null
 * @param description PDF description under the title, null for none
 */
public record ExportOptions(
        boolean includeHeaders,
        DateTimeFormatter dates,
        String excelDates,
        String title,
        String description,
        Bom bom,
        FormulaCells formulaCells) {

    /** Whether a CSV starts with a UTF-8 byte order mark (Excel needs one to read UTF-8). */
    public enum Bom {
        NONE,
        UTF8
    }

    /**
     * What happens to CSV text cells that start with {@code = + - @}, tab or carriage return, which spreadsheets run
     * as formulas: {@code NEUTRALISE} prefixes them with an apostrophe (OWASP's advice), {@code KEEP} leaves them.
     */
    public enum FormulaCells {
        NEUTRALISE,
        KEEP
    }
}
