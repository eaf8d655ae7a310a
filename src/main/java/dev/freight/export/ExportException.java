package dev.freight.export;

/**
 * An export request that cannot be served as asked (unknown column, bad filter…), with a stable lower_snake_case
 * code. The message names what was wrong and is safe to show to the caller.
 */
public final class ExportException extends RuntimeException {

    private final String code;

    public ExportException(String code, String message) {
        super(message);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
