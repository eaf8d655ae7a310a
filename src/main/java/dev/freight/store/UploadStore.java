package dev.freight.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Uploaded import files, one per import, under {@code <data dir>/uploads}. Several service instances on PostgreSQL
 * must share that directory. Thread-safe.
 */
public final class UploadStore {

    /** A stored upload: its size and SHA-256 (hex). */
    public record Stored(long bytes, String sha256) {}

    /** The upload was larger than allowed; nothing was kept. */
    public static final class TooLarge extends IOException {
        public TooLarge(long max) {
            super("The upload exceeds the limit of %,d bytes".formatted(max));
        }
    }

    private final Path dir;

    public UploadStore(Path dir) {
        this.dir = dir;
    }

    public Path path(String importId) {
        return dir.resolve(importId + ".upload");
    }

    /** Streams {@code in} to the import's file, hashing as it goes; at most {@code maxBytes}. */
    public Stored write(String importId, InputStream in, long maxBytes) throws IOException {
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, importId, ".part");
        MessageDigest sha = newSha256();
        long total = 0;
        try (OutputStream out = new DigestOutputStream(Files.newOutputStream(tmp), sha)) {
            byte[] buf = new byte[1 << 16];
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                total += n;
                if (total > maxBytes) {
                    throw new TooLarge(maxBytes);
                }
                out.write(buf, 0, n);
            }
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, path(importId), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return new Stored(total, HexFormat.of().formatHex(sha.digest()));
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
}
