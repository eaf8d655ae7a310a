package dev.freight.ingest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A workbook described in a test, written as XLSX or XLS by {@link XlsxWriter} or {@link XlsWriter}. */
record Workbook(boolean date1904, List<SheetSpec> sheets) {

    /** A cell's stored content. */
    sealed interface Cell {}

    record Text(String value) implements Cell {}

    /**
     * A number as stored ({@code raw}, e.g. "0.30000000000000004"); {@code format} null for General, "id:14" for the
     * built-in format 14, else a custom format code.
     */
    record Num(String raw, String format) implements Cell {}

    record Bool(boolean value) implements Cell {}

    record Error(String code) implements Cell {}

    /** A formula with its cached result (a Text, Num, Bool or Error). */
    record Formula(String formula, Cell cached) implements Cell {}

    /** A row: its 1-based number and its cells from column A on, null for a gap. */
    record RowSpec(int number, List<Cell> cells) {}

    /** A sheet; {@code merged} lists its merged ranges ({@code "A2:A4"}). */
    record SheetSpec(String name, boolean hidden, List<RowSpec> rows, List<String> merged) {

        SheetSpec(String name, boolean hidden, List<RowSpec> rows) {
            this(name, hidden, rows, List.of());
        }

        SheetSpec merging(String... ranges) {
            return new SheetSpec(name, hidden, rows, List.of(ranges));
        }
    }

    static Workbook of(SheetSpec... sheets) {
        return new Workbook(false, List.of(sheets));
    }

    static SheetSpec sheet(String name, RowSpec... rows) {
        return new SheetSpec(name, false, List.of(rows));
    }

    static SheetSpec hiddenSheet(String name, RowSpec... rows) {
        return new SheetSpec(name, true, List.of(rows));
    }

    /** Strings become Text, other cells stay, null is a gap. */
    static RowSpec row(int number, Object... cells) {
        List<Cell> list = new ArrayList<>();
        for (Object c : cells) {
            list.add(c == null ? null : c instanceof String s ? new Text(s) : (Cell) c);
        }
        return new RowSpec(number, list);
    }

    static Num num(String raw) {
        return new Num(raw, null);
    }

    static Num num(String raw, String format) {
        return new Num(raw, format);
    }

    static Bool bool(boolean value) {
        return new Bool(value);
    }

    static Error error(String code) {
        return new Error(code);
    }

    static Formula formula(String formula, Cell cached) {
        return new Formula(formula, cached);
    }

    Workbook in1904() {
        return new Workbook(true, sheets);
    }

    /** Every distinct custom format code, in first-use order. */
    List<String> customFormats() {
        Map<String, Boolean> formats = new LinkedHashMap<>();
        for (SheetSpec s : sheets) {
            for (RowSpec r : s.rows()) {
                for (Cell c : r.cells()) {
                    Cell value = c instanceof Formula f ? f.cached() : c;
                    if (value instanceof Num n && n.format() != null && !n.format().startsWith("id:")) {
                        formats.put(n.format(), true);
                    }
                }
            }
        }
        return List.copyOf(formats.keySet());
    }
}
