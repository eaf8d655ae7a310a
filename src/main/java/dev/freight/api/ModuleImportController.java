package dev.freight.api;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import dev.freight.engine.ExecuteOptions;
import dev.freight.engine.ImportJobs;
import dev.freight.engine.ImportPipeline;
import dev.freight.engine.ImportRollback;
import dev.freight.engine.ImportFiles;
import dev.freight.engine.ImportValidator;
import dev.freight.engine.ValidationFiles;
import dev.freight.ingest.FileType;
import dev.freight.ingest.HeaderMatch;
import dev.freight.ingest.IngestException;
import dev.freight.ingest.ReadOptions;
import dev.freight.ingest.Readers;
import dev.freight.ingest.RowReader;
import dev.freight.ingest.SourceFormat;
import dev.freight.ingest.SourceRow;
import dev.freight.jobs.ImportRetention;
import dev.freight.jobs.ImportTasks;
import dev.freight.mapping.AddressParts;
import dev.freight.mapping.HeaderNames;
import dev.freight.mapping.MappingResult;
import dev.freight.mapping.MappingSuggester;
import dev.freight.mapping.MatchReason;
import dev.freight.mapping.RememberedMapping;
import dev.freight.mapping.Suggestion;
import dev.freight.mapping.ValueTypes;
import dev.freight.schema.Echo;
import dev.freight.schema.FieldType;
import dev.freight.schema.Coercion;
import dev.freight.schema.Field;
import dev.freight.schema.NulCharacter;
import dev.freight.schema.ObjectDef;
import dev.freight.store.Database;
import dev.freight.store.Handle;
import dev.freight.store.IdGenerator;
import dev.freight.store.ImportEnums.Action;
import dev.freight.store.ImportEnums.DuplicateHandling;
import dev.freight.store.ImportEnums.Phase;
import dev.freight.store.ImportEnums.Status;
import dev.freight.store.ImportEnums.UploadMode;
import dev.freight.store.ImportJob;
import dev.freight.store.ImportStore;
import dev.freight.store.MappingMemoryStore;
import dev.freight.store.ParsedFileStore;
import dev.freight.store.ParsedFileStore.ParsedFile;
import dev.freight.store.RecordStore;
import dev.freight.store.SchemaStore;
import dev.freight.store.Scope;
import dev.freight.store.UploadStore;
import jakarta.servlet.http.HttpServletRequest;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import tools.jackson.databind.json.JsonMapper;

/**
 * The file import workflow of seed 003 under {@code /v1/modules/{module}/import}: parse, validate, execute, jobs and
 * rollback. Every execution is an import of the engine (source {@code module}), so it is durable, resumable and listed
 * in {@code /v1/imports}; the processing mode only decides how long the request waits for it.
 */
@RestController
class ModuleImportController implements Envelope.Face {

    /** Executions up to this many rows answer with the full result. */
    static final long SYNC_MAX_ROWS = 5_000;
    /** Executions up to this many rows stream progress (or wait); larger ones answer at once. */
    static final long STREAM_MAX_ROWS = 50_000;
    private static final int SAMPLE_ROWS = 50;
    private static final int MAX_LISTED_ERRORS = 1_000;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Database database;
    private final SchemaStore schemas;
    private final ImportStore imports;
    private final RecordStore records;
    private final ParsedFileStore parsedFiles;
    private final MappingMemoryStore memory;
    private final UploadStore uploads;
    private final ImportJobs jobs;
    private final ImportTasks tasks;
    private final ObjectProvider<SchedulerClient> scheduler;
    private final ImportRollback rollback;
    private final IdGenerator ids;
    private final MappingSuggester suggester;
    private final ImportUrls urls;
    private final Limits limits;
    private final Duration retention;
    private final Clock clock;
    private final ValidationFiles validationFiles;
    private final ValidationUrls validationUrls;
    private volatile FileCheckHooks fileCheckHooks = FileCheckHooks.NONE;

    ModuleImportController(Database database, SchemaStore schemas, ImportStore imports, RecordStore records,
            ParsedFileStore parsedFiles, MappingMemoryStore memory, UploadStore uploads, ImportJobs jobs,
            ImportTasks tasks, ObjectProvider<SchedulerClient> scheduler, ImportRollback rollback, IdGenerator ids,
            MappingSuggester suggester, ImportUrls urls, Limits limits, ImportRetention retention, Clock clock,
            ValidationFiles validationFiles, ValidationUrls validationUrls) {
        this.database = database;
        this.schemas = schemas;
        this.imports = imports;
        this.records = records;
        this.parsedFiles = parsedFiles;
        this.memory = memory;
        this.uploads = uploads;
        this.jobs = jobs;
        this.tasks = tasks;
        this.scheduler = scheduler;
        this.rollback = rollback;
        this.ids = ids;
        this.suggester = suggester;
        this.urls = urls;
        this.limits = limits;
        this.retention = retention.retention();
        this.clock = clock;
        this.validationFiles = validationFiles;
        this.validationUrls = validationUrls;
    }

    record ParseView(List<String> sourceColumns, List<Map<String, String>> sampleRows, long totalRows,
            String fileType, String fileName, String encoding, String fileId, List<String> sheets, String sheet,
            String delimiter, String lineEnding, boolean bom, List<ParseErrorView> errors) {}

    /** A previewed row the reader could not read (a JSON element that is no object, an NDJSON line that is no JSON). */
    record ParseErrorView(long row, long line, String error, String code) {}

    record SuggestionView(String sourceColumn, String targetFieldSlug, double confidence, String reason,
            String valueType, String addressPart) {}

    record TargetFieldView(String fieldSlug, String label, String dataType, boolean required, boolean multiple) {}

    record SuggestView(List<SuggestionView> suggestions, boolean aiUsed, List<TargetFieldView> targetFields) {}

    /**
     * The validate answer.
     *
     * @param validRows the rows execute would create, update or leave unchanged
     * @param errorRows the rows execute would reject
     * @param skippedRows the rows execute would skip as duplicates (its skippedRows, duplicateStrategy skip)
     * @param errors the first 1,000 problems, in row order (a row with several problems has one entry for each)
     * @param errorsTruncated whether {@code errors} leaves out problems
     * @param errorsCsvUrl a signed download URL, valid until the file is deleted, of every rejected row as CSV (the
     *     shape of an execution's errors file); null when no row was rejected
     * @param errorsJsonUrl the same as JSON, or null likewise
     * @param referenceWarnings the reference values execute would list as unresolved (its referenceWarnings)
     * @param createdReferences the reference values execute would create a record for (createMissingReferences), in
     *     the shape of referenceWarnings
     * @param warningsTruncated whether {@code warnings} leaves out row warnings
     * @param warningsOmitted how many row warnings {@code warnings} leaves out (0 when it leaves none out)
     */
    record ValidationView(boolean isValid, long totalRows, long validRows, long errorRows, long skippedRows,
            List<ErrorView> errors,
            boolean errorsTruncated, String errorsCsvUrl, String errorsJsonUrl, List<WarningView> warnings,
            List<ReferenceWarningView> referenceWarnings, List<CreatedReferenceView> createdReferences,
            boolean warningsTruncated, long warningsOmitted) {}

    /** @param line the row's line in the file, as the errors files give it (see {@link RowErrorView}) */
    record ErrorView(long row, long line, String field, Object value, String error, String code) {}

