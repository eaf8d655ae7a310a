package dev.freight.mapping;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Which part of a postal address a column holds, read from its header. */
public final class AddressParts {

    private static final Set<String> NOT_ADDRESS = Set.of("latitude", "longitude", "geocode", "accuracy", "formatted",
            "po", "box", "pobox", "pfach", "phone", "email", "mail", "name", "label", "type", "web", "ip", "url", "id");
    private static final Set<String> STREET = Set.of("street", "stras", "strasse", "address", "addr", "line");
    private static final Set<String> CITY = Set.of("city", "town", "ort", "locality", "ville", "stadt");
    private static final Set<String> STATE = Set.of("state", "province", "county", "regio", "bundesland");
    private static final Set<String> ZIP = Set.of("zip", "postal", "postcode", "zipcode", "plz", "pstlz");
    private static final Set<String> COUNTRY = Set.of("country", "land");
    /** Words that make a bare "region" an address region rather than, say, a sales region. */
    private static final Set<String> ADDRESS_CONTEXT = Set.of("address", "mailing", "billing", "shipping", "business",
            "home", "other", "street", "state");
    private static final Set<String> PRIMARY = Set.of("business", "work", "mailing", "billing", "primary", "main",
            "office", "registered");
    private static final Set<String> SECONDARY = Set.of("home", "personal", "private");

    private AddressParts() {}

    /**
     * @return street, street2, city, state, zip or country; empty when the header does not name one address part
     *     (including third street lines, PO boxes, geocodes and one-line formatted addresses)
     */
    public static Optional<String> addressPart(String sourceColumn) {
        HeaderKey key = HeaderKey.of(sourceColumn);
        List<String> t = key.tokens();
        if (t.isEmpty() || t.stream().anyMatch(NOT_ADDRESS::contains)) {
            return Optional.empty();
        }
        if (t.stream().anyMatch(ZIP::contains) || t.contains("post") && t.contains("code")) {
            return Optional.of("zip");
        }
        if (t.stream().anyMatch(COUNTRY::contains)) {
            return Optional.of("country");
        }
        if (t.stream().anyMatch(STATE::contains)
                || t.contains("region") && t.stream().anyMatch(ADDRESS_CONTEXT::contains)) {
            return Optional.of("state");
        }
        if (t.stream().anyMatch(CITY::contains)) {
            return Optional.of("city");
        }
        if (t.contains("extended") || t.contains("suite") || t.contains("apartment")) {
            return Optional.of("street2");
        }
        if (t.stream().anyMatch(STREET::contains)) {
            int line = lineNumber(t);
            return switch (line) {
                case 0, 1 -> Optional.of("street");
                case 2 -> Optional.of("street2");
                default -> Optional.empty();
            };
        }
        return Optional.empty();
    }

    /** 0 for the primary address (business, mailing, billing, unqualified, number 1), higher for the others. */
    static int rank(String sourceColumn) {
        HeaderKey key = HeaderKey.of(sourceColumn);
        int rank = 0;
        if (key.tokens().stream().anyMatch(SECONDARY::contains)) {
            rank = 1;
        } else if (key.tokens().stream().noneMatch(PRIMARY::contains) && key.tokens().stream()
                .anyMatch(t -> t.equals("other") || t.equals("shipping") || t.equals("alternate")
                        || t.equals("secondary") || t.equals("delivery") || t.equals("physical") || t.equals("postal")
                                && key.tokens().contains("address"))) {
            rank = 2;
        }
        int set = setNumber(key.tokens());
        return rank + Math.max(0, set - 1);
    }

    /** A number that ends the header numbers a street line ("Street 2", "Address Line 2"). */
    private static int lineNumber(List<String> t) {
        String last = t.get(t.size() - 1);
        return last.chars().allMatch(Character::isDigit) ? Integer.parseInt(last) : 0;
    }

    /** A number in the middle numbers the address itself ("Address 2 - City"). */
    private static int setNumber(List<String> t) {
        for (int i = 0; i < t.size() - 1; i++) {
            if (t.get(i).chars().allMatch(Character::isDigit) && t.get(i).length() <= 2) {
                return Integer.parseInt(t.get(i));
            }
        }
        return 0;
    }
}
