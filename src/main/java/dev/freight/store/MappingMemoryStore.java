package dev.freight.store;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The column mappings an organization confirmed (by executing an import with them): normalized header → field, per
 * object, so later suggestions can say "remembered". The latest confirmation of a header wins. Thread-safe.
 */
public final class MappingMemoryStore {

    private final Clock clock;

    public MappingMemoryStore(Clock clock) {
        this.clock = clock;
    }

    /** Remembers {@code headerToField} (normalized header → field slug) for the organization's object. */
    public void confirm(Handle h, String organizationId, String object, Map<String, String> headerToField) {
        long now = clock.millis();
        headerToField.forEach((header, field) -> h.update("""
                insert into mapping_memory (organization_id, object, header, field, confirmed_at) values (?, ?, ?, ?, ?)
                on conflict (organization_id, object, header) do update set field = excluded.field,
                    confirmed_at = excluded.confirmed_at""", organizationId, object, header, field, now));
    }

    /** normalized header → field slug, for the organization's object. */
    public Map<String, String> remembered(Handle h, String organizationId, String object) {
        Map<String, String> out = new LinkedHashMap<>();
        h.query("select header, field from mapping_memory where organization_id = ? and object = ? order by header",
                rs -> out.put(rs.getString(1), rs.getString(2)), organizationId, object);
        return out;
    }
}
