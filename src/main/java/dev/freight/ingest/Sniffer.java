package dev.freight.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.apache.poi.EncryptedDocumentException;
import org.apache.poi.hssf.record.RecordFactoryInputStream;
import org.apache.poi.poifs.filesystem.POIFSFileSystem;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * Tells a file's type from its content, using the declared Content-Type and then the file name only where the content
 * leaves a choice. Text is JSON when it starts with {@code [} followed by {@code {} or {@code ]}, or with {@code {}
 * followed by {@code "} or {@code }} (so a CSV header such as {@code [Date],[Amount]} stays CSV); such an object is
 * NDJSON when its first line is a whole object and either the next non-blank line starts with a brace or it is
 * declared NDJSON (whatever follows: a malformed later line is then rejected alone). Other text is CSV unless declared
 * JSON or NDJSON (so it fails as malformed JSON rather than as odd CSV rows). Reads the first 8 KiB, the ZIP or OLE2
 * directory, and at most the first two lines of a file starting with a brace.
 */
final class Sniffer {

    private static final int HEAD = TextEncoding.HEAD;
    /** Longest first line of an NDJSON file that is looked at; longer is taken for a one-line JSON document. */
    private static final int MAX_FIRST_LINE = 1024 * 1024;
    private static final int MAX_ZIP_ENTRY = 256 * 1024;
    /** How much of an XLS workbook stream's globals is searched for the record saying it is encrypted. */
    private static final int MAX_GLOBALS = 64 * 1024;
    private static final String EXPECTED = "expected a CSV, JSON, NDJSON, XLSX or XLS file";
    private static final String SAVE_AS_XLSX = " are not supported; save as .xlsx";

    private Sniffer() {}

    static FileType detect(Path file, String contentType, String fileName) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(HEAD);
        }
        if (head.length == 0) {
            throw new IngestException("empty_file", 0, "The file is empty; " + EXPECTED);
        }
        if (startsWith(head, 'P', 'K', 3, 4) || startsWith(head, 'P', 'K', 5, 6)) {
            return zip(file);
        }
        if (startsWith(head, 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1)) {
            return ole2(file);
        }
        if (head.length >= 4 && head[0] == 0x09 && (head[1] == 0x00 || head[1] == 0x02 || head[1] == 0x04)
                && head[3] == 0x00) {
            throw unsupported("Excel 2.x to 4.0 workbooks (BIFF2 to BIFF4)" + SAVE_AS_XLSX);
        }
        String known = knownBinary(head);
        if (known != null) {
            throw unsupported("The file is " + known + "; " + EXPECTED);
        }
        return text(file, head, hint(contentType, fileName));
    }

    private static FileType text(Path file, byte[] head, FileType hint) throws IOException {
        TextEncoding told = TextEncoding.fromBom(head, head.length);
        if (told == null) {
            told = TextEncoding.withoutBom(head, head.length);
        }
        if (told == null && looksBinary(head)) {
            throw unsupported("The file is binary data; " + EXPECTED);
        }
        TextEncoding encoding = told != null ? told : new TextEncoding(StandardCharsets.UTF_8, 0);
        String start = new String(head, encoding.bomLength(), head.length - encoding.bomLength(), encoding.charset());
        int i = 0;
        while (i < start.length() && (Character.isWhitespace(start.charAt(i)) || start.charAt(i) == '\uFEFF')) {
            i++;
        }
        if (i == start.length()) {
            if (head.length < HEAD) {
                throw new IngestException("empty_file", 0, "The file has only blank space; " + EXPECTED);
            }
            return csv(file, start);
        }
        char first = start.charAt(i);
        char second = nextNonSpace(start, i + 1);
        if (first == '[' && (second == '{' || second == ']')) {
            return FileType.JSON;
        }
        if (first == '{' && (second == '"' || second == '}')) {
            return jsonOrNdjson(file, encoding, hint);
        }
        if (first == '<' && i + 1 < start.length() && isMarkupStart(start.charAt(i + 1))) {
            throw unsupported("The file is an XML or HTML document; " + EXPECTED);
        }
        return hint == FileType.JSON || hint == FileType.NDJSON ? hint : csv(file, start);
    }

    /**
     * CSV, unless the file has no row with a non-blank cell (only blank space, empty quoted cells such as {@code ""},
     * separators), so that the CSV reader would find no header row: then {@code empty_file}, here rather than when the
     * file is read, so that an upload is refused as it arrives. Only text whose start may be all blank is read for it.
     */
    private static FileType csv(Path file, String start) throws IOException {
        if (mayBeBlank(start) && hasNoHeaderRow(file)) {
            throw new IngestException("empty_file", 0, "The file has only blank rows; " + EXPECTED);
        }
        return FileType.CSV;
    }

    /**
     * Whether text starting with {@code start} may have no non-blank cell: it has no character that only a non-blank
     * cell holds before its first ESC or character that did not decode (U+FFFD), past which the file's encoding
     * (detected from the whole file) may read the bytes otherwise. Quotes, apostrophes (a formula guard before a tab is
     * dropped), the separators and white space may all belong to blank cells. A character beyond ASCII that is not
     * white space holds a cell in whichever encoding detection finds: read from the head as UTF-8, its first byte is
     * C2 to F4, which starts no white space in any encoding detection knows (an ideographic space is A1 A1, A1 40 or
     * 81 40 in the East Asian ones). So a header such as {@code Ñame} or {@code 编号} does not open the CSV reader,
     * which reads the whole file to detect its encoding (before, it did, in the upload request).
     */
    private static boolean mayBeBlank(String start) {
        for (int i = 0; i < start.length(); i++) {
            char c = start.charAt(i);
            if (c == 0x1B || c == '\uFFFD') {
                return true;
            }
            boolean cell = c < 0x80 ? c > ' ' && c < 0x7F && "\"',;|".indexOf(c) < 0
                    : !Character.isWhitespace(c) && c != '\uFEFF';
            if (cell) {
                return false;
            }
        }
        return true;
    }

    /** Whether the CSV reader finds no header row in {@code file}; a file it cannot read is its to report. */
    private static boolean hasNoHeaderRow(Path file) throws IOException {
        try {
            CsvRows.open(file, null).close();
            return false;
        } catch (IngestException e) {
            return "empty_file".equals(e.code());
        }
    }

    /** The first character from {@code from} on that is not white space; a space when there is none. */
    private static char nextNonSpace(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            if (!Character.isWhitespace(s.charAt(i))) {
                return s.charAt(i);
            }
        }
        return ' ';
    }

    /** NDJSON when the first line is a whole object, declared NDJSON or followed by a line starting with a brace. */
    private static FileType jsonOrNdjson(Path file, TextEncoding encoding, FileType hint) throws IOException {
        try (Reader reader = encoding.open(file); LineReader lines = new LineReader(reader, MAX_FIRST_LINE)) {
            String line = nextNonBlank(lines);
            if (lines.tooLong() || line == null || !isWholeObject(line)) {
                return FileType.JSON;
            }
            if (hint == FileType.NDJSON) {
                // A whole object on the first line ends any JSON document, so what follows it is no JSON either: as
                // NDJSON a bad line is rejected alone instead of failing the whole file.
                return FileType.NDJSON;
            }
            String second = nextNonBlank(lines);
            return second != null && !lines.tooLong() && second.strip().startsWith("{") ? FileType.NDJSON
                    : FileType.JSON;
        }
    }

    private static String nextNonBlank(LineReader lines) throws IOException {
        String line = lines.next();
        while (line != null && !lines.tooLong() && line.isBlank()) {
            line = lines.next();
        }
        return line;
    }

    private static boolean isWholeObject(String line) {
        try (JsonParser parser = JsonValues.MAPPER.createParser(line.replace("\uFEFF", ""))) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            parser.skipChildren();
            return parser.nextToken() == null;
        } catch (JacksonException notJson) {
            return false;
        }
    }

    private static FileType zip(Path file) {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            if (zip.getEntry("xl/workbook.bin") != null) {
                throw unsupported("Excel binary workbooks (.xlsb)" + SAVE_AS_XLSX);
            }
            String types = entryText(zip, "[Content_Types].xml", MAX_ZIP_ENTRY);
            if (types.contains("macroEnabled")) {
                throw unsupported("Macro-enabled Excel workbooks (.xlsm)" + SAVE_AS_XLSX);
            }
            if (types.contains("spreadsheetml.template")) {
                throw unsupported("Excel templates (.xltx)" + SAVE_AS_XLSX);
            }
            if (zip.getEntry("xl/workbook.xml") != null) {
                if (entryText(zip, "xl/workbook.xml", HEAD).contains("purl.oclc.org/ooxml")) {
                    throw unsupported("Strict Open XML workbooks" + SAVE_AS_XLSX + " (Excel Workbook)");
                }
                return FileType.XLSX;
            }
            if (types.contains("spreadsheetml.sheet.main")) {
                return FileType.XLSX;
            }
            if (entryText(zip, "mimetype", HEAD).startsWith("application/vnd.oasis.opendocument.spreadsheet")) {
                throw unsupported("OpenDocument spreadsheets (.ods)" + SAVE_AS_XLSX);
            }
            if (zip.getEntry("word/document.xml") != null) {
                throw unsupported("The file is a Word document (.docx); " + EXPECTED);
            }
            throw unsupported("The file is a ZIP archive without an Excel workbook; " + EXPECTED);
        } catch (IOException e) {
            // A ZIP is read only as a workbook: one that cannot be opened is a damaged workbook, not another type.
            throw new IngestException("unreadable_file", 0, "The workbook cannot be read; expected a valid .xlsx file,"
                    + " found a damaged one (its ZIP archive is cut short or corrupt, as a partly uploaded file is;"
                    + " send the whole file again)", e);
        }
    }

    /** The start of a ZIP entry as UTF-8 text; empty when there is no such entry. */
    private static String entryText(ZipFile zip, String name, int limit) throws IOException {
        ZipEntry entry = zip.getEntry(name);
        if (entry == null) {
            return "";
        }
        try (InputStream in = zip.getInputStream(entry)) {
            return new String(in.readNBytes(limit), StandardCharsets.UTF_8);
        }
    }

    private static FileType ole2(Path file) {
        Set<String> entries = new HashSet<>();
        boolean passwordToOpen = false;
        try (POIFSFileSystem fs = new POIFSFileSystem(file.toFile(), true)) {
            for (String name : fs.getRoot().getEntryNames()) {
                entries.add(name.toLowerCase(Locale.ROOT));
                if (name.equalsIgnoreCase("workbook")) {
                    boolean filePass;
                    try (InputStream in = fs.createDocumentInputStream(name)) {
                        filePass = hasFilePass(in);
                    }
                    if (filePass) {
                        try (InputStream in = fs.createDocumentInputStream(name)) {
                            passwordToOpen = !opensWithoutPassword(in);
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IngestException("unreadable_file", 0, "The workbook cannot be read; expected a valid .xls file,"
                    + " found a damaged one (its Office compound file is cut short or corrupt, as a partly uploaded file"
                    + " is; send the whole file again)", e);
        }
        if (entries.contains("encryptioninfo") || passwordToOpen) {
            throw new IngestException("encrypted_file", 0,
                    "The file is a password-protected Office document; expected a workbook without a password");
        }
        if (entries.contains("workbook")) {
            return FileType.XLS;
        }
        if (entries.contains("book")) {
            throw unsupported("Excel 5.0/95 workbooks (BIFF5)" + SAVE_AS_XLSX);
        }
        if (entries.contains("worddocument")) {
            throw unsupported("The file is a Word 97-2003 document (.doc); " + EXPECTED);
        }
        throw unsupported("The file is an Office document that is not an Excel workbook; " + EXPECTED);
    }

    /**
     * Whether an Excel 97-2003 workbook stream is password-protected: its globals substream, which a file encrypted
     * by Excel 97-2003 keeps in OLE2 (record headers in the clear), has a FILEPASS record (0x002F) before its EOF
     * record (0x000A). Only the first {@link #MAX_GLOBALS} bytes are looked at; FILEPASS comes right after the BOF.
     */
    private static boolean hasFilePass(InputStream in) throws IOException {
        long read = 0;
        while (read < MAX_GLOBALS) {
            byte[] header = in.readNBytes(4);
            if (header.length < 4) {
                return false;
            }
            int type = (header[0] & 0xFF) | (header[1] & 0xFF) << 8;
            int length = (header[2] & 0xFF) | (header[3] & 0xFF) << 8;
            if (type == 0x002F) {
                return true;
            }
            if (type == 0x000A) {
                return false;
            }
            in.skipNBytes(Math.min(length, in.available()));
            read += 4 + length;
        }
        return false;
    }

    /**
     * Whether an encrypted Excel 97-2003 workbook stream opens with Excel's default password (VelvetSweatshop), as
     * one with a password to modify only does: POI's HSSF then reads it as it reads any other, with no password given.
     */
    private static boolean opensWithoutPassword(InputStream in) {
        try {
            new RecordFactoryInputStream(in, true);
            return true;
        } catch (EncryptedDocumentException e) {
            return false;
        }
    }

    /** The declared type: the Content-Type when it names one, else the file name's extension; null when neither. */
    static FileType hint(String contentType, String fileName) {
        FileType declared = fromContentType(contentType);
        return declared != null ? declared : fromFileName(fileName);
    }

    private static FileType fromContentType(String contentType) {
        if (contentType == null) {
            return null;
        }
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip()
                .toLowerCase(Locale.ROOT);
        return switch (type) {
            case "text/csv", "application/csv", "text/comma-separated-values", "text/tab-separated-values",
                    "text/tsv" -> FileType.CSV;
            case "application/json", "text/json" -> FileType.JSON;
            case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines",
                    "application/jsonlines" -> FileType.NDJSON;
            case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" -> FileType.XLSX;
            case "application/vnd.ms-excel" -> FileType.XLS;
            default -> null;
        };
    }

    private static FileType fromFileName(String fileName) {
        if (fileName == null) {
            return null;
        }
        String name = fileName.strip().toLowerCase(Locale.ROOT);
        int dot = name.lastIndexOf('.');
        return switch (dot < 0 ? "" : name.substring(dot + 1)) {
            case "csv", "tsv", "txt" -> FileType.CSV;
            case "json" -> FileType.JSON;
            case "ndjson", "jsonl" -> FileType.NDJSON;
            case "xlsx" -> FileType.XLSX;
            case "xls" -> FileType.XLS;
            default -> null;
        };
    }

    private static String knownBinary(byte[] head) {
        if (startsWith(head, '%', 'P', 'D', 'F', '-')) {
            return "a PDF document";
        }
        if (startsWith(head, 0x1F, 0x8B)) {
            return "a gzip archive";
        }
        if (startsWith(head, 0x89, 'P', 'N', 'G') || startsWith(head, 0xFF, 0xD8, 0xFF)
                || startsWith(head, 'G', 'I', 'F', '8')) {
            return "an image";
        }
        if (startsWith(head, 'R', 'a', 'r', '!') || startsWith(head, '7', 'z', 0xBC, 0xAF, 0x27, 0x1C)) {
            return "a compressed archive";
        }
        if (startsWith(head, '{', '\\', 'r', 't', 'f')) {
            return "an RTF document";
        }
        return null;
    }

    /**
     * Text has few control characters (tab, line breaks, form feed, the DOS end-of-file mark and the escapes of
     * ISO-2022 aside); binary data has about one byte in ten.
     */
    private static boolean looksBinary(byte[] head) {
        int controls = 0;
        for (byte b : head) {
            if (b >= 0 && b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f' && b != 0x1A && b != 0x1B
                    || b == 0x7F) {
                controls++;
            }
        }
        return controls >= 8 && controls * 50 > head.length;
    }

    private static boolean isMarkupStart(char c) {
        return c == '?' || c == '!' || Character.isLetter(c);
    }

    private static boolean startsWith(byte[] bytes, int... prefix) {
        if (bytes.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if ((bytes[i] & 0xFF) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static IngestException unsupported(String message) {
        return new IngestException("unsupported_file_type", 0, message);
    }
}
