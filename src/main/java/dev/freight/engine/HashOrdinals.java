package dev.freight.engine;

/**
 * 64-bit key hashes, each with the ordinal of the row that added it first, in two open-addressed arrays: 16 bytes a
 * slot, at most half of the slots used, whatever the keys' length. Not thread-safe.
 */
final class HashOrdinals {

    /** Marks a free slot: no row has ordinal 0. */
    private static final long FREE = 0;

    private long[] hashes = new long[1024];
    private long[] ordinals = new long[1024];
    private int size;

    /** The ordinal that added {@code hash} first, or 0 when none did. */
    long get(long hash) {
        int mask = hashes.length - 1;
        for (int i = slot(hash, mask); ordinals[i] != FREE; i = (i + 1) & mask) {
            if (hashes[i] == hash) {
                return ordinals[i];
            }
        }
        return FREE;
    }

    /** Adds {@code hash} for the row {@code ordinal} (from 1) unless it is there already; whether it was not. */
    boolean add(long hash, long ordinal) {
        if (ordinal <= 0) {
            throw new IllegalArgumentException("ordinal " + ordinal + " is not a row's");
        }
        if (get(hash) != FREE) {
            return false;
        }
        if (2 * (size + 1) > hashes.length) {
            grow();
        }
        put(hash, ordinal);
        size++;
        return true;
    }

    /** The bytes its two arrays take: 16 a slot. */
    long bytes() {
        return 16L * hashes.length;
    }

    private void put(long hash, long ordinal) {
        int mask = hashes.length - 1;
        int i = slot(hash, mask);
        while (ordinals[i] != FREE) {
            i = (i + 1) & mask;
        }
        hashes[i] = hash;
        ordinals[i] = ordinal;
    }

    private void grow() {
        long[] oldHashes = hashes;
        long[] oldOrdinals = ordinals;
        hashes = new long[oldHashes.length * 2];
        ordinals = new long[oldHashes.length * 2];
        for (int i = 0; i < oldHashes.length; i++) {
            if (oldOrdinals[i] != FREE) {
                put(oldHashes[i], oldOrdinals[i]);
            }
        }
    }

    private static int slot(long hash, int mask) {
        // The hash's bits mixed (murmur3's finalizer), so that keys hashed alike in their low bits spread.
        long h = hash;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return (int) h & mask;
    }
}
