package dev.freight.ingest;

import static dev.freight.ingest.Workbook.bool;
import static dev.freight.ingest.Workbook.error;
import static dev.freight.ingest.Workbook.formula;
import static dev.freight.ingest.Workbook.hiddenSheet;
import static dev.freight.ingest.Workbook.num;
import static dev.freight.ingest.Workbook.row;
import static dev.freight.ingest.Workbook.sheet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What reading a workbook gives, the same for XLSX and XLS: one subclass per format writes the described workbook in
 * its format.
 */
abstract class WorkbookReaderContract {

    @TempDir
    Path dir;

    abstract FileType type();

    abstract Path write(Workbook workbook, String name) throws IOException;

    @Test
    void readsTheHeaderRowAndDataRowsWithTheirSheetRowNumbers() throws IOException {
        Path file = write(Workbook.of(sheet("Vendors",
                row(1, "id", "name"),
                row(2, "1", "Ann"),
                row(5, "2", "Bob"))), "rows");

        assertThat(read(file)).containsExactly(
                new SourceRow(1, 2, cells("id", "1", "name", "Ann")),
                new SourceRow(2, 5, cells("id", "2", "name", "Bob")));
    }

    @Test
    void detectsTheFileFromItsContent() throws IOException {
        Path file = write(Workbook.of(sheet("S", row(1, "id"))), "detect");

        assertThat(Readers.detect(file, null, null)).isEqualTo(type());
        assertThat(Readers.detect(file, "text/csv", "upload.csv")).isEqualTo(type());
    }

    @Test
    void givesNumbersAsTheFormulaBarShowsThemWithoutDisplayFormattingButWithTheirFixedPlaces() throws IOException {
        Path file = write(Workbook.of(sheet("S",
                row(1, "integral", "fraction", "noise", "large", "negative", "tiny", "percent", "grouped", "currency"),
                row(2, num("12"), num("1234.5"), num("0.30000000000000004"), num("1.2345678901234567E+19"),
                        num("-0.5"), num("1E-7"), num("0.125", "0%"), num("1234567.5", "#,##0.00"),
                        num("-12.5", "\"$\"#,##0.00;[Red]\\-\"$\"#,##0.00")))), "numbers");

        assertThat(read(file).getFirst().cells()).containsExactlyEntriesOf(cells(
                "integral", "12", "fraction", "1234.5", "noise", "0.3", "large", "12345678901234600000",
                "negative", "-0.5", "tiny", "0.0000001", "percent", "0.125", "grouped", "1234567.50",
                "currency", "-12.50"));
    }

    @Test
    void padsNumbersToTheFixedPlacesOfTheirFormatWithoutRoundingThem() throws IOException {
        Path file = write(Workbook.of(sheet("S",
                row(1, "scaled", "more", "whole", "negative", "zero", "grouped", "percent", "scientific", "three",
                        "thousand"),
                row(2, num("85.5", "0.00"), num("85.555", "0.00"), num("100", "0.0000"), num("-0.1", "0.00"),
                        num("0", "0.0000000"), num("1234.5", "#,##0.00"), num("0.5", "0.00%"),
                        num("1200", "0.00E+00"), num("1.5", "0.000"), num("1", "0.000")))), "places");

        // A whole number keeps no three places: 1.000 in an integer column is one or a thousand.
        assertThat(read(file).getFirst().cells()).containsExactlyEntriesOf(cells(
                "scaled", "85.50", "more", "85.555", "whole", "100.0000", "negative", "-0.10", "zero", "0.0000000",
                "grouped", "1234.50", "percent", "0.5", "scientific", "1200", "three", "1.500", "thousand", "1"));
    }

    @Test
    void keepsTheLeadingZerosOfZeroPaddedFormats() throws IOException {
        Path file = write(Workbook.of(sheet("S",
                row(1, "zip", "zip4", "ssn", "single"),
                row(2, num("2134", "00000"), num("21340001", "00000-0000"), num("12345678", "000-00-0000"),
                        num("7", "0")))), "padded");

        assertThat(read(file).getFirst().cells()).containsExactlyEntriesOf(cells(
                "zip", "02134", "zip4", "02134-0001", "ssn", "012-34-5678", "single", "7"));
    }

