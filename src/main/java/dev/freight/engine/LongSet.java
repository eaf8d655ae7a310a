package dev.freight.engine;

import java.util.Arrays;

/**
 * A set of 64-bit values (hashes) in one open-addressed array: 8 bytes a slot, at most three quarters of the slots
 * used (11 to 22 bytes a value), no object a value. Not thread-safe.
 */
final class LongSet {

    /** Marks a free slot; the value 0 itself is kept aside, in {@link #hasZero}. */
    private static final long FREE = 0;

    private long[] slots = new long[1024];
    /** The values in {@link #slots}, 0 left out. */
    private int used;
    private boolean hasZero;

    /** Adds {@code value} unless it is there already; whether it was not. */
    boolean add(long value) {
        if (value == FREE) {
            boolean added = !hasZero;
            hasZero = true;
            return added;
        }
        int mask = slots.length - 1;
        int i = slot(value, mask);
        for (; slots[i] != FREE; i = (i + 1) & mask) {
            if (slots[i] == value) {
                return false;
            }
        }
        slots[i] = value;
        used++;
        if (4L * used > 3L * slots.length) {
            grow();
        }
        return true;
    }

    boolean contains(long value) {
        if (value == FREE) {
            return hasZero;
        }
        int mask = slots.length - 1;
        for (int i = slot(value, mask); slots[i] != FREE; i = (i + 1) & mask) {
            if (slots[i] == value) {
                return true;
            }
        }
        return false;
    }

    /** How many distinct values were added. */
    long size() {
        return used + (hasZero ? 1 : 0);
    }

    /** The values, in ascending order: a new array of {@link #size()} values. */
    long[] sorted() {
        long[] out = new long[Math.toIntExact(size())];
        int n = 0;
        if (hasZero) {
            out[n++] = 0;
        }
        for (long value : slots) {
            if (value != FREE) {
                out[n++] = value;
            }
        }
        Arrays.sort(out);
        return out;
    }

    /** How many slots the set holds (8 bytes each): what memory holds of it, for tests. */
    int capacity() {
        return slots.length;
    }

    private void grow() {
        long[] old = slots;
        slots = new long[old.length * 2];
        int mask = slots.length - 1;
        for (long value : old) {
            if (value != FREE) {
                int i = slot(value, mask);
                while (slots[i] != FREE) {
                    i = (i + 1) & mask;
                }
                slots[i] = value;
            }
        }
    }

    private static int slot(long value, int mask) {
        // The value's bits mixed (murmur3's finalizer), so that values alike in their low bits spread.
        long h = value;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return (int) h & mask;
    }
}
