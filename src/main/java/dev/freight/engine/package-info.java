/**
 * The import engine: turns incoming rows into validated, typed records and writes them through the store.
 * A bad row is data (a {@link dev.freight.engine.Violation}), never an exception. Plain Java.
 */
package dev.freight.engine;
