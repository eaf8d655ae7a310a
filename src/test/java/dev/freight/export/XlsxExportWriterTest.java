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
        ExportPlan plan = ExportPlan.of(THING, ExportFormat.XLSX, new ExportConfig(columns, null, true, null, null,
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
        Path file = Files.createTempFile("export", ".xlsx");
        try {
            Files.write(file, xlsx);
            try (ZipFile zip = new ZipFile(file.toFile())) {
                ZipEntry e = zip.getEntry("xl/worksheets/sheet1.xml");
                if (e != null) {
                    return new String(zip.getInputStream(e).readAllBytes(), StandardCharsets.UTF_8);
                }
            }
        } finally {
            Files.delete(file);
        }
        throw new AssertionError("no sheet1.xml");
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
