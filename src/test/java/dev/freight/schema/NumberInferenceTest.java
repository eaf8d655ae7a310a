package dev.freight.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class NumberInferenceTest {

    /**
     * A column's values (separated by {@code |}), whether it holds integers, the format inferred ({@code EMPTY}, or
     * the reading, {@code ambiguous} when so, and the example) and each value as the format converts it ({@code -} for
     * one it leaves as it is).
     */
    record Column(String about, String values, boolean integral, String expected, String converted) {}

    static Stream<Named<Column>> columns() {
        return Stream.of(
                new Column("Freight's own form needs nothing", "85|1.5|2.500|-3|1e3", false, "EMPTY", ""),
                new Column("decimal commas, and a 1.000 among them is a thousand", "70,5|1.234,56|85|1.000", false,
                        "COMMA 1.234,5", "70.5|1234.56|85|1000"),
                new Column("commas between thousands beside a decimal point", "1,000|2,500.75|85", false,
                        "POINT 1,234.5", "1000|2500.75|85"),
                new Column("1,000 alone is one or a thousand", "1,000|85", false, "POINT ambiguous 1,234.5",
                        "1000|85"),
                new Column("a decimal comma settles 1,000 as one", "1,000|12,5", false, "COMMA 1234,5",
                        "1.000|12.5"),
                new Column("a space between thousands and a decimal comma", "1 234,5|7,25", false, "COMMA 1 234,5",
                        "1234.5|7.25"),
                new Column("no-break spaces and apostrophes", "1\u00a0234,5|1\u202f000", false, "COMMA 1\u202f234,5",
                        "1234.5|1000"),
                new Column("an apostrophe with a decimal point", "1'234.50|3", false, "POINT 1'234.5", "1234.50|3"),
                new Column("spaces alone give the same number either way", "1 000|2 000 000", false, "POINT 1 234.5",
                        "1000|2000000"),
                new Column("a value that is no number is left out", "n/a|1,5| |12 %", false, "COMMA 1234,5", "-|1.5|-|-"),
                new Column("no one reading fits both", "1,5|1.5", false, "EMPTY", ""),
                new Column("two commas and a decimal comma", "1,234,567|1,5", false, "EMPTY", ""),
                new Column("an exponent is read with a point only", "1.5e3|2,5", false, "EMPTY", ""),
                new Column("signs", "-1.234,5|+7,5", false, "COMMA 1.234,5", "-1234.5|+7.5"),
                new Column("groups of other than three digits are no grouping", "1,00|12,3456", false, "COMMA 1234,5",
                        "1.00|12.3456"),
                new Column("integers: a comma reading with decimals does not fit", "1,000|2,500", true,
                        "POINT 1,234.5", "1000|2500"),
                new Column("integers: 1,000 alone is still one or a thousand", "1,000", true,
                        "POINT ambiguous 1,234.5", "1000"),
                new Column("integers: 1.200 is a thousand two hundred", "1.200|85", true, "COMMA 1.234,5",
                        "1200|85"),
                new Column("integers in Freight's own form", "85|-3|0", true, "EMPTY", ""),
                new Column("integers: 1.000 alone is one or a thousand, not Freight's own one", "1.000|85", true,
                        "POINT ambiguous 1234.5", "1.000|85"),
                new Column("integers: a decimal comma elsewhere in the column makes 1.000 a thousand",
                        "1.000|2.500,00", true, "COMMA 1.234,5", "1000|2500.00"),
                new Column("integers: 85.0 is an integer either way", "85.0|12", true, "EMPTY", ""),
                new Column("points before or after the digits, exponents", ".5|5.|-2E-3|+1e+2", false, "EMPTY", ""),
                new Column("an exponent out of range is no number", "1e9999999999|1,5", false, "COMMA 1234,5",
                        "-|1.5"),
                new Column("not Freight's own form", "1.2.3|e5|1e|--1|1,5", false, "COMMA 1234,5", "-|-|-|-|1.5"),
                new Column("blank only", "| ", false, "EMPTY", ""))
                .map(c -> Named.of(c.about(), c));
    }

    @Test
    void tellsAColumnWithADecimalPointInSomeValuesAndADecimalCommaInOthers() {
        assertThat(mixed(false, "1,5", "1.5")).isTrue();
        assertThat(mixed(false, "1,234.5", "1,5", "2.5", "n/a")).isTrue();
        assertThat(mixed(false, "1.5e3", "2,5")).isTrue();
        assertThat(mixed(true, "1,200", "1.300,00")).isTrue();

        assertThat(mixed(false, "85", "1.5", "1e3")).isFalse();
        assertThat(mixed(false, "1,000", "85")).isFalse();
        assertThat(mixed(false, "70,5", "1.234,56")).isFalse();
        assertThat(mixed(false, "1,234.5", "2.5")).isFalse();
        assertThat(mixed(false, "n/a", "12 %", " ")).isFalse();
        assertThat(mixed(true, "1,5", "2")).isFalse();
    }

    private static boolean mixed(boolean integral, String... values) {
        NumberInference inference = new NumberInference(integral);
        Arrays.stream(values).forEach(inference::accept);
        return inference.mixed();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("columns")
    void infersTheReadingEveryValueAllowsAndConvertsUnderIt(Column c) {
        NumberInference inference = new NumberInference(c.integral());
        List<String> values = Arrays.asList(c.values().split("\\|", -1));
        values.forEach(inference::accept);

        Optional<NumberInference.Format> format = inference.result();

        assertThat(format.map(f -> f.reading() + (f.ambiguous() ? " ambiguous " : " ") + f.example())
                .orElse("EMPTY")).isEqualTo(c.expected());
        format.ifPresent(f -> {
            List<String> converted = new ArrayList<>();
            values.forEach(v -> converted.add(NumberInference.toPlain(v, f.reading()).orElse("-")));
            assertThat(String.join("|", converted)).isEqualTo(c.converted());
        });
    }

    @Test
    void aConvertedValueIsWhatCoercionReads() {
        Field score = Field.of("score", "Score", FieldType.NUMBER, "");
        String plain = NumberInference.toPlain("1.234,50", NumberInference.Reading.COMMA).orElseThrow();

        assertThat(Coercion.coerce(score, plain)).isEqualTo(new Coerced.Ok(new Value.Decimal(
                new java.math.BigDecimal("1234.50"))));
    }
}
