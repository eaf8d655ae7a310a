package dev.freight.engine;

/** A row that was stored: {@code created} tells whether it made a new record or updated one. */
public record RecordResult(int index, String externalId, String id, boolean created) {}
