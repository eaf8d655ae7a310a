package dev.freight.ingest;

import java.nio.charset.Charset;

/**
 * How to read a file.
 *
 * @param sheet the worksheet to read in an XLSX or XLS file, by exact name; null reads the first visible sheet
 * @param charset the encoding of a CSV, JSON or NDJSON file; null detects it (byte-order mark, else UTF-8 when the
 *     whole file is valid UTF-8, else a statistical guess such as windows-1252)
 */
public record ReadOptions(String sheet, Charset charset) {

    private static final ReadOptions DEFAULTS = new ReadOptions(null, null);

    /** The first visible sheet and a detected encoding. */
    public static ReadOptions defaults() {
        return DEFAULTS;
    }
}
