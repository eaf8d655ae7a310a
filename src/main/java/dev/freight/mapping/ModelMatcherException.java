package dev.freight.mapping;

/** The external mapping model could not give a usable answer. Messages never contain sample values. */
public final class ModelMatcherException extends RuntimeException {

    /** Stable error code. */
    public static final String CODE = "mapping_model_failed";

    public ModelMatcherException(String message) {
        super(message);
    }

    public ModelMatcherException(String message, Throwable cause) {
        super(message, cause);
    }

    public String code() {
        return CODE;
    }
}
