package dev.freight.store;

/**
 * One entry of an import's change log. {@code kind} is updated or deleted (records an import created are marked on the
 * record itself, {@code created_by_import}); {@code previousData} and {@code previousVersion} are the record before
 * the import touched it; {@code appliedVersion} is the version the import left (null for deleted), used to tell
 * whether someone edited the record since.
 */
public record Change(
        String recordId, String object, String externalId, String kind, String previousData, Long previousVersion,
        Long appliedVersion) {}
