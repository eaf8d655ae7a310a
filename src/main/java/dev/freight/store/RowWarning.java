package dev.freight.store;

/**
 * A warning about a row an import accepted: the row's ordinal among data rows, the field it concerns, a stable code
 * and a message.
 */
public record RowWarning(long ordinal, String field, String code, String message) {}
