package dev.freight.api;

import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.Echo;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.Schema;
import java.util.Optional;

/**
 * Resolves the {@code {module}} of a {@code /v1/modules/{module}/…} path to an object: its slug ({@code contact}),
 * or the plural ({@code contacts}, {@code companies} → {@code company}). Unknown modules answer 404
 * {@code module_not_found}.
 */
final class ModuleResolver {

    private ModuleResolver() {}

    static ObjectDef resolve(Schema schema, String module) {
        return find(schema, module).orElseThrow(() -> notFound(module));
    }

    static Optional<ObjectDef> find(Schema schema, String module) {
        Optional<ObjectDef> exact = schema.object(module);
        if (exact.isPresent() || module.length() < 2) {
            return exact;
        }
        if (module.endsWith("ies")) {
            Optional<ObjectDef> y = schema.object(module.substring(0, module.length() - 3) + "y");
            if (y.isPresent()) {
                return y;
            }
        }
        return module.endsWith("s") ? schema.object(module.substring(0, module.length() - 1)) : Optional.empty();
    }

    static ApiException notFound(String module) {
        return new ApiException(404, "module_not_found", "Module not found: " + Echo.quoted(module));
    }

    /** How the face names an object's module: the plural for built-in objects, the slug for custom ones. */
    static String slug(ObjectDef object) {
        return slug(object.slug());
    }

    /** As {@link #slug(ObjectDef)}, from the object's slug. */
    static String slug(String objectSlug) {
        for (ObjectDef builtIn : BuiltInObjects.ALL) {
            if (builtIn.slug().equals(objectSlug)) {
                return objectSlug + "s";
            }
        }
        return objectSlug;
    }

    /**
     * The id seed 003 gives a module in its import and export jobs: {@code mod_} and the module's name as the face
     * gives it ({@code mod_contacts} for {@code /v1/modules/contacts/…}), the same in both kinds of job.
     */
    static String moduleId(String objectSlug) {
        return "mod_" + slug(objectSlug);
    }
}