    record WarningView(Long row, String field, String message, String code) {}

    record ExecuteView(String importJobId,
            @Schema(allowableValues = {"pending", "processing", "completed", "failed"}) String status,
            @Schema(allowableValues = {"sync", "stream", "background"}) String processingMode, long totalRows,
            long successRows,
            long errorRows, long skippedRows, List<String> createdRecordIds, @JsonUnwrapped FindingsView findings,
            String reason) {}

    /**
     * What an import reports beside its counts, written among the members of the answer that carries it.
     *
     * @param errors the first 1,000 problems of its rejected rows, in file order (a row with several problems has one
     *     entry for each)
     * @param errorsTruncated whether {@code errors} leaves out problems the errors files hold
     * @param errorsCsvUrl a signed, expiring download URL of every rejected row as CSV (as {@code _errors_csv_url} of
     *     the Imports resource); null unless the import ended with rejected rows, or once its files were deleted
     * @param errorsJsonUrl the same as JSON, or null likewise
     * @param warningsTruncated whether {@code warnings} leaves out row warnings
     * @param warningsOmitted how many row warnings {@code warnings} leaves out (0 when it leaves none out); null for an
     *     import stored before they were counted (V34), or purged
     */
    record FindingsView(List<RowErrorView> errors, boolean errorsTruncated, String errorsCsvUrl, String errorsJsonUrl,
            List<ReferenceWarningView> referenceWarnings, List<WarningView> warnings, boolean warningsTruncated,
            Long warningsOmitted) {}

    /**
     * @param row the 1-based data row (blank lines and sheet rows are none)
     * @param line where a person finds the row in the file: a CSV's line, a sheet's row number, a JSON element's line,
     *     a sent row's position from 1 (the errors files' {@code error_line})
     */
    record RowErrorView(long row, long line, String field, String error, String code) {}

    /**
     * @param unresolvedValues the field's first {@value ImportStore#LISTED_REFERENCE_WARNINGS} values
     * @param unresolvedValuesTruncated whether the field has more values than {@code unresolvedValues} lists
     * @param unresolvedValuesCount how many distinct values of the field matched nothing, those listed included; null
     *     for an import stored before they were counted (V34)
     */
    record ReferenceWarningView(String fieldSlug, String fieldLabel, List<String> unresolvedValues,
            String targetModuleSlug, boolean unresolvedValuesTruncated, Long unresolvedValuesCount) {}

    /** The values of a reference field that execute would create a record for (createMissingReferences). */
    record CreatedReferenceView(String fieldSlug, String fieldLabel, List<String> values, String targetModuleSlug) {}

    /**
     * A job; {@code findings} is null in the list, whose jobs then leave its members out. The date-times are ISO 8601
     * in UTC to the second ({@code 2024-01-15T10:30:00Z}), as the seed writes them and as export jobs give them: the
     * stored milliseconds would make the text's length vary, which a client parsing the seed's form refuses.
     */
    @Schema(name = "ModuleImportJobView")
    record JobView(String importJobId, String accountId, String moduleId,
            @Schema(allowableValues = {"pending", "processing", "completed", "failed", "cancelled"}) String status,
            @Schema(allowableValues = {"sync", "stream", "background"}) String processingMode,
            String fileName, String fileType, Long totalRows, long processedRows, long successRows, long errorRows,
            long skippedRows, boolean aiMappingUsed, String duplicateStrategy, String createdDateTime,
            String startedDateTime, String completedDateTime, String expiresDateTime, String reason,
            @JsonUnwrapped FindingsView findings) {}

    record JobsView(List<JobView> jobs) {}

    @Schema(name = "ModuleImportRollbackView")
    record RollbackView(String importJobId, int deletedCount, int restoredCount, int conflictCount,
            List<ImportsController.ConflictView> conflicts) {}

