package dev.freight.ingest;

import java.io.Writer;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * The raw input of an element a reader rejected alone ({@link IngestException#input()}), kept for the error file so
 * the user sees what was rejected: at most {@link #MAX_CHARACTERS}, a spreadsheet cell's limit, so an errors CSV
 * opens whole in one; longer input keeps its first characters.
 */
public final class RejectedInput {

    /** The most characters kept of a rejected element's input. */
    public static final int MAX_CHARACTERS = SheetText.MAX_CELL;

    private RejectedInput() {}

    /**
     * {@code text}, cut to {@link #MAX_CHARACTERS}, each half of a surrogate pair alone (a byte that is not UTF-8, as
     * {@link Utf8Escapes} reads it) as U+FFFD, which a database stores and an errors file writes.
     */
    public static String bounded(String text) {
        int end = Math.min(text.length(), MAX_CHARACTERS);
        if (end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        StringBuilder kept = new StringBuilder(end);
        for (int i = 0; i < end; i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(text.charAt(i + 1))) {
                kept.append(c).append(text.charAt(++i));
            } else {
                kept.append(Character.isSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return kept.toString();
    }

    /**
     * The JSON value the parser is on, written compactly (numbers as written, never parsed: one may exceed what a
     * number holds), bounded; the parser is left on the value's last token. Holds at most {@link #MAX_CHARACTERS}
     * however large the value.
     */
    static String json(JsonParser parser) {
        Bounded out = new Bounded();
        try (JsonGenerator g = JsonValues.MAPPER.createGenerator(out)) {
            int depth = 0;
            do {
                JsonToken t = parser.currentToken();
                if (t.isNumeric()) {
                    g.writeNumber(parser.getString());
                } else {
                    g.copyCurrentEvent(parser);
                }
                depth += t.isStructStart() ? 1 : t.isStructEnd() ? -1 : 0;
            } while (depth > 0 && parser.nextToken() != null);
        }
        return bounded(out.text.toString());
    }

    /** A writer that keeps the first characters written: one past the bound, so a cut pair shows in the last two. */
    private static final class Bounded extends Writer {
        private final StringBuilder text = new StringBuilder();

        @Override
        public void write(char[] chars, int offset, int length) {
            int room = MAX_CHARACTERS + 1 - text.length();
            text.append(chars, offset, Math.max(0, Math.min(room, length)));
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }
}
