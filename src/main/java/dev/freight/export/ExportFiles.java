package dev.freight.export;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The files of background exports, {@code <data dir>/exports/<job id>.<extension>}. A file is written under a
 * temporary name and moved into place complete, so a present file is always whole. Several service instances on
 * PostgreSQL must share the directory. Thread-safe.
 */
public final class ExportFiles {

    private final Path dir;

    public ExportFiles(Path dir) {
        this.dir = dir;
    }

    public Path path(String jobId, ExportFormat format) {
        return dir.resolve(jobId + "." + format.extension());
    }

    /** Whether a job's file is in place (a completed job's is, unless removed before it expired). */
    public boolean exists(String jobId, ExportFormat format) {
        return Files.exists(path(jobId, format));
    }

    /** A fresh temporary file for a job to write to (an earlier attempt's is replaced). */
    public Path temporary(String jobId) throws IOException {
        Files.createDirectories(dir);
        Path tmp = dir.resolve(jobId + ".part");
        Files.deleteIfExists(tmp);
        return tmp;
    }

    /** Moves a finished temporary file into place; returns its size in bytes. */
    public long publish(String jobId, ExportFormat format, Path temporary) throws IOException {
        Path target = path(jobId, format);
        Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return Files.size(target);
    }

    /**
     * Deletes a job's temporary file, leaving its file in place; nothing happens when there is none. For a run that
     * stopped part-way and runs again: a file it published stays for a completion whose commit may have happened.
     */
    public void deleteTemporary(String jobId) {
        try {
            Files.deleteIfExists(dir.resolve(jobId + ".part"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes a job's file and any temporary one; nothing happens when there is none. */
    public void delete(String jobId, ExportFormat format) {
        try {
            Files.deleteIfExists(path(jobId, format));
            Files.deleteIfExists(dir.resolve(jobId + ".part"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