    @Test
    void givesDatesAndTimesAsIsoText() throws IOException {
        Path file = write(Workbook.of(sheet("S",
                row(1, "builtin", "custom", "hidden_time", "date_time", "builtin_date_time", "time", "elapsed",
                        "long_date"),
                row(2, num("45306", "id:14"), num("45306", "yyyy-mm-dd"), num("45306.75", "dd/mm/yyyy"),
                        num("45306.5", "yyyy-mm-dd hh:mm"), num("45306.2604166667", "id:22"),
                        num("0.75", "h:mm AM/PM"), num("1.5", "[h]:mm:ss"),
                        num("45306", "[$-F800]dddd, mmmm dd, yyyy")))), "dates");

        assertThat(read(file).getFirst().cells()).containsExactlyEntriesOf(cells(
                "builtin", "2024-01-15", "custom", "2024-01-15", "hidden_time", "2024-01-15",
                "date_time", "2024-01-15T12:00:00", "builtin_date_time", "2024-01-15T06:15:00", "time", "18:00:00",
                "elapsed", "36:00:00", "long_date", "2024-01-15"));
    }

    @Test
    void readsDatesOfAWorkbookUsingThe1904DateSystem() throws IOException {
        Path file = write(Workbook.of(sheet("S", row(1, "day"), row(2, num("43844", "yyyy-mm-dd")))).in1904(),
                "1904");

        assertThat(read(file).getFirst().cells()).containsExactlyEntriesOf(cells("day", "2024-01-15"));
    }

    @Test
    void givesBooleansAndErrorsAsText() throws IOException {
        Path file = write(Workbook.of(sheet("S",
                row(1, "yes", "no", "error"),
                row(2, bool(true), bool(false), error("#DIV/0!")))), "booleans");

        assertThat(read(file).getFirst().cells()).containsExactlyEntriesOf(cells(
                "yes", "true", "no", "false", "error", "#DIV/0!"));
    }

    @Test
    void givesFormulasTheirCachedValue() throws IOException {
        Path file = write(Workbook.of(sheet("S",
                row(1, "n", "double", "name", "check", "missing", "due"),
                row(2, num("21"), formula("A2*2", num("42")), formula("\"Ann \"&\"Lee\"", new Workbook.Text("Ann Lee")),
                        formula("A2>20", bool(true)), formula("NA()", error("#N/A")),
                        formula("DATE(2024,1,15)", num("45306", "yyyy-mm-dd"))))), "formulas");

        assertThat(read(file).getFirst().cells()).containsExactlyEntriesOf(cells(
                "n", "21", "double", "42", "name", "Ann Lee", "check", "true", "missing", "#N/A",
                "due", "2024-01-15"));
    }

    @Test
    void keepsTextCellsExactly() throws IOException {
        Path file = write(Workbook.of(sheet("S",
                row(1, " Name ", "code", "phone", "note"),
                row(2, "  Ann  ", "007", "+1 555 0100", "two\nlines"))), "text");

        assertThat(read(file).getFirst().cells()).containsExactlyEntriesOf(cells(
                " Name ", "  Ann  ", "code", "007", "phone", "+1 555 0100", "note", "two\nlines"));
    }

    @Test
    void givesEveryHeaderColumnACellAndNamesNonBlankCellsBeyondTheHeader() throws IOException {
        Path file = write(Workbook.of(sheet("S",
                row(1, "a", "b", "c"),
                row(2, "1"),
                row(3, "1", null, "3"),
                row(4, "1", "2", "3", null, "5"),
                row(5, "1", "2", "3", ""))), "ragged");

        assertThat(read(file)).extracting(SourceRow::cells).containsExactly(
                cells("a", "1", "b", "", "c", ""),
                cells("a", "1", "b", "", "c", "3"),
                cells("a", "1", "b", "2", "c", "3", "column_5", "5"),
                cells("a", "1", "b", "2", "c", "3"));
    }

