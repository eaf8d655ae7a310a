package dev.freight.mapping;

import java.util.Objects;

/**
 * A column mapping the organization confirmed before, under its normalized header ({@link HeaderNames#normalize}).
 *
 * @param field the field slug the column fed
 * @param valueType the label its values were given in a multi-value field ("Mobile"), or null
 * @param addressPart the part of an address it fed ("city"), or null (not an address, or the whole address)
 */
public record RememberedMapping(String field, String valueType, String addressPart) {

    public RememberedMapping {
        Objects.requireNonNull(field, "field");
    }
}
