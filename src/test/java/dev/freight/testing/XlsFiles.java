package dev.freight.testing;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.poi.hssf.model.InternalWorkbook;
import org.apache.poi.hssf.record.common.UnicodeString;
import org.apache.poi.hssf.usermodel.HSSFCell;
import org.apache.poi.hssf.usermodel.HSSFRow;
import org.apache.poi.hssf.usermodel.HSSFSheet;
import org.apache.poi.hssf.usermodel.HSSFWorkbook;
import org.apache.poi.poifs.filesystem.POIFSFileSystem;
import org.apache.poi.ss.usermodel.CellType;
import org.apache.poi.ss.util.CellReference;

/** XLS (BIFF8) files for tests, written with POI's HSSF, including texts longer than Excel writes. */
public final class XlsFiles {

    /** Excel's limit on a cell's text, which HSSF enforces when a text is set. */
    private static final int EXCEL_CELL = 32_767;

    private XlsFiles() {}

    /** A workbook of one sheet {@code sheetName} holding {@code rows} of texts from A1 on (a null cell is left out). */
    public static byte[] of(String sheetName, String[][] rows) {
        try (HSSFWorkbook workbook = new HSSFWorkbook(); ByteArrayOutputStream xls = new ByteArrayOutputStream()) {
            HSSFSheet sheet = workbook.createSheet(sheetName);
            for (int r = 0; r < rows.length; r++) {
                HSSFRow row = sheet.createRow(r);
                for (int c = 0; c < rows[r].length; c++) {
                    if (rows[r][c] != null) {
                        setText(workbook, row.createCell(c), rows[r][c]);
                    }
                }
            }
            workbook.write(xls);
            return xls.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Gives {@code cell} the text {@code text}, even one longer than Excel's 32,767 characters, which HSSF refuses to
     * set but BIFF8's shared strings (of 16-bit lengths) hold and HSSF reads: such a cell is given a placeholder,
     * whose entry in the shared-strings table then gets the text.
     */
    public static void setText(HSSFWorkbook workbook, HSSFCell cell, String text) {
        if (text.length() <= EXCEL_CELL) {
            cell.setCellValue(text);
            return;
        }
        if (cell.getCellType() == CellType.FORMULA) {
            throw new IllegalArgumentException("a formula's cached text is not a shared string; it cannot be longer");
        }
        String placeholder = "long text of " + new CellReference(cell).formatAsString(true);
        cell.setCellValue(placeholder);
        InternalWorkbook internal = workbook.getInternalWorkbook();
        // Adding a string the table holds gives the index of the entry it has.
        internal.getSSTString(internal.addSSTString(new UnicodeString(placeholder))).setString(text);
    }

    /** The content of the Workbook stream of {@code xls}: its BIFF8 records, one after another. */
    public static byte[] workbookStream(byte[] xls) {
        try (POIFSFileSystem fs = new POIFSFileSystem(new ByteArrayInputStream(xls));
                InputStream in = fs.getRoot().createDocumentInputStream("Workbook")) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An XLS file whose only stream is a Workbook stream of {@code records}, which may break any rule. */
    public static byte[] withWorkbookStream(byte[] records) {
        try (POIFSFileSystem fs = new POIFSFileSystem(); ByteArrayOutputStream xls = new ByteArrayOutputStream()) {
            fs.createDocument(new ByteArrayInputStream(records), "Workbook");
            fs.writeFilesystem(xls);
            return xls.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The offset in {@code stream} of its first record of type {@code sid}; fails when it has none. */
    public static int recordOffset(byte[] stream, int sid) {
        ByteBuffer records = ByteBuffer.wrap(stream).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = 0; at + 4 <= stream.length; at += 4 + (records.getShort(at + 2) & 0xFFFF)) {
            if ((records.getShort(at) & 0xFFFF) == sid) {
                return at;
            }
        }
        throw new IllegalArgumentException("no record of type " + Integer.toHexString(sid));
    }

    /** {@code stream} with {@code records} inserted at byte {@code at}. */
    public static byte[] inserted(byte[] stream, int at, byte[] records) {
        byte[] changed = new byte[stream.length + records.length];
        System.arraycopy(stream, 0, changed, 0, at);
        System.arraycopy(records, 0, changed, at, records.length);
        System.arraycopy(stream, at, changed, at + records.length, stream.length - at);
        return changed;
    }

    /**
     * {@code rows} MULBLANK records, on rows {@code firstRow} on (0-based), each of 256 blank cells (A to IV): 2 bytes
     * a cell in the file, as many objects as cells when HSSF loads it.
     */
    public static byte[] blankRows(int firstRow, int rows) {
        ByteBuffer records = ByteBuffer.allocate(rows * (4 + 6 + 2 * 256)).order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < rows; r++) {
            records.putShort((short) 0x00BE).putShort((short) (6 + 2 * 256)).putShort((short) (firstRow + r))
                    .putShort((short) 0);
            for (int c = 0; c < 256; c++) {
                records.putShort((short) 15);
            }
            records.putShort((short) 255);
        }
        return records.array();
    }

    /**
     * {@code rows} FORMULA records in column A of rows {@code firstRow} on (0-based), each of the most bytes a record
     * holds: a formula of 8,202 bytes of tokens (each a missing argument, which HSSF keeps as bytes and never parses
     * here) whose cached value is the empty text, so the rows read as blank.
     */
    public static byte[] formulaRows(int firstRow, int rows) {
        int tokens = 8_202;
        ByteBuffer records = ByteBuffer.allocate(rows * (4 + 22 + tokens)).order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < rows; r++) {
            records.putShort((short) 0x0006).putShort((short) (22 + tokens)).putShort((short) (firstRow + r))
                    .putShort((short) 0).putShort((short) 15);
            // The cached value: an empty text (type 3), marked by 0xFFFF in its last two bytes.
            records.put(new byte[] {3, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF});
            records.putShort((short) 0).putInt(0).putShort((short) tokens);
            for (int t = 0; t < tokens; t++) {
                records.put((byte) 0x16);
            }
        }
        return records.array();
    }

    /**
     * A NUMBER record: cell {@code column} of row {@code row} (both 0-based) holding {@code value} in cell format
     * {@code xf}, which may be one the workbook does not define.
     */
    public static byte[] numberCell(int row, int column, int xf, double value) {
        return ByteBuffer.allocate(18).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0x0203).putShort((short) 14)
                .putShort((short) row).putShort((short) column).putShort((short) xf).putDouble(value).array();
    }

    /**
     * {@code xls}, a workbook of one sheet as {@link #of} writes it, with {@code records} added to its sheet after its
     * cells (after the sheet's last LABELSST record).
     */
    public static byte[] withSheetRecords(byte[] xls, byte[] records) {
        byte[] stream = workbookStream(xls);
        ByteBuffer all = ByteBuffer.wrap(stream).order(ByteOrder.LITTLE_ENDIAN);
        int after = -1;
        for (int at = 0; at + 4 <= stream.length; at += 4 + (all.getShort(at + 2) & 0xFFFF)) {
            if ((all.getShort(at) & 0xFFFF) == 0x00FD) {
                after = at + 4 + (all.getShort(at + 2) & 0xFFFF);
            }
        }
        if (after < 0) {
            throw new IllegalArgumentException("the workbook has no LABELSST record");
        }
        return withWorkbookStream(inserted(stream, after, records));
    }
}
