package dev.freight.engine;

import dev.freight.store.DeferredRow;
import dev.freight.store.Handle;
import dev.freight.store.ImportStats;
import dev.freight.store.RowError;
import java.util.List;

/**
 * Applies one chunk of parsed rows inside the caller's transaction and says what to record; the caller commits it
 * together with the import's checkpoint. One per import run; not thread-safe.
 */
interface RowWriter {

    /** What happened to one row. */
    enum Outcome {
        CREATED,
        UPDATED,
        UNCHANGED,
        DELETED,
        SKIPPED_DUPLICATE,
        FAILED
    }

    record RowResult(long ordinal, String externalId, String recordId, Outcome outcome) {}

    /**
     * A chunk's outcome: per row, the violations, the stats delta and the error rows, and the rows put off until after
     * the import's last row (in none of the others: they count when they are written). The change log is not part of
     * it: the store writes it with the updates and deletes it logs, from the records as they were replaced.
     */
    record Result(
            List<RowResult> rows,
            List<Violation> errors,
            ImportStats stats,
            List<RowError> errorRows,
            long parseRejected,
            long validationRejected,
            List<DeferredRow> deferred) {}

    /**
     * Whether {@link #write} may change the rows it is given (a reference resolved, or a value that matches nothing
     * taken out, in the row itself), so that a chunk written again must first get back the values it was read with.
     */
    default boolean changesRows() {
        return true;
    }

    /**
     * Work on a row that needs no database, done by the thread that reads the source ahead of {@link #write} (the
     * second core). Runs concurrently with {@code write}: it must not change the writer's state, and what it reads of
     * that state must be safe to read from another thread (volatile).
     */
    default ParsedRow prepare(ParsedRow row) {
        return row;
    }

    /**
     * Work on a whole chunk before it is written, done by threads of their own while the chunks before it are written,
     * two chunks at a time: it may read the database on a connection of its own, and returns the chunk {@link #write}
     * then takes (the same rows, in the same order). Like {@link #prepare} it must leave the writer's state alone, and
     * what it shares between calls must be safe for calls at the same time.
     */
    default List<ParsedRow> lookAhead(List<ParsedRow> chunk) {
        return chunk;
    }

    Result write(Handle h, List<ParsedRow> rows);

    /**
     * The chunk's result when writing it would change nothing stored and the writer knows so without the database
     * (every row was read ahead by {@link #lookAhead} and found unchanged), or null when the chunk has to be written.
     * The caller may then move the import past the chunk without a transaction: a run resumed from an earlier
     * checkpoint reads the chunk again and finds it unchanged again. Takes what was read ahead, as {@code write} does.
     */
    default Result unchanged(List<ParsedRow> rows) {
        return null;
    }

    /** Called after the transaction of the last {@link #write} committed. */
    default void committed() {}
}
