package dev.freight.ingest;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * An XLSX workbook's shared-strings table, read as far as the cells need it. The first {@link #DEFAULT_IN_HEAP}
 * strings (fewer when they hold more than {@link #MAX_IN_HEAP_CHARACTERS}) are kept as strings; the rest go to a
 * temporary file mapped into memory outside the heap, so a sheet of millions of distinct texts reads in the same heap
 * as one of a few.
 *
 * <p>An item's text is its {@code t} elements in order, the runs of rich text included and phonetic guides
 * ({@code rPh}) left out, as Excel shows it.
 */
final class SharedStrings implements Closeable {

    static final int DEFAULT_IN_HEAP = 65_536;

    /**
     * The most characters the strings kept in the heap hold together: past them, the rest go to the file however few
     * they are. 65,536 strings of a cell's 32,767 characters would take 4 GB, from a file of 5 MB.
     */
    static final long MAX_IN_HEAP_CHARACTERS = 4 << 20;

    private final InputStream in;
    private final String part;
    private final XMLStreamReader xml;
    private final int inHeap;
    private final List<String> first = new ArrayList<>();
    /** The most bytes the file may hold, and why: the reason a message names. */
    private final long maxSpillBytes;
    private final String maxSpillReason;
    private final Path spillDir;
    private Spill spill;
    /**
     * The length of each item longer than a cell holds ({@link SheetText#MAX_CELL}), by index: such an item is kept as
     * an empty text, since a cell that refers to it makes the workbook damaged at its row, which the reader says.
     */
    private final Map<Integer, Long> tooLong = new HashMap<>();
    private int count;
    private long inHeapCharacters;
    private boolean ended;

    private SharedStrings(InputStream in, String part, XMLStreamReader xml, int inHeap, long maxSpillBytes,
            String maxSpillReason, Path spillDir) {
        this.in = in;
        this.part = part;
        this.xml = xml;
        this.inHeap = inHeap;
        this.maxSpillBytes = maxSpillBytes;
        this.maxSpillReason = maxSpillReason;
        this.spillDir = spillDir;
        this.ended = xml == null;
    }

    /**
     * The table read from {@code in}, the content of {@code part} (null: a workbook without one, whose cells then
     * cannot refer to it). Its strings past the heap's share may take at most {@code maxSpillBytes} in their file
     * ({@code maxSpillReason} says why, in the message of the {@link XlsxPackage.PartTooLarge} a read past it fails
     * with): a part of strings of a few characters each takes more there than it holds. The file is made in
     * {@code spillDir}; one that cannot be made or written there fails a read with {@link TemporaryFileUnwritable}.
     */
    static SharedStrings open(InputStream in, String part, int inHeap, long maxSpillBytes, String maxSpillReason,
            Path spillDir) throws IOException, XMLStreamException {
        return in == null ? new SharedStrings(null, null, null, inHeap, maxSpillBytes, maxSpillReason, spillDir)
                : new SharedStrings(in, part, XlsxPackage.reader(in, part), inHeap, maxSpillBytes, maxSpillReason,
                        spillDir);
    }

    /**
     * Item {@code index}; an index past the table's end is a damaged workbook. An item longer than a cell holds is
     * given as an empty text: a reader checks {@link #length} first.
     */
    String get(int index) throws XMLStreamException, IOException {
        readUpTo(index);
        return index < first.size() ? first.get(index) : spill.get(index - first.size());
    }

    /**
     * The length in characters of item {@code index} as the table holds it, without building it when it is in the
     * file; more than {@link SheetText#MAX_CELL} for an item longer than a cell holds.
     */
    long length(int index) throws XMLStreamException, IOException {
        readUpTo(index);
        // Looked up only when the table has such an item: most never do, and a lookup boxes the index.
        Long refused = tooLong.isEmpty() ? null : tooLong.get(index);
        if (refused != null) {
            return refused;
        }
        return index < first.size() ? first.get(index).length() : spill.length(index - first.size());
    }

    /** How a message names item {@code index}: "shared string 3 of xl/sharedStrings.xml". */
    String name(int index) {
        return "shared string %d of %s".formatted(index, part);
    }

    /** Whether item {@code index} is empty or only white space, without building it when it is in the file. */
    boolean isBlank(int index) throws XMLStreamException, IOException {
        readUpTo(index);
        return index < first.size() ? first.get(index).isBlank() : spill.isBlank(index - first.size());
    }

    private void readUpTo(int index) throws XMLStreamException, IOException {
        if (index < 0) {
            throw new XlsxPackage.Damaged("a cell refers to shared string " + index);
        }
        while (count <= index && !ended) {
            RichText rich = nextItem();
            String item = rich == null ? null : rich.text();
            if (rich != null && rich.length() > SheetText.MAX_CELL) {
                tooLong.put(count, rich.length());
                item = "";
            }
            if (item == null) {
                ended = true;
            } else if (spill == null && count < inHeap
                    && inHeapCharacters + item.length() <= MAX_IN_HEAP_CHARACTERS) {
                first.add(item);
                inHeapCharacters += item.length();
                count++;
            } else {
                if (spill == null) {
                    spill = new Spill(spillDir, "The shared strings of " + part);
                }
                if (!spill.add(item, maxSpillBytes)) {
                    throw new XlsxPackage.PartTooLarge(("the strings of %s past the first %,d take more than %,d"
                            + " bytes in a temporary file, the most this workbook's strings may take there (%s)")
                            .formatted(part, first.size(), maxSpillBytes, maxSpillReason));
                }
                count++;
            }
        }
        if (index >= count) {
            throw new XlsxPackage.Damaged("a cell refers to shared string " + index + " of a table of " + count);
        }
    }

    /**
     * The next {@code si} item's text, or null at the end of the table. A table that cannot be read is a problem of
     * the file, whichever row's cell first needed it.
     */
    private RichText nextItem() throws XMLStreamException {
        try {
            while (xml.hasNext()) {
                int event = xml.next();
                if (event == XMLStreamConstants.START_ELEMENT && xml.getLocalName().equals("si")) {
                    return richText(xml, "si");
                }
                if (event == XMLStreamConstants.END_ELEMENT && xml.getLocalName().equals("sst")) {
                    return null;
                }
            }
            return null;
        } catch (XlsxPackage.DamagedPart e) {
            throw e;
        } catch (XMLStreamException e) {
            // A text too long names the part already.
            String damage = XlsxRows.damage(e);
            XlsxPackage.DamagedPart damaged = new XlsxPackage.DamagedPart(
                    e.getCause() instanceof XlsxPackage.Refused ? damage : part + ": " + damage);
            damaged.initCause(e);
            throw damaged;
        }
    }

    /**
     * A rich-text element's text, and its length in characters; {@code text} is null when it has more than
     * {@link SheetText#MAX_CELL} characters, which are counted but not kept.
     */
    record RichText(String text, long length) {}

    /**
     * The text of the rich-text element the reader is at the start of ({@code si} or {@code is}): its {@code t}
     * elements, phonetic runs left out; the reader ends at its end. Runs stop being kept once they hold more than a
     * cell does: a small file can hold an item of millions of runs, which kept would fill the heap.
     */
    static RichText richText(XMLStreamReader xml, String element) throws XMLStreamException {
        String single = null;
        StringBuilder text = null;
        long length = 0;
        int phonetic = 0;
        while (true) {
            int event = xml.next();
            if (event == XMLStreamConstants.START_ELEMENT) {
                String name = xml.getLocalName();
                if (name.equals("rPh")) {
                    phonetic++;
                } else if (name.equals("t") && phonetic == 0) {
                    String t = xml.getElementText();
                    length += t.length();
                    if (length > SheetText.MAX_CELL) {
                        single = null;
                        text = null;
                    } else if (single == null && text == null) {
                        single = t;
                    } else {
                        if (text == null) {
                            text = new StringBuilder(single);
                        }
                        text.append(t);
                    }
                }
            } else if (event == XMLStreamConstants.END_ELEMENT) {
                String name = xml.getLocalName();
                if (name.equals("rPh")) {
                    phonetic--;
                } else if (name.equals(element)) {
                    if (length > SheetText.MAX_CELL) {
                        return new RichText(null, length);
                    }
                    return new RichText(text != null ? text.toString() : single != null ? single : "", length);
                }
            } else if (event == XMLStreamConstants.END_DOCUMENT) {
                throw new XlsxPackage.Damaged("the workbook part ends inside <" + element + ">");
            }
        }
    }

    @Override
    public void close() throws IOException {
        try {
            if (xml != null) {
                xml.close();
            }
        } catch (XMLStreamException e) {
            throw new IOException(e);
        } finally {
            try {
                if (in != null) {
                    in.close();
                }
            } finally {
                if (spill != null) {
                    spill.close();
                }
            }
        }
    }

    /**
     * Strings in a temporary file mapped in regions of {@link #REGION} bytes: each string is its UTF-8 bytes after its
     * length in bytes and its length in characters (4 bytes each), within one region (a longer string gets a region of its own size). An index, mapped the same
     * way, gives each string's region and position, and whether it is blank. The file is deleted at close; the
     * mappings go with their buffers.
     */
    private static final class Spill implements Closeable {

        private static final int REGION = 1 << 26;
        private static final int INDEX_REGION_ENTRIES = 1 << 23;
        private static final long BLANK = 1L << 63;

        private final Path dir;
        private final String what;
        private final Path path;
        private final FileChannel channel;
        private final List<MappedByteBuffer> data = new ArrayList<>();
        private final List<MappedByteBuffer> index = new ArrayList<>();
        private long mapped;
        private int size;
        /** The bytes the strings and the index take, however much of the file is mapped. */
        private long written;

        /** A file in {@code dir} for {@code what} ("The shared strings of xl/sharedStrings.xml"), as messages say. */
        Spill(Path dir, String what) throws TemporaryFileUnwritable {
            this.dir = dir;
            this.what = what;
            Path created = null;
            try {
                created = TemporaryFiles.create(dir, "freight-shared-strings-", ".bin");
                channel = FileChannel.open(created, StandardOpenOption.READ, StandardOpenOption.WRITE);
            } catch (IOException e) {
                if (created != null) {
                    try {
                        Files.deleteIfExists(created);
                    } catch (IOException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                throw new TemporaryFileUnwritable(TemporaryFileUnwritable.Step.READ, what, dir, e);
            }
            path = created;
        }

        /**
         * Adds {@code s}, unless the strings and the index would then take more than {@code max} bytes: false, and
         * nothing added.
         */
        boolean add(String s, long max) throws IOException {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            if (written + bytes.length + 16L > max) {
                return false;
            }
            try {
                MappedByteBuffer region = data.isEmpty() ? null : data.getLast();
                if (region == null || region.remaining() < bytes.length + 8) {
                    region = map(Math.max(REGION, bytes.length + 8));
                    data.add(region);
                }
                long entry = ((long) (data.size() - 1) << 32) | region.position() | (s.isBlank() ? BLANK : 0);
                int slot = size % INDEX_REGION_ENTRIES;
                if (slot == 0) {
                    index.add(map(INDEX_REGION_ENTRIES * 8));
                }
                region.putInt(bytes.length).putInt(s.length()).put(bytes);
                index.getLast().putLong(slot * 8, entry);
            } catch (IOException e) {
                throw new TemporaryFileUnwritable(TemporaryFileUnwritable.Step.READ, what, dir, e);
            } catch (InternalError e) {
                // What the JDK throws when a mapped page cannot be backed: the file system is full.
                throw new TemporaryFileUnwritable(TemporaryFileUnwritable.Step.READ, what, dir, e);
            }
            size++;
            written += bytes.length + 16L;
            return true;
        }

        private MappedByteBuffer map(int bytes) throws IOException {
            MappedByteBuffer buffer = channel.map(FileChannel.MapMode.READ_WRITE, mapped, bytes);
            mapped += bytes;
            return buffer;
        }

        private long entry(int i) {
            return index.get(i / INDEX_REGION_ENTRIES).getLong((i % INDEX_REGION_ENTRIES) * 8);
        }

        String get(int i) {
            long entry = entry(i);
            MappedByteBuffer region = data.get((int) ((entry & ~BLANK) >>> 32));
            int position = (int) entry;
            byte[] bytes = new byte[region.getInt(position)];
            region.get(position + 8, bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        }

        int length(int i) {
            long entry = entry(i);
            return data.get((int) ((entry & ~BLANK) >>> 32)).getInt((int) entry + 4);
        }

        boolean isBlank(int i) {
            return (entry(i) & BLANK) != 0;
        }

        @Override
        public void close() throws IOException {
            try {
                channel.close();
            } finally {
                Files.deleteIfExists(path);
            }
        }
    }
}
