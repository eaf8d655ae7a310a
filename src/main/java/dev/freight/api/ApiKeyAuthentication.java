package dev.freight.api;

import dev.freight.store.ApiKey;
import dev.freight.store.Database;
import dev.freight.store.TenantStore;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.MethodParameter;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Authenticates {@code Authorization: Bearer <key>} on every {@code /v1/**} route (401 when missing, unknown or
 * revoked) and hands handlers a {@link Caller} parameter. No caching: a revoked key fails on its next request.
 */
final class ApiKeyAuthentication implements HandlerInterceptor, HandlerMethodArgumentResolver {

    private static final String ATTRIBUTE = Caller.class.getName();

    private final Database database;
    private final TenantStore tenants;

    ApiKeyAuthentication(Database database, TenantStore tenants) {
        this.database = database;
        this.tenants = tenants;
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        String header = request.getHeader("Authorization");
        if (header == null || header.isBlank()) {
            throw new ApiException(401, "unauthenticated",
                    "Missing API key; send the header Authorization: Bearer <api-key>");
        }
        if (!header.regionMatches(true, 0, "Bearer ", 0, 7) || header.length() <= 7) {
            throw new ApiException(401, "unauthenticated",
                    "The Authorization header must read Bearer <api-key>");
        }
        String secret = header.substring(7).strip();
        ApiKey key = database.withHandle(h -> tenants.keyBySecret(h, secret))
                .orElseThrow(() -> new ApiException(401, "invalid_api_key", "The API key is not valid"));
        if (key.revokedAt() != null) {
            throw new ApiException(401, "revoked_api_key", "The API key was revoked at " + key.revokedAt());
        }
        request.setAttribute(ATTRIBUTE, new Caller(key));
        return true;
    }

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        return parameter.getParameterType() == Caller.class;
    }

    @Override
    public Object resolveArgument(MethodParameter parameter, ModelAndViewContainer mavContainer,
            NativeWebRequest webRequest, WebDataBinderFactory binderFactory) {
        Object caller = webRequest.getNativeRequest(HttpServletRequest.class).getAttribute(ATTRIBUTE);
        if (caller == null) {
            throw new IllegalStateException("Route is outside /v1/** but asks for a Caller");
        }
        return caller;
    }
}
