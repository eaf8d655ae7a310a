package dev.freight.store;

import java.time.Clock;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Generates ids such as {@code vndr_0193a1c2e4f07a9b3c5d1e2f3a4b5c6d}: a prefix, then 32 hex digits whose first 12
 * are the creation time in milliseconds, so ids sort by creation and index inserts stay local. The other 80 bits are
 * random for the first id of a millisecond; every further id of that millisecond is the previous one plus one, so the
 * ids of one generator are strictly increasing (as a monotonic ULID). A clock that goes back, or more ids in one
 * millisecond than 80 bits can count, keeps the last millisecond used (and carries into it), so order still holds.
 * Thread-safe.
 */
public final class IdGenerator {

    private static final long MAX_MILLIS = 0xFFFF_FFFF_FFFFL;

    private final Clock clock;
    private long millis = -1;
    /** The top 16 of the 80 counter bits. */
    private int high;
    /** The low 64 of the 80 counter bits, unsigned. */
    private long low;

    public IdGenerator(Clock clock) {
        this.clock = clock;
    }

    public String next(String prefix) {
        long at;
        int hi;
        long lo;
        synchronized (this) {
            long now = clock.millis() & MAX_MILLIS;
            if (now > millis) {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                millis = now;
                high = random.nextInt(1 << 16);
                low = random.nextLong();
            } else if (++low == 0 && ++high > 0xFFFF) {
                high = 0;
                millis++;
            }
            at = millis;
            hi = high;
            lo = low;
        }
        byte[] bytes = new byte[16];
        for (int i = 5; i >= 0; i--) {
            bytes[i] = (byte) at;
            at >>>= 8;
        }
        bytes[6] = (byte) (hi >>> 8);
        bytes[7] = (byte) hi;
        for (int i = 15; i >= 8; i--) {
            bytes[i] = (byte) lo;
            lo >>>= 8;
        }
        return prefix + "_" + HexFormat.of().formatHex(bytes);
    }
}
