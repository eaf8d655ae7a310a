package dev.freight.store;

import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The upload store's test hooks for tests outside its package (HTTP tests of a server's uploads), which keeps them
 * package-private in the main code.
 */
public final class UploadStoreHooks {

    private UploadStoreHooks() {}

    /**
     * Makes {@code uploads} run {@code hook} with each staged file once it is created, before the upload opens it;
     * {@link #clear} undoes it.
     */
    public static void afterStaging(UploadStore uploads, Consumer<Path> hook) {
        uploads.afterStaging(hook);
    }

    /** Takes {@code uploads}' hooks back to doing nothing. */
    public static void clear(UploadStore uploads) {
        uploads.afterStaging(file -> {});
    }
}
