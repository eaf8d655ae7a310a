package dev.freight.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Freight run as a child process of the test JVM, with this JVM's java and classpath, output captured to a file. */
public final class FreightProcess implements AutoCloseable {

    private final Process process;
    private final Path output;

    private FreightProcess(Process process, Path output) {
        this.process = process;
        this.output = output;
    }

    /** Starts {@code dev.freight.app.FreightApplication} with the given environment additions and arguments. */
    public static FreightProcess start(Map<String, String> env, String... args) {
        try {
            Path output = Files.createTempFile("freight-process-", ".log");
            List<String> command = new ArrayList<>(List.of(
                    ProcessHandle.current().info().command().orElse("java"),
                    "--enable-native-access=ALL-UNNAMED", "-Xmx512m",
                    "-cp", System.getProperty("java.class.path"),
                    "dev.freight.app.FreightApplication"));
            command.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("FREIGHT_") || k.startsWith("SERVER_"));
            pb.environment().putAll(env);
            return new FreightProcess(pb.start(), output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a command to its end (at most 120 s) and returns its exit code. */
    public int waitForExit() {
        try {
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("Freight did not exit within 120 s:\n" + output());
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Waits until the output matches {@code regex} and returns the first group (or whole match). */
    public String awaitOutput(String regex, Duration timeout) {
        Pattern pattern = Pattern.compile(regex);
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            Matcher m = pattern.matcher(output());
            if (m.find()) {
                return m.groupCount() > 0 ? m.group(1) : m.group();
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("Freight exited (" + process.exitValue() + ") before printing "
                        + regex + ":\n" + output());
            }
            sleep(100);
        }
        throw new IllegalStateException("Freight did not print " + regex + " within " + timeout + ":\n" + output());
    }

    public String output() {
        try {
            return Files.readString(output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int freePort() {
        try {
            return TestPostgres.freePort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** SIGKILL: the process gets no chance to clean up, as in a crash. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * SIGTERM, as a service manager stops the service: Spring's graceful shutdown runs. Returns the exit code once the
     * process has exited (at most 120 s).
     */
    public int terminate() {
        process.destroy();
        return waitForExit();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
