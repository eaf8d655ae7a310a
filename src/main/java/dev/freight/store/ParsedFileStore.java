package dev.freight.store;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import tools.jackson.core.type.TypeReference;

/**
 * Files uploaded to the file import workflow's parse step, kept (bytes in the {@link UploadStore}) so validate and
 * execute can refer to them by id instead of resending their rows. Stateless; thread-safe.
 */
public final class ParsedFileStore {

    /**
     * One parsed file as stored. {@code headers}: the column names its reader gave for {@code sheet}, or null when
     * not known (a file parsed before they were kept, or whose sheet had no rows).
     */
    public record ParsedFile(
            String id,
            String organizationId,
            String module,
            String fileName,
            String fileType,
            String encoding,
            String sheet,
            long sizeBytes,
            String checksum,
            long totalRows,
            List<String> headers,
            Instant createdAt) {

        public ParsedFile {
            headers = headers == null ? null : List.copyOf(headers);
        }
    }

    /**
     * {@link #deleteCreatedBefore}'s read: through {@code parsed_files_created} (migration V32), so that each sweep reads
     * the files it deletes, not every file parsed within the time to live.
     */
    static final String CREATED_BEFORE = "select id from parsed_files where created_at < ? order by created_at, id";

    private static final TypeReference<List<String>> NAMES = new TypeReference<>() {};

    private final Clock clock;

    public ParsedFileStore(Clock clock) {
        this.clock = clock;
    }

    public ParsedFile create(Handle h, ParsedFile f) {
        ParsedFile stored = new ParsedFile(f.id(), f.organizationId(), f.module(), f.fileName(), f.fileType(),
                f.encoding(), f.sheet(), f.sizeBytes(), f.checksum(), f.totalRows(), f.headers(), clock.instant());
        h.update("""
                insert into parsed_files (id, organization_id, module, file_name, file_type, encoding, sheet, size_bytes,
                    checksum, total_rows, headers, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                stored.id(), stored.organizationId(), stored.module(), stored.fileName(), stored.fileType(),
                stored.encoding(), stored.sheet(), stored.sizeBytes(), stored.checksum(), stored.totalRows(),
                stored.headers() == null ? null : ValueJson.write(stored.headers()), stored.createdAt().toEpochMilli());
        return stored;
    }

    /** The organization's parsed file, or empty (another organization's id is not found). */
    public Optional<ParsedFile> get(Handle h, String organizationId, String id) {
        return h.queryFirst("""
                select id, organization_id, module, file_name, file_type, encoding, sheet, size_bytes, checksum,
                    total_rows, headers, created_at from parsed_files where organization_id = ? and id = ?""",
                rs -> new ParsedFile(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getString(7), rs.getLong(8), rs.getString(9),
                        rs.getLong(10), rs.getString(11) == null ? null : ValueJson.read(rs.getString(11), NAMES),
                        Instant.ofEpochMilli(rs.getLong(12))),
                organizationId, id);
    }

    /**
     * Locks the organization's parsed file until the transaction of {@code h} ends, so that transactions deciding
     * something about one file (whether an import of it is running) take turns: a row lock on PostgreSQL, and on
     * SQLite the write lock every transaction takes at its start. False when there is no such file.
     */
    public boolean lock(Handle h, String organizationId, String id) {
        return h.update("update parsed_files set id = id where organization_id = ? and id = ?", organizationId, id) == 1;
    }

    /**
     * Deletes the rows of files created before {@code cutoff}; returns their ids, the oldest first (their bytes are the
     * caller's).
     */
    public List<String> deleteCreatedBefore(Handle h, Instant cutoff) {
        List<String> ids = h.query(CREATED_BEFORE, rs -> rs.getString(1), cutoff.toEpochMilli());
        for (String id : ids) {
            h.update("delete from parsed_files where id = ?", id);
        }
        return ids;
    }
}
