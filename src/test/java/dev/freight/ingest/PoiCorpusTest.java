package dev.freight.ingest;

import static dev.freight.ingest.CorpusTest.cells;
import static dev.freight.ingest.CorpusTest.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Apache POI's spreadsheets read in place (see {@link Corpora}), one or more per feature group of the corpus's
 * SOURCE.md, with exact values. The must-reject files' detection is in {@link CorpusTest}; here they are also opened
 * and listed.
 */
class PoiCorpusTest {

    private static Path poi(String name) {
        return Corpora.require("poi-spreadsheets").resolve(name);
    }

    // ---- dates, numbers and fractions

    @Test
    void readsTheSameDateCellsInThe1900And1904DateSystemsAndReportsTheSheet() throws IOException {
        for (String name : List.of("1900DateWindowing.xls", "1904DateWindowing.xls")) {
            try (RowReader reader = Readers.open(poi(name), FileType.XLS, ReadOptions.defaults())) {
                assertThat(reader.format()).as(name).isEqualTo(new SourceFormat(null, false, null, null, "Sheet1"));
                assertThat(reader.headers()).as(name).containsExactly("2000-01-01", "2000-01-01_2");
                assertThat(reader.next()).isNull();
            }
        }
    }

    @Test
    void givesDateFormattedCellsAsIsoDatesWhateverTheirDisplayFormat() throws IOException {
        assertThat(readAll(poi("DateFormats.xls"), FileType.XLS)).containsExactly(
                new SourceRow(1, 2, cells("US date", "US date", "2007-08-10", "2007-08-10")),
                new SourceRow(2, 3, cells("US date", "UK date", "2007-08-10", "2007-08-10")),
                new SourceRow(3, 4, cells("US date", "UK date", "2007-08-10", "2007-08-10")),
                new SourceRow(4, 5, cells("US date", "UK date", "2007-08-10", "2007-08-10")));
    }

    /**
     * Fraction formats are display formats: the cell's value is read as the formula bar shows it ({@code -1.05}),
     * not as the sheet displays it ({@code -1  1/20}, which the corpus's .txt file lists), so that a number imports
     * as the number it is.
     */
    @Test
    void readsFractionFormattedNumbersAsTheirValue() throws IOException {
        List<SourceRow> rows = readAll(poi("54686_fraction_formats.xls"), FileType.XLS);

        assertThat(rows).hasSize(354);
        assertThat(rows.get(1)).isEqualTo(new SourceRow(2, 3, cells("Numerator", "-105", "Denominator", "100",
                "Double", "-1.05", "1Digit", "-1.05", "2Digit", "-1.05", "3Digit", "-1.05", "Half", "-1.05",
                "Quarter", "-1.05", "Eight", "-1.05", "Sixteenth", "-1.05", "Tenth", "-1.05", "100th", "-1.05",
                "Tika-1132", "-1.05")));
        assertThat(rows.get(0).cells()).containsEntry("Double", "0.000462963333326857")
                .containsEntry("Tika-1132", "0.000462963333326857");
    }

    // ---- inline strings and shared strings

    @Test
    void readsInlineStringsBesideSharedStringsAndFormulas() throws IOException {
        Path file = poi("InlineStrings.xlsx");

        assertThat(Readers.sheets(file, FileType.XLSX)).containsExactly("Sheet1", "Sheet2", "Sheet3");
        assertThat(readAll(file, FileType.XLSX)).containsExactly(
                new SourceRow(1, 2, row("12", "A", "1st Inline String", "12")),
                new SourceRow(2, 3, row("32", "B", "2nd Inline String", "44")),
                new SourceRow(3, 4, row("43", "C", "More", "31")),
                new SourceRow(4, 5, row("42", "ABCDE", "B", "30")),
                new SourceRow(5, 6, row("22", "Long Text", "And More", "10")),
                new SourceRow(6, 7, row("21", "Longer Text", "The End", "9")));
    }

    private static Map<String, Object> row(String numbers, String strings, String inline, String formulas) {
        return cells("Numbers", numbers, "Strings", strings, "Inline Strings", inline, "Formulas", formulas);
    }

    /**
     * An inline string of several runs written as indented XML: only the runs' text counts, not the white space
     * between the run elements (fastexcel-reader 0.19, the reader before, kept it).
     */
    @Test
    void readsAnInlineRichStringAsTheTextOfItsRuns() throws IOException {
        try (RowReader reader = Readers.open(poi("InlineString.xlsx"), FileType.XLSX, ReadOptions.defaults())) {
            assertThat(reader.headers()).containsExactly("\uD83D\uDE1Cmore text");
        }
    }

