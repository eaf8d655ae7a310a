package dev.freight.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;

/** A malformed JSON line is described in our words, with its line and column, never with Jackson's internals. */
class JsonMessagesTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            {"a": 1, "b": {"c": 2}     | Line 2, column 23: invalid JSON: the object is not closed
            [1, 2                      | Line 2, column 6: invalid JSON: the array is not closed
            {"a": "xx                  | Line 2, column 10: invalid JSON: the string is not closed
            {"a": 1,                   | Line 2, column 9: invalid JSON: the object is not closed
            {"a" 1}                    | Line 2, column 6: invalid JSON: expected ':' after the key, found '1'
            {a: 1}                     | Line 2, column 2: invalid JSON: expected a key in double quotes, found 'a'
            {"a": tru}                 | Line 2, column 7: invalid JSON: expected a value, found 'tru'
            {"a": 01}                  | Line 2, column 8: invalid JSON: the number is not valid JSON (no leading zeros, + sign, NaN or hex)
            {"a": 1]                   | Line 2, column 8: invalid JSON: found ']' where '}' closes the object or array
            {"a": -}                   | Line 2, column 8: invalid JSON: expected a digit in the number, found '}'
            {"a": [1,]}                | Line 2, column 10: invalid JSON: expected a value, found ']'
            {"a": NaN}                 | Line 2, column 10: invalid JSON: expected a value, found 'NaN'
            {"a": "\\q"}               | Line 2, column 9: invalid JSON: expected an escape such as \\n or \\" in the string, found \\q
            {"a": 1 "b": 2}            | Line 2, column 9: invalid JSON: expected ',' between entries, found '"'
            ]                          | Line 2, column 1: invalid JSON: found ']' where no object or array is open to close
            {"a": 1}}                  | Line 2, column 9: invalid JSON: found '}' where no object or array is open to close
            {"a": "\\u12"}             | Line 2, column 12: invalid JSON: expected four hex digits after \\u in the string, found '"'
            {"a": 東}                  | Line 2, column 7: invalid JSON: expected a value, found '東'
            """)
    void describesTheProblemAndWhereItIs(String line, String message) {
        assertThat(message(line.replace("\\\\", "\\"))).isEqualTo(message.replace("\\\\", "\\"));
    }

    /**
     * A character that cannot be seen is named by its code point, never in Jackson's words ("(CTRL-CHAR, code 1)",
     * "(code 65279 / 0xfeff)"): a control character or a byte order mark where a value belongs, a no-break space.
     */
    @Test
    void namesACharacterThatCannotBeSeenByItsCodePoint() {
        assertThat(message("\u0001")).isEqualTo("Line 2, column 1: invalid JSON: expected a value, found U+0001;"
                + " only spaces, tabs and line breaks may separate values");
        assertThat(message("{\"a\": \u0001}")).isEqualTo("Line 2, column 7: invalid JSON: expected a value, found"
                + " U+0001; only spaces, tabs and line breaks may separate values");
        assertThat(message("\uFEFF{}")).isEqualTo("Line 2, column 1: invalid JSON: expected a value, found U+FEFF");
        assertThat(message("{\"a\":\u00A0 1}")).isEqualTo("Line 2, column 6: invalid JSON: expected a value, found"
                + " U+00A0");
    }

    /**
     * An emoji is one character beyond U+FFFF, two halves of a surrogate pair to Jackson, which names only the first
     * (U+D83D): the message names the whole character, also when the parser's buffer ends between the halves.
     */
    @Test
    void namesACharacterBeyondUffffByItsWholeCodePoint() {
        assertThat(message("[{\"a\":1}\uD83D\uDE00]")).isEqualTo("Line 2, column 9: invalid JSON: expected ',' between"
                + " entries, found U+1F600");
        assertThat(message("{\"a\": \uD83D\uDE00}")).isEqualTo("Line 2, column 7: invalid JSON: expected a value,"
                + " found U+1F600");
        assertThat(message("{\uD83E\uDD8A: 1}")).isEqualTo("Line 2, column 2: invalid JSON: expected a key in double"
                + " quotes, found U+1F98A");
        assertThat(messageReadOneCharAtATime("[{\"a\":1}\uD83D\uDE00]")).isEqualTo("Line 2, column 9: invalid JSON:"
                + " expected ',' between entries, found U+1F600");
    }

    @Test
    void namesAHalfOfASurrogatePairWithoutTheOtherByItsOwnCodePoint() {
        assertThat(message("[{\"a\":1}\uD83D]")).isEqualTo("Line 2, column 9: invalid JSON: expected ',' between"
                + " entries, found U+D83D");
        assertThat(message("[{\"a\":1}\uDE00]")).isEqualTo("Line 2, column 9: invalid JSON: expected ',' between"
                + " entries, found U+DE00");
    }

    /** The message of the failure that reading {@code line} as the file's line 2 ends with. */
    private static String message(String line) {
        return message(() -> JsonValues.MAPPER.createParser(line));
    }

    /** As {@link #message(String)}, from a reader that gives the parser one character per read. */
    private static String messageReadOneCharAtATime(String line) {
        return message(() -> JsonValues.MAPPER.createParser(new Reader() {
            private final StringReader text = new StringReader(line);

            @Override
            public int read(char[] buffer, int offset, int length) throws IOException {
                return text.read(buffer, offset, Math.min(length, 1));
            }

            @Override
            public void close() {
                text.close();
            }
        }));
    }

    /** Worded as the readers word it, while the parser is still open. */
    private static String message(Supplier<JsonParser> parse) {
        try (JsonParser parser = parse.get()) {
            JacksonException e = catchThrowableOfType(JacksonException.class, () -> {
                while (parser.nextToken() != null) {
                    parser.skipChildren();
                }
            });
            return JsonValues.malformed(e, 2).getMessage();
        }
    }

    @Test
    void saysWhichLimitOfTheReaderAValueIsBeyond() {
        assertThat(JsonValues.detail(catchThrowableOfType(JacksonException.class, () -> JsonValues.MAPPER.readTree(
                "[".repeat(501) + "]".repeat(501))))).isEqualTo("arrays and objects nest more than 500 deep");
        assertThat(JsonValues.detail(catchThrowableOfType(JacksonException.class, () -> JsonValues.MAPPER.readTree(
                "[" + "1".repeat(1001) + "]")))).isEqualTo("a number has more than 1000 characters");
    }
}
