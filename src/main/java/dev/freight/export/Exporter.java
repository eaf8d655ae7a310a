package dev.freight.export;

import dev.freight.store.Database;
import dev.freight.store.RecordStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.function.LongConsumer;

/** Runs an {@link ExportPlan}: streams the records from the store into a writer. Thread-safe. */
public final class Exporter {

    private final Database database;
    private final RecordStream records;

    public Exporter(Database database, RecordStream records) {
        this.database = database;
        this.records = records;
    }

    /** How many records the plan exports. */
    public long count(String organizationId, ExportPlan plan) {
        return database.withHandle(h -> records.count(h, organizationId, plan.object(), plan.query()));
    }

    /** How many records the plan exports, counting no further than {@code max}. */
    public long countUpTo(String organizationId, ExportPlan plan, long max) {
        return database.withHandle(h -> records.countUpTo(h, organizationId, plan.object(), plan.query(), max));
    }

    /**
     * Writes the export to {@code out} (not closed); {@code progress} hears the number of records written so far after
     * each one. Returns how many records were written.
     */
    public long write(String organizationId, ExportPlan plan, OutputStream out, LongConsumer progress)
            throws IOException {
        ExportWriter writer = ExportWriter.open(plan, out);
        long[] written = {0};
        try {
            database.withHandle(h -> {
                try {
                    // A reference is written as its record is named now, which a row cannot tell on its own.
                    if (writer.takesRows() && !RecordStream.namesRecords(plan.fields())) {
                        return records.forEachRow(h, organizationId, plan.object(), plan.properties(), plan.fields(),
                                plan.query(), r -> {
                                    writer.row(r);
                                    progress.accept(++written[0]);
                                });
                    }
                    return records.forEach(h, organizationId, plan.object(), plan.properties(), plan.fields(),
                            plan.query(), r -> {
                                writer.row(r);
                                progress.accept(++written[0]);
                            });
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        writer.finish();
        return written[0];
    }
}
