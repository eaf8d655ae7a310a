package dev.freight.jobs;

import dev.freight.store.StoreException;

/**
 * A run of an import or export job that the database's unavailability failed after the run had reached the database
 * (it loaded its job in a write transaction, which on SQLite takes the write lock that is the outage there): the
 * database went away during the run, so a new outage began, however many runs an earlier one failed. Its task is due again after the first wait of {@link RunRetries}. The database's failure is the cause. The job's own code has
 * logged it in one line; {@link RunTask} hands it to the failure handler without db-scheduler's "Unhandled exception"
 * WARN and its stack trace.
 */
final class PausedByOutage extends RuntimeException {

    PausedByOutage(String what, StoreException cause) {
        super(what + " paused, the database is unavailable; it runs again once the database is back", cause);
    }
}
