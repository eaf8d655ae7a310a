package dev.freight.engine;

import java.util.function.Consumer;

/**
 * The pipeline's test hooks for tests outside its package (HTTP tests of a server's pipeline), which keeps them
 * package-private in the main code.
 */
public final class PipelineHooks {

    private PipelineHooks() {}

    /**
     * Makes {@code pipeline}'s {@link ImportPipeline#prepare} run {@code hook} with the import's id once it has marked
     * prevalidation running, inside the run; {@link #clear} undoes it.
     */
    public static void whilePreparing(ImportPipeline pipeline, Consumer<String> hook) {
        pipeline.whilePreparing(hook);
    }

    /** Takes {@code pipeline}'s hooks back to doing nothing. */
    public static void clear(ImportPipeline pipeline) {
        pipeline.whilePreparing(importId -> {});
    }
}
