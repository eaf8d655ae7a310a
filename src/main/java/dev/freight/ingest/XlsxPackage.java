package dev.freight.ingest;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import com.fasterxml.aalto.stax.InputFactoryImpl;
import org.apache.poi.ss.usermodel.BuiltinFormats;

/**
 * The parts of an XLSX file (an Office Open XML package) that reading a sheet needs: the workbook's sheets and date
 * system, the number format of each cell style, and where the sheets and the shared-strings table are. Parts are
 * found through {@code [Content_Types].xml} and the workbook's relationships, as the format defines; part names
 * match without regard to case, as Office's own reader does. The XML parser is Aalto's StAX implementation.
 */
final class XlsxPackage implements Closeable {

    /** No DTDs and no external entities: a workbook part cannot declare entities (XML bombs) or fetch anything. */
    static final XMLInputFactory XML = secureXmlFactory();

    private static final String WORKBOOK = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml";
    private static final String MACRO_WORKBOOK = "application/vnd.ms-excel.sheet.macroEnabled.main+xml";
    private static final String SHARED_STRINGS =
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml";
    private static final String STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml";

    /** A sheet as the workbook lists it; {@code part} is its entry in the package, null when no relationship names it. */
    record SheetEntry(String name, boolean visible, String part) {}

    /** A part's entry name, CRC-32 and sizes as the package's directory gives them. */
    record PartDigest(String part, long crc, long compressedSize, long size) {}

    /** A cell style's number format: its id and its format code (null for General or an unknown built-in id). */
    record NumberFormat(int id, String code) {}

    /**
     * The most bytes a part may have between two {@code <}: a text or a tag. A cell's text (at most
     * {@link SheetText#MAX_CELL} characters) takes at most 8 bytes a character written as a character reference, and
     * the parser builds a text or tag whole, so this bounds what one costs in memory, whatever the file expands to.
     */
    static final int MAX_MARKUP_RUN = 4 << 20;

    /** The most cell formats ({@code <xf>} in {@code <cellXfs>}) and number formats a workbook holds: Excel's limit. */
    static final int MAX_STYLES = 64_000;

    /** The most sheets a workbook may list here; Excel has no limit of its own but memory. */
    static final int MAX_SHEETS = 65_536;

    /** The most relationships the workbook's part may have: one a sheet, and as many for its other parts. */
    static final int MAX_RELATIONSHIPS = 2 * MAX_SHEETS;

    /**
     * The most characters the reader keeps of one part's sheet names, relationships or number formats together: each
     * entry is bounded by its count above, and its texts by this (a text can be as long as a tag, {@link
     * #MAX_MARKUP_RUN}).
     */
    static final int MAX_KEPT_CHARACTERS = 4 << 20;

    /** How much of a part's start is searched for a document type declaration. */
    private static final int PROLOG = 4096;

    /** The readings of a part's start that together show a document type declaration in any encoding a part uses. */
    private static final List<Charset> PROLOG_ENCODINGS = List.of(StandardCharsets.ISO_8859_1,
            StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE);

    /**
     * A part that breaks the format's rules as a whole (a document type declaration, a shared-strings table that
     * cannot be read): a problem of the file, not of the row being read when it shows.
     */
    static final class DamagedPart extends XMLStreamException {
        private static final long serialVersionUID = 1L;

        DamagedPart(String message) {
            super(message);
        }
    }

    /**
     * A part read no further than a bound of this reader's, whose message says which; the parser wraps it in its
     * own exception.
     */
    abstract static sealed class Refused extends IOException permits RunTooLong, PartTooLarge {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    /** A part with a text or tag of more than {@link #MAX_MARKUP_RUN} bytes. */
    static final class RunTooLong extends Refused {
        private static final long serialVersionUID = 1L;

        RunTooLong(String message) {
            super(message);
        }
    }

    /**
     * A part that expands to more bytes than {@link #partLimit()}, or shared strings that take more than that in their
     * temporary file: a small file can expand to gigabytes.
     */
    static final class PartTooLarge extends Refused {
        private static final long serialVersionUID = 1L;

        PartTooLarge(String message) {
            super(message);
        }
    }

    /**
     * A guard over a part's bytes that looks at them in {@link #read(byte[], int, int)} alone: a single byte and a skip
     * are read through it, so no byte passes unseen.
     */
    private abstract static class PartFilter extends FilterInputStream {

