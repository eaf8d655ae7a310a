package dev.freight.ingest;

import static dev.freight.ingest.Workbook.row;
import static dev.freight.ingest.Workbook.sheet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.Test;

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
}
