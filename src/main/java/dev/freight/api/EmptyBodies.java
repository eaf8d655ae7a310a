package dev.freight.api;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.io.SequenceInputStream;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.springframework.core.MethodParameter;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpInputMessage;
import org.springframework.http.HttpOutputMessage;
import org.springframework.http.MediaType;
import org.springframework.http.converter.HttpMessageConverter;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.RequestBodyAdviceAdapter;
import tools.jackson.databind.json.JsonMapper;

/**
 * An empty request body is the empty object {@code {}} on every route Spring binds a {@code @RequestBody} for: no
 * bytes, only blank space (JSON's: space, tab, line feed, carriage return) or {@code null}, whatever the
 * {@code Content-Type} or none, so the route answers what it answers {@code {}}, naming the members it misses. Before,
 * one fault had three answers by its type: none, 400 naming the member (exports) or 422 {@code malformed_body} (the
 * admin routes); empty {@code text/plain}, 415; blank space, 422. A body with content in a type other than JSON is
 * still 415 {@code unsupported_media_type}. Its {@link #reader()} is the converter of last resort (after JSON's), for
 * those other types; it is no bean, as Spring would put a converter bean first.
 * Runs after {@link RequestBodyLimits}, so the blank space it looks through counts against the limit.
 */
@RestControllerAdvice
@Order(Ordered.LOWEST_PRECEDENCE)
class EmptyBodies extends RequestBodyAdviceAdapter {

    private static final byte[] EMPTY_OBJECT = "{}".getBytes(StandardCharsets.US_ASCII);

    private final JsonMapper mapper;

    EmptyBodies(JsonMapper mapper) {
        this.mapper = mapper;
    }

    /**
     * {@code body} as it was read, or null when it holds only blank space (or nothing). The blank space before the
     * first other byte is read again from memory, so JSON errors keep their line and column.
     */
    static InputStream unlessBlank(InputStream body) throws IOException {
        PushbackInputStream in = new PushbackInputStream(body, 1);
        ByteArrayOutputStream blank = new ByteArrayOutputStream();
        for (int b = in.read(); b >= 0; b = in.read()) {
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                in.unread(b);
                return new SequenceInputStream(new ByteArrayInputStream(blank.toByteArray()), in);
            }
            blank.write(b);
        }
        return null;
    }

    @Override
    public boolean supports(MethodParameter parameter, Type targetType,
            Class<? extends HttpMessageConverter<?>> converterType) {
        return true;
    }

    /** A body of blank space, for JSON's converter: {@code {}}. {@link Reader} looks for itself. */
    @Override
    public HttpInputMessage beforeBodyRead(HttpInputMessage message, MethodParameter parameter, Type targetType,
            Class<? extends HttpMessageConverter<?>> converterType) throws IOException {
        if (converterType == Reader.class) {
            return message;
        }
        InputStream body = unlessBlank(message.getBody());
        return RequestBodyLimits.withBody(message, body != null ? body : new ByteArrayInputStream(EMPTY_OBJECT));
    }

    /** {@code null}: Jackson binds it to no object at all. */
    @Override
    public Object afterBodyRead(Object body, HttpInputMessage message, MethodParameter parameter, Type targetType,
            Class<? extends HttpMessageConverter<?>> converterType) {
        return body != null ? body : emptyObject(targetType);
    }

    /** No bytes: Spring reads nothing and asks here. */
    @Override
    public Object handleEmptyBody(Object body, HttpInputMessage message, MethodParameter parameter, Type targetType,
            Class<? extends HttpMessageConverter<?>> converterType) {
        return body != null ? body : emptyObject(targetType);
    }

    private Object emptyObject(Type targetType) {
        return mapper.readValue(EMPTY_OBJECT, mapper.constructType(targetType));
    }

    /** The converter that reads the types no other converter reads, to be put last. */
    HttpMessageConverter<Object> reader() {
        return new Reader();
    }

    private final class Reader implements HttpMessageConverter<Object> {

        /** Every type JSON's converter does not read, but a form's parts, which the container takes apart itself. */
        @Override
        public boolean canRead(Class<?> type, MediaType mediaType) {
            return mediaType == null || !mediaType.getType().equals("multipart");
        }

        @Override
        public boolean canWrite(Class<?> type, MediaType mediaType) {
            return false;
        }

        @Override
        public List<MediaType> getSupportedMediaTypes() {
            return List.of(MediaType.APPLICATION_JSON);
        }

        /** Blank space is the empty object; anything else is in a type Freight does not read. */
        @Override
        public Object read(Class<?> type, HttpInputMessage message) throws IOException {
            if (unlessBlank(message.getBody()) != null) {
                throw ErrorMapper.unsupportedMediaType(message.getHeaders().getFirst(HttpHeaders.CONTENT_TYPE));
            }
            return emptyObject(type);
        }

        @Override
        public void write(Object value, MediaType contentType, HttpOutputMessage message) {
            throw new UnsupportedOperationException("EmptyBodies reads request bodies only");
        }
    }
}
