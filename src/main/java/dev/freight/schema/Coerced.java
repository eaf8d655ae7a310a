package dev.freight.schema;

/** Outcome of coercing one raw value: a typed value, nothing (null or blank), or a reason it is invalid. */
public sealed interface Coerced {

    record Ok(Value value) implements Coerced {}

    record Empty() implements Coerced {}

    /** @param message one sentence naming the field, what was expected and what was found */
    record Invalid(String message) implements Coerced {}

    Empty EMPTY = new Empty();
}
