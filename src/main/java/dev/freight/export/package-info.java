/**
 * Exports: which columns, filters and order a request asks for ({@link dev.freight.export.ExportPlan}), and writers
 * that stream records as CSV, XLSX, PDF, JSON or NDJSON while the store reads them. Plain Java; no Spring.
 */
package dev.freight.export;
