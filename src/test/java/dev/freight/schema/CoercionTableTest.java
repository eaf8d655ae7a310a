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
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs the coercion table {@code coercion/cases.tsv}: per field type, which raw values are accepted and the value they
 * become, and the exact message for those that are not. The file's header describes its columns.
 */
class CoercionTableTest {

    private static final String TABLE = "/coercion/cases.tsv";

    /** Reads raw values the way the API reads request bodies. */
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private static final Pattern TYPE = Pattern.compile("([a-z_]+)(?:\\((.+)\\))?( multiple)?");
    private static final Pattern REPEATED = Pattern.compile("(\".*\") \\* ([0-9]+)");
    private static final String EMPTY = "EMPTY";
    private static final String INVALID = "INVALID ";

    /** One line of the table; {@code expected} is EMPTY, INVALID and the message, or canonical JSON. */
    record Case(int line, String typeColumn, Field field, String rawColumn, Object raw, String expected) {

        String displayName() {
            return "line %d: %s %s".formatted(line, typeColumn, rawColumn);
        }

        boolean accepted() {
            return !expected.equals(EMPTY) && !expected.startsWith(INVALID);
        }

        boolean rejected() {
            return expected.startsWith(INVALID);
        }
    }

    static Stream<Named<Case>> cases() {
        return table().stream().map(c -> Named.of(c.displayName(), c));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void coercesRawValueToTheOutcomeInTheTable(Case c) {
        assertThat(outcome(Coercion.coerce(c.field(), c.raw()))).as(c::displayName).isEqualTo(c.expected());
    }

    @Test
    void tableHasSeveralAcceptedAndRejectedValuesForEveryFieldType() {
        Map<FieldType, Integer> accepted = new EnumMap<>(FieldType.class);
        Map<FieldType, Integer> rejected = new EnumMap<>(FieldType.class);
        for (Case c : table()) {
            if (c.accepted()) {
                accepted.merge(c.field().type(), 1, Integer::sum);
            }
            if (c.rejected()) {
                rejected.merge(c.field().type(), 1, Integer::sum);
            }
        }
        assertThat(EnumSet.allOf(FieldType.class)).allSatisfy(type -> {
            assertThat(accepted.getOrDefault(type, 0)).as("accepted %s cases", type.wireName())
                    .isGreaterThanOrEqualTo(4);
            assertThat(rejected.getOrDefault(type, 0)).as("rejected %s cases", type.wireName())
                    .isGreaterThanOrEqualTo(4);
        });
    }

    private static String outcome(Coerced coerced) {
        return switch (coerced) {
            case Coerced.Ok ok -> JSON.writeValueAsString(PlainValues.toPlain(ok.value()));
            case Coerced.Empty empty -> EMPTY;
            case Coerced.Invalid invalid -> INVALID + invalid.message();
        };
    }

    private static List<Case> table() {
        List<Case> cases = new ArrayList<>();
        try (InputStream in = CoercionTableTest.class.getResourceAsStream(TABLE)) {
            if (in == null) {
                throw new IllegalStateException(TABLE + " is not on the test classpath");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            int lineNumber = 0;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lineNumber++;
                if (!line.isBlank() && !line.startsWith("#")) {
                    cases.add(parse(lineNumber, line));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return cases;
    }

    private static Case parse(int line, String text) {
        String[] columns = text.split("\t", -1);
        if (columns.length != 4) {
            throw badLine(line, "has %d tab-separated columns, expected 4 (type, slug, raw, expected)"
                    .formatted(columns.length));
        }
        Field field = field(line, columns[0], columns[1]);
        Object raw = json(line, columns[2]);
        String expected = columns[3];
        if (!expected.equals(EMPTY) && !expected.startsWith(INVALID)) {
            expected = JSON.writeValueAsString(json(line, expected));
        }
        return new Case(line, columns[0], field, columns[2], raw, expected);
    }

    private static Field field(int line, String typeColumn, String slug) {
        Matcher m = TYPE.matcher(typeColumn);
        if (!m.matches()) {
            throw badLine(line, "has type \"%s\", expected e.g. number, enum(a|b) or phone multiple"
                    .formatted(typeColumn));
        }
        FieldType type = FieldType.fromWireName(m.group(1))
                .orElseThrow(() -> badLine(line, "has unknown type \"%s\"".formatted(m.group(1))));
        List<String> names = m.group(2) == null ? List.of() : Arrays.asList(m.group(2).split("\\|"));
        return new Field(slug, slug, type, false, "",
                type == FieldType.ENUM ? names : List.of(),
                type == FieldType.REFERENCE ? names : List.of(),
                m.group(3) != null);
    }

    /** A JSON literal, or {@code "ab" * 3} for a string repeated. */
    private static Object json(int line, String text) {
        try {
            Matcher repeated = REPEATED.matcher(text);
            if (repeated.matches()) {
                return JSON.readValue(repeated.group(1), String.class).repeat(Integer.parseInt(repeated.group(2)));
            }
            return JSON.readValue(text, Object.class);
        } catch (JacksonException e) {
            throw badLine(line, "has \"%s\", which is not a JSON literal: %s".formatted(text, e.getOriginalMessage()));
        }
    }

    private static IllegalStateException badLine(int line, String problem) {
        return new IllegalStateException("%s line %d %s".formatted(TABLE, line, problem));
    }
}
