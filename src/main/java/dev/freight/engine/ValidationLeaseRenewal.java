package dev.freight.engine;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews the leases of the validation errors files this process is writing ({@link ValidationFiles#renewLeases}),
 * every {@code every}, on a daemon thread of its own, from construction until {@link #close}. Driven by time rather
 * than by the validating threads, so a validation keeps its files however long it goes without reading a row, and
 * only a process that died (whose thread died with it) lets their leases run out. A round that fails, whatever it
 * throws, is logged and the next one runs as usual: only {@link #close} stops the thread. One per process and
 * {@link ValidationFiles}; it runs on every instance, unlike the sweeper, which db-scheduler runs on one. Thread-safe.
 */
public final class ValidationLeaseRenewal implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ValidationLeaseRenewal.class);

    /** Waits until the next round is due. */
    interface Pause {
        void await() throws InterruptedException;
    }

    private final Thread thread;
    private volatile boolean stopped;

    public ValidationLeaseRenewal(ValidationFiles files, Duration every) {
        this(files::renewLeases, () -> Thread.sleep(every));
    }

    /** Runs {@code round} after each {@code pause}; a test's pause lets one round run at a time. */
    ValidationLeaseRenewal(Runnable round, Pause pause) {
        this.thread = Thread.ofPlatform().daemon().name("freight-validation-leases").start(() -> {
            while (!stopped) {
                try {
                    pause.await();
                } catch (InterruptedException e) {
                    // Only close() interrupts this thread, and it sets the flag first; the loop's test ends it.
                    continue;
                }
                try {
                    round.run();
                } catch (RuntimeException e) {
                    // Tried again next round: a lease is LEASE long, ten rounds of RENEWAL.
                    LOG.warn("Could not renew the leases of validation errors files being written: {}{}",
                            e.getMessage(), e.getSuppressed().length == 0 ? ""
                                    : " (and " + e.getSuppressed().length + " more failures)");
                } catch (Throwable e) {
                    // Not even an Error ends the thread: once it ended, every lease of this process would run out
                    // under validations still writing, and their files would be swept.
                    LOG.error("A renewal of the leases of validation errors files being written failed", e);
                }
            }
        });
    }

    /** Stops renewing; waits for a renewal under way to end. */
    @Override
    public void close() {
        // The flag as well as the interrupt: a database driver may swallow an interrupt that lands mid-renewal.
        stopped = true;
        thread.interrupt();
        try {
            thread.join();
        } catch (InterruptedException e) {
            // Closing goes on without waiting; the caller's interrupt is kept for it to see.
            Thread.currentThread().interrupt();
        }
    }
}
