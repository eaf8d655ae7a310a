package dev.freight.jobs;

import dev.freight.engine.ExecuteOptions;
import dev.freight.engine.ImportJobs;
import dev.freight.engine.ImportPipeline;
import dev.freight.mapping.HeaderNames;
import dev.freight.store.Handle;
import dev.freight.store.ImportJob;
import dev.freight.store.ImportStats;
import dev.freight.store.ImportStore;
import dev.freight.store.MappingMemoryStore;
import dev.freight.store.MappingMemoryStore.Confirmed;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Remembers the column mapping of a file import workflow execution (source {@code module}) as it completes, when at
 * least one of its rows succeeded (created, updated or found unchanged): a mapping whose every row failed is not one
 * to offer again. Every attribute of each mapped column is kept: field, value type and address part.
 */
final class ConfirmedMappings implements ImportPipeline.Listener {

    private final ImportStore imports;
    private final MappingMemoryStore memory;

    ConfirmedMappings(ImportStore imports, MappingMemoryStore memory) {
        this.imports = imports;
        this.memory = memory;
    }

    @Override
    public void committed(ImportJob job) {}

    @Override
    public void completed(Handle h, ImportJob job) {
        ImportStats s = job.stats();
        if (!ImportJobs.MODULE.equals(job.source()) || s.created() + s.updated() + s.unchanged() == 0) {
            return;
        }
        imports.options(h, job.id()).map(ExecuteOptions::fromJson).ifPresent(options -> {
            Map<String, Confirmed> confirmed = new LinkedHashMap<>();
            options.columns().forEach(c -> confirmed.put(HeaderNames.normalize(c.sourceColumn()),
                    new Confirmed(c.field(), c.valueType(), c.addressPart())));
            memory.confirm(h, job.organizationId(), job.resource(), confirmed);
        });
    }
}
