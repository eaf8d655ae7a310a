package dev.freight.store;

import static dev.freight.store.ResultColumns.instant;
import static dev.freight.store.ResultColumns.nullableLong;

import dev.freight.store.ImportEnums.Action;
import dev.freight.store.ImportEnums.DuplicateHandling;
import dev.freight.store.ImportEnums.Phase;
import dev.freight.store.ImportEnums.PhaseStatus;
import dev.freight.store.ImportEnums.Status;
import dev.freight.store.ImportEnums.UploadMode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import tools.jackson.core.type.TypeReference;

/** Imports, their rejected rows, change logs and seen keys. Thread-safe; transactions belong to the caller. */
public final class ImportStore {

    private static final String COLUMNS = """
            id, organization_id, resource, source, upload_mode, action, status, duplicate_handling, reason, name,
            created_by, updated_by, column_mapping, phases, stats, checksum, file_type, file_name, has_upload_file,
            has_errors_file, total_rows, checkpoint, upload_expires_at, deadline_at, cancel_requested,
            rolled_back_at, created_at, updated_at, purged_at, finished_at""";
    /*
     * Statuses are written into the SQL as literals, never bound: the partial indexes of migration V30 list only the
     * imports in some statuses, and a read may use one only when it names them as its predicate does (SQLite matches
     * the terms word for word; PostgreSQL's generic plan of a prepared statement cannot prove a predicate from a bound
     * value). Each list here is that of an index's predicate, in its order.
     */
    /** The final statuses, as an SQL list: an import in one of them never runs again. */
    private static final String ENDED = "('completed', 'failed', 'timed_out', 'expired')";
    /** The statuses of an import the worker runs that has not ended: {@code imports_running}. */
    private static final String RUNNING = "('queued', 'processing')";
    /** The statuses of an import that has not ended: {@code imports_unfinished}. */
    private static final String UNFINISHED = "('requested', 'queued', 'processing')";

    /** {@link #idleUnfinished}, but for its limit: through {@code imports_running}. */
    static final String IDLE_UNFINISHED = "select id from imports where status in " + RUNNING
            + " and checksum is not null and updated_at < ? and id > ? order by id limit ";
    /** {@link #expiredUploads}: through {@code imports_awaiting_upload}. */
    static final String EXPIRED_UPLOADS = "select id from imports where status = 'requested' and upload_expires_at < ?";
    /** {@link #unfinishedWithOptionsContaining}: through {@code imports_unfinished}. */
    static final String UNFINISHED_WITH_OPTIONS = """
            select id, status, options from imports
            where organization_id = ? and source = ? and status in %s and options like ? escape '\\'
            order by id""".formatted(UNFINISHED);
    /** {@link #purgeable}, but for its limit: through {@code imports_purgeable}. */
    static final String PURGEABLE = "select id from imports where purged_at is null and status in " + ENDED
            + " and finished_at < ? order by finished_at, id limit ";
    /** {@link #endedWithSeenKeys}, but for its limit: through {@code imports_with_seen_keys} (V27). */
    static final String ENDED_WITH_SEEN_KEYS = "select id from imports where has_seen_keys and status in " + ENDED
            + " order by id limit ";
    /** {@link #isLiteral}: the form of an object's slug ({@code ObjectRules}), without quote or backslash. */
    private static final Pattern LITERAL_NAME = Pattern.compile("[a-z][a-zA-Z0-9_]{0,62}");
    private static final TypeReference<LinkedHashMap<String, String>> MAPPING = new TypeReference<>() {};
    private static final TypeReference<List<Map<String, Object>>> PHASES = new TypeReference<>() {};
    private static final TypeReference<Map<String, Long>> STATS = new TypeReference<>() {};

    private final Clock clock;

    public ImportStore(Clock clock) {
        this.clock = clock;
    }

    /**
     * Inserts {@code job}. One created in a final status (an Import API batch, stored only once it ended) gets its
     * finished_at as {@link #save} stamps it, its updated_at when it has none, so it is shown as ended and the
     * retention sweeper, which purges by finished_at, finds it.
     */
    public void create(Handle h, ImportJob job) {
        Instant finishedAt = job.finishedAt() != null || !job.status().isFinal() ? job.finishedAt() : job.updatedAt();
        // Its warnings are counted from the start (V34): an import stored before has none counted.
        h.update("insert into imports (" + COLUMNS + ", warnings_count) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                        + " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
                job.id(), job.organizationId(), job.resource(), job.source(), job.uploadMode().wireName(),
                job.action().wireName(), job.status().wireName(), job.duplicateHandling().wireName(), job.reason(),
                job.name(), job.createdBy(), job.updatedBy(), mapping(job), ValueJson.write(phases(job)),
                ValueJson.write(stats(job.stats())), job.checksum(), job.fileType(), job.fileName(),
                job.hasUploadFile(), job.hasErrorsFile(), job.totalRows(), job.checkpoint(),
                millis(job.uploadExpiresAt()), millis(job.deadlineAt()), job.cancelRequested(),
                millis(job.rolledBackAt()), job.createdAt().toEpochMilli(), job.updatedAt().toEpochMilli(),
                millis(job.purgedAt()), millis(finishedAt));
    }

    /**
     * Saves every changing column of {@code job} but {@code updated_by} (which {@link #requestCancel} and
     * {@link #rolledBack} set) and stamps updated_at, and finished_at when it reaches a final status (a final import
     * keeps the finished_at it has); returns the saved copy.
     */
    public ImportJob save(Handle h, ImportJob job) {
        return save(h, job, null).orElseThrow();
    }

    /**
     * {@link #save}, only while the stored import still has status {@code current}: empty, and nothing saved, when
     * another writer changed its status since it was read (an upload arriving as the expiry sweep ends its wait).
     */
    public Optional<ImportJob> saveIf(Handle h, ImportJob job, Status current) {
        return save(h, job, current);
    }

    private Optional<ImportJob> save(Handle h, ImportJob job, Status current) {
        long now = clock.millis();
        boolean finished = job.status().isFinal();
        String sql = """
                update imports set status = ?, reason = ?, column_mapping = ?, phases = ?, stats = ?,
                    checksum = ?, file_type = ?, file_name = ?, has_upload_file = ?, has_errors_file = ?,
                    total_rows = ?, checkpoint = ?, deadline_at = ?, rolled_back_at = ?, updated_at = ?,
                    finished_at = case when ? then coalesce(finished_at, ?) end
                where id = ?""";
        List<Object> params = new ArrayList<>(List.of(job.status().wireName()));
        params.add(job.reason());
        params.add(mapping(job));
        params.add(ValueJson.write(phases(job)));
        params.add(ValueJson.write(stats(job.stats())));
        params.add(job.checksum());
        params.add(job.fileType());
        params.add(job.fileName());
        params.add(job.hasUploadFile());
        params.add(job.hasErrorsFile());
        params.add(job.totalRows());
        params.add(job.checkpoint());
        params.add(millis(job.deadlineAt()));
        params.add(millis(job.rolledBackAt()));
        params.add(now);
        params.add(finished);
        params.add(job.finishedAt() != null ? job.finishedAt().toEpochMilli() : now);
        params.add(job.id());
        if (job.runToken() != null) {
            sql += " and run_token = ?";
            params.add(job.runToken());
        }
        if (current != null) {
            sql += " and status = ?";
            params.add(current.wireName());
        }
        if (h.update(sql, params.toArray()) == 0) {
            if (current != null) {
                return Optional.empty();
            }
            if (job.runToken() != null) {
                throw new StoreException("superseded", "Another worker took over import " + job.id()
                        + "; this run stops without committing", null);
            }
        }
        Instant at = Instant.ofEpochMilli(now);
        Instant finishedAt = !finished ? null : job.finishedAt() != null ? job.finishedAt() : at;
        return Optional.of(job.withUpdatedAt(at).withFinishedAt(finishedAt));
    }

    /**
     * Makes a new run the owner of an import and returns the import as stored, carrying the run's token: saves of
     * copies with an older token fail from now on ({@code superseded}).
     */
    public ImportJob claim(Handle h, String importId, String token) {
        h.update("update imports set run_token = ? where id = ?", token, importId);
        return get(h, importId).orElseThrow().withRunToken(token);
    }

    /**
     * Whether the import still waits for its upload ({@code requested}, no checksum), locking its row for the rest of
     * the transaction when it does (on SQLite the transaction holds the one write lock already). An upload to it that
     * another transaction is accepting makes this wait for that transaction's end, and then see the import it left.
     */
    public boolean lockIfAwaitingUpload(Handle h, String id) {
        return h.update("update imports set status = status where id = ? and status = ? and checksum is null", id,
                Status.REQUESTED.wireName()) == 1;
    }

