package dev.freight.ingest;

import static dev.freight.ingest.Workbook.formula;
import static dev.freight.ingest.Workbook.num;
import static dev.freight.ingest.Workbook.row;
import static dev.freight.ingest.Workbook.sheet;
import static org.assertj.core.api.Assertions.assertThat;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import dev.freight.testing.XlsxFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class XlsxReaderTest extends WorkbookReaderContract {

    @Override
    FileType type() {
        return FileType.XLSX;
    }

    @Override
    Path write(Workbook workbook, String name) throws IOException {
        return XlsxWriter.write(workbook, dir.resolve(name + ".xlsx"));
    }

    /**
     * Shared strings past the first few (here 3; 65,536 in service) are kept in a file outside the heap: every cell
     * reads the same either way, blank and non-Latin texts included, and a read of one column tells a row whose other
     * cells hold only white space from one that holds a value.
     */
    @Test
    void readsSharedStringsKeptInAFileAsThoseKeptInTheHeap() throws IOException {
        Path file = XlsxWriter.write(Workbook.of(sheet("S",
                row(1, "id", "name", "city"),
                row(2, "a-1", "Zoë Ødegård", "Zürich"),
                row(3, "", "   ", "\t"),
                row(4, "a-3", "", "Zürich"),
                row(5, "", "东京 \uD83D\uDE00", ""),
                row(6, "a-5", "Ann", "   "))), dir.resolve("spilled.xlsx"));
        List<SourceRow> expected = List.of(
                new SourceRow(1, 2, cells("id", "a-1", "name", "Zoë Ødegård", "city", "Zürich")),
                new SourceRow(2, 4, cells("id", "a-3", "name", "", "city", "Zürich")),
                new SourceRow(3, 5, cells("id", "", "name", "东京 \uD83D\uDE00", "city", "")),
                new SourceRow(4, 6, cells("id", "a-5", "name", "Ann", "city", "   ")));

        for (int inHeap : new int[] {SharedStrings.DEFAULT_IN_HEAP, 3, 0}) {
            assertThat(readAll(file, inHeap, null)).as("in heap: " + inHeap).isEqualTo(expected);
            assertThat(readAll(file, inHeap, Set.of("id"))).as("ids, in heap: " + inHeap).containsExactly(
                    new SourceRow(1, 2, cells("id", "a-1")),
                    new SourceRow(2, 4, cells("id", "a-3")),
                    new SourceRow(3, 5, cells("id", "")),
                    new SourceRow(4, 6, cells("id", "a-5")));
        }
    }

    /**
     * A sheet is scanned for its merged cells once per version of its file: read again unchanged, it is filled from
     * the blocks kept, the same way; each sheet of a workbook has its own; a file written again in its place, even
     * under its old last-modified time, is scanned again and filled from its own blocks.
     */
    @Test
    void scansASheetForMergedCellsOncePerVersionOfItsFile() throws IOException {
        Path file = dir.resolve("kept.xlsx");
        Workbook.SheetSpec first = sheet("Contacts", row(1, "Company", "Name"), row(2, "Acme", "Ann"),
                row(3, null, "Bob"), row(4, "Beta", "Cy"), row(5, null, "Dee")).merging("A2:A3");
        Workbook.SheetSpec second = sheet("Other", row(1, "Company", "Name"), row(2, "Gamma", "Eve"),
                row(3, null, "Fay"));
        XlsxWriter.write(Workbook.of(first, second.merging("A2:A3")), file);
        List<SourceRow> filled = List.of(
                new SourceRow(1, 2, cells("Company", "Acme", "Name", "Ann")),
                new SourceRow(2, 3, cells("Company", "Acme", "Name", "Bob")),
                new SourceRow(3, 4, cells("Company", "Beta", "Name", "Cy")),
                new SourceRow(4, 5, cells("Company", "", "Name", "Dee")));
        long before = SheetMerges.scans();

        assertThat(read(file)).isEqualTo(filled);
        assertThat(read(file)).isEqualTo(filled);
        assertThat(read(file, "Other")).extracting(SourceRow::cells).containsExactly(
                cells("Company", "Gamma", "Name", "Eve"), cells("Company", "Gamma", "Name", "Fay"));
        assertThat(read(file, "Other")).hasSize(2);
        assertThat(SheetMerges.scans() - before).isEqualTo(2);

        FileTime written = Files.getLastModifiedTime(file);
        XlsxWriter.write(Workbook.of(first.merging("A2:A3", "A4:A5"), second), file);
        Files.setLastModifiedTime(file, written);

        assertThat(read(file)).extracting(SourceRow::cells).last().isEqualTo(cells("Company", "Beta", "Name", "Dee"));
        assertThat(SheetMerges.scans() - before).isEqualTo(3);
    }

    /**
     * The blocks of the {@value SheetMerges#MAX_SHEETS} sheets read last are kept: reading one more sheet forgets the
     * one read longest ago, which is then scanned again when read, and forgets the next-oldest in turn.
     */
    @Test
    void keepsTheMergedCellsOfTheSheetsReadLastAndScansAnOlderOneAgain() throws IOException {
        List<Path> files = new ArrayList<>();
        for (int i = 0; i <= SheetMerges.MAX_SHEETS; i++) {
            Path file = dir.resolve("lru-" + i + ".xlsx");
            XlsxWriter.write(Workbook.of(sheet("S", row(1, "Company", "Name"), row(2, "Acme " + i, "Ann"),
                    row(3, null, "Bob")).merging("A2:A3")), file);
            files.add(file);
        }
        long before = SheetMerges.scans();
        for (Path file : files) {
            read(file);
        }
        assertThat(SheetMerges.scans() - before).isEqualTo(SheetMerges.MAX_SHEETS + 1);

        assertThat(read(files.getLast())).extracting(SourceRow::cells).last()
                .isEqualTo(cells("Company", "Acme " + SheetMerges.MAX_SHEETS, "Name", "Bob"));
        assertThat(SheetMerges.scans() - before).isEqualTo(SheetMerges.MAX_SHEETS + 1);
        assertThat(read(files.getFirst())).extracting(SourceRow::cells).last()
                .isEqualTo(cells("Company", "Acme 0", "Name", "Bob"));
        assertThat(SheetMerges.scans() - before).isEqualTo(SheetMerges.MAX_SHEETS + 2);
        read(files.get(2));
        assertThat(SheetMerges.scans() - before).isEqualTo(SheetMerges.MAX_SHEETS + 2);
        read(files.get(1));
        assertThat(SheetMerges.scans() - before).isEqualTo(SheetMerges.MAX_SHEETS + 3);
    }

    /**
     * A sheet is kept whatever the number of its merged blocks the scan takes: one of 300,000 blocks over several rows,
     * read twice as an import reads it (to prevalidate, then to write), is scanned once. Before, the blocks kept were
     * bounded at 262,144, a quarter of what a scan takes, so such a sheet was scanned again on every read.
     */
    @Test
    void scansASheetOfMoreMergedBlocksThanTheOldBoundOnceForTwoReads() throws IOException {
        Path many = mergedBlocks("many", 300_000, 0);
        List<SourceRow> filled = List.of(new SourceRow(1, 2, cells("Company", "Acme", "Name", "Ann")),
                new SourceRow(2, 3, cells("Company", "Acme", "Name", "Bob")));
        long before = SheetMerges.scans();

        assertThat(read(many)).isEqualTo(filled);
        assertThat(read(many)).isEqualTo(filled);
        assertThat(SheetMerges.scans() - before).isEqualTo(1);
    }

    /**
     * At most {@value SheetMerges#MAX_BLOCKS} merged blocks are kept in all, counting the blocks over several rows (a
     * block of one row fills nothing and is not kept): as many as one scan takes. A sheet with exactly that many is
     * kept, and forgets the sheets read before it; a sheet kept after it forgets it, as the two would be one block too
     * many.
     */
    @Test
    void keepsAtMostTheBoundOfMergedBlocksInAll() throws IOException {
        assertThat(SheetMerges.MAX_BLOCKS).isEqualTo(MergedCells.MAX_BLOCKS);
        Path small = merged("small", 1, 0);
        // The one-row blocks make the sheet's merged ranges more than the bound, yet what is kept is at the bound.
        Path full = mergedBlocks("full", SheetMerges.MAX_BLOCKS, 3);
        List<SourceRow> filled = List.of(new SourceRow(1, 2, cells("Company", "Acme", "Name", "Ann")),
                new SourceRow(2, 3, cells("Company", "Acme", "Name", "Bob")));
        long before = SheetMerges.scans();

        assertThat(read(small)).isEqualTo(filled);
        assertThat(read(full)).isEqualTo(filled);
        assertThat(SheetMerges.scans() - before).isEqualTo(2);
        assertThat(read(full)).isEqualTo(filled);
        assertThat(SheetMerges.scans() - before).isEqualTo(2);

        assertThat(read(small)).isEqualTo(filled);
        assertThat(SheetMerges.scans() - before).isEqualTo(3);
        assertThat(read(small)).isEqualTo(filled);
        assertThat(SheetMerges.scans() - before).isEqualTo(3);
        assertThat(read(full)).isEqualTo(filled);
        assertThat(SheetMerges.scans() - before).isEqualTo(4);
    }

    /**
     * A sheet of a header and two rows whose company A2:A3 is merged, with {@code blocks} merged blocks over several
     * rows in all (the others below the rows, in column B) and {@code oneRow} blocks of one row each.
     */
    private Path merged(String name, int blocks, int oneRow) throws IOException {
        List<String> ranges = new ArrayList<>(blocks + oneRow);
        ranges.add("A2:A3");
        for (int i = 1; i < blocks; i++) {
            ranges.add("B" + (2 * i + 8) + ":B" + (2 * i + 9));
        }
        for (int i = 0; i < oneRow; i++) {
            ranges.add("C" + (i + 4) + ":D" + (i + 4));
        }
        return XlsxWriter.write(Workbook.of(sheet("S", row(1, "Company", "Name"), row(2, "Acme", "Ann"),
                row(3, null, "Bob")).merging(ranges.toArray(String[]::new))), dir.resolve(name + ".xlsx"));
    }

    /**
     * A sheet's merged blocks are kept while its rows are read: more than 1,048,576 of more than one row (as many as a
     * sheet has rows) are refused before any row is read, and blocks of one row, which fill nothing, are not kept and
     * count for nothing however many. Before, every block the scan found was kept, bounded only by the part's size.
     */
    @Test
    void refusesASheetOfMoreMergedBlocksOfSeveralRowsThanTheReaderTakes() throws IOException {
        Path over = mergedBlocks("over-blocks", 1_048_577, 0);
        Path full = mergedBlocks("full-blocks", 1_048_576, 100_000);

        assertRefused(over, WorkbookLimits.defaults(), "the sheet has more than 1,048,576 merged blocks of more than"
                + " one row, the most the reader takes");
        assertThat(read(full)).isEqualTo(List.of(new SourceRow(1, 2, cells("Company", "Acme", "Name", "Ann")),
                new SourceRow(2, 3, cells("Company", "Acme", "Name", "Bob"))));
    }

    /**
     * The sheet of {@link #merged} with {@code blocks} merged blocks of two rows (A2:A3, then the same block again) and
     * {@code oneRow} of one row, written as the part's text.
     */
    private Path mergedBlocks(String name, int blocks, int oneRow) throws IOException {
        Path file = merged(name, 1, 0);
        rewritePart(file, "xl/worksheets/sheet1.xml", StandardCharsets.UTF_8, false, xml -> xml.replace(
                "<mergeCells count=\"1\"><mergeCell ref=\"A2:A3\"/>", "<mergeCells>"
                        + "<mergeCell ref=\"A2:A3\"/>".repeat(blocks) + "<mergeCell ref=\"C4:D4\"/>".repeat(oneRow)));
        return file;
    }

    /**
     * A sheet's dimension element is a hint some writers get wrong (streaming writers leave {@code A1}, others write
     * none): the header, every row and every column are read from the cells, whatever it says, and so are the row
     * count and a read of the third column alone.
     */
    @ParameterizedTest(name = "dimension {0}")
    @NullSource
    @ValueSource(strings = {"A1", "A1:B2", "A1:Z1000"})
    void readsEveryRowAndColumnWhateverTheSheetsDimensionSays(String dimension) throws IOException {
        Path file = dir.resolve("dimension.xlsx");
        Files.write(file, XlsxFiles.withDimension(XlsxFiles.of("People", new String[][] {
            {"id", "name", "city"}, {"a-1", "Ann", "Oslo"}, {"a-2", "Bob", null}, {null, null, "Rome"},
            {"a-4", "Cy", "Lima"}}), dimension));

        assertThat(read(file)).containsExactly(
                new SourceRow(1, 2, cells("id", "a-1", "name", "Ann", "city", "Oslo")),
                new SourceRow(2, 3, cells("id", "a-2", "name", "Bob", "city", "")),
                new SourceRow(3, 4, cells("id", "", "name", "", "city", "Rome")),
                new SourceRow(4, 5, cells("id", "a-4", "name", "Cy", "city", "Lima")));
        try (RowReader reader = Readers.open(file, FileType.XLSX, ReadOptions.defaults())) {
            assertThat(reader.headers()).containsExactly("id", "name", "city");
            assertThat(reader.format().sheet()).isEqualTo("People");
            assertThat(reader.countRemaining()).isEqualTo(4);
        }
        assertThat(readAll(file, SharedStrings.DEFAULT_IN_HEAP, Set.of("city"))).extracting(SourceRow::cells)
                .containsExactly(cells("city", "Oslo"), cells("city", ""), cells("city", "Rome"),
                        cells("city", "Lima"));
    }

    @Test
    void refusesACellThatRefersPastTheEndOfTheSharedStrings() throws IOException {
        Path file = XlsxWriter.write(Workbook.of(sheet("S", row(1, "id"), row(2, "a-1"))), dir.resolve("past.xlsx"),
                XlsxWriter.Variant.SHARED_STRING_PAST_THE_END);

        try (RowReader reader = XlsxRows.open(file, null, 1)) {
            assertThatThrownBy(reader::next).isInstanceOfSatisfying(IngestException.class, e -> {
                assertThat(e.code()).isEqualTo("unreadable_file");
                assertThat(e.getMessage()).isEqualTo("Row 2: the workbook cannot be read; expected a valid .xlsx "
                        + "file, found a damaged one (a cell refers to shared string 2 of a table of 2)");
            });
        }
    }

    /**
     * A cell holds at most Excel's 32,767 characters however the file keeps its text: a shared string (kept in the
     * heap or in the file), an inline string, a formula's cached text or a number written out in {@code <v>}. A longer
     * one makes the workbook damaged at its row, whichever columns are read (before, only a shared string was refused,
     * and as a damage of the whole table; the others were read).
     */
    @Test
    void refusesACellLongerThanACellHoldsAtItsRowHoweverTheFileKeepsItsText() throws IOException {
        record Kind(String name, XlsxWriter.Variant variant, Function<Integer, Object> cell, String source) {}
        List<Kind> kinds = List.of(
                new Kind("shared string", XlsxWriter.Variant.STANDARD, length -> "x".repeat(length),
                        "shared string 5 of xl/sharedStrings.xml in "),
                new Kind("inline string", XlsxWriter.Variant.INLINE_STRINGS, length -> "x".repeat(length), ""),
                new Kind("formula's text", XlsxWriter.Variant.STANDARD,
                        length -> formula("REPT(\"x\"," + length + ")", new Workbook.Text("x".repeat(length))), ""),
                new Kind("number", XlsxWriter.Variant.STANDARD, length -> num("1".repeat(length)), ""));
        for (Kind kind : kinds) {
            Path file = XlsxWriter.write(Workbook.of(sheet("S", row(1, "id", "text"),
                    row(2, "a-1", kind.cell().apply(32_767)), row(3, "a-2", kind.cell().apply(32_768)))),
                    dir.resolve("long-cell.xlsx"), kind.variant());

            for (int inHeap : new int[] {SharedStrings.DEFAULT_IN_HEAP, 0}) {
                for (Set<String> only : Arrays.asList(null, Set.of("id"))) {
                    String as = kind.name() + ", in heap: " + inHeap + ", reading " + only;
                    try (RowReader reader = XlsxRows.open(file, null, inHeap)) {
                        if (only != null) {
                            reader.readOnly(only);
                        }
                        SourceRow longest = reader.next();
                        assertThat(longest.line()).as(as).isEqualTo(2);
                        assertThat(longest.cells().get("id")).as(as).isEqualTo("a-1");
                        if (only == null) {
                            assertThat(((String) longest.cells().get("text"))).as(as).hasSize(32_767);
                        }
                        assertThatThrownBy(reader::next).as(as).isInstanceOfSatisfying(IngestException.class, e -> {
                            assertThat(e.code()).isEqualTo("unreadable_file");
                            assertThat(e.line()).isEqualTo(3);
                            assertThat(e.getMessage()).isEqualTo("Row 3: the workbook cannot be read; expected a valid"
                                    + " .xlsx file, found a damaged one (" + kind.source() + "cell B3 has 32,768"
                                    + " characters, where a cell holds at most 32,767)");
                        });
                    }
                }
            }
        }
    }

    /**
     * A shared string longer than a cell holds that no cell refers to is never a cell's text: the workbook reads, its
     * cells as they are (the limit is on what cells hold, and such a string adds nothing to any row).
     */
    @Test
    void readsAWorkbookWhoseTableHoldsALongStringNoCellRefersTo() throws IOException {
        // Every text cell refers to the item after its own, and the long string goes first: the cells read the items
        // they were written with, and reading them reads the long one.
        Path file = XlsxWriter.write(Workbook.of(sheet("S", row(1, "id"), row(2, "a-1"), row(3, "a-2"))),
                dir.resolve("unused.xlsx"), XlsxWriter.Variant.SHARED_STRING_PAST_THE_END);
        rewritePart(file, "xl/sharedStrings.xml", StandardCharsets.UTF_8, false,
                xml -> xml.replaceFirst("<si>", "<si><t>" + "x".repeat(1_000_000) + "</t></si><si>"));

        for (int inHeap : new int[] {SharedStrings.DEFAULT_IN_HEAP, 0}) {
            assertThat(readAll(file, inHeap, null)).as("in heap: " + inHeap).containsExactly(
                    new SourceRow(1, 2, cells("id", "a-1")), new SourceRow(2, 3, cells("id", "a-2")));
        }
    }

    /**
     * All rows of a workbook hold at most 1,024 characters per byte of the file, and never fewer than 67,108,864 (64
     * rows as long as a row may be), so a file of kilobytes whose rows each stay under a row's bound still cannot
     * repeat its shared strings into gigabytes. The header's 99 characters and 64 rows make exactly that, and read;
     * a row of one character more is a damaged workbook at that row.
     */
    @Test
    void refusesRowsHoldingMoreThanTheMostTheWorkbookMayGiveAtTheRowThatPassesIt() throws IOException {
        String longest = "x".repeat(32_767);
        List<Workbook.RowSpec> rows = new ArrayList<>();
        Object[] header = new Object[33];
        Object[] full = new Object[33];
        for (int i = 0; i < 33; i++) {
            header[i] = "c" + (i < 9 ? "0" : "") + (i + 1);
            full[i] = i < 32 ? longest : "y".repeat(32);
        }
        rows.add(row(1, header));
        for (int r = 2; r <= 64; r++) {
            rows.add(row(r, full));
        }
        Object[] rest = new Object[32];
        Arrays.fill(rest, 0, 31, longest);
        rest[31] = "z".repeat(32_700);
        rows.add(row(65, rest));
        rows.add(row(66, "x"));
        Path file = XlsxWriter.write(Workbook.of(sheet("S", rows.toArray(Workbook.RowSpec[]::new))),
                dir.resolve("many-long-rows.xlsx"));
        assertThat(Files.size(file)).isLessThan(65_536);
        assertThat(99 + 63 * 1_048_576L + 31 * 32_767 + 32_700).isEqualTo(67_108_864);

        try (RowReader reader = XlsxRows.open(file, null)) {
            for (long line = 2; line <= 65; line++) {
                assertThat(reader.next().line()).isEqualTo(line);
            }
            assertThatThrownBy(reader::next).isInstanceOfSatisfying(IngestException.class, e -> {
                assertThat(e.code()).isEqualTo("unreadable_file");
                assertThat(e.line()).isEqualTo(66);
                assertThat(e.getMessage()).isEqualTo("Row 66: the workbook cannot be read; expected a valid .xlsx file,"
                        + " found a damaged one (the rows up to this one hold more than 67,108,864 characters, the most"
                        + " this workbook's rows may hold (1,024 per byte of the file, at least 67,108,864))");
            });
        }
    }

    /**
     * What a row holds counts whether its cells are read or skipped, shared strings kept in a file included, and with
     * what merged blocks fill into it: a read of one column stops at the same row as a read of all (an import checks
     * the file reading its keys only, then reads every mapped column).
     */
    @Test
    void refusesTheSameRowWhetherEveryColumnOrOneIsRead() throws IOException {
        String longest = "x".repeat(32_767);
        Object[] header = new Object[33];
        Object[] most = new Object[33];
        Object[] over = new Object[33];
        Object[] blocks = new Object[33];
        String[] ranges = new String[32];
        for (int i = 0; i < 33; i++) {
            header[i] = "c" + (i + 1);
            most[i] = i < 32 ? longest : "y".repeat(32);
            over[i] = i < 32 ? longest : "y".repeat(33);
            blocks[i] = i < 32 ? longest : "b";
        }
        for (int i = 0; i < 32; i++) {
            ranges[i] = XlsxWriter.column(i) + "4:" + XlsxWriter.column(i) + "6";
        }
        Object[] filledMost = new Object[33];
        filledMost[32] = "y".repeat(31);
        Object[] filledOver = new Object[33];
        filledOver[32] = "y".repeat(33);
        Path rows = XlsxWriter.write(Workbook.of(sheet("S", row(1, header), row(2, most), row(3, over))),
                dir.resolve("rows.xlsx"));
        Path merged = XlsxWriter.write(Workbook.of(sheet("S", row(1, header), row(2, most), row(3, "a"),
                row(4, blocks), row(5, filledMost), row(6, filledOver)).merging(ranges)), dir.resolve("merged.xlsx"));

        for (int inHeap : new int[] {SharedStrings.DEFAULT_IN_HEAP, 0}) {
            for (Set<String> only : Arrays.asList(null, Set.of("c33"), Set.of("c1"))) {
                String as = "in heap: " + inHeap + ", reading " + only;
                assertThatThrownBy(() -> readAll(rows, inHeap, only)).as(as)
                        .isInstanceOfSatisfying(IngestException.class, e -> assertThat(e.getMessage()).isEqualTo(
                                "Row 3: the workbook cannot be read; expected a valid .xlsx file, found a damaged one"
                                        + " (the row's cells hold more than 1,048,576 characters, the most a row may"
                                        + " hold)"));
                assertThatThrownBy(() -> readAll(merged, inHeap, only)).as(as)
                        .isInstanceOfSatisfying(IngestException.class, e -> assertThat(e.getMessage()).isEqualTo(
                                "Row 6: the workbook cannot be read; expected a valid .xlsx file, found a damaged one"
                                        + " (the row's cells hold more than 1,048,576 characters, the most a row may"
                                        + " hold)"));
            }
        }
    }

    /**
     * A merged block's value counts in the rows it fills as the text its cell holds in the file (a number's stored
     * digits), as the cell itself counts, whether or not the cell is read: a date of 5 stored digits, shown as 10
     * characters, fills a row that holds 1,048,569 characters of its own to 1,048,574, within a row's bound, in a read
     * of every column as in a read of the key column only.
     */
    @Test
    void countsAMergedNumbersStoredTextWhetherItsColumnIsReadOrNot() throws IOException {
        String longest = "x".repeat(32_767);
        Object[] header = new Object[34];
        Object[] start = new Object[34];
        Object[] own = new Object[33];
        for (int i = 0; i < 34; i++) {
            header[i] = "c" + (i + 1);
        }
        start[0] = "k";
        start[33] = num("45306", "yyyy-mm-dd");
        Arrays.fill(own, 0, 32, longest);
        own[32] = "y".repeat(25);
        Path file = XlsxWriter.write(Workbook.of(sheet("S", row(1, header), row(2, start), row(3, own))
                .merging(XlsxWriter.column(33) + "2:" + XlsxWriter.column(33) + "3")), dir.resolve("merged-date.xlsx"));

        for (int inHeap : new int[] {SharedStrings.DEFAULT_IN_HEAP, 0}) {
            List<SourceRow> all = readAll(file, inHeap, null);
            assertThat(all).as("in heap: " + inHeap).extracting(SourceRow::line).containsExactly(2L, 3L);
            assertThat(all.get(1).cells().get("c34")).isEqualTo("2024-01-15");
            assertThat(readAll(file, inHeap, Set.of("c1"))).as("c1, in heap: " + inHeap).extracting(SourceRow::line)
                    .containsExactly(2L, 3L);
        }
    }

    /** Past 64 KiB, a workbook's rows may hold 1,024 characters per byte of it. */
    @Test
    void letsALargerWorkbooksRowsHold1024CharactersPerByteOfIt() {
        assertThat(new SheetText(1_000).maxTotal()).isEqualTo(67_108_864);
        assertThat(new SheetText(65_536).maxTotal()).isEqualTo(67_108_864);
        assertThat(new SheetText(65_537).maxTotal()).isEqualTo(67_109_888);
        assertThat(new SheetText(4L << 30).maxTotal()).isEqualTo(4_398_046_511_104L);
        assertThat(new SheetText(Long.MAX_VALUE).maxTotal()).isEqualTo(Long.MAX_VALUE);
    }

    /**
     * A part whose compressed data is corrupt from its first byte is a damaged workbook, whichever part it is: the
     * sheet, the shared strings or the workbook itself (not an I/O failure of the service's own).
     */
    @ParameterizedTest
    @ValueSource(strings = {"xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/workbook.xml"})
    void refusesAPartWhoseCompressedDataIsCorruptAsADamagedWorkbook(String part) throws IOException {
        Path file = XlsxWriter.write(Workbook.of(sheet("S", row(1, "id"), row(2, "a-1"))), dir.resolve("c.xlsx"));
        corruptData(file, part);

        assertThatThrownBy(() -> {
            try (RowReader reader = Readers.open(file, FileType.XLSX, ReadOptions.defaults())) {
                while (reader.next() != null) {
                    // Reads to the end.
                }
            }
        }).isInstanceOfSatisfying(IngestException.class, e -> {
            assertThat(e.code()).isEqualTo("unreadable_file");
            assertThat(e.getMessage()).isEqualTo("The workbook cannot be read; expected a valid .xlsx file, found a"
                    + " damaged one (corrupt zip data)");
        });
    }

    /** The item of one shared string of 1,000 characters: 1,015 bytes of the part. */
    private static final String THOUSAND = "<si><t>" + "x".repeat(1_000) + "</t></si>";

    /**
     * Reads {@code file} to its end with {@code limits}, and fails unless the read fails as {@code unreadable_file}
     * for the file as a whole (line 0) with a message ending in {@code problem}.
     */
    private static void assertRefused(Path file, WorkbookLimits limits, String problem) {
        assertThatThrownBy(() -> {
            try (RowReader reader = Readers.open(file, FileType.XLSX, new ReadOptions(null, null, limits))) {
                while (reader.next() != null) {
                    // Reads to the end.
                }
            }
        }).isInstanceOfSatisfying(IngestException.class, e -> {
            assertThat(e.code()).isEqualTo("unreadable_file");
            assertThat(e.line()).isZero();
            assertThat(e.getMessage()).isEqualTo("The workbook cannot be read; expected a valid .xlsx file, found a"
                    + " damaged one (" + problem + ")");
        });
    }

    /**
     * A shared-strings table that expands past the configured limit is refused naming the part and the setting, the
     * row that referred to it being no more at fault than any other; the same file reads with the default limits.
     */
    @Test
    void refusesSharedStringsThatExpandPastTheConfiguredLimit() throws IOException {
        Path file = Files.write(dir.resolve("strings.xlsx"), XlsxFiles.expanding(THOUSAND, 2_000, 1_999, "", 0));

        assertRefused(file, new WorkbookLimits(1 << 20, 1_000), "xl/sharedStrings.xml expands to more than 1,048,576"
                + " bytes, the most a part of this workbook may expand to (FREIGHT_MAX_XLSX_PART_BYTES)");
        try (RowReader reader = Readers.open(file, FileType.XLSX, ReadOptions.defaults())) {
            SourceRow row = reader.next();
            assertThat(row.line()).isEqualTo(2);
            assertThat(row.cells()).containsExactly(entry("id", "a-1"), entry("text", "x".repeat(1_000)));
            assertThat(reader.next()).isNull();
        }
    }

    /**
     * A file of under a megabyte whose shared strings expand to over 64 MiB (deflate packs a repeated text about a
     * thousand times) is refused once the part passes 64 MiB, the least any file may expand to, with the default
     * limits: before, the strings past the heap's share went to a temporary file at their full size, so a 100 MB
     * upload could write about 100 GB to the temporary disk before the read ended.
     */
    @Test
    void refusesAPartThatExpandsPastAHundredTimesTheFileAtLeast64MiB() throws IOException {
        String item = "<si><t>" + "x".repeat(30_000) + "</t></si>";
        byte[] xlsx = XlsxFiles.expanding(item, 2_300, 2_299, "", 0);
        Path file = Files.write(dir.resolve("bomb.xlsx"), xlsx);

        assertThat(xlsx.length).isLessThan(671_088);
        assertRefused(file, WorkbookLimits.defaults(), "xl/sharedStrings.xml expands to more than 67,108,864 bytes,"
                + " the most a part of this workbook may expand to (100 per byte of the file, at least 67,108,864)");
    }

    /**
     * Shared strings of a few bytes each take more in the temporary file (their lengths and index: 16 bytes) than in
     * the part: past the heap's 65,536, the strings may take no more there than a part may expand to. 400,000 empty
     * items expand to 2 MB; past the first 65,536, the next 196,608 take the limit's 3 MiB.
     */
    @Test
    void refusesSharedStringsThatWouldTakeMoreThanTheLimitInTheTemporaryFile() throws IOException {
        Path file = Files.write(dir.resolve("empty-strings.xlsx"),
                XlsxFiles.expanding("<si/>", 400_000, 399_999, "", 0));

        assertRefused(file, new WorkbookLimits(3 << 20, 1_000), "the strings of xl/sharedStrings.xml past the first"
                + " 65,536 take more than 3,145,728 bytes in a temporary file, the most this workbook's strings may take"
                + " there (FREIGHT_MAX_XLSX_PART_BYTES)");
    }

    /**
     * The styles, the workbook and its relationships are kept whole while the sheet is read: each is held to Excel's
     * 64,000 cell and number formats, 65,536 sheets and twice as many relationships, and 4,194,304 characters of the
     * texts kept from it, and a workbook past them is refused naming the part and the bound. Before, they were held to
     * the part's expanded size alone: 64 MiB of {@code <xf/>} kept about ten million entries.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "xl/styles.xml|<cellXfs count=\"1\">|<xf numFmtId=\"0\"/>|64000|0|xl/styles.xml has more than 64,000 cell"
            + " formats (<xf> in <cellXfs>), the most a workbook holds",
        "xl/styles.xml|<fonts |<numFmts><numFmt numFmtId=\"164\" formatCode=\"0\"/></numFmts>|64001|0|xl/styles.xml"
            + " has more than 64,000 number formats (<numFmt>), the most a workbook holds",
        "xl/styles.xml|<fonts |<numFmts><numFmt numFmtId=\"164\" formatCode=\"{x}\"/></numFmts>|2|2100000|the"
            + " number formats (<numFmt>) of xl/styles.xml hold more than 4,194,304 characters together, the most the"
            + " reader keeps of a part",
        "xl/workbook.xml|<sheets>|<sheet name=\"T\" sheetId=\"2\" r:id=\"rId9\"/>|65536|0|xl/workbook.xml has more"
            + " than 65,536 sheets, the most the reader takes",
        "xl/workbook.xml|<sheets>|<sheet name=\"{x}\" sheetId=\"2\" r:id=\"rId9\"/>|2|2100000|the sheets of"
            + " xl/workbook.xml hold more than 4,194,304 characters together, the most the reader keeps of a part",
        "xl/_rels/workbook.xml.rels|relationships\">|<Relationship Id=\"rId9\" Target=\"a.xml\"/>|131070|0|"
            + "xl/_rels/workbook.xml.rels has more than 131,072 relationships, the most the reader takes",
        "xl/_rels/workbook.xml.rels|relationships\">|<Relationship Id=\"rId9\" Target=\"{x}\"/>|2|2100000|the"
            + " relationships of xl/_rels/workbook.xml.rels hold more than 4,194,304 characters together, the most the"
            + " reader keeps of a part"})
    void refusesAWorkbookPartOfMoreEntriesThanTheReaderKeeps(String part, String after, String entry, int entries,
            int characters, String problem) throws IOException {
        Path file = XlsxWriter.write(Workbook.of(sheet("S", row(1, "n"), row(2, num("7")))), dir.resolve("parts.xlsx"));
        String added = (entry.startsWith("<numFmts>") ? entry.replaceAll("</?numFmts>", "") : entry)
                .replace("{x}", "x".repeat(characters)).repeat(entries);
        String wrapped = entry.startsWith("<numFmts>") ? "<numFmts>" + added + "</numFmts>" : added;
        rewritePart(file, part, StandardCharsets.UTF_8, false, xml -> {
            int at = xml.indexOf(after);
            assertThat(at).as(after).isPositive();
            return after.startsWith("<fonts") ? xml.substring(0, at) + wrapped + xml.substring(at)
                    : xml.substring(0, at + after.length()) + wrapped + xml.substring(at + after.length());
        });

        assertRefused(file, WorkbookLimits.defaults(), problem);
    }

    /** A workbook of Excel's 64,000 cell formats is read, its cells in their formats. */
    @Test
    void readsAWorkbookOfAsManyCellFormatsAsExcelHolds() throws IOException {
        Path file = XlsxWriter.write(Workbook.of(sheet("S", row(1, "n"), row(2, num("7")))), dir.resolve("xfs.xlsx"));
        rewritePart(file, "xl/styles.xml", StandardCharsets.UTF_8, false, xml -> xml.replace("</cellXfs>",
                "<xf numFmtId=\"14\"/>".repeat(63_999) + "</cellXfs>"));

        assertThat(read(file)).extracting(SourceRow::cells).containsExactly(cells("n", "7"));
    }

    /**
     * A sheet part that expands past the limit is refused before any row is read, and before it is read at all when
     * the package's directory gives its size: no scan for merged cells begins. Before, the scan expanded the part up
     * to the limit first (at the 4 GiB default, tens of seconds).
     */
    @Test
    void refusesASheetThatExpandsPastTheLimitBeforeReadingIt() throws IOException {
        Path file = Files.write(dir.resolve("rows.xlsx"),
                XlsxFiles.expanding("<si><t>b</t></si>", 1, 0, "<row r=\"3\"/>", 100_000));
        long before = SheetMerges.scans();

        assertRefused(file, new WorkbookLimits(1 << 20, 1_000), "xl/worksheets/sheet1.xml expands to more than"
                + " 1,048,576 bytes, the most a part of this workbook may expand to (FREIGHT_MAX_XLSX_PART_BYTES)");
        assertThat(SheetMerges.scans() - before).isZero();
    }

    /**
     * An Excel sheet has 1,048,576 rows: a row numbered past them, or more rows than that (blank ones too, which no
     * limit on text stops and a small file holds by the million), make the workbook damaged. The first pass over the
     * sheet, its scan for merged cells, finds them, so the sheet is refused before any row is read, as a whole.
     * Before, the reader gave every row up to that one (a million, at the second case) and refused the sheet there.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "<row r=\"1048577\"/>|1|row 1,048,577 is past the last row of an Excel sheet, 1,048,576",
        "<x:row spans=\"1:2\"\t r = \" 1048577 \" />|1|row 1,048,577 is past the last row of an Excel sheet, 1,048,576",
        "<row r=\"3\"/>|1048575|the sheet has more than 1,048,576 rows, the most an Excel sheet has",
        "<row/>|1048575|the sheet has more than 1,048,576 rows, the most an Excel sheet has"})
    void refusesASheetOfMoreRowsThanExcelHasBeforeReadingAnyRow(String row, int rows, String problem)
            throws IOException {
        Path file = Files.write(dir.resolve("many-rows.xlsx"), XlsxFiles.expanding("<si><t>b</t></si>", 1, 0, row,
                rows));
        List<SourceRow> read = new ArrayList<>();

        assertThatThrownBy(() -> {
            try (RowReader reader = Readers.open(file, FileType.XLSX, ReadOptions.defaults())) {
                for (SourceRow next = reader.next(); next != null; next = reader.next()) {
                    read.add(next);
                }
            }
        }).isInstanceOfSatisfying(IngestException.class, e -> {
            assertThat(e.code()).isEqualTo("unreadable_file");
            assertThat(e.line()).isZero();
            assertThat(e.getMessage()).isEqualTo("The workbook cannot be read; expected a valid .xlsx file, found a"
                    + " damaged one (" + problem + ")");
        });
        assertThat(read).isEmpty();
    }

    /** A sheet of exactly Excel's 1,048,576 rows, the last numbered so, is read to its last row. */
    @Test
    void readsASheetOfAsManyRowsAsExcelHas() throws IOException {
        Path file = Files.write(dir.resolve("all-rows.xlsx"), XlsxFiles.expanding("<si><t>b</t></si>", 1, 0,
                "<row/>", 1_048_573));
        rewriteLastRow(file);

        try (RowReader reader = Readers.open(file, FileType.XLSX, ReadOptions.defaults())) {
            assertThat(reader.next().cells()).containsExactly(entry("id", "a-1"), entry("text", "b"));
            SourceRow last = reader.next();
            assertThat(last.line()).isEqualTo(1_048_576);
            assertThat(last.cells()).containsExactly(entry("id", "z"), entry("text", ""));
            assertThat(reader.next()).isNull();
        }
    }

    /** Adds a last row numbered 1,048,576 after the sheet's rows. */
    private static void rewriteLastRow(Path file) throws IOException {
        rewritePart(file, "xl/worksheets/sheet1.xml", StandardCharsets.UTF_8, false, xml -> xml.replace(
                "</sheetData>", "<row r=\"1048576\"><c t=\"inlineStr\"><is><t>z</t></is></c></row></sheetData>"));
    }

    /**
     * A part that declares a document type is refused naming the part, whatever encoding XML lets it use: UTF-16 in
     * either byte order, with a byte order mark or without, and UTF-8 after a mark (before, the check read the part's
     * start as Latin-1 only, so a UTF-16 part passed it and the parser refused it in words of its own).
     */
    @ParameterizedTest(name = "{0} in {1}, byte order mark: {2}")
    @CsvSource({
            "xl/worksheets/sheet1.xml, UTF-16LE, true", "xl/worksheets/sheet1.xml, UTF-16LE, false",
            "xl/worksheets/sheet1.xml, UTF-16BE, true", "xl/worksheets/sheet1.xml, UTF-16BE, false",
            "xl/worksheets/sheet1.xml, UTF-8, true",
            "xl/sharedStrings.xml, UTF-16LE, true", "xl/sharedStrings.xml, UTF-16LE, false",
            "xl/sharedStrings.xml, UTF-16BE, true", "xl/sharedStrings.xml, UTF-16BE, false",
            "xl/sharedStrings.xml, UTF-8, true"})
    void refusesAPartDeclaringADocumentTypeInAnyEncoding(String part, String encoding, boolean mark)
            throws IOException {
        Path file = XlsxWriter.write(Workbook.of(sheet("S", row(1, "id"), row(2, "a-1"))), dir.resolve("dtd.xlsx"));
        String root = part.endsWith("sharedStrings.xml") ? "sst" : "worksheet";
        rewritePart(file, part, Charset.forName(encoding), mark, xml -> xml.replace("?>\n<" + root,
                "?>\n<!DOCTYPE " + root + " [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]>\n<" + root));

        assertThatThrownBy(() -> readAll(file, SharedStrings.DEFAULT_IN_HEAP, null))
                .isInstanceOfSatisfying(IngestException.class, e -> {
                    assertThat(e.code()).isEqualTo("unreadable_file");
                    assertThat(e.line()).isZero();
                    assertThat(e.getMessage()).isEqualTo("The workbook cannot be read; expected a valid .xlsx file,"
                            + " found a damaged one (" + part + " declares a document type (<!DOCTYPE>), which"
                            + " workbook parts never do; its entities could expand a small file into gigabytes (an XML"
                            + " bomb))");
                });
    }

    /** A sheet and a shared-strings table in UTF-16 (either byte order, a byte order mark or not) read as in UTF-8. */
    @ParameterizedTest(name = "{0}, byte order mark: {1}")
    @CsvSource({"UTF-16LE, true", "UTF-16LE, false", "UTF-16BE, true", "UTF-16BE, false"})
    void readsPartsEncodedAsUtf16(String encoding, boolean mark) throws IOException {
        Path file = XlsxWriter.write(Workbook.of(sheet("S", row(1, "id", "name"), row(2, "a-1", "Zoë 东京"),
                row(3, "a-2", num("12.5")))), dir.resolve("utf16.xlsx"));
        rewritePart(file, "xl/worksheets/sheet1.xml", Charset.forName(encoding), mark, xml -> xml);
        rewritePart(file, "xl/sharedStrings.xml", Charset.forName(encoding), mark, xml -> xml);

        assertThat(read(file)).containsExactly(
                new SourceRow(1, 2, cells("id", "a-1", "name", "Zoë 东京")),
                new SourceRow(2, 3, cells("id", "a-2", "name", "12.5")));
    }

    /**
     * A sheet in UTF-16 has its merged cells filled down as one in UTF-8 (before, the scan for merged ranges read its
     * bytes as ASCII, found none in UTF-16, and left the block's other rows blank).
     */
    @ParameterizedTest(name = "{0}, byte order mark: {1}")
    @CsvSource({"UTF-16LE, true", "UTF-16LE, false", "UTF-16BE, true", "UTF-16BE, false"})
    void fillsMergedCellsDownInASheetEncodedAsUtf16(String encoding, boolean mark) throws IOException {
        Path file = XlsxWriter.write(Workbook.of(sheet("S", row(1, "Company", "Name"), row(2, "Zoë 东京", "Ann"),
                row(3, null, "Bob"), row(4, "Beta", "Cy")).merging("A2:A3")), dir.resolve("merged16.xlsx"));
        rewritePart(file, "xl/worksheets/sheet1.xml", Charset.forName(encoding), mark, xml -> xml);

        assertThat(read(file)).containsExactly(
                new SourceRow(1, 2, cells("Company", "Zoë 东京", "Name", "Ann")),
                new SourceRow(2, 3, cells("Company", "Zoë 东京", "Name", "Bob")),
                new SourceRow(3, 4, cells("Company", "Beta", "Name", "Cy")));
    }

    /**
     * A part in UTF-32 (either byte order, a byte order mark or not) is refused naming the part and its encoding: the
     * package format allows UTF-8 and UTF-16 only, and the parser cannot read UTF-32, so its document type
     * declarations, if any, are never looked for (before, the parser's own error said the part ended at its start).
     */
    @ParameterizedTest(name = "{0} in {1}, byte order mark: {2}")
    @CsvSource({
            "xl/worksheets/sheet1.xml, UTF-32LE, true", "xl/worksheets/sheet1.xml, UTF-32LE, false",
            "xl/worksheets/sheet1.xml, UTF-32BE, true", "xl/worksheets/sheet1.xml, UTF-32BE, false",
            "xl/sharedStrings.xml, UTF-32LE, false", "xl/sharedStrings.xml, UTF-32BE, true",
            "xl/workbook.xml, UTF-32LE, true", "xl/workbook.xml, UTF-32BE, false"})
    void refusesAPartWrittenInUtf32(String part, String encoding, boolean mark) throws IOException {
        Path file = XlsxWriter.write(Workbook.of(sheet("S", row(1, "id"), row(2, "a-1"))), dir.resolve("utf32.xlsx"));
        String root = part.endsWith("sharedStrings.xml") ? "sst" : part.endsWith("workbook.xml") ? "workbook"
                : "worksheet";
        rewritePart(file, part, Charset.forName(encoding), mark, xml -> xml.replace("?>\n<" + root,
                "?>\n<!DOCTYPE " + root + " [<!ENTITY a \"aaaaaaaaaa\">]>\n<" + root));

        assertThatThrownBy(() -> readAll(file, SharedStrings.DEFAULT_IN_HEAP, null))
                .isInstanceOfSatisfying(IngestException.class, e -> {
                    assertThat(e.code()).isEqualTo("unreadable_file");
                    assertThat(e.line()).isZero();
                    assertThat(e.getMessage()).isEqualTo("The workbook cannot be read; expected a valid .xlsx file,"
                            + " found a damaged one (" + part + " is written in UTF-32, where workbook parts are"
                            + " written in UTF-8 or UTF-16)");
                });
    }

    /**
     * Writes {@code part} of the package again: its text changed by {@code change}, its declaration naming
     * {@code encoding}, in that encoding, after that encoding's byte order mark when {@code mark} is set. Every other
     * part is copied as it is.
     */
    private static void rewritePart(Path file, String part, Charset encoding, boolean mark,
            UnaryOperator<String> change) throws IOException {
        Path copy = file.resolveSibling(file.getFileName() + ".rewritten");
        boolean found = false;
        try (ZipFile in = new ZipFile(file.toFile());
                ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(copy))) {
            for (ZipEntry entry : Collections.list(in.entries())) {
                byte[] content;
                try (InputStream stream = in.getInputStream(entry)) {
                    content = stream.readAllBytes();
                }
                if (entry.getName().equals(part)) {
                    found = true;
                    String xml = change.apply(new String(content, StandardCharsets.UTF_8)
                            .replace("encoding=\"UTF-8\"", "encoding=\"" + encoding.name().replaceAll("(LE|BE)$", "")
                                    + "\""));
                    content = ((mark ? "\uFEFF" : "") + xml).getBytes(encoding);
                }
                out.putNextEntry(new ZipEntry(entry.getName()));
                out.write(content);
                out.closeEntry();
            }
        }
        if (!found) {
            throw new IllegalArgumentException("no part " + part);
        }
        Files.move(copy, file, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Makes the compressed data of {@code part} start with a deflate block of the reserved type. */
    private static void corruptData(Path file, String part) throws IOException {
        byte[] zip = Files.readAllBytes(file);
        byte[] name = part.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i + 30 < zip.length; i++) {
            if (zip[i] == 'P' && zip[i + 1] == 'K' && zip[i + 2] == 3 && zip[i + 3] == 4) {
                int nameLength = (zip[i + 26] & 0xFF) | (zip[i + 27] & 0xFF) << 8;
                int extraLength = (zip[i + 28] & 0xFF) | (zip[i + 29] & 0xFF) << 8;
                if (Arrays.equals(Arrays.copyOfRange(zip, i + 30, i + 30 + nameLength), name)) {
                    zip[i + 30 + nameLength + extraLength] = (byte) 0xFF;
                    Files.write(file, zip);
                    return;
                }
            }
        }
        throw new IllegalArgumentException("no part " + part);
    }

    private static List<SourceRow> readAll(Path file, int inHeap, Set<String> only) throws IOException {
        List<SourceRow> rows = new ArrayList<>();
        try (RowReader reader = XlsxRows.open(file, null, inHeap)) {
            if (only != null) {
                reader.readOnly(only);
            }
            for (SourceRow row = reader.next(); row != null; row = reader.next()) {
                rows.add(row);
            }
        }
        return rows;
    }

    @Test
    void readsAWorkbookWithoutAStylesPartAsGeneralCells() throws IOException {
        Path file = XlsxWriter.write(Workbook.of(sheet("S", row(1, "n"), row(2, num("45306", "yyyy-mm-dd")))),
                dir.resolve("no-styles.xlsx"), XlsxWriter.Variant.NO_STYLES);

        assertThat(read(file)).extracting(SourceRow::cells).containsExactly(cells("n", "45306"));
    }
}
