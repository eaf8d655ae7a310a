package dev.freight.api;

import dev.freight.schema.Echo;
import dev.freight.store.Database;
import dev.freight.store.ExportJobStore;
import dev.freight.store.Scope;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code /v1/export-jobs}: the organization's background exports, newest first, and one job's status. */
@RestController
class ExportJobsController implements Envelope.Face {

    private final Database database;
    private final ExportJobStore jobs;
    private final ExportUrls urls;

    ExportJobsController(Database database, ExportJobStore jobs, ExportUrls urls) {
        this.database = database;
        this.jobs = jobs;
        this.urls = urls;
    }

    /** Seed 003's list shape. */
    record JobList(List<ExportUrls.JobView> jobs) {}

    @GetMapping("/v1/export-jobs")
    JobList list(Caller caller, @RequestParam(name = "limit", defaultValue = "50") int limit) {
        caller.require(Scope.EXPORT);
        if (limit < 1 || limit > 100) {
            throw new ApiException(400, "invalid_parameter", "limit must be from 1 to 100, got " + limit);
        }
        return new JobList(database.withHandle(h -> jobs.list(h, caller.organizationId(), limit)).stream()
                .map(urls::view).toList());
    }

    @GetMapping("/v1/export-jobs/{exportJobId}")
    Envelope get(@PathVariable String exportJobId, Caller caller) {
        caller.require(Scope.EXPORT);
        return Envelope.ok(urls.view(database.withHandle(h -> jobs.get(h, caller.organizationId(), exportJobId))
                .orElseThrow(() -> notFound(exportJobId))));
    }

    static ApiException notFound(String id) {
        return new ApiException(404, "export_job_not_found", "Export job not found: " + Echo.quoted(id));
    }
}
