package dev.freight.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.testing.TestDatabases;
import dev.freight.schema.BuiltInObjects;
import dev.freight.store.sqlite.SqliteDialect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SqliteRecordStoreTest extends RecordStoreContract {

    @Override
    TestDatabases databases() {
        return TestDatabases.SQLITE;
    }

    @Test
    void storesDataAsJsonTextWhoseMembersKeepTheirTypes() {
        String id = upsertTypedVendor();

        List<String> types = db.withHandle(h -> h.query("""
                select typeof(data), json_type(data, '$.raw_irq_score'), json_type(data, '$.raw_residual_risk_score'),
                       json_type(data, '$.enterprise'), json_type(data, '$.name'),
                       json_type(data, '$.dependent_services'), json_extract(data, '$.raw_irq_score')
                from records where id = ?""", rs -> List.of(rs.getString(1), rs.getString(2), rs.getString(3),
                rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7)), id)).getFirst();

        assertThat(types).containsExactly("text", "real", "integer", "true", "text", "array", "85.5");
    }

    @Test
    void aBackgroundThreadCheckpointsTheWalAndClosingTruncatesIt() throws Exception {
        Database own = TestDatabases.SQLITE.open("wal_" + System.nanoTime());
        Path file = Path.of(own.withHandle(h -> h.query("pragma database_list", rs -> rs.getString(3))).getFirst());
        Path wal = Path.of(file + "-wal");
        String org = own.inTransaction(h -> new TenantStore(new IdGenerator(clock), clock)
                .createOrganization(h, "initech", "Initech")).id();
        long before = Files.size(file);
        List<RecordWrite> writes = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            writes.add(vendor("v-" + i, "Vendor number " + i + " with a name long enough to fill pages"));
        }

        own.inTransaction(h -> records.upsert(h, org, BuiltInObjects.VENDOR, writes));

        // A committing writer checkpoints only past 80 MiB of WAL; these few hundred KiB reach the database file
        // through the background checkpoint.
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (Files.size(file) == before && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(Files.size(file)).isGreaterThan(before + 200_000);
        assertThat(Files.size(wal)).isPositive();

        own.close();

        assertThat(Files.exists(wal) ? Files.size(wal) : 0L).isZero();
    }

    /**
     * SQLite copies each page that a statement which may fail halfway touches into a statement journal, to undo that
     * statement alone, and spills the journal to a temporary file past 64 KiB: 3.4 GB of writes in a 1,000,000-row
     * fresh import, 52 GB in its all-update re-load. An import's chunk is rolled back whole instead, so its statements
     * carry {@code or fail} and need no journal. Each check below points SQLite's temporary directory at a new directory
     * and watches it: SQLite removes a journal's file as soon as it has opened it, but the watch still sees it created.
     * The chunks' keys fall between stored ones, so each statement touches many of the stored index's pages.
     */
    @Test
    void anImportsChunkOfCreatesWritesNoStatementJournal() throws Exception {
        db.inTransaction(h -> records.upsert(h, acme, BuiltInObjects.VENDOR, vendors(1, 0L, ""), null));

        withoutTemporaryFiles(() -> db.inTransaction(
                h -> records.upsert(h, acme, BuiltInObjects.VENDOR, vendors(0, 0L, ""), "imp_created")));

        assertThat(versions()).containsExactly(6_000L, 6_000L);
    }

    @Test
    void anImportsChunkOfLoggedUpdatesWritesNoStatementJournal() throws Exception {
        db.inTransaction(h -> records.upsert(h, acme, BuiltInObjects.VENDOR, vendors(1, 0L, ""), null));
        db.inTransaction(h -> records.upsert(h, acme, BuiltInObjects.VENDOR, vendors(0, 0L, ""), null));

        withoutTemporaryFiles(() -> db.inTransaction(
                h -> records.upsert(h, acme, BuiltInObjects.VENDOR, vendors(0, 1L, ", renamed"), "imp_updated")));

        assertThat(versions()).containsExactly(6_000L, 9_000L);
        assertThat(db.withHandle((Handle h) -> new ImportStore(clock).changes(h, acme, "imp_updated", null, 100_000))).hasSize(3_000);
    }

    @Test
    void anImportsChunkOfLoggedDeletesWritesNoStatementJournal() throws Exception {
        db.inTransaction(h -> records.upsert(h, acme, BuiltInObjects.VENDOR, vendors(1, 0L, ""), null));
        db.inTransaction(h -> records.upsert(h, acme, BuiltInObjects.VENDOR, vendors(0, 0L, ""), null));
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 6_000; i += 2) {
            keys.add(externalId(i));
        }
        List<RecordStore.Versioned> deletes = db.withHandle(h -> records.existing(h, acme, "vendor", keys).values()
                .stream().sorted(Comparator.comparing(RecordStore.Existing::externalId))
                .map(e -> new RecordStore.Versioned(e.id(), e.version())).toList());

        withoutTemporaryFiles(() -> db.inTransaction(
                h -> records.deleteChecked(h, acme, "imp_deleted", deletes)));

        assertThat(versions()).containsExactly(3_000L, 3_000L);
        assertThat(db.withHandle((Handle h) -> new ImportStore(clock).changes(h, acme, "imp_deleted", null, 100_000)))
                .hasSize(3_000);
    }

    /** 3,000 vendors whose numbers have {@code parity}, each written expecting {@code version}. */
    private static List<RecordWrite> vendors(int parity, long version, String suffix) {
        List<RecordWrite> writes = new ArrayList<>();
        for (int i = parity; i < 6_000; i += 2) {
            String name = "Vendor number " + i + " with a name long enough to fill a few pages" + suffix;
            writes.add(new RecordWrite(externalId(i), Map.of("name", text(name)), version));
        }
        return writes;
    }

    /** Records of acme, and the sum of their versions. */
    private List<Long> versions() {
        return db.withHandle(h -> h.query("select count(*), sum(version) from records where organization_id = ?",
                rs -> List.of(rs.getLong(1), rs.getLong(2)), acme)).getFirst();
    }

    /**
     * Runs {@code work} with SQLite's temporary directory (one for the whole process) in a new directory, and fails if
     * SQLite created a file there.
     */
    private void withoutTemporaryFiles(Runnable work) throws Exception {
        Path dir = Files.createTempDirectory("freight-sqlite-temp");
        try (WatchService watch = dir.getFileSystem().newWatchService()) {
            dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE);
            db.withHandle(h -> h.update("pragma temp_store_directory = '" + dir + "'"));
            try {
                work.run();
            } finally {
                db.withHandle(h -> h.update("pragma temp_store_directory = ''"));
            }
            WatchKey created = watch.poll(1, TimeUnit.SECONDS);
            assertThat(created == null ? List.of() : created.pollEvents().stream().map(e -> e.context().toString())
                    .toList()).as("temporary files SQLite created").isEmpty();
        } finally {
            Files.delete(dir);
        }
    }

    @Test
    void aRecordByIdAndAnObjectsRecordsInIdOrderAreOneRangeOfTheOrganizationsIdIndex() {
        upsert(acme, BuiltInObjects.VENDOR, vendor("v-1", "Acme"), vendor("v-2", "Beta"));
        upsert(globex, BuiltInObjects.VENDOR, vendor("v-1", "Globex"));

        List<String> listing = db.withHandle(h -> {
            List<Object> params = new ArrayList<>();
            String where = h.dialect().objectInIdOrder(acme, BuiltInObjects.VENDOR, params);
            return h.query("explain query plan select id, data from records where " + where + " order by id",
                    rs -> rs.getString("detail"), params.toArray());
        });
        List<String> byId = db.withHandle(h -> h.query(
                "explain query plan select object from records where organization_id = ? and id = ?",
                rs -> rs.getString("detail"), acme, "vndr_0"));

        // No sort and no walk through other organizations' records, however many they hold.
        assertThat(listing).containsExactly(
                "SEARCH records USING INDEX records_by_id (organization_id=? AND id>? AND id<?)");
        assertThat(byId).containsExactly("SEARCH records USING INDEX records_by_id (organization_id=? AND id=?)");
    }

    /**
     * A set of ids a statement must see at once is one JSON array, read once into a list (SQLite's {@code LIST
     * SUBQUERY}, an index it builds) that each record is looked up in, as before (PostgreSQL's was not).
     */
    @Test
    void aSetOfIdsIsReadOnceIntoAListEachRecordIsLookedUpIn() {
        assertThat(notInASetOfIdsPlan()).containsExactly(
                "SEARCH records USING COVERING INDEX records_by_id (organization_id=?)", "LIST SUBQUERY 1",
                "SCAN json_each VIRTUAL TABLE INDEX 1:", "CREATE BLOOM FILTER");
    }

    /**
     * The references to a set of ids ({@link RecordStore.Referred.Among}) are looked up in it as one JSON array read
     * once into a list (LIST SUBQUERY 5), as the values of the fields that are one reference are (LIST SUBQUERY 4).
     */
    @Test
    void referencesToASetOfIdsAreLookedUpInItReadOnceIntoAList() {
        StatementCount.Run run = referencesAmongAThousandIds();

        List<String> plan = db.withHandle(h -> databases().plan(h, run.sql(), run.params()));

        assertThat(plan).containsExactly(
                "MATERIALIZE f", "COMPOUND QUERY", "LEFT-MOST SUBQUERY", "SCAN CONSTANT ROW", "UNION ALL",
                "SCAN CONSTANT ROW", "SEARCH records USING INDEX records_by_id (organization_id=? AND id>? AND id<?)",
                "SCAN f", "LIST SUBQUERY 4", "SCAN json_each VIRTUAL TABLE INDEX 1:", "CREATE BLOOM FILTER",
                "SCAN o VIRTUAL TABLE INDEX 3:", "LIST SUBQUERY 5", "SCAN json_each VIRTUAL TABLE INDEX 1:",
                "CREATE BLOOM FILTER", "USE TEMP B-TREE FOR LAST 2 TERMS OF ORDER BY");
    }

    /**
     * Each service is walked ({@code json_tree}, the virtual table of cursor 5) for a reference field only once the
     * field is found in it: the program tests {@code json_type} of the field in the loop over the records' fields,
     * before it starts the walk ({@code VFilter}). The candidates' three lists are read once each (the other
     * {@code VFilter}s, of {@code json_each}). Before, no such test: each service was walked for each field, had it
     * the field or not.
     */
    @Test
    void aRecordIsWalkedOnlyForTheReferenceFieldsItHas() {
        StatementCount.Run run = referrersOfTwoVendors();

        List<String> program = db.withHandle(h -> h.query("explain " + run.sql(), rs -> rs.getString("opcode")
                + " " + (rs.getString("opcode").equals("VFilter") ? rs.getString("p1") : rs.getString("p4")),
                run.params()));

        assertThat(program).filteredOn(step -> step.startsWith("VFilter ") || step.startsWith("Function json_type"))
                .containsExactly("VFilter 8", "Function json_type(2)", "VFilter 6", "VFilter 5", "VFilter 7");
    }

    /**
     * The records a delete reads under their locks ({@link RecordStore#existingToDelete}: a delete chunk's, an
     * overwrite cleanup page's, 1,000 keys) are looked up by key in the unique index {@code (organization_id, object,
     * external_id)}. Before, its {@code order by id}, which only a database that locks needs, had SQLite walk the
     * organization's records by id testing each key: the bench's overwrite cleanup of 100,000 of 1,000,000 vendors
     * took 42 s for 3 s.
     */
    @Test
    void theRecordsADeleteReadsAreLookedUpByKey() {
        StatementCount statements = new StatementCount();
        List<String> page = IntStream.rangeClosed(1, 1_000).mapToObj(i -> "v-" + i).toList();
        db.withHandle(h -> records.existingToDelete(statements.counting(h), acme, "vendor", page));
        StatementCount.Run run = statements.run("from records").getLast();

        List<String> plan = db.withHandle(h -> databases().plan(h, run.sql(), run.params()));

        assertThat(plan).containsExactly("SEARCH records USING INDEX sqlite_autoindex_records_1 (organization_id=? AND"
                + " object=? AND external_id=?)");
    }

    /**
     * A small {@code in} filter on the external_id, one JSON array parameter, looks each value up in the unique index
     * {@code (organization_id, object, external_id)} and reads the records found by id, in id order (no sort); its list
     * of parameters, and the JSON array compared with each record before, walked the object's records in id order. A
     * list of more than 1,000 values (SqliteDialect's EXTERNAL_IDS_LOOKED_UP) still walks them: a page stops at its limit.
     */
    @Test
    void aSmallInFilterOnTheExternalIdLooksEachValueUpInTheUniqueIndexAndALargeOneWalksTheObjectsRecords() {
        List<List<String>> plans = smallInFilterPlans();

        assertThat(plans.get(0)).containsExactly(
                "SEARCH records USING INDEX records_by_id (organization_id=? AND id>? AND id<?)");
        assertThat(plans.get(1)).containsExactly(
                "SEARCH records USING INDEX records_by_id (organization_id=? AND id=?)", "LIST SUBQUERY 1",
                "SCAN looked_up VIRTUAL TABLE INDEX 1:",
                "SEARCH named USING INDEX sqlite_autoindex_records_1 (organization_id=? AND object=? AND external_id=?)");
        List<Object> params = new ArrayList<>();
        String where = db.dialect().objectInIdOrder(acme, BuiltInObjects.VENDOR, params);
        String large = RecordStream.conditions(db.dialect(), acme, BuiltInObjects.VENDOR, List.of(new RecordQuery.In(
                RecordQuery.Target.column("external_id", RecordQuery.Kind.TEXT), IntStream.range(0, 1_001)
                        .mapToObj(i -> (Object) externalId(i)).toList())), params);
        List<String> largePlan = db.withHandle(h -> databases().plan(h, "select id from records where " + where
                + large + " order by id limit 101", params));
        assertThat(largePlan).containsExactly(
                "SEARCH records USING INDEX records_by_id (organization_id=? AND id>? AND id<?)",
                "LIST SUBQUERY 1", "SCAN json_each VIRTUAL TABLE INDEX 1:", "CREATE BLOOM FILTER");
    }

    @Test
    void aLookUpByNameReadsTheObjectsTextIndexOnceItIsMade() {
        upsert(acme, BuiltInObjects.VENDOR, vendor("v-1", "Acme"));
        db.withHandle((Handle h) -> {
            records.ensureTextIndex(h, BuiltInObjects.VENDOR, "name");
            return null;
        });

        List<String> plan = db.withHandle(h -> h.query("explain query plan "
                + RecordStore.byFieldTextSql(h.dialect(), "vendor", "name").replace("%s",
                        RecordStore.lowerText(h.dialect(), "name") + " in (?, ?)"),
                rs -> rs.getString("detail"), acme, "acme", "beta"));

        // Not the id index: with "order by id" SQLite walked every record of the organization for each chunk.
        assertThat(plan).containsExactly(
                "SEARCH records USING INDEX records_text_vendor__name (organization_id=? AND <expr>=?)");
    }

    @Test
    void aStretchOfKeysIsOneRangeOfTheUniqueKeyInItsOwnOrder() {
        upsert(acme, BuiltInObjects.VENDOR, vendor("v-1", "Acme"), vendor("v-2", "Beta"));

        List<String> plan = db.withHandle(h -> h.query("explain query plan " + RecordStore.stretchSql(7),
                rs -> rs.getString("detail"), acme, "vendor", "v-1", "v-2"));

        // No sort (the limit would otherwise read the whole stretch first) and no other index.
        assertThat(plan).containsExactly("SEARCH records USING INDEX sqlite_autoindex_records_1"
                + " (organization_id=? AND object=? AND external_id>? AND external_id<?)");
    }

    @Test
    void anOverwriteCleanupPageIsOneRangeOfTheUniqueKeyAndOneOfTheImportsSeenKeys() {
        upsert(acme, BuiltInObjects.VENDOR, vendor("v-1", "Acme"), vendor("v-2", "Beta"));

        List<String> first = db.withHandle(h -> h.query("explain query plan " + RecordStore.keysAfterSql(false, 7),
                rs -> rs.getString("detail"), acme, "vendor"));
        List<String> next = db.withHandle(h -> h.query("explain query plan " + RecordStore.keysAfterSql(true, 7),
                rs -> rs.getString("detail"), acme, "vendor", "v-1"));
        List<String> seen = db.withHandle(h -> h.query("explain query plan " + RecordStore.SEEN_BETWEEN,
                rs -> rs.getString("detail"), "imp_1", "v-1", "v-2"));

        // No sort, no other index, no join: each read is one range of a key, whatever the tables hold.
        assertThat(first).containsExactly("SEARCH records USING COVERING INDEX sqlite_autoindex_records_1"
                + " (organization_id=? AND object=? AND external_id>?)");
        assertThat(next).containsExactly("SEARCH records USING COVERING INDEX sqlite_autoindex_records_1"
                + " (organization_id=? AND object=? AND external_id>?)");
        assertThat(seen).containsExactly("SEARCH import_seen USING COVERING INDEX sqlite_autoindex_import_seen_1"
                + " (import_id=? AND external_id>? AND external_id<?)");
    }

    @Test
    void aNewDatabaseFileHas16KiBPagesAndAFileMadeBeforeKeepsItsPagesAndRows() throws Exception {
        Path dir = Files.createTempDirectory("freight-sqlite-pages-");
        try (Database created = Database.open(new SqliteDialect(), "jdbc:sqlite:" + dir.resolve("new.db"), null,
                null)) {
            created.migrate();
            assertThat(created.withHandle((Handle h) -> h.query("pragma page_size", rs -> rs.getInt(1)))).containsExactly(16_384);
            assertThat(created.withHandle((Handle h) -> h.query("pragma journal_mode", rs -> rs.getString(1))))
                    .containsExactly("wal");
        }
        String before = "jdbc:sqlite:" + dir.resolve("before.db");
        try (Connection c = DriverManager.getConnection(before); Statement s = c.createStatement()) {
            s.execute("pragma journal_mode = WAL");
            s.execute("create table kept (v text)");
            s.execute("insert into kept values ('row 1'), ('row 2')");
        }

        try (Database existing = Database.open(new SqliteDialect(), before, null, null)) {
            assertThat(existing.withHandle((Handle h) -> h.query("pragma page_size", rs -> rs.getInt(1)))).containsExactly(4_096);
            assertThat(existing.withHandle((Handle h) -> h.query("select v from kept order by v", rs -> rs.getString(1))))
                    .containsExactly("row 1", "row 2");
        }
    }
}
