package dev.freight.store;

/**
 * A failure of the database. {@link #code()} is stable: {@code unique_violation}, {@code transient_conflict} (deadlock or
 * serialization failure: retry), {@code database_unavailable}, {@code superseded} (another worker took the import over: stop quietly),
 * {@code database_permission_denied} (the database user lacks a privilege Freight needs; the message names it and the
 * GRANT that gives it) or {@code database_error}. Messages never contain bound values.
 */
public final class StoreException extends RuntimeException {

    private final String code;

    public StoreException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }

    public boolean isTransient() {
        return "transient_conflict".equals(code);
    }

    /** The database could not be reached (or was too busy to answer): worth trying again later, not a bad statement. */
    public boolean isUnavailable() {
        return "database_unavailable".equals(code);
    }

    public boolean isSuperseded() {
        return "superseded".equals(code);
    }

    public boolean isUniqueViolation() {
        return "unique_violation".equals(code);
    }
}
