package dev.freight.engine;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * The 64-bit hashes of every key of an import, in a growable array: 8 bytes per row, so a million rows need 8 MB
 * whatever the keys' length. Sorting them finds the hashes that occur more than once; only keys with such a hash
 * need an exact second look. Not thread-safe.
 */
final class KeyHashes {

    private long[] hashes = new long[1024];
    private int size;

    void add(String key) {
        add(hash(key));
    }

    /** Adds a key's hash made by another function than {@link #hash} (a test's, to make keys collide). */
    void add(long hash) {
        if (size == hashes.length) {
            hashes = Arrays.copyOf(hashes, hashes.length * 2);
        }
        hashes[size++] = hash;
    }

    /** Hashes that occur more than once; usually empty. */
    Set<Long> repeated() {
        long[] sorted = Arrays.copyOf(hashes, size);
        Arrays.sort(sorted);
        Set<Long> repeated = new HashSet<>();
        for (int i = 1; i < sorted.length; i++) {
            if (sorted[i] == sorted[i - 1]) {
                repeated.add(sorted[i]);
            }
        }
        return repeated;
    }

    /** FNV-1a over the UTF-8 bytes, widened to 64 bits; collisions only cost an exact comparison. */
    static long hash(String key) {
        long h = 0xcbf29ce484222325L;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
