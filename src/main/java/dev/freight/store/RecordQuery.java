package dev.freight.store;

import java.util.List;
import java.util.Objects;

/**
 * Which of an object's records to read, in which order and how many: conditions joined by AND, an optional sort (always
 * tie-broken by id, empty values last) and an optional limit.
 *
 * @param sort null for creation (id) order
 * @param limit null for every matching record
 */
public record RecordQuery(List<Condition> conditions, Sort sort, Integer limit) {

    public RecordQuery {
        conditions = List.copyOf(conditions);
    }

    public static RecordQuery all() {
        return new RecordQuery(List.of(), null, null);
    }

    /**
     * How a target's values compare: as text, as numbers, as booleans ('true'/'false'), as epoch milliseconds, or as
     * the text that names a referenced record ({@link Target#reference}).
     */
    public enum Kind {
        TEXT,
        NUMBER,
        BOOLEAN,
        EPOCH_MILLIS,
        REFERENCE
    }

    /**
     * What a condition or sort looks at: one of the records table's own columns ({@code id}, {@code external_id},
     * {@code created_at}, {@code updated_at}), or a value inside {@code data} by its path of field slugs.
     */
    public record Target(String column, List<String> path, Kind kind) {

        private static final List<String> COLUMNS = List.of("id", "external_id", "created_at", "updated_at");

        public Target {
            Objects.requireNonNull(kind);
            if (column != null && !COLUMNS.contains(column)) {
                throw new IllegalArgumentException("not a records column: " + column);
            }
            path = path == null ? List.of() : List.copyOf(path);
            if (column == null && path.isEmpty()) {
                throw new IllegalArgumentException("a target needs a column or a path");
            }
            if (kind == Kind.REFERENCE && (column != null || path.size() != 1)) {
                throw new IllegalArgumentException("a reference is the value of one field inside data");
            }
            for (String key : path) {
                if (!key.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                    throw new IllegalArgumentException("not a plain identifier: " + key);
                }
            }
        }

        public static Target column(String column, Kind kind) {
            return new Target(column, null, kind);
        }

        public static Target json(List<String> path, Kind kind) {
            return new Target(null, path, kind);
        }

        /**
         * A reference field's text as files show it, and as reading the record names it: the external_id the
         * referenced record has now, else (a record without one) its id. A reference whose record is gone, or that
         * names none, compares by what it holds: its external_id, else its id. Present ({@link Empty}) when the field
         * holds a reference.
         */
        public static Target reference(String slug) {
            return new Target(null, List.of(slug), Kind.REFERENCE);
        }
    }

    /**
     * A condition on a target. Values are {@link String} for TEXT, REFERENCE and BOOLEAN targets,
     * {@link java.math.BigDecimal} for NUMBER and {@link Long} for EPOCH_MILLIS.
     */
    public sealed interface Condition {
        Target target();
    }

    public record Equals(Target target, Object value) implements Condition {}

    public record In(Target target, List<Object> values) implements Condition {
        public In {
            values = List.copyOf(values);
        }
    }

    /** Inclusive at both ends; a null end is open. */
    public record Range(Target target, Object from, Object to) implements Condition {}

    /** {@code empty} true: the value is absent; false: it is present. */
    public record Empty(Target target, boolean empty) implements Condition {}

    public record Sort(Target target, boolean descending) {}
}