    @Test
    void readsWorkbooksWithoutASharedStringsTableOrWithAWrongCountInIt() throws IOException {
        try (RowReader reader = Readers.open(poi("noSharedStringTable.xlsx"), FileType.XLSX,
                ReadOptions.defaults())) {
            // 123 in the format 0.00, as the cell shows it.
            assertThat(reader.headers()).containsExactly("2006-04-12", "123.00");
            assertThat(reader.next()).isNull();
        }
        assertThat(readAll(poi("MalformedSSTCount.xlsx"), FileType.XLSX)).containsExactly(
                new SourceRow(1, 2, cells("sdgf", "asdc", "fdsag", "sadc", "dsafv", "asdfXZc", "asdf", "sadf")),
                new SourceRow(2, 3, cells("sdgf", "23", "fdsag", "24", "dsafv", "2", "asdf", "1")));
    }

    @Test
    void readsInlineStringsOfAWholeSheet() throws IOException {
        List<SourceRow> rows = readAll(poi("56702.xlsx"), FileType.XLSX);

        assertThat(rows).hasSize(474);
        assertThat(rows.getFirst()).isEqualTo(new SourceRow(1, 2, cells("gender", "Male", "bdate", "19027",
                "educ", "15", "jobcat", "Manager", "salary", "57000", "salbegin", "27000", "jobtime", "98",
                "prevexp", "144", "minority", "No")));
    }

    // ---- formulas

    @Test
    void givesFormulasTheirCachedValues() throws IOException {
        assertThat(readAll(poi("SimpleWithFormula.xls"), FileType.XLS)).containsExactly(
                new SourceRow(1, 2, cells("replaceme", "replaceme")),
                new SourceRow(2, 3, cells("replaceme", "replacemereplaceme")));
        try (RowReader reader = Readers.open(poi("formula-eval.xlsx"), FileType.XLSX, ReadOptions.defaults())) {
            assertThat(reader.headers()).containsExactly("1", "2.5", "3.25", "6.75");
        }
        List<SourceRow> shared = readAll(poi("shared_formulas.xlsx"), FileType.XLSX);
        assertThat(shared).hasSize(40);
        assertThat(shared.getFirst()).isEqualTo(new SourceRow(1, 2, cells("Currently Using",
                "ProductionOrderConfirmation", "column_2", "ProductionOrderConfirmation")));
    }

