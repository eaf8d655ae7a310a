package dev.freight.engine;

import dev.freight.ingest.SourceRow;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The chunks of a source after the checkpoint, read and transformed by a producer thread and then handed to the
 * writer's {@link RowWriter#lookAhead} on {@value #LOOK_AHEADS} threads, which take the chunks in turn and hand them
 * on in source order, so reading, looking ahead and writing overlap, and one chunk's look-ahead waits for the
 * database while another's is decided. One chunk at most waits between two stages, so memory stays at six chunks.
 * A read failure reaches the caller after the chunks before it, as if it had read them itself. Closing stops every
 * thread.
 */
final class ChunkFeed implements AutoCloseable {
    /**
     * Look-ahead threads. One left the writer waiting: a re-load of unchanged rows spent a chunk's time mostly on
     * its look-up's round trip, during which the database's other core sat idle.
     */
    private static final int LOOK_AHEADS = 2;
    private static final Object END = new Object();
    private final BlockingQueue<Object> read = new ArrayBlockingQueue<>(1);
    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(1);
    private final Thread producer;
    private final List<Thread> lookingAhead = new ArrayList<>(LOOK_AHEADS);
    /** Guards {@link #taken} and {@link #finished}: the look-ahead threads take chunks one at a time. */
    private final Object taking = new Object();
    private long taken;
    private boolean finished;
    /** Guards {@link #handedOn}: chunks leave the look-ahead in the order they were taken. */
    private final Object turn = new Object();
    private long handedOn;

    /**
     * @param parse turns a source row into the row the writer takes
     * @param lookAhead the writer's work on a whole chunk before it is written
     */
    ChunkFeed(RowCursor cursor, Function<SourceRow, ParsedRow> parse, UnaryOperator<List<ParsedRow>> lookAhead,
            long checkpoint, int chunkSize) {
        this.producer = Thread.ofVirtual().name("import-reader").start(() -> {
            try {
                List<ParsedRow> chunk = new ArrayList<>(chunkSize);
                for (ParsedRowOrSource row = cursor.next(); row != null; row = cursor.next()) {
                    if (row.ordinal() <= checkpoint) {
                        continue;
                    }
                    chunk.add(row.source() == null ? row.unreadable() : parse.apply(row.source()));
                    if (chunk.size() == chunkSize) {
                        read.put(chunk);
                        chunk = new ArrayList<>(chunkSize);
                    }
                }
                if (!chunk.isEmpty()) {
                    read.put(chunk);
                }
                read.put(END);
            } catch (InterruptedException stopped) {
                Thread.currentThread().interrupt();
            } catch (IOException | RuntimeException | Error e) {
                pass(read, e);
            }
        });
        // Platform threads: interrupting a virtual thread in a socket read closes the socket, here a database
        // connection of the pool.
        for (int i = 0; i < LOOK_AHEADS; i++) {
            lookingAhead.add(Thread.ofPlatform().name("import-look-ahead-" + i).daemon()
                    .start(() -> lookAheadInTurn(lookAhead)));
        }
    }

    /**
     * One look-ahead thread: takes the next chunk, looks ahead, and hands the result on once every chunk taken
     * before it has been; the end or a failure is handed on in its turn and stops every thread.
     */
    private void lookAheadInTurn(UnaryOperator<List<ParsedRow>> lookAhead) {
        try {
            while (true) {
                Object item;
                long number;
                synchronized (taking) {
                    if (finished) {
                        return;
                    }
                    item = read.take();
                    number = taken++;
                    finished = !(item instanceof List<?>);
                }
                Object result = item;
                if (item instanceof List<?>) {
                    try {
                        @SuppressWarnings("unchecked")
                        List<ParsedRow> chunk = (List<ParsedRow>) item;
                        result = lookAhead.apply(chunk);
                    } catch (RuntimeException | Error e) {
                        synchronized (taking) {
                            finished = true;
                        }
                        result = e;
                    }
                }
                synchronized (turn) {
                    while (handedOn != number) {
                        turn.wait();
                    }
                    queue.put(result);
                    handedOn++;
                    turn.notifyAll();
                }
                if (!(result instanceof List<?>)) {
                    return;
                }
            }
        } catch (InterruptedException stopped) {
            Thread.currentThread().interrupt();
        }
    }

    /** Hands a failure on to the next stage. */
    private static void pass(BlockingQueue<Object> next, Throwable failure) {
        try {
            next.put(failure);
        } catch (InterruptedException stopped) {
            Thread.currentThread().interrupt();
        }
    }

    /** The next chunk, or null after the last. */
    @SuppressWarnings("unchecked")
    List<ParsedRow> next() {
        Object item;
        try {
            item = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the next chunk", e);
        }
        return switch (item) {
            case List<?> chunk -> (List<ParsedRow>) chunk;
            case IOException e -> throw new UncheckedIOException(e);
            case RuntimeException e -> throw e;
            case Error e -> throw e;
            default -> null;
        };
    }

    @Override
    public void close() {
        producer.interrupt();
        lookingAhead.forEach(Thread::interrupt);
        try {
            producer.join();
            for (Thread t : lookingAhead) {
                t.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
