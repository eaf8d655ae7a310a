package dev.freight.ingest;

/**
 * How a source file is written, as found while opening it; for showing to the user beside the parsed preview.
 *
 * @param encoding the text encoding, lowercase, as users know it: {@code utf-8}, {@code utf-16le}, {@code utf-16be},
 *     {@code utf-32le}, {@code utf-32be}, {@code windows-1252}, {@code iso-8859-1}, {@code shift_jis},
 *     {@code euc-jp}, {@code gb18030}, …; a file of plain ASCII is reported as {@code utf-8}. Null for XLSX and XLS
 * @param bom whether the text starts with a byte-order mark (the encoding then says which); false for workbooks
 * @param delimiter the field separator of a CSV file: {@code ","}, {@code ";"}, {@code "\t"} or {@code "|"}; null
 *     for other types
 * @param lineEnding the first line ending of a text file: {@code lf}, {@code crlf} or {@code cr} (in a CSV file, the
 *     first one outside quoted fields when there is one); null when the file has a single line, and for workbooks
 * @param sheet the name of the worksheet being read, for XLSX and XLS; null for text files
 */
public record SourceFormat(String encoding, boolean bom, String delimiter, String lineEnding, String sheet) {

    /** The format of a worksheet of a workbook. */
    static SourceFormat ofSheet(String sheet) {
        return new SourceFormat(null, false, null, null, sheet);
    }
}
