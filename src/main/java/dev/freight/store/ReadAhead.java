package dev.freight.store;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

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
    interface Source<T> {
        void run(Sink<T> sink) throws SQLException;
    }

    /** Takes one record; false when the caller stopped listening and the source should stop. */
    @FunctionalInterface
    interface Sink<T> {
        boolean accept(T record);
    }

    /** One hand-over: records, or the end of the result (no list), or the failure that ended it. */
    private record Batch<T>(List<T> rows, SQLException sqlFailure, RuntimeException failure) {}

    /** Receives the records in order on the caller's thread. */
    @FunctionalInterface
    interface Handler<T> {
        void row(T record) throws IOException;
    }

    /** Returns how many records the handler received; stops reading early when the handler fails. */
    static <T> long run(Source<T> source, Handler<T> handler) throws IOException, SQLException {
        BlockingQueue<Batch<T>> queue = new ArrayBlockingQueue<>(DEPTH);
        Reader<T> reader = new Reader<>(source, queue);
        Thread thread = Thread.ofPlatform().name("freight-read-ahead").daemon().start(reader);
        long n = 0;
        try {
            while (true) {
                Batch<T> batch = queue.take();
                if (batch.sqlFailure() != null) {
                    throw batch.sqlFailure();
                }
                if (batch.failure() != null) {
                    throw batch.failure();
                }
                if (batch.rows() == null) {
                    return n;
                }
                for (T row : batch.rows()) {
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

    private static final class Reader<T> implements Runnable {

        private final Source<T> source;
        private final BlockingQueue<Batch<T>> queue;
        private List<T> rows = new ArrayList<>(BATCH);
        volatile boolean stopped;

        Reader(Source<T> source, BlockingQueue<Batch<T>> queue) {
            this.source = source;
            this.queue = queue;
        }

        @Override
        public void run() {
            Batch<T> last;
            try {
                source.run(this::accept);
                if (!rows.isEmpty() && !hand(new Batch<>(rows, null, null))) {
                    return;
                }
                last = new Batch<>(null, null, null);
            } catch (SQLException e) {
                last = new Batch<>(List.of(), e, null);
            } catch (RuntimeException e) {
                last = new Batch<>(List.of(), null, e);
            }
            hand(last);
        }

        private boolean accept(T record) {
            rows.add(record);
            if (rows.size() == BATCH) {
                if (!hand(new Batch<>(rows, null, null))) {
                    return false;
                }
                rows = new ArrayList<>(BATCH);
            }
            return !stopped;
        }

        /** Waits for room in the queue; false once the caller stopped listening. */
        private boolean hand(Batch<T> batch) {
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
