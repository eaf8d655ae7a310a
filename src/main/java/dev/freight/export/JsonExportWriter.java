package dev.freight.export;

import dev.freight.schema.Value;
import dev.freight.store.StoredRecord;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.core.json.JsonFactory;

/**
 * JSON (one array of objects) or NDJSON (one object per line). Keys are the column keys; every column is present,
 * null when the record has no value. Values keep their type in the shape the import API accepts: numbers, booleans,
 * ISO dates, references as their external_id (their id for a record without one), lists as arrays, labeled values
 * as {@code {"type", "value"}},
 * addresses as objects of their parts.
 */
final class JsonExportWriter implements ExportWriter {

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            .rootValueSeparator((String) null)
            .build();

    private final List<ExportColumn> columns;
    private final OutputStream out;
    private final boolean lines;
    private final JsonGenerator g;

    JsonExportWriter(List<ExportColumn> columns, OutputStream out, boolean lines) {
        this.columns = columns;
        this.out = out;
        this.lines = lines;
        this.g = FACTORY.createGenerator(ObjectWriteContext.empty(), out);
        if (!lines) {
            g.writeStartArray();
        }
    }

    @Override
    public void row(StoredRecord record) throws IOException {
        g.writeStartObject();
        for (ExportColumn c : columns) {
            g.writeName(c.key());
            Value v = c.valueOf(record);
            if (v == null) {
                g.writeNull();
            } else {
                write(v);
            }
        }
        g.writeEndObject();
        if (lines) {
            g.writeRaw('\n');
        }
    }

    private void write(Value value) {
        switch (value) {
            case Value.Text t -> g.writeString(t.value());
            // Plain digits without WRITE_BIGDECIMAL_AS_PLAIN's limit: it refuses a scale beyond 9,999, which a
            // stored number may have (up to 16,383).
            case Value.Decimal d -> g.writeNumber(d.value().toPlainString());
            case Value.Int i -> g.writeNumber(i.value());
            case Value.Bool b -> g.writeBoolean(b.value());
            case Value.Date d -> g.writeString(d.value().toString());
            case Value.DateTime d -> g.writeString(d.value().toString());
            case Value.Ref r -> g.writeString(r.text());
            case Value.Many m -> {
                g.writeStartArray();
                m.values().forEach(this::write);
                g.writeEndArray();
            }
            case Value.Labeled l -> {
                g.writeStartObject();
                g.writeStringProperty("type", l.label());
                g.writeName("value");
                write(l.value());
                g.writeEndObject();
            }
            case Value.Address a -> {
                g.writeStartObject();
                for (String part : Value.Address.PARTS) {
                    if (a.part(part) != null) {
                        g.writeStringProperty(part, a.part(part));
                    }
                }
                g.writeEndObject();
            }
        }
    }

    @Override
    public void finish() throws IOException {
        if (!lines) {
            g.writeEndArray();
        }
        g.close();
        out.flush();
    }
}
