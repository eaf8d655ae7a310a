package dev.freight.engine;

import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.Echo;
import dev.freight.schema.Field;
import dev.freight.schema.FieldType;
import dev.freight.schema.NulCharacter;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.Schema;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** What makes a custom object or field valid. Each problem is one sentence; an empty list means valid. */
public final class ObjectRules {

    private static final Pattern SLUG = Pattern.compile("^[a-z][a-zA-Z0-9_]{0,62}$");
    private static final Pattern PREFIX = Pattern.compile("^[a-z]{2,8}$");

    /**
     * PostgreSQL refuses U+0000 in text and jsonb, so a definition holding one would fail its write with 500 there;
     * it is a problem of the definition on SQLite too, so both databases take the same definitions.
     */
    private static final String NUL = NulCharacter.HOLDS;

    private ObjectRules() {}

    public static List<String> objectProblems(Schema schema, ObjectDef object) {
        List<String> problems = new ArrayList<>();
        if (object.slug() == null || !SLUG.matcher(object.slug()).matches()) {
            problems.add("slug must start with a lowercase letter and hold only letters, digits and '_' (at most 63)"
                    + (object.slug() == null ? "" : ", got " + Echo.quoted(object.slug())));
        } else if (schema.object(object.slug()).isPresent()) {
            problems.add("an object " + Echo.quoted(object.slug()) + " already exists");
        }
        if (object.label() == null || object.label().isBlank()) {
            problems.add("label is required");
        } else if (NulCharacter.in(object.label())) {
            problems.add("label " + NUL);
        }
        if (!PREFIX.matcher(object.idPrefix()).matches()) {
            problems.add("id_prefix must be 2-8 lowercase letters, got " + Echo.quoted(object.idPrefix()));
        } else {
            // A record's id names its object: the prefix also bounds every read of an object's records by id.
            schema.objects().stream().filter(o -> o.idPrefix().equals(object.idPrefix())).findFirst().ifPresent(o ->
                    problems.add("id_prefix " + Echo.quoted(object.idPrefix()) + " is taken by the object "
                            + Echo.quoted(o.slug()) + "; give this object another id_prefix (2-8 lowercase letters)"));
        }
        Set<String> seen = new HashSet<>();
        for (Field f : object.fields()) {
            if (!seen.add(f.slug())) {
                problems.add("field " + Echo.quoted(f.slug()) + " is listed twice");
            }
            problems.addAll(fieldProblems(schema, object.slug(), f));
        }
        return problems;
    }

    public static List<String> fieldProblems(Schema schema, String objectSlug, Field field) {
        List<String> problems = new ArrayList<>();
        if (!SLUG.matcher(field.slug()).matches()) {
            problems.add("field slug must start with a lowercase letter and hold only letters, digits and '_', got "
                    + Echo.quoted(field.slug()));
        }
        if (field.slug().equals(BuiltInObjects.EXTERNAL_ID)) {
            problems.add("every object has external_id already; leave it out of the fields");
        } else if (schema.object(objectSlug).flatMap(o -> o.field(field.slug())).isPresent()) {
            problems.add(objectSlug + " already has a field " + Echo.quoted(field.slug()));
        }
        if (NulCharacter.in(field.label())) {
            problems.add("field " + Echo.quoted(field.slug()) + " label " + NUL);
        }
        if (NulCharacter.in(field.description())) {
            problems.add("field " + Echo.quoted(field.slug()) + " description " + NUL);
        }
        if (field.type() == FieldType.ENUM && field.options().isEmpty()) {
            problems.add("enum field " + Echo.quoted(field.slug()) + " needs options");
        }
        for (int i = 0; i < field.options().size(); i++) {
            if (NulCharacter.in(field.options().get(i))) {
                problems.add("enum field " + Echo.quoted(field.slug()) + " option " + (i + 1) + " " + NUL);
            }
        }
        if (field.type() == FieldType.REFERENCE) {
            if (field.targets().isEmpty()) {
                problems.add("reference field " + Echo.quoted(field.slug()) + " needs targets (object slugs)");
            }
            for (String target : field.targets()) {
                if (schema.object(target).isEmpty() && !target.equals(objectSlug)) {
                    problems.add("reference field " + Echo.quoted(field.slug()) + " targets "
                            + Echo.quoted(target) + ", which is not an object");
                }
            }
        }
        return problems;
    }

    /** A record id prefix made from an object slug: its first letters, e.g. {@code risk_item} → {@code riskitem}. */
    public static String defaultPrefix(String slug) {
        String letters = slug == null ? "" : slug.replaceAll("[^a-z]", "");
        return letters.length() >= 2 ? letters.substring(0, Math.min(8, letters.length())) : "rec";
    }
}
