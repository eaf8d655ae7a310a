package dev.freight.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.freight.engine.ImportJobs;
import dev.freight.engine.ImportPipeline;
import dev.freight.engine.ImportRollback;
import dev.freight.schema.Coercion;
import dev.freight.schema.Echo;
import dev.freight.schema.NulCharacter;
import dev.freight.schema.ObjectDef;
import dev.freight.store.Database;
import dev.freight.store.ImportEnums;
import dev.freight.store.ImportEnums.Action;
import dev.freight.store.ImportEnums.DuplicateHandling;
import dev.freight.store.ImportEnums.Status;
import dev.freight.store.ImportEnums.UploadMode;
import dev.freight.store.ImportJob;
import dev.freight.store.ImportStore;
import dev.freight.store.SchemaStore;
import dev.freight.store.Scope;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.time.Clock;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/** {@code /v1/imports}: the Imports resource of seed 004 — create, list, read, cancel and roll back imports. */
@RestController
class ImportsController {

    /**
     * The most objects a listing's {@code resource} names: each with each status is a statement of the page's query
     * (ImportStore.list), and SQLite joins at most 500.
     */
    static final int MAX_RESOURCES = 20;

    private final Database database;
    private final ImportStore imports;
    private final SchemaStore schemas;
    private final ImportJobs jobs;
    private final ImportRollback rollback;
    private final ImportUrls urls;
    private final Clock clock;

