package dev.freight.jobs;

/**
 * A run of an import or export job that the instance's shutdown cut short (db-scheduler interrupts a task still
 * running once its shutdown wait is over): the job is left as it was, not {@code failed}, and its task is due again at
 * once ({@link RunTask}, which returns it to db-scheduler as a rescheduled run rather than a failure to log), so the
 * next start (or another instance) carries it on. What the interrupted run threw is the cause.
 */
final class StoppedByShutdown extends RuntimeException {

    StoppedByShutdown(String what, Throwable cause) {
        super(what + " was stopped by the shutdown of this instance; it runs again at the next start", cause);
    }
}
