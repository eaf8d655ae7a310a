package dev.freight.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.kagkarlsson.scheduler.event.AbstractSchedulerListener;
import com.github.kagkarlsson.scheduler.event.SchedulerListener;
import com.github.kagkarlsson.scheduler.event.SchedulerListener.SchedulerEventType;
import com.github.kagkarlsson.scheduler.task.Execution;
import dev.freight.store.Database;
import dev.freight.store.ImportEnums.Status;
import dev.freight.store.ImportJob;
import dev.freight.store.ImportStats;
import dev.freight.store.sqlite.SqliteDialect;
import dev.freight.testing.CapturedLog;
import dev.freight.testing.SqliteWriteLock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * SQLite's outage: another process holds the database's write lock for longer than Freight's busy timeout (30 s), as
 * a backup or an {@code sqlite3} shell left in a write transaction does. Freight's next write transaction then fails
 * with {@code SQLITE_BUSY}, which is {@code database_unavailable}. The lock is taken between two chunks: inside one,
 * the worker holds it.
 */
class SqliteDatabaseOutageTest extends DatabaseOutageContract {

    private Path file;
    private SqliteWriteLock locker;

    @Override
    Database open(Duration connectionWait) {
        try {
            file = Files.createTempDirectory("freight-sqlite-outage-").resolve("freight.db");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Database db = Database.open(new SqliteDialect(), "jdbc:sqlite:" + file, null, null, connectionWait);
        db.migrate();
        return db;
    }

    @Override
    Hold hold() {
        return Hold.BEFORE_THE_CHUNK;
    }

    @Override
    void stopDatabase() {
        locker = SqliteWriteLock.take(file);
    }

    @Override
    void startDatabase() {
        locker.close();
    }

    @Override
    void closeDatabase() {}

    /**
     * The write lock held past the run's heartbeat staleness (4 missed beats of 1 s) while the worker waits for it, on a
     * scheduler with 2 threads as Freight's: db-scheduler's heartbeats (writes) wait and fail, its search for dead runs
     * (a read) finds the run, and this instance, still running it, leaves it alone (one INFO line). The lock goes
     * before the worker's 30 s wait ends; the worker is held after its next chunk until the round of the search that
     * found the run dead is over, so a revived run would have started by then. The import ends as an uninterrupted run,
     * run once. Before, db-scheduler revived it ("Reviving dead execution") once the lock went, and a second run
     * started beside the first: it took the import over (the first failed its next save, superseded) and db-scheduler
     * could not record the first run's end (ERROR "Failed while completing execution").
     */
    @Test
    void aRunWaitingForTheWriteLockPastItsHeartbeatIsNotStartedAgainBesideItself() throws Exception {
        String org = organization("acme");
        ImportJob job = acceptedUpload(org, VENDORS);
        CountDownLatch heldAgain = new CountDownLatch(1);
        CountDownLatch releaseAgain = new CountDownLatch(1);
        holdAt(Map.of(4L, new CountDownLatch[] {held, release}, 7L, new CountDownLatch[] {heldAgain, releaseAgain}));
        CountDownLatch foundDead = new CountDownLatch(1);
        CountDownLatch searchOver = new CountDownLatch(1);
        SchedulerListener listener = new AbstractSchedulerListener() {
            @Override
            public void onExecutionDead(Execution execution) {
                foundDead.countDown();
            }

            @Override
            public void onSchedulerEvent(SchedulerEventType type) {
                if (type == SchedulerEventType.RAN_DETECT_DEAD && foundDead.getCount() == 0) {
                    searchOver.countDown();
                }
            }
        };
        scheduler = newScheduler(Duration.ofSeconds(1), 2, listener);
        ImportJob resumed;
        List<String> logged;
        try (CapturedLog log = CapturedLog.attachInfo("dev.freight", "com.github.kagkarlsson")) {
            scheduler.start();
            importTasks.enqueue(client, job.id());
            await(held, "the worker to reach the chunk of rows 4-6");
            stopDatabase();
            release.countDown();
            await(foundDead, "db-scheduler to find the run waiting for the write lock dead");
            startDatabase();
            await(heldAgain, "the worker to commit the chunk of rows 4-6");
            await(searchOver, "the search for dead runs that found it to end");
            releaseAgain.countDown();
            resumed = awaitEnded(job.id());
            logged = log.linesOf(job.id());
        }

        String other = organization("other");
        ImportJob uninterrupted = acceptedUpload(other, VENDORS);
        importTasks.runImport(uninterrupted.id());
        ImportJob clean = load(uninterrupted.id());

        assertThat(resumed.status()).isEqualTo(Status.COMPLETED);
        assertThat(resumed.reason()).isEqualTo("1 of 12 rows failed; see the errors file");
        assertThat(resumed.stats()).isEqualTo(new ImportStats(12, 11, 11, 0, 0, 0, 0, 1)).isEqualTo(clean.stats());
        assertThat(resumed.checkpoint()).isEqualTo(12).isEqualTo(clean.checkpoint());
        assertThat(resumed.phases()).extracting(p -> p.phase().wireName() + ":" + p.status().wireName() + ":"
                + p.rows() + ":" + p.rejected()).isEqualTo(clean.phases().stream().map(p -> p.phase().wireName()
                + ":" + p.status().wireName() + ":" + p.rows() + ":" + p.rejected()).toList());
        assertThat(errors(resumed.id())).hasSize(1).isEqualTo(errors(clean.id()));
        assertThat(vendors(org)).hasSize(11).isEqualTo(vendors(other));
        assertThat(started).hasSize(1);
        assertThat(failures).isEmpty();
        assertThat(logged).filteredOn(line -> line.contains(" dev.freight.")).containsExactly(
                "INFO dev.freight.jobs.LiveRuns: import-run " + job.id() + ": its heartbeat is stale, but this"
                        + " instance is still running it (the database refuses writes: another process holds SQLite's"
                        + " write lock?); it is not started again");
        assertThat(logged).noneMatch(line -> line.contains("Reviving dead execution")
                || line.contains("Failed while completing execution"));
    }
}
