package dev.freight.schema;

/** How the parts of a date are written in a column, as {@link DateInference} finds it. */
public enum DateOrder {
    /** Year, month, day with hyphens, as ISO 8601: {@code 2024-01-15}, {@code 2024-01-15T10:30:00}. */
    ISO,
    /** Year, month, day with slashes or dots: {@code 2024/01/15}, {@code 2024.01.15}. */
    YMD,
    /** Month, day, year, as in the US: {@code 01/15/2024}, {@code 1/15/24}. */
    MDY,
    /** Day, month, year, as in most of Europe: {@code 15/01/2024}, {@code 15.01.2024}, {@code 15-01-2024}. */
    DMY,
    /** Excel's serial day numbers in its 1900 date system: {@code 45306} is 2024-01-15, {@code 45306.5} noon. */
    EXCEL_SERIAL
}
