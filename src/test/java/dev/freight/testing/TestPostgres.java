package dev.freight.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A throwaway PostgreSQL cluster for the whole test JVM, started on first use from the binaries installed on the
 * machine ({@code /usr/lib/postgresql/<version>/bin}, or {@code FREIGHT_TEST_PG_BIN}) in a temporary directory on a
 * free port, and stopped when the JVM exits (its directory is then deleted by an {@code rm} that outlives the JVM).
 * As root, initdb and the server run as the {@code postgres} OS user. When no server can be started, tests are
 * skipped with the reason — or fail when {@code CI} is set. A test that stops and starts its server takes a cluster of
 * its own ({@link #dedicated}).
 */
public final class TestPostgres {

    private static TestPostgres instance;
    private static String failure;

    private final Path dir;
    private final int port;
    private final Path bin;
    private final boolean root;

    private TestPostgres(Path bin, Path dir, int port, boolean root) {
        this.bin = bin;
        this.dir = dir;
        this.port = port;
        this.root = root;
    }

    /** The running cluster; skips (or fails under CI) the calling test when none can be started. */
    public static synchronized TestPostgres get() {
        if (instance == null && failure == null) {
            try {
                instance = start();
            } catch (Exception e) {
                failure = e.getMessage();
            }
        }
        if (instance == null) {
            String reason = "PostgreSQL tests need a server, and none could be started: " + failure;
            if (System.getenv("CI") != null) {
                throw new IllegalStateException(reason);
            }
            Assumptions.abort(reason);
        }
        return instance;
    }

    /**
     * A cluster of its own for a test that stops and starts its server ({@link #stopServer}, {@link #startServer}),
     * so that no other test's server is disturbed; the caller closes it with {@link #close}. Skips (or fails under CI)
     * the calling test when none can be started.
     */
    public static TestPostgres dedicated() {
        try {
            return start();
        } catch (Exception e) {
            String reason = "PostgreSQL tests need a server, and none could be started: " + e.getMessage();
            if (System.getenv("CI") != null) {
                throw new IllegalStateException(reason, e);
            }
            Assumptions.abort(reason);
            throw new AssertionError(e);
        }
    }

    /**
     * Stops the server as an operator's restart does ({@code pg_ctl stop -m fast}): open sessions are ended (SQL state
     * 57P01, admin_shutdown), and connections are refused until {@link #startServer}. Returns once it has stopped.
     */
    public void stopServer() {
        pgCtl("-m", "fast", "-w", "stop");
    }

    /** Starts the server again on the same data directory and port; returns once it accepts connections. */
    public void startServer() {
        pgCtl("-l", dir.resolve("server.log").toString(), "-o", serverOptions(port), "-w", "start");
    }

    /** Stops a cluster of {@link #dedicated} and deletes its files. */
    public void close() {
        stop();
    }

    private void pgCtl(String... arguments) {
        List<String> command = new ArrayList<>(List.of(bin.resolve("pg_ctl").toString(), "-D",
                dir.resolve("data").toString()));
        command.addAll(List.of(arguments));
        try {
            run(asPostgres(root, command.toArray(String[]::new)), dir);
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running pg_ctl", e);
        }
    }

    /** Creates a fresh, empty database and returns its JDBC URL. */
    public String createDatabase(String name) {
        try (Connection c = DriverManager.getConnection(url("postgres"), "postgres", null)) {
            c.createStatement().execute("drop database if exists " + name);
            c.createStatement().execute("create database " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot create database " + name, e);
        }
        return url(name);
    }

    public String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    public Path bin() {
        return bin;
    }

    public int port() {
        return port;
    }

    private static TestPostgres start() throws IOException, InterruptedException {
        Path bin = findBinaries();
        boolean root = "root".equals(System.getProperty("user.name"));
        Path dir = Files.createTempDirectory("freight-pg-");
        Path data = dir.resolve("data");
        if (root) {
            run(List.of("chown", "-R", "postgres", dir.toString()), dir);
        }
        run(asPostgres(root, bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres",
                "--auth=trust", "-E", "UTF8", "--no-sync"), dir);
        int port = freePort();
        TestPostgres pg = new TestPostgres(bin, dir, port, root);
        Runtime.getRuntime().addShutdownHook(new Thread(pg::stop));
        run(asPostgres(root, bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l",
                dir.resolve("server.log").toString(), "-o", pg.serverOptions(port), "-w", "start"), dir);
        return pg;
    }

    private String serverOptions(int port) {
        return "-p " + port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=" + dir
                + " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200";
    }

    private synchronized void stop() {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            run(asPostgres(root, bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m",
                    "immediate", "stop"), dir);
        } catch (Exception ignored) {
            // the JVM is exiting; the temp directory goes below either way
        }
        try {
            // Deleted by a process of its own, which outlives the JVM: the cluster holds a database of each test
            // (tens of thousands of files after PostgresImportPipelineTest), and deleting them one by one in this
            // shutdown hook took longer than surefire's 30 s wait after System.exit, so surefire killed the fork
            // ("Surefire is going to kill self fork JVM") with the directory half deleted.
            new ProcessBuilder("rm", "-rf", "--", dir.toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return;
        } catch (IOException e) {
            // no rm: deleted below, in this thread
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }

    private static Path findBinaries() throws IOException {
        String configured = System.getenv("FREIGHT_TEST_PG_BIN");
        if (configured != null) {
            return Path.of(configured);
        }
        Path base = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(base)) {
            throw new IOException("no PostgreSQL binaries under /usr/lib/postgresql (install the Debian package "
                    + "postgresql, or set FREIGHT_TEST_PG_BIN)");
        }
        try (Stream<Path> versions = Files.list(base)) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("initdb")))
                    .max(Comparator.comparing(b -> Integer.parseInt(b.getParent().getFileName().toString()
                            .replaceAll("\\D", "0"))))
                    .orElseThrow(() -> new IOException("no initdb under /usr/lib/postgresql/*/bin"));
        }
    }

    private static List<String> asPostgres(boolean root, String... command) {
        List<String> all = new ArrayList<>();
        if (root) {
            all.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        all.addAll(List.of(command));
        return all;
    }

    private static void run(List<String> command, Path dir) throws IOException, InterruptedException {
        Path log = dir.resolve("command.log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish in 120 s");
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed (exit " + p.exitValue() + "): "
                    + Files.readString(log).strip());
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
