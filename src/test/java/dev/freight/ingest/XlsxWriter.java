package dev.freight.ingest;

import dev.freight.ingest.Workbook.Bool;
import dev.freight.ingest.Workbook.Cell;
import dev.freight.ingest.Workbook.Error;
import dev.freight.ingest.Workbook.Formula;
import dev.freight.ingest.Workbook.Num;
import dev.freight.ingest.Workbook.RowSpec;
import dev.freight.ingest.Workbook.SheetSpec;
import dev.freight.ingest.Workbook.Text;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a {@link Workbook} as a minimal XLSX package by hand (POI's XSSF is not on the classpath): content types,
 * relationships, workbook, styles, shared strings and one XML part per sheet, as Excel lays them out.
 */
final class XlsxWriter {

    private static final String MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    private static final String REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

    /** Which parts to leave out or change, to test unusual but valid packages. */
    enum Variant {
        STANDARD,
        NO_STYLES,
        /** Every text cell refers to the shared string after its own, the last one past the table's end. */
        SHARED_STRING_PAST_THE_END,
        /** Every text cell holds its text as an inline string ({@code t="inlineStr"}), as streaming writers do. */
        INLINE_STRINGS
    }

    private final Workbook workbook;
    private final Variant variant;
    private final Map<String, Integer> strings = new LinkedHashMap<>();
    private final Map<String, Integer> styles = new LinkedHashMap<>();

    private XlsxWriter(Workbook workbook, Variant variant) {
        this.workbook = workbook;
        this.variant = variant;
    }

    static Path write(Workbook workbook, Path file) throws IOException {
        return write(workbook, file, Variant.STANDARD);
    }

    static Path write(Workbook workbook, Path file, Variant variant) throws IOException {
        new XlsxWriter(workbook, variant).writeTo(file);
        return file;
    }

    private void writeTo(Path file) throws IOException {
        List<String> sheetXml = new ArrayList<>();
        for (SheetSpec s : workbook.sheets()) {
            sheetXml.add(sheet(s));
        }
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            put(zip, "[Content_Types].xml", contentTypes());
            put(zip, "_rels/.rels", """
                    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                    <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
                    <Relationship Id="rId1" Type="%s/officeDocument" Target="xl/workbook.xml"/></Relationships>"""
                    .formatted(REL));
            put(zip, "xl/workbook.xml", workbookXml());
            put(zip, "xl/_rels/workbook.xml.rels", workbookRels());
            if (variant != Variant.NO_STYLES) {
                put(zip, "xl/styles.xml", stylesXml());
            }
            put(zip, "xl/sharedStrings.xml", sharedStrings());
            for (int i = 0; i < sheetXml.size(); i++) {
                put(zip, "xl/worksheets/sheet" + (i + 1) + ".xml", sheetXml.get(i));
            }
        }
    }

    private String contentTypes() {
        StringBuilder b = new StringBuilder("""
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
                <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
                <Default Extension="xml" ContentType="application/xml"/>\
                <Override PartName="/xl/workbook.xml" \
                ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>""");
        if (variant != Variant.NO_STYLES) {
            b.append("<Override PartName=\"/xl/styles.xml\" ContentType=\"application/"
                    + "vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>");
        }
        b.append("<Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"application/"
                + "vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/>");
        for (int i = 1; i <= workbook.sheets().size(); i++) {
            b.append("<Override PartName=\"/xl/worksheets/sheet").append(i).append(".xml\" ContentType=\"application/"
                    + "vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>");
        }
        return b.append("</Types>").toString();
    }

    private String workbookXml() {
        StringBuilder b = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n")
                .append("<workbook xmlns=\"").append(MAIN).append("\" xmlns:r=\"").append(REL).append("\">")
                .append(workbook.date1904() ? "<workbookPr date1904=\"1\"/>" : "<workbookPr/>")
                .append("<sheets>");
        for (int i = 0; i < workbook.sheets().size(); i++) {
            SheetSpec s = workbook.sheets().get(i);
            b.append("<sheet name=\"").append(escape(s.name())).append("\" sheetId=\"").append(i + 1).append('"')
                    .append(s.hidden() ? " state=\"hidden\"" : "")
                    .append(" r:id=\"rId").append(i + 1).append("\"/>");
        }
        return b.append("</sheets></workbook>").toString();
    }

    private String workbookRels() {
        StringBuilder b = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">");
        int n = workbook.sheets().size();
        for (int i = 1; i <= n; i++) {
            b.append("<Relationship Id=\"rId").append(i).append("\" Type=\"").append(REL)
                    .append("/worksheet\" Target=\"worksheets/sheet").append(i).append(".xml\"/>");
        }
        if (variant != Variant.NO_STYLES) {
            b.append("<Relationship Id=\"rId").append(n + 1).append("\" Type=\"").append(REL)
                    .append("/styles\" Target=\"styles.xml\"/>");
        }
        b.append("<Relationship Id=\"rId").append(n + 2).append("\" Type=\"").append(REL)
                .append("/sharedStrings\" Target=\"sharedStrings.xml\"/>");
        return b.append("</Relationships>").toString();
    }

    /** Style 0 is General; then one cell style per format used, built-in ("id:14") or custom (ids from 164). */
    private String stylesXml() {
        List<String> custom = workbook.customFormats();
        StringBuilder b = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n")
                .append("<styleSheet xmlns=\"").append(MAIN).append("\">");
        if (!custom.isEmpty()) {
            b.append("<numFmts count=\"").append(custom.size()).append("\">");
            for (int i = 0; i < custom.size(); i++) {
                b.append("<numFmt numFmtId=\"").append(164 + i).append("\" formatCode=\"")
                        .append(escape(custom.get(i))).append("\"/>");
            }
            b.append("</numFmts>");
        }
        b.append("<fonts count=\"1\"><font><sz val=\"11\"/><name val=\"Calibri\"/></font></fonts>")
                .append("<fills count=\"1\"><fill><patternFill patternType=\"none\"/></fill></fills>")
                .append("<borders count=\"1\"><border/></borders>")
                .append("<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/>")
                .append("</cellStyleXfs><cellXfs count=\"").append(styles.size() + 1).append("\">")
                .append("<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>");
        for (String format : styles.keySet()) {
            int id = format.startsWith("id:") ? Integer.parseInt(format.substring(3)) : 164 + custom.indexOf(format);
            b.append("<xf numFmtId=\"").append(id)
                    .append("\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>");
        }
        return b.append("</cellXfs></styleSheet>").toString();
    }

    private String sharedStrings() {
        StringBuilder b = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n")
                .append("<sst xmlns=\"").append(MAIN).append("\" count=\"").append(strings.size())
                .append("\" uniqueCount=\"").append(strings.size()).append("\">");
        for (String s : strings.keySet()) {
            b.append("<si><t xml:space=\"preserve\">").append(escape(s)).append("</t></si>");
        }
        return b.append("</sst>").toString();
    }

    private String sheet(SheetSpec sheet) {
        StringBuilder b = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n")
                .append("<worksheet xmlns=\"").append(MAIN).append("\" xmlns:r=\"").append(REL)
                .append("\"><sheetData>");
        for (RowSpec row : sheet.rows()) {
            b.append("<row r=\"").append(row.number()).append("\">");
            for (int col = 0; col < row.cells().size(); col++) {
                Cell c = row.cells().get(col);
                if (c != null) {
                    cell(b, column(col) + row.number(), c);
                }
            }
            b.append("</row>");
        }
        b.append("</sheetData>");
        if (!sheet.merged().isEmpty()) {
            b.append("<mergeCells count=\"").append(sheet.merged().size()).append("\">");
            sheet.merged().forEach(ref -> b.append("<mergeCell ref=\"").append(ref).append("\"/>"));
            b.append("</mergeCells>");
        }
        return b.append("</worksheet>").toString();
    }

    private void cell(StringBuilder b, String ref, Cell cell) {
        Cell value = cell instanceof Formula f ? f.cached() : cell;
        String formula = cell instanceof Formula f ? "<f>" + escape(f.formula()) + "</f>" : "";
        b.append("<c r=\"").append(ref).append('"');
        if (value instanceof Num n && n.format() != null && variant != Variant.NO_STYLES) {
            b.append(" s=\"").append(styles.computeIfAbsent(n.format(), k -> styles.size() + 1)).append('"');
        }
        switch (value) {
            case Text t when cell instanceof Formula ->
                b.append(" t=\"str\">").append(formula).append("<v>").append(escape(t.value())).append("</v>");
            case Text t when variant == Variant.INLINE_STRINGS ->
                b.append(" t=\"inlineStr\"><is><t xml:space=\"preserve\">").append(escape(t.value()))
                        .append("</t></is>");
            case Text t -> b.append(" t=\"s\"><v>").append(strings.computeIfAbsent(t.value(), k -> strings.size())
                    + (variant == Variant.SHARED_STRING_PAST_THE_END ? 1 : 0))
                    .append("</v>");
            case Num n -> b.append(">").append(formula).append("<v>").append(n.raw()).append("</v>");
            case Bool x -> b.append(" t=\"b\">").append(formula).append("<v>").append(x.value() ? 1 : 0).append("</v>");
            case Error e -> b.append(" t=\"e\">").append(formula).append("<v>").append(escape(e.code())).append("</v>");
            case Formula f -> throw new IllegalArgumentException("a formula's cached value cannot be a formula");
        }
        b.append("</c>");
    }

    static String column(int index) {
        StringBuilder name = new StringBuilder();
        for (int i = index + 1; i > 0; i = (i - 1) / 26) {
            name.insert(0, (char) ('A' + (i - 1) % 26));
        }
        return name.toString();
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static void put(ZipOutputStream zip, String name, String content) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(content.getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
    }
}
