package dev.freight.api;

/** Request limits of the HTTP faces, from {@link FreightConfig}. */
public record Limits(int maxRecordsPerRequest, long maxRequestBytes) {}
