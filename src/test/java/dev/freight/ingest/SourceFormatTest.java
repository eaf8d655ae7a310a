package dev.freight.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What {@link RowReader#format()} reports for text files; the case files and corpus tests check it further. */
class SourceFormatTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            LF                            | id,name\\n1,Ann\\n             | lf
            CRLF                          | id,name\\r\\n1,Ann\\r\\n       | crlf
            CR                            | id,name\\r1,Ann\\r             | cr
            CR at the very end            | id,name\\r                     | cr
            no line ending                | id,name                        | 
            line break in a quoted header | "first\\nname",id\\r\\n1,Ann   | crlf
            quote inside a field          | a,b"\\nc\\r\\n1,2              | lf
            escaped quote                 | "a""\\n",b\\r1,2               | cr
            only inside quotes            | "a\\r\\nb",c                   | crlf
            never closed                  | "a,b\\nc                       | lf
            """)
    void reportsTheFirstLineEndingOutsideQuotedFields(String about, String content, String lineEnding)
            throws IOException {
        Path file = write(unescape(content), StandardCharsets.UTF_8);

        assertThat(format(file, FileType.CSV).lineEnding()).as(about).isEqualTo(lineEnding);
    }

    @Test
    void findsTheLineEndingBeyondTheSampleUsedToGuessTheDelimiter() throws IOException {
        String longHeader = "x".repeat(70_000) + ";y";
        Path file = write(longHeader + "\r\n1;2\r\n", StandardCharsets.UTF_8);

        SourceFormat format = format(file, FileType.CSV);

        assertThat(format.lineEnding()).isEqualTo("crlf");
    }

    @Test
    void reportsTheRequestedCharsetAndAByteOrderMarkOnlyWhenItMatches() throws IOException {
        Path file = dir.resolve("latin.csv");
        Files.write(file, "name;city\nAnn;Café\n".getBytes(StandardCharsets.ISO_8859_1));

        try (RowReader reader = Readers.open(file, FileType.CSV, new ReadOptions(null, StandardCharsets.ISO_8859_1))) {
            assertThat(reader.format()).isEqualTo(new SourceFormat("iso-8859-1", false, ";", "lf", null));
        }
    }

    @Test
    void reportsEncodingAndLineEndingOfJsonAndNdjson() throws IOException {
        Path json = write("\uFEFF[\r\n{\"id\": 1}]", StandardCharsets.UTF_16BE);
        Path ndjson = write("{\"id\": \"a\\nb\"}\r{\"id\": 2}", StandardCharsets.UTF_8);

        assertThat(format(json, FileType.JSON)).isEqualTo(new SourceFormat("utf-16be", true, null, "crlf", null));
        assertThat(format(ndjson, FileType.NDJSON)).isEqualTo(new SourceFormat("utf-8", false, null, "cr", null));
    }

    @Test
    void listsNoSheetsForTextFiles() throws IOException {
        Path file = write("id\n1\n", StandardCharsets.UTF_8);

        for (FileType type : List.of(FileType.CSV, FileType.JSON, FileType.NDJSON)) {
            assertThat(Readers.sheets(file, type)).as(type.wireName()).isEmpty();
        }
    }

    private SourceFormat format(Path file, FileType type) throws IOException {
        try (RowReader reader = Readers.open(file, type, ReadOptions.defaults())) {
            return reader.format();
        }
    }

    private Path write(String content, Charset charset) throws IOException {
        Path file = Files.createTempFile(dir, "format", ".txt");
        Files.write(file, content.getBytes(charset));
        return file;
    }

    private static String unescape(String s) {
        return s.replace("\\r", "\r").replace("\\n", "\n");
    }
}
