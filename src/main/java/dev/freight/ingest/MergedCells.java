package dev.freight.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.stream.XMLStreamException;

/**
 * Fills merged cells down: a merged block that spans data rows (A2:A4 holding "Acme") shows its value on each of them,
 * as a reader of the sheet sees it, so each row gets it in the block's first column. The block's other columns stay
 * blank (their cells belong to other fields), a block starting on the header row is not filled into the data (a
 * header is a name, not a value), and a row with no value of its own stays blank. Memory: 8 bytes per merged block of
 * more than one row (at most {@link #MAX_BLOCKS}), plus the blocks open at the current row. Rows must come in
 * increasing order. For one thread.
 *
 * <p>The scan of an XLSX sheet for its blocks ({@link #ofXlsxSheet}) is a first pass over the whole sheet before its
 * rows are read, so it also refuses what the rows would be refused for later by their count or their numbers alone
 * (more than {@link XlsxRows#MAX_ROWS}): such a sheet is refused before any row is read.
 */
final class MergedCells {

    /**
     * A merged block: its rows (1-based, inclusive) and its first column (0-based). Rows are at most
     * {@link #MAX_ROW_NUMBER}, columns at most {@link #MAX_COLUMN}: what a range of seven digits and three letters
     * names.
     */
    record Block(long firstRow, long lastRow, int column) {

        public Block {
            if (firstRow < 0 || lastRow < 0 || firstRow > MAX_ROW_NUMBER || lastRow > MAX_ROW_NUMBER || column < 0
                    || column > MAX_COLUMN) {
                throw new IllegalArgumentException("a merged block of rows %d to %d from column %d is past the rows"
                        .formatted(firstRow, lastRow, column) + " and columns a block may name");
            }
        }

        /** The block as one number: its first row, last row and column from the highest bits down. */
        long packed() {
            return firstRow << 39 | lastRow << 15 | column;
        }

        static Block unpacked(long packed) {
            return new Block(packed >>> 39, packed >>> 15 & 0xFF_FFFFL, (int) (packed & 0x7FFF));
        }
    }

    /** The highest row number a block may name: seven digits (24 bits in {@link Block#packed}). */
    static final long MAX_ROW_NUMBER = 9_999_999;

    /** The highest 0-based column a block may name: three letters, ZZZ (15 bits in {@link Block#packed}). */
    static final int MAX_COLUMN = 18_277;

    /** A filled column: its value, the length of its text in the file, and the last row it reaches. */
    private record Open(String value, int length, long lastRow) {}

    /**
     * The most merged blocks of more than one row a sheet may have: as many as an Excel sheet has rows (8 MB kept, a
     * block packed in a {@code long}). Blocks of one row fill nothing and are not kept, however many.
     */
    static final int MAX_BLOCKS = 1_048_576;

    /** No merged blocks: rows pass unchanged. */
    static final MergedCells NONE = new MergedCells(new long[0]);

    /** Longest start tag looked at for a merged range; {@code <mergeCell ref="A1:XFD1048576"/>} is 33 bytes. */
    private static final int MAX_TAG = 512;
    /** Longest namespace prefix of the element's name looked at. */
    private static final int MAX_PREFIX = 64;
    private static final Pattern REF = Pattern.compile(
            "\\sref\\s*=\\s*[\"']\\$?([A-Za-z]{1,3})\\$?([0-9]{1,7}):\\$?([A-Za-z]{1,3})\\$?([0-9]{1,7})[\"']");
    private static final byte[] NAME = "mergeCell".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ROW = "row".getBytes(StandardCharsets.US_ASCII);

    /** The blocks of more than one row, packed ({@link Block#packed}) and sorted: by first row first. Never changed. */
    private final long[] blocks;
    private final Map<Integer, Open> open = new HashMap<>();
    private int next;
    private boolean headerSeen;
    private long filled;

    private MergedCells(long[] sorted) {
        this.blocks = sorted;
    }

    static MergedCells of(List<Block> blocks) {
        return of(blocks.stream().filter(b -> b.lastRow() > b.firstRow()).mapToLong(Block::packed).toArray(),
                -1);
    }

