package dev.freight.export;

/** The exporter's test hooks for tests outside its package (HTTP tests of a server's exports). */
public final class ExportHooks {

    private ExportHooks() {}

    /**
     * Makes {@code exporter}'s immediate exports run {@code hook} once they have counted their records, before their
     * stream; {@link #clear} undoes it.
     */
    public static void afterCount(Exporter exporter, Runnable hook) {
        exporter.afterCount(hook);
    }

    /** Takes {@code exporter}'s hooks back to doing nothing. */
    public static void clear(Exporter exporter) {
        exporter.afterCount(() -> {});
    }
}
