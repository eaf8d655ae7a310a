package dev.freight.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.freight.testing.SettableClock;
import dev.freight.testing.TestDatabases;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link TenantStore} and {@link ReportStore} against a real database: organizations, API keys kept only as hashes,
 * Import Reports with a slug unique per organization, and every read and write scoped to its organization. Each test
 * gets a fresh, migrated database. One subclass per database.
 */
abstract class TenantAndReportStoreContract {

    private static final AtomicInteger DATABASES = new AtomicInteger();

    static final Instant START = Instant.parse("2025-03-01T09:00:00Z");

    abstract TestDatabases databases();

    SettableClock clock;
    Database db;
    TenantStore tenants;
    ReportStore reports;
    Organization acme;
    Organization globex;

    @BeforeEach
    void freshDatabaseWithTwoOrganizations() {
        clock = new SettableClock(START);
        db = databases().open("store_tenants_" + DATABASES.incrementAndGet());
        IdGenerator ids = new IdGenerator(clock);
        tenants = new TenantStore(ids, clock);
        reports = new ReportStore(ids, clock);
        acme = db.inTransaction(h -> tenants.createOrganization(h, "acme", "Acme"));
        clock.advance(Duration.ofSeconds(1));
        globex = db.inTransaction(h -> tenants.createOrganization(h, "globex", "Globex"));
    }

    @AfterEach
    void closeDatabase() {
        db.close();
    }

    @Test
    void findsOrganizationsBySlugAndById() {
        assertThat(acme.id()).matches("org_[0-9a-f]{32}");
        assertThat(db.withHandle((Handle h) -> tenants.organizationBySlug(h, "acme")))
                .contains(new Organization(acme.id(), "acme", "Acme", START));
        assertThat(db.withHandle((Handle h) -> tenants.organizationById(h, globex.id())))
                .contains(new Organization(globex.id(), "globex", "Globex", START.plusSeconds(1)));
        assertThat(db.withHandle((Handle h) -> tenants.organizationBySlug(h, "initech"))).isEmpty();
        assertThat(db.withHandle(tenants::countOrganizations)).isEqualTo(2);
    }

    @Test
    void rejectsASecondOrganizationWithTheSameSlug() {
        assertUniqueViolation(() -> db.inTransaction(h -> tenants.createOrganization(h, "acme", "Acme Two")));

        assertThat(db.withHandle(tenants::countOrganizations)).isEqualTo(2);
        assertThat(db.withHandle((Handle h) -> tenants.organizationBySlug(h, "acme"))).map(Organization::name).contains("Acme");
    }

    @Test
    void findsAKeyByItsSecret() {
        String secret = KeySecrets.generate();
        ApiKey created = createKey(acme, "importer", secret);

        assertThat(created.id()).matches("key_[0-9a-f]{32}");
        assertThat(db.withHandle((Handle h) -> tenants.keyBySecret(h, secret))).contains(new ApiKey(created.id(), acme.id(),
                "importer", KeyKind.SERVICE_ACCOUNT, Set.of(Scope.IMPORT, Scope.READ), secret.substring(0, 12),
                START.plusSeconds(1), null));
        assertThat(db.withHandle((Handle h) -> tenants.keyBySecret(h, KeySecrets.generate()))).isEmpty();
        assertThat(db.withHandle((Handle h) -> tenants.keyBySecret(h, secret.substring(0, 12)))).isEmpty();
    }

    @Test
    void storesOnlyTheSha256OfAKeysSecret() {
        String secret = KeySecrets.generate();
        ApiKey created = createKey(acme, "importer", secret);

        List<String> cells = db.withHandle(h -> h.query("select * from api_keys", rs -> {
            List<String> row = new ArrayList<>();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                row.add(rs.getString(i));
            }
            return row;
        })).stream().flatMap(List::stream).toList();

