package dev.freight.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The records a validated file's rows would create, as the look-ups after its last row find them: by an awaited
 * external id or lower-cased name, exactly whatever the hashes (the real one, or one that makes many collide); memory
 * holds hashes, the rows wait in a file in the temporary directory, deleted on close.
 */
class OwnRecordsTest {

    @TempDir
    Path dir;

    static Stream<ToLongFunction<String>> hashes() {
        return Stream.of(KeyHashes::hash, key -> key.length() % 3);
    }

    /**
     * 2,500 rows create s-1 … s-2500, named "Service n" but rows 2,000 and 2,100 ("Hub", "HUB"); the links await
     * s-2 … s-2501, "hub", "Service 7" and "Nobody" (what they do not await is never asked for); s-2501 is created by nothing;
     * forgetting row 2,000 leaves one hub, and row 5's record is then no more found by its external id.
     */
    @ParameterizedTest
    @MethodSource("hashes")
    void findsTheAwaitedRecordsTheRowsWouldCreateExactlyAndForgetsThoseOfRejectedRows(ToLongFunction<String> hash)
            throws IOException {
        try (OwnRecords own = new OwnRecords(dir, hash)) {
            for (int i = 2; i <= 2_501; i++) {
                own.want("s-" + i);
            }
            own.want("hub");
            own.want("Service 7");
            own.want("Nobody");
            for (int i = 1; i <= 2_500; i++) {
                own.add(i, "s-" + i, i == 2_000 ? "Hub" : i == 2_100 ? "HUB" : "Service " + i);
            }
            own.finish();

            assertThat(own.id("s-5")).isEqualTo("row 5");
            assertThat(own.id("s-2500")).isEqualTo("row 2500");
            assertThat(own.id("s-2501")).isNull();
            assertThat(own.id("S-5")).isNull();
            assertThat(own.named("hub")).isEqualTo(2);
            assertThat(own.named("service 7")).isEqualTo(1);
            assertThat(own.named("nobody")).isZero();

            assertThat(own.forget(List.of(2_000L, 5L))).isTrue();
            assertThat(own.forget(Set.of(2_000L))).isFalse();
            assertThat(own.forget(Set.of(9_999L))).isFalse();

            assertThat(own.named("hub")).isEqualTo(1);
            assertThat(own.id("s-5")).isNull();
            assertThat(own.id("s-6")).isEqualTo("row 6");
            try (Stream<Path> files = Files.walk(dir)) {
                assertThat(files.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
                        .filter(name -> !name.equals("freight-instance.lock"))
                        .filter(name -> !name.equals(".freight-instances.lock")))
                        .singleElement().asString().startsWith("freight-validation-records-");
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            assertThat(files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("freight-instance.lock",
                            ".freight-instances.lock");
        }
    }

    /** Whatever the number of rows, memory holds one of their external ids or names at a time as text. */
    @Test
    void holdsOneTextAtATimeHoweverManyRows() throws IOException {
        try (OwnRecords own = new OwnRecords(dir, KeyHashes::hash)) {
            for (int i = 1; i <= 2_500; i++) {
                own.want("s-" + i);
            }
            for (int i = 1; i <= 2_500; i++) {
                own.add(i, "s-" + i, "S-" + i);
            }
            own.finish();
            for (int i = 1; i <= 2_500; i++) {
                assertThat(own.id("s-" + i)).isEqualTo("row " + i);
                assertThat(own.named("s-" + i)).isEqualTo(1);
            }
            assertThat(own.forget(List.of(1L, 2_500L))).isTrue();

            assertThat(own.mostHeld()).isEqualTo(1);
        }
    }

    /**
     * Forgetting rows reads the file only to count their names out: with no awaited name kept, never; with names, once
     * a call that forgets a row kept (as far as the last of them), none for a call that forgets none. Before, each call
     * read the whole file, to find the rows.
     */
    @Test
    void forgettingRowsReadsTheFileOnlyToCountTheirNamesOut() throws IOException {
        try (OwnRecords ids = new OwnRecords(dir);
                OwnRecords names = new OwnRecords(dir)) {
            for (int i = 1; i <= 1_000; i++) {
                ids.want("s-" + i);
                names.want("s-" + i);
            }
            names.want("hub");
            for (int i = 1; i <= 1_000; i++) {
                ids.add(i, "s-" + i, "Service " + i);
                names.add(i, "s-" + i, i == 500 ? "Hub" : i == 600 ? "HUB" : "Service " + i);
            }
            ids.finish();
            names.finish();

            assertThat(ids.forget(List.of(5L, 9_999L))).isTrue();
            assertThat(ids.forget(Set.of(5L))).isFalse();
            assertThat(names.forget(Set.of(5L))).isTrue();
            assertThat(names.forget(Set.of(9_999L))).isFalse();
            assertThat(names.forget(Set.of(600L))).isTrue();

            assertThat(ids.id("s-5")).isNull();
            assertThat(ids.id("s-6")).isEqualTo("row 6");
            assertThat(names.id("s-5")).isNull();
            assertThat(names.named("hub")).isEqualTo(1);
            assertThat(ids.forgetReads()).isZero();
            assertThat(names.forgetReads()).isEqualTo(2);
        }
    }
}
