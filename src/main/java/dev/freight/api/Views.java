package dev.freight.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.freight.schema.Field;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.PlainValues;
import dev.freight.store.ApiKey;
import dev.freight.store.Scope;
import dev.freight.store.StoredRecord;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/** Response bodies of the snake_case API faces. Times are epoch seconds. */
final class Views {

    private Views() {}

    record Page<T>(List<T> data, @JsonProperty("next_cursor") String nextCursor) {}

    /*
     * The shapes of the pages the routes answer, for the OpenAPI document only (an annotation cannot name Page<T> of
     * one T), under the names the generator gave them before.
     */

    @Schema(name = "PageObjectView")
    record ObjectPage(List<ObjectView> data,
            @JsonProperty("next_cursor") @Schema(types = {"string", "null"}) String nextCursor) {}

    @Schema(name = "PageRecordView")
    record RecordPage(List<RecordView> data,
            @JsonProperty("next_cursor") @Schema(types = {"string", "null"}) String nextCursor) {}

    @Schema(name = "PageKeyView")
    record KeyPage(List<KeyView> data,
            @JsonProperty("next_cursor") @Schema(types = {"string", "null"}) String nextCursor) {}

    @Schema(name = "PageReportView")
    record ReportPage(List<ImportReportController.ReportView> data,
            @JsonProperty("next_cursor") @Schema(types = {"string", "null"}) String nextCursor) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record FieldView(
            String slug,
            String label,
            String type,
            boolean required,
            String description,
            List<String> options,
            List<String> targets,
            boolean multiple) {

        static FieldView of(Field f) {
            return new FieldView(f.slug(), f.label(), f.type().wireName(), f.required(), f.description(),
                    f.options(), f.targets(), f.multiple());
        }
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record ObjectView(String slug, String label, String idPrefix, boolean builtIn, List<FieldView> fields) {

        static ObjectView of(ObjectDef o) {
            return new ObjectView(o.slug(), o.label(), o.idPrefix(), o.builtIn(),
                    o.fields().stream().map(FieldView::of).toList());
        }
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record RecordView(
            String id,
            String object,
            String externalId,
            Map<String, Object> values,
            long createdAt,
            long updatedAt) {

        static RecordView of(StoredRecord r) {
            return new RecordView(r.id(), r.object(), r.externalId(), PlainValues.toPlain(r.values()),
                    r.createdAt().getEpochSecond(), r.updatedAt().getEpochSecond());
        }
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record KeyView(
            String id,
            @JsonInclude(JsonInclude.Include.NON_NULL) String name,
            String kind,
            List<String> scopes,
            String prefix,
            long createdAt,
            @JsonInclude(JsonInclude.Include.NON_NULL) Long revokedAt,
            @JsonInclude(JsonInclude.Include.NON_NULL) String key) {

        static KeyView of(ApiKey k, String secret) {
            return new KeyView(k.id(), k.name(), k.kind().wireName(),
                    k.scopes().stream().sorted().map(Scope::wireName).toList(), k.prefix(),
                    k.createdAt().getEpochSecond(),
                    k.revokedAt() == null ? null : k.revokedAt().getEpochSecond(), secret);
        }
    }
}
