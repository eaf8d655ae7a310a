package dev.freight.api;

/** The seed-000 report and batch, shared by tests outside this package. */
public final class SeedExamples {

    public static final String REPORT = ImportApiContract.SEED_REPORT;

    public static final String BATCH = ImportApiContract.SEED_BODY;

    private SeedExamples() {}
}
