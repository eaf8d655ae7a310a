package dev.freight.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RowReader#readOnly}: a pass that needs one column (a prevalidation's keys) gets the same rows, ordinals and
 * lines as a full read, with only that column's cells; and a file's detected encoding, remembered for the next open,
 * is detected afresh once the file changes.
 */
class ReadOnlyColumnsTest {

    @TempDir
    Path dir;

    /** Blank rows (whitespace only) are skipped either way; a row whose only value is in a skipped column is not. */
    private static final String CSV = """
            id,name,city
            1,Ann,Oslo
            ,  ,\t
            ,Bob,
            "3","Cé
            cile",Lyon

            4,,,extra
            """;

    @Test
    void aCsvReadOfOneColumnKeepsEveryRowOrdinalAndLineWithOnlyThatColumnsCells() throws IOException {
        Path file = write("people.csv", CSV.getBytes(StandardCharsets.UTF_8));

        List<SourceRow> all = read(file, FileType.CSV, null);
        List<SourceRow> ids = read(file, FileType.CSV, Set.of("id"));

        assertThat(all).containsExactly(
                new SourceRow(1, 2, cells("id", "1", "name", "Ann", "city", "Oslo")),
                new SourceRow(2, 4, cells("id", "", "name", "Bob", "city", "")),
                new SourceRow(3, 5, cells("id", "3", "name", "Cé\ncile", "city", "Lyon")),
                new SourceRow(4, 8, cells("id", "4", "name", "", "city", "", "column_4", "extra")));
        assertThat(ids).containsExactly(
                new SourceRow(1, 2, cells("id", "1")),
                new SourceRow(2, 4, cells("id", "")),
                new SourceRow(3, 5, cells("id", "3")),
                new SourceRow(4, 8, cells("id", "4")));
    }

    /**
     * A cell an export guarded with an apostrophe ({@code '<tab>}) reads as blank space: a row of such cells is blank
     * whether its columns are read or skipped, so both passes give it no ordinal.
     */
    @Test
    void aCsvRowOfGuardedBlankCellsIsBlankWhetherItsColumnsAreReadOrSkipped() throws IOException {
        Path file = write("guarded.csv", "id,name,city\n,'\t,'\t \n1,Ann,'\t\n".getBytes(StandardCharsets.UTF_8));

        List<SourceRow> all = read(file, FileType.CSV, null);
        List<SourceRow> ids = read(file, FileType.CSV, Set.of("id"));

        assertThat(all).containsExactly(new SourceRow(1, 3, cells("id", "1", "name", "Ann", "city", "\t")));
        assertThat(ids).containsExactly(new SourceRow(1, 3, cells("id", "1")));
    }

    @Test
    void aSpreadsheetReadOfOneColumnGivesTheSameRowsAsACsvOne() throws IOException {
        Path file = XlsxWriter.write(Workbook.of(Workbook.sheet("S", Workbook.row(1, "id", "name", "city"),
                Workbook.row(2, "1", "Ann", "Oslo"), Workbook.row(3, "", " ", ""), Workbook.row(4, "", "Bob", ""),
                Workbook.row(5, "3", "Cécile", "Lyon"))), dir.resolve("people.xlsx"));

        List<SourceRow> ids = read(file, FileType.XLSX, Set.of("name"));

        assertThat(ids).containsExactly(
                new SourceRow(1, 2, cells("name", "Ann")),
                new SourceRow(2, 4, cells("name", "Bob")),
                new SourceRow(3, 5, cells("name", "Cécile")));
    }

    @Test
    void aFileThatChangedSinceItsEncodingWasDetectedIsDetectedAgain() throws IOException {
        Path file = write("names.csv", "name\nZoë\n".getBytes(StandardCharsets.UTF_8));
        assertThat(encoding(file)).isEqualTo("utf-8");

        Files.write(file, "name\nZoë Brontë\n".getBytes(Charset.forName("windows-1252")));

        assertThat(encoding(file)).isEqualTo("windows-1252");
        assertThat(read(file, FileType.CSV, null)).containsExactly(new SourceRow(1, 2, cells("name", "Zoë Brontë")));
    }

    private String encoding(Path file) throws IOException {
        try (RowReader reader = Readers.open(file, FileType.CSV, new ReadOptions(null, null))) {
            return reader.format().encoding();
        }
    }

    private static List<SourceRow> read(Path file, FileType type, Set<String> only) throws IOException {
        List<SourceRow> rows = new ArrayList<>();
        try (RowReader reader = Readers.open(file, type, new ReadOptions(null, null))) {
            if (only != null) {
                reader.readOnly(only);
            }
            for (SourceRow row = reader.next(); row != null; row = reader.next()) {
                rows.add(new SourceRow(row.ordinal(), row.line(), new LinkedHashMap<>(row.cells())));
            }
        }
        return rows;
    }

    private static Map<String, Object> cells(String... keysAndValues) {
        Map<String, Object> cells = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            cells.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return cells;
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, bytes);
        return file;
    }
}
