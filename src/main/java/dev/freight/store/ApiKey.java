package dev.freight.store;

import java.time.Instant;
import java.util.Set;

/** A stored API key: its visible prefix and metadata, never the secret. {@code revokedAt} is null while valid. */
public record ApiKey(
        String id,
        String organizationId,
        String name,
        KeyKind kind,
        Set<Scope> scopes,
        String prefix,
        Instant createdAt,
        Instant revokedAt) {

    public boolean allows(Scope scope) {
        return scopes.contains(Scope.ADMIN) || scopes.contains(scope);
    }
}
