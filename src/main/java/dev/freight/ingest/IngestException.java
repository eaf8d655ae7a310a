package dev.freight.ingest;

/**
 * A file that cannot be read as a whole, or (for JSON and NDJSON) an element that cannot be read. {@link #code()} is
 * stable API:
 * <ul>
 *   <li>{@code unsupported_file_type}: not CSV, JSON, NDJSON, XLSX or XLS; the message says what it is;</li>
 *   <li>{@code encrypted_file}: a password-protected workbook;</li>
 *   <li>{@code empty_file}: no bytes, only blank lines, no header row, or an empty sheet;</li>
 *   <li>{@code malformed_csv}: a CSV record the parser cannot read (a field over 16 MiB, for one);</li>
 *   <li>{@code malformed_json}: not valid JSON, or not an array of objects nor {@code {"data": [...]}};</li>
 *   <li>{@code not_an_object}: a JSON or NDJSON element that is valid JSON but not an object;</li>
 *   <li>{@code repeated_key}: a JSON or NDJSON element, an object, that has a key twice (at any depth);</li>
 *   <li>{@code sheet_not_found}: the requested sheet does not exist, or the workbook has no visible sheet;</li>
 *   <li>{@code unreadable_file}: a damaged workbook or a structure the library cannot read.</li>
 * </ul>
 * The message is one sentence saying where, what was expected and what was found. {@link #line()} is the 1-based line
 * (sheet row for workbooks) the problem is on, or 0 when it concerns the file as a whole. {@link #input()} is the raw
 * text of an element rejected alone, when the reader kept it.
 */
public final class IngestException extends RuntimeException {

    private final String code;
    private final long line;
    private final String input;

    IngestException(String code, long line, String message) {
        this(code, line, message, null);
    }

    IngestException(String code, long line, String message, Throwable cause) {
        this(code, line, message, cause, null);
    }

    private IngestException(String code, long line, String message, Throwable cause, String input) {
        super(message, cause);
        this.code = code;
        this.line = line;
        this.input = input;
    }

    /** This rejection of one element, keeping its raw {@code input} ({@link RejectedInput}). */
    IngestException withInput(String input) {
        return new IngestException(code, line, getMessage(), getCause(), input);
    }

    public String code() {
        return code;
    }

    public long line() {
        return line;
    }

    /**
     * The raw text of the element rejected alone, at most {@link RejectedInput#MAX_CHARACTERS}: an NDJSON line as
     * written, a JSON array's element that is not an object as compact JSON; null when the reader kept none.
     */
    public String input() {
        return input;
    }
}
