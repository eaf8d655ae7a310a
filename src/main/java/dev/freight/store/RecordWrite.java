package dev.freight.store;

import dev.freight.schema.Value;
import java.util.Map;

/**
 * One record to write by external_id: its values replace the stored ones.
 *
 * @param expectedVersion what the writer read: null for a blind upsert; 0 when the record must not exist yet; else the
 *     version the stored record must still have. A write whose expectation no longer holds is refused with
 *     {@code transient_conflict}, so a writer that merged with what it read never overwrites a concurrent change.
 * @param json {@code values} already encoded by {@link ValueJson#encode}, or null to encode them when written
 * @param id the id a record this write creates takes (one kept for it while rows that refer to it were written), or
 *     null for a new one; an update keeps the stored record's id
 */
public record RecordWrite(String externalId, Map<String, Value> values, Long expectedVersion, String json, String id) {

    public RecordWrite(String externalId, Map<String, Value> values, Long expectedVersion, String json) {
        this(externalId, values, expectedVersion, json, null);
    }

    /** This write, creating its record (if it does) with {@code id}. */
    public RecordWrite withId(String id) {
        return new RecordWrite(externalId, values, expectedVersion, json, id);
    }

    public RecordWrite(String externalId, Map<String, Value> values, Long expectedVersion) {
        this(externalId, values, expectedVersion, null);
    }

    /** The values as stored JSON. */
    public String encoded() {
        return json != null ? json : ValueJson.encode(values);
    }

    /** A blind upsert. */
    public RecordWrite(String externalId, Map<String, Value> values) {
        this(externalId, values, null);
    }
}
