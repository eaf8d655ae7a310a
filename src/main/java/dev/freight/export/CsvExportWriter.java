package dev.freight.export;

import dev.freight.ingest.FormulaPrefix;
import dev.freight.schema.FieldType;
import dev.freight.schema.Value;
import dev.freight.store.RecordRow;
import dev.freight.store.RecordStream;
import dev.freight.store.StoredRecord;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * RFC 4180 CSV in UTF-8: comma separated, CRLF line ends, a field quoted only when it holds a comma, quote, CR or LF
 * (quotes doubled). Text cells a spreadsheet would run as a formula are neutralised unless the options keep them.
 *
 * <p>Cells are encoded straight into a 64 KiB byte buffer (checking for characters that need quoting on the way), with
 * ISO dates and instants written digit by digit: a million rows are millions of cells, so no cell makes a string of
 * its own where it can be helped. Unpaired surrogates become {@code ?}, as Java's UTF-8 encoder writes them.
 */
final class CsvExportWriter implements ExportWriter {

    /** The longest cell (in chars) encoded in place; longer ones are encoded as a whole and written through. */
    private static final int IN_PLACE = 8_192;
    private static final long FIRST_SECOND_OF_YEAR_0 = -62_167_219_200L;
    private static final long FIRST_SECOND_OF_YEAR_10000 = 253_402_300_800L;

    private final ExportColumn[] columns;
    /** For each field column, its index among the plan's fields (the fields of a {@link RecordRow}); else -1. */
    private final int[] fieldIndex;
    private final DateTimeFormatter dates;
    private final boolean neutralise;
    private final OutputStream out;
    private final byte[] buf = new byte[1 << 16];
    private int pos;

    CsvExportWriter(List<ExportColumn> columns, ExportOptions options, OutputStream out) throws IOException {
        this.columns = columns.toArray(ExportColumn[]::new);
        this.fieldIndex = new int[this.columns.length];
        int fields = 0;
        for (int i = 0; i < this.columns.length; i++) {
            fieldIndex[i] = this.columns[i].kind() == ExportColumn.Kind.FIELD ? fields++ : -1;
        }
        this.dates = options.dates();
        this.neutralise = options.formulaCells() == ExportOptions.FormulaCells.NEUTRALISE;
        this.out = out;
        if (options.bom() == ExportOptions.Bom.UTF8) {
            field("\uFEFF");
        }
        if (options.includeHeaders()) {
            for (int i = 0; i < this.columns.length; i++) {
                if (i > 0) {
                    room(1);
                    buf[pos++] = ',';
                }
                text(this.columns[i].label());
            }
            lineEnd();
        }
    }

    @Override
    public void row(StoredRecord record) throws IOException {
        for (int i = 0; i < columns.length; i++) {
            if (i > 0) {
                room(1);
                buf[pos++] = ',';
            }
            ExportColumn column = columns[i];
            switch (column.kind()) {
                case ID -> text(record.id());
                case EXTERNAL_ID -> {
                    if (record.externalId() != null) {
                        text(record.externalId());
                    }
                }
                case CREATED -> instant(record.createdAt());
                case UPDATED -> instant(record.updatedAt());
                case FIELD -> {
                    Value v = column.valueOf(record);
                    if (v != null) {
                        value(v);
                    }
                }
            }
        }
        lineEnd();
    }

    @Override
    public boolean takesRows() {
        return true;
    }

    /**
     * As {@link #row(StoredRecord)}, with the same bytes: cells whose text is the row's bytes as they are (see
     * {@link RecordRow.Shape}) are copied, the others decoded and written as values.
     */
    @Override
    public void row(RecordRow row) throws IOException {
        byte[] bytes = row.bytes();
        for (int i = 0; i < columns.length; i++) {
            if (i > 0) {
                room(1);
                buf[pos++] = ',';
            }
            ExportColumn column = columns[i];
            switch (column.kind()) {
                case ID -> textProperty(row, RecordStream.Property.ID);
                case EXTERNAL_ID -> textProperty(row, RecordStream.Property.EXTERNAL_ID);
                case CREATED -> instant(row.epochMillis(RecordStream.Property.CREATED));
                case UPDATED -> instant(row.epochMillis(RecordStream.Property.UPDATED));
                case FIELD -> {
                    int f = fieldIndex[i];
                    switch (row.fieldShape(f)) {
                        case ABSENT -> {}
                        case TEXT -> text(bytes, row.fieldStart(f), row.fieldEnd(f));
                        case VERBATIM -> {
                            if (dates != null && column.field().type() == FieldType.DATE) {
                                value(row.fieldValue(f));
                            } else {
                                verbatim(bytes, row.fieldStart(f), row.fieldEnd(f));
                            }
                        }
                        case DECODE -> {
                            Value v = row.fieldValue(f);
                            if (v != null) {
                                value(v);
                            }
                        }
                    }
                }
            }
        }
        lineEnd();
    }

