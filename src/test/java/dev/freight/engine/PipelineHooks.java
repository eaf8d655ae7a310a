package dev.freight.engine;

import dev.freight.store.Handle;
import dev.freight.store.ImportJob;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The pipeline's test hooks for tests outside its package (HTTP tests of a server's pipeline, the worker's tests),
 * which keeps them package-private in the main code.
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

    /**
     * Makes each of {@code pipeline}'s chunk transactions (a chunk's, or a row's when a chunk is replayed row by row)
     * run {@code hook} with its handle and the ordinal of its first row, after its writes and before its commit;
     * {@link #clear} undoes it.
     */
    public static void insideChunk(ImportPipeline pipeline, BiConsumer<Handle, Long> hook) {
        pipeline.insideChunk((h, rows) -> hook.accept(h, rows.getFirst().ordinal()));
    }

    /**
     * Makes {@code pipeline} run {@code hook} with the import once each chunk it writes (or the chunk's rows, one by
     * one) has committed, outside any transaction; {@link #clear} undoes it.
     */
    public static void afterChunk(ImportPipeline pipeline, Consumer<ImportJob> hook) {
        pipeline.afterChunk(hook);
    }

    /** Takes {@code pipeline}'s hooks back to doing nothing. */
    public static void clear(ImportPipeline pipeline) {
        pipeline.whilePreparing(importId -> {});
        pipeline.insideChunk((h, rows) -> {});
        pipeline.afterChunk(job -> {});
    }
}
