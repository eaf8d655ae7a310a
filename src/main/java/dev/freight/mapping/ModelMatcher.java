package dev.freight.mapping;

import dev.freight.schema.ObjectDef;
import java.util.List;
import java.util.Map;

/** Asks an external model which field each column maps to. Implementations must be thread-safe. */
public interface ModelMatcher {

    /**
     * @param sampleRows a few rows, column → raw value; implementations send at most a handful of short values
     * @return column → the model's choice; a column that is absent, or whose choice has a null slug, stays unmapped.
     *     Every slug is a field of {@code target}.
     * @throws ModelMatcherException on any failure: unreachable, timeout, HTTP error, an answer that is not the
     *     expected JSON, or a slug that is not a field of the target
     */
    Map<String, Choice> match(ObjectDef target, List<String> sourceColumns, List<Map<String, String>> sampleRows);

    /**
     * @param fieldSlug the field, or null to leave the column unmapped
     * @param confidence the model's own confidence in [0, 1]
     */
    record Choice(String fieldSlug, double confidence) {}
}
