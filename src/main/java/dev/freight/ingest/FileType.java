package dev.freight.ingest;

import java.util.Arrays;
import java.util.Optional;

/**
 * A file format the readers understand. {@link #wireName()} is the stable name used in the API and in stored jobs;
 * {@link #contentType()} is the media type to declare when the file is served back.
 */
public enum FileType {
    CSV("csv", "text/csv"),
    JSON("json", "application/json"),
    NDJSON("ndjson", "application/x-ndjson"),
    XLSX("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    XLS("xls", "application/vnd.ms-excel");

    private final String wireName;
    private final String contentType;

    FileType(String wireName, String contentType) {
        this.wireName = wireName;
        this.contentType = contentType;
    }

    public String wireName() {
        return wireName;
    }

    public String contentType() {
        return contentType;
    }

    public static Optional<FileType> fromWireName(String name) {
        return Arrays.stream(values()).filter(t -> t.wireName.equals(name)).findFirst();
    }
}
