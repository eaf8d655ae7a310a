package dev.freight.export;

import dev.freight.schema.Value;
import dev.freight.store.StoredRecord;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * RFC 4180 CSV in UTF-8: comma separated, CRLF line ends, a field quoted only when it holds a comma, quote, CR or LF
 * (quotes doubled). Text cells a spreadsheet would run as a formula are neutralised unless the options keep them.
 */
final class CsvExportWriter implements ExportWriter {

    private final List<ExportColumn> columns;
    private final ExportOptions options;
    private final Writer out;

    CsvExportWriter(List<ExportColumn> columns, ExportOptions options, OutputStream stream) throws IOException {
        this.columns = columns;
        this.options = options;
        this.out = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), 1 << 16);
        if (options.bom() == ExportOptions.Bom.UTF8) {
            out.write('\uFEFF');
        }
        if (options.includeHeaders()) {
            for (int i = 0; i < columns.size(); i++) {
                if (i > 0) {
                    out.write(',');
                }
                text(columns.get(i).label());
            }
            out.write("\r\n");
        }
    }

    @Override
    public void row(StoredRecord record) throws IOException {
        for (int i = 0; i < columns.size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            Value v = columns.get(i).valueOf(record);
            if (v == null) {
                continue;
            }
            String s = CellText.of(v, options.dates());
            if (CellText.isText(v)) {
                text(s);
            } else {
                field(s);
            }
        }
        out.write("\r\n");
    }

    private void text(String s) throws IOException {
        if (options.formulaCells() == ExportOptions.FormulaCells.NEUTRALISE && looksLikeFormula(s)) {
            quoted("'" + s);
        } else {
            field(s);
        }
    }

    /** OWASP's list of characters a spreadsheet reads as the start of a formula. */
    static boolean looksLikeFormula(String s) {
        if (s.isEmpty()) {
            return false;
        }
        char c = s.charAt(0);
        return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
    }

    private void field(String s) throws IOException {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ',' || c == '"' || c == '\r' || c == '\n') {
                quoted(s);
                return;
            }
        }
        out.write(s);
    }

    private void quoted(String s) throws IOException {
        out.write('"');
        if (s.indexOf('"') < 0) {
            out.write(s);
        } else {
            out.write(s.replace("\"", "\"\""));
        }
        out.write('"');
    }

    @Override
    public void finish() throws IOException {
        out.flush();
    }
}
