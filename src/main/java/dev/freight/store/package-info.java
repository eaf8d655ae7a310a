/**
 * Persistence: one {@link dev.freight.store.Database} over SQLite or PostgreSQL, with the differences kept in one
 * {@link dev.freight.store.Dialect} per database. Stores take a {@link dev.freight.store.Handle} so callers decide the
 * transaction. Plain JDBC and Flyway; no framework.
 */
package dev.freight.store;
