package dev.freight.api;

import dev.freight.export.ExportConfig;
import dev.freight.export.ExportFormat;
import dev.freight.export.ExportPlan;
import dev.freight.schema.Echo;
import dev.freight.schema.ObjectDef;
import dev.freight.store.Database;
import dev.freight.store.SavedReport;
import dev.freight.store.SavedReportStore;
import dev.freight.store.SchemaStore;
import dev.freight.store.Scope;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /v1/reports}: saved export reports (name, module, columns, labels, filters, sort). A report is checked
 * against its module when saved, so its export can only fail if the module changes later.
 */
@RestController
class SavedReportsController implements Envelope.Face {

    private final Database database;
    private final SavedReportStore reports;
    private final SchemaStore schemas;

    SavedReportsController(Database database, SavedReportStore reports, SchemaStore schemas) {
        this.database = database;
        this.reports = reports;
        this.schemas = schemas;
    }

    @Schema(name = "SavedReportView")
    record ReportView(
            String reportId,
            String accountId,
            String name,
            String module,
            List<String> columns,
            Map<String, String> columnLabels,
            List<Map<String, Object>> filters,
            String sortField,
            String sortDirection,
            String createdDateTime,
            String updatedDateTime) {

        static ReportView of(SavedReport r) {
            ExportConfig d = ExportConfig.fromJson(r.definition());
            return new ReportView(r.id(), r.organizationId(), r.name(), r.module(), d.columns(), d.columnLabels(),
                    d.filters() == null ? null : d.filters().stream().map(ReportView::filter).toList(), d.sortField(),
                    d.sortDirection(), ExportUrls.time(r.createdAt()), ExportUrls.time(r.updatedAt()));
        }

        /** A filter with the keys it was given, not padded with nulls. */
        private static Map<String, Object> filter(ExportConfig.Filter f) {
            Map<String, Object> m = new LinkedHashMap<>();
            put(m, "field", f.field());
            put(m, "operator", f.operator());
            put(m, "value", f.value());
            put(m, "values", f.values());
            put(m, "from", f.from());
            put(m, "to", f.to());
            return m;
        }

        private static void put(Map<String, Object> m, String key, Object value) {
            if (value != null) {
                m.put(key, value);
            }
        }
    }

    @PostMapping("/v1/reports")
    @Operation(requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = @Content(
            mediaType = "application/json",
            schema = @Schema(implementation = WorkflowSchemas.SavedReportRequest.class))))
    @ApiResponse(responseCode = "201", description = "The report",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.SavedReportAnswer.class)))
    @ApiResponse(responseCode = "400", description = "invalid_report (an empty body or null too: name is required),"
            + " unknown_option, invalid_export_config, unknown_column and the other codes of an export's config",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope (export)",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "404", description = "module_not_found",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "413", description = "payload_too_large",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "415", description = "unsupported_media_type (a body that is not application/json)",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "422", description = "malformed_body (a body of blank space too)",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    // The body is required (the OpenAPI document says so), but not to Spring: an empty one reaches ExportRequests,
    // which answers 400 naming the member it lacks, where Spring would refuse it naming none.
    ResponseEntity<Envelope> create(@RequestBody(required = false) Map<String, Object> body, Caller caller) {
        caller.require(Scope.EXPORT);
        ExportRequests.Report request = checked(caller, ExportRequests.report(body, null));
        SavedReport report = database.inTransaction(h -> reports.create(h, caller.organizationId(), request.name(),
                request.module(), request.definition().toJson()));
        return ResponseEntity.status(201).body(Envelope.ok(ReportView.of(report)));
    }

    @GetMapping("/v1/reports")
    @ApiResponse(responseCode = "200", description = "The organization's reports",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.SavedReportsAnswer.class)))
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope (read)",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    Envelope list(Caller caller) {
        caller.require(Scope.READ);
        return Envelope.ok(database.withHandle(h -> reports.list(h, caller.organizationId())).stream()
                .map(ReportView::of).toList());
    }

    @GetMapping("/v1/reports/{reportId}")
    @ApiResponse(responseCode = "200", description = "The report",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.SavedReportAnswer.class)))
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope (read)",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "404", description = "report_not_found",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    Envelope get(@PathVariable String reportId, Caller caller) {
        caller.require(Scope.READ);
        return Envelope.ok(ReportView.of(database.withHandle(h -> reports.byId(h, caller.organizationId(), reportId))
                .orElseThrow(() -> notFound(reportId))));
    }

    @PutMapping("/v1/reports/{reportId}")
    @Operation(requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = @Content(
            mediaType = "application/json",
            schema = @Schema(implementation = WorkflowSchemas.SavedReportRequest.class))))
    @ApiResponse(responseCode = "200", description = "The report, its definition replaced",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.SavedReportAnswer.class)))
    @ApiResponse(responseCode = "400", description = "invalid_report (an empty body or null too: name is required),"
            + " unknown_option, invalid_export_config, unknown_column and the other codes of an export's config",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope (export)",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "404", description = "report_not_found, module_not_found",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "413", description = "payload_too_large",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "415", description = "unsupported_media_type (a body that is not application/json)",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "422", description = "malformed_body (a body of blank space too)",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    Envelope update(@PathVariable String reportId, @RequestBody(required = false) Map<String, Object> body,
            Caller caller) {
        caller.require(Scope.EXPORT);
        ExportRequests.Report request = checked(caller, ExportRequests.report(body, reportId));
        return Envelope.ok(ReportView.of(database.inTransaction(h -> reports.update(h, caller.organizationId(),
                reportId, request.name(), request.module(), request.definition().toJson()))
                .orElseThrow(() -> notFound(reportId))));
    }

    @Schema(name = "DeletedReport")
    record Deleted(String reportId, boolean deleted) {}

    @DeleteMapping("/v1/reports/{reportId}")
    @ApiResponse(responseCode = "200", description = "The report is deleted",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.DeletedReportAnswer.class)))
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope (export)",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "404", description = "report_not_found",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    Envelope delete(@PathVariable String reportId, Caller caller) {
        caller.require(Scope.EXPORT);
        if (!database.inTransaction(h -> reports.delete(h, caller.organizationId(), reportId))) {
            throw notFound(reportId);
        }
        return Envelope.ok(new Deleted(reportId, true));
    }

    /** The request with its module as an object slug, once its columns, filters and sort fit that object. */
    private ExportRequests.Report checked(Caller caller, ExportRequests.Report request) {
        ObjectDef object = ModuleResolver.resolve(database.withHandle(h -> schemas.schema(h, caller.organizationId())),
                request.module());
        ExportPlan.of(object, ExportFormat.CSV, request.definition());
        return new ExportRequests.Report(request.name(), object.slug(), request.definition());
    }

    static ApiException notFound(String reportId) {
        return new ApiException(404, "report_not_found", "Report not found: " + Echo.quoted(reportId));
    }
}
