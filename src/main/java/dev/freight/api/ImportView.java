package dev.freight.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.freight.store.ImportJob;
import dev.freight.store.ImportStats;
import dev.freight.store.PhaseState;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/** The Imports resource as seed 004 defines it, field for field, plus a few extras. Times are epoch seconds. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
record ImportView(
        String id,
        @Schema(allowableValues = "import") String object,
        String organizationId,
        String resource,
        String source,
        @Schema(allowableValues = {"sync", "async"}) String uploadMode,
        @Schema(allowableValues = {"merge", "overwrite", "delete"}) String action,
        @Schema(allowableValues = {"requested", "queued", "processing", "completed", "failed", "timed_out", "expired"})
        String status,
        @Schema(allowableValues = {"ignore_all", "use_first"}) String duplicateHandling,
        @Schema(types = {"string", "null"}) String reason,
        boolean hasUploadFile,
        boolean hasErrorsFile,
        @Schema(types = {"string", "null"}) String name,
        String createdBy,
        @Schema(types = {"object", "null"}) Map<String, String> columnMapping,
        List<PhaseView> phases,
        StatsView stats,
        long createdAt,
        long updatedAt,
        @Schema(types = {"integer", "null"}, format = "int64") Long finishedAt,
        String updatedBy,
        @Schema(types = {"string", "null"}) String checksum,
        @Schema(types = {"string", "null"}) String fileType,
        @Schema(types = {"string", "null"}) String fileName,
        @Schema(types = {"integer", "null"}, format = "int64") Long totalRows,
        @Schema(types = {"integer", "null"}, format = "int64") Long rolledBackAt,
        @Schema(types = {"integer", "null"}, format = "int64") Long purgedAt,
        @Schema(types = {"string", "null"}) @JsonProperty("_upload_url") String uploadUrl,
        @Schema(types = {"string", "null"}) @JsonProperty("_upload_csv_url") String uploadCsvUrl,
        @Schema(types = {"string", "null"}) @JsonProperty("_upload_json_url") String uploadJsonUrl,
        @Schema(types = {"string", "null"}) @JsonProperty("_errors_csv_url") String errorsCsvUrl,
        @Schema(types = {"string", "null"}) @JsonProperty("_errors_json_url") String errorsJsonUrl) {

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record PhaseView(
            @Schema(allowableValues = {"prevalidation", "preparsing", "transforming", "parsing", "validation",
                "processing", "cleanup"}) String name,
            @Schema(allowableValues = {"pending", "running", "completed", "failed", "skipped"}) String status,
            @Schema(types = {"integer", "null"}, format = "int64") Long startedAt,
            @Schema(types = {"integer", "null"}, format = "int64") Long finishedAt,
            long rows,
            long rejected,
            @Schema(types = {"string", "null"}) String reason) {

        static PhaseView of(PhaseState p) {
            return new PhaseView(p.phase().wireName(), p.status().wireName(), seconds(p.startedAt()),
                    seconds(p.finishedAt()), p.rows(), p.rejected(), p.reason());
        }
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record StatsView(long read, long valid, long created, long updated, long unchanged, long deleted,
            long skippedDuplicates, long failed) {

        static StatsView of(ImportStats s) {
            return new StatsView(s.read(), s.valid(), s.created(), s.updated(), s.unchanged(), s.deleted(),
                    s.skippedDuplicates(), s.failed());
        }
    }

    /** The signed URLs of an import; each null when it does not apply. */
    record Urls(String upload, String uploadCsv, String uploadJson, String errorsCsv, String errorsJson) {}

    static ImportView of(ImportJob j, Urls urls) {
        return new ImportView(j.id(), "import", j.organizationId(), j.resource(), j.source(), j.uploadMode().wireName(),
                j.action().wireName(), j.status().wireName(), j.duplicateHandling().wireName(), j.reason(),
                j.hasUploadFile(), j.hasErrorsFile(), j.name(), j.createdBy(), j.columnMapping(),
                j.phases().stream().map(PhaseView::of).toList(), StatsView.of(j.stats()),
                j.createdAt().getEpochSecond(), j.updatedAt().getEpochSecond(), seconds(j.finishedAt()), j.updatedBy(),
                j.checksum(), j.fileType(), j.fileName(), j.totalRows(), seconds(j.rolledBackAt()), seconds(j.purgedAt()),
                urls.upload(), urls.uploadCsv(),
                urls.uploadJson(), urls.errorsCsv(), urls.errorsJson());
    }

    private static Long seconds(Instant t) {
        return t == null ? null : t.getEpochSecond();
    }
}
