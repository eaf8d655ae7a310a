package dev.freight.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.testing.SettableClock;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class IdGeneratorTest {

    @Test
    void idsGeneratedInATightLoopAreStrictlyIncreasing() {
        IdGenerator ids = new IdGenerator(Clock.systemUTC());
        List<String> made = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            made.add(ids.next("vndr"));
        }
        for (int i = 1; i < made.size(); i++) {
            assertThat(made.get(i)).as("id %d after %s", i, made.get(i - 1)).isGreaterThan(made.get(i - 1));
        }
        assertThat(made).allMatch(id -> id.matches("vndr_[0-9a-f]{32}"));
    }

    @Test
    void idsOfOneMillisecondFollowTheFirstByOne() {
        SettableClock clock = new SettableClock(Instant.parse("2024-01-15T10:30:00Z"));
        IdGenerator ids = new IdGenerator(clock);
        String first = ids.next("con");
        String second = ids.next("con");
        assertThat(first).startsWith("con_018d0cabc440");
        assertThat(second).startsWith("con_018d0cabc440");
        assertThat(new BigInteger(second.substring(4), 16))
                .isEqualTo(new BigInteger(first.substring(4), 16).add(BigInteger.ONE));
    }

    @Test
    void aClockThatGoesBackKeepsIdsIncreasing() {
        SettableClock clock = new SettableClock(Instant.parse("2024-01-15T10:30:00Z"));
        IdGenerator ids = new IdGenerator(clock);
        String first = ids.next("imp");
        clock.advance(Duration.ofSeconds(-5));
        String second = ids.next("imp");
        clock.advance(Duration.ofSeconds(10));
        String third = ids.next("imp");
        assertThat(second).isGreaterThan(first).startsWith("imp_018d0cabc440");
        assertThat(third).isGreaterThan(second).startsWith("imp_018d0cabd7c8");
    }
}
