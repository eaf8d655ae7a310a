package dev.freight.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Validate's rows rejected after the last row: each pass's violations wait in a file in the temporary directory, and
 * come back merged in row order, each row's first of its pass; memory holds a batch of them at a time.
 */
class LateRejectionsTest {

    @TempDir
    Path dir;

    /**
     * A first pass rejects the even rows from 2 to 2,000 (row 4 twice: its first violation counts), a second the
     * multiples of 3 it had not: all 1,333 come back in row order with their own messages, and closing deletes the
     * file.
     */
    @Test
    void rowsRejectedOverSeveralPassesComeBackInRowOrder() throws IOException {
        List<Long> expected = new ArrayList<>();
        try (LateRejections late = new LateRejections(dir)) {
            assertThat(late.isEmpty()).isTrue();
            for (int from = 2; from <= 2_000; from += 500) {
                List<Violation> batch = new ArrayList<>();
                for (int row = from; row < from + 500; row += 2) {
                    batch.add(violation(row, "first pass"));
                }
                if (from == 2) {
                    batch.add(violation(4, "again"));
                }
                late.add(batch);
            }
            BitSet first = late.endPass();
            assertThat(first.cardinality()).isEqualTo(1_000);
            List<Violation> second = new ArrayList<>();
            for (int row = 3; row <= 2_000; row += 3) {
                if (!late.rejected(row)) {
                    second.add(violation(row, "second pass"));
                }
            }
            late.add(second);
            assertThat(late.rejectedNow(3)).isTrue();
            assertThat(late.rejectedNow(4)).isFalse();
            assertThat(late.endPass().cardinality()).isEqualTo(333);
            assertThat(late.endPass().isEmpty()).isTrue();
            for (long row = 2; row <= 2_000; row++) {
                if (row % 2 == 0 || row % 3 == 0) {
                    expected.add(row);
                }
            }
            List<Long> rows = new ArrayList<>();
            List<String> messages = new ArrayList<>();

            late.forEach(v -> {
                rows.add(v.row());
                messages.add(v.message());
            });

            assertThat(rows).isEqualTo(expected);
            assertThat(messages.get(rows.indexOf(4L))).isEqualTo("first pass 4");
            assertThat(messages.get(rows.indexOf(3L))).isEqualTo("second pass 3");
            assertThat(late.mostHeld()).isEqualTo(333);
        }
        try (Stream<Path> files = Files.walk(dir)) {
            assertThat(files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()))
                    .noneMatch(name -> name.startsWith("freight-validation-late-"));
        }
    }

    private static Violation violation(long row, String why) {
        return new Violation(row, "n-" + row, "parent", ViolationCode.AMBIGUOUS_REFERENCE, why + " " + row);
    }
}
