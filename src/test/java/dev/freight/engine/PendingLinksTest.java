package dev.freight.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.engine.PendingLinks.Link;
import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.Value;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Validate's pending links: the last row deciding a field of a record decides its link, whatever the hashes the
 * records and fields have (the real one, or one that makes many collide); memory holds a batch of links at a time,
 * the rest wait in a file in the temporary directory, deleted on close.
 */
class PendingLinksTest {

    @TempDir
    Path dir;

    static Stream<ToLongFunction<String>> hashes() {
        return Stream.of(KeyHashes::hash, key -> key.length() % 3);
    }

    /**
     * 2,500 services, each depending on the next; then row 2,501 decides s-5's dependencies again (its link replaces
     * row 5's), and row 2,502 decides s-6's with no value awaiting a later row (row 6's link is taken back), and a
     * row deciding a record no earlier row decided without a value leaves nothing. 2,499 links are handed back in row
     * order, 1,000 at most at a time.
     */
    @ParameterizedTest
    @MethodSource("hashes")
    void theLastRowDecidingAFieldOfARecordDecidesItsLinkAndABatchAtATimeIsHeld(ToLongFunction<String> hash)
            throws IOException {
        List<Link> expected = new ArrayList<>();
        try (PendingLinks links = new PendingLinks(BuiltInObjects.SERVICE, dir, hash)) {
            assertThat(links.isEmpty()).isTrue();
            for (int i = 1; i <= 2_500; i++) {
                Link link = new Link(i, "s-" + i, i, "dependencies", dependsOn("s-" + (i + 1)), 0);
                links.decide(link.row(), link.record(), link.createdBy(), link.field(), link.given(), link.written());
                if (i != 5 && i != 6) {
                    expected.add(link);
                }
            }
            links.decide(2_501, "s-5", 5, "dependencies", dependsOn("s-1"), 1);
            links.decide(2_502, "s-6", 6, "dependencies", null, 0);
            links.decide(2_503, "s-9999", DuplicateCheck.STORED, "dependencies", null, 0);
            expected.add(new Link(2_501, "s-5", 5, "dependencies", dependsOn("s-1"), 1));
            List<Integer> sizes = new ArrayList<>();
            List<Link> handed = new ArrayList<>();

            links.forEach(1_000, batch -> {
                sizes.add(batch.size());
                handed.addAll(batch);
            });

            assertThat(links.isEmpty()).isFalse();
            assertThat(handed).isEqualTo(expected);
            assertThat(sizes).containsExactly(1_000, 1_000, 499);
            assertThat(links.mostHeld()).isEqualTo(1_000);
            try (Stream<Path> files = Files.walk(dir)) {
                assertThat(files.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
                        .filter(name -> !name.equals("freight-instance.lock"))
                        .filter(name -> !name.equals(".freight-instances.lock")))
                        .singleElement().asString().startsWith("freight-validation-links-");
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            assertThat(files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("freight-instance.lock",
                            ".freight-instances.lock");
        }
    }

    /**
     * 2,500 services decided twice (rows 1 to 2,500, then rows 2,501 to 5,000 again, but s-7 left without a link): the
     * second decisions are handed back, and telling them last held at most 1,000 records and fields at once, a slice
     * of the hashes decided again a read of the file (before, a map of all 2,500).
     */
    @Test
    void theRecordsDecidedAgainAreToldASliceAtATime() throws IOException {
        List<Link> expected = new ArrayList<>();
        try (PendingLinks links = new PendingLinks(BuiltInObjects.SERVICE, dir, KeyHashes::hash, 1_000)) {
            for (int i = 1; i <= 2_500; i++) {
                links.decide(i, "s-" + i, i, "dependencies", dependsOn("s-" + (i + 1)), 0);
            }
            for (int i = 1; i <= 2_500; i++) {
                Link link = new Link(2_500 + i, "s-" + i, i, "dependencies", dependsOn("s-" + (i + 2)), 1);
                links.decide(link.row(), link.record(), link.createdBy(), link.field(), i == 7 ? null : link.given(),
                        link.written());
                if (i != 7) {
                    expected.add(link);
                }
            }
            List<Link> handed = new ArrayList<>();

            links.forEach(1_000, handed::addAll);

            assertThat(handed).isEqualTo(expected);
            assertThat(links.mostKeysHeld()).isEqualTo(1_000);
        }
    }

    /**
     * 90,000 services, each depending on the next: memory holds the hash of each record and field decided in 8 bytes
     * a slot, 131,072 slots (at most three quarters used), 1 MiB, about 12 bytes a link. Before, each hash took 16
     * bytes a slot with the number of its first decision, in twice as many slots (at most half used): 4 MiB.
     */
    @Test
    void theRecordsAndFieldsDecidedAreHeldInEightBytesASlot() throws IOException {
        try (PendingLinks links = new PendingLinks(BuiltInObjects.SERVICE, dir)) {
            for (int i = 1; i <= 90_000; i++) {
                links.decide(i, "s-" + i, i, "dependencies", dependsOn("s-" + (i + 1)), 0);
            }
            List<Long> rows = new ArrayList<>();

            links.forEach(1_000, batch -> batch.forEach(l -> rows.add(l.row())));

            assertThat(rows).hasSize(90_000).startsWith(1L, 2L).endsWith(90_000L);
            assertThat(links.hashBytes()).isEqualTo(1_048_576L);
        }
    }

    /**
     * One service decided again by each of 300,000 rows: memory holds its hash once among those decided again, 1,024
     * slots (8 KiB), however many rows decide it. Before, each decision again took 8 bytes: 4 MiB, grown by doubling
     * (and as much again while they were sorted), so a 100 MiB file of 4-byte rows took over 200 MiB.
     */
    @Test
    void aRecordDecidedAgainByEveryRowIsHeldOnceWhateverTheRows() throws IOException {
        try (PendingLinks links = new PendingLinks(BuiltInObjects.SERVICE, dir)) {
            for (int i = 1; i <= 300_000; i++) {
                links.decide(i, "s-1", 1, "dependencies", dependsOn("s-" + (i + 1)), 0);
            }
            List<Link> handed = new ArrayList<>();

            links.forEach(1_000, handed::addAll);

            assertThat(handed).containsExactly(new Link(300_000, "s-1", 1, "dependencies", dependsOn("s-300001"), 0));
            assertThat(links.repeatedHashBytes()).isEqualTo(8_192L);
            assertThat(links.mostKeysHeld()).isEqualTo(1);
        }
    }

    private static Value dependsOn(String externalId) {
        return new Value.Many(List.of(new Value.Ref(externalId, null, null)));
    }
}
