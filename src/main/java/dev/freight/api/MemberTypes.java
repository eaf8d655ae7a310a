package dev.freight.api;

import dev.freight.schema.Coercion;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.http.converter.HttpMessageNotReadableException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.MismatchedInputException;

/**
 * A member of a request body Spring binds whose JSON type is not the member's ({@code "name": 5}, {@code "required":
 * "true"}, {@code "scopes": "read"}), as the error its route answers for an invalid member: the member's path and the
 * type it takes. The mapper reads no number or boolean as text, nor text or a number as a boolean
 * ({@link ApiConfiguration#strictMembers}). Stateless.
 */
final class MemberTypes {

    /** Jackson's words for the JSON type of a value it could not bind, when it keeps no value. */
    private static final Pattern FOUND = Pattern.compile(
            "(?:Cannot coerce|from) (String|Array|Object|Boolean|Integer|Floating-point|Number) value");

    private MemberTypes() {}

    /** The route's error for the member {@code e} is about; null when it is about no member of a known body. */
    static ApiException wrongType(HttpMessageNotReadableException e) {
        if (!(e.getCause() instanceof MismatchedInputException mismatch) || mismatch.getPath().isEmpty()) {
            return null;
        }
        Object root = mismatch.getPath().getFirst().from();
        Class<?> body = root instanceof Class<?> c ? c : root != null ? root.getClass() : null;
        String problem = member(mismatch.getPath()) + " must be " + expected(mismatch.getTargetType())
                + found(mismatch);
        if (body == KeyController.KeyRequest.class) {
            return new ApiException(422, "invalid_key", problem);
        }
        if (body == ImportsController.CreateRequest.class) {
            return new ApiException(422, "invalid_import", problem);
        }
        if (body == ImportReportController.ReportRequest.class) {
            return ImportReportController.invalid(List.of(problem));
        }
        if (body == ObjectController.ObjectRequest.class || body == ObjectController.FieldRequest.class) {
            return ObjectController.invalid(List.of(problem));
        }
        return null;
    }

    /** {@code fields[0].required}, {@code mapping.name}: the member as the body spells it. */
    private static String member(List<JacksonException.Reference> path) {
        StringBuilder member = new StringBuilder();
        for (JacksonException.Reference step : path) {
            if (step.getPropertyName() != null) {
                member.append(member.isEmpty() ? "" : ".").append(step.getPropertyName());
            } else {
                member.append('[').append(step.getIndex()).append(']');
            }
        }
        return member.toString();
    }

    /**
     * ", got 5" when Jackson kept the value, ", got a string" when it named its JSON type only (text for a boolean, a
     * list for text); nothing when it said neither.
     */
    private static String found(MismatchedInputException e) {
        if (e instanceof InvalidFormatException f) {
            return ", got " + Coercion.describe(f.getValue());
        }
        Matcher kind = FOUND.matcher(String.valueOf(e.getOriginalMessage()));
        return !kind.find() ? "" : ", got " + switch (kind.group(1)) {
            case "String" -> "a string";
            case "Array" -> "an array";
            case "Object" -> "an object";
            case "Boolean" -> "a boolean";
            default -> "a number";
        };
    }

    private static String expected(Class<?> type) {
        if (type == String.class) {
            return "a string";
        }
        if (type == Boolean.class) {
            return "true or false";
        }
        return type != null && Collection.class.isAssignableFrom(type) ? "a list" : "an object";
    }
}
