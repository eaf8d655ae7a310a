package dev.freight.ingest;

import java.nio.file.Path;

/**
 * Reads a file to the end in a JVM of its own, so that {@link StreamingTest} can run it with a heap much smaller
 * than the file. Prints the row count and the last row's ordinal and line, or the reader's refusal ({@code refused
 * <code>: <message>}); exits 1 when a row's line is not its ordinal plus one.
 */
final class HeapProbe {

    private HeapProbe() {}

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        FileType type = FileType.fromWireName(args[1]).orElseThrow();
        long count = 0;
        SourceRow last = null;
        try (RowReader reader = Readers.open(file, type, ReadOptions.defaults())) {
            for (SourceRow row = reader.next(); row != null; row = reader.next()) {
                if (row.line() != row.ordinal() + 1 || row.cells().isEmpty()) {
                    System.out.println("unexpected " + row);
                    System.exit(1);
                }
                count++;
                last = row;
            }
        } catch (IngestException e) {
            System.out.println("refused " + e.code() + ": " + e.getMessage());
            return;
        }
        System.out.println("rows=" + count + " ordinal=" + last.ordinal() + " line=" + last.line()
                + " max_heap_mb=" + Runtime.getRuntime().maxMemory() / (1024 * 1024));
    }
}
