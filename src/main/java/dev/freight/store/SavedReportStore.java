package dev.freight.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Saved export reports, scoped to one organization. Thread-safe; transactions belong to the caller. */
public final class SavedReportStore {

    private static final String COLUMNS = "id, organization_id, name, module, definition, created_at, updated_at";

    private final IdGenerator ids;
    private final Clock clock;

    public SavedReportStore(IdGenerator ids, Clock clock) {
        this.ids = ids;
        this.clock = clock;
    }

    public SavedReport create(Handle h, String organizationId, String name, String module, String definition) {
        Instant now = Instant.ofEpochMilli(clock.millis());
        SavedReport report = new SavedReport(ids.next("rpt"), organizationId, name, module, definition, now, now);
        h.update("insert into saved_reports (" + COLUMNS + ") values (?, ?, ?, ?, ?, ?, ?)", report.id(),
                organizationId, name, module, definition, now.toEpochMilli(), now.toEpochMilli());
        return report;
    }

    /** Replaces a report's name, module and definition; empty when the organization has no such report. */
    public Optional<SavedReport> update(Handle h, String organizationId, String id, String name, String module,
            String definition) {
        h.update("update saved_reports set name = ?, module = ?, definition = ?, updated_at = ?"
                + " where organization_id = ? and id = ?", name, module, definition, clock.millis(), organizationId, id);
        return byId(h, organizationId, id);
    }

    public boolean delete(Handle h, String organizationId, String id) {
        return h.update("delete from saved_reports where organization_id = ? and id = ?", organizationId, id) > 0;
    }

    public Optional<SavedReport> byId(Handle h, String organizationId, String id) {
        return h.queryFirst("select " + COLUMNS + " from saved_reports where organization_id = ? and id = ?",
                SavedReportStore::report, organizationId, id);
    }

    /** The organization's reports, oldest first. */
    public List<SavedReport> list(Handle h, String organizationId) {
        return h.query("select " + COLUMNS + " from saved_reports where organization_id = ? order by id",
                SavedReportStore::report, organizationId);
    }

    private static SavedReport report(ResultSet rs) throws SQLException {
        return new SavedReport(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                Instant.ofEpochMilli(rs.getLong(6)), Instant.ofEpochMilli(rs.getLong(7)));
    }
}
