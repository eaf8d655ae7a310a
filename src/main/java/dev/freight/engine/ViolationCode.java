package dev.freight.engine;

import java.util.Locale;

/** Why a row was rejected or noted. The wire names are API: never rename one. */
public enum ViolationCode {
    MISSING_REQUIRED_FIELD,
    INVALID_FIELD_VALUE,
    /** Informational: the key is not in the mapping and was ignored; never fails a row. */
    UNMAPPED_FIELD,
    UNKNOWN_BASE_OBJECT,
    DUPLICATE_EXTERNAL_ID,
    /** The database refused this one row (found by replaying a failed chunk row by row). */
    WRITE_FAILED,
    /** The row itself could not be read: not a JSON object, or a malformed NDJSON line. */
    MALFORMED_ROW,
    /** A reference given by name matches several records of its target (file import workflow). */
    AMBIGUOUS_REFERENCE,
    /** A row's match fields find several stored records to update (file import workflow). */
    AMBIGUOUS_MATCH,
    /** A delete row's record is still referred to by a record the import does not delete. */
    RECORD_REFERENCED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
