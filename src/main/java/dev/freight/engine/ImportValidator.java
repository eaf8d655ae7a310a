package dev.freight.engine;

import dev.freight.engine.PendingLinks.Link;
import dev.freight.ingest.IngestException;
import dev.freight.ingest.RowReader;
import dev.freight.ingest.SourceRow;
import dev.freight.ingest.TemporaryFileUnwritable;
import dev.freight.ingest.TemporaryFiles;
import dev.freight.schema.Field;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.FieldType;
import dev.freight.schema.Schema;
import dev.freight.schema.Value;
import dev.freight.store.Database;
import dev.freight.store.ImportEnums.Action;
import dev.freight.store.ImportStore;
import dev.freight.store.RecordStore;
import dev.freight.store.ValueJson;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToLongFunction;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The file import workflow's validate step (seed 003): maps and coerces every row exactly as an execution would,
 * resolves its references as execution does (by external_id, record id, then name: {@link ReferenceResolver}, which
 * here creates nothing and notes what execution would create), and applies execution's duplicate rules (the strategy
 * and match fields, against the stored records and the file's earlier rows: {@link DuplicateCheck}), reading records
 * and storing nothing. A reference to a record of the object itself that nothing stored has yet is resolved after the
 * last row, as execution adds such links, with the records the file's rows would create among the stored ones.
 * Thread-safe; each validation keeps its own state.
 */
public final class ImportValidator {

    /**
     * One rejected value: 1-based data row, its line in the source as the errors files give it (a CSV's line, a sheet's
     * row number, the position of a sent row), field, the raw value, and why.
     */
    public record Problem(long row, long line, String field, Object value, String code, String message) {}

    /** A warning about the whole mapping or a column (row null) or a row. */
    public record Warning(Long row, String field, String code, String message) {}

    /**
     * The verdict. {@code errors} holds at most {@code maxErrors} problems in row order (a row with several problems
     * has one for each); {@code errorsTruncated} says whether it leaves problems out, {@code warningsTruncated}
     * whether {@code warnings} leaves out row warnings (it lists at most {@code maxErrors}). The counts are exact:
     * {@code validRows} are the rows execution would create, update or leave unchanged, {@code errorRows} those it
     * would reject, {@code skippedRows} those it would skip as duplicates (duplicateStrategy skip).
     * {@code referenceWarnings} are the values execution would list as unresolved (field → the first
     * {@value #MAX_REFERENCE_WARNINGS} values in order, as execution's answer lists them, and one more when there are
     * more, as execution keeps them: {@link dev.freight.store.ImportStore#referenceWarnings}), {@code createdReferences}
     * those it would create a record for (createMissingReferences; field → values, as their first rows spell them).
     * {@code rowWarningsCount} is how many row warnings execution would give in all (those {@code warnings} lists and
     * those it leaves out), {@code unresolvedValueCounts} how many distinct values of each field of
     * {@code referenceWarnings} would match nothing, as execution counts them
     * ({@link dev.freight.store.ImportStore#findingCounts}).
     */
    public record Report(long totalRows, long validRows, long errorRows, long skippedRows, List<Problem> errors,
            boolean errorsTruncated, List<Warning> warnings, Map<String, List<String>> referenceWarnings,
            Map<String, List<String>> createdReferences, boolean warningsTruncated, long rowWarningsCount,
            Map<String, Long> unresolvedValueCounts) {

        public boolean isValid() {
            return errorRows == 0;
        }
    }

    /**
     * One rejected row: its 1-based data row, source line (as the execute step's errors file gives it), external_id
     * (null when unknown), every problem in order, and its original cells.
     */
    public record Rejected(long row, long line, String externalId, List<Problem> problems,
            Map<String, Object> cells) {}

    /**
     * Where validation hands every rejected row, in row order, so that none need be kept in memory: {@link #start}
     * once with the source's headers, then {@link #add} for each rejected one. Rows are handed over as they are read,
     * but for those from a row whose reference to a later row of the file may reject it after the last row, or from a
     * row whose key the duplicate check refused by its hash alone, on: those wait in a temporary file until the end, so
     * that such a row comes in its place, and none is handed over that a validation again would not give the same way.
     * Called on the validating thread.
     */
    public interface Rejections {

        /** Takes no rows. */
        Rejections NONE = new Rejections() {
            @Override
            public void start(List<String> headers) {}

            @Override
            public void add(Rejected row) {}
        };

        void start(List<String> headers) throws IOException;

        void add(Rejected row) throws IOException;
    }

    /** Rows checked against the stored records at a time, as execution writes them. */
    private static final int CHUNK = 1_000;

    /** How many unresolved (or created) values of a field a report lists, as execution's answer does. */
    public static final int MAX_REFERENCE_WARNINGS = ReferenceResolver.Foresight.LISTED;

