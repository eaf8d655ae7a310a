package dev.freight.store;

import static dev.freight.store.TenantAndReportStoreContract.assertUniqueViolation;
import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.schema.BuiltInObjects;
import dev.freight.schema.Field;
import dev.freight.schema.FieldType;
import dev.freight.schema.ObjectDef;
import dev.freight.schema.Schema;
import dev.freight.testing.SettableClock;
import dev.freight.testing.TestDatabases;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link SchemaStore} against a real database: custom objects and custom fields belong to one organization and join
 * the built-ins in its {@link Schema}. Each test gets a fresh, migrated database. One subclass per database.
 */
abstract class SchemaStoreContract {

    private static final AtomicInteger DATABASES = new AtomicInteger();

    static final Field TRACKING_NUMBER =
            new Field("tracking_number", "Tracking Number", FieldType.TEXT, true, "Carrier's number", null, null, false);
    static final Field WEIGHT_KG = new Field("weight_kg", "Weight (kg)", FieldType.NUMBER, false, "", null, null, false);
    /** Sets every attribute a field has, so a round trip that drops one shows. */
    static final Field SUBSIDIARIES = new Field("subsidiaries", "Subsidiaries", FieldType.REFERENCE, false,
            "Vendors this vendor owns", List.of(), List.of("vendor", "account"), true);
    static final Field TIER = new Field("tier", "Tier", FieldType.ENUM, true, "", List.of("gold", "silver"), List.of(),
            false);

    abstract TestDatabases databases();

    Database db;
    SchemaStore schemas;
    String acme;
    String globex;

    @BeforeEach
    void freshDatabaseWithTwoOrganizations() {
        SettableClock clock = new SettableClock(Instant.parse("2025-03-01T09:00:00Z"));
        db = databases().open("store_schema_" + DATABASES.incrementAndGet());
        schemas = new SchemaStore(clock);
        TenantStore tenants = new TenantStore(new IdGenerator(clock), clock);
        acme = db.inTransaction(h -> tenants.createOrganization(h, "acme", "Acme")).id();
        globex = db.inTransaction(h -> tenants.createOrganization(h, "globex", "Globex")).id();
    }

    @AfterEach
    void closeDatabase() {
        db.close();
    }

    @Test
    void customObjectAndItsFieldsAppearInItsOrganizationsSchemaOnly() {
        db.inTransaction(h -> {
            schemas.createObject(h, acme, new ObjectDef("shipment", "Shipment", "shpm", false,
                    List.of(TRACKING_NUMBER, WEIGHT_KG)));
            return null;
        });

        Schema acmeSchema = schema(acme);
        assertThat(acmeSchema.object("shipment")).contains(new ObjectDef("shipment", "Shipment", "shpm", false,
                List.of(BuiltInObjects.externalIdField(), TRACKING_NUMBER, WEIGHT_KG)));
        assertThat(acmeSchema.objects()).extracting(ObjectDef::slug)
                .containsExactly("vendor", "assessment", "service", "contact", "account", "shipment");
        assertThat(schema(globex).object("shipment")).isEmpty();
        assertThat(schema(globex).objects()).containsExactlyElementsOf(BuiltInObjects.ALL);
    }

    @Test
    void customFieldsOnTheBuiltInVendorComeAfterItsBuiltInFieldsInTheOrderAdded() {
        db.inTransaction(h -> {
            schemas.addField(h, acme, "vendor", SUBSIDIARIES);
            schemas.addField(h, acme, "vendor", TIER);
            return null;
        });

        List<Field> expected = new ArrayList<>(BuiltInObjects.VENDOR.fields());
        expected.add(SUBSIDIARIES);
        expected.add(TIER);
        assertThat(schema(acme).object("vendor")).map(ObjectDef::fields).contains(expected);
        assertThat(schema(globex).object("vendor")).contains(BuiltInObjects.VENDOR);
    }

    @Test
    void rejectsAFieldOrObjectSlugTheOrganizationAlreadyUses() {
        db.inTransaction(h -> {
            schemas.createObject(h, acme, new ObjectDef("shipment", "Shipment", "shpm", false, List.of(WEIGHT_KG)));
            schemas.addField(h, acme, "vendor", TIER);
            return null;
        });

        assertUniqueViolation(() -> db.inTransaction(h -> {
            schemas.addField(h, acme, "vendor", TIER);
            return null;
        }));
        assertUniqueViolation(() -> db.inTransaction(h -> {
            schemas.addField(h, acme, "shipment", WEIGHT_KG);
            return null;
        }));
        assertUniqueViolation(() -> db.inTransaction(h -> {
            schemas.createObject(h, acme, new ObjectDef("shipment", "Parcel", "prcl", false, List.of()));
            return null;
        }));

        assertThat(schema(acme).object("shipment")).contains(new ObjectDef("shipment", "Shipment", "shpm", false,
                List.of(BuiltInObjects.externalIdField(), WEIGHT_KG)));
    }

    @Test
    void allowsTheSameObjectAndFieldSlugsInTwoOrganizations() {
        for (String org : List.of(acme, globex)) {
            db.inTransaction(h -> {
                schemas.createObject(h, org, new ObjectDef("shipment", "Shipment", "shpm", false, List.of(WEIGHT_KG)));
                schemas.addField(h, org, "vendor", TIER);
                return null;
            });
        }

        for (String org : List.of(acme, globex)) {
            assertThat(schema(org).object("shipment")).map(ObjectDef::fields)
                    .contains(List.of(BuiltInObjects.externalIdField(), WEIGHT_KG));
            assertThat(schema(org).object("vendor")).map(ObjectDef::fields).map(List::getLast).contains(TIER);
        }
    }

    @Test
    void deletingACustomObjectRemovesItAndItsFieldsForItsOrganizationOnly() {
        for (String org : List.of(acme, globex)) {
            db.inTransaction(h -> {
                schemas.createObject(h, org, new ObjectDef("shipment", "Shipment", "shpm", false,
                        List.of(TRACKING_NUMBER, WEIGHT_KG)));
                return null;
            });
        }

        assertThat(db.inTransaction((Handle h) -> schemas.deleteObject(h, acme, "shipment"))).isTrue();
        assertThat(db.inTransaction((Handle h) -> schemas.deleteObject(h, acme, "shipment"))).isFalse();

        assertThat(schema(acme).object("shipment")).isEmpty();
        assertThat(schema(globex).object("shipment")).map(ObjectDef::fields)
                .contains(List.of(BuiltInObjects.externalIdField(), TRACKING_NUMBER, WEIGHT_KG));
        db.inTransaction(h -> {
            schemas.createObject(h, acme, new ObjectDef("shipment", "Parcel", "prcl", false, List.of(WEIGHT_KG)));
            return null;
        });
        assertThat(schema(acme).object("shipment")).contains(new ObjectDef("shipment", "Parcel", "prcl", false,
                List.of(BuiltInObjects.externalIdField(), WEIGHT_KG)));
    }

    Schema schema(String organizationId) {
        return db.withHandle(h -> schemas.schema(h, organizationId));
    }
}
