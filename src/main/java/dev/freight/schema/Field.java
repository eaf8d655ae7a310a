package dev.freight.schema;

import java.util.List;
import java.util.Objects;

/**
 * One field of an object.
 *
 * @param slug lower_snake_case key used in records and mappings
 * @param options allowed values of an {@link FieldType#ENUM} field, empty otherwise
 * @param targets objects a {@link FieldType#REFERENCE} field may point to, in lookup order; empty otherwise
 * @param multiple whether the field holds several values (e.g. phones typed Mobile/Work, or several references)
 */
public record Field(
        String slug,
        String label,
        FieldType type,
        boolean required,
        String description,
        List<String> options,
        List<String> targets,
        boolean multiple) {

    public Field {
        Objects.requireNonNull(slug, "slug");
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(type, "type");
        description = description == null ? "" : description;
        options = List.copyOf(options == null ? List.of() : options);
        targets = List.copyOf(targets == null ? List.of() : targets);
    }

    static Field of(String slug, String label, FieldType type, String description) {
        return new Field(slug, label, type, false, description, List.of(), List.of(), false);
    }

    Field asRequired() {
        return new Field(slug, label, type, true, description, options, targets, multiple);
    }

    Field withOptions(String... values) {
        return new Field(slug, label, type, required, description, List.of(values), targets, multiple);
    }

    Field withTargets(String... objects) {
        return new Field(slug, label, type, required, description, options, List.of(objects), multiple);
    }

    Field asMultiple() {
        return new Field(slug, label, type, required, description, options, targets, true);
    }
}
