package dev.freight.store;

import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * A background export: what it reads ({@code sourceType} module or report, {@code sourceId}, the module's object
 * slug), how ({@code format}, {@code config} as JSON text), and where it stands. Immutable; {@code with…} methods
 * return changed copies.
 *
 * @param config null where the read did not select it: every read but {@link ExportJobStore#getToRun}
 * @param progress percent of the records written, 0 to 100
 * @param recordCount how many records the export writes, once known
 * @param expiresAt when the file is deleted, set on completion
 */
public record ExportJob(
        String id,
        String organizationId,
        String sourceType,
        String sourceId,
        String module,
        String format,
        String config,
        Status status,
        int progress,
        Long recordCount,
        String fileName,
        Long fileSizeBytes,
        String contentType,
        String error,
        String createdBy,
        Instant requestedAt,
        Instant startedAt,
        Instant completedAt,
        Instant expiresAt) {

    /** Where an export job stands. Wire names are API. */
    public enum Status {
        QUEUED,
        PROCESSING,
        COMPLETED,
        FAILED,
        EXPIRED;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Optional<Status> fromWireName(String name) {
            return Arrays.stream(values()).filter(s -> s.wireName().equals(name)).findFirst();
        }

        public boolean isFinal() {
            return this == COMPLETED || this == FAILED || this == EXPIRED;
        }
    }

    public ExportJob started(Instant at, long records) {
        return new ExportJob(id, organizationId, sourceType, sourceId, module, format, config, Status.PROCESSING, 0,
                records, fileName, null, contentType, null, createdBy, requestedAt, at, null, null);
    }

    /** The job completed, its file holding {@code records} records in {@code bytes} bytes. */
    public ExportJob completed(Instant at, long records, long bytes, Instant expires) {
        return new ExportJob(id, organizationId, sourceType, sourceId, module, format, config, Status.COMPLETED, 100,
                records, fileName, bytes, contentType, null, createdBy, requestedAt, startedAt, at, expires);
    }

    public ExportJob failed(Instant at, String reason) {
        return new ExportJob(id, organizationId, sourceType, sourceId, module, format, config, Status.FAILED, progress,
                recordCount, fileName, null, contentType, reason, createdBy, requestedAt, startedAt, at, null);
    }

    public ExportJob expired() {
        return new ExportJob(id, organizationId, sourceType, sourceId, module, format, config, Status.EXPIRED, progress,
                recordCount, fileName, fileSizeBytes, contentType, error, createdBy, requestedAt, startedAt,
                completedAt, expiresAt);
    }
}
