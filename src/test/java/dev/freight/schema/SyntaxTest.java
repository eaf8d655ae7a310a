package dev.freight.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The hand-written URL and email checks accept exactly what their documented regular expressions match. */
class SyntaxTest {

    /**
     * The definitions the checks implement, as the regexes Coercion used before them, spaces now including the
     * zero-width ones, the direction marks and the bidirectional controls.
     */
    private static final String SPACE = "\\s\\p{Z}" + Syntax.ZERO_WIDTH;
    private static final Pattern URL = Pattern.compile("^((?i:https?)://)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
            + "(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+(:[0-9]{1,5})?([/?#][^" + SPACE + "]*)?$");
    private static final Pattern EMAIL = Pattern.compile("^[^@" + SPACE + "]+@[^@" + SPACE + ".]+(\\.[^@" + SPACE
            + ".]+)+$");

    private static final String[] URL_PIECES = {"http://", "https://", "HTTPS://", "hTtP://", "https:/", "ftp://",
        "http", "s", "\u017f", "://", "www", "acme", "a", "Z9", "0", "-", "--", ".", "..", ":", ":8080", ":12345",
        ":123456", "/", "/path", "?", "?q=1", "#", "#top", " ", "\t", "\u000b", "\u200b", "\u00a0", "\u00e9", "_", "@",
        "x.y", "10.0.0.1"};
    private static final String[] EMAIL_PIECES = {"ana", "A.B+c", "@", "@@", ".", "..", "example", "com", "co.uk",
        "-", " ", "\u000b", "\u00a0", "\u202f", "\u3000", "\u00e9", ";", "x", "x", "y.z", "\u200b"};

    @Test
    void aUrlIsAcceptedExactlyWhenItsRegexMatches() {
        agreeOnGeneratedStrings(Syntax::isUrl, URL, random -> pieces(random, URL_PIECES, 8), 20_000);
    }

    @Test
    void anEmailIsAcceptedExactlyWhenItsRegexMatches() {
        String[] separators = {"@", "@", "@", "@@", ".", ""};
        agreeOnGeneratedStrings(Syntax::isEmail, EMAIL, random -> pieces(random, EMAIL_PIECES, 3)
                + separators[random.nextInt(separators.length)] + pieces(random, EMAIL_PIECES, 5), 20_000);
    }

    @Test
    void urlsOfEachPartAreAcceptedAndMalformedOnesRefused() {
        assertThat(List.of("acme.com", "https://acme.example.com", "HTTP://a.b", "https://10.0.0.1:65535/status",
                "www.acme.com/vendors?id=7#top", "a.b?x", "a.b#", "a-b.c-d.e"))
                .allMatch(Syntax::isUrl);
        assertThat(List.of("", "acme", "http://localhost:8080", "https://", "https://acme.com:", "a.b:123456",
                "https://-acme.com", "acme-.com", "a..b", "a.b.", ".a.b", "ftp://acme.com", "https://acme .com",
                "a.b/c d", "a.b/c\u000bd", "a.b/c\u00a0d", "https://acme.com/\u3000", "httpſ://a.b", "a_b.c",
                "mailto:ana@acme.com", "a.b:80x", "https://acme.com/a\u200bb", "acme.com/\u2060", "acme.com/\ufeff"))
                .noneMatch(Syntax::isUrl);
    }

    @Test
    void emailsOfEachPartAreAcceptedAndMalformedOnesRefused() {
        assertThat(List.of("a@b.c", "Ana.Lopez+vendors@Example.CO.UK", "\u00e9@\u00e9.\u00e9", "a.@b.c",
                "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645@example.com"))
                .allMatch(Syntax::isEmail);
        assertThat(List.of("", "@b.c", "a@b", "a@b.", "a@.b", "a@b..c", "a@@b.c", "a@b@c.d", "a b@c.d", "a@c.d ",
                "a\t@c.d", "ana.example.com", "ana@example.com\u00a0", "\u00a0ana@example.com",
                "ana\u202f@example.com", "ana@exa\u3000mple.com", "ana@example.com\u200b", "\u200bana@example.com",
                "ana@exa\u2060mple.com", "ana\ufeff@example.com", "ana@example\u180e.com"))
                .noneMatch(Syntax::isEmail);
    }

    /** 1 to {@code most} pieces picked at random. */
    private static String pieces(Random random, String[] pieces, int most) {
        StringBuilder s = new StringBuilder();
        for (int k = 1 + random.nextInt(most); k > 0; k--) {
            s.append(pieces[random.nextInt(pieces.length)]);
        }
        return s.toString();
    }

    /**
     * Compares the check with the regex on {@code count} generated strings (fixed seed), and requires that both
     * outcomes occur often, so the comparison covers accepted and refused strings alike.
     */
    private static void agreeOnGeneratedStrings(Predicate<String> check, Pattern regex,
            Function<Random, String> generator, int count) {
        Random random = new Random(20261122);
        List<String> disagreements = new ArrayList<>();
        int accepted = 0;
        for (int n = 0; n < count; n++) {
            String text = generator.apply(random);
            boolean expected = regex.matcher(text).matches();
            if (check.test(text) != expected) {
                disagreements.add(text + " (regex: " + expected + ")");
            }
            accepted += expected ? 1 : 0;
        }
        assertThat(disagreements).isEmpty();
        assertThat(accepted).isBetween(count / 50, count - count / 50);
    }
}
