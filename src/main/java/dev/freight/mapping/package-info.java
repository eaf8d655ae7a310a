/**
 * Suggests which target field each column of an uploaded file maps to: built in, offline and deterministic (names,
 * a synonym table, fuzzy similarity, sample values, the organization's confirmed mappings), optionally refined by an
 * external model. Entry point: {@link dev.freight.mapping.MappingSuggester}. Plain Java: no framework.
 */
package dev.freight.mapping;
