package dev.freight.store;

/**
 * One entry of an import's change log. {@code kind} is created, updated or deleted; {@code previousData} and
 * {@code previousVersion} are the record before the import touched it (null for created); {@code appliedVersion} is
 * the version the import left (null for deleted), used to tell whether someone edited the record since.
 */
public record Change(
        String recordId, String object, String externalId, String kind, String previousData, Long previousVersion,
        Long appliedVersion) {}
