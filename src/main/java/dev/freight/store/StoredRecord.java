package dev.freight.store;

import dev.freight.schema.Value;
import java.time.Instant;
import java.util.Map;

/** A record as stored. {@code externalId} may be null for records created without one. */
public record StoredRecord(
        String id,
        String organizationId,
        String object,
        String externalId,
        Map<String, Value> values,
        Instant createdAt,
        Instant updatedAt) {}
