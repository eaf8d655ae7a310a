package dev.freight.engine;

import java.util.Map;
import java.util.function.UnaryOperator;

/** Turns cells of date columns written in their inferred format into ISO text before coercion. */
final class DateReaders {

    private DateReaders() {}

    /** field slug → reader, for the fields whose column format prevalidation inferred. */
    static Map<String, UnaryOperator<String>> of(dev.freight.schema.ObjectDef object, ExecuteOptions options) {
        return Map.of();
    }
}
