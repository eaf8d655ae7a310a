package dev.freight.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.store.ImportStore;
import org.junit.jupiter.api.Test;

/** The set of 64-bit values that validate keeps its hashes in: exact, whatever the values, 8 bytes a slot. */
class LongSetTest {

    /**
     * 0, negative values and 2,500 values alike in their low 32 bits are each held once, found, and told apart from
     * values never added; 2,503 values take 4,096 slots (at most three quarters used).
     */
    @Test
    void holdsEachValueOnceWhateverItsBits() {
        LongSet set = new LongSet();

        assertThat(set.add(0)).isTrue();
        assertThat(set.add(0)).isFalse();
        assertThat(set.add(-1)).isTrue();
        assertThat(set.add(Long.MIN_VALUE)).isTrue();
        for (long i = 1; i <= 2_500; i++) {
            assertThat(set.add(i << 32)).isTrue();
        }
        for (long i = 1; i <= 2_500; i++) {
            assertThat(set.add(i << 32)).isFalse();
        }

        assertThat(set.size()).isEqualTo(2_503L);
        assertThat(set.capacity()).isEqualTo(4_096);
        assertThat(set.contains(0)).isTrue();
        assertThat(set.contains(-1)).isTrue();
        assertThat(set.contains(Long.MIN_VALUE)).isTrue();
        assertThat(set.contains(2_500L << 32)).isTrue();
        assertThat(set.contains(2_501L << 32)).isFalse();
        assertThat(set.contains(1)).isFalse();
        assertThat(set.contains(Long.MAX_VALUE)).isFalse();
        long[] sorted = set.sorted();
        assertThat(sorted).hasSize(2_503).startsWith(Long.MIN_VALUE, -1, 0, 1L << 32).endsWith(2_500L << 32);
        assertThat(sorted).isSorted();
    }

    /** The hashes of 100,000 distinct values, as validate counts unresolved ones: each counted once. */
    @Test
    void countsDistinctValueHashes() {
        LongSet set = new LongSet();
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 100_000; i++) {
                set.add(ImportStore.valueHash("acct-" + i));
            }
        }

        assertThat(set.size()).isEqualTo(100_000L);
        assertThat(set.capacity()).isEqualTo(262_144);
        assertThat(set.contains(ImportStore.valueHash("acct-99999"))).isTrue();
        assertThat(set.contains(ImportStore.valueHash("acct-100000"))).isFalse();
    }
}
