package dev.freight.api;

import dev.freight.api.Views.RecordView;
import dev.freight.export.ExportConfig;
import dev.freight.export.ExportException;
import dev.freight.export.ExportPlan;
import dev.freight.schema.Echo;
import dev.freight.schema.ObjectDef;
import dev.freight.store.Database;
import dev.freight.store.RecordQuery;
import dev.freight.store.RecordStore;
import dev.freight.store.SchemaStore;
import dev.freight.store.Scope;
import dev.freight.store.StoredRecord;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.Explode;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.enums.ParameterStyle;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;

/**
 * Reading records: a page of an object's records, or one record by id, each reference naming its record by the
 * external_id that record has now.
 */
@RestController
class RecordController {

    private static final int MAX_LIMIT = 1_000;

    /** The list's own parameters; any other parameter is a filter on the field (or column) it names. */
    private static final Set<String> OWN_PARAMETERS = Set.of("external_id", "limit", "cursor", "filters");

    private final Database database;
    private final RecordStore records;
    private final SchemaStore schemas;

    RecordController(Database database, RecordStore records, SchemaStore schemas) {
        this.database = database;
        this.records = records;
        this.schemas = schemas;
    }

    @GetMapping("/v1/objects/{slug}/records")
    @ApiResponse(responseCode = "200", description = "A page of the records that meet every filter, in id order",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = Views.RecordPage.class)))
    @ApiResponse(responseCode = "400", description = "invalid_parameter, invalid_cursor, unknown_filter_field,"
            + " invalid_filter", content = @Content(mediaType = "application/json",
            schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope (read)",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "404", description = "object_not_found", content = @Content(
            mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @Parameter(name = "fields", in = ParameterIn.QUERY, description = "Any other parameter <field>=<value> is an"
            + " export filter with the default operator, equals, on that field or column ({\"field\": \"<field>\","
            + " \"value\": \"<value>\"}): a reference by the external_id its record has now, e.g."
            + " vendor=vendor-123; given several times (vendor=v-1&vendor=v-2), the filter in with those values, any"
            + " of them; the fields are the object's (GET /v1/objects/{slug}), so they cannot be listed here",
            required = false, style = ParameterStyle.FORM, explode = Explode.TRUE,
            schema = @Schema(type = "object", additionalPropertiesSchema = String.class))
    Views.Page<RecordView> list(@PathVariable String slug, Caller caller,
            @RequestParam(name = "external_id", required = false) String externalId,
            @RequestParam(name = "limit", defaultValue = "100") int limit,
            @RequestParam(name = "cursor", required = false) String cursor,
            @Parameter(description = "Filters as an export's config.filters, a JSON array: [{\"field\": \"status\","
                    + " \"operator\": \"in\", \"values\": [\"active\", \"pending\"]}]; all must hold; these and the"
                    + " other parameters' filters number at most 200 (400 invalid_filter past that)")
            @RequestParam(name = "filters", required = false) String filters,
            @Parameter(hidden = true) @RequestParam MultiValueMap<String, String> parameters) {
        caller.require(Scope.READ);
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new ApiException(400, "invalid_parameter", "limit must be from 1 to " + MAX_LIMIT + ", got " + limit);
        }
        String afterId = cursor == null ? null : Cursors.decode(cursor);
        List<ExportConfig.Filter> given = filters(filters, parameters);
        List<StoredRecord> page = database.withHandle(h -> {
            ObjectDef object = ObjectController.object(schemas.schema(h, caller.organizationId()), slug);
            List<RecordQuery.Condition> conditions = new ArrayList<>();
            if (externalId != null) {
                conditions.add(new RecordQuery.Equals(RecordQuery.Target.column("external_id",
                        RecordQuery.Kind.TEXT), externalId));
            }
            try {
                conditions.addAll(ExportPlan.conditions(object, given));
            } catch (ExportException e) {
                throw new ApiException(400, e.code(), e.getMessage());
            }
            return records.withCurrentReferences(h, caller.organizationId(),
                    records.page(h, caller.organizationId(), object, conditions, limit + 1, afterId));
        });
        String next = page.size() > limit ? Cursors.encode(page.get(limit - 1).id()) : null;
        return new Views.Page<>(page.stream().limit(limit).map(RecordView::of).toList(), next);
    }

    /**
     * The export filters a list's parameters give: those of {@code filters}, then one filter per other parameter, in
     * the query's order: equals its value, or, for a parameter given several times, in its values (any of them).
     */
    private static List<ExportConfig.Filter> filters(String json, Map<String, List<String>> parameters) {
        List<ExportConfig.Filter> all = new ArrayList<>();
        if (json != null) {
            Object parsed;
            try {
                parsed = Json.read(json);
            } catch (JacksonException e) {
                throw new ApiException(400, "invalid_filter", "filters must be a JSON array of filter objects, as an"
                        + " export's config.filters");
            }
            try {
                List<ExportConfig.Filter> listed = ExportRequests.filters(Collections.singletonMap("filters", parsed),
                        "");
                if (listed != null) {
                    all.addAll(listed);
                }
            } catch (ApiException e) {
                throw new ApiException(400, "invalid_filter", e.getMessage());
            }
        }
        parameters.forEach((name, values) -> {
            if (!OWN_PARAMETERS.contains(name)) {
                // A field holds one value: every value of a repeated parameter matching at once would list nothing.
                all.add(values.size() == 1 ? new ExportConfig.Filter(name, null, values.getFirst(), null, null, null)
                        : new ExportConfig.Filter(name, "in", null, List.copyOf(values), null, null));
            }
        });
        return all;
    }

    @GetMapping("/v1/records/{id}")
    @ApiResponse(responseCode = "200", description = "The record",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = RecordView.class)))
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope (read)",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "404", description = "record_not_found",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    RecordView get(@PathVariable String id, Caller caller) {
        caller.require(Scope.READ);
        return database.withHandle(h -> {
            var schema = schemas.schema(h, caller.organizationId());
            return records.find(h, caller.organizationId(), id, schema::object)
                    .map(r -> records.withCurrentReferences(h, caller.organizationId(), List.of(r)).getFirst());
        }).map(RecordView::of).orElseThrow(() -> new ApiException(404, "record_not_found",
                "There is no record " + Echo.quoted(id)));
    }
}
