package dev.freight.engine;

import dev.freight.ingest.TemporaryFileUnwritable;
import dev.freight.ingest.TemporaryFiles;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.TreeMap;

/**
 * The rows validate rejects after the last row ({@link ImportValidator}), each with why: a bit a row in memory, the
 * violations in a temporary file, a run in row order for each pass over the links, handed back in row order by merging
 * the runs. Memory holds the violations of one batch of links while they are sorted, and one of each run while they
 * are merged (before, a map of them all). Not thread-safe; closing it deletes the file.
 */
final class LateRejections implements AutoCloseable {

    private final Path dir;
    /** The rows rejected by the passes ended. */
    private final BitSet rows = new BitSet();
    /** The rows rejected by the pass under way. */
    private BitSet pass = new BitSet();
    /** Each run's first and last byte (exclusive) in the file. */
    private final List<long[]> runs = new ArrayList<>();
    private Path file;
    private DataOutputStream out;
    private long written;
    private long runStart;
    /** The most violations held in memory at once. */
    private int mostHeld;

    /** @param dir where the violations are kept (the server's temporary directory) */
    LateRejections(Path dir) {
        this.dir = dir;
    }

    /** Whether a pass ended rejected the row. */
    boolean rejected(long row) {
        return rows.get(index(row));
    }

    /** Whether the pass under way rejected the row. */
    boolean rejectedNow(long row) {
        return pass.get(index(row));
    }

    /** Whether no pass rejected a row. */
    boolean isEmpty() {
        return rows.isEmpty() && pass.isEmpty();
    }

    /**
     * Takes the violations of one batch of links, in the pass under way: of each row not rejected yet in this pass the
     * first, in row order after those of the batches before (a batch's rows come after theirs, or are theirs).
     */
    void add(List<Violation> batch) throws IOException {
        TreeMap<Long, Violation> first = new TreeMap<>();
        for (Violation v : batch) {
            if (!rejectedNow(v.row())) {
                first.putIfAbsent(v.row(), v);
            }
        }
        mostHeld = Math.max(mostHeld, first.size());
        try {
            for (Violation v : first.values()) {
                write(v);
                pass.set(index(v.row()));
            }
        } catch (IOException e) {
            throw unwritable(e);
        }
    }

    /** Ends the pass under way: returns the rows it rejected (none when it rejected none). */
    BitSet endPass() {
        BitSet now = pass;
        if (!now.isEmpty()) {
            runs.add(new long[] {runStart, written});
            runStart = written;
            rows.or(now);
        }
        pass = new BitSet();
        return now;
    }

    /** Hands the violations to {@code sink} in row order, each row's once. */
    void forEach(Sink sink) throws IOException {
        if (out == null) {
            return;
        }
        try {
            out.flush();
        } catch (IOException e) {
            throw unwritable(e);
        }
        List<Run> open = new ArrayList<>();
        try {
            PriorityQueue<Run> queue = new PriorityQueue<>(Comparator.comparingLong((Run r) -> r.head.row()));
            for (long[] run : runs) {
                Run r = new Run(file, run[0], run[1]);
                open.add(r);
                if (r.advance()) {
                    queue.add(r);
                }
            }
            mostHeld = Math.max(mostHeld, queue.size());
            while (!queue.isEmpty()) {
                Run r = queue.poll();
                sink.accept(r.head);
                if (r.advance()) {
                    queue.add(r);
                }
            }
        } finally {
            for (Run r : open) {
                r.in.close();
            }
        }
    }

    /** Takes one violation. */
    interface Sink {
        void accept(Violation v) throws IOException;
    }

    /** The most violations this held in memory at once, however many rows it rejected. */
    int mostHeld() {
        return mostHeld;
    }

    @Override
    public void close() throws IOException {
        if (file == null) {
            return;
        }
        try {
            out.close();
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** One run read back, from its first byte to its last. */
    private static final class Run {
        final DataInputStream in;
        long left;
        Violation head;

        Run(Path file, long from, long to) throws IOException {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.READ).position(from);
            in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(channel)));
            left = to - from;
        }

        /** Reads the run's next violation into {@link #head}; whether there was one. */
        boolean advance() throws IOException {
            if (left == 0) {
                head = null;
                return false;
            }
            int length = in.readInt();
            left -= 4 + length;
            DataInputStream v = new DataInputStream(new ByteArrayInputStream(in.readNBytes(length)));
            long row = v.readLong();
            String externalId = text(v);
            String field = text(v);
            ViolationCode code = ViolationCode.valueOf(text(v));
            head = new Violation(row, externalId, field, code, text(v));
            return true;
        }
    }

    private void write(Violation v) throws IOException {
        if (out == null) {
            file = TemporaryFiles.create(dir, "freight-validation-late-", ".bin");
            out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)));
        }
        byte[][] texts = {bytes(v.externalId()), bytes(v.field()), bytes(v.code().name()), bytes(v.message())};
        int length = 8;
        for (byte[] t : texts) {
            length += 4 + (t == null ? 0 : t.length);
        }
        out.writeInt(length);
        out.writeLong(v.row());
        for (byte[] t : texts) {
            out.writeInt(t == null ? -1 : t.length);
            if (t != null) {
                out.write(t);
            }
        }
        written += 4 + length;
    }

    private static byte[] bytes(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(DataInputStream in) throws IOException {
        int length = in.readInt();
        return length < 0 ? null : new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    private static int index(long row) {
        if (row < 0 || row > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("row " + row + " is past the rows a validation counts");
        }
        return (int) row;
    }

    private TemporaryFileUnwritable unwritable(IOException e) {
        return new TemporaryFileUnwritable(TemporaryFileUnwritable.Step.VALIDATE,
                "The rows rejected after the last row", dir, e);
    }
}
