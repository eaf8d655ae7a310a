package dev.freight.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UploadStoreTest {

    @TempDir
    Path dir;

    @Test
    void aFollowerReadsTheUploadsBytesWhileTheyArriveAndEndsWhenTheUploadIsKept() throws Exception {
        UploadStore uploads = new UploadStore(dir);
        byte[] bytes = new byte[300_000];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 31 + i / 7);
        }
        PipedOutputStream sender = new PipedOutputStream();
        PipedInputStream received = new PipedInputStream(sender, 1 << 16);
        CompletableFuture<byte[]> followed = new CompletableFuture<>();
        CompletableFuture<Boolean> storedWhenFollowerEnded = new CompletableFuture<>();
        // The sender pauses half-way, so the follower catches up with the writer and has to wait for more.
        Thread.ofVirtual().start(() -> {
            try (sender) {
                sender.write(bytes, 0, 150_000);
                sender.flush();
                Thread.sleep(200);
                sender.write(bytes, 150_000, bytes.length - 150_000);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });

        UploadStore.Staged staged = uploads.write("imp_1", received, 1_000_000, in -> Thread.ofVirtual().start(() -> {
            try (in) {
                followed.complete(drain(in));
                storedWhenFollowerEnded.complete(Files.exists(uploads.path("imp_1")));
            } catch (IOException e) {
                followed.completeExceptionally(e);
            }
        }));

        // Received in full, but not yet the import's: the follower waits for the upload to be kept.
        assertThatThrownBy(() -> followed.get(300, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        assertThat(uploads.path("imp_1")).doesNotExist();
        assertThat(uploads.receiving("imp_1")).isTrue();
        assertThat(Files.readAllBytes(staged.file())).isEqualTo(bytes);
        staged.keep();
        // In place, but its import's transaction has not committed yet: the follower still waits.
        assertThatThrownBy(() -> followed.get(300, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        assertThat(uploads.receiving("imp_1")).isTrue();
        staged.stored();
        staged.close();

        assertThat(followed.get(10, TimeUnit.SECONDS)).isEqualTo(bytes);
        assertThat(storedWhenFollowerEnded.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readAllBytes(uploads.path("imp_1"))).isEqualTo(bytes);
        assertThat(staged.bytes()).isEqualTo(bytes.length);
        assertThat(staged.sha256()).isEqualTo(UploadStore.sha256(uploads.path("imp_1")));
        assertThat(uploads.receiving("imp_1")).isFalse();
        assertThat(filesIn(dir)).containsExactly("imp_1.upload");
    }

    /**
     * Two uploads to one import received at once: the one kept becomes the import's file and the other, discarded
     * after it, leaves that file alone; its follower fails, and no staged file is left.
     */
    @Test
    void anUploadDiscardedAfterAnotherWasKeptLeavesTheKeptFileInPlace() throws Exception {
        UploadStore uploads = new UploadStore(dir);
        byte[] first = "external_id\nv-1\nv-2\n".getBytes(StandardCharsets.UTF_8);
        byte[] second = "external_id\nv-1\nv-2\nv-3\n".getBytes(StandardCharsets.UTF_8);
        CompletableFuture<Throwable> secondFollower = new CompletableFuture<>();

        UploadStore.Staged kept = uploads.write("imp_3", new ByteArrayInputStream(first), 1_000);
        UploadStore.Staged discarded = uploads.write("imp_3", new ByteArrayInputStream(second), 1_000,
                in -> Thread.ofVirtual().start(() -> {
                    try (in) {
                        drain(in);
                        secondFollower.complete(null);
                    } catch (IOException e) {
                        secondFollower.complete(e);
                    }
                }));
        assertThat(filesIn(dir)).hasSize(2).allMatch(name -> name.startsWith("imp_3") && name.endsWith(".part"));
        kept.keep();
        kept.stored();
        assertThat(uploads.receiving("imp_3")).isTrue();
        discarded.close();

        assertThat(Files.readAllBytes(uploads.path("imp_3"))).isEqualTo(first);
        assertThat(kept.sha256()).isEqualTo(UploadStore.sha256(uploads.path("imp_3")));
        assertThat(secondFollower.get(10, TimeUnit.SECONDS)).isInstanceOf(IOException.class)
                .hasMessage("The upload failed before it was complete");
        assertThat(uploads.receiving("imp_3")).isFalse();
        assertThat(filesIn(dir)).containsExactly("imp_3.upload");
        assertThatThrownBy(discarded::keep).isInstanceOf(IllegalStateException.class)
                .hasMessage("The upload of imp_3 was already kept or discarded");
    }

    /**
     * An upload kept (moved into place) whose import's transaction then failed to commit is withdrawn: the import has
     * no file again, closing discards the staged bytes, its follower fails, and the import is no longer receiving.
     * Another upload kept and withdrawn in its place before (a file in place that is not this one's own) is the same.
     */
    @Test
    void anUploadKeptAndThenWithdrawnLeavesNoFileAndItsFollowerFails() throws Exception {
        UploadStore uploads = new UploadStore(dir);
        byte[] bytes = "external_id\nv-1\n".getBytes(StandardCharsets.UTF_8);
        CompletableFuture<Throwable> follower = new CompletableFuture<>();
        UploadStore.Staged staged = uploads.write("imp_4", new ByteArrayInputStream(bytes), 1_000,
                in -> Thread.ofVirtual().start(() -> {
                    try (in) {
                        drain(in);
                        follower.complete(null);
                    } catch (IOException e) {
                        follower.complete(e);
                    }
                }));
        staged.keep();
        assertThat(staged.kept()).isTrue();
        assertThat(Files.readAllBytes(uploads.path("imp_4"))).isEqualTo(bytes);

        staged.withdraw();
        staged.close();

        assertThat(staged.kept()).isFalse();
        assertThat(uploads.path("imp_4")).doesNotExist();
        assertThat(follower.get(10, TimeUnit.SECONDS)).isInstanceOf(IOException.class)
                .hasMessage("The upload failed before it was complete");
        assertThat(uploads.receiving("imp_4")).isFalse();
        assertThat(filesIn(dir)).isEmpty();
        assertThatThrownBy(staged::stored).isInstanceOf(IllegalStateException.class)
                .hasMessage("The upload of imp_4 was not kept");

        UploadStore.Staged first = uploads.write("imp_5", new ByteArrayInputStream(bytes), 1_000);
        UploadStore.Staged second = uploads.write("imp_5", new ByteArrayInputStream(bytes), 1_000);
        first.keep();
        second.keep();
        second.withdraw();
        first.withdraw();
        first.close();
        second.close();
        assertThat(filesIn(dir)).isEmpty();
        assertThat(uploads.receiving("imp_5")).isFalse();
    }

    @Test
    void aFollowerOfAnUploadThatFailsFailsToo() throws Exception {
        UploadStore uploads = new UploadStore(dir);
        byte[] bytes = new byte[200_000];
        Arrays.fill(bytes, (byte) 'x');
        CompletableFuture<Throwable> failure = new CompletableFuture<>();

        assertThatThrownBy(() -> uploads.write("imp_2", new ByteArrayInputStream(bytes), 100_000,
                in -> Thread.ofVirtual().start(() -> {
                    try (in) {
                        drain(in);
                        failure.complete(null);
                    } catch (IOException e) {
                        failure.complete(e);
                    }
                }))).isInstanceOf(UploadStore.TooLarge.class);

        assertThat(failure.get(10, TimeUnit.SECONDS)).isInstanceOf(IOException.class)
                .hasMessage("The upload failed before it was complete");
        assertThat(uploads.path("imp_2")).doesNotExist();
        assertThat(uploads.receiving("imp_2")).isFalse();
        assertThat(filesIn(dir)).isEmpty();
    }

    /**
     * A staged file deleted before the upload opened it fails the upload as abandoned, with or without a follower:
     * the writer no longer creates it again. Before, an upload without a follower wrote a new file under the deleted
     * one's name and succeeded, and one with a follower failed with the follower's NoSuchFileException.
     */
    @Test
    void aStagedFileDeletedBeforeItIsOpenedFailsTheUploadAsAbandonedAndIsNotCreatedAgain() throws Exception {
        UploadStore uploads = new UploadStore(dir);
        uploads.afterStaging(file -> {
            try {
                Files.delete(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        byte[] bytes = "external_id\nv-1\n".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> uploads.write("imp_6", new ByteArrayInputStream(bytes), 1_000))
                .isInstanceOf(UploadStore.Abandoned.class)
                .hasMessage("The staged upload file of imp_6 was deleted before its bytes arrived")
                .extracting(e -> ((UploadStore.Abandoned) e).when())
                .isEqualTo(UploadStore.Abandoned.When.BEFORE_ITS_BYTES);
        assertThatThrownBy(() -> uploads.write("imp_6", new ByteArrayInputStream(bytes), 1_000, in -> {}))
                .isInstanceOf(UploadStore.Abandoned.class)
                .hasMessage("The staged upload file of imp_6 was deleted before its bytes arrived");
        assertThat(uploads.receiving("imp_6")).isFalse();
        assertThat(filesIn(dir)).isEmpty();
    }

    /**
     * Staged files nothing wrote since the cut-off are deleted, unless this process is receiving their import's upload;
     * the imports' files and newer staged files stay.
     */
    @Test
    void staleStagedFilesAreDeletedButNotOnesBeingReceivedNorNewerOnesNorImportsFiles() throws Exception {
        UploadStore uploads = new UploadStore(dir);
        Instant cutOff = Instant.parse("2026-11-01T12:00:00Z");
        Path abandoned = Files.writeString(dir.resolve("imp_a123.part"), "external_id\nv-1\n");
        Path newer = Files.writeString(dir.resolve("imp_b456.part"), "external_id\n");
        Path oldUpload = Files.writeString(uploads.path("imp_c"), "external_id\nv-9\n");
        Files.setLastModifiedTime(abandoned, FileTime.from(cutOff.minusMillis(1)));
        Files.setLastModifiedTime(newer, FileTime.from(cutOff));
        Files.setLastModifiedTime(oldUpload, FileTime.from(cutOff.minusSeconds(86_400)));
        // Received now, and then left untouched since before the cut-off: its staged file is kept while it is held.
        UploadStore.Staged held = uploads.write("imp_d", new ByteArrayInputStream(new byte[] {'x'}), 10);
        Files.setLastModifiedTime(held.file(), FileTime.from(cutOff.minusSeconds(7_200)));

        assertThat(uploads.deleteAbandoned(cutOff)).isEqualTo(1);

        assertThat(filesIn(dir)).containsExactly("imp_b456.part", "imp_c.upload", held.file().getFileName().toString());
        held.close();
        assertThat(uploads.deleteAbandoned(cutOff)).isZero();
        assertThat(filesIn(dir)).containsExactly("imp_b456.part", "imp_c.upload");
        assertThat(new UploadStore(dir.resolve("never-created")).deleteAbandoned(cutOff)).isZero();
    }

    /**
     * A staged file listed by the sweep may be gone before the sweep looks at it (kept or discarded meanwhile, by this
     * process or another instance): the sweep passes over it and still deletes every abandoned file. A dangling
     * symbolic link stands for such a file, since it is listed but cannot be looked at; ten of them among ten abandoned
     * files, so that the directory's order almost surely lists one before an abandoned file.
     */
    @Test
    void aStagedFileGoneBeforeTheSweepLooksAtItDoesNotStopTheSweep() throws Exception {
        UploadStore uploads = new UploadStore(dir);
        Instant cutOff = Instant.parse("2026-11-01T12:00:00Z");
        for (int i = 0; i < 10; i++) {
            Files.createSymbolicLink(dir.resolve("imp_gone" + i + ".part"), dir.resolve("moved-away-" + i));
            Path abandoned = Files.writeString(dir.resolve("imp_left" + i + ".part"), "external_id\n");
            Files.setLastModifiedTime(abandoned, FileTime.from(cutOff.minusSeconds(3_600)));
        }

        assertThat(uploads.deleteAbandoned(cutOff)).isEqualTo(10);

        assertThat(filesIn(dir)).containsExactly("imp_gone0.part", "imp_gone1.part", "imp_gone2.part",
                "imp_gone3.part", "imp_gone4.part", "imp_gone5.part", "imp_gone6.part", "imp_gone7.part",
                "imp_gone8.part", "imp_gone9.part");
    }

    private static List<String> filesIn(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    private static byte[] drain(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[7_000];
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }
}