    /**
     * Marks an import for cancellation by the key {@code by}, from now its {@code updated_by}, and stamps updated_at;
     * the worker stops at its next chunk. False when there is no such import.
     */
    public boolean requestCancel(Handle h, String organizationId, String id, String by) {
        return h.update("""
                update imports set cancel_requested = ?, updated_by = ?, updated_at = ?
                where organization_id = ? and id = ?""", true, by, clock.millis(), organizationId, id) > 0;
    }

    /**
     * Records that the key {@code by} rolled the import back at {@code when}; returns the saved copy. {@link #save}
     * leaves {@code updated_by} alone: a run's copy of the import would otherwise write back the key it was read with
     * over the one that cancelled it meanwhile.
     */
    public ImportJob rolledBack(Handle h, ImportJob job, Instant when, String by) {
        h.update("update imports set updated_by = ? where id = ?", by, job.id());
        return save(h, job.withRolledBack(when, by));
    }

    /**
     * Claims import {@code id} for a rollback in the caller's transaction, its first write: records {@code by} as its
     * updater while it is neither rolled back nor purged; false, writing nothing, otherwise. The row stays locked
     * until the commit (SQLite: the whole database), so a second rollback or the retention's {@link #purge} started
     * meanwhile waits for it, and a second rollback then finds it rolled back.
     */
    public boolean claimRollback(Handle h, String id, String by) {
        return h.update("update imports set updated_by = ? where id = ? and rolled_back_at is null"
                + " and purged_at is null", by, id) == 1;
    }

    /**
     * Asks import {@code id} of the organization to stop; returns it as stored after. One not started yet (requested,
     * or queued, also while a run is preparing it) ends at once as failed, and the run that holds it, if any, loses
     * it: its next save fails ({@code superseded}), so it cannot save the import queued again over the cancel. A
     * running one stops before its next chunk ({@link #cancelRequested}). Empty for no such import.
     */
    public Optional<ImportJob> cancel(Handle h, String organizationId, String id, String by, Instant when) {
        if (!requestCancel(h, organizationId, id, by)) {
            return Optional.empty();
        }
        ImportJob current = get(h, id).orElseThrow();
        if (current.status() != Status.REQUESTED && current.status() != Status.QUEUED) {
            return Optional.of(current);
        }
        ImportJob held = claim(h, id, UUID.randomUUID().toString());
        return Optional.of(save(h, held.ended(Status.FAILED, "Cancelled on request before it started",
                PhaseStatus.SKIPPED, when)));
    }

    public boolean cancelRequested(Handle h, String id) {
        return h.queryFirst("select cancel_requested from imports where id = ?", rs -> rs.getBoolean(1), id)
                .orElse(false);
    }

    public Optional<ImportJob> get(Handle h, String id) {
        return h.queryFirst("select " + COLUMNS + " from imports where id = ?", ImportStore::job, id);
    }

    public Optional<ImportJob> get(Handle h, String organizationId, String id) {
        return h.queryFirst("select " + COLUMNS + " from imports where organization_id = ? and id = ?",
                ImportStore::job, organizationId, id);
    }

    /**
     * A page of the organization's imports, newest first, in any of {@code statuses} and of any of {@code resources}
     * (an empty set: any). Several of either are read as one statement per pair of a status and a resource, each
     * through the index {@link #listSql} reads a single pair through, their pages merged newest first: a statement
     * with {@code in (…)} would have to read every import of the organization's listed statuses, or walk its whole
     * history, to find the newest.
     */
    public List<ImportJob> list(Handle h, String organizationId, Set<Status> statuses, Set<String> resources,
            String beforeId, int limit) {
        List<Status> eachStatus = statuses.isEmpty() ? Collections.singletonList(null) : List.copyOf(statuses);
        List<String> eachResource = resources.isEmpty() ? Collections.singletonList(null) : List.copyOf(resources);
        List<String> branches = new ArrayList<>();
        List<Object> params = new ArrayList<>();
        for (Status status : eachStatus) {
            for (String resource : eachResource) {
                branches.add(listSql(status, resource, null, beforeId != null, limit));
                params.add(organizationId);
                if (resource != null && !isLiteral(resource)) {
                    params.add(resource);
                }
                if (beforeId != null) {
                    params.add(beforeId);
                }
            }
        }
        return h.query(branches.size() == 1 ? branches.getFirst() : mergedSql(branches, limit), ImportStore::job,
                params);
    }

    /** The newest {@code limit} rows of the pages {@code branches} read, each a statement of {@link #listSql}. */
    static String mergedSql(List<String> branches, int limit) {
        StringJoiner sql = new StringJoiner(" union all ", "", " order by id desc limit " + limit);
        for (int i = 0; i < branches.size(); i++) {
            sql.add("select * from (" + branches.get(i) + ") as page_" + i);
        }
        return sql.toString();
    }

    /**
     * A page of the organization's imports, newest first, optionally filtered by status, resource and source (the
     * face that created them, e.g. {@code module}).
     */
    public List<ImportJob> list(Handle h, String organizationId, Status status, String resource, String source,
            String beforeId, int limit) {
        List<Object> params = new ArrayList<>(List.of(organizationId));
        if (resource != null && !isLiteral(resource)) {
            params.add(resource);
        }
        if (source != null && !isLiteral(source)) {
            params.add(source);
        }
        if (beforeId != null) {
            params.add(beforeId);
        }
        return h.query(listSql(status, resource, source, beforeId != null, limit), ImportStore::job, params);
    }

    /**
     * {@link #list}'s statement; its parameters are the organization's id, then the resource and the source for those
     * it filters by that are not written in as literals ({@link #isLiteral}), then the cursor's id if it has one.
     * Through {@code imports_organization_status} (V32) with a status alone; with a resource, through
     * {@code imports_organization_resource}, or {@code imports_organization_resource_status} with a status, or
     * {@code imports_organization_resource_source} with a source (V33).
     */
    static String listSql(Status status, String resource, String source, boolean beforeCursor, int limit) {
        StringBuilder sql = new StringBuilder("select " + COLUMNS + " from imports where organization_id = ?");
        if (status != null) {
            // A literal, one statement per status, as the sweeps' reads do: a plan made without the value
            // (PostgreSQL's generic plan of a statement prepared on the server, the driver's from the fifth run) takes
            // any status to be as common as the others, and then walks the organization's imports newest first for
            // every status, to the end of its history for one that no recent import has.
            sql.append(" and status = '").append(status.wireName()).append('\'');
        }
        // Resources and sources are literals for the same reason: an organization imports few resources, one of them
        // most of the time, so a plan made without the value walks the history newest first for every resource.
        if (resource != null) {
            sql.append(" and resource = ").append(isLiteral(resource) ? "'" + resource + "'" : "?");
        }
        if (source != null) {
            sql.append(" and source = ").append(isLiteral(source) ? "'" + source + "'" : "?");
        }
        if (beforeCursor) {
            sql.append(" and id < ?");
        }
        return sql.append(" order by id desc limit ").append(limit).toString();
    }

    /**
     * Whether {@link #listSql} writes {@code name} into its text as a literal: a name as an object's slug is (a letter,
     * then letters, digits and '_', at most 63), which every import's resource and every source is, and which holds
     * nothing that could end or escape an SQL string. Any other text a caller filters by is bound; no import has it.
     */
    static boolean isLiteral(String name) {
        return LITERAL_NAME.matcher(name).matches();
    }

    /**
     * Up to {@code limit} ids, by id after {@code afterId} (null: from the first), of the imports the background worker
     * runs (those with an accepted upload, so never a JSON Import API call's, which runs in its request) that have not
     * ended ({@code queued} or {@code processing}) and were last saved before {@code idleSince}. A live run saves its
     * import at least every chunk; one waiting for a worker thread is listed too, and it is the caller's look-up of
     * its queued task that tells the two apart from an import whose task was never queued.
     */
    public List<String> idleUnfinished(Handle h, Instant idleSince, String afterId, int limit) {
        return h.query(IDLE_UNFINISHED + limit, rs -> rs.getString(1), idleSince.toEpochMilli(),
                afterId == null ? "" : afterId);
    }

    /** Ids of imports still waiting for an upload whose upload URL expired before {@code now}. */
    public List<String> expiredUploads(Handle h, Instant now) {
        return h.query(EXPIRED_UPLOADS, rs -> rs.getString(1), now.toEpochMilli());
    }

