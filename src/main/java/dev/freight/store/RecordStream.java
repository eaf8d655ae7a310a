package dev.freight.store;

import dev.freight.schema.Coercion;
import dev.freight.schema.Field;
import dev.freight.schema.FieldType;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.PlainValues;
import dev.freight.schema.Value;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import tools.jackson.core.type.TypeReference;

/**
 * Reads an object's records for an export: the conditions, order and limit of a {@link RecordQuery} in SQL, rows
 * streamed ({@link Dialect#streamText}: never a whole result in memory) and read a few batches ahead on a second
 * thread, and only the properties and fields asked for. References name their records as reading a record does
 * ({@link RecordStore#withCurrentReferences}), looked up a batch at a time; conditions and sorts on a reference
 * compare that same text, looked up in SQL ({@link RecordQuery.Kind#REFERENCE}). Thread-safe.
 */
public final class RecordStream {

    private final Database database;

    /**
     * {@code database} is the one the streams' handles come from: where its dialect runs no other query on a handle
     * while it streams ({@link Dialect#queriesWhileStreaming}), the references of each batch are looked up on a
     * connection of its own, taken for that lookup only from the database's spare pool
     * ({@link Database#withSpareHandle}), so streams holding every connection of the main pool never wait for one
     * another.
     */
    public RecordStream(Database database) {
        this.database = database;
    }

    /** Receives each record in order; may fail with an I/O error of the file being written. */
    @FunctionalInterface
    public interface RowHandler {
        void row(StoredRecord record) throws IOException;
    }

    private static final TypeReference<Object> ANY = new TypeReference<>() {};

    /** How many records the query matches, its limit applied. */
    public long count(Handle h, String organizationId, ObjectDef object, RecordQuery query) {
        List<Object> params = new ArrayList<>();
        String where = where(h.dialect(), organizationId, object, query, params);
        long n = h.queryFirst("select count(*) from " + from(h.dialect(), query.conditions(), null) + " where "
                + where, rs -> rs.getLong(1), params.toArray()).orElse(0L);
        return query.limit() == null ? n : Math.min(n, query.limit());
    }

    /** As {@link #count}, but reading no further than {@code max} matching records (the answer is at most it). */
    public long countUpTo(Handle h, String organizationId, ObjectDef object, RecordQuery query, long max) {
        List<Object> params = new ArrayList<>();
        String where = where(h.dialect(), organizationId, object, query, params);
        long n = h.queryFirst("select count(*) from (select 1 from " + from(h.dialect(), query.conditions(), null)
                + " where " + where + " limit " + max + ") t", rs -> rs.getLong(1), params.toArray()).orElse(0L);
        return query.limit() == null ? n : Math.min(n, query.limit());
    }

    /** A record's own properties; a stream reads only those asked for (the others are null in its records). */
    public enum Property {
        ID("id"),
        EXTERNAL_ID("external_id"),
        CREATED("created_at"),
        UPDATED("updated_at");

        private final String column;

        Property(String column) {
            this.column = column;
        }
    }

    /** {@link #forEach(Handle, String, ObjectDef, Set, List, RecordQuery, RowHandler)} with every property. */
    public long forEach(Handle h, String organizationId, ObjectDef object, List<Field> fields, RecordQuery query,
            RowHandler handler) throws IOException {
        return forEach(h, organizationId, object, EnumSet.allOf(Property.class), fields, query, handler);
    }

    /**
     * Streams the matching records to {@code handler}, each with the {@code properties} asked for (null for the
     * others) and the values of {@code fields} only (an absent value has no entry). Use a handle with auto-commit
     * ({@link Database#withHandle}); returns how many records were read. A second thread reads and decodes the rows a
     * few batches ahead while the handler works on the caller's thread; when the handler fails, reading stops and its
     * exception comes out of this method. Each resolved reference names its record by the external_id that record
     * has now (its id when it has none), as reading records does; one whose record is gone is as stored. The second
     * thread looks them up {@link ReadAhead#BATCH} records at a time, one query per object they name, in the
     * organization's records only.
     */
    public long forEach(Handle h, String organizationId, ObjectDef object, Set<Property> properties,
            List<Field> fields, RecordQuery query, RowHandler handler) throws IOException {
        return stream(h, organizationId, object, properties, fields, query, handler);
    }

