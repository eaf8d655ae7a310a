package dev.freight.api;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Type;
import org.springframework.core.MethodParameter;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpInputMessage;
import org.springframework.http.converter.HttpMessageConverter;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.RequestBodyAdviceAdapter;

/**
 * Puts {@link RequestBodyLimit} ({@code FREIGHT_MAX_REQUEST_BYTES}) in front of every body Spring binds to a
 * {@code @RequestBody}: keys, objects, import reports, {@code POST /v1/imports}, saved reports, exports. Before, only
 * the routes that read their body through {@link Json} had a limit, and the others parsed a body of any size whole.
 * A body read past the limit fails inside the JSON converter; {@link ErrorMapper} finds the cause and answers 413.
 * First of the advices, so {@link EmptyBodies} looks through blank space within the limit.
 */
@RestControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE)
class RequestBodyLimits extends RequestBodyAdviceAdapter {

    private final long maxBytes;

    RequestBodyLimits(Limits limits) {
        this.maxBytes = limits.maxRequestBytes();
    }

    @Override
    public boolean supports(MethodParameter parameter, Type targetType,
            Class<? extends HttpMessageConverter<?>> converterType) {
        return true;
    }

    @Override
    public HttpInputMessage beforeBodyRead(HttpInputMessage message, MethodParameter parameter, Type targetType,
            Class<? extends HttpMessageConverter<?>> converterType) throws IOException {
        // Checked here, after authentication (an interceptor) and before any byte is read.
        InputStream limited = RequestBodyLimit.limited(message.getBody(), message.getHeaders().getContentLength(),
                maxBytes);
        return withBody(message, limited);
    }

    /** {@code message} with {@code body} in place of its own. */
    static HttpInputMessage withBody(HttpInputMessage message, InputStream body) {
        return new HttpInputMessage() {
            @Override
            public InputStream getBody() {
                return body;
            }

            @Override
            public HttpHeaders getHeaders() {
                return message.getHeaders();
            }
        };
    }
}
