package dev.freight.schema;

import static dev.freight.schema.FieldType.*;

import java.util.List;

/** The objects every organization has. Field slugs are API: never rename one. */
public final class BuiltInObjects {

    public static final String EXTERNAL_ID = "external_id";

    private BuiltInObjects() {}

    /** The external_id field every object has; custom objects get the optional one. */
    public static Field externalIdField() {
        return externalId(false);
    }

    private static Field externalId(boolean required) {
        Field f = Field.of(EXTERNAL_ID, "External Id", TEXT, "Stable identifier from the source system; upsert key");
        return required ? f.asRequired() : f;
    }

    public static final ObjectDef VENDOR = new ObjectDef("vendor", "Vendor", "vndr", true, List.of(
            Field.of("name", "Name", TEXT, "Vendor name").asRequired(),
            externalId(true),
            Field.of("website", "Website", URL, "Vendor website"),
            Field.of("description", "Description", LONG_TEXT, "What the vendor does"),
            Field.of("status", "Status", ENUM, "Lifecycle status")
                    .withOptions("active", "onboarding", "inactive", "offboarding"),
            Field.of("hq_location", "Hq Location", TEXT, "Headquarters location, e.g. San Francisco, CA"),
            Field.of("raw_irq_score", "Raw Irq Score", NUMBER, "Inherent risk questionnaire score"),
            Field.of("raw_residual_risk_score", "Raw Residual Risk Score", NUMBER, "Residual risk score"),
            Field.of("business_unit", "Business Unit", TEXT, "Owning business unit"),
            Field.of("enterprise", "Enterprise", BOOLEAN, "Whether the vendor is an enterprise-wide vendor"),
            Field.of("vendor_category", "Vendor Category", TEXT, "Category, e.g. SaaS, Consulting"),
            Field.of("dependent_services", "Dependent Services", LIST, "Internal services that depend on the vendor"),
            Field.of("next_assessment_date", "Next Assessment Date", DATE, "When the next assessment is due"),
            Field.of("audit_start", "Audit Start", DATE, "Start of the current audit period"),
            Field.of("soc2_audit_end", "Soc2 Audit End", DATE, "End of the SOC 2 audit period"),
            Field.of("contract_length", "Contract Length", TEXT, "Contract length, e.g. 12 months")));

    public static final ObjectDef ASSESSMENT = new ObjectDef("assessment", "Assessment", "asmt", true, List.of(
            externalId(true),
            Field.of("vendor", "Vendor", REFERENCE, "The assessed vendor, by its external_id")
                    .asRequired()
                    .withTargets("vendor"),
            Field.of("name", "Name", TEXT, "Assessment title"),
            Field.of("type", "Type", TEXT, "Assessment type, e.g. SIG Lite, CAIQ"),
            Field.of("status", "Status", TEXT, "Status in the source system, e.g. completed"),
            Field.of("scope", "Scope", LONG_TEXT, "What the assessment covered"),
            Field.of("assessor", "Assessor", TEXT, "Who performed the assessment"),
            Field.of("period_start", "Period Start", DATE, "Start of the assessment period"),
            Field.of("period_end", "Period End", DATE, "End of the assessment period"),
            Field.of("completed_date", "Completed Date", DATE, "When the assessment was completed"),
            Field.of("score", "Score", NUMBER, "Overall score"),
            Field.of("inherent_risk_score", "Inherent Risk Score", NUMBER, "Historical inherent risk score"),
            Field.of("residual_risk_score", "Residual Risk Score", NUMBER, "Historical residual risk score"),
            Field.of("risk_rating", "Risk Rating", TEXT, "Historical risk rating, e.g. High")));

    public static final ObjectDef SERVICE = new ObjectDef("service", "Service", "srvc", true, List.of(
            externalId(true),
            Field.of("name", "Name", TEXT, "Service name, e.g. Payments API").asRequired(),
            Field.of("vendor", "Vendor", REFERENCE, "The vendor providing the service, by its external_id")
                    .asRequired()
                    .withTargets("vendor"),
            Field.of("description", "Description", LONG_TEXT, "What the service does"),
            Field.of("data_types", "Data Types", LIST, "Data types processed, e.g. PII, PCI"),
            Field.of("hosting_model", "Hosting Model", TEXT, "e.g. SaaS, on-premise, hybrid"),
            Field.of("criticality_tier", "Criticality Tier", TEXT, "e.g. Tier 1"),
            Field.of("dependencies", "Dependencies", REFERENCE,
                            "Services or vendors this service depends on, by external_id")
                    .withTargets("service", "vendor")
                    .asMultiple()));

    public static final ObjectDef ACCOUNT = new ObjectDef("account", "Account", "acct", true, List.of(
            Field.of("displayName", "Name", TEXT, "Company name").asRequired(),
            externalId(false),
            Field.of("website", "Website", URL, "Company website"),
            Field.of("domain", "Domain", TEXT, "Email domain, e.g. acme.com"),
            Field.of("industry", "Industry", TEXT, "Industry"),
            Field.of("type", "Type", TEXT, "e.g. Customer, Partner, Prospect"),
            Field.of("phone", "Phone", PHONE, "Main phone numbers, typed e.g. Main, Fax").asMultiple(),
            Field.of("address", "Address", ADDRESS, "Billing address"),
            Field.of("employeeCount", "Employees", INTEGER, "Number of employees"),
            Field.of("annualRevenue", "Annual Revenue", NUMBER, "Annual revenue"),
            Field.of("description", "Description", LONG_TEXT, "Notes about the company"),
            Field.of("owner", "Owner", TEXT, "Owner of the account")));

    public static final ObjectDef CONTACT = new ObjectDef("contact", "Contact", "cntc", true, List.of(
            Field.of("displayName", "Name", TEXT, "Full name").asRequired(),
            externalId(false),
            Field.of("firstName", "First Name", TEXT, "Given name"),
            Field.of("lastName", "Last Name", TEXT, "Family name"),
            Field.of("email", "Email", EMAIL, "Primary email address"),
            Field.of("phone", "Phone", PHONE, "Phone numbers, typed e.g. Mobile, Work").asMultiple(),
            Field.of("jobTitle", "Title", TEXT, "Job title"),
            Field.of("department", "Department", TEXT, "Department"),
            Field.of("account", "Account", REFERENCE, "The contact's company").withTargets("account"),
            Field.of("address", "Address", ADDRESS, "Mailing address"),
            Field.of("website", "Website", URL, "Personal or company website"),
            Field.of("linkedinUrl", "LinkedIn", URL, "LinkedIn profile URL"),
            Field.of("description", "Description", LONG_TEXT, "Notes about the contact"),
            Field.of("owner", "Owner", TEXT, "Owner of the contact")));

    public static final List<ObjectDef> ALL = List.of(VENDOR, ASSESSMENT, SERVICE, CONTACT, ACCOUNT);
}
