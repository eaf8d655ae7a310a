package dev.freight.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.core.type.TypeReference;

/** The readers against third-party corpora read in place (see {@link Corpora}). */
class CorpusTest {

    private static final String EXPECTED = "expected a CSV, JSON, NDJSON, XLSX or XLS file";

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            testEXCEL_3.xls         | unsupported_file_type | Excel 2.x to 4.0 workbooks (BIFF2 to BIFF4) are not supported; save as .xlsx
            testEXCEL_4.xls         | unsupported_file_type | Excel 2.x to 4.0 workbooks (BIFF2 to BIFF4) are not supported; save as .xlsx
            testEXCEL_5.xls         | unsupported_file_type | Excel 5.0/95 workbooks (BIFF5) are not supported; save as .xlsx
            testEXCEL_95.xls        | unsupported_file_type | Excel 5.0/95 workbooks (BIFF5) are not supported; save as .xlsx
            Simple.xlsb             | unsupported_file_type | Excel binary workbooks (.xlsb) are not supported; save as .xlsx
            date.xlsb               | unsupported_file_type | Excel binary workbooks (.xlsb) are not supported; save as .xlsx
            SimpleMacro.xlsm        | unsupported_file_type | Macro-enabled Excel workbooks (.xlsm) are not supported; save as .xlsx
            test.xltx               | unsupported_file_type | Excel templates (.xltx) are not supported; save as .xlsx
            SampleSS.strict.xlsx    | unsupported_file_type | Strict Open XML workbooks are not supported; save as .xlsx (Excel Workbook)
            SimpleStrict.xlsx       | unsupported_file_type | Strict Open XML workbooks are not supported; save as .xlsx (Excel Workbook)
            SampleSS.ods            | unsupported_file_type | OpenDocument spreadsheets (.ods) are not supported; save as .xlsx
            SampleSS.xml            | unsupported_file_type | The file is an XML or HTML document; expected a CSV, JSON, NDJSON, XLSX or XLS file
            protected_passtika.xlsx | encrypted_file        | The file is a password-protected Office document; expected a workbook without a password
            """)
    void rejectsWorkbooksItCannotReadSayingWhatTheyAre(String name, String code, String message) {
        Path file = Corpora.require("poi-spreadsheets").resolve(name);

        assertThatThrownBy(() -> Readers.detect(file, null, name))
                .isInstanceOfSatisfying(IngestException.class, e -> {
                    assertThat(e.code()).isEqualTo(code);
                    assertThat(e.getMessage()).isEqualTo(message);
                });
    }

    /**
     * An Excel 97-2003 workbook encrypted with a password is an OLE2 file with a Workbook stream, like any other XLS;
     * the FILEPASS record in its globals tells it from one. It is refused when its type is decided, as an encrypted
     * XLSX is, and also when it is opened as an XLS.
     */
    @Test
    void rejectsAPasswordProtectedXlsWhenDetectingOrOpeningIt() throws IOException {
        Path file = Corpora.require("poi-spreadsheets").resolve("password.xls");

        assertThatThrownBy(() -> Readers.detect(file, null, "password.xls"))
                .isInstanceOfSatisfying(IngestException.class, e -> {
                    assertThat(e.code()).isEqualTo("encrypted_file");
                    assertThat(e.getMessage()).isEqualTo(
                            "The file is a password-protected Office document; expected a workbook without a password");
                });
        assertThatThrownBy(() -> Readers.open(file, FileType.XLS, ReadOptions.defaults()))
                .isInstanceOfSatisfying(IngestException.class, e -> {
                    assertThat(e.code()).isEqualTo("encrypted_file");
                    assertThat(e.getMessage())
                            .isEqualTo("The workbook is password-protected; expected a workbook without a password");
                });
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"poc-xmlbomb.xlsx", "poc-xmlbomb-empty.xlsx"})
    void refusesXmlEntityBombs(String name) throws IOException {
        Path file = Corpora.require("poi-spreadsheets").resolve(name);

        assertThat(Readers.detect(file, null, name)).isEqualTo(FileType.XLSX);
        assertThatThrownBy(() -> Readers.open(file, FileType.XLSX, ReadOptions.defaults()))
                .isInstanceOfSatisfying(IngestException.class, e -> {
                    assertThat(e.code()).isEqualTo("unreadable_file");
                    assertThat(e.getMessage()).isEqualTo("The workbook cannot be read; expected a valid .xlsx file,"
                            + " found a damaged one (xl/sharedStrings.xml declares a document type (<!DOCTYPE>), which"
                            + " workbook parts never do; its entities could expand a small file into gigabytes (an XML"
                            + " bomb))");
                });
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"test.xlsx, xlsx", "test.xls, xls"})
    void readsCsvkitsTypedWorkbookAsItsConvertedCsvShowsIt(String name, String type) throws IOException {
        Path file = Corpora.require("csvkit-examples").resolve(name);

        assertThat(Readers.detect(file, null, name).wireName()).isEqualTo(type);
        List<SourceRow> rows = readAll(file, FileType.fromWireName(type).orElseThrow());
        assertThat(rows).extracting(SourceRow::line).containsExactly(2L, 3L, 4L, 5L, 6L);
        assertThat(rows.get(0).cells()).containsExactlyEntriesOf(cells(
                "text", "Chicago Reader", "date", "1971-01-01", "integer", "40", "boolean", "true", "float", "1",
                "datetime", "1971-01-01T04:14:00", "empty_column", ""));
        assertThat(rows.get(1).cells()).containsExactlyEntriesOf(cells(
                "text", "Chicago Sun-Times", "date", "1948-01-01", "integer", "63", "boolean", "true",
                "float", "1.27", "datetime", "1948-01-01T14:57:13", "empty_column", "",
                "column_8", "Extra data beyond headers will be trimmed"));
        assertThat(rows.get(2).cells()).containsEntry("float", "41800000.01")
                .containsEntry("datetime", "1920-01-01T00:00:00");
        assertThat(rows.get(4).cells()).containsEntry("text", "Unicode! Σ").containsEntry("date", "");
    }

    @Test
    void readsTheSameDatesFromWorkbooksInThe1900And1904DateSystems() throws IOException {
        Path dir = Corpora.require("poi-spreadsheets");

        for (String name : List.of("1900DateWindowing.xls", "1904DateWindowing.xls")) {
            try (RowReader reader = Readers.open(dir.resolve(name), FileType.XLS, ReadOptions.defaults())) {
                assertThat(reader.headers()).as(name).containsExactly("2000-01-01", "2000-01-01_2");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"SampleSS", "shared_formulas", "SimpleMultiCell", "TwoSheetsOneHidden", "TwoSheetsNoneHidden"})
    void readsTheXlsxAndXlsOfOneWorkbookAlike(String name) throws IOException {
        Path dir = Corpora.require("poi-spreadsheets");

        List<SourceRow> xlsx = readAll(dir.resolve(name + ".xlsx"), FileType.XLSX);
        List<SourceRow> xls = readAll(dir.resolve(name + ".xls"), FileType.XLS);

        assertThat(xlsx).isEqualTo(xls);
    }

    @Test
    void readsSampleSpreadsheetWithItsGapsAndExtraCells() throws IOException {
        Path file = Corpora.require("poi-spreadsheets").resolve("SampleSS.xlsx");

        assertThat(readAll(file, FileType.XLSX)).containsExactly(
                new SourceRow(1, 2, cells("Test spreadsheet", "2nd row", "column_2", "2nd row 2nd column")),
                new SourceRow(2, 4, cells("Test spreadsheet", "This one is red")));
    }

    @Test
    void numbersRowsWrittenWithoutRowNumbersInOrder() throws IOException {
        Path file = Corpora.require("poi-spreadsheets").resolve("59746_NoRowNums.xlsx");

        List<SourceRow> rows = readAll(file, FileType.XLSX);

        assertThat(rows).hasSize(70);
        assertThat(rows).allSatisfy(r -> assertThat(r.line()).isEqualTo(r.ordinal() + 1));
    }

    @Test
    void countsTheLinesOfAFileWithCarriageReturnsOnly() throws IOException {
        Path file = Corpora.require("univocity-fixtures").resolve("issues/github_194/uk-500.csv");

        assertThat(Files.readString(file)).doesNotContain("\n");
        List<SourceRow> rows = readAll(file, FileType.CSV);
        assertThat(rows).hasSize(500);
        assertThat(rows).allSatisfy(r -> assertThat(r.line()).isEqualTo(r.ordinal() + 1));
        assertThat(rows.get(0).cells()).containsEntry("first_name", "Aleshia").containsEntry("postal", "CT2 7PP");
    }

    static Stream<Named<String>> csvSpectrum() {
        try (Stream<Path> files = Files.list(Corpora.require("csv-spectrum").resolve("csvs"))) {
            return files.map(f -> f.getFileName().toString().replace(".csv", ""))
                    .sorted()
                    .map(n -> Named.of(n, n))
                    .toList()
                    .stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("csvSpectrum")
    void readsTheCsvSpectrumAsItsExpectedJsonSays(String name) throws IOException {
        Path dir = Corpora.require("csv-spectrum");
        List<Map<String, Object>> expected = JsonValues.MAPPER.readValue(dir.resolve("json/" + name + ".json").toFile(),
                new TypeReference<List<Map<String, Object>>>() {});

        Path csv = dir.resolve("csvs/" + name + ".csv");
        assertThat(Readers.detect(csv, null, name + ".csv")).isEqualTo(FileType.CSV);
        assertThat(readAll(csv, FileType.CSV)).extracting(SourceRow::cells).isEqualTo(expected);
    }

    static Stream<Named<Path>> jsonSuite() {
        try (Stream<Path> files = Files.list(Corpora.require("json-test-suite").resolve("test_parsing"))) {
            return files.sorted().map(f -> Named.of(f.getFileName().toString(), f)).toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Every document of JSONTestSuite either reads or fails with an {@link IngestException}: {@code n_} documents
     * (which a parser must reject) always fail, and {@code y_} documents (which it must accept) never fail as invalid
     * JSON,
     * except those with a repeated key, which the reader rejects on purpose.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("jsonSuite")
    void readsOrRejectsEveryJsonTestSuiteDocumentAsItShould(Path file) {
        String name = file.getFileName().toString();

        Throwable failure = catchThrowable(() -> readAll(file, FileType.JSON));

        if (failure != null) {
            assertThat(failure).as(name).isInstanceOf(IngestException.class);
        }
        if (name.startsWith("n_")) {
            assertThat(failure).as(name + " is rejected").isNotNull();
        }
        if (name.startsWith("y_") && !name.contains("duplicated_key") && failure != null) {
            assertThat(failure.getMessage()).as(name).doesNotContain("invalid JSON");
        }
    }

    static Stream<Named<Path>> everyCorpusFile() {
        List<Named<Path>> files = new ArrayList<>();
        for (String corpus : List.of("csv-spectrum", "commons-csv-fixtures", "fastcsv-spec", "csvkit-examples",
                "univocity-fixtures", "charset-samples-juniversalchardet", "poi-spreadsheets", "json-test-suite",
                "w3c-csvw-tests")) {
            Path dir = Corpora.require(corpus);
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.filter(Files::isRegularFile)
                        .sorted()
                        .forEach(f -> files.add(Named.of(corpus + "/" + dir.relativize(f), f)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return files.stream();
    }

    /** Whatever a file holds, detecting and reading it ends in rows or in an {@link IngestException}, nothing else. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("everyCorpusFile")
    void detectsAndReadsEveryCorpusFileOrRejectsItWithAnIngestException(Path file) {
        Throwable failure = catchThrowable(() -> {
            FileType type = Readers.detect(file, null, file.getFileName().toString());
            readAll(file, type);
        });

        if (failure != null) {
            assertThat(failure).isInstanceOf(IngestException.class);
            assertThat(((IngestException) failure).code()).matches("[a-z]+(_[a-z]+)*");
        }
    }

    /** The spreadsheets of the corpora that hold any, by their extension: workbooks, and files that claim to be. */
    static List<Path> workbookFiles() {
        List<Path> files = new ArrayList<>();
        for (String corpus : WORKBOOK_CORPORA) {
            try (Stream<Path> walk = Files.walk(Corpora.require(corpus))) {
                walk.filter(Files::isRegularFile)
                        .filter(f -> f.getFileName().toString().toLowerCase(Locale.ROOT)
                                .matches(".*\\.(xlsx|xlsm|xlsb|xltx|xls|ods|xml)"))
                        .sorted()
                        .forEach(files::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return files;
    }

    private static final List<String> WORKBOOK_CORPORA = List.of("poi-spreadsheets", "csvkit-examples");

    /** How the table names {@code file}: its corpus, then its path in it ({@code poi-spreadsheets/empty.xls}). */
    static String corpusName(Path file) {
        for (String corpus : WORKBOOK_CORPORA) {
            Path dir = Corpora.require(corpus);
            if (file.startsWith(dir)) {
                return corpus + "/" + dir.relativize(file).toString().replace('\\', '/');
            }
        }
        throw new IllegalArgumentException(file + " is in no workbook corpus");
    }

    /**
     * What reading {@code sheet} of {@code file} as {@code type} to its end gives, in words: the type, the headers'
     * count and first, the rows' count and the last one's line; or the refusal, as {@link #refusal} says it.
     */
    static String outcome(Path file, FileType type, String sheet) throws IOException {
        try (RowReader reader = Readers.open(file, type, new ReadOptions(sheet, null))) {
            List<String> headers = reader.headers();
            long rows = 0;
            long last = 0;
            for (SourceRow row = reader.next(); row != null; row = reader.next()) {
                rows++;
                last = row.line();
            }
            return "%s: %d headers from \"%s\", %d rows%s".formatted(type.wireName(), headers.size(),
                    headers.getFirst(), rows, rows == 0 ? "" : ", the last at line " + last);
        } catch (IngestException e) {
            return refusal(e);
        }
    }

    /** A refusal in words: its code, its line when it names one, its message. */
    static String refusal(IngestException e) {
        return e.code() + (e.line() > 0 ? " at line " + e.line() : "") + ": " + e.getMessage();
    }

    /**
     * The table of what each sheet of each workbook of the corpora reads as ({@code ingest/workbook-corpus.tsv}):
     * file, sheet (or {@code -} for a file refused when its type is decided), outcome ({@link #outcome}).
     */
    static List<String[]> workbookTable() throws IOException {
        try (var in = CorpusTest.class.getResourceAsStream("/ingest/workbook-corpus.tsv")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.isBlank() && !l.startsWith("#"))
                    .map(l -> l.split("\t", 3))
                    .toList();
        }
    }

    static Stream<Arguments> workbookCases() throws IOException {
        return workbookTable().stream().map(c -> Arguments.of(c[0], c[1], c[2]));
    }

    /**
     * Every sheet of every workbook of the corpora, read in place to its end, gives what the table says: its type,
     * headers and rows, or its refusal's code and message (each checked by hand against the file's XML or what POI
     * shows of it; the values of many are checked in {@link PoiCorpusTest}).
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("workbookCases")
    void readsEverySheetOfEveryCorpusWorkbookAsTheTableSays(String name, String sheet, String expected)
            throws IOException {
        int slash = name.indexOf('/');
        Path file = Corpora.require(name.substring(0, slash)).resolve(name.substring(slash + 1));

        if (sheet.equals("-")) {
            assertThatThrownBy(() -> Readers.detect(file, null, file.getFileName().toString()))
                    .isInstanceOfSatisfying(IngestException.class, e -> assertThat(refusal(e)).isEqualTo(expected));
        } else {
            FileType type = Readers.detect(file, null, file.getFileName().toString());
            assertThat(outcome(file, type, sheet)).isEqualTo(expected);
        }
    }

    /** The table has every workbook of the corpora, and each one's visible sheets in workbook order. */
    @Test
    void theWorkbookTableHasEveryCorpusWorkbookAndItsSheets() throws IOException {
        Map<String, List<String>> table = new LinkedHashMap<>();
        for (String[] row : workbookTable()) {
            table.computeIfAbsent(row[0], k -> new ArrayList<>()).add(row[1]);
        }
        Map<String, List<String>> found = new LinkedHashMap<>();
        for (Path file : workbookFiles()) {
            List<String> sheets;
            try {
                sheets = Readers.sheets(file, Readers.detect(file, null, file.getFileName().toString()));
            } catch (IngestException e) {
                sheets = List.of("-");
            }
            found.put(corpusName(file), sheets);
        }

        assertThat(table).containsExactlyEntriesOf(found);
    }

    /** All rows; elements rejected alone (not_an_object, NDJSON lines) are skipped. */
    static List<SourceRow> readAll(Path file, FileType type) throws IOException {
        List<SourceRow> rows = new ArrayList<>();
        try (RowReader reader = Readers.open(file, type, ReadOptions.defaults())) {
            while (true) {
                try {
                    SourceRow row = reader.next();
                    if (row == null) {
                        return rows;
                    }
                    rows.add(row);
                } catch (IngestException e) {
                    boolean alone = e.code().equals("not_an_object")
                            || type == FileType.NDJSON && e.code().equals("malformed_json");
                    if (!alone) {
                        throw e;
                    }
                }
            }
        }
    }

    static Map<String, Object> cells(String... keysAndValues) {
        Map<String, Object> cells = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            cells.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return cells;
    }
}
