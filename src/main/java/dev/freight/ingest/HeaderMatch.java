package dev.freight.ingest;

import java.util.List;

/**
 * How a column that a mapping names is found among the headers of a CSV, XLSX or XLS file: the one rule of both import
 * faces (the Imports resource's {@code column_mapping}, the file workflow's {@code sourceColumn}). Stateless.
 */
public final class HeaderMatch {

    private HeaderMatch() {}

    /**
     * The headers {@code column} may read: {@code column} alone when it names cells of the file as written (one of
     * {@code headers}, or the {@code column_N} of cells past the last header), so an exact header wins over those
     * that differ from it only in case or spaces; else every header equal to it ignoring case and surrounding white
     * space ({@code "vendor name"} and {@code " Vendor Name "}), in header order. One header: the column reads it.
     * None: the file lacks the column. Several: the mapping must name one of them exactly.
     *
     * @param headers the file's {@link RowReader#headers()}
     */
    public static List<String> of(List<String> headers, String column) {
        if (headers.contains(column) || Columns.isExtraName(headers, column)) {
            return List.of(column);
        }
        String wanted = column.strip();
        return headers.stream().filter(h -> h.strip().equalsIgnoreCase(wanted)).toList();
    }
}
