package dev.freight.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;

/**
 * Runs the reader cases in {@code ingest/cases/}: each input file (exact bytes: line endings, byte-order marks and
 * encodings matter) sits beside {@code <input>.expected.json}, which gives:
 * <ul>
 *   <li>{@code about}: what the case shows;</li>
 *   <li>{@code detect} (optional): the type {@link Readers#detect} finds from the content and the file name, or the
 *       {@code {code, message}} it rejects the file with;</li>
 *   <li>{@code type} (optional): the type to open the file as; by default the input's extension (csv, tsv and
 *       txt are csv);</li>
 *   <li>{@code charset} (optional): the charset to ask for instead of detecting one;</li>
 *   <li>{@code format} (optional): the {@link SourceFormat} the reader reports, as {@code {encoding, bom, delimiter,
 *       lineEnding}} (sheet is null for text files);</li>
 *   <li>either {@code error}: the {@code {code, line, message}} that {@link Readers#open} fails with; or
 *       {@code headers} (and {@code renamedHeaders}, the {@link RowReader#renamedHeaders()} when a name repeats) and
 *       {@code rows}: the rows in order, each {@code {line, cells}} or {@code {line, error: {code,
 *       message}}} for an element that {@code next()} rejects; a row's ordinal is its position in the list. When the
 *       last entry is an error, what follows it is not checked. With neither, only detection is checked.</li>
 * </ul>
 * Cell values are compared as the Java values Jackson reads from the expected file (strings, Integer, Long,
 * BigInteger, BigDecimal with its scale, Boolean, List, Map, null), and key order counts.
 */
class ReadCasesTest {

    private static final String SUFFIX = ".expected.json";

    static Stream<Named<Path>> cases() throws IOException {
        try (Stream<Path> files = Files.list(casesDirectory())) {
            return files.filter(f -> !f.getFileName().toString().endsWith(SUFFIX))
                    .filter(f -> !f.getFileName().toString().startsWith("."))
                    .sorted()
                    .map(f -> Named.of(f.getFileName().toString(), f))
                    .toList()
                    .stream();
        }
    }

    static Path casesDirectory() {
        try {
            return Path.of(ReadCasesTest.class.getResource("/ingest/cases").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void everyInputHasAnExpectedFileAndEveryExpectedFileAnInput() throws IOException {
        try (Stream<Path> files = Files.list(casesDirectory())) {
            List<String> names = files.map(f -> f.getFileName().toString()).toList();
            assertThat(names.stream().filter(n -> n.endsWith(SUFFIX)))
                    .allMatch(n -> names.contains(n.substring(0, n.length() - SUFFIX.length())));
            assertThat(names.stream().filter(n -> !n.endsWith(SUFFIX)))
                    .allMatch(n -> names.contains(n + SUFFIX));
            assertThat(names).hasSizeGreaterThan(40);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void readsTheCaseAsItsExpectedFileSays(Path input) throws IOException {
        String name = input.getFileName().toString();
        JsonNode expected = JsonValues.MAPPER.readTree(input.resolveSibling(name + SUFFIX).toFile());
        if (expected.has("detect")) {
            checkDetection(input, expected.get("detect"));
        }
        FileType type = expected.has("type")
                ? FileType.fromWireName(expected.get("type").asString()).orElseThrow()
                : typeOf(name);
        Charset charset = expected.has("charset") ? Charset.forName(expected.get("charset").asString()) : null;
        ReadOptions options = new ReadOptions(null, charset);

        if (!expected.has("error") && !expected.has("rows")) {
            return;
        }
        if (expected.has("error")) {
            IngestException e = catchThrowableOfType(IngestException.class,
                    () -> Readers.open(input, type, options).close());
            assertThat(e).as("open() fails").isNotNull();
            assertError(e, expected.get("error"), true);
            return;
        }
        try (RowReader reader = Readers.open(input, type, options)) {
            if (expected.has("format")) {
                JsonNode format = expected.get("format");
                assertThat(reader.format()).as("format").isEqualTo(new SourceFormat(text(format, "encoding"),
                        format.get("bom").asBoolean(), text(format, "delimiter"), text(format, "lineEnding"), null));
            }
            assertThat(reader.headers()).as("headers")
                    .containsExactlyElementsOf(JsonValues.MAPPER.treeToValue(expected.get("headers"), List.class)
                            .stream().map(String::valueOf).toList());
            Map<String, String> renamed = expected.has("renamedHeaders")
                    ? JsonValues.MAPPER.treeToValue(expected.get("renamedHeaders"), new TypeReference<>() {})
                    : Map.of();
            assertThat(reader.renamedHeaders()).as("renamedHeaders").containsExactlyEntriesOf(renamed);
            JsonNode rows = expected.get("rows");
            for (int i = 0; i < rows.size(); i++) {
                JsonNode row = rows.get(i);
                String where = "row " + (i + 1);
                if (row.has("error")) {
                    IngestException e = catchThrowableOfType(IngestException.class, reader::next);
                    assertThat(e).as(where + " is rejected").isNotNull();
                    assertThat(e.line()).as(where + " line").isEqualTo(row.get("line").asLong());
                    assertError(e, row.get("error"), false);
                    continue;
                }
                SourceRow actual = reader.next();
                assertThat(actual).as(where).isNotNull();
                assertThat(actual.ordinal()).as(where + " ordinal").isEqualTo(i + 1);
                assertThat(actual.line()).as(where + " line").isEqualTo(row.get("line").asLong());
                Map<String, Object> cells = JsonValues.MAPPER.readValue(row.get("cells").toString(),
                        new TypeReference<LinkedHashMap<String, Object>>() {});
                assertThat(actual.cells()).as(where + " cells").containsExactlyEntriesOf(cells);
            }
            if (rows.isEmpty() || !rows.get(rows.size() - 1).has("error")) {
                assertThat(reader.next()).as("no more rows").isNull();
                assertThat(reader.next()).as("still no more rows").isNull();
            }
        }
    }

    private static String text(JsonNode node, String property) {
        return node.get(property).isNull() ? null : node.get(property).asString();
    }

    private static void checkDetection(Path input, JsonNode detect) throws IOException {
        String fileName = input.getFileName().toString();
        if (detect.isString()) {
            assertThat(Readers.detect(input, null, fileName).wireName()).as("detect").isEqualTo(detect.asString());
        } else {
            assertThatThrownBy(() -> Readers.detect(input, null, fileName))
                    .isInstanceOfSatisfying(IngestException.class, e -> assertError(e, detect, false));
        }
    }

    private static void assertError(IngestException e, JsonNode expected, boolean checkLine) {
        assertThat(e.code()).as("code of: " + e.getMessage()).isEqualTo(expected.get("code").asString());
        assertThat(e.getMessage()).as("message").isEqualTo(expected.get("message").asString());
        if (checkLine && expected.has("line")) {
            assertThat(e.line()).as("line").isEqualTo(expected.get("line").asLong());
        }
    }

    private static FileType typeOf(String name) {
        String extension = name.substring(name.lastIndexOf('.') + 1);
        return switch (extension) {
            case "csv", "tsv", "txt" -> FileType.CSV;
            default -> FileType.fromWireName(extension).orElseThrow();
        };
    }
}
