package dev.freight.api;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import dev.freight.export.ExportConfig;
import dev.freight.export.ExportException;
import dev.freight.export.ExportPlan;
import dev.freight.export.Exporter;
import dev.freight.jobs.ExportTasks;
import dev.freight.schema.ObjectDef;
import dev.freight.store.Database;
import dev.freight.store.ExportJob;
import dev.freight.store.ExportJobStore;
import dev.freight.store.IdGenerator;
import dev.freight.store.SavedReport;
import dev.freight.store.SavedReportStore;
import dev.freight.store.SchemaStore;
import dev.freight.store.Scope;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import org.apache.coyote.CloseNowException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Seed 003's exports: {@code POST /v1/modules/{module}/export} and {@code POST /v1/reports/{reportId}/export}. Up to
 * the async threshold the file streams in the answer; larger exports, or {@code "async": true}, become an export job
 * (202).
 */
@RestController
class ExportController implements Envelope.Face {

    private static final Logger LOG = LoggerFactory.getLogger(ExportController.class);

    private final Database database;
    private final SchemaStore schemas;
    private final SavedReportStore reports;
    private final ExportJobStore jobs;
    private final Exporter exporter;
    private final ExportTasks tasks;
    private final ObjectProvider<SchedulerClient> scheduler;
    private final ExportUrls urls;
    private final IdGenerator ids;
    private final Clock clock;
    private final long asyncThreshold;

    ExportController(Database database, SchemaStore schemas, SavedReportStore reports, ExportJobStore jobs,
            Exporter exporter, ExportTasks tasks, ObjectProvider<SchedulerClient> scheduler, ExportUrls urls,
            IdGenerator ids, Clock clock, ExportSettings settings) {
        this.database = database;
        this.schemas = schemas;
        this.reports = reports;
        this.jobs = jobs;
        this.exporter = exporter;
        this.tasks = tasks;
        this.scheduler = scheduler;
        this.urls = urls;
        this.ids = ids;
        this.clock = clock;
        this.asyncThreshold = settings.asyncThreshold();
    }

