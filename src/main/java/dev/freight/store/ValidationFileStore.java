package dev.freight.store;

import static dev.freight.store.ResultColumns.instant;
import static dev.freight.store.ResultColumns.nullableLong;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The records of the validate step's errors files (the bytes are files, see {@code engine.ValidationFiles}): one row
 * per validation that found a bad row, so the sweeper finds expired files, the disk limit finds the oldest finished
 * ones, and a download of deleted files can say why. Stateless; thread-safe.
 */
public final class ValidationFileStore {

    /** Why a validation's files were deleted. */
    public enum Removal {
        /** Finished files past their expiry. */
        EXPIRED,
        /** Finished files deleted before their expiry, the oldest first, to keep all of them under the byte limit. */
        OVER_LIMIT,
        /** Files whose writer stopped renewing its lease on them (a crash or kill mid-validation). */
        ABANDONED;

        String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Removal of(String wireName) {
            return wireName == null ? null : valueOf(wireName.toUpperCase(Locale.ROOT));
        }
    }

    /**
     * One validation's errors files.
     *
     * @param expiresAt while the files are written, the writer's lease; once they are finished, when they expire
     * @param finishedAt when the files were made whole, or null while they are written
     * @param sizeBytes the bytes of both files once finished, or null while they are written
     * @param deletedAt when the files were deleted, or null while they are kept
     * @param deletedBecause why they were deleted, or null while they are kept
     */
    public record ValidationFile(String id, String organizationId, Instant createdAt, Instant expiresAt,
            Instant finishedAt, Long sizeBytes, Instant deletedAt, Removal deletedBecause) {}

    /** A finished validation's files still kept, and their bytes. */
    public record Kept(String id, long sizeBytes) {}

    /*
     * The sweeper reads the files every minute while the rows of deleted ones stay for the import retention: these
     * reads take only the files not deleted, through a partial index of them (validation_files_live, migration V30, or
     * validation_files_kept), never the rows of deleted ones.
     */
    /** {@link #expired}: through {@code validation_files_live}. */
    static final String EXPIRED = "select id from validation_files where expires_at <= ? and deleted_at is null";
    /** {@link #keptBytes}: through {@code validation_files_kept}. */
    static final String KEPT_BYTES = """
            select coalesce(sum(size_bytes), 0) from validation_files
            where deleted_at is null and finished_at is not null""";
    /** {@link #keptOldestFirst}: through {@code validation_files_kept}. */
    static final String KEPT_OLDEST_FIRST = """
            select id, size_bytes from validation_files where deleted_at is null and finished_at is not null
            order by finished_at, id""";
    /**
     * {@link #forgetDeletedBefore}: through {@code validation_files_deleted} (migration V32), the records of deleted
     * files by when they were deleted, so that each sweep reads the few it forgets, not a retention's worth of them.
     */
    static final String FORGET_DELETED_BEFORE = """
            delete from validation_files where deleted_at is not null and deleted_at < ?""";

    /** Records a validation whose files are about to be written, leased to their writer until {@code leaseUntil}. */
    public void create(Handle h, String id, String organizationId, Instant createdAt, Instant leaseUntil) {
        h.update("""
                insert into validation_files (id, organization_id, created_at, expires_at, finished_at, size_bytes,
                    deleted_at, deleted_because)
                values (?, ?, ?, ?, null, null, null, null)""",
                id, organizationId, createdAt.toEpochMilli(), leaseUntil.toEpochMilli());
    }

    /**
     * Extends the lease of files still being written; false when they are no longer (the sweeper deleted them as
     * abandoned because the lease ran out first).
     */
    public boolean renew(Handle h, String id, Instant leaseUntil) {
        return h.update("""
                update validation_files set expires_at = ?
                where id = ? and finished_at is null and deleted_at is null""", leaseUntil.toEpochMilli(), id) == 1;
    }

    /**
     * Records the files whole: {@code sizeBytes} kept until {@code expiresAt}. False when they were deleted as
     * abandoned first.
     */
    public boolean finished(Handle h, String id, Instant finishedAt, Instant expiresAt, long sizeBytes) {
        return h.update("""
                update validation_files set finished_at = ?, expires_at = ?, size_bytes = ?
                where id = ? and finished_at is null and deleted_at is null""",
                finishedAt.toEpochMilli(), expiresAt.toEpochMilli(), sizeBytes, id) == 1;
    }

    /** The organization's validation files, or empty (another organization's id is not found). */
    public Optional<ValidationFile> get(Handle h, String organizationId, String id) {
        return h.queryFirst("""
                select id, organization_id, created_at, expires_at, finished_at, size_bytes, deleted_at,
                    deleted_because
                from validation_files where organization_id = ? and id = ?""",
                rs -> new ValidationFile(rs.getString(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3)),
                        Instant.ofEpochMilli(rs.getLong(4)), instant(rs, 5), nullableLong(rs, 6), instant(rs, 7),
                        Removal.of(rs.getString(8))),
                organizationId, id);
    }

    /**
     * The ids of files not deleted yet whose expiry (for files being written, their lease) passed at or before
     * {@code now}.
     */
    public List<String> expired(Handle h, Instant now) {
        return h.query(EXPIRED, rs -> rs.getString(1), now.toEpochMilli());
    }

    /**
     * Marks the files deleted at {@code now} if their expiry (or lease) has passed by then, as expired (finished) or
     * abandoned (never finished); false when they were deleted already or were renewed meanwhile.
     */
    public boolean markExpired(Handle h, String id, Instant now) {
        return h.update("""
                update validation_files set deleted_at = ?,
                    deleted_because = case when finished_at is null then ? else ? end
                where id = ? and deleted_at is null and expires_at <= ?""",
                now.toEpochMilli(), Removal.ABANDONED.wireName(), Removal.EXPIRED.wireName(), id,
                now.toEpochMilli()) == 1;
    }

    /** The bytes of the finished files still kept. */
    public long keptBytes(Handle h) {
        return h.queryFirst(KEPT_BYTES, rs -> rs.getLong(1)).orElse(0L);
    }

    /** The finished files still kept, the oldest finished first. */
    public List<Kept> keptOldestFirst(Handle h) {
        return h.query(KEPT_OLDEST_FIRST, rs -> new Kept(rs.getString(1), rs.getLong(2)));
    }

    /** Marks finished files deleted at {@code now} to keep under the limit; false when they were deleted already. */
    public boolean markOverLimit(Handle h, String id, Instant now) {
        return h.update("""
                update validation_files set deleted_at = ?, deleted_because = ?
                where id = ? and deleted_at is null and finished_at is not null""",
                now.toEpochMilli(), Removal.OVER_LIMIT.wireName(), id) == 1;
    }

    /** Forgets a validation's files at once: when the validation failed, or kept no files, before it answered. */
    public void delete(Handle h, String id) {
        h.update("delete from validation_files where id = ?", id);
    }

    /** Forgets files deleted before {@code cutoff}; returns how many. */
    public int forgetDeletedBefore(Handle h, Instant cutoff) {
        return h.update(FORGET_DELETED_BEFORE, cutoff.toEpochMilli());
    }
}
