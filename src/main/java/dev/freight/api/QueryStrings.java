package dev.freight.api;

import dev.freight.schema.Echo;
import dev.freight.schema.NulCharacter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.MethodParameter;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Refuses a request whose query string does not decode: a {@code %} not followed by two hex digits, or escapes that
 * do not spell UTF-8; one whose parameter holds a NUL character (U+0000); and one that gives a parameter its handler
 * takes one value of more than once. Tomcat finds the first only when a handler reads a parameter, so a route without
 * parameters (a POST with a JSON body) would otherwise take such a URL; this check runs before every handler.
 */
final class QueryStrings implements HandlerInterceptor {

    private static final ParameterNameDiscoverer NAMES = new DefaultParameterNameDiscoverer();

    static final String INVALID = "The query string is not valid: each %XX escape must be two hex digits, and together"
            + " they must spell UTF-8";

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        String query = request.getQueryString();
        if (query != null && !decodes(query)) {
            throw new ApiException(400, "invalid_parameter", INVALID);
        }
        String nul = query == null ? null : nulParameter(query);
        if (nul != null) {
            throw new ApiException(400, "invalid_parameter", NulCharacter.problem("Query parameter "
                    + Echo.quoted(nul)));
        }
        if (query != null && handler instanceof HandlerMethod method) {
            for (String name : singleValued(method)) {
                long times = names(query).filter(name::equals).count();
                if (times > 1) {
                    // Spring would join the values with commas (status "failed,completed") or take the first.
                    throw new ApiException(400, "invalid_parameter", "Query parameter " + Echo.quoted(name)
                            + " is given " + times + " times; it takes one value");
                }
            }
        }
        return true;
    }

    /**
     * The names of the query parameters {@code method} binds to one value: those of its {@code @RequestParam}
     * arguments other than lists, arrays and maps, which take every value.
     */
    static List<String> singleValued(HandlerMethod method) {
        List<String> names = new ArrayList<>();
        for (MethodParameter parameter : method.getMethodParameters()) {
            RequestParam param = parameter.getParameterAnnotation(RequestParam.class);
            Class<?> type = parameter.getParameterType();
            if (param != null && !type.isArray() && !Collection.class.isAssignableFrom(type)
                    && !Map.class.isAssignableFrom(type)) {
                parameter.initParameterNameDiscovery(NAMES);
                names.add(param.name().isEmpty() ? parameter.getParameterName() : param.name());
            }
        }
        return names;
    }

    /** The decoded name of each parameter of a decodable {@code query}, in order, repeated as often as it is given. */
    static Stream<String> names(String query) {
        return Arrays.stream(query.split("&")).filter(pair -> !pair.isEmpty())
                .map(pair -> URLDecoder.decode(pair.split("=", 2)[0], StandardCharsets.UTF_8));
    }

    /**
     * The name of the first parameter of a decodable {@code query} whose name or value holds U+0000 (written
     * {@code %00}: a URL cannot hold the byte itself), or null. PostgreSQL takes no such text as a query's parameter
     * (a filter by it answered 500 there), and the same request must get the same answer on SQLite.
     */
    static String nulParameter(String query) {
        if (!query.contains("%00")) {
            return null;
        }
        for (String pair : query.split("&")) {
            if (pair.contains("%00")) {
                return URLDecoder.decode(pair.split("=", 2)[0], StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    /** Whether every escape of {@code query} is two hex digits and its bytes are UTF-8. */
    static boolean decodes(String query) {
        return query.indexOf('%') < 0 || PercentEncoding.decode(query, StandardCharsets.UTF_8) != null;
    }
}
