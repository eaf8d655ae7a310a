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
}
