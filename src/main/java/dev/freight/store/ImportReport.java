package dev.freight.store;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An admin-configured mapping that exposes one base object at {@code POST /v1/import/{slug}}.
 *
 * @param mapping our field slug → the key incoming records use for it, in the admin's order
 */
public record ImportReport(
        String id,
        String organizationId,
        String slug,
        String reportName,
        String baseObject,
        Map<String, String> mapping,
        Instant createdAt,
        Instant updatedAt) {

    public ImportReport {
        mapping = Collections.unmodifiableMap(new LinkedHashMap<>(mapping));
    }
}