    @Operation(summary = "Upload and parse a file (seed 003, step 1)",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = @Content(
                    mediaType = "multipart/form-data",
                    schema = @Schema(implementation = WorkflowSchemas.ParseForm.class))))
    @ApiResponse(responseCode = "200", description = "OK",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ParseAnswer.class)))
    @ApiResponse(responseCode = "400", description = "no_file (also any body that is not a multipart form with the"
            + " part file, JSON or plain text), file_too_large (also a form over FREIGHT_MAX_PARSE_BYTES: parse answers"
            + " no 413, 415 or 422), empty_file, unsupported_file_type, sheet_not_found, malformed_csv, malformed_json,"
            + " unreadable_file, invalid_request",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope (\"Access denied: …\")",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "404", description = "module_not_found",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "503", description = "storage_unavailable",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @PostMapping("/v1/modules/{module}/import/parse")
    Envelope parse(@PathVariable String module,
            @Parameter(hidden = true) @RequestParam(name = "file", required = false) MultipartFile file,
            @Parameter(description = "The worksheet to read (a workbook's); also taken as a form field")
            @RequestParam(name = "sheet", required = false) String sheet, Caller caller) {
        caller.require(Scope.IMPORT);
        ObjectDef object = object(caller, module);
        if (NulCharacter.in(sheet)) {
            // No sheet's name holds one (an XLS's is read with U+FFFD in its place); PostgreSQL would refuse it as
            // the parsed file's sheet. A query's %00 is refused before this (QueryStrings), a form field's here.
            throw new ApiException(400, "invalid_request", NulCharacter.problem("sheet"));
        }
        if (file == null || file.isEmpty() && file.getOriginalFilename() == null) {
            throw new ApiException(400, "no_file", "No file uploaded: send the file as the multipart part \"file\"");
        }
        if (file.getSize() > limits.maxParseBytes()) {
            throw new ApiException(400, "file_too_large", ("File too large: %,d bytes, the limit is %,d bytes"
                    + " (FREIGHT_MAX_PARSE_BYTES); split the file into smaller batches").formatted(file.getSize(),
                    limits.maxParseBytes()));
        }
        String fileId = ids.next("fil");
        Path path = uploads.path(fileId);
        try {
            Files.createDirectories(path.getParent());
            // A rename of the container's temporary file where it can; the checksum is taken beside the parse.
            file.transferTo(path.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        CompletableFuture<String> checksum = CompletableFuture.supplyAsync(() -> UploadStore.sha256(path),
                Thread::startVirtualThread);
        try {
            FileType type = Readers.detect(path, file.getContentType(), file.getOriginalFilename());
            List<String> sheets = Readers.sheets(path, type, limits.workbooks());
            List<String> headers;
            // The reader's own header, kept so validate and execute find the mapped columns without opening the file.
            List<String> readHeaders = null;
            List<Map<String, String>> sample = new ArrayList<>();
            List<ParseErrorView> errors = new ArrayList<>();
            long total = 0;
            SourceFormat format;
            try (RowReader reader = Readers.open(path, type, new ReadOptions(sheet, null, limits.workbooks()))) {
                headers = reader.headers();
                readHeaders = headers;
                format = reader.format();
                while (total < SAMPLE_ROWS) {
                    SourceRow row;
                    try {
                        row = reader.next();
                    } catch (IngestException e) {
                        // One element the reader rejected alone: a row-level problem, as in validate and execute.
                        if (!reader.rowLevel(e)) {
                            throw e;
                        }
                        errors.add(new ParseErrorView(++total, e.line(), e.getMessage(), "malformed_row"));
                        continue;
                    }
                    if (row == null) {
                        break;
                    }
                    total = row.ordinal();
                    sample.add(texts(row.cells()));
                }
                if (total == SAMPLE_ROWS) {
                    total += reader.countRemaining();
                }
            } catch (IngestException e) {
                if ("empty_file".equals(e.code()) && !sheets.isEmpty() && sheet != null) {
                    uploads.delete(fileId);
                    throw emptySheet(sheet, sheets);
                }
                if (!"empty_file".equals(e.code()) || sheets.isEmpty()) {
                    throw e;
                }
                // An empty first sheet: answer with the sheets so the caller can pick one.
                headers = List.of();
                format = new SourceFormat(null, false, null, null, sheets.getFirst());
            }
            // JSON objects need not share keys, and a CSV row may have more cells than the header (column_4).
            headers = sampleColumns(headers, sample);
            ParsedFile parsed = new ParsedFile(fileId, caller.organizationId(), object.slug(),
                    file.getOriginalFilename(), type.wireName(), format.encoding(), format.sheet(), Files.size(path),
                    checksum.join(), total, readHeaders, null);
            database.inTransaction(h -> parsedFiles.create(h, parsed));
            return Envelope.ok(new ParseView(headers, sample, total, type.wireName(), file.getOriginalFilename(),
                    parsed.encoding(), fileId, sheets, format.sheet(), format.delimiter(),
                    format.lineEnding(), format.bom(), errors));
        } catch (IngestException e) {
            uploads.delete(fileId);
            throw rejected(e);
        } catch (IOException e) {
            uploads.delete(fileId);
            throw new UncheckedIOException(e);
        }
    }

    @Operation(summary = "Suggest a mapping of the file's columns to the module's fields (seed 003, step 2)",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = @Content(
                    mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.SuggestMappingRequest.class))))
    @ApiResponse(responseCode = "200", description = "OK",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.SuggestMappingAnswer.class)))
    @ApiResponse(responseCode = "400", description = "invalid_request",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope (\"Access denied: …\")",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "404", description = "module_not_found",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "413", description = "payload_too_large",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "415", description = "unsupported_media_type (a multipart/… form)",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "422", description = "malformed_body",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @PostMapping("/v1/modules/{module}/import/suggest-mapping")
    Envelope suggestMapping(@PathVariable String module, HttpServletRequest request, Caller caller)
            throws IOException {
        caller.require(Scope.IMPORT);
        ObjectDef object = object(caller, module);
        refuseForm(request, "suggest-mapping");
        Object body = Json.read(request, limits.maxRequestBytes(),
                "an object with sourceColumns and optional sampleData");
        if (!(body instanceof Map<?, ?> map) || map.get("sourceColumns") == null) {
            throw new ApiException(400, "invalid_request", "sourceColumns is required: the column headers of the file");
        }
        if (!(map.get("sourceColumns") instanceof List<?> columns)) {
            throw new ApiException(400, "invalid_request", "sourceColumns must be a list of the file's column headers,"
                    + " got " + Coercion.describe(map.get("sourceColumns")));
        }
        List<String> sourceColumns = new ArrayList<>();
        for (Object c : columns) {
            if (!(c instanceof String header)) {
                throw new ApiException(400, "invalid_request", "sourceColumns must be a list of strings");
            }
            if (NulCharacter.in(header)) {
                // Parse never answers such a header (it reads U+FFFD in its place), and validate and execute refuse
                // a sourceColumn with one: suggesting a mapping for it would only echo it back.
                throw new ApiException(400, "invalid_request", NulCharacter.problem("sourceColumns["
                        + sourceColumns.size() + "]"));
            }
            sourceColumns.add(header);
        }
        List<Map<String, String>> sample = new ArrayList<>();
        if (map.get("sampleData") != null && !(map.get("sampleData") instanceof List<?>)) {
            throw new ApiException(400, "invalid_request", "sampleData must be a list of rows (objects of column →"
                    + " value), got " + Coercion.describe(map.get("sampleData")));
        }
        List<?> rows = map.get("sampleData") instanceof List<?> given ? given : List.of();
        for (int i = 0; i < rows.size(); i++) {
            if (!(rows.get(i) instanceof Map<?, ?> cells)) {
                // Before, a row that was no object was passed over, as a sampleData that was no list.
                throw new ApiException(400, "invalid_request", "sampleData[" + i + "] must be a row (an object of"
                        + " column → value), got " + Coercion.describe(rows.get(i)));
            }
            Map<String, Object> typed = new LinkedHashMap<>();
            cells.forEach((k, v) -> typed.put(String.valueOf(k), v));
            sample.add(texts(typed));
        }
        Map<String, RememberedMapping> remembered = new HashMap<>();
        database.withHandle(h -> memory.remembered(h, caller.organizationId(), object.slug())).forEach((header, m) ->
                remembered.put(header, new RememberedMapping(m.field(), m.valueType(), m.addressPart())));
        // An errors file uploaded again: its own error_… columns map to nothing.
        List<String> mappable = ImportFiles.mappableHeaders(sourceColumns);
        MappingResult suggested = suggester.suggest(object, mappable, sample, remembered);
        List<Suggestion> all = new ArrayList<>(sourceColumns.size());
        for (int c = 0, m = 0; c < sourceColumns.size(); c++) {
            boolean kept = m < mappable.size() && mappable.get(m).equals(sourceColumns.get(c));
            all.add(kept ? suggested.suggestions().get(m++) : Suggestion.unmapped(sourceColumns.get(c)));
        }
        MappingResult result = new MappingResult(all, suggested.aiUsed());
        Map<String, Integer> columnsPerField = new HashMap<>();
        for (Suggestion s : result.suggestions()) {
            if (s.targetFieldSlug() != null) {
                columnsPerField.merge(s.targetFieldSlug(), 1, Integer::sum);
            }
        }
        List<SuggestionView> suggestions = new ArrayList<>();
        for (Suggestion s : result.suggestions()) {
            Field field = s.targetFieldSlug() == null ? null : object.field(s.targetFieldSlug()).orElse(null);
            RememberedMapping known = s.reason() == MatchReason.REMEMBERED
                    ? remembered.get(HeaderNames.normalize(s.sourceColumn())) : null;
            // A remembered part or label is kept; without one (a whole address, alone only) the header decides.
            String part = field == null || field.type() != FieldType.ADDRESS ? null
                    : known != null && known.addressPart() != null ? known.addressPart()
                    : addressPart(s.sourceColumn(), columnsPerField.get(field.slug()));
            String valueType = field == null || !field.multiple() || field.type() == FieldType.REFERENCE ? null
                    : known != null && known.valueType() != null ? known.valueType()
                    : ValueTypes.valueType(s.sourceColumn()).orElse(null);
            suggestions.add(new SuggestionView(s.sourceColumn(), s.targetFieldSlug(), s.confidence(),
                    s.reason() == null ? null : s.reason().wire(), valueType, part));
        }
        List<TargetFieldView> targets = object.fields().stream()
                .map(f -> new TargetFieldView(f.slug(), f.label(), f.type().wireName(), f.required(), f.multiple()))
                .toList();
        return Envelope.ok(new SuggestView(suggestions, result.aiUsed(), targets));
    }

    /**
     * The address part a column holds. A column that is alone in feeding its address field and whose header names no
     * part but the street ("Address", "Mailing Address") holds the whole address: no part, so that an exported cell
     * ({@code "street: 1 Main St; city: Springfield"}) is read back part by part and plain text still lands in street.
     * Beside other columns, a header that names no part is the street, as the suggester counted it: validate and
     * execute refuse several columns of one address without their parts.
     */
    private static String addressPart(String sourceColumn, int columnsOfField) {
        String part = AddressParts.addressPart(sourceColumn).orElse("street");
        return columnsOfField == 1 && "street".equals(part) ? null : part;
    }

    @Operation(summary = "Validate mapped rows or a parsed file; nothing is stored (seed 003, step 3)",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = @Content(
                    mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ImportRowsRequest.class))))
    @ApiResponse(responseCode = "200", description = "OK",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ValidateAnswer.class)))
    @ApiResponse(responseCode = "400", description = "invalid_request, file_not_found and the file codes of parse",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope (\"Access denied: …\")",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "404", description = "module_not_found",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "413", description = "payload_too_large",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "415", description = "unsupported_media_type (a multipart/… form)",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "422", description = "malformed_body",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "503", description = "storage_unavailable",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @PostMapping("/v1/modules/{module}/import/validate")
    Envelope validate(@PathVariable String module, HttpServletRequest request, Caller caller)
            throws IOException {
        caller.require(Scope.IMPORT);
        ObjectDef object = object(caller, module);
        refuseForm(request, "validate");
        ModuleImportRequest body = ModuleImportRequest.read(Json.read(request,
                limits.maxRequestBytes(), "an object with rows (or fileId) and columnMapping"), object, false);
        ImportValidator.Report report;
        ValidationFiles.Finished files;
        // Every rejected row goes to the errors files as it is read; the answer lists the first problems.
        try (ValidationFiles.Recorder recorder = validationFiles.recorder(caller.organizationId())) {
            ModuleImportRequest resolved = resolveMappedColumns(caller, body);
            dev.freight.schema.Schema schema = database.withHandle(h -> schemas.schema(h, caller.organizationId()));
            report = new ImportValidator(MAX_LISTED_ERRORS, database, records, schema, caller.organizationId(),
                    limits.workbooks().temporaryDir())
                    .validate(object,
                    resolved.options(),
                    source(caller, resolved), recorder);
            files = recorder.finish();
        } catch (IngestException e) {
            throw rejected(e, caller, body);
        }
        String org = caller.organizationId();
        dev.freight.schema.Schema schema = report.referenceWarnings().isEmpty()
                && report.createdReferences().isEmpty() ? null
                : database.withHandle(h -> schemas.schema(h, org));
        List<WarningView> warnings = new ArrayList<>(report.warnings().stream()
                .map(w -> new WarningView(w.row(), w.field(), w.message(), w.code())).toList());
        // Read last, just before answering: a validation finishing meanwhile may have deleted these files first.
        files = validationFiles.handOut(org, files);
        ValidationFiles.Stored stored = files instanceof ValidationFiles.Stored s ? s : null;
        switch (files) {
            case ValidationFiles.TooLarge tooLarge -> warnings.add(new WarningView(null, null, ("This validation's"
                    + " errors files would take more than FREIGHT_MAX_VALIDATION_FILES_BYTES (%,d bytes) on their own,"
                    + " so they were not kept: errorsCsvUrl and errorsJsonUrl are null and errors lists at most the"
                    + " first %,d problems").formatted(tooLarge.maxBytes(), MAX_LISTED_ERRORS),
                    "errors_files_not_kept"));
            case ValidationFiles.Trimmed trimmed -> warnings.add(new WarningView(null, null, ("This validation's"
                    + " errors files were deleted as soon as they were finished, the oldest first, to keep all"
                    + " validations' errors files within FREIGHT_MAX_VALIDATION_FILES_BYTES (%,d bytes) as other"
                    + " validations finished at the same time: errorsCsvUrl and errorsJsonUrl are null and errors"
                    + " lists at most the first %,d problems").formatted(trimmed.maxBytes(), MAX_LISTED_ERRORS),
                    "errors_files_not_kept"));
            case ValidationFiles.Stored kept -> {
                // URLs below.
            }
            case ValidationFiles.NoneRejected none -> {
                // No files, no URLs.
            }
        }
        return Envelope.ok(new ValidationView(report.isValid(), report.totalRows(), report.validRows(),
                report.errorRows(), report.skippedRows(),
                report.errors().stream().map(p -> new ErrorView(p.row(), p.line(), p.field(), p.value(), p.message(),
                        p.code())).toList(), report.errorsTruncated(),
                stored == null ? null : validationUrls.url(org, stored, ValidationFiles.Format.CSV),
                stored == null ? null : validationUrls.url(org, stored, ValidationFiles.Format.JSON),
                warnings, referenceViews(object, schema, report.referenceWarnings(), report.unresolvedValueCounts()),
                referenceViews(object, schema, report.createdReferences(), Map.of()).stream().map(v ->
                        new CreatedReferenceView(v.fieldSlug(), v.fieldLabel(), v.unresolvedValues(),
                        v.targetModuleSlug())).toList(),
                report.warningsTruncated(), report.rowWarningsCount()
                        - report.warnings().stream().filter(w -> w.row() != null).count()));
    }

    @Operation(summary = "Execute the import (seed 003, step 4)",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = @Content(
                    mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ImportRowsRequest.class))))
    @ApiResponse(responseCode = "200", description = "The result; with Accept: text/event-stream, a stream execution's"
            + " progress events, then a result event (or an error event)", content = {
                @Content(mediaType = "application/json",
                        schema = @Schema(implementation = WorkflowSchemas.ExecuteAnswer.class)),
                @Content(mediaType = "text/event-stream", schema = @Schema(type = "string"))})
    @ApiResponse(responseCode = "400", description = "invalid_request, file_not_found and the file codes of parse",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope (\"Access denied: …\")",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "404", description = "module_not_found",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "409", description = "import_running (the fileId is being imported)",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "413", description = "payload_too_large",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "415", description = "unsupported_media_type (a multipart/… form)",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "422", description = "malformed_body",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "503", description = "interrupted, storage_unavailable",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @PostMapping(path = "/v1/modules/{module}/import/execute", produces = {MediaType.APPLICATION_JSON_VALUE,
        MediaType.TEXT_EVENT_STREAM_VALUE})
    Object execute(@PathVariable String module, HttpServletRequest request, Caller caller) throws IOException {
        caller.require(Scope.IMPORT);
        ObjectDef object = object(caller, module);
        refuseForm(request, "execute");
        ModuleImportRequest read = ModuleImportRequest.read(Json.read(request,
                limits.maxRequestBytes(), "an object with rows (or fileId) and columnMapping"), object, true);
        ModuleImportRequest body;
        try {
            body = resolveMappedColumns(caller, read);
        } catch (IngestException e) {
            throw rejected(e, caller, read);
        }
        ImportJob job = start(caller, object, body);
        String mode = processingMode(job.totalRows() == null ? 0 : job.totalRows(), body.options().processingMode());
        String accept = request.getHeader("Accept");
        if ("stream".equals(mode) && accept != null && accept.contains(MediaType.TEXT_EVENT_STREAM_VALUE)) {
            return stream(caller, object, job.id(), mode);
        }
        // JSON whatever the Accept: the route also produces text/event-stream, which a client asking only for that
        // would otherwise get chosen for this answer (and a 500 after the import ran).
        if ("background".equals(mode)) {
            return json(Envelope.ok(result(caller, object, load(caller, job.id()), mode, false, urls)));
        }
        ImportJob done = awaitEnd(caller, job.id(), null);
        return json(Envelope.ok(result(caller, object, done, mode, "sync".equals(mode), urls)));
    }

    /**
     * Refuses a form ({@code multipart/…}) sent to a step whose body is JSON: Spring takes a form's parts before the
     * handler, which then found no bytes and answered that the body was not valid JSON at line 1, column 0.
     */
    private static void refuseForm(HttpServletRequest request, String step) {
        String contentType = request.getContentType();
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("multipart/")) {
            throw new ApiException(415, "unsupported_media_type", "Content-Type " + contentType.split(";", 2)[0].strip()
                    + " is not supported by " + step + "; send its JSON body (application/json): only import/parse"
                    + " takes a file as a form");
        }
    }

    private static ResponseEntity<Envelope> json(Envelope answer) {
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(answer);
    }

    @Operation(summary = "List the module's import jobs, newest first")
    @ApiResponse(responseCode = "200", description = "OK",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ImportJobsAnswer.class)))
    @ApiResponse(responseCode = "400", description = "invalid_parameter",
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
    @GetMapping("/v1/modules/{module}/import/jobs")
    Envelope jobs(@PathVariable String module, @Parameter(description = "Most jobs to answer", schema = @Schema(
            type = "integer", minimum = "1", maximum = "100", defaultValue = "50"))
            @RequestParam(name = "limit", defaultValue = "50") int limit,
            Caller caller) {
        // The key that runs an import can follow it (seed 003 asks only for the import permission), as can a reader.
        caller.requireEither(Scope.IMPORT, Scope.READ);
        ObjectDef object = object(caller, module);
        if (limit < 1 || limit > 100) {
            throw new ApiException(400, "invalid_parameter", "limit must be from 1 to 100, got " + limit);
        }
        List<ImportJob> page = database.withHandle(h -> imports.list(h, caller.organizationId(), null,
                object.slug(), followedSource(caller), null, limit));
        return Envelope.ok(new JobsView(page.stream().map(j -> jobView(object, j, null)).toList()));
    }

    @Operation(summary = "One import job's status and findings")
    @ApiResponse(responseCode = "200", description = "OK",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ImportJobAnswer.class)))
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "404", description = "module_not_found, import_job_not_found",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @GetMapping("/v1/modules/{module}/import/jobs/{jobId}")
    Envelope job(@PathVariable String module, @PathVariable String jobId, Caller caller) {
        caller.requireEither(Scope.IMPORT, Scope.READ);
        ObjectDef object = object(caller, module);
        ImportJob job = find(caller, object, jobId);
        return Envelope.ok(jobView(object, job, findings(caller, object, job, urls)));
    }

    /**
     * The face whose jobs the caller may follow here; null for all of them. A key without {@code read} may follow the
     * jobs of the file workflow, which it can run, but not the imports of the Imports resource or the Import API,
     * whose own routes ({@code GET /v1/imports}) need {@code read}: their rows and errors files are not the import
     * scope's to read.
     */
    private static String followedSource(Caller caller) {
        return caller.key().allows(Scope.READ) ? null : ImportJobs.MODULE;
    }

    @Operation(summary = "Roll the import back")
    @ApiResponse(responseCode = "200", description = "OK",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ImportRollbackAnswer.class)))
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope (\"Access denied: …\")",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "404", description = "module_not_found, import_job_not_found",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "409", description = "import_running, already_rolled_back, rollback_unavailable",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @DeleteMapping("/v1/modules/{module}/import/jobs/{jobId}")
    Envelope rollback(@PathVariable String module, @PathVariable String jobId, Caller caller) {
        caller.require(Scope.IMPORT);
        ObjectDef object = object(caller, module);
        // A job this key cannot follow here is not found here either, whatever the method.
        ImportJob job = find(caller, object, jobId);
        if (!job.status().isFinal()) {
            throw new ApiException(409, "import_running", "The import is " + job.status().wireName()
                    + "; wait for it to end before rolling it back");
        }
        ImportRollback.Result r = ImportsController.rollBack(rollback, job, caller);
        return Envelope.ok(new RollbackView(jobId, r.deleted(), r.restored(), r.conflictCount(), r.conflicts().stream()
                .map(c -> new ImportsController.ConflictView(c.recordId(), c.externalId(), c.reason()))
                .toList()));
    }

    /** Stores the rows (or links the parsed file) as the import's upload, creates it queued, and queues it. */
    private ImportJob start(Caller caller, ObjectDef object, ModuleImportRequest body) throws IOException {
        ImportJob fresh = jobs.requested(new ImportJobs.Request(caller.organizationId(), object.slug(),
                ImportJobs.MODULE, UploadMode.ASYNC, Action.MERGE, DuplicateHandling.USE_FIRST, null,
                caller.key().id(), body.options().firstColumns()), null);
        ExecuteOptions options = body.options();
        ImportJob job;
        if (body.fileId() != null) {
            ParsedFile parsed = parsedFile(caller, body.fileId());
            try {
                uploads.link(parsed.id(), fresh.id());
            } catch (NoSuchFileException gone) {
                // Its bytes went after its record was read (the parsed-file sweeper deletes both): gone, as a file
                // whose record went first is, rather than a failure of Freight's.
                throw fileNotFound(body.fileId());
            }
            options = options.withFile(parsed.id(), options.sheet() != null ? options.sheet() : parsed.sheet());
            job = fresh.withUpload(parsed.checksum(), parsed.fileType(), parsed.fileName(), parsed.totalRows());
        } else {
            String checksum = writeRows(fresh.id(), body.rows());
            job = fresh.withUpload(checksum, FileType.NDJSON.wireName(), null, (long) body.rows().size());
        }
        ImportJob queued = job.withStatus(Status.QUEUED, null).withDeadline(jobs.deadlineFromNow());
        ExecuteOptions stored = options;
        // The mapping is remembered when the import completes having stored rows (jobs.ConfirmedMappings).
        try {
            if (stored.fileId() != null) {
                fileCheckHooks.beforeCheck();
            }
            database.inTransaction(h -> {
                if (stored.fileId() != null) {
                    refuseWhileImporting(h, caller, stored.fileId());
                }
                imports.create(h, queued);
                imports.setOptions(h, queued.id(), stored.toJson());
                return null;
            });
            if (stored.fileId() != null) {
                fileCheckHooks.created();
            }
        } catch (RuntimeException e) {
            uploads.delete(queued.id());
            throw e;
        }
        tasks.enqueue(scheduler.getObject(), queued.id());
        return queued;
    }

    /**
     * Refuses to execute a parsed file while an import of it has not ended (a double-clicked execute would otherwise
     * make two imports that split the file's rows between them). Two executions of one file take turns on the file's
     * lock until the transaction that checks (and then creates the import) ends, so the second sees the first's
     * import, whichever instance runs it.
     */
    private void refuseWhileImporting(Handle h, Caller caller, String fileId) {
        if (!parsedFiles.lock(h, caller.organizationId(), fileId)) {
            throw fileNotFound(fileId);
        }
        for (ImportStore.Unfinished running : imports.unfinishedWithOptionsContaining(h, caller.organizationId(),
                ImportJobs.MODULE, fileId)) {
            if (fileId.equals(ExecuteOptions.fromJson(running.options()).fileId())) {
                String status = running.status() == Status.PROCESSING ? "processing" : "pending";
                throw new ApiException(409, "import_running", "The file " + Echo.quoted(fileId)
                        + " is already being imported"
                        + " by job " + running.id() + " (" + status + "); wait for that job to end before executing"
                        + " the file again");
            }
        }
        fileCheckHooks.passed();
    }

    /** What an execution of a parsed file runs around its check that no import of the file is running; for tests. */
    interface FileCheckHooks {
        FileCheckHooks NONE = new FileCheckHooks() {};

        /** Before the transaction of the check begins. */
        default void beforeCheck() {}

        /** In the transaction of the check, once it passed, before the import is created. */
        default void passed() {}

        /** Once the transaction created the import, before the import is queued to run. */
        default void created() {}
    }

    /** Sets the hooks around the check of executions of a parsed file ({@link FileCheckHooks#NONE}: none). */
    void fileCheckHooks(FileCheckHooks hooks) {
        this.fileCheckHooks = hooks;
    }

    /** Writes rows as NDJSON to the import's upload; returns the SHA-256 of the bytes. */
    private String writeRows(String importId, List<Map<String, Object>> rows) throws IOException {
        Path path = uploads.path(importId);
        Files.createDirectories(path.getParent());
        MessageDigest sha = UploadStore.newSha256();
        try (OutputStream out = new DigestOutputStream(new BufferedOutputStream(Files.newOutputStream(path)),
                sha)) {
            for (Map<String, Object> row : rows) {
                out.write(JSON.writeValueAsBytes(row));
                out.write('\n');
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private SseEmitter stream(Caller caller, ObjectDef object, String importId, String mode) {
        SseEmitter emitter = new SseEmitter(0L);
        // The result is signed on another thread, which cannot see the request the URLs' base comes from.
        ImportUrls signing = urls.atCurrentBase();
        Thread.ofVirtual().name("sse-" + importId).start(() -> {
            try {
                ImportJob done = awaitEnd(caller, importId, job -> {
                    try {
                        emitter.send(SseEmitter.event().name("progress").data(Map.of(
                                "importJobId", importId,
                                "processedRows", job.stats().read(),
                                "totalRows", job.totalRows() == null ? 0 : job.totalRows(),
                                "status", status(job)), MediaType.APPLICATION_JSON));
                    } catch (IOException clientGone) {
                        throw new UncheckedIOException(clientGone);
                    }
                });
                emitter.send(SseEmitter.event().name("result").data(Envelope.ok(result(caller, object, done, mode,
                        false, signing)), MediaType.APPLICATION_JSON));
                emitter.complete();
            } catch (ApiException refusal) {
                // The answer's status went out with the first event: the failure that a JSON answer would give
                // (storage_unavailable, interrupted) is the stream's last event instead. Before, the stream was cut
                // off mid-body, and the client saw a broken connection and no reason.
                try {
                    emitter.send(SseEmitter.event().name("error").data(new Envelope(false, null,
                            new ErrorBody.Detail(refusal.code(), refusal.getMessage(), refusal.details(), null)),
                            MediaType.APPLICATION_JSON));
                    emitter.complete();
                } catch (IOException | RuntimeException e) {
                    emitter.completeWithError(e);
                }
            } catch (IOException | RuntimeException e) {
                // The import goes on in the background; the client can poll the job.
                emitter.completeWithError(e);
            }
        });
        return emitter;
    }

    /** Waits for the import to end, telling {@code progress} (may be null) each time its row count moves. */
    private ImportJob awaitEnd(Caller caller, String importId, java.util.function.Consumer<ImportJob> progress) {
        long seen = -1;
        while (true) {
            ImportJob job = load(caller, importId);
            if (progress != null && job.stats().read() != seen) {
                seen = job.stats().read();
                progress.accept(job);
            }
            if (job.status().isFinal()) {
                return job;
            }
            if (ImportPipeline.AWAITING_STORAGE.equals(job.reason())) {
                // The server's disk, not the file: the worker runs the import again in a minute, until its maximum
                // run time, which is longer than a request should wait. Before, the import failed for good.
                throw new ApiException(503, "storage_unavailable", "Freight could not read the file: its temporary"
                        + " directory cannot be written (disk full or not writable); import job " + job.id()
                        + " is kept and tried again in a minute, until its maximum run time: follow it at"
                        + " import/jobs/" + job.id());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApiException(503, "interrupted", "The server is shutting down; poll the job for its result");
            }
        }
    }

    private ExecuteView result(Caller caller, ObjectDef object, ImportJob job, String mode, boolean withIds,
            ImportUrls signing) {
        FindingsView f = findings(caller, object, job, signing);
        List<String> created = withIds && job.status().isFinal() ? database.withHandle(h -> records.createdBy(h,
                caller.organizationId(), object, job.id(), (int) SYNC_MAX_ROWS)) : null;
        var s = job.stats();
        return new ExecuteView(job.id(), status(job), mode, job.totalRows() == null ? 0 : job.totalRows(),
                s.created() + s.updated() + s.unchanged(), s.failed(), s.skippedDuplicates(), created, f,
                reason(job));
    }

    /**
     * Values of reference fields (field → values) as the answers list them, with each field's label and target: the
     * first {@value ImportStore#LISTED_REFERENCE_WARNINGS}, whether there are more (a value past those), and how many
     * there are ({@code counts}; null for a field it does not hold).
     */
    private static List<ReferenceWarningView> referenceViews(ObjectDef object, dev.freight.schema.Schema schema,
            Map<String, List<String>> byField, Map<String, Long> counts) {
        List<ReferenceWarningView> views = new ArrayList<>();
        byField.forEach((slug, values) -> {
            Field field = object.field(slug).orElse(null);
            String target = field == null || field.targets().isEmpty() ? null : field.targets().getFirst();
            boolean truncated = values.size() > ImportStore.LISTED_REFERENCE_WARNINGS;
            views.add(new ReferenceWarningView(slug, field == null ? slug : field.label(),
                    truncated ? values.subList(0, ImportStore.LISTED_REFERENCE_WARNINGS) : values,
                    target == null ? null : schema.object(target).map(ModuleResolver::slug).orElse(target),
                    truncated, counts.get(slug)));
        });
        return views;
    }

    /** The job's findings, its errors files' URLs signed by {@code signing}. */
    private FindingsView findings(Caller caller, ObjectDef object, ImportJob job, ImportUrls signing) {
        List<RowErrorView> errors = new ArrayList<>();
        List<WarningView> rowWarnings = new ArrayList<>();
        ImportStore.FindingCounts[] counts = {null};
        Map<String, List<String>> unresolved = database.withHandle(h -> {
            counts[0] = imports.findingCounts(h, job.id()).orElse(new ImportStore.FindingCounts(null, Map.of()));
            // One past the limit, to tell whether any was left out.
            imports.errors(h, job.id(), MAX_LISTED_ERRORS + 1).forEach(e ->
                    errors.add(new RowErrorView(e.ordinal(), e.line(), e.field(), e.message(), e.code())));
            imports.warnings(h, job.id(), ImportStore.KEPT_WARNINGS).forEach(w ->
                    rowWarnings.add(new WarningView(w.ordinal(), w.field(), w.message(), w.code())));
            return imports.referenceWarnings(h, job.id(), ImportStore.KEPT_REFERENCE_WARNINGS);
        });
        dev.freight.schema.Schema schema = unresolved.isEmpty() ? null
                : database.withHandle(h -> schemas.schema(h, caller.organizationId()));
        List<ReferenceWarningView> references = referenceViews(object, schema, unresolved,
                counts[0].unresolvedValues());
        List<WarningView> warnings = new ArrayList<>();
        // The validate step's own sentences, so that a warning reads the same before and after the import.
        database.withHandle(h -> imports.options(h, job.id())).map(ExecuteOptions::fromJson).ifPresent(o -> o
                .formatWarnings().forEach(w -> warnings.add(new WarningView(null, w.field(), w.message(), w.code()))));
        // One past those listed tells that some were left out.
        boolean warningsTruncated = rowWarnings.size() > ImportStore.LISTED_WARNINGS;
        warnings.addAll(warningsTruncated ? rowWarnings.subList(0, ImportStore.LISTED_WARNINGS) : rowWarnings);
        boolean truncated = errors.size() > MAX_LISTED_ERRORS;
        if (truncated) {
            errors.removeLast();
        }
        // A running import's errors file is still growing: it is pointed to once the import ended.
        boolean ended = job.status().isFinal();
        // Counted as they were stored; an import stored before V34 has no count.
        Long omitted = counts[0].warnings() == null ? null
                : counts[0].warnings() - Math.min(rowWarnings.size(), ImportStore.LISTED_WARNINGS);
        return new FindingsView(errors, truncated, ended ? signing.errorsCsvUrl(job) : null,
                ended ? signing.errorsJsonUrl(job) : null, references, warnings, warningsTruncated, omitted);
    }

    /** A job as the seed shows it; with {@code findings} (one job's answer, not the list's) its rows' findings too. */
    private JobView jobView(ObjectDef object, ImportJob j, FindingsView findings) {
        ExecuteOptions options = ImportJobs.MODULE.equals(j.source())
                ? database.withHandle(h -> imports.options(h, j.id())).map(ExecuteOptions::fromJson).orElse(null)
                : null;
        var s = j.stats();
        // The other faces' imports ran as those faces run them: the Import API's within its request, the Imports
        // resource's rows in the background whatever its upload mode.
        String mode = options != null && options.processingMode() != null ? options.processingMode()
                : ImportJobs.MODULE.equals(j.source()) ? processingMode(j.totalRows() == null ? 0 : j.totalRows(), null)
                : j.source().startsWith("report:") ? "sync" : "background";
        return new JobView(j.id(), j.organizationId(), ModuleResolver.moduleId(object.slug()), status(j), mode, j.fileName(),
                j.fileType(), j.totalRows(), s.read(), s.created() + s.updated() + s.unchanged(), s.failed(),
                s.skippedDuplicates(), options != null && options.aiMappingUsed(),
                options == null ? null : options.duplicateStrategy().wireName(), ExportUrls.time(j.createdAt()),
                ExportUrls.time(j.phase(Phase.PREVALIDATION).startedAt()), ExportUrls.time(ended(j)),
                ExportUrls.time(expires(j)), reason(j), findings);
    }

    /**
     * When the job's file, rejected rows and change log are deleted: the retention after it ended (for a job not
     * ended yet, after it was created: the earliest it can be), or when they were.
     */
    private Instant expires(ImportJob j) {
        if (j.purgedAt() != null) {
            return j.purgedAt();
        }
        Instant ended = ended(j);
        return (ended != null ? ended : j.createdAt()).plus(retention);
    }

    /** When the job ended, or null while it runs: not moved by a later rollback. */
    private static Instant ended(ImportJob j) {
        return !j.status().isFinal() ? null : j.finishedAt() != null ? j.finishedAt() : j.updatedAt();
    }

    /**
     * The seed's job status: pending, processing, completed, failed, or cancelled once rolled back. An import that
     * read rows and had every one fail is {@code failed} here ("Import failed with errors"), though the Imports
     * resource calls it completed (every row was handled).
     */
    private static String status(ImportJob j) {
        if (j.rolledBackAt() != null) {
            return "cancelled";
        }
        return switch (j.status()) {
            case REQUESTED, QUEUED -> "pending";
            case PROCESSING -> "processing";
            case COMPLETED -> everyRowFailed(j) ? "failed" : "completed";
            case FAILED, TIMED_OUT, EXPIRED -> "failed";
        };
    }

    /** Why the job ended as it did, as the seed's status says it; null while it runs. */
    private static String reason(ImportJob j) {
        if (everyRowFailed(j)) {
            long read = j.stats().read();
            return (read == 1 ? "The one row" : "All %,d rows".formatted(read)) + " failed; nothing was imported";
        }
        return j.reason();
    }

    /** A completed import that read rows and stored, found unchanged or skipped none of them. */
    private static boolean everyRowFailed(ImportJob j) {
        var s = j.stats();
        return j.status() == Status.COMPLETED && s.read() > 0 && s.failed() == s.read();
    }

    static String processingMode(long rows, String requested) {
        String auto = rows <= SYNC_MAX_ROWS ? "sync" : rows <= STREAM_MAX_ROWS ? "stream" : "background";
        if (requested == null) {
            return auto;
        }
        List<String> order = List.of("sync", "stream", "background");
        // A caller may ask to wait less than the row count implies, never more.
        return order.indexOf(requested) > order.indexOf(auto) ? requested : auto;
    }

    private ImportPipeline.RowSource source(Caller caller, ModuleImportRequest body) {
        if (body.rows() != null) {
            return () -> new ListReader(body.rows());
        }
        ParsedFile parsed = parsedFile(caller, body.fileId());
        FileType type = FileType.fromWireName(parsed.fileType()).orElseThrow();
        String sheet = body.options().sheet() != null ? body.options().sheet() : parsed.sheet();
        ReadOptions options = new ReadOptions(sheet, null, limits.workbooks());
        return () -> Readers.open(uploads.path(parsed.id()), type, options);
    }

    /**
     * The request with each mapped column of a parsed CSV or workbook named as the file's header names it, found by
     * {@link HeaderMatch} as in the Imports resource: a {@code sourceColumn} that is no header exactly but equals
     * exactly one ignoring case and surrounding spaces reads that header (an exact header wins over the others). A
     * column the file does not have, or one that several headers equal so, is refused (400 {@code invalid_request}), as
     * the execution would fail on it: validate would otherwise pass it with the column's cells read as empty. Rows sent
     * in the body and JSON files need not share keys, so their keys are matched exactly, and a key no row has is read as
     * empty by both steps.
     */
    private ModuleImportRequest resolveMappedColumns(Caller caller, ModuleImportRequest body) throws IOException {
        if (body.fileId() == null) {
            return body;
        }
        ParsedFile parsed = parsedFile(caller, body.fileId());
        FileType type = FileType.fromWireName(parsed.fileType()).orElseThrow();
        if (type == FileType.JSON || type == FileType.NDJSON) {
            return body;
        }
        List<String> headers = headers(caller, body, parsed);
        List<ExecuteOptions.ColumnMap> columns = body.options().columns();
        List<ExecuteOptions.ColumnMap> resolved = new ArrayList<>(columns.size());
        for (int i = 0; i < columns.size(); i++) {
            ExecuteOptions.ColumnMap c = columns.get(i);
            String column = c.sourceColumn();
            List<String> found = HeaderMatch.of(headers, column);
            if (found.size() == 1) {
                resolved.add(new ExecuteOptions.ColumnMap(found.getFirst(), c.field(), c.valueType(), c.addressPart()));
                continue;
            }
            String at = "columnMapping[" + body.mappingEntries().get(i) + "].sourceColumn: the file has no column "
                    + Echo.quoted(column);
            if (found.isEmpty()) {
                throw new ApiException(400, "invalid_request", at + "; its columns are " + quoted(headers));
            }
            boolean caseOnly = found.stream().allMatch(h -> h.equalsIgnoreCase(column));
            throw new ApiException(400, "invalid_request", at + ", and its columns " + quoted(found)
                    + " differ from it only in case" + (caseOnly ? "" : " or surrounding spaces")
                            + "; name one exactly");
        }
        return body.withColumns(resolved);
    }

    /**
     * The header of the parsed file's sheet the request reads: as parse stored it when the request reads that sheet,
     * else (a file parsed before headers were kept, another sheet) from the file.
     */
    private List<String> headers(Caller caller, ModuleImportRequest body, ParsedFile parsed) throws IOException {
        String sheet = body.options().sheet();
        if (parsed.headers() != null && (sheet == null || sheet.equals(parsed.sheet()))) {
            return parsed.headers();
        }
        try (RowReader reader = source(caller, body).open()) {
            return reader.headers();
        }
    }

    private static String quoted(List<String> names) {
        return String.join(", ", names.stream().map(h -> Echo.quoted(h)).toList());
    }

    private ParsedFile parsedFile(Caller caller, String fileId) {
        return database.withHandle(h -> parsedFiles.get(h, caller.organizationId(), fileId))
                .orElseThrow(() -> fileNotFound(fileId));
    }

    private static ApiException fileNotFound(String fileId) {
        return new ApiException(404, "file_not_found", "There is no parsed file " + Echo.quoted(fileId)
                + "; upload it to parse first");
    }

    private ObjectDef object(Caller caller, String module) {
        return ModuleResolver.resolve(database.withHandle(h -> schemas.schema(h, caller.organizationId())), module);
    }

    /** The module's job; one of a face the caller may not follow here ({@link #followedSource}) is not found. */
    private ImportJob find(Caller caller, ObjectDef object, String jobId) {
        String source = followedSource(caller);
        return database.withHandle(h -> imports.get(h, caller.organizationId(), jobId))
                .filter(j -> j.resource().equals(object.slug()))
                .filter(j -> source == null || j.source().equals(source))
                .orElseThrow(() -> jobNotFound(jobId));
    }

    private static ApiException jobNotFound(String jobId) {
        return new ApiException(404, "import_job_not_found",
                "Import job not found: there is no import job " + Echo.quoted(jobId) + " in this module");
    }

    private ImportJob load(Caller caller, String id) {
        return database.withHandle(h -> imports.get(h, caller.organizationId(), id)).orElseThrow();
    }

    /**
     * {@link #rejected(IngestException)}, except that an empty sheet of a parsed workbook (the one the request picks,
     * or the one parse read) is named, with the file's other sheets.
     */
    private ApiException rejected(IngestException e, Caller caller, ModuleImportRequest body) throws IOException {
        if (!"empty_file".equals(e.code()) || body.fileId() == null) {
            return rejected(e);
        }
        ParsedFile parsed = parsedFile(caller, body.fileId());
        FileType type = FileType.fromWireName(parsed.fileType()).orElseThrow();
        String sheet = body.options().sheet() != null ? body.options().sheet() : parsed.sheet();
        List<String> sheets = Readers.sheets(uploads.path(parsed.id()), type, limits.workbooks());
        return sheet == null || sheets.isEmpty() ? rejected(e) : emptySheet(sheet, sheets);
    }

    /** An explicitly chosen (or the only readable first) sheet without rows: 400 {@code empty_file} naming it. */
    private static ApiException emptySheet(String sheet, List<String> sheets) {
        List<String> others = sheets.stream().filter(s -> !s.equals(sheet)).toList();
        return new ApiException(400, "empty_file", "Sheet " + Echo.quoted(sheet) + " has no rows; " + (others.isEmpty()
                ? "the file has no other sheet" : "choose another of the file's sheets: " + quoted(others)));
    }

    private static ApiException rejected(IngestException e) {
        return switch (e.code()) {
            case "empty_file" -> new ApiException(400, "empty_file", "The file is empty");
            case "unsupported_file_type", "encrypted_file" -> new ApiException(400, "unsupported_file_type",
                    "Unsupported file type: " + e.getMessage());
            default -> new ApiException(400, e.code(), e.getMessage());
        };
    }

    /**
     * The headers, then any other key a sample row has a value under (the {@code column_<n>} of cells past the
     * header row), so that every column the preview shows can be mapped.
     */
    private static List<String> sampleColumns(List<String> headers, List<Map<String, String>> sample) {
        java.util.LinkedHashSet<String> keys = new java.util.LinkedHashSet<>(headers);
        sample.forEach(r -> r.forEach((k, v) -> {
            if (v != null && !v.isBlank()) {
                keys.add(k);
            }
        }));
        return List.copyOf(keys);
    }

    /**
     * Cells as text: tabular cells already are; JSON scalars are written as text (numbers as plain digits, {@code 1e3}
     * as {@code 1000}), nested values as JSON.
     */
    private static Map<String, String> texts(Map<String, Object> cells) {
        Map<String, String> out = new LinkedHashMap<>();
        cells.forEach((k, v) -> out.put(k, v == null ? null
                : v instanceof BigDecimal d && Coercion.plainLength(d) <= Coercion.MAX_LONG_TEXT
                        ? Coercion.numberText(d)
                : v instanceof String || v instanceof Number || v instanceof Boolean ? v.toString()
                : JSON.writeValueAsString(v)));
        return out;
    }

    /** The rows of a request body as a reader. */
    private static final class ListReader implements RowReader {
        private final Iterator<Map<String, Object>> rows;
        private final List<String> headers;
        private long ordinal;

        ListReader(List<Map<String, Object>> rows) {
            this.rows = rows.iterator();
            this.headers = rows.isEmpty() ? List.of() : List.copyOf(rows.getFirst().keySet());
        }

        @Override
        public List<String> headers() {
            return headers;
        }

        @Override
        public SourceRow next() {
            if (!rows.hasNext()) {
                return null;
            }
            ordinal++;
            return new SourceRow(ordinal, ordinal, new LinkedHashMap<>(rows.next()));
        }

        @Override
        public SourceFormat format() {
            return new SourceFormat(null, false, null, null, null);
        }

        @Override
        public void close() {}
    }
}
