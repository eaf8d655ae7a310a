package dev.freight.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Opens uploaded files as streams of {@link SourceRow}s. Stateless and thread-safe; each {@link RowReader} is for one
 * thread.
 */
public final class Readers {

    private Readers() {}

    /**
     * The type of {@code file}, from its content first; the declared {@code contentType} and then the
     * {@code fileName}'s extension (either may be null) only settle what the content leaves open: a one-line JSON
     * object is NDJSON when declared so, and text that does not start like JSON is CSV unless declared JSON or
     * NDJSON.
     *
     * @throws IngestException {@code empty_file}; {@code unsupported_file_type} with a message naming what the file is
     *     (an .xlsm, .xlsb, .xltx, Strict Open XML or .ods workbook, an Excel 2–95 workbook, a PDF, binary data…);
     *     {@code encrypted_file} for a password-protected XLSX; {@code unreadable_file} for a ZIP or Office file that
     *     cannot be opened (a workbook cut short, as a partly uploaded file is)
     */
    public static FileType detect(Path file, String contentType, String fileName) throws IOException {
        return Sniffer.detect(file, contentType, fileName);
    }

    /**
     * A reader of {@code file} as {@code type}. Reads the header (first non-blank row) or, for JSON, the first element;
     * the caller closes the reader.
     *
     * @throws IngestException {@code empty_file}, {@code sheet_not_found}, {@code encrypted_file},
     *     {@code unreadable_file} (also a workbook past {@link ReadOptions#limits()}), or {@code malformed_json} when
     *     the file does not start like an array of objects
     */
    public static RowReader open(Path file, FileType type, ReadOptions options) throws IOException {
        Objects.requireNonNull(options, "options");
        return switch (type) {
            case CSV -> CsvRows.open(file, options.charset());
            case JSON -> JsonArrayReader.open(file, options.charset());
            case NDJSON -> NdjsonReader.open(file, options.charset());
            case XLSX -> XlsxRows.open(file, options.sheet(), options.limits());
            case XLS -> XlsRows.open(file, options.sheet(), options.limits());
        };
    }

    /**
     * A reader of CSV rows arriving on {@code in} while they arrive (an upload still being written, say), for bytes
     * that are UTF-8: it reads the same rows as {@link #open} would from a file of the same bytes, provided detection
     * finds that file to be UTF-8. Reading fails with an {@link IOException} at the first byte that is not valid UTF-8
     * or is an ESC byte (ISO-2022 text), or when the bytes start with a UTF-16 or UTF-32 byte-order mark or are UTF-16
     * or UTF-32 without one ({@code TextEncoding.withoutBom}). Its format has no line ending. The caller closes the reader, which closes {@code in}.
     */
    public static RowReader openUtf8Csv(InputStream in) throws IOException {
        return CsvRows.openUtf8(in);
    }

    /**
     * Tells later {@link #open} calls that {@code file}, unchanged since, is UTF-8: an {@link #openUtf8Csv} reader read
     * all its bytes to the end without failing. They then skip reading the file through to detect its encoding.
     */
    public static void rememberUtf8(Path file) throws IOException {
        TextEncoding.rememberUtf8(file);
    }

    /**
     * The names of the visible worksheets of an XLSX or XLS {@code file}, in workbook (tab) order: the names
     * {@link ReadOptions#sheet()} may choose among; hidden and very hidden sheets are left out, though they can still
     * be read by name. Empty for text types, which have no sheets.
     *
     * @throws IngestException {@code encrypted_file}, {@code unsupported_file_type} (an Excel 5.0/95 workbook), or
     *     {@code unreadable_file}
     */
    public static List<String> sheets(Path file, FileType type) throws IOException {
        return sheets(file, type, WorkbookLimits.defaults());
    }

    /**
     * {@link #sheets(Path, FileType)} of a workbook held to {@code limits}: a workbook past them is
     * {@code unreadable_file}.
     */
    public static List<String> sheets(Path file, FileType type, WorkbookLimits limits) throws IOException {
        return switch (type) {
            case XLSX -> XlsxRows.sheets(file, limits);
            case XLS -> XlsRows.sheets(file, limits);
            case CSV, JSON, NDJSON -> List.of();
        };
    }
}
