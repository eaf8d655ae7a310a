package dev.freight.ingest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;

/**
 * A file as it is now: the file itself (its file key, the device and inode on Unix; its absolute path where the file
 * system has no key), its size and its last-modified time. Two equal versions are taken to hold the same bytes, so
 * what a read of a file found (its encoding, its merged cells) can be kept under its version and used when the file is
 * read again unchanged. A hard link is the same file under another name, and so the same version: the file workflow
 * links a parsed file as its import's upload.
 */
record FileVersion(Object file, long size, FileTime modified) {

    static FileVersion of(Path file) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        Object key = attributes.fileKey();
        return new FileVersion(key != null ? key : file.toAbsolutePath(), attributes.size(),
                attributes.lastModifiedTime());
    }
}
