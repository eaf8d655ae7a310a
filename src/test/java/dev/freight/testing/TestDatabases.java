package dev.freight.testing;

import dev.freight.store.Database;
import dev.freight.store.Dialect;
import dev.freight.store.Handle;
import dev.freight.store.postgres.PostgresDialect;
import dev.freight.store.sqlite.SqliteDialect;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Opens migrated databases for store tests: a real SQLite file, or a fresh database on {@link TestPostgres}. */
public enum TestDatabases {
    SQLITE {
        @Override
        public String failingTriggerSql(String externalId) {
            return """
                    create trigger if not exists fail_%1$s before insert on records
                    when new.external_id = '%2$s'
                    begin select raise(abort, 'refused by test trigger'); end""".formatted(
                    externalId.replaceAll("\\W", "_"), externalId);
        }

        @Override
        public List<String> refusingValidationFileUpdatesSql() {
            return List.of("create table refused_validation_files (id text primary key)", """
                    create trigger refuse_validation_file_update before update on validation_files
                    when old.id in (select id from refused_validation_files)
                    begin select raise(abort, 'refused by test trigger'); end""");
        }

        @Override
        public List<String> refusingSeenKeyDeletesSql() {
            return List.of("create table refused_seen_imports (id text primary key)", """
                    create trigger refuse_seen_delete before delete on import_seen
                    when old.import_id in (select id from refused_seen_imports)
                    begin select raise(abort, 'refused by test trigger'); end""");
        }

        /**
         * SQLite has no deferred triggers: the trigger adds a row whose deferred foreign key finds no parent, which
         * SQLite checks only at the commit.
         */
        @Override
        public List<String> refusingUploadCommitsSql() {
            return List.of("create table if not exists refused_upload_imports (id text primary key)",
                    "create table if not exists upload_commit_gate (id text primary key)", """
                    create table if not exists upload_commit_refusals (import_id text
                        references upload_commit_gate (id) deferrable initially deferred)""", """
                    create trigger if not exists refuse_upload_commit after update of status on imports
                    when new.status = 'queued' and new.id in (select id from refused_upload_imports)
                    begin insert into upload_commit_refusals (import_id) values (new.id); end""");
        }

        @Override
        public List<String> refusingGiveBacksSql() {
            return List.of("create table if not exists refused_give_back_imports (id text primary key)", """
                    create trigger if not exists refuse_give_back before update on imports
                    when old.status = 'queued' and new.status = 'requested'
                        and new.id in (select id from refused_give_back_imports)
                    begin select raise(abort, 'refused by test trigger'); end""");
        }

        @Override
        public List<String> plan(Handle h, String sql, List<?> params) {
            return h.query("explain query plan " + sql, rs -> rs.getString("detail"), params);
        }

        /**
         * {@link #plan}: SQLite keeps no plan made without the values apart; it plans a statement as it prepares it
         * (again once values are bound, where they may change the plan).
         */
        @Override
        public List<String> genericPlan(Handle h, String sql, List<?> params) {
            return plan(h, sql, params);
        }

        @Override
        public boolean readsOnlyThrough(List<String> plan, String table, String index) {
            List<String> reads = plan.stream().filter(step -> step.matches("(SCAN|SEARCH) " + table + "\\b.*"))
                    .toList();
            return !reads.isEmpty() && reads.stream().allMatch(step -> step.matches(
                    "(SCAN|SEARCH) " + table + " USING (COVERING )?INDEX " + index + "\\b.*"));
        }

        @Override
        public boolean readsThroughKeyInOrder(List<String> plan, String table) {
            return plan.stream().anyMatch(step -> step.matches(
                    "SEARCH \\w+ USING (COVERING )?INDEX sqlite_autoindex_" + table + "_1 .*"))
                    && plan.stream().noneMatch(step -> step.contains("TEMP B-TREE"));
        }

        /** SQLite gathers no statistics by itself. */
        @Override
        public void withoutAutoAnalyze(Handle h, String table) {}

        /** A writer waits for the one write lock as its transaction begins, before it has read anything. */
        @Override
        public void awaitLockWaiter(Database db, String statement, Future<?> unless) {}

        @Override
        public Database openUnmigrated(String name) {
            try {
                Path dir = Files.createTempDirectory("freight-sqlite-");
                return Database.open(new SqliteDialect(), "jdbc:sqlite:" + dir.resolve(name + ".db"), null, null);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public Optional<String> indexDefinition(Handle h, String index) {
            return h.queryFirst("select sql from sqlite_master where type = 'index' and name = ?",
                    rs -> rs.getString(1), index);
        }

        /** SQLite has no statement timeout: the database of {@link #open(String)}. */
        @Override
        public Database open(String name, Duration statementTimeout) {
            return open(name);
        }
    },
    POSTGRESQL {
        @Override
        public String failingTriggerSql(String externalId) {
            return """
                    create or replace function fail_%1$s() returns trigger language plpgsql as $$
                    begin
                      if new.external_id = '%2$s' then raise exception 'refused by test trigger'; end if;
                      return new;
                    end $$;
                    drop trigger if exists fail_%1$s on records;
                    create trigger fail_%1$s before insert on records for each row execute function fail_%1$s()"""
                    .formatted(externalId.replaceAll("\\W", "_"), externalId);
        }

        @Override
        public List<String> refusingValidationFileUpdatesSql() {
            return List.of("create table refused_validation_files (id text primary key)", """
                    create function refuse_validation_file_update() returns trigger language plpgsql as $$
                    begin
                      if old.id in (select id from refused_validation_files) then
                        raise exception 'refused by test trigger';
                      end if;
                      return new;
                    end $$""", """
                    create trigger refuse_validation_file_update before update on validation_files for each row
                    execute function refuse_validation_file_update()""");
        }

        @Override
        public List<String> refusingSeenKeyDeletesSql() {
            return List.of("create table refused_seen_imports (id text primary key)", """
                    create function refuse_seen_delete() returns trigger language plpgsql as $$
                    begin
                      if old.import_id in (select id from refused_seen_imports) then
                        raise exception 'refused by test trigger';
                      end if;
                      return old;
                    end $$""", """
                    create trigger refuse_seen_delete before delete on import_seen for each row
                    execute function refuse_seen_delete()""");
        }

        /** A constraint trigger deferred to the commit. */
        @Override
        public List<String> refusingUploadCommitsSql() {
            return List.of("create table if not exists refused_upload_imports (id text primary key)", """
                    create or replace function refuse_upload_commit() returns trigger language plpgsql as $$
                    begin
                      if new.status = 'queued' and new.id in (select id from refused_upload_imports) then
                        raise exception 'refused at commit by test trigger';
                      end if;
                      return null;
                    end $$""", "drop trigger if exists refuse_upload_commit on imports", """
                    create constraint trigger refuse_upload_commit after update on imports
                    deferrable initially deferred for each row execute function refuse_upload_commit()""");
        }

        @Override
        public List<String> refusingGiveBacksSql() {
            return List.of("create table if not exists refused_give_back_imports (id text primary key)", """
                    create or replace function refuse_give_back() returns trigger language plpgsql as $$
                    begin
                      if old.status = 'queued' and new.status = 'requested'
                          and new.id in (select id from refused_give_back_imports) then
                        raise exception 'refused by test trigger';
                      end if;
                      return new;
                    end $$""", "drop trigger if exists refuse_give_back on imports", """
                    create trigger refuse_give_back before update on imports for each row
                    execute function refuse_give_back()""");
        }

        @Override
        public List<String> plan(Handle h, String sql, List<?> params) {
            return h.query("explain " + sql, rs -> rs.getString(1), params);
        }

        /**
         * The plan PostgreSQL keeps for a prepared statement once it stops planning each run with its values (the
         * driver prepares a statement on the server at its fifth run): {@code EXPLAIN EXECUTE} of the statement
         * prepared with {@code $n} placeholders (for its {@code ?}s outside literals), under
         * {@code plan_cache_mode = force_generic_plan}.
         */
        @Override
        public List<String> genericPlan(Handle h, String sql, List<?> params) {
            StringBuilder numbered = new StringBuilder();
            int n = 0;
            boolean quoted = false;
            for (char c : sql.toCharArray()) {
                // A ? within a literal (a jsonpath's filter) is no parameter.
                quoted ^= c == '\'';
                if (c == '?' && !quoted) {
                    numbered.append('$').append(++n);
                } else {
                    numbered.append(c);
                }
            }
            String values = String.join(", ", params.stream().map(p -> p instanceof Number ? p.toString()
                    : "'" + p.toString().replace("'", "''") + "'").toList());
            h.execute("set plan_cache_mode = force_generic_plan");
            h.execute("prepare generic_plan as " + numbered);
            try {
                return h.query("explain execute generic_plan" + (params.isEmpty() ? "" : "(" + values + ")"),
                        rs -> rs.getString(1));
            } finally {
                h.execute("deallocate generic_plan");
                h.execute("reset plan_cache_mode");
            }
        }

        @Override
        public boolean readsOnlyThrough(List<String> plan, String table, String index) {
            boolean through = plan.stream().anyMatch(step -> step.contains(" using " + index + " on " + table + " ")
                    || step.matches(".*Bitmap Index Scan on " + index + "\\b.*"));
            boolean otherwise = plan.stream().anyMatch(step -> step.contains("Seq Scan on " + table + " ")
                    || step.matches(".* using (?!" + index + " )\\w+ on " + table + " .*")
                    || step.matches(".*Bitmap Index Scan on (?!" + index + "\\b)\\w+.*"));
            return through && !otherwise;
        }

        @Override
        public boolean readsThroughKeyInOrder(List<String> plan, String table) {
            return plan.stream().anyMatch(step -> step.contains("Index Scan using " + table + "_pkey on " + table))
                    && plan.stream().noneMatch(step -> step.contains("Sort") || step.contains("Bitmap Heap Scan")
                            || step.contains("Seq Scan on " + table));
        }

        @Override
        public void withoutAutoAnalyze(Handle h, String table) {
            h.execute("alter table " + table + " set (autovacuum_enabled = false)");
        }

        @Override
        public void awaitLockWaiter(Database db, String statement, Future<?> unless) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            // A connection of its own each time: a transaction keeps reading the snapshot of pg_stat_activity it took.
            while ((unless == null || !unless.isDone()) && db.withHandle(h -> h.queryFirst("select count(*) from"
                    + " pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'"
                    + " and starts_with(query, ?)", rs -> rs.getInt(1), statement).orElse(0)) == 0) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no statement \"" + statement + "…\" waited for a lock within 30 s");
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
            }
        }

