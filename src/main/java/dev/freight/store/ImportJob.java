package dev.freight.store;

import dev.freight.store.ImportEnums.Action;
import dev.freight.store.ImportEnums.DuplicateHandling;
import dev.freight.store.ImportEnums.Phase;
import dev.freight.store.ImportEnums.PhaseStatus;
import dev.freight.store.ImportEnums.Status;
import dev.freight.store.ImportEnums.UploadMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The state of one import as stored: what it imports and how, where it is, and what it did so far. Immutable; the
 * {@code with…} methods return changed copies.
 *
 * @param source where the import came from: {@code imports} (the Imports resource), {@code report:<slug>} (the JSON
 *     Import API) or {@code module} (the file import workflow)
 * @param columnMapping field slug → column header, or null to map headers that equal a field's slug or label
 * @param purgedAt when the retention sweeper deleted the import's upload, error rows and change log (its stats stay),
 *     or null
 * @param finishedAt when the import reached a final status (completed, failed, timed out, expired), or null while it
 *     has not; a later rollback or save does not move it
 * @param checkpoint ordinal of the last source row whose outcome is committed; processing resumes after it
 * @param runToken the run this copy belongs to, or null: a save of a copy with a token succeeds only while that run
 *     still owns the import (see {@link ImportStore#claim}), so a run another worker took over cannot commit
 */
public record ImportJob(
        String id,
        String organizationId,
        String resource,
        String source,
        UploadMode uploadMode,
        Action action,
        Status status,
        DuplicateHandling duplicateHandling,
        String reason,
        String name,
        String createdBy,
        String updatedBy,
        Map<String, String> columnMapping,
        List<PhaseState> phases,
        ImportStats stats,
        String checksum,
        String fileType,
        String fileName,
        boolean hasUploadFile,
        boolean hasErrorsFile,
        Long totalRows,
        long checkpoint,
        Instant uploadExpiresAt,
        Instant deadlineAt,
        boolean cancelRequested,
        Instant rolledBackAt,
        Instant purgedAt,
        Instant createdAt,
        Instant updatedAt,
        Instant finishedAt,
        String runToken) {

    public ImportJob {
        phases = List.copyOf(phases);
    }

    public static List<PhaseState> initialPhases() {
        List<PhaseState> phases = new ArrayList<>();
        for (Phase p : Phase.values()) {
            phases.add(PhaseState.pending(p));
        }
        return phases;
    }

    public PhaseState phase(Phase phase) {
        return phases.get(phase.ordinal());
    }

    public ImportJob withPhase(PhaseState state) {
        List<PhaseState> copy = new ArrayList<>(phases);
        copy.set(state.phase().ordinal(), state);
        return new ImportJob(id, organizationId, resource, source, uploadMode, action, status, duplicateHandling,
                reason, name, createdBy, updatedBy, columnMapping, copy, stats, checksum, fileType, fileName,
                hasUploadFile, hasErrorsFile, totalRows, checkpoint, uploadExpiresAt, deadlineAt, cancelRequested,
                rolledBackAt, purgedAt, createdAt, updatedAt, finishedAt, runToken);
    }

    public ImportJob withStatus(Status newStatus, String why) {
        return new ImportJob(id, organizationId, resource, source, uploadMode, action, newStatus, duplicateHandling,
                why, name, createdBy, updatedBy, columnMapping, phases, stats, checksum, fileType, fileName,
                hasUploadFile, hasErrorsFile, totalRows, checkpoint, uploadExpiresAt, deadlineAt, cancelRequested,
                rolledBackAt, purgedAt, createdAt, updatedAt, finishedAt, runToken);
    }

    /**
     * The import in the final status {@code newStatus} with the reason {@code why}, no phase left unfinished: each
     * running phase ends as {@code running} says ({@code failed} when an error ended the import, {@code skipped} when it
     * was stopped), each pending one {@code skipped}, both at {@code now} with {@code why}.
     */
    public ImportJob ended(Status newStatus, String why, PhaseStatus running, Instant now) {
        ImportJob ended = withStatus(newStatus, why);
        for (PhaseState p : phases) {
            if (p.status() == PhaseStatus.RUNNING) {
                ended = ended.withPhase(p.finished(running, now, why));
            } else if (p.status() == PhaseStatus.PENDING) {
                ended = ended.withPhase(p.finished(PhaseStatus.SKIPPED, now, why));
            }
        }
        return ended;
    }

    public ImportJob withProgress(ImportStats newStats, long newCheckpoint, boolean errors) {
        return new ImportJob(id, organizationId, resource, source, uploadMode, action, status, duplicateHandling,
                reason, name, createdBy, updatedBy, columnMapping, phases, newStats, checksum, fileType, fileName,
                hasUploadFile, hasErrorsFile || errors, totalRows, newCheckpoint, uploadExpiresAt, deadlineAt,
                cancelRequested, rolledBackAt, purgedAt, createdAt, updatedAt, finishedAt, runToken);
    }

    public ImportJob withUpload(String newChecksum, String newFileType, String newFileName, Long rows) {
        return new ImportJob(id, organizationId, resource, source, uploadMode, action, status, duplicateHandling,
                reason, name, createdBy, updatedBy, columnMapping, phases, stats, newChecksum, newFileType,
                newFileName, true, hasErrorsFile, rows, checkpoint, uploadExpiresAt, deadlineAt, cancelRequested,
                rolledBackAt, purgedAt, createdAt, updatedAt, finishedAt, runToken);
    }

    /**
     * The import as it was before its upload was accepted: {@code requested}, no upload (checksum, type, name, file,
     * row count), no deadline, every phase pending, no reason. For a sync upload the server could not prepare for want
     * of its own storage: the same upload can be sent again.
     */
    public ImportJob awaitingUpload() {
        return new ImportJob(id, organizationId, resource, source, uploadMode, action, Status.REQUESTED,
                duplicateHandling, null, name, createdBy, updatedBy, columnMapping, initialPhases(), stats, null, null,
                null, false, hasErrorsFile, null, checkpoint, uploadExpiresAt, null, cancelRequested, rolledBackAt,
                purgedAt, createdAt, updatedAt, finishedAt, runToken);
    }

    public ImportJob withTotalRows(long rows) {
        return new ImportJob(id, organizationId, resource, source, uploadMode, action, status, duplicateHandling,
                reason, name, createdBy, updatedBy, columnMapping, phases, stats, checksum, fileType, fileName,
                hasUploadFile, hasErrorsFile, rows, checkpoint, uploadExpiresAt, deadlineAt, cancelRequested,
                rolledBackAt, purgedAt, createdAt, updatedAt, finishedAt, runToken);
    }

    public ImportJob withDeadline(Instant deadline) {
        return new ImportJob(id, organizationId, resource, source, uploadMode, action, status, duplicateHandling,
                reason, name, createdBy, updatedBy, columnMapping, phases, stats, checksum, fileType, fileName,
                hasUploadFile, hasErrorsFile, totalRows, checkpoint, uploadExpiresAt, deadline, cancelRequested,
                rolledBackAt, purgedAt, createdAt, updatedAt, finishedAt, runToken);
    }

    public ImportJob withUpdatedAt(Instant when) {
        return new ImportJob(id, organizationId, resource, source, uploadMode, action, status, duplicateHandling,
                reason, name, createdBy, updatedBy, columnMapping, phases, stats, checksum, fileType, fileName,
                hasUploadFile, hasErrorsFile, totalRows, checkpoint, uploadExpiresAt, deadlineAt, cancelRequested,
                rolledBackAt, purgedAt, createdAt, when, finishedAt, runToken);
    }

    public ImportJob withRolledBack(Instant when, String by) {
        return new ImportJob(id, organizationId, resource, source, uploadMode, action, status, duplicateHandling,
                reason, name, createdBy, by, columnMapping, phases, stats, checksum, fileType, fileName,
                hasUploadFile, hasErrorsFile, totalRows, checkpoint, uploadExpiresAt, deadlineAt, cancelRequested,
                when, purgedAt, createdAt, updatedAt, finishedAt, runToken);
    }

    public ImportJob withRunToken(String token) {
        return new ImportJob(id, organizationId, resource, source, uploadMode, action, status, duplicateHandling,
                reason, name, createdBy, updatedBy, columnMapping, phases, stats, checksum, fileType, fileName,
                hasUploadFile, hasErrorsFile, totalRows, checkpoint, uploadExpiresAt, deadlineAt, cancelRequested,
                rolledBackAt, purgedAt, createdAt, updatedAt, finishedAt, token);
    }

    public ImportJob withFinishedAt(Instant when) {
        return new ImportJob(id, organizationId, resource, source, uploadMode, action, status, duplicateHandling,
                reason, name, createdBy, updatedBy, columnMapping, phases, stats, checksum, fileType, fileName,
                hasUploadFile, hasErrorsFile, totalRows, checkpoint, uploadExpiresAt, deadlineAt, cancelRequested,
                rolledBackAt, purgedAt, createdAt, updatedAt, when, runToken);
    }
}
