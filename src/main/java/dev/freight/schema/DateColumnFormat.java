package dev.freight.schema;

import java.util.Objects;

/**
 * The date format of a column, inferred by {@link DateInference}.
 *
 * @param order how the date's parts are written
 * @param withTime whether values carry a time of day (then {@link DateInference#toIso} gives date-times)
 * @param ambiguous whether both the US (month first) and the European (day first) reading fit every value, as when
 *     no day exceeds 12; {@code order} is then {@link DateOrder#MDY} and the caller should ask or warn rather than
 *     take it silently
 * @param pattern the format for people, such as {@code MM/DD/YYYY}, {@code D.M.YY HH:mm} or {@code YYYY-MM-DD};
 *     informative only
 */
public record DateColumnFormat(DateOrder order, boolean withTime, boolean ambiguous, String pattern) {

    public DateColumnFormat {
        Objects.requireNonNull(order, "order");
        Objects.requireNonNull(pattern, "pattern");
    }
}
