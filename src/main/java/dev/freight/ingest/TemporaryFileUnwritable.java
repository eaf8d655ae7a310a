package dev.freight.ingest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A temporary file a reader keeps beside the heap (an XLSX's shared strings past the heap's share), or the file
 * workflow's validate beside its errors files (rows rejected after a row that awaits a later row), could not be
 * created or written in its directory: the disk is full, or the directory is missing or not writable. A failure of the
 * server's storage, not of the file being read; nothing of the read is kept.
 */
public final class TemporaryFileUnwritable extends IOException {
    private static final long serialVersionUID = 1L;

    /** What the temporary file was for, as the client's message names it. */
    public enum Step {
        /** Reading the file (an XLSX's shared strings). */
        READ("read the file"),
        /** Validating the file (the rows validate holds back to write them in row order). */
        VALIDATE("validate the file");

        private final String words;

        Step(String words) {
            this.words = words;
        }
    }

    private final Step step;
    private final String what;

    /**
     * @param step what could not be done for want of the file
     * @param what what was to be kept, as the start of a sentence
     * @param directory the temporary directory that refused it (for the log; never shown to a client)
     */
    public TemporaryFileUnwritable(Step step, String what, Path directory, Throwable cause) {
        super("%s could not be written to a temporary file in %s (disk full or not writable): %s".formatted(what,
                directory, cause), cause);
        this.step = step;
        this.what = what;
    }

    /**
     * The failure as a client may read it: what could not be done, what could not be written and where, by the
     * setting's name rather than the server's path, e.g. "Freight could not validate the file: the rows rejected after
     * a row that awaits a later row could not be written to a temporary file in its temporary directory
     * (FREIGHT_TEMP_DIR; disk full or not writable)".
     */
    public String clientMessage() {
        return "Freight could not %s: %s could not be written to a temporary file in its temporary directory"
                .formatted(step.words, what.substring(0, 1).toLowerCase(Locale.ROOT) + what.substring(1))
                + " (FREIGHT_TEMP_DIR; disk full or not writable)";
    }
}
