package dev.freight.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DatePatternTest {

    private static final ZonedDateTime SATURDAY = ZonedDateTime.parse("2027-06-05T14:07:09.123Z");

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            # Java patterns are kept
            dd/MM/yyyy                  | dd/MM/yyyy                 | 05/06/2027
            yyyy-MM-dd'T'HH:mm:ss.SSS   | yyyy-MM-dd'T'HH:mm:ss.SSS  | 2027-06-05T14:07:09.123
            "d MMMM uuuu, 'week' w"     | "d MMMM uuuu, 'week' w"    | "5 June 2027, week 23"
            "h 'o''clock' a"            | "h 'o''clock' a"           | "2 o'clock PM"
            ''yy''                      | ''yy''                     | '27'
            # day.js / moment tokens: D is the day of the month, Y the year
            DD/MM/YYYY                  | dd/MM/yyyy                 | 05/06/2027
            YYYY-MM-DD                  | yyyy-MM-dd                 | 2027-06-05
            "MMM D, YYYY h:mm A"        | "MMM d, yyyy h:mm a"       | "Jun 5, 2027 2:07 PM"
            "dddd, D MMMM YY"           | "EEEE, d MMMM yy"          | "Saturday, 5 June 27"
            ddd DD.MM.                  | EEE dd.MM.                 | Sat 05.06.
            YYYY-MM-DDTHH:mm:ss         | yyyy-MM-dd'T'HH:mm:ss      | 2027-06-05T14:07:09
            [Day] DDD [of] YYYY         | 'Day' DDD 'of' yyyy        | Day 156 of 2027
            # strftime
            %d.%m.%Y                    | dd.MM.yyyy                 | 05.06.2027
            "%Y-%m-%d %H:%M:%S"         | "yyyy-MM-dd HH:mm:ss"      | "2027-06-05 14:07:09"
            "%a %e %b %Y, %I:%M %p"     | "EEE d MMM yyyy, hh:mm a"  | "Sat 5 Jun 2027, 02:07 PM"
            %F %T                       | yyyy-MM-dd HH:mm:ss        | 2027-06-05 14:07:09
            "%j%% at %R"                | "DDD% 'at' HH:mm"          | "156% at 14:07"
            """)
    void readsJavaDayjsAndStrftimePatterns(String format, String java, String formatted) {
        assertThat(DatePattern.toJava(format)).isEqualTo(java);
        assertThat(DateTimeFormatter.ofPattern(java, Locale.ENGLISH).format(SATURDAY)).isEqualTo(formatted);
    }

    private static final String TOKENS = " (use YYYY YY MMMM MMM MM M DDD DD D dddd ddd HH H hh h mm m ss s SSS A a"
            + " Z ww w, Java's yyyy uuuu dd d EEEE EEE, literals in [...] or '...')";
    private static final String DIRECTIVES = " (use %Y %y %m %d %e %H %I %M %S %p %b %h %B %a %A %j %z %Z %F %T %R %D)";

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            "'"              | the literal at character 1 is not closed with '   |
            "[Day] DD ["     | the literal at character 10 is not closed with ]   |
            "dd 'at"         | the literal at character 4 is not closed with '   |
            %Q               | %Q is not a strftime directive Freight reads       | DIRECTIVES
            "%d.%m.%Y %k"    | %k is not a strftime directive Freight reads       | DIRECTIVES
            X                | X is not a token Freight reads                     | TOKENS
            x                | x is not a token Freight reads                     | TOKENS
            YYYY-[W]W        | W is not a token Freight reads                     | TOKENS
            gggg-ww          | gggg is not a token Freight reads                  | TOKENS
            DD/MM/YYYY Q     | Q is not a token Freight reads                     | TOKENS
            ddddd            | ddddd is not a token Freight reads                 | TOKENS
            yyyy-bb          | bb is not a token Freight reads                    | TOKENS
            """)
    void rejectsUnclosedLiteralsAndTokensItDoesNotList(String format, String problem, String list) {
        String message = "dateFormat \"" + format + "\": " + problem + (list == null ? ""
                : list.equals("TOKENS") ? TOKENS : DIRECTIVES);
        assertThatThrownBy(() -> DatePattern.toJava(format)).isInstanceOfSatisfying(ExportException.class, e -> {
            assertThat(e.code()).isEqualTo("invalid_date_format");
            assertThat(e.getMessage()).isEqualTo(message);
        });
    }
}
