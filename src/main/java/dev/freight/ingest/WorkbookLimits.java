package dev.freight.ingest;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How much reading an uploaded workbook may cost beyond what its size bounds. An XLSX's parts are compressed, and
 * deflate expands a byte up to about 1,032 times, so a 100 MB upload could expand to 100 GB of XML (and the shared
 * strings past the heap's share to as much in a temporary file); an XLS is loaded whole into the heap, where its cells
 * take about a hundred bytes each. A workbook past a limit is refused as damaged ({@code unreadable_file}), never read
 * in part.
 *
 * @param maxPartBytes the most bytes one part of an XLSX may expand to, and the most its shared strings may take in
 *     the temporary file ({@code FREIGHT_MAX_XLSX_PART_BYTES}); a smaller file is held to less, see
 *     {@link #PART_BYTES_PER_FILE_BYTE}
 * @param maxXlsCells the most cells and shared strings an XLS may hold, each {@link #HEAP_BYTES_PER_XLS_CELL} bytes of
 *     its records counting as one more ({@code FREIGHT_MAX_XLS_CELLS})
 * @param temporaryDir where an XLSX's shared strings past the heap's share are kept while it is read
 *     ({@code FREIGHT_TEMP_DIR}); a file there that cannot be created or written fails the read with
 *     {@link TemporaryFileUnwritable}
 */
public record WorkbookLimits(long maxPartBytes, long maxXlsCells, Path temporaryDir) {

    /** The default {@link #maxPartBytes}: 4 GiB, the default of the largest upload. */
    public static final long DEFAULT_MAX_PART_BYTES = 4L << 30;

    /**
     * The most bytes a part may expand to per byte of the whole file, when that is less than {@link #maxPartBytes}:
     * Apache POI refuses a part that expands more than 100 times its own compressed size; the whole file is the more
     * lenient measure. A workbook of records compresses about 5 to 20 times.
     */
    public static final int PART_BYTES_PER_FILE_BYTE = 100;

    /** The most bytes any file's parts may expand to, however small the file: 64 MiB. */
    public static final long MIN_PART_BYTES = 64L << 20;

    /** The heap one cell of an XLS may take, for the default {@link #maxXlsCells}; HSSF takes about 100 bytes. */
    public static final long HEAP_BYTES_PER_XLS_CELL = 256;

    public WorkbookLimits {
        if (maxPartBytes < 1 || maxXlsCells < 1) {
            throw new IllegalArgumentException("workbook limits must be positive, got " + maxPartBytes + " bytes and "
                    + maxXlsCells + " cells");
        }
        Objects.requireNonNull(temporaryDir, "temporaryDir");
    }

    /** {@code maxPartBytes} and {@code maxXlsCells}, the temporary files in {@link #defaultTemporaryDir()}. */
    public WorkbookLimits(long maxPartBytes, long maxXlsCells) {
        this(maxPartBytes, maxXlsCells, defaultTemporaryDir());
    }

    /** The JVM's temporary directory, {@code java.io.tmpdir}. */
    public static Path defaultTemporaryDir() {
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    /** The default limits: {@link #DEFAULT_MAX_PART_BYTES}, and {@link #defaultMaxXlsCells()}. */
    public static WorkbookLimits defaults() {
        return new WorkbookLimits(DEFAULT_MAX_PART_BYTES, defaultMaxXlsCells());
    }

    /** One XLS cell per {@link #HEAP_BYTES_PER_XLS_CELL} bytes of the JVM's maximum heap: 4,194,304 at -Xmx1g. */
    public static long defaultMaxXlsCells() {
        return Math.max(1, Runtime.getRuntime().maxMemory() / HEAP_BYTES_PER_XLS_CELL);
    }

    /**
     * The most bytes a part of an XLSX of {@code fileBytes} may expand to: {@link #PART_BYTES_PER_FILE_BYTE} per byte
     * of the file, at least {@link #MIN_PART_BYTES}, at most {@link #maxPartBytes}.
     */
    long partBytes(long fileBytes) {
        long relative = fileBytes > Long.MAX_VALUE / PART_BYTES_PER_FILE_BYTE ? Long.MAX_VALUE
                : fileBytes * PART_BYTES_PER_FILE_BYTE;
        return Math.min(maxPartBytes, Math.max(MIN_PART_BYTES, relative));
    }

    /** Why a part of an XLSX of {@code fileBytes} may expand to no more than {@link #partBytes}. */
    String partBytesReason(long fileBytes) {
        return partBytes(fileBytes) == maxPartBytes ? "FREIGHT_MAX_XLSX_PART_BYTES"
                : "%,d per byte of the file, at least %,d".formatted(PART_BYTES_PER_FILE_BYTE, MIN_PART_BYTES);
    }
}
