package dev.freight.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The quote tracker against a model that follows the text one character at a time (FastCSV's quoting: a quote opens a
 * cell only as its first character, a doubled quote inside one is a quote), on texts read in pieces of every size, so
 * that quotes, doubled quotes and CRLF fall across the tracker's reads.
 */
class QuoteTrackerTest {

    static Stream<Arguments> texts() {
        return Stream.of(
                Arguments.of("a,b", 0),
                Arguments.of("a,\"b", 1),
                Arguments.of("a,\"b\"", 0),
                Arguments.of("a,\"b\"\"", 1),
                Arguments.of("a,\"b\"\"\"", 0),
                Arguments.of("a,b\"c", 0),
                Arguments.of("\"a\"x,\"b", 1),
                Arguments.of("\"a\" \"b", 0),
                Arguments.of("x\r\ny\n\"z", 3),
                Arguments.of("x\r\n\r\"z", 3),
                Arguments.of("\"a\nb\"\n\r\n,\"c\r\nd", 4));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("texts")
    void saysWhereTheOpenQuoteOpened(String csv, long line) throws IOException {

        for (int piece = 1; piece <= csv.length(); piece++) {
            assertThat(openQuoteLine(csv, ',', new Random(piece), piece)).as("read in pieces of %d", piece)
                    .isEqualTo(line);
        }
    }

    @Test
    void agreesWithTheModelOnRandomTexts() throws IOException {
        Random random = new Random(20261123);
        char[] alphabet = {'a', ' ', ';', ',', '"', '"', '\n', '\r'};
        for (int t = 0; t < 20_000; t++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(40);
            for (int i = 0; i < length; i++) {
                text.append(alphabet[random.nextInt(alphabet.length)]);
            }
            char separator = t % 2 == 0 ? ',' : ';';
            String csv = text.toString();

            assertThat(openQuoteLine(csv, separator, random, 1 + random.nextInt(8)))
                    .as("%s with %s", csv.replace("\r", "\\r").replace("\n", "\\n"), separator)
                    .isEqualTo(model(csv, separator));
        }
    }

    /** Reads {@code csv} through a tracker in pieces of 1 to {@code most} characters. */
    private static long openQuoteLine(String csv, char separator, Random random, int most) throws IOException {
        Reader pieces = new Reader() {
            private final StringReader in = new StringReader(csv);

            @Override
            public int read(char[] buffer, int offset, int length) throws IOException {
                return in.read(buffer, offset, Math.min(length, 1 + random.nextInt(most)));
            }

            @Override
            public void close() {
                in.close();
            }
        };
        try (QuoteTracker tracker = new QuoteTracker(pieces, separator)) {
            char[] buffer = new char[16];
            while (tracker.read(buffer, 0, buffer.length) >= 0) {
                // read to the end
            }
            return tracker.openQuoteLine();
        }
    }

    private static long model(String csv, char separator) {
        int fieldStart = 0;
        int unquoted = 1;
        int quoted = 2;
        int quoteInQuoted = 3;
        int state = fieldStart;
        long line = 1;
        long openedOn = 0;
        char before = 0;
        for (char c : csv.toCharArray()) {
            boolean lineEnd = c == '\n' || c == '\r';
            if (c == '\r' || c == '\n' && before != '\r') {
                line++;
            }
            before = c;
            if (state == fieldStart) {
                if (c == '"') {
                    state = quoted;
                    openedOn = line;
                } else if (c != separator && !lineEnd) {
                    state = unquoted;
                }
            } else if (state == unquoted) {
                state = c == separator || lineEnd ? fieldStart : unquoted;
            } else if (state == quoted) {
                state = c == '"' ? quoteInQuoted : quoted;
            } else {
                state = c == '"' ? quoted : c == separator || lineEnd ? fieldStart : unquoted;
            }
        }
        return state == quoted ? openedOn : 0;
    }
}
