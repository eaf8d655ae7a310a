package dev.freight.engine;

import dev.freight.schema.Value;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A source row after mapping and coercion.
 *
 * @param values the typed values of the mapped fields that had a value
 * @param cleared mapped fields whose cell was present but empty: an update removes them
 * @param errors why the row is rejected; empty when it is valid
 * @param warnings notes that do not reject the row (unmapped keys)
 * @param cells the original cells, for the error file
 * @param json {@code values} as stored JSON when a writer had them encoded ahead ({@link RowWriter#prepare}), in the
 *     form the database gives it back once stored unless the writer knew it was not needed; else null
 */
record ParsedRow(
        long ordinal,
        long line,
        String externalId,
        Map<String, Value> values,
        Set<String> cleared,
        List<Violation> errors,
        List<Violation> warnings,
        Map<String, Object> cells,
        String json) {

    boolean valid() {
        return errors.isEmpty();
    }

    ParsedRow withJson(String json) {
        return new ParsedRow(ordinal, line, externalId, values, cleared, errors, warnings, cells, json);
    }

    /** A row that could not be read at all. */
    static ParsedRow unreadable(long ordinal, long line, String message) {
        return new ParsedRow(ordinal, line, null, Map.of(), Set.of(),
                List.of(new Violation(ordinal, null, null, ViolationCode.MALFORMED_ROW, message)), List.of(), Map.of(),
                null);
    }
}
