package dev.freight.export;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.ingest.FormulaPrefix;
import dev.freight.ingest.Readers;
import dev.freight.ingest.RowReader;
import dev.freight.ingest.SourceRow;
import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.Field;
import dev.freight.schema.FieldType;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.Value;
import dev.freight.store.StoredRecord;
import java.io.BufferedWriter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The CSV writer encodes cells straight into bytes; its output must be byte for byte what encoding each cell's
 * {@link CellText} through a {@code java.io.Writer} gives (the writer it replaced, kept here as the reference).
 */
class CsvExportWriterTest {

    private static final ObjectDef THING = new ObjectDef("thing", "Thing", "thng", false, List.of(
            BuiltInObjects.externalIdField(),
            new Field("label", "Label, \"quoted\"", FieldType.TEXT, false, "", List.of(), List.of(), false),
            new Field("amount", "Amount", FieldType.NUMBER, false, "", List.of(), List.of(), false),
            new Field("day", "Day", FieldType.DATE, false, "", List.of(), List.of(), false),
            new Field("at", "At", FieldType.DATETIME, false, "", List.of(), List.of(), false),
            new Field("tags", "=Tags", FieldType.LIST, false, "", List.of(), List.of(), false)));

    @ParameterizedTest
    @CsvSource({"true, , NONE, NEUTRALISE", "false, , UTF8, KEEP", "true, 'MMM d, yyyy HH:mm', UTF8, NEUTRALISE",
            "true, dd/MM/yyyy, NONE, KEEP"})
    void writesTheSameBytesAsEncodingEachCellsTextThroughAWriter(boolean headers, String dateFormat,
            ExportOptions.Bom bom, ExportOptions.FormulaCells formulas) throws IOException {
        ExportConfig config = new ExportConfig(List.of("id", "external_id", "label", "amount", "day", "at", "tags",
                "createdDateTime"), null, headers, dateFormat, null, null, null, null, null, null,
                bom == ExportOptions.Bom.UTF8, formulas == ExportOptions.FormulaCells.NEUTRALISE);
        ExportPlan plan = ExportPlan.of(THING, ExportFormat.CSV, config);
        List<StoredRecord> records = records();

        ByteArrayOutputStream actual = new ByteArrayOutputStream();
        ExportWriter writer = ExportWriter.open(plan, actual);
        for (StoredRecord r : records) {
            writer.row(r);
        }
        writer.finish();

        assertThat(new String(actual.toByteArray(), StandardCharsets.UTF_8))
                .isEqualTo(new String(reference(plan, records), StandardCharsets.UTF_8));
        assertThat(actual.toByteArray()).isEqualTo(reference(plan, records));
    }

    /**
     * The apostrophe the writer puts in front of formula-like text is what the CSV reader takes off: every text reads
     * back as it was, apostrophes of its own included.
     */
    @ParameterizedTest
    @CsvSource({"NEUTRALISE", "KEEP"})
    void formulaLikeTextReadsBackUnchangedThroughTheCsvReader(ExportOptions.FormulaCells formulas) throws IOException {
        List<String> texts = List.of("=1+1", "+24", "-2+3", "@at", "\tx", "\rx", "+1 555 0100", "'", "''", "'x",
                "'=x", "''=x", "'''+1", "a'=b", "=", "'-", "x".repeat(9_000) + "'", "'" + "=".repeat(9_000), "plain");
        boolean neutralise = formulas == ExportOptions.FormulaCells.NEUTRALISE;
        ExportPlan plan = ExportPlan.of(THING, ExportFormat.CSV, new ExportConfig(List.of("label"), null, true, null,
                null, null, null, null, null, null, false, neutralise));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ExportWriter writer = ExportWriter.open(plan, bytes);
        for (int i = 0; i < texts.size(); i++) {
            writer.row(new StoredRecord("thng_" + i, "org", "thing", null, Map.of("label",
                    new Value.Text(texts.get(i))), Instant.EPOCH, Instant.EPOCH));
        }
        writer.finish();

        List<String> read = new ArrayList<>();
        try (RowReader reader = Readers.openUtf8Csv(new ByteArrayInputStream(bytes.toByteArray()))) {
            for (SourceRow row = reader.next(); row != null; row = reader.next()) {
                read.add((String) row.cells().get("Label, \"quoted\""));
            }
        }
        if (neutralise) {
            assertThat(read).isEqualTo(texts);
        } else {
            assertThat(read).isEqualTo(texts.stream().map(t -> t.startsWith("'") && FormulaPrefix.needed(t)
                    ? t.substring(1) : t).toList());
        }
    }