    private final int maxErrors;
    private final Database database;
    private final RecordStore records;
    private final Schema schema;
    private final String organizationId;
    private final ToLongFunction<String> keyHash;
    private final Path temporaryDir;
    /**
     * The most external ids and names of the records the file's rows would create that the last validation awaiting
     * links held in memory at once as text ({@link OwnRecords#mostHeld}); 0 before one.
     */
    private volatile int mostOwnHeld;
    /** The most problems, or row warnings, the last validation held at once ({@code Tally.mostHeld}); 0 before one. */
    private volatile int mostNotesHeld;
    /** The most rows rejected after the last row the last validation held at once, with why; 0 before one. */
    private volatile int mostLateHeld;
    /** The bytes of key hashes the last validation's duplicate check held after its last row; 0 before one. */
    private volatile long keyHashBytesAfterRows;

    /**
     * @param maxErrors how many problems (and row warnings) a report lists at most
     * @param schema the organization's objects, which references name records of
     * @param organizationId whose stored records execution would match the rows with
     * @param temporaryDir where the rows rejected after a row that awaits a later row wait for it, in a file
     *     ({@code FREIGHT_TEMP_DIR}, {@link dev.freight.ingest.WorkbookLimits#temporaryDir}); one that cannot be created
     *     or written there fails the validation with {@link TemporaryFileUnwritable}
     */
    public ImportValidator(int maxErrors, Database database, RecordStore records, Schema schema,
            String organizationId, Path temporaryDir) {
        this(maxErrors, database, records, schema, organizationId, temporaryDir, KeyHashes::hash);
    }

    /** See {@link #mostOwnHeld}: what memory held of the records the file's rows would create, however many. */
    int mostOwnHeld() {
        return mostOwnHeld;
    }

    /** See {@link #mostNotesHeld}: however many rows are rejected or warned about, at most twice the listed. */
    int mostNotesHeld() {
        return mostNotesHeld;
    }

    /** See {@link #mostLateHeld}: however many rows are rejected after the last row, a batch of links' at most. */
    int mostLateHeld() {
        return mostLateHeld;
    }

    /** See {@link #keyHashBytesAfterRows}: however many rows took a key, those of an empty check. */
    long keyHashBytesAfterRows() {
        return keyHashBytesAfterRows;
    }

    /** Hashing external ids with {@code keyHash} instead of {@link KeyHashes#hash}: a test's, to make keys collide. */
    ImportValidator(int maxErrors, Database database, RecordStore records, Schema schema, String organizationId,
            Path temporaryDir, ToLongFunction<String> keyHash) {
        this.keyHash = keyHash;
        this.temporaryDir = temporaryDir;
        this.maxErrors = maxErrors;
        this.database = database;
        this.records = records;
        this.schema = schema;
        this.organizationId = organizationId;
    }

    /**
     * Validates every row of the source. When a date or number column is mapped, a first pass infers the format of
     * each (an ambiguous one is a warning) and hashes the rows' external ids (which of them {@link DuplicateCheck}
     * must compare as text), and a second maps and coerces each row. Otherwise one pass does it all, hashing the keys
     * as they come; when a key's hash is one an earlier row's key has, the keys of the rows that took those hashes are
     * read once more to confirm that they are the same keys, and if two are not, the rows are validated again with a
     * first pass.
     */
    public Report validate(ObjectDef object, ExecuteOptions options, ImportPipeline.RowSource source)
            throws IOException {
        return validate(object, options, source, Rejections.NONE);
    }

    /**
     * As {@link #validate(ObjectDef, ExecuteOptions, ImportPipeline.RowSource)}, handing every rejected row to
     * {@code rejections} in row order (the report still lists only the first problems).
     */
    public Report validate(ObjectDef object, ExecuteOptions options, ImportPipeline.RowSource source,
            Rejections rejections) throws IOException {
        ColumnFormats formats = new ColumnFormats(object, options);
        long handed = 0;
        if (formats.isEmpty()) {
            Attempt once = validate(object, options, List.of(), source, rejections, null, 0);
            if (once.report() != null) {
                return once.report();
            }
            // Two keys of the file share a hash: a first pass finds them, and the check compares them as text. The
            // rows handed over already come before the first refusal in doubt: their verdicts stand.
            handed = once.handedBefore();
        }
        // Date formats do not change which column is the key, nor how it is read.
        RowTransformer keys = new RowTransformer(object, ColumnPlan.of(object, options), Action.MERGE, false,
                RowTransformer.FormatChecks.ON, ColumnFormats.Readers.NONE,
                RowTransformer.RequiredFields.RECORD_WRITTEN);
        KeyHashes hashes = new KeyHashes();
        try (RowReader reader = source.open()) {
            if (formats.isEmpty()) {
                keys.readKeysOnly(reader);
            }
            Rows rows = new Rows(reader);
            for (SourceRow row = rows.next(); row != null; row = rows.next()) {
                if (rows.rejection() == null) {
                    formats.accept(row.cells());
                    String key = keys.externalIdOf(row.cells());
                    if (key != null) {
                        hashes.add(keyHash.applyAsLong(key));
                    }
                }
            }
        }
        ExecuteOptions withFormats = options;
        List<Warning> formatWarnings = new ArrayList<>();
        if (!formats.isEmpty()) {
            withFormats = options.withDateFormats(formats.formats());
            formats.findings().forEach(f -> formatWarnings.add(new Warning(null, f.field(), f.code(), f.message())));
        }
        return validate(object, withFormats, formatWarnings, source, rejections, hashes.repeated(), handed).report();
    }

