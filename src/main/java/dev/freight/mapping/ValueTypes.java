package dev.freight.mapping;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Phone columns and the kind of number they hold, read from their header. */
public final class ValueTypes {

    private static final Set<String> PHONE = Set.of("phone", "telephone", "tel", "telf", "fax", "telfx", "faxnum",
            "mobile", "cell", "cellphone", "cellular", "mobilephone", "handy", "phones");
    private static final Set<String> NOT_PHONE = Set.of("assistant", "assistants", "pager", "callback", "isdn", "radio",
            "tty", "tdd", "telex", "type", "label", "opt", "optout", "out", "extension", "ext", "verified", "call",
            "country", "code", "status", "manager", "managers", "spouse");

    private ValueTypes() {}

    /** Whether the header names a phone number of the record itself (not an assistant's, not a pager or telex). */
    static boolean isPhone(String sourceColumn) {
        List<String> t = HeaderKey.of(sourceColumn).tokens();
        return t.stream().anyMatch(PHONE::contains) && t.stream().noneMatch(NOT_PHONE::contains);
    }

    /**
     * @return the kind of a phone column, for a multi-value phone field: Mobile, Fax, Home, Work, Main or Other; empty
     *     when the column is not a phone column or does not say which kind it is (plain "Phone")
     */
    public static Optional<String> valueType(String sourceColumn) {
        if (!isPhone(sourceColumn)) {
            return Optional.empty();
        }
        List<String> t = HeaderKey.of(sourceColumn).tokens();
        if (t.contains("fax") || t.contains("telfx") || t.contains("faxnum")) {
            return Optional.of("Fax");
        }
        if (t.contains("mobile") || t.contains("cell") || t.contains("cellular") || t.contains("cellphone")
                || t.contains("mobilephone") || t.contains("handy")) {
            return Optional.of("Mobile");
        }
        if (t.contains("home") || t.contains("personal") || t.contains("private")) {
            return Optional.of("Home");
        }
        if (t.contains("business") || t.contains("work") || t.contains("office") || t.contains("direct")) {
            return Optional.of("Work");
        }
        if (t.contains("main") || t.contains("primary") || t.contains("company") || t.contains("switchboard")) {
            return Optional.of("Main");
        }
        if (t.contains("other") || t.contains("alt") || t.contains("alternate") || t.contains("car")) {
            return Optional.of("Other");
        }
        return Optional.empty();
    }
}
