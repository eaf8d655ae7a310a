package dev.freight.api;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and checks expiring URLs that work without an API key: HMAC-SHA256 over the method, the path and the expiry.
 * Thread-safe.
 */
final class UrlSigner {

    private final byte[] key;
    private final Clock clock;
    /** Where a fresh URL comes from, for the messages of a bad or expired one. */
    private final String freshFrom;

    UrlSigner(byte[] key, Clock clock) {
        this(key, clock, "the import (GET /v1/imports/{id})");
    }

    private UrlSigner(byte[] key, Clock clock, String freshFrom) {
        this.key = key.clone();
        this.clock = clock;
        this.freshFrom = freshFrom;
    }

    /** This signer (the same key), its errors telling the caller to get a fresh URL from {@code freshFrom}. */
    UrlSigner freshFrom(String freshFrom) {
        return new UrlSigner(key, clock, freshFrom);
    }

    /** {@code path?expires=…&signature=…}, valid for {@code ttl}. */
    String sign(String method, String path, Duration ttl) {
        return signUntil(method, path, clock.instant().plus(ttl));
    }

    /** {@code path?expires=…&signature=…}, valid until {@code expiresAt} (to the second). */
    String signUntil(String method, String path, Instant expiresAt) {
        long expires = expiresAt.getEpochSecond();
        return path + "?expires=" + expires + "&signature=" + mac(method, path, expires);
    }

    /** Throws 403 unless the signature matches and has not expired. */
    void verify(String method, String path, String expires, String signature) {
        long at;
        try {
            at = Long.parseLong(expires == null ? "" : expires);
        } catch (NumberFormatException e) {
            throw invalid();
        }
        byte[] expected = mac(method, path, at).getBytes(StandardCharsets.US_ASCII);
        byte[] given = (signature == null ? "" : signature).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, given)) {
            throw invalid();
        }
        if (clock.instant().getEpochSecond() > at) {
            throw new ApiException(403, "url_expired", "This URL expired at " + Instant.ofEpochSecond(at)
                    + "; get a fresh one from " + freshFrom);
        }
    }

    private ApiException invalid() {
        return new ApiException(403, "invalid_signature", "This URL's signature is not valid (was it changed?);"
                + " get a fresh one from " + freshFrom);
    }

    private String mac(String method, String path, long expires) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal((method + " " + path + " " + expires)
                    .getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }
}
