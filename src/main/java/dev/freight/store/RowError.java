package dev.freight.store;

/**
 * A rejected (or noted) source row as kept for the error file: its ordinal among data rows, a sequence number for
 * several problems of one row, its source line, the problem, and the original cells as JSON text.
 */
public record RowError(
        long ordinal, int seq, long line, String externalId, String field, String code, String message,
        String cellsJson) {}
