package dev.freight.schema;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Objects;

/** A typed field value. Absent values are not represented: a record simply has no entry for the field. */
public sealed interface Value {

    record Text(String value) implements Value {
        public Text {
            Objects.requireNonNull(value);
        }
    }

    record Decimal(BigDecimal value) implements Value {
        public Decimal {
            Objects.requireNonNull(value);
        }
    }

    record Int(long value) implements Value {}

    record Bool(boolean value) implements Value {}

    record Date(LocalDate value) implements Value {
        public Date {
            Objects.requireNonNull(value);
        }
    }

    record DateTime(Instant value) implements Value {
        public DateTime {
            Objects.requireNonNull(value);
        }
    }

    /**
     * A reference to another record by its external_id; {@code id} is the referenced record's id once resolved and
     * {@code object} the object it was found in, both null before resolution. A resolved reference to a record that
     * has no external_id (found by its name or id, or created from a name) has a null {@code externalId}: the id alone
     * names it.
     */
    record Ref(String externalId, String object, String id) implements Value {
        public Ref {
            if (externalId == null && id == null) {
                throw new NullPointerException("a reference needs an external_id or an id");
            }
        }

        /**
         * The text that names the referenced record in a file, and that an import resolves back to it: its
         * external_id, or its id when it has none.
         */
        public String text() {
            return externalId != null ? externalId : id;
        }

        public Ref resolved(String foundObject, String foundId) {
            return new Ref(externalId, foundObject, foundId);
        }

        public boolean isResolved() {
            return id != null;
        }
    }

    /** Several values of one field, e.g. the entries of a list field or the phones of a contact. */
    record Many(List<Value> values) implements Value {
        public Many {
            values = List.copyOf(values);
        }
    }

    /** A value with a kind label such as "Mobile" or "Work", used inside {@link Many}. */
    record Labeled(String label, Value value) implements Value {
        public Labeled {
            Objects.requireNonNull(label);
            Objects.requireNonNull(value);
        }
    }

    /** A postal address; absent parts are null. */
    record Address(String street, String street2, String city, String state, String zip, String country)
            implements Value {

        public static final List<String> PARTS = List.of("street", "street2", "city", "state", "zip", "country");

        public String part(String name) {
            return switch (name) {
                case "street" -> street;
                case "street2" -> street2;
                case "city" -> city;
                case "state" -> state;
                case "zip" -> zip;
                case "country" -> country;
                default -> throw new IllegalArgumentException("unknown address part " + name);
            };
        }
    }
}
