package dev.freight.store;

import dev.freight.schema.Value;
import java.time.Instant;
import java.util.Map;

/**
 * A record as stored. {@code externalId} may be null for records created without one. Records from a
 * {@link RecordStream} hold only the properties asked for; the others are null.
 */
public record StoredRecord(
        String id,
        String organizationId,
        String object,
        String externalId,
        Map<String, Value> values,
        Instant createdAt,
        Instant updatedAt) {}
