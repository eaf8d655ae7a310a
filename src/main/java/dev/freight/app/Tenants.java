package dev.freight.app;

import dev.freight.store.ApiKey;
import dev.freight.store.Database;
import dev.freight.store.KeyKind;
import dev.freight.store.KeySecrets;
import dev.freight.store.Organization;
import dev.freight.store.Scope;
import dev.freight.store.TenantStore;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/** Creating organizations and keys, shared by the first-start bootstrap and the command line. */
final class Tenants {

    /** A key just created: the secret is here once and nowhere else. */
    record CreatedKey(ApiKey key, String secret) {}

    static final Set<Scope> ALL_SCOPES = EnumSet.allOf(Scope.class);

    private final Database database;
    private final TenantStore tenants;

    Tenants(Database database, TenantStore tenants) {
        this.database = database;
        this.tenants = tenants;
    }

    /** The default scopes of a kind: a service account imports, exports and reads; a user exports and reads. */
    static Set<Scope> defaultScopes(KeyKind kind) {
        return kind == KeyKind.SERVICE_ACCOUNT
                ? EnumSet.of(Scope.IMPORT, Scope.EXPORT, Scope.READ)
                : EnumSet.of(Scope.EXPORT, Scope.READ);
    }

    /**
     * On an empty database, creates the default organization and an admin service-account key; empty when the
     * database already has an organization. {@code presetSecret} is used as the key when non-null.
     */
    Optional<CreatedKey> bootstrap(String presetSecret) {
        return database.inTransaction(h -> {
            if (tenants.countOrganizations(h) > 0) {
                return Optional.<CreatedKey>empty();
            }
            Organization org = tenants.createOrganization(h, "default", "Default organization");
            String secret = presetSecret != null ? presetSecret : KeySecrets.generate();
            ApiKey key = tenants.createKey(h, org.id(), "bootstrap", KeyKind.SERVICE_ACCOUNT, ALL_SCOPES, secret);
            return Optional.of(new CreatedKey(key, secret));
        });
    }

    Organization createOrganization(String slug, String name) {
        return database.inTransaction(h -> tenants.createOrganization(h, slug, name));
    }

    /** The CLI's answer to a slug no organization has, with the command that makes one. */
    static ConfigException noOrganization(String slug) {
        return new ConfigException("There is no organization \"" + slug + "\"; create it first with: orgs create --slug "
                + slug);
    }

    CreatedKey createKey(String organizationSlug, String name, KeyKind kind, Set<Scope> scopes) {
        return database.inTransaction(h -> {
            Organization org = tenants.organizationBySlug(h, organizationSlug)
                    .orElseThrow(() -> noOrganization(organizationSlug));
            String secret = KeySecrets.generate();
            return new CreatedKey(tenants.createKey(h, org.id(), name, kind, scopes, secret), secret);
        });
    }
}
