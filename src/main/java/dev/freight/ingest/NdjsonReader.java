package dev.freight.ingest;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * Newline-delimited JSON: one object per line, blank lines skipped. A bad line is reported as an
 * {@link IngestException} with its line number, and reading can go on with the next line; a line holding a byte that is
 * not UTF-8 is one (in a file without a byte-order mark or the pattern of UTF-16 or UTF-32, which is UTF-8).
 */
final class NdjsonReader extends PeekingReader {

    /** Longest line read, in characters, like FastCSV's limit for a field. */
    static final int MAX_LINE = 16 * 1024 * 1024;

    private final LineReader lines;
    private long ordinal;

    private NdjsonReader(LineReader lines, SourceFormat format) throws IOException {
        super(format);
        this.lines = lines;
        if (!peek()) {
            throw new IngestException("empty_file", 0,
                    "The file has only blank lines; expected one JSON object per line");
        }
    }

    static RowReader open(Path file, Charset charset) throws IOException {
        if (Files.size(file) == 0) {
            throw new IngestException("empty_file", 0, "The file is empty; expected one JSON object per line");
        }
        TextEncoding encoding = TextEncoding.ofJson(file, charset);
        SourceFormat format = encoding.format(null, LineEnding.ofJson(file, encoding));
        LineReader lines = new LineReader(encoding.openEscaped(file), MAX_LINE);
        try {
            return new NdjsonReader(lines, format);
        } catch (IOException | RuntimeException e) {
            lines.close();
            throw e;
        }
    }

    @Override
    SourceRow read() throws IOException {
        String text = lines.next();
        while (text != null && !lines.tooLong() && text.isBlank()) {
            text = lines.next();
        }
        if (text == null) {
            return null;
        }
        long line = lines.number();
        long number = ++ordinal;
        if (lines.tooLong()) {
            throw new IngestException("malformed_json", line,
                    "Line %d: expected a JSON object of at most %,d characters, found a longer line"
                            .formatted(line, MAX_LINE));
        }
        try {
            return parse(text, line, number);
        } catch (IngestException e) {
            throw e.withInput(RejectedInput.bounded(text));
        }
    }

    private static SourceRow parse(String text, long line, long number) {
        int bad = Utf8Escapes.find(text);
        if (bad >= 0) {
            throw new IngestException("malformed_json", line,
                    Utf8Escapes.message("Line %d, column %d".formatted(line, bad + 1), text.charAt(bad)));
        }
        try (JsonParser parser = JsonValues.MAPPER.createParser(text)) {
            // Worded while the parser is open: the message may name a character the parser has not read whole.
            try {
                JsonToken token = parser.nextToken();
                if (token != JsonToken.START_OBJECT) {
                    String where = JsonValues.where(parser, line);
                    parser.skipChildren();
                    expectEnd(parser, line);
                    throw new IngestException("not_an_object", line, "%s: expected an object for record %d, found %s"
                            .formatted(where, number, JsonValues.describe(token)));
                }
                Map<String, Object> cells = JsonValues.readObject(parser, line);
                expectEnd(parser, line);
                return new SourceRow(number, line, cells);
            } catch (JacksonException e) {
                throw JsonValues.malformed(e, line);
            }
        }
    }

    private static void expectEnd(JsonParser parser, long line) {
        JsonToken after = parser.nextToken();
        if (after != null) {
            throw new IngestException("malformed_json", line, "%s: expected one JSON value per line, found %s after it"
                    .formatted(JsonValues.where(parser, line), JsonValues.describe(after)));
        }
    }

    @Override
    public void close() throws IOException {
        lines.close();
    }

    @Override
    public boolean rowLevel(IngestException e) {
        return "not_an_object".equals(e.code()) || "repeated_key".equals(e.code()) || "malformed_json".equals(e.code());
    }
}
