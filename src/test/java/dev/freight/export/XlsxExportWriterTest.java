package dev.freight.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.freight.ingest.FileType;
import dev.freight.ingest.ReadOptions;
import dev.freight.ingest.Readers;
import dev.freight.ingest.RowReader;
import dev.freight.ingest.SourceRow;
import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.Field;
import dev.freight.schema.FieldType;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.Value;
import dev.freight.store.StoredRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/** The XLSX writer's sheet XML: which values become numeric cells, and what it refuses to write. */
class XlsxExportWriterTest {

    private static final ObjectDef THING = new ObjectDef("thing", "Thing", "thng", false, List.of(
            BuiltInObjects.externalIdField(),
            new Field("label", "Label", FieldType.LONG_TEXT, false, "", List.of(), List.of(), false),
            new Field("amount", "Amount", FieldType.NUMBER, false, "", List.of(), List.of(), false),
            new Field("count", "Count", FieldType.INTEGER, false, "", List.of(), List.of(), false),
            new Field("due", "Due", FieldType.DATE, false, "", List.of(), List.of(), false),
            new Field("seen", "Seen", FieldType.DATETIME, false, "", List.of(), List.of(), false)));

    private static final Pattern CELL = Pattern.compile("<c r=\"([A-Z]+\\d+)\"([^>]*)>"
            + "(?:<v>([^<]*)</v>|<is><t[^>]*>([^<]*)</t></is>)</c>");
    private static final Pattern TYPE = Pattern.compile(" t=\"(\\w+)\"");

    @Test
    void numbersADoubleHoldsExactlyAreNumericCellsAndTheOthersText() throws IOException {
        List<Map<String, Value>> rows = List.of(
                Map.of("amount", decimal("85.5"), "count", new Value.Int(123_456_789_012_345L)),
                Map.of("amount", decimal("0.1"), "count", new Value.Int(Long.MAX_VALUE)),
                Map.of("amount", decimal("1234567890.12345"), "count", new Value.Int(1_234_567_890_123_456L)),
                Map.of("amount", decimal("1234567890.123456"), "count", new Value.Int(-9_007_199_254_740_993L)),
                Map.of("amount", decimal("12345678901234567890"), "count", new Value.Int(0)),
                Map.of("amount", decimal("1.50000000000000000000"), "count", new Value.Int(-5)));

        Map<String, String> cells = cells(sheet(rows));

        assertThat(cells).containsEntry("B2", "n 85.5").containsEntry("C2", "n 123456789012345")
                .containsEntry("B3", "n 0.1").containsEntry("C3", "inlineStr 9223372036854775807")
                .containsEntry("B4", "n 1234567890.12345").containsEntry("C4", "inlineStr 1234567890123456")
                .containsEntry("B5", "inlineStr 1234567890.123456").containsEntry("C5", "inlineStr -9007199254740993")
                .containsEntry("B6", "inlineStr 12345678901234567890").containsEntry("C6", "n 0")
                .containsEntry("B7", "n 1.5").containsEntry("C7", "n -5");
    }

    /**
     * A number with zeros at the end of its places is a numeric cell in a format of that many places, which shows them
     * and which the file import reads them back from; one with more places than a format holds (30), or a whole
     * number of three (which would read back without them), is text.
     */
    @Test
    void theZerosAtTheEndOfANumbersPlacesComeBackFromTheCellsFormat() throws IOException {
        List<String> amounts = List.of("85.50", "85.5", "-100.0000", "0.0000000", "1.50000000000000000000",
                "120", "0." + "0".repeat(30), "1." + "0".repeat(31), "100.000", "1.500");
        List<Map<String, Value>> rows = amounts.stream().map(a -> Map.of("amount", decimal(a))).toList();
        byte[] file = export(List.of("external_id", "amount"), rows);
        Path path = Files.createTempFile("export", ".xlsx");
        List<Object> read = new java.util.ArrayList<>();
        try {
            Files.write(path, file);
            try (RowReader reader = Readers.open(path, FileType.XLSX, ReadOptions.defaults())) {
                for (SourceRow row = reader.next(); row != null; row = reader.next()) {
                    read.add(row.cells().get("Amount"));
                }
            }
        } finally {
            Files.delete(path);
        }

        assertThat(read).containsExactlyElementsOf(amounts);
        assertThat(cells(sheet(file))).containsEntry("B2", "n 85.5").containsEntry("B4", "n -100")
                .containsEntry("B8", "n 0").containsEntry("B9", "inlineStr 1." + "0".repeat(31))
                .containsEntry("B10", "inlineStr 100.000").containsEntry("B11", "n 1.5");
    }

