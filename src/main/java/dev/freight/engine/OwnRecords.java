package dev.freight.engine;

import dev.freight.ingest.TemporaryFileUnwritable;
import dev.freight.ingest.TemporaryFiles;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * The records of the validated object that the file's rows would create, by the external ids and names its pending
 * links await ({@link ImportValidator}, through {@link ReferenceResolver.Foresight}): what the look-ups after the last
 * row find beside the stored records. {@link #want} the awaited values first, then {@link #add} each row that would
 * create a record, in row order, then {@link #finish}. Each such row goes to a temporary file (its row, external id and
 * lower-cased name, each only when awaited) as it comes; memory holds a 64-bit hash of each external id with the row's
 * place in the file (16 bytes), of each distinct name with its count (20 bytes), and a bit a row for the rows kept
 * and another for those {@link #forget forgotten}. A look-up reads the rows with the hash back to compare their text,
 * so the answers are exact whatever the hashes. Not thread-safe; closing it deletes the file.
 */
final class OwnRecords implements AutoCloseable {

    private final Path dir;
    private final ToLongFunction<String> hash;
    /** The hashes of the awaited external ids, then of their lower-cased forms (the names awaited); null once done. */
    private Hashes wantedIds = new Hashes();
    private Hashes wantedNames = new Hashes();
    /** Hash and place in the file of each external id kept; sorted by hash once finished. */
    private final Hashes idHashes = new Hashes();
    private long[] idPlaces = new long[1024];
    /** Hash and place of each name kept (once finished: of each distinct name, the first row's), with its count. */
    private final Hashes nameHashes = new Hashes();
    private long[] namePlaces = new long[1024];
    private int[] nameCounts = new int[0];
    /** The rows kept in the file. */
    private final BitSet kept = new BitSet();
    /** The rows forgotten: execution deletes the records they created. */
    private final BitSet forgotten = new BitSet();
    /** How many times {@link #forget} read the file: a test's look at it. */
    private int forgetReads;
    private Path file;
    private DataOutputStream out;
    private long written;
    private FileChannel channel;
    /** What one look-up reads at once: a row's bytes, when they are no more. */
    private static final int READ_AHEAD = 256;
    /** The most external ids and names held in memory at once as text. */
    private int mostHeld;

    /** @param dir where the rows are kept (the server's temporary directory) */
    OwnRecords(Path dir) {
        this(dir, KeyHashes::hash);
    }

    /** With another hash function than {@link KeyHashes#hash} (a test's, to make values collide). */
    OwnRecords(Path dir, ToLongFunction<String> hash) {
        this.dir = dir;
        this.hash = hash;
    }

    /** Notes a value a link awaits: an external id, or, lower-cased, a name. */
    void want(String value) {
        wantedIds.add(hash.applyAsLong(value));
        wantedNames.add(hash.applyAsLong(value.toLowerCase(Locale.ROOT)));
    }

    /**
     * Notes that row {@code row} would create a record with {@code externalId} and {@code name} (each may be null);
     * kept only when a link awaits either. Rows come in row order, each once.
     */
    void add(long row, String externalId, String name) throws IOException {
        if (row > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("row " + row + " is past the rows a validation counts");
        }
        wantedIds.sortDistinct();
        wantedNames.sortDistinct();
        String id = externalId != null && wantedIds.contains(hash.applyAsLong(externalId)) ? externalId : null;
        String lower = name == null ? null : name.toLowerCase(Locale.ROOT);
        lower = lower != null && wantedNames.contains(hash.applyAsLong(lower)) ? lower : null;
        if (id == null && lower == null) {
            return;
        }
        long place = written;
        try {
            if (out == null) {
                file = TemporaryFiles.create(dir, "freight-validation-records-", ".bin");
                out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)));
            }
            byte[] idBytes = id == null ? null : id.getBytes(StandardCharsets.UTF_8);
            byte[] lowerBytes = lower == null ? null : lower.getBytes(StandardCharsets.UTF_8);
            int length = 8 + length(idBytes) + length(lowerBytes);
            out.writeInt(length);
            out.writeLong(row);
            write(idBytes);
            write(lowerBytes);
            written += 4 + length;
        } catch (IOException e) {
            throw unwritable(e);
        }
        if (id != null) {
            idHashes.add(hash.applyAsLong(id));
            idPlaces = place(idPlaces, idHashes.size - 1, place);
        }
        if (lower != null) {
            nameHashes.add(hash.applyAsLong(lower));
            namePlaces = place(namePlaces, nameHashes.size - 1, place);
        }
        kept.set((int) row);
    }

    /** Ends the rows: from now on, the look-ups. */
    void finish() throws IOException {
        wantedIds = null;
        wantedNames = null;
        if (out == null) {
            return;
        }
        try {
            // What the buffer still holds is written now: a full disk may refuse it here.
            out.close();
        } catch (IOException e) {
            throw unwritable(e);
        }
        out = null;
        channel = FileChannel.open(file, StandardOpenOption.READ);
        sort(idHashes.values, idPlaces, idHashes.size);
        sort(nameHashes.values, namePlaces, nameHashes.size);
        distinctNames();
    }

    /**
     * The id the record of the row that would create it with {@code externalId} is known by here ({@code row N}), or
     * null when no row would (or the row was forgotten).
     */
    String id(String externalId) {
        long h = hash.applyAsLong(externalId);
        long found = -1;
        for (int i = idHashes.first(h); i >= 0 && i < idHashes.size && idHashes.values[i] == h; i++) {
            Entry e = read(idPlaces[i]);
            if (externalId.equals(e.externalId())) {
                if (forgotten.get((int) e.row())) {
                    return null;
                }
                found = Math.max(found, e.row());
            }
        }
        return found < 0 ? null : "row " + found;
    }

    /** How many records the rows would create named {@code lower} (lower-cased), those forgotten left out. */
    int named(String lower) {
        int i = nameIndex(lower);
        return i < 0 ? 0 : nameCounts[i];
    }

    /**
     * Forgets the records of these rows, as execution deletes the record of a row rejected after the last row. Returns
     * whether any of them was kept.
     */
    boolean forget(Collection<Long> rows) throws IOException {
        BitSet wanted = new BitSet();
        rows.forEach(row -> wanted.set(Math.toIntExact(row)));
        return forget(wanted);
    }

    /**
     * As {@link #forget(Collection)}, the rows given as the bits set (a bit a row, not a boxed number). The rows are
     * known by their bits; only when names were kept is the file read, as far as the last row forgotten, to count
     * their names out (before, it was read whole at each call, to find the rows).
     */
    boolean forget(BitSet wanted) throws IOException {
        BitSet now = (BitSet) wanted.clone();
        now.and(kept);
        now.andNot(forgotten);
        if (now.isEmpty()) {
            return false;
        }
        forgotten.or(now);
        if (nameHashes.size == 0) {
            return true;
        }
        forgetReads++;
        long last = now.length() - 1;
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            for (long read = 0; read < written; ) {
                int length = in.readInt();
                Entry e = entry(ByteBuffer.wrap(in.readNBytes(length)));
                read += 4 + length;
                held(1);
                if (e.row() > last) {
                    break;
                }
                int i = now.get((int) e.row()) && e.name() != null ? nameIndex(e.name()) : -1;
                if (i >= 0 && nameCounts[i] > 0) {
                    nameCounts[i]--;
                }
            }
        }
        return true;
    }

    /** How many times {@link #forget} read the file. */
    int forgetReads() {
        return forgetReads;
    }

    /** The most external ids and names this held in memory at once as text, whatever the number of rows. */
    int mostHeld() {
        return mostHeld;
    }

    @Override
    public void close() throws IOException {
        if (file == null) {
            return;
        }
        try {
            if (out != null) {
                out.close();
            }
            if (channel != null) {
                channel.close();
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** One kept row read back: its row and the external id and lower-cased name kept of it (each may be null). */
    private record Entry(long row, String externalId, String name) {}

    /** The index of the distinct name {@code lower} among the names kept; -1 when none is. */
    private int nameIndex(String lower) {
        long h = hash.applyAsLong(lower);
        for (int i = nameHashes.first(h); i >= 0 && i < nameHashes.size && nameHashes.values[i] == h; i++) {
            if (lower.equals(read(namePlaces[i]).name())) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Makes the names kept distinct, each with the place of its first row and its count. Rows sharing a hash are
     * read back to tell their names apart (with a real hash, one name).
     */
    private void distinctNames() {
        int n = nameHashes.size;
        long[] places = new long[n];
        int[] counts = new int[n];
        int distinct = 0;
        for (int start = 0, end; start < n; start = end) {
            long h = nameHashes.values[start];
            end = start + 1;
            while (end < n && nameHashes.values[end] == h) {
                end++;
            }
            // Name → {place of its first row, count}, in the order of the rows' places.
            Map<String, long[]> names = new LinkedHashMap<>();
            if (end - start == 1) {
                names.put(null, new long[] {namePlaces[start], 1});
            } else {
                for (int i = start; i < end; i++) {
                    long place = namePlaces[i];
                    names.computeIfAbsent(read(place).name(), k -> new long[] {place, 0})[1]++;
                    held(names.size());
                }
            }
            // At most as many as the group's rows: what is written lies before the next group.
            for (long[] name : names.values()) {
                nameHashes.values[distinct] = h;
                places[distinct] = name[0];
                counts[distinct++] = (int) name[1];
            }
        }
        nameHashes.size = distinct;
        namePlaces = Arrays.copyOf(places, distinct);
        nameCounts = Arrays.copyOf(counts, distinct);
    }

    private Entry read(long place) {
        held(1);
        try {
            // Most rows are short: one read takes the whole row.
            ByteBuffer row = readFully(place, (int) Math.min(READ_AHEAD, written - place));
            int length = row.getInt();
            if (length > row.remaining()) {
                row = readFully(place + 4, length);
            }
            return entry(row);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A row from its bytes after their length. */
    private static Entry entry(ByteBuffer bytes) {
        return new Entry(bytes.getLong(), text(bytes), text(bytes));
    }

    private ByteBuffer readFully(long place, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, place + buffer.position()) < 0) {
                throw new EOFException("The records' file ends at " + (place + buffer.position()));
            }
        }
        return buffer.flip();
    }

    private static String text(ByteBuffer bytes) {
        int length = bytes.getInt();
        if (length < 0) {
            return null;
        }
        String text = new String(bytes.array(), bytes.position(), length, StandardCharsets.UTF_8);
        bytes.position(bytes.position() + length);
        return text;
    }

    /** Writes a text's UTF-8 bytes after their length (-1 for null). */
    private void write(byte[] bytes) throws IOException {
        out.writeInt(bytes == null ? -1 : bytes.length);
        if (bytes != null) {
            out.write(bytes);
        }
    }

    private static int length(byte[] bytes) {
        return 4 + (bytes == null ? 0 : bytes.length);
    }

    private void held(int texts) {
        mostHeld = Math.max(mostHeld, texts);
    }

    private TemporaryFileUnwritable unwritable(IOException e) {
        return new TemporaryFileUnwritable(TemporaryFileUnwritable.Step.VALIDATE,
                "The records the file's rows would create", dir, e);
    }

    private static long[] place(long[] places, int index, long place) {
        long[] out = index < places.length ? places : Arrays.copyOf(places, places.length * 2);
        out[index] = place;
        return out;
    }

    /** Sorts {@code hashes} and {@code places} together, by hash and then place (heap sort: no memory besides). */
    private static void sort(long[] hashes, long[] places, int n) {
        for (int i = n / 2 - 1; i >= 0; i--) {
            siftDown(hashes, places, i, n);
        }
        for (int end = n - 1; end > 0; end--) {
            swap(hashes, places, 0, end);
            siftDown(hashes, places, 0, end);
        }
    }

    private static void siftDown(long[] hashes, long[] places, int i, int n) {
        while (2 * i + 1 < n) {
            int child = 2 * i + 1;
            if (child + 1 < n && before(hashes, places, child, child + 1)) {
                child++;
            }
            if (!before(hashes, places, i, child)) {
                return;
            }
            swap(hashes, places, i, child);
            i = child;
        }
    }

    private static boolean before(long[] hashes, long[] places, int a, int b) {
        return hashes[a] < hashes[b] || hashes[a] == hashes[b] && places[a] < places[b];
    }

    private static void swap(long[] hashes, long[] places, int a, int b) {
        long h = hashes[a];
        hashes[a] = hashes[b];
        hashes[b] = h;
        long p = places[a];
        places[a] = places[b];
        places[b] = p;
    }

    /** A growable array of hashes, searched once sorted. */
    private static final class Hashes {
        long[] values = new long[1024];
        int size;
        private boolean sorted;

        void add(long value) {
            if (size == values.length) {
                values = Arrays.copyOf(values, values.length * 2);
            }
            values[size++] = value;
            sorted = false;
        }

        /** Sorts the hashes and drops the repeated ones (once; the wanted values all come before the rows). */
        void sortDistinct() {
            if (sorted) {
                return;
            }
            Arrays.sort(values, 0, size);
            int distinct = 0;
            for (int i = 0; i < size; i++) {
                if (distinct == 0 || values[i] != values[distinct - 1]) {
                    values[distinct++] = values[i];
                }
            }
            size = distinct;
            values = Arrays.copyOf(values, Math.max(distinct, 1));
            sorted = true;
        }

        boolean contains(long value) {
            return Arrays.binarySearch(values, 0, size, value) >= 0;
        }

        /** The first index holding {@code value} (sorted); -1 when none does. */
        int first(long value) {
            int lo = 0;
            int hi = size;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (values[mid] < value) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo < size && values[lo] == value ? lo : -1;
        }
    }
}