    ImportsController(Database database, ImportStore imports, SchemaStore schemas, ImportJobs jobs,
            ImportRollback rollback, ImportUrls urls, Clock clock) {
        this.database = database;
        this.imports = imports;
        this.schemas = schemas;
        this.jobs = jobs;
        this.rollback = rollback;
        this.urls = urls;
        this.clock = clock;
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @Schema(requiredProperties = "resource")
    record CreateRequest(
            @Schema(description = "The slug of the object to import into") String resource,
            @Schema(allowableValues = {"sync", "async"}, defaultValue = "async") String uploadMode,
            @Schema(allowableValues = {"merge", "overwrite", "delete"}, defaultValue = "merge") String action,
            @Schema(allowableValues = {"ignore_all", "use_first"}, defaultValue = "ignore_all")
            String duplicateHandling,
            String name,
            // Any values are read, so that a header that is not a string is refused naming its field (invalid_import).
            @Schema(description = "Field slug → the column header (or JSON key) that feeds it; none: columns named"
                    + " like a field feed it", additionalPropertiesSchema = String.class)
            Map<String, Object> columnMapping) {}

    /** The shape of the list's answer, a {@link Views.Page} of imports, for the OpenAPI document only. */
    record ImportPage(List<ImportView> data,
            @JsonProperty("next_cursor") @Schema(types = {"string", "null"}) String nextCursor) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record RollbackView(String importId, int deletedCount, int restoredCount, int conflictCount,
            List<ConflictView> conflicts) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record ConflictView(String recordId, String externalId, String reason) {}

    @PostMapping("/v1/imports")
    @Operation(summary = "Create an import (seed 004); upload its file to the answer's _upload_url",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = @Content(
                    mediaType = "application/json", schema = @Schema(implementation = CreateRequest.class))))
    @ApiResponse(responseCode = "201", description = "The import, requested, with its signed _upload_url",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ImportView.class)))
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope (import)",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "413", description = "payload_too_large",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "415", description = "unsupported_media_type (a body that is not application/json)",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "422", description = "invalid_import, malformed_body",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    ResponseEntity<ImportView> create(@RequestBody CreateRequest request, Caller caller) {
        caller.require(Scope.IMPORT);
        if (request.resource() == null || request.resource().isBlank()) {
            throw new ApiException(422, "invalid_import", "resource is required: the object to import into");
        }
        ObjectDef object = database.withHandle(h -> schemas.schema(h, caller.organizationId()))
                .object(request.resource())
                .orElseThrow(() -> new ApiException(422, "invalid_import",
                        "resource " + Echo.quoted(request.resource()) + " is not an object"));
        if (NulCharacter.in(request.name())) {
            throw new ApiException(422, "invalid_import", NulCharacter.problem("name"));
        }
        Action action = choice(Action.class, "action", request.action(), Action.MERGE);
        Map<String, String> mapping = columnMapping(request.columnMapping());
        String problem = mapping == null ? null : ImportPipeline.columnMappingProblem(object, action, mapping);
        if (problem != null) {
            throw new ApiException(422, "invalid_import", problem);
        }
        ImportJob job = jobs.requested(new ImportJobs.Request(caller.organizationId(), object.slug(), "imports",
                        choice(UploadMode.class, "upload_mode", request.uploadMode(), UploadMode.ASYNC),
                        action,
                        choice(DuplicateHandling.class, "duplicate_handling", request.duplicateHandling(),
                                DuplicateHandling.IGNORE_ALL),
                        request.name(), caller.key().id(), mapping),
                clock.instant().plus(urls.uploadTtl()));
        database.inTransaction(h -> {
            imports.create(h, job);
            return null;
        });
        return ResponseEntity.status(201).body(urls.view(job));
    }

    /** The column_mapping of a new import, field → column header; null when none is given. */
    private static Map<String, String> columnMapping(Map<String, Object> given) {
        if (given == null || given.isEmpty()) {
            return null;
        }
        Map<String, String> mapping = new LinkedHashMap<>();
        given.forEach((field, header) -> {
            if (!(header instanceof String text) || text.isEmpty()) {
                throw new ApiException(422, "invalid_import", "column_mapping." + field
                        + " must be the header of a column (a non-empty string), got " + Coercion.describe(header));
            }
            if (NulCharacter.in(text)) {
                // A file's header never holds one (Columns writes U+FFFD in its place), so it could match no column.
                throw new ApiException(422, "invalid_import", NulCharacter.problem("column_mapping." + field));
            }
            mapping.put(field, text);
        });
        return mapping;
    }

    @GetMapping("/v1/imports")
    @Operation(summary = "The organization's imports, newest first")
    @ApiResponse(responseCode = "200", description = "A page of imports",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ImportPage.class)))
    @ApiResponse(responseCode = "400", description = "invalid_parameter (limit, more than 20 resources, a"
            + " parameter other than status and resource given twice), invalid_cursor",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope (read)",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "422", description = "invalid_import (status)",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    Views.Page<ImportView> list(Caller caller,
            @Parameter(description = "Only the imports in this status; several (status=failed&status=completed, or"
                    + " status=failed,completed): in any of them", array = @ArraySchema(schema = @Schema(
                    allowableValues = {"requested", "queued", "processing", "completed", "failed", "timed_out",
                        "expired"})))
            @RequestParam(name = "status", required = false) List<String> status,
            @Parameter(description = "An object's slug: only the imports into it (an unknown slug lists none);"
                    + " several, up to " + MAX_RESOURCES + ": into any of them")
            @RequestParam(name = "resource", required = false) List<String> resource,
            @Parameter(schema = @Schema(type = "integer", format = "int32", minimum = "1", maximum = "100",
                    defaultValue = "50"))
            @RequestParam(name = "limit", defaultValue = "50") int limit,
            @Parameter(description = "The next_cursor of the previous page")
            @RequestParam(name = "cursor", required = false) String cursor) {
        caller.require(Scope.READ);
        if (limit < 1 || limit > 100) {
            throw new ApiException(400, "invalid_parameter", "limit must be from 1 to 100, got " + limit);
        }
        Set<Status> statuses = EnumSet.noneOf(Status.class);
        given(status).forEach(s -> statuses.add(choice(Status.class, "status", s, null)));
        Set<String> resources = new LinkedHashSet<>(given(resource));
        if (resources.size() > MAX_RESOURCES) {
            throw new ApiException(400, "invalid_parameter", "resource may name at most " + MAX_RESOURCES
                    + " objects, got " + resources.size());
        }
        String before = cursor == null ? null : Cursors.decode(cursor);
        List<ImportJob> page = database.withHandle(h -> imports.list(h, caller.organizationId(), statuses, resources,
                before, limit + 1));
        String next = page.size() > limit ? Cursors.encode(page.get(limit - 1).id()) : null;
        return new Views.Page<>(page.stream().limit(limit).map(urls::view).toList(), next);
    }

    /**
     * The values of a parameter that takes several: none when it is absent; the empty text when it is given empty
     * (Spring binds {@code status=} as an empty list), which is answered as any other value it cannot take.
     */
    private static List<String> given(List<String> values) {
        return values == null ? List.of() : values.isEmpty() ? List.of("") : values;
    }

    @GetMapping("/v1/imports/{id}")
    @ApiResponse(responseCode = "200", description = "The import",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ImportView.class)))
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope (read)",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "404", description = "import_not_found",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    ImportView get(@PathVariable String id, Caller caller) {
        caller.require(Scope.READ);
        return urls.view(find(caller, id));
    }

    @PostMapping("/v1/imports/{id}/cancel")
    @ApiResponse(responseCode = "200",
            description = "The import: failed at once if it had not started, else processing until its next chunk",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ImportView.class)))
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope (import)",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "404", description = "import_not_found",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "409", description = "import_finished",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    ImportView cancel(@PathVariable String id, Caller caller) {
        caller.require(Scope.IMPORT);
        ImportJob job = find(caller, id);
        if (job.status().isFinal()) {
            throw new ApiException(409, "import_finished", "The import already ended as " + job.status().wireName());
        }
        return urls.view(database.inTransaction(h -> imports.cancel(h, caller.organizationId(), id,
                caller.key().id(), clock.instant())).orElseThrow());
    }

    @PostMapping("/v1/imports/{id}/rollback")
    @ApiResponse(responseCode = "200", description = "What the rollback undid, and the records it left alone",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = RollbackView.class)))
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope (import)",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "404", description = "import_not_found",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "409", description = "import_running, already_rolled_back, rollback_unavailable",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    RollbackView rollback(@PathVariable String id, Caller caller) {
        caller.require(Scope.IMPORT);
        ImportJob job = find(caller, id);
        if (!job.status().isFinal()) {
            throw new ApiException(409, "import_running",
                    "The import is " + job.status().wireName()
                            + "; cancel it or wait for it to end before rolling back");
        }
        ImportRollback.Result r = rollBack(rollback, job, caller);
        return new RollbackView(id, r.deleted(), r.restored(), r.conflictCount(), r.conflicts().stream()
                .map(c -> new ConflictView(c.recordId(), c.externalId(), c.reason()))
                .toList());
    }

    /**
     * Rolls back an ended import: 409 {@code already_rolled_back} or {@code rollback_unavailable} when it was rolled
     * back or purged, whether found so before the rollback or by the rollback's own transaction (another request
     * rolled it back, or the retention purged it, since it was read).
     */
    static ImportRollback.Result rollBack(ImportRollback rollback, ImportJob job, Caller caller) {
        requireRollbackable(job);
        try {
            return rollback.rollback(job, caller.key().id());
        } catch (ImportRollback.Refused refused) {
            requireRollbackable(refused.current());
            throw refused;
        }
    }

    private static void requireRollbackable(ImportJob job) {
        if (job.rolledBackAt() != null) {
            throw new ApiException(409, "already_rolled_back", "The import was rolled back at " + job.rolledBackAt());
        }
        requireChangeLog(job);
    }

    /** Refuses to roll back an import whose change log the retention sweeper deleted. */
    private static void requireChangeLog(ImportJob job) {
        if (job.purgedAt() != null) {
            throw new ApiException(409, "rollback_unavailable", "The import's change log was deleted at "
                    + job.purgedAt() + ", when the import passed the retention (FREIGHT_IMPORT_RETENTION); it can no"
                    + " longer be rolled back");
        }
    }

    /** A mistaken POST of a batch to the plural path: point to the Import API. */
    @PostMapping("/v1/imports/{report_name}")
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "404", description = "not_found, always (with a valid key): the Import API path is"
            + " /v1/import/{report_name}",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    void pluralPath(@PathVariable("report_name") String slug) {
        throw new ApiException(404, "not_found", "No route here; the Import API path is /v1/import/" + slug
                + " (singular \"import\")");
    }

    private ImportJob find(Caller caller, String id) {
        return database.withHandle(h -> imports.get(h, caller.organizationId(), id))
                .orElseThrow(() -> new ApiException(404, "import_not_found", "There is no import " + Echo.quoted(id)
                        + (id.startsWith("imp_") ? "" : "; to post a batch, use POST /v1/import/" + id)));
    }

    static <E extends Enum<E> & ImportEnums.Wire> E choice(Class<E> type, String name, String value, E fallback) {
        if (value == null) {
            return fallback;
        }
        return ImportEnums.parse(type, value).orElseThrow(() -> new ApiException(422, "invalid_import",
                name + " must be one of " + String.join(", ", Arrays.stream(type.getEnumConstants())
                        .map(ImportEnums.Wire::wireName).toList()) + ", got " + Echo.quoted(value)));
    }

}