    private void textProperty(RecordRow row, RecordStream.Property p) throws IOException {
        switch (row.propertyShape(p)) {
            case ABSENT -> {}
            case TEXT -> text(row.bytes(), row.propertyStart(p), row.propertyEnd(p));
            default -> text(row.property(p));
        }
    }

    private void instant(long epochMillis) throws IOException {
        if (dates == null && epochMillis >= FIRST_SECOND_OF_YEAR_0 * 1000 && epochMillis < FIRST_SECOND_OF_YEAR_10000
                * 1000) {
            instantInPlace(Math.floorDiv(epochMillis, 1000), Math.floorMod(epochMillis, 1000) * 1_000_000);
        } else {
            instant(Instant.ofEpochMilli(epochMillis));
        }
    }

    /** UTF-8 text as {@link #text(String)} writes it; it has no CR or LF (those come escaped, so decoded). */
    private void text(byte[] b, int start, int end) throws IOException {
        boolean apostrophe = neutralise && FormulaPrefix.needed(b, start, end);
        boolean quote = apostrophe;
        for (int i = start; i < end && !quote; i++) {
            byte c = b[i];
            quote = c == ',' || c == '"' || c == '\r' || c == '\n';
        }
        if (!quote) {
            verbatim(b, start, end);
            return;
        }
        int n = end - start;
        if (2 * n + 3 > buf.length) {
            throughString(new String(b, start, n, StandardCharsets.UTF_8), apostrophe);
            return;
        }
        room(2 * n + 3);
        byte[] out = buf;
        int p = pos;
        out[p++] = '"';
        if (apostrophe) {
            out[p++] = '\'';
        }
        for (int i = start; i < end; i++) {
            byte c = b[i];
            if (c == '"') {
                out[p++] = '"';
            }
            out[p++] = c;
        }
        out[p++] = '"';
        pos = p;
    }

    /** Bytes as they are. */
    private void verbatim(byte[] b, int start, int end) throws IOException {
        int n = end - start;
        if (n > buf.length) {
            flush();
            out.write(b, start, n);
            return;
        }
        room(n);
        System.arraycopy(b, start, buf, pos, n);
        pos += n;
    }

    private void value(Value v) throws IOException {
        switch (v) {
            case Value.Text t -> text(t.value());
            case Value.DateTime d -> instant(d.value());
            case Value.Date d when dates == null && d.value().getYear() >= 0 && d.value().getYear() <= 9999 -> {
                room(10);
                date(d.value());
            }
            default -> {
                String s = CellText.of(v, dates);
                if (CellText.isText(v)) {
                    text(s);
                } else {
                    field(s);
                }
            }
        }
    }

    private void lineEnd() throws IOException {
        room(2);
        buf[pos++] = '\r';
        buf[pos++] = '\n';
    }

    private void text(String s) throws IOException {
        if (neutralise && looksLikeFormula(s)) {
            quoted(s, true);
        } else {
            field(s);
        }
    }

    /** Whether a text cell gets an apostrophe in front (when neutralising): see {@link FormulaPrefix}. */
    static boolean looksLikeFormula(String s) {
        return FormulaPrefix.needed(s);
    }

