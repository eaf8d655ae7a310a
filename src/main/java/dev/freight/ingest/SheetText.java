package dev.freight.ingest;

/**
 * Bounds the text of a workbook's rows, which the file's size does not bound as it does a CSV's: any number of cells
 * may refer to one shared string, and a merged block fills its value down the rows it spans, so a file of a hundred
 * kilobytes could give 16,384 cells of 32,767 characters on every row, gigabytes of text (of which a parse's preview
 * and every rejected row's original cells are made). A row holds at most {@link #MAX_ROW} characters, and all rows at
 * most {@link #PER_FILE_BYTE} characters per byte of the file, never fewer than {@link #MIN_TOTAL}. A workbook past
 * either is refused as damaged, never cut short.
 *
 * <p>A cell holds at most {@link #MAX_CELL} characters, however the file keeps its text (a shared string, an inline
 * string, a value written out in the cell, a string in an XLS); a longer one makes the workbook damaged at its row.
 *
 * <p>What counts is the text the cells hold in the file (a shared string's, an inline string's, a value's as stored),
 * with what merged blocks fill into the row, whether or not the reader gives it: a read of a few columns stops at the
 * same row as a read of all (an import checks the file with the first and reads it with the second). For one thread.
 */
final class SheetText {

    /**
     * Excel's limit on a cell's text. No longer text is one Excel wrote, and a shared string may be repeated by any
     * number of cells, so a small file could make gigabytes of a long one (POI's poc-shared-strings.xlsx: a million
     * characters in 12,000 cells).
     */
    static final int MAX_CELL = 32_767;

    /**
     * The most characters a row's cells hold in all. Excel allows 16,384 columns of 32,767 characters (512 Mi), a
     * bound no sheet of records comes near: a row of a thousand columns of a thousand characters each still fits.
     */
    static final int MAX_ROW = 1_048_576;

    /**
     * The most characters all rows may hold per byte of the file. Deflate, which packs the parts of an XLSX, expands
     * a byte to at most 1,032, so text written out in the cells themselves stays under this; only strings repeated by
     * reference (or filled down) can pass it. The shared strings of a sheet of records (the bench's million rows of
     * 12 columns, say) give a few characters per byte of the file.
     */
    static final int PER_FILE_BYTE = 1_024;

    /** The most characters any workbook's rows may hold in all: a small file may give 64 rows as long as a row may be. */
    static final long MIN_TOTAL = 64L * MAX_ROW;

    private final long maxTotal;
    private long total;
    private long row;

    /** A bound for a workbook of {@code fileBytes} bytes. */
    SheetText(long fileBytes) {
        this.maxTotal = Math.max(MIN_TOTAL, fileBytes > Long.MAX_VALUE / PER_FILE_BYTE ? Long.MAX_VALUE
                : fileBytes * PER_FILE_BYTE);
    }

    /** The most characters all rows may hold. */
    long maxTotal() {
        return maxTotal;
    }

    /** Starts counting a new row. */
    void startRow() {
        row = 0;
    }

    /** Counts {@code chars} more characters in the current row; false when the row or all rows now hold too many. */
    boolean add(long chars) {
        row += chars;
        total += chars;
        return row <= MAX_ROW && total <= maxTotal;
    }

    /**
     * What is wrong with the cell in 0-based {@code column} of {@code row} whose text has {@code length} characters,
     * more than {@link #MAX_CELL}: "cell B2 has 40,000 characters, where a cell holds at most 32,767". {@code source}
     * names where the file keeps the text when the cell only refers to it ("shared string 3 of xl/sharedStrings.xml"),
     * else is null.
     */
    static String cellTooLong(String source, int column, long row, long length) {
        String cell = "cell " + columnName(column) + row;
        return "%s has %,d characters, where a cell holds at most %,d".formatted(
                source == null ? cell : source + " in " + cell, length, MAX_CELL);
    }

    /** A 0-based column's letters: A, …, Z, AA, …. */
    static String columnName(int column) {
        StringBuilder name = new StringBuilder();
        for (int i = column + 1; i > 0; i = (i - 1) / 26) {
            name.insert(0, (char) ('A' + (i - 1) % 26));
        }
        return name.toString();
    }

    /** What is wrong, once {@link #add} answered false: the current row's size or all rows'. */
    String exceeded() {
        return row > MAX_ROW
                ? "the row's cells hold more than %,d characters, the most a row may hold".formatted(MAX_ROW)
                : ("the rows up to this one hold more than %,d characters, the most this workbook's rows may hold"
                        + " (%,d per byte of the file, at least %,d)").formatted(maxTotal, PER_FILE_BYTE, MIN_TOTAL);
    }
}
