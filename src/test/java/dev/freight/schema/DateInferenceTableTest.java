package dev.freight.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs the date tables: {@code dates/inference.tsv} (a column's values and the format inferred) and
 * {@code dates/to-iso.tsv} (a value, a format and the ISO text). The files' headers describe their columns.
 */
class DateInferenceTableTest {

    private static final String EMPTY = "EMPTY";

    record Inference(int line, String about, List<String> values, String expected) {}

    record Conversion(int line, String value, DateColumnFormat format, String expected) {}

    static Stream<Named<Inference>> inferences() {
        return rows("/dates/inference.tsv", 3).stream().map(r -> Named.of("line %d: %s".formatted(r.line(), r.get(0)),
                new Inference(r.line(), r.get(0), Arrays.asList(r.get(1).split(";", -1)), r.get(2))));
    }

    static Stream<Named<Conversion>> conversions() {
        return rows("/dates/to-iso.tsv", 3).stream().map(r -> Named.of(
                "line %d: %s as %s".formatted(r.line(), r.get(0), r.get(1)),
                new Conversion(r.line(), r.get(0), format(r.get(1)), r.get(2))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("inferences")
    void infersTheFormatInTheTable(Inference c) {
        DateInference inference = new DateInference();
        c.values().forEach(inference::accept);

        assertThat(inference.result().map(DateInferenceTableTest::describe).orElse(EMPTY)).isEqualTo(c.expected());
    }

    /** Whatever format is inferred, every value of the column converts under it. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("inferences")
    void convertsEveryValueOfAColumnUnderTheFormatInferredForIt(Inference c) {
        DateInference inference = new DateInference();
        c.values().forEach(inference::accept);
        Optional<DateColumnFormat> format = inference.result();

        format.ifPresent(f -> assertThat(c.values().stream().filter(v -> !v.isBlank()))
                .allSatisfy(v -> assertThat(DateInference.toIso(v, f)).as(v).isPresent()));
    }

    static Stream<Named<Inference>> inferencesFromTheValuesThatNeedIt() {
        return rows("/dates/needing-inference.tsv", 3).stream().map(r -> Named.of(
                "line %d: %s".formatted(r.line(), r.get(0)),
                new Inference(r.line(), r.get(0), Arrays.asList(r.get(1).split(";", -1)), r.get(2))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("inferencesFromTheValuesThatNeedIt")
    void infersFromTheValuesThatNeedItAsTheTableSays(Inference c) {
        DateInference inference = new DateInference();
        c.values().stream().filter(DateInference::needsInference).forEach(inference::accept);

        assertThat(inference.result().map(DateInferenceTableTest::describe).orElse(EMPTY)).isEqualTo(c.expected());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("conversions")
    void convertsTheValueAsTheTableSays(Conversion c) {
        assertThat(DateInference.toIso(c.value(), c.format()).orElse(EMPTY)).isEqualTo(c.expected());
    }

    @Test
    void tablesCoverEveryOrderAndBothOutcomes() {
        List<String> inferred = inferences().map(n -> n.getPayload().expected()).toList();
        for (DateOrder order : DateOrder.values()) {
            assertThat(inferred).as("inferred %s", order).anyMatch(e -> e.startsWith(order.name() + " "));
            assertThat(conversions().map(Named::getPayload))
                    .as("converted %s", order).anyMatch(c -> c.format().order() == order && !c.expected().equals(EMPTY))
                    .anyMatch(c -> c.format().order() == order && c.expected().equals(EMPTY));
        }
        assertThat(inferred).filteredOn(e -> e.equals(EMPTY)).hasSizeGreaterThanOrEqualTo(10);
        assertThat(inferred).filteredOn(e -> e.contains("| ambiguous |")).hasSizeGreaterThanOrEqualTo(3);
    }

    @Test
    void infersFromAMillionValuesInConstantMemory() {
        DateInference inference = new DateInference();
        for (int i = 0; i < 1_000_000; i++) {
            inference.accept((i % 12 + 1) + "/" + (i % 28 + 1) + "/2024");
        }

        assertThat(inference.result()).contains(new DateColumnFormat(DateOrder.MDY, false, false, "M/D/YYYY"));
    }

    @Test
    void tellsAColumnOfDatesInMoreThanOneFormat() {
        assertThat(mixed("01/13/2024", "13/01/2024")).isTrue();
        assertThat(mixed("2024-1-5", "2024/01/16")).isTrue();
        assertThat(mixed("45306", "01/13/2024")).isTrue();
        assertThat(mixed("15.01.2024", "1/15/2024")).isTrue();

        assertThat(mixed("01/13/2024", "02/14/2024")).isFalse();
        assertThat(mixed("01/02/2024", "03/04/2024")).isFalse();
        assertThat(mixed("", " ")).isFalse();
        assertThat(mixed()).isFalse();
    }

    private static boolean mixed(String... values) {
        DateInference inference = new DateInference();
        Arrays.stream(values).forEach(inference::accept);
        return inference.mixed();
    }

    @Test
    void staysEmptyOnceAValueFitsNoFormat() {
        DateInference inference = new DateInference();
        inference.accept("2024-01-15");
        inference.accept("soon");
        inference.accept("2024-01-16");

        assertThat(inference.result()).isEmpty();
    }

    private static String describe(DateColumnFormat f) {
        return String.join(" | ", f.order().name(), f.withTime() ? "time" : "date",
                f.ambiguous() ? "ambiguous" : "certain", f.pattern());
    }

    private static DateColumnFormat format(String text) {
        String[] parts = text.split(" ");
        return new DateColumnFormat(DateOrder.valueOf(parts[0]), parts[1].equals("time"), false, "");
    }

    record Row(int line, List<String> columns) {
        String get(int i) {
            return columns.get(i);
        }
    }

    private static List<Row> rows(String table, int width) {
        List<Row> rows = new ArrayList<>();
        try (InputStream in = DateInferenceTableTest.class.getResourceAsStream(table)) {
            if (in == null) {
                throw new IllegalStateException(table + " is not on the test classpath");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            int number = 0;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                number++;
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                List<String> columns = Arrays.asList(line.split("\t", -1));
                if (columns.size() != width) {
                    throw new IllegalStateException("%s line %d has %d tab-separated columns, expected %d"
                            .formatted(table, number, columns.size(), width));
                }
                rows.add(new Row(number, columns));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return rows;
    }

    @Test
    void tellsWhetherAValueIsWrittenAsADateItCouldRecognise() {
        assertThat(Stream.of("01/13/2024", " 2024-01-15 ", "13.1.24", "1/2/2024 3:04 PM", "45306", "45306.5",
                "2024-01-15T10:30:00", "02/29/2023", "31.04.2024"))
                .allMatch(DateInference::writtenAsDate);
        assertThat(Stream.of("n/a", "", "  ", "15-Jan-2024", "20240115", "2024-01-15T10:30:00Z", "12", "25568",
                "73051", "1/2", "2023-02-29", "13/13/2024", "13/45/2024", "00/13/2024", "1/15/2024 25:00",
                "1/15/2024 13:00 PM", "1/15/202"))
                .noneMatch(DateInference::writtenAsDate);
        assertThat(DateInference.writtenAsDate(null)).isFalse();
    }
}
