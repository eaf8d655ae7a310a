package dev.freight.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.freight.export.ExportException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * The answer shape of the seed-003 face ({@code /v1/modules/…}, {@code /v1/reports}, {@code /v1/export-jobs}):
 * {@code {"success": true, "data": …}} or {@code {"success": false, "error": {"code", "message"}}}. A controller
 * joins the face by implementing {@link Face}; its errors are still decided by {@link ErrorMapper}, only wrapped.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record Envelope(boolean success, Object data, ErrorBody.Detail error) {

    static Envelope ok(Object data) {
        return new Envelope(true, data, null);
    }

    /** Marks a controller whose errors are answered in the envelope. */
    interface Face {}

    /** Wraps {@link ErrorMapper}'s answer for the controllers of the face. */
    @RestControllerAdvice(assignableTypes = Face.class)
    @Order(Ordered.HIGHEST_PRECEDENCE)
    static class Errors {

        @ExceptionHandler(Exception.class)
        ResponseEntity<Envelope> handle(Exception e, HttpServletRequest request, HttpServletResponse response)
                throws Exception {
            ErrorMapper.rethrowIfCommitted(e, response);
            Exception mapped = e instanceof ExportException x
                    ? new ApiException(x.code().equals("module_not_found") ? 404 : 400, x.code(), x.getMessage())
                    : e;
            ResponseEntity<ErrorBody> answer = ErrorMapper.answer(mapped, request);
            return ResponseEntity.status(answer.getStatusCode())
                    .contentType(MediaType.APPLICATION_JSON)
                    .body(new Envelope(false, null, answer.getBody() == null ? null : answer.getBody().error()));
        }
    }
}
