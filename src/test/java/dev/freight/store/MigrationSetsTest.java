package dev.freight.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The SQLite and PostgreSQL migrations are one history: a migration added for one database and forgotten for the other
 * would leave the two schemas apart, with nothing else to notice it until the store's code met the missing column.
 */
class MigrationSetsTest {

    @Test
    void bothDatabasesHaveTheSameMigrationsSaveTheThreeThatOnlyOneOfThemNeeds() throws Exception {
        TreeSet<String> sqlite = migrations("sqlite");
        TreeSet<String> postgresql = migrations("postgresql");
        TreeSet<String> shared = new TreeSet<>(sqlite);
        shared.retainAll(postgresql);

        // V7 (records.id in the "C" collation, for the id-prefix range) and V8 (fillfactor 50 for HOT updates) tune
        // PostgreSQL's storage; V9 rebuilds SQLite's records table, which cannot drop a primary key in place.
        assertThat(postgresql).containsExactlyElementsOf(union(shared,
                List.of("V7__records_by_id_prefix.sql", "V8__records_fillfactor.sql")));
        assertThat(sqlite).containsExactlyElementsOf(union(shared, List.of("V9__records_keyed_by_organization.sql")));
        assertThat(shared).contains("V1__foundation.sql", "V27__import_seen_keys_flag.sql",
                "V29__batch_imports_finished_at.sql", "V30__sweep_indexes.sql", "V32__history_indexes.sql",
                "V33__list_indexes.sql");
    }

    /**
     * PostgreSQL's V32 and V33 build their indexes concurrently, which cannot run in a transaction: their script
     * configurations say so. SQLite builds the same indexes in the migration's transaction, as every other migration.
     */
    @Test
    void onlyPostgresqlsV32AndV33RunOutsideATransaction() throws Exception {
        assertThat(configurations("postgresql")).containsExactly("V32__history_indexes.sql.conf",
                "V33__list_indexes.sql.conf");
        assertThat(configurations("sqlite")).isEmpty();
        for (String configuration : configurations("postgresql")) {
            try (InputStream in = MigrationSetsTest.class.getResourceAsStream(
                    "/db/migration/postgresql/" + configuration)) {
                assertThat(new String(Objects.requireNonNull(in).readAllBytes(), StandardCharsets.UTF_8))
                        .as(configuration).isEqualTo("executeInTransaction=false\n");
            }
        }
    }

    /** A dialect's per-script configuration files (Flyway's {@code <script>.conf}). */
    private static TreeSet<String> configurations(String dialect) throws IOException, URISyntaxException {
        TreeSet<String> all = files(dialect);
        all.removeIf(name -> !name.endsWith(".sql.conf"));
        return all;
    }

    private static TreeSet<String> union(TreeSet<String> shared, List<String> own) {
        TreeSet<String> all = new TreeSet<>(shared);
        all.addAll(own);
        return all;
    }

    /** The file names of a dialect's migrations on the class path. */
    private static TreeSet<String> migrations(String dialect) throws IOException, URISyntaxException {
        TreeSet<String> all = files(dialect);
        all.removeIf(name -> !name.endsWith(".sql"));
        return all;
    }

    /** The file names in a dialect's migration folder on the class path. */
    private static TreeSet<String> files(String dialect) throws IOException, URISyntaxException {
        Path dir = Path.of(Objects.requireNonNull(MigrationSetsTest.class.getResource("/db/migration/" + dialect),
                "no migrations for " + dialect).toURI());
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).collect(TreeSet::new, TreeSet::add, TreeSet::addAll);
        }
    }
}
