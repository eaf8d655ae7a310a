package dev.freight.schema;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An object (vendor, assessment, a custom object…) and its fields, in display order.
 *
 * @param idPrefix prefix of generated record ids, e.g. {@code vndr} gives {@code vndr_0193…}
 * @param builtIn whether Freight defines the object (custom objects belong to one organization)
 */
public record ObjectDef(String slug, String label, String idPrefix, boolean builtIn, List<Field> fields) {

    public ObjectDef {
        fields = List.copyOf(fields);
    }

    public Optional<Field> field(String fieldSlug) {
        for (Field f : fields) {
            if (f.slug().equals(fieldSlug)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    public List<Field> requiredFields() {
        return fields.stream().filter(Field::required).toList();
    }

    /** A copy with {@code extra} fields appended; an extra field never replaces an existing one. */
    public ObjectDef withExtraFields(List<Field> extra) {
        Map<String, Field> all = new LinkedHashMap<>();
        fields.forEach(f -> all.put(f.slug(), f));
        extra.forEach(f -> all.putIfAbsent(f.slug(), f));
        return new ObjectDef(slug, label, idPrefix, builtIn, List.copyOf(all.values()));
    }
}
