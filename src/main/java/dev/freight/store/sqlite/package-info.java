/** The SQLite dialect: the embedded default database. */
package dev.freight.store.sqlite;
