package dev.freight.api;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * The {@code next_cursor} of a listing: the base64url (unpadded) text of the last id of the page. A cursor is taken
 * back only when it is exactly one this encoding gives for an id, so a truncated or made-up cursor answers
 * {@code invalid_cursor} instead of a page that looks like the end of the list.
 */
final class Cursors {

    /** Any record or import id: a prefix, an underscore, 32 hex digits (store.IdGenerator). */
    private static final Pattern ID = Pattern.compile("[a-z][a-z0-9]*_[0-9a-f]{32}");

    private Cursors() {}

    static String encode(String id) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(id.getBytes(StandardCharsets.UTF_8));
    }

    /** The id a cursor names. */
    static String decode(String cursor) {
        try {
            String id = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            if (ID.matcher(id).matches() && encode(id).equals(cursor)) {
                return id;
            }
        } catch (IllegalArgumentException e) {
            // not base64url: answered below
        }
        throw new ApiException(400, "invalid_cursor", "cursor is not one this API returned");
    }
}
