package dev.freight.ingest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;

/**
 * A file as it is now: its absolute path, file key (inode, where the file system has one), size and last-modified
 * time. Two equal versions are taken to hold the same bytes, so what a read of a file found (its encoding, its merged
 * cells) can be kept under its version and used when the file is read again unchanged.
 */
record FileVersion(Path file, Object fileKey, long size, FileTime modified) {

    static FileVersion of(Path file) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        return new FileVersion(file.toAbsolutePath(), attributes.fileKey(), attributes.size(),
                attributes.lastModifiedTime());
    }
}
