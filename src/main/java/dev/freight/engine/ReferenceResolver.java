package dev.freight.engine;

import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.Field;
import dev.freight.schema.FieldType;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.Schema;
import dev.freight.schema.Value;
import dev.freight.store.Handle;
import dev.freight.store.RecordStore;
import dev.freight.store.RecordWrite;
import dev.freight.store.UpsertOutcome;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Resolves the reference values of a chunk's rows to stored records, one query per target object: by external_id,
 * then by record id (a value with the target's id prefix), and (for the file import workflow) then by the target's
 * name ignoring case. A record without an external_id is referred to by its id alone (a null
 * {@link Value.Ref#externalId()}). What happens to a value that matches nothing is the {@link Missing} policy. With a
 * {@link Foresight} it writes nothing (the validate step): a record it would create is remembered there instead, and
 * found by its name as the created record would be. Not thread-safe; one per import run or validation.
 */
final class ReferenceResolver {

    /** What to do with a reference that matches no record. */
    enum Missing {
        /** Reject the row (invalid_field_value): the Import API and the Imports resource. */
        REJECT,
        /** Import the row without the value and report the value as a reference warning. */
        WARN,
        /** Create a record in the target object named by the value and refer to it. */
        CREATE
    }

    /**
     * A row whose only unresolved references name records of the object itself, which the import may still create:
     * it is put off until after the import's last row.
     *
     * @param missing the external ids it referred to and did not find
     */
    record PutOff(ParsedRow row, List<String> missing) {}

    /** The import's own put-off rows, which the pass after its last row resolves references to. */
    interface KeptRows {
        /** External id → the id kept for the record of each pending put-off row with that key. */
        Map<String, String> ids(Handle h, Collection<String> externalIds);

        /** External id → source line of the import's rejected rows with that key. */
        Map<String, Long> rejectedLines(Handle h, Collection<String> externalIds);
    }

    /**
     * What a validation foresees instead of writing: the records {@link Missing#CREATE} would create (found by their
     * names afterwards, as the created records would be), and the records of the object itself that the file's rows
     * would create, which the look-ups after its last row find beside the stored ones.
     */
    static final class Foresight {
        /** Target → lower-cased name → the reference to the record that would be created (by a made-up id). */
        private final Map<String, Map<String, Value.Ref>> created = new HashMap<>();
        /** How many values of a field {@link #createdValues()} lists at most. */
        static final int LISTED = 100;
        /** Field → the first values a record would be created for, each as its first row spells it, sorted. */
        private final Map<String, TreeSet<String>> createdValues = new TreeMap<>();
        /** The records of the object that the file's rows would create; null until {@link #own} sets them. */
        private OwnRecords own;

        /** Field → the first {@value #LISTED} values execution would create a record for, sorted. */
        Map<String, TreeSet<String>> createdValues() {
            return createdValues;
        }

        /** Sets the object's records that the file's rows would create, for the look-ups after its last row. */
        void own(OwnRecords records) {
            this.own = records;
        }

        /** The made-up id of the record of the object a row of the file would create with this external id, or null. */
        private String ownId(String externalId) {
            return own == null ? null : own.id(externalId);
        }

        /** How many records of the object the file's rows would create with this lower-cased name. */
        private int ownNamed(String lower) {
            return own == null ? 0 : own.named(lower);
        }
    }

    private final RecordStore records;
    private final Schema schema;
    private final ObjectDef object;
    private final String organizationId;
    private final String importId;
    private final Missing missing;
    private final boolean byName;
    private final KeptRows kept;
    /** Null when the resolver writes (execution); otherwise where it foresees instead (validation). */
    private final Foresight foresight;

    /** @param byName whether a value that is no external_id may name the target record (its name field) */
    ReferenceResolver(RecordStore records, Schema schema, ObjectDef object, String organizationId, String importId,
            Missing missing, boolean byName) {
        this(records, schema, object, organizationId, importId, missing, byName, null);
    }

    /**
     * @param kept the import's put-off rows, when this resolves the pass after its last row: a reference to the key of
     *     one of them resolves to the id kept for it; null otherwise
     */
    ReferenceResolver(RecordStore records, Schema schema, ObjectDef object, String organizationId, String importId,
            Missing missing, boolean byName, KeptRows kept) {
        this(records, schema, object, organizationId, importId, missing, byName, kept, null);
    }

    /**
     * A resolver that writes nothing: what it would create goes to {@code foresight}, and is found afterwards as the
     * created record would be.
     */
    ReferenceResolver(RecordStore records, Schema schema, ObjectDef object, String organizationId, Missing missing,
            Foresight foresight) {
        this(records, schema, object, organizationId, null, missing, true, null, foresight);
    }

    private ReferenceResolver(RecordStore records, Schema schema, ObjectDef object, String organizationId,
            String importId, Missing missing, boolean byName, KeptRows kept, Foresight foresight) {
        this.foresight = foresight;
        this.records = records;
        this.schema = schema;
        this.object = object;
        this.organizationId = organizationId;
        this.importId = importId;
        this.missing = missing;
        this.byName = byName;
        this.kept = kept;
    }

    /** Whether {@link #resolve} can change a row: only when the object has reference fields. */
    boolean changesRows() {
        return object.fields().stream().anyMatch(f -> f.type() == FieldType.REFERENCE);
    }

    /**
     * Resolves the rows' references in place. Returns the rows that stay in the chunk; a rejected row gets its
     * violation in {@code errors}; with {@link Missing#WARN}, unresolved values go to {@code unresolved} (field →
     * values). When {@code putOff} is not null, a row whose unresolved references all name (among others) the object
     * itself goes there instead of being rejected: a later row of the import may still create what it refers to. The
     * rows lose the values that matched nothing: rows resolved again (a chunk retried or replayed row by row) first get
     * back the values they were read with (ImportPipeline does), or find nothing to report.
     */
    List<ParsedRow> resolve(Handle h, List<ParsedRow> rows, List<Violation> errors,
            Map<String, Set<String>> unresolved) {
        return resolve(h, rows, errors, unresolved, null, null, null, Set.of());
    }

    /**
     * Like {@link #resolve(Handle, List, List, Map)}, but a value of a field that may refer to the object itself is
     * looked up by external_id only, and not reported or created when some of its references match nothing yet: a
     * later row of the import, or one of these rows, may be the record it names. The row keeps the references that
     * resolved, and {@code awaiting} gets the field's value as the row gave it (row → field → value), for the links
     * the import adds after its last row. {@code matched} are the ids of the stored records the rows match by other
     * fields than the external_id, which the rows are about to update: locked with the records referred to, in id
     * order, as the records with the rows' external ids are (see {@link RecordStore#lockReferenced}).
     */
    List<ParsedRow> resolveAwaitingOwn(Handle h, List<ParsedRow> rows, Collection<String> matched,
            List<Violation> errors, Map<String, Set<String>> unresolved, Map<ParsedRow, Map<String, Value>> awaiting) {
        return resolve(h, rows, errors, unresolved, null, null, awaiting, matched);
    }

    /**
     * @param given when not null, each accepted row with an external_id gets an id here (external id → id), which its
     *     record takes if it creates one: a reference of a later row of {@code rows} to its own object finds it by
     *     that id, so the rows can be written together
     */
    List<ParsedRow> resolve(Handle h, List<ParsedRow> rows, List<Violation> errors,
            Map<String, Set<String>> unresolved, List<PutOff> putOff, Map<String, String> given) {
        return resolve(h, rows, errors, unresolved, putOff, given, null, Set.of());
    }

    /** @param awaiting when not null, see {@link #resolveAwaitingOwn}, as for {@code matched} */
    private List<ParsedRow> resolve(Handle h, List<ParsedRow> rows, List<Violation> errors,
            Map<String, Set<String>> unresolved, List<PutOff> putOff, Map<String, String> given,
            Map<ParsedRow, Map<String, Value>> awaiting, Collection<String> matched) {
        List<Field> refFields = object.fields().stream().filter(f -> f.type() == FieldType.REFERENCE).toList();
        if (refFields.isEmpty() || rows.isEmpty()) {
            return rows;
        }
        Map<Field, Map<String, Value.Ref>> known = new HashMap<>();
        Map<Field, Map<String, String>> ambiguous = new HashMap<>();
        Set<String> stored = new HashSet<>();
        for (Field field : refFields) {
            Set<String> wanted = new LinkedHashSet<>();
            for (ParsedRow r : rows) {
                refs(r.values().get(field.slug())).forEach(ref -> wanted.add(ref.text()));
            }
            if (!wanted.isEmpty()) {
                // A value that may name a row of the import waits for its last row before anything slower than the
                // key look-up: by then a value missing here may be the external_id of a record stored since.
                Map<String, String> several = new HashMap<>();
                known.put(field, lookUp(h, field, wanted, awaiting == null || !refersToItself(field), several,
                        stored));
                ambiguous.put(field, several);
            }
        }
        if (foresight == null && !stored.isEmpty()) {
            // The stored records referred to stay until this transaction ends; one a delete took first and has
            // deleted since the look-up is a reference to a record that does not exist.
            // An object that refers to itself locks, with them, the records its rows are about to update, all in id
            // order: see RecordStore.lockReferenced. Other objects' locks are as they were.
            Set<String> own = new TreeSet<>();
            Collection<String> ownIds = Set.of();
            if (refFields.stream().anyMatch(this::refersToItself)) {
                rows.stream().map(ParsedRow::externalId).filter(Objects::nonNull).forEach(own::add);
                ownIds = matched;
            }
            Set<String> gone = records.lockReferenced(h, organizationId, stored, object.slug(), own, ownIds);
            if (!gone.isEmpty()) {
                known.values().forEach(found -> found.values().removeIf(ref -> gone.contains(ref.id())));
            }
        }
        List<ParsedRow> accepted = new ArrayList<>(rows.size());
        for (ParsedRow r : rows) {
            List<Violation> rejections = new ArrayList<>(0);
            List<String> awaited = new ArrayList<>(0);
            for (Field field : refFields) {
                Value v = r.values().get(field.slug());
                if (v == null) {
                    continue;
                }
                String unclear = refs(v).stream().map(Value.Ref::text)
                        .filter(ambiguous.getOrDefault(field, Map.of())::containsKey).findFirst().orElse(null);
                if (unclear != null) {
                    rejections.add(new Violation(r.ordinal(), r.externalId(), field.slug(),
                            ViolationCode.AMBIGUOUS_REFERENCE, "%s: \"%s\" matches %s by name ignoring case; give the"
                                    .formatted(field.slug(), unclear, ambiguous.get(field).get(unclear))
                                    + " external_id of the one meant"));
                    continue;
                }
                Map<String, Value.Ref> found = known.getOrDefault(field, Map.of());
                Function<String, Value.Ref> lookUp = given == null || !refersToItself(field) ? found::get
                        : key -> {
                            // An earlier row of these is the object's record: a stored one (updated by that row) comes
                            // first, then that row, then targets after the object.
                            Value.Ref hit = found.get(key);
                            String id = given.get(key);
                            List<String> targets = field.targets();
                            return id == null || hit != null
                                    && targets.indexOf(hit.object()) <= targets.indexOf(object.slug())
                                    ? hit : new Value.Ref(key, object.slug(), id);
                        };
                List<String> missed = new ArrayList<>();
                Value resolved = resolved(v, lookUp, missed);
                if (missed.isEmpty()) {
                    r.values().put(field.slug(), resolved);
                } else if (awaiting != null && refersToItself(field)) {
                    awaiting.computeIfAbsent(r, k -> new LinkedHashMap<>()).put(field.slug(), v);
                    if (resolved == null) {
                        r.values().remove(field.slug());
                    } else {
                        r.values().put(field.slug(), resolved);
                    }
                } else if (missing == Missing.REJECT && putOff != null && refersToItself(field)) {
                    awaited.addAll(missed);
                } else if (missing == Missing.REJECT) {
                    rejections.add(new Violation(r.ordinal(), r.externalId(), field.slug(),
                            ViolationCode.INVALID_FIELD_VALUE, "%s: no %s with external_id \"%s\"".formatted(
                                    field.slug(), String.join(" or ", field.targets()), missed.getFirst())
                                    + rejectedRow(h, field, missed.getFirst())));
                } else if (resolved == null && field.required()) {
                    // Imported without it, the row would leave a required field empty: it is rejected instead.
                    rejections.add(new Violation(r.ordinal(), r.externalId(), field.slug(),
                            ViolationCode.INVALID_FIELD_VALUE, unmatched(field, missed.getFirst())));
                } else {
                    unresolved.computeIfAbsent(field.slug(), f -> new TreeSet<>()).addAll(missed);
                    if (resolved == null) {
                        r.values().remove(field.slug());
                    } else {
                        r.values().put(field.slug(), resolved);
                    }
                }
            }
            if (!rejections.isEmpty()) {
                errors.addAll(rejections);
            } else if (!awaited.isEmpty()) {
                putOff.add(new PutOff(r, awaited));
            } else {
                accepted.add(r);
                if (given != null && r.externalId() != null) {
                    given.put(r.externalId(), records.newId(object));
                }
            }
        }
        return accepted;
    }

    /**
     * Why a value of a required field that matched nothing rejects its row: what it was looked up by, and, when missing
     * records are created, why none was: {@code vendor: no vendor with external_id or name "X"; a vendor is not
     * created from a name, since it needs an external_id}.
     */
    private String unmatched(Field field, String value) {
        String message = "%s: no %s with external_id%s \"%s\"".formatted(field.slug(),
                String.join(" or ", field.targets()), byName ? " or name" : "", value);
        if (missing != Missing.CREATE) {
            return message;
        }
        List<String> why = new ArrayList<>();
        for (String target : field.targets()) {
            ObjectDef def = schema.object(target).orElse(null);
            if (def == null) {
                continue;
            }
            String nameField = nameField(def);
            String lacking = nameField == null ? null : requiredBesides(def, nameField);
            why.add(nameField == null ? "a %s is not created from a name, since it has no name field".formatted(target)
                    : BuiltInObjects.EXTERNAL_ID.equals(lacking)
                            ? "a %s is not created from a name, since it needs an external_id".formatted(target)
                            : "a %s is not created from a name, since its required field %s would be empty"
                                    .formatted(target, lacking));
        }
        return why.isEmpty() ? message : message + "; " + String.join("; ", why);
    }

    /** Whether the field may refer to records of the object itself. */
    private boolean refersToItself(Field field) {
        return field.targets().contains(object.slug());
    }

    /** What the message of a reference to {@code key} adds when a rejected row of this import has that key. */
    private String rejectedRow(Handle h, Field field, String key) {
        if (kept == null || !refersToItself(field)) {
            return "";
        }
        Long line = kept.rejectedLines(h, List.of(key)).get(key);
        return line == null ? "" : "; this import's row with that external_id (line " + line + ") was rejected";
    }

    /**
     * wanted value → resolved reference, for those found (or created).
     *
     * @param completely false to look up external ids only: no names, and nothing created
     * @param ambiguous gets each wanted value that names several records of a target (how many, and of which
     *     target: {@code 2 vendor records}); such a value is neither resolved nor created
     * @param stored gets the id of each stored record found (not those created, nor the ids kept for put-off rows)
     */
    private Map<String, Value.Ref> lookUp(Handle h, Field field, Set<String> wanted, boolean completely,
            Map<String, String> ambiguous, Set<String> stored) {
        Map<String, Value.Ref> found = new HashMap<>();
        for (String target : field.targets()) {
            if (schema.object(target).isEmpty()) {
                continue;
            }
            List<String> open = wanted.stream().filter(w -> !found.containsKey(w)).toList();
            if (open.isEmpty()) {
                break;
            }
            records.idsByExternalId(h, organizationId, target, open).forEach((ext, id) -> {
                found.put(ext, new Value.Ref(ext, target, id));
                stored.add(id);
            });
            if (kept != null && target.equals(object.slug())) {
                // A pending put-off row is the object's record to be: it comes before the targets after the object.
                List<String> stillOpen = open.stream().filter(w -> !found.containsKey(w)).toList();
                if (!stillOpen.isEmpty()) {
                    kept.ids(h, stillOpen).forEach((ext, id) -> found.put(ext, new Value.Ref(ext, target, id)));
                }
            }
            if (foresight != null && target.equals(object.slug())) {
                // A record a row of the file would create, as the look-ups after its last row find it stored.
                for (String w : open) {
                    String id = found.containsKey(w) ? null : foresight.ownId(w);
                    if (!found.containsKey(w) && id != null) {
                        found.put(w, new Value.Ref(w, target, id));
                    }
                }
            }
        }
        for (String target : field.targets()) {
            ObjectDef def = schema.object(target).orElse(null);
            // The id of a record: how an export names a record that has no external_id, so that it imports back.
            List<String> ids = def == null ? List.of()
                    : wanted.stream().filter(w -> !found.containsKey(w) && w.startsWith(def.idPrefix() + "_")).toList();
            if (!ids.isEmpty()) {
                records.externalIdsByIds(h, organizationId, target, ids).forEach((id, ext) -> {
                    found.put(id, new Value.Ref(ext, target, id));
                    stored.add(id);
                });
            }
        }
        if (!byName || !completely) {
            return found;
        }
        for (String target : field.targets()) {
            ObjectDef def = schema.object(target).orElse(null);
            String nameField = def == null ? null : nameField(def);
            List<String> open = wanted.stream().filter(w -> !found.containsKey(w) && !ambiguous.containsKey(w))
                    .toList();
            if (nameField == null || open.isEmpty()) {
                continue;
            }
            Map<String, RecordStore.TextMatch> byText = records.byFieldText(h, organizationId, def, nameField, open);
            if (foresight != null) {
                byText = foreseen(target, byText, open);
            }
            for (String w : open) {
                RecordStore.TextMatch hit = byText.get(w.toLowerCase(Locale.ROOT));
                if (hit != null && hit.matches() > 1) {
                    ambiguous.put(w, hit.matches() + " " + target + " records");
                } else if (hit != null) {
                    // A record without an external_id is referred to by its id alone, never by the name it had
                    // when found: that name may change, or be another record's external_id.
                    found.put(w, new Value.Ref(hit.externalId(), target, hit.id()));
                    stored.add(hit.id());
                }
            }
        }
        if (missing == Missing.CREATE) {
            Set<String> toCreate = new LinkedHashSet<>(wanted);
            toCreate.removeAll(ambiguous.keySet());
            create(h, field, toCreate, found);
        }
        return found;
    }

    /** Creates a record named by each value still unresolved, in the field's first target that has a name field. */
    private void create(Handle h, Field field, Set<String> wanted, Map<String, Value.Ref> found) {
        for (String target : field.targets()) {
            ObjectDef def = schema.object(target).orElse(null);
            String nameField = def == null ? null : nameField(def);
            if (nameField == null || requiredBesides(def, nameField) != null) {
                // A record with only its name would break the target's own required fields.
                continue;
            }
            // One record per name ignoring case, named as its first value spells it: names are looked up so, and
            // two records "Acme" and "ACME" would make every later look-up of either ambiguous.
            Map<String, String> firstSpelling = new LinkedHashMap<>();
            wanted.stream().filter(w -> !found.containsKey(w))
                    .forEach(w -> firstSpelling.putIfAbsent(w.toLowerCase(Locale.ROOT), w));
            List<String> open = List.copyOf(firstSpelling.values());
            if (foresight != null) {
                foresee(field, target, open);
            } else {
                createAll(h, def, nameField, open, wanted, found, target);
            }
            for (String w : wanted) {
                Value.Ref made = foresight == null ? null
                        : foresight.created.getOrDefault(target, Map.of()).get(w.toLowerCase(Locale.ROOT));
                if (!found.containsKey(w) && made != null) {
                    found.put(w, made);
                }
            }
            return;
        }
    }

    /** Notes the records {@code open} would create in {@code target}, one per name, as {@link #create} would. */
    private void foresee(Field field, String target, List<String> open) {
        Map<String, Value.Ref> made = foresight.created.computeIfAbsent(target, t -> new HashMap<>());
        for (String name : open) {
            made.put(name.toLowerCase(Locale.ROOT), new Value.Ref(null, target, "new " + target + " " + made.size()));
            TreeSet<String> listed = foresight.createdValues.computeIfAbsent(field.slug(), f -> new TreeSet<>());
            listed.add(name);
            if (listed.size() > Foresight.LISTED) {
                // Only the first are listed; the records themselves are all remembered above.
                listed.pollLast();
            }
        }
    }

    /**
     * The stored records' names as a validation would find them after execution: with the records it foresees created
     * (from a name, or by the file's rows for the object itself) among them.
     */
    private Map<String, RecordStore.TextMatch> foreseen(String target, Map<String, RecordStore.TextMatch> stored,
            List<String> open) {
        Map<String, RecordStore.TextMatch> out = new HashMap<>(stored);
        Map<String, Value.Ref> made = foresight.created.getOrDefault(target, Map.of());
        for (String w : open) {
            String key = w.toLowerCase(Locale.ROOT);
            RecordStore.TextMatch hit = out.get(key);
            int more = (made.containsKey(key) ? 1 : 0)
                    + (target.equals(object.slug()) ? foresight.ownNamed(key) : 0);
            if (more == 0) {
                continue;
            }
            String id = made.containsKey(key) ? made.get(key).id() : "new " + target + " " + key;
            out.put(key, hit == null ? new RecordStore.TextMatch(id, null, more)
                    : new RecordStore.TextMatch(hit.id(), hit.externalId(), hit.matches() + more));
        }
        return out;
    }

    /** Creates the records named by {@code open} in {@code target}, and refers each wanted value to its own. */
    private void createAll(Handle h, ObjectDef def, String nameField, List<String> open, Set<String> wanted,
            Map<String, Value.Ref> found, String target) {
        List<RecordWrite> writes = new ArrayList<>(open.size());
        for (String name : open) {
            Map<String, Value> values = new LinkedHashMap<>();
            values.put(nameField, new Value.Text(name));
            writes.add(new RecordWrite(null, values));
        }
        List<UpsertOutcome> outcomes = records.upsert(h, organizationId, def, writes, importId);
        Map<String, String> created = new HashMap<>();
        for (int i = 0; i < open.size(); i++) {
            created.put(open.get(i).toLowerCase(Locale.ROOT), outcomes.get(i).id());
        }
        for (String w : wanted) {
            String id = created.get(w.toLowerCase(Locale.ROOT));
            if (!found.containsKey(w) && id != null) {
                found.put(w, new Value.Ref(null, target, id));
            }
        }
    }

    /** The objects the reference fields of {@code object} may name a record of by its name, with that name field. */
    static Map<ObjectDef, String> byNameTargets(Schema schema, ObjectDef object) {
        Map<ObjectDef, String> out = new LinkedHashMap<>();
        for (Field field : object.fields()) {
            if (field.type() != FieldType.REFERENCE) {
                continue;
            }
            for (String target : field.targets()) {
                schema.object(target).ifPresent(def -> {
                    String name = nameField(def);
                    if (name != null) {
                        out.put(def, name);
                    }
                });
            }
        }
        return out;
    }

    /**
     * The first required field of {@code def} other than {@code nameField} (its external_id among them), which a
     * record created from a name alone would leave empty; null when there is none.
     */
    private static String requiredBesides(ObjectDef def, String nameField) {
        return def.fields().stream().filter(f -> f.required() && !f.slug().equals(nameField)).map(Field::slug)
                .findFirst().orElse(null);
    }

    /** The field that names a record of {@code def}: {@code displayName} or {@code name}, when it is text. */
    static String nameField(ObjectDef def) {
        for (String candidate : List.of("displayName", "name")) {
            if (def.field(candidate).filter(f -> f.type() == FieldType.TEXT).isPresent()) {
                return candidate;
            }
        }
        return null;
    }

    /** The value with its references resolved; unknown ones are left out and added to {@code missed}. */
    private static Value resolved(Value v, Function<String, Value.Ref> found, List<String> missed) {
        if (v instanceof Value.Many many) {
            List<Value> out = new ArrayList<>();
            for (Value item : many.values()) {
                Value r = resolved(item, found, missed);
                if (r != null) {
                    out.add(r);
                }
            }
            return out.isEmpty() ? null : new Value.Many(out);
        }
        if (v instanceof Value.Ref ref) {
            Value.Ref hit = found.apply(ref.text());
            if (hit == null) {
                missed.add(ref.text());
            }
            return hit;
        }
        return v;
    }

    /** The references a value holds: itself, the items of a list, or none. */
    static List<Value.Ref> refs(Value v) {
        if (v instanceof Value.Ref r) {
            return List.of(r);
        }
        if (v instanceof Value.Many many) {
            return many.values().stream().flatMap(x -> refs(x).stream()).toList();
        }
        return List.of();
    }
}
