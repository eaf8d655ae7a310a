package dev.freight.api;

import dev.freight.ingest.WorkbookLimits;

/**
 * Request limits of the HTTP faces, from the configuration; {@code workbooks}: how far an uploaded workbook may expand
 * when it is read.
 */
public record Limits(int maxRecordsPerRequest, long maxRequestBytes, long maxUploadBytes, long maxParseBytes,
        WorkbookLimits workbooks) {}
