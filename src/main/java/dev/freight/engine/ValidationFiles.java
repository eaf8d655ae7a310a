package dev.freight.engine;

import de.siegmar.fastcsv.writer.CsvWriter;
import dev.freight.store.Database;
import dev.freight.store.IdGenerator;
import dev.freight.store.ValidationFileStore;
import dev.freight.store.ValidationFileStore.ValidationFile;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MappingIterator;
import tools.jackson.databind.json.JsonMapper;

/**
 * The validate step's errors files: every rejected row of one validation, as {@code <dir>/<id>.errors.json} and
 * {@code <dir>/<id>.errors.csv}, in the shape of an import's errors files ({@link ImportFiles}). The JSON file is
 * written as validation reads the rows, and the CSV from it once the rows' columns are all known, so no list of
 * problems is kept. Each validation with a rejected row is recorded ({@link ValidationFileStore}) before its first
 * byte is written, expiring {@code ttl} after the validation ends; the sweeper deletes its files then. Both files are
 * written under temporary names and moved into place complete. Several service instances on PostgreSQL must share
 * the directory. Thread-safe; each {@link Recorder} is used by one thread.
 */
public final class ValidationFiles {

    /** The two files of a validation, by the name their download URL ends with. */
    public enum Format {
        CSV("errors.csv"),
        JSON("errors.json");

        private final String fileName;

        Format(String fileName) {
            this.fileName = fileName;
        }

        public String fileName() {
            return fileName;
        }
    }

    /** A validation's complete files: their id and when they expire. */
    public record Stored(String id, Instant expiresAt) {}

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {};

    private final Path dir;
    private final Database database;
    private final ValidationFileStore store;
    private final IdGenerator ids;
    private final Clock clock;
    private final Duration ttl;

    /** @param ttl how long the files are kept after their validation ended (the download URLs' lifetime) */
    public ValidationFiles(Path dir, Database database, ValidationFileStore store, IdGenerator ids, Clock clock,
            Duration ttl) {
        this.dir = dir;
        this.database = database;
        this.store = store;
        this.ids = ids;
        this.clock = clock;
        this.ttl = ttl;
    }

    public Path path(String id, Format format) {
        return dir.resolve(id + "." + format.fileName());
    }

    private Path temporary(String id, Format format) {
        return dir.resolve(id + "." + format.fileName() + ".part");
    }

    /** A recorder of one validation's rejected rows; nothing is written or recorded until the first one. */
    public Recorder recorder(String organizationId) {
        return new Recorder(organizationId);
    }

    /** Deletes a validation's files, complete or not; nothing happens when there are none. */
    public void delete(String id) {
        try {
            for (Format f : Format.values()) {
                Files.deleteIfExists(path(id, f));
                Files.deleteIfExists(temporary(id, f));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes one validation's rejected rows as {@link ImportValidator} hands them over. {@link #finish} makes the
     * files whole; {@link #close} without it (the validation failed) deletes whatever was written and its record.
     */
    public final class Recorder implements ImportValidator.Rejections, AutoCloseable {
        private final String organizationId;
        /** The source's headers, then every other key of a rejected row's cells: the CSV's columns. */
        private final Set<String> headers = new LinkedHashSet<>();
        private String id;
        private OutputStream out;
        private JsonGenerator json;
        private boolean finished;

        private Recorder(String organizationId) {
            this.organizationId = organizationId;
        }

        @Override
        public void start(List<String> sourceHeaders) {
            headers.addAll(sourceHeaders);
        }

        @Override
        public void add(ImportValidator.Rejected row) throws IOException {
            if (id == null) {
                open();
            }
            List<ImportValidator.Problem> problems = row.problems();
            json.writeStartObject();
            json.writeNumberProperty("row", row.row());
            json.writeNumberProperty("line", row.line());
            json.writeStringProperty("external_id", row.externalId());
            json.writeStringProperty("field", problems.stream().allMatch(p -> p.field() == null) ? null
                    : ImportFiles.joined(problems, p -> p.field() == null ? "" : p.field(), "; "));
            json.writeStringProperty("error_code", ImportFiles.joined(problems, ImportValidator.Problem::code, "; "));
            json.writeStringProperty("message", ImportFiles.joined(problems, ImportValidator.Problem::message, "\n"));
            json.writeArrayPropertyStart("errors");
            for (ImportValidator.Problem p : problems) {
                json.writeStartObject();
                json.writeStringProperty("field", p.field());
                json.writeStringProperty("error_code", p.code());
                json.writeStringProperty("message", p.message());
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeName("cells");
            json.writePOJO(row.cells());
            json.writeEndObject();
            headers.addAll(row.cells().keySet());
        }

        /** Records the validation and starts its JSON file. */
        private void open() throws IOException {
            String fresh = ids.next("val");
            Instant now = clock.instant();
            // Recorded first: a crash from here on leaves files the sweeper finds.
            database.inTransaction(h -> {
                store.create(h, new ValidationFile(fresh, organizationId, now, now.plus(ttl), null));
                return null;
            });
            id = fresh;
            Files.createDirectories(dir);
            out = new BufferedOutputStream(Files.newOutputStream(temporary(id, Format.JSON)), 1 << 16);
            json = JSON.createGenerator(out);
            json.writeStartArray();
        }

        /** The complete files, expiring {@code ttl} from now; empty when no row was rejected. */
        public Optional<Stored> finish() throws IOException {
            if (id == null) {
                finished = true;
                return Optional.empty();
            }
            json.writeEndArray();
            json.close();
            out.close();
            writeCsv();
            Files.move(temporary(id, Format.JSON), path(id, Format.JSON), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            Files.move(temporary(id, Format.CSV), path(id, Format.CSV), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            Instant expiresAt = clock.instant().plus(ttl);
            database.inTransaction(h -> {
                store.expireAt(h, id, expiresAt);
                return null;
            });
            finished = true;
            return Optional.of(new Stored(id, expiresAt));
        }

        /** The CSV, read back from the JSON file a row at a time: its columns are known only once every row was. */
        private void writeCsv() throws IOException {
            try (MappingIterator<LinkedHashMap<String, Object>> rows = JSON.readerFor(MAP)
                    .readValues(temporary(id, Format.JSON).toFile());
                    Writer w = Files.newBufferedWriter(temporary(id, Format.CSV), StandardCharsets.UTF_8);
                    CsvWriter csv = CsvWriter.builder().build(w)) {
                List<String> header = new ArrayList<>(ImportFiles.ERROR_COLUMNS);
                header.addAll(headers);
                csv.writeRecord(header);
                List<String> line = new ArrayList<>(header.size());
                while (rows.hasNext()) {
                    Map<String, Object> row = rows.next();
                    line.clear();
                    line.add(String.valueOf(row.get("line")));
                    line.add(ImportFiles.text(row.get("external_id")));
                    line.add(ImportFiles.text(row.get("field")));
                    line.add(ImportFiles.text(row.get("error_code")));
                    line.add(ImportFiles.text(row.get("message")));
                    Map<?, ?> cells = (Map<?, ?>) row.get("cells");
                    for (String column : headers) {
                        line.add(ImportFiles.text(cells.get(column)));
                    }
                    csv.writeRecord(line);
                }
            }
        }

        /** Without {@link #finish}: deletes what was written and forgets the validation. */
        @Override
        public void close() {
            if (finished || id == null) {
                return;
            }
            try {
                json.close();
                out.close();
            } catch (IOException | RuntimeException e) {
                // The files are deleted below whatever state they were left in.
            }
            delete(id);
            database.inTransaction(h -> {
                store.delete(h, id);
                return null;
            });
        }
    }
}
