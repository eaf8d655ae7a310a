package dev.freight.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.xml.stream.XMLStreamException;
import org.junit.jupiter.api.Test;

/** How {@link MergedCells} finds an XLSX sheet's merged ranges in its bytes, and fills rows down. */
class MergedCellsTest {

    @Test
    void findsMergedRangesWithAnyPrefixWhereverTheReadsCutTheBytes() throws IOException, XMLStreamException {
        String rows = "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>a &lt;mergeCell ref=\"Z1:Z9\"/&gt;</t></is></c>"
                + "</row>".repeat(20_000);
        String sheet = "<x:worksheet xmlns:x=\"main\"><x:sheetData>" + rows + "</x:sheetData>"
                + "<x:mergeCells count=\"3\"><x:mergeCell ref=\"A2:A4\"/><x:mergeCell\n ref='$C$10:$D$12' />"
                + "<x:mergeCell ref=\"B1:C1\"/></x:mergeCells><x:mergeCellsExt ref=\"A1:A9\"/></x:worksheet>";
        byte[] bytes = sheet.getBytes(StandardCharsets.UTF_8);

        for (int chunk : new int[] {7, 4096, 65_536}) {
            MergedCells merged = MergedCells.ofXlsxSheet(new Chunked(bytes, chunk));
            List<String> row3 = new ArrayList<>(List.of("", "x"));
            merged.fill(1, new ArrayList<>(List.of("Company", "Name", "", "")));
            merged.fill(2, new ArrayList<>(List.of("Acme", "Ann")));
            assertThat(merged.fill(3, row3)).as("chunks of " + chunk).containsExactly("Acme", "x");
            merged.fill(10, new ArrayList<>(List.of("", "", "Note")));
            assertThat(merged.fill(12, new ArrayList<>(List.of("y")))).containsExactly("y", "", "Note");
        }
    }

    /** A sheet in UTF-16, either byte order, a byte order mark or not, has its ranges found as in UTF-8. */
    @Test
    void findsMergedRangesInASheetWrittenInUtf16() throws IOException, XMLStreamException {
        String sheet = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<worksheet><sheetData><row r=\"2\"><c><is><t>"
                + "东京 &lt;mergeCell ref=\"Z1:Z9\"/&gt;</t></is></c></row></sheetData><mergeCells count=\"2\">"
                + "<mergeCell ref=\"A2:A4\"/><x:mergeCell ref=\"$C$10:$D$12\"/></mergeCells></worksheet>";

        for (String charset : List.of("UTF-16LE", "UTF-16BE")) {
            for (String mark : List.of("", "\uFEFF")) {
                byte[] bytes = (mark + sheet).getBytes(java.nio.charset.Charset.forName(charset));
                for (int chunk : new int[] {3, 4096}) {
                    MergedCells merged = MergedCells.ofXlsxSheet(new Chunked(bytes, chunk));

                    assertThat(merged.blocks()).as(charset + " " + mark.length() + " " + chunk).containsExactly(
                            new MergedCells.Block(2, 4, 0), new MergedCells.Block(10, 12, 2));
                }
            }
        }
    }

    /**
     * The scan counts the sheet's {@code row} start tags, with any prefix: not their end tags, other elements whose
     * names start so ({@code rowBreaks}), nor the text {@code <row} in a cell (escaped there). A sheet of Excel's
     * 1,048,576 rows passes; one more, or one numbered past them, is refused naming which.
     */
    @Test
    void countsTheRowStartTagsOfASheetAndRefusesMoreThanExcelHas() throws IOException, XMLStreamException {
        String text = "<row r=\"1\"><c t=\"inlineStr\"><is><t>&lt;row r=\"2000000\"/&gt;</t></is></c></row>";
        String rows = text + "<x:row/>".repeat(1_048_574) + "<row r='1048576' spans=\"1:1\"></row>";
        String end = "</sheetData><rowBreaks count=\"1\"><brk id=\"3\"/></rowBreaks></worksheet>";

        assertThat(MergedCells.ofXlsxSheet(sheet("<worksheet><sheetData>" + rows + end))).isSameAs(MergedCells.NONE);
        assertThatThrownBy(() -> MergedCells.ofXlsxSheet(sheet("<worksheet><sheetData>" + rows + "<x:row/>" + end)))
                .isInstanceOf(XlsxPackage.Damaged.class)
                .hasMessage("the sheet has more than 1,048,576 rows, the most an Excel sheet has");
        assertThatThrownBy(() -> MergedCells.ofXlsxSheet(sheet("<worksheet><sheetData>" + text
                + "<row\n r=\"1048577\"/>" + end)))
                .isInstanceOf(XlsxPackage.Damaged.class)
                .hasMessage("row 1,048,577 is past the last row of an Excel sheet, 1,048,576");
    }

    private static InputStream sheet(String xml) {
        return new Chunked(xml.getBytes(StandardCharsets.UTF_8), 65_536);
    }

    /** Bytes read at most {@code chunk} at a time. */
    private static final class Chunked extends InputStream {
        private final ByteArrayInputStream in;
        private final int chunk;

        Chunked(byte[] bytes, int chunk) {
            this.in = new ByteArrayInputStream(bytes);
            this.chunk = chunk;
        }

        @Override
        public int read() {
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            return in.read(b, off, Math.min(len, chunk));
        }
    }
}
