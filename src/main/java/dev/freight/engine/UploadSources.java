package dev.freight.engine;

import dev.freight.ingest.FileType;
import dev.freight.ingest.ReadOptions;
import dev.freight.ingest.Readers;
import dev.freight.ingest.WorkbookLimits;
import dev.freight.store.Database;
import dev.freight.store.ImportJob;
import dev.freight.store.ImportStore;
import dev.freight.store.UploadStore;

/** Opens the rows of an import's uploaded file, and tells whether one is arriving. Thread-safe. */
public final class UploadSources {

    private final UploadStore uploads;
    private final Database database;
    private final ImportStore imports;
    private final WorkbookLimits limits;

    /** Reads workbooks with {@link WorkbookLimits#defaults()}. */
    public UploadSources(UploadStore uploads, Database database, ImportStore imports) {
        this(uploads, database, imports, WorkbookLimits.defaults());
    }

    /** {@code limits}: how far an uploaded workbook may expand when it is read. */
    public UploadSources(UploadStore uploads, Database database, ImportStore imports, WorkbookLimits limits) {
        this.uploads = uploads;
        this.database = database;
        this.imports = imports;
        this.limits = limits;
    }

    public ImportPipeline.RowSource of(ImportJob job) {
        FileType type = FileType.fromWireName(job.fileType()).orElseThrow(() -> new IllegalStateException(
                "import " + job.id() + " has no file type"));
        String sheet = !ImportJobs.MODULE.equals(job.source()) ? null
                : database.withHandle(h -> imports.options(h, job.id())).map(ExecuteOptions::fromJson)
                        .map(ExecuteOptions::sheet).orElse(null);
        ReadOptions options = new ReadOptions(sheet, null, limits);
        return () -> Readers.open(uploads.path(job.id()), type, options);
    }

    /** Whether a request of this process is receiving the import's upload now. */
    public boolean receiving(String importId) {
        return uploads.receiving(importId);
    }
}