    /**
     * Excel's dates start in 1900 and its date cells show whole seconds: a date or date-time before 1900 (a date cell
     * would read back as {@code -1}) and a date-time with a fraction of a second (read back without it) are text, so
     * the export imports back as the same values.
     */
    @Test
    void datesExcelCannotHoldExactlyAreTextAndTheOthersDateCells() throws IOException {
        List<Map<String, Value>> rows = List.of(
                Map.of("due", date("2024-02-29"), "seen", instant("2024-03-10T02:30:45Z")),
                Map.of("due", date("1900-01-01"), "seen", instant("2024-03-10T02:30:45.123Z")),
                Map.of("due", date("1899-12-31"), "seen", instant("1899-12-31T23:59:59Z")),
                Map.of("due", date("0001-01-01"), "seen", instant("2024-01-01T00:00:00.000001Z")));

        Map<String, String> cells = cells(sheet(List.of("external_id", "due", "seen"), rows));

        assertThat(cells).containsEntry("B2", "n 45351.0").containsEntry("C2", "n 45361.1046875")
                .containsEntry("B3", "n 1.0").containsEntry("C3", "inlineStr 2024-03-10T02:30:45.123Z")
                .containsEntry("B4", "inlineStr 1899-12-31").containsEntry("C4", "inlineStr 1899-12-31T23:59:59Z")
                .containsEntry("B5", "inlineStr 0001-01-01")
                .containsEntry("C5", "inlineStr 2024-01-01T00:00:00.000001Z");
    }

    @Test
    void aTextLongerThanAnExcelCellFailsTheExportNamingTheRecordAndField() {
        ExportPlan plan = ExportPlan.of(THING, ExportFormat.XLSX, new ExportConfig(List.of("external_id", "label"),
                null, true, null, null, null, null, null, null, null, null, null));

        assertThatThrownBy(() -> {
            ExportWriter writer = ExportWriter.open(plan, new ByteArrayOutputStream());
            writer.row(record("t-1", Map.of("label", new Value.Text("x".repeat(32_767)))));
            writer.row(record("t-2", Map.of("label", new Value.Text("y".repeat(32_768)))));
        }).isInstanceOfSatisfying(ExportException.class, e -> {
            assertThat(e.code()).isEqualTo("cell_too_long");
            assertThat(e.getMessage()).isEqualTo("Record t-2: label has 32,768 characters, but an XLSX cell holds at"
                    + " most 32,767; export it as CSV or JSON");
        });
    }

    /**
     * fastexcel's flushing writer declares every sheet's used range as {@code A1} whatever its cells (its issue 452),
     * which a reader trusting it (openpyxl's read-only mode) reads as one cell; a streamed export cannot know the range
     * when the sheet's header goes out, so the sheet declares none, and its 2,500 rows and six columns are all there.
     */
    @Test
    void aSheetOf2500RowsDeclaresNoDimensionAndHoldsEveryRowAndColumn() throws IOException {
        List<Map<String, Value>> rows = new java.util.ArrayList<>();
        for (int i = 0; i < 2_500; i++) {
            rows.add(Map.of("label", new Value.Text("Row " + i), "amount", decimal(i + ".5"), "count",
                    new Value.Int(i), "due", date("2024-02-29"), "seen", instant("2024-03-10T02:30:45Z")));
        }

        String sheet = sheet(List.of("external_id", "label", "amount", "count", "due", "seen"), rows);

        assertThat(head(sheet)).isEqualTo(HEAD);
        assertThat(DIMENSION.matcher(sheet).find()).isFalse();
        Map<String, String> cells = cells(sheet);
        assertThat(cells).hasSize(6 * 2_501).containsEntry("A1", "inlineStr External Id")
                .containsEntry("F1", "inlineStr Seen").containsEntry("A2501", "inlineStr t-2499")
                .containsEntry("B2501", "inlineStr Row 2499").containsEntry("F2501", "n 45361.1046875");
    }