    /** Receives each row in order; may fail with an I/O error of the file being written. */
    @FunctionalInterface
    public interface RawRowHandler {
        void row(RecordRow row) throws IOException;
    }

    /**
     * As {@link #forEach(Handle, String, ObjectDef, Set, List, RecordQuery, RowHandler)}, but hands over each record
     * as its row, undecoded, on the caller's thread ({@link RecordRow}, valid during the handler's call: the handler
     * copies what it can and decodes the rest); field {@code i} of a row is {@code fields.get(i)}. For handlers whose
     * work per row is small: no second thread, no record built. Not for {@code fields} with a reference field
     * ({@link #namesRecords}): a row's values are as stored, and its references could not be named as their records
     * are now without reading ahead.
     *
     * @throws IllegalArgumentException when {@code fields} has a reference field
     */
    public long forEachRow(Handle h, String organizationId, ObjectDef object, Set<Property> properties,
            List<Field> fields, RecordQuery query, RawRowHandler handler) throws IOException {
        if (namesRecords(fields)) {
            throw new IllegalArgumentException("a stream of rows cannot name the records its references refer to");
        }
        Columns columns = Columns.of(h.dialect(), object, properties, fields);
        RecordRow view = new RecordRow(columns, organizationId, object.slug());
        long[] n = {0};
        try {
            query(h, organizationId, object, query, columns, row -> {
                try {
                    handler.row(view.at(row));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                n[0]++;
                return true;
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } catch (SQLException e) {
            throw Database.translate(h.dialect(), e);
        } catch (RecordRow.ReadFailure e) {
            throw Database.translate(h.dialect(), e.getCause());
        }
        return n[0];
    }

    /** Whether any of {@code fields} holds references (which {@link #forEachRow} does not take). */
    public static boolean namesRecords(List<Field> fields) {
        return fields.stream().anyMatch(f -> f.type() == FieldType.REFERENCE);
    }

    private long stream(Handle h, String organizationId, ObjectDef object, Set<Property> properties,
            List<Field> fields, RecordQuery query, RowHandler handler) throws IOException {
        Columns columns = Columns.of(h.dialect(), object, properties, fields);
        RecordRow view = new RecordRow(columns, organizationId, object.slug());
        UnaryOperator<List<StoredRecord>> named = !namesRecords(fields) ? UnaryOperator.identity()
                : h.dialect().queriesWhileStreaming() ? batch -> CurrentReferences.of(h, organizationId, batch)
                : batch -> database.withSpareHandle(lookup -> CurrentReferences.of(lookup, organizationId, batch));
        try {
            return ReadAhead.run(sink -> query(h, organizationId, object, query, columns,
                    row -> sink.accept(view.at(row).record())), named, handler);
        } catch (SQLException e) {
            throw Database.translate(h.dialect(), e);
        } catch (RecordRow.ReadFailure e) {
            throw Database.translate(h.dialect(), e.getCause());
        }
    }

    /** Runs the query for {@code columns}, handing its rows to {@code handler}. */
    private void query(Handle h, String organizationId, ObjectDef object, RecordQuery query, Columns columns,
            Dialect.TextRowHandler handler) throws SQLException {
        List<Object> params = new ArrayList<>();
        h.dialect().streamText(h, select(h.dialect(), organizationId, object, query, columns, params), params,
                handler);
    }

    /** The SQL of the query for {@code columns}, its values appended to {@code params}. */
    static String select(Dialect dialect, String organizationId, ObjectDef object, RecordQuery query,
            Columns columns, List<Object> params) {
        StringBuilder sql = new StringBuilder("select ").append(String.join(", ", columns.once().isEmpty()
                ? columns.select() : List.of("records.*", String.join(", ", columns.once()))));
        sql.append(" from ").append(from(dialect, query.conditions(), query.sort()));
        sql.append(" where ").append(where(dialect, organizationId, object, query, params));
        sql.append(" order by ").append(order(dialect, query.conditions(), query.sort()));
        if (query.limit() != null) {
            sql.append(" limit ").append((int) query.limit());
        }
        if (!columns.once().isEmpty()) {
            // the subquery's order is the result's: nothing above it joins, groups or sorts
            sql.insert(0, "select " + String.join(", ", columns.select()) + " from (").append(" offset 0) records");
        }
        return sql.toString();
    }

    /**
     * Where each field's value is in a result row: fields whose values are JSON strings are read as text with
     * {@link Dialect#jsonStrings} (two columns each: the text, then whether it is a JSON string), the others as JSON
     * with {@link Dialect#jsonValue} (one column). On a built-in object the string-typed fields are read as text alone
     * ({@link Dialect#jsonText}, no second column): a field's type never changes there, and a string-typed field of one
     * value always stores a JSON string (only a custom object can be deleted and re-created with other field types,
     * leaving values of the old ones behind).
     *
     * @param stringFlag for each field read as text, the column telling whether it is a JSON string; 0 when there is
     *     none (a present value is one)
     */
    record Columns(int[] property, List<Field> fields, String[] slugs, boolean[] strings, int[] index,
            int[] stringFlag, List<String> select, List<String> once) {

        static Columns of(Dialect dialect, ObjectDef object, Set<Property> properties, List<Field> fields) {
            List<String> select = new ArrayList<>();
            int[] property = new int[Property.values().length];
            for (Property p : Property.values()) {
                if (properties.contains(p)) {
                    select.add(p.column);
                    property[p.ordinal()] = select.size();
                }
            }
            boolean typed = object.builtIn();
            boolean[] strings = new boolean[fields.size()];
            List<List<String>> stringPaths = new ArrayList<>();
            for (int i = 0; i < fields.size(); i++) {
                strings[i] = holdsStrings(fields.get(i));
                if (strings[i] && !typed) {
                    stringPaths.add(List.of(fields.get(i).slug()));
                }
            }
            Dialect.StringCells cells = dialect.jsonStrings(stringPaths);
            int[] index = new int[fields.size()];
            int[] stringFlag = new int[fields.size()];
            int cell = 0;
            for (int i = 0; i < fields.size(); i++) {
                index[i] = 1 + select.size();
                List<String> path = List.of(fields.get(i).slug());
                if (strings[i] && typed) {
                    select.add(dialect.jsonText(path));
                } else if (strings[i]) {
                    select.add(cells.columns().get(cell++));
                    select.add(cells.columns().get(cell++));
                    stringFlag[i] = index[i] + 1;
                } else {
                    select.add(dialect.jsonValue(path));
                }
            }
            if (select.isEmpty()) {
                select.add("id");
            }
            return new Columns(property, fields, fields.stream().map(Field::slug).toArray(String[]::new), strings,
                    index, stringFlag, select, cells.once());
        }

        /** Types stored as a JSON string (a single value): read without JSON quoting and escaping. */
        private static boolean holdsStrings(Field f) {
            return !f.multiple() && switch (f.type()) {
                case TEXT, LONG_TEXT, EMAIL, PHONE, URL, ENUM, DATE, DATETIME -> true;
                default -> false;
            };
        }
    }

    /**
     * One stored value, from its JSON text, as {@link PlainValues#fromPlain} would read it. Values stored by Freight
     * already have their field's type, so the common ones (a string without escapes, a number, a boolean, an ISO date)
     * are built directly; anything else goes through the JSON parser and the coercion.
     */
    static Value decode(Field field, String json) {
        boolean scalar = !field.multiple() && field.type() != FieldType.LIST && field.type() != FieldType.ADDRESS
                && field.type() != FieldType.REFERENCE;
        if (scalar) {
            if (json.length() >= 2 && json.charAt(0) == '"' && json.indexOf('\\') < 0) {
                return decodeString(field, json.substring(1, json.length() - 1));
            }
            Value fast = fast(field.type(), json);
            if (fast != null) {
                return fast;
            }
        }
        return PlainValues.fromPlain(field, ValueJson.read(json, ANY));
    }

    /**
     * A value stored as a JSON string, given the string: the same as {@link #decode} of its JSON text, which builds
     * text values directly when the JSON has no escape and coerces them otherwise. The coercion gives the string itself
     * for text fields, and for email, phone and URL fields unless it strips white space from the ends; so only enums
     * (matched to their options) and those strings need the check for escapes.
     */
    static Value decodeString(Field field, String s) {
        if (!field.multiple()) {
            Value fast = switch (field.type()) {
                case TEXT, LONG_TEXT -> new Value.Text(s);
                case EMAIL, PHONE, URL -> s.isEmpty() || !Character.isWhitespace(s.charAt(0))
                        && !Character.isWhitespace(s.charAt(s.length() - 1)) || !needsJsonEscape(s)
                        ? new Value.Text(s) : null;
                case ENUM -> needsJsonEscape(s) ? null : new Value.Text(s);
                case DATE -> {
                    java.time.LocalDate date = Coercion.isoDate(s);
                    yield date == null ? null : new Value.Date(date);
                }
                default -> null;
            };
            if (fast != null) {
                return fast;
            }
        }
        return PlainValues.fromPlain(field, s);
    }

    /** Whether JSON writes the string with an escape (a quote, backslash or control character). */
    private static boolean needsJsonEscape(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < ' ' || c == '"' || c == '\\') {
                return true;
            }
        }
        return false;
    }

    /** A number or boolean from its JSON text; null for anything else. */
    private static Value fast(FieldType type, String json) {
        try {
            return switch (type) {
                case NUMBER -> json.charAt(0) == '-' || Character.isDigit(json.charAt(0))
                        ? new Value.Decimal(new java.math.BigDecimal(json)) : null;
                case INTEGER -> json.charAt(0) == '-' || Character.isDigit(json.charAt(0))
                        ? new Value.Int(Long.parseLong(json)) : null;
                case BOOLEAN -> json.equals("true") ? new Value.Bool(true)
                        : json.equals("false") ? new Value.Bool(false) : null;
                default -> null;
            };
        } catch (NumberFormatException notThatType) {
            return null;
        }
    }

    private static String where(Dialect dialect, String organizationId, ObjectDef object, RecordQuery query,
            List<Object> params) {
        return dialect.objectInIdOrder(organizationId, object, params) + conditions(dialect, organizationId, object,
                query.conditions(), params);
    }

    /**
     * SQL that adds {@code conditions} to a query of the {@code records} table: each as {@code " and …"}, its values
     * appended to {@code params}; empty for none. The query reads the records of {@code object} of
     * {@code organizationId} from {@link #from} of the same {@code conditions}.
     */
    static String conditions(Dialect dialect, String organizationId, ObjectDef object,
            List<RecordQuery.Condition> conditions, List<Object> params) {
        List<String> joined = joined(conditions, null);
        StringBuilder sql = new StringBuilder();
        for (RecordQuery.Condition condition : referencesMerged(conditions)) {
            String expr = expression(dialect, condition.target(), joined);
            String p = parameter(dialect, condition.target());
            sql.append(" and ");
            switch (condition) {
                case RecordQuery.Equals eq -> {
                    sql.append(expr).append(" = ").append(p);
                    params.add(eq.value());
                }
                case RecordQuery.In in -> {
                    if (in.values().isEmpty()) {
                        sql.append("1 = 0");
                    } else if (isReference(condition.target())) {
                        sql.append(referenceIn(dialect, organizationId, object, condition.target(), in.values(),
                                params));
                    } else if ("external_id".equals(condition.target().column())) {
                        sql.append(dialect.externalIdIn(organizationId, object, in.values(), params));
                    } else {
                        sql.append(dialect.anyOf(expr, in.values(), params));
                    }
                }
                case RecordQuery.Range range -> {
                    sql.append(presence(dialect, condition.target())).append(" is not null");
                    if (range.from() != null) {
                        sql.append(" and ").append(expr).append(" >= ").append(p);
                        params.add(range.from());
                    }
                    if (range.to() != null) {
                        sql.append(" and ").append(expr).append(" <= ").append(p);
                        params.add(range.to());
                    }
                }
                case RecordQuery.Empty empty -> {
                    RecordQuery.Target target = condition.target();
                    String present = target.column() != null ? target.column()
                            : target.kind() == RecordQuery.Kind.REFERENCE
                            ? dialect.jsonValue(List.of(target.path().getFirst(), "external_id"))
                            : dialect.jsonValue(target.path());
                    sql.append(present).append(empty.empty() ? " is null" : " is not null");
                }
            }
        }
        return sql.toString();
    }

    private static String order(Dialect dialect, List<RecordQuery.Condition> conditions, RecordQuery.Sort sort) {
        if (sort == null) {
            return "id";
        }
        String direction = sort.descending() ? " desc" : "";
        String expr = expression(dialect, sort.target(), joined(conditions, sort));
        if (sort.target().kind() == RecordQuery.Kind.TEXT || sort.target().kind() == RecordQuery.Kind.REFERENCE) {
            expr = dialect.binaryOrder(expr);
        }
        // Empty values last in both directions, and ties in id order so the result is stable.
        return "(" + presence(dialect, sort.target()) + " is null), " + expr + direction + ", "
                + dialect.binaryOrder("id") + direction;
    }

    /** {@code joined}: the reference fields {@link #from} joins their records to, in its order. */
    private static String expression(Dialect dialect, RecordQuery.Target target, List<String> joined) {
        if (target.column() != null) {
            return target.column();
        }
        return switch (target.kind()) {
            case NUMBER -> dialect.jsonNumber(target.path());
            case BOOLEAN -> dialect.jsonBoolean(target.path());
            case TEXT, EPOCH_MILLIS -> dialect.jsonText(target.path());
            case REFERENCE -> currentReference(dialect, target.path().getFirst(), joined);
        };
    }

    /**
     * SQL that is null exactly where {@link #expression} is, cheaper where it can be: a reference's text is null only
     * where the reference holds neither an external_id nor an id (its record, when found, always has an id).
     */
    private static String presence(Dialect dialect, RecordQuery.Target target) {
        return target.column() == null && target.kind() == RecordQuery.Kind.REFERENCE
                ? storedReference(dialect, "records.data", target.path().getFirst())
                : expression(dialect, target, List.of());
    }

    /**
     * The text of the reference in field {@code slug} of a record of the query's {@code records} table as reading the
     * record names it ({@link CurrentReferences}): the external_id its record (of the organization, of the object the
     * reference names) has now, else that record's id; for a reference whose record is gone, or that names none, what
     * it holds. The record is the one {@link #from} joins to the field ({@code joined}).
     */
    private static String currentReference(Dialect dialect, String slug, List<String> joined) {
        return "coalesce(" + referenced(joined.indexOf(slug)) + ".referenced_text, "
                + storedReference(dialect, "records.data", slug) + ")";
    }

    /**
     * The reference fields whose records a query joins ({@link #from}): those a range of {@code conditions} compares,
     * then the one {@code sort} (may be null) orders by, each once. Those of the conditions come first, so that
     * {@link #conditions} finds them where the query with a sort joined them.
     */
    private static List<String> joined(List<RecordQuery.Condition> conditions, RecordQuery.Sort sort) {
        List<String> slugs = new ArrayList<>();
        for (RecordQuery.Condition condition : conditions) {
            if (condition instanceof RecordQuery.Range && isReference(condition.target())
                    && !slugs.contains(condition.target().path().getFirst())) {
                slugs.add(condition.target().path().getFirst());
            }
        }
        if (sort != null && isReference(sort.target()) && !slugs.contains(sort.target().path().getFirst())) {
            slugs.add(sort.target().path().getFirst());
        }
        return slugs;
    }

    private static String referenced(int i) {
        return "referenced_" + i;
    }

    /**
     * The FROM list of a query of the {@code records} table with {@code conditions} and {@code sort} (may be null):
     * {@code records}, left joined to the record each reference that a range or the sort compares names (the
     * organization's record of the object and id it holds; none for a gone record, another organization's, or a
     * reference naming none; at most one, {@code (organization_id, id)} being unique). The join is once in the query,
     * so the database finds the records as it likes: PostgreSQL hashes the organization's records for a large object
     * and looks them up by key for a few rows, SQLite looks each up by key. A subquery per row, as range and sort had
     * before, let PostgreSQL only look up each row's record, once per comparison (twice for a range), and cost the
     * query at a look-up per record, past its JIT thresholds (200,000 parts referring to 10,000 vendors: a sort
     * 1.0 s, 0.27 s of it JIT, now 0.7 s without; a range 1.0 s, 0.49 s of it JIT, now 0.3 s; SQLite's range 0.64 s,
     * now 0.41 s). The joined records' columns have names of their own, so the query's unqualified columns stay the
     * {@code records} table's.
     */
    static String from(Dialect dialect, List<RecordQuery.Condition> conditions, RecordQuery.Sort sort) {
        StringBuilder sql = new StringBuilder("records");
        List<String> joined = joined(conditions, sort);
        for (int i = 0; i < joined.size(); i++) {
            String slug = joined.get(i);
            String alias = referenced(i);
            sql.append(" left join (select organization_id as referenced_organization, object as referenced_object,")
                    .append(" id as referenced_id, coalesce(external_id, id) as referenced_text from records) ")
                    .append(alias).append(" on ").append(alias).append(".referenced_organization = records")
                    .append(".organization_id and ").append(alias).append(".referenced_object = ")
                    .append(dialect.jsonText("records.data", List.of(slug, "object"))).append(" and ").append(alias)
                    .append(".referenced_id = ").append(dialect.jsonText("records.data", List.of(slug, "id")));
        }
        return sql.toString();
    }

    /**
     * {@code conditions} with the equals and in filters on each reference field made one in of the values they all
     * hold, where the first of them stood. A reference names one record, and its text (the record's external_id, else
     * its id, or what a reference whose record is gone holds) is one of every filter's values exactly when it is one of
     * those they share (the databases compare text as Java does, by its code points). Each is a subquery of
     * {@link #referenceIn}, and on PostgreSQL their cost grew much faster than their number.
     */
    private static List<RecordQuery.Condition> referencesMerged(List<RecordQuery.Condition> conditions) {
        Map<RecordQuery.Target, List<Object>> shared = new LinkedHashMap<>();
        for (RecordQuery.Condition condition : conditions) {
            List<Object> values = referenceValues(condition);
            if (values != null) {
                shared.merge(condition.target(), values, (held, more) -> {
                    Set<Object> also = new HashSet<>(more);
                    return held.stream().filter(also::contains).toList();
                });
            }
        }
        List<RecordQuery.Condition> merged = new ArrayList<>();
        for (RecordQuery.Condition condition : conditions) {
            if (referenceValues(condition) == null) {
                merged.add(condition);
            } else if (shared.containsKey(condition.target())) {
                merged.add(new RecordQuery.In(condition.target(), shared.remove(condition.target())));
            }
        }
        return merged;
    }

    /** The values of an equals or in filter on a reference; null for any other condition. */
    private static List<Object> referenceValues(RecordQuery.Condition condition) {
        if (!isReference(condition.target())) {
            return null;
        }
        return switch (condition) {
            case RecordQuery.Equals eq -> List.of(eq.value());
            case RecordQuery.In in -> in.values();
            default -> null;
        };
    }

    private static boolean isReference(RecordQuery.Target target) {
        return target.column() == null && target.kind() == RecordQuery.Kind.REFERENCE;
    }

    /**
     * SQL true where {@link #currentReference} is one of {@code values} (at least one), with no look-up per row: the
     * records the values name now (by external_id, or by id for a record without one) are found first by key, and a
     * reference to one of them is compared by the object and id it holds; the references that hold one of the values
     * and whose record is gone are found by a second scan of the object's records that compares the text they hold, and
     * looks up only those. Both are subqueries that do not depend on the row, which the database runs once. A look-up
     * per row (a subquery per row, as range and sort had before {@link #from}) made PostgreSQL estimate the scan at a
     * key look-up per record, and past its JIT thresholds it compiled the query first (1.1–1.2 s of a 1.7–1.9 s filter
     * of 200,000 records referring to 10,000; 0.4–0.6 s now).
     */
    private static String referenceIn(Dialect dialect, String organizationId, ObjectDef object,
            RecordQuery.Target target, List<Object> values, List<Object> params) {
        String slug = target.path().getFirst();
        StringBuilder sql = new StringBuilder("((").append(dialect.jsonText("records.data", List.of(slug, "object")))
                .append(", ").append(dialect.jsonText("records.data", List.of(slug, "id")))
                // The organization's objects, one key look-up each (a loose scan), so that each value is looked up
                // by key in each: a reference may name a record of any object.
                .append(") in (with recursive objects(object) as (select min(object) from records")
                .append(" where organization_id = ? union all select (select min(object) from records")
                .append(" where organization_id = ? and object > objects.object) from objects")
                .append(" where objects.object is not null)")
                .append(" select named.object, named.id from records named where named.organization_id = ?")
                .append(" and named.object in (select object from objects) and ");
        params.add(organizationId);
        params.add(organizationId);
        params.add(organizationId);
        sql.append(dialect.anyOf("named.external_id", values, params))
                .append(" union all select named.object, named.id from records named where named.organization_id = ?")
                .append(" and ");
        params.add(organizationId);
        sql.append(dialect.anyOf("named.id", values, params)).append(" and named.external_id is null)")
                .append(" or records.id in (select held.id from records held where ")
                // Unqualified, the object's columns are the innermost table's: held's.
                .append(dialect.objectInIdOrder(organizationId, object, params)).append(" and ")
                .append(dialect.anyOf(storedReference(dialect, "held.data", slug), values, params))
                .append(" and not exists (select 1 from records named")
                .append(" where named.organization_id = held.organization_id")
                .append(" and named.object = ").append(dialect.jsonText("held.data", List.of(slug, "object")))
                .append(" and named.id = ").append(dialect.jsonText("held.data", List.of(slug, "id"))).append(")))");
        return sql.toString();
    }

    /** The text a reference holds: its external_id, else its record's id; null when the field holds no reference. */
    private static String storedReference(Dialect dialect, String data, String slug) {
        return "coalesce(" + dialect.jsonText(data, List.of(slug, "external_id")) + ", "
                + dialect.jsonText(data, List.of(slug, "id")) + ")";
    }

    private static String parameter(Dialect dialect, RecordQuery.Target target) {
        return target.column() == null && target.kind() == RecordQuery.Kind.NUMBER ? dialect.numberParameter() : "?";
    }
}
