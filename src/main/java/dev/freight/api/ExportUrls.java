package dev.freight.api;

import dev.freight.export.ExportFiles;
import dev.freight.export.ExportFormat;
import dev.freight.store.ExportJob;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/** An export job's view, with its file URL signed (the imports' signing key) until the file expires. Thread-safe. */
@Component
final class ExportUrls {

    private final UrlSigner signer;
    private final String publicUrl;
    private final ExportFiles files;
    private final Clock clock;

    ExportUrls(ImportUrls importUrls, ApiConfiguration.UrlSettings settings, ExportFiles files, Clock clock) {
        this.signer = importUrls.signer().freshFrom("the export job (GET /v1/export-jobs/{exportJobId})");
        this.publicUrl = settings.publicUrl();
        this.files = files;
        this.clock = clock;
    }

    UrlSigner signer() {
        return signer;
    }

    static String path(String jobId, String fileName) {
        return "/files/exports/" + jobId + "/" + fileName;
    }

    /** Seed 003's export job fields, plus {@code recordCount} and {@code error}. */
    @io.swagger.v3.oas.annotations.media.Schema(name = "ExportJobView")
    record JobView(
            String exportJobId,
            String accountId,
            String sourceId,
            String sourceType,
            @io.swagger.v3.oas.annotations.media.Schema(allowableValues = {"csv", "xlsx", "pdf", "json", "ndjson"})
            String format,
            @io.swagger.v3.oas.annotations.media.Schema(allowableValues = {"queued", "processing", "completed", "failed",
                "expired"}) String status,
            int progress,
            String fileName,
            String fileUrl,
            Long fileSizeBytes,
            String contentType,
            Long recordCount,
            String error,
            String requestedDateTime,
            String completedDateTime,
            String expiresDateTime) {}

    /**
     * The job as seed 003 shows it. A completed job past its expiry is {@code expired} before the sweeper runs; one
     * whose file is missing before its expiry (a data directory restored without {@code exports/}, a file removed by
     * hand) is {@code expired} too, without a {@code fileUrl} (its URL answers 410), and its {@code error} says the
     * file is no longer on the server.
     */
    JobView view(ExportJob j) {
        boolean completed = j.status() == ExportJob.Status.COMPLETED && j.expiresAt() != null;
        boolean lapsed = completed && !clock.instant().isBefore(j.expiresAt());
        boolean missing = completed && !lapsed
                && !files.exists(j.id(), ExportFormat.fromWireName(j.format()).orElseThrow());
        ExportJob.Status status = lapsed || missing ? ExportJob.Status.EXPIRED : j.status();
        String error = missing ? missingMessage(j) : j.error();
        boolean downloadable = status == ExportJob.Status.COMPLETED && j.expiresAt() != null;
        String url = null;
        if (downloadable) {
            // Signed as the server reads the path (decoded); sent with the file name percent-encoded.
            String path = path(j.id(), j.fileName());
            url = base() + path(j.id(), AttachmentName.pathSegment(j.fileName()))
                    + signer.signUntil("GET", path, j.expiresAt()).substring(path.length());
        }
        // A module's id as seed 003 and the module's import jobs give it; the job keeps the object's slug.
        String sourceId = "module".equals(j.sourceType()) ? ModuleResolver.moduleId(j.module()) : j.sourceId();
        return new JobView(j.id(), j.organizationId(), sourceId, j.sourceType(), j.format(),
                status.wireName(), j.progress(), j.fileName(), url, j.fileSizeBytes(), j.contentType(),
                j.recordCount(), error, time(j.requestedAt()), time(j.completedAt()), time(j.expiresAt()));
    }

    /** What a completed job's file missing before its expiry is, at its URL and in its view. */
    static String missingMessage(ExportJob job) {
        return "Export file is no longer on the server, though it was to be kept until " + time(job.expiresAt())
                + "; run the export again";
    }

    static String time(Instant at) {
        return at == null ? null : at.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private String base() {
        return publicUrl != null ? publicUrl : ServletUriComponentsBuilder.fromCurrentContextPath().build().toUriString();
    }
}
