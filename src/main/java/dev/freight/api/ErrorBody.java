package dev.freight.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** The one JSON shape of every non-record error: {@code {"error": {"code", "message", …}}}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
record ErrorBody(Boolean success, Detail error) {

    /** The plain shape; the {@code /v1/modules} face adds {@code "success": false} (see {@link Envelope}). */
    ErrorBody(Detail error) {
        this(null, error);
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    record Detail(
            String code,
            String message,
            List<String> details,
            @JsonProperty("error_id") String errorId) {}
}
