package dev.freight.api;

import dev.freight.export.ExportFiles;
import dev.freight.export.ExportFormat;
import dev.freight.store.Database;
import dev.freight.store.ExportJob;
import dev.freight.store.ExportJobStore;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirements;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import org.springframework.http.HttpHeaders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A background export's file at its signed URL (no API key; the signature is the authorization). Once the file has
 * expired, or when it is missing from {@code exports/} before its expiry, the URL answers 410
 * {@code export_file_expired}.
 */
@RestController
class ExportFilesController implements Envelope.Face {

    private final Database database;
    private final ExportJobStore jobs;
    private final ExportFiles files;
    private final ExportUrls urls;
    private final Clock clock;

    ExportFilesController(Database database, ExportJobStore jobs, ExportFiles files, ExportUrls urls, Clock clock) {
        this.database = database;
        this.jobs = jobs;
        this.files = files;
        this.urls = urls;
        this.clock = clock;
    }

    @GetMapping("/files/exports/{exportJobId}/{fileName}")
    @SecurityRequirements
    @ApiResponse(responseCode = "200", description = "The file, with Content-Disposition: attachment", content = {
        @Content(mediaType = "text/csv", schema = @Schema(type = "string")),
        @Content(mediaType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                schema = @Schema(type = "string", format = "binary")),
        @Content(mediaType = "application/pdf", schema = @Schema(type = "string", format = "binary")),
        @Content(mediaType = "application/json",
                schema = @Schema(type = "array", description = "format json: the records")),
        @Content(mediaType = "application/x-ndjson", schema = @Schema(type = "string"))})
    @ApiResponse(responseCode = "403",
            description = "invalid_signature, url_expired (a URL past its time whose job was deleted)",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "404",
            description = "export_job_not_found (a validly signed URL whose job was deleted)",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "409", description = "export_not_ready",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "410", description = "export_file_expired",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    void download(@PathVariable String exportJobId, @PathVariable String fileName,
            @RequestParam(required = false) String expires, @RequestParam(required = false) String signature,
            HttpServletResponse response) throws IOException {
        ExportJob job = database.withHandle(h -> jobs.get(h, exportJobId)).orElse(null);
        try {
            urls.signer().verify("GET", ExportUrls.path(exportJobId, fileName), expires, signature);
        } catch (ApiException e) {
            // A genuine URL past its time: the file's expiry is the URL's, so say the file is gone.
            if ("url_expired".equals(e.code()) && job != null) {
                throw expired(job);
            }
            throw e;
        }
        if (job == null || !job.fileName().equals(fileName)) {
            throw ExportJobsController.notFound(exportJobId);
        }
        boolean past = job.expiresAt() != null && !clock.instant().isBefore(job.expiresAt());
        if (job.status() == ExportJob.Status.EXPIRED || past) {
            throw expired(job);
        }
        if (job.status() != ExportJob.Status.COMPLETED) {
            throw new ApiException(409, "export_not_ready", "The export is " + job.status().wireName()
                    + "; its file is not ready");
        }
        Path path = files.path(job.id(), ExportFormat.fromWireName(job.format()).orElseThrow());
        long size;
        try {
            size = Files.size(path);
        } catch (NoSuchFileException e) {
            // Gone before its time (a data directory restored without exports/, a file removed by hand): saying it
            // expired would name an expiry still to come. The sweeper may have deleted it at its expiry meanwhile.
            throw !clock.instant().isBefore(job.expiresAt()) ? expired(job) : missing(job);
        }
        response.setStatus(200);
        response.setContentType(job.contentType());
        response.setContentLengthLong(size);
        response.setHeader(HttpHeaders.CONTENT_DISPOSITION, AttachmentName.contentDisposition(job.fileName()));
        Files.copy(path, response.getOutputStream());
    }

    private static ApiException missing(ExportJob job) {
        return new ApiException(410, "export_file_expired", ExportUrls.missingMessage(job));
    }

    private static ApiException expired(ExportJob job) {
        return new ApiException(410, "export_file_expired", "Export file has expired"
                + (job.expiresAt() == null ? "" : " (at " + ExportUrls.time(job.expiresAt()) + ")")
                + " and was deleted; run the export again");
    }
}
