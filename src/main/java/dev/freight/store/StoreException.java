package dev.freight.store;

/**
 * A failure of the database. {@link #code()} is stable: {@code unique_violation}, {@code transient_conflict} (deadlock or
 * serialization failure: retry), {@code database_unavailable}, {@code superseded} (another worker took the import over: stop quietly),
 * {@code database_permission_denied} (the database user lacks a privilege Freight needs; the message names it, the
 * database, the user and the GRANT that gives it, for the log; {@link #clientMessage()} only the privilege) or
 * {@code database_error}. Messages never contain bound values.
 */
public final class StoreException extends RuntimeException {

    private final String code;
    private final String clientMessage;

    public StoreException(String code, String message, Throwable cause) {
        this(code, message, null, cause);
    }

    /**
     * @param message for the server's log: it may name the database, its user and the statement that would help
     * @param clientMessage what an API client may be told instead, without those names; null when none is given
     */
    public StoreException(String code, String message, String clientMessage, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.clientMessage = clientMessage;
    }

    public String code() {
        return code;
    }

    /** What an API client may be told of this failure, without the names the message gives the operator; or null. */
    public String clientMessage() {
        return clientMessage;
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
