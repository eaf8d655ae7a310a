package dev.freight.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.mapping.OpenAiCompatibleMatcher;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/operations.md's configuration table against the code: the settings are the ones {@link FreightConfig#from} and
 * {@link OpenAiCompatibleMatcher#fromEnvironment} actually ask for (recorded as they read them, not a copied list), each
 * with its variable, property, default and range.
 */
class OperationsDocTest {

    private static final Path OPERATIONS = Path.of("docs/operations.md");
    private static final Path README = Path.of("README.md");
    private static final Pattern RANGE = Pattern.compile("from (\\d+(?:,\\d{3})*) to (\\d+(?:,\\d{3})*)");
    private static final Pattern DURATION = Pattern.compile("(\\d+)([smhd])");

    /** One row of the table: variable, property ({@code —} for none), default and meaning, without backticks. */
    record Row(String variable, String property, String defaultCell, String meaning) {}

    @Test
    void everySettingTheCodeReadsHasARowWithItsVariableAndProperty() {
        List<Row> rows = rows();
        for (String property : propertiesFreightConfigReads()) {
            assertThat(rowOf(rows, property).variable()).as("the variable of %s", property)
                    .isEqualTo(FreightConfig.envName(property));
        }
        String table = String.join("\n", tableLines(OPERATIONS, "## Configuration"));
        for (String variable : variablesTheMappingModelReads()) {
            assertThat(table).as("operations.md names %s", variable).contains("`" + variable + "`");
        }
    }

    @Test
    void theReadmeTableNamesEverySettingTheCodeReads() {
        String table = String.join("\n", tableLines(README, "## Configuration"));
        for (String property : propertiesFreightConfigReads()) {
            assertThat(table).as("README.md names %s", property).contains("`" + FreightConfig.envName(property) + "`");
        }
        assertThat(table).contains("`" + OpenAiCompatibleMatcher.ENV_URL + "`");
    }

    @Test
    void everyDocumentedSettingIsReadByTheCode() {
        Set<String> read = propertiesFreightConfigReads();
        Set<String> model = variablesTheMappingModelReads();
        Properties packaged = packagedProperties();
        for (Row row : rows()) {
            if (row.property().equals("—")) {
                assertThat(model).as("the mapping model reads %s", row.variable()).contains(row.variable());
            } else if (!read.contains(row.property())) {
                assertThat(packaged.stringPropertyNames()).as("%s is read by FreightConfig or packaged",
                        row.property()).contains(row.property());
            }
        }
    }

    @Test
    void theDocumentedDefaultsAreTheCodes() throws ReflectiveOperationException {
        FreightConfig defaults = FreightConfig.from(name -> null);
        Properties packaged = packagedProperties();
        Set<String> checked = new TreeSet<>();
        for (Row row : rows()) {
            String shown = firstCode(row.defaultCell());
            if (row.property().startsWith("server.")) {
                assertThat(shown).as("default of %s", row.variable())
                        .isEqualTo(packaged.getProperty(row.property()));
                continue;
            }
            RecordComponent component = component(row.property());
            if (component == null || shown == null) {
                continue;
            }
            Object value = component.getAccessor().invoke(defaults);
            if (value instanceof Number n) {
                assertThat(Long.parseLong(shown)).as("default of %s", row.variable()).isEqualTo(n.longValue());
                checked.add(component.getName());
            } else if (value instanceof Duration d) {
                assertThat(duration(shown)).as("default of %s", row.variable()).isEqualTo(d);
                checked.add(component.getName());
            }
        }
        Set<String> numeric = new TreeSet<>();
        for (RecordComponent c : FreightConfig.class.getRecordComponents()) {
            if (c.getType() == int.class || c.getType() == long.class || c.getType() == Duration.class) {
                numeric.add(c.getName());
            }
        }
        // The one default that is no constant: one cell per 256 bytes of the heap, as the row says in words.
        numeric.remove("maxXlsCells");
        assertThat(checked).isEqualTo(numeric);
    }

    @Test
    void theDocumentedRangesAreTheCodes() {
        List<Row> rows = rows();
        Set<String> ranged = new TreeSet<>();
        for (String property : propertiesFreightConfigReads()) {
            String message;
            try {
                FreightConfig.from(name -> name.equals(property) ? "-1" : null);
                continue;
            } catch (ConfigException e) {
                message = e.getMessage();
            }
            Matcher range = RANGE.matcher(message);
            if (!range.find()) {
                continue;
            }
            ranged.add(property);
            String meaning = rowOf(rows, property).meaning();
            if (range.group(2).equals("%,d".formatted(Long.MAX_VALUE))) {
                assertThat(meaning).as("range of %s (%s)", property, message)
                        .contains("from " + range.group(1) + " upward");
            } else {
                assertThat(meaning).as("range of %s (%s)", property, message).contains(range.group());
            }
        }
        assertThat(ranged).contains("server.port", "freight.max-records-per-request", "freight.import-chunk-size",
                "freight.max-parse-bytes");
    }

    /** The property names {@link FreightConfig#from} asks for, in the order it asks. */
    static Set<String> propertiesFreightConfigReads() {
        Set<String> asked = new LinkedHashSet<>();
        FreightConfig.from(name -> {
            asked.add(name);
            return null;
        });
        return asked;
    }

    /** The environment variables the mapping model reads when its URL is set. */
    static Set<String> variablesTheMappingModelReads() {
        Set<String> asked = new LinkedHashSet<>();
        Map<String, String> environment = new AbstractMap<>() {
            @Override
            public String get(Object name) {
                asked.add((String) name);
                return name.equals(OpenAiCompatibleMatcher.ENV_URL) ? "http://127.0.0.1:1/v1"
                        : name.equals(OpenAiCompatibleMatcher.ENV_NAME) ? "a-model" : null;
            }

            @Override
            public Set<Entry<String, String>> entrySet() {
                return Set.of();
            }
        };
        assertThat(OpenAiCompatibleMatcher.fromEnvironment(environment)).isPresent();
        return asked;
    }

    private static Row rowOf(List<Row> rows, String property) {
        return rows.stream().filter(r -> r.property().equals(property)).findFirst()
                .orElseThrow(() -> new AssertionError("docs/operations.md has no row for " + property));
    }

    static List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        for (String line : tableLines(OPERATIONS, "## Configuration")) {
            String[] cells = line.substring(2, line.length() - 2).split(" \\| ", 4);
            if (cells.length == 4 && cells[0].startsWith("`")) {
                rows.add(new Row(cells[0].replace("`", ""), cells[1].replace("`", ""), cells[2], cells[3]));
            }
        }
        assertThat(rows).hasSizeGreaterThan(20);
        return rows;
    }

    /** The lines of the first table after {@code heading}. */
    private static List<String> tableLines(Path file, String heading) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int at = lines.indexOf(heading);
        assertThat(at).as("%s has %s", file, heading).isNotNegative();
        List<String> table = new ArrayList<>();
        for (String line : lines.subList(at + 1, lines.size())) {
            if (line.startsWith("|")) {
                table.add(line);
            } else if (!table.isEmpty()) {
                break;
            }
        }
        return table;
    }

    private static Properties packagedProperties() {
        Properties properties = new Properties();
        try (InputStream in = FreightConfig.class.getResourceAsStream("/application.properties")) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties;
    }

    /** The text of the first {@code `code`} span of a cell, or null. */
    private static String firstCode(String cell) {
        Matcher m = Pattern.compile("^`([^`]*)`").matcher(cell);
        return m.find() ? m.group(1) : null;
    }

    /** The record component a property names: {@code freight.max-parse-bytes} → {@code maxParseBytes}, or null. */
    private static RecordComponent component(String property) {
        if (!property.startsWith("freight.")) {
            return null;
        }
        String[] words = property.substring("freight.".length()).split("-");
        StringBuilder name = new StringBuilder(words[0]);
        for (int i = 1; i < words.length; i++) {
            name.append(Character.toUpperCase(words[i].charAt(0))).append(words[i].substring(1));
        }
        for (RecordComponent c : FreightConfig.class.getRecordComponents()) {
            if (c.getName().contentEquals(name)) {
                return c;
            }
        }
        return null;
    }

    private static Duration duration(String text) {
        Matcher m = DURATION.matcher(text);
        assertThat(m.matches()).as("a duration: %s", text).isTrue();
        return Duration.of(Long.parseLong(m.group(1)), switch (m.group(2)) {
            case "s" -> ChronoUnit.SECONDS;
            case "m" -> ChronoUnit.MINUTES;
            case "h" -> ChronoUnit.HOURS;
            default -> ChronoUnit.DAYS;
        });
    }
}
