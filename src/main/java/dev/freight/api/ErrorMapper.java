package dev.freight.api;

import dev.freight.ingest.TemporaryFileUnwritable;
import dev.freight.schema.Echo;
import dev.freight.store.StoreException;
import dev.freight.store.UploadStore;
import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.MultipartException;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.NoHandlerFoundException;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one place where exceptions become HTTP answers. Unexpected failures get a 5xx with an {@code error_id} that is
 * also logged with the stack trace, so support can find it; their messages never reach the client.
 */
@RestControllerAdvice
@RestController
class ErrorMapper implements ErrorController {

    private static final Logger LOG = LoggerFactory.getLogger(ErrorMapper.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Set on a request whose cut-off body {@link #cutOff} logged. */
    private static final String CUT_OFF_LOGGED = ErrorMapper.class.getName() + ".cutOffLogged";

    private final Limits limits;

    ErrorMapper(Limits limits) {
        this.limits = limits;
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ErrorBody> handle(Exception e, HttpServletRequest request, HttpServletResponse response)
            throws Exception {
        if (bodyCutOff(e)) {
            return cutOff(request, response);
        }
        rethrowIfCommitted(e, response);
        // Only multipart uploads have a size limit of the container's (the parse step's), which it reports without.
        return answer(e instanceof MaxUploadSizeExceededException ? new ApiException(400, "file_too_large",
                "File too large: the limit is %,d bytes (FREIGHT_MAX_PARSE_BYTES); split the file into smaller batches"
                        .formatted(limits.maxParseBytes())) : e, request);
    }

    /**
     * Once a response is committed (a download under way) no error body can be its answer, nor be appended to what
     * was sent: the exception goes on to the servlet container, which closes the connection before the body's end.
     */
    static void rethrowIfCommitted(Exception e, HttpServletResponse response) throws Exception {
        if (response.isCommitted()) {
            throw e;
        }
    }

    /**
     * Errors raised outside the dispatcher (e.g. by the servlet container) land here. A response already committed
     * gets nothing more: the container includes this page into it only to close the connection afterwards.
     */
    @Hidden
    @RequestMapping("/error")
    ResponseEntity<ErrorBody> error(HttpServletRequest request, HttpServletResponse response) {
        if (response.isCommitted()) {
            return null;
        }
        Object failure = request.getAttribute("jakarta.servlet.error.exception");
        if (failure instanceof Exception e && bodyCutOff(e)) {
            return cutOff(request, response);
        }
        if (failure instanceof Exception e) {
            return answer(e, request);
        }
        Object status = request.getAttribute("jakarta.servlet.error.status_code");
        return body(statusError(status instanceof Integer i ? i : 500), null);
    }

    /**
     * Whether {@code e} is, or was caused by, a failure to read the request's body from its connection: the client
     * closed it (or it broke) before the body's end, so the body ended early. Only reads of the servlet container's
     * request input count, never a file's that ended early.
     */
    static boolean bodyCutOff(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException && Arrays.stream(t.getStackTrace()).anyMatch(f ->
                    f.getClassName().equals("org.apache.catalina.connector.InputBuffer"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * A request whose client went away while sending its body: not a failure of the server, so one WARN line without
     * a stack trace, naming the route (for an upload URL, its import). Whatever the request had received is gone with
     * it (a staged upload is deleted, a batch or parse never started). The answer, 400 {@code body_incomplete},
     * rarely reaches anyone; a response already committed gets none.
     */
    private static ResponseEntity<ErrorBody> cutOff(HttpServletRequest request, HttpServletResponse response) {
        // The container dispatches to /error after the handler answered, with the same failure: one line is enough.
        if (request.getAttribute(CUT_OFF_LOGGED) != null) {
            return null;
        }
        request.setAttribute(CUT_OFF_LOGGED, Boolean.TRUE);
        Object original = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        String path = original instanceof String s ? s : request.getRequestURI();
        // An error dispatch is a GET: the original method is kept in an attribute.
        Object method = request.getAttribute(RequestDispatcher.ERROR_METHOD);
        long declared = request.getContentLengthLong();
        LOG.warn("{} {}: the client's request body ended early{} (its connection closed); nothing was kept",
                method instanceof String m ? m : request.getMethod(), path, declared >= 0 ? ", before the %,d bytes it declared".formatted(declared)
                        : "");
        if (response.isCommitted()) {
            return null;
        }
        return answer(new ApiException(400, "body_incomplete", "The request body ended before its end (the"
                + " connection closed early); nothing was kept, send the whole request again"), request);
    }

    /** The error of a bare HTTP status that no exception explains: one the servlet container answered itself. */
    static ApiException statusError(int status) {
        HttpStatus known = HttpStatus.resolve(status);
        return new ApiException(status, status == 404 ? "not_found" : "http_" + status,
                known != null ? known.getReasonPhrase() : "HTTP status " + status);
    }

    /** {@code e} as the JSON error body, for code that writes a response outside Spring MVC. */
    static String json(ApiException e) {
        return JSON.writeValueAsString(body(e, null).getBody());
    }

    /**
     * {@code e} as the JSON error body of a request to {@code path} (null when unknown), for code that writes a
     * response outside Spring MVC: in the envelope on the seed-003 face, as {@link #answer} decides it.
     */
    static String json(ApiException e, String path) {
        ErrorBody plain = body(e, null).getBody();
        return JSON.writeValueAsString(seed003(path) ? new ErrorBody(false, plain.error()) : plain);
    }

    static ResponseEntity<ErrorBody> answer(Exception e, HttpServletRequest request) {
        ResponseEntity<ErrorBody> plain = plainAnswer(e, request);
        Object original = request.getAttribute("jakarta.servlet.error.request_uri");
        String path = original instanceof String s ? s : request.getRequestURI();
        if (!seed003(path)) {
            return plain;
        }
        return ResponseEntity.status(plain.getStatusCode()).headers(plain.getHeaders())
                .body(new ErrorBody(false, plain.getBody().error()));
    }

    /**
     * Whether a path belongs to the face that answers in seed 003's envelope ({@link Envelope}); its controllers wrap
     * their own errors, this covers those answered before a controller is chosen (405, 404) and those the servlet
     * container answers before routing ({@link JsonErrorReportValve}).
     */
    private static boolean seed003(String path) {
        if (path == null) {
            return false;
        }
        for (String prefix : List.of("/v1/modules", "/v1/reports", "/v1/export-jobs", "/files/exports",
                "/files/validations")) {
            if (path.equals(prefix) || path.startsWith(prefix + "/")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The methods a 405 names, in alphabetical order: Spring lists them in the order of its mapping registry, a hash
     * map keyed by identity hashes, which differ with how the JVM started (with the ahead-of-time cache or without).
     */
    private static List<String> allowed(HttpRequestMethodNotSupportedException m) {
        String[] methods = m.getSupportedMethods();
        return methods == null ? List.of() : Arrays.stream(methods).sorted().toList();
    }

    /** A 405 with the Allow header HTTP requires of one (RFC 9110, 15.5.6). */
    private static ResponseEntity<ErrorBody> notAllowed(HttpRequestMethodNotSupportedException m) {
        List<String> allowed = allowed(m);
        ResponseEntity<ErrorBody> answer = body(new ApiException(405, "method_not_allowed",
                m.getMethod() + " is not supported here; use " + allowed), null);
        return ResponseEntity.status(answer.getStatusCode()).headers(answer.getHeaders())
                .header(HttpHeaders.ALLOW, String.join(", ", allowed)).body(answer.getBody());
    }

    private static ResponseEntity<ErrorBody> plainAnswer(Exception e, HttpServletRequest request) {
        return switch (e) {
            case MaxUploadSizeExceededException tooLarge -> body(new ApiException(400, "file_too_large",
                    "File too large: the limit is " + maxSize(tooLarge) + "; split the file into smaller batches"),
                    null);
            case MultipartException unreadable -> body(unreadableMultipart(request), null);
            case ApiException api -> body(api, null);
            case NoHandlerFoundException notFound -> notFound(request);
            case NoResourceFoundException notFound -> notFound(request);
            case HttpRequestMethodNotSupportedException m -> notAllowed(m);
            // A @RequestBody read past FREIGHT_MAX_REQUEST_BYTES (RequestBodyLimits): the converter wraps the cause.
            case HttpMessageNotReadableException tooLarge when RequestBodyLimit.exceededLimit(tooLarge) >= 0 ->
                    body(RequestBodyLimit.tooLarge(RequestBodyLimit.exceededLimit(tooLarge)), null);
            case HttpMessageNotReadableException unreadable -> body(unreadable(unreadable), null);
            // A route whose answer has only types other than JSON (the OpenAPI YAML, the actuator's) and an Accept
            // that lists none of them: the client's request, not a failure of the server. JSON is always acceptable
            // (ApiConfiguration), so this answer can be written.
            case HttpMediaTypeNotAcceptableException notAcceptable -> body(new ApiException(406, "not_acceptable",
                    "This answer is available as " + MediaType.toString(notAcceptable.getSupportedMediaTypes())
                            + "; none of them is in the Accept header"), null);
            case HttpMediaTypeNotSupportedException media -> body(unsupportedMediaType(request.getContentType()), null);
            case MissingServletRequestParameterException missing -> body(new ApiException(400, "missing_parameter",
                    "Query parameter " + missing.getParameterName() + " is required"), null);
            case MethodArgumentTypeMismatchException mismatch -> body(new ApiException(400, "invalid_parameter",
                    "Parameter " + mismatch.getName() + " " + expected(mismatch.getRequiredType(),
                            String.valueOf(mismatch.getValue())) + ", got " + Echo.quoted(mismatch.getValue())), null);
            case InvalidParameterException undecodable -> body(new ApiException(400, "invalid_parameter",
                    QueryStrings.INVALID), null);
            // Before, 500 internal_error: the client could not tell a full or unwritable disk from a bug.
            case UploadStore.Unwritable unwritable -> failure(503, "storage_unavailable",
                    "Freight could not store the upload: its uploads directory cannot be written (disk full or not "
                            + "writable); nothing was kept, retry later", e);
            // A read's temporary file (an XLSX's shared strings past the heap's share) the disk cannot take.
            case TemporaryFileUnwritable unwritable -> temporaryFileUnwritable(unwritable, e);
            case UncheckedIOException unchecked when unchecked.getCause() instanceof TemporaryFileUnwritable
                    unwritable -> temporaryFileUnwritable(unwritable, e);
            case StoreException store when "database_unavailable".equals(store.code()) ->
                    failure(503, store.code(), "The database is unavailable; retry later", e);
            // A privilege the operator revoked: retrying does not help, the GRANT does. The client is told what is
            // missing; the database's and its user's names, and the GRANT, go to the log only (the operator's).
            case StoreException store when "database_permission_denied".equals(store.code()) ->
                    failure(500, store.code(), store.clientMessage() != null ? store.clientMessage()
                            : "The database user lacks a privilege Freight needs; ask the operator", e);
            default -> failure(500, "internal_error", "Freight failed to process the request", e);
        };
    }

    /**
     * Names what could not be written, for which step, and where by the setting's name: before, every such failure
     * said "could not read the file", also when validate could not hold back its rejected rows.
     */
    private static ResponseEntity<ErrorBody> temporaryFileUnwritable(TemporaryFileUnwritable unwritable, Exception e) {
        return failure(503, "storage_unavailable", unwritable.clientMessage() + "; nothing was kept, retry later", e);
    }

    /**
     * A body with content in a type other than JSON, where JSON is required; its {@code Content-Type} named as the client
     * sent it, without its parameters (a form's boundary, a charset). Spring's view of the type adds the request's
     * charset to one that has none.
     */
    static ApiException unsupportedMediaType(String contentType) {
        return new ApiException(415, "unsupported_media_type", "Content-Type "
                + String.valueOf(contentType).split(";", 2)[0].strip() + " is not supported here; send application/json");
    }

    /**
     * A body Spring could not bind: a member of the wrong JSON type is the route's invalid member
     * ({@link MemberTypes}), anything else 422 {@code malformed_body}.
     */
    private static ApiException unreadable(HttpMessageNotReadableException e) {
        ApiException member = MemberTypes.wrongType(e);
        return member != null ? member : new ApiException(422, "malformed_body", repeatedKey(e));
    }

    /** The message for a body Spring could not bind: it names a key the body repeats, or bytes that are not UTF-8. */
    private static String repeatedKey(HttpMessageNotReadableException e) {
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t instanceof JacksonException jackson && Json.repeatedKey(jackson) != null) {
                return "The request body has the key " + Echo.quoted(Json.repeatedKey(jackson)) + " twice in one object"
                        + Json.where(jackson) + "; each key may appear once";
            }
            if (t instanceof JacksonException jackson && Json.notUtf8(jackson)) {
                return "The request body" + Json.NOT_UTF8 + Json.at(jackson) + Json.NOT_UTF8_REMEDY;
            }
        }
        return "The request body is not valid JSON of the expected shape";
    }

    /**
     * A multipart body the container cannot read (no boundary, cut short): on the parse step no file arrived, as seed
     * 003 names it; elsewhere an unreadable body.
     */
    private static ApiException unreadableMultipart(HttpServletRequest request) {
        String path = request.getRequestURI();
        if (path != null && path.startsWith("/v1/modules/") && path.endsWith("/import/parse")) {
            return new ApiException(400, "no_file", "No file uploaded: the multipart body could not be read (is its"
                    + " boundary missing, or was it cut short?); send the file as the multipart part \"file\"");
        }
        return new ApiException(400, "unreadable_body", "The request body could not be read");
    }

    private static String maxSize(MaxUploadSizeExceededException e) {
        long max = e.getMaxUploadSize();
        return max <= 0 ? "the configured maximum" : "%,d MB".formatted(max / (1024 * 1024));
    }

    private static ResponseEntity<ErrorBody> notFound(HttpServletRequest request) {
        return body(noRoute(request), null);
    }

    /** 404 {@code not_found} for a path nothing serves. */
    static ApiException noRoute(HttpServletRequest request) {
        return new ApiException(404, "not_found", "No route for " + request.getMethod() + " "
                + request.getRequestURI());
    }

    private static ResponseEntity<ErrorBody> failure(int status, String code, String message, Exception e) {
        String errorId = "err_" + UUID.randomUUID().toString().replace("-", "");
        LOG.error("{} ({}): {}", errorId, code, e.toString(), e);
        return body(new ApiException(status, code, message + " (error id " + errorId + ")"), errorId);
    }

    private static ResponseEntity<ErrorBody> body(ApiException e, String errorId) {
        List<String> details = e.details();
        return ResponseEntity.status(e.status())
                .contentType(MediaType.APPLICATION_JSON)
                .body(new ErrorBody(new ErrorBody.Detail(e.code(), e.getMessage(), details, errorId)));
    }

    /** What a parameter must be, as the rest of "Parameter limit ...". */
    private static String expected(Class<?> type, String given) {
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            // Digits that do not fit the type are a whole number all the same.
            return given.matches("\\d+") ? "is too large" : given.matches("-\\d+") ? "is too small"
                    : "must be a whole number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "must be true or false";
        }
        return type == null ? "must be a valid value" : "must be a valid " + type.getSimpleName();
    }
}
