package dev.freight.export;

import dev.freight.schema.ObjectDef;
import dev.freight.schema.Value;
import dev.freight.store.StoredRecord;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.dhatim.fastexcel.Workbook;
import org.dhatim.fastexcel.Worksheet;

/**
 * XLSX through fastexcel's streaming writer: numbers and booleans as such (a number of more than 15 significant digits,
 * which Excel cannot hold, as text; one with zeros at the end of its places in a format that keeps them), dates and date-times (UTC) as real Excel dates with a number format (one before
 * 1900, or a field's date-time with a fraction of a second, which a reader does not get back, as text), everything
 * else as inline strings (no shared-strings table growing with the file). A text longer than Excel's 32,767
 * characters per cell fails the export with {@code cell_too_long}.
 * Rows are flushed to the stream every {@value #FLUSH_EVERY}; past Excel's 1,048,576 rows a sheet continues on a
 * new one with the header repeated. A sheet has no {@code <dimension>} (its used range, which the stream cannot know
 * when the sheet's header goes out; {@link SheetDimensionFilter}), so a reader finds its rows and columns from the
 * cells.
 */
final class XlsxExportWriter implements ExportWriter {

    static final int MAX_ROWS = 1_048_576;
    private static final int FLUSH_EVERY = 1_000;
    /** Excel's limit on the characters of one cell. */
    static final int MAX_CELL = 32_767;
    /** The first year of Excel's (1900) date system. */
    private static final int FIRST_EXCEL_YEAR = 1900;
    /** The most places after the point an Excel number format shows. */
    private static final int MAX_FORMAT_PLACES = 30;
    /** The places of a whole number that a file import does not read back from its format (1.000: one or a thousand). */
    private static final int WHOLE_AS_TEXT_PLACES = 3;

    private final List<ExportColumn> columns;
    private final ExportOptions options;
    private final SheetDimensionFilter zip;
    private final Workbook workbook;
    private final String sheetName;
    private final String dateFormat;
    private final String dateTimeFormat;
    private Worksheet sheet;
    private int sheets;
    private int row;

    XlsxExportWriter(ObjectDef object, List<ExportColumn> columns, ExportOptions options, OutputStream out) {
        this.columns = columns;
        this.options = options;
        this.zip = new SheetDimensionFilter(out);
        this.workbook = new Workbook(zip, "Freight", "1.0");
        // The filter compresses the package; fastexcel's own deflating would be work done twice.
        workbook.setCompressionLevel(0);
        this.sheetName = sheetName(object.label());
        this.dateFormat = options.excelDates() != null ? options.excelDates() : "yyyy-mm-dd";
        this.dateTimeFormat = options.excelDates() != null ? options.excelDates() : "yyyy-mm-dd hh:mm:ss";
        newSheet();
    }

    /** Excel refuses sheet names over 31 characters or with any of []:*?/\ . */
    private static String sheetName(String label) {
        String name = label.replaceAll("[\\[\\]:*?/\\\\]", " ").strip();
        return name.isEmpty() ? "Export" : name.length() > 25 ? name.substring(0, 25) : name;
    }

    private void newSheet() {
        sheets++;
        sheet = workbook.newWorksheet(sheets == 1 ? sheetName : sheetName + " (" + sheets + ")");
        row = 0;
        for (int c = 0; c < columns.size(); c++) {
            ExportColumn column = columns.get(c);
            boolean stamp = column.kind() == ExportColumn.Kind.CREATED || column.kind() == ExportColumn.Kind.UPDATED;
            sheet.width(c, Math.max(stamp ? 20 : 12, Math.min(50, column.label().length() + 4)));
        }
        if (options.includeHeaders()) {
            for (int c = 0; c < columns.size(); c++) {
                sheet.inlineString(0, c, columns.get(c).label());
                sheet.style(0, c).bold().set();
            }
            row = 1;
        }
    }

    @Override
    public void row(StoredRecord record) throws IOException {
        if (row == MAX_ROWS) {
            sheet.finish();
            newSheet();
        }
        for (int c = 0; c < columns.size(); c++) {
            Value v = columns.get(c).valueOf(record);
            if (v != null) {
                cell(record, c, v);
            }
        }
        row++;
        if (row % FLUSH_EVERY == 0) {
            sheet.flush();
        }
    }

