package dev.freight.ingest;

/** For tests outside this package: how many times a reader scanned an XLSX sheet for its merged cells. */
public final class MergedCellScans {

    private MergedCellScans() {}

    /** The scans since the JVM started; a test compares the count before and after what it does. */
    public static long count() {
        return SheetMerges.scans();
    }
}
