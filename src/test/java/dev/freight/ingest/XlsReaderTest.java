package dev.freight.ingest;

import static dev.freight.ingest.Workbook.row;
import static dev.freight.ingest.Workbook.sheet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import dev.freight.testing.XlsFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class XlsReaderTest extends WorkbookReaderContract {

    @Override
    FileType type() {
        return FileType.XLS;
    }

    @Override
    Path write(Workbook workbook, String name) throws IOException {
        return XlsWriter.write(workbook, dir.resolve(name + ".xls"));
    }

    /**
     * A cell holds at most Excel's 32,767 characters: a longer text, which the format's 16-bit string lengths allow and
     * HSSF reads, makes the workbook damaged at its row, whichever columns are read, as in an XLSX (before, it was read
     * whole, bounded only by a row's and the workbook's limits).
     */
    @Test
    void refusesACellLongerThanACellHoldsAtItsRow() throws IOException {
        Path file = write(Workbook.of(sheet("S", row(1, "id", "text"), row(2, "a-1", "x".repeat(32_767)),
                row(3, "a-2", "y".repeat(32_768)))), "long-cell");

        for (Set<String> only : Arrays.asList(null, Set.of("id"))) {
            try (RowReader reader = Readers.open(file, FileType.XLS, ReadOptions.defaults())) {
                if (only != null) {
                    reader.readOnly(only);
                }
                SourceRow longest = reader.next();
                assertThat(longest.line()).isEqualTo(2);
                assertThat(longest.cells().get("id")).isEqualTo("a-1");
                if (only == null) {
                    assertThat(longest.cells().get("text")).isEqualTo("x".repeat(32_767));
                }
                assertThatThrownBy(reader::next).as("reading " + only).isInstanceOfSatisfying(IngestException.class,
                        e -> {
                            assertThat(e.code()).isEqualTo("unreadable_file");
                            assertThat(e.line()).isEqualTo(3);
                            assertThat(e.getMessage()).isEqualTo("Row 3: the workbook cannot be read; expected a valid"
                                    + " .xls file, found a damaged one (cell B3 has 32,768 characters, where a cell"
                                    + " holds at most 32,767)");
                        });
            }
        }
    }

    /** A sheet "S" of a header and one row, each cell a shared string: 4 cells, 4 strings. */
    private static final String[][] ROWS = {{"id", "text"}, {"a-1", "b"}};

    /**
     * Opens {@code xls} with {@code limits} (and lists its sheets), and fails unless both fail as
     * {@code unreadable_file} for the file as a whole with a message ending in {@code problem}.
     */
    private void assertRefused(byte[] xls, WorkbookLimits limits, String problem) throws IOException {
        Path file = Files.write(dir.resolve("refused.xls"), xls);
        for (boolean sheets : new boolean[] {false, true}) {
            assertThatThrownBy(() -> {
                if (sheets) {
                    Readers.sheets(file, FileType.XLS, limits);
                } else {
                    try (RowReader reader = Readers.open(file, FileType.XLS, new ReadOptions(null, null, limits))) {
                        reader.next();
                    }
                }
            }).as(sheets ? "sheets" : "open").isInstanceOfSatisfying(IngestException.class, e -> {
                assertThat(e.code()).isEqualTo("unreadable_file");
                assertThat(e.line()).isZero();
                assertThat(e.getMessage()).isEqualTo("The workbook cannot be read; expected a valid .xls file, found a"
                        + " damaged one (" + problem + ")");
            });
        }
    }

    /** The rows of {@code xls} read with {@code limits}: "a-1" and "b" under "id" and "text", and nothing else. */
    private void assertReadsTheRow(byte[] xls, WorkbookLimits limits) throws IOException {
        Path file = Files.write(dir.resolve("read.xls"), xls);
        try (RowReader reader = Readers.open(file, FileType.XLS, new ReadOptions(null, null, limits))) {
            assertThat(reader.next().cells()).containsExactly(entry("id", "a-1"), entry("text", "b"));
            assertThat(reader.next()).isNull();
        }
    }

    /**
     * A record that declares more than BIFF8's 8,224 bytes is refused naming the record and where it is, before HSSF
     * loads anything (before, HSSF refused it too, and the message said only "RecordFormatException").
     */
    @Test
    void refusesARecordLongerThanTheFormatAllowsNamingWhereItIs() throws IOException {
        byte[] stream = XlsFiles.workbookStream(XlsFiles.of("S", ROWS));
        // The first record is a BOF of 16 bytes: the record inserted after it is the second, at byte 20.
        assertThat(Arrays.copyOf(stream, 4)).containsExactly(0x09, 0x08, 0x10, 0x00);
        byte[] xls = XlsFiles.withWorkbookStream(XlsFiles.inserted(stream, 20,
                new byte[] {(byte) 0xFC, 0x00, (byte) 0xFF, (byte) 0xFF}));

        assertRefused(xls, WorkbookLimits.defaults(), "record 2 of the workbook stream (type 0x00FC, at byte 20)"
                + " declares 65,535 bytes, where a record holds at most 8,224");
    }

    /**
     * A shared string that declares 65,535 characters the table does not hold is a damaged workbook in HSSF's words,
     * their first line (before, only the exception's name).
     */
    @Test
    void refusesASharedStringLongerThanItsTableInTheLibrarysWords() throws IOException {
        byte[] stream = XlsFiles.workbookStream(XlsFiles.of("S", ROWS));
        // After the SST record's header (4 bytes) and its two counts (8): the first string's length.
        ByteBuffer.wrap(stream).order(ByteOrder.LITTLE_ENDIAN).putShort(XlsFiles.recordOffset(stream, 0x00FC) + 12,
                (short) 0xFFFF);

        assertRefused(XlsFiles.withWorkbookStream(stream), WorkbookLimits.defaults(), "RecordFormatException: Expected"
                + " to find a ContinueRecord in order to read remaining 65516 of 65535 chars");
    }

    /**
     * A shared-strings table that claims 2,147,483,647 strings but holds 4 is read as HSSF reads it, the strings it
     * holds; the claim counts for no more than the table's bytes could hold (3 bytes a string at least).
     */
    @Test
    void readsATableClaimingMoreStringsThanItHolds() throws IOException {
        byte[] stream = XlsFiles.workbookStream(XlsFiles.of("S", ROWS));
        ByteBuffer.wrap(stream).order(ByteOrder.LITTLE_ENDIAN).putInt(XlsFiles.recordOffset(stream, 0x00FC) + 8,
                Integer.MAX_VALUE);

        assertReadsTheRow(XlsFiles.withWorkbookStream(stream), new WorkbookLimits(1 << 20, 1_000));
    }

    /**
     * HSSF loads every cell into the heap, about a hundred bytes each, and a file of runs of blank cells (MULBLANK)
     * holds one in two bytes: a workbook of more cells and shared strings than the limit is refused before it is
     * loaded, pointing to XLSX, which is streamed. Here 4 runs of 256 blank cells, the 4 cells of the rows and their 4
     * strings: 1,032, and 26 more for the records' bytes (each 256 bytes, 32 a record, counting as one cell): 1,058,
     * refused at 1,057 and read at 1,058. Before, any number was loaded: 4.9 million cells (an 88 MB file) ran a 384 MB
     * heap out of memory.
     */
    @Test
    void refusesAWorkbookOfMoreCellsAndStringsThanTheLimitBeforeLoadingIt() throws IOException {
        byte[] xls = XlsFiles.withSheetRecords(XlsFiles.of("S", ROWS), XlsFiles.blankRows(2, 4));

        assertRefused(xls, new WorkbookLimits(1 << 20, 1_057), "the workbook holds more than 1,057 cells and shared"
                + " strings, each 256 bytes of its records counting as one more, the most an .xls may hold here"
                + " (FREIGHT_MAX_XLS_CELLS; an .xls is read whole into memory); save it as .xlsx");
        assertReadsTheRow(xls, new WorkbookLimits(1 << 20, 1_058));
    }

    /**
     * HSSF keeps every record's content, a formula's token array as its bytes: a FORMULA record is one cell but holds
     * up to 8,202 bytes of tokens, so each 256 bytes of records (and 32 a record) count as one cell more. Here the 8
     * cells and strings of the rows, 17 for the workbook's other records, and 4 formulas of the most bytes a record
     * holds, 4 cells and 129 for their bytes: 158, refused at 157 and read at 158. Before, the formulas counted as 4
     * cells: a file of formulas could hold 8 KB of heap per cell the limit allows, 32 times what it assumes
     * ({@link StreamingTest} runs such a file in a 32 MB heap).
     */
    @Test
    void countsTheBytesOfFormulasTokenArraysAgainstTheLimitBeforeLoadingTheWorkbook() throws IOException {
        byte[] xls = XlsFiles.withSheetRecords(XlsFiles.of("S", ROWS), XlsFiles.formulaRows(2, 4));

        assertRefused(xls, new WorkbookLimits(1 << 20, 157), "the workbook holds more than 157 cells and shared"
                + " strings, each 256 bytes of its records counting as one more, the most an .xls may hold here"
                + " (FREIGHT_MAX_XLS_CELLS; an .xls is read whole into memory); save it as .xlsx");
        assertReadsTheRow(xls, new WorkbookLimits(1 << 20, 158));
    }

    /**
     * More records than HSSF takes (5,000,000) are refused in words of the reader's own (before: only
     * "RecordFormatException", from HSSF's "Tried to allocate an array of length 5,000,001…").
     */
    @Test
    void refusesMoreRecordsThanTheLibraryTakes() throws IOException {
        byte[] stream = XlsFiles.workbookStream(XlsFiles.of("S", ROWS));
        // Empty records of a type no reader knows, after the BOF: 4 bytes each.
        byte[] empty = new byte[4 * 5_000_000];
        for (int i = 0; i < empty.length; i += 4) {
            empty[i] = 0x51;
            empty[i + 1] = 0x08;
        }

        assertRefused(XlsFiles.withWorkbookStream(XlsFiles.inserted(stream, 20, empty)), WorkbookLimits.defaults(),
                "the workbook stream has more than 5,000,000 records, the most the reader takes");
    }

    /**
     * A number cell whose cell format the workbook does not define, or whose value is NaN or an infinity (BIFF8's
     * 8-byte floats hold them; Excel never writes them), makes the workbook damaged at its row. Before, HSSF's own
     * IndexOutOfBoundsException, IllegalStateException or a NumberFormatException left the reader (a 500 over HTTP).
     */
    @ParameterizedTest(name = "format {0}, value {1}")
    @CsvSource(delimiter = '|', value = {
        "9999|1.5|cell A3 has a cell format the workbook does not define (it defines 21)",
        "30|1.5|cell A3 has a cell format the workbook does not define (it defines 21)",
        "15|NaN|cell A3 holds NaN, which is no number",
        "15|Infinity|cell A3 holds Infinity, which is no number"})
    void refusesANumberCellHssfCannotReadAtItsRow(int xf, double value, String problem) throws IOException {
        Path file = Files.write(dir.resolve("cell.xls"), XlsFiles.withSheetRecords(XlsFiles.of("S", ROWS),
                XlsFiles.numberCell(2, 0, xf, value)));

        try (RowReader reader = Readers.open(file, FileType.XLS, ReadOptions.defaults())) {
            assertThat(reader.next().cells()).containsExactly(entry("id", "a-1"), entry("text", "b"));
            assertThatThrownBy(reader::next).isInstanceOfSatisfying(IngestException.class, e -> {
                assertThat(e.code()).isEqualTo("unreadable_file");
                assertThat(e.line()).isEqualTo(3);
                assertThat(e.getMessage()).isEqualTo("Row 3: the workbook cannot be read; expected a valid .xls file,"
                        + " found a damaged one (" + problem + ")");
            });
        }
    }
}