    /** {@code s}, quoted if it holds a comma, quote, CR or LF. */
    private void field(String s) throws IOException {
        int n = s.length();
        if (n > IN_PLACE) {
            throughString(s, false);
            return;
        }
        room(3 * n + 3);
        byte[] b = buf;
        int p = pos;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                if (c == ',' || c == '"' || c == '\r' || c == '\n') {
                    quoted(s, false);
                    return;
                }
                b[p++] = (byte) c;
            } else {
                p = encode(s, i, c, b, p);
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                }
            }
        }
        pos = p;
    }

    /** {@code s} in quotes, quotes doubled, after an apostrophe when {@code apostrophe}. */
    private void quoted(String s, boolean apostrophe) throws IOException {
        int n = s.length();
        if (n > IN_PLACE) {
            throughString(s, apostrophe);
            return;
        }
        room(3 * n + 3);
        byte[] b = buf;
        int p = pos;
        b[p++] = '"';
        if (apostrophe) {
            b[p++] = '\'';
        }
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                if (c == '"') {
                    b[p++] = '"';
                }
                b[p++] = (byte) c;
            } else {
                p = encode(s, i, c, b, p);
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                }
            }
        }
        b[p++] = '"';
        pos = p;
    }

    /** The non-ASCII char {@code c} at {@code i} (with its low surrogate, if it is a pair's high one) as UTF-8. */
    private static int encode(String s, int i, char c, byte[] b, int p) {
        if (c < 0x800) {
            b[p++] = (byte) (0xC0 | c >> 6);
            b[p++] = (byte) (0x80 | c & 0x3F);
        } else if (!Character.isSurrogate(c)) {
            b[p++] = (byte) (0xE0 | c >> 12);
            b[p++] = (byte) (0x80 | c >> 6 & 0x3F);
            b[p++] = (byte) (0x80 | c & 0x3F);
        } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
            int cp = Character.toCodePoint(c, s.charAt(i + 1));
            b[p++] = (byte) (0xF0 | cp >> 18);
            b[p++] = (byte) (0x80 | cp >> 12 & 0x3F);
            b[p++] = (byte) (0x80 | cp >> 6 & 0x3F);
            b[p++] = (byte) (0x80 | cp & 0x3F);
        } else {
            b[p++] = '?';
        }
        return p;
    }

    /** A long cell: built as a string, then written through. */
    private void throughString(String s, boolean apostrophe) throws IOException {
        boolean quote = apostrophe || s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\r') >= 0
                || s.indexOf('\n') >= 0;
        String cell = quote ? "\"" + (apostrophe ? "'" : "") + s.replace("\"", "\"\"") + "\"" : s;
        flush();
        out.write(cell.getBytes(StandardCharsets.UTF_8));
    }

    /** {@link Instant#toString()}, written in place for the years 0 to 9999. */
    private void instant(Instant t) throws IOException {
        long second = t.getEpochSecond();
        if (dates != null || second < FIRST_SECOND_OF_YEAR_0 || second >= FIRST_SECOND_OF_YEAR_10000) {
            field(dates != null ? CellText.of(new Value.DateTime(t), dates) : t.toString());
            return;
        }
        instantInPlace(second, t.getNano());
    }

    /** {@link Instant#toString()} of a second in the years 0 to 9999 and a nano of it, written in place. */
    private void instantInPlace(long second, int nano) throws IOException {
        room(30);
        date(LocalDate.ofEpochDay(Math.floorDiv(second, 86_400)));
        int secondOfDay = Math.floorMod(second, 86_400);
        buf[pos++] = 'T';
        digits(secondOfDay / 3_600, 2);
        buf[pos++] = ':';
        digits(secondOfDay / 60 % 60, 2);
        buf[pos++] = ':';
        digits(secondOfDay % 60, 2);
        if (nano > 0) {
            buf[pos++] = '.';
            if (nano % 1_000_000 == 0) {
                digits(nano / 1_000_000, 3);
            } else if (nano % 1_000 == 0) {
                digits(nano / 1_000, 6);
            } else {
                digits(nano, 9);
            }
        }
        buf[pos++] = 'Z';
    }

    /** {@code yyyy-MM-dd} of a year from 0 to 9999 (room already made). */
    private void date(LocalDate d) {
        digits(d.getYear(), 4);
        buf[pos++] = '-';
        digits(d.getMonthValue(), 2);
        buf[pos++] = '-';
        digits(d.getDayOfMonth(), 2);
    }

    /** {@code value} (non-negative) in exactly {@code width} digits, zero-padded. */
    private void digits(int value, int width) {
        for (int i = pos + width - 1; i >= pos; i--) {
            buf[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        pos += width;
    }

    /** Makes room for {@code bytes} more bytes in the buffer (at most its size). */
    private void room(int bytes) throws IOException {
        if (buf.length - pos < bytes) {
            flush();
        }
    }

    private void flush() throws IOException {
        out.write(buf, 0, pos);
        pos = 0;
    }

    @Override
    public void finish() throws IOException {
        flush();
        out.flush();
    }
}
