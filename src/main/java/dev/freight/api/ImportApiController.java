package dev.freight.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.freight.engine.ImportJobs;
import dev.freight.engine.ImportPipeline;
import dev.freight.engine.ImportPipeline.BatchOutcome;
import dev.freight.engine.Violation;
import dev.freight.schema.Echo;
import dev.freight.store.ImportEnums.Action;
import dev.freight.store.ImportEnums.DuplicateHandling;
import dev.freight.store.ImportEnums.UploadMode;
import dev.freight.store.ImportJob;
import dev.freight.store.Database;
import dev.freight.store.ImportReport;
import dev.freight.store.KeyKind;
import dev.freight.store.ReportStore;
import dev.freight.store.Scope;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/** {@code POST /v1/import/{report_name}}: the JSON Import API of seed 000. */
@RestController
class ImportApiController {

    private static final String SHAPE = "{\"data\": [ {\"<incoming key>\": <value>, …}, … ]}";

    private final Database database;
    private final ReportStore reports;
    private final ImportJobs jobs;
    private final ImportPipeline pipeline;
    private final Limits limits;
    private final Clock clock;

    ImportApiController(Database database, ReportStore reports, ImportJobs jobs,
            ImportPipeline pipeline, Limits limits, Clock clock) {
        this.database = database;
        this.reports = reports;
        this.jobs = jobs;
        this.pipeline = pipeline;
        this.limits = limits;
        this.clock = clock;
    }

    /**
     * The request body's shape, for the OpenAPI document only: the body is read by {@link Json} (so its byte limit and
     * its {@code malformed_body} messages apply), not bound to this record.
     */
    @Schema(requiredProperties = "data")
    record ImportRequest(
            @ArraySchema(minItems = 1, schema = @Schema(type = "object",
                    description = "A record: its keys are the incoming names of the report's mapping"))
            List<Map<String, Object>> data) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record ImportResponse(
            String id,
            String slug,
            String reportName,
            String baseObject,
            Map<String, String> mapping,
            int receivedCount,
            int createdCount,
            int updatedCount,
            int failedCount,
            List<Result> results,
            List<Problem> errors,
            List<Problem> warnings,
            long receivedAt) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Result(@Schema(types = {"string", "null"}) String externalId, String id, String coverbaseId,
            @Schema(allowableValues = {"created", "updated"}) String action,
            @Schema(allowableValues = "success") String status) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Problem(int index, @JsonInclude(JsonInclude.Include.NON_NULL) String externalId,
            @JsonInclude(JsonInclude.Include.NON_NULL) String field,
            @Schema(allowableValues = {"missing_required_field", "invalid_field_value", "unmapped_field",
                "unknown_base_object", "duplicate_external_id", "malformed_row"}) String errorCode,
            String message) {

        static Problem of(Violation v) {
            return new Problem((int) v.row() - 1, v.externalId(), v.field(), v.code().wireName(), v.message());
        }
    }

    @PostMapping("/v1/import/{report_name}")
    @Operation(summary = "Import a batch of records through an Import Report (seed 000)",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = @Content(
                    mediaType = "application/json", schema = @Schema(implementation = ImportRequest.class))))
    @ApiResponse(responseCode = "200", description = "At least one record was stored or found unchanged",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ImportResponse.class)))
    @ApiResponse(responseCode = "400", description = "Every record failed; the same body as 200",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ImportResponse.class)))
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "403", description = "wrong_key_kind (a user key), insufficient_scope",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "404", description = "report_not_found",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "413", description = "payload_too_large, too_many_records",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "415", description = "unsupported_media_type (a multipart/… form)",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "422", description = "malformed_body (e.g. a bare record without \"data\")",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    ResponseEntity<ImportResponse> importBatch(
            @Parameter(description = "The Import Report's slug") @PathVariable("report_name") String reportName,
            Caller caller,
            HttpServletRequest request) throws IOException {
        caller.requireKind(KeyKind.SERVICE_ACCOUNT).require(Scope.IMPORT);
        long receivedAt = clock.instant().getEpochSecond();
        ImportReport report = database.withHandle(h -> reports.bySlug(h, caller.organizationId(), reportName))
                .orElseThrow(() -> new ApiException(404, "report_not_found",
                        "There is no import report " + Echo.quoted(reportName)));
        refuseForm(request.getContentType());
        List<?> data = data(Json.read(request, limits.maxRequestBytes(), SHAPE));
        if (data.size() > limits.maxRecordsPerRequest()) {
            throw new ApiException(413, "too_many_records",
                    "The request has %,d records; the limit is %,d per request (FREIGHT_MAX_RECORDS_PER_REQUEST)"
                            .formatted(data.size(), limits.maxRecordsPerRequest()));
        }
        ImportJob job = jobs.inline(new ImportJobs.Request(caller.organizationId(), report.baseObject(),
                "report:" + report.slug(), UploadMode.SYNC, Action.MERGE, DuplicateHandling.IGNORE_ALL,
                report.reportName(), caller.key().id(), report.mapping()));
        BatchOutcome outcome = pipeline.runBatch(job, data);
        List<Result> results = outcome.rows().stream()
                .filter(r -> r.recordId() != null)
                .map(r -> new Result(r.externalId(), r.recordId(), r.recordId(),
                        r.outcome().equals("created") ? "created" : "updated", "success"))
                .toList();
        int created = (int) results.stream().filter(r -> r.action().equals("created")).count();
        ImportResponse body = new ImportResponse(report.id(), report.slug(), report.reportName(), report.baseObject(),
                report.mapping(), data.size(), created, results.size() - created, data.size() - results.size(),
                results, outcome.errors().stream().map(Problem::of).toList(),
                outcome.warnings().stream().map(Problem::of).toList(), receivedAt);
        return ResponseEntity.status(results.isEmpty() ? 400 : 200).header("Freight-Import-Id", job.id()).body(body);
    }

    /**
     * Refuses a form ({@code multipart/…}): the body is read whatever its Content-Type, but Spring takes a form's parts
     * before the handler, which then found no bytes and answered that the body was not valid JSON at line 1, column 0.
     */
    private static void refuseForm(String contentType) {
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("multipart/")) {
            String type = contentType.split(";", 2)[0].strip();
            throw new ApiException(415, "unsupported_media_type", "Content-Type " + type + " is not supported by the"
                    + " Import API; send the JSON body itself (application/json), not in a form");
        }
    }

    private static List<?> data(Object body) {
        if (body instanceof Map<?, ?> map && map.get("data") instanceof List<?> list) {
            if (list.isEmpty()) {
                throw new ApiException(422, "malformed_body", "\"data\" is empty; expected " + SHAPE);
            }
            return list;
        }
        String got = switch (body) {
            case Map<?, ?> map when map.containsKey("data") -> "\"data\" that is not an array";
            case Map<?, ?> map when map.isEmpty() -> "an empty object or body";
            case Map<?, ?> map -> "an object without \"data\" (a bare record?)";
            case List<?> list -> "a bare array";
            case null -> "null";
            case String text -> "a string";
            case Boolean bool -> "a boolean";
            default -> "a number";
        };
        throw new ApiException(422, "malformed_body", "Expected " + SHAPE + " but got " + got);
    }
}
