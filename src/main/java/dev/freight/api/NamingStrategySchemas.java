package dev.freight.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.swagger.v3.core.converter.AnnotatedType;
import io.swagger.v3.core.converter.ModelConverter;
import io.swagger.v3.core.converter.ModelConverterContext;
import io.swagger.v3.core.util.Json;
import io.swagger.v3.oas.models.media.Schema;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/**
 * Gives the OpenAPI document the property names the wire has. The document's generator reads records with Jackson 2,
 * which does not see Jackson 3's {@link JsonNaming}, so a snake_case record ({@code report_name}) would be documented
 * with its Java names ({@code reportName}). A component with an explicit {@link JsonProperty} keeps that name. It
 * remembers which record each schema documents ({@link AnswerSchemas} reads what they leave out). Thread-safe.
 */
final class NamingStrategySchemas implements ModelConverter {

    /** Schema name → the record it documents, for each record resolved. */
    private final Map<String, Class<?>> records = new ConcurrentHashMap<>();

    /** The record the schema {@code name} documents; null when it documents none. */
    Class<?> record(String name) {
        return records.get(name);
    }

    @Override
    public Schema<?> resolve(AnnotatedType type, ModelConverterContext context, Iterator<ModelConverter> chain) {
        if (!chain.hasNext()) {
            return null;
        }
        Schema<?> schema = chain.next().resolve(type, context, chain);
        Class<?> raw = Json.mapper().constructType(type.getType()).getRawClass();
        if (schema == null || !raw.isRecord()) {
            return schema;
        }
        // Resolved as a reference, the schema is only "$ref"; the definition is kept under the referenced name.
        String name = schema.get$ref() != null ? schema.get$ref().substring(schema.get$ref().lastIndexOf('/') + 1)
                : schema.getName();
        if (name != null) {
            records.put(name, raw);
        }
        JsonNaming naming = raw.getAnnotation(JsonNaming.class);
        if (naming == null || !PropertyNamingStrategies.NamingBase.class.isAssignableFrom(naming.value())) {
            return schema;
        }
        PropertyNamingStrategies.NamingBase strategy = strategy(naming);
        rename(schema, raw, strategy);
        if (name != null && context.getDefinedModels().get(name) instanceof Schema<?> defined && defined != schema) {
            rename(defined, raw, strategy);
        }
        return schema;
    }

    /**
     * The name {@code component} of {@code record} has on the wire: its {@link JsonProperty}'s, else its record's
     * naming strategy's, else its own.
     */
    static String wireName(Class<?> record, RecordComponent component) {
        JsonProperty explicit = component.getAccessor().getAnnotation(JsonProperty.class);
        if (explicit != null && !explicit.value().isEmpty()) {
            return explicit.value();
        }
        JsonNaming naming = record.getAnnotation(JsonNaming.class);
        return naming == null || !PropertyNamingStrategies.NamingBase.class.isAssignableFrom(naming.value())
                ? component.getName() : strategy(naming).nameForField(null, null, component.getName());
    }

    private static PropertyNamingStrategies.NamingBase strategy(JsonNaming naming) {
        try {
            return (PropertyNamingStrategies.NamingBase) naming.value().getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Cannot make the naming strategy " + naming.value().getName(), e);
        }
    }

    /** Renames, in place and in order, the properties named after a record component without an explicit name. */
    private static void rename(Schema<?> schema, Class<?> record, PropertyNamingStrategies.NamingBase strategy) {
        @SuppressWarnings("rawtypes")
        Map<String, Schema> properties = schema.getProperties();
        if (properties == null) {
            return;
        }
        Map<String, String> names = new LinkedHashMap<>();
        for (RecordComponent component : record.getRecordComponents()) {
            JsonProperty explicit = component.getAccessor().getAnnotation(JsonProperty.class);
            if (explicit == null || explicit.value().isEmpty()) {
                // A NamingBase names a property from its Java name alone; it reads neither config nor member.
                names.put(component.getName(), strategy.nameForField(null, null, component.getName()));
            }
        }
        @SuppressWarnings("rawtypes")
        Map<String, Schema> renamed = new LinkedHashMap<>();
        properties.forEach((name, property) -> renamed.put(names.getOrDefault(name, name), property));
        schema.setProperties(renamed);
        List<String> required = schema.getRequired();
        if (required != null) {
            schema.setRequired(new ArrayList<>(required.stream().map(name -> names.getOrDefault(name, name)).toList()));
        }
    }
}
