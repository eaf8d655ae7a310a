package dev.freight.export;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The file formats an export can produce. Wire names are API. */
public enum ExportFormat {
    CSV("text/csv; charset=utf-8", "csv"),
    XLSX("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    PDF("application/pdf", "pdf"),
    JSON("application/json", "json"),
    NDJSON("application/x-ndjson", "ndjson");

    private final String contentType;
    private final String extension;

    ExportFormat(String contentType, String extension) {
        this.contentType = contentType;
        this.extension = extension;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public String contentType() {
        return contentType;
    }

    public String extension() {
        return extension;
    }

    /** The constant whose wire name is {@code name}, matched without regard to case (API values are). */
    public static Optional<ExportFormat> fromWireName(String name) {
        return Arrays.stream(values()).filter(f -> f.wireName().equalsIgnoreCase(name)).findFirst();
    }
}
