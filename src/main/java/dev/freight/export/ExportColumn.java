package dev.freight.export;

import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.Field;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.Value;
import dev.freight.store.StoredRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One column of an export: a record's own property ({@code id}, {@code external_id}, {@code createdDateTime},
 * {@code updatedDateTime}) or one of its object's fields.
 *
 * @param key the name used in requests and as the JSON key
 * @param label the header text
 * @param field the field for {@link Kind#FIELD} columns, null otherwise
 */
public record ExportColumn(String key, String label, Kind kind, Field field) {

    public static final String ID = "id";
    public static final String CREATED = "createdDateTime";
    public static final String UPDATED = "updatedDateTime";

    /** What a column reads. */
    public enum Kind {
        ID,
        EXTERNAL_ID,
        CREATED,
        UPDATED,
        FIELD
    }

    public ExportColumn withLabel(String newLabel) {
        return new ExportColumn(key, newLabel, kind, field);
    }

    /** The column's value in {@code record}, or null when the record has none. */
    public Value valueOf(StoredRecord record) {
        return switch (kind) {
            case ID -> new Value.Text(record.id());
            case EXTERNAL_ID -> record.externalId() == null ? null : new Value.Text(record.externalId());
            case CREATED -> new Value.DateTime(record.createdAt());
            case UPDATED -> new Value.DateTime(record.updatedAt());
            case FIELD -> record.values().get(key);
        };
    }

    /** Every column an object's export can have: the record's own properties, then its fields in display order. */
    public static List<ExportColumn> catalogue(ObjectDef object) {
        List<ExportColumn> all = new ArrayList<>();
        all.add(new ExportColumn(ID, "Id", Kind.ID, null));
        all.add(new ExportColumn(BuiltInObjects.EXTERNAL_ID, "External Id", Kind.EXTERNAL_ID, null));
        all.add(new ExportColumn(CREATED, "Created", Kind.CREATED, null));
        all.add(new ExportColumn(UPDATED, "Updated", Kind.UPDATED, null));
        for (Field f : object.fields()) {
            if (!f.slug().equals(BuiltInObjects.EXTERNAL_ID)) {
                all.add(new ExportColumn(f.slug(), f.label(), Kind.FIELD, f));
            }
        }
        return all;
    }

    public static Optional<ExportColumn> find(ObjectDef object, String key) {
        return catalogue(object).stream().filter(c -> c.key().equals(key)).findFirst();
    }

    /** The default columns: the object's name field, its owner if it has one, and the created and updated dates. */
    public static List<String> defaults(ObjectDef object) {
        List<String> keys = new ArrayList<>();
        object.field("name").or(() -> object.field("displayName")).ifPresentOrElse(f -> keys.add(f.slug()),
                () -> keys.add(BuiltInObjects.EXTERNAL_ID));
        object.field("owner").ifPresent(f -> keys.add(f.slug()));
        keys.add(CREATED);
        keys.add(UPDATED);
        return keys;
    }
}
