package dev.freight.ingest;

import java.io.IOException;
import org.apache.poi.poifs.filesystem.DirectoryNode;
import org.apache.poi.poifs.filesystem.DocumentInputStream;

/**
 * A check of an XLS's Workbook stream by its records' headers, before HSSF loads it whole: HSSF keeps every cell and
 * shared string in the heap (about a hundred bytes each), so a file of a few megabytes of cells written as runs
 * ({@code MULBLANK}: two bytes a cell) or of short strings could fill it; and it keeps every record's content too (a
 * formula's token array as its bytes, up to 8,202 of them in one cell), so each {@link
 * WorkbookLimits#HEAP_BYTES_PER_XLS_CELL} bytes of records, {@link #BYTES_PER_RECORD} more a record, count as one cell
 * more. The records are read four bytes at a time, their content skipped (but for the shared-strings table's count),
 * so the check takes no memory. It refuses what HSSF itself refuses less clearly: a record longer than BIFF8's 8,224
 * bytes, more records than HSSF takes.
 */
final class XlsRecords {

    /** The most bytes a BIFF8 record's content holds; HSSF refuses a longer one. */
    static final int MAX_RECORD_BYTES = 8_224;

    /** The most records HSSF takes in a Workbook stream (its {@code RecordFactory}'s limit). */
    static final int MAX_RECORDS = 5_000_000;

    /** What HSSF's object of a record takes beside the record's content: its header, object and place in a list. */
    static final int BYTES_PER_RECORD = 32;

    private static final int SST = 0x00FC;
    private static final int CONTINUE = 0x003C;
    private static final int MULRK = 0x00BD;
    private static final int MULBLANK = 0x00BE;
    /** FORMULA, LABEL, LABELSST, NUMBER, RK, BLANK, BOOLERR, RSTRING: one cell each. */
    private static final int[] CELLS = {0x0006, 0x0204, 0x00FD, 0x0203, 0x027E, 0x0201, 0x0205, 0x00D6};

    private XlsRecords() {}

    /**
     * What is wrong with stream {@code name} of {@code root} for a reader that takes at most {@code maxCells} cells
     * and shared strings, each {@link WorkbookLimits#HEAP_BYTES_PER_XLS_CELL} bytes of records counting as one more,
     * or null when nothing is. A stream that ends inside a record is left to HSSF.
     */
    static String check(DirectoryNode root, String name, long maxCells) throws IOException {
        try (DocumentInputStream in = root.createDocumentInputStream(name)) {
            byte[] header = new byte[4];
            long offset = 0;
            long records = 0;
            long cells = 0;
            long recordBytes = 0;
            long sstDeclared = 0;
            long sstBytes = 0;
            boolean inSst = false;
            while (in.available() >= header.length) {
                in.readFully(header);
                int sid = (header[0] & 0xFF) | (header[1] & 0xFF) << 8;
                int length = (header[2] & 0xFF) | (header[3] & 0xFF) << 8;
                records++;
                if (length > MAX_RECORD_BYTES) {
                    return "record %,d of the workbook stream (type 0x%04X, at byte %,d) declares %,d bytes, where a"
                            .formatted(records, sid, offset, length) + " record holds at most %,d"
                            .formatted(MAX_RECORD_BYTES);
                }
                if (records > MAX_RECORDS) {
                    return "the workbook stream has more than %,d records, the most the reader takes".formatted(
                            MAX_RECORDS);
                }
                int read = 0;
                if (sid == SST && length >= 8) {
                    in.readInt();
                    sstDeclared = Integer.toUnsignedLong(in.readInt());
                    read = 8;
                }
                inSst = sid == SST || inSst && sid == CONTINUE;
                if (inSst) {
                    sstBytes += length;
                }
                cells += cells(sid, length);
                recordBytes += length + BYTES_PER_RECORD;
                // A string takes at least 3 bytes (its length and flags), whatever the table says it holds.
                if (cells + Math.min(sstDeclared, sstBytes / 3) + recordBytes / WorkbookLimits.HEAP_BYTES_PER_XLS_CELL
                        > maxCells) {
                    return ("the workbook holds more than %,d cells and shared strings, each %,d bytes of its records"
                            + " counting as one more, the most an .xls may hold here (FREIGHT_MAX_XLS_CELLS; an .xls is"
                            + " read whole into memory); save it as .xlsx").formatted(maxCells,
                            WorkbookLimits.HEAP_BYTES_PER_XLS_CELL);
                }
                if (in.skip(length - read) < length - read) {
                    return null;
                }
                offset += header.length + length;
            }
            return null;
        }
    }

    /** The cells a record of type {@code sid} and {@code length} bytes holds. */
    private static long cells(int sid, int length) {
        // A run of cells: row, first column, 6 bytes (RK) or 2 (BLANK) per cell, last column.
        if (sid == MULRK) {
            return Math.max(0, (length - 6) / 6);
        }
        if (sid == MULBLANK) {
            return Math.max(0, (length - 6) / 2);
        }
        for (int cell : CELLS) {
            if (sid == cell) {
                return 1;
            }
        }
        return 0;
    }
}
