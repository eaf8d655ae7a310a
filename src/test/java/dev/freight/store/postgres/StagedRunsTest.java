package dev.freight.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StagedRunsTest {

    private static List<String[]> rows(int... lengths) {
        List<String[]> rows = new ArrayList<>();
        for (int i = 0; i < lengths.length; i++) {
            rows.add(new String[] {"id_" + i, "k-" + i, lengths[i] < 0 ? null : "x".repeat(lengths[i]), null});
        }
        return rows;
    }

    private static List<List<String>> ids(List<List<String[]>> runs) {
        return runs.stream().map(run -> run.stream().map(r -> r[0]).toList()).toList();
    }

    @Test
    void rowsAreCutBeforeTheOneThatWouldCarryTheRunPastTheLimit() {
        int third = PostgresDialect.STAGED_CHARS / 3;

        assertThat(ids(PostgresDialect.runs(rows(third, third, third, 1, 1, third, -1)))).containsExactly(
                List.of("id_0", "id_1", "id_2", "id_3"), List.of("id_4", "id_5", "id_6"));
        assertThat(ids(PostgresDialect.runs(rows(third, third, third + 2)))).containsExactly(List.of("id_0", "id_1"),
                List.of("id_2"));
    }

    @Test
    void aRowLongerThanTheLimitGoesAloneAndNoRowsAreNoRuns() {
        assertThat(ids(PostgresDialect.runs(rows(5, PostgresDialect.STAGED_CHARS + 1, 5)))).containsExactly(List.of("id_0"),
                List.of("id_1"), List.of("id_2"));
        assertThat(PostgresDialect.runs(List.of())).isEmpty();
    }
}
