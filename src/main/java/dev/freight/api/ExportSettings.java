package dev.freight.api;

/** Export settings of the HTTP face, from the configuration: exports of more records than this run as jobs. */
public record ExportSettings(long asyncThreshold) {}
