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
    private static final String MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    private static final String RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    private static final String PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships";

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
     * A workbook of one sheet "S" whose row 1 names the columns {@code header} and whose {@code rows} data rows (rows 2
     * on) have, in each of those columns, a cell referring to one shared string, {@code text}: the file holds the text
     * once however many cells repeat it, so it stays a few kilobytes whatever it expands to.
     */
    public static byte[] repeating(String[] header, String text, int rows) {
        StringBuilder sheet = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\""
                + MAIN + "\"><sheetData><row r=\"1\">");
        for (String name : header) {
            sheet.append("<c t=\"inlineStr\"><is><t>").append(name).append("</t></is></c>");
        }
        sheet.append("</row>");
        for (int r = 2; r < rows + 2; r++) {
            sheet.append("<row r=\"").append(r).append("\">");
            sheet.append("<c t=\"s\"><v>0</v></c>".repeat(header.length));
            sheet.append("</row>");
        }
        sheet.append("</sheetData></worksheet>");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            putPackage(zip);
            put(zip, "xl/sharedStrings.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"" + MAIN
                    + "\" count=\"1\" uniqueCount=\"1\"><si><t>" + text + "</t></si></sst>");
            put(zip, "xl/worksheets/sheet1.xml", sheet.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The parts every workbook here has around its sheet and shared strings: types, relationships, the workbook. */
    private static void putPackage(ZipOutputStream zip) throws IOException {
        put(zip, "[Content_Types].xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas."
                + "openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\""
                + "application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" "
                + "ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\""
                + "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/><Override "
                + "PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-"
                + "officedocument.spreadsheetml.worksheet+xml\"/><Override PartName=\"/xl/sharedStrings.xml\" "
                + "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/>"
                + "</Types>");
        put(zip, "_rels/.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"" + PACKAGE_RELS
                + "\"><Relationship Id=\"rId1\" Type=\"" + RELS + "/officeDocument\" Target=\"xl/workbook.xml\"/>"
                + "</Relationships>");
        put(zip, "xl/workbook.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"" + MAIN
                + "\" xmlns:r=\"" + RELS + "\"><sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets>"
                + "</workbook>");
        put(zip, "xl/_rels/workbook.xml.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\""
                + PACKAGE_RELS + "\"><Relationship Id=\"rId1\" Type=\"" + RELS + "/worksheet\" Target=\""
                + "worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" Type=\"" + RELS + "/sharedStrings\" Target=\""
                + "sharedStrings.xml\"/></Relationships>");
    }

    /**
     * A workbook of one sheet "S" made to expand: its shared-strings table holds {@code item} (the XML of one
     * {@code <si>}, written as it is) {@code items} times, and its sheet a header row naming "id" and "text" in inline
     * strings, a row 2 with "a-1" and a reference to shared string {@code refer}, then {@code row} (the XML of rows,
     * written as it is) {@code rows} times. Each part is written a piece at a time and compressed as it is written, so
     * the file stays small (repeated XML compresses about 1,000 times) whatever its parts expand to.
     */
    public static byte[] expanding(String item, int items, int refer, String row, int rows) {
        return expanding(new String[] {"id", "text"}, item, items, refer, row, rows);
    }

    /** {@link #expanding(String, int, int, String, int)} with the two columns named {@code header}. */
    public static byte[] expanding(String[] header, String item, int items, int refer, String row, int rows) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            putPackage(zip);
            putRepeated(zip, "xl/sharedStrings.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"" + MAIN
                    + "\">", item, items, "</sst>");
            putRepeated(zip, "xl/worksheets/sheet1.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\""
                    + MAIN + "\"><sheetData><row r=\"1\"><c t=\"inlineStr\"><is><t>" + header[0] + "</t></is></c>"
                    + "<c t=\"inlineStr\"><is><t>" + header[1] + "</t></is></c></row><row r=\"2\"><c t=\"inlineStr\"><is><t>a-1</t></is></c><c t=\"s\">"
                    + "<v>" + refer + "</v></c></row>", row, rows, "</sheetData></worksheet>");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Writes part {@code name}: {@code start}, {@code repeated} {@code times}, {@code end}. */
    private static void putRepeated(ZipOutputStream zip, String name, String start, String repeated, int times,
            String end) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(start.getBytes(StandardCharsets.UTF_8));
        // Written in pieces of about 64 KB, so a part of gigabytes needs no more memory than one.
        int perPiece = Math.max(1, 65_536 / Math.max(1, repeated.length()));
        byte[] piece = repeated.repeat(perPiece).getBytes(StandardCharsets.UTF_8);
        for (int written = 0; written < times; written += perPiece) {
            if (times - written >= perPiece) {
                zip.write(piece);
            } else {
                zip.write(repeated.repeat(times - written).getBytes(StandardCharsets.UTF_8));
            }
        }
        zip.write(end.getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
    }

    private static void put(ZipOutputStream zip, String name, String content) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(content.getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
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
