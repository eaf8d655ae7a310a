package dev.freight.api;

import dev.freight.engine.ValidationFiles;
import dev.freight.store.Database;
import dev.freight.store.ValidationFileStore;
import dev.freight.store.ValidationFileStore.ValidationFile;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.ArraySchema;
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
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A validation's errors files at their signed URLs (no API key; the signature is the authorization). Once the files
 * have expired, or were deleted early to keep all validations' files within FREIGHT_MAX_VALIDATION_FILES_BYTES, the
 * URLs answer 410 {@code validation_file_expired}, saying which.
 */
@RestController
class ValidationFilesController implements Envelope.Face {

    private final Database database;
    private final ValidationFileStore store;
    private final ValidationFiles files;
    private final ValidationUrls urls;
    private final Clock clock;

    ValidationFilesController(Database database, ValidationFileStore store, ValidationFiles files,
            ValidationUrls urls, Clock clock) {
        this.database = database;
        this.store = store;
        this.files = files;
        this.urls = urls;
        this.clock = clock;
    }

    @GetMapping("/files/validations/{organizationId}/{validationId}/{file:errors\\.csv|errors\\.json}")
    @SecurityRequirements
    @ApiResponse(responseCode = "200", description = "The file, with Content-Disposition: attachment", content = {
        @Content(mediaType = "text/csv", schema = @Schema(type = "string")),
        @Content(mediaType = "application/json", array = @ArraySchema(schema = @Schema(type = "object")))})
    @ApiResponse(responseCode = "403",
            description = "invalid_signature, url_expired (a URL past its time whose validation is gone)",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    @ApiResponse(responseCode = "410", description = "validation_file_expired",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = WorkflowSchemas.ErrorAnswer.class)))
    void download(@PathVariable String organizationId, @PathVariable String validationId,
            @Parameter(schema = @Schema(allowableValues = {"errors.csv", "errors.json"})) @PathVariable String file,
            @RequestParam(required = false) String expires, @RequestParam(required = false) String signature,
            HttpServletResponse response) throws IOException {
        ValidationFiles.Format format = file.equals(ValidationFiles.Format.CSV.fileName()) ? ValidationFiles.Format.CSV
                : ValidationFiles.Format.JSON;
        ValidationFile found = database.withHandle(h -> store.get(h, organizationId, validationId)).orElse(null);
        try {
            urls.signer().verify("GET", ValidationUrls.path(organizationId, validationId, format), expires, signature);
        } catch (ApiException e) {
            // A genuine URL past its time: the files' expiry is the URL's, so say the files are gone.
            if ("url_expired".equals(e.code()) && found != null) {
                throw expired(found);
            }
            throw e;
        }
        // Signed by us, so the files existed: without their record they were swept long ago.
        if (found == null || found.deletedAt() != null || !clock.instant().isBefore(found.expiresAt())) {
            throw expired(found);
        }
        Path path = files.path(validationId, format);
        long size;
        try {
            size = Files.size(path);
        } catch (NoSuchFileException e) {
            // Gone before its time (a data directory restored without validations/, a file removed by hand): saying
            // it expired would name an expiry still to come. The sweeper may have deleted it at its expiry meanwhile.
            throw !clock.instant().isBefore(found.expiresAt()) ? expired(found) : missing(found);
        }
        response.setStatus(200);
        response.setContentType(format == ValidationFiles.Format.CSV ? "text/csv;charset=UTF-8"
                : MediaType.APPLICATION_JSON_VALUE);
        response.setContentLengthLong(size);
        response.setHeader(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"" + validationId + "-" + file
                + "\"");
        Files.copy(path, response.getOutputStream());
    }

    private static ApiException missing(ValidationFile found) {
        return new ApiException(410, "validation_file_expired", "Validation errors file is no longer on the server,"
                + " though it was to be kept until " + ExportUrls.time(found.expiresAt()) + "; validate again");
    }

    private static ApiException expired(ValidationFile found) {
        if (found != null && found.deletedBecause() == ValidationFileStore.Removal.OVER_LIMIT) {
            return new ApiException(410, "validation_file_expired", "Validation errors file was deleted early (at "
                    + ExportUrls.time(found.deletedAt()) + ", before it expired at "
                    + ExportUrls.time(found.expiresAt()) + ") to keep all validations' errors files within"
                    + " FREIGHT_MAX_VALIDATION_FILES_BYTES; validate again");
        }
        return new ApiException(410, "validation_file_expired", "Validation errors file has expired"
                + (found == null ? "" : " (at " + ExportUrls.time(found.expiresAt()) + ")")
                + " and was deleted; validate again");
    }
}
