package dev.freight.api;

import dev.freight.ingest.JsonValues;
import dev.freight.schema.Echo;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.http.MediaType;
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
    /** What a body that is not UTF-8 is, after "The body"; where it is and {@link #NOT_UTF8_REMEDY} follow. */
    static final String NOT_UTF8 = " is not UTF-8 text: it holds bytes that spell no UTF-8 character";
    static final String NOT_UTF8_REMEDY = "; send JSON in UTF-8, or name its charset in the Content-Type (e.g."
            + " application/json; charset=ISO-8859-1)";

    private Json() {}

    /**
     * Parses the request's body; 413 when it declares or has more than {@code maxBytes} ({@link RequestBodyLimit}),
     * 422 {@code malformed_body} with {@code expectedShape} when it is not JSON. An empty body (nothing, or blank space
     * alone) is the empty object, whatever its Content-Type, as on the routes Spring binds ({@link EmptyBodies}). The
     * body is UTF-8 unless its Content-Type names another charset, which it is then read in, as Spring reads a bound
     * body.
     */
    static Object read(HttpServletRequest request, long maxBytes, String expectedShape) {
        try (InputStream limited = RequestBodyLimit.limited(request.getInputStream(), request.getContentLengthLong(),
                maxBytes)) {
            InputStream body = EmptyBodies.unlessBlank(limited);
            Charset charset = declaredCharset(request.getContentType());
            if (body == null) {
                return Map.of();
            }
            return charset == null ? PLAIN.readValue(body, Object.class)
                    : PLAIN.readValue(new InputStreamReader(body, charset), Object.class);
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
            if (notUtf8(e)) {
                throw new ApiException(422, "malformed_body", "The body" + NOT_UTF8 + at(e) + NOT_UTF8_REMEDY
                        + "; expected " + expectedShape);
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

    /**
     * The charset a {@code Content-Type} names other than UTF-8; null for UTF-8, none, or one Java does not know (the
     * body is then read as UTF-8, and answered as not UTF-8 when it is not).
     */
    private static Charset declaredCharset(String contentType) {
        try {
            Charset named = contentType == null ? null : MediaType.parseMediaType(contentType).getCharset();
            return StandardCharsets.UTF_8.equals(named) ? null : named;
        } catch (IllegalArgumentException e) {
            // An unparseable type (InvalidMediaTypeException), or a charset Java does not know.
            return null;
        }
    }

    /** Whether {@code e} is Jackson's finding that bytes read as UTF-8 are not UTF-8. */
    static boolean notUtf8(JacksonException e) {
        return String.valueOf(e.getOriginalMessage()).startsWith("Invalid UTF-8");
    }

    /**
     * " just before line 1, column 26": Jackson finds bytes that are not UTF-8 once it has read the byte after their
     * first (a é of Latin-1 followed by a quote), and says where it stopped.
     */
    static String at(JacksonException e) {
        String where = where(e);
        return where.isEmpty() ? "" : " just before" + where.substring(" at".length());
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
