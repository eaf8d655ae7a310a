package dev.freight.store;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** Who holds an API key: a machine integration or a person. The Import API accepts only service accounts. */
public enum KeyKind {
    SERVICE_ACCOUNT,
    USER;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The constant whose wire name is {@code name}, matched without regard to case (API values are). */
    public static Optional<KeyKind> fromWireName(String name) {
        return Arrays.stream(values()).filter(k -> k.wireName().equalsIgnoreCase(name)).findFirst();
    }
}
