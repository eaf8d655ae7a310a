package dev.freight.export;

import com.lowagie.text.Document;
import com.lowagie.text.DocumentException;
import com.lowagie.text.Element;
import com.lowagie.text.Font;
import com.lowagie.text.PageSize;
import com.lowagie.text.Paragraph;
import com.lowagie.text.Rectangle;
import com.lowagie.text.pdf.BaseFont;
import com.lowagie.text.pdf.FontSelector;
import com.lowagie.text.pdf.PdfContentByte;
import com.lowagie.text.pdf.PdfPCell;
import com.lowagie.text.pdf.PdfPTable;
import com.lowagie.text.pdf.PdfPageEventHelper;
import com.lowagie.text.pdf.PdfTemplate;
import com.lowagie.text.pdf.PdfWriter;
import dev.freight.schema.Value;
import dev.freight.store.StoredRecord;
import java.awt.Color;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * A PDF table: title and description on the first page, the header row repeated on every page, "Page n of m" at the
 * foot, long text wrapped inside its cell, landscape A4 for more than {@value #PORTRAIT_COLUMNS} columns. Text is set
 * in the embedded DejaVu Sans (Latin, Greek, Cyrillic and more), and characters it lacks in the embedded Droid Sans
 * Fallback (Chinese, Japanese) or NanumSquare (Korean); all are subset to the characters used. A character none of them
 * has (an emoji, Thai) is shown as U+FFFD. Right-to-left scripts come out in logical order, and scripts that need
 * shaping (Arabic, Indic) unshaped. Rows go to the document in slices of {@value #SLICE}, so a long table does not stay
 * in memory.
 */
final class PdfExportWriter implements ExportWriter {

    static final int PORTRAIT_COLUMNS = 6;
    private static final int SLICE = 200;
    private static final Color HEADER_BACKGROUND = new Color(0xE8, 0xEC, 0xF1);

    private static volatile BaseFont regular;
    private static volatile BaseFont bold;
    private static volatile BaseFont cjk;
    private static volatile BaseFont korean;

    private final List<ExportColumn> columns;
    private final ExportOptions options;
    private final Document document;
    private final FontSelector cellFont;
    private final FontSelector headerFont;
    private PdfPTable table;
    private int pending;

    PdfExportWriter(List<ExportColumn> columns, ExportOptions options, OutputStream out) {
        this.columns = columns;
        this.options = options;
        Rectangle page = columns.size() > PORTRAIT_COLUMNS ? PageSize.A4.rotate() : PageSize.A4;
        this.document = new Document(page, 36, 36, 36, 48);
        this.cellFont = fonts(regular(), 8);
        this.headerFont = fonts(bold(), 8);
        try {
            PdfWriter writer = PdfWriter.getInstance(document, out);
            writer.setCloseStream(false);
            writer.setPageEvent(new PageNumbers(regular()));
            document.addTitle(options.title());
            document.addCreator("Freight");
            document.open();
            document.add(new Paragraph(fonts(bold(), 16).process(shown(options.title(), bold()))));
            if (options.description() != null) {
                document.add(new Paragraph(fonts(regular(), 10).process(shown(options.description(), regular()))));
            }
        } catch (DocumentException e) {
            throw new IllegalStateException("Could not start the PDF", e);
        }
        newTable();
    }

    private void newTable() {
        table = new PdfPTable(columns.size());
        table.setWidthPercentage(100);
        float[] weights = new float[columns.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = weight(columns.get(i));
        }
        try {
            table.setWidths(weights);
        } catch (DocumentException e) {
            throw new IllegalStateException(e);
        }
        table.setSpacingBefore(8);
        table.setComplete(false);
        table.setSplitLate(false);
        if (options.includeHeaders()) {
            for (ExportColumn c : columns) {
                PdfPCell cell = new PdfPCell(headerFont.process(shown(c.label(), bold())));
                cell.setBackgroundColor(HEADER_BACKGROUND);
                cell.setPadding(4);
                table.addCell(cell);
            }
            table.setHeaderRows(1);
        }
    }

    /** Long text and addresses get a wider column than names, numbers and dates. */
    private static float weight(ExportColumn column) {
        if (column.field() == null) {
            return column.kind() == ExportColumn.Kind.ID ? 2.2f : 1.3f;
        }
        return switch (column.field().type()) {
            case LONG_TEXT, ADDRESS -> 2.5f;
            case NUMBER, INTEGER, BOOLEAN, DATE -> 1.1f;
            default -> column.field().multiple() ? 2f : 1.3f;
        };
    }

    @Override
    public void row(StoredRecord record) throws IOException {
        for (ExportColumn c : columns) {
            Value v = c.valueOf(record);
            String text = v == null ? "" : CellText.forReading(v, options.dates());
            PdfPCell cell = new PdfPCell(cellFont.process(shown(text, regular())));
            cell.setPadding(3);
            if (v != null && !CellText.isText(v) && !(v instanceof Value.Date) && !(v instanceof Value.DateTime)) {
                cell.setHorizontalAlignment(Element.ALIGN_RIGHT);
            }
            table.addCell(cell);
        }
        if (++pending == SLICE) {
            add();
            pending = 0;
        }
    }

    private void add() {
        try {
            document.add(table);
        } catch (DocumentException e) {
            throw new IllegalStateException("Could not add rows to the PDF", e);
        }
    }

    @Override
    public void finish() throws IOException {
        table.setComplete(true);
        add();
        document.close();
    }

    /**
     * The text with each character that none of the fonts ({@code first}, then the fallbacks) has replaced by U+FFFD,
     * which DejaVu Sans has: the font selector would leave such a character out without a trace (an emoji, Thai), and
     * a reader would take the cell for the whole value. Control and format characters (line breaks, joiners, variation
     * selectors) are kept as they are.
     */
    static String shown(String text, BaseFont first) {
        int i = 0;
        while (i < text.length() && text.charAt(i) < 0x250) {
            i++;
        }
        if (i == text.length()) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length()).append(text, 0, i);
        while (i < text.length()) {
            int c = text.codePointAt(i);
            i += Character.charCount(c);
            out.appendCodePoint(c < 0x250 || invisible(c) || first.charExists(c) || cjk().charExists(c)
                    || korean().charExists(c) ? c : 0xFFFD);
        }
        return out.toString();
    }

    private static boolean invisible(int c) {
        int type = Character.getType(c);
        return type == Character.CONTROL || type == Character.FORMAT || c >= 0xFE00 && c <= 0xFE0F
                || c >= 0xE0100 && c <= 0xE01EF;
    }

    /**
     * DejaVu Sans, then for the characters it lacks Droid Sans Fallback (Chinese, Japanese) and NanumSquare (Korean).
     */
    private static FontSelector fonts(BaseFont first, float size) {
        FontSelector selector = new FontSelector();
        selector.addFont(new Font(first, size));
        selector.addFont(new Font(cjk(), size));
        selector.addFont(new Font(korean(), size));
        return selector;
    }

    private static BaseFont korean() {
        if (korean == null) {
            korean = font("NanumSquareR.ttf");
        }
        return korean;
    }

    private static BaseFont cjk() {
        if (cjk == null) {
            cjk = font("DroidSansFallbackFull.ttf");
        }
        return cjk;
    }

    private static BaseFont regular() {
        if (regular == null) {
            regular = font("DejaVuSans.ttf");
        }
        return regular;
    }

    private static BaseFont bold() {
        if (bold == null) {
            bold = font("DejaVuSans-Bold.ttf");
        }
        return bold;
    }

    private static BaseFont font(String name) {
        try (InputStream in = PdfExportWriter.class.getResourceAsStream("/fonts/" + name)) {
            if (in == null) {
                throw new IllegalStateException("The font /fonts/" + name + " is missing from the classpath");
            }
            return BaseFont.createFont(name, BaseFont.IDENTITY_H, BaseFont.EMBEDDED, true, in.readAllBytes(), null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (DocumentException e) {
            throw new IllegalStateException("Could not load the font " + name, e);
        }
    }

    /** "Page n of m" centred at the foot of every page; m is filled in when the document closes. */
    private static final class PageNumbers extends PdfPageEventHelper {

        private final BaseFont font;
        private PdfTemplate total;

        PageNumbers(BaseFont font) {
            this.font = font;
        }

        @Override
        public void onOpenDocument(PdfWriter writer, Document document) {
            total = writer.getDirectContent().createTemplate(40, 12);
        }

        @Override
        public void onEndPage(PdfWriter writer, Document document) {
            String text = "Page " + writer.getPageNumber() + " of ";
            float width = font.getWidthPoint(text, 8);
            float x = (document.right() + document.left()) / 2 - width / 2;
            float y = document.bottom() - 24;
            PdfContentByte cb = writer.getDirectContent();
            cb.beginText();
            cb.setFontAndSize(font, 8);
            cb.setTextMatrix(x, y);
            cb.showText(text);
            cb.endText();
            cb.addTemplate(total, x + width, y);
        }

        @Override
        public void onCloseDocument(PdfWriter writer, Document document) {
            total.beginText();
            total.setFontAndSize(font, 8);
            total.setTextMatrix(0, 0);
            total.showText(String.valueOf(writer.getPageNumber() - 1));
            total.endText();
        }
    }
}
