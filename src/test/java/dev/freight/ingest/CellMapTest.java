package dev.freight.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.AbstractMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CellMapTest {

    private static final List<String> NAMES = List.of("external_id", "name", "website");
    private static final Map<String, Integer> POSITIONS = Map.of("external_id", 0, "name", 1, "website", 2);

    @Test
    void behavesAsALinkedHashMapInColumnOrderWithExtraKeysAfterTheHeader() {
        CellMap cells = new CellMap(NAMES, POSITIONS);
        Map<String, Object> expected = new LinkedHashMap<>();
        for (Map<String, Object> m : List.<Map<String, Object>>of(cells, expected)) {
            assertThat(m.put("website", "https://a.example")).isNull();
            assertThat(m.put("column_5", "extra")).isNull();
            assertThat(m.put("external_id", "v-1")).isNull();
            assertThat(m.put("website", null)).isEqualTo("https://a.example");
        }
        // Column order for header keys (a LinkedHashMap keeps insertion order instead).
        assertThat(List.copyOf(cells.keySet())).containsExactly("external_id", "website", "column_5");
        assertThat(cells).isEqualTo(expected).hasSize(3);
        assertThat(cells.hashCode()).isEqualTo(expected.hashCode());
        assertThat(cells.containsKey("website")).isTrue();
        assertThat(cells.get("website")).isNull();
        assertThat(cells.containsKey("name")).isFalse();
        assertThat(cells.get("name")).isNull();
        assertThat(cells.get("nope")).isNull();
        assertThat(cells.toString()).isEqualTo("{external_id=v-1, website=null, column_5=extra}");

        assertThat(cells.remove("external_id")).isEqualTo("v-1");
        assertThat(cells.remove("external_id")).isNull();
        assertThat(cells.remove("column_5")).isEqualTo("extra");
        assertThat(cells.entrySet()).containsExactly(new AbstractMap.SimpleEntry<>("website", null));
        assertThat(cells.size()).isEqualTo(1);
    }

    @Test
    void entriesWriteThroughAndTheIteratorRemoves() {
        CellMap cells = new CellMap(NAMES, POSITIONS);
        cells.put("external_id", "v-1");
        cells.put("name", "Acme");
        cells.put("extra", "e");
        for (Map.Entry<String, Object> e : cells.entrySet()) {
            e.setValue(e.getValue() + "!");
        }
        assertThat(cells).containsExactly(Map.entry("external_id", "v-1!"), Map.entry("name", "Acme!"),
                Map.entry("extra", "e!"));
        Iterator<Map.Entry<String, Object>> it = cells.entrySet().iterator();
        it.next();
        it.remove();
        it.next();
        it.next();
        it.remove();
        assertThat(it.hasNext()).isFalse();
        assertThat(cells).containsExactly(Map.entry("name", "Acme!"));
        assertThat(cells.size()).isEqualTo(1);
    }
}
