package dev.freight.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UploadStoreTest {

    @TempDir
    Path dir;

    @Test
    void aFollowerReadsTheUploadsBytesWhileTheyArriveAndEndsWhenTheFileIsStored() throws Exception {
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

        UploadStore.Stored stored = uploads.write("imp_1", received, 1_000_000, in -> Thread.ofVirtual().start(() -> {
            try (in) {
                followed.complete(drain(in));
                storedWhenFollowerEnded.complete(Files.exists(uploads.path("imp_1")));
            } catch (IOException e) {
                followed.completeExceptionally(e);
            }
        }));

        assertThat(followed.get(10, TimeUnit.SECONDS)).isEqualTo(bytes);
        assertThat(storedWhenFollowerEnded.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readAllBytes(uploads.path("imp_1"))).isEqualTo(bytes);
        assertThat(stored.bytes()).isEqualTo(bytes.length);
        assertThat(stored.sha256()).isEqualTo(UploadStore.sha256(uploads.path("imp_1")));
    }

    @Test
    void aFollowerOfAnUploadThatFailsFailsToo() throws Exception {
        UploadStore uploads = new UploadStore(dir);
        byte[] bytes = new byte[200_000];
        Arrays.fill(bytes, (byte) 'x');
        CompletableFuture<Throwable> failure = new CompletableFuture<>();

        assertThatThrownBy(() -> uploads.write("imp_2", new java.io.ByteArrayInputStream(bytes), 100_000,
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
        try (var left = Files.list(dir)) {
            assertThat(left).isEmpty();
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
