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
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The temporary files Freight writes in its temporary directory ({@code FREIGHT_TEMP_DIR}): an XLSX's shared strings
 * past the heap's share, and validate's held-back rows. Each process keeps them in a directory of its own there,
 * {@code freight-instance-<16 hex>}, which holds {@code freight-instance.lock}, locked ({@link FileChannel#tryLock})
 * for as long as the process lives. A process killed (kill -9, a crash) cannot delete its files, but its lock ends with
 * it: {@link #sweep} deletes such a directory, whose lock nobody holds, with the files Freight wrote in it. Several
 * processes may share the temporary directory; a directory another one holds is never touched, nor a file or
 * directory Freight did not create. A sweep also deletes what a process killed while it made its directory left
 * ({@code .freight-instance-<16 hex>}, see {@link Instance#make}), and the files earlier versions wrote directly in
 * the temporary directory once they are a day old ({@link #EARLIER}). Each process sweeps at its start and, every
 * {@link #SWEEP_EVERY}, when it creates a file ({@link #create}), so a long-running process also deletes what
 * processes killed beside it left.
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
    /**
     * The file a process locks while it makes its directory, and a sweep while it deletes the directories processes
     * killed while making theirs left; made once in the temporary directory, and never deleted.
     */
    static final String MAKING = ".freight-instances.lock";
    /** The name of a process's directory while it is made ({@link Instance#make}). */
    private static final Pattern UNFINISHED = Pattern.compile("\\.freight-instance-[0-9a-f]{16}");
    /**
     * The names of the files versions before the directories per process wrote directly in the temporary directory
     * ({@link Files#createTempFile}'s random part is an unsigned long in decimal); no other name is taken for theirs.
     */
    static final Pattern EARLIER = Pattern.compile(
            "freight-(shared-strings-[0-9]{1,20}\\.bin|validation-(links-)?[0-9]{1,20}\\.ndjson)");
    /**
     * How old an earlier version's file is when a sweep deletes it (by its last change): one still in use by an
     * earlier version's process that shares the directory is younger.
     */
    static final Duration EARLIER_KEPT = Duration.ofDays(1);
    /**
     * How old an unfinished directory is when a sweep deletes it (by its last change): an earlier version's process,
     * which makes its directory without the lock of {@link #MAKING}, renames it within microseconds.
     */
    static final Duration UNFINISHED_KEPT = Duration.ofMinutes(1);
    /** How often a process sweeps its temporary directory again, at the next file it creates there. */
    static final Duration SWEEP_EVERY = Duration.ofMinutes(10);

    private static final SecureRandom RANDOM = new SecureRandom();
    /** This process's directory in each temporary directory it wrote in (by absolute path). */
    private static final Map<Path, Instance> INSTANCES = new ConcurrentHashMap<>();
    /** The file keys of the lock files this process holds: {@link #sweep} never opens them (see {@link #inUse}). */
    private static final Set<Object> HELD = ConcurrentHashMap.newKeySet();
    /** When each temporary directory (by absolute path) is swept again, at the next file created in it. */
    private static final Map<Path, Instant> SWEEP_DUE = new ConcurrentHashMap<>();
    private static volatile Clock clock = Clock.systemUTC();

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
        Path file = Files.createTempFile(instance(temporaryDir).dir, prefix, suffix);
        sweepIfDue(temporaryDir);
        return file;
    }

    /** Sets the clock of the sweeps {@link #create} runs; for tests. */
    static void useClock(Clock used) {
        clock = used;
    }

    /**
     * Sweeps {@code temporaryDir} when its last sweep by this process is {@link #SWEEP_EVERY} ago (the first file
     * created in it waits that long after the start's sweep). A sweep that fails is logged: the file is made.
     */
    private static void sweepIfDue(Path temporaryDir) {
        Path key = temporaryDir.toAbsolutePath().normalize();
        Instant now = clock.instant();
        Instant due = SWEEP_DUE.computeIfAbsent(key, k -> now.plus(SWEEP_EVERY));
        if (now.isBefore(due) || !SWEEP_DUE.replace(key, due, now.plus(SWEEP_EVERY))) {
            return;
        }
        try {
            sweep(temporaryDir, now);
        } catch (IOException | RuntimeException e) {
            // The file is made: its caller never fails for another process's leftovers.
            LOG.warn("could not look for the temporary files stopped processes left in {}: {}", temporaryDir,
                    e.toString());
        }
    }

    /**
     * Deletes the directories of {@code temporaryDir} that processes no longer running left (their lock free), with
     * the files Freight wrote in them; a directory holding anything else keeps it (and stays). Then the directories
     * processes killed while they made theirs left ({@link Instance#make}), and the files earlier versions wrote in
     * {@code temporaryDir} itself whose last change is more than {@link #EARLIER_KEPT} before {@code now}. Returns the
     * directories and files deleted, in that order, and logs them at INFO. A directory whose lock cannot be tested (a
     * file system without locks) is left alone.
     */
    public static List<Path> sweep(Path temporaryDir, Instant now) throws IOException {
        SWEEP_DUE.put(temporaryDir.toAbsolutePath().normalize(), now.plus(SWEEP_EVERY));
        List<Path> stopped = stopped(temporaryDir);
        stopped.addAll(unfinished(temporaryDir, now));
        if (!stopped.isEmpty()) {
            LOG.info("deleted the temporary files of {} stopped process(es) in {}: {}", stopped.size(), temporaryDir,
                    stopped);
        }
        List<Path> earlier = earlier(temporaryDir, now);
        if (!earlier.isEmpty()) {
            LOG.info("deleted {} temporary file(s) an earlier Freight version left in {}: {}", earlier.size(),
                    temporaryDir, earlier);
        }
        List<Path> deleted = new ArrayList<>(stopped);
        deleted.addAll(earlier);
        return deleted;
    }

    private static List<Path> stopped(Path temporaryDir) throws IOException {
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

    /**
     * Deletes the directories {@code .freight-instance-<16 hex>} of {@code temporaryDir} that processes killed while
     * they made theirs left: holding {@link #MAKING}'s lock, no process of this version is making one, so each such
     * directory was left, unless an earlier version's process (which takes no such lock) is making it: that one's is
     * younger than {@link #UNFINISHED_KEPT}, and holds the lock of its lock file once it made it. Nothing is deleted
     * while another process holds {@link #MAKING}, or on a file system without locks.
     */
    private static List<Path> unfinished(Path temporaryDir, Instant now) throws IOException {
        List<Path> candidates = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(temporaryDir, "." + INSTANCE_PREFIX + "*")) {
            for (Path entry : entries) {
                if (UNFINISHED.matcher(entry.getFileName().toString()).matches()
                        && Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    candidates.add(entry);
                }
            }
        }
        List<Path> deleted = new ArrayList<>();
        if (candidates.isEmpty()) {
            return deleted;
        }
        // In this process, one channel on MAKING at a time: closing one would end the process's lock taken by another.
        synchronized (TemporaryFiles.class) {
            try (FileChannel making = FileChannel.open(temporaryDir.resolve(MAKING), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE)) {
                FileLock held;
                try {
                    held = making.tryLock();
                } catch (IOException | OverlappingFileLockException e) {
                    // No locks on this file system; or a channel of this process holds it (none of Freight's).
                    return deleted;
                }
                if (held == null) {
                    // A process is making its directory: the next sweep.
                    return deleted;
                }
                for (Path dir : candidates) {
                    try {
                        if (deleteUnfinished(dir, now)) {
                            deleted.add(dir);
                        }
                    } catch (IOException e) {
                        LOG.warn("could not delete the directory a stopped process left in {}: {}", dir,
                                e.toString());
                    }
                }
            }
        }
        return deleted;
    }

    /** Deletes an unfinished directory, not young, when it holds nothing but a lock file nobody holds, or nothing. */
    private static boolean deleteUnfinished(Path dir, Instant now) throws IOException {
        if (!Files.getLastModifiedTime(dir, LinkOption.NOFOLLOW_LINKS).toInstant()
                .isBefore(now.minus(UNFINISHED_KEPT))) {
            return false;
        }
        Path lock = dir.resolve(LOCK);
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                if (!entry.equals(lock)) {
                    // Never Freight's: it writes no file there.
                    return false;
                }
            }
        }
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(lock, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            Files.deleteIfExists(dir);
            return true;
        }
        if (!attributes.isRegularFile() || inUse(attributes.fileKey())) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.WRITE)) {
            if (tryLock(channel) == null) {
                return false;
            }
            Files.deleteIfExists(lock);
        } catch (NoSuchFileException e) {
            // Another process's sweep deleted it meanwhile.
        }
        try {
            Files.deleteIfExists(dir);
        } catch (java.nio.file.DirectoryNotEmptyException e) {
            return false;
        }
        return true;
    }

    /** The lock of {@code channel}'s file, or null when a process (this one included) holds it. */
    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException e) {
            return null;
        }
    }

    /** Deletes the files of {@link #EARLIER}'s names in {@code temporaryDir} last changed before a day ago. */
    private static List<Path> earlier(Path temporaryDir, Instant now) throws IOException {
        FileTime before = FileTime.from(now.minus(EARLIER_KEPT));
        List<Path> deleted = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(temporaryDir, FILE_PREFIX + "*")) {
            for (Path entry : entries) {
                if (!EARLIER.matcher(entry.getFileName().toString()).matches()) {
                    continue;
                }
                try {
                    BasicFileAttributes attributes = Files.readAttributes(entry, BasicFileAttributes.class,
                            LinkOption.NOFOLLOW_LINKS);
                    if (attributes.isRegularFile() && attributes.lastModifiedTime().compareTo(before) < 0
                            && Files.deleteIfExists(entry)) {
                        deleted.add(entry);
                    }
                } catch (IOException e) {
                    LOG.warn("could not delete {}, an earlier Freight version's temporary file: {}", entry,
                            e.toString());
                }
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
            if (tryLock(channel) == null) {
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
         * Makes the directory under a name only the sweep of unfinished directories looks at
         * ({@code .freight-instance-<16 hex>}), locks its lock file, and only then gives it its name, so that no sweep
         * ever sees it unlocked; all under {@link #MAKING}'s lock, so that no sweep deletes it unfinished either.
         */
        static Instance make(Path temporaryDir) throws IOException {
            // Held until the directory has its name, so that a sweep, which takes it before it deletes unfinished
            // directories, never deletes this one (an empty directory, before its lock file is made and locked).
            try (FileChannel making = FileChannel.open(temporaryDir.resolve(MAKING), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE)) {
                try {
                    making.lock();
                } catch (IOException e) {
                    // A file system without locks: no sweep deletes anything there.
                }
                return makeLocked(temporaryDir);
            }
        }

        private static Instance makeLocked(Path temporaryDir) throws IOException {
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