        PartFilter(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        /** Skipped bytes are counted too: read, not skipped by the stream underneath. */
        @Override
        public long skip(long n) throws IOException {
            byte[] buffer = new byte[(int) Math.min(Math.max(n, 0), 8192)];
            long skipped = 0;
            while (skipped < n) {
                int read = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
                if (read < 0) {
                    break;
                }
                skipped += read;
            }
            return skipped;
        }
    }

    /** A part's decompressed bytes, failing with {@link PartTooLarge} past {@link #partLimit}. */
    private final class Expansion extends PartFilter {

        private final String part;
        private long expanded;

        Expansion(InputStream in, String part) {
            super(in);
            this.part = part;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                expanded += n;
                if (expanded > partLimit) {
                    throw tooLarge(part);
                }
            }
            return n;
        }
    }

    /**
     * A part's bytes, failing with {@link RunTooLong} once more than {@link #MAX_MARKUP_RUN} pass without a {@code <}:
     * a few kilobytes of a zip can expand into a gigabyte-long text, which the parser would build whole. The byte of
     * {@code <} is that character in UTF-8 and, among other bytes, in UTF-16, so no legal part is refused. Only the
     * last {@code <} of each read counts, so a read is searched from its end and markup stops the search within a tag.
     */
    private static final class MarkupRuns extends PartFilter {

        private final String part;
        private long position;
        private long lastMarkup;

        MarkupRuns(InputStream in, String part) {
            super(in);
            this.part = part;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            for (int i = n - 1; i >= 0; i--) {
                if (b[off + i] == '<') {
                    lastMarkup = position + i;
                    break;
                }
            }
            if (n > 0) {
                position += n;
            }
            if (position - lastMarkup > MAX_MARKUP_RUN) {
                throw new RunTooLong("%s has a text or tag of more than %,d bytes (from byte %,d), where a cell's text"
                        .formatted(part, MAX_MARKUP_RUN, lastMarkup) + " takes at most %,d characters"
                        .formatted(SheetText.MAX_CELL));
            }
            return n;
        }
    }

    /** A package that breaks the format's rules in a way this reader names. */
    static final class Damaged extends XMLStreamException {
        private static final long serialVersionUID = 1L;

        Damaged(String message) {
            super(message);
        }
    }

    /**
     * What the reader keeps of one part: at most {@code max} entries ({@code what}, e.g. "sheets") and
     * {@link #MAX_KEPT_CHARACTERS} characters of their texts, past which the part is {@link Damaged}: a part may expand
     * to gigabytes, which kept an entry at a time would fill the heap.
     */
    private static final class Kept {

        private final String part;
        private final String what;
        private final int max;
        private final String why;
        private int entries;
        private long characters;

        Kept(String part, String what, int max, String why) {
            this.part = part;
            this.what = what;
            this.max = max;
            this.why = why;
        }

        /** Counts one more entry, whose texts are {@code texts} (null ones count for nothing). */
        void add(String... texts) throws Damaged {
            if (++entries > max) {
                throw new Damaged("%s has more than %,d %s, %s".formatted(part, max, what, why));
            }
            for (String text : texts) {
                characters += text == null ? 0 : text.length();
            }
            if (characters > MAX_KEPT_CHARACTERS) {
                throw new Damaged("the %s of %s hold more than %,d characters together, the most the reader keeps of a"
                        .formatted(what, part, MAX_KEPT_CHARACTERS) + " part");
            }
        }
    }

    private final ZipFile zip;
    private final long partLimit;
    private final String partLimitReason;
    private final List<SheetEntry> sheets = new ArrayList<>();
    private final List<NumberFormat> styles = new ArrayList<>();
    private final String sharedStringsPart;
    private boolean date1904;

    private XlsxPackage(ZipFile zip, long partLimit, String partLimitReason) throws IOException, XMLStreamException {
        this.zip = zip;
        this.partLimit = partLimit;
        this.partLimitReason = partLimitReason;
        String workbook = null;
        String sharedStrings = null;
        String styles = null;
        try (InputStream in = required("[Content_Types].xml")) {
            XMLStreamReader xml = reader(in, "[Content_Types].xml");
            while (xml.hasNext()) {
                if (xml.next() == XMLStreamConstants.START_ELEMENT && xml.getLocalName().equals("Override")) {
                    String type = xml.getAttributeValue(null, "ContentType");
                    String part = xml.getAttributeValue(null, "PartName");
                    if (WORKBOOK.equals(type) || MACRO_WORKBOOK.equals(type)) {
                        workbook = part;
                    } else if (SHARED_STRINGS.equals(type)) {
                        sharedStrings = part;
                    } else if (STYLES.equals(type)) {
                        styles = part;
                    }
                }
            }
            xml.close();
        }
        workbook = workbook == null ? "xl/workbook.xml" : entryName(workbook);
        this.sharedStringsPart = sharedStrings == null ? null : entryName(sharedStrings);
        readWorkbook(workbook, relationships(workbook));
        if (styles != null) {
            readStyles(entryName(styles));
        }
    }

