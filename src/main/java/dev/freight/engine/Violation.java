package dev.freight.engine;

/**
 * One problem with one row.
 *
 * @param row 1-based ordinal of the row among the data rows of its import (the JSON Import API's index is row - 1)
 * @param externalId the row's external_id when it had one, else null
 * @param field the field slug (or incoming key for unmapped fields) concerned, null when the whole row is
 * @param message one sentence a person can act on
 */
public record Violation(long row, String externalId, String field, ViolationCode code, String message) {}
