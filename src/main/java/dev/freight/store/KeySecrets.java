package dev.freight.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Makes and hashes API key secrets. A key reads {@code frk_<8 chars>_<40 chars>}; the first 12 characters are its
 * visible prefix. Keys are 240-bit random, so one SHA-256 is the right hash: a slow password hash adds nothing.
 */
public final class KeySecrets {

    private static final String ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    private KeySecrets() {}

    public static String generate() {
        return "frk_" + random(8) + "_" + random(40);
    }

    /** The prefix shown in listings so a person can tell keys apart; safe to log. */
    public static String prefixOf(String key) {
        return key.length() <= 12 ? key.substring(0, Math.min(4, key.length())) : key.substring(0, 12);
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