    /**
     * The package in {@code file}, whose parts may each expand to at most {@link WorkbookLimits#partBytes} of the
     * file's size: a read past it fails with {@link PartTooLarge}.
     */
    static XlsxPackage open(Path file, WorkbookLimits limits) throws IOException, XMLStreamException {
        long size = Files.size(file);
        ZipFile zip = new ZipFile(file.toFile());
        try {
            return new XlsxPackage(zip, limits.partBytes(size), limits.partBytesReason(size));
        } catch (IOException | XMLStreamException | RuntimeException e) {
            zip.close();
            throw e;
        }
    }

    List<SheetEntry> sheets() {
        return sheets;
    }

    /** The most bytes a part may expand to, and its shared strings may take in their temporary file. */
    long partLimit() {
        return partLimit;
    }

    /** Why {@link #partLimit()} is what it is: the setting, or the file's size. */
    String partLimitReason() {
        return partLimitReason;
    }

    boolean date1904() {
        return date1904;
    }

    /** The number format of cell style {@code index}; null for a style the workbook does not define. */
    NumberFormat style(int index) {
        return index >= 0 && index < styles.size() ? styles.get(index) : null;
    }

    /** The shared-strings table's content; null when the workbook has none. */
    InputStream sharedStrings() throws IOException {
        return sharedStringsPart == null ? null : entry(sharedStringsPart, false);
    }

    /** The shared-strings table's part name, e.g. {@code xl/sharedStrings.xml}; null when the workbook has none. */
    String sharedStringsPart() {
        return sharedStringsPart;
    }

    /**
     * A StAX reader of {@code part}'s content {@code in}, refusing a part that declares a document type: Office never
     * writes one, and its entity declarations are what an XML bomb is made of. (The parser reads no DTD either; this
     * names the problem, which the parser's own error on the declaration does not.) Refuses a part in UTF-32 too
     * ({@link #isUtf32}): the package format allows UTF-8 and UTF-16 only, and the parser does not read UTF-32 (it
     * finds such a part to end before its first character), so its declarations are not looked for. Its reads fail
     * with {@link RunTooLong} at a text or tag of more than {@link #MAX_MARKUP_RUN} bytes.
     */
    static XMLStreamReader reader(InputStream in, String part) throws IOException, XMLStreamException {
        BufferedInputStream buffered = new BufferedInputStream(new MarkupRuns(in, part), PROLOG);
        buffered.mark(PROLOG);
        byte[] prolog = buffered.readNBytes(PROLOG);
        buffered.reset();
        if (declaresDocumentType(prolog)) {
            throw new DamagedPart(part + " declares a document type (<!DOCTYPE>), which workbook parts never do;"
                    + " its entities could expand a small file into gigabytes (an XML bomb)");
        }
        if (isUtf32(prolog)) {
            throw new DamagedPart(part + " is written in UTF-32, where workbook parts are written in UTF-8 or"
                    + " UTF-16");
        }
        return XML.createXMLStreamReader(buffered);
    }

