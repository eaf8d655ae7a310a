package dev.freight.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.testing.TemporaryFileHolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Freight's temporary files live in a directory per process, locked while the process lives: a sweep deletes those
 * of a process killed with SIGKILL (which could delete nothing) and keeps those of every process still running, this
 * one included, and whatever Freight did not write. Before, such files stayed in FREIGHT_TEMP_DIR for good.
 */
class TemporaryFilesTest {

    @TempDir
    Path temp;

    @Test
    void aSweepDeletesTheFilesOfAKilledProcessOnlyAndNothingFreightDidNotWrite() throws Exception {
        Path earlierVersion = Files.writeString(temp.resolve("freight-shared-strings-1.bin"), "an earlier version's");
        Path notes = Files.writeString(temp.resolve("notes.txt"), "someone else's");
        Path unlocked = Files.createDirectory(temp.resolve("freight-instance-0000000000000000"));
        Path unlockedFile = Files.writeString(unlocked.resolve("freight-validation-1.ndjson"), "{}");
        Path mine = TemporaryFiles.create(temp, "freight-validation-", ".ndjson");
        try (TemporaryFileHolder running = TemporaryFileHolder.holding(temp)) {
            Path killedFile;
            try (TemporaryFileHolder killed = TemporaryFileHolder.holding(temp)) {
                killedFile = killed.file();
                killed.kill();
            }
            assertThat(killedFile).exists();

            List<Path> deleted = TemporaryFiles.sweep(temp);

            assertThat(deleted).containsExactly(killedFile.getParent());
            assertThat(killedFile.getParent()).doesNotExist();
            assertThat(running.file()).exists();
            assertThat(mine).exists();
            assertThat(earlierVersion).hasContent("an earlier version's");
            assertThat(notes).hasContent("someone else's");
            assertThat(unlockedFile).hasContent("{}");
            // This process's own sweep leaves its lock held: another process's sweep keeps its file too.
            assertThat(TemporaryFileHolder.sweptByAnotherProcess(temp)).isEqualTo("[]");
            assertThat(mine).exists();
            Path runningFile = running.file();
            running.kill();
            Path someoneElses = Files.writeString(runningFile.resolveSibling("readme.txt"), "not Freight's");

            assertThat(TemporaryFiles.sweep(temp)).isEmpty();
            assertThat(runningFile).doesNotExist();
            assertThat(runningFile.resolveSibling(TemporaryFiles.LOCK)).doesNotExist();
            assertThat(someoneElses).hasContent("not Freight's");
            try (var left = Files.list(temp)) {
                assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
                        "freight-shared-strings-1.bin", "notes.txt", "freight-instance-0000000000000000",
                        mine.getParent().getFileName().toString(), runningFile.getParent().getFileName().toString());
            }
        }
    }

    /**
     * The process's directory, deleted by something else (a cleaner of old files in /tmp), is made again, under a
     * new name and locked, for the next file: before it, every file would fail for want of its directory.
     */
    @Test
    void theProcessesDirectoryDeletedBySomethingElseIsMadeAgain() throws Exception {
        Path first = TemporaryFiles.create(temp, "freight-validation-", ".ndjson");
        Files.delete(first);
        Files.delete(first.resolveSibling(TemporaryFiles.LOCK));
        Files.delete(first.getParent());

        Path second = TemporaryFiles.create(temp, "freight-validation-", ".ndjson");

        assertThat(second).exists();
        assertThat(second.getParent()).isNotEqualTo(first.getParent());
        assertThat(second.getParent().getFileName().toString()).matches("freight-instance-[0-9a-f]{16}");
        assertThat(second.resolveSibling(TemporaryFiles.LOCK)).exists();
        assertThat(TemporaryFileHolder.sweptByAnotherProcess(temp)).isEqualTo("[]");
        assertThat(second).exists();
    }
}
