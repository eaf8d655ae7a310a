package dev.freight.store;

/**
 * What an upsert did to one record: created it, or updated the one already stored under the external_id; {@code
 * version} is the record's version after the write.
 */
public record UpsertOutcome(String externalId, String id, boolean created, long version) {}
