package dev.freight.schema;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The objects one organization can use: the built-ins, extended by its custom fields, plus its custom objects. */
public final class Schema {

    private final Map<String, ObjectDef> objects;

    private Schema(Map<String, ObjectDef> objects) {
        this.objects = objects;
    }

    /**
     * @param customObjects the organization's own objects (with their fields)
     * @param customFields extra fields per built-in object slug
     */
    public static Schema of(Collection<ObjectDef> customObjects, Map<String, List<Field>> customFields) {
        Map<String, ObjectDef> all = new LinkedHashMap<>();
        for (ObjectDef builtIn : BuiltInObjects.ALL) {
            all.put(builtIn.slug(), builtIn.withExtraFields(customFields.getOrDefault(builtIn.slug(), List.of())));
        }
        for (ObjectDef custom : customObjects) {
            all.putIfAbsent(custom.slug(), custom);
        }
        return new Schema(all);
    }

    public static Schema builtInOnly() {
        return of(List.of(), Map.of());
    }

    public Optional<ObjectDef> object(String slug) {
        return Optional.ofNullable(objects.get(slug));
    }

    public List<ObjectDef> objects() {
        return new ArrayList<>(objects.values());
    }

    public static boolean isBuiltIn(String slug) {
        return BuiltInObjects.ALL.stream().anyMatch(o -> o.slug().equals(slug));
    }
}
