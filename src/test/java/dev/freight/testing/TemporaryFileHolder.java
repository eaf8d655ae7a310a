package dev.freight.testing;

import dev.freight.ingest.TemporaryFiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Another process writing Freight's temporary files: run as a child of the test JVM, it creates one file in a
 * temporary directory through {@link TemporaryFiles#create} (as a read or a validation does), prints its path, and
 * holds it until it is killed. Given {@code sweep}, it sweeps the directory instead and prints what it deleted.
 */
public final class TemporaryFileHolder implements AutoCloseable {

    private static final String MARK = "holder: ";

    private final Process process;
    private final String line;

    private TemporaryFileHolder(Process process, String line) {
        this.process = process;
        this.line = line;
    }

    /** A child process holding a file in {@code temporaryDir}, once it has created it. */
    public static TemporaryFileHolder holding(Path temporaryDir) {
        return run(temporaryDir.toString(), "hold");
    }

    /** What a sweep of {@code temporaryDir} by another process deleted, as it printed it (a list's toString). */
    public static String sweptByAnotherProcess(Path temporaryDir) {
        try (TemporaryFileHolder sweeper = run(temporaryDir.toString(), "sweep")) {
            return sweeper.line;
        }
    }

    private static TemporaryFileHolder run(String dir, String mode) {
        try {
            Process process = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
                    System.getProperty("java.class.path"), TemporaryFileHolder.class.getName(), dir, mode)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8));
            // Lines before it are the logging's, if any.
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.startsWith(MARK)) {
                    return new TemporaryFileHolder(process, line.substring(MARK.length()));
                }
            }
            throw new IllegalStateException("the child process ended without its answer (exit " + process.waitFor()
                    + ")");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The file the process holds. */
    public Path file() {
        return Path.of(line);
    }

    /** SIGKILL, as a crash: the process deletes nothing. Returns once it is gone. */
    public void kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the child process outlived SIGKILL for 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        kill();
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        if (args[1].equals("sweep")) {
            System.out.println(MARK + TemporaryFiles.sweep(dir, java.time.Instant.now()));
            System.out.flush();
            return;
        }
        System.out.println(MARK + TemporaryFiles.create(dir, "freight-shared-strings-", ".bin"));
        System.out.flush();
        // Held until killed: the test closes nothing, as a crash would not.
        while (System.in.read() >= 0) {
            // nothing to read
        }
        try {
            Thread.sleep(Long.MAX_VALUE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