    /**
     * What one validation of the rows gave: its report, or null when a duplicate check in one pass found one of its
     * refusals wrong; then {@code handedBefore}: the rows before that one were handed to the errors files already.
     */
    private record Attempt(Report report, long handedBefore) {}

    /**
     * Validates the rows with {@code options}' formats. With {@code repeatedHashes} (a first pass's), the verdicts are
     * final; without (null), the duplicate check takes the keys as they come, the rows from its first refusal of a key
     * by its hash on are held back until the refusals are confirmed, and the attempt has no report when one is not.
     *
     * @param handedBefore the rows before this one were handed to {@code rejections} already, by an attempt before
     */
    private Attempt validate(ObjectDef object, ExecuteOptions options, List<Warning> formatWarnings,
            ImportPipeline.RowSource source, Rejections rejections, Set<Long> repeatedHashes, long handedBefore)
            throws IOException {
        List<Warning> warnings = new ArrayList<>(mappingWarnings(object, options));
        warnings.addAll(formatWarnings);
        RowTransformer transformer = new RowTransformer(object, ColumnPlan.of(object, options), Action.MERGE, false,
                options.skipValidation() ? RowTransformer.FormatChecks.OFF : RowTransformer.FormatChecks.ON,
                ColumnFormats.readers(options), RowTransformer.RequiredFields.RECORD_WRITTEN);
        Map<String, List<ExecuteOptions.ColumnMap>> columnsByField = new HashMap<>();
        options.columns().forEach(c -> columnsByField.computeIfAbsent(c.field(), f -> new ArrayList<>()).add(c));
        DuplicateCheck duplicates = repeatedHashes == null
                ? DuplicateCheck.onePass(database, records, object, organizationId, options, keyHash)
                : new DuplicateCheck(database, records, object, organizationId, options, repeatedHashes, keyHash);
        ReferenceResolver.Foresight foresight = new ReferenceResolver.Foresight();
        // Names are looked up as execution looks them up, through the index it creates (a look-up, not a record).
        database.withHandle(h -> {
            ReferenceResolver.byNameTargets(schema, object).forEach((target, field) ->
                    records.ensureTextIndex(h, target, field));
            return null;
        });
        ReferenceResolver references = new ReferenceResolver(records, schema, object, organizationId,
                options.createMissingReferences() ? ReferenceResolver.Missing.CREATE : ReferenceResolver.Missing.WARN,
                foresight);
        try (InRowOrder inOrder = new InRowOrder(rejections, handedBefore, temporaryDir);
                PendingLinks links = new PendingLinks(object, temporaryDir);
                OwnRecords ownRecords = new OwnRecords(temporaryDir, keyHash);
                LateRejections late = new LateRejections(temporaryDir)) {
            Tally tally = new Tally(inOrder, links, columnsByField, object, options, duplicates, references);
            List<Read> chunk = new ArrayList<>(CHUNK);
            try (RowReader reader = source.open()) {
                inOrder.start(reader.headers());
                Rows rows = new Rows(reader);
                for (SourceRow row = rows.next(); row != null; row = rows.next()) {
                    chunk.add(new Read(row, rows.rejection(),
                            rows.rejection() == null ? transformer.parse(row) : null));
                    if (chunk.size() == CHUNK) {
                        tally.add(chunk);
                        chunk.clear();
                    }
                }
                tally.add(chunk);
            }
            if (repeatedHashes == null && !confirmed(object, options, source, duplicates)) {
                return new Attempt(null, inOrder.heldFrom());
            }
            duplicates.release();
            keyHashBytesAfterRows = duplicates.keyHashBytes();
            if (!links.isEmpty()) {
                foreseeOwnRecords(object, source, transformer, tally, ownRecords);
                foresight.own(ownRecords);
                try {
                    tally.checkLinks(ownRecords, late);
                } catch (UncheckedIOException e) {
                    // A look-up of the records' file, from inside the resolver.
                    throw e.getCause();
                }
                mostOwnHeld = ownRecords.mostHeld();
            }
            if (!late.isEmpty()) {
                // Their cells are read again rather than kept with every link; each goes to the errors files in its
                // place among the rows held back since the first link.
                try (RowReader reader = source.open()) {
                    Rows rows = new Rows(reader);
                    SourceRow[] row = {rows.next()};
                    late.forEach(v -> {
                        while (row[0] != null && row[0].ordinal() < v.row()) {
                            row[0] = rows.next();
                        }
                        if (row[0] != null && row[0].ordinal() == v.row() && rows.rejection() == null) {
                            tally.rejectLate(row[0], transformer.parse(row[0]).externalId(), v);
                        }
                    });
                }
            }
            mostLateHeld = late.mostHeld();
            inOrder.rest();
            tally.truncated |= firstOf(tally.errors, PROBLEM_ORDER, maxErrors);
            tally.warningsTruncated |= firstOf(tally.rowWarnings, WARNING_ORDER, maxErrors);
            warnings.addAll(tally.rowWarnings);
            mostNotesHeld = tally.mostHeld;
            Map<String, List<String>> created = new TreeMap<>();
            foresight.createdValues().forEach((field, values) -> created.put(field, List.copyOf(values)));
            Map<String, List<String>> unresolved = new TreeMap<>();
            tally.unresolved.forEach((field, values) -> unresolved.put(field, List.copyOf(values)));
            Map<String, Long> unresolvedCounts = new TreeMap<>();
            tally.unresolvedSeen.forEach((field, hashes) -> unresolvedCounts.put(field, hashes.size()));
            return new Attempt(new Report(tally.total, tally.total - tally.bad - tally.skipped, tally.bad,
                    tally.skipped, tally.errors, tally.truncated, warnings, unresolved, created,
                    tally.warningsTruncated, tally.rowWarningsCount, unresolvedCounts), 0);
        }
    }

