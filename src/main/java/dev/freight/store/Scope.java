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

    public static Optional<Scope> fromWireName(String name) {
        return Arrays.stream(values()).filter(s -> s.wireName().equals(name)).findFirst();
    }
}
