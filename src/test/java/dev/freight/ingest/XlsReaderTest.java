package dev.freight.ingest;

import java.io.IOException;
import java.nio.file.Path;

class XlsReaderTest extends WorkbookReaderContract {

    @Override
    FileType type() {
        return FileType.XLS;
    }

    @Override
    Path write(Workbook workbook, String name) throws IOException {
        return XlsWriter.write(workbook, dir.resolve(name + ".xls"));
    }
}
