package dev.freight.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.freight.engine.ImportJobs;
import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.Field;
import dev.freight.schema.FieldType;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.Schema;
import dev.freight.schema.Value;
import dev.freight.store.ImportEnums.Action;
import dev.freight.store.ImportEnums.DuplicateHandling;
import dev.freight.store.ImportEnums.UploadMode;
import dev.freight.store.postgres.PostgresDialect;
import dev.freight.testing.SettableClock;
import dev.freight.testing.TestDatabases;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RecordStore} against a real database: upsert by external_id, typed values, tenant scoping, pagination and
 * transactions. Each test gets a fresh, migrated database. One subclass per database.
 */
abstract class RecordStoreContract {

    private static final AtomicInteger DATABASES = new AtomicInteger();

    static final Instant START = Instant.parse("2025-03-01T09:00:00Z");

    /** A custom object with a field of every kind of value, so one record carries them all. */
    static final ObjectDef SHIPMENT = new ObjectDef("shipment", "Shipment", "shpm", false, List.of(
            BuiltInObjects.externalIdField(),
            field("name", FieldType.TEXT, false),
            field("weight_kg", FieldType.NUMBER, false),
            field("pieces", FieldType.INTEGER, false),
            field("hazardous", FieldType.BOOLEAN, false),
            field("ship_date", FieldType.DATE, false),
            field("departed_at", FieldType.DATETIME, false),
            new Field("carrier", "Carrier", FieldType.REFERENCE, false, "", List.of(), List.of("vendor"), false),
            field("tags", FieldType.LIST, false),
            field("phones", FieldType.PHONE, true),
            field("destination", FieldType.ADDRESS, false)));

    abstract TestDatabases databases();

    SettableClock clock;
    Database db;
    RecordStore records;
    String acme;
    String globex;

    @BeforeEach
    void freshDatabaseWithTwoOrganizations() {
        clock = new SettableClock(START);
        db = databases().open("store_records_" + DATABASES.incrementAndGet());
        IdGenerator ids = new IdGenerator(clock);
        records = new RecordStore(ids, clock);
        TenantStore tenants = new TenantStore(ids, clock);
        acme = db.inTransaction(h -> tenants.createOrganization(h, "acme", "Acme")).id();
        globex = db.inTransaction(h -> tenants.createOrganization(h, "globex", "Globex")).id();
    }

    @AfterEach
    void closeDatabase() {
        db.close();
    }

    @Test
    void createsRecordsWithTheObjectsIdPrefixAndTheCreationTime() {
        List<UpsertOutcome> outcomes = upsert(acme, BuiltInObjects.VENDOR,
                vendor("v-1", "Acme Corporation"), vendor("v-2", "Beta Services"));

        String timeHex = "%012x".formatted(START.toEpochMilli());
        assertThat(outcomes).extracting(UpsertOutcome::externalId).containsExactly("v-1", "v-2");
        assertThat(outcomes).extracting(UpsertOutcome::created).containsExactly(true, true);
        assertThat(outcomes).extracting(UpsertOutcome::id)
                .allSatisfy(id -> assertThat(id).matches("vndr_" + timeHex + "[0-9a-f]{20}"))
                .doesNotHaveDuplicates();
        assertThat(count(acme, "vendor")).isEqualTo(2);
    }

    @Test
    void secondUpsertOfTheSameExternalIdsUpdatesTheStoredRecordsInPlace() {
        List<UpsertOutcome> first = upsert(acme, BuiltInObjects.VENDOR,
                new RecordWrite("v-1", Map.of("name", text("Acme Corporation"), "website", text("https://acme.com"))),
                vendor("v-2", "Beta Services"));
        clock.advance(Duration.ofMinutes(5));

        List<UpsertOutcome> second = upsert(acme, BuiltInObjects.VENDOR,
                vendor("v-2", "Beta Services Ltd"), vendor("v-1", "Acme Corp"));

        assertThat(second).containsExactly(
                new UpsertOutcome("v-2", first.get(1).id(), false, 2),
                new UpsertOutcome("v-1", first.get(0).id(), false, 2));
        StoredRecord acmeCorp = db.withHandle(h -> records.find(h, acme, first.get(0).id(), builtIns())).orElseThrow();
        assertThat(acmeCorp).isEqualTo(new StoredRecord(first.get(0).id(), acme, "vendor", "v-1",
                Map.of("name", text("Acme Corp")), START, START.plus(Duration.ofMinutes(5))));
        assertThat(count(acme, "vendor")).isEqualTo(2);
    }

    @Test
    void writesWithExpectedVersionsUpdateWhatIsUnchangedAndCreateWhatIsAbsent() {
        List<UpsertOutcome> first = upsert(acme, BuiltInObjects.VENDOR, vendor("v-1", "Acme"));

        List<UpsertOutcome> second = upsert(acme, BuiltInObjects.VENDOR,
                new RecordWrite("v-1", Map.of("name", text("Acme Corp")), 1L),
                new RecordWrite("v-2", Map.of("name", text("Beta")), 0L));

        assertThat(second.get(0)).isEqualTo(new UpsertOutcome("v-1", first.get(0).id(), false, 2));
        assertThat(second.get(1).created()).isTrue();
        assertThat(second.get(1).version()).isEqualTo(1);
        assertThat(db.withHandle(h -> records.find(h, acme, first.get(0).id(), builtIns())).orElseThrow().values())
                .isEqualTo(Map.of("name", text("Acme Corp")));
    }

