package dev.freight.engine;

import dev.freight.store.IdGenerator;
import dev.freight.store.ImportEnums.Action;
import dev.freight.store.ImportEnums.DuplicateHandling;
import dev.freight.store.ImportEnums.Status;
import dev.freight.store.ImportEnums.UploadMode;
import dev.freight.store.ImportJob;
import dev.freight.store.ImportStats;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/** Makes new imports with their ids, initial phases and deadlines. Thread-safe. */
public final class ImportJobs {

    /** The source of imports made by the file import workflow (seed 003); they carry {@link ExecuteOptions}. */
    public static final String MODULE = "module";

    private final IdGenerator ids;
    private final Clock clock;
    private final Duration maxRunTime;

    /** @param maxRunTime how long an import may run before it ends as timed_out */
    public ImportJobs(IdGenerator ids, Clock clock, Duration maxRunTime) {
        this.ids = ids;
        this.clock = clock;
        this.maxRunTime = maxRunTime;
    }

    /** What a new import is for. {@code columnMapping} may be null (auto-map headers). */
    public record Request(
            String organizationId,
            String resource,
            String source,
            UploadMode uploadMode,
            Action action,
            DuplicateHandling duplicateHandling,
            String name,
            String createdBy,
            Map<String, String> columnMapping) {}

    /** A new import in {@code requested}, waiting for its upload until {@code uploadExpiresAt}. */
    public ImportJob requested(Request r, Instant uploadExpiresAt) {
        return job(r, Status.REQUESTED, uploadExpiresAt);
    }

    /** A new import whose rows are already here (the JSON Import API), about to be processed in-line. */
    public ImportJob inline(Request r) {
        return job(r, Status.PROCESSING, null).withDeadline(clock.instant().plus(maxRunTime));
    }

    public Instant deadlineFromNow() {
        return clock.instant().plus(maxRunTime);
    }

    private ImportJob job(Request r, Status status, Instant uploadExpiresAt) {
        Instant now = clock.instant();
        return new ImportJob(ids.next("imp"), r.organizationId(), r.resource(), r.source(), r.uploadMode(), r.action(),
                status, r.duplicateHandling(), null, r.name(), r.createdBy(), r.createdBy(), r.columnMapping(),
                ImportJob.initialPhases(), ImportStats.ZERO, null, null, null, false, false, null, 0, uploadExpiresAt,
                null, false, null, null, now, now, null, null);
    }
}
