package dev.freight.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.type.TypeReference;

/** Import Reports, scoped to one organization. A duplicate slug raises {@link StoreException} unique_violation. */
public final class ReportStore {

    private static final String COLUMNS =
            "id, organization_id, slug, report_name, base_object, mapping, created_at, updated_at";
    private static final TypeReference<LinkedHashMap<String, String>> MAPPING = new TypeReference<>() {};

    private final IdGenerator ids;
    private final Clock clock;

    public ReportStore(IdGenerator ids, Clock clock) {
        this.ids = ids;
        this.clock = clock;
    }

    public ImportReport create(Handle h, String organizationId, String slug, String reportName, String baseObject,
            Map<String, String> mapping) {
        Instant now = Instant.ofEpochMilli(clock.millis());
        ImportReport report =
                new ImportReport(ids.next("imprt"), organizationId, slug, reportName, baseObject, mapping, now, now);
        h.update("insert into import_reports (" + COLUMNS + ") values (?, ?, ?, ?, ?, ?, ?, ?)",
                report.id(), organizationId, slug, reportName, baseObject, ValueJson.write(mapping),
                now.toEpochMilli(), now.toEpochMilli());
        return report;
    }

    /** Replaces a report's definition; empty when the organization has no report with that id. */
    public Optional<ImportReport> update(Handle h, String organizationId, String id, String slug, String reportName,
            String baseObject, Map<String, String> mapping) {
        h.update("""
                update import_reports set slug = ?, report_name = ?, base_object = ?, mapping = ?, updated_at = ?
                where organization_id = ? and id = ?""",
                slug, reportName, baseObject, ValueJson.write(mapping), clock.millis(), organizationId, id);
        return byId(h, organizationId, id);
    }

    public boolean delete(Handle h, String organizationId, String id) {
        return h.update("delete from import_reports where organization_id = ? and id = ?", organizationId, id) > 0;
    }

    public Optional<ImportReport> byId(Handle h, String organizationId, String id) {
        return h.queryFirst("select " + COLUMNS + " from import_reports where organization_id = ? and id = ?",
                ReportStore::report, organizationId, id);
    }

    public Optional<ImportReport> bySlug(Handle h, String organizationId, String slug) {
        return h.queryFirst("select " + COLUMNS + " from import_reports where organization_id = ? and slug = ?",
                ReportStore::report, organizationId, slug);
    }

    public List<ImportReport> list(Handle h, String organizationId) {
        return h.query("select " + COLUMNS + " from import_reports where organization_id = ? order by slug",
                ReportStore::report, organizationId);
    }

    private static ImportReport report(ResultSet rs) throws SQLException {
        return new ImportReport(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                ValueJson.read(rs.getString(6), MAPPING), Instant.ofEpochMilli(rs.getLong(7)),
                Instant.ofEpochMilli(rs.getLong(8)));
    }
}
