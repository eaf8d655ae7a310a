package dev.freight.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.PlainValues;
import dev.freight.schema.Value;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.databind.json.JsonMapper;

class ValueJsonTest {

    @Test
    void encodesEveryValueKindExactlyAsItsPlainFormAndDecodesItBack() {
        Map<String, Value> values = new LinkedHashMap<>();
        values.put("name", new Value.Text("Acme \"Corp\"\n"));
        values.put("raw_irq_score", new Value.Decimal(new BigDecimal("85.50")));
        values.put("enterprise", new Value.Bool(true));
        values.put("next_assessment_date", new Value.Date(LocalDate.parse("2026-05-01")));
        values.put("dependent_services", new Value.Many(List.of(new Value.Text("Payroll"), new Value.Text("CRM"))));
        Map<String, Value> other = new LinkedHashMap<>();
        other.put("count", new Value.Int(42));
        other.put("at", new Value.DateTime(Instant.parse("2025-03-01T09:00:00Z")));
        other.put("vendor", new Value.Ref("v-1", "vendor", "vndr_0001"));
        other.put("pending", new Value.Ref("v-2", null, null));
        other.put("phone", new Value.Many(List.of(new Value.Labeled("Mobile", new Value.Text("+1 555 0100")))));
        other.put("address", new Value.Address("1 Main St", null, "Springfield", null, "01234", "US"));

        String encoded = ValueJson.encode(values);

        assertThat(encoded).isEqualTo("{\"name\":\"Acme \\\"Corp\\\"\\n\",\"raw_irq_score\":85.50,\"enterprise\":true,"
                + "\"next_assessment_date\":\"2026-05-01\",\"dependent_services\":[\"Payroll\",\"CRM\"]}");
        JsonMapper plain = JsonMapper.builder().build();
        assertThat(encoded).isEqualTo(plain.writeValueAsString(PlainValues.toPlain(values)));
        assertThat(ValueJson.encode(other)).isEqualTo(plain.writeValueAsString(PlainValues.toPlain(other)))
                .isEqualTo("{\"count\":42,\"at\":\"2025-03-01T09:00:00Z\",\"vendor\":{\"external_id\":\"v-1\","
                        + "\"object\":\"vendor\",\"id\":\"vndr_0001\"},\"pending\":{\"external_id\":\"v-2\","
                        + "\"object\":null,\"id\":null},\"phone\":[{\"type\":\"Mobile\",\"value\":\"+1 555 0100\"}],"
                        + "\"address\":{\"street\":\"1 Main St\",\"city\":\"Springfield\",\"zip\":\"01234\","
                        + "\"country\":\"US\"}}");
        assertThat(ValueJson.decode(encoded, BuiltInObjects.VENDOR)).isEqualTo(values);
    }

    @Test
    void aReferenceToARecordWithoutAnExternalIdIsStoredWithANullExternalIdAndReadBack() {
        Map<String, Value> values = Map.of("vendor", new Value.Ref(null, "vendor", "vndr_0001"));

        String encoded = ValueJson.encode(values);

        assertThat(encoded).isEqualTo("{\"vendor\":{\"external_id\":null,\"object\":\"vendor\",\"id\":\"vndr_0001\"}}")
                .isEqualTo(JsonMapper.builder().build().writeValueAsString(PlainValues.toPlain(values)));
        assertThat(ValueJson.decode(encoded, BuiltInObjects.ASSESSMENT)).isEqualTo(values);
        // As an earlier build stored a reference found by name: read as it was stored.
        assertThat(ValueJson.decode("{\"vendor\":{\"external_id\":\"Acme\",\"object\":\"vendor\",\"id\":"
                + "\"vndr_0001\"}}", BuiltInObjects.ASSESSMENT))
                .isEqualTo(Map.of("vendor", new Value.Ref("Acme", "vendor", "vndr_0001")));
    }

    @Test
    void escapesEveryCharacterAndWritesEveryNumberAsJacksonDoes() {
        JsonMapper plain = JsonMapper.builder().enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN).build();
        StringBuilder all = new StringBuilder();
        for (char c = 0; c < 0x3100; c++) {
            all.append(c);
        }
        all.append("\uD83D\uDE00 \uD800 lone \uDFFF \u2028\u2029 \uFFFF");
        Map<String, Value> values = new LinkedHashMap<>();
        values.put("every \"char\"\t", new Value.Text(all.toString()));
        values.put("numbers", new Value.Many(List.of(new Value.Decimal(new BigDecimal("1E+3")),
                new Value.Decimal(new BigDecimal("-0.000001")), new Value.Decimal(new BigDecimal("0E-10")),
                new Value.Decimal(new BigDecimal("1.2E-7")),
                new Value.Decimal(new BigDecimal("123456789012345678901234567890.5")), new Value.Int(Long.MIN_VALUE),
                new Value.Bool(false))));
        values.put("empty", new Value.Text(""));
        values.put("address", new Value.Address("a\\b", "c\u0001", null, "\"", null, null));

        String encoded = ValueJson.encode(values);

        assertThat(encoded).isEqualTo(plain.writeValueAsString(PlainValues.toPlain(values)));
        assertThat(encoded).contains("\\u0000\\u0001", "\\b\\t\\n\\u000B\\f\\r", "\\u001F !\\\"#",
                "[\\\\]", "1000,-0.000001,0.0000000000,0.00000012,");
        assertThat(ValueJson.encode(Map.of())).isEqualTo("{}");
    }

    /**
     * A number no PostgreSQL numeric holds, which coercion never gives (only an earlier build could have stored one on
     * SQLite), keeps its exponent instead of being written out in hundreds of thousands of digits.
     */
    @Test
    void aNumberBeyondWhatANumericHoldsKeepsItsExponent() {
        assertThat(ValueJson.encode(Map.of("n", new Value.Decimal(new BigDecimal("1E-400000")))))
                .isEqualTo("{\"n\":1E-400000}");
        assertThat(ValueJson.encode(Map.of("n", new Value.Decimal(new BigDecimal("-1E-16383")))))
                .hasSize("{\"n\":}".length() + 16_386).startsWith("{\"n\":-0.000");
    }
}
