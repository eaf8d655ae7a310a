package dev.freight.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Uploaded import files, one per import, under {@code <data dir>/uploads}. Several service instances on PostgreSQL
 * must share that directory. Thread-safe.
 */
public final class UploadStore {

    /** The upload was larger than allowed; nothing was kept. */
    public static final class TooLarge extends IOException {
        public TooLarge(long max) {
            super("The upload exceeds the limit of %,d bytes".formatted(max));
        }
    }

    /**
     * The upload could not be written to the uploads directory (it cannot be created or written, or the disk is full):
     * a failure of this instance's storage, not of the request; nothing was kept. Its cause is the file system's
     * exception.
     */
    public static final class Unwritable extends IOException {
        public Unwritable(IOException cause) {
            super("The upload could not be written to the uploads directory", cause);
        }
    }

    /**
     * The upload's staged file was deleted before or while its bytes arrived, so what was received is lost: the upload
     * stalled for longer than a staged file may go unwritten, and a sweep of abandoned files took it
     * ({@link #deleteAbandoned}, on another instance sharing the directory, as this one leaves files it is receiving),
     * or someone removed it, even before it was opened. Nothing was kept.
     */
    public static final class Abandoned extends IOException {

        /** When the staged file was found deleted. */
        public enum When {
            /** On opening it, just after its creation: no byte was written. */
            BEFORE_ITS_BYTES,
            /** Once its bytes were written (writes to a deleted file succeed). */
            WHILE_ITS_BYTES_ARRIVED
        }

        private final When when;

        public Abandoned(String importId, When when) {
            super("The staged upload file of " + importId + " was deleted " + (when == When.BEFORE_ITS_BYTES
                    ? "before" : "while") + " its bytes arrived");
            this.when = when;
        }

        public When when() {
            return when;
        }
    }

    /**
     * An upload received in full into a staged file of its own, not yet the import's file: two requests may upload to
     * one import at once (a client retrying after a time-out, two instances sharing the directory), and only the one
     * whose import accepts it may become {@link #path}, so that the file stored is always the one whose checksum the
     * import records. {@link #keep} moves it into place in the transaction that accepts it, and {@link #stored}
     * settles it once that transaction committed; when the commit fails, {@link #withdraw} takes it back out of place.
     * {@link #close} settles an upload not stored, discarding what is staged; after {@code stored} it does nothing, so
     * it suits try-with-resources. The import counts as {@link #receiving} until it is settled. Not thread-safe: one
     * request owns it.
     */
    public final class Staged implements AutoCloseable {
        private final String importId;
        private final Path file;
        private final long bytes;
        private final String sha256;
        private final Progress progress;
        /** Moved into place ({@link #path}) by {@link #keep}, and neither stored nor withdrawn since. */
        private boolean kept;
        private boolean settled;

        private Staged(String importId, Path file, long bytes, String sha256, Progress progress) {
            this.importId = importId;
            this.file = file;
            this.bytes = bytes;
            this.sha256 = sha256;
            this.progress = progress;
        }

        /** The staged file, to read (detect its type) before it is kept; it is gone once settled. */
        public Path file() {
            return file;
        }

        /** The upload's size in bytes. */
        public long bytes() {
            return bytes;
        }

        /** The upload's SHA-256, as hex. */
        public String sha256() {
            return sha256;
        }

        /**
         * Makes the staged file the import's file ({@link #path}), replacing any there, in one atomic rename. Call it
         * only once the import has accepted this upload, in the transaction that records its checksum: that
         * transaction's conditional save lets one upload of an import through, so a refused one is never kept, not
         * even after the accepted one. It is moved before the commit rather than after, so that a process killed in
         * between leaves at worst a file in place under an import still waiting (which the next upload replaces), never
         * an import whose recorded upload has no file. When the rename fails, the upload stays staged (for
         * {@link #close}).
         */
        public void keep() throws IOException {
            if (settled || kept) {
                throw new IllegalStateException("The upload of " + importId + " was already kept or discarded");
            }
            Files.move(file, path(importId), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            kept = true;
        }

        /** Whether {@link #keep} moved the file into place, and it was neither stored nor withdrawn since. */
        public boolean kept() {
            return kept;
        }

        /**
         * Settles a kept upload once the transaction that accepted it committed: its followers end with its last byte,
         * and the import no longer counts as receiving.
         */
        public void stored() {
            if (!kept) {
                throw new IllegalStateException("The upload of " + importId + " was not kept");
            }
            kept = false;
            settled = true;
            progress.stored();
            received(importId);
        }

        /**
         * Moves a kept upload back out of place, to its staged name (for {@link #close} to discard), after the
         * transaction that accepted it failed to commit. Call it only under the import's lock, while the import is
         * still waiting for its upload: then the file in place is this one's, or none when a failed upload of its own
         * replaced it and then withdrew it too. Once another upload was accepted, the file in place is that one's and
         * must stay.
         */
        public void withdraw() throws IOException {
            if (!kept) {
                throw new IllegalStateException("The upload of " + importId + " was not kept");
            }
            try {
                Files.move(path(importId), file, StandardCopyOption.ATOMIC_MOVE);
            } catch (NoSuchFileException e) {
                // Already gone: see above.
            }
            kept = false;
        }

        /**
         * Discards the staged file unless it was stored: its followers fail, and the import's file is left alone (a
         * kept file not withdrawn stays in place: its import's lock did not allow taking it back).
         */
        @Override
        public void close() {
            if (settled) {
                return;
            }
            settled = true;
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                progress.failed();
                received(importId);
            }
        }
    }

