package dev.freight.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * XLSX files for tests, written by fastexcel's streaming writer, and the same files with a sheet's {@code <dimension>}
 * element (the used range it declares) changed the way other writers leave it: {@code A1} whatever the cells, or no
 * element at all. The dimension is only a hint; a reader must not take it for the sheet's size.
 */
public final class XlsxFiles {

    private static final Pattern DIMENSION = Pattern.compile("<dimension\\b[^>]*/>");

    private XlsxFiles() {}

    /** A workbook of one sheet {@code sheetName} holding {@code rows} from A1 on (a null cell is left out). */
    public static byte[] of(String sheetName, String[][] rows) {
        ByteArrayOutputStream xlsx = new ByteArrayOutputStream();
        try {
            var workbook = new org.dhatim.fastexcel.Workbook(xlsx, "test", "1.0");
            var sheet = workbook.newWorksheet(sheetName);
            for (int r = 0; r < rows.length; r++) {
                for (int c = 0; c < rows[r].length; c++) {
                    if (rows[r][c] != null) {
                        sheet.value(r, c, rows[r][c]);
                    }
                }
            }
            workbook.finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return xlsx.toByteArray();
    }

    /**
     * {@code xlsx} with each worksheet part's dimension element replaced by {@code <dimension ref="ref"/>}, or removed
     * when {@code ref} is null; every other part is copied as it is. Fails when a worksheet has no dimension element to
     * change, so a test never reads the file it started from by mistake.
     */
    public static byte[] withDimension(byte[] xlsx, String ref) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            // Read through the central directory: fastexcel's entries give their sizes after their data, which a
            // ZipInputStream cannot take.
            Path copy = Files.createTempFile("freight-dimension-", ".xlsx");
            Files.write(copy, xlsx);
            try (ZipFile in = new ZipFile(copy.toFile()); ZipOutputStream zip = new ZipOutputStream(out)) {
                for (ZipEntry entry : Collections.list(in.entries())) {
                    byte[] content;
                    try (InputStream part = in.getInputStream(entry)) {
                        content = part.readAllBytes();
                    }
                    if (entry.getName().startsWith("xl/worksheets/") && entry.getName().endsWith(".xml")) {
                        content = changed(entry.getName(), new String(content, StandardCharsets.UTF_8), ref)
                                .getBytes(StandardCharsets.UTF_8);
                    }
                    zip.putNextEntry(new ZipEntry(entry.getName()));
                    zip.write(content);
                    zip.closeEntry();
                }
            }
            Files.delete(copy);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static String changed(String part, String sheet, String ref) {
        Matcher dimension = DIMENSION.matcher(sheet);
        if (!dimension.find()) {
            throw new IllegalArgumentException(part + " has no dimension element to change");
        }
        return dimension.replaceFirst(ref == null ? "" : "<dimension ref=\"" + ref + "\"/>");
    }
}
