package dev.freight.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import org.dhatim.fastexcel.reader.Cell;
import org.dhatim.fastexcel.reader.CellType;
import org.dhatim.fastexcel.reader.ExcelReaderException;
import org.dhatim.fastexcel.reader.ReadableWorkbook;
import org.dhatim.fastexcel.reader.ReadingOptions;
import org.dhatim.fastexcel.reader.Row;
import org.dhatim.fastexcel.reader.Sheet;
import org.dhatim.fastexcel.reader.SheetVisibility;

/**
 * The rows of one worksheet of an XLSX file, streamed by fastexcel-reader from the file on disk (the shared-strings
 * table is held in memory: about 512 MB of heap for a million distinct strings). Cells become text as
 * {@link ExcelText} says; formulas give their cached value.
 */
final class XlsxRows implements TabularReader.RawRows {

    /** Cell formats are needed to tell dates from numbers; a bad number is an error cell, not a failure. */
    private static final ReadingOptions WITH_FORMATS = new ReadingOptions(true, true);
    private static final ReadingOptions WITHOUT_FORMATS = new ReadingOptions(false, true);

    private static final XMLInputFactory XML = secureXmlFactory();

    private final ReadableWorkbook workbook;
    private final Stream<Row> stream;
    private final Iterator<Row> rows;
    private final ExcelText text;
    private long lastRow;

    private XlsxRows(ReadableWorkbook workbook, Sheet sheet, boolean date1904) throws IOException {
        this.workbook = workbook;
        this.stream = sheet.openStream();
        this.rows = stream.iterator();
        this.text = new ExcelText(date1904);
    }

    static RowReader open(Path file, String sheetName) throws IOException {
        ReadableWorkbook workbook = openWorkbook(file);
        try {
            Sheet sheet = choose(workbook, sheetName);
            boolean date1904 = workbook.isDate1904() || uses1904DateSystem(file);
            return TabularReader.open(new XlsxRows(workbook, sheet, date1904), Columns.MissingCells.EMPTY,
                    "Sheet \"%s\" is empty; expected a header row and data rows".formatted(sheet.getName()),
                    SourceFormat.ofSheet(sheet.getName()));
        } catch (ExcelReaderException | UncheckedIOException e) {
            workbook.close();
            throw unreadable(0, e);
        } catch (IOException | RuntimeException e) {
            workbook.close();
            throw e;
        }
    }

    /** The names of the workbook's visible sheets, in workbook order. */
    static List<String> sheets(Path file) throws IOException {
        try (ReadableWorkbook workbook = openWorkbook(file)) {
            return workbook.getSheets()
                    .filter(s -> s.getVisibility() == SheetVisibility.VISIBLE)
                    .map(Sheet::getName)
                    .toList();
        } catch (ExcelReaderException | UncheckedIOException e) {
            throw unreadable(0, e);
        }
    }

    private static ReadableWorkbook openWorkbook(Path file) throws IOException {
        try {
            return new ReadableWorkbook(file.toFile(), WITH_FORMATS);
        } catch (IOException | UncheckedIOException e) {
            throw unreadable(0, e);
        } catch (ExcelReaderException withFormats) {
            // A workbook without a styles part (fastexcel fails on it) has only General cells: read it without.
            try {
                return new ReadableWorkbook(file.toFile(), WITHOUT_FORMATS);
            } catch (ExcelReaderException | IOException | UncheckedIOException e) {
                throw unreadable(0, e);
            }
        }
    }

    /**
     * Whether the workbook counts dates from 1904. fastexcel-reader 0.19 misses {@code date1904="1"}, the form Excel
     * writes, so the workbook part's {@code workbookPr} is read here too.
     */
    private static boolean uses1904DateSystem(Path file) {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry part = zip.getEntry("xl/workbook.xml");
            if (part == null) {
                return false;
            }
            try (InputStream in = zip.getInputStream(part)) {
                XMLStreamReader xml = XML.createXMLStreamReader(in);
                try {
                    while (xml.hasNext()) {
                        if (xml.next() == XMLStreamConstants.START_ELEMENT) {
                            String name = xml.getLocalName();
                            if (name.equals("workbookPr")) {
                                String value = xml.getAttributeValue(null, "date1904");
                                return "1".equals(value) || "true".equals(value);
                            }
                            if (name.equals("sheets")) {
                                return false;
                            }
                        }
                    }
                    return false;
                } finally {
                    xml.close();
                }
            }
        } catch (XMLStreamException | IOException e) {
            throw unreadable(0, e);
        }
    }

    private static XMLInputFactory secureXmlFactory() {
        XMLInputFactory factory = XMLInputFactory.newFactory();
        factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        return factory;
    }

    private static Sheet choose(ReadableWorkbook workbook, String name) {
        List<Sheet> sheets = workbook.getSheets().toList();
        if (name == null) {
            return sheets.stream()
                    .filter(s -> s.getVisibility() == SheetVisibility.VISIBLE)
                    .findFirst()
                    .orElseThrow(() -> new IngestException("sheet_not_found", 0,
                            "The workbook has no visible sheet; expected at least one"));
        }
        return sheets.stream()
                .filter(s -> name.equals(s.getName()))
                .findFirst()
                .orElseThrow(() -> sheetNotFound(name, sheets.stream().map(Sheet::getName).toList()));
    }

    static IngestException sheetNotFound(String name, List<String> names) {
        return new IngestException("sheet_not_found", 0, "Sheet \"%s\" not found; expected one of %s".formatted(name,
                names.stream().map(n -> "\"" + n + "\"").collect(Collectors.joining(", "))));
    }

    static IngestException unreadable(long row, Exception e) {
        String where = row > 0 ? "Row " + row + ": the" : "The";
        return new IngestException("unreadable_file", row,
                "%s workbook cannot be read; expected a valid .xlsx file, found a damaged one (%s)"
                        .formatted(where, e.getClass().getSimpleName()), e);
    }

    @Override
    public TabularReader.RawRow next() {
        try {
            if (!rows.hasNext()) {
                return null;
            }
            Row row = rows.next();
            lastRow = row.getRowNum();
            List<String> cells = new ArrayList<>(row.getCellCount());
            for (int i = 0; i < row.getCellCount(); i++) {
                cells.add(text(row.getCell(i)));
            }
            return new TabularReader.RawRow(lastRow, cells);
        } catch (ExcelReaderException | UncheckedIOException | IllegalStateException | NumberFormatException e) {
            throw unreadable(lastRow + 1, e);
        }
    }

    private String text(Cell cell) {
        if (cell == null) {
            return "";
        }
        Object value = cell.getValue();
        return switch (value) {
            case null -> cell.getType() == CellType.ERROR && cell.getRawValue() != null
                    ? cell.getRawValue()
                    : "";
            case BigDecimal number -> text.number(number, formatId(cell), cell.getDataFormatString());
            case Boolean b -> ExcelText.bool(b);
            default -> value.toString();
        };
    }

    private static int formatId(Cell cell) {
        Integer id = cell.getDataFormatId();
        return id == null ? 0 : id;
    }

    @Override
    public void close() throws IOException {
        try {
            stream.close();
        } finally {
            workbook.close();
        }
    }
}
