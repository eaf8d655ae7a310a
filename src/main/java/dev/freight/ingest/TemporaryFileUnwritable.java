package dev.freight.ingest;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A temporary file a reader keeps beside the heap (an XLSX's shared strings past the heap's share) could not be
 * created or written in its directory: the disk is full, or the directory is missing or not writable. A failure of the
 * server's storage, not of the file being read; nothing of the read is kept.
 */
public final class TemporaryFileUnwritable extends IOException {
    private static final long serialVersionUID = 1L;

    TemporaryFileUnwritable(String what, Path directory, Throwable cause) {
        super("%s could not be written to a temporary file in %s (disk full or not writable): %s".formatted(what,
                directory, cause), cause);
    }
}
