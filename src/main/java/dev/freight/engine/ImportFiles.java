package dev.freight.engine;

import de.siegmar.fastcsv.writer.CsvWriter;
import dev.freight.ingest.IngestException;
import dev.freight.ingest.RowReader;
import dev.freight.ingest.SourceRow;
import dev.freight.store.Database;
import dev.freight.store.ImportStore;
import dev.freight.store.RowError;
import dev.freight.store.ValueJson;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.function.Function;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes an import's downloadable files: its errors and its original payload, each as CSV and as JSON. Streams from
 * the database or the upload; never holds a whole file. Thread-safe.
 */
public final class ImportFiles {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /**
     * The first columns of an errors CSV. Their names match no built-in field, and a file that has all five is read
     * without them when mapped by header names ({@link #mappableHeaders}).
     */
    public static final List<String> ERROR_COLUMNS = List.of("error_line", "error_external_id", "error_field",
            "error_code", "error_message");
    /**
     * The column after {@link #ERROR_COLUMNS}, in an errors CSV with a row that could not be read: that row's raw
     * input ({@link RowError#input()}); empty on the other rows.
     */
    public static final String INPUT_COLUMN = "error_input";

    private final Database database;
    private final ImportStore imports;

    public ImportFiles(Database database, ImportStore imports) {
        this.database = database;
        this.imports = imports;
    }

    /**
     * One CSV row per rejected row, in source order: error_line, error_external_id, error_field, error_code,
     * error_message, then the row's original cells under their own headers ({@code sourceHeaders} first, then any
     * other keys the rejected rows had). A row with several problems lists their fields and codes joined by
     * {@code "; "} and their messages one per line. When a row could not be read, {@link #INPUT_COLUMN} follows
     * error_message, with that row's raw input. The original columns keep their headers and the error columns'
     * names match no field, so the file can be corrected and uploaded again as it is (see {@link #ERROR_COLUMNS});
     * it is written for a spreadsheet to open ({@link ErrorsCsv}).
     */
    public void errorsCsv(String importId, List<String> sourceHeaders, OutputStream out) {
        Set<String> headers = new LinkedHashSet<>(sourceHeaders);
        boolean[] inputs = new boolean[1];
        database.withHandle(h -> {
            imports.errors(h, importId, e -> {
                headers.addAll(cells(e).keySet());
                inputs[0] |= e.input() != null;
            });
            return null;
        });
        boolean withInput = inputs[0];
        try (ErrorsCsv csv = new ErrorsCsv(out)) {
            List<String> header = new ArrayList<>(ERROR_COLUMNS);
            if (withInput) {
                header.add(INPUT_COLUMN);
            }
            header.addAll(headers);
            csv.writeRecord(header);
            List<RowError> problems = new ArrayList<>();
            database.withHandle(h -> {
                imports.errors(h, importId, e -> {
                    if (!problems.isEmpty() && problems.getFirst().ordinal() != e.ordinal()) {
                        csv.writeRecord(errorRow(problems, withInput, headers));
                        problems.clear();
                    }
                    problems.add(e);
                });
                return null;
            });
            if (!problems.isEmpty()) {
                csv.writeRecord(errorRow(problems, withInput, headers));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The errors file's line for one rejected row: its problems, its raw input {@code withInput}, then its cells
     * under {@code headers}.
     */
    private static List<String> errorRow(List<RowError> problems, boolean withInput, Set<String> headers) {
        RowError first = problems.getFirst();
        List<String> row = new ArrayList<>(ERROR_COLUMNS.size() + 1 + headers.size());
        row.add(String.valueOf(first.line()));
        row.add(nullToEmpty(first.externalId()));
        row.add(joined(problems, e -> nullToEmpty(e.field()), "; "));
        row.add(joined(problems, RowError::code, "; "));
        row.add(joined(problems, RowError::message, "\n"));
        if (withInput) {
            row.add(nullToEmpty(first.input()));
        }
        Map<String, Object> cells = cells(first);
        for (String column : headers) {
            row.add(text(cells.get(column)));
        }
        return row;
    }

    /** One part of each of a row's problems, joined: an errors file's field, code or message cell. */
    static <T> String joined(List<T> problems, Function<T, String> part, String separator) {
        StringJoiner joined = new StringJoiner(separator);
        problems.forEach(e -> joined.add(part.apply(e)));
        return joined.toString();
    }

    /**
     * The headers a file is read by when its columns are mapped by name: all but an errors file's own columns, so an
     * errors file corrected and uploaded again maps as the original did.
     */
    public static List<String> mappableHeaders(List<String> headers) {
        if (!headers.containsAll(ERROR_COLUMNS)) {
            return headers;
        }
        List<String> mappable = new ArrayList<>(headers);
        mappable.removeAll(ERROR_COLUMNS);
        mappable.remove(INPUT_COLUMN);
        return mappable;
    }

    /**
     * A JSON array with one object per problem: line, external_id, field, error_code, message, cells and input (the
     * raw input of a row that could not be read, whose cells are empty; else null).
     */
    public void errorsJson(String importId, OutputStream out) {
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartArray();
            database.withHandle(h -> {
                imports.errors(h, importId, e -> {
                    g.writeStartObject();
                    g.writeNumberProperty("line", e.line());
                    g.writeStringProperty("external_id", e.externalId());
                    g.writeStringProperty("field", e.field());
                    g.writeStringProperty("error_code", e.code());
                    g.writeStringProperty("message", e.message());
                    g.writeName("cells");
                    g.writePOJO(cells(e));
                    g.writeStringProperty("input", e.input());
                    g.writeEndObject();
                });
                return null;
            });
            g.writeEndArray();
        }
    }

    /** The original rows as CSV: tabular sources keep their headers; JSON sources get the union of their keys. */
    public void uploadCsv(ImportPipeline.RowSource source, OutputStream out) {
        try {
            Set<String> headers = new LinkedHashSet<>();
            try (RowReader reader = source.open()) {
                headers.addAll(reader.headers());
                for (SourceRow row = next(reader); row != null; row = next(reader)) {
                    headers.addAll(row.cells().keySet());
                }
            }
            try (RowReader reader = source.open();
                    Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
                    CsvWriter csv = CsvWriter.builder().build(w)) {
                csv.writeRecord(new ArrayList<>(headers));
                for (SourceRow row = next(reader); row != null; row = next(reader)) {
                    List<String> cells = new ArrayList<>(headers.size());
                    for (String h : headers) {
                        cells.add(text(row.cells().get(h)));
                    }
                    csv.writeRecord(cells);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The original rows as a JSON array of objects. */
    public void uploadJson(ImportPipeline.RowSource source, OutputStream out) {
        try (RowReader reader = source.open(); JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartArray();
            for (SourceRow row = next(reader); row != null; row = next(reader)) {
                g.writePOJO(row.cells());
            }
            g.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next readable row; rows the reader rejects on their own are left out of the payload copies. */
    private static SourceRow next(RowReader reader) throws IOException {
        while (true) {
            try {
                return reader.next();
            } catch (IngestException e) {
                if (!Set.of("not_an_object", "repeated_key", "malformed_json").contains(e.code())) {
                    throw e;
                }
            }
        }
    }

    private static Map<String, Object> cells(RowError e) {
        return e.input() != null ? Map.of() : ValueJson.readObject(e.cellsJson());
    }

    /** A cell as the errors CSV writes it: text as it is, JSON arrays and objects as JSON, null as empty. */
    static String text(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof Map<?, ?> || v instanceof List<?>) {
            return JSON.writeValueAsString(v);
        }
        return v.toString();
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
