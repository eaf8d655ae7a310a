package dev.freight.schema;

/**
 * U+0000 in a text a request sends (a name, a label, a key, a parameter). PostgreSQL refuses the character in text and
 * jsonb and in a text parameter of a query, where it would fail the request with 500; SQLite would take it, so a text
 * holding one is refused on both databases alike, by a message that names where it is. Values of records are checked
 * by {@link Coercion} instead, as their row's or field's problem. Stateless and thread-safe.
 */
public final class NulCharacter {

    /** How every such message ends, after what holds the character. */
    public static final String HOLDS = "holds a NUL character (U+0000), which cannot be stored";

    private NulCharacter() {}

    /** Whether {@code text} (null for none) holds U+0000. */
    public static boolean in(String text) {
        return text != null && text.indexOf('\u0000') >= 0;
    }

    /** "{@code what} holds a NUL character (U+0000), which cannot be stored". */
    public static String problem(String what) {
        return what + " " + HOLDS;
    }

    /**
     * What is wrong with a key of a record or of an object in a value that holds U+0000, or null when {@code key}
     * holds none: {@code the key "ci\\uFFFDty" holds a NUL character (U+0000) at character 3, which cannot be stored},
     * the key quoted as {@link Echo} does with U+FFFD for each NUL, so that the message itself can be stored.
     */
    public static String inKey(String key) {
        int at = key.indexOf('\u0000');
        return at < 0 ? null : "the key " + Echo.quoted(key.replace('\u0000', '\uFFFD'))
                + " holds a NUL character (U+0000) at character " + (at + 1) + ", which cannot be stored";
    }
}
