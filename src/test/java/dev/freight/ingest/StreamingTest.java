package dev.freight.ingest;

import static dev.freight.ingest.Workbook.num;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
