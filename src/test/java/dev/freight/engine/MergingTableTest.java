package dev.freight.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.engine.ExecuteOptions.MergeMode;
import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.Coerced;
import dev.freight.schema.Coercion;
import dev.freight.schema.Field;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.Value;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.json.JsonMapper;

/** Each merge mode against each kind of value, from {@code merge/cases.tsv}. */
class MergingTableTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final ObjectDef CONTACT = BuiltInObjects.CONTACT;
    /** The contact field each kind of value is tried on (number, boolean, date and list come from the vendor). */
    private static final Map<String, Field> FIELDS = Map.of(
            "text", CONTACT.field("jobTitle").orElseThrow(),
            "number", BuiltInObjects.VENDOR.field("raw_irq_score").orElseThrow(),
            "boolean", BuiltInObjects.VENDOR.field("enterprise").orElseThrow(),
            "date", BuiltInObjects.VENDOR.field("audit_start").orElseThrow(),
            "phones", CONTACT.field("phone").orElseThrow(),
            "address", CONTACT.field("address").orElseThrow(),
            "list", BuiltInObjects.VENDOR.field("dependent_services").orElseThrow());

    static Stream<Arguments> cases() throws IOException {
        try (InputStream in = MergingTableTest.class.getResourceAsStream("/merge/cases.tsv")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.isBlank() && !l.startsWith("#"))
                    .map(l -> l.split("\t"))
                    .map(c -> Arguments.of(c[0], c[1], c[2], c[3], c[4]))
                    .toList().stream();
        }
    }

    @ParameterizedTest(name = "{0} {1}: stored {2}, import {3} -> {4}")
    @MethodSource("cases")
    void mergesEachKindOfValueByTheMode(String mode, String kind, String stored, String imported, String expected) {
        Field field = FIELDS.get(kind);
        Map<String, Value> before = values(field, stored);
        Map<String, Value> incoming = values(field, imported);
        Set<String> cleared = imported.equals("\"\"") ? Set.of(field.slug()) : Set.of();

        Map<String, Value> merged = Merging.merge(MergeMode.parse(mode).orElseThrow(), before, incoming, cleared);

        assertThat(merged).isEqualTo(values(field, expected));
    }

    @ParameterizedTest(name = "{0} keeps fields the import does not map")
    @MethodSource("modes")
    void keepsFieldsTheImportDoesNotMap(String mode) {
        Map<String, Value> stored = new LinkedHashMap<>(Map.of("jobTitle", new Value.Text("CTO"),
                "department", new Value.Text("IT")));

        Map<String, Value> merged = Merging.merge(MergeMode.parse(mode).orElseThrow(), stored,
                Map.of("jobTitle", new Value.Text("CEO")), Set.of());

        assertThat(merged.get("department")).isEqualTo(new Value.Text("IT"));
    }

    static List<String> modes() {
        return List.of("fill_empty", "overwrite", "prefer_import");
    }

    /** The field's value from its JSON form; "-" and "" give no value. */
    private static Map<String, Value> values(Field field, String json) {
        Map<String, Value> out = new HashMap<>();
        if (json.equals("-") || json.equals("\"\"")) {
            return out;
        }
        Object raw = JSON.readValue(json, Object.class);
        if (raw instanceof Number n && !(raw instanceof Double)) {
            raw = n.toString();
        }
        Coerced c = Coercion.coerce(field, raw);
        if (c instanceof Coerced.Ok ok) {
            out.put(field.slug(), ok.value());
            return out;
        }
        throw new IllegalArgumentException("case value " + json + " is not a " + field.type() + ": " + c);
    }

}
