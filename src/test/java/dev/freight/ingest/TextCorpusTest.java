package dev.freight.ingest;

import static dev.freight.ingest.CorpusTest.cells;
import static dev.freight.ingest.CorpusTest.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Text-file corpora read in place (see {@link Corpora}): juniversalchardet's charset samples, csvkit's oddities and
 * uniVocity's line-ending and dialect files, with the exact cells and the {@link SourceFormat} reported.
 */
class TextCorpusTest {

    /** A line of {@code expected-encodings.tsv}. */
    record Sample(String file, String expected, String note) {}

    /**
     * Where Freight's answer differs from the table, for a reason: the file, the encoding Freight reports and why.
     */
    private static final Map<String, String> DIFFERENT = Map.of(
            // ASCII is a subset of UTF-8 and is reported as such: a user re-saving the file as UTF-8 changes nothing.
            "ascii.txt", "utf-8",
            // The table infers ISO-8859-8 from the file name only. The text carries Hebrew vowel points (niqqud), which
            // exist in windows-1255 but are undefined bytes in ISO-8859-8 (checked below): windows-1255 is right.
            "iso88598.txt", "windows-1255");

    static Stream<Named<Sample>> charsetSamples() {
        Path dir = Corpora.require("charset-samples-juniversalchardet");
        try {
            List<Named<Sample>> samples = new ArrayList<>();
            for (String line : Files.readAllLines(dir.resolve("expected-encodings.tsv")).stream().skip(1).toList()) {
                String[] columns = line.split("\t", -1);
                samples.add(Named.of(columns[0], new Sample(columns[0], columns[1], columns[2])));
            }
            return samples.stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void theCharsetTableListsEveryTextFileOfTheSamples() throws IOException {
        Path dir = Corpora.require("charset-samples-juniversalchardet");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(charsetSamples().map(s -> s.getPayload().file()))
                    .containsExactlyInAnyOrderElementsOf(files.map(f -> f.getFileName().toString())
                            .filter(n -> n.endsWith(".txt")).toList())
                    .hasSize(18);
        }
    }

    /**
     * The encoding reported for each sample equals the table's, compared without case, hyphens and underscores
     * ({@code TIS620} is {@code tis-620}, {@code SHIFT_JIS} is {@code shift_jis}), and the text decodes without a
     * replacement character.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("charsetSamples")
    void detectsTheEncodingOfEachCharsetSample(Sample sample) throws IOException {
        Path file = Corpora.require("charset-samples-juniversalchardet").resolve(sample.file());

        try (RowReader reader = Readers.open(file, FileType.CSV, ReadOptions.defaults())) {
            String expected = DIFFERENT.getOrDefault(sample.file(), sample.expected());
            assertThat(normalized(reader.format().encoding())).as(sample.note()).isEqualTo(normalized(expected));
            assertThat(reader.format().bom()).isEqualTo(sample.file().equals("utf8.txt")
                    || sample.file().equals("utf16le.txt"));
            List<String> text = new ArrayList<>(reader.headers());
            for (SourceRow row = reader.next(); row != null; row = reader.next()) {
                row.cells().values().forEach(v -> text.add((String) v));
            }
            assertThat(text).as("decoded text").noneMatch(t -> t.contains("\uFFFD"));
        }
    }

    @Test
    void readsIso2022JapaneseRatherThanTakingItsSevenBitsForUtf8() throws IOException {
        Path file = Corpora.require("charset-samples-juniversalchardet").resolve("iso2022jp.txt");

        List<SourceRow> rows = readAll(file, FileType.CSV);

        assertThat(rows.getFirst().cells().values())
                .containsExactly("    コンソール アプリケーション : universalchardet プロジェクトの概要");
    }

    @Test
    void readsTheHebrewSampleAsWindows1255BecauseIso88598LacksItsVowelPoints() throws IOException {
        Path file = Corpora.require("charset-samples-juniversalchardet").resolve("iso88598.txt");
        byte[] bytes = Files.readAllBytes(file);

        assertThat(new String(bytes, Charset.forName("ISO-8859-8"))).contains("\uFFFD");
        assertThat(new String(bytes, Charset.forName("windows-1255"))).doesNotContain("\uFFFD");
        assertThat(readAll(file, FileType.CSV).getFirst().cells()).containsExactlyEntriesOf(
                cells("העברעאיש", "פֿון װיקיפּעדיע"));
    }

    private static String normalized(String encoding) {
        return encoding.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
    }

    // ---- csvkit's oddities

    @Test
    void readsCsvkitsUtf16FilesInBothByteOrders() throws IOException {
        for (String name : List.of("test_utf16_big.csv", "test_utf16_little.csv")) {
            String encoding = name.contains("big") ? "utf-16be" : "utf-16le";
            assertReads("csvkit-examples", name, new SourceFormat(encoding, true, ",", "lf", null),
                    List.of("a", "b", "c"),
                    new SourceRow(1, 2, cells("a", "1", "b", "2", "c", "3")),
                    new SourceRow(2, 3, cells("a", "4", "b", "5", "c", "ʤ")));
        }
    }

    /**
     * csvkit calls the file ISO-8859-1; its one non-ASCII byte (0xA9, ©) is the same character in windows-1252,
     * which Freight reports for single-byte Latin text: windows-1252 is what Excel writes, and it reads every
     * ISO-8859-1 letter the same (the two differ only in 0x80–0x9F, control codes in ISO-8859-1).
     */
    @Test
    void readsCsvkitsLatin1FileAsWindows1252() throws IOException {
        assertReads("csvkit-examples", "test_latin1.csv", new SourceFormat("windows-1252", false, ",", "lf", null),
                List.of("a", "b", "c"),
                new SourceRow(1, 2, cells("a", "1", "b", "2", "c", "3")),
                new SourceRow(2, 3, cells("a", "4", "b", "5", "c", "©")));
    }

    @Test
    void dropsTheUtf8ByteOrderMarkFromTheFirstHeader() throws IOException {
        assertReads("csvkit-examples", "test_utf8_bom.csv", new SourceFormat("utf-8", true, ",", "lf", null),
                List.of("foo", "bar", "baz"),
                new SourceRow(1, 2, cells("foo", "1", "bar", "2", "baz", "3")),
                new SourceRow(2, 3, cells("foo", "4", "bar", "5", "baz", "ʤ")));
    }

    @Test
    void readsCarriageReturnLineEndingsInsideAndBetweenRecords() throws IOException {
        assertReads("csvkit-examples", "mac_newlines.csv", new SourceFormat("utf-8", false, ",", "cr", null),
                List.of("a", "b", "c"),
                new SourceRow(1, 2, cells("a", "1", "b", "2", "c", "3")),
                new SourceRow(2, 3, cells("a", "Once upon\ra time", "b", "5", "c", "6")));
    }

    /** The reader keeps a NUL character as written; it is data as far as reading goes. */
    @Test
    void keepsANullByteAsACharacterOfTheCell() throws IOException {
        assertReads("csvkit-examples", "null_byte.csv", new SourceFormat("utf-8", false, ",", "lf", null),
                List.of("a", "b", "c"),
                new SourceRow(1, 2, cells("a", "\0", "b", "2", "c", "3")));
    }

    @Test
    void readsRaggedRowsKeepingExtraCellsAndLeavingMissingOnesOut() throws IOException {
        assertReads("csvkit-examples", "bad.csv", new SourceFormat("utf-8", false, ",", "lf", null),
                List.of("column_a", "column_b", "column_c"),
                new SourceRow(1, 2, cells("column_a", "1", "column_b", "27", "column_c", "",
                        "column_4", "I'm too long!")),
                new SourceRow(2, 3, cells("column_a", "", "column_b", "I'm too short!")),
                new SourceRow(3, 4, cells("column_a", "0", "column_b", "mixed types.... uh oh", "column_c", "17")));
    }

    @Test
    void skipsBlankLinesBeforeTheHeaderAndCountsThem() throws IOException {
        assertReads("csvkit-examples", "test_skip_lines.csv", new SourceFormat("utf-8", false, ",", "lf", null),
                List.of("a", "b", "c"),
                new SourceRow(1, 5, cells("a", "1", "b", "2", "c", "3")));
    }

    /** csvkit's converted file shows 1.7 and 200000000 (parsed in de_DE); Freight keeps the text as written. */
    @Test
    void keepsLocaleFormattedNumbersAsWritten() throws IOException {
        assertReads("csvkit-examples", "test_locale.csv", new SourceFormat("utf-8", false, ",", "lf", null),
                List.of("a", "b", "c"),
                new SourceRow(1, 2, cells("a", "1,7", "b", "200.000.000", "c", "")));
    }

    @Test
    void keepsLeadingZeros() throws IOException {
        assertReads("csvkit-examples", "test_no_leading_zeroes.csv",
                new SourceFormat("utf-8", false, ",", "lf", null),
                List.of("a", "b", "c"),
                new SourceRow(1, 2, cells("a", "01", "b", "00.11", "c", "0.1")));
    }

    @Test
    void keepsANumberThatLooksLikeADateAsWritten() throws IOException {
        assertReads("csvkit-examples", "date_like_number.csv", new SourceFormat("utf-8", false, ",", "lf", null),
                List.of("a"),
                new SourceRow(1, 2, cells("a", "4.5")));
    }

    @Test
    void keepsNullMarkersAsText() throws IOException {
        assertReads("csvkit-examples", "blanks.csv", new SourceFormat("utf-8", false, ",", "lf", null),
                List.of("a", "b", "c", "d", "e", "f"),
                new SourceRow(1, 2, cells("a", "", "b", "NA", "c", "N/A", "d", "NONE", "e", "NULL", "f", ".")));
    }

    // ---- uniVocity's line-ending trio and ';' dialect

    /**
     * The same content with LF, CRLF and CR line endings gives the same rows and lines; only a line break inside a
     * quoted value keeps the file's own ending. The file starts with a title line, which Freight (first non-blank row
     * is the header) takes for a one-column header, so the real header row arrives as data keyed by
     * {@code column_N}; uniVocity skips it by configuration. Its comment line is data too: Freight has no comments.
     */
    @Test
    void readsTheSameRowsWhateverTheLineEnding() throws IOException {
        Path dir = Corpora.require("univocity-fixtures").resolve("csv");
        List<List<SourceRow>> reads = new ArrayList<>();
        for (String[] file : new String[][] {{"essential.csv", "lf", "\n"}, {"essential-dos.csv", "crlf", "\r\n"},
                {"essential-mac.csv", "cr", "\r"}}) {
            Path path = dir.resolve(file[0]);
            String title = "This line and the following should be skipped. The third is ignored automatically "
                    + "because it is blank";
            try (RowReader reader = Readers.open(path, FileType.CSV, ReadOptions.defaults())) {
                assertThat(reader.format()).as(file[0]).isEqualTo(new SourceFormat("utf-8", false, ",", file[1], null));
                assertThat(reader.headers()).containsExactly(title);
            }
            List<SourceRow> rows = readAll(path, FileType.CSV);
            assertThat(rows).hasSize(16);
            assertThat(rows.get(0)).isEqualTo(new SourceRow(1, 4, cells(title, "Year", "column_2", "Make",
                    "column_3", "Model", "column_4", "Description", "column_5", "Price")));
            assertThat(rows.get(2)).isEqualTo(new SourceRow(3, 6, cells(title, "1999", "column_2", "Chevy",
                    "column_3", "Venture \"Extended Edition\"", "column_5", "4900.00")));
            assertThat(rows.get(3)).isEqualTo(new SourceRow(4, 7, cells(title,
                    "#this is a comment and should be ignored")));
            assertThat(rows.get(4)).isEqualTo(new SourceRow(5, 8, cells(title, "1996", "column_2", "Jeep",
                    "column_3", "Grand Cherokee", "column_4", "MUST SELL!" + file[2] + "air, moon roof, loaded",
                    "column_5", "4799.00")));
            assertThat(rows.get(15)).isEqualTo(new SourceRow(16, 23, cells(title, "1997", "column_2", "Ford",
                    "column_3", "E350", "column_4", "\" ac, abs, moon \" ", "column_5", "3000.00")));
            reads.add(rows.stream().map(r -> new SourceRow(r.ordinal(), r.line(), withLf(r.cells()))).toList());
        }
        assertThat(reads.get(1)).isEqualTo(reads.get(0));
        assertThat(reads.get(2)).isEqualTo(reads.get(0));
    }

    /**
     * The delimiter is found to be {@code ;}. uniVocity also detects {@code \} as the quote escape; Freight reads
     * RFC 4180 quoting only (a quote is escaped by doubling it), so rows 1 and 3 match uniVocity's expected output
     * and rows with {@code \"} are read the RFC 4180 way, shown here exactly.
     */
    @Test
    void findsTheSemicolonDelimiterOfTheEuropeanDialect() throws IOException {
        assertReads("univocity-fixtures", "examples/european.csv", new SourceFormat("utf-8", false, ";", "lf", null),
                List.of("Year", "Make", "Model", "Description", "Price"),
                new SourceRow(1, 2, cells("Year", "1997", "Make", "Ford", "Model", "E350",
                        "Description", "ac; abs; moon", "Price", "3000,00")),
                new SourceRow(2, 3, cells("Year", "1999", "Make", "Chevy", "Model", "Venture \\Extended Edition\\\"",
                        "Description", "", "Price", "4900,00")),
                new SourceRow(3, 4, cells("Year", "1996", "Make", "Jeep", "Model", "Grand Cherokee",
                        "Description", "MUST SELL!\nair; moon roof; loaded", "Price", "4799,00")),
                new SourceRow(4, 6, cells("Year", "1999", "Make", "Chevy", "Model", "Venture \\Extended Edition",
                        "Description", " Very Large\\\"\"", "Price", "", "column_6", "5000,00")),
                new SourceRow(5, 7, cells("Year", "", "Make", "", "Model", "Venture \\Extended Edition\\\"",
                        "Description", "", "Price", "4900,00")));
    }

    private static Map<String, Object> withLf(Map<String, Object> cells) {
        cells.replaceAll((k, v) -> ((String) v).replace("\r\n", "\n").replace('\r', '\n'));
        return cells;
    }

    private static void assertReads(String corpus, String name, SourceFormat format, List<String> headers,
            SourceRow... rows) throws IOException {
        Path file = Corpora.require(corpus).resolve(name);

        assertThat(Readers.detect(file, null, name)).as(name).isEqualTo(FileType.CSV);
        try (RowReader reader = Readers.open(file, FileType.CSV, ReadOptions.defaults())) {
            assertThat(reader.format()).as(name + " format").isEqualTo(format);
            assertThat(reader.headers()).as(name + " headers").containsExactlyElementsOf(headers);
        }
        assertThat(readAll(file, FileType.CSV)).as(name + " rows").containsExactly(rows);
    }
}
