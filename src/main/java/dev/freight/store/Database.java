package dev.freight.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A connection pool over one database plus its dialect. Thread-safe. */
public final class Database implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Database.class);

    /**
     * The most connections of {@link #withSpareHandle}'s pool unless {@link #open(Dialect, String, String, String,
     * Duration, int)} says otherwise ({@code FREIGHT_DATABASE_SPARE_CONNECTIONS}).
     */
    public static final int DEFAULT_SPARE_CONNECTIONS = 2;

    private final HikariDataSource dataSource;
    private final Dialect dialect;
    private final AutoCloseable upkeep;
    private final HikariConfig config;
    /** The most connections of {@link #spare}. */
    private final int spareConnections;
    /** {@link #withSpareHandle}'s pool, opened by its first use; guarded by {@code this}. */
    private HikariDataSource spare;

    private Database(HikariDataSource dataSource, Dialect dialect, HikariConfig config, int spareConnections) {
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.upkeep = dialect.upkeep(dataSource);
        this.config = config;
        this.spareConnections = spareConnections;
    }

    /** Opens a pool; does not migrate. {@code user} and {@code password} may be null. */
    public static Database open(Dialect dialect, String url, String user, String password) {
        return open(dialect, url, user, password, null);
    }

    /**
     * As {@link #open(Dialect, String, String, String)}, with a request for a connection failing after
     * {@code connectionTimeout} (at least 250 ms) instead of the pool's default 30 s when none can be had: a test of
     * what happens when the database cannot be reached need not wait that long. Null keeps the default.
     */
    public static Database open(Dialect dialect, String url, String user, String password,
            Duration connectionTimeout) {
        return open(dialect, url, user, password, connectionTimeout, DEFAULT_SPARE_CONNECTIONS);
    }

    /**
     * As {@link #open(Dialect, String, String, String, Duration)}, with at most {@code spareConnections} (1 or more)
     * connections in {@link #withSpareHandle}'s pool instead of {@value #DEFAULT_SPARE_CONNECTIONS}.
     */
    public static Database open(Dialect dialect, String url, String user, String password,
            Duration connectionTimeout, int spareConnections) {
        if (spareConnections < 1) {
            throw new IllegalArgumentException("spareConnections must be at least 1, got " + spareConnections);
        }
        HikariConfig config = new HikariConfig();
        if (connectionTimeout != null) {
            config.setConnectionTimeout(connectionTimeout.toMillis());
        }
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setPoolName("freight-" + dialect.name());
        config.setInitializationFailTimeout(-1);
        dialect.configure(config);
        HikariConfig copy = new HikariConfig();
        config.copyStateTo(copy);
        return new Database(new HikariDataSource(config), dialect, copy, spareConnections);
    }

    /**
     * Applies the dialect's Flyway migrations from {@code db/migration/<dialect>}. A migration run outside a
     * transaction that failed half way at an earlier start is run again from its start.
     */
    public void migrate() {
        Flyway flyway = Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration/" + dialect.name())
                // PostgreSQL: Flyway's lock against another instance migrating at once is by default held in a
                // transaction left open on a connection of its own, and CREATE INDEX CONCURRENTLY (V32, V33) waits for
                // every open transaction to end: the migration would wait for ever. A session's lock holds no
                // transaction.
                .configuration(Map.of("flyway.postgresql.transactional.lock", "false"))
                .load();
        // Only a script run outside a transaction stays recorded as failed (both databases roll a transactional one
        // back whole, its record with it), and Flyway then refuses every later start until the record is removed.
        // Such scripts (V32's and V33's concurrent index builds) are written to run again from their start, each
        // dropping what it builds (an INVALID index a stopped build left among them) before building it. Only the
        // failed records are removed: Flyway's repair would also realign the checksums of applied migrations, and so
        // let a changed one pass unnoticed.
        if (Arrays.stream(flyway.info().all()).anyMatch(m -> m.getState().isFailed())) {
            forgetFailedMigrations(flyway.getConfiguration().getTable());
        }
        flyway.migrate();
    }

    private void forgetFailedMigrations(String historyTable) {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            connection.setAutoCommit(true);
            int removed = statement.executeUpdate("delete from " + historyTable + " where not success");
            LOG.info("removed the record of {} migration(s) that failed at an earlier start; they run again",
                    removed);
        } catch (SQLException e) {
            throw new StoreException("database_error", "could not remove the record of a migration that failed at an earlier start", e);
        }
    }

    public Dialect dialect() {
        return dialect;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** Runs {@code work} in one transaction: committed when it returns, rolled back when it throws. */
    public <T> T inTransaction(Function<Handle, T> work) {
        return inTransaction(dataSource, dialect::begin, dialect::commit, work);
    }

    /**
     * As {@link #inTransaction}, on a connection of {@link #withSpareHandle}'s pool: for a short write made while the
     * caller holds a connection of the main pool (an export job saving its progress while its records stream), which
     * taken from the main pool would leave as many such callers as it has connections waiting for one another.
     */
    public <T> T inSpareTransaction(Function<Handle, T> work) {
        return inTransaction(spare(), dialect::begin, dialect::commit, work);
    }

    /**
     * Runs {@code work} in one transaction that only reads, whose every read sees the database as its first read found
     * it ({@link Dialect#beginSnapshot}): a count and the stream of the records it counted agree, whatever is written
     * meanwhile. Writers are not held up; the transaction is rolled back when {@code work} returns or throws.
     */
    public <T> T inSnapshot(Function<Handle, T> work) {
        return inTransaction(dataSource, dialect::beginSnapshot, dialect::rollback, work);
    }

    /** A step that starts or ends a transaction on a connection. */
    @FunctionalInterface
    private interface TransactionStep {
        void on(Connection c) throws SQLException;
    }

    /** Runs {@code work} between {@code begin} and {@code end}; rolled back instead of ended when it throws. */
    private <T> T inTransaction(DataSource pool, TransactionStep begin, TransactionStep end,
            Function<Handle, T> work) {
        try (Connection c = pool.getConnection()) {
            begin.on(c);
            T result;
            try {
                result = work.apply(new Handle(c, dialect));
            } catch (RuntimeException | Error e) {
                rollbackQuietly(dialect, c, e);
                if (e instanceof StoreException store) {
                    evictIfUnavailable(store);
                }
                throw e;
            }
            try {
                end.on(c);
            } catch (SQLException e) {
                rollbackQuietly(dialect, c, e);
                throw e;
            }
            return result;
        } catch (SQLException e) {
            throw evictIfUnavailable(translate(dialect, e));
        }
    }

    /** Runs {@code work} with auto-commit: each statement is its own transaction. */
    public <T> T withHandle(Function<Handle, T> work) {
        try (Connection c = dataSource.getConnection()) {
            return work.apply(new Handle(c, dialect));
        } catch (SQLException e) {
            throw evictIfUnavailable(translate(dialect, e));
        } catch (StoreException e) {
            throw evictIfUnavailable(e);
        }
    }

    /**
     * As {@link #withHandle}, on a connection of a small pool of its own ({@value #DEFAULT_SPARE_CONNECTIONS}
     * connections unless {@code FREIGHT_DATABASE_SPARE_CONNECTIONS} says otherwise), for a short query made while the
     * caller holds a connection of the main pool that cannot run it (a PostgreSQL
     * {@code COPY} has its connection to itself until its last row): were it taken from the main pool, callers that
     * each hold one and wait for another could take every connection and wait for one another until the pool's
     * time-out. A spare connection is never held while another is awaited (nor while a main one is: work given a
     * spare connection takes no other), so those callers only queue for it.
     */
    public <T> T withSpareHandle(Function<Handle, T> work) {
        try (Connection c = spare().getConnection()) {
            return work.apply(new Handle(c, dialect));
        } catch (SQLException e) {
            throw evictIfUnavailable(translate(dialect, e));
        } catch (StoreException e) {
            throw evictIfUnavailable(e);
        }
    }

    private synchronized HikariDataSource spare() {
        if (spare == null) {
            HikariConfig own = new HikariConfig();
            config.copyStateTo(own);
            own.setPoolName(config.getPoolName() + "-spare");
            own.setMaximumPoolSize(spareConnections);
            own.setMinimumIdle(0);
            spare = new HikariDataSource(own);
        }
        return spare;
    }

    /**
     * {@code e}, once the pool has let go of its connections when {@code e} is the database's own word that it is
     * unavailable and its connections lost ({@link Dialect#lostConnections}: PostgreSQL ending its sessions as it
     * stops or restarts, a connection lost; not SQLite's {@code SQLITE_BUSY}, after which every connection is as good
     * as before): idle connections are closed at once, those in use as they are returned. After a restart every pooled
     * connection is dead, and the pool hands one used within the last half second out without checking it; before, the
     * next statement (db-scheduler's rescheduling of the run the outage failed, among others) failed on it at once,
     * where on a new connection it waits for the database up to the pool's connection time-out.
     */
    private StoreException evictIfUnavailable(StoreException e) {
        if (e.isUnavailable() && e.getCause() instanceof SQLException sql && dialect.lostConnections(sql)
                && dataSource.getHikariPoolMXBean() != null) {
            dataSource.getHikariPoolMXBean().softEvictConnections();
            synchronized (this) {
                if (spare != null && spare.getHikariPoolMXBean() != null) {
                    spare.getHikariPoolMXBean().softEvictConnections();
                }
            }
        }
        return e;
    }

    private static void rollbackQuietly(Dialect dialect, Connection c, Throwable cause) {
        try {
            dialect.rollback(c);
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    static StoreException translate(Dialect dialect, SQLException e) {
        if (dialect.isUniqueViolation(e)) {
            return new StoreException("unique_violation", "A unique constraint was violated", e);
        }
        if (dialect.isTransient(e)) {
            return new StoreException("transient_conflict", "The transaction conflicted with another; retry it", e);
        }
        if (dialect.isUnavailable(e) || isConnectionFailure(e)) {
            return new StoreException("database_unavailable", "The database is unavailable", e);
        }
        return new StoreException("database_error", "The database rejected a statement (SQL state "
                + e.getSQLState() + ", code " + e.getErrorCode() + ")", e);
    }

    /**
     * Whether {@code e} is the pool's connection time-out: no connection could be had within it (the server is down,
     * or every connection is busy), on either database. What a driver says of a lost connection is the dialect's
     * ({@link Dialect#isUnavailable}: PostgreSQL's SQL state class 08). Before, the pool's time-out counted as
     * {@code database_error} unless its last connection attempt had failed with class 08 on PostgreSQL, so a
     * background task took it for a failure of its own work rather than a database to wait for.
     */
    static boolean isConnectionFailure(SQLException e) {
        return e instanceof SQLTransientConnectionException;
    }

    @Override
    public void close() {
        try {
            upkeep.close();
        } catch (Exception e) {
            throw new IllegalStateException("stopping the database upkeep failed", e);
        } finally {
            dataSource.close();
            synchronized (this) {
                if (spare != null) {
                    spare.close();
                }
            }
        }
    }
}
