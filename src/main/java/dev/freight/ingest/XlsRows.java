package dev.freight.ingest;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.poi.EncryptedDocumentException;
import org.apache.poi.hssf.OldExcelFormatException;
import org.apache.poi.hssf.usermodel.HSSFWorkbook;
import org.apache.poi.poifs.filesystem.POIFSFileSystem;
import org.apache.poi.ss.usermodel.Cell;
import org.apache.poi.ss.usermodel.CellStyle;
import org.apache.poi.ss.usermodel.CellType;
import org.apache.poi.ss.usermodel.FormulaError;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.ss.util.CellRangeAddress;

/**
 * The rows of one worksheet of an XLS (Excel 97–2003, BIFF8) file, read with POI's HSSF. HSSF loads the whole
 * workbook, which the format's limit of 65,536 rows per sheet keeps bounded. Cells become text as {@link ExcelText}
 * says; formulas give their cached value; merged blocks are filled down ({@link MergedCells}).
 */
final class XlsRows implements TabularReader.RawRows {

    private final POIFSFileSystem fs;
    private final HSSFWorkbook workbook;
    private final Iterator<Row> rows;
    private final ExcelText text;
    private final MergedCells merged;
    private final SheetText limit;

    private XlsRows(POIFSFileSystem fs, HSSFWorkbook workbook, Sheet sheet, long fileBytes) {
        this.fs = fs;
        this.workbook = workbook;
        this.rows = sheet.rowIterator();
        List<MergedCells.Block> blocks = new ArrayList<>();
        for (int i = 0; i < sheet.getNumMergedRegions(); i++) {
            CellRangeAddress range = sheet.getMergedRegion(i);
            blocks.add(new MergedCells.Block(range.getFirstRow() + 1L, range.getLastRow() + 1L,
                    range.getFirstColumn()));
        }
        this.merged = MergedCells.of(blocks);
        this.limit = new SheetText(fileBytes);
        this.text = new ExcelText(workbook.getInternalWorkbook().isUsing1904DateWindowing());
    }

    static RowReader open(Path file, String sheetName, WorkbookLimits limits) throws IOException {
        long size = Files.size(file);
        POIFSFileSystem fs = openFileSystem(file);
        HSSFWorkbook workbook = openWorkbook(fs, limits);
        try {
            int index = choose(workbook, sheetName);
            Sheet sheet = workbook.getSheetAt(index);
            return TabularReader.open(new XlsRows(fs, workbook, sheet, size), Columns.MissingCells.EMPTY,
                    "Sheet \"%s\" is empty; expected a header row and data rows".formatted(name(workbook, index)),
                    SourceFormat.ofSheet(name(workbook, index)));
        } catch (IOException | RuntimeException e) {
            workbook.close();
            fs.close();
            throw e;
        }
    }

