package dev.freight.ingest;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * The elements of a top-level JSON array, or of the array under {@code "data"} in a top-level object (the Import API's
 * body shape; the object's other properties are skipped). Streams with Jackson's parser, one element at a time. A
 * file without a byte-order mark or the pattern of UTF-16 or UTF-32 is UTF-8: a byte that is not fails the read at its
 * line and column ({@code malformed_json}).
 */
final class JsonArrayReader extends PeekingReader {

    private static final String SHAPE = "an array of objects or {\"data\": [...]}";

    private final JsonParser parser;
    private final boolean wrapped;
    private IngestException failure;
    private boolean finished;
    private long ordinal;

    private JsonArrayReader(JsonParser parser, boolean wrapped, SourceFormat format) throws IOException {
        super(format);
        this.parser = parser;
        this.wrapped = wrapped;
        peek();
    }

    static RowReader open(Path file, Charset charset) throws IOException {
        TextEncoding encoding = TextEncoding.ofJson(file, charset);
        SourceFormat format = encoding.format(null, LineEnding.ofJson(file, encoding));
        JsonParser parser = JsonValues.MAPPER.createParser(Utf8Escapes.failing(encoding.openEscaped(file)));
        try {
            JsonToken token = parser.nextToken();
            if (token == null) {
                throw new IngestException("empty_file", 0, "The file is empty; expected " + SHAPE);
            }
            if (token == JsonToken.START_ARRAY) {
                return new JsonArrayReader(parser, false, format);
            }
            long line = JsonValues.line(parser, 1);
            String where = JsonValues.where(parser, 1);
            if (token != JsonToken.START_OBJECT) {
                throw new IngestException("malformed_json", line, "%s: expected %s, found %s"
                        .formatted(where, SHAPE, JsonValues.describe(token)));
            }
            if (!enterData(parser)) {
                throw new IngestException("malformed_json", line, "%s: expected %s, found an object without \"data\""
                        .formatted(where, SHAPE));
            }
            return new JsonArrayReader(parser, true, format);
        } catch (JacksonException e) {
            IngestException malformed = JsonValues.malformed(e, 1);
            parser.close();
            throw malformed;
        } catch (RuntimeException e) {
            parser.close();
            throw e;
        }
    }

    /** Moves into the array under "data"; false (on the object's end) when there is no such property. */
    private static boolean enterData(JsonParser parser) {
        for (JsonToken t = parser.nextToken(); t == JsonToken.PROPERTY_NAME; t = parser.nextToken()) {
            String name = parser.currentName();
            JsonToken value = parser.nextToken();
            if (name.equals("data")) {
                if (value != JsonToken.START_ARRAY) {
                    throw new IngestException("malformed_json", JsonValues.line(parser, 1),
                            "%s: expected an array of objects in \"data\", found %s"
                                    .formatted(JsonValues.where(parser, 1), JsonValues.describe(value)));
                }
                return true;
            }
            parser.skipChildren();
        }
        return false;
    }

    @Override
    SourceRow read() {
        if (failure != null) {
            throw failure;
        }
        if (finished) {
            return null;
        }
        try {
            JsonToken token = parser.nextToken();
            if (token == JsonToken.END_ARRAY) {
                finish();
                return null;
            }
            long number = ++ordinal;
            long line = JsonValues.line(parser, 1);
            if (token == JsonToken.START_OBJECT) {
                Map<String, Object> cells = JsonValues.readObject(parser, 1);
                return new SourceRow(number, line, cells);
            }
            String where = JsonValues.where(parser, 1);
            String input = RejectedInput.json(parser);
            throw new IngestException("not_an_object", line, "%s: expected an object for record %d, found %s"
                    .formatted(where, number, JsonValues.describe(token))).withInput(input);
        } catch (JacksonException e) {
            failure = JsonValues.malformed(e, 1);
            throw failure;
        } catch (IngestException e) {
            if (!rowLevel(e)) {
                failure = e;
            }
            throw e;
        }
    }

    /** Checks that nothing but the rest of the "data" wrapper follows the array. */
    private void finish() {
        finished = true;
        if (wrapped) {
            for (JsonToken t = parser.nextToken(); t == JsonToken.PROPERTY_NAME; t = parser.nextToken()) {
                if (parser.currentName().equals("data")) {
                    throw new IngestException("malformed_json", JsonValues.line(parser, 1),
                            "%s: the key \"data\" appears twice in the top-level object; expected it once"
                                    .formatted(JsonValues.where(parser, 1)));
                }
                parser.nextToken();
                parser.skipChildren();
            }
        }
        JsonToken after = parser.nextToken();
        if (after != null) {
            throw new IngestException("malformed_json", JsonValues.line(parser, 1),
                    "%s: expected the end of the file after the array, found %s"
                            .formatted(JsonValues.where(parser, 1), JsonValues.describe(after)));
        }
    }

    @Override
    public void close() {
        parser.close();
    }
}
