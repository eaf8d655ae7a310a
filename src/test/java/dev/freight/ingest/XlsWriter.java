package dev.freight.ingest;

import dev.freight.ingest.Workbook.Bool;
import dev.freight.ingest.Workbook.Cell;
import dev.freight.ingest.Workbook.Error;
import dev.freight.ingest.Workbook.Formula;
import dev.freight.ingest.Workbook.Num;
import dev.freight.ingest.Workbook.RowSpec;
import dev.freight.ingest.Workbook.SheetSpec;
import dev.freight.ingest.Workbook.Text;
import dev.freight.testing.XlsFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.poi.hssf.record.DateWindow1904Record;
import org.apache.poi.hssf.usermodel.HSSFCell;
import org.apache.poi.hssf.usermodel.HSSFCellStyle;
import org.apache.poi.hssf.usermodel.HSSFRow;
import org.apache.poi.hssf.usermodel.HSSFSheet;
import org.apache.poi.hssf.usermodel.HSSFWorkbook;
import org.apache.poi.ss.usermodel.FormulaError;
import org.apache.poi.ss.util.CellRangeAddress;

/** Writes a {@link Workbook} as an XLS (BIFF8) file with POI's HSSF. */
final class XlsWriter {

    private XlsWriter() {}

    static Path write(Workbook spec, Path file) throws IOException {
        try (HSSFWorkbook wb = new HSSFWorkbook(); OutputStream out = Files.newOutputStream(file)) {
            if (spec.date1904()) {
                ((DateWindow1904Record) wb.getInternalWorkbook().findFirstRecordBySid(DateWindow1904Record.sid))
                        .setWindowing((short) 1);
            }
            Map<String, HSSFCellStyle> styles = new HashMap<>();
            for (int i = 0; i < spec.sheets().size(); i++) {
                SheetSpec s = spec.sheets().get(i);
                HSSFSheet sheet = wb.createSheet(s.name());
                if (s.hidden()) {
                    wb.setSheetHidden(i, true);
                }
                s.merged().forEach(ref -> sheet.addMergedRegion(CellRangeAddress.valueOf(ref)));
                for (RowSpec r : s.rows()) {
                    HSSFRow row = sheet.createRow(r.number() - 1);
                    for (int col = 0; col < r.cells().size(); col++) {
                        Cell c = r.cells().get(col);
                        if (c != null) {
                            write(wb, styles, row.createCell(col), c);
                        }
                    }
                }
            }
            if (spec.sheets().stream().allMatch(SheetSpec::hidden)) {
                throw new IllegalArgumentException("HSSF cannot write a workbook without a visible sheet");
            }
            wb.setActiveSheet(firstVisible(spec));
            wb.setFirstVisibleTab(firstVisible(spec));
            wb.write(out);
        }
        return file;
    }

    private static int firstVisible(Workbook spec) {
        for (int i = 0; i < spec.sheets().size(); i++) {
            if (!spec.sheets().get(i).hidden()) {
                return i;
            }
        }
        return 0;
    }

    private static void write(HSSFWorkbook wb, Map<String, HSSFCellStyle> styles, HSSFCell cell, Cell spec) {
        Cell value = spec instanceof Formula f ? f.cached() : spec;
        if (spec instanceof Formula f) {
            cell.setCellFormula(f.formula());
        }
        if (value instanceof Num n && n.format() != null) {
            cell.setCellStyle(styles.computeIfAbsent(n.format(), format -> {
                HSSFCellStyle style = wb.createCellStyle();
                style.setDataFormat(format.startsWith("id:")
                        ? Short.parseShort(format.substring(3))
                        : wb.createDataFormat().getFormat(format));
                return style;
            }));
        }
        switch (value) {
            case Text t -> XlsFiles.setText(wb, cell, t.value());
            case Num n -> cell.setCellValue(Double.parseDouble(n.raw()));
            case Bool b -> cell.setCellValue(b.value());
            case Error e -> cell.setCellErrorValue(FormulaError.forString(e.code()));
            case Formula f -> throw new IllegalArgumentException("a formula's cached value cannot be a formula");
        }
    }
}