    /**
     * Whether a part's first bytes declare a document type, in any encoding XML lets a part use. Read as Latin-1, the
     * bytes show the declaration of a part in UTF-8 (after a byte order mark or not: the mark's bytes come before it)
     * or any other encoding that keeps ASCII's bytes; read as UTF-16 in either byte order, that of a part in UTF-16
     * with or without a mark (whose characters start at even offsets, as the reading's do). A part read the wrong way
     * gives other characters, never the declaration: XML text in UTF-8 holds no zero bytes, which UTF-16 gives ASCII.
     */
    static boolean declaresDocumentType(byte[] prolog) {
        for (Charset encoding : PROLOG_ENCODINGS) {
            if (new String(prolog, encoding).contains("<!DOCTYPE")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a part's first bytes are UTF-32 (either byte order): after a UTF-32 byte order mark, or without one in
     * the pattern {@link TextEncoding#utf32WithoutBom} tells (a part's first character, {@code <}, is
     * {@code 3C 00 00 00} or {@code 00 00 00 3C}). A part in UTF-8 or UTF-16 never is: its first four bytes are
     * two characters or more, no code point.
     */
    static boolean isUtf32(byte[] prolog) {
        TextEncoding mark = TextEncoding.fromBom(prolog, prolog.length);
        TextEncoding encoding = mark != null ? mark : TextEncoding.utf32WithoutBom(prolog, prolog.length);
        return encoding != null && encoding.charset().name().startsWith("UTF-32");
    }

    /** A sheet's content. */
    InputStream sheet(SheetEntry sheet) throws IOException, XMLStreamException {
        if (sheet.part() == null) {
            throw new Damaged("sheet \"" + sheet.name() + "\" has no relationship to its part");
        }
        return required(sheet.part());
    }

    /**
     * What the package's directory says of a sheet's bytes: the CRC-32 of its part and its size, compressed and not
     * (a part changed within an unchanged-looking file changes it); null when the package lacks the part.
     */
    PartDigest digest(SheetEntry sheet) {
        ZipEntry entry = sheet.part() == null ? null : zipEntry(sheet.part());
        return entry == null ? null : new PartDigest(entry.getName(), entry.getCrc(), entry.getCompressedSize(),
                entry.getSize());
    }

    private void readWorkbook(String part, Map<String, String> targets) throws IOException, XMLStreamException {
        try (InputStream in = required(part)) {
            XMLStreamReader xml = reader(in, part);
            Kept kept = new Kept(part, "sheets", MAX_SHEETS, "the most the reader takes");
            boolean properties = false;
            while (xml.hasNext()) {
                if (xml.next() != XMLStreamConstants.START_ELEMENT) {
                    continue;
                }
                switch (xml.getLocalName()) {
                    case "workbookPr" -> {
                        // The first one: extensions (x14:workbookPr in extLst) come later under the same name.
                        if (!properties) {
                            String value = xml.getAttributeValue(null, "date1904");
                            date1904 = "1".equals(value) || "true".equals(value);
                            properties = true;
                        }
                    }
                    case "sheet" -> {
                        String state = xml.getAttributeValue(null, "state");
                        String id = relationshipId(xml);
                        String name = xml.getAttributeValue(null, "name");
                        kept.add(name);
                        sheets.add(new SheetEntry(name,
                                state == null || state.equals("visible"), id == null ? null : targets.get(id)));
                    }
                    default -> { }
                }
            }
            xml.close();
        }
    }

    /** The sheet element's {@code r:id}: the attribute named {@code id} in the relationships namespace. */
    private static String relationshipId(XMLStreamReader xml) {
        for (int i = 0; i < xml.getAttributeCount(); i++) {
            String namespace = xml.getAttributeNamespace(i);
            if (xml.getAttributeLocalName(i).equals("id") && namespace != null && !namespace.isEmpty()) {
                return xml.getAttributeValue(i);
            }
        }
        return null;
    }

    /** The targets of a part's relationships by id, as entry names. */
    private Map<String, String> relationships(String part) throws IOException, XMLStreamException {
        int slash = part.lastIndexOf('/');
        String folder = part.substring(0, slash + 1);
        Map<String, String> targets = new HashMap<>();
        String rels = folder + "_rels/" + part.substring(slash + 1) + ".rels";
        try (InputStream in = entry(rels)) {
            if (in == null) {
                return targets;
            }
            XMLStreamReader xml = reader(in, rels);
            Kept kept = new Kept(rels, "relationships", MAX_RELATIONSHIPS, "the most the reader takes");
            while (xml.hasNext()) {
                if (xml.next() == XMLStreamConstants.START_ELEMENT && xml.getLocalName().equals("Relationship")) {
                    String target = xml.getAttributeValue(null, "Target");
                    if (target != null) {
                        kept.add(xml.getAttributeValue(null, "Id"), target);
                        targets.put(xml.getAttributeValue(null, "Id"),
                                target.startsWith("/") ? entryName(target) : normalize(folder + target));
                    }
                }
            }
            xml.close();
        }
        return targets;
    }

    /** Custom number formats ({@code numFmts}) and the format of each cell style ({@code cellXfs}). */
    private void readStyles(String part) throws IOException, XMLStreamException {
        try (InputStream in = entry(part)) {
            if (in == null) {
                return;
            }
            Map<Integer, String> custom = new HashMap<>();
            List<Integer> ids = new ArrayList<>();
            XMLStreamReader xml = reader(in, part);
            Kept numberFormats = new Kept(part, "number formats (<numFmt>)", MAX_STYLES, "the most a workbook holds");
            Kept cellFormats = new Kept(part, "cell formats (<xf> in <cellXfs>)", MAX_STYLES,
                    "the most a workbook holds");
            boolean formats = false;
            boolean cellStyles = false;
            while (xml.hasNext()) {
                int event = xml.next();
                if (event == XMLStreamConstants.START_ELEMENT) {
                    switch (xml.getLocalName()) {
                        case "numFmt" -> {
                            if (formats) {
                                String code = xml.getAttributeValue(null, "formatCode");
                                numberFormats.add(code);
                                custom.put(number(xml.getAttributeValue(null, "numFmtId")), code);
                            }
                        }
                        case "numFmts" -> formats = true;
                        case "cellXfs" -> cellStyles = true;
                        case "xf" -> {
                            if (cellStyles) {
                                cellFormats.add();
                                ids.add(number(xml.getAttributeValue(null, "numFmtId")));
                            }
                        }
                        default -> { }
                    }
                } else if (event == XMLStreamConstants.END_ELEMENT) {
                    // Only the workbook's own formats and cell styles: differential formats (dxfs) have their own.
                    switch (xml.getLocalName()) {
                        case "numFmts" -> formats = false;
                        case "cellXfs" -> cellStyles = false;
                        default -> { }
                    }
                }
            }
            xml.close();
            for (int id : ids) {
                String code = custom.get(id);
                styles.add(new NumberFormat(id, code != null ? code : BuiltinFormats.getBuiltinFormat(id)));
            }
        }
    }

    private static int number(String s) throws XMLStreamException {
        if (s == null) {
            return 0;
        }
        try {
            return Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            throw new Damaged("a number format id is not a number: \"" + s + "\"");
        }
    }

    /** A part name ({@code /xl/workbook.xml}) as a zip entry name ({@code xl/workbook.xml}). */
    private static String entryName(String part) {
        return part.startsWith("/") ? part.substring(1) : part;
    }

    /** Resolves {@code .} and {@code ..} segments of a relative target. */
    private static String normalize(String name) {
        List<String> segments = new ArrayList<>();
        for (String segment : name.split("/")) {
            if (segment.equals("..")) {
                if (!segments.isEmpty()) {
                    segments.removeLast();
                }
            } else if (!segment.isEmpty() && !segment.equals(".")) {
                segments.add(segment);
            }
        }
        return String.join("/", segments);
    }

    private InputStream required(String name) throws IOException, XMLStreamException {
        InputStream in = entry(name);
        if (in == null) {
            throw new Damaged("the package has no part " + name);
        }
        return in;
    }

    /** A part read to its end; refused before it is read when the package's directory shows it too large. */
    private InputStream entry(String name) throws IOException {
        return entry(name, true);
    }

    /**
     * A part's content, failing with {@link PartTooLarge} once it expands past {@link #partLimit}; null when the
     * package lacks it. A part read {@code whole} whose size in the package's directory is already past the limit is
     * refused at once, as its read would be at its end: a sheet of gigabytes takes tens of seconds to expand. (The
     * shared strings are read only as far as the cells need, so a table larger than the limit may still serve them.)
     */
    private InputStream entry(String name, boolean whole) throws IOException {
        ZipEntry entry = zipEntry(name);
        if (entry == null) {
            return null;
        }
        if (whole && entry.getSize() > partLimit) {
            throw tooLarge(entry.getName());
        }
        return new Expansion(zip.getInputStream(entry), entry.getName());
    }

    private PartTooLarge tooLarge(String part) {
        return new PartTooLarge("%s expands to more than %,d bytes, the most a part of this workbook may expand to"
                .formatted(part, partLimit) + " (" + partLimitReason + ")");
    }

    private ZipEntry zipEntry(String name) {
        ZipEntry entry = zip.getEntry(name);
        if (entry != null) {
            return entry;
        }
        Enumeration<? extends ZipEntry> entries = zip.entries();
        while (entries.hasMoreElements()) {
            ZipEntry e = entries.nextElement();
            if (e.getName().equalsIgnoreCase(name)) {
                return e;
            }
        }
        return null;
    }

    private static XMLInputFactory secureXmlFactory() {
        XMLInputFactory factory = new InputFactoryImpl();
        factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        return factory;
    }

    @Override
    public void close() throws IOException {
        zip.close();
    }
}
