package dev.freight.export;

import dev.freight.store.Database;
import dev.freight.store.Handle;
import dev.freight.store.RecordStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.function.LongConsumer;
import java.util.function.ToLongFunction;

/** Runs an {@link ExportPlan}: streams the records from the store into a writer. Thread-safe. */
public final class Exporter {

    private final Database database;
    private final RecordStream records;
    /** A test's hook: what runs once an immediate export has counted its records, in their snapshot. */
    private volatile Runnable afterCount = () -> {};

    public Exporter(Database database, RecordStream records) {
        this.database = database;
        this.records = records;
    }

    /** How many records the plan exports. */
    public long count(String organizationId, ExportPlan plan) {
        return database.withHandle(h -> records.count(h, organizationId, plan.object(), plan.query()));
    }

    /** Where an export is written once its records are counted. */
    @FunctionalInterface
    public interface Destination {

        /**
         * The stream for the export's {@code records} records (counted no further than the limit given), not closed by
         * the export; null to write them nowhere.
         */
        OutputStream counted(long records) throws IOException;
    }

    /** Hears how an export goes: how many records it writes, then how many it has written. */
    public interface Progress {

        /** Before the first record: how many records the export writes. */
        void counted(long records);

        /** After each record: how many records have been written so far. */
        void written(long records);
    }

    /**
     * Writes the export to {@code out} (not closed); {@code progress} hears the number of records written so far after
     * each one. Returns how many records were written.
     */
    public long write(String organizationId, ExportPlan plan, OutputStream out, LongConsumer progress)
            throws IOException {
        return write(plan, out, writer -> database.withHandle(h -> stream(h, organizationId, plan, writer,
                progress)));
    }

    /**
     * As {@link #write(String, ExportPlan, OutputStream, LongConsumer)}, counting the records first, in the snapshot of
     * the database the stream reads ({@link Database#inSnapshot}): {@code progress} hears the count before the first
     * record, and it is the number written, whatever records are written meanwhile. Before, the count was a query of
     * its own, and a job could say it wrote 3 records of a file that held 4.
     */
    public long write(String organizationId, ExportPlan plan, OutputStream out, Progress progress)
            throws IOException {
        return write(plan, out, writer -> database.inSnapshot(h -> {
            progress.counted(records.count(h, organizationId, plan.object(), plan.query()));
            return stream(h, organizationId, plan, writer, progress::written);
        }));
    }

    /**
     * Counts the plan's records, no further than {@code max}, and writes them to the stream {@code destination} gives
     * for that count, if any, in one snapshot of the database ({@link Database#inSnapshot}): the count is the number
     * written, whatever records are written meanwhile. Returns whether they were written. Before, the count was a query
     * of its own, and an immediate export could be said to hold 3 records while its file held 4.
     */
    public boolean write(String organizationId, ExportPlan plan, long max, Destination destination)
            throws IOException {
        try {
            return database.inSnapshot(h -> {
                long counted = records.countUpTo(h, organizationId, plan.object(), plan.query(), max);
                afterCount.run();
                try {
                    OutputStream out = destination.counted(counted);
                    if (out == null) {
                        return false;
                    }
                    write(plan, out, writer -> stream(h, organizationId, plan, writer, n -> {}));
                    return true;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Makes {@link #write(String, ExportPlan, long, Destination)} run {@code hook} between count and stream. */
    void afterCount(Runnable hook) {
        this.afterCount = hook;
    }

    /** Opens the plan's writer on {@code out}, has {@code stream} write the records to it, and finishes it. */
    private static long write(ExportPlan plan, OutputStream out, ToLongFunction<ExportWriter> stream)
            throws IOException {
        ExportWriter writer = ExportWriter.open(plan, out);
        long written;
        try {
            written = stream.applyAsLong(writer);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        writer.finish();
        return written;
    }

    /** Streams the records on {@code h} to {@code writer}; an I/O error of the writer comes out unchecked. */
    private long stream(Handle h, String organizationId, ExportPlan plan, ExportWriter writer, LongConsumer progress) {
        long[] written = {0};
        try {
            // A reference is written as its record is named now, which a row cannot tell on its own.
            if (writer.takesRows() && !RecordStream.namesRecords(plan.fields())) {
                records.forEachRow(h, organizationId, plan.object(), plan.properties(), plan.fields(), plan.query(),
                        r -> {
                            writer.row(r);
                            progress.accept(++written[0]);
                        });
            } else {
                records.forEach(h, organizationId, plan.object(), plan.properties(), plan.fields(), plan.query(),
                        r -> {
                            writer.row(r);
                            progress.accept(++written[0]);
                        });
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return written[0];
    }
}
