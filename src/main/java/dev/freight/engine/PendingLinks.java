package dev.freight.engine;

import dev.freight.ingest.TemporaryFileUnwritable;
import dev.freight.ingest.TemporaryFiles;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.Value;
import dev.freight.store.ValueJson;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * The links validate foresees ({@link ImportValidator}): a value an applied row gave a field referring to the object
 * itself that nothing stored matches yet, which execution resolves after the last row. The last row of the file that
 * decides a field of a record decides its link (a row that decides it without such a value leaves it none). Each
 * decision goes to a temporary file (one JSON object a line) as it comes; memory holds a 64-bit hash of each record and
 * field decided ({@link LongSet}: 11 to 22 bytes a link, however long its value) and, once each, of those decided
 * more than once, and only for these are the records and fields read back to tell which decision is the last: 65,536
 * hashes a read of the file, once, the answer kept as a bit a decision. The links are handed back a batch at a time,
 * in row order. Not thread-safe; closing it deletes the file.
 */
final class PendingLinks implements AutoCloseable {

    /**
     * A link: the row that decided it, the record it wrote (as {@link DuplicateCheck.Verdict#record()} names it) and
     * the row of the file that creates that record ({@link DuplicateCheck.Verdict#createdBy()}), the field, the value
     * given, and how many of its references resolved when the row was written.
     */
    record Link(long row, String record, long createdBy, String field, Value given, int written) {}

    /** Takes one batch of links. */
    interface Batch {
        void accept(List<Link> links) throws IOException;
    }

    private final ObjectDef object;
    private final Path dir;
    private final ToLongFunction<String> hash;
    /** The hash of each record and field decided (before, with the number of its first decision: 32 to 64 bytes). */
    private final LongSet decided = new LongSet();
    /**
     * The hashes decided more than once (by one record and field again, or by two that share a hash), each once: at
     * most as many as {@link #decided} however often a record's field is decided again (before, 8 bytes a decision).
     */
    private final LongSet again = new LongSet();
    /** The decisions a later one of their record and field replaces (by number, from 0); null until worked out. */
    private BitSet replaced;
    /** How many records and fields one read of the file tells the last decision of, at most. */
    private final int keysAtOnce;
    /** The most records and fields held at once as text, to tell their last decisions. */
    private int mostKeysHeld;
    private Path file;
    private BufferedWriter writer;
    private long decisions;
    private boolean given;
    /** The most links one batch held: what memory held of them at once. */
    private int mostHeld;

    /** @param dir where the decisions are kept (the server's temporary directory) */
    PendingLinks(ObjectDef object, Path dir) {
        this(object, dir, KeyHashes::hash);
    }

    /** With another hash function than {@link KeyHashes#hash} (a test's, to make records and fields collide). */
    PendingLinks(ObjectDef object, Path dir, ToLongFunction<String> hash) {
        this(object, dir, hash, 65_536);
    }

    /** Telling the last decisions of at most {@code keysAtOnce} records and fields a read (a test's, to see it). */
    PendingLinks(ObjectDef object, Path dir, ToLongFunction<String> hash, int keysAtOnce) {
        this.object = object;
        this.dir = dir;
        this.hash = hash;
        this.keysAtOnce = keysAtOnce;
    }

    /**
     * Notes that row {@code row} decides {@code field} of {@code record}: it links the value {@code value}, or, when
     * null, leaves it no link. Rows come in row order.
     */
    void decide(long row, String record, long createdBy, String field, Value value, int written) throws IOException {
        long h = hash.applyAsLong(record + "\n" + field);
        if (decided.contains(h)) {
            again.add(h);
        } else if (value == null) {
            // Nothing decided before to take back.
            return;
        } else {
            decided.add(h);
        }
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("row", row);
        line.put("record", record);
        line.put("createdBy", createdBy);
        line.put("field", field);
        line.put("given", value == null ? null : ValueJson.encode(Map.of(field, value)));
        line.put("written", written);
        try {
            if (writer == null) {
                file = TemporaryFiles.create(dir, "freight-validation-links-", ".ndjson");
                writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
            }
            writer.write(ValueJson.write(line));
            writer.newLine();
        } catch (IOException e) {
            throw unwritable(e);
        }
        decisions++;
        given |= value != null;
        replaced = null;
    }

