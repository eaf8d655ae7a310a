package dev.freight.api;

import com.github.kagkarlsson.scheduler.SchedulerClient;
import dev.freight.engine.ImportFiles;
import dev.freight.engine.ImportJobs;
import dev.freight.engine.ImportPipeline;
import dev.freight.engine.Prescan;
import dev.freight.engine.UploadSources;
import dev.freight.ingest.FileType;
import dev.freight.ingest.IngestException;
import dev.freight.ingest.Readers;
import dev.freight.ingest.RowReader;
import dev.freight.ingest.TemporaryFileUnwritable;
import dev.freight.jobs.ImportTasks;
import dev.freight.schema.Echo;
import dev.freight.store.Database;
import dev.freight.store.ImportEnums.Phase;
import dev.freight.store.ImportEnums.PhaseStatus;
import dev.freight.store.ImportEnums.Status;
import dev.freight.store.ImportEnums.UploadMode;
import dev.freight.store.ImportJob;
import dev.freight.store.ImportStore;
import dev.freight.store.StoreException;
import dev.freight.store.UploadStore;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirements;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * The signed-URL endpoints under {@code /files}: an import's upload (PUT, no API key) and its downloads (errors and
 * original payload as CSV and JSON). The signature is the authorization.
 */
@RestController
class FilesController {

    private static final Logger LOG = LoggerFactory.getLogger(FilesController.class);
    private static final Pattern FILE_NAME = Pattern.compile("filename=\"?([^\";]+)\"?", Pattern.CASE_INSENSITIVE);
    /** RFC 5987's ext-value of {@code filename*}: a charset, a language (not used), the name's bytes %-encoded. */
    private static final Pattern ENCODED_FILE_NAME = Pattern.compile("filename\\*\\s*=\\s*([^';\\s]+)'[^']*'([^;\\s]+)",
            Pattern.CASE_INSENSITIVE);

    private final Database database;
    private final ImportStore imports;
    private final UploadStore uploads;
    private final ImportUrls urls;
    private final ImportPipeline pipeline;
    private final ImportTasks tasks;
    private final ObjectProvider<SchedulerClient> scheduler;
    private final ImportFiles files;
    private final ImportJobs jobs;
    private final UploadSources sources;
    private final long maxUploadBytes;
    private volatile Consumer<String> beforeGiveBack = importId -> {};

    FilesController(Database database, ImportStore imports, UploadStore uploads, ImportUrls urls,
            ImportPipeline pipeline, ImportTasks tasks, ObjectProvider<SchedulerClient> scheduler, ImportFiles files,
            UploadSources sources, ImportJobs jobs, Limits limits) {
        this.jobs = jobs;
        this.database = database;
        this.imports = imports;
        this.uploads = uploads;
        this.urls = urls;
        this.pipeline = pipeline;
        this.tasks = tasks;
        this.scheduler = scheduler;
        this.files = files;
        this.sources = sources;
        this.maxUploadBytes = limits.maxUploadBytes();
    }