    private static List<StoredRecord> records() {
        List<String> texts = new ArrayList<>(List.of("plain", "", "a,b", "say \"hi\"", "line\nbreak", "cr\rhere",
                "=1+2", "+1", "-5", "@x", "\ttab", "\rcr", "Ünïcødé ✓ 日本", "emoji 😀 pair", "lone \uD83D high",
                "lone \uDE00 low", "end high \uD83D", "\"", "x".repeat(9_000) + ",", "y".repeat(20_000)));
        Random random = new Random(7);
        List<Instant> instants = new ArrayList<>(List.of(Instant.EPOCH, Instant.parse("2025-01-01T00:00:00Z"),
                Instant.parse("2025-01-01T00:00:00.001Z"), Instant.parse("1969-12-31T23:59:59.999999Z"),
                Instant.parse("0000-01-01T00:00:00Z"), Instant.parse("9999-12-31T23:59:59.123456789Z"),
                Instant.parse("+10000-01-01T00:00:00Z"), Instant.parse("-0001-12-31T23:59:59Z"),
                Instant.ofEpochSecond(1_735_689_600L, 120_000), Instant.ofEpochSecond(-1, 1)));
        for (int i = 0; i < 200; i++) {
            instants.add(Instant.ofEpochSecond(random.nextLong(-62_167_219_200L, 253_402_300_800L),
                    random.nextInt(4) == 0 ? 0 : random.nextInt(1_000_000_000) / (random.nextBoolean() ? 1 : 1_000)
                            * (random.nextBoolean() ? 1 : 1_000_000) % 1_000_000_000));
        }
        List<StoredRecord> records = new ArrayList<>();
        for (int i = 0; i < Math.max(texts.size(), instants.size()); i++) {
            Map<String, Value> values = new LinkedHashMap<>();
            if (i % 7 != 3) {
                values.put("label", new Value.Text(texts.get(i % texts.size())));
            }
            values.put("amount", i % 2 == 0 ? new Value.Decimal(new BigDecimal("-12.50")) : new Value.Int(i));
            values.put("day", new Value.Date(LocalDate.of(i % 5 == 0 ? 10_000 + i : i * 47, 1 + i % 12, 1 + i % 28)));
            values.put("at", new Value.DateTime(instants.get(i % instants.size())));
            values.put("tags", new Value.Many(List.of(new Value.Text("a"),
                    new Value.Text(texts.get(i % texts.size())))));
            Instant created = instants.get((i + 3) % instants.size());
            records.add(new StoredRecord("thng_" + i, "org", "thing", i % 4 == 0 ? null : "=ext-" + i, values,
                    created, created));
        }
        return records;
    }

    /** The writer this one replaced: each cell's text through a buffered UTF-8 writer. */
    private static byte[] reference(ExportPlan plan, List<StoredRecord> records) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Writer out = new BufferedWriter(new OutputStreamWriter(bytes, StandardCharsets.UTF_8), 1 << 16);
        ExportOptions options = plan.options();
        if (options.bom() == ExportOptions.Bom.UTF8) {
            out.write('\uFEFF');
        }
        if (options.includeHeaders()) {
            for (int i = 0; i < plan.columns().size(); i++) {
                if (i > 0) {
                    out.write(',');
                }
                referenceText(out, options, plan.columns().get(i).label());
            }
            out.write("\r\n");
        }
        for (StoredRecord record : records) {
            for (int i = 0; i < plan.columns().size(); i++) {
                if (i > 0) {
                    out.write(',');
                }
                Value v = plan.columns().get(i).valueOf(record);
                if (v == null) {
                    continue;
                }
                String s = CellText.of(v, options.dates());
                if (CellText.isText(v)) {
                    referenceText(out, options, s);
                } else {
                    referenceField(out, s);
                }
            }
            out.write("\r\n");
        }
        out.flush();
        return bytes.toByteArray();
    }

    private static void referenceText(Writer out, ExportOptions options, String s) throws IOException {
        if (options.formulaCells() == ExportOptions.FormulaCells.NEUTRALISE && CsvExportWriter.looksLikeFormula(s)) {
            referenceQuoted(out, "'" + s);
        } else {
            referenceField(out, s);
        }
    }

    private static void referenceField(Writer out, String s) throws IOException {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ',' || c == '"' || c == '\r' || c == '\n') {
                referenceQuoted(out, s);
                return;
            }
        }
        out.write(s);
    }

    private static void referenceQuoted(Writer out, String s) throws IOException {
        out.write('"');
        out.write(s.replace("\"", "\"\""));
        out.write('"');
    }
}
