package dev.freight.api;

import dev.freight.export.ExportPlan;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import java.util.Map;

/**
 * The request bodies and answers of seed 003's routes (the file import workflow, exports and saved reports), for the
 * OpenAPI document only: those routes read their body with {@link Json} or bind it to a map, and answer an {@link Envelope} whose
 * {@code data} is any object, so the generator sees none of these shapes. Nothing is bound to these records.
 */
final class WorkflowSchemas {

    private WorkflowSchemas() {}

    @Schema(description = "A multipart/form-data body", requiredProperties = "file")
    record ParseForm(
            @Schema(type = "string", format = "binary",
                    description = "CSV, XLSX, XLS, JSON or NDJSON, up to FREIGHT_MAX_PARSE_BYTES (100 MB)") String file,
            @Schema(description = "The worksheet to read (a workbook's); also taken as a query parameter")
            String sheet) {}

    @Schema(requiredProperties = "sourceColumns")
    record SuggestMappingRequest(
            @Schema(description = "The column headers of the file") List<String> sourceColumns,
            @ArraySchema(schema = @Schema(type = "object", description = "A sample row: column → value"))
            List<Map<String, Object>> sampleData) {}

    @Schema(requiredProperties = "sourceColumn")
    record ColumnMapping(
            String sourceColumn,
            @Schema(types = {"string", "null"}, description = "The module's field; null leaves the column unmapped")
            String targetFieldSlug,
            @Schema(defaultValue = "false") Boolean ignored,
            @Schema(description = "The label of a multi-value field's value, e.g. Mobile") String valueType,
            @Schema(allowableValues = {"street", "street2", "city", "state", "zip", "country"}) String addressPart) {}

    @Schema(description = "Either rows or fileId", requiredProperties = "columnMapping")
    record ImportRowsRequest(
            @ArraySchema(minItems = 1, schema = @Schema(type = "object", description = "A row: column → value"))
            List<Map<String, Object>> rows,
            @Schema(description = "The fileId parse answered, instead of rows") String fileId,
            @Schema(description = "The worksheet to read of fileId (default: the one parse read)") String sheet,
            List<ColumnMapping> columnMapping,
            @Schema(allowableValues = {"skip", "update", "create"}, defaultValue = "skip") String duplicateStrategy,
            List<String> duplicateMatchFields,
            @Schema(allowableValues = {"fill_empty", "overwrite", "prefer_import"}, defaultValue = "prefer_import")
            String mergeMode,
            @Schema(defaultValue = "false") Boolean aiMappingUsed,
            @Schema(defaultValue = "false") Boolean skipValidation,
            @Schema(defaultValue = "false") Boolean createMissingReferences,
            @Schema(description = "Field slug → value applied to every record") Map<String, String> staticValues,
            @Schema(allowableValues = {"sync", "stream", "background"},
                    description = "Wait less than the row count implies (execute); default: by row count")
            String processingMode) {}

    @Schema(requiredProperties = "format", additionalProperties = Schema.AdditionalPropertiesValue.FALSE,
            description = "An unknown member is 400 unknown_option")
    record ExportRequest(
            @Schema(allowableValues = {"csv", "xlsx", "pdf", "json", "ndjson"}) String format,
            @Schema(description = "true: an export job; false: the file in the answer; absent: by record count")
            Boolean async,
            ExportConfig config) {}

    @Schema(additionalProperties = Schema.AdditionalPropertiesValue.FALSE)
    record ExportConfig(
            @Schema(description = "Default: the name field, owner, createdDateTime, updatedDateTime")
            List<String> columns,
            @Schema(description = "Column → header text") Map<String, String> columnLabels,
            @Schema(defaultValue = "true") Boolean includeHeaders,
            @Schema(description = "Default: ISO 8601") String dateFormat,
            @Schema(description = "PDF title") String title,
            @Schema(description = "PDF text under the title") String description,
            @Schema(description = "Default: creation order") String sortField,
            @Schema(allowableValues = {"asc", "desc"}, defaultValue = "asc") String sortDirection,
            @Schema(minimum = "1", maximum = "100000", description = "Default: every record") Integer limit,
            @ArraySchema(maxItems = ExportPlan.MAX_FILTERS, arraySchema = @Schema(description = "All must hold; more"
                    + " than 200 filters is 400 invalid_filter")) List<ExportFilter> filters,
            @Schema(defaultValue = "false") Boolean includeBom,
            @Schema(defaultValue = "true") Boolean escapeFormulas) {}

    @Schema(requiredProperties = "field", additionalProperties = Schema.AdditionalPropertiesValue.FALSE)
    record ExportFilter(
            String field,
            @Schema(allowableValues = {"equals", "in", "range", "is_empty", "is_not_empty"}, defaultValue = "equals")
            String operator,
            Object value,
            List<Object> values,
            Object from,
            Object to) {}

    @Schema(requiredProperties = {"name", "module"}, additionalProperties = Schema.AdditionalPropertiesValue.FALSE,
            description = "An unknown member is 400 unknown_option; the members of a report's view are taken too, so"
                    + " that a view can be sent back")
    record SavedReportRequest(
            String name,
            @Schema(description = "An object's slug, or a module's name (vendors)") String module,
            @Schema(description = "Default: the name field, owner, createdDateTime, updatedDateTime")
            List<String> columns,
            @Schema(description = "Column → header text") Map<String, String> columnLabels,
            @ArraySchema(maxItems = ExportPlan.MAX_FILTERS, arraySchema = @Schema(description = "All must hold; more"
                    + " than 200 filters is 400 invalid_filter")) List<ExportFilter> filters,
            @Schema(description = "Default: creation order") String sortField,
            @Schema(allowableValues = {"asc", "desc"}, defaultValue = "asc") String sortDirection,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY,
                    description = "Ignored; on a PUT, another report's is 400 invalid_report") String reportId,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY, description = "Ignored") String accountId,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY, description = "Ignored") String createdDateTime,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY, description = "Ignored") String updatedDateTime) {}

    record ParseAnswer(boolean success, ModuleImportController.ParseView data) {}

    record SuggestMappingAnswer(boolean success, ModuleImportController.SuggestView data) {}

    record ValidateAnswer(boolean success, ModuleImportController.ValidationView data) {}

    record ExecuteAnswer(boolean success, ModuleImportController.ExecuteView data) {}

    record ImportJobsAnswer(boolean success, ModuleImportController.JobsView data) {}

    record ImportJobAnswer(boolean success, ModuleImportController.JobView data) {}

    record ImportRollbackAnswer(boolean success, ModuleImportController.RollbackView data) {}

    record ExportJobAnswer(boolean success, ExportUrls.JobView data) {}

    record SavedReportAnswer(boolean success, SavedReportsController.ReportView data) {}

    record SavedReportsAnswer(boolean success, List<SavedReportsController.ReportView> data) {}

    record DeletedReportAnswer(boolean success, SavedReportsController.Deleted data) {}

    /** An error of the face: {@code {"success": false, "error": {"code", "message"}}}. */
    record ErrorAnswer(@Schema(description = "false") boolean success, ErrorBody.Detail error) {}
}
