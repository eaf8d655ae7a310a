package dev.freight.engine;

import java.util.List;

/**
 * The outcome of one batch. {@code errors} may hold several violations of one row; {@code failed} counts rows.
 * {@code warnings} never fail a row.
 */
public record BatchResult(
        int received,
        int created,
        int updated,
        int failed,
        List<RecordResult> results,
        List<Violation> errors,
        List<Violation> warnings) {}