    @Test
    void takesTheFirstNonBlankRowAsHeaderAndSkipsBlankRows() throws IOException {
        Path file = write(Workbook.of(sheet("S",
                row(1, "", " "),
                row(3, null, "id", "name", ""),
                row(4, "", "", ""),
                row(6, null, "1", "Ann"))), "blank-rows");

        try (RowReader reader = Readers.open(file, type(), ReadOptions.defaults())) {
            assertThat(reader.headers()).containsExactly("column_1", "id", "name");
            assertThat(reader.next()).isEqualTo(new SourceRow(1, 6, cells("column_1", "", "id", "1", "name", "Ann")));
            assertThat(reader.next()).isNull();
        }
    }

    @Test
    void makesHeaderNamesUnique() throws IOException {
        Path file = write(Workbook.of(sheet("S",
                row(1, "Email", "", "Email", num("2024")),
                row(2, "a", "b", "c", "d"))), "headers");

        try (RowReader reader = Readers.open(file, type(), ReadOptions.defaults())) {
            assertThat(reader.headers()).containsExactly("Email", "column_2", "Email_2", "2024");
            assertThat(reader.renamedHeaders()).containsExactly(Map.entry("Email_2", "Email"));
        }
    }

    @Test
    void readsTheFirstVisibleSheetUnlessASheetIsNamed() throws IOException {
        Path file = write(Workbook.of(
                hiddenSheet("Lists", row(1, "list"), row(2, "hidden")),
                sheet("Vendors", row(1, "name"), row(2, "Ann")),
                sheet("Contacts", row(1, "email"), row(2, "bob@example.com"))), "sheets");

        assertThat(read(file)).extracting(SourceRow::cells).containsExactly(cells("name", "Ann"));
        assertThat(read(file, "Contacts")).extracting(SourceRow::cells)
                .containsExactly(cells("email", "bob@example.com"));
        assertThat(read(file, "Lists")).extracting(SourceRow::cells).containsExactly(cells("list", "hidden"));
    }

    @Test
    void listsTheVisibleSheetsInWorkbookOrderAndReportsTheSheetBeingRead() throws IOException {
        Path file = write(Workbook.of(
                sheet("Vendors", row(1, "name")),
                hiddenSheet("Lists", row(1, "list")),
                sheet("Contacts", row(1, "email"))), "sheet-names");

        assertThat(Readers.sheets(file, type())).containsExactly("Vendors", "Contacts");
        try (RowReader reader = Readers.open(file, type(), ReadOptions.defaults())) {
            assertThat(reader.format()).isEqualTo(new SourceFormat(null, false, null, null, "Vendors"));
        }
        try (RowReader reader = Readers.open(file, type(), new ReadOptions("Lists", null))) {
            assertThat(reader.format().sheet()).isEqualTo("Lists");
        }
    }

    @Test
    void rejectsASheetThatDoesNotExistNamingThoseThatDo() throws IOException {
        Path file = write(Workbook.of(sheet("Vendors", row(1, "a")), sheet("Contacts", row(1, "b"))), "missing-sheet");

        assertThatThrownBy(() -> read(file, "vendors"))
                .isInstanceOfSatisfying(IngestException.class, e -> {
                    assertThat(e.code()).isEqualTo("sheet_not_found");
                    assertThat(e.getMessage())
                            .isEqualTo("Sheet \"vendors\" not found; expected one of \"Vendors\", \"Contacts\"");
                });
    }