    @PutMapping("/files/imports/{id}/upload")
    @Operation(summary = "Upload an import's file to its signed _upload_url (no API key)",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
                    description = "The file itself (CSV, JSON, NDJSON, XLSX or XLS), not in a form",
                    content = @Content(mediaType = "application/octet-stream",
                            schema = @Schema(type = "string", format = "binary"))))
    @SecurityRequirements
    @ApiResponse(responseCode = "200",
            description = "upload_mode sync: prevalidation and preparsing ran; the import is queued",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ImportView.class)))
    @ApiResponse(responseCode = "202", description = "upload_mode async: the import is queued",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ImportView.class)))
    @ApiResponse(responseCode = "400",
            description = "body_incomplete (the client closed its connection before the whole body)",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "403", description = "invalid_signature, url_expired",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "404", description = "import_not_found",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "408", description = "upload_stalled",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "409", description = "upload_received, import_not_awaiting_upload",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "413", description = "payload_too_large (FREIGHT_MAX_UPLOAD_BYTES)",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "415", description = "unsupported_media_type (a form), empty_file,"
            + " unsupported_file_type, encrypted_file, unreadable_file",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "422",
            description = "upload_mode sync: prevalidation failed; the import, failed, with its reason",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ImportView.class)))
    @ApiResponse(responseCode = "503", description = "storage_unavailable, database_unavailable",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    ResponseEntity<ImportView> upload(@PathVariable String id, @RequestParam(required = false) String expires,
            @RequestParam(required = false) String signature, HttpServletRequest request) throws IOException {
        ApiException urlExpired = expiry(id, expires, signature);
        ImportJob job = urlExpired == null ? load(id) : tasks.expireIfStale(id).orElseThrow(() -> urlExpired);
        // The upload URL expires when the import's wait for its upload ends (ImportUrls.view): a genuine URL past its
        // time finds the import expired, marked so just now if the sweep has not yet, and is answered as an expired
        // import is. Only a URL signed to expire before that wait ends meets an import still requested, whose view
        // has a fresh one.
        if (job.status() == Status.REQUESTED && urlExpired != null) {
            throw urlExpired;
        }
        if (job.status() != Status.REQUESTED) {
            throw notAwaitingUpload(job);
        }
        refuseForm(request.getContentType());
        String fileName = fileName(request.getHeader(HttpHeaders.CONTENT_DISPOSITION));
        // A CSV upload is prevalidated while it arrives (the pipeline checks afterwards that it read what is stored).
        boolean csv = declaresCsv(request.getContentType(), fileName);
        AtomicReference<Prescan> prescan = new AtomicReference<>();
        UploadStore.Staged staged;
        try {
            staged = uploads.write(id, request.getInputStream(), maxUploadBytes,
                    csv ? bytes -> prescan.set(pipeline.prescan(id, bytes, uploads.path(id))) : null);
        } catch (UploadStore.TooLarge e) {
            throw refusedContent(id, new ApiException(413, "payload_too_large",
                    e.getMessage() + " (FREIGHT_MAX_UPLOAD_BYTES)"));
        } catch (UploadStore.Abandoned e) {
            // Before, 500 internal_error: the staged file was gone when the upload went to keep it, or, deleted just
            // after its creation, when the CSV prescan went to open it.
            throw refusedContent(id, new ApiException(408, "upload_stalled", switch (e.when()) {
                case WHILE_ITS_BYTES_ARRIVED -> "The upload sent no bytes for so long that its partly received file"
                        + " was deleted as abandoned (after an hour without a byte)";
                case BEFORE_ITS_BYTES -> "The upload's staged file was deleted from the uploads directory before its"
                        + " first byte was written";
            } + "; nothing was kept and the import still waits for its upload: send the whole file again"));
        }
        // Until this request's import accepts it, the upload stays staged, and whatever refuses it discards it: another
        // upload to the same import (a client retrying after a time-out) may be received at the same time, and the
        // import's file must stay the one whose checksum the import records.
        try (staged) {
            FileType type;
            try {
                type = Readers.detect(staged.file(), request.getContentType(), fileName);
            } catch (IngestException e) {
                throw refusedContent(id, new ApiException(415, e.code(), e.getMessage()));
            }
            ImportJob received = accept(id, staged, type, fileName);
            if (received == null) {
                throw notAwaitingUpload(load(id));
            }
            if (type == FileType.CSV && prescan.get() != null) {
                pipeline.usePrescan(id, prescan.get(), staged.sha256());
            }
            return queued(id, received);
        }
    }

    /**
     * Refuses a form ({@code multipart/…}, e.g. {@code curl -X PUT -F file=@x.csv}): the body of an upload is the file
     * itself. Spring reads a form's parts before the handler, which then found no bytes and answered that the file was
     * empty.
     */
    private static void refuseForm(String contentType) {
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("multipart/")) {
            String type = contentType.split(";", 2)[0].strip();
            throw new ApiException(415, "unsupported_media_type", "Content-Type " + type + " is not supported by an"
                    + " upload URL; send the file itself as the request body (e.g. curl --upload-file), not in a form");
        }
    }

    /**
     * Records the staged upload as the import's and makes it the import's file, in one transaction, only while the
     * import still waits for its upload; null, with nothing changed, when it no longer does. Of two uploads to one
     * import, the conditional save serialises them (the second waits for the first's row lock on PostgreSQL, and
     * SQLite has one writer at a time), so only the first to be accepted moves its file into place. It may no longer
     * wait because another upload was accepted first, or because another instance's expiry sweep, or a cancel, ended
     * the wait while the bytes arrived. The upload is settled as stored only once that transaction committed; when
     * its commit fails, the file moved into place is taken back ({@link #withdraw}).
     */
    private ImportJob accept(String id, UploadStore.Staged staged, FileType type, String fileName) {
        ImportJob accepted;
        try {
            accepted = saveAccepted(id, staged, type, fileName);
        } catch (RuntimeException e) {
            if (staged.kept()) {
                withdraw(id, staged, e);
            }
            throw e;
        }
        if (accepted != null) {
            staged.stored();
        }
        return accepted;
    }

    private ImportJob saveAccepted(String id, UploadStore.Staged staged, FileType type, String fileName) {
        return database.inTransaction(h -> {
            Optional<ImportJob> saved = imports.saveIf(h, imports.get(h, id).orElseThrow()
                    .withUpload(staged.sha256(), type.wireName(), fileName, null)
                    .withDeadline(jobs.deadlineFromNow())
                    .withStatus(Status.QUEUED, null), Status.REQUESTED);
            if (saved.isPresent()) {
                try {
                    staged.keep();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return saved.orElse(null);
        });
    }

    /**
     * The answer to an upload whose content is refused ({@code refusal}: too large, or no supported file): the import's
     * state when it no longer waits for an upload, else {@code refusal}. Another upload to the same import may have
     * been accepted while this one's bytes arrived (a client retrying after a time-out): this one is then answered 409
     * {@code upload_received} whatever its content, as an acceptable one would be, since no other upload can help the
     * import now. While the import still waits, the content is what the client must change.
     */
    private ApiException refusedContent(String id, ApiException refusal) {
        ImportJob now = load(id);
        return now.status() == Status.REQUESTED ? refusal : notAwaitingUpload(now);
    }

    /**
     * Takes the file of an upload whose accepting transaction failed after moving it into place (its commit failed:
     * the database refused it, or went away) back out of place, so that the import is as it was before: requested,
     * with no file and no checksum, and a retry starts clean. Before, the file stayed in place under an import still
     * waiting. Only under the import's lock, while it still waits: another upload to it, which waited for this one's
     * transaction, may have been accepted since, and the file in place is then that one's. When this fails too (the
     * database is gone), the file stays in place, and the next upload accepted replaces it.
     */
    private void withdraw(String id, UploadStore.Staged staged, RuntimeException failure) {
        try {
            database.inTransaction(h -> {
                if (imports.lockIfAwaitingUpload(h, id)) {
                    try {
                        staged.withdraw();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                return null;
            });
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    /** Prepares a {@code sync} import in the request, then queues the import's run: the answer to its upload. */
    private ResponseEntity<ImportView> queued(String id, ImportJob received) {
        boolean sync = received.uploadMode() == UploadMode.SYNC;
        ImportJob job;
        try {
            job = sync ? pipeline.prepare(id, sources.of(received)) : received;
        } catch (StoreException e) {
            if (!e.isSuperseded()) {
                throw e;
            }
            // Another run took the import from this request while it prepared it: a cancel, which ended it, or the
            // worker, when the stranded-jobs sweep took a prepare that ran past its grace period for a lost run and
            // queued the run itself. The answer is the import as that left it.
            job = database.withHandle(h -> imports.get(h, id)).orElseThrow();
        } catch (RuntimeException e) {
            TemporaryFileUnwritable storage = ImportPipeline.temporaryStorageFailure(e);
            if (storage == null) {
                throw e;
            }
            beforeGiveBack.accept(id);
            job = switch (giveBack(id, received, e)) {
                case FAILED -> throw keptForTheWorker(id, storage, e);
                // 503 storage_unavailable for the temporary directory (ErrorMapper).
                case GIVEN_BACK -> throw e;
                // A cancel ended the import after its prepare failed (or the worker took it): the answer is the import
                // as it is now, as when a cancel supersedes the prepare. Before, 503 said to retry later, and the retry
                // got 409 upload_received.
                case NOT_NEEDED -> database.withHandle(h -> imports.get(h, id)).orElseThrow();
            };
        }
        if (job.status() == Status.COMPLETED) {
            // Only a worker's run completes an import (prepare leaves it queued): it ran the import to its end while
            // this request still prepared it, so the upload succeeded, and there is no run left to queue.
            return ResponseEntity.status(sync ? 200 : 202).body(urls.view(job));
        }
        if (job.status().isFinal()) {
            return ResponseEntity.status(422).body(urls.view(job));
        }
        tasks.enqueue(scheduler.getObject(), id);
        return ResponseEntity.status(sync ? 200 : 202).body(urls.view(job));
    }

    /**
     * Gives the accepted upload of a sync import back, after its prepare failed for want of the server's temporary
     * storage ({@code failure}): the import waits for its upload again ({@link ImportJob#awaitingUpload}) and its file
     * is deleted, in one transaction, so that the same upload can be sent again once the server has room, as one the
     * uploads directory could not take. Before, the import failed, and the file had to be sent to a new import. Only
     * while the import is still {@code queued} with this upload and not prepared: a cancel may have ended it
     * meanwhile. Deleting the file before the commit, under the import's lock, keeps another upload accepted after
     * the commit from losing its file. {@link GiveBack#NOT_NEEDED} when the import no longer needs it (a cancel ended
     * it, or the worker prepared it); {@link GiveBack#FAILED} when the transaction failed, and the import stays queued
     * with its file ({@link #keptForTheWorker}).
     */
    private GiveBack giveBack(String id, ImportJob received, RuntimeException failure) {
        try {
            return database.inTransaction(h -> {
                ImportJob now = imports.get(h, id).orElse(null);
                if (now == null || now.status() != Status.QUEUED || !received.checksum().equals(now.checksum())
                        || now.phase(Phase.PREPARSING).status() == PhaseStatus.COMPLETED) {
                    return GiveBack.NOT_NEEDED;
                }
                imports.save(h, imports.claim(h, id, UUID.randomUUID().toString()).awaitingUpload());
                try {
                    Files.deleteIfExists(uploads.path(id));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return GiveBack.GIVEN_BACK;
            });
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
            return GiveBack.FAILED;
        }
    }

    /** What {@link #giveBack} did with a sync upload whose prepare failed for want of temporary storage. */
    private enum GiveBack { GIVEN_BACK, NOT_NEEDED, FAILED }

    /** Sets what runs with the import's id just before a sync upload is given back ({@link #giveBack}); for tests. */
    void beforeGiveBack(Consumer<String> hook) {
        this.beforeGiveBack = hook;
    }

    /**
     * The answer to a sync upload that could not be given back ({@link #giveBack}'s transaction failed): the import
     * keeps it, queued with the reason {@link ImportPipeline#AWAITING_STORAGE}, so it is run in the background instead,
     * its run queued here a minute ahead, as the worker retries such a run (and again each minute after a failure for
     * want of temporary storage, until its maximum run time), or, when that cannot be queued either (the database
     * gone), by the stranded-jobs sweep once the import has gone unsaved for its grace period (10 minutes). Before, the
     * answer said that nothing was kept and to retry, but the import no longer took an upload (409 upload_received),
     * and its run waited for the sweep whatever the reason said.
     */
    private ApiException keptForTheWorker(String id, TemporaryFileUnwritable storage, RuntimeException failure) {
        try {
            tasks.enqueueAfterStorageWait(scheduler.getObject(), id);
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
        LOG.warn("import {}: its sync upload could not be given back after a read failed for want of temporary"
                + " storage; the import keeps it and runs in the background", id, failure);
        return new ApiException(503, "storage_unavailable", storage.clientMessage() + "; the upload was kept: import "
                + id + " runs in the background once the server can write its temporary files (until its maximum run"
                + " time); follow it at GET /v1/imports/" + id + " and do not upload it again");
    }

    /** Null when the upload URL is valid; 403 {@code url_expired} when it is genuine but expired; else throws. */
    private ApiException expiry(String id, String expires, String signature) {
        try {
            urls.signer().verify("PUT", ImportUrls.path(id, "upload"), expires, signature);
            return null;
        } catch (ApiException e) {
            if (!"url_expired".equals(e.code())) {
                throw e;
            }
            return e;
        }
    }

    /**
     * Why an import that is not {@code requested} takes no upload: it has its upload (a purged import keeps the
     * upload's checksum, not its file), or it ended without one (cancelled, expired).
     */
    private static ApiException notAwaitingUpload(ImportJob job) {
        String status = job.status().wireName();
        return job.checksum() != null || job.hasUploadFile()
                ? new ApiException(409, "upload_received", "This import already has its upload (status " + status + ")")
                : new ApiException(409, "import_not_awaiting_upload", "This import is " + status
                        + " and takes no upload; create a new import");
    }

    private static boolean declaresCsv(String contentType, String fileName) {
        String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        return type.startsWith("text/csv") || type.startsWith("application/csv")
                || fileName != null && fileName.toLowerCase(Locale.ROOT).endsWith(".csv");
    }

    @GetMapping("/files/imports/{id}/{file:errors\\.csv|errors\\.json|upload\\.csv|upload\\.json}")
    @Operation(summary = "Download an import's rejected or uploaded rows through a signed URL (no API key)")
    @SecurityRequirements
    @ApiResponse(responseCode = "200", description = "The file, streamed", content = {
        @Content(mediaType = "text/csv", schema = @Schema(type = "string")),
        @Content(mediaType = "application/json", array = @ArraySchema(schema = @Schema(type = "object")))})
    @ApiResponse(responseCode = "403", description = "invalid_signature, url_expired",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "404", description = "import_not_found, no_upload",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "410", description = "import_files_deleted",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    ResponseEntity<StreamingResponseBody> download(@PathVariable String id,
            @Parameter(schema = @Schema(allowableValues = {"errors.csv", "errors.json", "upload.csv", "upload.json"}))
            @PathVariable String file,
            @RequestParam(required = false) String expires, @RequestParam(required = false) String signature) {
        urls.downloadSigner().verify("GET", ImportUrls.path(id, file), expires, signature);
        ImportJob job = load(id);
        if (job.purgedAt() != null) {
            throw new ApiException(410, "import_files_deleted", "The import's files were deleted at " + job.purgedAt()
                    + ", when the import passed the retention (FREIGHT_IMPORT_RETENTION)");
        }
        boolean csv = file.endsWith(".csv");
        // The upload is looked for here, before the answer starts. Inside the body, a missing one was found after the
        // download's status and headers were set; only the error dispatch's reset of the response, not yet committed,
        // kept them from the 410.
        StreamingResponseBody body = switch (file) {
            case "errors.csv" -> out -> files.errorsCsv(id, headers(job), out);
            case "errors.json" -> out -> files.errorsJson(id, out);
            case "upload.csv" -> {
                ImportPipeline.RowSource source = source(job);
                yield out -> files.uploadCsv(source, out);
            }
            default -> {
                ImportPipeline.RowSource source = source(job);
                yield out -> files.uploadJson(source, out);
            }
        };
        return ResponseEntity.ok()
                .contentType(csv ? new MediaType("text", "csv", java.nio.charset.StandardCharsets.UTF_8)
                        : MediaType.APPLICATION_JSON)
                .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"" + id + "-" + file + "\"")
                .body(body);
    }

    private ImportPipeline.RowSource source(ImportJob job) {
        if (!job.hasUploadFile()) {
            throw new ApiException(404, "no_upload", "This import has no uploaded file");
        }
        // A missing file (a data directory restored without uploads/) is a 410 like a purged one, not a 500. Call it
        // before the answer starts.
        if (!Files.exists(uploads.path(job.id()))) {
            throw new ApiException(410, "import_files_deleted", "The import's uploaded file is no longer on the server,"
                    + " though the retention (FREIGHT_IMPORT_RETENTION) has not deleted it");
        }
        return sources.of(job);
    }

    private List<String> headers(ImportJob job) {
        if (!job.hasUploadFile()) {
            return List.of();
        }
        try (RowReader reader = sources.of(job).open()) {
            return reader.headers();
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    private ImportJob load(String id) {
        return database.withHandle(h -> imports.get(h, id))
                .orElseThrow(() -> new ApiException(404, "import_not_found", "There is no import " + Echo.quoted(id)));
    }

    /**
     * The file name from {@code Content-Disposition}: its {@code filename*} (RFC 6266), decoded, when it has one that
     * decodes, else its {@code filename}, else "upload".
     */
    static String fileName(String disposition) {
        if (disposition != null) {
            Matcher encoded = ENCODED_FILE_NAME.matcher(disposition);
            String decoded = encoded.find() ? decodedFileName(encoded.group(1), encoded.group(2)) : null;
            if (decoded != null) {
                return decoded;
            }
            Matcher m = FILE_NAME.matcher(disposition);
            if (m.find()) {
                return m.group(1).strip();
            }
        }
        return "upload";
    }

    /**
     * The name {@code filename*}'s bytes spell in {@code charset} (UTF-8 or ISO-8859-1, the two RFC 5987 requires),
     * or null for another charset, a bad escape, bytes that are not text in it, a blank name, or one holding a control
     * character, which a {@code filename} cannot hold either (a NUL would not be stored on PostgreSQL).
     */
    private static String decodedFileName(String charset, String encoded) {
        Charset named = charset.equalsIgnoreCase("UTF-8") ? StandardCharsets.UTF_8
                : charset.equalsIgnoreCase("ISO-8859-1") ? StandardCharsets.ISO_8859_1 : null;
        String name = named == null ? null : PercentEncoding.decode(encoded, named);
        if (name == null || name.isBlank() || name.chars().anyMatch(Character::isISOControl)) {
            return null;
        }
        return name.strip();
    }
}
