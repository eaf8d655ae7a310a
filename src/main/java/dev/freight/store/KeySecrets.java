package dev.freight.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Makes and hashes API key secrets. A key reads {@code frk_<8 chars>_<40 chars>}; the first 12 characters are its
 * visible prefix. Keys are 240-bit random, so one SHA-256 is the right hash: a slow password hash adds nothing.
 */
public final class KeySecrets {

    private static final String ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    private static final SecureRandom RANDOM = new SecureRandom();
    /** What {@link #generate} makes. */
    private static final Pattern GENERATED = Pattern.compile("frk_[" + ALPHABET + "]{8}_[" + ALPHABET + "]{40}");

    private KeySecrets() {}

    public static String generate() {
        return "frk_" + random(8) + "_" + random(40);
    }

    /**
     * The prefix shown in listings so a person can tell keys apart; safe to log. A generated key shows its first 12
     * characters ({@code frk_} and 8 of its random characters), which leave 40 secret. Any other key (one given as
     * {@code FREIGHT_BOOTSTRAP_API_KEY}, which may have as few as 20 characters) shows only its first 4: 12 of 20
     * would leave just 8 secret, stored in plain text and listed by {@code GET /v1/keys}.
     */
    public static String prefixOf(String key) {
        return GENERATED.matcher(key).matches() ? key.substring(0, 12) : key.substring(0, Math.min(4, key.length()));
    }

    public static String hash(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static String random(int length) {
        StringBuilder b = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            b.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return b.toString();
    }
}