    /** The names of the workbook's visible sheets (neither hidden nor very hidden), in workbook order. */
    static List<String> sheets(Path file, WorkbookLimits limits) throws IOException {
        try (POIFSFileSystem fs = openFileSystem(file); HSSFWorkbook workbook = openWorkbook(fs, limits)) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < workbook.getNumberOfSheets(); i++) {
                if (!workbook.isSheetHidden(i) && !workbook.isSheetVeryHidden(i)) {
                    names.add(name(workbook, i));
                }
            }
            return List.copyOf(names);
        }
    }

    /**
     * The workbook in {@code fs}, once its records are found to hold no more cells than {@code limits} allow
     * ({@link XlsRecords}); closes {@code fs} when it cannot be read.
     */
    private static HSSFWorkbook openWorkbook(POIFSFileSystem fs, WorkbookLimits limits) throws IOException {
        String refused;
        try {
            refused = XlsRecords.check(fs.getRoot(), HSSFWorkbook.getWorkbookDirEntryName(fs.getRoot()),
                    limits.maxXlsCells());
        } catch (EncryptedDocumentException | OldExcelFormatException e) {
            // Told below, by HSSF itself.
            refused = null;
        } catch (IOException | RuntimeException e) {
            fs.close();
            throw unreadable(e);
        }
        if (refused != null) {
            fs.close();
            throw new IngestException("unreadable_file", 0,
                    "The workbook cannot be read; expected a valid .xls file, found a damaged one (%s)"
                            .formatted(refused));
        }
        try {
            return new HSSFWorkbook(fs.getRoot(), true);
        } catch (EncryptedDocumentException e) {
            fs.close();
            throw new IngestException("encrypted_file", 0,
                    "The workbook is password-protected; expected a workbook without a password", e);
        } catch (OldExcelFormatException e) {
            fs.close();
            throw new IngestException("unsupported_file_type", 0,
                    "Excel 5.0/95 workbooks (BIFF5) are not supported; save as .xlsx", e);
        } catch (IOException | RuntimeException e) {
            fs.close();
            throw unreadable(e);
        }
    }

    private static POIFSFileSystem openFileSystem(Path file) throws IOException {
        try {
            return new POIFSFileSystem(file.toFile(), true);
        } catch (IOException | RuntimeException e) {
            throw unreadable(e);
        }
    }

    /**
     * The name of sheet {@code i} as the file's other names are read ({@link Columns}): each U+0000, which a BIFF
     * sheet name can hold (an XLSX's cannot, being XML), as U+FFFD. The name is kept as the parsed file's sheet and
     * repeated in messages, and PostgreSQL stores no NUL character; a request names the sheet with U+FFFD.
     */
    private static String name(HSSFWorkbook workbook, int i) {
        return workbook.getSheetName(i).replace('\u0000', '\uFFFD');
    }

    private static int choose(HSSFWorkbook workbook, String name) {
        if (name == null) {
            for (int i = 0; i < workbook.getNumberOfSheets(); i++) {
                if (!workbook.isSheetHidden(i) && !workbook.isSheetVeryHidden(i)) {
                    return i;
                }
            }
            throw new IngestException("sheet_not_found", 0, "The workbook has no visible sheet; expected at least one");
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < workbook.getNumberOfSheets(); i++) {
            if (name(workbook, i).equals(name)) {
                return i;
            }
            if (!workbook.isSheetHidden(i) && !workbook.isSheetVeryHidden(i)) {
                names.add(name(workbook, i));
            }
        }
        throw XlsxRows.sheetNotFound(name, names);
    }

    private static IngestException unreadable(Exception e) {
        return new IngestException("unreadable_file", 0,
                "The workbook cannot be read; expected a valid .xls file, found a damaged one (%s)"
                        .formatted(problem(e)), e);
    }

    /**
     * The library's words on what is wrong: the exception's name and the first line of its message (POI's go on to
     * ask for a bug report).
     */
    private static String problem(Exception e) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName();
        }
        String line = message.strip().lines().findFirst().orElse("");
        return e.getClass().getSimpleName() + ": " + (line.length() > 200 ? line.substring(0, 200) + "…" : line);
    }

    /** The workbook damaged at {@code row}, as {@code problem} says. */
    private static IngestException unreadable(long row, String problem) {
        return new IngestException("unreadable_file", row,
                "Row %d: the workbook cannot be read; expected a valid .xls file, found a damaged one (%s)"
                        .formatted(row, problem));
    }

    @Override
    public TabularReader.RawRow next() {
        if (!rows.hasNext()) {
            return null;
        }
        Row row = rows.next();
        int width = Math.max(row.getLastCellNum(), 0);
        long number = row.getRowNum() + 1L;
        List<String> cells = new ArrayList<>(width);
        limit.startRow();
        for (int i = 0; i < width; i++) {
            String text;
            try {
                text = text(row.getCell(i), i, number);
            } catch (IngestException e) {
                throw e;
            } catch (RuntimeException e) {
                // HSSF reads a cell's parts only when asked: what it cannot read is the workbook's damage at the cell.
                throw unreadable(number, "cell %s%d: %s".formatted(SheetText.columnName(i), number, problem(e)));
            }
            // BIFF8's 16-bit string lengths allow texts of up to 65,535 characters, which HSSF reads and Excel never
            // writes.
            if (text.length() > SheetText.MAX_CELL) {
                throw unreadable(number, SheetText.cellTooLong(null, i, number, text.length()));
            }
            if (!limit.add(text.length())) {
                throw unreadable(number, limit.exceeded());
            }
            cells.add(text);
        }
        List<String> filled = merged.fill(number, cells);
        if (!limit.add(merged.filled())) {
            throw unreadable(number, limit.exceeded());
        }
        return new TabularReader.RawRow(number, filled);
    }

    /** The text of {@code cell}, in 0-based {@code column} of row {@code number}. */
    private String text(Cell cell, int column, long number) {
        if (cell == null) {
            return "";
        }
        CellType type = cell.getCellType() == CellType.FORMULA ? cell.getCachedFormulaResultType() : cell.getCellType();
        return switch (type) {
            case STRING -> cell.getRichStringCellValue().getString();
            case NUMERIC -> number(cell, column, number);
            case BOOLEAN -> ExcelText.bool(cell.getBooleanCellValue());
            case ERROR -> errorCode(cell.getErrorCellValue());
            default -> "";
        };
    }

    /**
     * A numeric cell's text in its style's number format. A cell whose style the workbook does not define, or whose
     * value is no number (NaN or an infinity, which BIFF8's 8-byte floats can hold), is damage at its row.
     */
    private String number(Cell cell, int column, long number) {
        String name = SheetText.columnName(column) + number;
        CellStyle style;
        try {
            // HSSF finds the style by its index among the workbook's records, and fails in its own ways past them.
            style = cell.getCellStyle();
        } catch (IndexOutOfBoundsException | IllegalStateException e) {
            throw unreadable(number, "cell %s has a cell format the workbook does not define (it defines %,d)"
                    .formatted(name, workbook.getNumCellStyles()));
        }
        double value = cell.getNumericCellValue();
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            throw unreadable(number, "cell %s holds %s, which is no number".formatted(name, value));
        }
        return text.number(new BigDecimal(Double.toString(value)), style.getDataFormat(),
                style.getDataFormatString());
    }

    private static String errorCode(byte code) {
        return FormulaError.isValidCode(code) ? FormulaError.forInt(code).getString() : "#N/A";
    }

    @Override
    public void close() throws IOException {
        try {
            workbook.close();
        } finally {
            fs.close();
        }
    }
}