    @Test
    void rejectsASheetThatDoesNotExistNamingOnlyTheVisibleOnes() throws IOException {
        Path file = write(Workbook.of(hiddenSheet("Lists", row(1, "list")), sheet("Vendors", row(1, "a")),
                hiddenSheet("Codes", row(1, "code")), sheet("Contacts", row(1, "b"))), "missing-among-hidden");

        assertThatThrownBy(() -> read(file, "Sheet1"))
                .isInstanceOfSatisfying(IngestException.class, e -> {
                    assertThat(e.code()).isEqualTo("sheet_not_found");
                    assertThat(e.getMessage())
                            .isEqualTo("Sheet \"Sheet1\" not found; expected one of \"Vendors\", \"Contacts\"");
                });
    }

    /**
     * A merged block reads as Excel shows it: its value on every data row it spans, in its first column only; a row
     * with nothing else of its own stays blank, and a block starting on the header row is not filled into the data.
     */
    @Test
    void fillsAMergedBlockDownEveryDataRowItSpansInItsFirstColumn() throws IOException {
        Path file = write(Workbook.of(sheet("Contacts",
                row(1, "Company", "Name", "Note", "Extra", "Group"),
                row(2, "Acme", "Ann", "Call first", null, null),
                row(3, null, "Bob", null, null, null),
                row(4, "", "Cy", null, null, null),
                row(5, "Beta", "Dee", null, null, null),
                row(6, null, null, null, null, null),
                row(7, "Gamma", "Eve", null, null, null),
                row(8, null, "Fay", null, null, null)).merging("A2:A4", "C2:D3", "A5:A6", "E1:E8", "A7:A8")),
                "merged");

        assertThat(read(file)).extracting(SourceRow::line, SourceRow::cells).containsExactly(
                tuple(2L, cells("Company", "Acme", "Name", "Ann", "Note", "Call first", "Extra", "", "Group", "")),
                tuple(3L, cells("Company", "Acme", "Name", "Bob", "Note", "Call first", "Extra", "", "Group", "")),
                tuple(4L, cells("Company", "Acme", "Name", "Cy", "Note", "", "Extra", "", "Group", "")),
                tuple(5L, cells("Company", "Beta", "Name", "Dee", "Note", "", "Extra", "", "Group", "")),
                tuple(7L, cells("Company", "Gamma", "Name", "Eve", "Note", "", "Extra", "", "Group", "")),
                tuple(8L, cells("Company", "Gamma", "Name", "Fay", "Note", "", "Extra", "", "Group", "")));
    }

    /**
     * A row holds at most 1,048,576 characters, however its cells come by them: 32 cells repeating one (shared)
     * string of 32,767 characters and one of 32 make exactly that, and read; one character more is a damaged
     * workbook at that row, refused when its cells are read (before, it was read, and a row of 16,384 such cells was
     * half a gigabyte of text from a file of kilobytes).
     */
    @Test
    void refusesARowHoldingMoreThanTheMostARowMayHoldAtThatRow() throws IOException {
        String longest = "x".repeat(32_767);
        Object[] header = new Object[33];
        Object[] most = new Object[33];
        Object[] over = new Object[33];
        for (int i = 0; i < 33; i++) {
            header[i] = "c" + (i + 1);
            most[i] = i < 32 ? longest : "y".repeat(32);
            over[i] = i < 32 ? longest : "y".repeat(33);
        }
        Path file = write(Workbook.of(sheet("S", row(1, header), row(2, most), row(3, over))), "long-rows");

        try (RowReader reader = Readers.open(file, type(), ReadOptions.defaults())) {
            SourceRow first = reader.next();
            assertThat(first.line()).isEqualTo(2);
            assertThat(first.cells().values().stream().mapToInt(v -> ((String) v).length()).sum())
                    .isEqualTo(1_048_576);
            assertThat(first.cells().get("c33")).isEqualTo("y".repeat(32));
            assertThatThrownBy(reader::next).isInstanceOfSatisfying(IngestException.class, e -> {
                assertThat(e.code()).isEqualTo("unreadable_file");
                assertThat(e.line()).isEqualTo(3);
                assertThat(e.getMessage()).isEqualTo("Row 3: the workbook cannot be read; expected a valid "
                        + extension() + " file, found a damaged one (the row's cells hold more than 1,048,576"
                        + " characters, the most a row may hold)");
            });
        }
    }