    @Test
    void aSheetWithoutItsHeaderRowDeclaresNoDimension() throws IOException {
        List<Map<String, Value>> rows = new java.util.ArrayList<>();
        for (int i = 0; i < 2_500; i++) {
            rows.add(Map.of("amount", decimal(i + ".5")));
        }

        String sheet = sheet(export(List.of("external_id", "amount"), false, rows));

        assertThat(head(sheet)).isEqualTo(HEAD);
        assertThat(DIMENSION.matcher(sheet).find()).isFalse();
        assertThat(cells(sheet)).hasSize(2 * 2_500).containsEntry("A1", "inlineStr t-0")
                .containsEntry("B2500", "n 2499.5");
    }

    /**
     * An empty export's sheet declares no dimension either: with its header row it holds A1:C1, without one no cell
     * at all (for which Excel writes {@code A1}, the range of an empty sheet), and a reader finds that from the cells.
     */
    @Test
    void anEmptyExportsSheetDeclaresNoDimensionWithItsHeaderRowOrWithout() throws IOException {
        String headed = sheet(export(List.of("external_id", "amount", "count"), true, List.of()));
        String bare = sheet(export(List.of("external_id", "amount", "count"), false, List.of()));

        assertThat(head(headed)).isEqualTo(HEAD);
        assertThat(DIMENSION.matcher(headed).find()).isFalse();
        assertThat(cells(headed)).containsOnlyKeys("A1", "B1", "C1");
        assertThat(head(bare)).isEqualTo(HEAD);
        assertThat(DIMENSION.matcher(bare).find()).isFalse();
        assertThat(cells(bare)).isEmpty();
        assertThat(bare).contains("<sheetData></sheetData>");
    }

    /**
     * A consumer reading the export as it arrives (from an HTTP answer) goes by the local headers, not the central
     * directory at the end: java.util.zip's and commons-compress's streaming readers both read every entry, in the
     * central directory's order, with the bytes the central directory gives it.
     */
    @Test
    void streamingZipReadersReadEveryEntryAsTheCentralDirectoryHasIt() throws IOException {
        List<Map<String, Value>> rows = new java.util.ArrayList<>();
        for (int i = 0; i < 2_500; i++) {
            rows.add(Map.of("label", new Value.Text("Row " + i), "amount", decimal(i + ".5")));
        }
        byte[] xlsx = export(List.of("external_id", "label", "amount"), rows);
        Map<String, byte[]> central = new java.util.LinkedHashMap<>();
        Path file = Files.createTempFile("export", ".xlsx");
        try {
            Files.write(file, xlsx);
            try (ZipFile zip = new ZipFile(file.toFile())) {
                for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                    central.put(e.getName(), zip.getInputStream(e).readAllBytes());
                }
            }
        } finally {
            Files.delete(file);
        }