        assertThat(cells).contains(created.id())
                .noneMatch(cell -> cell != null && cell.contains(secret.substring(12)));
        assertThat(db.withHandle((Handle h) -> h.queryFirst("select secret_hash from api_keys where id = ?",
                rs -> rs.getString(1), created.id()))).contains(sha256Hex(secret));
    }

    @Test
    void revokingAKeySetsRevokedAtOnce() {
        String secret = KeySecrets.generate();
        ApiKey key = createKey(acme, "importer", secret);
        clock.advance(Duration.ofHours(1));
        Instant revokedAt = clock.instant();

        assertThat(db.withHandle((Handle h) -> tenants.revokeKey(h, acme.id(), key.id()))).isTrue();
        clock.advance(Duration.ofHours(1));
        assertThat(db.withHandle((Handle h) -> tenants.revokeKey(h, acme.id(), key.id()))).isTrue();

        assertThat(db.withHandle((Handle h) -> tenants.key(h, acme.id(), key.id()))).map(ApiKey::revokedAt)
                .contains(revokedAt);
        assertThat(db.withHandle((Handle h) -> tenants.keyBySecret(h, secret))).map(ApiKey::revokedAt).contains(revokedAt);
    }

    @Test
    void revokingAnotherOrganizationsKeyAnswersFalseAndChangesNothing() {
        ApiKey acmeKey = createKey(acme, "importer", KeySecrets.generate());

        assertThat(db.withHandle((Handle h) -> tenants.revokeKey(h, globex.id(), acmeKey.id()))).isFalse();
        assertThat(db.withHandle((Handle h) -> tenants.revokeKey(h, acme.id(), "key_00000000000000000000000000000000")))
                .isFalse();

        assertThat(db.withHandle((Handle h) -> tenants.key(h, acme.id(), acmeKey.id()))).contains(acmeKey);
        assertThat(db.withHandle((Handle h) -> tenants.key(h, globex.id(), acmeKey.id()))).isEmpty();
    }

    @Test
    void listsOnlyTheOrganizationsOwnKeysInIdOrder() {
        ApiKey first = createKey(acme, "first", KeySecrets.generate());
        clock.advance(Duration.ofMillis(1));
        ApiKey second = createKey(acme, "second", KeySecrets.generate());
        createKey(globex, "globex", KeySecrets.generate());

        assertThat(db.withHandle((Handle h) -> tenants.keys(h, acme.id()))).containsExactly(first, second);
    }

    @Test
    void createsAReportReadBackBySlugAndIdWithItsMappingInOrder() {
        Map<String, String> mapping = new LinkedHashMap<>();
        mapping.put("name", "Name");
        mapping.put("external_id", "External Id");
        mapping.put("website", "Website");
        mapping.put("annual_spend", "Spend (USD)");

        ImportReport created = createReport(acme, "vendor-custom-import", mapping);

        ImportReport expected = new ImportReport(created.id(), acme.id(), "vendor-custom-import", "Vendor Import",
                "vendor", mapping, START.plusSeconds(1), START.plusSeconds(1));
        assertThat(created).isEqualTo(expected);
        assertThat(created.id()).matches("imprt_[0-9a-f]{32}");
        ImportReport bySlug = db.withHandle(h -> reports.bySlug(h, acme.id(), "vendor-custom-import")).orElseThrow();
        assertThat(bySlug).isEqualTo(expected);
        assertThat(bySlug.mapping()).containsExactlyEntriesOf(mapping);
        assertThat(db.withHandle((Handle h) -> reports.byId(h, acme.id(), created.id()))).contains(expected);
    }

    @Test
    void rejectsASecondReportWithTheSameSlugInOneOrganization() {
        ImportReport first = createReport(acme, "vendors", Map.of("name", "Name"));

        assertUniqueViolation(() -> createReport(acme, "vendors", Map.of("name", "Vendor Name")));

        assertThat(db.withHandle((Handle h) -> reports.list(h, acme.id()))).containsExactly(first);
    }

    @Test
    void rejectsRenamingAReportToASlugTakenInItsOrganization() {
        createReport(acme, "vendors", Map.of("name", "Name"));
        ImportReport other = createReport(acme, "suppliers", Map.of("name", "Name"));

        assertUniqueViolation(() -> db.inTransaction(h -> reports.update(h, acme.id(), other.id(), "vendors",
                "Vendor Import", "vendor", Map.of("name", "Name"))));

        assertThat(db.withHandle((Handle h) -> reports.byId(h, acme.id(), other.id()))).contains(other);
    }

    @Test
    void allowsTheSameReportSlugInTwoOrganizations() {
        ImportReport acmeReport = createReport(acme, "vendors", Map.of("name", "Name"));
        ImportReport globexReport = createReport(globex, "vendors", Map.of("name", "Supplier"));

        assertThat(globexReport.id()).isNotEqualTo(acmeReport.id());
        assertThat(db.withHandle((Handle h) -> reports.bySlug(h, acme.id(), "vendors"))).contains(acmeReport);
        assertThat(db.withHandle((Handle h) -> reports.bySlug(h, globex.id(), "vendors"))).contains(globexReport);
    }

    @Test
    void updatesAndDeletesOnlyTheOrganizationsOwnReports() {
        ImportReport acmeReport = createReport(acme, "vendors", Map.of("name", "Name"));
        clock.advance(Duration.ofMinutes(1));

        assertThat(db.withHandle((Handle h) -> reports.update(h, globex.id(), acmeReport.id(), "taken", "Taken", "contact",
                Map.of("displayName", "Name")))).isEmpty();
        assertThat(db.withHandle((Handle h) -> reports.delete(h, globex.id(), acmeReport.id()))).isFalse();
        assertThat(db.withHandle((Handle h) -> reports.byId(h, globex.id(), acmeReport.id()))).isEmpty();
        assertThat(db.withHandle((Handle h) -> reports.list(h, globex.id()))).isEmpty();
        assertThat(db.withHandle((Handle h) -> reports.byId(h, acme.id(), acmeReport.id()))).contains(acmeReport);

        assertThat(db.withHandle((Handle h) -> reports.update(h, acme.id(), acmeReport.id(), "vendors-v2", "Vendors v2",
                "vendor", Map.of("name", "Vendor Name")))).contains(new ImportReport(acmeReport.id(), acme.id(),
                "vendors-v2", "Vendors v2", "vendor", Map.of("name", "Vendor Name"), acmeReport.createdAt(),
                START.plusSeconds(61)));
        assertThat(db.withHandle((Handle h) -> reports.delete(h, acme.id(), acmeReport.id()))).isTrue();
        assertThat(db.withHandle((Handle h) -> reports.list(h, acme.id()))).isEmpty();
    }

    @Test
    void failingStatementRollsBackEarlierWritesOfItsTransaction() {
        assertUniqueViolation(() -> db.inTransaction(h -> {
            tenants.createKey(h, acme.id(), "importer", KeyKind.SERVICE_ACCOUNT, Set.of(Scope.IMPORT),
                    KeySecrets.generate());
            reports.create(h, acme.id(), "vendors", "Vendor Import", "vendor", Map.of("name", "Name"));
            return reports.create(h, acme.id(), "vendors", "Vendor Import", "vendor", Map.of("name", "Name"));
        }));

        assertThat(db.withHandle((Handle h) -> reports.list(h, acme.id()))).isEmpty();
        assertThat(db.withHandle((Handle h) -> tenants.keys(h, acme.id()))).isEmpty();
    }

    ApiKey createKey(Organization org, String name, String secret) {
        return db.inTransaction(h -> tenants.createKey(h, org.id(), name, KeyKind.SERVICE_ACCOUNT,
                Set.of(Scope.READ, Scope.IMPORT), secret));
    }

    ImportReport createReport(Organization org, String slug, Map<String, String> mapping) {
        return db.inTransaction(h -> reports.create(h, org.id(), slug, "Vendor Import", "vendor", mapping));
    }

    static void assertUniqueViolation(ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(StoreException.class, e -> {
            assertThat(e.isUniqueViolation()).isTrue();
            assertThat(e.code()).isEqualTo("unique_violation");
            assertThat(e.getMessage()).isEqualTo("A unique constraint was violated");
        });
    }

    /** Computed here rather than with {@link KeySecrets#hash}, so the test pins the algorithm. */
    private static String sha256Hex(String text) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
