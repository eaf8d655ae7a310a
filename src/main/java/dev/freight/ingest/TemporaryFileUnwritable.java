package dev.freight.ingest;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A temporary file a reader keeps beside the heap (an XLSX's shared strings past the heap's share), or the file
 * workflow's validate beside its errors files (rows rejected after a row that awaits a later row), could not be
 * created or written in its directory: the disk is full, or the directory is missing or not writable. A failure of the
 * server's storage, not of the file being read; nothing of the read is kept.
 */
public final class TemporaryFileUnwritable extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * @param what what was to be kept, as the start of a sentence
     * @param directory the temporary directory that refused it (for the log; never shown to a client)
     */
    public TemporaryFileUnwritable(String what, Path directory, Throwable cause) {
        super("%s could not be written to a temporary file in %s (disk full or not writable): %s".formatted(what,
                directory, cause), cause);
    }
}
