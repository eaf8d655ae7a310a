package dev.freight.schema;

/**
 * How an error message quotes a text it was sent (a column name, a slug, a key): whole up to 100 characters, else its
 * first 100 and {@code …}, so an answer never echoes back an unbounded piece of a request (a 1 MB column name once
 * came back whole in {@code unknown_column}). Stateless and thread-safe.
 */
public final class Echo {

    /** The most characters of a text a message repeats. */
    public static final int MAX_CHARACTERS = 100;

    private Echo() {}

    /**
     * {@code value}'s text ({@code null} for null) in double quotes, cut to {@link #MAX_CHARACTERS} with {@code …}.
     */
    public static String quoted(Object value) {
        String text = String.valueOf(value);
        if (text.length() <= MAX_CHARACTERS) {
            return "\"" + text + "\"";
        }
        // Never half of a surrogate pair: the cut keeps an emoji whole or leaves it out.
        int end = Character.isHighSurrogate(text.charAt(MAX_CHARACTERS - 1)) ? MAX_CHARACTERS - 1 : MAX_CHARACTERS;
        return "\"" + text.substring(0, end) + "…\"";
    }
}
