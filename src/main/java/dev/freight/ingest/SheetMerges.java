package dev.freight.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.xml.stream.XMLStreamException;

/**
 * The merged blocks of the XLSX sheets read last. A sheet's {@code <mergeCell>} elements come after its rows, so a
 * reader scans the whole sheet for them before it streams the rows ({@link MergedCells#ofXlsxSheet}: the sheet part
 * decompressed once more, about 0.6 s per million rows). A file is read several times (an import's upload to
 * prevalidate and again to write, the file workflow's upload by each of its steps), so the blocks are kept under the
 * file's {@link FileVersion} and the sheet part's digest in the package, and a sheet read again unchanged is not
 * scanned again: it reads the same blocks, so its rows are filled the same way. Bounded: the {@value #MAX_SHEETS}
 * sheets used last and {@value #MAX_BLOCKS} blocks in all (8 MB, a block packed in 8 bytes): as many as one scan
 * takes ({@link MergedCells#MAX_BLOCKS}), so every sheet a scan gives back is kept, and read again is not scanned
 * again unless the sheets read since (other imports' at once) took its place. Thread-safe.
 */
final class SheetMerges {

    static final int MAX_SHEETS = 16;
    static final int MAX_BLOCKS = MergedCells.MAX_BLOCKS;

    private record Key(FileVersion file, XlsxPackage.PartDigest part) {}

    /** Guarded by itself, with {@link #blocksKept}. */
    private static final Map<Key, long[]> KNOWN = new LinkedHashMap<>(32, 0.75f, true);
    private static long blocksKept;
    private static final AtomicLong SCANS = new AtomicLong();

    private SheetMerges() {}

    /**
     * The merged cells of {@code sheet}, a sheet of {@code workbook} opened from a file that was at {@code version}
     * before it was opened: the blocks kept from an earlier read of that version and part, else those a scan of the
     * part finds (then kept). Each call gives a reader of its own.
     */
    static MergedCells of(FileVersion version, XlsxPackage workbook, XlsxPackage.SheetEntry sheet)
            throws IOException, XMLStreamException {
        XlsxPackage.PartDigest digest = workbook.digest(sheet);
        Key key = digest == null ? null : new Key(version, digest);
        if (key != null) {
            long[] known;
            synchronized (KNOWN) {
                known = KNOWN.get(key);
            }
            if (known != null) {
                return MergedCells.ofPacked(known);
            }
        }
        MergedCells merged;
        try (InputStream part = workbook.sheet(sheet)) {
            SCANS.incrementAndGet();
            merged = MergedCells.ofXlsxSheet(part);
        }
        if (key != null) {
            keep(key, merged.packed());
        }
        return merged;
    }

    /** Keeps {@code blocks}, at most {@link #MAX_BLOCKS} as every scan gives, forgetting the sheets used longest ago. */
    private static void keep(Key key, long[] blocks) {
        synchronized (KNOWN) {
            long[] before = KNOWN.put(key, blocks);
            blocksKept += blocks.length - (before == null ? 0 : before.length);
            var eldest = KNOWN.entrySet().iterator();
            while (KNOWN.size() > MAX_SHEETS || blocksKept > MAX_BLOCKS) {
                blocksKept -= eldest.next().getValue().length;
                eldest.remove();
            }
        }
    }

    /**
     * How many times a sheet's scan for its merged cells began since the JVM started: reads that found none kept, and
     * that the package let open the sheet (one the package's directory shows too large is refused before).
     */
    static long scans() {
        return SCANS.get();
    }
}