        Map<String, byte[]> jdk = new java.util.LinkedHashMap<>();
        try (var zip = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(xlsx))) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                jdk.put(e.getName(), zip.readAllBytes());
            }
        }
        Map<String, byte[]> compress = new java.util.LinkedHashMap<>();
        try (var zip = new org.apache.commons.compress.archivers.zip.ZipArchiveInputStream(
                new java.io.ByteArrayInputStream(xlsx))) {
            for (var e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                compress.put(e.getName(), zip.readAllBytes());
            }
        }

        assertThat(central).containsKey("xl/worksheets/sheet1.xml").hasSize(9);
        assertThat(jdk.keySet()).containsExactlyElementsOf(central.keySet());
        central.forEach((name, bytes) -> assertThat(jdk.get(name)).as(name).isEqualTo(bytes));
        assertThat(compress.keySet()).containsExactlyElementsOf(central.keySet());
        central.forEach((name, bytes) -> assertThat(compress.get(name)).as(name).isEqualTo(bytes));
    }

    /** Past Excel's 1,048,576 rows the export goes on in a second sheet, which declares no dimension either. */
    @Test
    void eachSheetOfAnExportPastExcelsRowsDeclaresNoDimension() throws IOException {
        ExportPlan plan = ExportPlan.of(THING, ExportFormat.XLSX, new ExportConfig(List.of("external_id"), null, true,
                null, null, null, null, null, null, null, null, null));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ExportWriter writer = ExportWriter.open(plan, out);
        for (int i = 0; i < XlsxExportWriter.MAX_ROWS + 1; i++) {
            writer.row(record("t-" + i, Map.of()));
        }
        writer.finish();

        Map<String, String> sheets = sheets(out.toByteArray());

        assertThat(sheets).containsOnlyKeys("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml");
        for (String sheet : sheets.values()) {
            assertThat(head(sheet)).isEqualTo(HEAD);
            assertThat(DIMENSION.matcher(sheet).find()).isFalse();
        }
        assertThat(cells(sheets.get("xl/worksheets/sheet2.xml"))).containsExactly(
                Map.entry("A1", "inlineStr External Id"), Map.entry("A2", "inlineStr t-1048575"),
                Map.entry("A3", "inlineStr t-1048576"));
    }

    private static final Pattern DIMENSION = Pattern.compile("<dimension\\b");
    /** A sheet's XML up to its sheet view, as fastexcel writes it, without the dimension it put before the view. */
    private static final String HEAD = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet"
            + " xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\""
            + " xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
            + "<sheetPr filterMode=\"false\"><pageSetUpPr fitToPage=\"false\" autoPageBreaks=\"false\"/></sheetPr>"
            + "<sheetViews>";

    private static String head(String sheet) {
        return sheet.substring(0, sheet.indexOf("<sheetView "));
    }

    private static Value instant(String s) {
        return new Value.DateTime(Instant.parse(s));
    }

    private static Value date(String s) {
        return new Value.Date(java.time.LocalDate.parse(s));
    }

    private static Value decimal(String s) {
        return new Value.Decimal(new BigDecimal(s));
    }

    private static StoredRecord record(String externalId, Map<String, Value> values) {
        return new StoredRecord("thng_" + externalId, "org", "thing", externalId, values, Instant.EPOCH,
                Instant.EPOCH);
    }

    /** The first sheet's XML of an export of {@code rows} with the columns external_id, amount, count. */
    static String sheet(List<Map<String, Value>> rows) throws IOException {
        return sheet(List.of("external_id", "amount", "count"), rows);
    }

    /** The first sheet's XML of an export of {@code rows} with {@code columns}. */
    static String sheet(List<String> columns, List<Map<String, Value>> rows) throws IOException {
        return sheet(export(columns, rows));
    }

    /** The XLSX export of {@code rows} with {@code columns}. */
    static byte[] export(List<String> columns, List<Map<String, Value>> rows) throws IOException {
        return export(columns, true, rows);
    }

    /** The XLSX export of {@code rows} with {@code columns}, with or without its header row. */
    static byte[] export(List<String> columns, boolean headers, List<Map<String, Value>> rows) throws IOException {
        ExportPlan plan = ExportPlan.of(THING, ExportFormat.XLSX, new ExportConfig(columns, null, headers, null, null,
                null, null, null, null, null, null, null));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ExportWriter writer = ExportWriter.open(plan, out);
        for (int i = 0; i < rows.size(); i++) {
            writer.row(record("t-" + i, rows.get(i)));
        }
        writer.finish();
        return out.toByteArray();
    }

    /** The first sheet's XML of an XLSX file. */
    static String sheet(byte[] xlsx) throws IOException {
        String sheet = sheets(xlsx).get("xl/worksheets/sheet1.xml");
        if (sheet == null) {
            throw new AssertionError("no sheet1.xml");
        }
        return sheet;
    }

    /** Each sheet's XML of an XLSX file, by its entry's name, read through the zip's central directory. */
    static Map<String, String> sheets(byte[] xlsx) throws IOException {
        Map<String, String> sheets = new java.util.TreeMap<>();
        Path file = Files.createTempFile("export", ".xlsx");
        try {
            Files.write(file, xlsx);
            try (ZipFile zip = new ZipFile(file.toFile())) {
                for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                    if (e.getName().startsWith("xl/worksheets/")) {
                        sheets.put(e.getName(), new String(zip.getInputStream(e).readAllBytes(),
                                StandardCharsets.UTF_8));
                    }
                }
            }
        } finally {
            Files.delete(file);
        }
        return sheets;
    }

    /** Each cell as {@code "<type> <text>"}, by reference. */
    static Map<String, String> cells(String sheet) {
        Map<String, String> cells = new java.util.LinkedHashMap<>();
        Matcher m = CELL.matcher(sheet);
        while (m.find()) {
            Matcher type = TYPE.matcher(m.group(2));
            cells.put(m.group(1), (type.find() ? type.group(1) : "n") + " "
                    + (m.group(3) != null ? m.group(3) : m.group(4)));
        }
        return cells;
    }
}
