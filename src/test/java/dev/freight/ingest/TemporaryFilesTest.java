package dev.freight.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.testing.SettableClock;
import dev.freight.testing.TemporaryFileHolder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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

            List<Path> deleted = TemporaryFiles.sweep(temp, Instant.now());

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

            assertThat(TemporaryFiles.sweep(temp, Instant.now())).isEmpty();
            assertThat(runningFile).doesNotExist();
            assertThat(runningFile.resolveSibling(TemporaryFiles.LOCK)).doesNotExist();
            assertThat(someoneElses).hasContent("not Freight's");
            try (var left = Files.list(temp)) {
                assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
                        "freight-shared-strings-1.bin", "notes.txt", "freight-instance-0000000000000000",
                        TemporaryFiles.MAKING,
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

    /**
     * What a process killed while it made its directory left ({@code .freight-instance-<16 hex>}, before its rename)
     * is deleted once a minute old: one whose lock file nobody holds, and an empty one (killed before its lock file).
     * A younger one is kept (an earlier version's process, which takes no lock while making its directory, may be
     * making it), as is one holding anything else, and nothing is deleted while a process holds the lock of making
     * its directory. Before, such directories stayed for good.
     */
    @Test
    void aSweepDeletesTheDirectoriesProcessesKilledWhileMakingThemLeftAndNoneBeingMade() throws Exception {
        // The clock's: the other process's sweep reads it too.
        Instant now = Instant.now();
        FileTime minuteOld = FileTime.from(now.minus(Duration.ofMinutes(1)).minusSeconds(1));
        FileTime younger = FileTime.from(now.minus(Duration.ofMinutes(1)).plusSeconds(1));
        Path locked = Files.createDirectory(temp.resolve(".freight-instance-00000000000000aa"));
        Files.writeString(locked.resolve(TemporaryFiles.LOCK), "");
        Files.setLastModifiedTime(locked, minuteOld);
        Path emptyOld = Files.createDirectory(temp.resolve(".freight-instance-00000000000000bb"));
        Files.setLastModifiedTime(emptyOld, minuteOld);
        Path emptyNew = Files.createDirectory(temp.resolve(".freight-instance-00000000000000cc"));
        Files.setLastModifiedTime(emptyNew, younger);
        Path lockedNew = Files.createDirectory(temp.resolve(".freight-instance-00000000000000ee"));
        Files.writeString(lockedNew.resolve(TemporaryFiles.LOCK), "");
        Files.setLastModifiedTime(lockedNew, younger);
        Path foreign = Files.createDirectory(temp.resolve(".freight-instance-00000000000000dd"));
        Files.writeString(foreign.resolve(TemporaryFiles.LOCK), "");
        Files.writeString(foreign.resolve("readme.txt"), "not Freight's");
        Files.setLastModifiedTime(foreign, minuteOld);
        Path otherName = Files.createDirectory(temp.resolve(".freight-instance-old"));
        Files.setLastModifiedTime(otherName, FileTime.from(now.minus(Duration.ofDays(2))));

        // This process holds the lock a process making its directory holds: another process's sweep deletes none.
        try (FileChannel making = FileChannel.open(temp.resolve(TemporaryFiles.MAKING), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock held = making.lock()) {
            assertThat(TemporaryFileHolder.sweptByAnotherProcess(temp)).isEqualTo("[]");
        }
        assertThat(locked.resolve(TemporaryFiles.LOCK)).exists();
        assertThat(emptyOld).exists();

        assertThat(TemporaryFiles.sweep(temp, now)).containsExactlyInAnyOrder(locked, emptyOld);
        try (var left = Files.list(temp)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(TemporaryFiles.MAKING,
                    ".freight-instance-00000000000000cc", ".freight-instance-00000000000000dd",
                    ".freight-instance-00000000000000ee", ".freight-instance-old");
        }
        assertThat(foreign.resolve(TemporaryFiles.LOCK)).exists();
        assertThat(foreign.resolve("readme.txt")).hasContent("not Freight's");
    }

    /**
     * The files earlier versions wrote directly in the temporary directory (before the directories per process) are
     * deleted once their last change is more than a day old, and only those of their names: not a younger one (an
     * earlier version's process sharing the directory may still use it), nor another name, nor a directory or link.
     * Before, they were left for the operator to delete by hand.
     */
    @Test
    void aSweepDeletesTheFilesOfEarlierVersionsOnceADayOld() throws Exception {
        Instant now = Instant.parse("2026-11-24T12:00:00Z");
        FileTime dayOld = FileTime.from(now.minus(Duration.ofDays(1)).minusSeconds(1));
        List<Path> old = List.of(temp.resolve("freight-shared-strings-1234567890123456789.bin"),
                temp.resolve("freight-validation-42.ndjson"), temp.resolve("freight-validation-links-7.ndjson"));
        for (Path file : old) {
            Files.setLastModifiedTime(Files.writeString(file, "an earlier version's"), dayOld);
        }
        Path young = Files.writeString(temp.resolve("freight-shared-strings-5.bin"), "in use");
        Files.setLastModifiedTime(young, FileTime.from(now.minus(Duration.ofDays(1)).plusSeconds(1)));
        List<Path> kept = List.of(temp.resolve("freight-shared-strings-x1.bin"),
                temp.resolve("freight-validation-records-3.bin"), temp.resolve("freight-validation-3.ndjson.bak"),
                temp.resolve("freight-notes.txt"));
        for (Path file : kept) {
            Files.setLastModifiedTime(Files.writeString(file, "not an earlier version's"), dayOld);
        }
        Path directory = Files.createDirectory(temp.resolve("freight-validation-9.ndjson"));
        Files.setLastModifiedTime(directory, dayOld);
        Path target = Files.writeString(temp.resolve("target.txt"), "someone else's");
        Path link = Files.createSymbolicLink(temp.resolve("freight-shared-strings-8.bin"), target);

        assertThat(TemporaryFiles.sweep(temp, now)).containsExactlyInAnyOrderElementsOf(old);

        assertThat(old).allSatisfy(file -> assertThat(file).doesNotExist());
        assertThat(young).hasContent("in use");
        assertThat(kept).allSatisfy(file -> assertThat(file).hasContent("not an earlier version's"));
        assertThat(directory).isDirectory();
        assertThat(link).isSymbolicLink();
        assertThat(target).hasContent("someone else's");
    }

    /**
     * A process that runs on sweeps again at the first file it creates 10 minutes after its last sweep: the directory
     * of a process killed beside it is deleted without a restart. Before, only a start swept.
     */
    @Test
    void aRunningProcessSweepsWhatAKilledOneLeftAtItsFirstFileTenMinutesAfterItsLastSweep() throws Exception {
        SettableClock clock = new SettableClock(Instant.parse("2026-11-24T12:00:00Z"));
        TemporaryFiles.useClock(clock);
        try {
            assertThat(TemporaryFiles.sweep(temp, clock.instant())).isEmpty();
            Path killedFile;
            try (TemporaryFileHolder killed = TemporaryFileHolder.holding(temp)) {
                killedFile = killed.file();
                killed.kill();
            }
            clock.advance(TemporaryFiles.SWEEP_EVERY.minusSeconds(1));
            Path first = TemporaryFiles.create(temp, "freight-validation-", ".ndjson");
            assertThat(killedFile).exists();

            clock.advance(Duration.ofSeconds(1));
            Path second = TemporaryFiles.create(temp, "freight-validation-", ".ndjson");

            assertThat(killedFile.getParent()).doesNotExist();
            assertThat(first).exists();
            assertThat(second).exists();
        } finally {
            TemporaryFiles.useClock(Clock.systemUTC());
        }
    }
}
