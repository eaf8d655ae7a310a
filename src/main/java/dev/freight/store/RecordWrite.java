package dev.freight.store;

import dev.freight.schema.Value;
import java.util.Map;

/** One record to upsert by external_id: its values replace the stored ones. */
public record RecordWrite(String externalId, Map<String, Value> values) {}
