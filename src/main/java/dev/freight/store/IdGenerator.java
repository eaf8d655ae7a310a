package dev.freight.store;

import java.time.Clock;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Generates ids such as {@code vndr_0193a1c2e4f07a9b3c5d1e2f3a4b5c6d}: a prefix, then 32 hex digits whose first 12
 * are the creation time in milliseconds, so ids sort by creation and index inserts stay local. The other 80 bits are
 * random. Thread-safe.
 */
public final class IdGenerator {

    private final Clock clock;

    public IdGenerator(Clock clock) {
        this.clock = clock;
    }

    public String next(String prefix) {
        byte[] bytes = new byte[16];
        long millis = clock.millis();
        for (int i = 5; i >= 0; i--) {
            bytes[i] = (byte) millis;
            millis >>>= 8;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 6; i < 16; i++) {
            bytes[i] = (byte) random.nextInt(256);
        }
        return prefix + "_" + HexFormat.of().formatHex(bytes);
    }
}