    private final Path dir;
    /** The imports whose uploads requests are receiving now (streaming, or holding staged), with how many requests. */
    private final Map<String, Integer> receiving = new ConcurrentHashMap<>();
    /** Runs with each staged file once it is created, before it is opened; for tests. */
    private volatile Consumer<Path> afterStaging = file -> {};

    public UploadStore(Path dir) {
        this.dir = dir;
    }

    /** Sets what runs with each staged file once it is created, before it is opened; for tests. */
    void afterStaging(Consumer<Path> hook) {
        this.afterStaging = hook;
    }

    public Path path(String importId) {
        return dir.resolve(importId + ".upload");
    }

    /**
     * Streams {@code in} to a staged file of the import (named {@code <import id>…part} in the uploads directory),
     * hashing as it goes; at most {@code maxBytes}. The caller keeps or discards it.
     */
    public Staged write(String importId, InputStream in, long maxBytes) throws IOException {
        return write(importId, in, maxBytes, null);
    }

    /**
     * As {@link #write(String, InputStream, long)}, and first hands {@code follower} (when not null) a stream of the
     * same bytes that it can read while they are written, from another thread: its reads wait for bytes not written
     * yet, it ends once the upload is {@linkplain Staged#keep kept} under {@link #path}, and it fails if the upload
     * fails or is discarded. The follower closes the stream.
     */
    public Staged write(String importId, InputStream in, long maxBytes, Consumer<InputStream> follower)
            throws IOException {
        receiving.merge(importId, 1, Integer::sum);
        try {
            return receive(importId, in, maxBytes, follower);
        } catch (IOException | RuntimeException | Error e) {
            received(importId);
            throw e;
        }
    }

    /**
     * Whether this process is receiving an upload of the import now: a request is streaming its bytes, or holds them
     * staged and has not yet kept or discarded them.
     */
    public boolean receiving(String importId) {
        return receiving.containsKey(importId);
    }

    private void received(String importId) {
        receiving.computeIfPresent(importId, (id, n) -> n == 1 ? null : n - 1);
    }

