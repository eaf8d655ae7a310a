package dev.freight.store;

import static dev.freight.store.ResultColumns.instant;
import static dev.freight.store.ResultColumns.nullableLong;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Background export jobs. Thread-safe; transactions belong to the caller. */
public final class ExportJobStore {

    private static final String COLUMNS = columns("config");
    /**
     * {@link #COLUMNS} with a null for the config, for every read but the run's ({@link #getToRun}): the config holds
     * the request's filters as given, 4.5 MB of text for an {@code in} of 250,000 values, and a list of 100 such jobs
     * read 450 MB it never used.
     */
    private static final String WITHOUT_CONFIG = columns("null");

    /*
     * The sweeps read export jobs through export_jobs_expiry (status, expires_at), whose first column is the status:
     * each reads the jobs in the statuses it names (literals, never bound, so that PostgreSQL's generic plan of the
     * prepared statement narrows by them too), not the ended jobs that stay listed for ever.
     */
    /** {@link #expired}: through {@code export_jobs_expiry}. */
    static final String EXPIRED = "select " + WITHOUT_CONFIG + " from export_jobs where status = 'completed'"
            + " and expires_at <= ? order by id";
    /**
     * {@link #forgetEndedBefore}'s read of the expired jobs, but for its limit: through {@code export_jobs_expiry}, the
     * jobs whose file expired before the bound instant.
     */
    static final String EXPIRED_BEFORE = "select id from export_jobs where status = 'expired' and expires_at < ?"
            + " order by expires_at, id limit ";
    /**
     * {@link #forgetEndedBefore}'s read of the failed jobs, but for its limit: through {@code export_jobs_expiry}, the
     * failed jobs (one retention's worth), each then compared by when it failed.
     */
    static final String FAILED_BEFORE = "select id from export_jobs where status = 'failed'"
            + " and coalesce(completed_at, requested_at) < ? order by id limit ";
    /** {@link #unfinished}, but for its limit: through {@code export_jobs_expiry}. */
    static final String UNFINISHED = "select id from export_jobs where status in ('queued', 'processing')"
            + " and requested_at < ? and id > ? order by id limit ";

    public void create(Handle h, ExportJob j) {
        h.update("insert into export_jobs (" + COLUMNS + ") values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                        + " ?, ?)", j.id(), j.organizationId(), j.sourceType(), j.sourceId(), j.module(), j.format(),
                j.config(), j.status().wireName(), j.progress(), j.recordCount(), j.fileName(), j.fileSizeBytes(),
                j.contentType(), j.error(), j.createdBy(), millis(j.requestedAt()), millis(j.startedAt()),
                millis(j.completedAt()), millis(j.expiresAt()));
    }

    /** Writes a job's state (everything but what it reads, which never changes). */
    public ExportJob save(Handle h, ExportJob j) {
        h.update("update export_jobs set status = ?, progress = ?, record_count = ?, file_size_bytes = ?, error = ?,"
                        + " started_at = ?, completed_at = ?, expires_at = ? where id = ?", j.status().wireName(),
                j.progress(), j.recordCount(), j.fileSizeBytes(), j.error(), millis(j.startedAt()),
                millis(j.completedAt()), millis(j.expiresAt()), j.id());
        return j;
    }

    public void progress(Handle h, String id, int percent) {
        h.update("update export_jobs set progress = ? where id = ? and status = 'processing'", percent, id);
    }

    /** The job with its config, which its run reads its records by. */
    public Optional<ExportJob> getToRun(Handle h, String id) {
        return h.queryFirst("select " + COLUMNS + " from export_jobs where id = ?", ExportJobStore::job, id);
    }

    /**
     * The job, its config null (not read: its file's download, its failure and its expiry do not need it). Before,
     * those read it too.
     */
    public Optional<ExportJob> get(Handle h, String id) {
        return h.queryFirst("select " + WITHOUT_CONFIG + " from export_jobs where id = ?", ExportJobStore::job, id);
    }

    /** The organization's job, its config null (not read: its status does not need it). */
    public Optional<ExportJob> get(Handle h, String organizationId, String id) {
        return h.queryFirst("select " + WITHOUT_CONFIG + " from export_jobs where organization_id = ? and id = ?",
                ExportJobStore::job, organizationId, id);
    }

    /** The organization's jobs, newest first, each with its config null (not read, as for one job's status). */
    public List<ExportJob> list(Handle h, String organizationId, int limit) {
        return h.query("select " + WITHOUT_CONFIG + " from export_jobs where organization_id = ?"
                + " order by id desc limit " + limit, ExportJobStore::job, organizationId);
    }

    /** Completed jobs whose file expired at or before {@code now}, each with its config null (not read). */
    public List<ExportJob> expired(Handle h, Instant now) {
        return h.query(EXPIRED, ExportJobStore::job, now.toEpochMilli());
    }

    /**
     * Deletes up to {@code limit} jobs whose file expired before {@code before}, and up to {@code limit} jobs that failed
     * before it (a job whose file is gone: {@code expired} or {@code failed}); returns how many.
     */
    public int forgetEndedBefore(Handle h, Instant before, int limit) {
        List<String> ids = new ArrayList<>(h.query(EXPIRED_BEFORE + limit, rs -> rs.getString(1),
                before.toEpochMilli()));
        ids.addAll(h.query(FAILED_BEFORE + limit, rs -> rs.getString(1), before.toEpochMilli()));
        for (String id : ids) {
            h.update("delete from export_jobs where id = ?", id);
        }
        return ids.size();
    }

    /**
     * Up to {@code limit} ids, by id after {@code afterId} (null: from the first), of the jobs not ended
     * ({@code queued} or {@code processing}) that were requested before {@code requestedBefore}. A job running or
     * waiting for a worker thread is listed too: the caller's look-up of its queued task tells those apart from a job
     * whose task was never queued.
     */
    public List<String> unfinished(Handle h, Instant requestedBefore, String afterId, int limit) {
        return h.query(UNFINISHED + limit, rs -> rs.getString(1), requestedBefore.toEpochMilli(),
                afterId == null ? "" : afterId);
    }

    private static String columns(String config) {
        return "id, organization_id, source_type, source_id, module, format, " + config + ", status, progress,"
                + " record_count, file_name, file_size_bytes, content_type, error, created_by, requested_at,"
                + " started_at, completed_at, expires_at";
    }

    private static Long millis(Instant at) {
        return at == null ? null : at.toEpochMilli();
    }

    private static ExportJob job(ResultSet rs) throws SQLException {
        return new ExportJob(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getString(6), rs.getString(7), ExportJob.Status.fromWireName(rs.getString(8)).orElseThrow(),
                rs.getInt(9), nullableLong(rs, 10), rs.getString(11), nullableLong(rs, 12), rs.getString(13),
                rs.getString(14), rs.getString(15), instant(rs, 16), instant(rs, 17), instant(rs, 18),
                instant(rs, 19));
    }
}
