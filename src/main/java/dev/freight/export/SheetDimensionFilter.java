package dev.freight.export;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The stream fastexcel writes a workbook to: it re-zips the package as it comes, entry by entry, and leaves out each
 * sheet's {@code <dimension ref="A1"/>}. fastexcel's flushing writer puts that element in the sheet's header on its
 * first flush, before it knows the rows (its issue 452), and a reader that trusts it (openpyxl's read-only mode) then
 * reads one cell. An immediate export does not know its size when the header goes out (it counts no further than its
 * threshold, in a query of its own); an export job counts its records in the snapshot its stream reads
 * ({@link Exporter.Progress#counted}), but after its writer has opened. The element is optional, so leaving it out is
 * the faithful choice. Memory stays flat: an entry passes through a fixed buffer, only the first
 * {@value #HEAD_LIMIT} bytes of a sheet are held until the element is found. fastexcel should write its entries
 * uncompressed (level 0, which only this stream reads); this stream compresses them once, as fastexcel would have.
 * It reads the layout fastexcel's zip writer (opczip) writes: a local header of 30 bytes and the entry's name, the
 * deflated data, a data descriptor of 24 bytes, and after the last entry the central directory, which it writes anew.
 * It writes the package with java.util.zip rather than opczip: opczip gives every entry a data descriptor with 8-byte
 * sizes but no zip64 field in its local header, which the zip format allows only for zip64 entries, so a reader going
 * by the local headers as the file arrives ({@code java.util.zip.ZipInputStream}) fails on the first entry; and it
 * keeps an entry's compressed size and offset in an {@code int}, wrong past 2 GiB. java.util.zip writes 4-byte sizes,
 * and zip64 where an entry or the package is past 4 GiB.
 * Not thread-safe; {@link #finish} completes the package without closing the stream.
 */
final class SheetDimensionFilter extends OutputStream {

    private static final int LOCAL_HEADER = 0x04034b50;
    private static final int CENTRAL_DIRECTORY = 0x02014b50;
    private static final int LOCAL_HEADER_BYTES = 30;
    private static final int DATA_DESCRIPTOR_BYTES = 24;
    /** fastexcel's own compression level, which the package keeps. */
    private static final int LEVEL = 4;
    /** Far more than the sheet header before fastexcel's dimension (XML declaration, worksheet, sheetPr). */
    private static final int HEAD_LIMIT = 4096;
    private static final byte[] DIMENSION = "<dimension ref=\"A1\"/>".getBytes(StandardCharsets.US_ASCII);

    private enum State { HEADER, DATA, DESCRIPTOR, DONE }

    /**
     * A fixed time for every entry, as opczip's zero was: java.util.zip would stamp each with the wall clock. The
     * workbook's time of writing is in its properties part. Two seconds past the earliest time a zip holds, which
     * java.util.zip takes for a time before 1980 and writes again in an extra field.
     */
    private static final LocalDateTime ENTRY_TIME = LocalDateTime.of(1980, 1, 1, 0, 0, 2);

    private final ZipOutputStream zip;
    private final Inflater inflater = new Inflater(true);
    private final byte[] inflated = new byte[1 << 16];
    private final byte[] header = new byte[LOCAL_HEADER_BYTES + 0xffff];
    private State state = State.HEADER;
    private int headerBytes;
    private int skip;
    /** A sheet's first bytes while its dimension may still be among them; null once they went out. */
    private byte[] head;
    private int headBytes;

    SheetDimensionFilter(OutputStream out) {
        this.zip = new ZipOutputStream(out);
        zip.setLevel(LEVEL);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        int end = off + len;
        while (off < end) {
            switch (state) {
                case HEADER -> off = header(b, off, end);
                case DATA -> off = data(b, off, end);
                case DESCRIPTOR -> {
                    int n = Math.min(skip, end - off);
                    skip -= n;
                    off += n;
                    if (skip == 0) {
                        state = State.HEADER;
                    }
                }
                case DONE -> off = end;
            }
        }
    }

    /** Reads a local header; once whole, starts the entry in the output. Returns where its bytes end in {@code b}. */
    private int header(byte[] b, int off, int end) throws IOException {
        int wanted = headerBytes < 4 ? 4 : headerBytes < LOCAL_HEADER_BYTES ? LOCAL_HEADER_BYTES
                : LOCAL_HEADER_BYTES + shortAt(26);
        int n = Math.min(wanted - headerBytes, end - off);
        System.arraycopy(b, off, header, headerBytes, n);
        headerBytes += n;
        if (headerBytes == 4 && intAt(0) != LOCAL_HEADER) {
            if (intAt(0) != CENTRAL_DIRECTORY) {
                throw new IOException("Unexpected zip record 0x%08x from the XLSX writer".formatted(intAt(0)));
            }
            state = State.DONE;
        } else if (headerBytes >= LOCAL_HEADER_BYTES && headerBytes == LOCAL_HEADER_BYTES + shortAt(26)) {
            if (shortAt(28) != 0) {
                throw new IOException("Unexpected extra field in a local header from the XLSX writer");
            }
            String name = new String(header, LOCAL_HEADER_BYTES, shortAt(26), StandardCharsets.UTF_8);
            ZipEntry entry = new ZipEntry(name);
            entry.setTimeLocal(ENTRY_TIME);
            zip.putNextEntry(entry);
            head = name.startsWith("xl/worksheets/sheet") ? new byte[HEAD_LIMIT] : null;
            headBytes = 0;
            inflater.reset();
            headerBytes = 0;
            state = State.DATA;
        }
        return off + n;
    }

    /** Inflates an entry's data into the output; at its end, skips its data descriptor. */
    private int data(byte[] b, int off, int end) throws IOException {
        inflater.setInput(b, off, end - off);
        try {
            while (!inflater.finished()) {
                int n = inflater.inflate(inflated);
                if (n == 0 && inflater.needsInput()) {
                    return end;
                }
                if (n == 0) {
                    throw new IOException("The XLSX writer's deflated data stopped short");
                }
                content(inflated, n);
            }
        } catch (DataFormatException e) {
            throw new IOException("The XLSX writer's deflated data is invalid", e);
        }
        if (head != null) {
            flushHead(false);
        }
        zip.closeEntry();
        state = State.DESCRIPTOR;
        skip = DATA_DESCRIPTOR_BYTES;
        return end - inflater.getRemaining();
    }

    private void content(byte[] b, int len) throws IOException {
        if (head == null) {
            zip.write(b, 0, len);
            return;
        }
        int n = Math.min(len, HEAD_LIMIT - headBytes);
        System.arraycopy(b, 0, head, headBytes, n);
        headBytes += n;
        // Bytes are left over only when the head is full, and then it has gone out.
        flushHead(headBytes < HEAD_LIMIT);
        zip.write(b, n, len - n);
    }

    /**
     * Writes the held head of a sheet without its dimension once the element is in it (or the head is full, or the
     * sheet ended); holds it still when {@code more} bytes may bring the element and it is not there yet.
     */
    private void flushHead(boolean more) throws IOException {
        int at = indexOf(head, headBytes, DIMENSION);
        if (at < 0 && more) {
            return;
        }
        if (at < 0) {
            zip.write(head, 0, headBytes);
        } else {
            zip.write(head, 0, at);
            zip.write(head, at + DIMENSION.length, headBytes - at - DIMENSION.length);
        }
        head = null;
    }

    private static int indexOf(byte[] b, int len, byte[] wanted) {
        for (int i = 0; i + wanted.length <= len; i++) {
            if (Arrays.equals(b, i, i + wanted.length, wanted, 0, wanted.length)) {
                return i;
            }
        }
        return -1;
    }

    private int shortAt(int i) {
        return (header[i] & 0xff) | (header[i + 1] & 0xff) << 8;
    }

    private int intAt(int i) {
        return shortAt(i) | shortAt(i + 2) << 16;
    }

    @Override
    public void flush() throws IOException {
        zip.flush();
    }

    /** Writes the central directory, once fastexcel has written all its entries, and flushes. */
    void finish() throws IOException {
        if (state != State.DONE) {
            throw new IOException("The XLSX writer ended its package inside an entry");
        }
        inflater.end();
        zip.finish();
        zip.flush();
    }
}
