package dev.freight.engine;

/**
 * One problem with one row.
 *
 * @param index zero-based position of the row in its batch
 * @param externalId the row's external_id when it had one, else null
 * @param field the field slug (or incoming key for unmapped fields) concerned, null when the whole row is
 * @param message one sentence a person can act on
 */
public record Violation(int index, String externalId, String field, ViolationCode code, String message) {}
