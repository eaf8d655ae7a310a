package dev.freight.ingest;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rows of a CSV file or worksheet under its header: the first row with a non-blank cell is the header; later rows
 * whose cells are all blank (empty or whitespace) are skipped and take no ordinal.
 */
final class TabularReader implements RowReader {

    /** A row of text cells and the line (or sheet row number) where it starts. */
    record RawRow(long line, List<String> cells) {}

    /** The rows of one source, in order. */
    interface RawRows extends Closeable {

        /** The next row, or null at the end. */
        RawRow next() throws IOException;

        /**
         * From the next row on, the cells at positions not marked in {@code keep} need only tell blank from not
         * blank: they may be read as {@code ""} and {@link #SKIPPED}. Ignored by sources that read every cell anyway.
         */
        default void readOnly(boolean[] keep) {}
    }

    /** What a source may return for a non-blank cell that {@link RawRows#readOnly} lets it skip. */
    static final String SKIPPED = "\u0000skipped";

    private final RawRows rows;
    private final Columns columns;
    private final SourceFormat format;
    private long ordinal;
    /** The columns read since {@link #readOnly}; null for all. */
    private boolean[] keep;

    private TabularReader(RawRows rows, Columns columns, SourceFormat format) {
        this.rows = rows;
        this.columns = columns;
        this.format = format;
    }

    /**
     * Reads the header; {@code emptyMessage} is the message of the {@code empty_file} exception when there is none.
     * Closes {@code rows} when it fails.
     */
    static TabularReader open(RawRows rows, Columns.MissingCells missing, String emptyMessage, SourceFormat format)
            throws IOException {
        try {
            RawRow header = rows.next();
            while (header != null && header.cells().stream().allMatch(String::isBlank)) {
                header = rows.next();
            }
            if (header == null) {
                throw new IngestException("empty_file", 0, emptyMessage);
            }
            return new TabularReader(rows, new Columns(trimTrailingBlanks(header.cells()), missing), format);
        } catch (IOException | RuntimeException e) {
            try {
                rows.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Trailing blank header cells name no column (spreadsheets often carry formatted empty cells). */
    private static List<String> trimTrailingBlanks(List<String> header) {
        int end = header.size();
        while (header.get(end - 1).isBlank()) {
            end--;
        }
        return header.subList(0, end);
    }

    @Override
    public List<String> headers() {
        return columns.names();
    }

    @Override
    public Map<String, String> renamedHeaders() {
        return columns.renamed();
    }

    @Override
    public boolean hasColumn(String column) {
        return columns.names().contains(column) || columns.isExtraName(column);
    }

    @Override
    public SourceFormat format() {
        return format;
    }

    @Override
    public void readOnly(Set<String> names) {
        boolean[] keep = new boolean[columns.names().size()];
        for (int i = 0; i < keep.length; i++) {
            keep[i] = names.contains(columns.names().get(i));
        }
        this.keep = keep;
        rows.readOnly(keep);
    }

    @Override
    public SourceRow next() throws IOException {
        for (RawRow row = rows.next(); row != null; row = rows.next()) {
            Map<String, Object> cells = columns.cells(row.cells(), keep);
            if (cells != null) {
                return new SourceRow(++ordinal, row.line(), cells);
            }
        }
        return null;
    }

    @Override
    public long countRemaining() throws IOException {
        long n = 0;
        for (RawRow row = rows.next(); row != null; row = rows.next()) {
            for (String cell : row.cells()) {
                if (!cell.isBlank()) {
                    n++;
                    break;
                }
            }
        }
        ordinal += n;
        return n;
    }

    @Override
    public void close() throws IOException {
        rows.close();
    }
}
