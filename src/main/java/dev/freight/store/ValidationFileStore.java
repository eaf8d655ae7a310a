package dev.freight.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The records of the validate step's errors files (the bytes are files, see {@code engine.ValidationFiles}): one row
 * per validation that found a bad row, so the sweeper finds expired files and a download of a deleted one can say so.
 * Stateless; thread-safe.
 */
public final class ValidationFileStore {

    /**
     * One validation's errors files.
     *
     * @param deletedAt when the sweeper deleted the files, or null while they are kept
     */
    public record ValidationFile(String id, String organizationId, Instant createdAt, Instant expiresAt,
            Instant deletedAt) {}

    public void create(Handle h, ValidationFile f) {
        h.update("""
                insert into validation_files (id, organization_id, created_at, expires_at, deleted_at)
                values (?, ?, ?, ?, null)""",
                f.id(), f.organizationId(), f.createdAt().toEpochMilli(), f.expiresAt().toEpochMilli());
    }

    /** Moves the expiry of files not deleted yet (a validation's files expire from when it answered). */
    public void expireAt(Handle h, String id, Instant expiresAt) {
        h.update("update validation_files set expires_at = ? where id = ? and deleted_at is null",
                expiresAt.toEpochMilli(), id);
    }

    /** The organization's validation files, or empty (another organization's id is not found). */
    public Optional<ValidationFile> get(Handle h, String organizationId, String id) {
        return h.queryFirst("""
                select id, organization_id, created_at, expires_at, deleted_at from validation_files
                where organization_id = ? and id = ?""",
                rs -> new ValidationFile(rs.getString(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3)),
                        Instant.ofEpochMilli(rs.getLong(4)),
                        rs.getObject(5) == null ? null : Instant.ofEpochMilli(rs.getLong(5))),
                organizationId, id);
    }

    /** The ids of files not deleted yet that expired at or before {@code now}. */
    public List<String> expired(Handle h, Instant now) {
        return h.query("select id from validation_files where expires_at <= ? and deleted_at is null",
                rs -> rs.getString(1), now.toEpochMilli());
    }

    /** Marks the files deleted at {@code now}. */
    public void deleted(Handle h, String id, Instant now) {
        h.update("update validation_files set deleted_at = ? where id = ?", now.toEpochMilli(), id);
    }

    /** Forgets a validation's files at once: when the validation failed before it could answer with them. */
    public void delete(Handle h, String id) {
        h.update("delete from validation_files where id = ?", id);
    }

    /** Forgets files deleted before {@code cutoff}; returns how many. */
    public int forgetDeletedBefore(Handle h, Instant cutoff) {
        return h.update("delete from validation_files where deleted_at is not null and deleted_at < ?",
                cutoff.toEpochMilli());
    }
}
