package dev.freight.schema;

import java.util.Arrays;
import java.util.Optional;

/** The type of a field. {@link #wireName()} is the stable name used in the API and in stored definitions. */
public enum FieldType {
    TEXT("text", "text"),
    LONG_TEXT("long_text", "text"),
    EMAIL("email", "an email address"),
    PHONE("phone", "a phone number"),
    URL("url", "a URL"),
    INTEGER("integer", "an integer"),
    NUMBER("number", "a number"),
    BOOLEAN("boolean", "true or false"),
    DATE("date", "a date (YYYY-MM-DD)"),
    DATETIME("datetime", "a date-time (ISO 8601, e.g. 2024-01-15T10:30:00Z)"),
    ENUM("enum", "one of the options"),
    REFERENCE("reference", "an external_id"),
    LIST("list", "a list of text"),
    ADDRESS("address", "an address object (street, street2, city, state, zip, country)");

    private final String wireName;
    private final String expectation;

    FieldType(String wireName, String expectation) {
        this.wireName = wireName;
        this.expectation = expectation;
    }

    public String wireName() {
        return wireName;
    }

    /** How an error message describes a valid value of this type, e.g. "a number". */
    String expectation() {
        return expectation;
    }

    /** The constant whose wire name is {@code name}, matched without regard to case (API values are). */
    public static Optional<FieldType> fromWireName(String name) {
        return Arrays.stream(values()).filter(t -> t.wireName.equalsIgnoreCase(name)).findFirst();
    }
}
