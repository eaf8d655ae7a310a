package dev.freight.engine;

import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.Echo;
import dev.freight.schema.Field;
import dev.freight.schema.NulCharacter;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.Schema;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** What makes an Import Report valid. Each problem is one sentence; an empty list means valid. */
public final class ReportRules {

    /** The most characters a slug has. */
    public static final int MAX_SLUG_LENGTH = 100;

    private static final Pattern SLUG = Pattern.compile("^[a-z0-9][a-z0-9_-]{0," + (MAX_SLUG_LENGTH - 1) + "}$");

    private ReportRules() {}

    /** {@code slug} is null when none was given and {@code reportName} makes none. */
    public static List<String> problems(Schema schema, String slug, String reportName, String baseObject,
            Map<String, String> mapping) {
        List<String> problems = new ArrayList<>();
        if (slug == null) {
            // No slug given and none made from report_name; a missing report_name is its own problem.
            if (reportName != null && !reportName.isBlank()) {
                problems.add("slug is required: report_name " + Echo.quoted(reportName.strip())
                        + " has no letters a-z or digits 0-9 to make one from");
            }
        } else if (!SLUG.matcher(slug).matches()) {
            problems.add("slug must be 1-100 lowercase letters, digits, '-' or '_', starting with a letter or digit"
                    + ", got " + Echo.quoted(slug));
        }
        if (reportName == null || reportName.isBlank()) {
            problems.add("report_name is required");
        } else if (NulCharacter.in(reportName)) {
            problems.add(NulCharacter.problem("report_name"));
        }
        if (mapping == null || mapping.isEmpty()) {
            problems.add("mapping must map at least external_id and the required fields");
        }
        ObjectDef object = baseObject == null ? null : schema.object(baseObject).orElse(null);
        if (object == null) {
            problems.add((baseObject == null ? "base_object is required" : "base_object "
                    + Echo.quoted(baseObject) + " is not an object") + "; use one of "
                    + String.join(", ", schema.objects().stream().map(ObjectDef::slug).toList()));
            return problems;
        }
        Map<String, String> m = mapping == null ? Map.of() : mapping;
        for (Map.Entry<String, String> e : m.entrySet()) {
            if (object.field(e.getKey()).isEmpty()) {
                problems.add("mapping names field " + Echo.quoted(e.getKey()) + ", which " + object.slug()
                        + " does not have");
            } else if (e.getValue() == null || e.getValue().isBlank()) {
                problems.add("mapping of " + Echo.quoted(e.getKey()) + " needs the incoming key name");
            } else if (NulCharacter.in(e.getValue())) {
                // A definition refuses the character wherever it is, as an object's does (ObjectRules).
                problems.add(NulCharacter.problem("mapping of " + Echo.quoted(e.getKey())));
            }
        }
        if (!m.containsKey(BuiltInObjects.EXTERNAL_ID) && object.field(BuiltInObjects.EXTERNAL_ID).isPresent()) {
            problems.add("mapping must map external_id: it is the upsert key");
        }
        for (Field required : object.requiredFields()) {
            if (!m.containsKey(required.slug()) && !required.slug().equals(BuiltInObjects.EXTERNAL_ID)) {
                problems.add("required field " + Echo.quoted(required.slug()) + " is not mapped");
            }
        }
        return problems;
    }
}