    /**
     * The blocks of {@code packed} ({@link Block#packed}, each of more than one row), sorted in place; its first
     * {@code count}, or all when {@code count} is negative.
     */
    private static MergedCells of(long[] packed, int count) {
        long[] blocks = count < 0 || count == packed.length ? packed : Arrays.copyOf(packed, count);
        if (blocks.length == 0) {
            return NONE;
        }
        // By first row, then last row, then column: blocks starting on one row in one column (which Excel never
        // writes) fill down as far as the longest.
        Arrays.sort(blocks);
        return new MergedCells(blocks);
    }

    /** A reader of blocks {@link #packed()} gave, which fills another read of the same sheet the same way. */
    static MergedCells ofPacked(long[] packed) {
        return packed.length == 0 ? NONE : new MergedCells(packed);
    }

    /**
     * The blocks this fills, in the order of their first rows (those of one row only left out, as they fill
     * nothing).
     */
    List<Block> blocks() {
        return Arrays.stream(blocks).mapToObj(Block::unpacked).toList();
    }

    /**
     * The blocks this fills, packed and sorted, 8 bytes each: what {@link #ofPacked} needs to fill another read of the
     * same sheet the same way. Not to be changed.
     */
    long[] packed() {
        return blocks;
    }

    /**
     * The merged ranges of an XLSX worksheet part, {@code <mergeCell ref="A2:A4"/>} (any namespace prefix), found by
     * a scan of its bytes for the element's name: no XML parse of the whole sheet, and nothing but the ranges kept
     * (in text a {@code <} is escaped, so only an element matches). A part in UTF-16 (either byte order, with a byte
     * order mark or not, as XML tells it: a part's first character, {@code <} or a mark, has a zero byte in UTF-16
     * and none in UTF-8) is scanned a character at a time. Does not close {@code in}.
     *
     * @throws XlsxPackage.Damaged when the sheet has more than {@link #MAX_BLOCKS} blocks of more than one row, more
     *     than {@link XlsxRows#MAX_ROWS} rows, or a row numbered past them: found by the scan, before any row is read,
     *     as the row reader would find them at the row
     */
    static MergedCells ofXlsxSheet(InputStream in) throws IOException, XMLStreamException {
        PushbackInputStream head = new PushbackInputStream(in, 2);
        byte[] start = head.readNBytes(2);
        head.unread(start);
        boolean utf16 = start.length == 2 && (start[0] == 0) != (start[1] == 0)
                || startsWith(start, 0xFE, 0xFF) || startsWith(start, 0xFF, 0xFE);
        boolean little = utf16 && (start[1] == 0 || start[0] == (byte) 0xFF);
        return scan(utf16 ? new Utf16Units(head, little) : head);
    }

    private static boolean startsWith(byte[] bytes, int first, int second) {
        return bytes.length == 2 && (bytes[0] & 0xFF) == first && (bytes[1] & 0xFF) == second;
    }

    /**
     * A UTF-16 part's characters, a byte each: an ASCII character as its byte, any other as {@code 0xFF}, which no
     * name, quote or bracket the scan looks for is. A lone last byte is left out.
     */
    private static final class Utf16Units extends InputStream {

        private final InputStream in;
        private final boolean little;
        private final byte[] pairs = new byte[64 * 1024];

        Utf16Units(InputStream in, boolean little) {
            this.in = in;
            this.little = little;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int want = Math.min(len, pairs.length / 2) * 2;
            int n = in.readNBytes(pairs, 0, want);
            if (n < 2) {
                return len == 0 ? 0 : -1;
            }
            int units = n / 2;
            for (int i = 0; i < units; i++) {
                int high = pairs[2 * i + (little ? 1 : 0)] & 0xFF;
                int low = pairs[2 * i + (little ? 0 : 1)] & 0xFF;
                b[off + i] = high == 0 && low < 0x80 ? (byte) low : (byte) 0xFF;
            }
            return units;
        }
    }