    // ---- sheets: hidden, reordered, many

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            TwoSheetsOneHidden.xlsx  | Sheet2
            TwoSheetsOneHidden.xls   | Sheet2
            TwoSheetsNoneHidden.xlsx | Sheet1, Sheet2
            TwoSheetsNoneHidden.xls  | Sheet1, Sheet2
            reordered_sheets.xlsx    | Sheet4, Sheet2, Sheet3, Sheet1
            61034.xlsx               | Sheet1, Sheet2, Sheet3, Sheet4, Sheet5, Sheet6
            1_NoIden.xlsx            | 시트_테스트(1)
            empty.xls                | Лист1, Лист2, Лист3
            """)
    void listsTheVisibleSheetsInWorkbookOrder(String name, String sheets) throws IOException {
        FileType type = name.endsWith(".xls") ? FileType.XLS : FileType.XLSX;

        assertThat(Readers.sheets(poi(name), type)).containsExactly(sheets.split(", "));
    }

    @Test
    void listsSixteenSheets() throws IOException {
        assertThat(Readers.sheets(poi("50299.xlsx"), FileType.XLSX)).containsExactly("Sheet1", "Sheet2", "Sheet3",
                "Sheet4", "Sheet5", "Sheet6", "Sheet7", "Sheet8", "Sheet9", "Sheet10", "Sheet11", "Sheet12",
                "Sheet13", "Sheet14", "Sheet15", "Sheet16");
    }

    @Test
    void readsTheFirstVisibleSheetOrTheOneNamed() throws IOException {
        Path file = poi("reordered_sheets.xlsx");

        assertThatThrownBy(() -> Readers.open(file, FileType.XLSX, ReadOptions.defaults()))
                .isInstanceOfSatisfying(IngestException.class, e -> {
                    assertThat(e.code()).isEqualTo("empty_file");
                    assertThat(e.getMessage())
                            .isEqualTo("Sheet \"Sheet4\" is empty; expected a header row and data rows");
                });
        try (RowReader reader = Readers.open(file, FileType.XLSX, new ReadOptions("Sheet3", null))) {
            assertThat(reader.format()).isEqualTo(new SourceFormat(null, false, null, null, "Sheet3"));
            assertThat(reader.headers()).containsExactly("sheet3");
        }
        try (RowReader reader = Readers.open(poi("TwoSheetsOneHidden.xls"), FileType.XLS, ReadOptions.defaults())) {
            assertThat(reader.format().sheet()).isEqualTo("Sheet2");
            assertThat(reader.headers()).containsExactly("Sheet2A1");
        }
    }

    // ---- merged cells and wide sheets

    /** A merged range's value is in its top-left cell; the other cells of the range read empty. */
    @Test
    void readsMergedCellsAsTheirTopLeftValue() throws IOException {
        try (RowReader reader = Readers.open(poi("1_NoIden.xlsx"), FileType.XLSX, ReadOptions.defaults())) {
            assertThat(reader.format().sheet()).isEqualTo("시트_테스트(1)");
            assertThat(reader.headers()).containsExactly("column_1", "가나다");
            assertThat(reader.next()).isEqualTo(new SourceRow(1, 3, cells("column_1", "", "가나다", "하천관리과",
                    "column_3", "서울 재난 체험관 운영", "column_4", "치수관리")));
        }
        List<SourceRow> rows = readAll(poi("58896.xlsx"), FileType.XLSX);
        assertThat(rows).hasSize(93);
        assertThat(rows.get(1).cells()).containsEntry("Iteration", "").containsEntry("column_6", "Description")
                .containsEntry("column_12", "Amount").containsEntry("column_13", "Penalty")
                .doesNotContainKeys("column_7", "column_11");
    }

    @Test
    void readsASheetReachingColumnXfd() throws IOException {
        try (RowReader reader = Readers.open(poi("53105.xlsx"), FileType.XLSX, ReadOptions.defaults())) {
            List<String> headers = reader.headers();
            assertThat(headers).hasSize(16_384);
            assertThat(headers.subList(0, 3)).containsExactly("1", "1_2", "1_3");
            assertThat(headers.getLast()).isEqualTo("1_16384");
            SourceRow row = reader.next();
            assertThat(row.line()).isEqualTo(2);
            assertThat(row.cells()).hasSize(16_384).containsEntry("1", "16384");
            assertThat(row.cells().values().stream().filter(v -> !((String) v).isEmpty())).containsExactly("16384");
            assertThat(reader.next()).isNull();
        }
    }

    /** 1,109 formatted columns and 141 rows, all without a value: an empty sheet. */
    @Test
    void rejectsASheetOfFormattedEmptyCellsAsEmpty() throws IOException {
        Path file = poi("51585.xlsx");

        assertThat(Readers.sheets(file, FileType.XLSX)).containsExactly("Sheet1", "Sheet2", "Sheet3");
        assertThatThrownBy(() -> Readers.open(file, FileType.XLSX, ReadOptions.defaults()))
                .isInstanceOfSatisfying(IngestException.class, e -> {
                    assertThat(e.code()).isEqualTo("empty_file");
                    assertThat(e.getMessage())
                            .isEqualTo("Sheet \"Sheet1\" is empty; expected a header row and data rows");
                });
    }

    // ---- empty workbooks

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            empty.xls         | Sheet "Лист1" is empty; expected a header row and data rows
            blankworkbook.xls | Sheet "Sheet1" is empty; expected a header row and data rows
            """)
    void rejectsEmptyWorkbooksAsEmpty(String name, String message) {
        assertThatThrownBy(() -> Readers.open(poi(name), FileType.XLS, ReadOptions.defaults()))
                .isInstanceOfSatisfying(IngestException.class, e -> {
                    assertThat(e.code()).isEqualTo("empty_file");
                    assertThat(e.getMessage()).isEqualTo(message);
                });
    }

    // ---- must-reject files, also when listing sheets

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            password.xls    | encrypted_file        | The workbook is password-protected; expected a workbook without a password
            testEXCEL_5.xls | unsupported_file_type | Excel 5.0/95 workbooks (BIFF5) are not supported; save as .xlsx
            testEXCEL_95.xls| unsupported_file_type | Excel 5.0/95 workbooks (BIFF5) are not supported; save as .xlsx
            """)
    void rejectsWorkbooksItCannotReadWhenListingOrOpeningThem(String name, String code, String message) {
        for (ThrowingRead read : List.<ThrowingRead>of(
                () -> Readers.sheets(poi(name), FileType.XLS),
                () -> Readers.open(poi(name), FileType.XLS, ReadOptions.defaults()).close())) {
            assertThatThrownBy(read::run).isInstanceOfSatisfying(IngestException.class, e -> {
                assertThat(e.code()).isEqualTo(code);
                assertThat(e.getMessage()).isEqualTo(message);
            });
        }
    }

    private interface ThrowingRead {
        void run() throws IOException;
    }

    /**
     * A crafted shared-strings table: one string of 1,048,576 characters, which all 12,000 cells of the sheet refer
     * to, 12 GB of text from a 110 KB file (the parse answer's 50-row sample alone was 317 MB). A string longer than
     * Excel's cell limit is none Excel wrote: the workbook is refused at the first cell that refers to it, A0 of the
     * file's first row, which it numbers 0 (so the message names no row).
     */
    @Test
    void refusesAWorkbookWhoseSharedStringIsLongerThanACellHolds() throws IOException {
        assertThatThrownBy(() -> Readers.open(poi("poc-shared-strings.xlsx"), FileType.XLSX, ReadOptions.defaults()))
                .isInstanceOfSatisfying(IngestException.class, e -> {
                    assertThat(e.code()).isEqualTo("unreadable_file");
                    assertThat(e.getMessage()).isEqualTo("The workbook cannot be read; expected a valid .xlsx file,"
                            + " found a damaged one (shared string 0 of xl/sharedStrings.xml in cell A0 has 1,048,576"
                            + " characters, where a cell holds at most 32,767)");
                });
    }
}
