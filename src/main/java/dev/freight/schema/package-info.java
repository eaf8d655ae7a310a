/**
 * Objects, their typed fields and the coercion of incoming values into typed {@link dev.freight.schema.Value}s, and
 * the inference of a text column's date format ({@link dev.freight.schema.DateInference}).
 * Plain Java: no framework, no I/O. One {@link dev.freight.schema.Schema} per organization combines the built-in
 * objects with the organization's custom objects and fields.
 */
package dev.freight.schema;
