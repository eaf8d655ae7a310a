package dev.freight.engine;

import dev.freight.engine.ExecuteOptions.MergeMode;
import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.Value;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A source row after mapping and coercion.
 *
 * @param values the typed values of the mapped fields that had a value
 * @param cleared mapped fields whose cell was present but empty: an update removes them
 * @param errors why the row is rejected; empty when it is valid
 * @param missingRequired the required fields the row gives no value for (not in the mapping, or left empty), when
 *     they reject it only by the record it writes ({@link #missingOn}): the file import workflow's rows that are
 *     otherwise valid; elsewhere, and in a row with other errors, they are among {@code errors}
 * @param warnings notes that do not reject the row (unmapped keys)
 * @param cells the original cells, for the error file
 * @param input the raw text of a row that could not be read ({@link dev.freight.ingest.RejectedInput}), for the error
 *     file, whose {@code cells} are then empty; null for a row that was read, or when the reader kept none
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
        List<Violation> missingRequired,
        List<Violation> warnings,
        Map<String, Object> cells,
        String input,
        String json) {

    boolean valid() {
        return errors.isEmpty();
    }

    ParsedRow withJson(String json) {
        return new ParsedRow(ordinal, line, externalId, values, cleared, errors, missingRequired, warnings, cells,
                input, json);
    }

    /**
     * Of {@link #missingRequired}, those that reject the row as it writes a record that has a value for the fields
     * {@code stored} accepts (none when the row creates it): a field the record has keeps its value, unless the row
     * left it empty under overwrite, which empties it; a record's external_id no row empties.
     */
    List<Violation> missingOn(Predicate<String> stored, MergeMode mode) {
        return missingRequired.stream().filter(v -> !stored.test(v.field()) || mode == MergeMode.OVERWRITE
                && cleared.contains(v.field()) && !v.field().equals(BuiltInObjects.EXTERNAL_ID)).toList();
    }

    /** A row that could not be read at all, with its raw {@code input} when the reader kept it (else null). */
    static ParsedRow unreadable(long ordinal, long line, String message, String input) {
        return new ParsedRow(ordinal, line, null, Map.of(), Set.of(),
                List.of(new Violation(ordinal, null, null, ViolationCode.MALFORMED_ROW, message)), List.of(), List.of(),
                Map.of(), input, null);
    }
}
