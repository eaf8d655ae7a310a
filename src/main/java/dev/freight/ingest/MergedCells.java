package dev.freight.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
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
 * header is a name, not a value), and a row with no value of its own stays blank. Memory: one small entry per merged
 * block of more than one row (at most {@link #MAX_BLOCKS}), plus the blocks open at the current row. Rows must come in
 * increasing order. For one thread.
 */
final class MergedCells {

    /** A merged block: its rows (1-based, inclusive) and its first column (0-based). */
    record Block(long firstRow, long lastRow, int column) {}

    /** A filled column: its value, the length of its text in the file, and the last row it reaches. */
    private record Open(String value, int length, long lastRow) {}

    /**
     * The most merged blocks of more than one row a sheet may have: as many as an Excel sheet has rows (about 40 MB
     * kept). Blocks of one row fill nothing and are not kept, however many.
     */
    static final int MAX_BLOCKS = 1_048_576;

    /** No merged blocks: rows pass unchanged. */
    static final MergedCells NONE = new MergedCells(List.of());

    /** Longest start tag looked at for a merged range; {@code <mergeCell ref="A1:XFD1048576"/>} is 33 bytes. */
    private static final int MAX_TAG = 512;
    /** Longest namespace prefix of the element's name looked at. */
    private static final int MAX_PREFIX = 64;
    private static final Pattern REF = Pattern.compile(
            "\\sref\\s*=\\s*[\"']\\$?([A-Za-z]{1,3})\\$?([0-9]{1,7}):\\$?([A-Za-z]{1,3})\\$?([0-9]{1,7})[\"']");
    private static final byte[] NAME = "mergeCell".getBytes(StandardCharsets.US_ASCII);

    private final List<Block> blocks;
    private final Map<Integer, Open> open = new HashMap<>();
    private int next;
    private boolean headerSeen;
    private long filled;

    private MergedCells(List<Block> blocks) {
        this.blocks = blocks.stream().filter(b -> b.lastRow() > b.firstRow())
                .sorted(Comparator.comparingLong(Block::firstRow)).toList();
    }

    static MergedCells of(List<Block> blocks) {
        return blocks.isEmpty() ? NONE : new MergedCells(blocks);
    }

    /**
     * The blocks this fills, in the order of their first rows (those of one row only left out, as they fill
     * nothing): what {@link #of} needs to fill another read of the same sheet the same way. Unmodifiable.
     */
    List<Block> blocks() {
        return blocks;
    }

    /**
     * The merged ranges of an XLSX worksheet part, {@code <mergeCell ref="A2:A4"/>} (any namespace prefix), found by
     * a scan of its bytes for the element's name: no XML parse of the whole sheet, and nothing but the ranges kept
     * (in text a {@code <} is escaped, so only an element matches). A part in UTF-16 (either byte order, with a byte
     * order mark or not, as XML tells it: a part's first character, {@code <} or a mark, has a zero byte in UTF-16
     * and none in UTF-8) is scanned a character at a time. Does not close {@code in}.
     *
     * @throws XlsxPackage.Damaged when the sheet has more than {@link #MAX_BLOCKS} blocks of more than one row
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

    private static MergedCells scan(InputStream in) throws IOException, XMLStreamException {
        List<Block> blocks = new ArrayList<>();
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
                if (buffer[i] == 'm') {
                    Block block = blockAt(buffer, i, end);
                    if (block != null && block.lastRow() > block.firstRow()) {
                        if (blocks.size() == MAX_BLOCKS) {
                            throw new XlsxPackage.Damaged("the sheet has more than %,d merged blocks of more than one"
                                    .formatted(MAX_BLOCKS) + " row, the most the reader takes");
                        }
                        blocks.add(block);
                    }
                }
            }
            if (eof) {
                return of(blocks);
            }
            int keep = Math.max(0, limit - MAX_PREFIX);
            System.arraycopy(buffer, keep, buffer, 0, end - keep);
            end -= keep;
            from = limit - keep;
        }
    }

    /** The block of a {@code mergeCell} start tag whose name starts at {@code buffer[at]}, else null. */
    private static Block blockAt(byte[] buffer, int at, int end) {
        int after = at + NAME.length;
        if (after >= end) {
            return null;
        }
        for (int i = 1; i < NAME.length; i++) {
            if (buffer[at + i] != NAME[i]) {
                return null;
            }
        }
        byte next = buffer[after];
        if (next != ' ' && next != '\t' && next != '\n' && next != '\r' && next != '/' && next != '>') {
            return null;
        }
        int lt = at - 1;
        if (lt >= 0 && buffer[lt] == ':') {
            lt--;
            while (lt >= 0 && at - lt <= MAX_PREFIX && isNameByte(buffer[lt])) {
                lt--;
            }
        }
        if (lt < 0 || buffer[lt] != '<') {
            return null;
        }
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
        if (blocks.isEmpty()) {
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
        while (next < blocks.size() && blocks.get(next).firstRow() <= row) {
            Block block = blocks.get(next++);
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
