package dev.freight.export;

import dev.freight.schema.Value;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * How a value reads as one cell of text (CSV, PDF, and XLSX cells that are not numbers, booleans or dates): numbers
 * in plain notation, ISO dates (or the request's date format, in UTC), references by external_id (by id for a record
 * without one: {@code Value.Ref.text()}), several values joined with {@code "; "}, labeled values as
 * {@code "Mobile: +1 555 0100"}, addresses as their labeled parts
 * ({@code "street: 1 Main St; city: Springfield; zip: 62704"}, which a file import reads back into the parts; several
 * addresses one a line) or, for a document to read ({@link #forReading}), on one postal line. Stateless.
 */
final class CellText {

    private CellText() {}

    static String of(Value value, DateTimeFormatter dates) {
        return text(value, dates, false);
    }

    /** As {@link #of}, but an address on one line: {@code 1 Main St, Springfield, IL 62704, US}. */
    static String forReading(Value value, DateTimeFormatter dates) {
        return text(value, dates, true);
    }

    private static String text(Value value, DateTimeFormatter dates, boolean postal) {
        return switch (value) {
            case Value.Text t -> t.value();
            case Value.Decimal d -> d.value().toPlainString();
            case Value.Int i -> Long.toString(i.value());
            case Value.Bool b -> b.value() ? "true" : "false";
            case Value.Date d -> dates == null ? d.value().toString() : dates.format(d.value().atStartOfDay(ZoneOffset.UTC));
            case Value.DateTime d -> dates == null ? d.value().toString() : dates.format(d.value().atZone(ZoneOffset.UTC));
            case Value.Ref r -> r.text();
            case Value.Many m -> {
                List<String> items = new ArrayList<>(m.values().size());
                m.values().forEach(v -> items.add(text(v, dates, postal)));
                // Addresses already separate their parts with "; ": one a line keeps where each begins.
                boolean addresses = !postal && m.values().stream().allMatch(v -> v instanceof Value.Address);
                yield String.join(addresses ? "\n" : "; ", items);
            }
            case Value.Labeled l -> l.label() + ": " + text(l.value(), dates, postal);
            case Value.Address a -> postal ? postal(a) : parts(a);
        };
    }

    /** {@code street: …; street2: …; city: …; state: …; zip: …; country: …} without the absent parts. */
    private static String parts(Value.Address a) {
        List<String> parts = new ArrayList<>();
        for (String part : Value.Address.PARTS) {
            String v = a.part(part);
            if (v != null && !v.isBlank()) {
                parts.add(part + ": " + v);
            }
        }
        return String.join("; ", parts);
    }

    /** {@code street, street2, city, state zip, country} without the absent parts. */
    private static String postal(Value.Address a) {
        List<String> parts = new ArrayList<>();
        add(parts, a.street());
        add(parts, a.street2());
        add(parts, a.city());
        String stateZip = ((a.state() == null ? "" : a.state()) + " " + (a.zip() == null ? "" : a.zip())).strip();
        add(parts, stateZip);
        add(parts, a.country());
        return String.join(", ", parts);
    }

    private static void add(List<String> parts, String part) {
        if (part != null && !part.isBlank()) {
            parts.add(part);
        }
    }

    /** Whether a value is written as text (and so could be read as a formula by a spreadsheet). */
    static boolean isText(Value value) {
        return !(value instanceof Value.Decimal || value instanceof Value.Int || value instanceof Value.Bool
                || value instanceof Value.Date || value instanceof Value.DateTime);
    }
}
