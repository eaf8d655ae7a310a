package dev.freight.api;

import dev.freight.engine.ReportRules;
import dev.freight.schema.Echo;
import dev.freight.schema.Schema;
import dev.freight.store.Database;
import dev.freight.store.Handle;
import dev.freight.store.ImportReport;
import dev.freight.store.ReportStore;
import dev.freight.store.SchemaStore;
import dev.freight.store.Scope;
import dev.freight.store.StoreException;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/** {@code /v1/import-reports}: create, list, read, replace and delete Import Reports (admin scope to change). */
@RestController
class ImportReportController {

    private final Database database;
    private final ReportStore reports;
    private final SchemaStore schemas;

    ImportReportController(Database database, ReportStore reports, SchemaStore schemas) {
        this.database = database;
        this.reports = reports;
        this.schemas = schemas;
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record ReportRequest(String slug, String reportName, String baseObject, Map<String, String> mapping) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record ReportView(
            String id,
            String slug,
            String reportName,
            String baseObject,
            Map<String, String> mapping,
            String endpoint,
            long createdAt,
            long updatedAt) {

        static ReportView of(ImportReport r) {
            return new ReportView(r.id(), r.slug(), r.reportName(), r.baseObject(), r.mapping(),
                    "/v1/import/" + r.slug(), r.createdAt().getEpochSecond(), r.updatedAt().getEpochSecond());
        }
    }

    @PostMapping("/v1/import-reports")
    @ApiResponse(responseCode = "201", description = "The report",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ReportView.class)))
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope (admin)",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "409", description = "slug_taken",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "413", description = "payload_too_large",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "415", description = "unsupported_media_type (a body that is not application/json)",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "422", description = "invalid_report (every problem in details), malformed_body",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    ResponseEntity<ReportView> create(@RequestBody ReportRequest request, Caller caller) {
        caller.require(Scope.ADMIN);
        String slug = request.slug() != null ? request.slug() : slugOf(request.reportName());
        ImportReport created = write(caller, slug, request, h -> reports.create(h, caller.organizationId(), slug,
                request.reportName().strip(), request.baseObject(), request.mapping()));
        return ResponseEntity.status(201).body(ReportView.of(created));
    }

    @GetMapping("/v1/import-reports")
    @ApiResponse(responseCode = "200", description = "The organization's reports, by slug",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = Views.ReportPage.class)))
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope (read)",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    Views.Page<ReportView> list(Caller caller) {
        caller.require(Scope.READ);
        return new Views.Page<>(database.withHandle(h -> reports.list(h, caller.organizationId())).stream()
                .map(ReportView::of)
                .toList(), null);
    }

    @GetMapping("/v1/import-reports/{id_or_slug}")
    @ApiResponse(responseCode = "200", description = "The report",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ReportView.class)))
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope (read)",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "404", description = "report_not_found",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    ReportView get(@PathVariable("id_or_slug") String idOrSlug, Caller caller) {
        caller.require(Scope.READ);
        return ReportView.of(database.withHandle(h -> find(h, caller, idOrSlug)));
    }

    @PutMapping("/v1/import-reports/{id_or_slug}")
    @ApiResponse(responseCode = "200", description = "The report, replaced",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ReportView.class)))
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope (admin)",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "404", description = "report_not_found, not_found (deleted while replaced)",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "409", description = "slug_taken",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "413", description = "payload_too_large",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "415", description = "unsupported_media_type (a body that is not application/json)",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "422", description = "invalid_report (every problem in details), malformed_body",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    ReportView replace(@PathVariable("id_or_slug") String idOrSlug, @RequestBody ReportRequest request, Caller caller) {
        caller.require(Scope.ADMIN);
        ImportReport existing = database.withHandle(h -> find(h, caller, idOrSlug));
        String slug = request.slug() != null ? request.slug() : existing.slug();
        return ReportView.of(write(caller, slug, request, h -> reports.update(h, caller.organizationId(),
                        existing.id(), slug, request.reportName().strip(), request.baseObject(), request.mapping())
                .orElseThrow(() -> ApiException.notFound("Import report"))));
    }

    @DeleteMapping("/v1/import-reports/{id_or_slug}")
    @ApiResponse(responseCode = "204", description = "Deleted; the records imported through it stay")
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope (admin)",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "404", description = "report_not_found",
            content = @Content(mediaType = "application/json",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ErrorBody.class)))
    ResponseEntity<Void> delete(@PathVariable("id_or_slug") String idOrSlug, Caller caller) {
        caller.require(Scope.ADMIN);
        database.inTransaction(h -> reports.delete(h, caller.organizationId(), find(h, caller, idOrSlug).id()));
        return ResponseEntity.noContent().build();
    }

    private ImportReport write(Caller caller, String slug, ReportRequest request,
            Function<Handle, ImportReport> write) {
        try {
            return database.inTransaction(h -> {
                Schema schema = schemas.schema(h, caller.organizationId());
                List<String> problems = ReportRules.problems(schema, slug, request.reportName(),
                        request.baseObject(), request.mapping());
                if (!problems.isEmpty()) {
                    throw invalid(problems);
                }
                return write.apply(h);
            });
        } catch (StoreException e) {
            if (e.isUniqueViolation()) {
                throw new ApiException(409, "slug_taken", "An import report with slug " + Echo.quoted(slug)
                        + " exists");
            }
            throw e;
        }
    }

    /** 422 {@code invalid_report} listing every problem of a report's definition. */
    static ApiException invalid(List<String> problems) {
        return new ApiException(422, "invalid_report", "The import report is not valid: " + String.join("; ", problems),
                problems);
    }

    private ImportReport find(Handle h, Caller caller, String idOrSlug) {
        Optional<ImportReport> byId = reports.byId(h, caller.organizationId(), idOrSlug);
        return byId.or(() -> reports.bySlug(h, caller.organizationId(), idOrSlug))
                .orElseThrow(() -> new ApiException(404, "report_not_found",
                        "There is no import report " + Echo.quoted(idOrSlug)));
    }

    /**
     * "Vendor Import (ERP)" → "vendor-import-erp"; a longer slug than {@link ReportRules#MAX_SLUG_LENGTH} is cut to
     * its first characters, so that a long name makes a slug rather than an error naming a slug the client never sent.
     */
    static String slugOf(String name) {
        if (name == null) {
            return null;
        }
        String slug = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
        slug = slug.substring(0, Math.min(slug.length(), ReportRules.MAX_SLUG_LENGTH)).replaceAll("-$", "");
        return slug.isEmpty() ? null : slug;
    }
}
