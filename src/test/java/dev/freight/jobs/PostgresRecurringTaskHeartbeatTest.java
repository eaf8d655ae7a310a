package dev.freight.jobs;

import dev.freight.store.Database;
import dev.freight.testing.TestDatabases;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The heartbeats wait as another session holds the locks of db-scheduler's rows ({@code select … for update} in an
 * open transaction, as an operator's session that updated them would); the sweeps' own transactions go on.
 */
class PostgresRecurringTaskHeartbeatTest extends RecurringTaskHeartbeatContract {

    private Connection locker;

    @Override
    Database open() {
        return TestDatabases.POSTGRESQL.open("recurring_heartbeat");
    }

    @Override
    void holdWrites() {
        try {
            locker = db.dataSource().getConnection();
            locker.setAutoCommit(false);
            try (Statement s = locker.createStatement()) {
                s.execute("select task_name from scheduled_tasks for update");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not lock db-scheduler's rows", e);
        }
    }

    @Override
    void letGo() {
        try (Connection c = locker) {
            c.rollback();
        } catch (SQLException e) {
            throw new IllegalStateException("could not let go of db-scheduler's rows", e);
        }
    }
}
