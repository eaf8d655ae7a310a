package dev.freight.api;

import dev.freight.ingest.JsonValues;
import dev.freight.schema.Echo;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** Reads request bodies as plain values (maps, lists, strings, BigDecimal numbers) with a byte limit. */
final class Json {

    private static final JsonMapper PLAIN = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    /** Jackson's words for a key an object repeats (StreamReadFeature.STRICT_DUPLICATE_DETECTION). */
    private static final Pattern DUPLICATE = Pattern.compile("Duplicate Object property \"(.*)\"");

    private Json() {}

    /**
     * Parses the request's body; 413 when it declares or has more than {@code maxBytes} ({@link RequestBodyLimit}),
     * 422 {@code malformed_body} with {@code expectedShape} when it is not JSON. An empty body (nothing, or blank space
     * alone) is the empty object, whatever its Content-Type, as on the routes Spring binds ({@link EmptyBodies}).
     */
    static Object read(HttpServletRequest request, long maxBytes, String expectedShape) {
        try (InputStream limited = RequestBodyLimit.limited(request.getInputStream(), request.getContentLengthLong(),
                maxBytes)) {
            InputStream body = EmptyBodies.unlessBlank(limited);
            return body == null ? Map.of() : PLAIN.readValue(body, Object.class);
        } catch (RequestBodyLimit.Exceeded e) {
            throw RequestBodyLimit.tooLarge(maxBytes);
        } catch (JacksonException e) {
            if (ErrorMapper.bodyCutOff(e)) {
                // The client went away mid-body: not a malformed body, and no answer reaches it (ErrorMapper).
                throw e;
            }
            if (RequestBodyLimit.exceededLimit(e) >= 0) {
                throw RequestBodyLimit.tooLarge(maxBytes);
            }
            String key = repeatedKey(e);
            if (key != null) {
                throw new ApiException(422, "malformed_body", "The body has the key " + Echo.quoted(key)
                        + " twice in one object"
                        + where(e) + "; expected " + expectedShape);
            }
            if (String.valueOf(e.getOriginalMessage()).contains("surrogate pair in property name")) {
                // Valid JSON syntax, but no Unicode text: Jackson refuses such a key itself, before any record check.
                throw new ApiException(422, "malformed_body", "The body has a key holding half of a surrogate pair"
                        + " alone, which is not Unicode text" + where(e) + "; expected " + expectedShape);
            }
            if (e instanceof StreamConstraintsException) {
                throw new ApiException(422, "malformed_body", "The body is beyond what Freight reads: "
                        + JsonValues.detail(e) + where(e) + "; expected " + expectedShape);
            }
            throw new ApiException(422, "malformed_body", "The body is not valid JSON" + where(e) + "; expected "
                    + expectedShape);
        } catch (IOException e) {
            if (ErrorMapper.bodyCutOff(e)) {
                throw new UncheckedIOException(e);
            }
            throw new ApiException(400, "unreadable_body", "The request body could not be read");
        }
    }

    /** Parses a JSON text given in a query parameter as plain values, as a body is read. */
    static Object read(String text) {
        return PLAIN.readValue(text, Object.class);
    }

    /** The key an object of the body repeats, when that is what {@code e} is about; null otherwise. */
    static String repeatedKey(JacksonException e) {
        Matcher m = DUPLICATE.matcher(String.valueOf(e.getOriginalMessage()));
        return m.matches() ? m.group(1) : null;
    }

    /** " at line 3, column 7", or nothing when Jackson does not say. */
    static String where(JacksonException e) {
        return e.getLocation() == null || e.getLocation().getLineNr() < 1 ? "" : " at line "
                + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
    }
}
