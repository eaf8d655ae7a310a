package dev.freight.ingest;

import static dev.freight.ingest.Workbook.row;
import static dev.freight.ingest.Workbook.sheet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.poi.hssf.record.crypto.Biff8EncryptionKey;
import org.apache.poi.poifs.crypt.Decryptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How {@link Readers#detect} weighs content, Content-Type and file name; corpus files are in {@link CorpusTest}. */
class DetectTest {

    @TempDir
    Path dir;

    @Test
    void letsBinaryContentWinOverTheDeclaredType() throws IOException {
        Path xlsx = XlsxWriter.write(Workbook.of(sheet("S", row(1, "a"))), dir.resolve("upload.bin"));
        Path xls = XlsWriter.write(Workbook.of(sheet("S", row(1, "a"))), dir.resolve("upload2.bin"));

        assertThat(Readers.detect(xlsx, "text/csv", "vendors.csv")).isEqualTo(FileType.XLSX);
        assertThat(Readers.detect(xls, "application/json", "vendors.json")).isEqualTo(FileType.XLS);
    }

    /**
     * An XLS that Excel encrypted with its default password (VelvetSweatshop: a workbook with a password to modify
     * only, or a protected structure) has a FILEPASS record like one with a password to open it, but opens without a
     * password, as POI reads it: it is no password-protected file.
     */
    @Test
    void readsAnXlsEncryptedWithTheDefaultPassword() throws IOException {
        Path file = dir.resolve("protected.xls");
        Biff8EncryptionKey.setCurrentUserPassword(Decryptor.DEFAULT_PASSWORD);
        try {
            XlsWriter.write(Workbook.of(sheet("S", row(1, "id", "name"), row(2, "1", "Ann"))), file);
        } finally {
            Biff8EncryptionKey.setCurrentUserPassword(null);
        }

        assertThat(Readers.detect(file, null, "protected.xls")).isEqualTo(FileType.XLS);
        try (RowReader rows = Readers.open(file, FileType.XLS, ReadOptions.defaults())) {
            assertThat(rows.next().cells()).containsExactly(Map.entry("id", "1"), Map.entry("name", "Ann"));
        }
    }

    @Test
    void readsTextNamedAsAWorkbookAsCsv() throws IOException {
        Path file = text("id,name\n1,Ann\n");

        assertThat(Readers.detect(file, "application/vnd.ms-excel", "vendors.xls")).isEqualTo(FileType.CSV);
        assertThat(Readers.detect(file,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "vendors.xlsx"))
                .isEqualTo(FileType.CSV);
    }

    @Test
    void readsTextDeclaredJsonAsJsonSoThatItFailsAsJson() throws IOException {
        Path file = text("id,name\n1,Ann\n");

        assertThat(Readers.detect(file, null, null)).isEqualTo(FileType.CSV);
        assertThat(Readers.detect(file, "application/json; charset=utf-8", "upload")).isEqualTo(FileType.JSON);
        assertThat(Readers.detect(file, null, "rows.JSONL")).isEqualTo(FileType.NDJSON);
    }

    @Test
    void readsJsonContentAsJsonWhateverItIsCalled() throws IOException {
        Path array = text("[\n  {\"id\": 1}\n]\n");
        Path lines = text("{\"id\": 1}\n{\"id\": 2}\n");

        assertThat(Readers.detect(array, "text/csv", "vendors.csv")).isEqualTo(FileType.JSON);
        assertThat(Readers.detect(lines, "application/json", "vendors.json")).isEqualTo(FileType.NDJSON);
    }

    @Test
    void takesAOneLineObjectForNdjsonOnlyWhenDeclaredSoContentTypeFirst() throws IOException {
        Path file = text("{\"id\": 1}\n");

        assertThat(Readers.detect(file, null, null)).isEqualTo(FileType.JSON);
        assertThat(Readers.detect(file, "application/x-ndjson", null)).isEqualTo(FileType.NDJSON);
        assertThat(Readers.detect(file, "application/octet-stream", "rows.ndjson")).isEqualTo(FileType.NDJSON);
        assertThat(Readers.detect(file, "application/json", "rows.ndjson")).isEqualTo(FileType.JSON);
    }

    /** Nothing after a whole object on the first line makes JSON of it: declared NDJSON, a bad line is a bad row. */
    @Test
    void takesAWholeObjectOnTheFirstLineForNdjsonWhenDeclaredSoWhateverTheNextLineIs() throws IOException {
        Path file = text("{\"id\": 1}\n\nnot json\n[2]\n{\"id\": 3}\n");

        assertThat(Readers.detect(file, "application/x-ndjson", null)).isEqualTo(FileType.NDJSON);
        assertThat(Readers.detect(file, "application/octet-stream", "rows.jsonl")).isEqualTo(FileType.NDJSON);
        assertThat(Readers.detect(file, null, null)).isEqualTo(FileType.JSON);
        assertThat(Readers.detect(file, "application/json", "rows.ndjson")).isEqualTo(FileType.JSON);
    }

    @Test
    void takesAPrettyPrintedObjectForJson() throws IOException {
        Path file = text("{\n  \"data\": [\n    {\"id\": 1}\n  ]\n}\n{\"id\": 2}\n");

        assertThat(Readers.detect(file, "application/x-ndjson", null)).isEqualTo(FileType.JSON);
    }

    @Test
    void rejectsAZipArchiveWithoutAWorkbook() throws IOException {
        Path file = dir.resolve("photos.zip");
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("readme.txt"));
            zip.write("hello".getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }

        assertUnsupported(file, "The file is a ZIP archive without an Excel workbook; "
                + "expected a CSV, JSON, NDJSON, XLSX or XLS file");
    }

    /**
     * A ZIP cut short (a partly uploaded .xlsx) is a damaged workbook, {@code unreadable_file} as the reader says of
     * one, not a file of another type: before, it was {@code unsupported_file_type}.
     */
    @Test
    void refusesATruncatedXlsxAsADamagedWorkbook() throws IOException {
        Path whole = XlsxWriter.write(Workbook.of(sheet("S", row(1, "a"))), dir.resolve("whole.xlsx"));
        byte[] bytes = Files.readAllBytes(whole);
        Path cut = Files.write(dir.resolve("cut.xlsx"), Arrays.copyOf(bytes, bytes.length / 2));

        assertDamaged(cut, "The workbook cannot be read; expected a valid .xlsx file, found a damaged one (its ZIP"
                + " archive is cut short or corrupt, as a partly uploaded file is; send the whole file again)");
    }

    /** An Excel 97–2003 workbook cut short is a damaged workbook too. */
    @Test
    void refusesATruncatedXlsAsADamagedWorkbook() throws IOException {
        byte[] bytes = dev.freight.testing.XlsFiles.of("S", new String[][] {{"a"}, {"1"}});
        Path cut = Files.write(dir.resolve("cut.xls"), Arrays.copyOf(bytes, 1_000));

        assertDamaged(cut, "The workbook cannot be read; expected a valid .xls file, found a damaged one (its Office"
                + " compound file is cut short or corrupt, as a partly uploaded file is; send the whole file again)");
    }

    @Test
    void rejectsExcel2To4WorkbooksNamingTheFormat() throws IOException {
        Path biff4 = Files.write(dir.resolve("old.xls"), new byte[] {0x09, 0x04, 0x06, 0x00, 0x00, 0x00, 0x10, 0x00});

        assertUnsupported(biff4, "Excel 2.x to 4.0 workbooks (BIFF2 to BIFF4) are not supported; save as .xlsx");
    }

    @Test
    void rejectsAGzipArchiveNamingIt() throws IOException {
        Path file = Files.write(dir.resolve("rows.csv.gz"), new byte[] {0x1F, (byte) 0x8B, 8, 0, 0, 0, 0, 0});

        assertUnsupported(file, "The file is a gzip archive; expected a CSV, JSON, NDJSON, XLSX or XLS file");
    }

    /**
     * UTF-16 without a byte-order mark has its zero bytes on one side of the pairs and reads as text; the UTF-8 reader
     * of uploads still arriving refuses it (its ASCII with zero bytes is valid UTF-8). 16-bit numbers have their zero
     * bytes on one side too, but read as control characters: binary data.
     */
    @Test
    void takesZeroBytesOnOneSideOfThePairsForUtf16OnlyWhenThePairsReadAsText() throws IOException {
        byte[] utf16 = "id,name\n1,Ann\n".getBytes(StandardCharsets.UTF_16LE);
        Path file = Files.write(dir.resolve("utf16.csv"), utf16);
        byte[] counters = new byte[2000];
        for (int i = 0; i < 1000; i++) {
            counters[2 * i] = (byte) (i % 32);
        }

        assertThat(Readers.detect(file, null, null)).isEqualTo(FileType.CSV);
        assertThatThrownBy(() -> Readers.openUtf8Csv(new java.io.ByteArrayInputStream(utf16)))
                .isInstanceOf(IOException.class).hasMessage("the bytes are UTF-16LE without a byte-order mark");
        assertUnsupported(Files.write(dir.resolve("counters.csv"), counters),
                "The file is binary data; expected a CSV, JSON, NDJSON, XLSX or XLS file");
    }

    /**
     * A CSV in UTF-8 whose only zero bytes are a few NUL characters, all at even offsets, has zero bytes on one side of
     * its pairs but is no UTF-16: its separators and line breaks pair with letters. It is read as UTF-8, its NUL
     * characters kept in their cells (before, its first 8 KiB were taken for UTF-16BE: no header was found).
     */
    @Test
    void readsACsvWhoseFewNulCharactersAllLieAtEvenOffsetsInItsOwnEncoding() throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes("external_id,name,description\n".getBytes(StandardCharsets.UTF_8));
        List<Integer> withNul = List.of(7, 60, 150);
        java.util.Map<Integer, String> names = new java.util.HashMap<>();
        for (int i = 1; i <= 300; i++) {
            String start = "n-" + i + ",";
            String name = "Zoë " + i;
            if (withNul.contains(i)) {
                int at = out.size() + start.length() + 2;
                name = (at % 2 == 0 ? "Tw" : "Twx") + "\0o";
            }
            names.put(i, name);
            out.writeBytes((start + name + ",some description\n").getBytes(StandardCharsets.UTF_8));
        }
        byte[] bytes = out.toByteArray();
        List<Integer> zeros = java.util.stream.IntStream.range(0, bytes.length).filter(i -> bytes[i] == 0).boxed()
                .toList();
        assertThat(zeros).hasSize(3).allMatch(i -> i % 2 == 0).first().matches(i -> i < TextEncoding.HEAD);
        Path file = Files.write(dir.resolve("nul.csv"), bytes);

        assertThat(TextEncoding.withoutBom(bytes, TextEncoding.HEAD)).isNull();
        assertThat(Readers.detect(file, null, null)).isEqualTo(FileType.CSV);
        for (RowReader rows : List.of(Readers.open(file, FileType.CSV, ReadOptions.defaults()),
                Readers.openUtf8Csv(new ByteArrayInputStream(bytes)))) {
            try (rows) {
                assertThat(rows.format().encoding()).isEqualTo("utf-8");
                assertThat(rows.headers()).containsExactly("external_id", "name", "description");
                for (int i = 1; i <= 300; i++) {
                    SourceRow row = rows.next();
                    assertThat(row.line()).isEqualTo(i + 1);
                    assertThat(row.cells()).containsExactly(Map.entry("external_id", "n-" + i),
                            Map.entry("name", names.get(i)), Map.entry("description", "some description"));
                }
                assertThat(rows.next()).isNull();
            }
        }
        assertThat(names.get(60)).contains("\0");
    }

    /**
     * UTF-16 without a byte-order mark whose text is mostly Chinese has few zero bytes, and hardly more on the side of
     * its ASCII than on the other ({@code 一} is {@code 00 4E} in little-endian); its commas and line breaks, written
     * as characters of their own, tell it in either byte order (before, it was not taken for UTF-16).
     */
    @Test
    void readsUtf16WithoutAByteOrderMarkWhoseTextIsMostlyChinese() throws IOException {
        String description = "这是一个不错的产品，上市以来在中国市场一直很受欢迎。".repeat(6);
        StringBuilder text = new StringBuilder("编号,描述\n");
        for (int i = 1; i <= 40; i++) {
            text.append(i).append(',').append(description).append('\n');
        }
        for (Charset charset : List.of(StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE)) {
            byte[] bytes = text.toString().getBytes(charset);
            Path file = Files.write(dir.resolve(charset + ".csv"), bytes);

            assertThat(Readers.detect(file, null, null)).isEqualTo(FileType.CSV);
            try (RowReader rows = Readers.open(file, FileType.CSV, ReadOptions.defaults())) {
                assertThat(rows.format()).isEqualTo(new SourceFormat(charset.name().toLowerCase(java.util.Locale.ROOT),
                        false, ",", "lf", null));
                assertThat(rows.headers()).containsExactly("编号", "描述");
                for (int i = 1; i <= 40; i++) {
                    assertThat(rows.next().cells()).containsExactly(Map.entry("编号", String.valueOf(i)),
                            Map.entry("描述", description));
                }
                assertThat(rows.next()).isNull();
            }
            assertThatThrownBy(() -> Readers.openUtf8Csv(new ByteArrayInputStream(bytes)))
                    .isInstanceOf(IOException.class).hasMessage("the bytes are " + charset
                            + " without a byte-order mark");
        }
    }

    /**
     * A CSV whose header starts with a letter beyond ASCII is told from its first 8 KiB, without opening the CSV
     * reader, which reads the whole file to detect its encoding (before, it did so in the upload request). A start of
     * white space beyond ASCII (ideographic spaces) may still be a file of blank rows: the reader tells that.
     */
    @Test
    void tellsACsvWhoseHeaderStartsWithALetterBeyondAsciiFromItsStartAlone() throws IOException {
        List<String> headers = List.of("\u00d1ame,code\n", "\u7f16\u53f7,\u63cf\u8ff0\n", "\u00c4u\u00dfere ID;Name\n",
                "\u3000\u00e9,x\n");
        for (int i = 0; i < headers.size(); i++) {
            Path file = Files.writeString(dir.resolve("letter-" + i + ".csv"), headers.get(i) + "a,b\nc,d\n");

            assertThat(Readers.detect(file, null, null)).as(headers.get(i)).isEqualTo(FileType.CSV);
            assertThat(TextEncoding.remembered(file)).as(headers.get(i)).isNull();
        }
        Path blank = Files.writeString(dir.resolve("ideographic.csv"), "\u3000,\u3000\n\u3000\n");

        assertThatThrownBy(() -> Readers.detect(blank, null, null)).isInstanceOf(IngestException.class)
                .hasMessage("The file has only blank rows; expected a CSV, JSON, NDJSON, XLSX or XLS file");
    }

    /**
     * UTF-16 without a byte-order mark whose first 8 KiB are an ASCII header and then one long cell in Chinese has
     * almost no zero bytes past the header and separators too few to tell it; its header, ASCII written as
     * characters of their own up to a line break, does (before, it was not taken for UTF-16).
     */
    @Test
    void readsUtf16WithoutAByteOrderMarkWhoseAsciiHeaderIsFollowedByOneLongChineseCell() throws IOException {
        StringBuilder chinese = new StringBuilder();
        for (int i = 0; i < 6000; i++) {
            chinese.append((char) (0x4E00 + i * 7 % 0x5000));
        }
        String text = "external_id,description\nc-1," + chinese + "\nc-2,short\n";
        for (Charset charset : List.of(StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE)) {
            byte[] bytes = text.getBytes(charset);
            Path file = Files.write(dir.resolve(charset + "-long.csv"), bytes);

            assertThat(TextEncoding.withoutBom(bytes, TextEncoding.HEAD)).isEqualTo(new TextEncoding(charset, 0));
            try (RowReader rows = Readers.open(file, FileType.CSV, ReadOptions.defaults())) {
                assertThat(rows.format().encoding()).isEqualTo(charset.name().toLowerCase(java.util.Locale.ROOT));
                assertThat(rows.headers()).containsExactly("external_id", "description");
                assertThat(rows.next().cells()).containsExactly(Map.entry("external_id", "c-1"),
                        Map.entry("description", chinese.toString()));
                assertThat(rows.next().cells()).containsExactly(Map.entry("external_id", "c-2"),
                        Map.entry("description", "short"));
                assertThat(rows.next()).isNull();
            }
        }
    }

    /**
     * A UTF-8 file with a NUL character before most of its line breaks, each NUL at an even offset, has its line
     * breaks as characters of their own when read as UTF-16BE, but every other pair it has is two ASCII bytes, which
     * UTF-16 text hardly ever is: it is read as UTF-8 (before, it was taken for UTF-16BE and read as gibberish).
     */
    @Test
    void readsAnEightBitFileWithANulBeforeMostLineBreaksAtEvenOffsetsInItsOwnEncoding() throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes("external_id,name\n".getBytes(StandardCharsets.UTF_8));
        for (int i = 1; i <= 200; i++) {
            String line = "n-" + i + ",Name " + i;
            if (i % 4 != 0 && (out.size() + line.length()) % 2 != 0) {
                line += "x";
            }
            out.writeBytes(line.getBytes(StandardCharsets.UTF_8));
            out.writeBytes(i % 4 != 0 ? new byte[] {0, '\n'} : new byte[] {'\n'});
        }
        byte[] bytes = out.toByteArray();
        Path file = Files.write(dir.resolve("nul-lines.csv"), bytes);

        assertThat(TextEncoding.withoutBom(bytes, bytes.length)).isNull();
        try (RowReader rows = Readers.open(file, FileType.CSV, ReadOptions.defaults())) {
            assertThat(rows.format().encoding()).isEqualTo("utf-8");
            assertThat(rows.headers()).containsExactly("external_id", "name");
            assertThat(rows.next().cells()).containsExactly(Map.entry("external_id", "n-1"),
                    Map.entry("name", "Name 1x\0"));
        }
    }

    /**
     * UTF-32 without a byte-order mark has a zero byte in every unit of four (the last for little-endian, the first
     * for big-endian; three of four for ASCII) and reads as text; the UTF-8 reader of uploads still arriving refuses
     * it (its ASCII with zero bytes is valid UTF-8). 32-bit numbers have that pattern too, but read as control
     * characters; a class file breaks it: both are binary data.
     */
    @Test
    void takesAZeroByteInEveryUnitOfFourForUtf32OnlyWhenTheUnitsReadAsText() throws IOException {
        for (String charset : List.of("UTF-32LE", "UTF-32BE")) {
            byte[] utf32 = "id,name\n1,Ann\n2,Борис 李 𠀀\n".getBytes(Charset.forName(charset));
            Path file = Files.write(dir.resolve(charset + ".csv"), utf32);

            assertThat(Readers.detect(file, null, null)).isEqualTo(FileType.CSV);
            assertThatThrownBy(() -> Readers.openUtf8Csv(new ByteArrayInputStream(utf32)))
                    .isInstanceOf(IOException.class).hasMessage("the bytes are " + charset
                            + " without a byte-order mark");
        }
        byte[] counters = new byte[4000];
        for (int i = 0; i < 1000; i++) {
            counters[4 * i] = (byte) (i % 32);
        }
        byte[] classFile;
        try (InputStream in = DetectTest.class.getResourceAsStream("DetectTest.class")) {
            classFile = in.readAllBytes();
        }

        assertUnsupported(Files.write(dir.resolve("counters.csv"), counters),
                "The file is binary data; expected a CSV, JSON, NDJSON, XLSX or XLS file");
        assertUnsupported(Files.write(dir.resolve("class.csv"), classFile),
                "The file is binary data; expected a CSV, JSON, NDJSON, XLSX or XLS file");
    }

    private void assertUnsupported(Path file, String message) {
        assertThatThrownBy(() -> Readers.detect(file, null, file.getFileName().toString()))
                .isInstanceOfSatisfying(IngestException.class, e -> {
                    assertThat(e.code()).isEqualTo("unsupported_file_type");
                    assertThat(e.getMessage()).isEqualTo(message);
                    assertThat(e.line()).isZero();
                });
    }

    private void assertDamaged(Path file, String message) {
        assertThatThrownBy(() -> Readers.detect(file, null, file.getFileName().toString()))
                .isInstanceOfSatisfying(IngestException.class, e -> {
                    assertThat(e.code()).isEqualTo("unreadable_file");
                    assertThat(e.getMessage()).isEqualTo(message);
                    assertThat(e.line()).isZero();
                });
    }

    private Path text(String content) throws IOException {
        return Files.writeString(Files.createTempFile(dir, "upload", ".bin"), content);
    }
}
