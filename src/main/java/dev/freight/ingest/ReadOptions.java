package dev.freight.ingest;

import java.nio.charset.Charset;
import java.util.Objects;

/**
 * How to read a file.
 *
 * @param sheet the worksheet to read in an XLSX or XLS file, by exact name; null reads the first visible sheet
 * @param charset the encoding of a CSV, JSON or NDJSON file; null detects it (byte-order mark, else UTF-8 when the
 *     whole file is valid UTF-8, else a statistical guess such as windows-1252; a JSON or NDJSON file is UTF-8 then,
 *     its bytes that are not UTF-8 being errors)
 * @param limits how far an XLSX or XLS may expand when it is read; not null
 */
public record ReadOptions(String sheet, Charset charset, WorkbookLimits limits) {

    private static final ReadOptions DEFAULTS = new ReadOptions(null, null);

    public ReadOptions {
        Objects.requireNonNull(limits, "limits");
    }

    /** {@code sheet} and {@code charset} with {@link WorkbookLimits#defaults()}. */
    public ReadOptions(String sheet, Charset charset) {
        this(sheet, charset, WorkbookLimits.defaults());
    }

    /** The first visible sheet, a detected encoding and the default workbook limits. */
    public static ReadOptions defaults() {
        return DEFAULTS;
    }
}