        @Override
        public Database openUnmigrated(String name) {
            return Database.open(new PostgresDialect(), TestPostgres.get().createDatabase(name), "postgres", null);
        }

        @Override
        public Optional<String> indexDefinition(Handle h, String index) {
            return h.queryFirst("select indexdef from pg_indexes where schemaname = current_schema() and indexname = ?",
                    rs -> rs.getString(1), index);
        }

        @Override
        public Database open(String name, Duration statementTimeout) {
            TestPostgres pg = TestPostgres.get();
            return migrated(new PostgresDialect(), pg.createDatabase(name) + "?options=-c%20statement_timeout%3D"
                    + statementTimeout.toMillis(), "postgres");
        }
    };

    /** A new, empty, migrated database. */
    public Database open(String name) {
        Database db = openUnmigrated(name);
        db.migrate();
        return db;
    }

    /**
     * A new, empty database with no migration applied, for a test that migrates it step by step (Flyway's target) and
     * writes rows as an older schema held them.
     */
    public abstract Database openUnmigrated(String name);

    /**
     * The definition of {@code index} as the database's catalog keeps it (SQLite: the statement that created it;
     * PostgreSQL: {@code pg_indexes.indexdef}), or empty when there is no such index.
     */
    public abstract Optional<String> indexDefinition(Handle h, String index);

    /**
     * A new, empty, migrated database that cancels any statement running longer than {@code statementTimeout}
     * (PostgreSQL's {@code statement_timeout}), so that a test fails on a plan gone wrong instead of waiting for it.
     */
    public abstract Database open(String name, Duration statementTimeout);

    /** The database's plan of {@code sql}, a line per step: PostgreSQL's EXPLAIN, SQLite's EXPLAIN QUERY PLAN. */
    public abstract List<String> plan(Handle h, String sql, List<?> params);

    /**
     * The plan the database keeps for {@code sql} as a prepared statement run many times, made without the values of
     * its parameters ({@code params} are only the values a run passes): a line per step, as {@link #plan} gives it.
     */
    public abstract List<String> genericPlan(Handle h, String sql, List<?> params);

    /** Whether {@code plan} reads {@code table}, and reads it only through {@code index}. */
    public abstract boolean readsOnlyThrough(List<String> plan, String table, String index);

    /**
     * Whether {@code plan} reads {@code table} through its primary key in the key's order: no other scan of it, and
     * nothing sorted.
     */
    public abstract boolean readsThroughKeyInOrder(List<String> plan, String table);

    /**
     * Keeps the database's own statistics gathering (PostgreSQL's autovacuum, which may analyze a table minutes after
     * it grew) away from {@code table}, so that a test sees only the statistics Freight gathers.
     */
    public abstract void withoutAutoAnalyze(Handle h, String table);

    /**
     * Waits until a statement of {@code db} that starts with {@code statement} waits for a lock that a transaction
     * holds: on PostgreSQL, a row lock, which a writer meets in the middle of its transaction, after its reads. Returns
     * at once on SQLite, whose writers wait for the one write lock as their transaction begins: none can be held up
     * between its reads and its writes.
     */
    public void awaitLockWaiter(Database db, String statement) {
        awaitLockWaiter(db, statement, null);
    }

    /**
     * {@link #awaitLockWaiter(Database, String)}, or until {@code unless} (the work that may run that statement; null:
     * none) is done without having waited.
     */
    public abstract void awaitLockWaiter(Database db, String statement, Future<?> unless);

    /** SQL that makes the database itself refuse to insert a record with {@code externalId} (a row-level failure). */
    public abstract String failingTriggerSql(String externalId);

    /**
     * Statements that make the database itself refuse to update a {@code validation_files} record (its lease renewal,
     * among others) while its id is in the table {@code refused_validation_files (id)}, which they create.
     */
    public abstract List<String> refusingValidationFileUpdatesSql();

    /**
     * Statements that make the database itself refuse to give a queued import's upload back (its update from
     * {@code queued} to {@code requested}) while its id is in the table {@code refused_give_back_imports (id)}, which
     * they create.
     */
    public abstract List<String> refusingGiveBacksSql();

    /**
     * Statements that make the database itself refuse to delete an import's seen keys ({@code import_seen}) while the
     * import's id is in the table {@code refused_seen_imports (id)}, which they create.
     */
    public abstract List<String> refusingSeenKeyDeletesSql();

    /**
     * Statements that make the database refuse, at the commit and not before, a transaction that queues an import
     * whose id is in the table {@code refused_upload_imports (id)}, which they create: the accepting transaction of an
     * upload fails after its file was moved into place. They may run again on the same database.
     */
    public abstract List<String> refusingUploadCommitsSql();

    private static Database migrated(Dialect dialect, String url, String user) {
        Database db = Database.open(dialect, url, user, null);
        db.migrate();
        return db;
    }
}
