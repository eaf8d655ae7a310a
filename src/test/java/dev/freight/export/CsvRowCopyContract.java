package dev.freight.export;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.schema.Field;
import dev.freight.schema.FieldType;
import dev.freight.schema.ObjectDef;
import dev.freight.store.Database;
import dev.freight.store.IdGenerator;
import dev.freight.store.RecordQuery;
import dev.freight.store.RecordStream;
import dev.freight.store.TenantStore;
import dev.freight.testing.SettableClock;
import dev.freight.testing.TestDatabases;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The CSV writer copies the bytes of cells whose text needs no decoding ({@link dev.freight.store.RecordRow}); for
 * every kind of stored JSON under every field type, and odd external ids and dates, its file must be the one writing
 * the decoded records gives, byte for byte. One subclass per database.
 */
abstract class CsvRowCopyContract {

    private static final AtomicInteger DATABASES = new AtomicInteger();

    /** Every kind of JSON a record may hold, including values stored before its object had other field types. */
    static final List<String> JSONS = List.of("\"Acme\"", "\"  padded \"", "\"a\\nb\"", "\"quote \\\" here\"",
            "\"back\\\\slash\"", "\"\"", "\"active\"", "\"2025-03-04\"", "\"2025-02-30\"", "\"2024-02-29\"",
            "\"2023-02-29\"", "\"0000-01-01\"", "\"2025-13-01\"", "\"2025-3-04\"", "\"2025-03-04T10:00:00Z\"",
            "\"[draft]\"", "\"{x}\"", "\"-5\"", "\"05\"", "\"0.0000001\"", "\"true\"", "\"1\"", "\"a@example.com\"",
            "\"\\tb@example.com\\n\"", "\"Active\\t\"", "\"https://example.com/x\"", "\"Ünïcødé ✓ 𝄞\"",
            "\"=1+2\"", "\"+1 555 0100\"", "\"-cmd\"", "\"@SUM(A1)\"", "\"\\r=x\"", "\"a,b\"", "\"say \\\"hi\\\", ok\"",
            "\"bell\\u0007\"", "\"tab\\tinside\"", "12", "-3.5", "0", "0.0", "-0", "0.0000001", "-0.00000012",
            "85.50", "1", "1E+2", "123456789012345678", "1234567890123456789", "123456789012345678901234567890",
            "true", "false", "null", "[\"a\", \"b\"]", "[]", "{\"type\": \"Mobile\", \"value\": \"x\"}", "{}",
            "{\"external_id\": \"v-1\", \"object\": \"vendor\", \"id\": \"vndr_1\"}",
            "{\"street\": \"1 Main St\", \"city\": \"Springfield\"}");

    static final List<String> EXTERNAL_IDS = List.of("plain", "=cmd", "a,b", "q\"q", "back\\slash", "new\nline",
            "tab\there", "", "Ünï", "-1", "\rcr");

    static final List<Long> MILLIS = List.of(0L, 1L, 1_735_689_600_123L, 1_735_689_600_000L, -1L,
            -62_167_219_200_000L, -62_167_219_200_001L, 253_402_300_799_999L, 253_402_300_800_000L);

    abstract TestDatabases databases();

    Database db;
    String organization;
    ObjectDef object;

    @BeforeEach
    void recordsOfEveryOddValue() {
        SettableClock clock = new SettableClock(Instant.parse("2025-03-01T09:00:00Z"));
        db = databases().open("csv_row_copy_" + DATABASES.incrementAndGet());
        organization = db.inTransaction(h -> new TenantStore(new IdGenerator(clock), clock)
                .createOrganization(h, "acme", "Acme")).id();
        List<Field> fields = new ArrayList<>();
        for (FieldType type : FieldType.values()) {
            fields.add(new Field("f_" + type.wireName(), type.wireName(), type, false, "",
                    type == FieldType.ENUM ? List.of("Active", "5", "true") : List.of(),
                    type == FieldType.REFERENCE ? List.of("vendor") : List.of(), false));
            if (type != FieldType.ADDRESS && type != FieldType.LIST) {
                fields.add(new Field("m_" + type.wireName(), type.wireName() + "s", type, true, "",
                        type == FieldType.ENUM ? List.of("Active", "5", "true") : List.of(),
                        type == FieldType.REFERENCE ? List.of("vendor") : List.of(), false));
            }
        }
        object = new ObjectDef("odd", "Odd", "oddx", false, fields);
        db.inTransaction(h -> {
            for (int i = 0; i < JSONS.size(); i++) {
                StringBuilder data = new StringBuilder("{");
                for (Field f : fields) {
                    data.append(data.length() > 1 ? ", " : "").append('"').append(f.slug()).append("\": ")
                            .append(JSONS.get(i));
                }
                long millis = MILLIS.get(i % MILLIS.size());
                h.update("insert into records (id, organization_id, object, external_id, data, created_at, updated_at)"
                        + " values (?, ?, 'odd', ?, " + h.dialect().jsonParameter() + ", ?, ?)",
                        "oddx_" + (100 + i), organization, i % 13 == 12 ? null
                                : EXTERNAL_IDS.get(i % EXTERNAL_IDS.size()) + i, data.append('}').toString(),
                        millis, -millis);
            }
            return null;
        });
    }

    @AfterEach
    void closeDatabase() {
        db.close();
    }

    @ParameterizedTest(name = "escapeFormulas {0}, dateFormat {1}")
    @CsvSource(nullValues = "none", value = {"true, none", "false, none", "true, dd/MM/yyyy HH:mm"})
    void copiedCellsGiveTheBytesOfTheDecodedRecords(boolean escapeFormulas, String dateFormat) throws IOException {
        List<String> columns = new ArrayList<>(List.of(ExportColumn.ID, "external_id", ExportColumn.CREATED,
                ExportColumn.UPDATED));
        // A reference field sends the export through the decoded records (RecordStream.namesRecords): left out, so
        // that the rows are copied.
        object.fields().stream().filter(f -> f.type() != FieldType.REFERENCE).forEach(f -> columns.add(f.slug()));
        ExportPlan plan = ExportPlan.of(object, ExportFormat.CSV, new ExportConfig(columns, Map.of(), true,
                dateFormat, null, null, null, null, null, null, false, escapeFormulas));

        ByteArrayOutputStream copied = new ByteArrayOutputStream();
        long written = new Exporter(db, new RecordStream(db)).write(organization, plan, copied, n -> {});

        ByteArrayOutputStream decoded = new ByteArrayOutputStream();
        ExportWriter writer = new CsvExportWriter(plan.columns(), plan.options(), decoded);
        db.withHandle(h -> {
            try {
                return new RecordStream(db).forEach(h, organization, object, plan.properties(), plan.fields(),
                        RecordQuery.all(), writer::row);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        writer.finish();

        assertThat(RecordStream.namesRecords(plan.fields())).isFalse();
        assertThat(written).isEqualTo(JSONS.size());
        String[] copiedLines = copied.toString(StandardCharsets.UTF_8).split("\r\n", -1);
        String[] decodedLines = decoded.toString(StandardCharsets.UTF_8).split("\r\n", -1);
        assertThat(copiedLines).hasSameSizeAs(decodedLines);
        for (int i = 0; i < copiedLines.length; i++) {
            assertThat(copiedLines[i]).as("line %d", i).isEqualTo(decodedLines[i]);
        }
        assertThat(copied.toByteArray()).isEqualTo(decoded.toByteArray());
    }
}
