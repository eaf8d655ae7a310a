package dev.freight.store;

/** Row totals of an import. {@code read} = valid + failed + skippedDuplicates. */
public record ImportStats(
        long read, long valid, long created, long updated, long unchanged, long deleted, long skippedDuplicates,
        long failed) {

    public static final ImportStats ZERO = new ImportStats(0, 0, 0, 0, 0, 0, 0, 0);

    public ImportStats plus(ImportStats o) {
        return new ImportStats(read + o.read, valid + o.valid, created + o.created, updated + o.updated,
                unchanged + o.unchanged, deleted + o.deleted, skippedDuplicates + o.skippedDuplicates,
                failed + o.failed);
    }
}
