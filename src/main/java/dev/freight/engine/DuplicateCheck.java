package dev.freight.engine;

import dev.freight.engine.ExecuteOptions.DuplicateStrategy;
import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.Field;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.Value;
import dev.freight.store.Database;
import dev.freight.store.Handle;
import dev.freight.store.RecordStore;
import dev.freight.store.RecordStore.Existing;
import dev.freight.store.ValueJson;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * The validate step's account of what execution's {@link MatchingWriter} does with each valid row by the duplicate
 * strategy and match fields: applies it, skips it as a duplicate, or rejects it ({@code duplicate_external_id},
 * {@code ambiguous_match}, {@code missing_required_field} by the record it writes) with the same message, against
 * the stored records and the earlier rows of the file alike.
 * It reads stored records and writes nothing: the rows the file would create or update are followed in memory, by
 * their match keys only (execution's index holds those too). References are resolved before (execution rejects a row
 * for one before it matches it). Rows come in file order, a chunk at a time. Not thread-safe; one per validation.
 *
 * <p>Which external ids are taken (by a stored record or an earlier row) is known exactly without keeping every one:
 * a prescan of the file gives the 64-bit hashes ({@link KeyHashes}) that more than one of its rows' keys have. A key
 * whose hash is not among them is the only one of the file with its text, so no earlier row took it, and only the
 * database (read a chunk at a time) can have it; only keys whose hash is repeated are kept, as text, and compared
 * exactly, as execution's second look at the keys does. A collision therefore costs the colliding keys' text, never a
 * verdict.
 *
 * <p>Without such a prescan ({@link #onePass}), the check takes the file's keys as they come, keeping each taken key's
 * hash with the row that took it ({@link HashOrdinals}, 16 bytes a key, no text): a key whose hash no earlier row took
 * is new to the file; one whose hash an earlier row took is refused as taken, and its text kept. That refusal holds
 * when the key is the one that row took, which only a read of that row's key can tell: {@link #toConfirm} names those
 * rows, and {@link #confirms} says whether each refusal held. When one did not (two keys of the file share a hash),
 * the verdicts are not execution's, and the caller validates again with a prescan.
 */
final class DuplicateCheck {

    /**
     * What execution would do with one valid row: apply it (no violations, not skipped), skip it, or reject it. An
     * applied row names the record it writes ({@code record}: the same text for every row writing the same record) and
     * the row of the file that creates it ({@code createdBy}: the row itself when it creates it, {@link #STORED} when
     * a stored record is written); {@code warning} is the external_id_not_changed message execution would give it, or
     * null.
     */
    record Verdict(boolean skipped, List<Violation> violations, String record, long createdBy, String warning) {
        static final Verdict SKIPPED = new Verdict(true, List.of(), null, STORED, null);

        static Verdict rejected(Violation violation) {
            return rejected(List.of(violation));
        }

        static Verdict rejected(List<Violation> violations) {
            return new Verdict(false, violations, null, STORED, null);
        }

        static Verdict applied(String record, long createdBy) {
            return new Verdict(false, List.of(), record, createdBy, null);
        }
    }

    /** {@link Verdict#createdBy} of a row writing a stored record: no row of the file creates it. */
    static final long STORED = -1;

    /** A record a row finds: stored (with its id), or one an earlier row of the file would create. */
    private static final class Target {
        final String id;
        /** The row of the file that would create it; {@link #STORED} for a stored record. */
        final long createdBy;
        String externalId;
        /** The values of its match fields only: they alone give its keys, and a merge combines field by field. */
        Map<String, Value> values;
        /** The required fields it has no value for: a stored record's; none once a row of the file writes it. */
        Set<String> lacking;

        Target(String id, long createdBy, String externalId, Map<String, Value> values, Set<String> lacking) {
            this.id = id;
            this.createdBy = createdBy;
            this.externalId = externalId;
            this.values = values;
            this.lacking = lacking;
        }
    }

    private final Database database;
    private final RecordStore records;
    private final ObjectDef object;
    private final String organizationId;
    private final ExecuteOptions options;
    private final List<String> matchFields;
    private final boolean byExternalId;
    /** The index of stored records by the match fields, as execution builds it; null for external_id or none. */
    private final RecordMatcher matcher;
    /** Matching by other fields: the records the rows found or would create, by id. */
    private Map<String, Target> targets = new HashMap<>();
    /**
     * The hashes more than one row's external_id of the file has: only keys with one of them can be taken twice. Null
     * for a check in {@link #onePass}.
     */
    private final Set<Long> repeatedHashes;
    /** One pass: the hash of each key a row took, with the first row that took a key of that hash. */
    private HashOrdinals takers = new HashOrdinals();
    /** One pass: the keys refused because an earlier row took a key of their hash, by hash. */
    private Map<Long, Set<String>> refused = new HashMap<>();
    /** One pass: the first row refused so; {@link Long#MAX_VALUE} while none is. */
    private long firstRefused = Long.MAX_VALUE;
    private final ToLongFunction<String> hash;
    /**
     * The external ids with a repeated hash that a stored record or an earlier row of the file has, as text, each with
     * the row that took it ({@link #STORED} for a stored record's): the file's repeated keys (and any that share a hash
     * with one), not all its keys.
     */
    private Map<String, Long> taken = new HashMap<>();
    /**
     * Matching by external_id: the required fields each stored record that lacks some and that a row updates lacks,
     * by its external_id (none once a row of the file wrote it); only records a row without such a field meets.
     */
    private Map<String, Set<String>> lacking = new HashMap<>();

    /**
     * @param repeatedHashes {@link KeyHashes#repeated()} of the external ids of every row the check will be given
     * @param hash what made those hashes: {@link KeyHashes#hash}, or a test's that makes keys collide
     */
    DuplicateCheck(Database database, RecordStore records, ObjectDef object, String organizationId,
            ExecuteOptions options, Set<Long> repeatedHashes, ToLongFunction<String> hash) {
        this.repeatedHashes = repeatedHashes == null ? null : Set.copyOf(repeatedHashes);
        this.hash = hash;
        this.database = database;
        this.records = records;
        this.object = object;
        this.organizationId = organizationId;
        this.options = options;
        this.matchFields = options.effectiveMatchFields(object);
        this.byExternalId = matchFields.equals(List.of(BuiltInObjects.EXTERNAL_ID));
        this.matcher = matchFields.isEmpty() || byExternalId ? null
                : database.withHandle(h -> RecordMatcher.load(h, records, organizationId, object, matchFields));
    }

    /**
     * A check given the rows with no prescan of their keys: its verdicts hold once {@link #confirms} says so of the
     * key of every row {@link #toConfirm} names.
     */
    static DuplicateCheck onePass(Database database, RecordStore records, ObjectDef object, String organizationId,
            ExecuteOptions options, ToLongFunction<String> hash) {
        return new DuplicateCheck(database, records, object, organizationId, options, null, hash);
    }

    /**
     * One pass: the rows (by ordinal) that first took a key of the hash of a key refused since; their keys tell
     * whether the refusals held ({@link #confirms}). Empty when no key was refused so, or with a prescan.
     */
    Set<Long> toConfirm() {
        Set<Long> ordinals = new HashSet<>();
        refused.keySet().forEach(h -> ordinals.add(takers.get(h)));
        return ordinals;
    }

    /**
     * One pass: the first row whose key was refused by its hash (the first verdict that may not hold, and those after
     * it may rest on it); {@link Long#MAX_VALUE} when none was, or with a prescan.
     */
    long firstUnconfirmed() {
        return firstRefused;
    }

    /**
     * One pass: whether {@code key}, the key of a row {@link #toConfirm} named, is the key of every row refused for
     * its hash, so that those rows were refused as execution refuses them.
     */
    boolean confirms(String key) {
        Set<String> keys = refused.get(hash.applyAsLong(key));
        return keys == null || keys.equals(Set.of(key));
    }

    /** The verdicts on {@code rows}, valid rows in file order after those of the earlier calls: one each, in order. */
    List<Verdict> check(List<ParsedRow> rows) {
        return byExternalId ? byExternalId(rows) : byOtherFields(rows);
    }

    private List<Verdict> byExternalId(List<ParsedRow> rows) {
        Set<String> stored = database.withHandle(h -> {
            Set<String> found = stored(h, rows);
            readLacking(h, rows);
            return found;
        });
        List<Verdict> out = new ArrayList<>(rows.size());
        for (ParsedRow row : rows) {
            String key = row.externalId();
            long holder = key == null ? row.ordinal() : holder(key, stored, row.ordinal());
            if (holder == row.ordinal() || options.duplicateStrategy() == DuplicateStrategy.CREATE) {
                // A row that would create a record without a required field takes no key: execution's creates none.
                List<Violation> missing = row.missingOn(f -> false, options.mergeMode());
                if (!missing.isEmpty()) {
                    out.add(Verdict.rejected(missing));
                    continue;
                }
            }
            long takenBy = key == null ? row.ordinal() : take(key, stored, row.ordinal());
            if (takenBy != row.ordinal() && options.duplicateStrategy() == DuplicateStrategy.UPDATE) {
                Set<String> lacks = takenBy == STORED ? lacking.getOrDefault(key, Set.of()) : Set.of();
                List<Violation> missing = row.missingOn(f -> !lacks.contains(f), options.mergeMode());
                if (!missing.isEmpty()) {
                    out.add(Verdict.rejected(missing));
                    continue;
                }
                if (!lacks.isEmpty()) {
                    lacking.put(key, Set.of());
                }
            }
            if (key == null) {
                out.add(Verdict.applied("row " + row.ordinal(), row.ordinal()));
            } else if (takenBy == row.ordinal()) {
                out.add(Verdict.applied(key, takenBy));
            } else if (options.duplicateStrategy() == DuplicateStrategy.SKIP) {
                out.add(Verdict.SKIPPED);
            } else if (options.duplicateStrategy() == DuplicateStrategy.CREATE) {
                out.add(Verdict.rejected(new Violation(row.ordinal(), key, BuiltInObjects.EXTERNAL_ID,
                        ViolationCode.DUPLICATE_EXTERNAL_ID,
                        MatchingWriter.takenMessage(options.duplicateStrategy(), matchFields, key))));
            } else {
                out.add(Verdict.applied(key, takenBy));
            }
        }
        return out;
    }

    private List<Verdict> byOtherFields(List<ParsedRow> rows) {
        Set<String> stored = load(rows);
        DuplicateStrategy strategy = options.duplicateStrategy();
        List<Verdict> out = new ArrayList<>(rows.size());
        for (ParsedRow row : rows) {
            List<Target> found = found(row);
            if (found.size() > 1 && strategy == DuplicateStrategy.UPDATE) {
                out.add(Verdict.rejected(MatchingWriter.ambiguousMatch(row, matchFields, found.size())));
                continue;
            }
            Target match = found.isEmpty() ? null : found.getFirst();
            if (match != null && strategy == DuplicateStrategy.SKIP) {
                out.add(Verdict.SKIPPED);
                continue;
            }
            Target updated = match != null && strategy == DuplicateStrategy.UPDATE ? match : null;
            List<Violation> missing = row.missingOn(updated == null ? f -> false : f -> !updated.lacking.contains(f),
                    options.mergeMode());
            if (!missing.isEmpty()) {
                out.add(Verdict.rejected(missing));
                continue;
            }
            if (updated != null) {
                String given = row.externalId();
                List<String> before = keysOf(match);
                String warning = null;
                if (given != null && !given.equals(match.externalId) && match.externalId != null) {
                    warning = MatchingWriter.notChangedMessage(matchFields, given, match.externalId);
                } else if (given != null && !given.equals(match.externalId)) {
                    if (take(given, stored, row.ordinal()) != row.ordinal()) {
                        out.add(Verdict.rejected(new Violation(row.ordinal(), given, BuiltInObjects.EXTERNAL_ID,
                                ViolationCode.DUPLICATE_EXTERNAL_ID,
                                MatchingWriter.takenByAnotherMessage(matchFields, given))));
                        continue;
                    }
                    match.externalId = given;
                }
                match.values = Merging.merge(options.mergeMode(), match.values, matchValues(row.values()),
                        row.cleared());
                match.lacking = Set.of();
                rekey(match, before);
                out.add(new Verdict(false, List.of(), match.id, match.createdBy, warning));
                continue;
            }
            if (row.externalId() != null && take(row.externalId(), stored, row.ordinal()) != row.ordinal()) {
                out.add(Verdict.rejected(new Violation(row.ordinal(), row.externalId(), BuiltInObjects.EXTERNAL_ID,
                        ViolationCode.DUPLICATE_EXTERNAL_ID,
                        MatchingWriter.takenMessage(strategy, matchFields, row.externalId()))));
                continue;
            }
            String made = "row " + row.ordinal();
            if (matcher != null && strategy != DuplicateStrategy.CREATE) {
                // A later row with its keys finds it, as execution's index does once the row's chunk commits.
                Target target = new Target(made, row.ordinal(), row.externalId(), matchValues(row.values()),
                        Set.of());
                targets.put(made, target);
                rekey(target, List.of());
            }
            out.add(Verdict.applied(made, row.ordinal()));
        }
        return out;
    }

    /**
     * Reads what the rows may meet among the stored records: the records holding their keys that were not read yet,
     * and which of their external ids a stored record has ({@link #stored}), which it returns.
     */
    private Set<String> load(List<ParsedRow> rows) {
        Set<String> ids = new LinkedHashSet<>();
        if (matcher != null) {
            for (ParsedRow row : rows) {
                matcher.all(matcher.keys(row.values(), row.externalId())).stream()
                        .filter(id -> !targets.containsKey(id)).forEach(ids::add);
            }
        }
        return database.withHandle(h -> {
            if (!ids.isEmpty()) {
                for (Existing e : records.existingByIds(h, organizationId, ids).values()) {
                    Map<String, Value> values = ValueJson.decode(e.data(), object);
                    targets.put(e.id(), new Target(e.id(), STORED, e.externalId(), matchValues(values),
                            lacking(e.externalId(), values)));
                }
            }
            return stored(h, rows);
        });
    }

    /**
     * The external ids of {@code rows} that a stored record has, but for those already known taken; those with a
     * repeated hash are kept taken from here on (a later chunk's row may have them too), the others are asked once:
     * no other row of the file has them.
     */
    private Set<String> stored(Handle h, List<ParsedRow> rows) {
        Set<String> unknown = new LinkedHashSet<>();
        for (ParsedRow row : rows) {
            if (row.externalId() != null && !taken.containsKey(row.externalId())) {
                unknown.add(row.externalId());
            }
        }
        if (unknown.isEmpty()) {
            return Set.of();
        }
        Set<String> stored = records.idsByExternalId(h, organizationId, object.slug(), unknown).keySet();
        for (String key : stored) {
            if (repeatedHashes != null && repeated(key)) {
                taken.put(key, STORED);
            }
        }
        return stored;
    }

    /**
     * Reads, for the rows that would update a record by their external_id without a value for a required field, the
     * required fields of the stored records they name that those records have no value for, unless known already.
     */
    private void readLacking(Handle h, List<ParsedRow> rows) {
        if (options.duplicateStrategy() != DuplicateStrategy.UPDATE) {
            return;
        }
        Set<String> keys = new LinkedHashSet<>();
        for (ParsedRow row : rows) {
            String key = row.externalId();
            if (!row.missingRequired().isEmpty() && key != null && !lacking.containsKey(key)) {
                keys.add(key);
            }
        }
        if (keys.isEmpty()) {
            return;
        }
        records.existing(h, organizationId, object.slug(), keys).forEach((key, e) -> {
            Set<String> lacks = lacking(e.externalId(), ValueJson.decode(e.data(), object));
            if (!lacks.isEmpty()) {
                lacking.put(key, lacks);
            }
        });
    }

    /** The required fields a stored record with {@code externalId} and {@code values} has no value for. */
    private Set<String> lacking(String externalId, Map<String, Value> values) {
        Set<String> lacks = new HashSet<>();
        for (Field f : object.requiredFields()) {
            if (f.slug().equals(BuiltInObjects.EXTERNAL_ID) ? externalId == null : !values.containsKey(f.slug())) {
                lacks.add(f.slug());
            }
        }
        return lacks.isEmpty() ? Set.of() : lacks;
    }

    /**
     * Who has {@code key} now, as {@link #take} would say, taking nothing: {@code ordinal} when no stored record nor
     * earlier row has it, else {@link #STORED} or the earlier row (in {@link #onePass}, the one that took its hash).
     */
    private long holder(String key, Set<String> stored, long ordinal) {
        if (repeatedHashes != null && repeated(key)) {
            return taken.getOrDefault(key, ordinal);
        }
        if (stored.contains(key)) {
            return STORED;
        }
        if (repeatedHashes != null) {
            return ordinal;
        }
        long by = takers.get(hash.applyAsLong(key));
        return by == 0 ? ordinal : by;
    }

    /**
     * Takes {@code key} for the row {@code ordinal}: returns {@code ordinal} when no stored record ({@code stored}:
     * this chunk's, from {@link #stored}) nor earlier row had it, else {@link #STORED} or the earlier row. A key whose
     * hash no other row's key has is the file's only one, so only {@code stored} decides; one whose hash is repeated is
     * looked up and kept as text. In {@link #onePass}, a key whose hash an earlier row took is refused, to be
     * confirmed, as that row's.
     */
    private long take(String key, Set<String> stored, long ordinal) {
        if (repeatedHashes != null && repeated(key)) {
            Long before = taken.putIfAbsent(key, ordinal);
            return before == null ? ordinal : before;
        }
        if (stored.contains(key)) {
            return STORED;
        }
        if (repeatedHashes != null) {
            return ordinal;
        }
        long h = hash.applyAsLong(key);
        if (takers.add(h, ordinal)) {
            return ordinal;
        }
        refused.computeIfAbsent(h, x -> new HashSet<>()).add(key);
        firstRefused = Math.min(firstRefused, ordinal);
        return takers.get(h);
    }

    /**
     * Lets go of what the check keeps of the rows (their keys' hashes, the keys kept as text, the records they found or
     * would create) once every row is checked and its refusals confirmed: validate's work after the last row needs
     * none of it, and would otherwise hold it beside its own (a 100 MiB file of 5,242,880 rows: 256 MiB of hashes).
     * No row may be checked after it.
     */
    void release() {
        targets = new HashMap<>();
        takers = new HashOrdinals();
        refused = new HashMap<>();
        taken = new HashMap<>();
        lacking = new HashMap<>();
    }

    /** The bytes the hashes of the keys the rows took take in memory: 16 a slot (a test's look at it). */
    long keyHashBytes() {
        return takers.bytes();
    }

    /** How many external ids it keeps as text (a test's look at what the check holds). */
    int keptKeys() {
        return taken.size();
    }

    private boolean repeated(String key) {
        return repeatedHashes.contains(hash.applyAsLong(key));
    }

    /** The records holding the row's keys, each once; a stored one deleted since the index was built holds none. */
    private List<Target> found(ParsedRow row) {
        List<Target> found = new ArrayList<>(1);
        if (matcher != null) {
            for (String id : matcher.all(matcher.keys(row.values(), row.externalId()))) {
                Target t = targets.get(id);
                if (t != null) {
                    found.add(t);
                }
            }
        }
        return found;
    }

    private Map<String, Value> matchValues(Map<String, Value> values) {
        Map<String, Value> out = new LinkedHashMap<>();
        for (String f : matchFields) {
            if (values.containsKey(f)) {
                out.put(f, values.get(f));
            }
        }
        return out;
    }

    private List<String> keysOf(Target target) {
        return matcher == null ? List.of() : matcher.keys(target.values, target.externalId);
    }

    /** Moves {@code target} in the index from the keys it had ({@code before}) to those it has now. */
    private void rekey(Target target, List<String> before) {
        if (matcher == null) {
            return;
        }
        List<String> after = keysOf(target);
        before.stream().filter(k -> !after.contains(k)).forEach(k -> matcher.remove(k, target.id));
        after.stream().filter(k -> !before.contains(k)).forEach(k -> matcher.add(k, target.id));
    }
}
