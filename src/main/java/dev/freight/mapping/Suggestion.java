package dev.freight.mapping;

import java.util.Objects;

/**
 * The suggested target of one source column.
 *
 * @param targetFieldSlug the field to map to, or null to leave the column unmapped
 * @param confidence in [0, 1]; 0 when unmapped
 * @param reason why the field was suggested; null when unmapped
 */
public record Suggestion(String sourceColumn, String targetFieldSlug, double confidence, MatchReason reason) {

    public Suggestion {
        Objects.requireNonNull(sourceColumn, "sourceColumn");
        if (confidence < 0 || confidence > 1) {
            throw new IllegalArgumentException("confidence must be in [0, 1], got " + confidence);
        }
        if (targetFieldSlug == null && (confidence != 0 || reason != null)) {
            throw new IllegalArgumentException("an unmapped column has confidence 0 and no reason");
        }
    }

    public static Suggestion unmapped(String sourceColumn) {
        return new Suggestion(sourceColumn, null, 0, null);
    }

    public boolean mapped() {
        return targetFieldSlug != null;
    }
}
