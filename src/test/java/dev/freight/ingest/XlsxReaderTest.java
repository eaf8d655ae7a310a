package dev.freight.ingest;

import static dev.freight.ingest.Workbook.num;
import static dev.freight.ingest.Workbook.row;
import static dev.freight.ingest.Workbook.sheet;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class XlsxReaderTest extends WorkbookReaderContract {

    @Override
    FileType type() {
        return FileType.XLSX;
    }

    @Override
    Path write(Workbook workbook, String name) throws IOException {
        return XlsxWriter.write(workbook, dir.resolve(name + ".xlsx"));
    }

    @Test
    void readsAWorkbookWithoutAStylesPartAsGeneralCells() throws IOException {
        Path file = XlsxWriter.write(Workbook.of(sheet("S", row(1, "n"), row(2, num("45306", "yyyy-mm-dd")))),
                dir.resolve("no-styles.xlsx"), XlsxWriter.Variant.NO_STYLES);

        assertThat(read(file)).extracting(SourceRow::cells).containsExactly(cells("n", "45306"));
    }
}
