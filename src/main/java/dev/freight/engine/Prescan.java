package dev.freight.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * Prevalidation's read of one upload while it arrives ({@link ImportPipeline#prescan}): its result once finished. The
 * upload request holds it until the import accepts its upload, then hands it to {@link ImportPipeline#usePrescan}.
 */
public final class Prescan {

    /** How long a finished prescan waits for its import's prevalidation before it is let go (another instance ran it). */
    private static final Duration PRESCAN_KEPT = Duration.ofMinutes(10);

    final CompletableFuture<Prescans.Scan> result = new CompletableFuture<>();
    private volatile Instant finishedAt;

    Prescan() {}

    void finish(Prescans.Scan scan, Instant at) {
        finishedAt = at;
        result.complete(scan);
    }

    boolean isExpired(Instant now) {
        Instant at = finishedAt;
        return at != null && at.plus(PRESCAN_KEPT).isBefore(now);
    }
}
