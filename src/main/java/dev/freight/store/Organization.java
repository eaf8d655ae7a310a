package dev.freight.store;

import java.time.Instant;

/** A tenant. Every key, report, object and record belongs to exactly one. */
public record Organization(String id, String slug, String name, Instant createdAt) {}
