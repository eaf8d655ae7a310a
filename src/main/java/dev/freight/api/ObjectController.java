package dev.freight.api;

import dev.freight.api.Views.ObjectView;
import dev.freight.engine.ObjectRules;
import dev.freight.schema.Echo;
import dev.freight.schema.Field;
import dev.freight.schema.FieldType;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.Schema;
import dev.freight.store.Database;
import dev.freight.store.RecordStore;
import dev.freight.store.SchemaStore;
import dev.freight.store.Scope;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/** {@code /v1/objects}: the organization's schema, custom objects and custom fields. */
@RestController
class ObjectController {

    private final Database database;
    private final SchemaStore schemas;
    private final RecordStore records;

    ObjectController(Database database, SchemaStore schemas, RecordStore records) {
        this.database = database;
        this.schemas = schemas;
        this.records = records;
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record FieldRequest(
            String slug,
            String label,
            String type,
            Boolean required,
            String description,
            List<String> options,
            List<String> targets,
            Boolean multiple) {

        /**
         * What stops this field from being read at all: no slug, or a type Freight does not have. {@code place} names
         * the field where it has no slug to name it by: {@code "fields[2]"} in an object's list, {@code "field"} alone.
         */
        List<String> unreadable(String place) {
            if (!hasSlug()) {
                return List.of(place + " slug is required");
            }
            if (fieldType().isEmpty()) {
                return List.of("field " + Echo.quoted(slug) + " has type " + Echo.quoted(type) + "; use one of "
                        + String.join(", ", Arrays.stream(FieldType.values()).map(FieldType::wireName).toList()));
            }
            return List.of();
        }

        boolean hasSlug() {
            return slug != null && !slug.isBlank();
        }

        /**
         * The field, for a request with a slug. With an unknown type it stands in as text, so that the rules that do
         * not depend on the type (its slug) still report their problems beside {@link #unreadable()}'s.
         */
        Field toField() {
            return new Field(slug, label == null || label.isBlank() ? slug : label,
                    fieldType().orElse(FieldType.TEXT), Boolean.TRUE.equals(required), description, options, targets,
                    Boolean.TRUE.equals(multiple));
        }

        private Optional<FieldType> fieldType() {
            return FieldType.fromWireName(type == null ? "" : type);
        }
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record ObjectRequest(String slug, String label, String idPrefix, List<FieldRequest> fields) {}

    @GetMapping("/v1/objects")
    @ApiResponse(responseCode = "200", description = "The built-in objects, then the custom ones",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = Views.ObjectPage.class)))
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope (read)",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    Views.Page<ObjectView> list(Caller caller) {
        caller.require(Scope.READ);
        return new Views.Page<>(schema(caller).objects().stream().map(ObjectView::of).toList(), null);
    }

    @GetMapping("/v1/objects/{slug}")
    @ApiResponse(responseCode = "200", description = "The object with its fields",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ObjectView.class)))
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope (read)",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "404", description = "object_not_found",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    ObjectView get(@PathVariable String slug, Caller caller) {
        caller.require(Scope.READ);
        return ObjectView.of(object(schema(caller), slug));
    }

    @PostMapping("/v1/objects")
    @ApiResponse(responseCode = "201", description = "The object created",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ObjectView.class)))
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope (admin)",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "409", description = "id_prefix_conflict",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "413", description = "payload_too_large",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "415", description = "unsupported_media_type (a body that is not application/json)",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "422", description = "invalid_object (every problem in details), malformed_body",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    ResponseEntity<ObjectView> create(@RequestBody ObjectRequest request, Caller caller) {
        caller.require(Scope.ADMIN);
        List<FieldRequest> given = request.fields() == null ? List.of() : request.fields();
        List<String> unreadable = new ArrayList<>();
        for (int i = 0; i < given.size(); i++) {
            // Each problem names its field's place in the list: two fields without a slug are otherwise the same
            // sentence twice, and a field without a slug has nothing else to be named by.
            String place = "fields[" + i + "]";
            if (given.get(i) == null) {
                unreadable.add(place + " must be a field definition (an object), got null");
            } else {
                unreadable.addAll(given.get(i).unreadable(place));
            }
        }
        List<FieldRequest> requested = given.stream().filter(Objects::nonNull).toList();
        List<Field> fields = requested.stream().filter(FieldRequest::hasSlug).map(FieldRequest::toField).toList();
        ObjectDef created = database.inTransaction(h -> {
            // Records of a deleted object of this slug stay; the object's records must share one id prefix.
            String kept = request.slug() == null ? null
                    : records.idPrefixOf(h, caller.organizationId(), request.slug()).orElse(null);
            String prefix = request.idPrefix() != null ? request.idPrefix()
                    : kept != null ? kept : ObjectRules.defaultPrefix(request.slug());
            ObjectDef object = new ObjectDef(request.slug(), request.label(), prefix, false, fields);
            List<String> problems = new ArrayList<>(unreadable);
            problems.addAll(ObjectRules.objectProblems(schemas.schema(h, caller.organizationId()), object));
            if (!problems.isEmpty()) {
                throw invalid(problems);
            }
            if (kept != null && !kept.equals(prefix)) {
                throw new ApiException(409, "id_prefix_conflict", "Records of an earlier object "
                        + Echo.quoted(object.slug()) + " remain, with ids \"" + kept
                        + "_…\"; create the object with id_prefix " + Echo.quoted(kept) + " or leave id_prefix out");
            }
            schemas.createObject(h, caller.organizationId(), object);
            return object(schemas.schema(h, caller.organizationId()), object.slug());
        });
        return ResponseEntity.status(201).body(ObjectView.of(created));
    }

    @PostMapping("/v1/objects/{slug}/fields")
    @ApiResponse(responseCode = "201", description = "The whole object, the new field last",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ObjectView.class)))
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope (admin)",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "404", description = "object_not_found",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "413", description = "payload_too_large",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "415", description = "unsupported_media_type (a body that is not application/json)",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "422", description = "invalid_object (every problem in details), malformed_body",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    ResponseEntity<ObjectView> addField(@PathVariable String slug, @RequestBody FieldRequest request,
            Caller caller) {
        caller.require(Scope.ADMIN);
        ObjectDef updated = database.inTransaction(h -> {
            Schema schema = schemas.schema(h, caller.organizationId());
            object(schema, slug);
            List<String> problems = new ArrayList<>(request.unreadable("field"));
            if (request.hasSlug()) {
                problems.addAll(ObjectRules.fieldProblems(schema, slug, request.toField()));
            }
            if (!problems.isEmpty()) {
                throw invalid(problems);
            }
            schemas.addField(h, caller.organizationId(), slug, request.toField());
            return object(schemas.schema(h, caller.organizationId()), slug);
        });
        return ResponseEntity.status(201).body(ObjectView.of(updated));
    }

    @DeleteMapping("/v1/objects/{slug}")
    @ApiResponse(responseCode = "204",
            description = "Deleted; its records stay, unread until an object of its slug is created again")
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope (admin)",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "404", description = "object_not_found",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "409", description = "built_in_object",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    ResponseEntity<Void> delete(@PathVariable String slug, Caller caller) {
        caller.require(Scope.ADMIN);
        if (Schema.isBuiltIn(slug)) {
            throw new ApiException(409, "built_in_object", Echo.quoted(slug)
                    + " is a built-in object and cannot be deleted");
        }
        boolean deleted = database.inTransaction(h -> schemas.deleteObject(h, caller.organizationId(), slug));
        if (!deleted) {
            throw objectNotFound(slug);
        }
        return ResponseEntity.noContent().build();
    }

    private Schema schema(Caller caller) {
        return database.withHandle(h -> schemas.schema(h, caller.organizationId()));
    }

    static ObjectDef object(Schema schema, String slug) {
        return schema.object(slug).orElseThrow(() -> objectNotFound(slug));
    }

    static ApiException objectNotFound(String slug) {
        return new ApiException(404, "object_not_found", "There is no object " + Echo.quoted(slug));
    }

    /** 422 {@code invalid_object} listing every problem of a definition. */
    static ApiException invalid(List<String> problems) {
        return new ApiException(422, "invalid_object", "The definition is not valid: " + String.join("; ", problems),
                problems);
    }
}
