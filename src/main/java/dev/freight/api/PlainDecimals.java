package dev.freight.api;

import java.math.BigDecimal;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ser.std.StdSerializer;

/**
 * Writes a {@link BigDecimal} as a JSON number in plain decimal digits with its scale ({@code 0.00000012},
 * {@code 0.0000000}), never with an exponent. Unlike Jackson's {@code WRITE_BIGDECIMAL_AS_PLAIN}, which refuses a
 * scale beyond ±9,999, it writes every number a record may hold (a scale up to 16,383).
 */
final class PlainDecimals extends StdSerializer<BigDecimal> {

    PlainDecimals() {
        super(BigDecimal.class);
    }

    @Override
    public void serialize(BigDecimal value, JsonGenerator generator, SerializationContext context) {
        generator.writeNumber(value.toPlainString());
    }
}
