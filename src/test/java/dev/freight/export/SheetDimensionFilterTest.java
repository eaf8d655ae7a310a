package dev.freight.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import org.dhatim.fastexcel.Workbook;
import org.dhatim.fastexcel.Worksheet;
import org.junit.jupiter.api.Test;

/** The package fastexcel writes through the filter: every part as fastexcel wrote it, less the sheets' dimension. */
class SheetDimensionFilterTest {

    private static final String DIMENSION = "<dimension ref=\"A1\"/>";

    /**
     * Two sheets, a flushed one of 3,000 rows and one never flushed, styles and widths, written once straight by
     * fastexcel and once through the filter a byte per write (so every record of the zip arrives split): the parts
     * are the same, in the same order, but for the dimension, which the sheets lose and nothing else does. A reader
     * going by the local headers (as a file arrives) reads the same parts as one going by the central directory.
     */
    @Test
    void keepsEveryPartButTheSheetsDimensionWhereverTheWritesSplitTheZip() throws IOException {
        ByteArrayOutputStream straight = new ByteArrayOutputStream();
        workbook(straight, 4);
        ByteArrayOutputStream filtered = new ByteArrayOutputStream();
        SheetDimensionFilter filter = new SheetDimensionFilter(filtered);
        workbook(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                filter.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                for (int i = off; i < off + len; i++) {
                    filter.write(b, i, 1);
                }
            }
        }, 0);
        filter.finish();

        Map<String, String> before = parts(straight.toByteArray());
        Map<String, String> after = parts(filtered.toByteArray());

        assertThat(after.keySet()).containsExactlyElementsOf(before.keySet());
        assertThat(before.get("xl/worksheets/sheet1.xml")).contains(DIMENSION);
        assertThat(before.get("xl/worksheets/sheet2.xml")).contains(DIMENSION);
        before.forEach((name, text) -> assertThat(after.get(name)).as(name)
                .isEqualTo(name.startsWith("xl/worksheets/") ? text.replace(DIMENSION, "") : text));
        assertThat(after.get("xl/worksheets/sheet1.xml").contains("<c r=\"C3000\" t=\"b\"><v>0</v></c></row>"))
                .isTrue();
        assertThat(streamed(filtered.toByteArray())).isEqualTo(after);
    }

    private static void workbook(OutputStream out, int level) throws IOException {
        Workbook workbook = new Workbook(out, "Freight", "1.0");
        workbook.setCompressionLevel(level);
        workbook.properties().setTitle("t");
        Worksheet big = workbook.newWorksheet("Big");
        big.width(0, 20);
        for (int r = 0; r < 3_000; r++) {
            big.inlineString(r, 0, "Row " + r);
            big.value(r, 1, r * 1.5);
            big.value(r, 2, r % 2 == 0);
            big.style(r, 1).format("0.00").set();
            if (r % 1_000 == 999) {
                big.flush();
            }
        }
        big.finish();
        Worksheet small = workbook.newWorksheet("Small");
        small.inlineString(0, 0, "Header");
        small.style(0, 0).bold().set();
        small.finish();
        workbook.finish();
    }

    /** Each part's text by name, read entry by entry by the local headers, as a streaming reader does. */
    private static Map<String, String> streamed(byte[] xlsx) throws IOException {
        Map<String, String> parts = new java.util.LinkedHashMap<>();
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(xlsx))) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                parts.put(e.getName(), text(zip.readAllBytes()));
            }
        }
        return parts;
    }

    private static String text(byte[] part) {
        return new String(part, StandardCharsets.UTF_8).replaceAll("<dcterms:created [^<]*</dcterms:created>", "");
    }

    /** Each part's text by name, in the order of the zip's central directory; the time of writing left out. */
    private static Map<String, String> parts(byte[] xlsx) throws IOException {
        Map<String, String> parts = new java.util.LinkedHashMap<>();
        Path file = Files.createTempFile("filter", ".xlsx");
        try {
            Files.write(file, xlsx);
            try (ZipFile zip = new ZipFile(file.toFile())) {
                for (ZipEntry e : Collections.list(zip.entries())) {
                    parts.put(e.getName(), text(zip.getInputStream(e).readAllBytes()));
                }
            }
        } finally {
            Files.delete(file);
        }
        return parts;
    }
}
