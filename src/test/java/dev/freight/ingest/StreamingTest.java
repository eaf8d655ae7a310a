package dev.freight.ingest;

import static dev.freight.ingest.Workbook.num;
import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.testing.XlsFiles;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shows that readers stream: each file is several times larger than the heap of the JVM that reads it to the end
 * (held in memory, its rows would need far more). Not timed; heap numbers for large files are the benchmark's job.
 */
class StreamingTest {

    private static final int ROWS = 200_000;
    private static final String HEAP = "-Xmx32m";

    @TempDir
    Path dir;

    @Test
    void readsA200000RowCsvInA32MegabyteHeap() throws Exception {
        Path file = dir.resolve("big.csv");
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write("id,name,email,phone,street,city,zip,country,notes\r\n");
            for (int i = 1; i <= ROWS; i++) {
                out.write(i + ",Name " + i + ",person" + i + "@example.com,+1 555 " + (1_000_000 + i)
                        + ",\"" + i + " Long Street, Suite " + i + "\",Springfield,"
                        + String.format("%05d", i % 100_000)
                        + ",US,\"Some notes about vendor " + i + " that make the row longer\"\r\n");
            }
        }

        assertThat(Files.size(file)).isGreaterThan(30L * 1024 * 1024);
        assertThat(probe(file, FileType.CSV)).startsWith("rows=200000 ordinal=200000 line=200001 max_heap_mb=");
    }

    @Test
    void readsA200000ElementJsonArrayInA32MegabyteHeap() throws Exception {
        Path file = dir.resolve("big.json");
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write("[\n");
            for (int i = 1; i <= ROWS; i++) {
                out.write("{\"id\": " + i + ", \"name\": \"Name " + i + "\", \"email\": \"person" + i
                        + "@example.com\", \"score\": " + i + ".25, \"tags\": [\"a\", \"b\"], \"notes\": "
                        + "\"Some notes about vendor " + i + " that make the row longer\"}"
                        + (i < ROWS ? ",\n" : "\n"));
            }
            out.write("]\n");
        }

        assertThat(Files.size(file)).isGreaterThan(30L * 1024 * 1024);
        assertThat(probe(file, FileType.JSON)).startsWith("rows=200000 ordinal=200000 line=200001 max_heap_mb=");
    }

    @Test
    void readsA200000LineNdjsonFileInA32MegabyteHeap() throws Exception {
        // A blank first line: skipped, but counted, so every object is on the line after its ordinal.
        Path file = dir.resolve("big.ndjson");
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write("\n");
            for (int i = 1; i <= ROWS; i++) {
                out.write("{\"id\": " + i + ", \"name\": \"Name " + i + "\", \"email\": \"person" + i
                        + "@example.com\", \"notes\": \"Some notes about vendor " + i
                        + " that make the row longer\"}\n");
            }
        }

        assertThat(Files.size(file)).isGreaterThan(20L * 1024 * 1024);
        assertThat(probe(file, FileType.NDJSON)).startsWith("rows=200000 ordinal=200000 line=200001 max_heap_mb=");
    }

    @Test
    void readsA200000RowXlsxSheetInA32MegabyteHeap() throws Exception {
        List<Workbook.RowSpec> rows = new ArrayList<>(ROWS + 1);
        rows.add(Workbook.row(1, "id", "amount", "due", "status", "region"));
        for (int i = 1; i <= ROWS; i++) {
            rows.add(Workbook.row(i + 1, num(Integer.toString(i)), num(i + ".5"), num(Integer.toString(45000 + i % 999),
                    "yyyy-mm-dd"), i % 2 == 0 ? "active" : "inactive", "region " + i % 10));
        }
        Path file = XlsxWriter.write(Workbook.of(new Workbook.SheetSpec("Data", false, rows)), dir.resolve("big.xlsx"));

        assertThat(probe(file, FileType.XLSX)).startsWith("rows=200000 ordinal=200000 line=200001 max_heap_mb=");
    }

    /**
     * Every row has two texts of its own: 400,000 distinct shared strings, more than a 32 MB heap holds as strings.
     * Past the first 65,536 they are kept in a file outside the heap.
     */
    @Test
    void readsA200000RowXlsxSheetOfDistinctTextsInA32MegabyteHeap() throws Exception {
        List<Workbook.RowSpec> rows = new ArrayList<>(ROWS + 1);
        rows.add(Workbook.row(1, "id", "name", "website", "amount"));
        for (int i = 1; i <= ROWS; i++) {
            rows.add(Workbook.row(i + 1, num(Integer.toString(i)), "Vendor number " + i + " of the long list",
                    "https://vendor-" + i + ".example.com/about", num(i + ".25")));
        }
        Path file = XlsxWriter.write(Workbook.of(new Workbook.SheetSpec("Data", false, rows)), dir.resolve("texts.xlsx"));

        assertThat(probe(file, FileType.XLSX)).startsWith("rows=200000 ordinal=200000 line=200001 max_heap_mb=");
    }

    /**
     * A text of 60 MiB in one cell, from a file of 64 KiB, is refused as a damaged workbook once its bytes pass the
     * most a text or tag may take, in a heap smaller than the text (before, the parser built the whole text, and a
     * file of 2 MB filled a heap of gigabytes). The sheet stays under 64 MiB, the most a part of so small a file may
     * expand to, which the scan for merged cells would otherwise find first.
     */
    @Test
    void refusesAnXlsxTextOfMoreBytesThanAPartMayHoldBetweenTagsInA32MegabyteHeap() throws Exception {
        Path file = bombWorkbook(dir.resolve("text.xlsx"),
                "<c r=\"A2\" t=\"inlineStr\"><is><t>", 1, 60 << 20, "</t></is></c>", null);

        assertThat(Files.size(file)).isLessThan(256 * 1024);
        assertThat(probe(file, FileType.XLSX)).isEqualTo("refused unreadable_file: Row 2: the workbook cannot be read;"
                + " expected a valid .xlsx file, found a damaged one (xl/worksheets/sheet1.xml has a text or tag of"
                + " more than 4,194,304 bytes (from byte 227), where a cell's text takes at most 32,767 characters)");
    }

    /**
     * A shared string of 60 runs of 1 MiB each, every run within the bound of a text, is counted, not kept: the cell
     * that refers to it is refused with its length in a heap smaller than it (before, its runs were joined whole). The
     * table stays under 64 MiB, the most a part of so small a file may expand to.
     */
    @Test
    void refusesAnXlsxSharedStringOfManyRunsLongerThanACellInA32MegabyteHeap() throws Exception {
        Path file = bombWorkbook(dir.resolve("runs.xlsx"), "<c r=\"A2\" t=\"s\"><v>0</v></c>", 60, 1 << 20, "",
                new String[] {"<si>", "<r><t>", "</t></r>", "</si>"});

        assertThat(Files.size(file)).isLessThan(256 * 1024);
        assertThat(probe(file, FileType.XLSX)).isEqualTo("refused unreadable_file: Row 2: the workbook cannot be read;"
                + " expected a valid .xlsx file, found a damaged one (shared string 0 of xl/sharedStrings.xml in cell"
                + " A2 has 62,914,560 characters, where a cell holds at most 32,767)");
    }

    /**
     * The 65,536 shared strings kept in the heap are as many as their characters allow: a table of 1,500 strings of
     * 32,767 characters (49 million characters, from a file of 100 KiB), whose last one a cell refers to, reads in a
     * heap smaller than them (before, all 65,536 strings of any length were kept in the heap: 4 GB from a 5 MB file).
     */
    @Test
    void readsAnXlsxWhoseSharedStringsHoldMoreCharactersThanTheHeapInA32MegabyteHeap() throws Exception {
        Path file = bombWorkbook(dir.resolve("table.xlsx"), "<c r=\"A2\" t=\"s\"><v>1499</v></c>", 1_500, 32_767,
                "", new String[] {"", "<si><t>", "</t></si>", ""});

        assertThat(Files.size(file)).isLessThan(256 * 1024);
        assertThat(probe(file, FileType.XLSX)).startsWith("rows=1 ordinal=1 line=2 max_heap_mb=");
    }

    /**
     * An XLS of 6,000 formulas of 8,202 bytes of tokens each (about 50 MB), which HSSF would keep whole: 6,000 cells,
     * well within the cells a 32 MB heap allows (one per 256 bytes of it), yet more bytes than the heap. It is refused
     * before it is loaded, its records' bytes counting against the limit. Before, it was loaded and ran the heap out
     * of memory.
     */
    @Test
    void refusesAnXlsOfFormulasHoldingMoreBytesThanTheHeapInA32MegabyteHeap() throws Exception {
        String[][] rows = {{"id", "text"}, {"a-1", "b"}};
        Path file = Files.write(dir.resolve("formulas.xls"), XlsFiles.withSheetRecords(XlsFiles.of("S", rows),
                XlsFiles.formulaRows(2, 6_000)));

        assertThat(Files.size(file)).isGreaterThan(49_000_000L);
        assertThat(probe(file, FileType.XLS)).startsWith("refused unreadable_file: The workbook cannot be read;"
                + " expected a valid .xls file, found a damaged one (the workbook holds more than ")
                .endsWith(" cells and shared strings, each 256 bytes of its records counting as one more, the most an"
                        + " .xls may hold here (FREIGHT_MAX_XLS_CELLS; an .xls is read whole into memory); save it as"
                        + " .xlsx)");
    }

    /**
     * A workbook of one sheet: the header {@code h} in A1, then row 2 made of {@code cellStart}, {@code count} times
     * {@code length} bytes of {@code x}, and {@code cellEnd}. With {@code table} set, those texts are instead in the
     * shared-strings table: {@code table[0]}, each text between {@code table[1]} and {@code table[2]}, {@code table[3]};
     * the sheet's row 2 is then {@code cellStart}.
     */
    private static Path bombWorkbook(Path file, String cellStart, int count, int length, String cellEnd,
            String[] table) throws IOException {
        String main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
        String relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
        String head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
        boolean inTable = table != null;
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            entry(zip, "[Content_Types].xml", head + "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/"
                    + "content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-"
                    + "package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/>"
                    + "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-"
                    + "officedocument.spreadsheetml.sheet.main+xml\"/><Override PartName=\"/xl/sharedStrings.xml\""
                    + " ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/>"
                    + "</Types>");
            entry(zip, "_rels/.rels", head + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/"
                    + "relationships\"><Relationship Id=\"rId1\" Type=\"" + relationships + "/officeDocument\""
                    + " Target=\"xl/workbook.xml\"/></Relationships>");
            entry(zip, "xl/workbook.xml", head + "<workbook xmlns=\"" + main + "\" xmlns:r=\"" + relationships
                    + "\"><sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>");
            entry(zip, "xl/_rels/workbook.xml.rels", head + "<Relationships xmlns=\"http://schemas.openxmlformats.org/"
                    + "package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"" + relationships
                    + "/worksheet\" Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" Type=\""
                    + relationships + "/sharedStrings\" Target=\"sharedStrings.xml\"/></Relationships>");
            byte[] text = "x".repeat(length).getBytes(StandardCharsets.US_ASCII);
            zip.putNextEntry(new ZipEntry("xl/sharedStrings.xml"));
            zip.write((head + "<sst xmlns=\"" + main + "\">" + (inTable ? table[0] : "")).getBytes(StandardCharsets.UTF_8));
            for (int i = 0; inTable && i < count; i++) {
                zip.write(table[1].getBytes(StandardCharsets.UTF_8));
                zip.write(text);
                zip.write(table[2].getBytes(StandardCharsets.UTF_8));
            }
            zip.write(((inTable ? table[3] : "") + "</sst>").getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry("xl/worksheets/sheet1.xml"));
            zip.write((head + "<worksheet xmlns=\"" + main + "\"><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\">"
                    + "<is><t>h</t></is></c></row><row r=\"2\">" + cellStart).getBytes(StandardCharsets.UTF_8));
            for (int i = 0; !inTable && i < count; i++) {
                zip.write(text);
            }
            zip.write((cellEnd + "</row></sheetData></worksheet>").getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        return file;
    }

    private static void entry(ZipOutputStream zip, String name, String content) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(content.getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
    }

    /** Runs {@link HeapProbe} on the file in a JVM with a small heap; its output, or a failure with its output. */
    private static String probe(Path file, FileType type) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, HEAP, "-cp", System.getProperty("java.class.path"),
                HeapProbe.class.getName(), file.toString(), type.wireName())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("probe finished").isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output.lines().reduce((a, b) -> b).orElse("");
    }
}
