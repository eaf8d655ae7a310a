package dev.freight.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

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
            """)
    void describesTheProblemAndWhereItIs(String line, String message) {
        JacksonException e = catchThrowableOfType(JacksonException.class, () -> {
            try (JsonParser parser = JsonValues.MAPPER.createParser(line.replace("\\\\", "\\"))) {
                while (parser.nextToken() != null) {
                    parser.skipChildren();
                }
            }
        });

        assertThat(JsonValues.malformed(e, 2).getMessage()).isEqualTo(message.replace("\\\\", "\\"));
    }

    @Test
    void saysWhichLimitOfTheReaderAValueIsBeyond() {
        assertThat(JsonValues.detail(catchThrowableOfType(JacksonException.class, () -> JsonValues.MAPPER.readTree(
                "[".repeat(501) + "]".repeat(501))))).isEqualTo("arrays and objects nest more than 500 deep");
        assertThat(JsonValues.detail(catchThrowableOfType(JacksonException.class, () -> JsonValues.MAPPER.readTree(
                "[" + "1".repeat(1001) + "]")))).isEqualTo("a number has more than 1000 characters");
    }
}
