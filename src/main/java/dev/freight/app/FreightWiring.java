package dev.freight.app;

import dev.freight.api.Limits;
import dev.freight.engine.ReportImporter;
import dev.freight.store.Database;
import dev.freight.store.Dialect;
import dev.freight.store.IdGenerator;
import dev.freight.store.RecordStore;
import dev.freight.store.ReportStore;
import dev.freight.store.SchemaStore;
import dev.freight.store.TenantStore;
import dev.freight.store.postgres.PostgresDialect;
import dev.freight.store.sqlite.SqliteDialect;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/** The beans that make Freight: configuration, the database and its dialect, stores and the engine. */
@Configuration(proxyBeanMethods = false)
class FreightWiring {

    @Bean
    FreightConfig freightConfig(Environment environment) {
        return FreightConfig.from(environment::getProperty);
    }

    @Bean
    Limits limits(FreightConfig config) {
        return new Limits(config.maxRecordsPerRequest(), config.maxRequestBytes());
    }

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    IdGenerator idGenerator(Clock clock) {
        return new IdGenerator(clock);
    }

    /** The one place that picks the database dialect. */
    static Dialect dialectFor(FreightConfig config) {
        return config.isSqlite() ? new SqliteDialect() : new PostgresDialect();
    }

    @Bean(destroyMethod = "close")
    Database database(FreightConfig config) {
        if (config.isSqlite()) {
            try {
                Files.createDirectories(config.dataDir());
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot create FREIGHT_DATA_DIR " + config.dataDir(), e);
            }
        }
        Database database = Database.open(dialectFor(config), config.databaseUrl(), config.databaseUser(),
                config.databasePassword());
        database.migrate();
        return database;
    }

    @Bean
    RecordStore recordStore(IdGenerator ids, Clock clock) {
        return new RecordStore(ids, clock);
    }

    @Bean
    TenantStore tenantStore(IdGenerator ids, Clock clock) {
        return new TenantStore(ids, clock);
    }

    @Bean
    ReportStore reportStore(IdGenerator ids, Clock clock) {
        return new ReportStore(ids, clock);
    }

    @Bean
    SchemaStore schemaStore(Clock clock) {
        return new SchemaStore(clock);
    }

    @Bean
    Tenants tenants(Database database, TenantStore tenantStore) {
        return new Tenants(database, tenantStore);
    }

    @Bean
    @ConditionalOnWebApplication
    Bootstrap bootstrap(Tenants tenants, FreightConfig config, Environment environment) {
        return new Bootstrap(tenants, config, environment, System.out);
    }

    @Bean
    ReportImporter reportImporter(Database database, RecordStore records) {
        return new ReportImporter(database, records);
    }
}
