package dev.freight.store;

import tools.jackson.core.type.TypeReference;

/**
 * A rejected (or noted) source row as kept for the error file: its ordinal among data rows, a sequence number for
 * several problems of one row, its source line, the problem, and the original cells as JSON text: an object for a row
 * that was read; for a row that could not be read, its raw input as a JSON string ({@link #inputCells}), or an empty
 * object when none was kept.
 */
public record RowError(
        long ordinal, int seq, long line, String externalId, String field, String code, String message,
        String cellsJson) {

    private static final TypeReference<String> TEXT = new TypeReference<>() {};

    /** The {@code cellsJson} of a row that could not be read, keeping its raw {@code input}. */
    public static String inputCells(String input) {
        return ValueJson.write(input);
    }

    /** The raw input of a row that could not be read, as {@link #inputCells} kept it; null for any other row. */
    public String input() {
        return cellsJson.startsWith("\"") ? ValueJson.read(cellsJson, TEXT) : null;
    }
}
