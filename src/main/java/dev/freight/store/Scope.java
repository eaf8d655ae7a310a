package dev.freight.store;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** What an API key may do. {@link #ADMIN} includes every other scope. */
public enum Scope {
    ADMIN,
    IMPORT,
    EXPORT,
    READ;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The constant whose wire name is {@code name}, matched without regard to case (API values are). */
    public static Optional<Scope> fromWireName(String name) {
        return Arrays.stream(values()).filter(s -> s.wireName().equalsIgnoreCase(name)).findFirst();
    }
}
