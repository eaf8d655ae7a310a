package dev.freight.ingest;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.zip.ZipException;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * The rows of one worksheet of an XLSX file, streamed from the file on disk with the JDK's StAX parser. The
 * shared-strings table is read as far as the rows need it, and past its first entries it is kept in a temporary file
 * outside the heap ({@link SharedStrings}), so memory stays flat whatever the number of distinct texts. Each part
 * expands, and that file grows, to at most {@link WorkbookLimits#partBytes}; a sheet has at most {@link #MAX_ROWS}
 * rows. Cells become text as {@link ExcelText} says; formulas give their cached value. Merged blocks are filled down
 * ({@link MergedCells}, found by a scan of the sheet's bytes before its rows are read, once per version of the file:
 * {@link SheetMerges}).
 */
final class XlsxRows implements TabularReader.RawRows {

    /** The rows of an Excel sheet: a sheet with more, or a row numbered past them, is no sheet Excel wrote. */
    static final int MAX_ROWS = 1_048_576;

    /** Aalto's position suffix: {@code at [row,col {unknown-source}]: [2,15]}. */
    private static final Pattern POSITION = Pattern.compile("\\s*at \\[row,col \\{[^}]*}]: \\[(\\d+),(\\d+)]");

    private final XlsxPackage workbook;
    private final SharedStrings strings;
    private final InputStream content;
    private final XMLStreamReader xml;
    private final ExcelText text;
    private final MergedCells merged;
    private final SheetText limit;
    private boolean[] keep;
    /** The length in the file of each cell's text in the row being read, by column; null without merged blocks. */
    private int[] lengths;
    /** The length in the file of the text of the cell read last. */
    private int stored;
    private boolean ended;
    /** Rows read so far: the row number of a row without one. */
    private long tracked;
    private long lastRow;
    private boolean inRow;

    private XlsxRows(XlsxPackage workbook, SharedStrings strings, InputStream content, XMLStreamReader xml,
            MergedCells merged, SheetText limit) {
        this.workbook = workbook;
        this.strings = strings;
        this.content = content;
        this.xml = xml;
        this.text = new ExcelText(workbook.date1904());
        this.merged = merged;
        this.limit = limit;
        this.lengths = merged == MergedCells.NONE ? null : new int[16];
    }

    static RowReader open(Path file, String sheetName) throws IOException {
        return open(file, sheetName, SharedStrings.DEFAULT_IN_HEAP, WorkbookLimits.defaults());
    }

    static RowReader open(Path file, String sheetName, WorkbookLimits limits) throws IOException {
        return open(file, sheetName, SharedStrings.DEFAULT_IN_HEAP, limits);
    }

    static RowReader open(Path file, String sheetName, int inHeap) throws IOException {
        return open(file, sheetName, inHeap, WorkbookLimits.defaults());
    }

    /**
     * {@code inHeap}: how many shared strings are kept in the heap before the rest go to a file; {@code limits}: how
     * far the workbook's parts may expand, and its shared strings take in that file.
     */
    static RowReader open(Path file, String sheetName, int inHeap, WorkbookLimits limits) throws IOException {
        // Taken before the file is opened, so it is never a version newer than the bytes read.
        FileVersion version = FileVersion.of(file);
        XlsxPackage workbook = openPackage(file, limits);
        SharedStrings strings = null;
        InputStream content = null;
        try {
            XlsxPackage.SheetEntry sheet = choose(workbook, sheetName);
            strings = SharedStrings.open(workbook.sharedStrings(), workbook.sharedStringsPart(), inHeap,
                    workbook.partLimit(), workbook.partLimitReason(), limits.temporaryDir());
            MergedCells merged = SheetMerges.of(version, workbook, sheet);
            content = workbook.sheet(sheet);
            XlsxRows rows = new XlsxRows(workbook, strings, content, XlsxPackage.reader(content, sheet.part()),
                    merged, new SheetText(version.size()));
            return TabularReader.open(rows, Columns.MissingCells.EMPTY,
                    "Sheet \"%s\" is empty; expected a header row and data rows".formatted(sheet.name()),
                    SourceFormat.ofSheet(sheet.name()));
        } catch (XMLStreamException | ZipException | EOFException | XlsxPackage.Refused e) {
            // Corrupt compressed data where a part starts (read raw for its prolog, or scanned for merged cells) is
            // the file's damage, as it is anywhere later in the sheet; so is a part that expands too far.
            closeAll(content, strings, workbook);
            throw unreadable(0, e);
        } catch (IOException | RuntimeException e) {
            closeAll(content, strings, workbook);
            throw e;
        }
    }

    /** The names of the workbook's visible sheets, in workbook order. */
    static List<String> sheets(Path file, WorkbookLimits limits) throws IOException {
        try (XlsxPackage workbook = openPackage(file, limits)) {
            return workbook.sheets().stream().filter(XlsxPackage.SheetEntry::visible).map(XlsxPackage.SheetEntry::name)
                    .toList();
        }
    }

    private static XlsxPackage openPackage(Path file, WorkbookLimits limits) throws IOException {
        try {
            return XlsxPackage.open(file, limits);
        } catch (XMLStreamException | ZipException | EOFException | XlsxPackage.Refused e) {
            throw unreadable(0, e);
        }
    }

    private static XlsxPackage.SheetEntry choose(XlsxPackage workbook, String name) {
        List<XlsxPackage.SheetEntry> sheets = workbook.sheets();
        if (name == null) {
            return sheets.stream()
                    .filter(XlsxPackage.SheetEntry::visible)
                    .findFirst()
                    .orElseThrow(() -> new IngestException("sheet_not_found", 0,
                            "The workbook has no visible sheet; expected at least one"));
        }
        return sheets.stream()
                .filter(s -> name.equals(s.name()))
                .findFirst()
                .orElseThrow(() -> sheetNotFound(name, sheets.stream().filter(XlsxPackage.SheetEntry::visible)
                        .map(XlsxPackage.SheetEntry::name).toList()));
    }

    /**
     * A named sheet the workbook lacks; the message offers the visible sheets {@code names} (a hidden sheet can be read
     * by name, but is not offered).
     */
    static IngestException sheetNotFound(String name, List<String> names) {
        return new IngestException("sheet_not_found", 0, names.isEmpty()
                ? "Sheet \"%s\" not found; the workbook has no visible sheet".formatted(name)
                : "Sheet \"%s\" not found; expected one of %s".formatted(name,
                        names.stream().map(n -> "\"" + n + "\"").collect(Collectors.joining(", "))));
    }

    static IngestException unreadable(long row, Exception e) {
        String where = row > 0 ? "Row " + row + ": the" : "The";
        return new IngestException("unreadable_file", row,
                "%s workbook cannot be read; expected a valid .xlsx file, found a damaged one (%s)"
                        .formatted(where, damage(e)), e);
    }

    static String damage(Exception e) {
        return switch (e) {
            case XlsxPackage.Damaged d -> d.getMessage();
            case XlsxPackage.DamagedPart d -> d.getMessage();
            case XlsxPackage.Refused r -> r.getMessage();
            case XMLStreamException x when x.getCause() instanceof XlsxPackage.Refused r -> r.getMessage();
            case XMLStreamException x -> "invalid XML: " + parserMessage(x);
            case ZipException z -> "corrupt zip data";
            case EOFException z -> "corrupt zip data";
            case NumberFormatException n -> "a row, cell or style number is not a number";
            default -> e.getClass().getSimpleName();
        };
    }

    /** The XML parser's own words on one line, with the line and column where it stopped. */
    private static String parserMessage(XMLStreamException e) {
        String message = POSITION.matcher(String.valueOf(e.getMessage())).replaceAll(" at line $1, column $2");
        return message.replaceAll("\\s+", " ").strip();
    }

    @Override
    public void readOnly(boolean[] keep) {
        this.keep = keep.clone();
    }

    @Override
    public TabularReader.RawRow next() throws IOException {
        try {
            while (!ended && xml.hasNext()) {
                int event = xml.next();
                if (event == XMLStreamConstants.START_ELEMENT && xml.getLocalName().equals("row")) {
                    return row();
                }
                if (event == XMLStreamConstants.END_ELEMENT && xml.getLocalName().equals("sheetData")) {
                    ended = true;
                }
            }
            ended = true;
            return null;
        } catch (XMLStreamException | NumberFormatException | ZipException | EOFException
                | XlsxPackage.PartTooLarge e) {
            throw unreadable(ofTheFile(e) ? 0 : inRow ? lastRow : lastRow + 1, e);
        }
    }

    /**
     * Whether {@code e} is a problem of the file as a whole, whichever row showed it: a part that cannot be read as a
     * whole, or one that expands too far.
     */
    private static boolean ofTheFile(Exception e) {
        return e instanceof XlsxPackage.DamagedPart || e instanceof XlsxPackage.PartTooLarge
                || e instanceof XMLStreamException && e.getCause() instanceof XlsxPackage.PartTooLarge;
    }

    /** The row the reader is at the start of; the reader ends at its end. */
    private TabularReader.RawRow row() throws XMLStreamException, IOException {
        tracked++;
        String number = xml.getAttributeValue(null, "r");
        lastRow = number != null ? Long.parseLong(number.strip()) : tracked;
        inRow = true;
        // Every row counts, blank or not: a small file can hold millions of empty ones, which no limit on text stops.
        if (lastRow > MAX_ROWS) {
            throw new XlsxPackage.Damaged("row %,d is past the last row of an Excel sheet, %,d".formatted(lastRow,
                    MAX_ROWS));
        }
        if (tracked > MAX_ROWS) {
            throw new XlsxPackage.Damaged("the sheet has more than %,d rows, the most an Excel sheet has"
                    .formatted(MAX_ROWS));
        }
        limit.startRow();
        List<String> cells = new ArrayList<>();
        int position = 0;
        while (true) {
            int event = xml.next();
            if (event == XMLStreamConstants.START_ELEMENT && xml.getLocalName().equals("c")) {
                String reference = xml.getAttributeValue(null, "r");
                int column = reference != null ? column(reference) : position;
                position++;
                String value = cell(column);
                if (!limit.add(stored)) {
                    throw new XlsxPackage.Damaged(limit.exceeded());
                }
                while (cells.size() <= column) {
                    cells.add("");
                }
                cells.set(column, value);
                if (lengths != null) {
                    if (column >= lengths.length) {
                        lengths = Arrays.copyOf(lengths, Math.max(column + 1, lengths.length * 2));
                    }
                    // Only a non-blank cell of this row's own is looked up, so no entry is left from another.
                    lengths[column] = stored;
                }
            } else if (event == XMLStreamConstants.END_ELEMENT && xml.getLocalName().equals("row")) {
                List<String> filled = merged.fill(lastRow, cells, lengths);
                if (!limit.add(merged.filled())) {
                    throw new XlsxPackage.Damaged(limit.exceeded());
                }
                inRow = false;
                return new TabularReader.RawRow(lastRow, filled);
            } else if (event == XMLStreamConstants.END_DOCUMENT) {
                throw new XlsxPackage.Damaged("the sheet ends inside a row");
            }
        }
    }

    /** The column index of a cell reference such as {@code AB12}. */
    private static int column(String reference) throws XMLStreamException {
        int column = 0;
        int i = 0;
        while (i < reference.length() && Character.isLetter(reference.charAt(i))) {
            column = column * 26 + (Character.toUpperCase(reference.charAt(i)) - 'A' + 1);
            i++;
        }
        if (i == 0 || column > 16_384) {
            throw new XlsxPackage.Damaged("a cell reference is not one: \"" + reference + "\"");
        }
        return column - 1;
    }

    /**
     * The text of the cell the reader is at the start of, and in {@link #stored} the length of its text in the file
     * (read or not); the reader ends at its end.
     */
    private String cell(int column) throws XMLStreamException, IOException {
        String type = xml.getAttributeValue(null, "t");
        String style = xml.getAttributeValue(null, "s");
        String value = null;
        SharedStrings.RichText inline = null;
        while (true) {
            int event = xml.next();
            if (event == XMLStreamConstants.START_ELEMENT) {
                switch (xml.getLocalName()) {
                    case "v" -> value = xml.getElementText();
                    case "is" -> inline = SharedStrings.richText(xml, "is");
                    default -> skip();
                }
            } else if (event == XMLStreamConstants.END_ELEMENT) {
                break;
            } else if (event == XMLStreamConstants.END_DOCUMENT) {
                throw new XlsxPackage.Damaged("the sheet ends inside a cell");
            }
        }
        boolean read = keep == null || column < keep.length && keep[column];
        if (type == null) {
            type = "n";
        }
        if (type.equals("inlineStr")) {
            long length = inline != null ? inline.length() : value != null ? value.length() : 0;
            if (length > SheetText.MAX_CELL) {
                throw tooLong(null, column, length);
            }
            String s = inline != null ? inline.text() : value != null ? value : "";
            stored = s.length();
            return read || s.isBlank() ? s : TabularReader.SKIPPED;
        }
        if (value == null || value.isEmpty()) {
            stored = 0;
            return "";
        }
        if (type.equals("s")) {
            int index = Integer.parseInt(value.strip());
            long length = strings.length(index);
            if (length > SheetText.MAX_CELL) {
                throw tooLong(strings.name(index), column, length);
            }
            stored = (int) length;
            if (!read) {
                return strings.isBlank(index) ? "" : TabularReader.SKIPPED;
            }
            return strings.get(index);
        }
        if (value.length() > SheetText.MAX_CELL) {
            throw tooLong(null, column, value.length());
        }
        stored = value.length();
        if (!read) {
            return value.isBlank() ? "" : TabularReader.SKIPPED;
        }
        return switch (type) {
            case "n" -> number(value, style);
            case "b" -> value.equals("1") ? ExcelText.bool(true) : value.equals("0") ? ExcelText.bool(false) : value;
            default -> value;
        };
    }

    /**
     * The damage of a cell in {@code column} of the row being read whose text has {@code length} characters, more than
     * a cell holds; {@code source} names where the file keeps the text when the cell only refers to it, else is null.
     * It is the workbook's damage at this row whether or not the cell is read, so every read stops at the same row.
     */
    private XlsxPackage.Damaged tooLong(String source, int column, long length) {
        return new XlsxPackage.Damaged(SheetText.cellTooLong(source, column, lastRow, length));
    }

    /** A numeric cell's text in its style's number format; a value that is not a number is given as it is. */
    private String number(String value, String style) {
        BigDecimal number;
        try {
            number = new BigDecimal(value.strip());
        } catch (NumberFormatException e) {
            return value;
        }
        XlsxPackage.NumberFormat format = style == null ? null : workbook.style(Integer.parseInt(style.strip()));
        return format == null ? ExcelText.plain(number) : text.number(number, format.id(), format.code());
    }

    /** Skips the element the reader is at the start of, with everything in it. */
    private void skip() throws XMLStreamException {
        int depth = 1;
        while (depth > 0) {
            int event = xml.next();
            if (event == XMLStreamConstants.START_ELEMENT) {
                depth++;
            } else if (event == XMLStreamConstants.END_ELEMENT) {
                depth--;
            }
        }
    }

    private static void closeAll(Closeable... parts) throws IOException {
        IOException first = null;
        for (Closeable part : parts) {
            try {
                if (part != null) {
                    part.close();
                }
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            xml.close();
        } catch (XMLStreamException e) {
            throw new IOException(e);
        } finally {
            closeAll(content, strings, workbook);
        }
    }
}
