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
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
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
    @ApiResponse(responseCode = "201", description = "The key, with its secret in key (only in this answer)",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = KeyView.class)))
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope (admin)",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "413", description = "payload_too_large",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "415", description = "unsupported_media_type (a body that is not application/json)",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "422", description = "invalid_key, malformed_body",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    ResponseEntity<KeyView> create(@RequestBody KeyRequest request, Caller caller) {
        caller.require(Scope.ADMIN);
        if (request.kind() == null) {
            throw new ApiException(422, "invalid_key", "kind is required: service_account or user");
        }
        KeyKind kind = KeyKind.fromWireName(request.kind()).orElseThrow(() -> new ApiException(422, "invalid_key",
                "kind must be service_account or user, got " + Echo.quoted(request.kind())));
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
    @ApiResponse(responseCode = "200", description = "The organization's keys, without secrets",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = Views.KeyPage.class)))
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope (admin)",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    Views.Page<KeyView> list(Caller caller) {
        caller.require(Scope.ADMIN);
        return new Views.Page<>(database.withHandle(h -> tenants.keys(h, caller.organizationId())).stream()
                .map(k -> KeyView.of(k, null))
                .toList(), null);
    }

    @DeleteMapping("/v1/keys/{id}")
    @ApiResponse(responseCode = "200", description = "The key, with revoked_at",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = KeyView.class)))
    @ApiResponse(responseCode = "401", description = "unauthenticated, invalid_api_key, revoked_api_key",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "403", description = "insufficient_scope (admin)",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @ApiResponse(responseCode = "404", description = "key_not_found",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
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
