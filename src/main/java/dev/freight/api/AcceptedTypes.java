package dev.freight.api;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Collections;
import java.util.List;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Refuses, before the handler runs, a request whose {@code Accept} header refuses JSON with {@code q=0} (RFC 9110,
 * 12.4.2: a weight of 0 means "not acceptable") and accepts no other type Freight answers in. Content negotiation
 * makes JSON acceptable after what the header lists ({@link ApiConfiguration#configureContentNegotiation}), so that
 * an answer is never lost to a header that omits JSON; a header that says "not JSON" and nothing Freight has is
 * answered 406 instead, before anything is written. A header that also accepts another of Freight's types (a
 * download's, an export's, execute's events) is left to the route, as before. One instance serves the application's
 * routes ({@link #ofRoutes}), another the actuator's ({@link #ofActuator}), whose handler mapping is the actuator's own
 * and whose types are its own. Stateless and thread-safe.
 */
final class AcceptedTypes implements HandlerInterceptor {

    /** Every type a route answers in besides JSON: files, exports, execute's events, the OpenAPI YAML, its UI page. */
    static final List<MediaType> OTHER_ANSWERS = List.of(MediaType.parseMediaType("text/csv"),
            MediaType.parseMediaType("application/x-ndjson"),
            MediaType.parseMediaType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            MediaType.APPLICATION_PDF, MediaType.TEXT_EVENT_STREAM,
            MediaType.parseMediaType("application/vnd.oai.openapi"), MediaType.TEXT_HTML);

    /** The actuator's own JSON types, which it answers in beside {@code application/json}. */
    static final List<MediaType> ACTUATOR_ANSWERS = List.of(
            MediaType.parseMediaType("application/vnd.spring-boot.actuator.v3+json"),
            MediaType.parseMediaType("application/vnd.spring-boot.actuator.v2+json"));

    static final String REFUSED = "The Accept header refuses application/json (q=0) and accepts no other type Freight"
            + " answers in";

    private final List<MediaType> others;

    private AcceptedTypes(List<MediaType> others) {
        this.others = others;
    }

    /** For the application's routes, which answer in JSON or one of {@link #OTHER_ANSWERS}. */
    static AcceptedTypes ofRoutes() {
        return new AcceptedTypes(OTHER_ANSWERS);
    }

    /** For the actuator's routes, which answer in JSON or one of {@link #ACTUATOR_ANSWERS}. */
    static AcceptedTypes ofActuator() {
        return new AcceptedTypes(ACTUATOR_ANSWERS);
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        if (handler instanceof HandlerMethod && refusesEverything(Collections.list(request.getHeaders("Accept")),
                others)) {
            throw new ApiException(406, "not_acceptable", REFUSED);
        }
        return true;
    }

    /**
     * Whether {@code accept} (the request's Accept headers; none accepts anything) gives JSON the weight 0 and none
     * of {@code others} a weight above 0. JSON's weight is that of the most specific range that covers
     * {@code application/json} ({@code application/json}, then {@code application/*}, then {@code *}{@code /*}),
     * the highest among equally specific ones; a header that does not parse is left to content negotiation.
     */
    static boolean refusesEverything(List<String> accept, List<MediaType> others) {
        if (accept.isEmpty()) {
            return false;
        }
        List<MediaType> ranges;
        try {
            ranges = MediaType.parseMediaTypes(accept);
        } catch (InvalidMediaTypeException e) {
            return false;
        }
        int specificity = -1;
        double json = 0;
        for (MediaType range : ranges) {
            if (!range.includes(MediaType.APPLICATION_JSON)) {
                continue;
            }
            int s = range.isWildcardType() ? 0 : range.isWildcardSubtype() ? 1 : 2;
            if (s > specificity) {
                specificity = s;
                json = range.getQualityValue();
            } else if (s == specificity) {
                json = Math.max(json, range.getQualityValue());
            }
        }
        if (specificity < 0 || json > 0) {
            // Not listed at all is no explicit refusal: JSON stays the answer, as for any header that omits it.
            return false;
        }
        for (MediaType range : ranges) {
            if (range.getQualityValue() > 0 && others.stream().anyMatch(range::includes)) {
                return false;
            }
        }
        return true;
    }
}
