package dev.freight.engine;

import dev.freight.ingest.IngestException;
import dev.freight.ingest.RowReader;
import dev.freight.ingest.SourceRow;
import dev.freight.schema.Field;
import dev.freight.schema.ObjectDef;
import dev.freight.store.Database;
import dev.freight.store.ImportEnums.Action;
import dev.freight.store.RecordStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * The file import workflow's validate step (seed 003): maps and coerces every row exactly as an execution would, and
 * applies execution's duplicate rules (the strategy and match fields, against the stored records and the file's
 * earlier rows: {@link DuplicateCheck}), reading records and storing nothing. Reference values are not looked up (they
 * are resolved, created or warned about at execution). Thread-safe; each validation keeps its own state.
 */
public final class ImportValidator {

    /** One rejected value: 1-based data row, field, the raw value, and why. */
    public record Problem(long row, String field, Object value, String code, String message) {}

    /** A warning about the whole mapping or a column (row null) or a row. */
    public record Warning(Long row, String field, String code, String message) {}

    /**
     * The verdict. {@code errors} holds at most {@code maxErrors} problems in row order (a row with several problems
     * has one for each); {@code errorsTruncated} says whether it leaves problems out. The counts are exact:
     * {@code validRows} are the rows execution would create, update or leave unchanged, {@code errorRows} those it
     * would reject, {@code skippedRows} those it would skip as duplicates (duplicateStrategy skip).
     */
    public record Report(long totalRows, long validRows, long errorRows, long skippedRows, List<Problem> errors,
            boolean errorsTruncated, List<Warning> warnings) {

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
     * Where validation hands every rejected row as it reads it, in row order, so that none need be kept: {@link #start}
     * once with the source's headers, then {@link #add} for each rejected one. Called on the validating thread.
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

    private final int maxErrors;
    private final Database database;
    private final RecordStore records;
    private final String organizationId;
    private final ToLongFunction<String> keyHash;

    /**
     * @param maxErrors how many problems a report lists at most
     * @param organizationId whose stored records execution would match the rows with
     */
    public ImportValidator(int maxErrors, Database database, RecordStore records, String organizationId) {
        this(maxErrors, database, records, organizationId, KeyHashes::hash);
    }

    /** Hashing external ids with {@code keyHash} instead of {@link KeyHashes#hash}: a test's, to make keys collide. */
    ImportValidator(int maxErrors, Database database, RecordStore records, String organizationId,
            ToLongFunction<String> keyHash) {
        this.keyHash = keyHash;
        this.maxErrors = maxErrors;
        this.database = database;
        this.records = records;
        this.organizationId = organizationId;
    }

    /**
     * Validates every row of the source: a first pass infers the format of each date and number column (an ambiguous
     * one is a warning) and hashes the rows' external ids (which of them {@link DuplicateCheck} must compare as text),
     * a second maps and coerces each row.
     */
    public Report validate(ObjectDef object, ExecuteOptions options, ImportPipeline.RowSource source)
            throws IOException {
        return validate(object, options, source, Rejections.NONE);
    }

    /**
     * As {@link #validate(ObjectDef, ExecuteOptions, ImportPipeline.RowSource)}, handing every rejected row to
     * {@code rejections} as it is found (the report still lists only the first problems).
     */
    public Report validate(ObjectDef object, ExecuteOptions options, ImportPipeline.RowSource source,
            Rejections rejections) throws IOException {
        List<Warning> warnings = new ArrayList<>(mappingWarnings(object, options));
        ColumnFormats formats = new ColumnFormats(object, options);
        ExecuteOptions withFormats = options;
        // Date formats do not change which column is the key, nor how it is read.
        RowTransformer keys = new RowTransformer(object, ColumnPlan.of(object, options), Action.MERGE, false,
                RowTransformer.FormatChecks.ON, ColumnFormats.Readers.NONE);
        KeyHashes hashes = new KeyHashes();
        if (!formats.isEmpty() || keys.keyColumn() != null) {
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
        }
        if (!formats.isEmpty()) {
            withFormats = options.withDateFormats(formats.formats());
            formats.findings().forEach(f -> warnings.add(new Warning(null, f.field(), f.code(), f.message())));
        }
        RowTransformer transformer = new RowTransformer(object, ColumnPlan.of(object, withFormats), Action.MERGE, false,
                options.skipValidation() ? RowTransformer.FormatChecks.OFF : RowTransformer.FormatChecks.ON,
                ColumnFormats.readers(withFormats));
        Map<String, List<ExecuteOptions.ColumnMap>> columnsByField = new HashMap<>();
        options.columns().forEach(c -> columnsByField.computeIfAbsent(c.field(), f -> new ArrayList<>()).add(c));
        DuplicateCheck duplicates = new DuplicateCheck(database, records, object, organizationId, options,
                hashes.repeated(), keyHash);
        Tally tally = new Tally(rejections, columnsByField);
        List<Read> chunk = new ArrayList<>(CHUNK);
        try (RowReader reader = source.open()) {
            rejections.start(reader.headers());
            Rows rows = new Rows(reader);
            for (SourceRow row = rows.next(); row != null; row = rows.next()) {
                chunk.add(new Read(row, rows.rejection(), rows.rejection() == null ? transformer.parse(row) : null));
                if (chunk.size() == CHUNK) {
                    tally.add(chunk, duplicates);
                    chunk.clear();
                }
            }
            tally.add(chunk, duplicates);
        }
        return new Report(tally.total, tally.total - tally.bad - tally.skipped, tally.bad, tally.skipped,
                tally.errors, tally.truncated, warnings);
    }

    /** A row as read: its cells, why the reader rejected it (else null), and its mapped values (else null). */
    private record Read(SourceRow row, String rejection, ParsedRow parsed) {}

    /** The counts and the first problems, as the rows' verdicts come in, in row order. */
    private final class Tally {
        private final Rejections rejections;
        private final Map<String, List<ExecuteOptions.ColumnMap>> columnsByField;
        final List<Problem> errors = new ArrayList<>();
        long total;
        long bad;
        long skipped;
        boolean truncated;

        Tally(Rejections rejections, Map<String, List<ExecuteOptions.ColumnMap>> columnsByField) {
            this.rejections = rejections;
            this.columnsByField = columnsByField;
        }

        /** Counts a chunk of rows: each valid one as execution's duplicate rules would take it, in file order. */
        void add(List<Read> chunk, DuplicateCheck duplicates) throws IOException {
            List<ParsedRow> valid = chunk.stream().map(Read::parsed).filter(p -> p != null && p.valid()).toList();
            Iterator<DuplicateCheck.Verdict> verdicts = duplicates.check(valid).iterator();
            for (Read read : chunk) {
                total++;
                SourceRow row = read.row();
                List<Problem> problems;
                String externalId = null;
                if (read.rejection() != null) {
                    problems = List.of(new Problem(row.ordinal(), null, null, ViolationCode.MALFORMED_ROW.wireName(),
                            read.rejection()));
                } else {
                    ParsedRow parsed = read.parsed();
                    List<Violation> violations = parsed.errors();
                    if (parsed.valid()) {
                        DuplicateCheck.Verdict verdict = verdicts.next();
                        if (verdict.skipped()) {
                            skipped++;
                            continue;
                        }
                        if (verdict.violation() == null) {
                            continue;
                        }
                        violations = List.of(verdict.violation());
                    }
                    externalId = parsed.externalId();
                    problems = new ArrayList<>(violations.size());
                    for (Violation v : violations) {
                        List<ExecuteOptions.ColumnMap> columns = v.field() == null ? List.of()
                                : columnsByField.getOrDefault(v.field(), List.of());
                        Object value = columns.isEmpty() ? null : row.cells().get(columns.getFirst().sourceColumn());
                        problems.add(new Problem(row.ordinal(), v.field(), value, v.code().wireName(), v.message()));
                    }
                }
                bad++;
                for (Problem p : problems) {
                    if (errors.size() < maxErrors) {
                        errors.add(p);
                    } else {
                        truncated = true;
                    }
                }
                rejections.add(new Rejected(row.ordinal(), row.line(), externalId, problems, row.cells()));
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
