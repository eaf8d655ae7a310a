package dev.freight.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RejectedInputTest {

    @TempDir
    Path dir;

    @Test
    void keepsTheFirst32767CharactersWithoutSplittingASurrogatePair() {
        String longer = "x".repeat(40_000);
        String pairAtTheCut = "x".repeat(32_766) + "\uD83D\uDE00" + "y";

        assertThat(RejectedInput.bounded(longer)).isEqualTo("x".repeat(32_767));
        assertThat(RejectedInput.bounded(pairAtTheCut)).isEqualTo("x".repeat(32_766));
        assertThat(RejectedInput.bounded("[1, \uD83D\uDE00]")).isEqualTo("[1, \uD83D\uDE00]");
    }

    @Test
    void keepsAByteThatIsNotUtf8AsTheReplacementCharacter() {
        assertThat(RejectedInput.bounded("{\"a\": \"caf\uDCE9\"}")).isEqualTo("{\"a\": \"caf\uFFFD\"}");
    }

    @Test
    void anNdjsonLineAndAJsonElementRejectedAloneKeepTheirInput() throws IOException {
        Path ndjson = Files.writeString(dir.resolve("v.ndjson"),
                "{\"a\": 1}\n{\"a\": }\n\"x\"\n{\"a\": 2, \"a\": 3}\n");
        Path json = Files.writeString(dir.resolve("v.json"), "[{\"a\": 1}, 1e999999, [true, {\"b\": -0.0}]]");

        try (RowReader reader = Readers.open(ndjson, FileType.NDJSON, ReadOptions.defaults())) {
            assertThat(reader.next().cells()).containsEntry("a", 1);
            assertThat(rejectedInput(reader)).isEqualTo("{\"a\": }");
            assertThat(rejectedInput(reader)).isEqualTo("\"x\"");
            assertThat(rejectedInput(reader)).isEqualTo("{\"a\": 2, \"a\": 3}");
        }
        try (RowReader reader = Readers.open(json, FileType.JSON, ReadOptions.defaults())) {
            assertThat(reader.next().cells()).containsEntry("a", 1);
            assertThat(rejectedInput(reader)).isEqualTo("1e999999");
            assertThat(rejectedInput(reader)).isEqualTo("[true,{\"b\":-0.0}]");
            assertThat(reader.next()).isNull();
        }
    }

    private static String rejectedInput(RowReader reader) throws IOException {
        try {
            reader.next();
        } catch (IngestException e) {
            return e.input();
        }
        throw new AssertionError("the row was read");
    }
}
