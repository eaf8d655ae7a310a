package dev.freight.api;

import dev.freight.api.Views.RecordView;
import dev.freight.schema.Echo;
import dev.freight.schema.ObjectDef;
import dev.freight.store.Database;
import dev.freight.store.RecordStore;
import dev.freight.store.SchemaStore;
import dev.freight.store.Scope;
import dev.freight.store.StoredRecord;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Reading records: a page of an object's records, or one record by id, each reference naming its record by the
 * external_id that record has now.
 */
@RestController
class RecordController {

    private static final int MAX_LIMIT = 1_000;

    private final Database database;
    private final RecordStore records;
    private final SchemaStore schemas;

    RecordController(Database database, RecordStore records, SchemaStore schemas) {
        this.database = database;
        this.records = records;
        this.schemas = schemas;
    }

    @GetMapping("/v1/objects/{slug}/records")
    Views.Page<RecordView> list(@PathVariable String slug, Caller caller,
            @RequestParam(name = "external_id", required = false) String externalId,
            @RequestParam(name = "limit", defaultValue = "100") int limit,
            @RequestParam(name = "cursor", required = false) String cursor) {
        caller.require(Scope.READ);
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new ApiException(400, "invalid_parameter", "limit must be from 1 to " + MAX_LIMIT + ", got " + limit);
        }
        String afterId = cursor == null ? null : Cursors.decode(cursor);
        List<StoredRecord> page = database.withHandle(h -> {
            ObjectDef object = ObjectController.object(schemas.schema(h, caller.organizationId()), slug);
            return records.withCurrentReferences(h, caller.organizationId(),
                    records.page(h, caller.organizationId(), object, externalId, null, limit + 1, afterId));
        });
        String next = page.size() > limit ? Cursors.encode(page.get(limit - 1).id()) : null;
        return new Views.Page<>(page.stream().limit(limit).map(RecordView::of).toList(), next);
    }

    @GetMapping("/v1/records/{id}")
    RecordView get(@PathVariable String id, Caller caller) {
        caller.require(Scope.READ);
        return database.withHandle(h -> {
            var schema = schemas.schema(h, caller.organizationId());
            return records.find(h, caller.organizationId(), id, schema::object)
                    .map(r -> records.withCurrentReferences(h, caller.organizationId(), List.of(r)).getFirst());
        }).map(RecordView::of).orElseThrow(() -> new ApiException(404, "record_not_found",
                "There is no record " + Echo.quoted(id)));
    }
}
