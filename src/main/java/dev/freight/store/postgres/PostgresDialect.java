package dev.freight.store.postgres;

import com.zaxxer.hikari.HikariConfig;
import dev.freight.store.Dialect;
import dev.freight.store.Handle;
import java.sql.SQLException;

/** PostgreSQL: jsonb values, batched statements rewritten by the driver. */
public final class PostgresDialect implements Dialect {

    @Override
    public String name() {
        return "postgresql";
    }

    @Override
    public String jsonParameter() {
        return "?::jsonb";
    }

    @Override
    public int maxParameters() {
        return 32_000;
    }

    @Override
    public void configure(HikariConfig config) {
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        config.setMaximumPoolSize(12);
    }

    @Override
    public boolean isUniqueViolation(SQLException e) {
        return "23505".equals(e.getSQLState());
    }

    @Override
    public void refreshStatistics(Handle h) {
        h.execute("analyze records");
    }

    @Override
    public boolean isTransient(SQLException e) {
        return "40P01".equals(e.getSQLState()) || "40001".equals(e.getSQLState());
    }

    @Override
    public boolean isUnavailable(SQLException e) {
        return e.getSQLState() != null && e.getSQLState().startsWith("08");
    }
}
