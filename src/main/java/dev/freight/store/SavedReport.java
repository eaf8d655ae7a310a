package dev.freight.store;

import java.time.Instant;

/**
 * A saved export report: a name, the module (object slug) it reads, and its definition (columns, labels, filters,
 * sort) as the JSON text the export layer writes and reads.
 */
public record SavedReport(
        String id,
        String organizationId,
        String name,
        String module,
        String definition,
        Instant createdAt,
        Instant updatedAt) {}
