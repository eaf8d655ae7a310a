package dev.freight.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.poi.hssf.model.InternalWorkbook;
import org.apache.poi.hssf.record.common.UnicodeString;
import org.apache.poi.hssf.usermodel.HSSFCell;
import org.apache.poi.hssf.usermodel.HSSFRow;
import org.apache.poi.hssf.usermodel.HSSFSheet;
import org.apache.poi.hssf.usermodel.HSSFWorkbook;
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
}
