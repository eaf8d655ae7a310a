package dev.freight.mapping;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * How the matcher reads one header: its normalized tokens, the number it carries ("E-mail 2 Address" → 2) and its
 * compact key (tokens without digits or "value", joined without spaces, so "E-mail 1 - Value" and "Email" agree).
 */
record HeaderKey(String normalized, List<String> tokens, int index, String compact) {

    private static final Set<String> NOISE = Set.of("value", "the", "of", "s");

    static HeaderKey of(String header) {
        String normalized = HeaderNames.normalize(header);
        List<String> tokens = normalized.isEmpty() ? List.of() : List.of(normalized.split(" "));
        int index = 0;
        List<String> core = new ArrayList<>();
        for (String t : tokens) {
            if (t.chars().allMatch(Character::isDigit)) {
                if (index == 0 && t.length() <= 2) {
                    index = Integer.parseInt(t);
                }
            } else if (!NOISE.contains(t)) {
                core.add(t);
            }
        }
        return new HeaderKey(normalized, tokens, index, String.join("", core));
    }

    /**
     * The header's whole wording without case, accents and separators: its tokens joined, digits and filler words
     * kept, so "E-mail" and "Email" agree but "Email 2" and "Email" do not.
     */
    String plain() {
        return String.join("", tokens);
    }

    /** The {@link #plain()} key of a synonym or label written in the data file. */
    static String plainOf(String text) {
        return of(text).plain();
    }

    /** The compact key of a synonym or label written in the data file. */
    static String compactOf(String text) {
        return of(text).compact();
    }

    /** This header's compact key without the given qualifier words; the same key when none occurs. */
    String compactWithout(Set<String> qualifiers) {
        StringBuilder b = new StringBuilder();
        for (String t : tokens) {
            if (!qualifiers.contains(t) && !NOISE.contains(t) && !t.chars().allMatch(Character::isDigit)) {
                b.append(t);
            }
        }
        return b.toString();
    }

    boolean has(String token) {
        return tokens.contains(token);
    }
}
