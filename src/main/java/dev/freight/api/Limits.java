package dev.freight.api;

/** Request limits of the HTTP faces, from the configuration. */
public record Limits(int maxRecordsPerRequest, long maxRequestBytes, long maxUploadBytes, long maxParseBytes) {}