    /**
     * The blocks of a sheet's bytes {@code in} (ASCII's bytes for ASCII), found at each {@code mergeCell} start tag;
     * rows counted, and their numbers checked, at each {@code row} start tag.
     */
    private static MergedCells scan(InputStream in) throws IOException, XMLStreamException {
        Found found = new Found();
        byte[] buffer = new byte[256 * 1024];
        int end = 0;
        int from = 0;
        boolean eof = false;
        while (true) {
            while (!eof && end < buffer.length) {
                int n = in.read(buffer, end, buffer.length - end);
                if (n < 0) {
                    eof = true;
                } else {
                    end += n;
                }
            }
            // A name found before the limit has its whole tag in the buffer.
            int limit = eof ? end : end - MAX_TAG;
            for (int i = from; i < limit; i++) {
                // Looked for by the names' first letters, far fewer in markup than its '<'; the rest in a call of its
                // own, so this loop stays small.
                byte first = buffer[i];
                if (first == 'r' || first == 'm') {
                    found.at(buffer, i, end);
                }
            }
            if (eof) {
                return of(found.blocks, found.count);
            }
            int keep = Math.max(0, limit - MAX_PREFIX - 1);
            System.arraycopy(buffer, keep, buffer, 0, end - keep);
            end -= keep;
            from = limit - keep;
        }
    }

    /** What a scan found so far: the blocks of more than one row, packed, and the rows. */
    private static final class Found {

        private long[] blocks = new long[64];
        private int count;
        private long rows;

        /** Takes the {@code row} or {@code mergeCell} start tag whose name may start at {@code buffer[at]}. */
        void at(byte[] buffer, int at, int end) throws XlsxPackage.Damaged {
            if (buffer[at] == 'r') {
                if (isElement(buffer, at, end, ROW) && startsTag(buffer, at)) {
                    row(rowNumber(buffer, at + ROW.length, end));
                }
            } else if (isElement(buffer, at, end, NAME) && startsTag(buffer, at)) {
                Block block = blockAt(buffer, at, end);
                if (block != null && block.lastRow() > block.firstRow()) {
                    block(block);
                }
            }
        }

        private void row(long number) throws XlsxPackage.Damaged {
            rows++;
            if (number > XlsxRows.MAX_ROWS) {
                throw new XlsxPackage.Damaged("row %,d is past the last row of an Excel sheet, %,d"
                        .formatted(number, XlsxRows.MAX_ROWS));
            }
            if (rows > XlsxRows.MAX_ROWS) {
                throw new XlsxPackage.Damaged("the sheet has more than %,d rows, the most an Excel sheet has"
                        .formatted(XlsxRows.MAX_ROWS));
            }
        }

        private void block(Block block) throws XlsxPackage.Damaged {
            if (count == MAX_BLOCKS) {
                throw new XlsxPackage.Damaged("the sheet has more than %,d merged blocks of more than one row, the"
                        .formatted(MAX_BLOCKS) + " most the reader takes");
            }
            if (count == blocks.length) {
                blocks = Arrays.copyOf(blocks, Math.min(MAX_BLOCKS, 2 * count));
            }
            blocks[count++] = block.packed();
        }
    }

    /**
     * Whether the name at {@code buffer[at]} is a start tag's: after {@code <}, or after {@code <} and a namespace
     * prefix of at most {@link #MAX_PREFIX} bytes and a colon.
     */
    private static boolean startsTag(byte[] buffer, int at) {
        int lt = at - 1;
        if (lt >= 0 && buffer[lt] == ':') {
            lt--;
            while (lt >= 0 && at - lt <= MAX_PREFIX && isNameByte(buffer[lt])) {
                lt--;
            }
        }
        return lt >= 0 && buffer[lt] == '<';
    }

    /** Whether the name at {@code buffer[at]} is {@code name}, ended as a start tag's name is. */
    private static boolean isElement(byte[] buffer, int at, int end, byte[] name) {
        int after = at + name.length;
        if (after >= end) {
            return false;
        }
        for (int i = 0; i < name.length; i++) {
            if (buffer[at + i] != name[i]) {
                return false;
            }
        }
        byte next = buffer[after];
        return next == ' ' || next == '\t' || next == '\n' || next == '\r' || next == '/' || next == '>';
    }

