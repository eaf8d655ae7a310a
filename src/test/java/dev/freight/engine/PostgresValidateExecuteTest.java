package dev.freight.engine;

import dev.freight.store.Database;
import dev.freight.testing.TestDatabases;

class PostgresValidateExecuteTest extends ValidateExecuteContract {

    @Override
    TestDatabases databases() {
        return TestDatabases.POSTGRESQL;
    }

    /**
     * The unresolved reference values in ICU's root collation, as on a server whose default collation is a language's
     * ({@code en_US.UTF-8}): the test server's is the code-point order of its C.UTF-8 locale.
     */
    @Override
    void collateLinguistically(Database database) {
        database.inTransaction(h -> h.update("alter table import_reference_warnings alter column value type text"
                + " collate \"und-x-icu\""));
    }
}
