package dev.freight.api;

import dev.freight.api.Views.KeyView;
import dev.freight.schema.Echo;
import dev.freight.schema.NulCharacter;
import dev.freight.store.ApiKey;
import dev.freight.store.Database;
import dev.freight.store.KeyKind;
import dev.freight.store.KeySecrets;
import dev.freight.store.Scope;
import dev.freight.store.TenantStore;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** {@code /v1/keys}: create (the secret is in that answer only), list and revoke the organization's API keys. */
@RestController
class KeyController {

    private final Database database;
    private final TenantStore tenants;

    KeyController(Database database, TenantStore tenants) {
        this.database = database;
        this.tenants = tenants;
    }

    record KeyRequest(String name, String kind, List<String> scopes) {}

    @PostMapping("/v1/keys")
    ResponseEntity<KeyView> create(@RequestBody KeyRequest request, Caller caller) {
        caller.require(Scope.ADMIN);
        KeyKind kind = KeyKind.fromWireName(request.kind() == null ? "" : request.kind()).orElseThrow(() ->
                new ApiException(422, "invalid_key", "kind must be service_account or user, got "
                        + Echo.quoted(request.kind())));
        if (request.scopes() == null || request.scopes().isEmpty()) {
            throw new ApiException(422, "invalid_key", "scopes must list at least one of admin, import, export, read");
        }
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (String s : request.scopes()) {
            scopes.add(Scope.fromWireName(s).orElseThrow(() -> new ApiException(422, "invalid_key",
                    "scopes takes admin, import, export and read, got " + Echo.quoted(s))));
        }
        if (NulCharacter.in(request.name())) {
            throw new ApiException(422, "invalid_key", NulCharacter.problem("name"));
        }
        String name = request.name() == null || request.name().isBlank() ? kind.wireName() : request.name().strip();
        String secret = KeySecrets.generate();
        ApiKey key = database.inTransaction(h -> tenants.createKey(h, caller.organizationId(), name, kind, scopes,
                secret));
        return ResponseEntity.status(201).body(KeyView.of(key, secret));
    }

    @GetMapping("/v1/keys")
    Views.Page<KeyView> list(Caller caller) {
        caller.require(Scope.ADMIN);
        return new Views.Page<>(database.withHandle(h -> tenants.keys(h, caller.organizationId())).stream()
                .map(k -> KeyView.of(k, null))
                .toList(), null);
    }

    @DeleteMapping("/v1/keys/{id}")
    KeyView revoke(@PathVariable String id, Caller caller) {
        caller.require(Scope.ADMIN);
        return database.inTransaction(h -> {
            if (!tenants.revokeKey(h, caller.organizationId(), id)) {
                throw new ApiException(404, "key_not_found", "There is no API key " + Echo.quoted(id));
            }
            return KeyView.of(tenants.key(h, caller.organizationId(), id).orElseThrow(), null);
        });
    }
}
