package dev.freight.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The renewal thread, its rounds driven one at a time by the test (each waits for a token the test hands over), so
 * nothing depends on timing: the poll's minute is how long a failing run waits for a round that never comes.
 */
class ValidationLeaseRenewalTest {

    /**
     * Rounds that throw an Error and a runtime exception are logged and the next rounds run, until close. Before, an
     * Error ended the thread quietly, and every lease of the process then ran out under validations still writing.
     */
    @Test
    void roundsThatFailWhateverTheyThrowAreFollowedByTheNextUntilClosed() throws InterruptedException {
        BlockingQueue<Boolean> due = new LinkedBlockingQueue<>();
        BlockingQueue<Integer> ran = new LinkedBlockingQueue<>();
        AtomicInteger rounds = new AtomicInteger();
        Runnable round = () -> {
            int n = rounds.incrementAndGet();
            ran.add(n);
            switch (n) {
                case 1 -> throw new NoClassDefFoundError("org/postgresql/core/v3/QueryExecutorImpl$1");
                case 2 -> throw new IllegalStateException("The database is unavailable");
                case 3 -> throw new OutOfMemoryError("Java heap space");
                default -> {
                    // renewed
                }
            }
        };

        try (ValidationLeaseRenewal renewal = new ValidationLeaseRenewal(round, due::take)) {
            for (int n = 1; n <= 5; n++) {
                due.add(true);
                assertThat(ran.poll(1, TimeUnit.MINUTES)).as("round %d", n).isEqualTo(n);
            }
        }

        // Closed while waiting for its next round, and the thread ended (close waits for it): no round runs after.
        due.add(true);
        assertThat(ran).isEmpty();
        assertThat(rounds.get()).isEqualTo(5);
    }
}
