package dev.freight.store;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The column mappings an organization confirmed (by an execution of the file import workflow that stored rows with
 * them): normalized header → the whole mapping, per object, so later suggestions can say "remembered". The latest
 * confirmation of a header wins. Thread-safe.
 */
public final class MappingMemoryStore {

    /**
     * One confirmed mapping of a column.
     *
     * @param valueType the label of a multi-value column's values, or null
     * @param addressPart the address part the column fed, or null
     */
    public record Confirmed(String field, String valueType, String addressPart) {
        public Confirmed {
            Objects.requireNonNull(field, "field");
        }
    }

    private final Clock clock;

    public MappingMemoryStore(Clock clock) {
        this.clock = clock;
    }

    /** Remembers {@code headerToMapping} (normalized header → mapping) for the organization's object. */
    public void confirm(Handle h, String organizationId, String object, Map<String, Confirmed> headerToMapping) {
        long now = clock.millis();
        headerToMapping.forEach((header, m) -> h.update("""
                insert into mapping_memory (organization_id, object, header, field, value_type, address_part,
                    confirmed_at) values (?, ?, ?, ?, ?, ?, ?)
                on conflict (organization_id, object, header) do update set field = excluded.field,
                    value_type = excluded.value_type, address_part = excluded.address_part,
                    confirmed_at = excluded.confirmed_at""", organizationId, object, header, m.field(), m.valueType(),
                m.addressPart(), now));
    }

    /** normalized header → mapping, for the organization's object. */
    public Map<String, Confirmed> remembered(Handle h, String organizationId, String object) {
        Map<String, Confirmed> out = new LinkedHashMap<>();
        h.query("""
                select header, field, value_type, address_part from mapping_memory
                where organization_id = ? and object = ? order by header""",
                rs -> out.put(rs.getString(1), new Confirmed(rs.getString(2), rs.getString(3), rs.getString(4))),
                organizationId, object);
        return out;
    }
}