    /**
     * The number a {@code row} start tag's attributes from {@code buffer[at]} give it ({@code r="12"}), else 0: none,
     * one that is not a plain number of at most 18 digits (which the row reader tells), or a tag longer than
     * {@link #MAX_TAG}.
     */
    private static long rowNumber(byte[] buffer, int at, int end) {
        int stop = Math.min(end, at + MAX_TAG);
        for (int i = at; i + 1 < stop && buffer[i] != '>'; i++) {
            byte before = buffer[i];
            if (buffer[i + 1] != 'r' || before != ' ' && before != '\t' && before != '\n' && before != '\r') {
                continue;
            }
            int j = skipSpace(buffer, i + 2, stop);
            if (j >= stop || buffer[j] != '=') {
                continue;
            }
            j = skipSpace(buffer, j + 1, stop);
            if (j >= stop || buffer[j] != '"' && buffer[j] != '\'') {
                return 0;
            }
            byte quote = buffer[j];
            j = skipSpace(buffer, j + 1, stop);
            long number = 0;
            int digits = 0;
            while (j < stop && buffer[j] >= '0' && buffer[j] <= '9' && digits < 18) {
                number = number * 10 + (buffer[j++] - '0');
                digits++;
            }
            j = skipSpace(buffer, j, stop);
            return digits > 0 && j < stop && buffer[j] == quote ? number : 0;
        }
        return 0;
    }

    private static int skipSpace(byte[] buffer, int at, int stop) {
        int i = at;
        while (i < stop && (buffer[i] == ' ' || buffer[i] == '\t' || buffer[i] == '\n' || buffer[i] == '\r')) {
            i++;
        }
        return i;
    }

    /** The block of a {@code mergeCell} start tag whose name starts at {@code buffer[at]}, else null. */
    private static Block blockAt(byte[] buffer, int at, int end) {
        int after = at + NAME.length;
        int gt = after;
        while (gt < end && gt - at < MAX_TAG && buffer[gt] != '>') {
            gt++;
        }
        if (gt == end || buffer[gt] != '>') {
            return null;
        }
        Matcher ref = REF.matcher(new String(buffer, after, gt - after, StandardCharsets.US_ASCII));
        if (!ref.find()) {
            return null;
        }
        long first = Long.parseLong(ref.group(2));
        long last = Long.parseLong(ref.group(4));
        int column = Math.min(column(ref.group(1)), column(ref.group(3)));
        return new Block(Math.min(first, last), Math.max(first, last), column);
    }

    private static boolean isNameByte(byte b) {
        return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_' || b == '-'
                || b == '.';
    }

    private static int column(String letters) {
        int column = 0;
        for (int i = 0; i < letters.length(); i++) {
            column = column * 26 + (Character.toUpperCase(letters.charAt(i)) - 'A' + 1);
        }
        return column - 1;
    }


    /**
     * Fills the merged blocks that reach row {@code row} (1-based) into its {@code cells} (changed in place) and
     * returns them; a row without a non-blank cell of its own is returned as it is.
     */
    List<String> fill(long row, List<String> cells) {
        return fill(row, cells, null);
    }

    /**
     * As {@link #fill(long, List)}, where {@code lengths[i]} is the length of the text the row's own cell {@code i}
     * holds in the file, read or skipped (a read number's value is its formatted text, not what the file holds); null
     * when the reader's values are that text.
     */
    List<String> fill(long row, List<String> cells, int[] lengths) {
        if (blocks.length == 0) {
            return cells;
        }
        filled = 0;
        open.values().removeIf(o -> o.lastRow() < row);
        boolean own = cells.stream().anyMatch(c -> !c.isBlank());
        boolean header = own && !headerSeen;
        headerSeen = headerSeen || own;
        for (Map.Entry<Integer, Open> e : open.entrySet()) {
            if (own) {
                int column = e.getKey();
                while (cells.size() <= column) {
                    cells.add("");
                }
                cells.set(column, e.getValue().value());
                filled += e.getValue().length();
            }
        }
        while (next < blocks.length && blocks[next] >>> 39 <= row) {
            Block block = Block.unpacked(blocks[next++]);
            String value = block.column() < cells.size() ? cells.get(block.column()) : "";
            if (block.firstRow() == row && !header && !value.isBlank()) {
                // The value is one filled into the row (overlapping blocks), or the row's own.
                Open filledIn = open.get(block.column());
                int length = filledIn != null ? filledIn.length()
                        : lengths == null ? value.length() : lengths[block.column()];
                open.put(block.column(), new Open(value, length, block.lastRow()));
            }
        }
        return cells;
    }

    /** The length in the file of the text the last {@link #fill} filled into its row (0 when it filled nothing). */
    long filled() {
        return filled;
    }
}