    private void cell(StoredRecord record, int c, Value v) {
        switch (v) {
            case Value.Decimal d -> number(c, d.value());
            case Value.Int i -> number(c, BigDecimal.valueOf(i.value()));
            case Value.Bool b -> sheet.value(row, c, b.value());
            case Value.Date d when d.value().getYear() >= FIRST_EXCEL_YEAR -> {
                sheet.value(row, c, d.value());
                sheet.style(row, c).format(dateFormat).set();
            }
            case Value.DateTime d when excelHolds(d.value(), stamp(c)) -> {
                sheet.value(row, c, LocalDateTime.ofInstant(d.value(), ZoneOffset.UTC));
                sheet.style(row, c).format(dateTimeFormat).set();
            }
            default -> text(record, c, CellText.of(v, options.dates()));
        }
    }

    /**
     * Whether an Excel date cell holds this instant as a file import reads it back: one in 1900 or later (Excel's dates
     * start on 1900-01-01; an earlier one would read back as {@code -1}) and, for a field's value, with whole seconds
     * (the cell's format shows seconds, and a reader rounds to them). Any other is written as text
     * ({@code 2024-03-10T02:30:45.123Z}), as a date before 1900 is. The record's own created and updated times are
     * not imported, so they stay date cells (to the millisecond the cell holds) whatever their fraction.
     */
    private static boolean excelHolds(Instant at, boolean stamp) {
        return (stamp || at.getNano() == 0)
                && LocalDateTime.ofInstant(at, ZoneOffset.UTC).getYear() >= FIRST_EXCEL_YEAR;
    }

    private boolean stamp(int c) {
        ExportColumn.Kind kind = columns.get(c).kind();
        return kind == ExportColumn.Kind.CREATED || kind == ExportColumn.Kind.UPDATED;
    }

    /**
     * A number Excel holds exactly (at most 15 significant digits, within a double's range) as a numeric cell, any
     * other as text: Excel keeps 15 digits of a number, so 9223372036854775807 would read 9223372036854770000. A
     * number with zeros at the end of its places ({@code 85.50}) gets a format of that many places ({@code 0.00}), which
     * shows them and which a file import reads them back from; one with more places than a format holds
     * ({@value #MAX_FORMAT_PLACES}) is text, and so is a whole number of three places ({@code 100.000}), which a file
     * import reads without them from a number cell (as one or a thousand, {@code 1.000} would be no integer).
     */
    private void number(int c, BigDecimal n) {
        BigDecimal stripped = n.stripTrailingZeros();
        double d = stripped.doubleValue();
        boolean padded = n.scale() > Math.max(0, stripped.scale());
        boolean keepsPlaces = !padded
                || n.scale() <= MAX_FORMAT_PLACES && !(n.scale() == WHOLE_AS_TEXT_PLACES && stripped.scale() <= 0);
        if (stripped.precision() <= 15 && Double.isFinite(d) && (d != 0 || stripped.signum() == 0) && keepsPlaces) {
            sheet.value(row, c, new BigDecimal(stripped.toPlainString()));
            if (padded) {
                sheet.style(row, c).format("0." + "0".repeat(n.scale())).set();
            }
        } else {
            sheet.inlineString(row, c, n.toPlainString());
        }
    }

    /** A text cell; a text longer than Excel's cells hold fails the export rather than be cut. */
    private void text(StoredRecord record, int c, String s) {
        if (s.length() > MAX_CELL) {
            ExportColumn column = columns.get(c);
            throw new ExportException("cell_too_long", "Record %s: %s has %,d characters, but an XLSX cell holds at most"
                    .formatted(record.externalId() != null ? record.externalId() : record.id(), column.key(),
                            s.length()) + " %,d; export it as CSV or JSON".formatted(MAX_CELL));
        }
        sheet.inlineString(row, c, s);
    }

    @Override
    public void finish() throws IOException {
        sheet.finish();
        workbook.finish();
        zip.finish();
    }
}
