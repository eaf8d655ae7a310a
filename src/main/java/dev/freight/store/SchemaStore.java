package dev.freight.store;

import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.Field;
import dev.freight.schema.FieldType;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.Schema;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.type.TypeReference;

/** Custom objects and custom fields of each organization, and the {@link Schema} they make with the built-ins. */
public final class SchemaStore {

    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {};

    private final Clock clock;

    public SchemaStore(Clock clock) {
        this.clock = clock;
    }

    public Schema schema(Handle h, String organizationId) {
        Map<String, List<Field>> fields = new LinkedHashMap<>();
        h.query("""
                select object_slug, slug, label, type, required, description, options, targets, multiple
                from custom_fields where organization_id = ? order by object_slug, position""",
                rs -> fields.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(field(rs)),
                organizationId);
        List<ObjectDef> objects = h.query(
                "select slug, label, id_prefix from custom_objects where organization_id = ? order by slug",
                rs -> new ObjectDef(rs.getString(1), rs.getString(2), rs.getString(3), false,
                        List.of(BuiltInObjects.externalIdField()))
                        .withExtraFields(fields.getOrDefault(rs.getString(1), List.of())),
                organizationId);
        return Schema.of(objects, fields);
    }

    /** Creates a custom object with its first fields. A taken slug raises unique_violation. */
    public void createObject(Handle h, String organizationId, ObjectDef object) {
        h.update("insert into custom_objects (organization_id, slug, label, id_prefix, created_at) values (?, ?, ?, ?, ?)",
                organizationId, object.slug(), object.label(), object.idPrefix(), clock.millis());
        for (Field field : object.fields()) {
            addField(h, organizationId, object.slug(), field);
        }
    }

    /** Adds a field to a built-in or custom object. A taken slug raises unique_violation. */
    public void addField(Handle h, String organizationId, String objectSlug, Field field) {
        int position = h.queryFirst(
                "select count(*) from custom_fields where organization_id = ? and object_slug = ?",
                rs -> rs.getInt(1), organizationId, objectSlug).orElse(0);
        h.update("""
                insert into custom_fields (organization_id, object_slug, slug, label, type, required, description,
                    options, targets, multiple, position, created_at)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                organizationId, objectSlug, field.slug(), field.label(), field.type().wireName(), field.required(),
                field.description(), ValueJson.write(field.options()), ValueJson.write(field.targets()),
                field.multiple(), position, clock.millis());
    }

    /** Deletes a custom object and its fields; its records stay stored. False when there was no such object. */
    public boolean deleteObject(Handle h, String organizationId, String objectSlug) {
        h.update("delete from custom_fields where organization_id = ? and object_slug = ?", organizationId, objectSlug);
        return h.update("delete from custom_objects where organization_id = ? and slug = ?", organizationId,
                objectSlug) > 0;
    }

    private static Field field(ResultSet rs) throws SQLException {
        return new Field(rs.getString(2), rs.getString(3), FieldType.fromWireName(rs.getString(4)).orElseThrow(),
                rs.getBoolean(5), rs.getString(6), ValueJson.read(rs.getString(7), STRINGS),
                ValueJson.read(rs.getString(8), STRINGS), rs.getBoolean(9));
    }
}
