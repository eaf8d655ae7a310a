package dev.freight.jobs;

import dev.freight.store.Database;
import dev.freight.store.postgres.PostgresDialect;
import dev.freight.testing.TestPostgres;
import java.time.Duration;

/**
 * The outage is a restart of a PostgreSQL server of the test's own ({@link TestPostgres#dedicated}): {@code pg_ctl stop
 * -m fast}, which ends every session (57P01), then a start on the same data directory and port.
 */
class PostgresDatabaseOutageTest extends DatabaseOutageContract {

    private TestPostgres server;

    @Override
    Database open(Duration connectionWait) {
        server = TestPostgres.dedicated();
        Database db = Database.open(new PostgresDialect(), server.createDatabase("outage"), "postgres", null,
                connectionWait);
        db.migrate();
        return db;
    }

    /** PostgreSQL's stop ends the session of the held chunk's transaction. */
    @Override
    Hold hold() {
        return Hold.INSIDE_THE_CHUNK;
    }

    @Override
    void stopDatabase() {
        server.stopServer();
    }

    @Override
    void startDatabase() {
        server.startServer();
    }

    @Override
    void closeDatabase() {
        server.close();
    }
}
