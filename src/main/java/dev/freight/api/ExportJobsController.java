package dev.freight.api;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import dev.freight.schema.Echo;
import dev.freight.store.Database;
import dev.freight.store.ExportJobStore;
import dev.freight.store.Scope;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code /v1/export-jobs}: the organization's background exports, newest first, and one job's status. */
@RestController
class ExportJobsController implements Envelope.Face {

    private final Database database;
    private final ExportJobStore jobs;
    private final ExportUrls urls;

    ExportJobsController(Database database, ExportJobStore jobs, ExportUrls urls) {
        this.database = database;
        this.jobs = jobs;
        this.urls = urls;
    }

    /** Seed 003's list shape. */
    record JobList(List<ExportUrls.JobView> jobs) {}

    @Operation(summary = "List the organization's export jobs, newest first")
    @ApiResponse(responseCode = "200", description = "OK",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = JobList.class)))
    @ApiResponse(responseCode = "400", description = "invalid_parameter",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @GetMapping("/v1/export-jobs")
    JobList list(Caller caller, @Parameter(description = "Most jobs to answer", schema = @Schema(type = "integer",
            minimum = "1", maximum = "100", defaultValue = "50")) @RequestParam(name = "limit", defaultValue = "50")
            int limit) {
        caller.require(Scope.EXPORT);
        if (limit < 1 || limit > 100) {
            throw new ApiException(400, "invalid_parameter", "limit must be from 1 to 100, got " + limit);
        }
        return new JobList(database.withHandle(h -> jobs.list(h, caller.organizationId(), limit)).stream()
                .map(urls::view).toList());
    }

    @Operation(summary = "One export job")
    @ApiResponse(responseCode = "200", description = "OK",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ExportJobAnswer.class)))
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "404", description = "export_job_not_found",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @GetMapping("/v1/export-jobs/{exportJobId}")
    Envelope get(@PathVariable String exportJobId, Caller caller) {
        caller.require(Scope.EXPORT);
        return Envelope.ok(urls.view(database.withHandle(h -> jobs.get(h, caller.organizationId(), exportJobId))
                .orElseThrow(() -> notFound(exportJobId))));
    }

    static ApiException notFound(String id) {
        return new ApiException(404, "export_job_not_found", "Export job not found: " + Echo.quoted(id));
    }
}
