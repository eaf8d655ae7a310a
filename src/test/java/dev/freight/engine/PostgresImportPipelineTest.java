package dev.freight.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.Value;
import dev.freight.store.ImportEnums.Action;
import dev.freight.store.ImportEnums.DuplicateHandling;
import dev.freight.store.ImportEnums.Phase;
import dev.freight.store.ImportEnums.PhaseStatus;
import dev.freight.store.ImportEnums.Status;
import dev.freight.store.ImportJob;
import dev.freight.store.ImportStats;
import dev.freight.store.RecordStore.Existing;
import dev.freight.store.RecordWrite;
import dev.freight.store.StoreException;
import dev.freight.testing.TestDatabases;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PostgresImportPipelineTest extends ImportPipelineContract {

    @Override
    TestDatabases databases() {
        return TestDatabases.POSTGRESQL;
    }

    /*
     * The overwrite cleanup's one-at-a-time path losing the version race on a record's own delete: another writer
     * commits a change to an unseen record between that path's read of it and its lock
     * (ImportPipeline.beforeCleanupLock runs it there, on the import's thread, in a transaction of its own; after the
     * lock that writer would wait for it). The page before it loses all five attempts as to a deadlock, the one race a
     * page still loses: it reads its records under their locks, so no writer changes one between its read and its
     * delete. PostgreSQL only: SQLite's cleanup holds the one write lock from the start of each transaction, so no
     * other writer can get between its read and its delete (the one writer there would wait for the lock the import
     * holds).
     */

    /**
     * v-1 to v-3 stored, an overwrite whose file has v-1 alone: the cleanup's one page has v-2 and v-3 unseen, and
     * loses its five attempts; {@code otherWriter} runs before the lock of v-2's own transaction (1), then v-3's (2).
     */
    private ImportJob overwriteLeavingV2AndV3(BiConsumer<Integer, List<Existing>> otherWriter,
            List<List<String>> deletes) throws IOException {
        run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name\nv-1,Acme\nv-2,Beta\nv-3,Gamma\n");
        String file = "external_id,name\nv-1,Acme\n";
        ImportJob job = prepared(Action.OVERWRITE, DuplicateHandling.IGNORE_ALL, file);
        AtomicInteger attempts = new AtomicInteger();
        pipeline.beforeCleanupLock(toDelete -> otherWriter.accept(attempts.incrementAndGet(), toDelete));
        pipeline.beforeCleanupDelete(toDelete -> {
            deletes.add(toDelete.stream().map(Existing::externalId).toList());
            if (deletes.size() <= 5) {
                throw new StoreException("transient_conflict", "deadlock detected", null);
            }
        });
        return pipeline.process(job.id(), csv(file), ImportPipeline.Listener.NONE);
    }

    /** Another writer's committed change of {@code externalId}: its name, and so its version. */
    private void changedByAnotherWriter(String externalId, String name) {
        db.inTransaction(h -> records.upsert(h, org, BuiltInObjects.VENDOR, List.of(new RecordWrite(externalId,
                Map.of("name", new Value.Text(name))))));
    }

    /** The deletes of a page that lost all five attempts, then its records' own deletes. */
    private static final List<List<String>> FIVE_PAGE_ATTEMPTS_THEN_ONE_BY_ONE = List.of(List.of("v-2", "v-3"),
            List.of("v-2", "v-3"), List.of("v-2", "v-3"), List.of("v-2", "v-3"), List.of("v-2", "v-3"),
            List.of("v-2"), List.of("v-3"));

    /**
     * The page loses all five attempts (not cut down by {@code cleanupPageAttempts}); then each unseen record is read
     * again and deleted in a transaction of its own, and both go: v-2 with the values of another writer's change
     * committed between the page's last attempt and v-2's own read, which rollback restores.
     */
    @Test
    void aCleanupPageThatLosesAllFiveAttemptsDeletesItsRecordsOneAtATime() throws IOException {
        List<List<String>> deletes = new ArrayList<>();
        pipeline.beforeCleanupRecord(record -> {
            if (record.externalId().equals("v-2")) {
                changedByAnotherWriter("v-2", "Changed 5");
            }
        });
        ImportJob done = overwriteLeavingV2AndV3((n, toDelete) -> {}, deletes);

        assertThat(deletes).isEqualTo(FIVE_PAGE_ATTEMPTS_THEN_ONE_BY_ONE);
        assertCompletedDeletingTheOtherTwo(done);
        assertThat(ids("v-1", "v-2", "v-3").keySet()).containsExactly("v-1");

        ImportRollback.Result undone = rollback.rollback(done, "key_test");

        assertThat(undone.restored()).isEqualTo(2);
        assertThat(undone.conflicts()).isEmpty();
        assertThat(vendor("v-2").values()).containsOnly(Map.entry("name", new Value.Text("Changed 5")));
        assertThat(vendor("v-3").values()).containsOnly(Map.entry("name", new Value.Text("Gamma")));
    }

    /**
     * Another writer changes the records of {@code keptChanging} before their own deletes on the one-at-a-time path
     * (v-2 at 1, v-3 at 2): those are left, as that writer last wrote them, and the completed cleanup's reason
     * counts them; the import completes with the other unseen record deleted, and rollback leaves the ones it never
     * deleted alone.
     */
    @ParameterizedTest(name = "{0} kept changing")
    @MethodSource("recordsKeptChanging")
    void aRecordWhoseOwnDeleteMissesTooIsLeftAndCounted(Set<String> keptChanging, ImportStats stats, String reason)
            throws IOException {
        List<List<String>> deletes = new ArrayList<>();
        ImportJob done = overwriteLeavingV2AndV3((n, toDelete) -> toDelete.stream().map(Existing::externalId)
                .filter(keptChanging::contains).forEach(key -> changedByAnotherWriter(key, "Changed " + n)), deletes);

        assertThat(deletes).isEqualTo(FIVE_PAGE_ATTEMPTS_THEN_ONE_BY_ONE);
        assertThat(done.status()).isEqualTo(Status.COMPLETED);
        assertThat(done.reason()).isNull();
        assertThat(errors(done)).isEmpty();
        assertThat(done.stats()).isEqualTo(stats);
        assertThat(done.phase(Phase.CLEANUP).status()).isEqualTo(PhaseStatus.COMPLETED);
        assertThat(done.phase(Phase.CLEANUP).rows()).isEqualTo(stats.deleted());
        assertThat(done.phase(Phase.CLEANUP).reason()).isEqualTo(reason);
        assertThat(load(done.id()).phase(Phase.CLEANUP)).isEqualTo(done.phase(Phase.CLEANUP));
        assertThat(load(done.id()).stats()).isEqualTo(stats);
        assertThat(vendor("v-2").values()).containsOnly(Map.entry("name", new Value.Text("Changed 1")));
        if (keptChanging.contains("v-3")) {
            assertThat(vendor("v-3").values()).containsOnly(Map.entry("name", new Value.Text("Changed 2")));
        }
        List<String> left = keptChanging.stream().sorted().toList();
        assertThat(ids("v-1", "v-2", "v-3").keySet()).containsExactlyInAnyOrderElementsOf(
                Stream.concat(Stream.of("v-1"), left.stream()).toList());

        ImportRollback.Result undone = rollback.rollback(done, "key_test");

        assertThat(undone.restored()).isEqualTo((int) stats.deleted());
        assertThat(undone.conflicts()).isEmpty();
        assertThat(vendor("v-2").values()).containsOnly(Map.entry("name", new Value.Text("Changed 1")));
        assertThat(vendor("v-3").values()).containsOnly(Map.entry("name",
                new Value.Text(keptChanging.contains("v-3") ? "Changed 2" : "Gamma")));
    }

    static Stream<Arguments> recordsKeptChanging() {
        return Stream.of(
                Arguments.of(Set.of("v-2"), new ImportStats(1, 1, 0, 0, 1, 1, 0, 0),
                        "1 record the import did not contain was not deleted, since other writers kept changing it"
                                + " while the cleanup deleted it"),
                Arguments.of(Set.of("v-2", "v-3"), new ImportStats(1, 1, 0, 0, 1, 0, 0, 0),
                        "2 records the import did not contain were not deleted, since other writers kept changing"
                                + " them while the cleanup deleted them"));
    }

    /**
     * On the one-at-a-time path, another writer deletes v-3 after the cleanup read it afresh and before its delete:
     * the delete misses, but v-3 is gone all the same, so it is neither counted deleted (as on a page) nor left.
     */
    @Test
    void aRecordAnotherWriterDeletesUnderItsOwnDeleteIsNeitherCountedNorLeft() throws IOException {
        List<List<String>> deletes = new ArrayList<>();
        ImportJob done = overwriteLeavingV2AndV3((n, toDelete) -> {
            if (n == 2) {
                db.inTransaction(h -> records.delete(h, org, List.of(toDelete.getFirst().id())));
            }
        }, deletes);

        assertThat(deletes).isEqualTo(FIVE_PAGE_ATTEMPTS_THEN_ONE_BY_ONE);
        assertThat(done.status()).isEqualTo(Status.COMPLETED);
        assertThat(done.stats()).isEqualTo(new ImportStats(1, 1, 0, 0, 1, 1, 0, 0));
        assertThat(done.phase(Phase.CLEANUP).status()).isEqualTo(PhaseStatus.COMPLETED);
        assertThat(done.phase(Phase.CLEANUP).rows()).isEqualTo(1);
        assertThat(done.phase(Phase.CLEANUP).reason()).isNull();
        assertThat(ids("v-1", "v-2", "v-3").keySet()).containsExactly("v-1");
    }
    /**
     * On the one-at-a-time path, another writer takes v-3's external_id (as the rollback of an import that gave it
     * one does, RecordStore.clearExternalIds) before the cleanup reads it afresh ({@code 1}: while v-2's delete
     * runs) or between that read and its delete ({@code 2}): v-3 is still stored, by its id, and was not in the
     * import, so it is left and counted, and not deleted (an overwrite never deletes a record without an
     * external_id). Before, the cleanup looked it up again by the key it no longer has, took it for deleted by that
     * writer, and counted it neither deleted nor left.
     */
    @ParameterizedTest(name = "key taken at delete {0}")
    @MethodSource("keyTakenAt")
    void aRecordWhoseExternalIdAnotherWriterTakesUnderItsOwnDeleteIsLeftAndCounted(int takenAt,
            List<List<String>> expectedDeletes) throws IOException {
        List<List<String>> deletes = new ArrayList<>();
        String[] v3 = {null};
        ImportJob done = overwriteLeavingV2AndV3((n, toDelete) -> {
            if (n == takenAt) {
                v3[0] = ids("v-3").get("v-3");
                db.inTransaction(h -> {
                    records.clearExternalIds(h, org, List.of(v3[0]));
                    return null;
                });
            }
        }, deletes);

        assertThat(deletes).isEqualTo(expectedDeletes);
        assertThat(done.status()).isEqualTo(Status.COMPLETED);
        assertThat(done.reason()).isNull();
        assertThat(done.stats()).isEqualTo(new ImportStats(1, 1, 0, 0, 1, 1, 0, 0));
        assertThat(done.phase(Phase.CLEANUP).status()).isEqualTo(PhaseStatus.COMPLETED);
        assertThat(done.phase(Phase.CLEANUP).rows()).isEqualTo(1);
        assertThat(done.phase(Phase.CLEANUP).reason()).isEqualTo("1 record the import did not contain was not deleted,"
                + " since other writers kept changing it while the cleanup deleted it");
        assertThat(ids("v-1", "v-2", "v-3").keySet()).containsExactly("v-1");
        Map<String, Existing> stored = db.withHandle(h -> records.existingByIds(h, org, List.of(v3[0])));
        assertThat(stored.get(v3[0]).externalId()).isNull();
        assertThat(stored.get(v3[0]).data()).contains("Gamma");
    }

    static Stream<Arguments> keyTakenAt() {
        return Stream.of(
                Arguments.of(1, FIVE_PAGE_ATTEMPTS_THEN_ONE_BY_ONE.subList(0, 6)),
                Arguments.of(2, FIVE_PAGE_ATTEMPTS_THEN_ONE_BY_ONE));
    }

    /**
     * Another writer changes v-2, which the rolled-back import created, after the rollback has read the created
     * records changed since (none then) and before it deletes those still at version 1
     * ({@code ImportRollback.afterChangedSorted} runs it there, on the rollback's thread, in a transaction of its own).
     * The delete misses v-2, which stays with that writer's values and is listed as a conflict. Before, it stayed
     * unsaid: one record deleted and no conflict, as if the rollback had undone everything. PostgreSQL only: on SQLite
     * the rollback holds the one write lock from its start, so that writer would wait for its commit.
     */
    @Test
    void aCreatedRecordAnotherWriterChangesWhileTheRollbackRunsIsAConflict() throws IOException {
        ImportJob job = run(Action.MERGE, DuplicateHandling.IGNORE_ALL, "external_id,name\nv-1,Acme\nv-2,Beta\n");
        Map<String, String> created = ids("v-1", "v-2");
        rollback.afterChangedSorted(() -> changedByAnotherWriter("v-2", "Changed"));

        ImportRollback.Result undone = rollback.rollback(job, "key_test");

        assertThat(undone.deleted()).isEqualTo(1);
        assertThat(undone.restored()).isZero();
        assertThat(undone.conflicts()).containsExactly(new ImportRollback.Conflict(created.get("v-2"), "v-2",
                "changed since the import created it"));
        assertThat(undone.conflictCount()).isEqualTo(1);
        assertThat(ids("v-1", "v-2")).isEqualTo(Map.of("v-2", created.get("v-2")));
        assertThat(vendor("v-2").values()).containsOnly(Map.entry("name", new Value.Text("Changed")));
    }
}
