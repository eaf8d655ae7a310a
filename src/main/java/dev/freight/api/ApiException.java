package dev.freight.api;

import java.util.List;

/**
 * A request that cannot be served, with its HTTP status and stable lower_snake_case code. Thrown by handlers,
 * turned into the JSON error body by {@link ErrorMapper} only.
 */
public final class ApiException extends RuntimeException {

    private final int status;
    private final String code;
    private final List<String> details;

    public ApiException(int status, String code, String message) {
        this(status, code, message, List.of());
    }

    public ApiException(int status, String code, String message, List<String> details) {
        super(message);
        this.status = status;
        this.code = code;
        this.details = List.copyOf(details);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public List<String> details() {
        return details;
    }

    static ApiException notFound(String what) {
        return new ApiException(404, "not_found", what + " not found");
    }
}
