package dev.freight.store;

import java.util.List;

/**
 * A row an import put off until after its last row: a reference of it names a record of its own object that was not
 * stored yet.
 *
 * @param recordId the id kept for the record the row creates, so rows referring to it can be written first
 * @param cellsJson the row's original cells as JSON, to read it again as it was
 * @param missing the external ids it referred to and did not find; empty when read back
 */
public record DeferredRow(long ordinal, long line, String externalId, String recordId, String cellsJson,
        List<String> missing) {}