    /**
     * Text filled down from merged blocks counts in its row: 32 blocks of 32,767 characters spanning rows 2 to 4
     * fill 1,048,544 characters into rows 3 and 4, which with 32 of their own make the most a row may hold and, with
     * 33, one more.
     */
    @Test
    void refusesARowThatMergedBlocksFillPastTheMostARowMayHold() throws IOException {
        String longest = "x".repeat(32_767);
        Object[] header = new Object[33];
        Object[] blocks = new Object[32];
        String[] ranges = new String[32];
        for (int i = 0; i < 33; i++) {
            header[i] = "c" + (i + 1);
        }
        for (int i = 0; i < 32; i++) {
            blocks[i] = longest;
            ranges[i] = XlsxWriter.column(i) + "2:" + XlsxWriter.column(i) + "4";
        }
        Object[] most = new Object[33];
        most[32] = "y".repeat(32);
        Object[] over = new Object[33];
        over[32] = "y".repeat(33);
        Path file = write(Workbook.of(sheet("S", row(1, header), row(2, blocks), row(3, most), row(4, over))
                .merging(ranges)), "merged-rows");

        try (RowReader reader = Readers.open(file, type(), ReadOptions.defaults())) {
            assertThat(reader.next().line()).isEqualTo(2);
            SourceRow filled = reader.next();
            assertThat(filled.line()).isEqualTo(3);
            assertThat(filled.cells().values().stream().mapToInt(v -> ((String) v).length()).sum())
                    .isEqualTo(1_048_576);
            assertThatThrownBy(reader::next).isInstanceOfSatisfying(IngestException.class, e -> {
                assertThat(e.code()).isEqualTo("unreadable_file");
                assertThat(e.line()).isEqualTo(4);
                assertThat(e.getMessage()).isEqualTo("Row 4: the workbook cannot be read; expected a valid "
                        + extension() + " file, found a damaged one (the row's cells hold more than 1,048,576"
                        + " characters, the most a row may hold)");
            });
        }
    }

    private String extension() {
        return type() == FileType.XLSX ? ".xlsx" : ".xls";
    }

    @Test
    void rejectsASheetWithoutRowsAsEmpty() throws IOException {
        Path file = write(Workbook.of(sheet("Empty"), sheet("Blank", row(1, "", " "))), "empty");

        assertThatThrownBy(() -> read(file))
                .isInstanceOfSatisfying(IngestException.class, e -> {
                    assertThat(e.code()).isEqualTo("empty_file");
                    assertThat(e.getMessage())
                            .isEqualTo("Sheet \"Empty\" is empty; expected a header row and data rows");
                });
        assertThatThrownBy(() -> read(file, "Blank"))
                .isInstanceOfSatisfying(IngestException.class, e -> assertThat(e.getMessage())
                        .isEqualTo("Sheet \"Blank\" is empty; expected a header row and data rows"));
    }

    @Test
    void readsAHeaderOnlySheetAsZeroRows() throws IOException {
        Path file = write(Workbook.of(sheet("S", row(1, "id", "name"))), "header-only");

        try (RowReader reader = Readers.open(file, type(), ReadOptions.defaults())) {
            assertThat(reader.headers()).containsExactly("id", "name");
            assertThat(reader.next()).isNull();
        }
    }

    List<SourceRow> read(Path file) throws IOException {
        return read(file, null);
    }

    List<SourceRow> read(Path file, String sheet) throws IOException {
        List<SourceRow> rows = new ArrayList<>();
        try (RowReader reader = Readers.open(file, type(), new ReadOptions(sheet, null))) {
            for (SourceRow row = reader.next(); row != null; row = reader.next()) {
                rows.add(row);
            }
        }
        return rows;
    }

    /** A cells map from alternating keys and values. */
    static Map<String, Object> cells(String... keysAndValues) {
        Map<String, Object> cells = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            cells.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return cells;
    }
}