    /**
     * Saves rejected rows. A row's key is kept as the file wrote it, but for U+0000, which becomes U+FFFD: a key with
     * a NUL character is rejected as invalid, and PostgreSQL refuses the character in text, which would fail the
     * chunk's (or the Import API batch's) write of its errors. The row's cells keep it, as JSON text escapes it.
     */
    public void addErrors(Handle h, String importId, List<RowError> errors) {
        List<Object[]> rows = new ArrayList<>(errors.size());
        errors.forEach(e -> rows.add(new Object[] {importId, e.ordinal(), e.seq(), e.line(),
            e.externalId() == null ? null : e.externalId().replace('\u0000', '\uFFFD'), e.field(), e.code(),
            e.message(), e.cellsJson()}));
        insertRows(h, "import_errors (import_id, ordinal, seq, line, external_id, field, code, message, cells)", rows);
    }

    /** Streams the import's errors in source order, a thousand rows held at a time however many it has. */
    public void errors(Handle h, String importId, Consumer<RowError> sink) {
        h.forEach(ERRORS_IN_ORDER, rs -> {
            sink.accept(rowError(rs));
            return null;
        }, importId);
    }

    /**
     * The import's first {@code limit} errors (one per problem: a row may have several) in source order. Reads only
     * those, through the key's index, however many the import has. A negative {@code limit} is refused
     * ({@link IllegalArgumentException}): SQLite would read it as no limit at all.
     */
    public List<RowError> errors(Handle h, String importId, int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be 0 or more, got " + limit);
        }
        return h.query(ERRORS_IN_ORDER + " limit " + limit, ImportStore::rowError, importId);
    }

    private static final String ERRORS_IN_ORDER = """
            select ordinal, seq, line, external_id, field, code, message, cells from import_errors
            where import_id = ? order by ordinal, seq""";

    private static RowError rowError(ResultSet rs) throws SQLException {
        return new RowError(rs.getLong(1), rs.getInt(2), rs.getLong(3), rs.getString(4), rs.getString(5),
                rs.getString(6), rs.getString(7), rs.getString(8));
    }

    /**
     * Adds change-log rows where the import may already have logged the same record (the file workflow, whose later
     * rows update what earlier chunks wrote): a record's row keeps the values from before the import first changed it
     * and takes the version it changed it to last, so rollback restores the first and recognises the last.
     */
    public void mergeChanges(Handle h, String importId, List<Change> changes) {
        insertChangeRows(h, importId, changes,
                " on conflict (import_id, record_id) do update set applied_version = excluded.applied_version");
    }

    /** Inserts change-log rows, 500 to a statement, each statement ending with {@code tail}. */
    private static void insertChangeRows(Handle h, String importId, List<Change> changes, String tail) {
        for (int from = 0; from < changes.size(); from += 500) {
            List<Change> slice = changes.subList(from, Math.min(changes.size(), from + 500));
            StringBuilder sql = new StringBuilder(insertChanges(h.dialect()) + " values ");
            List<Object> params = new ArrayList<>(slice.size() * 8);
            for (int i = 0; i < slice.size(); i++) {
                Change c = slice.get(i);
                sql.append(i == 0 ? "" : ", ").append("(?, ?, ?, ?, ?, ").append(h.dialect().jsonParameter())
                        .append(", ?, ?)");
                params.addAll(Arrays.asList(importId, c.recordId(), c.object(), c.externalId(), c.kind(),
                        c.previousData(), c.previousVersion(), c.appliedVersion()));
            }
            h.update(sql.append(tail).toString(), params.toArray());
        }
    }

    private static final List<String> CHANGE_COLUMNS = List.of("import_id", "record_id", "object", "external_id",
            "kind", "previous_data", "previous_version", "applied_version");
    /**
     * The start of an insert of change-log rows, all columns in order: import, record id, object, external id, kind,
     * previous data, previous version, applied version. For the dialects' statements that log the records they write.
     */
    public static String insertChanges(Dialect dialect) {
        return insertChangeColumns(dialect, CHANGE_COLUMNS);
    }

    private static String insertChangeColumns(Dialect dialect, List<String> columns) {
        return "insert " + dialect.orFail() + "into import_changes (" + String.join(", ", columns) + ")";
    }

    /**
     * The start of an insert of the change-log rows of deleted records: {@link #insertChanges}'s columns, then the
     * import that created the record and when it was created (epoch milliseconds), so that a rollback re-creates it
     * as it was ({@link Deletion}). For the dialects' statements that log the records they delete.
     */
    public static String insertDeletions(Dialect dialect) {
        List<String> columns = new ArrayList<>(CHANGE_COLUMNS);
        columns.addAll(List.of("created_by_import", "record_created_at"));
        return insertChangeColumns(dialect, columns);
    }

    /**
     * The first {@code limit} entries of the change log after record id {@code after} (null: from the first), by record
     * id, without the records the import created itself (a later row of the file workflow updated them): rollback
     * deletes those instead of restoring them. Read it before the import's created records are deleted. A page at a
     * time, since an import's log holds a previous version of every record it changed. Fewer than {@code limit} only
     * at the end of the log.
     * <p>
     * Two reads on keys rather than one query that joins {@code records}: the planner's choice for that one depended
     * on the statistics it had of the import's change log, and a parallel hash anti-join over every record per page
     * made the rollback of a 1,000,000-record update take two minutes on PostgreSQL instead of twenty seconds.
     */
    public List<Change> changes(Handle h, String organizationId, String importId, String after, int limit) {
        List<Change> page = new ArrayList<>(limit);
        String from = after == null ? "" : after;
        for (int wanted = limit; wanted > 0; wanted = limit - page.size()) {
            List<Change> read = h.query("""
                    select record_id, object, external_id, kind, previous_data, previous_version, applied_version
                    from import_changes where import_id = ? and record_id > ? order by record_id limit\s""" + wanted,
                    rs -> new Change(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), nullableLong(rs, 6), nullableLong(rs, 7)), importId, from);
            if (read.isEmpty()) {
                break;
            }
            Set<String> created = new HashSet<>();
            h.queryIn("select id from records where organization_id = ? and created_by_import = ? and %s",
                    List.of(organizationId, importId), "id", read.stream().map(Change::recordId).toList(),
                    rs -> created.add(rs.getString(1)));
            read.stream().filter(c -> !created.contains(c.recordId())).forEach(page::add);
            if (read.size() < wanted) {
                break;
            }
            from = read.getLast().recordId();
        }
        return page;
    }

    /**
     * The first {@code limit} entries of the change log of records {@code importId} deleted, after record id
     * {@code after} (null: from the first), by record id: rollback re-creates them before it restores the records the
     * import updated, whose earlier values may refer to them. Fewer than {@code limit} only at the end of the log.
     */
    public List<Deletion> deletions(Handle h, String importId, String after, int limit) {
        return h.query("""
                select record_id, object, external_id, kind, previous_data, previous_version, applied_version,
                       created_by_import, record_created_at
                from import_changes where import_id = ? and record_id > ? and kind = 'deleted'
                order by record_id limit\s""" + limit,
                rs -> new Deletion(new Change(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), nullableLong(rs, 6), nullableLong(rs, 7)), rs.getString(8),
                        nullableLong(rs, 9)),
                importId, after == null ? "" : after);
    }

    /**
     * A record an import deleted, as its change log keeps it: the entry ({@code previousData}, {@code externalId} and
     * {@code previousVersion} are the record's values, external_id and version when deleted), the import that created
     * the record ({@code createdByImport}) and when ({@code createdAt}, epoch milliseconds). Both null when the record
     * had no creating import, and in the entries logged before they were kept (V35), which also have no creation time.
     */
    public record Deletion(Change change, String createdByImport, Long createdAt) {}

    /**
     * Those of {@code importIds} that were rolled back at or after {@code since}. Locks them all, in id order, until
     * the caller's transaction ends ({@link Dialect#rollbackLock}): a rollback of one of them under way is waited for
     * and seen, and one not claimed yet waits for the caller's commit, and then sees what it wrote.
     */
    public Set<String> rolledBackSince(Handle h, Collection<String> importIds, Instant since) {
        Set<String> found = new HashSet<>();
        h.queryIn("select id, rolled_back_at from imports where %s order by id" + h.dialect().rollbackLock(),
                List.of(), "id", importIds, rs -> {
                    Long at = nullableLong(rs, 2);
                    return at != null && at >= since.toEpochMilli() && found.add(rs.getString(1));
                });
        return found;
    }

    /** The version {@code importId} last gave each of {@code recordIds} that its change log holds, by record id. */
    public Map<String, Long> appliedVersions(Handle h, String importId, Collection<String> recordIds) {
        Map<String, Long> found = new HashMap<>();
        h.queryIn("select record_id, applied_version from import_changes where import_id = ? and %s",
                List.of(importId), "record_id", recordIds, rs -> found.put(rs.getString(1), nullableLong(rs, 2)));
        found.values().removeIf(v -> v == null);
        return found;
    }

    /** Those of {@code recordIds} that {@code importId} deleted, as its change log holds them. */
    public Set<String> deletedAmong(Handle h, String importId, Collection<String> recordIds) {
        Set<String> found = new HashSet<>();
        h.queryIn("select record_id from import_changes where import_id = ? and kind = 'deleted' and %s",
                List.of(importId), "record_id", recordIds, rs -> found.add(rs.getString(1)));
        return found;
    }

    /** What a record was at a version: its data JSON and its external_id (null: none). */
    public record AtVersion(String data, String externalId) {}

    /**
     * What records were at given versions (record id → version), as another import of the organization than
     * {@code importId} logged them: the data it changed the record from, and the external_id the record had then,
     * read at exactly that version. A record no other import changed from that version is absent. Rollback compares a
     * record with what an import left on it, which its own change log does not keep.
     */
    public Map<String, AtVersion> atVersions(Handle h, String organizationId, String importId,
            Map<String, Long> versions) {
        Map<String, AtVersion> found = new HashMap<>();
        h.queryIn("""
                select c.record_id, c.previous_version, c.previous_data, c.external_id from import_changes c
                where c.import_id in (select id from imports where organization_id = ? and id <> ?)
                    and c.previous_data is not null and %s""",
                List.of(organizationId, importId), "c.record_id", versions.keySet(), rs -> {
                    Long version = nullableLong(rs, 2);
                    return version != null && version.equals(versions.get(rs.getString(1)))
                            ? found.put(rs.getString(1), new AtVersion(rs.getString(3), rs.getString(4))) : null;
                });
        return found;
    }

    /**
     * Keeps keys an overwrite import saw, for its cleanup, and marks the import as having seen keys, so that
     * {@link #deleteSeen} finds it once it has ended. The mark writes the import's row once: later chunks find it set.
     */
    public void addSeen(Handle h, String importId, Collection<String> externalIds) {
        if (externalIds.isEmpty()) {
            return;
        }
        List<Object[]> rows = new ArrayList<>(externalIds.size());
        externalIds.forEach(k -> rows.add(new Object[] {importId, k}));
        insertRows(h, "import_seen (import_id, external_id)", rows);
        h.update("update imports set has_seen_keys = ? where id = ? and has_seen_keys = ?", true, importId, false);
    }

    /**
     * Up to {@code limit} ended imports (completed, failed, timed out, expired) that still have seen keys, by id: read
     * from the imports' partial index of those with seen keys, never from {@code import_seen}.
     */
    public List<String> endedWithSeenKeys(Handle h, int limit) {
        return h.query(ENDED_WITH_SEEN_KEYS + limit, rs -> rs.getString(1));
    }

    /**
     * Deletes the first {@code limit} seen keys of {@code importId} in key order (one range of the primary key), if the
     * import has ended; an import not ended keeps every key, since its cleanup (or the cleanup it resumes after a
     * crash) reads them. Clears the import's mark when its last keys go; returns how many keys were deleted: fewer than
     * {@code limit} when those were its last (or when it has not ended).
     */
    public int deleteSeen(Handle h, String importId, int limit) {
        // The delete itself asks whether the import has ended: a key it sees was written by a chunk that saved the
        // import's status with it, so it sees that status or a later one.
        String ended = " and exists (select 1 from imports where id = ? and status in " + ENDED + ")";
        Optional<String> last = h.queryFirst("select external_id from import_seen where import_id = ?"
                + " order by external_id limit 1 offset " + (limit - 1), rs -> rs.getString(1), importId);
        if (last.isPresent()) {
            return h.update("delete from import_seen where import_id = ? and external_id <= ?" + ended, importId,
                    last.get(), importId);
        }
        int deleted = h.update("delete from import_seen where import_id = ?" + ended, importId, importId);
        h.update("update imports set has_seen_keys = ? where id = ? and status in " + ENDED, false, importId);
        return deleted;
    }

    /** Keeps rows put off until after the import's last row, with the references each did not find. */
    public void addDeferred(Handle h, String importId, List<DeferredRow> rows) {
        List<Object[]> refs = new ArrayList<>();
        for (DeferredRow r : rows) {
            for (String target : new LinkedHashSet<>(r.missing())) {
                refs.add(new Object[] {importId, r.ordinal(), target});
            }
        }
        List<Object[]> kept = new ArrayList<>(rows.size());
        rows.forEach(r -> kept.add(new Object[] {importId, r.ordinal(), r.line(), r.externalId(), r.recordId(),
            r.cellsJson(), "pending"}));
        insertRows(h, "import_deferred (import_id, ordinal, line, external_id, record_id, cells, state)", kept);
        insertRows(h, "import_deferred_refs (import_id, ordinal, target)", refs);
    }

    /**
     * Multi-row inserts of {@code rows} into {@code tableAndColumns} (rows already there are left alone), up to 500 rows
     * per statement within the dialect's parameter limit; returns how many rows they inserted, summed from each
     * statement's own count (a JDBC batch's counts are not known on PostgreSQL: reWriteBatchedInserts answers
     * SUCCESS_NO_INFO).
     */
    private static long insertRows(Handle h, String tableAndColumns, List<Object[]> rows) {
        if (rows.isEmpty()) {
            return 0;
        }
        int width = rows.getFirst().length;
        int perStatement = Math.max(1, Math.min(500, h.dialect().maxParameters() / width));
        String one = "(" + String.join(", ", Collections.nCopies(width, "?")) + ")";
        long inserted = 0;
        for (int from = 0; from < rows.size(); from += perStatement) {
            List<Object[]> slice = rows.subList(from, Math.min(rows.size(), from + perStatement));
            StringBuilder sql = new StringBuilder("insert " + h.dialect().orFail() + "into " + tableAndColumns
                    + " values ");
            List<Object> params = new ArrayList<>(slice.size() * width);
            for (int i = 0; i < slice.size(); i++) {
                sql.append(i == 0 ? one : ", " + one);
                params.addAll(Arrays.asList(slice.get(i)));
            }
            inserted += h.update(sql + " on conflict do nothing", params.toArray());
        }
        return inserted;
    }

    /**
     * Marks rejected the pending put-off rows with a reference that neither a stored record of {@code object} nor
     * another pending row can satisfy; returns how many it marked. Run it until it returns 0: a row marked rejected can
     * leave a row that referred to it unsatisfiable in turn.
     */
    public int rejectUnsatisfiable(Handle h, String importId, String organizationId, String object) {
        return h.update("""
                update import_deferred set state = 'rejected'
                where import_id = ? and state = 'pending' and exists (
                    select 1 from import_deferred_refs r
                    where r.import_id = import_deferred.import_id and r.ordinal = import_deferred.ordinal
                      and not exists (select 1 from records x where x.organization_id = ? and x.object = ?
                                      and x.external_id = r.target)
                      and not exists (select 1 from import_deferred p where p.import_id = r.import_id
                                      and p.external_id = r.target and p.state = 'pending'))""",
                importId, organizationId, object);
    }

    /** External id → kept record id of the pending put-off rows with those keys. */
    public Map<String, String> deferredIds(Handle h, String importId, Collection<String> externalIds) {
        Map<String, String> found = new HashMap<>();
        h.queryIn("select external_id, record_id from import_deferred where import_id = ? and state = 'pending'"
                + " and %s", List.of(importId), "external_id", externalIds,
                rs -> found.put(rs.getString(1), rs.getString(2)));
        return found;
    }

    /**
     * External id → source line of the rows of the import with those keys that were rejected: rows already in its
     * errors, and put-off rows marked rejected.
     */
    public Map<String, Long> rejectedLines(Handle h, String importId, Collection<String> externalIds) {
        Map<String, Long> found = new HashMap<>();
        for (String rejected : List.of("import_errors where import_id = ?",
                "import_deferred where import_id = ? and state = 'rejected'")) {
            h.queryIn("select external_id, min(line) from " + rejected + " and %s group by external_id",
                    List.of(importId), "external_id", externalIds,
                    rs -> found.putIfAbsent(rs.getString(1), rs.getLong(2)));
        }
        return found;
    }

    /**
     * The first {@code limit} put-off rows still kept after ordinal {@code after}, in source order. Reading on from
     * the last row read, not from the start, walks past the index entries of the rows already removed only once.
     */
    public List<DeferredRow> deferredRows(Handle h, String importId, long after, int limit) {
        return h.query("select ordinal, line, external_id, record_id, cells from import_deferred where import_id = ?"
                + " and ordinal > ? order by ordinal limit " + limit, rs -> new DeferredRow(rs.getLong(1),
                        rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5), List.of()), importId,
                after);
    }

    /** Forgets the put-off rows from ordinal {@code from} to {@code to}: they have been written or rejected. */
    public void removeDeferred(Handle h, String importId, long from, long to) {
        for (String table : List.of("import_deferred_refs", "import_deferred")) {
            h.update("delete from " + table + " where import_id = ? and ordinal between ? and ?", importId, from, to);
        }
    }

    /** Keeps links a file workflow import adds after its last row. */
    public void addLinks(Handle h, String importId, List<ImportLink> links) {
        List<Object[]> rows = new ArrayList<>(links.size());
        links.forEach(l -> rows.add(new Object[] {importId, l.ordinal(), l.field(), l.recordId(), l.valueJson(),
            l.writtenJson(), l.unchanged() ? 1 : 0, l.row() == null ? null : l.row().line(),
            l.row() == null ? null : l.row().cellsJson(), l.row() == null ? null : l.row().outcome(),
            l.row() != null && l.row().shared() ? 1 : 0, l.row() == null ? null : l.row().gaveExternalId()}));
        insertRows(h, "import_links (import_id, ordinal, field, record_id, value, written, unchanged, line, cells,"
                + " outcome, shared, gave_external_id)", rows);
    }

    /**
     * Forgets the links of the given records and fields that rows before each given ordinal left: a later row decided
     * the field. Only the ordinal, record id and field of each are read.
     */
    public void removeLinksOf(Handle h, String importId, List<ImportLink> replaced) {
        // Per record and field only the latest ordinal matters: a delete below it covers those below the others.
        Map<List<String>, Long> below = new LinkedHashMap<>();
        replaced.forEach(l -> below.merge(List.of(l.recordId(), l.field()), l.ordinal(), Math::max));
        List<Map.Entry<List<String>, Long>> all = List.copyOf(below.entrySet());
        for (int from = 0; from < all.size(); from += KEYS_PER_STATEMENT) {
            List<Map.Entry<List<String>, Long>> slice = all.subList(from,
                    Math.min(all.size(), from + KEYS_PER_STATEMENT));
            List<Object> params = new ArrayList<>(List.of(importId));
            Set<String> recordIds = new LinkedHashSet<>();
            slice.forEach(e -> recordIds.add(e.getKey().getFirst()));
            params.addAll(recordIds);
            StringJoiner each = new StringJoiner(" or ", "(", ")");
            for (Map.Entry<List<String>, Long> e : slice) {
                each.add("(record_id = ? and field = ? and ordinal < ?)");
                params.addAll(List.of(e.getKey().get(0), e.getKey().get(1), e.getValue()));
            }
            // The list of record ids lets both databases find the links by import_links_by_record.
            h.update("delete from import_links where import_id = ? and record_id in ("
                    + String.join(", ", Collections.nCopies(recordIds.size(), "?")) + ") and " + each,
                    params.toArray());
        }
    }

    /**
     * The import's first {@code limit} links still to add after {@code after} (null: from the first), in source order.
     * Reading on from the last link read, not from the start, walks past the index entries of the links already
     * removed only once.
     */
    public List<ImportLink> links(Handle h, String importId, ImportLink after, int limit) {
        return h.query("select ordinal, record_id, field, value, written, unchanged, line, cells, outcome, shared,"
                + " gave_external_id from import_links where import_id = ? and (ordinal, field) > (?, ?)"
                + " order by ordinal, field limit " + limit,
                rs -> new ImportLink(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getInt(6) != 0, rs.getString(9) == null ? null
                                : new ImportLink.Row(rs.getLong(7), rs.getString(8), rs.getString(9),
                                        rs.getInt(10) != 0, rs.getString(11))),
                importId, after == null ? -1L : after.ordinal(), after == null ? "" : after.field());
    }

    /**
     * Forgets every link of the rows at {@code ordinals}: the rows were rejected. One statement per 500 rows (before,
     * one a row).
     */
    public void removeLinksOfRows(Handle h, String importId, Collection<Long> ordinals) {
        deleteOfImport(h, "import_links", "ordinal", importId, ordinals);
    }

    /**
     * Deletes the import's rows of {@code table} whose {@code column} is one of {@code keys}, in one statement per 500
     * keys.
     */
    private static void deleteOfImport(Handle h, String table, String column, String importId,
            Collection<?> keys) {
        List<?> all = List.copyOf(new LinkedHashSet<>(keys));
        for (int from = 0; from < all.size(); from += KEYS_PER_STATEMENT) {
            List<?> slice = all.subList(from, Math.min(all.size(), from + KEYS_PER_STATEMENT));
            List<Object> params = new ArrayList<>(slice.size() + 1);
            params.add(importId);
            params.addAll(slice);
            h.update("delete from " + table + " where import_id = ? and " + column + " in ("
                    + String.join(", ", Collections.nCopies(slice.size(), "?")) + ")", params.toArray());
        }
    }

    /** Keys (or records, or links) one statement names at most: at most 4 parameters each, far below the limits. */
    private static final int KEYS_PER_STATEMENT = 500;

    /** The import's change-log row of one record, if it logged one. */
    public Optional<Change> change(Handle h, String importId, String recordId) {
        return h.queryFirst("""
                select record_id, object, external_id, kind, previous_data, previous_version, applied_version
                from import_changes where import_id = ? and record_id = ?""",
                rs -> new Change(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), nullableLong(rs, 6), nullableLong(rs, 7)), importId, recordId);
    }

    /** The import's change-log rows of those of {@code recordIds} it logged one for, keyed by record id. */
    public Map<String, Change> changes(Handle h, String importId, Collection<String> recordIds) {
        Map<String, Change> found = new HashMap<>();
        h.queryIn("""
                select record_id, object, external_id, kind, previous_data, previous_version, applied_version
                from import_changes where import_id = ? and %s""", List.of(importId), "record_id", recordIds,
                rs -> found.put(rs.getString(1), new Change(rs.getString(1), rs.getString(2), rs.getString(3),
                        rs.getString(4), rs.getString(5), nullableLong(rs, 6), nullableLong(rs, 7))));
        return found;
    }

    /**
     * {@link #moveAppliedVersion} from each record's {@code version} to the next, for many records (ids distinct), in
     * one statement per 500 of them.
     */
    public void moveAppliedVersions(Handle h, String importId, List<RecordStore.Versioned> records) {
        for (int from = 0; from < records.size(); from += 500) {
            List<RecordStore.Versioned> slice = records.subList(from, Math.min(records.size(), from + 500));
            List<Object> params = new ArrayList<>(List.of(importId));
            StringBuilder version = new StringBuilder("case record_id");
            slice.forEach(r -> params.add(r.id()));
            for (RecordStore.Versioned r : slice) {
                version.append(" when ? then ?");
                params.add(r.id());
                params.add(r.version());
            }
            h.update("update import_changes set applied_version = applied_version + 1 where import_id = ?"
                    + " and record_id in (" + String.join(", ", Collections.nCopies(slice.size(), "?")) + ")"
                    + " and applied_version = " + version + " end", params.toArray());
        }
    }

    /** {@link #removeChange} for many records, in one statement per 500 of them. */
    public void removeChanges(Handle h, String importId, Collection<String> recordIds) {
        deleteOfImport(h, "import_changes", "record_id", importId, recordIds);
    }

    /**
     * Moves the version the import last gave a record from {@code from} to {@code to}, where its change log holds
     * {@code from}: the import wrote the record once more outside a chunk (took back an external_id it gave), and
     * rollback recognises the record as the import left it by that version.
     */
    public void moveAppliedVersion(Handle h, String importId, String recordId, long from, long to) {
        h.update("update import_changes set applied_version = ? where import_id = ? and record_id = ?"
                + " and applied_version = ?", to, importId, recordId, from);
    }

    /** Forgets the import's change-log row of one record: the change was undone. */
    public void removeChange(Handle h, String importId, String recordId) {
        h.update("delete from import_changes where import_id = ? and record_id = ?", importId, recordId);
    }

    /** Forgets the import's links after {@code after} (null: from the first) up to {@code last}: they were added. */
    public void removeLinks(Handle h, String importId, ImportLink after, ImportLink last) {
        h.update("delete from import_links where import_id = ? and (ordinal, field) > (?, ?)"
                + " and (ordinal, field) <= (?, ?)", importId, after == null ? -1L : after.ordinal(), after == null ? "" : after.field(), last.ordinal(),
                last.field());
    }

    /**
     * A record an overwrite cleanup kept: {@code count} records that stay refer to it, among them {@code referrerId}
     * of {@code object} in {@code field}.
     */
    public record CleanupKept(String recordId, String object, String referrerId, String field, int count) {}

    /** A record an overwrite cleanup left to decide after its walk, with the version it was read at (0: not yet). */
    public record CleanupLater(long ordinal, String recordId, long version) {}

    /** The records an overwrite cleanup left to decide after its walk. */
    public static final String CLEANUP_LATER = "cleanup_later";
    /** The records an overwrite cleanup's walk kept, with what keeps each. */
    public static final String CLEANUP_KEPT = "cleanup_kept";
    /** The records left to decide after the walk that records that stay still refer to. */
    public static final String CLEANUP_HOLD = "cleanup_hold";
    /** The records the cleanup left since other writers kept changing them while it deleted them. */
    public static final String CLEANUP_LEFT = "cleanup_left";

    /**
     * Forgets what the import's overwrite cleanup kept in {@code import_deferred}. The cleanup keeps its records there
     * rather than in memory (a record of each is its id, in {@code external_id} and {@code record_id}, at a negative
     * ordinal, which the put-off rows' reads, from ordinal 0 on, never see), in the states above.
     */
    public void clearCleanup(Handle h, String importId) {
        h.update("delete from import_deferred where import_id = ? and ordinal < 0", importId);
    }

    /**
     * One page of the cleanup's walk: forgets the kept, undecided and left records among {@code deleted} (a record met
     * again and deleted), then adds {@code kept}, {@code later} and {@code left} ({@link #CLEANUP_LEFT}), in order.
     */
    public void addCleanup(Handle h, String importId, Collection<String> deleted, List<CleanupKept> kept,
            List<String> later, List<String> left) {
        if (!deleted.isEmpty()) {
            List<Object> params = new ArrayList<>(List.of(importId));
            h.update("delete from import_deferred where import_id = ? and ordinal < 0 and "
                    + h.dialect().inSet(h, "external_id", deleted, params), params.toArray());
        }
        if (kept.isEmpty() && later.isEmpty() && left.isEmpty()) {
            return;
        }
        long next = h.queryFirst("select max(ordinal) from import_deferred where import_id = ? and ordinal < 0",
                rs -> rs.getObject(1) == null ? Long.MIN_VALUE + 1 : rs.getLong(1) + 1, importId)
                .orElse(Long.MIN_VALUE + 1);
        List<Object[]> rows = new ArrayList<>(kept.size() + later.size() + left.size());
        for (CleanupKept k : kept) {
            rows.add(new Object[] {importId, next++, 0L, k.recordId(), k.recordId(),
                ValueJson.write(List.of(k.object(), k.referrerId(), k.field(), k.count())), CLEANUP_KEPT});
        }
        for (String id : later) {
            rows.add(new Object[] {importId, next++, 0L, id, id, "", CLEANUP_LATER});
        }
        for (String id : left) {
            rows.add(new Object[] {importId, next++, 0L, id, id, "", CLEANUP_LEFT});
        }
        insertRows(h, "import_deferred (import_id, ordinal, line, external_id, record_id, cells, state)", rows);
    }

    /**
     * Forgets the records left for after the walk that the walk kept after all, and a record left twice (met again)
     * but once.
     */
    public void dropLaterKept(Handle h, String importId) {
        h.update("delete from import_deferred where import_id = ? and ordinal < 0 and state = ? and external_id in"
                + " (select external_id from import_deferred where import_id = ? and ordinal < 0 and state = ?)",
                importId, CLEANUP_LATER, importId, CLEANUP_KEPT);
        h.update("delete from import_deferred where import_id = ? and ordinal < 0 and state = ? and exists (select 1"
                + " from import_deferred e where e.import_id = import_deferred.import_id and e.ordinal < 0"
                + " and e.state = import_deferred.state and e.external_id = import_deferred.external_id"
                + " and e.ordinal < import_deferred.ordinal)", importId, CLEANUP_LATER);
    }

    /** The first {@code limit} cleanup records in {@code state} after ordinal {@code after}, by ordinal. */
    public List<CleanupLater> cleanupRecords(Handle h, String importId, String state, long after, int limit) {
        return h.query("select ordinal, record_id, line from import_deferred where import_id = ? and ordinal < 0"
                + " and state = ? and ordinal > ? order by ordinal limit " + limit,
                rs -> new CleanupLater(rs.getLong(1), rs.getString(2), rs.getLong(3)), importId, state, after);
    }

    /** Sets the version each of the cleanup's records was read at (by ordinal), or forgets it when it is -1. */
    public void readCleanup(Handle h, String importId, Map<Long, Long> versions) {
        List<Long> gone = new ArrayList<>();
        List<Map.Entry<Long, Long>> read = new ArrayList<>();
        versions.forEach((ordinal, version) -> {
            if (version < 0) {
                gone.add(ordinal);
            } else {
                read.add(Map.entry(ordinal, version));
            }
        });
        for (int from = 0; from < read.size(); from += KEYS_PER_STATEMENT) {
            List<Map.Entry<Long, Long>> slice = read.subList(from, Math.min(read.size(), from + KEYS_PER_STATEMENT));
            List<Object> params = new ArrayList<>();
            StringBuilder line = new StringBuilder("case ordinal");
            for (Map.Entry<Long, Long> e : slice) {
                line.append(" when ? then ?");
                params.add(e.getKey());
                params.add(e.getValue());
            }
            params.add(importId);
            slice.forEach(e -> params.add(e.getKey()));
            h.update("update import_deferred set line = " + line + " end where import_id = ? and ordinal in ("
                    + String.join(", ", Collections.nCopies(slice.size(), "?")) + ")", params.toArray());
        }
        deleteOfImport(h, "import_deferred", "ordinal", importId, gone);
    }

    /** How many distinct records the cleanup keeps in {@code state}. */
    public long cleanupCount(Handle h, String importId, String state) {
        return h.queryFirst("select count(distinct external_id) from import_deferred where import_id = ?"
                + " and ordinal < 0 and state = ?", rs -> rs.getLong(1), importId, state).orElse(0L);
    }

    /**
     * Leaves the records the cleanup left to decide after its walk ({@link #CLEANUP_LATER}) as records other writers
     * kept changing ({@link #CLEANUP_LEFT}): what the cleanup does when it cannot decide them. One already left counts
     * once ({@link #cleanupCount} counts distinct records).
     */
    public void leaveLater(Handle h, String importId) {
        h.update("update import_deferred set state = ? where import_id = ? and ordinal < 0 and state = ?",
                CLEANUP_LEFT, importId, CLEANUP_LATER);
    }

    /**
     * The record the walk kept first of those still kept, with what keeps it as last found: the walk's kept records
     * in the order it kept them, each taking what a later page found; empty when it kept none.
     */
    public Optional<CleanupKept> firstCleanupKept(Handle h, String importId) {
        return h.queryFirst("select external_id from import_deferred where import_id = ? and ordinal < 0"
                + " and state = ? order by ordinal limit 1", rs -> rs.getString(1), importId, CLEANUP_KEPT)
                .flatMap(id -> h.queryFirst("select cells from import_deferred where import_id = ? and ordinal < 0"
                        + " and state = ? and external_id = ? order by ordinal desc limit 1", rs -> {
                            List<Object> k = ValueJson.read(rs.getString(1), new TypeReference<List<Object>>() {});
                            return new CleanupKept(id, (String) k.get(0), (String) k.get(1), (String) k.get(2),
                                    ((Number) k.get(3)).intValue());
                        }, importId, CLEANUP_KEPT, id));
    }

    /**
     * How many put-off rows the import still keeps, not counting what its overwrite cleanup keeps in the same table
     * (negative ordinals, {@link #clearCleanup}).
     */
    public long putOffCount(Handle h, String importId) {
        return h.queryFirst("select count(*) from import_deferred where import_id = ? and ordinal >= 0",
                rs -> rs.getLong(1), importId).orElse(0L);
    }

    /** How many rows the import keeps in {@code import_deferred}: put-off rows and its cleanup's. */
    public long deferredCount(Handle h, String importId) {
        return h.queryFirst("select count(*) from import_deferred where import_id = ?", rs -> rs.getLong(1),
                importId).orElse(0L);
    }

    public String setting(Handle h, String name, Supplier<String> initial) {
        Optional<String> value = h.queryFirst("select value from settings where name = ?", rs -> rs.getString(1),
                name);
        if (value.isPresent()) {
            return value.get();
        }
        h.update("insert into settings (name, value) values (?, ?) on conflict do nothing", name, initial.get());
        return h.queryFirst("select value from settings where name = ?", rs -> rs.getString(1), name).orElseThrow();
    }

    /** Records the external ids that occur more than once, with their count and first ordinal. */
    public void addDuplicates(Handle h, String importId, Map<String, long[]> duplicates) {
        h.update("delete from import_duplicates where import_id = ?", importId);
        for (Map.Entry<String, long[]> e : duplicates.entrySet()) {
            h.update("insert into import_duplicates (import_id, external_id, occurrences, first_ordinal)"
                    + " values (?, ?, ?, ?)", importId, e.getKey(), e.getValue()[0], e.getValue()[1]);
        }
    }

    /** External id → ordinal of its first occurrence, for the keys that occur more than once. */
    public Map<String, Long> duplicates(Handle h, String importId) {
        Map<String, Long> out = new java.util.HashMap<>();
        h.query("select external_id, first_ordinal from import_duplicates where import_id = ?",
                rs -> out.put(rs.getString(1), rs.getLong(2)), importId);
        return out;
    }

    private static Long millis(Instant t) {
        return t == null ? null : t.toEpochMilli();
    }

    private static String mapping(ImportJob job) {
        return job.columnMapping() == null ? null : ValueJson.write(job.columnMapping());
    }

    private static List<Map<String, Object>> phases(ImportJob job) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (PhaseState p : job.phases()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("phase", p.phase().wireName());
            m.put("status", p.status().wireName());
            m.put("started_at", millis(p.startedAt()));
            m.put("finished_at", millis(p.finishedAt()));
            m.put("rows", p.rows());
            m.put("rejected", p.rejected());
            m.put("reason", p.reason());
            out.add(m);
        }
        return out;
    }

    private static Map<String, Long> stats(ImportStats s) {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("read", s.read());
        m.put("valid", s.valid());
        m.put("created", s.created());
        m.put("updated", s.updated());
        m.put("unchanged", s.unchanged());
        m.put("deleted", s.deleted());
        m.put("skipped_duplicates", s.skippedDuplicates());
        m.put("failed", s.failed());
        return m;
    }

    private static ImportJob job(ResultSet rs) throws SQLException {
        List<PhaseState> phases = new ArrayList<>();
        for (Map<String, Object> m : ValueJson.read(rs.getString(14), PHASES)) {
            phases.add(new PhaseState(
                    ImportEnums.parse(Phase.class, (String) m.get("phase")).orElseThrow(),
                    ImportEnums.parse(PhaseStatus.class, (String) m.get("status")).orElseThrow(),
                    m.get("started_at") == null ? null : Instant.ofEpochMilli(((Number) m.get("started_at")).longValue()),
                    m.get("finished_at") == null ? null
                            : Instant.ofEpochMilli(((Number) m.get("finished_at")).longValue()),
                    ((Number) m.get("rows")).longValue(), ((Number) m.get("rejected")).longValue(),
                    (String) m.get("reason")));
        }
        Map<String, Long> s = ValueJson.read(rs.getString(15), STATS);
        ImportStats stats = new ImportStats(s.get("read"), s.get("valid"), s.get("created"), s.get("updated"),
                s.get("unchanged"), s.get("deleted"), s.get("skipped_duplicates"), s.get("failed"));
        String mapping = rs.getString(13);
        return new ImportJob(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                ImportEnums.parse(UploadMode.class, rs.getString(5)).orElseThrow(),
                ImportEnums.parse(Action.class, rs.getString(6)).orElseThrow(),
                ImportEnums.parse(Status.class, rs.getString(7)).orElseThrow(),
                ImportEnums.parse(DuplicateHandling.class, rs.getString(8)).orElseThrow(),
                rs.getString(9), rs.getString(10), rs.getString(11), rs.getString(12),
                mapping == null ? null : ValueJson.read(mapping, MAPPING), phases, stats, rs.getString(16),
                rs.getString(17), rs.getString(18), rs.getBoolean(19), rs.getBoolean(20), nullableLong(rs, 21),
                rs.getLong(22), instant(rs, 23), instant(rs, 24), rs.getBoolean(25), instant(rs, 26), instant(rs, 29),
                Instant.ofEpochMilli(rs.getLong(27)), Instant.ofEpochMilli(rs.getLong(28)), instant(rs, 30), null);
    }

    /**
     * Up to {@code limit} ended imports (completed, failed, timed out, expired) that ended before {@code before} and
     * are not purged yet, oldest first.
     */
    public List<String> purgeable(Handle h, Instant before, int limit) {
        return h.query(PURGEABLE + limit, rs -> rs.getString(1), before.toEpochMilli());
    }

    /**
     * Deletes what an import keeps besides its own row (rejected rows, change log, seen keys, duplicate counts,
     * reference warnings and their counts) and marks it purged: no upload or errors file, no rollback. Its stats and
     * phases stay. The caller deletes the upload's bytes once this commits.
     */
    public void purge(Handle h, String importId, Instant when) {
        // The import's row first: a rollback that claimed it (claimRollback) ends before its change log goes, and one
        // claiming it after this waits for the commit and finds it purged, never a change log half deleted.
        // Its warnings are gone: their count would say that the answers leave them all out.
        h.update("update imports set has_upload_file = ?, has_errors_file = ?, has_seen_keys = ?, purged_at = ?,"
                + " warnings_count = null where id = ?", false, false, false, when.toEpochMilli(), importId);
        for (String table : List.of("import_errors", "import_changes", "import_seen", "import_duplicates",
                "import_reference_warnings", "import_deferred", "import_deferred_refs", "import_links",
                "import_warnings", "import_reference_counts", "import_reference_seen")) {
            h.update("delete from " + table + " where import_id = ?", importId);
        }
    }

    /**
     * Stores an import's options, JSON written by the engine: a module import's workflow options, or the date formats
     * prevalidation inferred for another import.
     */
    public void setOptions(Handle h, String importId, String json) {
        h.update("update imports set options = ? where id = ?", json, importId);
    }

    /** The options {@link #setOptions} stored; empty when there are none. */
    public Optional<String> options(Handle h, String importId) {
        return h.queryFirst("select options from imports where id = ? and options is not null", rs -> rs.getString(1),
                importId);
    }

    /** An import not ended yet, with the options {@link #setOptions} stored for it. */
    public record Unfinished(String id, Status status, String options) {}

    /**
     * The organization's imports from {@code source} that have not ended (requested, queued or processing) and whose
     * options contain {@code text} (ignoring ASCII case on SQLite), oldest first. The database compares the text, so
     * the caller decodes only the options of these few, not those of every unfinished import at each call; what the
     * text means within them (which member holds it) is the caller's to check.
     */
    public List<Unfinished> unfinishedWithOptionsContaining(Handle h, String organizationId, String source,
            String text) {
        String pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
        return h.query(UNFINISHED_WITH_OPTIONS,
                rs -> new Unfinished(rs.getString(1), ImportEnums.parse(Status.class, rs.getString(2)).orElseThrow(),
                        rs.getString(3)),
                organizationId, source, pattern);
    }

    /**
     * How many unresolved values of a field an import keeps: the {@value #LISTED_REFERENCE_WARNINGS} its answers list
     * and one more, which tells that they leave some out.
     */
    public static final int KEPT_REFERENCE_WARNINGS = 101;

    /** How many unresolved values of a field the answers list. */
    public static final int LISTED_REFERENCE_WARNINGS = KEPT_REFERENCE_WARNINGS - 1;

    /**
     * Records reference values an import could not resolve (each pair once), keeping of each field only its first
     * {@value #KEPT_REFERENCE_WARNINGS} values in Java's {@link String} order ({@link #referenceWarnings}): a value
     * after those is not stored, and one they push out is deleted. So an import stores at most that many a field
     * however many rows name a value that matches nothing (before, one row a distinct value, never read). Reads the
     * field's kept values (a batch at a time) once per call, and stores the values that join them in one insert
     * (before, one insert a value); an import that stored more before is trimmed then. The values not named before are
     * counted ({@link #findingCounts}), in the caller's transaction.
     */
    public void addReferenceWarnings(Handle h, String importId, Map<String, ? extends Collection<String>> byField) {
        byField.forEach((field, values) -> {
            if (values.isEmpty()) {
                return;
            }
            TreeSet<String> kept = new TreeSet<>();
            long[] stored = {0};
            h.forEach("select value from import_reference_warnings where import_id = ? and field = ?", rs -> {
                stored[0]++;
                kept.add(rs.getString(1));
                if (kept.size() > KEPT_REFERENCE_WARNINGS) {
                    kept.pollLast();
                }
                return null;
            }, importId, field);
            Set<String> keptStored = new HashSet<>(kept);
            for (String v : values) {
                kept.add(v);
                if (kept.size() > KEPT_REFERENCE_WARNINGS) {
                    kept.pollLast();
                }
            }
            keptStored.retainAll(kept);
            if (stored[0] > keptStored.size()) {
                List<Object> params = new ArrayList<>(kept.size() + 2);
                params.add(importId);
                params.add(field);
                params.addAll(kept);
                h.update("delete from import_reference_warnings where import_id = ? and field = ? and value not in ("
                        + String.join(", ", Collections.nCopies(kept.size(), "?")) + ")", params.toArray());
            }
            List<Object[]> added = new ArrayList<>();
            for (String v : kept) {
                if (!keptStored.contains(v)) {
                    added.add(new Object[] {importId, field, v});
                }
            }
            insertRows(h, "import_reference_warnings (import_id, field, value)", added);
            countReferenceValues(h, importId, field, values);
        });
    }

    /**
     * Adds to the field's count of distinct unresolved values those of {@code values} the import had not named yet:
     * each value's hash is stored once, in the caller's transaction, so a value a later chunk (or a resumed run) names
     * again is not counted again, however many values the import keeps whole.
     */
    private void countReferenceValues(Handle h, String importId, String field, Collection<String> values) {
        Set<Long> hashes = new LinkedHashSet<>();
        values.forEach(v -> hashes.add(valueHash(v)));
        List<Long> all = List.copyOf(hashes);
        long added = 0;
        // One statement a slice, whose count is the rows it inserted: a batch's counts are not known on PostgreSQL
        // (reWriteBatchedInserts answers SUCCESS_NO_INFO).
        for (int from = 0; from < all.size(); from += SEEN_PER_STATEMENT) {
            List<Long> slice = all.subList(from, Math.min(from + SEEN_PER_STATEMENT, all.size()));
            List<Object> params = new ArrayList<>(slice.size() * 3);
            slice.forEach(hash -> params.addAll(List.of(importId, field, hash)));
            added += h.update("insert into import_reference_seen (import_id, field, value_hash) values "
                    + String.join(", ", Collections.nCopies(slice.size(), "(?, ?, ?)")) + " on conflict do nothing",
                    params.toArray());
        }
        if (added > 0) {
            h.update("insert into import_reference_counts (import_id, field, value_count) values (?, ?, ?)"
                    + " on conflict (import_id, field) do update"
                    + " set value_count = import_reference_counts.value_count + excluded.value_count",
                    importId, field, added);
        }
    }

    /** How many value hashes one insert carries: 1,500 parameters, far below either database's limit. */
    private static final int SEEN_PER_STATEMENT = 500;

    /** The first 8 bytes of the value's SHA-256 (UTF-8): two of an import's values share one once in 2^64 pairs. */
    public static long valueHash(String value) {
        try {
            return ByteBuffer.wrap(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)))
                    .getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }

    /**
     * How many row warnings and unresolved reference values an import found in all, of which {@link #warnings} and
     * {@link #referenceWarnings} give the first.
     *
     * @param warnings the row warnings; null for an import stored before they were counted (V34), or purged
     * @param unresolvedValues field → how many distinct values of it matched nothing; empty for such an import
     */
    public record FindingCounts(Long warnings, Map<String, Long> unresolvedValues) {}

    /** The counts of what the import found; empty when there is no such import. */
    public Optional<FindingCounts> findingCounts(Handle h, String importId) {
        return h.queryFirst("select warnings_count from imports where id = ?",
                rs -> Optional.ofNullable(nullableLong(rs, 1)), importId)
                .map(warnings -> {
                    if (warnings.isEmpty()) {
                        // Stored before V34: a run resumed since counted only the values it met.
                        return new FindingCounts(null, Map.of());
                    }
                    Map<String, Long> byField = new TreeMap<>();
                    h.forEach("select field, value_count from import_reference_counts where import_id = ?", rs -> {
                        byField.put(rs.getString(1), rs.getLong(2));
                        return null;
                    }, importId);
                    return new FindingCounts(warnings.get(), byField);
                });
    }

    /**
     * field → unresolved values of an import: the first {@code perField} of each in Java's {@link String} order (by
     * UTF-16 code unit: {@code Banana} before {@code apple}), whatever the database's collation, so that the validate
     * step, which sorts them so in memory, lists the same values in the same order on either database. The rows are
     * read a batch at a time ({@link Handle#forEach}), so memory holds {@code perField} values a field however many
     * the import stored (before, PostgreSQL's driver loaded them all). With {@code perField} past
     * {@value #LISTED_REFERENCE_WARNINGS}, a field with more values than that gives one more: its answers leave some
     * out.
     */
    public Map<String, List<String>> referenceWarnings(Handle h, String importId, int perField) {
        Map<String, TreeSet<String>> first = new TreeMap<>();
        h.forEach("select field, value from import_reference_warnings where import_id = ?", rs -> {
            TreeSet<String> values = first.computeIfAbsent(rs.getString(1), f -> new TreeSet<>());
            values.add(rs.getString(2));
            if (values.size() > perField) {
                values.pollLast();
            }
            return null;
        }, importId);
        Map<String, List<String>> out = new TreeMap<>();
        first.forEach((field, values) -> out.put(field, List.copyOf(values)));
        return out;
    }

    /**
     * How many row warnings an import keeps: the first {@value #LISTED_WARNINGS} its answers list, in source order,
     * and one more, which tells that they leave some out.
     */
    public static final int KEPT_WARNINGS = 1_001;

    /** How many row warnings the answers list. */
    public static final int LISTED_WARNINGS = KEPT_WARNINGS - 1;

    /**
     * Records warnings about rows the import accepted (one per row and field), keeping only the import's first
     * {@value #KEPT_WARNINGS} in source order ({@link #warnings}): those past them are not stored, or deleted when a
     * warning of an earlier row takes their place, so an import stores that many at most however many of its rows are
     * warned about (before, one a row, never read past the first 1,000). A warning of a row before those kept (a
     * link's, added after the last row) takes its place among them. Each warning is counted ({@link #findingCounts}),
     * in the caller's transaction, whether kept or not, but for one whose row and field are stored already or came
     * earlier in {@code warnings} (the first is kept). A chunk's warnings come once, in the transaction that commits
     * it (a chunk run again or replayed row by row gives them again after its rollback), so each counts once. Those
     * that may stay go in multi-row inserts; a warning of a row after the last one kept when the import keeps all it
     * may is counted without an insert: such a chunk takes two statements however many warnings it has (before, one
     * insert a warning).
     */
    public void addWarnings(Handle h, String importId, List<RowWarning> warnings) {
        if (warnings.isEmpty()) {
            return;
        }
        Map<List<Object>, RowWarning> given = new LinkedHashMap<>();
        warnings.forEach(w -> given.putIfAbsent(List.of(w.ordinal(), w.field()), w));
        long[] stored = h.query("select count(*), max(ordinal) from import_warnings where import_id = ?",
                rs -> new long[] {rs.getLong(1), rs.getObject(2) == null ? Long.MIN_VALUE : rs.getLong(2)},
                importId).getFirst();
        // A warning of a row after the last one stored is not stored yet: it counts without an insert. One of a row up
        // to it may be (a link's of a row before, or one given again): the insert's count tells which were new.
        List<RowWarning> maybeStored = new ArrayList<>();
        List<RowWarning> after = new ArrayList<>();
        given.values().forEach(w -> (w.ordinal() <= stored[1] ? maybeStored : after).add(w));
        long added = insertWarnings(h, importId, maybeStored);
        long held = stored[0] + added;
        // Of those after, only the first that fill the import's room can stay. The cut is at a row's end: the fields of
        // one row are in the database's collation order, which the trim below applies.
        after.sort(Comparator.comparingLong(RowWarning::ordinal));
        int kept = 0;
        while (kept < after.size() && (held + kept < KEPT_WARNINGS
                || kept > 0 && after.get(kept).ordinal() == after.get(kept - 1).ordinal())) {
            kept++;
        }
        held += insertWarnings(h, importId, after.subList(0, kept));
        added += after.size();
        if (added > 0) {
            // Counted in the transaction that stores them; an import stored before V34 keeps its null.
            h.update("update imports set warnings_count = warnings_count + ? where id = ?", added, importId);
        }
        if (held > KEPT_WARNINGS) {
            h.queryFirst("select ordinal, field from import_warnings where import_id = ? order by ordinal, field"
                    + " limit 1 offset " + KEPT_WARNINGS, rs -> new Object[] {rs.getLong(1), rs.getString(2)},
                    importId).ifPresent(first -> h.update("delete from import_warnings where import_id = ?"
                            + " and (ordinal > ? or ordinal = ? and field >= ?)", importId, first[0], first[0],
                            first[1]));
        }
    }

    /** Inserts {@code warnings}, those not stored yet; returns how many it stored. */
    private static long insertWarnings(Handle h, String importId, List<RowWarning> warnings) {
        List<Object[]> rows = new ArrayList<>(warnings.size());
        warnings.forEach(w -> rows.add(new Object[] {importId, w.ordinal(), w.field(), w.code(), w.message()}));
        return insertRows(h, "import_warnings (import_id, ordinal, field, code, message)", rows);
    }

    /** The import's first {@code limit} row warnings, in source order. */
    public List<RowWarning> warnings(Handle h, String importId, int limit) {
        return h.query("select ordinal, field, code, message from import_warnings where import_id = ?"
                + " order by ordinal, field limit " + limit,
                rs -> new RowWarning(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4)), importId);
    }
}
