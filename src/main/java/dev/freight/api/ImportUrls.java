package dev.freight.api;

import dev.freight.store.ImportEnums.Status;
import dev.freight.store.ImportJob;
import java.time.Duration;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/** Builds an import's view with its signed, expiring URLs. Thread-safe. */
final class ImportUrls {

    /**
     * Where a fresh download URL of an import comes from: both faces that give them, since an import of the file
     * import workflow is an import of the Imports resource too, and its URLs are the same.
     */
    static final String FRESH_DOWNLOAD_FROM = "the import (GET /v1/imports/{id}) or, for a file import workflow"
            + " job, from the job (GET /v1/modules/{module}/import/jobs/{jobId})";

    private final UrlSigner signer;
    private final UrlSigner downloads;
    private final String publicUrl;
    private final Duration uploadTtl;
    private final Duration downloadTtl;

    /** @param publicUrl the base URL clients reach Freight at, or null to use the current request's */
    ImportUrls(UrlSigner signer, String publicUrl, Duration uploadTtl, Duration downloadTtl) {
        this.signer = signer;
        this.downloads = signer.freshFrom(FRESH_DOWNLOAD_FROM);
        this.publicUrl = publicUrl;
        this.uploadTtl = uploadTtl;
        this.downloadTtl = downloadTtl;
    }

    Duration uploadTtl() {
        return uploadTtl;
    }

    /** The signer of the upload URL, which only the Imports resource gives; the other signers derive from it. */
    UrlSigner signer() {
        return signer;
    }

    /** The signer of the download URLs, whose refusals name both faces that give fresh ones. */
    UrlSigner downloadSigner() {
        return downloads;
    }

    /**
     * These URLs with their base settled now, on the request's thread: the current request's when no public URL is
     * set. For URLs made later on another thread, which sees no request.
     */
    ImportUrls atCurrentBase() {
        return publicUrl != null ? this : new ImportUrls(signer, base(), uploadTtl, downloadTtl);
    }

    static String path(String importId, String file) {
        return "/files/imports/" + importId + "/" + file;
    }

    ImportView view(ImportJob j) {
        boolean awaitingUpload = j.status() == Status.REQUESTED && j.uploadExpiresAt() != null;
        String upload = awaitingUpload
                ? base() + signer.signUntil("PUT", path(j.id(), "upload"), j.uploadExpiresAt())
                : null;
        return ImportView.of(j, new ImportView.Urls(
                upload,
                j.hasUploadFile() ? url("GET", j.id(), "upload.csv", downloadTtl) : null,
                j.hasUploadFile() ? url("GET", j.id(), "upload.json", downloadTtl) : null,
                errorsCsvUrl(j),
                errorsJsonUrl(j)));
    }

    /** A signed download URL of the import's rejected rows as CSV, or null when it has no errors file. */
    String errorsCsvUrl(ImportJob j) {
        return j.hasErrorsFile() ? url("GET", j.id(), "errors.csv", downloadTtl) : null;
    }

    /** A signed download URL of the import's rejected rows as JSON, or null when it has no errors file. */
    String errorsJsonUrl(ImportJob j) {
        return j.hasErrorsFile() ? url("GET", j.id(), "errors.json", downloadTtl) : null;
    }

    private String url(String method, String importId, String file, Duration ttl) {
        return base() + downloads.sign(method, path(importId, file), ttl);
    }

    private String base() {
        return publicUrl != null ? publicUrl : ServletUriComponentsBuilder.fromCurrentContextPath().build().toUriString();
    }
}
