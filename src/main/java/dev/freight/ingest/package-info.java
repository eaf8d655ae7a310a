/**
 * Readers that stream the rows of an uploaded CSV, JSON, NDJSON, XLSX or XLS file, each with its source line number
 * and raw cells, in constant memory. Entry point: {@link dev.freight.ingest.Readers}. Plain Java: no framework.
 */
package dev.freight.ingest;