    @Operation(summary = "Export a module's records",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = @Content(
                    mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ExportRequest.class))))
    @ApiResponse(responseCode = "200", description = "The file, streamed (up to FREIGHT_EXPORT_ASYNC_THRESHOLD records,"
            + " or async false), with Content-Disposition: attachment", content = {
                @Content(mediaType = "text/csv", schema = @Schema(type = "string")),
                @Content(mediaType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        schema = @Schema(type = "string", format = "binary")),
                @Content(mediaType = "application/pdf", schema = @Schema(type = "string", format = "binary")),
                @Content(mediaType = "application/json", schema = @Schema(type = "array",
                        description = "format json: the records")),
                @Content(mediaType = "application/x-ndjson", schema = @Schema(type = "string"))})
    @ApiResponse(responseCode = "202", description = "An export job (Location: /v1/export-jobs/{exportJobId})",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ExportJobAnswer.class)))
    @ApiResponse(responseCode = "400", description = "invalid_format (an empty body or null too: format is"
            + " required), invalid_export_config, unknown_option, invalid_limit, unknown_column and the other codes of"
            + " the config",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "404", description = "module_not_found",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "413", description = "payload_too_large",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "415", description = "unsupported_media_type",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "422", description = "malformed_body (a body of blank space too)",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    // The body is required (the OpenAPI document says so), but not to Spring: an empty one reaches ExportRequests,
    // which answers 400 naming the member it lacks, where Spring would refuse it naming none.
    @PostMapping("/v1/modules/{module}/export")
    ResponseEntity<Envelope> exportModule(@PathVariable String module,
            @RequestBody(required = false) Map<String, Object> body, Caller caller, HttpServletResponse response)
            throws IOException {
        caller.require(Scope.EXPORT);
        ExportRequests.Export request = ExportRequests.export(body);
        ObjectDef object = ModuleResolver.resolve(database.withHandle(h -> schemas.schema(h, caller.organizationId())),
                module);
        return export(caller, object, module, "module", object.slug(), request.config(), request, response);
    }

    @Operation(summary = "Export a saved report's records",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = @Content(
                    mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ExportRequest.class))))
    @ApiResponse(responseCode = "200", description = "The file, streamed (up to FREIGHT_EXPORT_ASYNC_THRESHOLD records,"
            + " or async false), with Content-Disposition: attachment", content = {
                @Content(mediaType = "text/csv", schema = @Schema(type = "string")),
                @Content(mediaType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        schema = @Schema(type = "string", format = "binary")),
                @Content(mediaType = "application/pdf", schema = @Schema(type = "string", format = "binary")),
                @Content(mediaType = "application/json", schema = @Schema(type = "array",
                        description = "format json: the records")),
                @Content(mediaType = "application/x-ndjson", schema = @Schema(type = "string"))})
    @ApiResponse(responseCode = "202", description = "An export job (Location: /v1/export-jobs/{exportJobId})",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ExportJobAnswer.class)))
    @ApiResponse(responseCode = "400", description = "invalid_format (an empty body or null too: format is"
            + " required), invalid_export_config, unknown_option, invalid_limit, unknown_column and the other codes of"
            + " the config",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "404", description = "report_not_found, module_not_found",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "413", description = "payload_too_large",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "415", description = "unsupported_media_type",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "422", description = "malformed_body (a body of blank space too)",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @PostMapping("/v1/reports/{reportId}/export")
    ResponseEntity<Envelope> exportReport(@PathVariable String reportId,
            @RequestBody(required = false) Map<String, Object> body, Caller caller, HttpServletResponse response)
            throws IOException {
        caller.require(Scope.EXPORT);
        ExportRequests.Export request = ExportRequests.export(body);
        SavedReport report = database.withHandle(h -> reports.byId(h, caller.organizationId(), reportId))
                .orElseThrow(() -> SavedReportsController.notFound(reportId));
        ObjectDef object = ModuleResolver.resolve(database.withHandle(h -> schemas.schema(h, caller.organizationId())),
                report.module());
        ExportConfig config = ExportConfig.fromJson(report.definition()).overriddenBy(request.config());
        return export(caller, object, AttachmentName.slug(report.name()), "report", report.id(), config, request,
                response);
    }

    private ResponseEntity<Envelope> export(Caller caller, ObjectDef object, String fileBase, String sourceType,
            String sourceId, ExportConfig config, ExportRequests.Export request, HttpServletResponse response)
            throws IOException {
        ExportPlan plan = ExportPlan.of(object, request.format(), config);
        String fileName = AttachmentName.fileName(fileBase, "-export-"
                + LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC) + "." + plan.format().extension());
        if (!Boolean.TRUE.equals(request.async()) && streamed(caller, plan, fileName, request.async(), response)) {
            response.flushBuffer();
            return null;
        }
        long count = exporter.count(caller.organizationId(), plan);
        ExportJob job = new ExportJob(ids.next("exp"), caller.organizationId(), sourceType, sourceId, object.slug(),
                plan.format().wireName(), config.toJson(), ExportJob.Status.QUEUED, 0, count, fileName, null,
                plan.format().contentType(), null, caller.key().id(), Instant.ofEpochMilli(clock.millis()), null, null,
                null);
        database.inTransaction(h -> {
            jobs.create(h, job);
            return null;
        });
        tasks.enqueue(scheduler.getObject(), job.id());
        return ResponseEntity.status(202)
                .header(HttpHeaders.LOCATION, "/v1/export-jobs/" + job.id())
                .body(Envelope.ok(urls.view(job)));
    }

    /**
     * Streams the export in the answer, when {@code async} is false or it has no more records than the threshold, with
     * {@code X-Record-Count} in the second case; false when it is to be a job instead. Only whether the export exceeds
     * the threshold matters, so the count stops just past it, and it reads the snapshot of the database the stream
     * reads: the header is the number of records in the body, whatever records are written meanwhile.
     */
    private boolean streamed(Caller caller, ExportPlan plan, String fileName, Boolean async,
            HttpServletResponse response) throws IOException {
        try {
            if (Boolean.FALSE.equals(async)) {
                exporter.write(caller.organizationId(), plan, download(plan, fileName, response), n -> {});
                return true;
            }
            return exporter.write(caller.organizationId(), plan, asyncThreshold + 1, count -> {
                if (count > asyncThreshold) {
                    return null;
                }
                response.setHeader("X-Record-Count", String.valueOf(count));
                return download(plan, fileName, response);
            });
        } catch (RuntimeException | IOException e) {
            if (!response.isCommitted()) {
                throw e;
            }
            throw cutOff(e);
        }
    }

    /** The answer's body, as the file of {@code plan} named {@code fileName}. */
    private static OutputStream download(ExportPlan plan, String fileName, HttpServletResponse response)
            throws IOException {
        response.setStatus(200);
        response.setContentType(plan.format().contentType());
        response.setHeader(HttpHeaders.CONTENT_DISPOSITION, AttachmentName.contentDisposition(fileName));
        return response.getOutputStream();
    }

    /**
     * A failure once the first bytes of the file went out can no longer be an error answer: the connection is closed
     * before the end of the body (no last chunk), so the client sees a failed transfer rather than a file that looks
     * whole. Logged here, once; Tomcat treats the exception as a request to close the connection, quietly.
     */
    private static CloseNowException cutOff(Exception e) {
        switch (e) {
            case ExportException x -> LOG.warn("An immediate export was cut off after its first bytes: {} ({})",
                    x.getMessage(), x.code());
            case IOException io -> LOG.debug("An immediate export could not be written; the client went away", io);
            default -> LOG.error("An immediate export failed after its first bytes and was cut off", e);
        }
        return new CloseNowException("The export failed after its first bytes", e);
    }
}
