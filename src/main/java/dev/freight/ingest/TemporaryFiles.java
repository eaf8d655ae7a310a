package dev.freight.ingest;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The temporary files Freight writes in its temporary directory ({@code FREIGHT_TEMP_DIR}): an XLSX's shared strings
 * past the heap's share, and validate's held-back rows. Each process keeps them in a directory of its own there,
 * {@code freight-instance-<16 hex>}, which holds {@code freight-instance.lock}, locked ({@link FileChannel#tryLock})
 * for as long as the process lives. A process killed (kill -9, a crash) cannot delete its files, but its lock ends with
 * it: {@link #sweep} deletes such a directory, whose lock nobody holds, with the files Freight wrote in it. Several
 * processes may share the temporary directory; a directory another one holds is never touched, nor a file or
 * directory Freight did not create.
 *
 * <p>Thread-safe. The lock is the process's (the operating system's), so the directories of one temporary directory
 * are kept per process, not per caller.
 */
public final class TemporaryFiles {

    private static final Logger LOG = LoggerFactory.getLogger(TemporaryFiles.class);

    /** The start of the name of a process's directory, and of every file Freight writes in one. */
    static final String INSTANCE_PREFIX = "freight-instance-";
    /** The file whose lock says that the process of a directory still runs. */
    static final String LOCK = "freight-instance.lock";
    /** The start of the name of every file Freight writes in a process's directory. */
    private static final String FILE_PREFIX = "freight-";

    private static final SecureRandom RANDOM = new SecureRandom();
    /** This process's directory in each temporary directory it wrote in (by absolute path). */
    private static final Map<Path, Instance> INSTANCES = new ConcurrentHashMap<>();
    /** The file keys of the lock files this process holds: {@link #sweep} never opens them (see {@link #inUse}). */
    private static final Set<Object> HELD = ConcurrentHashMap.newKeySet();

    private TemporaryFiles() {}

    /**
     * Creates an empty file {@code prefix<random>suffix} in this process's directory of {@code temporaryDir}, making
     * the directory first (again, when something deleted it). {@code prefix} starts with {@code freight-}.
     *
     * @throws IOException when the directory or the file cannot be made (disk full, not writable, not a directory)
     */
    public static Path create(Path temporaryDir, String prefix, String suffix) throws IOException {
        if (!prefix.startsWith(FILE_PREFIX)) {
            throw new IllegalArgumentException("a temporary file's name must start with " + FILE_PREFIX);
        }
        return Files.createTempFile(instance(temporaryDir).dir, prefix, suffix);
    }

    /**
     * Deletes the directories of {@code temporaryDir} that processes no longer running left (their lock free), with
     * the files Freight wrote in them; a directory holding anything else keeps it (and stays). Returns the directories
     * deleted. A directory whose lock cannot be tested (a file system without locks) is left alone.
     */
    public static List<Path> sweep(Path temporaryDir) throws IOException {
        List<Path> deleted = new ArrayList<>();
        List<Path> candidates = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(temporaryDir, INSTANCE_PREFIX + "*")) {
            for (Path entry : entries) {
                if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    candidates.add(entry);
                }
            }
        }
        for (Path dir : candidates) {
            try {
                if (deleteIfLeft(dir)) {
                    deleted.add(dir);
                }
            } catch (IOException e) {
                LOG.warn("could not delete the temporary files a stopped process left in {}: {}", dir, e.toString());
            }
        }
        return deleted;
    }

    /** Deletes {@code dir} and Freight's files in it when its lock is free; false when in use or not Freight's. */
    private static boolean deleteIfLeft(Path dir) throws IOException {
        Path lock = dir.resolve(LOCK);
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(lock, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            // No lock file: not a directory Freight made (it makes the lock before the directory takes its name).
            return false;
        }
        if (!attributes.isRegularFile() || inUse(attributes.fileKey())) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.WRITE)) {
            FileLock taken;
            try {
                taken = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                return false;
            }
            if (taken == null) {
                return false;
            }
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, FILE_PREFIX + "*")) {
                for (Path file : files) {
                    if (!file.getFileName().toString().equals(LOCK)
                            && Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                        Files.deleteIfExists(file);
                    }
                }
            }
            Files.deleteIfExists(lock);
        } catch (NoSuchFileException e) {
            // Another process's sweep deleted it meanwhile.
        }
        try {
            Files.deleteIfExists(dir);
        } catch (java.nio.file.DirectoryNotEmptyException e) {
            LOG.warn("left {}: it holds files Freight did not write", dir);
            return false;
        }
        return true;
    }

    /**
     * True when this process holds the lock file {@code fileKey}: opening it to test its lock, then closing it, would
     * release the process's lock on it (POSIX locks belong to the process, and any close of the file ends them).
     * A file system without file keys answers null: then no lock file is opened.
     */
    private static boolean inUse(Object fileKey) {
        return fileKey == null || HELD.contains(fileKey);
    }

    private static Instance instance(Path temporaryDir) throws IOException {
        Path key = temporaryDir.toAbsolutePath().normalize();
        Instance current = INSTANCES.get(key);
        if (current != null && current.intact()) {
            return current;
        }
        synchronized (TemporaryFiles.class) {
            current = INSTANCES.get(key);
            if (current != null && current.intact()) {
                return current;
            }
            if (current != null) {
                current.release();
            }
            Instance made = Instance.make(key);
            if (INSTANCES.isEmpty()) {
                Runtime.getRuntime().addShutdownHook(
                        new Thread(TemporaryFiles::deleteEmpty, "freight-temporary-files"));
            }
            INSTANCES.put(key, made);
            return made;
        }
    }

    /**
     * At the process's end, deletes its directories that hold nothing but their lock file: a process that stops
     * cleanly leaves nothing. One still holding a file (a read cut short) is left to the next start's sweep.
     */
    private static void deleteEmpty() {
        for (Instance instance : INSTANCES.values()) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(instance.dir)) {
                boolean onlyTheLock = true;
                for (Path entry : entries) {
                    onlyTheLock &= entry.getFileName().toString().equals(LOCK);
                }
                if (onlyTheLock) {
                    Files.deleteIfExists(instance.dir.resolve(LOCK));
                    Files.deleteIfExists(instance.dir);
                }
            } catch (IOException e) {
                // Left to the next start's sweep.
            }
        }
    }

    /** This process's directory in a temporary directory, and the lock it holds on its lock file. */
    private record Instance(Path dir, FileChannel channel, Object fileKey) {

        /**
         * Makes the directory under a name {@link #sweep} passes over, locks its lock file, and only then gives it
         * its name, so that no sweep ever sees it unlocked.
         */
        static Instance make(Path temporaryDir) throws IOException {
            String id = HexFormat.of().formatHex(bytes());
            Path staging = Files.createDirectory(temporaryDir.resolve("." + INSTANCE_PREFIX + id));
            Path dir = temporaryDir.resolve(INSTANCE_PREFIX + id);
            FileChannel channel = null;
            Object fileKey = null;
            try {
                channel = FileChannel.open(staging.resolve(LOCK), StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE);
                FileLock lock = null;
                boolean lockless = false;
                try {
                    lock = channel.tryLock();
                } catch (IOException e) {
                    // A file system without locks (ENOLCK): the directory works, but a sweep cannot tell it from a
                    // left one, so none deletes it (its lock cannot be tested there either).
                    lockless = true;
                    LOG.warn("cannot lock {} ({}); a stopped process's temporary files there are not deleted",
                            staging, e.toString());
                }
                if (lock == null && !lockless) {
                    throw new IOException("the lock of " + staging + ", a file just made, is held by another process");
                }
                fileKey = Files.readAttributes(staging.resolve(LOCK), BasicFileAttributes.class).fileKey();
                if (fileKey != null) {
                    HELD.add(fileKey);
                }
                Files.move(staging, dir);
                return new Instance(dir, channel, fileKey);
            } catch (IOException | RuntimeException e) {
                if (fileKey != null) {
                    HELD.remove(fileKey);
                }
                try {
                    if (channel != null) {
                        channel.close();
                    }
                    Files.deleteIfExists(staging.resolve(LOCK));
                    Files.deleteIfExists(staging);
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
        }

        private static byte[] bytes() {
            byte[] b = new byte[8];
            RANDOM.nextBytes(b);
            return b;
        }

        /** True while the directory, with its lock file, is where it was made (not deleted or replaced). */
        boolean intact() {
            try {
                Object now = Files.readAttributes(dir.resolve(LOCK), BasicFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS).fileKey();
                return fileKey == null ? Files.isDirectory(dir) : fileKey.equals(now);
            } catch (IOException e) {
                return false;
            }
        }

        void release() {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.warn("could not close the lock of {}: {}", dir, e.toString());
            }
            if (fileKey != null) {
                HELD.remove(fileKey);
            }
        }
    }
}
