package dev.freight.store;

import dev.freight.store.ImportEnums.Phase;
import dev.freight.store.ImportEnums.PhaseStatus;
import java.time.Instant;

/**
 * One phase of an import: its status, when it started and finished (null until then), the rows it handled and the
 * rows it rejected or skipped, and a reason when it failed or was skipped.
 */
public record PhaseState(
        Phase phase, PhaseStatus status, Instant startedAt, Instant finishedAt, long rows, long rejected,
        String reason) {

    public static PhaseState pending(Phase phase) {
        return new PhaseState(phase, PhaseStatus.PENDING, null, null, 0, 0, null);
    }

    public PhaseState running(Instant now) {
        return new PhaseState(phase, PhaseStatus.RUNNING, startedAt == null ? now : startedAt, null, rows, rejected,
                null);
    }

    public PhaseState counted(long moreRows, long moreRejected) {
        return new PhaseState(phase, status, startedAt, finishedAt, rows + moreRows, rejected + moreRejected, reason);
    }

    public PhaseState finished(PhaseStatus end, Instant now, String why) {
        return new PhaseState(phase, end, startedAt == null ? now : startedAt, now, rows, rejected, why);
    }
}