    @Test
    void aWriteWhoseExpectedVersionNoLongerHoldsIsRefusedAndChangesNothing() {
        List<UpsertOutcome> first = upsert(acme, BuiltInObjects.VENDOR, vendor("v-1", "Acme"), vendor("v-2", "Beta"));
        upsert(acme, BuiltInObjects.VENDOR, vendor("v-1", "Acme by someone else"));

        assertThatThrownBy(() -> db.inTransaction(h -> records.upsert(h, acme, BuiltInObjects.VENDOR, List.of(
                new RecordWrite("v-2", Map.of("name", text("Beta 2")), 1L),
                new RecordWrite("v-1", Map.of("name", text("Acme stale")), 1L)))))
                .isInstanceOfSatisfying(StoreException.class, e -> {
                    assertThat(e.code()).isEqualTo("transient_conflict");
                    assertThat(e.getMessage()).isEqualTo("1 of 2 records changed or appeared while they were being"
                            + " written");
                });
        assertThatThrownBy(() -> db.inTransaction(h -> records.upsert(h, acme, BuiltInObjects.VENDOR, List.of(
                new RecordWrite("v-2", Map.of("name", text("Beta new")), 0L)))))
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.isTransient()).isTrue());

        assertThat(db.withHandle(h -> records.find(h, acme, first.get(0).id(), builtIns())).orElseThrow().values())
                .isEqualTo(Map.of("name", text("Acme by someone else")));
        assertThat(db.withHandle(h -> records.find(h, acme, first.get(1).id(), builtIns())).orElseThrow().values())
                .isEqualTo(Map.of("name", text("Beta")));
    }

    /** A database that stages rows in a table per connection must not carry one call's rows into the next. */
    @Test
    void twoWritesInOneTransactionEachWriteTheirOwnRowsOnly() {
        List<UpsertOutcome> second = db.inTransaction(h -> {
            records.upsert(h, acme, BuiltInObjects.VENDOR, List.of(vendor("t-1", "First"), vendor("t-2", "Second")));
            return records.upsert(h, acme, BuiltInObjects.VENDOR, List.of(vendor("t-3", "Third")));
        });

        assertThat(second).extracting(UpsertOutcome::externalId).containsExactly("t-3");
        assertThat(second.getFirst().created()).isTrue();
        for (String externalId : List.of("t-1", "t-2", "t-3")) {
            assertThat(db.withHandle(h -> records.existing(h, acme, "vendor", List.of(externalId)))
                    .get(externalId).version()).as(externalId).isEqualTo(1L);
        }
    }

    @Test
    void aStretchOfKeysFindsWhatALookUpKeyByKeyFinds() {
        List<RecordWrite> stored = IntStream.range(0, 40).filter(i -> i % 4 != 3)
                .mapToObj(i -> vendor(externalId(i), "Vendor " + i)).toList();
        db.inTransaction(h -> records.upsert(h, acme, BuiltInObjects.VENDOR, stored));
        db.inTransaction(h -> records.upsert(h, globex, BuiltInObjects.VENDOR, List.of(vendor(externalId(5), "G"))));
        db.inTransaction(h -> records.upsert(h, acme, SHIPMENT, List.of(new RecordWrite(externalId(7),
                Map.of("name", text("a shipment"))))));
        // 10 to 19 and 41: of these only 10, 12, 13, 14, 16, 17 and 18 are stored (11, 15, 19 and 41 never were).
        List<String> keys = List.of(externalId(12), externalId(10), externalId(11), externalId(13), externalId(14),
                externalId(15), externalId(16), externalId(17), externalId(18), externalId(19), externalId(41));

        Map<String, RecordStore.Existing> inRange = db.withHandle(h -> records.existingInRange(h, acme, "vendor",
                keys));
        Map<String, RecordStore.Existing> oneByOne = db.withHandle(h -> records.existing(h, acme, "vendor", keys));

        assertThat(inRange).containsOnlyKeys(externalId(10), externalId(12), externalId(13), externalId(14),
                externalId(16), externalId(17), externalId(18));
        assertThat(inRange).isEqualTo(oneByOne);
        assertThat(ValueJson.decode(inRange.get(externalId(12)).data(), BuiltInObjects.VENDOR))
                .containsEntry("name", text("Vendor 12"));
    }

    @Test
    void aStretchOfKeysHoldingMoreThanTwiceAsManyRecordsIsLeftToTheLookUpKeyByKey() {
        db.inTransaction(h -> records.upsert(h, acme, BuiltInObjects.VENDOR, IntStream.range(0, 40)
                .mapToObj(i -> vendor(externalId(i), "Vendor " + i)).toList()));

        // Three keys, 31 records between the least and the greatest: scattered.
        Map<String, RecordStore.Existing> scattered = db.withHandle(h -> records.existingInRange(h, acme, "vendor",
                List.of(externalId(2), externalId(20), externalId(32))));
        // Three keys, six records from the least to the greatest: twice as many, still close enough; seven are not.
        Map<String, RecordStore.Existing> close = db.withHandle(h -> records.existingInRange(h, acme, "vendor",
                List.of(externalId(2), externalId(4), externalId(7))));
        Map<String, RecordStore.Existing> tooFar = db.withHandle(h -> records.existingInRange(h, acme, "vendor",
                List.of(externalId(2), externalId(4), externalId(8))));

        assertThat(scattered).isNull();
        assertThat(close).containsOnlyKeys(externalId(2), externalId(4), externalId(7));
        assertThat(tooFar).isNull();
    }

    /**
     * Java orders a character outside the Basic Multilingual Plane (a surrogate pair) before U+FF21; SQLite, and
     * PostgreSQL with a C or C.UTF-8 collation, order it after (by code point): the keys' stretch, as Java bounds it,
     * is empty there, and the keys are still found.
     */
    @Test
    void keysTheDatabaseOrdersOtherwiseThanJavaAreStillFound() {
        String emoji = "v-\uD83D\uDE00";
        String fullWidth = "v-\uFF21";
        db.inTransaction(h -> records.upsert(h, acme, BuiltInObjects.VENDOR,
                List.of(vendor(emoji, "Emoji"), vendor(fullWidth, "Full width"))));

        Map<String, RecordStore.Existing> found = db.withHandle(h -> records.existingInRange(h, acme, "vendor",
                List.of(emoji, fullWidth)));

        assertThat(emoji.compareTo(fullWidth)).isNegative();
        assertThat(found).containsOnlyKeys(emoji, fullWidth);
        assertThat(ValueJson.decode(found.get(emoji).data(), BuiltInObjects.VENDOR)).containsEntry("name",
                text("Emoji"));
        assertThat(ValueJson.decode(found.get(fullWidth).data(), BuiltInObjects.VENDOR)).containsEntry("name",
                text("Full width"));
    }

    @Test
    void returnsOutcomesInWriteOrderAcrossSeveralStatements() {
        int total = 10_000;
        List<RecordWrite> existing = IntStream.range(0, total).filter(i -> i % 3 == 0)
                .mapToObj(i -> vendor(externalId(i), "Vendor " + i)).toList();
        Map<String, String> existingIds = new LinkedHashMap<>();
        db.inTransaction(h -> records.upsert(h, acme, BuiltInObjects.VENDOR, existing))
                .forEach(o -> existingIds.put(o.externalId(), o.id()));
        clock.advance(Duration.ofSeconds(1));
        // Descending, so write order differs from both insertion and external_id order.
        List<RecordWrite> writes = IntStream.range(0, total).map(i -> total - 1 - i)
                .mapToObj(i -> vendor(externalId(i), "Vendor " + i + " v2")).toList();
        assertThat(7 * writes.size()).as("the writes need more than two statements")
                .isGreaterThan(2 * db.dialect().maxParameters());

        List<UpsertOutcome> outcomes = db.inTransaction(h -> records.upsert(h, acme, BuiltInObjects.VENDOR, writes));

        assertThat(outcomes).extracting(UpsertOutcome::externalId)
                .containsExactlyElementsOf(writes.stream().map(RecordWrite::externalId).toList());
        for (UpsertOutcome o : outcomes) {
            String before = existingIds.get(o.externalId());
            assertThat(o.created()).as(o.externalId()).isEqualTo(before == null);
            if (before != null) {
                assertThat(o.id()).as(o.externalId()).isEqualTo(before);
            }
        }
        assertThat(outcomes).extracting(UpsertOutcome::id).doesNotHaveDuplicates();
        assertThat(count(acme, "vendor")).isEqualTo(total);
        Map<String, String> stored = db.withHandle(h -> records.idsByExternalId(h, acme, "vendor",
                writes.stream().map(RecordWrite::externalId).toList()));
        assertThat(stored).hasSize(total);
        outcomes.forEach(o -> assertThat(stored).containsEntry(o.externalId(), o.id()));
    }

    @Test
    void aChunkOfCreatesStoresEachRowsOwnValuesWithTheTimeAndTheCreatingImport() {
        // 123 rows: SQLite inserts them in groups of 50 and the last 23 one by one; PostgreSQL COPYs them.
        int total = 123;
        List<RecordWrite> writes = IntStream.range(0, total)
                .mapToObj(i -> new RecordWrite(externalId(i), Map.of("name", text("Vendor " + i)), 0L)).toList();

        List<UpsertOutcome> outcomes = db.inTransaction(
                h -> records.upsert(h, acme, BuiltInObjects.VENDOR, writes, "imp_chunk"));

        assertThat(outcomes).extracting(UpsertOutcome::externalId)
                .containsExactlyElementsOf(writes.stream().map(RecordWrite::externalId).toList());
        assertThat(outcomes).extracting(UpsertOutcome::created, UpsertOutcome::version)
                .containsOnly(tuple(true, 1L));
        for (int i = 0; i < total; i++) {
            String id = outcomes.get(i).id();
            StoredRecord stored = db.withHandle(h -> records.find(h, acme, id, builtIns())).orElseThrow();
            assertThat(stored).isEqualTo(new StoredRecord(id, acme, "vendor", externalId(i),
                    Map.of("name", text("Vendor " + i)), START, START));
        }
        assertThat(db.withHandle((Handle h) -> records.createdBy(h, acme, BuiltInObjects.VENDOR, "imp_chunk", 1000)))
                .containsExactlyInAnyOrderElementsOf(outcomes.stream().map(UpsertOutcome::id).toList());
        assertThat(count(globex, "vendor")).isZero();
    }

    @Test
    void anImportsUpdatesAreLoggedWithTheValuesAndVersionTheyReplacedAndItsCreatesAreNot() {
        List<UpsertOutcome> before = upsert(acme, BuiltInObjects.VENDOR, vendor("v-1", "Acme"), vendor("v-2", "Beta"),
                vendor("v-3", "Gamma"));
        upsert(acme, BuiltInObjects.VENDOR, vendor("v-2", "Beta edited"));
        ImportStore imports = new ImportStore(clock);

        List<UpsertOutcome> outcomes = db.inTransaction(h -> records.upsert(h, acme, BuiltInObjects.VENDOR, List.of(
                new RecordWrite("v-1", Map.of("name", text("Acme Corp")), 1L),
                new RecordWrite("v-2", Map.of("name", text("Beta again")), 2L),
                new RecordWrite("v-4", Map.of("name", text("Delta")), 0L)), "imp_log"));
        // Without an import nothing is logged.
        db.inTransaction(h -> records.upsert(h, acme, BuiltInObjects.VENDOR,
                List.of(new RecordWrite("v-3", Map.of("name", text("Gamma edited")), 1L))));

        assertThat(outcomes).extracting(UpsertOutcome::version).containsExactly(2L, 3L, 1L);
        List<Change> log = db.withHandle(h -> imports.changes(h, acme, "imp_log", null, 100_000));
        assertThat(log).extracting(Change::recordId, Change::object, Change::externalId, Change::kind,
                Change::previousVersion, Change::appliedVersion).containsExactlyInAnyOrder(
                        tuple(before.get(0).id(), "vendor", "v-1", "updated", 1L, 2L),
                        tuple(before.get(1).id(), "vendor", "v-2", "updated", 2L, 3L));
        Map<String, Map<String, Value>> previous = new LinkedHashMap<>();
        log.forEach(c -> previous.put(c.externalId(), ValueJson.decode(c.previousData(), BuiltInObjects.VENDOR)));
        assertThat(previous).containsExactlyInAnyOrderEntriesOf(Map.of("v-1", Map.of("name", text("Acme")),
                "v-2", Map.of("name", text("Beta edited"))));
        assertThat(db.withHandle((Handle h) -> imports.changes(h, acme, "imp_none", null, 100_000))).isEmpty();
    }

    @Test
    void theChangeLogIsReadAPageAtATimeInRecordIdOrderAfterTheLastIdRead() {
        ImportStore imports = new ImportStore(clock);
        db.inTransaction((Handle h) -> {
            List<Change> log = new ArrayList<>();
            for (String id : List.of("vndr_5", "vndr_1", "vndr_4", "vndr_2", "vndr_3")) {
                log.add(new Change(id, "vendor", "v-" + id.substring(5), "updated",
                        ValueJson.encode(Map.of("name", text("Name " + id))), 1L, 2L));
            }
            imports.mergeChanges(h, "imp_pages", log);
            imports.mergeChanges(h, "imp_other", List.of(new Change("vndr_0", "vendor", "v-0", "updated",
                    ValueJson.encode(Map.of("name", text("Other"))), 1L, 2L)));
            return null;
        });

        List<Change> first = db.withHandle((Handle h) -> imports.changes(h, acme, "imp_pages", null, 2));
        List<Change> second = db.withHandle((Handle h) -> imports.changes(h, acme, "imp_pages", "vndr_2", 2));
        List<Change> last = db.withHandle((Handle h) -> imports.changes(h, acme, "imp_pages", "vndr_4", 2));

        assertThat(first).extracting(Change::recordId).containsExactly("vndr_1", "vndr_2");
        assertThat(second).extracting(Change::recordId).containsExactly("vndr_3", "vndr_4");
        assertThat(last).extracting(Change::recordId, Change::externalId).containsExactly(tuple("vndr_5", "v-5"));
        assertThat(ValueJson.decode(last.getFirst().previousData(), BuiltInObjects.VENDOR))
                .isEqualTo(Map.of("name", text("Name vndr_5")));
        assertThat(db.withHandle((Handle h) -> imports.changes(h, acme, "imp_pages", "vndr_5", 2))).isEmpty();
    }

    @Test
    void aPageOfTheChangeLogSkipsTheImportsOwnCreatedRecordsAndStillHoldsAsManyEntriesAsAsked() {
        ImportStore imports = new ImportStore(clock);
        List<UpsertOutcome> own = db.inTransaction(h -> records.upsert(h, acme, BuiltInObjects.VENDOR, List.of(
                vendor("c-1", "C1"), vendor("c-2", "C2"), vendor("c-3", "C3"), vendor("c-4", "C4")), "imp_mixed"));
        List<UpsertOutcome> others = upsert(acme, BuiltInObjects.VENDOR, vendor("o-1", "O1"), vendor("o-2", "O2"));
        // The import then updated every one of the six (its own four by later rows of the same file).
        db.inTransaction((Handle h) -> {
            List<Change> log = new ArrayList<>();
            for (UpsertOutcome o : Stream.concat(own.stream(), others.stream()).toList()) {
                log.add(new Change(o.id(), "vendor", null, "updated",
                        ValueJson.encode(Map.of("name", text("Before " + o.id()))), 1L, 2L));
            }
            imports.mergeChanges(h, "imp_mixed", log);
            return null;
        });
        List<String> otherIds = others.stream().map(UpsertOutcome::id).sorted().toList();

        List<Change> whole = db.withHandle((Handle h) -> imports.changes(h, acme, "imp_mixed", null, 2));
        List<Change> first = db.withHandle((Handle h) -> imports.changes(h, acme, "imp_mixed", null, 1));
        List<Change> second = db.withHandle((Handle h) -> imports.changes(h, acme, "imp_mixed",
                first.getLast().recordId(), 1));
        List<Change> after = db.withHandle((Handle h) -> imports.changes(h, acme, "imp_mixed",
                second.getLast().recordId(), 1));

        assertThat(whole).extracting(Change::recordId).containsExactlyElementsOf(otherIds);
        assertThat(first).extracting(Change::recordId).containsExactly(otherIds.get(0));
        assertThat(second).extracting(Change::recordId).containsExactly(otherIds.get(1));
        assertThat(after).isEmpty();
    }

    @Test
    void aRecordLoggedAgainByTheSameImportKeepsTheValuesFromBeforeItsFirstChangeAndTheVersionOfItsLast() {
        ImportStore imports = new ImportStore(clock);
        db.inTransaction((Handle h) -> {
            imports.mergeChanges(h, "imp_twice", List.of(new Change("vndr_1", "vendor", "v-1", "updated",
                    ValueJson.encode(Map.of("name", text("Acme"))), 1L, 2L)));
            return null;
        });
        db.inTransaction((Handle h) -> {
            imports.mergeChanges(h, "imp_twice", List.of(new Change("vndr_1", "vendor", "v-1", "updated",
                    ValueJson.encode(Map.of("name", text("Acme 2"))), 2L, 3L)));
            return null;
        });

        List<Change> log = db.withHandle((Handle h) -> imports.changes(h, acme, "imp_twice", null, 100_000));

        assertThat(log).extracting(Change::recordId, Change::previousVersion, Change::appliedVersion)
                .containsExactly(tuple("vndr_1", 1L, 3L));
        assertThat(ValueJson.decode(log.getFirst().previousData(), BuiltInObjects.VENDOR))
                .isEqualTo(Map.of("name", text("Acme")));
    }

    @Test
    void anImportsLinksComeBackInSourceOrderUntilAddedOrReplacedByALaterRowAndLeaveWithItsPurge() {
        ImportStore imports = new ImportStore(clock);
        db.inTransaction((Handle h) -> {
            imports.addLinks(h, "imp_links", List.of(
                    new ImportLink(7, "srvc_2", "dependencies", "{\"dependencies\":[]}", null, true, null),
                    new ImportLink(3, "srvc_1", "dependencies", "{\"dependencies\":1}", "{\"dependencies\":2}", false,
                            null),
                    new ImportLink(3, "srvc_1", "alias", "{\"alias\":1}", null, false, null),
                    new ImportLink(9, "srvc_1", "dependencies", "{}", null, false,
                            new ImportLink.Row(12, "{\"Id\":\"s-9\"}", "updated", true, "s-9"))));
            imports.addLinks(h, "imp_other", List.of(new ImportLink(1, "srvc_1", "dependencies", "{}", null, false,
                    null)));
            return null;
        });

        List<ImportLink> first = db.withHandle((Handle h) -> imports.links(h, "imp_links", null, 2));
        db.inTransaction((Handle h) -> {
            imports.removeLinks(h, "imp_links", null, first.getLast());
            // A row at ordinal 8 decides srvc_2's dependencies: the link row 7 left goes; srvc_1's of row 9 stays.
            imports.removeLinksOf(h, "imp_links", List.of(new ImportLink(8, "srvc_2", "dependencies", "", null,
                    false, null)));
            return null;
        });
        List<ImportLink> rest = db.withHandle((Handle h) -> imports.links(h, "imp_links", null, 10));
        List<ImportLink> after = db.withHandle((Handle h) -> imports.links(h, "imp_links", first.getFirst(), 10));

        assertThat(first).containsExactly(
                new ImportLink(3, "srvc_1", "alias", "{\"alias\":1}", null, false, null),
                new ImportLink(3, "srvc_1", "dependencies", "{\"dependencies\":1}", "{\"dependencies\":2}", false,
                        null));
        assertThat(rest).extracting(ImportLink::ordinal).containsExactly(9L);
        assertThat(rest.getFirst().row()).isEqualTo(new ImportLink.Row(12, "{\"Id\":\"s-9\"}", "updated", true,
                "s-9"));
        assertThat(after).isEqualTo(rest);
        db.inTransaction((Handle h) -> {
            imports.purge(h, "imp_other", Instant.EPOCH);
            return null;
        });
        assertThat(db.withHandle((Handle h) -> imports.links(h, "imp_other", null, 10))).isEmpty();
        assertThat(db.withHandle((Handle h) -> imports.links(h, "imp_links", null, 10))).hasSize(1);
    }

    @Test
    void anImportsFirstRowErrorsComeBackInSourceOrderUpToTheLimit() {
        ImportStore imports = new ImportStore(clock);
        db.inTransaction((Handle h) -> {
            imports.addErrors(h, "imp_errs", List.of(
                    new RowError(9, 0, 10, "c-9", "email", "invalid_field_value", "late", "{\"Email\":\"x\"}"),
                    new RowError(3, 1, 4, null, "phone", "invalid_field_value", "second of 3", "{\"Phone\":\"y\"}")));
            // A later chunk's rows, one of them before the rows already stored.
            imports.addErrors(h, "imp_errs", List.of(
                    new RowError(3, 0, 4, null, "displayName", "missing_required_field", "first of 3", "{}"),
                    new RowError(2, 0, 3, "c-2", null, "malformed_row", "earliest", "{\"Name\":\"Ann\"}")));
            imports.addErrors(h, "imp_other", List.of(
                    new RowError(1, 0, 2, null, "email", "invalid_field_value", "other", "{}")));
            return null;
        });

        assertThat(db.withHandle((Handle h) -> imports.errors(h, "imp_errs", 3))).containsExactly(
                new RowError(2, 0, 3, "c-2", null, "malformed_row", "earliest", "{\"Name\":\"Ann\"}"),
                new RowError(3, 0, 4, null, "displayName", "missing_required_field", "first of 3", "{}"),
                new RowError(3, 1, 4, null, "phone", "invalid_field_value", "second of 3", "{\"Phone\":\"y\"}"));
        assertThat(db.withHandle((Handle h) -> imports.errors(h, "imp_errs", 10))).extracting(RowError::message)
                .containsExactly("earliest", "first of 3", "second of 3", "late");
        assertThat(db.withHandle((Handle h) -> imports.errors(h, "imp_errs", 0))).isEmpty();
        assertThat(db.withHandle((Handle h) -> imports.errors(h, "imp_none", 10))).isEmpty();
        assertThatThrownBy(() -> db.withHandle((Handle h) -> imports.errors(h, "imp_errs", -1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("limit must be 0 or more, got -1");
    }

    @Test
    void anImportsRowWarningsComeBackInSourceOrderOncePerRowAndFieldAndLeaveWithItsPurge() {
        ImportStore imports = new ImportStore(clock);
        db.inTransaction((Handle h) -> {
            imports.addWarnings(h, "imp_warned", List.of(new RowWarning(9, "dependencies", "link_not_added", "late"),
                    new RowWarning(3, "dependencies", "link_not_added", "first"),
                    new RowWarning(3, "alias", "link_not_added", "alias")));
            // The same row and field again (a batch added twice): kept once, as first recorded.
            imports.addWarnings(h, "imp_warned", List.of(new RowWarning(3, "dependencies", "link_not_added", "again")));
            imports.addWarnings(h, "imp_other", List.of(new RowWarning(1, "dependencies", "link_not_added", "other")));
            return null;
        });

        assertThat(db.withHandle((Handle h) -> imports.warnings(h, "imp_warned", 10))).containsExactly(
                new RowWarning(3, "alias", "link_not_added", "alias"),
                new RowWarning(3, "dependencies", "link_not_added", "first"),
                new RowWarning(9, "dependencies", "link_not_added", "late"));
        assertThat(db.withHandle((Handle h) -> imports.warnings(h, "imp_warned", 2))).extracting(RowWarning::message)
                .containsExactly("alias", "first");
        db.inTransaction((Handle h) -> {
            imports.purge(h, "imp_other", Instant.EPOCH);
            return null;
        });
        assertThat(db.withHandle((Handle h) -> imports.warnings(h, "imp_other", 10))).isEmpty();
        assertThat(db.withHandle((Handle h) -> imports.warnings(h, "imp_warned", 10))).hasSize(3);
    }

    /**
     * An import keeps its first 1,001 row warnings in source order: 1,200 warned rows (11 to 1,210, a chunk of 100 at a
     * time) leave rows 11 to 1,011; a link's warning of row 5, added after the last row, takes its place among them and
     * pushes row 1,011 out; one of row 2,000 is not kept. Before, all 1,202 were stored.
     */
    @Test
    void anImportKeepsItsFirst1001RowWarningsInSourceOrder() {
        ImportStore imports = new ImportStore(clock);
        db.inTransaction((Handle h) -> {
            for (int from = 11; from <= 1_210; from += 100) {
                List<RowWarning> chunk = new java.util.ArrayList<>();
                for (int row = from; row < from + 100; row++) {
                    chunk.add(new RowWarning(row, "external_id", "external_id_not_changed", "row " + row));
                }
                imports.addWarnings(h, "imp_many", chunk);
            }
            imports.addWarnings(h, "imp_many", List.of(new RowWarning(5, "dependencies", "link_not_added", "link"),
                    new RowWarning(2_000, "dependencies", "link_not_added", "too late")));
            return null;
        });

        List<RowWarning> kept = db.withHandle((Handle h) -> imports.warnings(h, "imp_many", 5_000));
        assertThat(kept).hasSize(ImportStore.KEPT_WARNINGS);
        assertThat(kept.getFirst()).isEqualTo(new RowWarning(5, "dependencies", "link_not_added", "link"));
        assertThat(kept.get(1)).isEqualTo(new RowWarning(11, "external_id", "external_id_not_changed", "row 11"));
        assertThat(kept.getLast()).isEqualTo(new RowWarning(1_010, "external_id", "external_id_not_changed",
                "row 1010"));
    }

    /**
     * A chunk's 2,500 warnings (rows 1 to 2,500), more than one insert carries, take five statements: the read of what
     * the import keeps, three inserts of the first 1,001 (500 rows at most each), the count; a later chunk's 2,500
     * (rows 2,501 to 5,000), all after those kept, take two: the read and the count, none stored. Warnings of links
     * after the last row take five: the read, one insert (row 7's new one, and row 9's, stored already: not counted),
     * the count, and the trim of row 1,000, which row 7's pushed out; row 6,000's is counted, not stored, and a row and
     * field given twice count once, the first kept. A first attempt rolled back counts nothing: 5,002 in all. Before,
     * one insert a warning: 2,503, 2,503 and 8 statements.
     */
    @Test
    void aChunksWarningsAreStoredInAFewStatementsAndEachCountedOnce() {
        ImportStore imports = new ImportStore(clock);
        String importId = storedImport(imports);
        StatementCount statements = new StatementCount();
        assertThatThrownBy(() -> db.inTransaction((Handle h) -> {
            imports.addWarnings(h, importId, warned(1, 2_500));
            throw new IllegalStateException("the chunk failed");
        })).hasMessage("the chunk failed");
        List<Integer> taken = new ArrayList<>();
        for (List<RowWarning> chunk : List.of(warned(1, 2_500), warned(2_501, 5_000), List.of(
                new RowWarning(7, "dependencies", "link_not_added", "link of row 7"),
                new RowWarning(7, "dependencies", "link_not_added", "link of row 7 again"),
                new RowWarning(9, "external_id", "external_id_not_changed", "row 9 again"),
                new RowWarning(6_000, "dependencies", "link_not_added", "link of row 6000"),
                new RowWarning(6_000, "dependencies", "link_not_added", "link of row 6000 again")))) {
            db.inTransaction((Handle h) -> {
                imports.addWarnings(statements.counting(h), importId, chunk);
                return null;
            });
            taken.add(statements.taken());
        }

        assertThat(taken).containsExactly(5, 2, 5);
        assertThat(db.withHandle((Handle h) -> imports.findingCounts(h, importId)).orElseThrow())
                .isEqualTo(new ImportStore.FindingCounts(5_002L, Map.of()));
        List<RowWarning> kept = new ArrayList<>(warned(1, 1_000));
        kept.add(6, new RowWarning(7, "dependencies", "link_not_added", "link of row 7"));
        assertThat(db.withHandle((Handle h) -> imports.warnings(h, importId, 5_000))).isEqualTo(kept);
    }

    /**
     * A chunk's 300 values of a field that match nothing take four statements: the read of the values kept, one insert
     * of the first 101, the insert of their hashes and the count; a later chunk's 300 smaller values take five, the
     * delete of those they push out added. All 600 are counted. Before, one insert a value kept: 104 and 105.
     */
    @Test
    void aChunksUnresolvedValuesAreStoredInOneInsert() {
        ImportStore imports = new ImportStore(clock);
        String importId = storedImport(imports);
        StatementCount statements = new StatementCount();
        List<Integer> taken = new ArrayList<>();
        for (String prefix : List.of("v-", "u-")) {
            List<String> values = IntStream.range(0, 300).mapToObj(i -> "%s%03d".formatted(prefix, i)).toList();
            db.inTransaction((Handle h) -> {
                imports.addReferenceWarnings(statements.counting(h), importId, Map.of("account", values));
                return null;
            });
            taken.add(statements.taken());
        }

        assertThat(taken).containsExactly(4, 5);
        assertThat(db.withHandle((Handle h) -> imports.findingCounts(h, importId)).orElseThrow())
                .isEqualTo(new ImportStore.FindingCounts(0L, Map.of("account", 600L)));
        assertThat(db.withHandle((Handle h) -> imports.referenceWarnings(h, importId, 200))).isEqualTo(Map.of(
                "account", IntStream.rangeClosed(0, 100).mapToObj(i -> "u-%03d".formatted(i)).toList()));
    }

    /**
     * The links of 600 rejected rows (two fields each, one row given twice) go in two statements, 500 rows at most
     * each; the links of the 100 other rows stay. Before, one delete a rejected row.
     */
    @Test
    void theLinksOfRejectedRowsGoInAStatementPer500Rows() {
        ImportStore imports = new ImportStore(clock);
        List<ImportLink> links = new ArrayList<>();
        for (long row = 1; row <= 700; row++) {
            for (String field : List.of("alias", "dependencies")) {
                links.add(new ImportLink(row, "srvc_" + row, field, "{\"" + field + "\":1}", null, false, null));
            }
        }
        List<Long> rejected = rowsOneTo600AndAgain(7L);
        int taken = statementsOf(h -> imports.addLinks(h, "imp_rejected", links),
                h -> imports.removeLinksOfRows(h, "imp_rejected", rejected));

        assertThat(taken).isEqualTo(2);
        assertThat(db.withHandle((Handle h) -> imports.links(h, "imp_rejected", null, 1_000)))
                .isEqualTo(links.subList(1_200, 1_400));
    }

    /**
     * 700 vendors, v-001 to v-700, stored at version 1 (ids in the order given).
     */
    private List<String> sevenHundredVendors() {
        return upsert(acme, BuiltInObjects.VENDOR, IntStream.rangeClosed(1, 700)
                .mapToObj(i -> vendor("v-%03d".formatted(i), "Vendor " + i)).toArray(RecordWrite[]::new)).stream()
                .map(UpsertOutcome::id).toList();
    }

    /** The external_id, id and version of every acme vendor, by external_id (those without one last). */
    private List<List<Object>> storedVendors() {
        return db.withHandle(h -> h.query("select external_id, id, version from records where organization_id = ?"
                + " and object = 'vendor' order by external_id is null, external_id",
                rs -> Arrays.<Object>asList(rs.getString(1), rs.getString(2), rs.getLong(3)), acme));
    }

    /**
     * Deleting 600 vendors at their version, v-550 once more, 100 at a version they do not have and an id no record
     * has takes three statements: 500 records at most each, and a record named again starts the next. The answers
     * are those of one delete after the other: the 600 deleted, v-550's second and the rest not. Before, one
     * statement a record: 702.
     */
    @Test
    void deletingManyRecordsAtTheirVersionsTakesAStatementPer500AndAnswersEachInOrder() {
        List<String> ids = sevenHundredVendors();
        List<RecordStore.Versioned> deletes = new ArrayList<>();
        ids.subList(0, 600).forEach(id -> deletes.add(new RecordStore.Versioned(id, 1L)));
        deletes.add(new RecordStore.Versioned(ids.get(549), 1L));
        ids.subList(600, 700).forEach(id -> deletes.add(new RecordStore.Versioned(id, 2L)));
        deletes.add(new RecordStore.Versioned("rec_missing", 1L));
        StatementCount statements = new StatementCount();

        boolean[] deleted = db.inTransaction(h -> records.deleteIfVersions(statements.counting(h), acme, deletes));

        assertThat(statements.taken()).isEqualTo(3);
        boolean[] expected = new boolean[702];
        Arrays.fill(expected, 0, 600, true);
        assertThat(deleted).isEqualTo(expected);
        assertThat(storedVendors()).isEqualTo(IntStream.range(600, 700)
                .mapToObj(i -> Arrays.<Object>asList("v-%03d".formatted(i + 1), ids.get(i), 1L)).toList());
    }

    /**
     * Putting back the earlier data of 600 vendors at their version, v-550's once more at the version the first put
     * it at, 50 at a version they do not have and an id no record has takes three statements, and answers as one
     * update after the other: v-550's second applies too. Before, one statement a record: 652.
     */
    @Test
    void restoringManyRecordsAtTheirVersionsTakesAStatementPer500AndAnswersEachInOrder() {
        List<String> ids = sevenHundredVendors();
        clock.advance(Duration.ofMinutes(5));
        List<RecordStore.Restore> restores = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            restores.add(new RecordStore.Restore(ids.get(i), name("Earlier " + (i + 1)), 1L));
        }
        restores.add(new RecordStore.Restore(ids.get(549), name("Earlier still"), 2L));
        for (int i = 600; i < 650; i++) {
            restores.add(new RecordStore.Restore(ids.get(i), name("Never"), 2L));
        }
        restores.add(new RecordStore.Restore("rec_missing", name("Never"), 1L));
        StatementCount statements = new StatementCount();

        boolean[] put = db.inTransaction(h -> records.restoreIfVersions(statements.counting(h), acme, restores));

        assertThat(statements.taken()).isEqualTo(3);
        boolean[] expected = new boolean[652];
        Arrays.fill(expected, 0, 601, true);
        assertThat(put).isEqualTo(expected);
        Map<String, RecordStore.Existing> now = db.withHandle(h -> records.existingByIds(h, acme, ids));
        assertThat(List.of(now.get(ids.get(0)), now.get(ids.get(549)), now.get(ids.get(600))))
                .extracting(e -> ValueJson.readObject(e.data()), RecordStore.Existing::version)
                .containsExactly(tuple(Map.of("name", "Earlier 1"), 2L), tuple(Map.of("name", "Earlier still"), 3L),
                        tuple(Map.of("name", "Vendor 601"), 1L));
        assertThat(ids.stream().filter(id -> now.get(id).version() == 1L).count()).isEqualTo(100L);
        assertThat(db.withHandle(h -> records.find(h, acme, ids.get(599), builtIns())).orElseThrow()).isEqualTo(
                new StoredRecord(ids.get(599), acme, "vendor", "v-600", Map.of("name", text("Earlier 600")), START,
                        START.plus(Duration.ofMinutes(5))));
    }

    /** The stored data of a vendor named {@code name}. */
    private static String name(String name) {
        return ValueJson.encode(Map.of("name", text(name)));
    }

    /**
     * Taking the external_id of 600 vendors, one named twice, takes two statements (500 records at most each); each
     * is at version 2, the 100 others keep theirs. Before, one statement a record: 601.
     */
    @Test
    void takingTheExternalIdsOfManyRecordsTakesAStatementPer500() {
        List<String> ids = sevenHundredVendors();
        List<String> clears = new ArrayList<>(ids.subList(0, 600));
        clears.add(ids.get(7));

        int taken = statementsOf(h -> { }, h -> records.clearExternalIds(h, acme, clears));

        assertThat(taken).isEqualTo(2);
        List<List<Object>> expected = new ArrayList<>(IntStream.range(600, 700)
                .mapToObj(i -> Arrays.<Object>asList("v-%03d".formatted(i + 1), ids.get(i), 1L)).toList());
        ids.subList(0, 600).stream().sorted().forEach(id -> expected.add(Arrays.asList(null, id, 2L)));
        assertThat(storedVendors().subList(0, 100)).isEqualTo(expected.subList(0, 100));
        assertThat(storedVendors().subList(100, 700)).containsExactlyInAnyOrderElementsOf(expected.subList(100, 700));
    }

    /**
     * Forgetting the links that 600 fields of records had before a later row (one record and field given twice, at a
     * lower ordinal) takes two statements, 500 fields at most each; the later links and the other fields' stay.
     * Before, one delete a link given: 601.
     */
    @Test
    void theLinksLaterRowsReplacedGoInAStatementPer500Fields() {
        ImportStore imports = new ImportStore(clock);
        // Record srvc_j (j from 0 to 349) has links from rows j + 1 and j + 351, in both fields.
        List<ImportLink> links = new ArrayList<>();
        for (long row = 1; row <= 700; row++) {
            for (String field : List.of("alias", "dependencies")) {
                links.add(new ImportLink(row, "srvc_" + (row - 1) % 350, field, "{\"" + field + "\":1}", null, false,
                        null));
            }
        }
        List<ImportLink> replaced = new ArrayList<>();
        for (int j = 0; j < 350; j++) {
            replaced.add(new ImportLink(j + 351, "srvc_" + j, "alias", "", null, false, null));
        }
        for (int j = 0; j < 250; j++) {
            replaced.add(new ImportLink(j + 352, "srvc_" + j, "dependencies", "", null, false, null));
        }
        replaced.add(new ImportLink(2, "srvc_0", "dependencies", "", null, false, null));
        int taken = statementsOf(h -> imports.addLinks(h, "imp_replaced", links),
                h -> imports.removeLinksOf(h, "imp_replaced", replaced));

        assertThat(taken).isEqualTo(2);
        // Left: the alias links of the later rows, and the dependencies links of records srvc_250 to srvc_349.
        assertThat(db.withHandle((Handle h) -> imports.links(h, "imp_replaced", null, 2_000))).isEqualTo(links.stream()
                .filter(l -> l.field().equals("alias") ? l.ordinal() > 350 : (l.ordinal() - 1) % 350 >= 250)
                .toList());
    }

    /**
     * Setting the version read of 600 records an overwrite cleanup left for after its walk and forgetting 100 others
     * (gone) takes three statements: two updates and a delete, 500 records at most each. Before, one statement a
     * record: 700.
     */
    @Test
    void readingTheCleanupsRecordsTakesAStatementPer500() {
        ImportStore imports = new ImportStore(clock);
        List<String> later = IntStream.rangeClosed(1, 700).mapToObj(i -> "rec_" + i).toList();
        db.inTransaction((Handle h) -> {
            imports.addCleanup(h, "imp_cleanup", List.of(), List.of(), later, List.of());
            return null;
        });
        List<ImportStore.CleanupLater> added = db.withHandle((Handle h) -> imports.cleanupRecords(h, "imp_cleanup",
                ImportStore.CLEANUP_LATER, Long.MIN_VALUE, 1_000));
        Map<Long, Long> versions = new LinkedHashMap<>();
        for (int i = 0; i < 700; i++) {
            versions.put(added.get(i).ordinal(), i < 600 ? i + 2L : -1L);
        }
        int taken = statementsOf(h -> { }, h -> imports.readCleanup(h, "imp_cleanup", versions));

        assertThat(taken).isEqualTo(3);
        assertThat(db.withHandle((Handle h) -> imports.cleanupRecords(h, "imp_cleanup", ImportStore.CLEANUP_LATER,
                Long.MIN_VALUE, 1_000))).isEqualTo(IntStream.range(0, 600).mapToObj(i -> new ImportStore.CleanupLater(
                        added.get(i).ordinal(), "rec_" + (i + 1), i + 2L)).toList());
    }

    /**
     * Runs {@code setUp}, then {@code counted} on a handle that counts its statements, in one transaction: how many
     * statements {@code counted} ran.
     */
    private int statementsOf(Consumer<Handle> setUp, Consumer<Handle> counted) {
        StatementCount statements = new StatementCount();
        db.inTransaction((Handle h) -> {
            setUp.accept(h);
            counted.accept(statements.counting(h));
            return null;
        });
        return statements.taken();
    }

    /** The ordinals 1 to 600, then {@code again} a second time. */
    private static List<Long> rowsOneTo600AndAgain(long again) {
        List<Long> rows = new ArrayList<>(LongStream.rangeClosed(1, 600).boxed().toList());
        rows.add(again);
        return rows;
    }

    /** An import of acme's contacts, stored with its counts of warnings at 0. */
    private String storedImport(ImportStore imports) {
        ImportJob job = new ImportJobs(new IdGenerator(clock), clock, Duration.ofHours(1)).requested(
                new ImportJobs.Request(acme, "contact", ImportJobs.MODULE, UploadMode.ASYNC, Action.MERGE,
                        DuplicateHandling.IGNORE_ALL, "test", "key_test", null), START.plus(Duration.ofHours(1)));
        db.inTransaction((Handle h) -> {
            imports.create(h, job);
            return null;
        });
        return job.id();
    }

    /** An external_id_not_changed warning of each row from {@code first} to {@code last}. */
    private static List<RowWarning> warned(int first, int last) {
        return IntStream.rangeClosed(first, last).mapToObj(row -> new RowWarning(row, "external_id",
                "external_id_not_changed", "row " + row)).toList();
    }

    /**
     * Taking a record's external_id is a write like any other: its version goes up and updated_at moves, so a writer
     * that read the record before fails its version check. Before, the version stayed and such a writer's update
     * applied as if nothing had changed.
     */
    @Test
    void takingAnExternalIdMovesTheVersionAndTheUpdateTimeSoAWriterThatReadBeforeMisses() {
        List<UpsertOutcome> created = upsert(acme, BuiltInObjects.VENDOR, vendor("v-1", "Acme"), vendor("v-2", "Beta"));
        String acmeId = created.get(0).id();
        String betaId = created.get(1).id();
        clock.advance(Duration.ofMinutes(5));

        db.inTransaction(h -> {
            records.clearExternalIds(h, acme, List.of(acmeId));
            return null;
        });
        boolean stale = db.inTransaction(h -> records.clearExternalIdIfVersion(h, acme, betaId, 2L));
        boolean current = db.inTransaction(h -> records.clearExternalIdIfVersion(h, acme, betaId, 1L));
        clock.advance(Duration.ofMinutes(5));
        // A record without an external_id is left as it is.
        db.inTransaction(h -> {
            records.clearExternalIds(h, acme, List.of(acmeId, betaId));
            return null;
        });
        long lateUpdate = db.inTransaction(h -> records.updateIfVersion(h, acme, acmeId,
                ValueJson.encode(Map.of("name", text("Acme by a late writer"))), 1L));

        assertThat(stale).isFalse();
        assertThat(current).isTrue();
        assertThat(lateUpdate).isEqualTo(-1L);
        Map<String, RecordStore.Existing> now = db.withHandle(h -> records.existingByIds(h, acme,
                List.of(acmeId, betaId)));
        assertThat(now.values()).extracting(RecordStore.Existing::id, RecordStore.Existing::externalId,
                RecordStore.Existing::version).containsExactlyInAnyOrder(tuple(acmeId, null, 2L),
                        tuple(betaId, null, 2L));
        assertThat(db.withHandle(h -> records.find(h, acme, acmeId, builtIns())).orElseThrow()).isEqualTo(
                new StoredRecord(acmeId, acme, "vendor", null, Map.of("name", text("Acme")), START,
                        START.plus(Duration.ofMinutes(5))));
        assertThat(db.withHandle(h -> records.find(h, acme, betaId, builtIns())).orElseThrow().updatedAt())
                .isEqualTo(START.plus(Duration.ofMinutes(5)));
    }

    @Test
    void theRecordsAnImportCreatedAreDeletedAtTheVersionItLastGaveThemAndOthersChangesAreReported() {
        List<UpsertOutcome> created = db.inTransaction(h -> records.upsert(h, acme, BuiltInObjects.VENDOR,
                List.of(vendor("v-1", "Acme"), vendor("v-2", "Beta"), vendor("v-3", "Gamma")), "imp_created"));
        ImportStore imports = new ImportStore(clock);
        // The import itself updates v-1 again (a later row of the file workflow); someone else updates v-2.
        db.inTransaction((Handle h) -> {
            String data = ValueJson.encode(Map.of("name", text("Acme again")));
            long version = records.updateIfVersion(h, acme, created.get(0).id(), data, 1L);
            imports.mergeChanges(h, "imp_created", List.of(new Change(created.get(0).id(), "vendor", "v-1",
                    "updated", ValueJson.encode(Map.of("name", text("Acme"))), 1L, version)));
            return null;
        });
        upsert(acme, BuiltInObjects.VENDOR, vendor("v-2", "Beta edited"));

        List<RecordStore.Existing> changed = db.withHandle(
                h -> records.createdByPastVersionOne(h, acme, "imp_created", null, 100_000));
        List<RecordStore.Existing> afterFirst = db.withHandle(
                h -> records.createdByPastVersionOne(h, acme, "imp_created", changed.getFirst().id(), 1));
        Map<String, Long> itsOwn = db.withHandle((Handle h) -> imports.appliedVersions(h, "imp_created",
                changed.stream().map(RecordStore.Existing::id).toList()));
        List<Change> toRestore = db.withHandle((Handle h) -> imports.changes(h, acme, "imp_created", null, 100_000));
        int deleted = db.inTransaction(h -> records.deleteCreatedBy(h, acme, "imp_created"));

        assertThat(changed).extracting(RecordStore.Existing::externalId, RecordStore.Existing::version)
                .containsExactly(tuple("v-1", 2L), tuple("v-2", 2L));
        assertThat(afterFirst).extracting(RecordStore.Existing::externalId).containsExactly("v-2");
        // v-1 is at the version the import itself gave it: not changed since.
        assertThat(itsOwn).containsExactly(Map.entry(created.get(0).id(), 2L));
        assertThat(toRestore).isEmpty();
        assertThat(deleted).isEqualTo(2);
        assertThat(idsByExternalId(acme, "vendor", "v-1", "v-2", "v-3")).containsOnlyKeys("v-2");
    }

    @Test
    void anImportsWriteRefusedForAStaleVersionLeavesNoChangeLogEntry() {
        upsert(acme, BuiltInObjects.VENDOR, vendor("v-1", "Acme"), vendor("v-2", "Beta"));
        upsert(acme, BuiltInObjects.VENDOR, vendor("v-2", "Beta edited"));
        ImportStore imports = new ImportStore(clock);

        assertThatThrownBy(() -> db.inTransaction(h -> records.upsert(h, acme, BuiltInObjects.VENDOR, List.of(
                new RecordWrite("v-1", Map.of("name", text("Acme Corp")), 1L),
                new RecordWrite("v-2", Map.of("name", text("Beta stale")), 1L)), "imp_stale")))
                .isInstanceOfSatisfying(StoreException.class,
                        e -> assertThat(e.code()).isEqualTo("transient_conflict"));

        assertThat(db.withHandle((Handle h) -> imports.changes(h, acme, "imp_stale", null, 100_000))).isEmpty();
        assertThat(db.withHandle(h -> records.find(h, acme, idsByExternalId(acme, "vendor", "v-1").get("v-1"),
                builtIns())).orElseThrow().values()).isEqualTo(Map.of("name", text("Acme")));
    }

    /**
     * An import's deletes carry the versions read: one record changed since (v-2) and one deleted since (v-3) fail the
     * whole call, which deletes and logs nothing; at the versions stored, each record is deleted and logged with the
     * values, external id and version it had, which rollback restores.
     */
    @Test
    void anImportsDeletesAtTheVersionsReadLogWhatTheyDeletedAndAStaleOneFailsThemAll() {
        List<String> ids = upsert(acme, BuiltInObjects.VENDOR, vendor("v-1", "Acme"), vendor("v-2", "Beta"),
                vendor("v-3", "Gamma")).stream().map(UpsertOutcome::id).toList();
        upsert(acme, BuiltInObjects.VENDOR, vendor("v-2", "Beta edited"));
        db.inTransaction(h -> records.delete(h, acme, List.of(ids.get(2))));
        ImportStore imports = new ImportStore(clock);

        assertThatThrownBy(() -> db.inTransaction(h -> records.deleteChecked(h, acme, "imp_stale", List.of(
                new RecordStore.Versioned(ids.get(0), 1), new RecordStore.Versioned(ids.get(1), 1),
                new RecordStore.Versioned(ids.get(2), 1)))))
                .isInstanceOfSatisfying(StoreException.class, e -> {
                    assertThat(e.code()).isEqualTo("transient_conflict");
                    assertThat(e.getMessage()).isEqualTo("2 of 3 records changed or were deleted while they were"
                            + " being deleted");
                });
        assertThat(idsByExternalId(acme, "vendor", "v-1", "v-2", "v-3")).containsOnlyKeys("v-1", "v-2");
        assertThat(db.withHandle((Handle h) -> imports.changes(h, acme, "imp_stale", null, 100_000))).isEmpty();

        int deleted = db.inTransaction(h -> records.deleteChecked(h, acme, "imp_deleted", List.of(
                new RecordStore.Versioned(ids.get(0), 1), new RecordStore.Versioned(ids.get(1), 2))));

        assertThat(deleted).isEqualTo(2);
        assertThat(count(acme, "vendor")).isZero();
        List<Change> logged = db.withHandle((Handle h) -> imports.changes(h, acme, "imp_deleted", null, 100_000));
        assertThat(logged).extracting(Change::recordId, Change::object, Change::externalId, Change::kind,
                Change::previousVersion, Change::appliedVersion).containsExactly(
                        tuple(ids.get(0), "vendor", "v-1", "deleted", 1L, null),
                        tuple(ids.get(1), "vendor", "v-2", "deleted", 2L, null));
        assertThat(logged).extracting(c -> ValueJson.decode(c.previousData(), BuiltInObjects.VENDOR)).containsExactly(
                Map.of("name", text("Acme")), Map.of("name", text("Beta edited")));
    }

    @Test
    void aChunkOfCreatesOneOfWhichIsTakenFailsWholeAndStoresNothingOfIt() {
        upsert(acme, BuiltInObjects.VENDOR, vendor(externalId(77), "Taken meanwhile"));
        List<RecordWrite> writes = IntStream.range(0, 123)
                .mapToObj(i -> new RecordWrite(externalId(i), Map.of("name", text("Vendor " + i)), 0L)).toList();

        assertThatThrownBy(() -> db.inTransaction(h -> records.upsert(h, acme, BuiltInObjects.VENDOR, writes, "imp_x")))
                .isInstanceOfSatisfying(StoreException.class,
                        e -> assertThat(e.code()).isEqualTo("transient_conflict"));

        assertThat(count(acme, "vendor")).isEqualTo(1);
        assertThat(db.withHandle((Handle h) -> records.createdBy(h, acme, BuiltInObjects.VENDOR, "imp_x", 1000)))
                .isEmpty();
    }

    @Test
    void createsOneRecordPerWriteWithoutExternalId() {
        List<UpsertOutcome> outcomes = upsert(acme, BuiltInObjects.CONTACT,
                new RecordWrite(null, Map.of("displayName", text("Ada Lovelace"))),
                new RecordWrite(null, Map.of("displayName", text("Alan Turing"))));

        assertThat(outcomes).extracting(UpsertOutcome::created).containsExactly(true, true);
        assertThat(outcomes).extracting(UpsertOutcome::id).doesNotHaveDuplicates();
        List<StoredRecord> stored = page(acme, BuiltInObjects.CONTACT, 10, null);
        assertThat(stored).extracting(StoredRecord::id)
                .containsExactlyInAnyOrderElementsOf(outcomes.stream().map(UpsertOutcome::id).toList());
        assertThat(stored).extracting(StoredRecord::externalId).containsOnlyNulls();
    }

    @Test
    void roundTripsEveryKindOfValueExactlyThroughPageAndFind() {
        String vendorId = upsert(acme, BuiltInObjects.VENDOR, vendor("v-1", "Acme Corporation")).getFirst().id();
        Map<String, Value> expected = new LinkedHashMap<>();
        expected.put("name", text("Kühlfracht Zürich — “cold chain”"));
        expected.put("weight_kg", new Value.Decimal(new BigDecimal("85.50")));
        expected.put("pieces", new Value.Int(3_000_000_000L));
        expected.put("hazardous", new Value.Bool(false));
        expected.put("ship_date", new Value.Date(LocalDate.of(2024, 2, 29)));
        expected.put("departed_at", new Value.DateTime(Instant.parse("2024-01-15T10:30:00.123Z")));
        expected.put("carrier", new Value.Ref("v-1", "vendor", vendorId));
        expected.put("tags", new Value.Many(List.of(text("cold-chain"), text("fragile"))));
        expected.put("phones", new Value.Many(List.of(
                new Value.Labeled("Mobile", text("+1 555 0100")),
                new Value.Labeled("Work", text("+44 20 7946 0000")))));
        expected.put("destination", new Value.Address("1 Main St", null, "Springfield", "IL", "62701", "US"));
        // Written in reverse field order: the values must come back in field order whatever the storage keeps.
        Map<String, Value> written = new LinkedHashMap<>();
        new ArrayList<>(expected.keySet()).reversed().forEach(k -> written.put(k, expected.get(k)));

        String id = upsert(acme, SHIPMENT, new RecordWrite("s-1", written)).getFirst().id();

        List<StoredRecord> page = page(acme, SHIPMENT, 10, null);
        assertThat(page).hasSize(1);
        assertThat(page.getFirst().values()).containsExactlyEntriesOf(expected);
        StoredRecord found = db.withHandle(h -> records.find(h, acme, id,
                slug -> slug.equals("shipment") ? Optional.of(SHIPMENT) : Optional.empty())).orElseThrow();
        assertThat(found.values()).containsExactlyEntriesOf(expected);
        assertThat(found).isEqualTo(page.getFirst());
        assertThat(found.externalId()).isEqualTo("s-1");
        assertThat(found.object()).isEqualTo("shipment");
    }

    /**
     * An import counts a row unchanged without decoding the stored record when the stored text equals what the dialect
     * says the database gives back for the row's values; this holds each database to its prediction.
     */
    @Test
    void theDatabaseGivesStoredValuesBackAsTheDialectPredicts() {
        Map<String, Value> values = new LinkedHashMap<>();
        values.put("name", text("Kühlfracht \"Zürich\" \\ tab\there\nline\r\b\f\u0001\u001f — “cold” / 𝄞"));
        values.put("weight_kg", new Value.Decimal(new BigDecimal("85.50")));
        values.put("pieces", new Value.Int(-3_000_000_000L));
        values.put("hazardous", new Value.Bool(true));
        values.put("ship_date", new Value.Date(LocalDate.of(2024, 2, 29)));
        values.put("departed_at", new Value.DateTime(Instant.parse("2024-01-15T10:30:00.123Z")));
        values.put("carrier", new Value.Ref("v-1", "vendor", "vndr_0193a1c2e4f07a9b3c5d1e2f3a4b5c6d"));
        values.put("tags", new Value.Many(List.of(text("b"), text("a"), text(""))));
        values.put("phones", new Value.Many(List.of(new Value.Labeled("Mobile", text("+1 555 0100")))));
        values.put("destination", new Value.Address("1 Main St", "Suite 2", "Springfield", "IL", "62701", "US"));
        Map<String, Value> numbers = Map.of("weight_kg", new Value.Decimal(new BigDecimal("1E+3")),
                "pieces", new Value.Int(0), "tags", new Value.Many(List.of()));
        Map<String, Value> small = Map.of("weight_kg", new Value.Decimal(new BigDecimal("-1E-7")));

        // values twice: the second time after other keys, the first after none
        List<Map<String, Value>> writes = List.of(values, numbers, small, values);
        for (int i = 0; i < writes.size(); i++) {
            Map<String, Value> written = writes.get(i);
            String externalId = "s-" + i;
            upsert(acme, SHIPMENT, new RecordWrite(externalId, written));
            String stored = storedData(externalId);
            String predicted = db.dialect().storedJsonText(written);

            assertThat(predicted == null ? ValueJson.encode(written) : predicted).isEqualTo(stored);
            if (predicted != null) {
                // An import stores the predicted text itself: the same values, given back as the same text.
                upsert(acme, SHIPMENT, new RecordWrite("p-" + i, written, 0L, predicted));
                assertThat(storedData("p-" + i)).isEqualTo(stored);
            }
        }
    }

    /** Checked writes send their rows otherwise than blind ones and creates (PostgreSQL: as arrays, not COPY). */
    @Test
    void checkedUpdatesAndCreatesStoreAndLogTextWithEveryCharacterAsGiven() {
        Map<String, Value> odd = Map.of("name",
                text("Kühlfracht \"Zürich\" \\ tab\there\nline\r\b\f\u0001\u001f — 𝄞 {\"k\": [1]}"));
        Map<String, Value> plain = Map.of("name", text("plain"));
        upsert(acme, SHIPMENT, new RecordWrite("s-1", odd), new RecordWrite("s-2", plain));
        ImportStore imports = new ImportStore(clock);

        List<UpsertOutcome> outcomes = db.inTransaction(h -> records.upsert(h, acme, SHIPMENT, List.of(
                new RecordWrite("s-1", plain, 1L), new RecordWrite("s-2", odd, 1L), new RecordWrite("s-3", odd, 0L)),
                "imp_odd"));
        db.inTransaction(h -> records.upsert(h, acme, SHIPMENT, List.of(new RecordWrite("s-3", plain, 1L))));

        assertThat(outcomes).extracting(UpsertOutcome::externalId, UpsertOutcome::created, UpsertOutcome::version)
                .containsExactly(tuple("s-1", false, 2L), tuple("s-2", false, 2L), tuple("s-3", true, 1L));
        Map<String, Map<String, Value>> stored = new LinkedHashMap<>();
        db.withHandle(h -> records.existing(h, acme, "shipment", List.of("s-1", "s-2", "s-3")))
                .forEach((key, r) -> stored.put(key, ValueJson.decode(r.data(), SHIPMENT)));
        assertThat(stored).containsExactlyInAnyOrderEntriesOf(Map.of("s-1", plain, "s-2", odd, "s-3", plain));
        List<Change> log = db.withHandle(h -> imports.changes(h, acme, "imp_odd", null, 100_000));
        assertThat(log).extracting(Change::externalId, c -> ValueJson.decode(c.previousData(), SHIPMENT),
                Change::previousVersion, Change::appliedVersion).containsExactlyInAnyOrder(
                        tuple("s-1", odd, 1L, 2L), tuple("s-2", plain, 1L, 2L));
    }

    /** Rows whose JSON is longer than one statement carries are written in several (PostgreSQL: several arrays). */
    @Test
    void aChunkLongerThanOneStatementCarriesIsWrittenAndLoggedWhole() {
        String longName = "n".repeat(PostgresDialect.STAGED_CHARS / 3);
        ImportStore imports = new ImportStore(clock);
        List<RecordWrite> creates = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            creates.add(new RecordWrite("l-" + i, Map.of("name", text(i + longName)), 0L));
        }
        db.inTransaction(h -> records.upsert(h, acme, SHIPMENT, creates, "imp_long"));
        List<RecordWrite> updates = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            updates.add(new RecordWrite("l-" + i, Map.of("name", text(longName + i)), 1L));
        }
        updates.add(new RecordWrite("l-7", Map.of("name", text(longName)), 0L));
        List<UpsertOutcome> outcomes = db.inTransaction(h -> records.upsert(h, acme, SHIPMENT, updates, "imp_long2"));
        List<UpsertOutcome> blind = upsert(acme, SHIPMENT, new RecordWrite("l-0", Map.of("name", text("short"))),
                new RecordWrite("l-8", Map.of("name", text(longName))), new RecordWrite("l-9", Map.of("name",
                        text(longName))), new RecordWrite("l-10", Map.of("name", text(longName))));

        assertThat(outcomes).extracting(UpsertOutcome::created, UpsertOutcome::version).containsExactly(
                tuple(false, 2L), tuple(false, 2L), tuple(false, 2L), tuple(false, 2L), tuple(false, 2L),
                tuple(false, 2L), tuple(false, 2L), tuple(true, 1L));
        assertThat(blind).extracting(UpsertOutcome::created, UpsertOutcome::version).containsExactly(
                tuple(false, 3L), tuple(true, 1L), tuple(true, 1L), tuple(true, 1L));
        Map<String, Value> names = new LinkedHashMap<>();
        db.withHandle(h -> records.existing(h, acme, "shipment", List.of("l-0", "l-3", "l-6", "l-7", "l-10")))
                .forEach((key, r) -> names.put(key, ValueJson.decode(r.data(), SHIPMENT).get("name")));
        assertThat(names).containsExactlyInAnyOrderEntriesOf(Map.of("l-0", text("short"), "l-3", text(longName + 3),
                "l-6", text(longName + 6), "l-7", text(longName), "l-10", text(longName)));
        assertThat(db.withHandle((Handle h) -> imports.changes(h, acme, "imp_long2", null, 100_000))).extracting(Change::externalId,
                c -> ValueJson.decode(c.previousData(), SHIPMENT).get("name")).containsExactlyInAnyOrder(
                        tuple("l-0", text(0 + longName)), tuple("l-1", text(1 + longName)),
                        tuple("l-2", text(2 + longName)), tuple("l-3", text(3 + longName)),
                        tuple("l-4", text(4 + longName)), tuple("l-5", text(5 + longName)),
                        tuple("l-6", text(6 + longName)));
    }

    private String storedData(String externalId) {
        return db.withHandle(h -> records.existing(h, acme, "shipment", List.of(externalId))).get(externalId).data();
    }

    @Test
    void sameExternalIdInTwoOrganizationsOrTwoObjectsIsTwoRecords() {
        String acmeVendor = upsert(acme, BuiltInObjects.VENDOR, vendor("ext-1", "Acme's vendor")).getFirst().id();
        UpsertOutcome globexVendor = upsert(globex, BuiltInObjects.VENDOR, vendor("ext-1", "Globex's vendor"))
                .getFirst();
        UpsertOutcome acmeContact = upsert(acme, BuiltInObjects.CONTACT,
                new RecordWrite("ext-1", Map.of("displayName", text("Ada Lovelace")))).getFirst();

        assertThat(globexVendor.created()).isTrue();
        assertThat(acmeContact.created()).isTrue();
        assertThat(acmeContact.id()).startsWith("cntc_");
        assertThat(List.of(acmeVendor, globexVendor.id(), acmeContact.id())).doesNotHaveDuplicates();
        assertThat(idsByExternalId(acme, "vendor", "ext-1")).containsExactly(Map.entry("ext-1", acmeVendor));
        assertThat(idsByExternalId(globex, "vendor", "ext-1")).containsExactly(Map.entry("ext-1", globexVendor.id()));
        assertThat(idsByExternalId(acme, "contact", "ext-1")).containsExactly(Map.entry("ext-1", acmeContact.id()));
        assertThat(page(acme, BuiltInObjects.VENDOR, 10, null)).singleElement()
                .satisfies(r -> assertThat(r.values()).containsExactly(Map.entry("name", text("Acme's vendor"))));
        assertThat(page(globex, BuiltInObjects.VENDOR, 10, null)).singleElement()
                .satisfies(r -> assertThat(r.values()).containsExactly(Map.entry("name", text("Globex's vendor"))));
    }

    @Test
    void neverReturnsAnotherOrganizationsRecord() {
        String acmeOnly = upsert(acme, BuiltInObjects.VENDOR, vendor("acme-only", "Acme's vendor")).getFirst().id();
        String globexOwn = upsert(globex, BuiltInObjects.VENDOR, vendor("globex-own", "Globex's vendor")).getFirst()
                .id();

        assertThat(idsByExternalId(globex, "vendor", "acme-only", "globex-own"))
                .containsExactly(Map.entry("globex-own", globexOwn));
        assertThat(db.withHandle((Handle h) -> records.page(h, globex, BuiltInObjects.VENDOR, "acme-only", null, 10, null)))
                .isEmpty();
        assertThat(db.withHandle((Handle h) -> records.page(h, globex, BuiltInObjects.VENDOR, null, acmeOnly, 10, null)))
                .isEmpty();
        assertThat(page(globex, BuiltInObjects.VENDOR, 10, null)).extracting(StoredRecord::id)
                .containsExactly(globexOwn);
        assertThat(db.withHandle((Handle h) -> records.find(h, globex, acmeOnly, builtIns()))).isEmpty();
        assertThat(db.withHandle((Handle h) -> records.find(h, acme, acmeOnly, builtIns()))).map(StoredRecord::organizationId)
                .contains(acme);
        assertThat(count(globex, "vendor")).isEqualTo(1);
    }

    /**
     * The most parameters the dialect lets one statement carry are ones the database and its driver accept: the store
     * splits its statements by that figure, so it must stay within the real limits (PostgreSQL's driver: 65,535; the
     * SQLite that sqlite-jdbc bundles: 250,000, a stock SQLite build 32,766).
     */
    @Test
    void aStatementTakesAsManyParametersAsTheDialectDeclares() {
        upsert(acme, BuiltInObjects.VENDOR, vendor(externalId(0), "First"), vendor(externalId(31_999), "Last"));
        int most = db.dialect().maxParameters();
        Object[] wanted = IntStream.range(0, most).mapToObj(RecordStoreContract::externalId).toArray();
        String sql = "select count(*) from records where external_id in ("
                + String.join(", ", Collections.nCopies(most, "?")) + ")";

        long found = db.withHandle(h -> h.queryFirst(sql, rs -> rs.getLong(1), wanted).orElseThrow());

        assertThat(most).isEqualTo(32_000);
        assertThat(found).isEqualTo(2);
    }

    @Test
    void findsIdsByExternalIdAcrossSeveralStatements() {
        List<UpsertOutcome> stored = upsert(acme, BuiltInObjects.VENDOR,
                vendor(externalId(0), "First"), vendor(externalId(39_999), "Last"));
        List<String> wanted = IntStream.range(0, 40_000).mapToObj(RecordStoreContract::externalId).toList();
        assertThat(wanted.size()).as("the lookup needs more than one statement")
                .isGreaterThan(db.dialect().maxParameters());

        Map<String, String> found = db.withHandle(h -> records.idsByExternalId(h, acme, "vendor", wanted));

        assertThat(found).containsOnly(
                Map.entry(externalId(0), stored.get(0).id()), Map.entry(externalId(39_999), stored.get(1).id()));
    }

    @Test
    void pagesWalkAllRecordsInIdOrderWithoutGapsOrRepeats() {
        List<String> ids = new ArrayList<>();
        for (int b = 0; b < 5; b++) {
            int batch = b;
            RecordWrite[] writes = IntStream.range(0, 5)
                    .mapToObj(i -> vendor("v-" + batch + "-" + i, "Vendor")).toArray(RecordWrite[]::new);
            upsert(acme, BuiltInObjects.VENDOR, writes).forEach(o -> ids.add(o.id()));
            upsert(globex, BuiltInObjects.VENDOR, vendor("v-" + batch + "-0", "Other organization"));
            upsert(acme, BuiltInObjects.CONTACT, new RecordWrite("v-" + batch + "-0",
                    Map.of("displayName", text("Other object"))));
            clock.advance(Duration.ofMillis(1));
        }

        List<String> walked = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        String after = null;
        while (true) {
            List<StoredRecord> page = page(acme, BuiltInObjects.VENDOR, 7, after);
            if (page.isEmpty()) {
                break;
            }
            sizes.add(page.size());
            page.forEach(r -> walked.add(r.id()));
            after = page.getLast().id();
        }

        assertThat(sizes).containsExactly(7, 7, 7, 4);
        assertThat(walked).containsExactlyElementsOf(ids.stream().sorted().toList());
        // Ids lead with their creation time, so id order is creation order across milliseconds.
        assertThat(walked.subList(0, 5)).containsExactlyInAnyOrderElementsOf(ids.subList(0, 5));
        assertThat(walked.subList(20, 25)).containsExactlyInAnyOrderElementsOf(ids.subList(20, 25));
    }

    @Test
    void readsAnObjectsRecordsByItsIdPrefixWhenOtherObjectsShareOrExtendThePrefix() {
        List<Field> named = List.of(BuiltInObjects.externalIdField(), field("name", FieldType.TEXT, false));
        ObjectDef twin = new ObjectDef("crate", "Crate", "vndr", false, named);
        ObjectDef shorter = new ObjectDef("van", "Van", "vnd", false, named);
        String vendorId = upsert(acme, BuiltInObjects.VENDOR, vendor("k-1", "Vendor")).getFirst().id();
        String twinId = db.inTransaction(h -> records.upsert(h, acme, twin, List.of(vendor("k-1", "Crate")),
                "imp_twin")).getFirst().id();
        String vanId = upsert(acme, shorter, vendor("k-1", "Van")).getFirst().id();
        upsert(globex, BuiltInObjects.VENDOR, vendor("k-2", "Other organization"));

        assertThat(twinId).startsWith("vndr_");
        assertThat(vanId).startsWith("vnd_");
        assertThat(page(acme, BuiltInObjects.VENDOR, 10, null)).extracting(StoredRecord::id).containsExactly(vendorId);
        assertThat(page(acme, twin, 10, null)).extracting(StoredRecord::id).containsExactly(twinId);
        assertThat(page(acme, shorter, 10, null)).extracting(StoredRecord::id).containsExactly(vanId);
        List<String> scanned = new ArrayList<>();
        db.withHandle(h -> {
            records.scan(h, acme, twin, e -> scanned.add(e.id()));
            return null;
        });
        assertThat(scanned).containsExactly(twinId);
        assertThat(db.withHandle((Handle h) -> records.createdBy(h, acme, twin, "imp_twin", 10))).containsExactly(twinId);
        assertThat(db.withHandle((Handle h) -> records.createdBy(h, acme, BuiltInObjects.VENDOR, "imp_twin", 10))).isEmpty();
        assertThat(db.withHandle((Handle h) -> records.byFieldText(h, acme, twin, "name", List.of("CRATE", "vendor"))))
                .containsOnlyKeys("crate");
        assertThat(db.withHandle((Handle h) -> records.idPrefixOf(h, acme, "van"))).contains("vnd");
        assertThat(db.withHandle((Handle h) -> records.idPrefixOf(h, globex, "van"))).isEmpty();
    }

    @Test
    void recordsAreFoundByNameIgnoringCaseTheLeastIdFirstAndCountedWithTheirTextIndexOrWithout() {
        List<UpsertOutcome> first = upsert(acme, BuiltInObjects.VENDOR, vendor("v-1", "Acme"), vendor("v-2", "Beta"));
        String v3 = upsert(acme, BuiltInObjects.VENDOR, vendor("v-3", "ACME")).getFirst().id();
        upsert(globex, BuiltInObjects.VENDOR, vendor("g-1", "Gamma"));
        List<String> wanted = List.of("acme", "BETA", "Gamma");

        Map<String, List<String>> scanned = byName(wanted);
        db.withHandle((Handle h) -> {
            records.ensureTextIndex(h, BuiltInObjects.VENDOR, "name");
            records.ensureTextIndex(h, BuiltInObjects.VENDOR, "name");
            // Another process finds the index made.
            new RecordStore(new IdGenerator(clock), clock).ensureTextIndex(h, BuiltInObjects.VENDOR, "name");
            return null;
        });
        Map<String, List<String>> indexed = byName(wanted);

        // Ids are in creation order to the millisecond (this clock stands still): the least id is the one taken.
        // "acme" matches two records: the count says so.
        List<String> acmeFirst = first.get(0).id().compareTo(v3) < 0 ? List.of(first.get(0).id(), "v-1", "2")
                : List.of(v3, "v-3", "2");
        assertThat(scanned).isEqualTo(Map.of("acme", acmeFirst, "beta", List.of(first.get(1).id(), "v-2", "1")));
        assertThat(indexed).isEqualTo(scanned);
        assertThat(RecordStore.textIndexName("vendor", "name")).isEqualTo("records_text_vendor__name");
        assertThat(RecordStore.textIndexName("a_custom_object_with_a_long_slug", "aFieldWithALongSlugToo"))
                .isEqualTo("records_text_a_custom_object_with_a_long_slug__afi_20ebb15e");
    }

    private Map<String, List<String>> byName(List<String> names) {
        Map<String, List<String>> out = new HashMap<>();
        db.withHandle((Handle h) -> records.byFieldText(h, acme, BuiltInObjects.VENDOR, "name", names))
                .forEach((name, hit) -> out.put(name, List.of(hit.id(), hit.externalId(), "" + hit.matches())));
        return out;
    }

    @Test
    void failingStatementRollsBackEarlierWritesOfItsTransaction() {
        TenantStore tenants = new TenantStore(new IdGenerator(clock), clock);

        assertThatThrownBy(() -> db.inTransaction(h -> {
            tenants.createOrganization(h, "initech", "Initech");
            records.upsert(h, acme, BuiltInObjects.VENDOR, List.of(vendor("v-1", "Acme Corporation")));
            return tenants.createOrganization(h, "acme", "Acme again");
        }))
                .isInstanceOfSatisfying(StoreException.class, e -> {
                    assertThat(e.isUniqueViolation()).isTrue();
                    assertThat(e.code()).isEqualTo("unique_violation");
                    assertThat(e.getMessage()).isEqualTo("A unique constraint was violated");
                });

        assertThat(count(acme, "vendor")).isZero();
        assertThat(db.withHandle((Handle h) -> tenants.organizationBySlug(h, "initech"))).isEmpty();
        assertThat(db.withHandle(tenants::countOrganizations)).isEqualTo(2);
    }

    @Test
    void anImportsErrorsAreStreamedInATransactionWhereTheDatabaseStreamsOnlySoAndTheHandleKeepsAutoCommit() {
        ImportStore imports = new ImportStore(clock);
        List<RowError> written = new ArrayList<>();
        for (int i = 1; i <= 2_500; i++) {
            written.add(new RowError(i, 0, i + 1, "v-" + i, "name", "missing_required_field", "name: required",
                    "{\"external_id\":\"v-" + i + "\"}"));
        }
        db.inTransaction((Handle h) -> {
            imports.addErrors(h, "imp_streamed", written);
            return null;
        });
        List<RowError> read = new ArrayList<>();
        List<Boolean> autoCommitWhileReading = new ArrayList<>();

        db.withHandle((Handle h) -> {
            imports.errors(h, "imp_streamed", e -> {
                read.add(e);
                try {
                    autoCommitWhileReading.add(h.connection().getAutoCommit());
                } catch (java.sql.SQLException ex) {
                    throw new IllegalStateException(ex);
                }
            });
            // The handle is as it was: this write commits on its own.
            imports.addErrors(h, "imp_after", List.of(written.getFirst()));
            return null;
        });

        assertThat(read).containsExactlyElementsOf(written);
        assertThat(autoCommitWhileReading).containsOnly(!db.dialect().streamsInTransaction());
        assertThat(db.withHandle((Handle h) -> imports.errors(h, "imp_after", 10))).containsExactly(written.getFirst());
    }

    /** Stores a vendor whose JSON holds a number with a fraction, a whole number, a boolean, a string and an array. */
    String upsertTypedVendor() {
        return upsert(acme, BuiltInObjects.VENDOR, new RecordWrite("v-1", Map.of(
                "name", text("Acme Corporation"),
                "raw_irq_score", new Value.Decimal(new BigDecimal("85.50")),
                "raw_residual_risk_score", new Value.Decimal(new BigDecimal("12")),
                "enterprise", new Value.Bool(true),
                "dependent_services", new Value.Many(List.of(text("billing"), text("payroll"))))))
                .getFirst().id();
    }

    List<UpsertOutcome> upsert(String organizationId, ObjectDef object, RecordWrite... writes) {
        return db.inTransaction(h -> records.upsert(h, organizationId, object, List.of(writes)));
    }

    List<StoredRecord> page(String organizationId, ObjectDef object, int limit, String afterId) {
        return db.withHandle(h -> records.page(h, organizationId, object, null, null, limit, afterId));
    }

    long count(String organizationId, String object) {
        return db.withHandle(h -> records.count(h, organizationId, object));
    }

    Map<String, String> idsByExternalId(String organizationId, String object, String... externalIds) {
        return db.withHandle(h -> records.idsByExternalId(h, organizationId, object, List.of(externalIds)));
    }

    static Function<String, Optional<ObjectDef>> builtIns() {
        return Schema.builtInOnly()::object;
    }

    static RecordWrite vendor(String externalId, String name) {
        return new RecordWrite(externalId, Map.of("name", text(name)));
    }

    static Value.Text text(String value) {
        return new Value.Text(value);
    }

    static String externalId(int i) {
        return "v-%05d".formatted(i);
    }

    /**
     * An export reads string-typed fields as text in SQL ({@link Dialect#jsonStrings}); whatever JSON a record holds
     * (values stored before an object was re-created with other field types included), each value must come out as
     * decoding its JSON text would give.
     */
    @Test
    void streamsEveryStoredValueAsDecodingItsJsonWouldGiveIt() {
        List<Field> fields = new ArrayList<>();
        for (FieldType type : FieldType.values()) {
            if (type != FieldType.REFERENCE && type != FieldType.ADDRESS && type != FieldType.LIST) {
                fields.add(new Field("f_" + type.wireName(), type.wireName(), type, false, "",
                        type == FieldType.ENUM ? List.of("Active", "5", "true") : List.of(), List.of(), false));
            }
        }
        ObjectDef object = new ObjectDef("odd", "Odd", "oddx", false, fields);
        List<String> jsons = List.of("\"Acme\"", "\"  padded \"", "\"a\\nb\"", "\"quote \\\" here\"",
                "\"back\\\\slash\"", "\"\"", "\"active\"", "\"2025-03-04\"", "\"2025-02-30\"",
                "\"2025-03-04T10:00:00Z\"", "\"[draft]\"", "\"{x}\"", "\"-5\"", "\"05\"", "\"0.0000001\"",
                "\"true\"", "\"1\"", "\"a@example.com\"", "\"\\tb@example.com\\n\"", "\"Active\\t\"",
                "\"https://example.com/x\"", "\"Ünïcødé ✓\"", "12",
                "-3.5", "0", "0.0000001", "-0.00000012", "85.50", "1", "123456789012345678901234567890", "true",
                "false", "null", "[\"a\", \"b\"]", "[]", "{\"type\": \"Mobile\", \"value\": \"x\"}", "{}");
        db.inTransaction(h -> {
            for (int i = 0; i < jsons.size(); i++) {
                StringBuilder data = new StringBuilder("{");
                for (Field f : fields) {
                    data.append(data.length() > 1 ? ", " : "").append('"').append(f.slug()).append("\": ")
                            .append(jsons.get(i));
                }
                h.update("insert into records (id, organization_id, object, external_id, data, created_at, updated_at)"
                        + " values (?, ?, 'odd', ?, " + h.dialect().jsonParameter() + ", 0, 0)",
                        "oddx_" + (100 + i), acme, "odd-" + i, data.append('}').toString());
            }
            return null;
        });

        Map<String, Map<String, Value>> streamed = new LinkedHashMap<>();
        db.withHandle(h -> {
            try {
                return new RecordStream(db).forEach(h, acme, object, fields, RecordQuery.all(),
                        r -> streamed.put(r.externalId(), r.values()));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });

        assertThat(streamed).hasSize(jsons.size());
        for (int i = 0; i < jsons.size(); i++) {
            String id = "oddx_" + (100 + i);
            Map<String, Value> expected = new LinkedHashMap<>();
            for (Field f : fields) {
                String json = db.withHandle(h -> h.queryFirst("select " + h.dialect().jsonValue(List.of(f.slug()))
                        + " from records where id = ?", rs -> rs.getString(1), id)).orElse(null);
                if (json != null && !json.equals("null")) {
                    expected.put(f.slug(), RecordStream.decode(f, json));
                }
            }
            assertThat(streamed.get("odd-" + i)).as("record holding %s", jsons.get(i)).isEqualTo(expected);
        }
    }

    /**
     * A built-in object's string-typed fields are read as text without asking whether each is a JSON string (its
     * field types never change); strings that would read as numbers or JSON come out as the strings they are.
     */
    @Test
    void streamsStringsOfABuiltInObjectThatLookLikeOtherJsonAsStrings() {
        List<String> texts = List.of("-5", "0.0000001", "05", "[draft]", "{x}", "true", "null", "=1+2", "a\tb", "");
        List<Field> fields = List.of(BuiltInObjects.VENDOR.field("name").orElseThrow(),
                BuiltInObjects.VENDOR.field("website").orElseThrow(),
                BuiltInObjects.VENDOR.field("next_assessment_date").orElseThrow());
        db.inTransaction(h -> {
            for (int i = 0; i < texts.size(); i++) {
                String json = ValueJson.write(texts.get(i));
                h.update("insert into records (id, organization_id, object, external_id, data, created_at, updated_at)"
                        + " values (?, ?, 'vendor', ?, " + h.dialect().jsonParameter() + ", 0, 0)",
                        "vndr_" + (100 + i), acme, "v-" + i, "{\"name\": " + json + ", \"website\": " + json
                                + ", \"next_assessment_date\": " + json + "}");
            }
            return null;
        });

        Map<String, Map<String, Value>> streamed = new LinkedHashMap<>();
        db.withHandle(h -> {
            try {
                return new RecordStream(db).forEach(h, acme, BuiltInObjects.VENDOR, fields, RecordQuery.all(),
                        r -> streamed.put(r.externalId(), r.values()));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });

        for (int i = 0; i < texts.size(); i++) {
            Map<String, Value> expected = new LinkedHashMap<>();
            for (Field f : fields) {
                expected.put(f.slug(), RecordStream.decode(f, ValueJson.write(texts.get(i))));
            }
            assertThat(streamed.get("v-" + i)).as("record holding %s", texts.get(i)).isEqualTo(expected);
            assertThat(streamed.get("v-" + i).get("name")).isEqualTo(new Value.Text(texts.get(i)));
        }
    }

    @Test
    void stopsReadingWhenTheHandlerFailsAndLeavesTheConnectionUsable() {
        db.inTransaction(h -> {
            for (int i = 0; i < 5_500; i++) {
                h.update("insert into records (id, organization_id, object, external_id, data, created_at, updated_at)"
                        + " values (?, ?, 'vendor', ?, " + h.dialect().jsonParameter() + ", 0, 0)",
                        "vndr_%05d".formatted(i), acme, "v-" + i, "{\"name\": \"Vendor " + i + "\"}");
            }
            return null;
        });
        List<Field> name = List.of(BuiltInObjects.VENDOR.field("name").orElseThrow());
        AtomicInteger seen = new AtomicInteger();

        long count = db.withHandle(h -> {
            assertThatThrownBy(() -> new RecordStream(db).forEach(h, acme, BuiltInObjects.VENDOR, name,
                    RecordQuery.all(), r -> {
                        if (seen.incrementAndGet() == 1_500) {
                            throw new java.io.IOException("client went away");
                        }
                    })).isInstanceOf(java.io.IOException.class).hasMessage("client went away");
            return h.queryFirst("select count(*) from records where organization_id = ?", rs -> rs.getLong(1), acme)
                    .orElseThrow();
        });

        assertThat(seen).hasValue(1_500);
        assertThat(count).isEqualTo(5_500);
    }

    @Test
    void streamsTheRecordsAFilterOnQuotesAndBackslashesSelects() {
        upsert(acme, BuiltInObjects.VENDOR, new RecordWrite("v-1", Map.of("name", text("O'Brien \\' or 1=1 --"))),
                new RecordWrite("v-2", Map.of("name", text("O'Brien"))), new RecordWrite("v-3", Map.of("name",
                        text("plain ?"))));
        List<Field> name = List.of(BuiltInObjects.VENDOR.field("name").orElseThrow());
        RecordQuery.Target target = RecordQuery.Target.json(List.of("name"), RecordQuery.Kind.TEXT);

        Function<RecordQuery.Condition, List<String>> matching = condition -> {
            List<String> ids = new ArrayList<>();
            db.withHandle(h -> {
                try {
                    return new RecordStream(db).forEach(h, acme, BuiltInObjects.VENDOR, name,
                            new RecordQuery(List.of(condition), null, null), r -> ids.add(r.externalId()));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            return ids;
        };

        assertThat(matching.apply(new RecordQuery.Equals(target, "O'Brien \\' or 1=1 --"))).containsExactly("v-1");
        assertThat(matching.apply(new RecordQuery.Equals(target, "O'Brien"))).containsExactly("v-2");
        assertThat(matching.apply(new RecordQuery.In(target, List.of("plain ?", "O'Brien"))))
                .containsExactlyInAnyOrder("v-2", "v-3");
    }

    @Test
    void streamsEachReferenceNamedByTheExternalIdItsRecordHasNowAsReadingARecordDoes() {
        // Stored references: one holding an external_id its record no longer has, one to a record that has none now,
        // one to another organization's record, one to a record that is gone.
        List<String> stored = List.of("{\"external_id\": \"v-then\", \"object\": \"vendor\", \"id\": \"vndr_now\"}",
                "{\"external_id\": \"v-removed\", \"object\": \"vendor\", \"id\": \"vndr_none\"}",
                "{\"external_id\": \"g-stored\", \"object\": \"vendor\", \"id\": \"vndr_globex\"}",
                "{\"external_id\": \"v-gone\", \"object\": \"vendor\", \"id\": \"vndr_gone\"}");
        List<Value.Ref> read = List.of(new Value.Ref("v-now", "vendor", "vndr_now"),
                new Value.Ref(null, "vendor", "vndr_none"), new Value.Ref("g-stored", "vendor", "vndr_globex"),
                new Value.Ref("v-gone", "vendor", "vndr_gone"));
        Field maker = new Field("maker", "Maker", FieldType.REFERENCE, false, "", List.of(), List.of("vendor"), false);
        Field makers = new Field("makers", "Makers", FieldType.REFERENCE, false, "", List.of(), List.of("vendor"),
                true);
        Field title = field("title", FieldType.TEXT, false);
        ObjectDef part = new ObjectDef("part", "Part", "part", false, List.of(title, maker, makers));
        int n = 2_500;
        db.inTransaction(h -> {
            String insert = rawInsert(h);
            h.update(insert, "vndr_now", acme, "vendor", "v-now", "{\"name\": \"Now\"}");
            h.update(insert, "vndr_none", acme, "vendor", null, "{\"name\": \"None\"}");
            h.update(insert, "vndr_globex", globex, "vendor", "g-now", "{\"name\": \"Globex's\"}");
            for (int i = 0; i < n; i++) {
                h.update(insert, "part_%05d".formatted(i), acme, "part", "p-" + i, "{\"title\": \"Part " + i
                        + "\", \"maker\": " + stored.get(i % 4) + ", \"makers\": [" + String.join(", ", stored)
                        + "]}");
            }
            return null;
        });

        List<StoredRecord> streamed = new ArrayList<>();
        db.withHandle(h -> {
            try {
                return new RecordStream(db).forEach(h, acme, part, part.fields(), RecordQuery.all(), streamed::add);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });

        assertThat(streamed).hasSize(n);
        for (int i = 0; i < n; i++) {
            assertThat(streamed.get(i).externalId()).isEqualTo("p-" + i);
            assertThat(streamed.get(i).values()).as("part %d", i).isEqualTo(Map.of("title", text("Part " + i),
                    "maker", read.get(i % 4), "makers", new Value.Many(List.copyOf(read))));
        }
        // Reading a record names them so.
        StoredRecord first = db.withHandle(h -> records.withCurrentReferences(h, acme,
                records.page(h, acme, part, "p-0", null, 1, null))).getFirst();
        assertThat(first.values()).isEqualTo(streamed.getFirst().values());
    }

    /**
     * Filters, sorts and counts compare a reference by the text the stream names it with: the external_id its record
     * has now (its id when it has none), or for a reference whose record is gone or another organization's, what it
     * holds. Before, they compared what the reference held: {@code v-now} found the reference still holding the
     * {@code v-now} its record gave up (part p-7), and not those holding {@code v-then} or nothing (p-1, p-5).
     */
    @Test
    void filtersSortsAndCountsCompareAReferenceByTheExternalIdItsRecordHasNow() {
        ObjectDef part = partsWithMakersRenamedGoneAndElsewhere();
        RecordQuery.Target target = RecordQuery.Target.reference("maker");
        RecordStream stream = new RecordStream(db);
        Function<RecordQuery, List<String>> read = query -> makersAsStreamed(stream, part, query);
        Function<RecordQuery.Condition, List<String>> matching = condition -> read.apply(new RecordQuery(
                List.of(condition), null, null));

        assertThat(matching.apply(new RecordQuery.Equals(target, "v-now"))).containsExactly("p-1=v-now", "p-5=v-now");
        assertThat(matching.apply(new RecordQuery.Equals(target, "v-then"))).isEmpty();
        assertThat(matching.apply(new RecordQuery.Equals(target, "vndr_none"))).containsExactly("p-2=vndr_none");
        assertThat(matching.apply(new RecordQuery.Equals(target, "v-removed"))).isEmpty();
        assertThat(matching.apply(new RecordQuery.Equals(target, "g-stored"))).containsExactly("p-3=g-stored");
        assertThat(matching.apply(new RecordQuery.Equals(target, "g-now"))).isEmpty();
        assertThat(matching.apply(new RecordQuery.In(target, List.of("v-x", "v-gone"))))
                .containsExactly("p-4=v-gone", "p-7=v-x");
        assertThat(matching.apply(new RecordQuery.Range(target, "v-", "v-z")))
                .containsExactly("p-1=v-now", "p-4=v-gone", "p-5=v-now", "p-7=v-x");
        assertThat(matching.apply(new RecordQuery.Empty(target, true))).containsExactly("p-6=");
        assertThat(matching.apply(new RecordQuery.Empty(target, false))).containsExactly("p-1=v-now",
                "p-2=vndr_none", "p-3=g-stored", "p-4=v-gone", "p-5=v-now", "p-7=v-x");
        // By code point ('-' before 'n'), ties by id in the same direction, the part without a maker last.
        assertThat(read.apply(new RecordQuery(List.of(), new RecordQuery.Sort(target, false), null)))
                .containsExactly("p-3=g-stored", "p-4=v-gone", "p-1=v-now", "p-5=v-now", "p-7=v-x", "p-2=vndr_none",
                        "p-6=");
        assertThat(read.apply(new RecordQuery(List.of(), new RecordQuery.Sort(target, true), 6)))
                .containsExactly("p-2=vndr_none", "p-7=v-x", "p-5=v-now", "p-1=v-now", "p-4=v-gone", "p-3=g-stored");
        RecordQuery now = new RecordQuery(List.of(new RecordQuery.Equals(target, "v-now")), null, null);
        assertThat(db.<Long>withHandle(h -> stream.count(h, acme, part, now))).isEqualTo(2L);
        assertThat(db.<Long>withHandle(h -> stream.countUpTo(h, acme, part, now, 10))).isEqualTo(2L);
    }

    /**
     * A statement inserting one record as it is stored, bypassing the store (id, organization, object, external_id and
     * data bound in that order; created and updated at 0): for records no import could write.
     */
    private static String rawInsert(Handle h) {
        return "insert into records (id, organization_id, object, external_id, data, created_at, updated_at)"
                + " values (?, ?, ?, ?, " + h.dialect().jsonParameter() + ", 0, 0)";
    }

    /**
     * Parts p-1 to p-7 whose maker (a reference to a vendor) names: v-then (its record vndr_now is v-now now),
     * v-removed (vndr_none has no external_id now), g-stored (another organization's record), v-gone (no record), its
     * record's id alone (vndr_now), nothing (p-6), and v-now (the record vndr_x, v-x now).
     */
    private ObjectDef partsWithMakersRenamedGoneAndElsewhere() {
        Field maker = new Field("maker", "Maker", FieldType.REFERENCE, false, "", List.of(), List.of("vendor"), false);
        ObjectDef part = new ObjectDef("part", "Part", "part", false, List.of(maker));
        db.inTransaction(h -> {
            String insert = rawInsert(h);
            h.update(insert, "vndr_now", acme, "vendor", "v-now", "{\"name\": \"Now\"}");
            h.update(insert, "vndr_none", acme, "vendor", null, "{\"name\": \"None\"}");
            h.update(insert, "vndr_x", acme, "vendor", "v-x", "{\"name\": \"X\"}");
            h.update(insert, "vndr_globex", globex, "vendor", "g-now", "{\"name\": \"Globex's\"}");
            List<String> makers = List.of(
                    "{\"external_id\": \"v-then\", \"object\": \"vendor\", \"id\": \"vndr_now\"}",
                    "{\"external_id\": \"v-removed\", \"object\": \"vendor\", \"id\": \"vndr_none\"}",
                    "{\"external_id\": \"g-stored\", \"object\": \"vendor\", \"id\": \"vndr_globex\"}",
                    "{\"external_id\": \"v-gone\", \"object\": \"vendor\", \"id\": \"vndr_gone\"}",
                    "{\"external_id\": null, \"object\": \"vendor\", \"id\": \"vndr_now\"}",
                    "",
                    "{\"external_id\": \"v-now\", \"object\": \"vendor\", \"id\": \"vndr_x\"}");
            for (int i = 0; i < makers.size(); i++) {
                h.update(insert, "part_" + (i + 1), acme, "part", "p-" + (i + 1), makers.get(i).isEmpty() ? "{}"
                        : "{\"maker\": " + makers.get(i) + "}");
            }
            return null;
        });
        return part;
    }

    /**
     * Equals and in filters on one reference hold together where the reference's text is a value they all share, and
     * are one subquery of those values (none when they share none): a reference names one record. Before, each was a
     * subquery of its own, whose cost on PostgreSQL grew much faster than their number.
     */
    @Test
    void equalsAndInFiltersOnOneReferenceAreOneSubqueryOfTheValuesTheyShare() {
        ObjectDef part = partsWithMakersRenamedGoneAndElsewhere();
        RecordQuery.Target target = RecordQuery.Target.reference("maker");
        RecordStream stream = new RecordStream(db);
        Function<List<RecordQuery.Condition>, List<String>> matching = conditions -> makersAsStreamed(stream, part,
                new RecordQuery(conditions, null, null));
        Function<List<RecordQuery.Condition>, Integer> subqueries = conditions -> RecordStream.conditions(
                db.dialect(), acme, part, conditions, new ArrayList<>()).split("with recursive", -1).length - 1;
        List<RecordQuery.Condition> nowOrGone = List.of(new RecordQuery.In(target, List.of("v-now", "v-gone", "v-x")),
                new RecordQuery.Equals(target, "v-gone"), new RecordQuery.In(target, List.of("v-x", "v-gone")));
        List<RecordQuery.Condition> apart = List.of(new RecordQuery.Equals(target, "v-now"),
                new RecordQuery.Equals(target, "v-x"));
        List<RecordQuery.Condition> shared = List.of(new RecordQuery.In(target, List.of("v-now", "vndr_none")),
                new RecordQuery.In(target, List.of("vndr_none", "v-now", "g-stored")));

        assertThat(matching.apply(nowOrGone)).containsExactly("p-4=v-gone");
        assertThat(matching.apply(apart)).isEmpty();
        assertThat(matching.apply(shared)).containsExactly("p-1=v-now", "p-2=vndr_none", "p-5=v-now");
        assertThat(matching.apply(List.of(shared.getFirst(), new RecordQuery.Empty(target, false),
                shared.getLast()))).containsExactly("p-1=v-now", "p-2=vndr_none", "p-5=v-now");
        assertThat(subqueries.apply(nowOrGone)).isEqualTo(1);
        assertThat(subqueries.apply(shared)).isEqualTo(1);
        // No value shared: no record can match, and no subquery is run.
        assertThat(subqueries.apply(apart)).isZero();
        assertThat(subqueries.apply(List.of(new RecordQuery.Equals(target, "v-now"),
                new RecordQuery.Equals(RecordQuery.Target.reference("other"), "v-now")))).isEqualTo(2);
    }

    /**
     * A page of records meets its conditions as an export's filter does, a reference by the external_id its record
     * has now, and the pages after a cursor hold the rest of the matching records only: the organization's, of the
     * object, in id order.
     */
    @Test
    void aPageMeetsItsConditionsAReferenceByTheExternalIdItsRecordHasNowAndContinuesAfterItsCursor() {
        Field maker = new Field("maker", "Maker", FieldType.REFERENCE, false, "", List.of(), List.of("vendor"), false);
        ObjectDef part = new ObjectDef("part", "Part", "part", false, List.of(BuiltInObjects.externalIdField(),
                maker, field("name", FieldType.TEXT, false)));
        db.inTransaction(h -> {
            String insert = rawInsert(h);
            h.update(insert, "vndr_now", acme, "vendor", "v-now", "{\"name\": \"Now\"}");
            h.update(insert, "vndr_x", acme, "vendor", "v-x", "{\"name\": \"X\"}");
            String then = "{\"maker\": {\"external_id\": \"v-then\", \"object\": \"vendor\", \"id\": \"vndr_now\"},"
                    + " \"name\": \"%s\"}";
            String other = "{\"maker\": {\"external_id\": \"v-now\", \"object\": \"vendor\", \"id\": \"vndr_x\"},"
                    + " \"name\": \"%s\"}";
            h.update(insert, "part_1", acme, "part", "p-1", then.formatted("bolt"));
            h.update(insert, "part_2", acme, "part", "p-2", other.formatted("bolt"));
            h.update(insert, "part_3", acme, "part", "p-3", then.formatted("nut"));
            h.update(insert, "part_4", globex, "part", "p-4", then.formatted("bolt"));
            h.update(insert, "part_5", acme, "part", "p-5", then.formatted("bolt"));
            h.update(insert, "pas_6", acme, "pass", "p-6", then.formatted("bolt"));
            return null;
        });
        RecordQuery.Condition byNow = new RecordQuery.Equals(RecordQuery.Target.reference("maker"), "v-now");
        RecordQuery.Condition bolts = new RecordQuery.Equals(RecordQuery.Target.json(List.of("name"),
                RecordQuery.Kind.TEXT), "bolt");
        Function<String, List<StoredRecord>> after = cursor -> db.withHandle(h -> records.page(h, acme, part,
                List.of(byNow, bolts), 1, cursor));

        List<StoredRecord> first = after.apply(null);
        List<StoredRecord> second = after.apply(first.getLast().id());
        assertThat(Stream.of(first, second, after.apply(second.getLast().id())).map(page -> page.stream()
                .map(StoredRecord::externalId).toList())).containsExactly(List.of("p-1"), List.of("p-5"), List.of());
        Function<RecordQuery.Condition, List<String>> all = condition -> db.<List<StoredRecord>>withHandle(h ->
                records.page(h, acme, part, List.of(condition), 10, null)).stream().map(StoredRecord::externalId)
                .toList();
        assertThat(all.apply(byNow)).containsExactly("p-1", "p-3", "p-5");
        assertThat(all.apply(new RecordQuery.Equals(RecordQuery.Target.reference("maker"), "v-then"))).isEmpty();
        assertThat(all.apply(new RecordQuery.Equals(RecordQuery.Target.reference("maker"), "v-x")))
                .containsExactly("p-2");
        assertThat(db.<List<StoredRecord>>withHandle(h -> records.page(h, acme, part, "p-3", null, 10, null)))
                .extracting(StoredRecord::externalId).containsExactly("p-3");
    }

    /**
     * An equals or in on a reference finds the records its values name first and compares the object and id each
     * reference holds ({@code RecordStream.referenceIn}), and it matches what a look-up per row matched: two vendors
     * that swapped external_ids are found by the one they have now (the references still hold the old ones), a
     * reference whose object is not its record's compares by what it holds, a record of another object than the
     * field's target is found by its external_id too, and a reference whose record is gone by what it holds.
     */
    @Test
    void anEqualsOrInOnAReferenceFindsItsRecordsFirstAndMatchesWhatALookUpPerRowMatched() {
        Field maker = new Field("maker", "Maker", FieldType.REFERENCE, false, "", List.of(), List.of("vendor"), false);
        ObjectDef part = new ObjectDef("part", "Part", "part", false, List.of(maker));
        db.inTransaction(h -> {
            String insert = rawInsert(h);
            // vndr_a was a-1 and vndr_b was b-1 when the references were written; they swapped since.
            h.update(insert, "vndr_a", acme, "vendor", "b-1", "{}");
            h.update(insert, "vndr_b", acme, "vendor", "a-1", "{}");
            h.update(insert, "cust_c", acme, "customer", "c-1", "{}");
            h.update(insert, "vndr_d", globex, "vendor", "a-1", "{}");
            List<String> makers = List.of(
                    "{\"external_id\": \"a-1\", \"object\": \"vendor\", \"id\": \"vndr_a\"}",
                    "{\"external_id\": \"b-1\", \"object\": \"vendor\", \"id\": \"vndr_b\"}",
                    "{\"external_id\": \"x-1\", \"object\": \"customer\", \"id\": \"vndr_b\"}",
                    "{\"external_id\": null, \"object\": \"customer\", \"id\": \"cust_c\"}",
                    "{\"external_id\": \"a-1\", \"object\": \"vendor\", \"id\": \"vndr_gone\"}",
                    "{\"external_id\": null, \"object\": \"vendor\", \"id\": \"vndr_d\"}");
            for (int i = 0; i < makers.size(); i++) {
                h.update(insert, "part_" + (i + 1), acme, "part", "p-" + (i + 1), "{\"maker\": " + makers.get(i) + "}");
            }
            return null;
        });
        RecordQuery.Target target = RecordQuery.Target.reference("maker");
        RecordStream stream = new RecordStream(db);
        Function<RecordQuery.Condition, List<String>> streamed = condition -> {
            List<String> out = new ArrayList<>();
            db.withHandle(h -> {
                try {
                    return stream.forEach(h, acme, part, part.fields(), new RecordQuery(List.of(condition), null,
                            null), r -> out.add(r.externalId()));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            return out;
        };
        Function<RecordQuery.Condition, List<String>> paged = condition -> db.<List<StoredRecord>>withHandle(h ->
                records.page(h, acme, part, List.of(condition), 10, null)).stream().map(StoredRecord::externalId)
                .toList();

        for (Function<RecordQuery.Condition, List<String>> matching : List.of(streamed, paged)) {
            assertThat(matching.apply(new RecordQuery.Equals(target, "a-1"))).containsExactly("p-2", "p-5");
            assertThat(matching.apply(new RecordQuery.Equals(target, "b-1"))).containsExactly("p-1");
            assertThat(matching.apply(new RecordQuery.Equals(target, "x-1"))).containsExactly("p-3");
            assertThat(matching.apply(new RecordQuery.Equals(target, "c-1"))).containsExactly("p-4");
            assertThat(matching.apply(new RecordQuery.Equals(target, "vndr_d"))).containsExactly("p-6");
            assertThat(matching.apply(new RecordQuery.Equals(target, "cust_c"))).isEmpty();
            assertThat(matching.apply(new RecordQuery.In(target, List.of("b-1", "c-1", "vndr_gone", "x-1"))))
                    .containsExactly("p-1", "p-3", "p-4");
        }
    }

    /**
     * Values of an {@code in} filter beyond either database's parameter limit (PostgreSQL's driver: 65,535 a statement;
     * the SQLite sqlite-jdbc bundles: 250,000): each of its 250,000 values that name no record beside a few that do.
     * The records list's page, an export's stream (with and without references to name), and its counts all select
     * exactly the records the few name, on a text field, the external_id, a reference (by external_id, and by id for a
     * record without one), a number (compared as a number: 2.5 is the stored 2.50), a creation time, a date and a
     * boolean. Before, every value was a parameter of its own: PostgreSQL's driver refused the page and the counts
     * ({@code database_error}: "PreparedStatement can have at most 65,535 parameters"), SQLite every path ("too many
     * SQL variables").
     */
    @Test
    void anInFilterOfMoreValuesThanAStatementTakesParametersSelectsExactlyTheRecordsItsValuesName() {
        String beta = upsert(acme, BuiltInObjects.VENDOR, vendor("v-1", "Acme"), vendor(null, "Beta")).get(1).id();
        upsert(globex, BuiltInObjects.VENDOR, vendor("v-2", "Globex's"));
        List<Long> created = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            clock.advance(Duration.ofMinutes(1));
            created.add(clock.millis());
            Map<String, Value> values = new LinkedHashMap<>();
            values.put("name", text("Box " + i));
            values.put("weight_kg", new Value.Decimal(new BigDecimal(i == 1 ? "2.50" : i + "0.5")));
            values.put("hazardous", new Value.Bool(i == 2));
            values.put("ship_date", new Value.Date(LocalDate.of(2024, 2, 25).plusDays(i)));
            if (i != 4) {
                String vendor = i == 5 ? beta : idsByExternalId(acme, "vendor", "v-1").get("v-1");
                values.put("carrier", new Value.Ref(i == 5 ? null : "v-1", "vendor", vendor));
            }
            upsert(acme, SHIPMENT, new RecordWrite("s-" + i, values));
        }
        upsert(globex, SHIPMENT, new RecordWrite("s-1", Map.of("name", text("Box 1"), "carrier",
                new Value.Ref("v-2", "vendor", idsByExternalId(globex, "vendor", "v-2").get("v-2")))));
        int many = 250_000;
        Function<List<Object>, List<Object>> withMany = named -> {
            List<Object> values = new ArrayList<>(named);
            for (int i = 0; i < many; i++) {
                values.add(switch (named.getFirst()) {
                    case BigDecimal d -> new BigDecimal(i + ".25");
                    case Long l -> (long) i;
                    default -> "no-such-" + i;
                });
            }
            return values;
        };
        RecordStream stream = new RecordStream(db);
        List<Field> name = List.of(SHIPMENT.field("name").orElseThrow());
        Map<RecordQuery.Condition, List<String>> expected = new LinkedHashMap<>();
        expected.put(new RecordQuery.In(RecordQuery.Target.json(List.of("name"), RecordQuery.Kind.TEXT),
                withMany.apply(List.of("Box 4", "Box 2"))), List.of("s-2", "s-4"));
        expected.put(new RecordQuery.In(RecordQuery.Target.column("external_id", RecordQuery.Kind.TEXT),
                withMany.apply(List.of("s-5", "s-1"))), List.of("s-1", "s-5"));
        expected.put(new RecordQuery.In(RecordQuery.Target.reference("carrier"),
                withMany.apply(List.of("v-1", beta, "v-2"))), List.of("s-1", "s-2", "s-3", "s-5"));
        expected.put(new RecordQuery.In(RecordQuery.Target.json(List.of("weight_kg"), RecordQuery.Kind.NUMBER),
                withMany.apply(List.of(new BigDecimal("2.5"), new BigDecimal("3.05E+1")))), List.of("s-1", "s-3"));
        expected.put(new RecordQuery.In(RecordQuery.Target.column("created_at", RecordQuery.Kind.EPOCH_MILLIS),
                withMany.apply(List.of(created.get(3)))), List.of("s-4"));
        expected.put(new RecordQuery.In(RecordQuery.Target.json(List.of("ship_date"), RecordQuery.Kind.TEXT),
                withMany.apply(List.of("2024-02-28"))), List.of("s-3"));
        expected.put(new RecordQuery.In(RecordQuery.Target.json(List.of("hazardous"), RecordQuery.Kind.BOOLEAN),
                withMany.apply(List.of("true"))), List.of("s-2"));

        expected.forEach((condition, ids) -> {
            RecordQuery query = new RecordQuery(List.of(condition), null, null);
            List<String> paged = db.<List<StoredRecord>>withHandle(h -> records.page(h, acme, SHIPMENT,
                    List.of(condition), 100, null)).stream().map(StoredRecord::externalId).toList();
            List<String> streamed = new ArrayList<>();
            List<String> rows = new ArrayList<>();
            db.withHandle(h -> {
                try {
                    stream.forEach(h, acme, SHIPMENT, SHIPMENT.fields(), query, r -> streamed.add(r.externalId()));
                    return stream.forEachRow(h, acme, SHIPMENT, Set.of(RecordStream.Property.EXTERNAL_ID), name,
                            query, r -> rows.add(r.property(RecordStream.Property.EXTERNAL_ID)));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            long counted = db.<Long>withHandle(h -> stream.count(h, acme, SHIPMENT, query));
            long countedUpTo = db.<Long>withHandle(h -> stream.countUpTo(h, acme, SHIPMENT, query, 10_001));

            String what = condition.target().toString();
            assertThat(paged).as(what).containsExactlyElementsOf(ids);
            assertThat(streamed).as(what).containsExactlyElementsOf(ids);
            assertThat(rows).as(what).containsExactlyElementsOf(ids);
            assertThat(counted).as(what).isEqualTo(ids.size());
            assertThat(countedUpTo).as(what).isEqualTo(ids.size());
        });
    }

    /**
     * Vendors v-1 to v-3 and services s-1 to s-4 of acme, each referring to its vendor, s-1 to v-1, s-2 to v-2, s-3 to
     * v-3 and s-4 to v-1; s-1 alone has dependencies, v-2. Returns the ids by external id.
     */
    Map<String, String> servicesOfThreeVendors() {
        return db.inTransaction(h -> {
            Map<String, String> ids = new HashMap<>();
            for (String v : List.of("v-1", "v-2", "v-3")) {
                records.upsert(h, acme, BuiltInObjects.VENDOR, List.of(new RecordWrite(v, Map.of("name",
                        new Value.Text(v)))));
            }
            ids.putAll(records.idsByExternalId(h, acme, "vendor", List.of("v-1", "v-2", "v-3")));
            Function<String, Value.Ref> vendor = v -> new Value.Ref(v, "vendor", ids.get(v));
            records.upsert(h, acme, BuiltInObjects.SERVICE, List.of(
                    new RecordWrite("s-1", Map.of("name", new Value.Text("Base"), "vendor", vendor.apply("v-1"),
                            "dependencies", new Value.Many(List.of(vendor.apply("v-2"))))),
                    new RecordWrite("s-2", Map.of("name", new Value.Text("Ledger"), "vendor", vendor.apply("v-2"))),
                    new RecordWrite("s-3", Map.of("name", new Value.Text("Mail"), "vendor", vendor.apply("v-3"))),
                    new RecordWrite("s-4", Map.of("name", new Value.Text("Queue"), "vendor", vendor.apply("v-1")))));
            ids.putAll(records.idsByExternalId(h, acme, "service", List.of("s-1", "s-2", "s-3", "s-4")));
            return ids;
        });
    }

    /** The services' reference fields, as a look for what refers to vendors reads them. */
    static final List<String> SERVICE_REFERENCES = List.of("vendor", "dependencies");

    /**
     * The references of {@link #servicesOfThreeVendors} to v-2 and to 999 ids of no record
     * ({@link RecordStore.Referred.Among}), as a file workflow import asks before it undoes rows it rejects late, found
     * by one statement: s-1's dependencies and s-2's vendor.
     */
    @Test
    void referencesToASetOfIdsAreFoundByOneStatement() {
        Map<String, String> ids = servicesOfThreeVendors();
        StatementCount statements = new StatementCount();
        List<RecordStore.Reference> found = new ArrayList<>();

        db.withHandle(h -> records.references(statements.counting(h), acme, BuiltInObjects.SERVICE,
                SERVICE_REFERENCES, Set.of("vendor"), new RecordStore.Referred.Among(aThousandIdsWith(ids.get("v-2"))),
                null, found::add));

        assertThat(statements.taken()).isEqualTo(1);
        assertThat(found).containsExactlyInAnyOrder(
                new RecordStore.Reference(ids.get("s-1"), "s-1", 1, ids.get("v-2")),
                new RecordStore.Reference(ids.get("s-2"), "s-2", 0, ids.get("v-2")));
    }

    /** {@code id} and 999 ids of no record. */
    static List<String> aThousandIdsWith(String id) {
        return Stream.concat(Stream.of(id), IntStream.range(1, 1000).mapToObj(i -> "vndr_none" + i)).toList();
    }

    /**
     * The statement {@link RecordStore#references} runs for the references of {@link #servicesOfThreeVendors} to v-2
     * and 999 ids of no record ({@link RecordStore.Referred.Among}), with its parameters.
     */
    StatementCount.Run referencesAmongAThousandIds() {
        Map<String, String> ids = servicesOfThreeVendors();
        StatementCount statements = new StatementCount();
        db.withHandle(h -> records.references(statements.counting(h), acme, BuiltInObjects.SERVICE,
                SERVICE_REFERENCES, Set.of("vendor"), new RecordStore.Referred.Among(aThousandIdsWith(ids.get("v-2"))),
                null, r -> {}));
        return statements.run("order by r.id").getLast();
    }

    /**
     * The statement {@link RecordStore#referrers} runs for what refers to v-1 and v-2 among
     * {@link #servicesOfThreeVendors} (a delete chunk's count of what refers to its records), with its parameters.
     */
    StatementCount.Run referrersOfTwoVendors() {
        Map<String, String> ids = servicesOfThreeVendors();
        StatementCount statements = new StatementCount();
        List<RecordStore.Referrers> found = new ArrayList<>();
        db.withHandle(h -> {
            records.referrers(statements.counting(h), acme, BuiltInObjects.SERVICE, SERVICE_REFERENCES,
                    Set.of("vendor"), List.of(ids.get("v-1"), ids.get("v-2")), null, found::add);
            return null;
        });
        assertThat(found).containsExactly(
                new RecordStore.Referrers(ids.get("v-1"), 2, ids.get("s-1"), "s-1", 0),
                new RecordStore.Referrers(ids.get("v-2"), 2, ids.get("s-1"), "s-1", 1));
        return statements.run("over (partition by").getLast();
    }

    /**
     * The plan the database keeps for a statement that leaves out the records among a set of 1,000 ids
     * ({@link Dialect#inSet}), as a delete chunk's count of what refers to its records does: PostgreSQL's generic plan,
     * which the driver's statements prepared on the server run from their fifth run.
     */
    List<String> notInASetOfIdsPlan() {
        List<String> ids = IntStream.range(0, 1000).mapToObj(i -> "vndr_" + i).toList();
        return db.withHandle(h -> {
            List<Object> params = new ArrayList<>(List.of(acme));
            String sql = "select id from records where organization_id = ? and not "
                    + h.dialect().inSet(h, "id", ids, params);
            return databases().genericPlan(h, sql, params);
        });
    }

    /**
     * The plans of a records page (as {@link RecordStore#page} reads it) that an {@code in} filter of two external_ids
     * selects, among 10,000 vendors of each organization: first as the two were bound before, a parameter each, then as
     * {@link Dialect#anyOf} binds them now. Statistics refreshed, as imports leave them.
     */
    List<List<String>> smallInFilterPlans() {
        List<RecordWrite> writes = IntStream.range(0, 10_000).mapToObj(i -> vendor(externalId(i), "Vendor " + i))
                .toList();
        db.inTransaction(h -> records.upsert(h, acme, BuiltInObjects.VENDOR, writes));
        db.inTransaction(h -> records.upsert(h, globex, BuiltInObjects.VENDOR, writes));
        db.withHandle((Handle h) -> {
            h.dialect().refreshStatistics(h, "records");
            return null;
        });
        List<Object> before = new ArrayList<>();
        String where = db.dialect().objectInIdOrder(acme, BuiltInObjects.VENDOR, before);
        List<Object> now = new ArrayList<>(before);
        String page = "select id, organization_id, object, external_id, data, created_at, updated_at from records where "
                + where + " and %s order by id limit 101";
        before.addAll(List.of(externalId(5), externalId(7)));
        String anyOf = RecordStream.conditions(db.dialect(), acme, BuiltInObjects.VENDOR, List.of(new RecordQuery.In(
                RecordQuery.Target.column("external_id", RecordQuery.Kind.TEXT), List.of(externalId(5),
                        externalId(7)))), now).substring(" and ".length());
        return db.withHandle(h -> List.of(databases().plan(h, page.formatted("external_id in (?, ?)"), before),
                databases().plan(h, page.formatted(anyOf), now)));
    }

    /**
     * A sort or a range on a reference compares the text the stream names it with, whichever way the database finds
     * each reference's record: a record renamed since by its external_id now, one without an external_id by its id, a
     * gone record (with or without an external_id held), a record of another object than the field's target, a
     * reference whose object is not its record's, and another organization's record of the same id by what the
     * reference holds; a missing or null value last. Two reference fields in one query each find their own records,
     * and the records list's pages of a range continue after their cursor in id order.
     */
    @Test
    void aSortOrARangeOnAReferenceComparesWhatTheStreamNamesItWithInEveryCase() {
        Field maker = new Field("maker", "Maker", FieldType.REFERENCE, false, "", List.of(), List.of("vendor"), false);
        Field buyer = new Field("buyer", "Buyer", FieldType.REFERENCE, false, "", List.of(), List.of("customer"),
                false);
        ObjectDef part = new ObjectDef("part", "Part", "part", false, List.of(maker, buyer));
        db.inTransaction(h -> {
            String insert = rawInsert(h);
            h.update(insert, "vndr_a", acme, "vendor", "v-b", "{}");
            h.update(insert, "vndr_n", acme, "vendor", null, "{}");
            h.update(insert, "vndr_z", acme, "vendor", "v-z", "{}");
            h.update(insert, "vndr_m", acme, "vendor", "v-m", "{}");
            h.update(insert, "cust_c", acme, "customer", "c-1", "{}");
            h.update(insert, "vndr_g", globex, "vendor", "g-now", "{}");
            List<String> makers = List.of(
                    "{\"external_id\": \"v-a\", \"object\": \"vendor\", \"id\": \"vndr_a\"}",
                    "{\"external_id\": null, \"object\": \"vendor\", \"id\": \"vndr_n\"}",
                    "{\"external_id\": \"v-old\", \"object\": \"vendor\", \"id\": \"vndr_n\"}",
                    "{\"external_id\": \"v-gone\", \"object\": \"vendor\", \"id\": \"vndr_gone\"}",
                    "{\"external_id\": null, \"object\": \"vendor\", \"id\": \"vndr_gone2\"}",
                    "{\"external_id\": \"c-old\", \"object\": \"customer\", \"id\": \"cust_c\"}",
                    "{\"external_id\": \"x-held\", \"object\": \"customer\", \"id\": \"vndr_m\"}",
                    "{\"external_id\": \"g-held\", \"object\": \"vendor\", \"id\": \"vndr_g\"}",
                    "",
                    "null",
                    "{\"external_id\": \"v-z\", \"object\": \"vendor\", \"id\": \"vndr_z\"}");
            for (int i = 0; i < makers.size(); i++) {
                String buys = i == 0 ? ", \"buyer\": {\"external_id\": \"c-old\", \"object\": \"customer\","
                        + " \"id\": \"cust_c\"}" : i == 1 ? ", \"buyer\": {\"external_id\": null, \"object\":"
                        + " \"customer\", \"id\": \"cust_c\"}" : "";
                h.update(insert, "part_%02d".formatted(i + 1), acme, "part", "p-" + (i + 1), makers.get(i).isEmpty()
                        ? "{}" : "{\"maker\": " + makers.get(i) + buys + "}");
            }
            h.update(insert, "part_99", globex, "part", "p-99", "{\"maker\": " + makers.getFirst() + "}");
            return null;
        });
        RecordQuery.Target target = RecordQuery.Target.reference("maker");
        RecordStream stream = new RecordStream(db);
        Function<RecordQuery, List<String>> read = query -> makersAsStreamed(stream, part, query);
        Function<RecordQuery.Condition, List<String>> matching = condition -> read.apply(new RecordQuery(
                List.of(condition), null, null));

        assertThat(read.apply(new RecordQuery(List.of(), new RecordQuery.Sort(target, false), null)))
                .containsExactly("p-6=c-1", "p-8=g-held", "p-1=v-b", "p-4=v-gone", "p-11=v-z", "p-5=vndr_gone2",
                        "p-2=vndr_n", "p-3=vndr_n", "p-7=x-held", "p-9=", "p-10=");
        assertThat(read.apply(new RecordQuery(List.of(), new RecordQuery.Sort(target, true), null)))
                .containsExactly("p-7=x-held", "p-3=vndr_n", "p-2=vndr_n", "p-5=vndr_gone2", "p-11=v-z",
                        "p-4=v-gone", "p-1=v-b", "p-8=g-held", "p-6=c-1", "p-10=", "p-9=");
        RecordQuery.Range fromG = new RecordQuery.Range(target, "g", "v-gone");
        assertThat(matching.apply(fromG)).containsExactly("p-1=v-b", "p-4=v-gone", "p-8=g-held");
        assertThat(matching.apply(new RecordQuery.Range(target, "vndr_gone2", "vndr_n")))
                .containsExactly("p-2=vndr_n", "p-3=vndr_n", "p-5=vndr_gone2");
        assertThat(matching.apply(new RecordQuery.Range(target, "w", null))).containsExactly("p-7=x-held");
        assertThat(matching.apply(new RecordQuery.Range(target, null, "c-1"))).containsExactly("p-6=c-1");
        assertThat(matching.apply(new RecordQuery.Range(target, "v-a", "v-a"))).isEmpty();
        assertThat(matching.apply(new RecordQuery.Range(target, "v-old", "v-old"))).isEmpty();
        assertThat(matching.apply(new RecordQuery.Range(target, "g-now", "g-now"))).isEmpty();
        assertThat(read.apply(new RecordQuery(List.of(fromG), new RecordQuery.Sort(target, true), 2)))
                .containsExactly("p-4=v-gone", "p-1=v-b");
        RecordQuery.Range boughtFromC = new RecordQuery.Range(RecordQuery.Target.reference("buyer"), "c-1", "c-1");
        assertThat(read.apply(new RecordQuery(List.of(boughtFromC), new RecordQuery.Sort(target, true), null)))
                .containsExactly("p-2=vndr_n", "p-1=v-b");
        assertThat(read.apply(new RecordQuery(List.of(boughtFromC, fromG), null, null))).containsExactly("p-1=v-b");
        assertThat(read.apply(new RecordQuery(List.of(new RecordQuery.Equals(RecordQuery.Target.reference("buyer"),
                "c-1"), new RecordQuery.Range(target, "v", null)), new RecordQuery.Sort(target, false), null)))
                .containsExactly("p-1=v-b", "p-2=vndr_n");
        RecordQuery ranged = new RecordQuery(List.of(fromG), null, null);
        assertThat(db.<Long>withHandle(h -> stream.count(h, acme, part, ranged))).isEqualTo(3L);
        assertThat(db.<Long>withHandle(h -> stream.countUpTo(h, acme, part, ranged, 2))).isEqualTo(2L);
        Function<String, List<String>> after = cursor -> db.<List<StoredRecord>>withHandle(h -> records.page(h, acme,
                part, List.of(fromG), 2, cursor)).stream().map(StoredRecord::id).toList();
        List<String> first = after.apply(null);
        List<String> second = after.apply(first.getLast());
        assertThat(Stream.of(first, second, after.apply(second.getLast()))).containsExactly(
                List.of("part_01", "part_04"), List.of("part_08"), List.of());
    }

    /**
     * A reference naming another object than its record's (customer {@code vndr_m}, a vendor's id: an earlier build or
     * a hand-edited record may hold one) is named by what it holds in any read, as when read alone and as a range, an
     * equals or a sort compares it ({@link RecordStream#from} joins by object and id), even when the read also holds
     * a reference to that record under its own object. Before, the references a read looked up were keyed by id
     * alone: the list page and the stream named it {@code v-m}, the vendor's external_id, and vendor {@code cust_c}
     * {@code c-1} (so did reading alone part p-4, which holds all four), while a range or an equals for {@code v-m} or
     * {@code c-1} did not find them.
     */
    @Test
    void aReferenceNamingAnotherObjectThanItsRecordsKeepsWhatItHoldsWhateverElseTheReadNames() {
        Field maker = new Field("maker", "Maker", FieldType.REFERENCE, false, "", List.of(), List.of("vendor"), false);
        Field makers = new Field("makers", "Makers", FieldType.REFERENCE, false, "", List.of(), List.of("vendor"),
                true);
        ObjectDef part = new ObjectDef("part", "Part", "part", false, List.of(maker, makers));
        String crossed = "{\"external_id\": \"x-held\", \"object\": \"customer\", \"id\": \"vndr_m\"}";
        String vendor = "{\"external_id\": \"v-then\", \"object\": \"vendor\", \"id\": \"vndr_m\"}";
        String crossedBack = "{\"external_id\": \"c-held\", \"object\": \"vendor\", \"id\": \"cust_c\"}";
        String customer = "{\"external_id\": \"c-old\", \"object\": \"customer\", \"id\": \"cust_c\"}";
        db.inTransaction(h -> {
            String insert = rawInsert(h);
            h.update(insert, "vndr_m", acme, "vendor", "v-m", "{}");
            h.update(insert, "cust_c", acme, "customer", "c-1", "{}");
            h.update(insert, "part_1", acme, "part", "p-1", "{\"maker\": " + crossed + "}");
            h.update(insert, "part_2", acme, "part", "p-2", "{\"maker\": " + vendor + "}");
            h.update(insert, "part_3", acme, "part", "p-3", "{\"maker\": " + crossedBack + "}");
            h.update(insert, "part_4", acme, "part", "p-4", "{\"maker\": " + customer + ", \"makers\": [" + crossed
                    + ", " + vendor + ", " + crossedBack + ", " + customer + "]}");
            return null;
        });
        Function<StoredRecord, String> names = r -> r.externalId() + "=" + ((Value.Ref) r.values().get("maker")).text()
                + (r.values().get("makers") instanceof Value.Many m ? m.values().stream()
                        .map(v -> ((Value.Ref) v).text()).toList().toString() : "");
        List<String> expected = List.of("p-1=x-held", "p-2=v-m", "p-3=c-held", "p-4=c-1[x-held, v-m, c-held, c-1]");
        RecordStream stream = new RecordStream(db);
        Function<RecordQuery, List<String>> streamed = query -> {
            List<String> out = new ArrayList<>();
            db.withHandle(h -> {
                try {
                    return stream.forEach(h, acme, part, part.fields(), query, r -> out.add(names.apply(r)));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            return out;
        };
        Function<List<RecordQuery.Condition>, List<String>> listed = conditions -> db.<List<StoredRecord>>withHandle(
                h -> records.withCurrentReferences(h, acme, records.page(h, acme, part, conditions, 10, null)))
                .stream().map(names).toList();
        List<String> each = Stream.of("part_1", "part_2", "part_3", "part_4").map(id -> db.withHandle(h ->
                records.find(h, acme, id, slug -> Optional.of(part).filter(p -> p.slug().equals(slug)))
                        .map(r -> records.withCurrentReferences(h, acme, List.of(r)).getFirst()))
                .map(names).orElseThrow()).toList();

        assertThat(listed.apply(List.of())).containsExactlyElementsOf(expected);
        assertThat(streamed.apply(RecordQuery.all())).containsExactlyElementsOf(expected);
        assertThat(each).containsExactlyElementsOf(expected);
        RecordQuery.Target target = RecordQuery.Target.reference("maker");
        assertThat(streamed.apply(new RecordQuery(List.of(), new RecordQuery.Sort(target, false), null)))
                .containsExactly(expected.get(3), expected.get(2), expected.get(1), expected.getFirst());
        for (Function<String, RecordQuery.Condition> condition : List.<Function<String, RecordQuery.Condition>>of(
                text -> new RecordQuery.Range(target, text, text), text -> new RecordQuery.Equals(target, text))) {
            assertThat(Stream.of("x-held", "v-m", "c-held", "c-1", "v-then", "c-old").map(text -> listed.apply(
                    List.of(condition.apply(text))))).containsExactly(List.of(expected.getFirst()),
                            List.of(expected.get(1)), List.of(expected.get(2)), List.of(expected.get(3)), List.of(),
                            List.of());
        }
    }

    /**
     * A reference stored without an external_id (its record had none) is present: {@code is_empty} on the field does
     * not match it and {@code is_not_empty} does, as a sort puts it among the present values (the condition reads the
     * stored external_id's JSON value, which is a JSON null, not a missing one, for such a reference).
     */
    @Test
    void aReferenceStoredWithoutAnExternalIdIsNotEmpty() {
        Field maker = new Field("maker", "Maker", FieldType.REFERENCE, false, "", List.of(), List.of("vendor"), false);
        ObjectDef part = new ObjectDef("part", "Part", "part", false, List.of(maker));
        db.inTransaction(h -> {
            String insert = rawInsert(h);
            h.update(insert, "vndr_a", acme, "vendor", "a-1", "{}");
            h.update(insert, "vndr_n", acme, "vendor", null, "{}");
            h.update(insert, "part_1", acme, "part", "p-1",
                    "{\"maker\": {\"external_id\": \"a-1\", \"object\": \"vendor\", \"id\": \"vndr_a\"}}");
            h.update(insert, "part_2", acme, "part", "p-2",
                    "{\"maker\": {\"external_id\": null, \"object\": \"vendor\", \"id\": \"vndr_n\"}}");
            h.update(insert, "part_3", acme, "part", "p-3", "{}");
            h.update(insert, "part_4", acme, "part", "p-4", "{\"maker\": null}");
            return null;
        });
        RecordQuery.Target target = RecordQuery.Target.reference("maker");
        Function<Boolean, List<String>> empty = isEmpty -> db.<List<StoredRecord>>withHandle(h -> records.page(h,
                acme, part, List.of(new RecordQuery.Empty(target, isEmpty)), 10, null)).stream()
                .map(StoredRecord::externalId).toList();

        assertThat(empty.apply(true)).containsExactly("p-3", "p-4");
        assertThat(empty.apply(false)).containsExactly("p-1", "p-2");
    }

    /**
     * A stream whose references are looked up while every other connection of the pool is held (as by as many streams
     * at once) still names them: on PostgreSQL the look-up, which cannot share the {@code COPY}'s connection, takes one
     * of the database's spare pool ({@link Database#withSpareHandle}). Before, it waited for one of the main pool, so
     * streams holding every connection waited for one another until the pool's time-out, then failed.
     */
    @Test
    void streamsReferencesWhileEveryOtherConnectionOfThePoolIsHeld() throws Exception {
        Field maker = new Field("maker", "Maker", FieldType.REFERENCE, false, "", List.of(), List.of("vendor"), false);
        ObjectDef part = new ObjectDef("part", "Part", "part", false, List.of(maker));
        db.inTransaction(h -> {
            String insert = rawInsert(h);
            h.update(insert, "vndr_now", acme, "vendor", "v-now", "{\"name\": \"Now\"}");
            h.update(insert, "part_1", acme, "part", "p-1", "{\"maker\": {\"external_id\": \"v-then\", \"object\":"
                    + " \"vendor\", \"id\": \"vndr_now\"}}");
            return null;
        });
        int pool = ((com.zaxxer.hikari.HikariDataSource) db.dataSource()).getMaximumPoolSize();
        List<java.sql.Connection> held = new ArrayList<>();
        List<StoredRecord> streamed = new ArrayList<>();
        try {
            for (int i = 0; i < pool - 1; i++) {
                held.add(db.dataSource().getConnection());
            }
            db.withHandle(h -> {
                try {
                    return new RecordStream(db).forEach(h, acme, part, part.fields(), RecordQuery.all(), streamed::add);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        } finally {
            for (java.sql.Connection c : held) {
                c.close();
            }
        }

        assertThat(streamed).extracting(StoredRecord::values).containsExactly(Map.of("maker",
                new Value.Ref("v-now", "vendor", "vndr_now")));
    }

    private static Field field(String slug, FieldType type, boolean multiple) {
        return new Field(slug, slug, type, false, "", List.of(), List.of(), multiple);
    }

    /**
     * The {@code part} records {@code query} streams, each as "external_id=the text its maker reference is named by"
     * (empty for none).
     */
    private List<String> makersAsStreamed(RecordStream stream, ObjectDef part, RecordQuery query) {
        List<String> out = new ArrayList<>();
        db.withHandle(h -> {
            try {
                return stream.forEach(h, acme, part, part.fields(), query, r -> out.add(r.externalId() + "="
                        + (r.values().get("maker") instanceof Value.Ref ref ? ref.text() : "")));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        return out;
    }
}
