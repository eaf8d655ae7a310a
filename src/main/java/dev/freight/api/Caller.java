package dev.freight.api;

import dev.freight.schema.Echo;
import dev.freight.store.ApiKey;
import dev.freight.store.KeyKind;
import dev.freight.store.Scope;

/** The authenticated key behind a request. Everything it reads or writes is scoped to its organization. */
public record Caller(ApiKey key) {

    public String organizationId() {
        return key.organizationId();
    }

    /** Throws 403 unless the key has {@code scope} (admin has all). */
    public Caller require(Scope scope) {
        if (!key.allows(scope)) {
            throw new ApiException(403, "insufficient_scope",
                    "Access denied: this API key lacks the " + Echo.quoted(scope.wireName()) + " scope");
        }
        return this;
    }

    /** Throws 403 unless the key has {@code scope} or {@code alternative} (admin has all). */
    public Caller requireEither(Scope scope, Scope alternative) {
        if (!key.allows(scope) && !key.allows(alternative)) {
            throw new ApiException(403, "insufficient_scope", "Access denied: this API key lacks the "
                    + Echo.quoted(scope.wireName()) + " scope (or " + Echo.quoted(alternative.wireName()) + ")");
        }
        return this;
    }

    /** Throws 403 unless the key is of {@code kind}. */
    public Caller requireKind(KeyKind kind) {
        if (key.kind() != kind) {
            throw new ApiException(403, "wrong_key_kind",
                    "This endpoint requires a " + kind.wireName() + " API key; this key is a " + key.kind().wireName()
                            + " key");
        }
        return this;
    }
}
