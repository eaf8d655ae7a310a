package dev.freight.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.media.Schema;
import java.lang.reflect.RecordComponent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springdoc.core.customizers.OpenApiCustomizer;

/**
 * Lists as required, in the OpenAPI document, every member an answer always has (null where it has no value), so that
 * generated clients type them as present: each property of a schema that an answer refers to, directly or through
 * others, but those its record leaves out when null or empty ({@link JsonInclude} on the record or the member, and
 * the members of a {@link JsonUnwrapped} one). The schemas only requests refer to keep the members they name as
 * required themselves. Thread-safe.
 */
final class AnswerSchemas implements OpenApiCustomizer {

    private final NamingStrategySchemas records;

    AnswerSchemas(NamingStrategySchemas records) {
        this.records = records;
    }

    @Override
    public void customise(OpenAPI openApi) {
        if (openApi.getComponents() == null || openApi.getComponents().getSchemas() == null) {
            return;
        }
        @SuppressWarnings("rawtypes")
        Map<String, Schema> schemas = openApi.getComponents().getSchemas();
        Deque<String> toVisit = new ArrayDeque<>();
        openApi.getPaths().values().forEach(path -> path.readOperations().stream().map(Operation::getResponses)
                .filter(responses -> responses != null).forEach(responses -> responses.values().forEach(answer -> {
                    if (answer.getContent() != null) {
                        answer.getContent().values().forEach(media -> referred(media.getSchema(), toVisit));
                    }
                })));
        Set<String> visited = new HashSet<>();
        while (!toVisit.isEmpty()) {
            String name = toVisit.pop();
            Schema<?> schema = schemas.get(name);
            if (schema == null || !visited.add(name)) {
                continue;
            }
            if (schema.getProperties() != null) {
                Set<String> omitted = leftOut(records.record(name));
                List<String> required = new ArrayList<>(schema.getProperties().keySet().stream()
                        .filter(property -> !omitted.contains(property)).toList());
                schema.setRequired(required.isEmpty() ? null : required);
            }
            referred(schema, toVisit);
        }
    }

    /** The wire names of the members {@code record} (null: none) leaves out when null or empty. */
    private static Set<String> leftOut(Class<?> record) {
        Set<String> omitted = new HashSet<>();
        for (RecordComponent component : record == null ? new RecordComponent[0] : record.getRecordComponents()) {
            if (component.getAccessor().isAnnotationPresent(JsonUnwrapped.class) && component.getType().isRecord()) {
                // Its members are in the record's schema, and none is written when it is null (a job of a list).
                for (RecordComponent inner : component.getType().getRecordComponents()) {
                    omitted.add(NamingStrategySchemas.wireName(component.getType(), inner));
                }
                continue;
            }
            JsonInclude own = component.getAccessor().getAnnotation(JsonInclude.class);
            JsonInclude include = own != null ? own : record.getAnnotation(JsonInclude.class);
            if (include != null && include.value() != JsonInclude.Include.ALWAYS
                    && include.value() != JsonInclude.Include.USE_DEFAULTS && !component.getType().isPrimitive()) {
                omitted.add(NamingStrategySchemas.wireName(record, component));
            }
        }
        return omitted;
    }

    /** Adds the names of the schemas {@code schema} is or refers to: its items, values, properties and parts. */
    @SuppressWarnings("rawtypes")
    private static void referred(Schema<?> schema, Deque<String> names) {
        if (schema == null) {
            return;
        }
        if (schema.get$ref() != null) {
            names.add(schema.get$ref().substring(schema.get$ref().lastIndexOf('/') + 1));
        }
        referred(schema.getItems(), names);
        if (schema.getAdditionalProperties() instanceof Schema<?> values) {
            referred(values, names);
        }
        List<Schema> parts = new ArrayList<>();
        if (schema.getProperties() != null) {
            parts.addAll(schema.getProperties().values());
        }
        for (List<Schema> some : Arrays.asList(schema.getAllOf(), schema.getOneOf(), schema.getAnyOf())) {
            if (some != null) {
                parts.addAll(some);
            }
        }
        parts.forEach(part -> referred(part, names));
    }
}
