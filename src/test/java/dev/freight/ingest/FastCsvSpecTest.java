package dev.freight.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * FastCSV's declarative spec ({@code fastcsv-spec/spec/*.yaml}, read in place, see {@link Corpora}) and its
 * byte-order-mark files. Each check gives an input and the records FastCSV reads from it; Freight's reader adds a
 * header and skips blank rows, so the expected Freight result is derived from those records by these rules:
 * <ul>
 *   <li>records whose cells are all blank (empty or white space) are skipped, before and after the header;</li>
 *   <li>the first remaining record is the header, its trailing blank cells dropped and a blank name becoming
 *       {@code column_N}; with none, opening fails with {@code empty_file};</li>
 *   <li>each later record is a row keyed by the header; a short row lacks its missing keys and a cell beyond the
 *       header is keyed {@code column_N}.</li>
 * </ul>
 * An input's {@code ⏎} runs as each of LF, CRLF and CR, in the expected records too. Comments: Freight has no comment
 * lines (a {@code #} in a business file is data, such as {@code #123} or a hashtag), so the {@code comments-read} and
 * {@code comments-skip} checks expect what {@code comments-none} expects for the same input.
 */
class FastCsvSpecTest {

    @TempDir
    static Path dir;

    /**
     * The checks whose input ends inside a quoted field: the spec allows a parser to stop there (exceptionAllowed), and
     * Freight does, with malformed_csv, rather than let the field hold the rest of the file.
     */
    private static final Set<String> REFUSED = Set.of("open-quotation-1", "open-quotation-2");

    /** One check at one line ending. */
    record Check(String id, String input, List<List<String>> records) {}

    static Stream<Named<Check>> checks() {
        Path spec = Corpora.require("fastcsv-spec").resolve("spec");
        Map<String, List<List<String>>> withoutComments = new LinkedHashMap<>();
        List<Map<String, Object>> all = new ArrayList<>();
        try (Stream<Path> files = Files.list(spec)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                Map<String, Object> document = yaml(file);
                String commentMode = settings(document).getOrDefault("commentMode", "NONE").toString();
                for (Map<String, Object> check : list(document.get("checks"))) {
                    check.put("commentMode", commentMode);
                    all.add(check);
                    if (commentMode.equals("NONE")) {
                        withoutComments.put(check.get("input").toString(), records(check));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Named<Check>> checks = new ArrayList<>();
        for (Map<String, Object> check : all) {
            String id = check.get("id").toString();
            String input = check.get("input").toString();
            List<List<String>> records = check.get("commentMode").equals("NONE")
                    ? records(check)
                    : withoutComments.get(input);
            assertThat(records).as("%s has a comments-none twin", id).isNotNull();
            for (String[] ending : input.contains("⏎")
                    ? new String[][] {{"LF", "\n"}, {"CRLF", "\r\n"}, {"CR", "\r"}}
                    : new String[][] {{"", ""}}) {
                String name = ending[0].isEmpty() ? id : id + " [" + ending[0] + "]";
                checks.add(Named.of(name, new Check(name, symbols(input, ending[1]),
                        records.stream().map(r -> r.stream().map(v -> symbols(v, ending[1])).toList()).toList())));
            }
        }
        return checks.stream();
    }

    /** The 60 checks the corpus's SOURCE.md counts, 24 of them at three line endings. */
    @Test
    void runsEveryCheckOfTheSpec() {
        List<String> names = checks().map(Named::getName).toList();

        assertThat(names).hasSize(108);
        assertThat(names.stream().map(n -> n.replaceAll(" \\[.*]$", "")).distinct()).hasSize(60);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("checks")
    void readsTheCheckAsFreightsViewOfFastCsvsRecords(Check check) throws IOException {
        Path file = dir.resolve(check.id().replaceAll("[^a-zA-Z0-9-]", "_") + ".csv");
        Files.writeString(file, check.input(), StandardCharsets.UTF_8);
        List<List<String>> records = check.records().stream()
                .filter(r -> !r.stream().allMatch(String::isBlank))
                .toList();

        if (records.isEmpty()) {
            IngestException e = catchThrowableOfType(IngestException.class,
                    () -> Readers.open(file, FileType.CSV, ReadOptions.defaults()).close());
            assertThat(e).as("open() fails").isNotNull();
            assertThat(e.code()).isEqualTo("empty_file");
            assertThat(e.getMessage()).isEqualTo(check.input().isEmpty()
                    ? "The file is empty; expected a header row and data rows"
                    : "The file has only blank lines; expected a header row and data rows");
            return;
        }
        List<String> header = headerNames(records.getFirst());
        List<Map<String, Object>> rows = new ArrayList<>();
        for (List<String> record : records.subList(1, records.size())) {
            Map<String, Object> cells = new LinkedHashMap<>();
            for (int i = 0; i < record.size(); i++) {
                if (i < header.size()) {
                    cells.put(header.get(i), record.get(i));
                } else if (!record.get(i).isBlank()) {
                    cells.put("column_" + (i + 1), record.get(i));
                }
            }
            rows.add(cells);
        }
        if (REFUSED.contains(check.id())) {
            try (RowReader reader = Readers.open(file, FileType.CSV, ReadOptions.defaults())) {
                assertThat(reader.headers()).as("headers").containsExactlyElementsOf(header);
                IngestException e = catchThrowableOfType(IngestException.class, () -> {
                    while (reader.next() != null) {
                        // the rows before the open quote's end of file
                    }
                });
                assertThat(e).as("the read fails").isNotNull();
                assertThat(e.code()).isEqualTo("malformed_csv");
                assertThat(e.getMessage()).isEqualTo("Line 1: a quoted cell opens here and is never closed");
            }
            return;
        }
        try (RowReader reader = Readers.open(file, FileType.CSV, ReadOptions.defaults())) {
            assertThat(reader.headers()).as("headers").containsExactlyElementsOf(header);
            List<Map<String, Object>> actual = new ArrayList<>();
            for (SourceRow row = reader.next(); row != null; row = reader.next()) {
                actual.add(row.cells());
            }
            assertThat(actual).as("rows").containsExactlyElementsOf(rows);
            assertThat(reader.format().delimiter()).isEqualTo(",");
        }
    }

    private static List<String> headerNames(List<String> record) {
        int end = record.size();
        while (record.get(end - 1).isBlank()) {
            end--;
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < end; i++) {
            names.add(record.get(i).isBlank() ? "column_" + (i + 1) : record.get(i));
        }
        assertThat(names).as("the spec's headers need no de-duplication").doesNotHaveDuplicates();
        return names;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "utf8_nobom.csv, utf-8, false",
            "utf8_bom.csv, utf-8, true",
            "utf16be_bom.csv, utf-16be, true",
            "utf16le_bom.csv, utf-16le, true",
            "utf32be_bom.csv, utf-32be, true",
            "utf32le_bom.csv, utf-32le, true"})
    void readsTheSameCellsFromEveryEncodingAndReportsIt(String name, String encoding, boolean bom)
            throws IOException {
        Path file = Corpora.require("fastcsv-spec").resolve("bom").resolve(name);

        assertThat(Readers.detect(file, null, name)).isEqualTo(FileType.CSV);
        try (RowReader reader = Readers.open(file, FileType.CSV, ReadOptions.defaults())) {
            assertThat(reader.format()).isEqualTo(new SourceFormat(encoding, bom, ",", "lf", null));
            assertThat(reader.headers()).containsExactly("foo", "üÜß");
            assertThat(reader.next()).isEqualTo(new SourceRow(1, 2, CorpusTest.cells("foo", "123", "üÜß", "456")));
            assertThat(reader.next()).isNull();
        }
    }

    /** The spec's symbols as characters; {@code ⏎} as {@code lineEnding}. */
    private static String symbols(String s, String lineEnding) {
        return s.replace("␤", "\r\n").replace("␊", "\n").replace("␍", "\r").replace("⏎", lineEnding)
                .replace("␠", " ");
    }

    private static Map<String, Object> yaml(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> settings(Map<String, Object> document) {
        Object settings = document.get("settings");
        return settings == null ? Map.of() : (Map<String, Object>) settings;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object checks) {
        return (List<Map<String, Object>>) checks;
    }

    @SuppressWarnings("unchecked")
    private static List<List<String>> records(Map<String, Object> check) {
        Object records = check.get("records");
        return records == null ? List.of() : ((List<List<Object>>) records).stream()
                .map(r -> r.stream().map(String::valueOf).toList())
                .toList();
    }
}
