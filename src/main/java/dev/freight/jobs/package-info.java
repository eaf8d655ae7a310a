/**
 * Durable background work on db-scheduler: running imports (resumed from their checkpoint after a crash), queuing
 * again runs a crash kept from the queue, and expiring imports whose upload never arrived. Plain Java over
 * db-scheduler's API; the app registers the tasks.
 */
package dev.freight.jobs;
