package dev.freight.jobs;

import dev.freight.store.StoreException;

/**
 * A run of an import or export job that could not load its job because the database is unavailable: the outage
 * began before the run, so it is one more run of that outage ({@link RunRetries} counts the database's failure, the
 * cause, as before). The job's own code has logged it in one line; {@link RunTask} hands the cause to the failure
 * handler without db-scheduler's "Unhandled exception" WARN and its stack trace.
 */
final class UnloadedByOutage extends RuntimeException {

    UnloadedByOutage(String what, StoreException cause) {
        super(what + " paused, the database is unavailable; it runs again once the database is back", cause);
    }

    @Override
    public synchronized StoreException getCause() {
        return (StoreException) super.getCause();
    }
}
