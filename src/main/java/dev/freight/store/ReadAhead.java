package dev.freight.store;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Reads a query's records on a second thread a few batches ahead of the caller, so the database, the reading and the
 * caller's work (encoding an export) overlap instead of taking turns. At most {@link #DEPTH} batches of {@link #BATCH}
 * records wait, so memory stays flat. The source has the handle to itself until {@link #run} returns.
 */
final class ReadAhead {

    static final int BATCH = 1_000;
    static final int DEPTH = 4;

    private ReadAhead() {}

    /** Produces the records, in order, into a sink, on the reading thread. */
    @FunctionalInterface
    interface Source {
        void run(Sink sink) throws SQLException;
    }

    /** Takes one record; false when the caller stopped listening and the source should stop. */
    @FunctionalInterface
    interface Sink {
        boolean accept(StoredRecord record);
    }

    /** One hand-over: records, or the end of the result, or the failure that ended it. */
    private record Batch(List<StoredRecord> rows, SQLException sqlFailure, RuntimeException failure) {

        static final Batch END = new Batch(List.of(), null, null);
    }

    /** {@link #run(Source, UnaryOperator, RecordStream.RowHandler)} handing over the records as read. */
    static long run(Source source, RecordStream.RowHandler handler) throws IOException, SQLException {
        return run(source, UnaryOperator.identity(), handler);
    }

    /**
     * Returns how many records the handler received; stops reading early when the handler fails. Each batch goes
     * through {@code batches} on the reading thread before it is handed over (its failure ends the read as the
     * source's would).
     */
    static long run(Source source, UnaryOperator<List<StoredRecord>> batches, RecordStream.RowHandler handler)
            throws IOException, SQLException {
        BlockingQueue<Batch> queue = new ArrayBlockingQueue<>(DEPTH);
        Reader reader = new Reader(source, batches, queue);
        Thread thread = Thread.ofPlatform().name("freight-read-ahead").daemon().start(reader);
        long n = 0;
        try {
            while (true) {
                Batch batch = queue.take();
                if (batch.sqlFailure() != null) {
                    throw batch.sqlFailure();
                }
                if (batch.failure() != null) {
                    throw batch.failure();
                }
                if (batch == Batch.END) {
                    return n;
                }
                for (StoredRecord row : batch.rows()) {
                    handler.row(row);
                    n++;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading records");
        } finally {
            reader.stopped = true;
            queue.clear();
            joinUninterruptibly(thread);
        }
    }

    private static void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static final class Reader implements Runnable {

        private final Source source;
        private final UnaryOperator<List<StoredRecord>> batches;
        private final BlockingQueue<Batch> queue;
        private List<StoredRecord> rows = new ArrayList<>(BATCH);
        volatile boolean stopped;

        Reader(Source source, UnaryOperator<List<StoredRecord>> batches, BlockingQueue<Batch> queue) {
            this.source = source;
            this.batches = batches;
            this.queue = queue;
        }

        @Override
        public void run() {
            Batch last;
            try {
                source.run(this::accept);
                if (!rows.isEmpty() && !hand(new Batch(batches.apply(rows), null, null))) {
                    return;
                }
                last = Batch.END;
            } catch (SQLException e) {
                last = new Batch(List.of(), e, null);
            } catch (RuntimeException e) {
                last = new Batch(List.of(), null, e);
            }
            hand(last);
        }

        private boolean accept(StoredRecord record) {
            rows.add(record);
            if (rows.size() == BATCH) {
                if (!hand(new Batch(batches.apply(rows), null, null))) {
                    return false;
                }
                rows = new ArrayList<>(BATCH);
            }
            return !stopped;
        }

        /** Waits for room in the queue; false once the caller stopped listening. */
        private boolean hand(Batch batch) {
            try {
                while (!stopped) {
                    if (queue.offer(batch, 50, TimeUnit.MILLISECONDS)) {
                        return true;
                    }
                }
                return false;
            } catch (InterruptedException e) {
                return false;
            }
        }
    }
}
