package dev.freight.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/**
 * The one JSON shape of every non-record error: {@code {"error": {"code", "message", …}}}. {@code success} is left out
 * of the OpenAPI document: only the seed-003 face sends it, and its routes are documented with {@link Envelope}.
 */
record ErrorBody(@Schema(hidden = true) @JsonInclude(JsonInclude.Include.NON_NULL) Boolean success, Detail error) {

    /** The plain shape; the {@code /v1/modules} face adds {@code "success": false} (see {@link Envelope}). */
    ErrorBody(Detail error) {
        this(null, error);
    }

    record Detail(
            String code,
            String message,
            @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> details,
            @JsonInclude(JsonInclude.Include.NON_EMPTY) @JsonProperty("error_id") String errorId) {}
}