    /** Whether no row gave a link (one given may have been taken back by a later row since). */
    boolean isEmpty() {
        return !given;
    }

    /** Hands the links to {@code sink} in row order, at most {@code size} at a time; may be called again. */
    void forEach(int size, Batch sink) throws IOException {
        if (writer == null) {
            return;
        }
        try {
            // What the buffer still holds is written now: a full disk may refuse it here.
            writer.flush();
        } catch (IOException e) {
            throw unwritable(e);
        }
        if (replaced == null) {
            replaced = replaced();
        }
        List<Link> batch = new ArrayList<>(Math.min(size, 1_024));
        long n = 0;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = in.readLine(); line != null; line = in.readLine(), n++) {
                Map<String, Object> d = ValueJson.readObject(line);
                String record = (String) d.get("record");
                String field = (String) d.get("field");
                if (d.get("given") == null || replaced.get((int) n)) {
                    continue;
                }
                batch.add(new Link(((Number) d.get("row")).longValue(), record,
                        ((Number) d.get("createdBy")).longValue(), field,
                        ValueJson.decode((String) d.get("given"), object).get(field),
                        ((Number) d.get("written")).intValue()));
                if (batch.size() == size) {
                    hand(batch, sink);
                }
            }
        }
        if (!batch.isEmpty()) {
            hand(batch, sink);
        }
    }

    /**
     * The decisions a later one of the same record and field replaces. Only the hashes decided more than once are
     * looked at, a slice of at most {@link #keysAtOnce} of them (in hash order) a read of the file, holding the
     * records and fields of that slice alone as text.
     */
    private BitSet replaced() throws IOException {
        BitSet out = new BitSet();
        long[] hashes = again.sorted();
        int distinct = hashes.length;
        for (int from = 0; from < distinct; from += keysAtOnce) {
            int to = Math.min(distinct, from + keysAtOnce);
            // Record and field → the number of its last decision read so far.
            Map<String, Integer> last = new HashMap<>();
            int n = 0;
            try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                for (String line = in.readLine(); line != null; line = in.readLine(), n++) {
                    Map<String, Object> d = ValueJson.readObject(line);
                    String key = d.get("record") + "\n" + d.get("field");
                    if (Arrays.binarySearch(hashes, from, to, hash.applyAsLong(key)) < 0) {
                        continue;
                    }
                    Integer before = last.put(key, n);
                    if (before != null) {
                        out.set(before);
                    }
                    mostKeysHeld = Math.max(mostKeysHeld, last.size());
                }
            }
        }
        return out;
    }

    /** The bytes the hashes of the records and fields decided take in memory: 8 a slot, at most 3 of 4 slots used. */
    long hashBytes() {
        return 8L * decided.capacity();
    }

    /** The bytes the hashes decided more than once take in memory, as {@link #hashBytes}. */
    long repeatedHashBytes() {
        return 8L * again.capacity();
    }

    /** The most records and fields {@link #forEach} held at once as text to tell their last decisions. */
    int mostKeysHeld() {
        return mostKeysHeld;
    }

    private void hand(List<Link> batch, Batch sink) throws IOException {
        mostHeld = Math.max(mostHeld, batch.size());
        sink.accept(List.copyOf(batch));
        batch.clear();
    }

    /** The most links {@link #forEach} held at once. */
    int mostHeld() {
        return mostHeld;
    }

    private TemporaryFileUnwritable unwritable(IOException e) {
        return new TemporaryFileUnwritable(TemporaryFileUnwritable.Step.VALIDATE, "The links awaiting later rows", dir, e);
    }

    @Override
    public void close() throws IOException {
        if (file == null) {
            return;
        }
        try {
            writer.close();
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
