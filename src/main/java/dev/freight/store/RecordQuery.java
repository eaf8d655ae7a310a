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

    /** How a target's values compare: as text, as numbers, as booleans ('true'/'false'), or as epoch milliseconds. */
    public enum Kind {
        TEXT,
        NUMBER,
        BOOLEAN,
        EPOCH_MILLIS
    }

    /**
     * What a condition or sort looks at: one of the records table's own columns ({@code id}, {@code external_id},
     * {@code created_at}, {@code updated_at}), or a value inside {@code data} by its path of field slugs. A TEXT
     * value inside {@code data} may name a second path, {@code orElse} (empty for none), whose value it takes where
     * its own path holds none; presence ({@link Empty}) is that of {@code path} alone.
     */
    public record Target(String column, List<String> path, Kind kind, List<String> orElse) {

        private static final List<String> COLUMNS = List.of("id", "external_id", "created_at", "updated_at");

        public Target {
            Objects.requireNonNull(kind);
            if (column != null && !COLUMNS.contains(column)) {
                throw new IllegalArgumentException("not a records column: " + column);
            }
            path = path == null ? List.of() : List.copyOf(path);
            orElse = orElse == null ? List.of() : List.copyOf(orElse);
            if (column == null && path.isEmpty()) {
                throw new IllegalArgumentException("a target needs a column or a path");
            }
            if (!orElse.isEmpty() && (column != null || kind != Kind.TEXT)) {
                throw new IllegalArgumentException("only a text value inside data has a second path");
            }
            for (String key : path) {
                plain(key);
            }
            orElse.forEach(Target::plain);
        }

        private static void plain(String key) {
            if (!key.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new IllegalArgumentException("not a plain identifier: " + key);
            }
        }

        public static Target column(String column, Kind kind) {
            return new Target(column, null, kind, null);
        }

        public static Target json(List<String> path, Kind kind) {
            return new Target(null, path, kind, null);
        }

        /**
         * A reference field's text as files show it ({@code Value.Ref.text()}): the referenced record's external_id,
         * else (a record without one) its id. Present when the field holds a reference.
         */
        public static Target reference(String slug) {
            return new Target(null, List.of(slug, "external_id"), Kind.TEXT, List.of(slug, "id"));
        }
    }

    /**
     * A condition on a target. Values are {@link String} for TEXT and BOOLEAN targets, {@link java.math.BigDecimal}
     * for NUMBER and {@link Long} for EPOCH_MILLIS.
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
