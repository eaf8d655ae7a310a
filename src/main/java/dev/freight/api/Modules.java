package dev.freight.api;

import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.Schema;
import java.util.Optional;

/**
 * The modules of the {@code /v1/modules} face: every object, addressed by its slug or, for the built-in objects, by
 * the plural the seed uses ({@code contacts}, {@code accounts}, {@code vendors}…).
 */
final class Modules {

    private Modules() {}

    /** The object a module path names; 404 {@code module_not_found} otherwise. */
    static ObjectDef resolve(Schema schema, String module) {
        return find(schema, module).orElseThrow(() -> new ApiException(404, "module_not_found",
                "Module not found: there is no module \"" + module + "\""));
    }

    static Optional<ObjectDef> find(Schema schema, String module) {
        Optional<ObjectDef> exact = schema.object(module);
        if (exact.isPresent()) {
            return exact;
        }
        for (ObjectDef builtIn : BuiltInObjects.ALL) {
            if (module.equals(builtIn.slug() + "s")) {
                return schema.object(builtIn.slug());
            }
        }
        return Optional.empty();
    }

    /** How the face names an object's module: the plural for built-in objects, the slug for custom ones. */
    static String slug(ObjectDef object) {
        for (ObjectDef builtIn : BuiltInObjects.ALL) {
            if (builtIn.slug().equals(object.slug())) {
                return object.slug() + "s";
            }
        }
        return object.slug();
    }
}