    private Staged receive(String importId, InputStream in, long maxBytes, Consumer<InputStream> follower)
            throws IOException {
        Path tmp;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, importId, ".part");
        } catch (IOException e) {
            throw new Unwritable(e);
        }
        MessageDigest sha = newSha256();
        Progress progress = new Progress();
        long total = 0;
        try {
            afterStaging.accept(tmp);
            // The writer opens the file first, and never creates it: a file deleted since its creation (another
            // instance's sweep, or someone) is found here. Before, the follower's open failed (500 internal_error), or
            // the writer created the file again and the follower read the deleted one.
            try (OutputStream out = new DigestOutputStream(openStaged(importId, tmp, () -> Files.newOutputStream(tmp,
                    StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)), sha)) {
                if (follower != null) {
                    follower.accept(new Following(openStaged(importId, tmp, () -> FileChannel.open(tmp)), progress));
                }
                byte[] buf = new byte[1 << 16];
                for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                    total += n;
                    if (total > maxBytes) {
                        throw new TooLarge(maxBytes);
                    }
                    // A write that fails is the disk's (full, or gone read-only); a read that fails is the client's.
                    try {
                        out.write(buf, 0, n);
                    } catch (IOException e) {
                        throw new Unwritable(e);
                    }
                    progress.written(total);
                }
            }
            // Writes to a deleted file succeed (into an inode no name reaches), so only its name tells it is gone.
            if (!Files.exists(tmp)) {
                throw new Abandoned(importId, Abandoned.When.WHILE_ITS_BYTES_ARRIVED);
            }
        } catch (IOException | RuntimeException | Error e) {
            // Whatever ended the upload, a follower waiting for more bytes learns of it.
            progress.failed();
            Files.deleteIfExists(tmp);
            throw e;
        }
        return new Staged(importId, tmp, total, HexFormat.of().formatHex(sha.digest()), progress);
    }

    /** Opens the staged file {@code tmp}; {@link Abandoned} when it is gone. */
    private static <T> T openStaged(String importId, Path tmp, Opening<T> open) throws IOException {
        try {
            return open.open();
        } catch (NoSuchFileException e) {
            Abandoned abandoned = new Abandoned(importId, Abandoned.When.BEFORE_ITS_BYTES);
            abandoned.initCause(e);
            throw abandoned;
        }
    }

    /** Opens a file. */
    private interface Opening<T> {
        T open() throws IOException;
    }

    /** How far an upload has been written, shared with the streams that follow it. */
    private static final class Progress {
        private long written;
        private boolean stored;
        private boolean failed;

        synchronized void written(long bytes) {
            written = bytes;
            notifyAll();
        }

        synchronized void stored() {
            stored = true;
            notifyAll();
        }

        synchronized void failed() {
            failed = true;
            notifyAll();
        }

        /** Bytes written past {@code position}, waiting for some; 0 once the upload is stored and all read. */
        synchronized long after(long position) throws IOException {
            while (true) {
                if (failed) {
                    throw new IOException("The upload failed before it was complete");
                }
                if (written > position) {
                    return written - position;
                }
                if (stored) {
                    return 0;
                }
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for the upload");
                }
            }
        }
    }

    /** An upload's bytes, read while they are written: the file's channel stays valid when the file is moved. */
    private static final class Following extends InputStream {
        private final FileChannel channel;
        private final Progress progress;
        private long position;

        Following(FileChannel channel, Progress progress) {
            this.channel = channel;
            this.progress = progress;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            long available = progress.after(position);
            if (available == 0) {
                return -1;
            }
            int n = channel.read(ByteBuffer.wrap(buffer, offset, (int) Math.min(length, available)), position);
            if (n < 0) {
                throw new IOException("The upload's file ended before the bytes written to it");
            }
            position += n;
            return n;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /** A fresh SHA-256 digest (every JDK has it). */
    public static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The SHA-256 of a file, as hex. */
    public static String sha256(Path file) {
        MessageDigest sha = newSha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                sha.update(buf, 0, n);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** Gives {@code toId} the same file as {@code fromId}: a hard link where the file system allows, else a copy. */
    public void link(String fromId, String toId) throws IOException {
        Path target = path(toId);
        Files.deleteIfExists(target);
        try {
            Files.createLink(target, path(fromId));
        } catch (UnsupportedOperationException | IOException noLinks) {
            Files.copy(path(fromId), target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    public void delete(String importId) {
        try {
            Files.deleteIfExists(path(importId));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Deletes the staged {@code .part} files that nothing wrote since {@code untouchedSince}: those a process killed
     * mid-upload left (a live upload writes its file as its bytes arrive, and is kept or discarded as soon as they
     * have). Files of an upload this process is receiving are left whatever their age. Another instance sharing the
     * directory may be receiving one too, so {@code untouchedSince} must lie well before any upload could pause.
     * Returns how many were deleted.
     */
    public int deleteAbandoned(Instant untouchedSince) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        int deleted = 0;
        try (DirectoryStream<Path> parts = Files.newDirectoryStream(dir, "*.part")) {
            for (Path part : parts) {
                String name = part.getFileName().toString();
                if (receiving.keySet().stream().noneMatch(name::startsWith) && untouched(part, untouchedSince)
                        && Files.deleteIfExists(part)) {
                    deleted++;
                }
            }
        } catch (NoSuchFileException e) {
            // The directory went meanwhile: nothing is left to sweep.
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return deleted;
    }

    /**
     * Whether nothing wrote {@code part} since {@code since}; false when it is gone. A file listed may vanish before it
     * is looked at: an upload kept (moved into place) or discarded between the listing and here, its import no longer
     * counted as receiving, or another instance's upload or sweep. That one file is then not abandoned; the sweep goes
     * on with the others (before, the first such file ended the whole sweep, leaving the rest for the next hour).
     */
    private static boolean untouched(Path part, Instant since) throws IOException {
        try {
            return Files.getLastModifiedTime(part).toInstant().isBefore(since);
        } catch (NoSuchFileException e) {
            return false;
        }
    }
}
