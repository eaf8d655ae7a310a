package dev.freight.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** Organizations and their API keys. Thread-safe. */
public final class TenantStore {

    private static final String KEY_COLUMNS =
            "id, organization_id, name, kind, scopes, prefix, created_at, revoked_at";

    private final IdGenerator ids;
    private final Clock clock;

    public TenantStore(IdGenerator ids, Clock clock) {
        this.ids = ids;
        this.clock = clock;
    }

    public long countOrganizations(Handle h) {
        return h.queryFirst("select count(*) from organizations", rs -> rs.getLong(1)).orElse(0L);
    }

    public Organization createOrganization(Handle h, String slug, String name) {
        Organization org = new Organization(ids.next("org"), slug, name, Instant.ofEpochMilli(clock.millis()));
        h.update("insert into organizations (id, slug, name, created_at) values (?, ?, ?, ?)",
                org.id(), org.slug(), org.name(), org.createdAt().toEpochMilli());
        return org;
    }

    public Optional<Organization> organizationBySlug(Handle h, String slug) {
        return h.queryFirst("select id, slug, name, created_at from organizations where slug = ?",
                TenantStore::organization, slug);
    }

    public Optional<Organization> organizationById(Handle h, String id) {
        return h.queryFirst("select id, slug, name, created_at from organizations where id = ?",
                TenantStore::organization, id);
    }

    /** Stores a key whose secret is {@code key}; only its hash and prefix are kept. */
    public ApiKey createKey(Handle h, String organizationId, String name, KeyKind kind, Set<Scope> scopes,
            String key) {
        ApiKey apiKey = new ApiKey(ids.next("key"), organizationId, name, kind, Set.copyOf(scopes),
                KeySecrets.prefixOf(key), Instant.ofEpochMilli(clock.millis()), null);
        h.update("insert into api_keys (" + KEY_COLUMNS + ", secret_hash) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                apiKey.id(), organizationId, name, kind.wireName(), scopesText(scopes), apiKey.prefix(),
                apiKey.createdAt().toEpochMilli(), null, KeySecrets.hash(key));
        return apiKey;
    }

    /** The key whose secret is {@code key}, revoked or not. */
    public Optional<ApiKey> keyBySecret(Handle h, String key) {
        return h.queryFirst("select " + KEY_COLUMNS + " from api_keys where secret_hash = ?", TenantStore::apiKey,
                KeySecrets.hash(key));
    }

    public List<ApiKey> keys(Handle h, String organizationId) {
        return h.query("select " + KEY_COLUMNS + " from api_keys where organization_id = ? order by id",
                TenantStore::apiKey, organizationId);
    }

    public Optional<ApiKey> key(Handle h, String organizationId, String keyId) {
        return h.queryFirst("select " + KEY_COLUMNS + " from api_keys where organization_id = ? and id = ?",
                TenantStore::apiKey, organizationId, keyId);
    }

    /** Revokes a key of the organization; false when it has no such key. Revoking twice keeps the first time. */
    public boolean revokeKey(Handle h, String organizationId, String keyId) {
        h.update("update api_keys set revoked_at = ? where organization_id = ? and id = ? and revoked_at is null",
                clock.millis(), organizationId, keyId);
        return key(h, organizationId, keyId).isPresent();
    }

    private static Organization organization(ResultSet rs) throws SQLException {
        return new Organization(rs.getString(1), rs.getString(2), rs.getString(3),
                Instant.ofEpochMilli(rs.getLong(4)));
    }

    private static ApiKey apiKey(ResultSet rs) throws SQLException {
        long revoked = rs.getLong(8);
        Instant revokedAt = rs.wasNull() ? null : Instant.ofEpochMilli(revoked);
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        Arrays.stream(rs.getString(5).split(","))
                .map(Scope::fromWireName)
                .flatMap(Optional::stream)
                .forEach(scopes::add);
        return new ApiKey(rs.getString(1), rs.getString(2), rs.getString(3),
                KeyKind.fromWireName(rs.getString(4)).orElseThrow(), Set.copyOf(scopes), rs.getString(6),
                Instant.ofEpochMilli(rs.getLong(7)), revokedAt);
    }

    private static String scopesText(Set<Scope> scopes) {
        return scopes.stream().sorted().map(Scope::wireName).collect(Collectors.joining(","));
    }
}
