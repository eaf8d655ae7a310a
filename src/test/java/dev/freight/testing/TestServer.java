package dev.freight.testing;

import dev.freight.app.FreightApplication;
import dev.freight.store.Database;
import dev.freight.store.KeyKind;
import dev.freight.store.KeySecrets;
import dev.freight.store.Organization;
import dev.freight.store.Scope;
import dev.freight.store.TenantStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A Freight service started in this JVM on a free port, one per database kind, shared by the HTTP tests and closed
 * when the JVM exits. Tests isolate themselves by creating their own organization with {@link #newTenant}.
 */
public final class TestServer {

    /** Limits the test servers run with, so the 413 answers are cheap to provoke. */
    public static final int MAX_RECORDS = 1_000;

    public static final long MAX_BYTES = 1_000_000;

    /** The largest upload the Imports resource accepts in tests (FREIGHT_MAX_UPLOAD_BYTES), small enough to pass. */
    public static final long MAX_UPLOAD_BYTES = 8_000_000;

    /** The largest file the parse step accepts in tests. */
    public static final long MAX_PARSE_BYTES = 2_000_000;

    /**
     * The most bytes of finished validation errors files a test server keeps (FREIGHT_MAX_VALIDATION_FILES_BYTES):
     * small enough for a test to pass it, many times what any other test's validations write. Tests run one at a time,
     * so a test's files are deleted for the limit only by validations of its own (earlier tests' go first).
     */
    public static final long MAX_VALIDATION_FILES_BYTES = 4_000_000;

    /**
     * The most bytes a part of an uploaded XLSX may expand to on a test server (FREIGHT_MAX_XLSX_PART_BYTES): past the
     * largest part of the corpora's workbooks (2 MB), small enough for a test's workbook of a few kilobytes to pass.
     */
    public static final long MAX_XLSX_PART_BYTES = 4_000_000;

    /** The most cells and shared strings of an uploaded XLS on a test server (FREIGHT_MAX_XLS_CELLS). */
    public static final long MAX_XLS_CELLS = 100_000;

    /**
     * The most connections of a test server's spare pool (FREIGHT_DATABASE_SPARE_CONNECTIONS): one more than the
     * default, so a test can tell the setting is used.
     */
    public static final int SPARE_CONNECTIONS = 3;

    /** The key test servers sign URLs with, so tests can make an expired URL. */
    public static final String SIGNING_KEY = "test-url-signing-key";

    private static final Map<TestDatabases, TestServer> SERVERS = new EnumMap<>(TestDatabases.class);
    private static final AtomicInteger TENANTS = new AtomicInteger();

    private final ConfigurableApplicationContext context;
    private final String baseUrl;

    private TestServer(ConfigurableApplicationContext context) {
        this.context = context;
        this.baseUrl = "http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port");
    }

    public static synchronized TestServer of(TestDatabases kind) {
        TestServer server = SERVERS.get(kind);
        if (server == null) {
            server = new TestServer(FreightApplication.start(new String[0], properties(kind)));
            SERVERS.put(kind, server);
            TestServer started = server;
            Runtime.getRuntime().addShutdownHook(new Thread(started.context::close));
        }
        return server;
    }

    /**
     * A server of its own, not shared, with {@code properties} (e.g. {@link #properties} with another database or
     * user); the caller closes it with {@link #close}.
     */
    public static TestServer started(Map<String, String> properties) {
        return new TestServer(FreightApplication.start(new String[0], properties));
    }

    /** Stops a server of {@link #started}. */
    public void close() {
        context.close();
    }

    /** The settings of a test server on {@code kind}: free port, fresh database, small limits. */
    public static Map<String, String> properties(TestDatabases kind) {
        Map<String, String> p = new HashMap<>();
        p.put("server.port", "0");
        p.put("freight.max-records-per-request", String.valueOf(MAX_RECORDS));
        p.put("freight.max-request-bytes", String.valueOf(MAX_BYTES));
        p.put("freight.url-signing-key", SIGNING_KEY);
        p.put("freight.import-chunk-size", "3");
        p.put("freight.max-parse-bytes", String.valueOf(MAX_PARSE_BYTES));
        p.put("freight.max-upload-bytes", String.valueOf(MAX_UPLOAD_BYTES));
        p.put("freight.max-validation-files-bytes", String.valueOf(MAX_VALIDATION_FILES_BYTES));
        p.put("freight.max-xlsx-part-bytes", String.valueOf(MAX_XLSX_PART_BYTES));
        p.put("freight.max-xls-cells", String.valueOf(MAX_XLS_CELLS));
        p.put("freight.database-spare-connections", String.valueOf(SPARE_CONNECTIONS));
        try {
            Path dir = Files.createTempDirectory("freight-server-");
            p.put("freight.data-dir", dir.toString());
            p.put("freight.temp-dir", Files.createDirectory(dir.resolve("tmp")).toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (kind == TestDatabases.POSTGRESQL) {
            TestPostgres pg = TestPostgres.get();
            p.put("freight.database-url", pg.createDatabase("freight_http"));
            p.put("freight.database-user", "postgres");
        }
        return p;
    }

    public String baseUrl() {
        return baseUrl;
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    public <T> T bean(String name, Class<T> type) {
        return context.getBean(name, type);
    }

    /** A new organization with an admin service-account key. */
    public Tenant newTenant(String label) {
        String slug = label + "-" + TENANTS.incrementAndGet();
        Database db = bean(Database.class);
        TenantStore tenants = bean(TenantStore.class);
        Organization org = db.inTransaction(h -> tenants.createOrganization(h, slug, label));
        Tenant tenant = new Tenant(this, org.id(), slug, null);
        return new Tenant(this, org.id(), slug, tenant.key(KeyKind.SERVICE_ACCOUNT, Set.of(Scope.ADMIN)));
    }

    /** An organization of a test server and its admin key. */
    public record Tenant(TestServer server, String organizationId, String slug, String adminKey) {

        /** Creates another key of this organization directly in the store and returns its secret. */
        public String key(KeyKind kind, Set<Scope> scopes) {
            String secret = KeySecrets.generate();
            Database db = server.bean(Database.class);
            TenantStore tenants = server.bean(TenantStore.class);
            db.inTransaction(h -> tenants.createKey(h, organizationId, "test", kind, scopes, secret));
            return secret;
        }

        public Http.Client http() {
            return new Http.Client(server.baseUrl(), adminKey);
        }

        public Http.Client http(String key) {
            return new Http.Client(server.baseUrl(), key);
        }
    }
}
