package dev.freight.engine;

import dev.freight.ingest.FileType;
import dev.freight.ingest.ReadOptions;
import dev.freight.ingest.Readers;
import dev.freight.store.ImportJob;
import dev.freight.store.UploadStore;

/** Opens the rows of an import's uploaded file. Thread-safe. */
public final class UploadSources {

    private final UploadStore uploads;

    public UploadSources(UploadStore uploads) {
        this.uploads = uploads;
    }

    public ImportPipeline.RowSource of(ImportJob job) {
        FileType type = FileType.fromWireName(job.fileType()).orElseThrow(() -> new IllegalStateException(
                "import " + job.id() + " has no file type"));
        return () -> Readers.open(uploads.path(job.id()), type, ReadOptions.defaults());
    }
}
