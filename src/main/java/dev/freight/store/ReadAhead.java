package dev.freight.store;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Runs a query on a second thread that maps its rows a few batches ahead of the caller, so the database, the driver
 * and the caller's work (encoding an export) overlap instead of taking turns. At most {@link #DEPTH} batches of
 * {@link #BATCH} rows wait, so memory stays flat. The statement is used by the reading thread only until
 * {@link #run} returns.
 */
final class ReadAhead {

    static final int BATCH = 1_000;
    static final int DEPTH = 4;

    private ReadAhead() {}

    /** One hand-over: rows, or the end of the result, or the failure that ended it. */
    private record Batch(List<StoredRecord> rows, SQLException sqlFailure, RuntimeException failure) {

        static final Batch END = new Batch(List.of(), null, null);
    }

    /** Returns how many rows the handler received; stops reading early when the handler fails. */
    static long run(PreparedStatement ps, Handle.RowMapper<StoredRecord> mapper, RecordStream.RowHandler handler)
            throws IOException, SQLException {
        BlockingQueue<Batch> queue = new ArrayBlockingQueue<>(DEPTH);
        Reader reader = new Reader(ps, mapper, queue);
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

        private final PreparedStatement ps;
        private final Handle.RowMapper<StoredRecord> mapper;
        private final BlockingQueue<Batch> queue;
        volatile boolean stopped;

        Reader(PreparedStatement ps, Handle.RowMapper<StoredRecord> mapper, BlockingQueue<Batch> queue) {
            this.ps = ps;
            this.mapper = mapper;
            this.queue = queue;
        }

        @Override
        public void run() {
            Batch last;
            try (ResultSet rs = ps.executeQuery()) {
                List<StoredRecord> rows = new ArrayList<>(BATCH);
                while (!stopped && rs.next()) {
                    rows.add(mapper.map(rs));
                    if (rows.size() == BATCH) {
                        if (!hand(new Batch(rows, null, null))) {
                            return;
                        }
                        rows = new ArrayList<>(BATCH);
                    }
                }
                if (!rows.isEmpty() && !hand(new Batch(rows, null, null))) {
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