    /**
     * Whether the refusals of a duplicate check that took the keys in one pass all hold: reads the keys of the rows
     * that first took a refused key's hash, unless none was refused so.
     */
    private boolean confirmed(ObjectDef object, ExecuteOptions options, ImportPipeline.RowSource source,
            DuplicateCheck duplicates) throws IOException {
        Set<Long> ordinals = duplicates.toConfirm();
        if (ordinals.isEmpty()) {
            return true;
        }
        RowTransformer keys = new RowTransformer(object, ColumnPlan.of(object, options), Action.MERGE, false,
                RowTransformer.FormatChecks.ON, ColumnFormats.Readers.NONE,
                RowTransformer.RequiredFields.RECORD_WRITTEN);
        try (RowReader reader = source.open()) {
            keys.readKeysOnly(reader);
            Rows rows = new Rows(reader);
            for (SourceRow row = rows.next(); row != null; row = rows.next()) {
                if (ordinals.contains(row.ordinal()) && !duplicates.confirms(keys.externalIdOf(row.cells()))) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Reads the source once more for the records of the object that its rows would create, by the external ids and
     * names the links await: after the last row, execution finds them stored. Only the rows that would create a record
     * count (a row that updates one finds it stored already), each by its external_id and name as it gives them; they
     * go to {@code own}, which keeps them in a temporary file.
     */
    private void foreseeOwnRecords(ObjectDef object, ImportPipeline.RowSource source, RowTransformer transformer,
            Tally tally, OwnRecords own) throws IOException {
        tally.links.forEach(CHUNK, batch -> {
            for (Link l : batch) {
                for (Value.Ref ref : ReferenceResolver.refs(l.given())) {
                    own.want(ref.text());
                }
            }
        });
        String nameField = ReferenceResolver.nameField(object);
        try (RowReader reader = source.open()) {
            Rows rows = new Rows(reader);
            for (SourceRow row = rows.next(); row != null; row = rows.next()) {
                if (rows.rejection() != null || row.ordinal() > Integer.MAX_VALUE
                        || !tally.creating.get((int) row.ordinal())) {
                    continue;
                }
                ParsedRow parsed = transformer.parse(row);
                String name = nameField != null && parsed.values().get(nameField) instanceof Value.Text(String text)
                        ? text : null;
                own.add(row.ordinal(), parsed.externalId(), name);
            }
        }
        own.finish();
    }

    private static final Comparator<Problem> PROBLEM_ORDER = Comparator.comparingLong(Problem::row);
    private static final Comparator<Warning> WARNING_ORDER = Comparator.comparingLong(Warning::row)
            .thenComparing(Warning::field);

    /**
     * Sorts {@code list} (stably: a row's problems keep their order) and keeps its first {@code max}; returns whether
     * it left some out.
     */
    private static <T> boolean firstOf(List<T> list, Comparator<? super T> order, int max) {
        list.sort(order);
        if (list.size() <= max) {
            return false;
        }
        list.subList(max, list.size()).clear();
        return true;
    }

    /** A row as read: its cells, why the reader rejected it (else null), and its mapped values (else null). */
    private record Read(SourceRow row, String rejection, ParsedRow parsed) {}


    /** The counts and the first problems, as the rows' verdicts come in, in row order. */
    private final class Tally {
        private final InRowOrder rejections;
        private final Map<String, List<ExecuteOptions.ColumnMap>> columnsByField;
        private final ObjectDef object;
        private final ExecuteOptions options;
        private final DuplicateCheck duplicates;
        private final ReferenceResolver references;
        /** The reference fields that may refer to the object itself. */
        private final List<String> ownFields;
        final List<Problem> errors = new ArrayList<>();
        final List<Warning> rowWarnings = new ArrayList<>();
        /** Field → the first unresolved values, as execution lists them. */
        final Map<String, TreeSet<String>> unresolved = new TreeMap<>();
        /**
         * Field → the hashes of all its unresolved values, as execution counts them ({@link ImportStore#valueHash}), in
         * a {@link LongSet} (11 to 22 bytes a value; before, a {@code HashSet<Long>}: about 60).
         */
        final Map<String, LongSet> unresolvedSeen = new TreeMap<>();
        /** The row warnings found, listed in {@link #rowWarnings} or not. */
        long rowWarningsCount;
        /** The links the last row deciding a field of a record leaves, as execution keeps them. */
        final PendingLinks links;
        /** The rows (by ordinal) that would create a record. */
        final BitSet creating = new BitSet();
        long total;
        long bad;
        long skipped;
        boolean truncated;
        /** Whether row warnings were left out of {@link #rowWarnings}. */
        boolean warningsTruncated;
        /**
         * The most problems, or row warnings, {@link #errors} or {@link #rowWarnings} held at once after the last row
         * (before it, they keep the first {@code maxErrors} and one more).
         */
        int mostHeld;

        Tally(InRowOrder rejections, PendingLinks links, Map<String, List<ExecuteOptions.ColumnMap>> columnsByField,
                ObjectDef object, ExecuteOptions options, DuplicateCheck duplicates, ReferenceResolver references) {
            this.rejections = rejections;
            this.links = links;
            this.columnsByField = columnsByField;
            this.object = object;
            this.options = options;
            this.duplicates = duplicates;
            this.references = references;
            this.ownFields = object.fields().stream().filter(f -> f.type() == FieldType.REFERENCE
                    && f.targets().contains(object.slug())).map(Field::slug).toList();
        }

        /**
         * Counts a chunk of rows: each valid one with its references resolved as execution resolves them, then as
         * execution's duplicate rules would take it, in file order.
         */
        void add(List<Read> chunk) throws IOException {
            List<ParsedRow> valid = chunk.stream().map(Read::parsed).filter(p -> p != null && p.valid()).toList();
            List<Violation> unresolvable = new ArrayList<>();
            Map<String, Set<String>> unmatched = new TreeMap<>();
            Map<ParsedRow, Map<String, Value>> awaiting = new IdentityHashMap<>();
            List<ParsedRow> resolved = valid.isEmpty() ? valid : database.withHandle(
                    h -> references.resolveAwaitingOwn(h, valid, Set.of(), unresolvable, unmatched, awaiting));
            unmatched.forEach(this::unresolved);
            Set<ParsedRow> accepted = Collections.newSetFromMap(new IdentityHashMap<>());
            accepted.addAll(resolved);
            Map<Long, List<Violation>> byRow = new HashMap<>();
            unresolvable.forEach(v -> byRow.computeIfAbsent(v.row(), r -> new ArrayList<>()).add(v));
            Iterator<DuplicateCheck.Verdict> verdicts = duplicates.check(resolved).iterator();
            // A verdict that rests on a refusal still to be confirmed may yet be another: its row and those after wait.
            rejections.holdFrom(duplicates.firstUnconfirmed());
            for (Read read : chunk) {
                total++;
                SourceRow row = read.row();
                if (read.rejection() != null) {
                    reject(row.ordinal(), row.line(), null, List.of(new Problem(row.ordinal(), row.line(), null, null,
                            ViolationCode.MALFORMED_ROW.wireName(), read.rejection())), row.cells());
                    continue;
                }
                ParsedRow parsed = read.parsed();
                List<Violation> violations = parsed.errors();
                if (parsed.valid() && !accepted.contains(parsed)) {
                    violations = byRow.getOrDefault(parsed.ordinal(), List.of());
                } else if (parsed.valid()) {
                    DuplicateCheck.Verdict verdict = verdicts.next();
                    if (verdict.skipped()) {
                        skipped++;
                        continue;
                    }
                    if (verdict.violations().isEmpty()) {
                        applied(parsed, verdict, awaiting.getOrDefault(parsed, Map.of()));
                        continue;
                    }
                    violations = verdict.violations();
                }
                reject(row.ordinal(), row.line(), parsed.externalId(), problems(row, violations), row.cells());
            }
        }

        /** Notes what an applied row leaves for after the last row: its warning, and the links it decides. */
        private void applied(ParsedRow row, DuplicateCheck.Verdict verdict, Map<String, Value> own)
                throws IOException {
            if (verdict.createdBy() == row.ordinal() && row.ordinal() <= Integer.MAX_VALUE) {
                creating.set((int) row.ordinal());
            }
            if (verdict.warning() != null) {
                rowWarningsCount++;
            }
            if (verdict.warning() != null && rowWarnings.size() < maxErrors) {
                rowWarnings.add(new Warning(row.ordinal(), BuiltInObjects.EXTERNAL_ID, "external_id_not_changed",
                        verdict.warning()));
            } else if (verdict.warning() != null) {
                warningsTruncated = true;
            }
            for (String field : ownFields) {
                // As execution: the last row of the file that decides a field of a record decides its link.
                boolean gives = own.containsKey(field) || row.values().containsKey(field)
                        || options.mergeMode() == ExecuteOptions.MergeMode.OVERWRITE && row.cleared().contains(field);
                if (!gives) {
                    continue;
                }
                Value given = own.get(field);
                if (given != null) {
                    // A row rejected after the last row goes to the errors files before the rows read after it.
                    rejections.holdFrom(row.ordinal());
                }
                links.decide(row.ordinal(), verdict.record(), verdict.createdBy(), field, given,
                        given == null ? 0 : ReferenceResolver.refs(row.values().get(field)).size());
            }
        }

        /**
         * Resolves the links after the last row, as execution does: a row whose link names several records by name, or
         * whose required field's matches nothing, is to be rejected (it goes to {@code late} with why, for
         * {@link #rejectLate}); what the other links still do not match is listed as unresolved or foreseen created.
         * While it rejects rows it passes over the others again, without the records the rejected rows created, which
         * execution deletes.
         *
         * @param ownRecords the records of the object that rows would create, which the foresight finds
         * @param late where the rejected rows go, with why (before, a map of them all, returned)
         */
        void checkLinks(OwnRecords ownRecords, LateRejections late) throws IOException {
            while (true) {
                // A pass over the links not rejected yet, a batch at a time in row order, as execution passes.
                links.forEach(CHUNK, batch -> {
                    List<Link> pass = batch.stream().filter(l -> !late.rejected(l.row())).toList();
                    List<Violation> rejected = new ArrayList<>();
                    database.withHandle(h -> references.resolve(h, rows(pass), rejected, new TreeMap<>()));
                    late.add(rejected);
                });
                BitSet now = late.endPass();
                if (now.isEmpty()) {
                    break;
                }
                // A link naming a record these rows created matches nothing any more.
                if (!ownRecords.forget(now)) {
                    break;
                }
            }
            Map<String, Set<String>> unmatched = new TreeMap<>();
            links.forEach(CHUNK, batch -> {
                List<Link> kept = batch.stream().filter(l -> !late.rejected(l.row())).toList();
                List<ParsedRow> keptRows = rows(kept);
                database.withHandle(h -> references.resolve(h, keptRows, new ArrayList<>(), unmatched));
                // Only the first values of each field are listed: those of this batch join them.
                unmatched.forEach(this::unresolved);
                unmatched.clear();
                for (int i = 0; i < kept.size(); i++) {
                    Link l = kept.get(i);
                    int resolved = ReferenceResolver.refs(keptRows.get(i).values().get(l.field())).size();
                    // Execution deletes the record a row rejected here created: a link's row names the row that
                    // created its record, so no record is kept as text (before, a set of them: 105 bytes each).
                    // As execution: a link that would change nothing on its record is passed over, deleted or not.
                    if (l.createdBy() != DuplicateCheck.STORED && late.rejected(l.createdBy())
                            && resolved != l.written()) {
                        warnings(new Warning(l.row(), l.field(), "link_not_added",
                                MatchingWriter.notAdded(l.field(), l.given(), MatchingWriter.RECORD_DELETED)));
                    }
                }
            });
        }

        /**
         * Counts a row that {@link #checkLinks} rejects: counted valid as it was read, it is an error row, listed among
         * the errors and given to the errors files in row order.
         */
        void rejectLate(SourceRow row, String externalId, Violation v) throws IOException {
            List<Problem> problems = problems(row, List.of(v));
            // It may come before problems listed already: all are sorted and cut at the end, and on the way whenever
            // they are twice as many as listed (what is cut then would be cut at the end too).
            errors.addAll(problems);
            mostHeld = Math.max(mostHeld, errors.size());
            if (errors.size() > 2 * maxErrors) {
                truncated |= firstOf(errors, PROBLEM_ORDER, maxErrors);
            }
            bad++;
            rejections.late(new Rejected(row.ordinal(), row.line(), externalId, problems, row.cells()));
        }

        /** Adds a row warning found after the last row, cut as {@link #rejectLate} cuts the problems. */
        private void warnings(Warning w) {
            rowWarnings.add(w);
            rowWarningsCount++;
            mostHeld = Math.max(mostHeld, rowWarnings.size());
            if (rowWarnings.size() > 2 * maxErrors) {
                warningsTruncated |= firstOf(rowWarnings, WARNING_ORDER, maxErrors);
            }
        }

        /** The links as rows of their given values alone, as execution reads them back. */
        private List<ParsedRow> rows(List<Link> links) {
            List<ParsedRow> rows = new ArrayList<>(links.size());
            for (Link l : links) {
                Map<String, Value> given = new LinkedHashMap<>();
                given.put(l.field(), l.given());
                rows.add(new ParsedRow(l.row(), 0, null, given, Set.of(), List.of(), List.of(), List.of(), Map.of(),
                        null, null));
            }
            return rows;
        }

        private void unresolved(String field, Set<String> values) {
            TreeSet<String> listed = unresolved.computeIfAbsent(field, f -> new TreeSet<>());
            listed.addAll(values);
            LongSet seen = unresolvedSeen.computeIfAbsent(field, f -> new LongSet());
            values.forEach(v -> seen.add(ImportStore.valueHash(v)));
            // One more than listed: the answer tells that it leaves some out, as execute's does.
            while (listed.size() > MAX_REFERENCE_WARNINGS + 1) {
                listed.pollLast();
            }
        }

        private List<Problem> problems(SourceRow row, List<Violation> violations) {
            List<Problem> problems = new ArrayList<>(violations.size());
            for (Violation v : violations) {
                List<ExecuteOptions.ColumnMap> columns = v.field() == null ? List.of()
                        : columnsByField.getOrDefault(v.field(), List.of());
                Object value = columns.isEmpty() ? null : row.cells().get(columns.getFirst().sourceColumn());
                problems.add(new Problem(row.ordinal(), row.line(), v.field(), value, v.code().wireName(),
                        v.message()));
            }
            return problems;
        }

        /** Counts a rejected row as it is read. */
        private void reject(long ordinal, long line, String externalId, List<Problem> problems,
                Map<String, Object> cells) throws IOException {
            bad++;
            for (Problem p : problems) {
                // One past the limit is kept: a row rejected after the last row may come before some of these.
                if (errors.size() <= maxErrors) {
                    errors.add(p);
                } else {
                    truncated = true;
                }
            }
            rejections.add(new Rejected(ordinal, line, externalId, problems, cells));
        }
    }

    /**
     * Hands rejected rows to {@link Rejections} in row order. They go straight through but from the row
     * {@link #holdFrom} names on: those wait in a temporary file (one JSON object a line) until {@link #late} hands
     * over a row rejected after the last row, in its place among them, or {@link #rest} the rest. Closing it deletes
     * the file, and with it what was held back if it was not handed over.
     */
    private static final class InRowOrder implements AutoCloseable {
        private final Rejections target;
        /** The rows before this one were handed to the target already (by an attempt before): they are passed over. */
        private final long handedBefore;
        private final Path dir;
        /** The first row held back, and every one after it; {@link Long#MAX_VALUE} while none is. */
        private long heldFrom = Long.MAX_VALUE;
        private Path file;
        private BufferedWriter writer;
        private BufferedReader reader;
        /** The next held row read back, not handed over yet; null when none is. */
        private Rejected next;

        /**
         * @param handedBefore the rows before this one were handed to {@code target} already; 0 when none was
         * @param dir where the rows held back are kept
         */
        InRowOrder(Rejections target, long handedBefore, Path dir) {
            this.target = target;
            this.handedBefore = handedBefore;
            this.dir = dir;
        }

        void start(List<String> sourceHeaders) throws IOException {
            if (handedBefore == 0) {
                target.start(sourceHeaders);
            }
        }

        /** Holds back the row {@code ordinal} and every row after it, unless an earlier one is held back already. */
        void holdFrom(long ordinal) {
            heldFrom = Math.min(heldFrom, ordinal);
        }

        /** The first row held back; {@link Long#MAX_VALUE} when none was. */
        long heldFrom() {
            return heldFrom;
        }

        void add(Rejected row) throws IOException {
            if (row.row() < handedBefore) {
                return;
            }
            if (row.row() < heldFrom) {
                target.add(row);
                return;
            }
            // The server's disk, not the file: a failure to keep the row is storage_unavailable (503), as a
            // workbook's shared strings the temporary directory cannot take are. Before, it was in java.io.tmpdir
            // whatever FREIGHT_TEMP_DIR said, and its failure a plain IOException (500 internal_error).
            try {
                if (writer == null) {
                    file = TemporaryFiles.create(dir, "freight-validation-", ".ndjson");
                    writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
                }
                writer.write(write(row));
                writer.newLine();
            } catch (IOException e) {
                throw unwritable(e);
            }
        }

        private TemporaryFileUnwritable unwritable(IOException e) {
            return new TemporaryFileUnwritable(TemporaryFileUnwritable.Step.VALIDATE,
                    "The rows rejected after a row that awaits a later row", dir, e);
        }

        /** Hands over a row rejected after the last row: first the rows held back that come before it. */
        void late(Rejected row) throws IOException {
            handOver(row.row());
            target.add(row);
        }

        /** Hands over every row held back. */
        void rest() throws IOException {
            handOver(Long.MAX_VALUE);
        }

        /** Hands over the rows held back before row {@code before}, in the order they were held. */
        private void handOver(long before) throws IOException {
            if (writer != null && reader == null) {
                try {
                    // What the buffer still holds is written now: a full disk may refuse it here.
                    writer.close();
                } catch (IOException e) {
                    throw unwritable(e);
                }
                reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
                next = read(reader.readLine());
            }
            while (next != null && next.row() < before) {
                target.add(next);
                next = read(reader.readLine());
            }
        }

        private static String write(Rejected row) {
            List<Map<String, Object>> problems = new ArrayList<>(row.problems().size());
            for (Problem p : row.problems()) {
                Map<String, Object> problem = new LinkedHashMap<>();
                problem.put("field", p.field());
                problem.put("value", p.value());
                problem.put("code", p.code());
                problem.put("message", p.message());
                problems.add(problem);
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("row", row.row());
            out.put("line", row.line());
            out.put("externalId", row.externalId());
            out.put("problems", problems);
            out.put("cells", row.cells());
            return ValueJson.write(out);
        }

        @SuppressWarnings("unchecked")
        private static Rejected read(String line) {
            if (line == null) {
                return null;
            }
            Map<String, Object> in = ValueJson.readObject(line);
            long row = ((Number) in.get("row")).longValue();
            long sourceLine = ((Number) in.get("line")).longValue();
            List<Problem> problems = new ArrayList<>();
            for (Map<String, Object> p : (List<Map<String, Object>>) in.get("problems")) {
                problems.add(new Problem(row, sourceLine, (String) p.get("field"), p.get("value"),
                        (String) p.get("code"), (String) p.get("message")));
            }
            return new Rejected(row, sourceLine, (String) in.get("externalId"), problems,
                    (Map<String, Object>) in.get("cells"));
        }

        @Override
        public void close() throws IOException {
            if (file == null) {
                return;
            }
            try {
                if (writer != null) {
                    writer.close();
                }
                if (reader != null) {
                    reader.close();
                }
            } finally {
                Files.deleteIfExists(file);
            }
        }
    }

    /**
     * The rows of a reader, with an element the reader rejects alone (a JSON element that is no object, an NDJSON line
     * that is no JSON) as a row without cells and with its {@link #rejection()}, numbered as the reader numbers it: one
     * bad row, as execute counts it.
     */
    private static final class Rows {
        private final RowReader reader;
        private long ordinal;
        private String rejection;

        Rows(RowReader reader) {
            this.reader = reader;
        }

        /** The next row, or null at the end; when the reader rejected it, {@link #rejection()} says why. */
        SourceRow next() throws IOException {
            rejection = null;
            try {
                SourceRow row = reader.next();
                if (row != null) {
                    ordinal = row.ordinal();
                }
                return row;
            } catch (IngestException e) {
                if (!reader.rowLevel(e)) {
                    throw e;
                }
                rejection = e.getMessage();
                return new SourceRow(++ordinal, e.line(), Map.of());
            }
        }

        /** Why the reader rejected the row {@link #next()} returned last; null when it read it. */
        String rejection() {
            return rejection;
        }
    }

    /** Required fields nothing maps, and mapped fields the object does not have. */
    static List<Warning> mappingWarnings(ObjectDef object, ExecuteOptions options) {
        Set<String> mapped = new LinkedHashSet<>();
        options.columns().forEach(c -> mapped.add(c.field()));
        mapped.addAll(options.staticValues().keySet());
        List<Warning> warnings = new ArrayList<>();
        for (Field f : object.requiredFields()) {
            if (!mapped.contains(f.slug())) {
                warnings.add(new Warning(null, f.slug(), "required_field_not_mapped",
                        "Required field \"" + f.label() + "\" is not mapped"));
            }
        }
        return warnings;
    }
}
