package dev.freight.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
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
 * sheets used last and {@value #MAX_BLOCKS} blocks in all (about 10 MB); a sheet with more blocks than that is scanned
 * on every read. Thread-safe.
 */
final class SheetMerges {

    static final int MAX_SHEETS = 16;
    static final int MAX_BLOCKS = 262_144;

    private record Key(FileVersion file, XlsxPackage.PartDigest part) {}

    /** Guarded by itself, with {@link #blocksKept}. */
    private static final Map<Key, List<MergedCells.Block>> KNOWN = new LinkedHashMap<>(32, 0.75f, true);
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
            List<MergedCells.Block> known;
            synchronized (KNOWN) {
                known = KNOWN.get(key);
            }
            if (known != null) {
                return MergedCells.of(known);
            }
        }
        MergedCells merged;
        try (InputStream part = workbook.sheet(sheet)) {
            merged = MergedCells.ofXlsxSheet(part);
        }
        SCANS.incrementAndGet();
        if (key != null) {
            keep(key, merged.blocks());
        }
        return merged;
    }

    private static void keep(Key key, List<MergedCells.Block> blocks) {
        if (blocks.size() > MAX_BLOCKS) {
            return;
        }
        synchronized (KNOWN) {
            List<MergedCells.Block> before = KNOWN.put(key, blocks);
            blocksKept += blocks.size() - (before == null ? 0 : before.size());
            var eldest = KNOWN.entrySet().iterator();
            while (KNOWN.size() > MAX_SHEETS || blocksKept > MAX_BLOCKS) {
                blocksKept -= eldest.next().getValue().size();
                eldest.remove();
            }
        }
    }

    /** How many times a sheet was scanned for its merged cells since the JVM started: reads that found none kept. */
    static long scans() {
        return SCANS.get();
    }
}
