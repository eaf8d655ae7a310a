package dev.freight.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.freight.ingest.FileType;
import dev.freight.ingest.ReadOptions;
import dev.freight.ingest.Readers;
import dev.freight.ingest.RowReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chunk feed's look-ahead threads take chunks in turn and may finish them in any order; the writer must still get
 * them in source order, and a failure after the chunks before it.
 */
class ChunkFeedTest {

    private static final int ROWS = 600;

    @TempDir
    Path dir;

    /** Every other chunk's look-ahead takes longer than the next one's, so the threads finish out of turn. */
    @Test
    void chunksLeaveTheLookAheadInSourceOrderWhateverOrderTheyAreFinishedIn() throws Exception {
        UnaryOperator<List<ParsedRow>> slowOnEvenChunks = chunk -> {
            if (chunk.getFirst().ordinal() / 3 % 2 == 0) {
                LockSupport.parkNanos(2_000_000);
            }
            return List.copyOf(chunk);
        };

        List<Long> ordinals = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        try (RowReader reader = csv();
                ChunkFeed feed = feed(reader, slowOnEvenChunks, 0)) {
            for (List<ParsedRow> chunk = feed.next(); chunk != null; chunk = feed.next()) {
                chunk.forEach(r -> ordinals.add(r.ordinal()));
                sizes.add(chunk.size());
            }
        }

        assertThat(ordinals).containsExactlyElementsOf(LongStream.rangeClosed(1, ROWS).boxed().toList());
        assertThat(sizes).hasSize(ROWS / 3).allMatch(n -> n == 3);
    }

    @Test
    void aLookAheadFailureReachesTheWriterAfterTheChunksBeforeIt() throws Exception {
        UnaryOperator<List<ParsedRow>> failsOnTheTenthChunk = chunk -> {
            long first = chunk.getFirst().ordinal();
            if (first == 28) {
                throw new IllegalStateException("look-ahead failed at row 28");
            }
            if (first == 31) {
                LockSupport.parkNanos(1_000_000);
            }
            return chunk;
        };

        List<Long> ordinals = new ArrayList<>();
        try (RowReader reader = csv();
                ChunkFeed feed = feed(reader, failsOnTheTenthChunk, 0)) {
            assertThatThrownBy(() -> {
                for (List<ParsedRow> chunk = feed.next(); chunk != null; chunk = feed.next()) {
                    chunk.forEach(r -> ordinals.add(r.ordinal()));
                }
            }).isInstanceOf(IllegalStateException.class).hasMessage("look-ahead failed at row 28");
        }

        assertThat(ordinals).containsExactlyElementsOf(LongStream.rangeClosed(1, 27).boxed().toList());
    }

    @Test
    void aResumedFeedStartsAfterTheCheckpoint() throws Exception {
        List<Long> ordinals = new ArrayList<>();
        try (RowReader reader = csv();
                ChunkFeed feed = feed(reader, UnaryOperator.identity(), 590)) {
            for (List<ParsedRow> chunk = feed.next(); chunk != null; chunk = feed.next()) {
                chunk.forEach(r -> ordinals.add(r.ordinal()));
            }
        }

        assertThat(ordinals).containsExactlyElementsOf(LongStream.rangeClosed(591, ROWS).boxed().toList());
    }

    private RowReader csv() throws Exception {
        Path file = dir.resolve("rows.csv");
        Files.writeString(file, "external_id\n" + IntStream.rangeClosed(1, ROWS).mapToObj(i -> "v-" + i)
                .collect(Collectors.joining("\n")) + "\n", StandardCharsets.UTF_8);
        return Readers.open(file, FileType.CSV, ReadOptions.defaults());
    }

    private static ChunkFeed feed(RowReader reader, UnaryOperator<List<ParsedRow>> lookAhead,
            long checkpoint) {
        return new ChunkFeed(new RowCursor(reader, "csv"),
                row -> ParsedRow.unreadable(row.ordinal(), row.line(), "not parsed", null), lookAhead, checkpoint, 3);
    }
}
