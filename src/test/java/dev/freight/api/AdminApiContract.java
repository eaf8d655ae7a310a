package dev.freight.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.store.KeyKind;
import dev.freight.store.Scope;
import dev.freight.testing.Http;
import dev.freight.testing.Http.Response;
import dev.freight.testing.TestDatabases;
import dev.freight.testing.TestServer;
import dev.freight.testing.TestServer.Tenant;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Import Reports, objects, keys and the records read API over HTTP. One subclass per database. */
abstract class AdminApiContract {

    abstract TestDatabases database();

    Tenant tenant;
    Http.Client http;

    @BeforeEach
    void newTenant() {
        tenant = TestServer.of(database()).newTenant("admin");
        http = tenant.http();
    }

    @Test
    void createsReadsReplacesAndDeletesAnImportReport() {
        Response created = http.post("/v1/import-reports", ImportApiContract.SEED_REPORT);
        assertThat(created.status()).isEqualTo(201);
        String id = created.at("/id");
        assertThat(created.at("/endpoint")).isEqualTo("/v1/import/vendor-custom-import");

        assertThat(http.get("/v1/import-reports/" + id).at("/report_name")).isEqualTo("Vendor Import");
        assertThat(http.get("/v1/import-reports/vendor-custom-import").at("/id")).isEqualTo(id);
        assertThat(http.get("/v1/import-reports").at("/data/0/id")).isEqualTo(id);

        Response replaced = http.put("/v1/import-reports/" + id, """
                {"slug": "erp-vendors", "report_name": "ERP vendors", "base_object": "vendor",
                 "mapping": {"name": "VendorName", "external_id": "VendorNo"}}""");
        assertThat(replaced.status()).isEqualTo(200);
        assertThat(replaced.at("/mapping")).isEqualTo("{\"name\":\"VendorName\",\"external_id\":\"VendorNo\"}");
        assertThat(http.post("/v1/import/erp-vendors", "{\"data\":[{\"VendorName\":\"A\",\"VendorNo\":\"1\"}]}")
                .status()).isEqualTo(200);

        assertThat(http.delete("/v1/import-reports/" + id).status()).isEqualTo(204);
        assertThat(http.get("/v1/import-reports/" + id).status()).isEqualTo(404);
        assertThat(http.post("/v1/import/erp-vendors", "{\"data\":[{\"VendorName\":\"A\",\"VendorNo\":\"1\"}]}")
                .status()).isEqualTo(404);
    }

    @Test
    void aReportMissingRequiredFieldsIsRejectedWith422ListingEveryProblem() {
        Response r = http.post("/v1/import-reports", """
                {"slug": "bad", "report_name": "Bad", "base_object": "service",
                 "mapping": {"description": "Desc", "colour": "Colour"}}""");

        assertThat(r.status()).isEqualTo(422);
        assertThat(r.at("/error/code")).isEqualTo("invalid_report");
        assertThat(r.at("/error/details")).isEqualTo("[\"mapping names field \\\"colour\\\", which service does not"
                + " have\",\"mapping must map external_id: it is the upsert key\","
                + "\"required field \\\"name\\\" is not mapped\",\"required field \\\"vendor\\\" is not mapped\"]");
        assertThat(http.get("/v1/import-reports").json().get("data").size()).isZero();
    }

    @Test
    void aReportOnAnUnknownObjectOrWithABadSlugIsRejected() {
        Response unknown = http.post("/v1/import-reports", """
                {"slug": "x", "report_name": "X", "base_object": "spaceship", "mapping": {"external_id": "id"}}""");
        assertThat(unknown.status()).isEqualTo(422);
        assertThat(unknown.at("/error/details/0")).isEqualTo("base_object \"spaceship\" is not an object; use one of"
                + " vendor, assessment, service, contact, account");

        Response badSlug = http.post("/v1/import-reports", """
                {"slug": "Has Spaces", "report_name": "X", "base_object": "vendor",
                 "mapping": {"external_id": "id", "name": "n"}}""");
        assertThat(badSlug.at("/error/details/0")).startsWith("slug must be 1-100 lowercase letters");
    }

    @Test
    void aReportWithoutSlugListsOnlyWhatIsMissingNotASlugItWasNeverSent() {
        Response empty = http.post("/v1/import-reports", "{}");
        assertThat(empty.status()).isEqualTo(422);
        assertThat(empty.at("/error/details")).isEqualTo("[\"report_name is required\","
                + "\"mapping must map at least external_id and the required fields\","
                + "\"base_object is required; use one of vendor, assessment, service, contact, account\"]");

        Response noSlugToMake = http.post("/v1/import-reports", """
                {"report_name": " 日本語 (!) ", "base_object": "vendor", "mapping": {"external_id": "id", "name": "n"}}""");
        assertThat(noSlugToMake.status()).isEqualTo(422);
        assertThat(noSlugToMake.at("/error/message")).isEqualTo("The import report is not valid: slug is required:"
                + " report_name \"日本語 (!)\" has no letters a-z or digits 0-9 to make one from");
    }

    @Test
    void aTakenSlugIs409AndTheSlugDefaultsToTheNameMadeUrlSafe() {
        http.post("/v1/import-reports", ImportApiContract.SEED_REPORT);
        Response taken = http.post("/v1/import-reports", ImportApiContract.SEED_REPORT);
        assertThat(taken.status()).isEqualTo(409);
        assertThat(taken.at("/error/code")).isEqualTo("slug_taken");

        Response derived = http.post("/v1/import-reports", """
                {"report_name": "ERP Vendors (nightly)", "base_object": "vendor",
                 "mapping": {"external_id": "id", "name": "n"}}""");
        assertThat(derived.at("/slug")).isEqualTo("erp-vendors-nightly");
    }

    /**
     * A slug made from a report_name longer than a slug may be is its first 100 characters, without a '-' left at its
     * end. Before, such a report was refused with "slug must be 1-100 lowercase letters…, got <the slug made>", naming
     * a slug the request never sent.
     */
    @Test
    void aSlugMadeFromALongReportNameIsItsFirst100Characters() {
        Response created = http.post("/v1/import-reports", """
                {"report_name": "%s", "base_object": "vendor", "mapping": {"external_id": "id", "name": "n"}}"""
                .formatted("Acme ".repeat(30).strip()));

        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.at("/slug")).isEqualTo("acme-".repeat(19) + "acme");
        assertThat(created.at("/endpoint")).isEqualTo("/v1/import/" + "acme-".repeat(19) + "acme");
    }

    @Test
    void changingReportsNeedsTheAdminScope() {
        String importer = tenant.key(KeyKind.SERVICE_ACCOUNT, Set.of(Scope.IMPORT, Scope.READ));
        Response r = tenant.http(importer).post("/v1/import-reports", ImportApiContract.SEED_REPORT);
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.at("/error/message")).isEqualTo("Access denied: this API key lacks the \"admin\" scope");
        assertThat(tenant.http(importer).get("/v1/import-reports").status()).isEqualTo(200);
    }

    /**
     * A key's kind and scopes and a field's type match without regard to case, and are answered in lower case. Before,
     * each was refused with 422 naming the value.
     */
    @Test
    void theNamesTheAdminRoutesTakeFromAListMatchWithoutRegardToCase() {
        Response key = http.post("/v1/keys", """
                {"name": "ci", "kind": "Service_Account", "scopes": ["READ", "Import"]}""");
        Response object = http.post("/v1/objects", """
                {"slug": "risk_item", "label": "Risk item", "fields": [
                  {"slug": "title", "label": "Title", "type": "TEXT"}]}""");

        assertThat(key.status()).as(key.body()).isEqualTo(201);
        assertThat(key.at("/kind")).isEqualTo("service_account");
        assertThat(key.at("/scopes")).isEqualTo("[\"import\",\"read\"]");
        assertThat(object.status()).as(object.body()).isEqualTo(201);
        assertThat(object.at("/fields/1/type")).isEqualTo("text");
    }

    @Test
    void customObjectsAndFieldsJoinTheSchemaAndTakeImports() {
        Response created = http.post("/v1/objects", """
                {"slug": "risk_item", "label": "Risk item", "fields": [
                  {"slug": "title", "label": "Title", "type": "text", "required": true},
                  {"slug": "severity", "label": "Severity", "type": "enum", "options": ["low", "high"]},
                  {"slug": "owner_vendor", "label": "Vendor", "type": "reference", "targets": ["vendor"]}]}""");
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.at("/id_prefix")).isEqualTo("riskitem");
        assertThat(created.json().get("fields").size()).isEqualTo(4);
        // An id prefix names one object: a built-in's, or the one just made by default, is taken.
        for (String taken : List.of("{\"slug\": \"shadow\", \"label\": \"Shadow\", \"id_prefix\": \"vndr\"}",
                "{\"slug\": \"risk_items\", \"label\": \"Risks\", \"id_prefix\": \"riskitem\"}")) {
            Response refused = http.post("/v1/objects", taken);
            assertThat(refused.status()).as(taken).isEqualTo(422);
            assertThat(refused.at("/error/message")).as(taken).contains(taken.contains("vndr")
                    ? "id_prefix \"vndr\" is taken by the object \"vendor\"; give this object another id_prefix"
                    : "id_prefix \"riskitem\" is taken by the object \"risk_item\"");
        }
        assertThat(created.at("/fields/0/slug")).isEqualTo("external_id");

        Response field = http.post("/v1/objects/vendor/fields", """
                {"slug": "erp_code", "label": "ERP code", "type": "integer"}""");
        assertThat(field.status()).isEqualTo(201);
        assertThat(field.at("/fields/16/slug")).isEqualTo("erp_code");
        assertThat(field.at("/fields/16/type")).isEqualTo("integer");

        http.post("/v1/import-reports", """
                {"slug": "risks", "report_name": "Risks", "base_object": "risk_item",
                 "mapping": {"external_id": "Id", "title": "Title", "severity": "Severity"}}""");
        Response imported = http.post("/v1/import/risks", """
                {"data": [{"Id": "r-1", "Title": "Data leak", "Severity": "HIGH"},
                          {"Id": "r-2", "Title": "Outage", "Severity": "critical"}]}""");
        assertThat(imported.status()).isEqualTo(200);
        assertThat(imported.at("/results/0/id")).startsWith("riskitem_");
        assertThat(imported.at("/errors/0/message")).isEqualTo(
                "severity: expected one of low, high, got \"critical\"");
        assertThat(http.get("/v1/objects/risk_item/records").at("/data/0/values/severity")).isEqualTo("high");
    }

    @Test
    void anObjectReCreatedOverTheRecordsOfADeletedOneTakesTheirIdPrefix() {
        http.post("/v1/objects", """
                {"slug": "asset", "label": "Asset", "id_prefix": "astx",
                 "fields": [{"slug": "title", "label": "Title", "type": "text"}]}""");
        http.post("/v1/import-reports", """
                {"slug": "assets", "report_name": "Assets", "base_object": "asset",
                 "mapping": {"external_id": "Id", "title": "Title"}}""");
        String id = http.post("/v1/import/assets", "{\"data\": [{\"Id\": \"a-1\", \"Title\": \"Laptop\"}]}")
                .at("/results/0/id");
        assertThat(id).startsWith("astx_");
        assertThat(http.delete("/v1/objects/asset").status()).isEqualTo(204);
        assertThat(http.get("/v1/objects/asset/records").status()).isEqualTo(404);

        Response otherPrefix = http.post("/v1/objects", """
                {"slug": "asset", "label": "Asset", "id_prefix": "asst"}""");
        assertThat(otherPrefix.status()).isEqualTo(409);
        assertThat(otherPrefix.at("/error/code")).isEqualTo("id_prefix_conflict");
        assertThat(otherPrefix.at("/error/message")).isEqualTo("Records of an earlier object \"asset\" remain, with"
                + " ids \"astx_…\"; create the object with id_prefix \"astx\" or leave id_prefix out");

        Response again = http.post("/v1/objects", """
                {"slug": "asset", "label": "Asset", "fields": [{"slug": "title", "label": "Title", "type": "text"}]}""");
        assertThat(again.status()).isEqualTo(201);
        assertThat(again.at("/id_prefix")).isEqualTo("astx");
        Response listed = http.get("/v1/objects/asset/records");
        assertThat(listed.json().get("data").size()).isEqualTo(1);
        assertThat(listed.at("/data/0/id")).isEqualTo(id);
        assertThat(listed.at("/data/0/values/title")).isEqualTo("Laptop");
    }

    @Test
    void invalidObjectDefinitionsAreRejectedWith422() {
        Response r = http.post("/v1/objects", """
                {"slug": "vendor", "label": "", "fields": [
                  {"slug": "kind", "type": "enum"}, {"slug": "link", "type": "reference", "targets": ["nothing"]}]}""");

        assertThat(r.status()).isEqualTo(422);
        assertThat(r.at("/error/details")).isEqualTo("[\"an object \\\"vendor\\\" already exists\","
                + "\"label is required\",\"enum field \\\"kind\\\" needs options\","
                + "\"reference field \\\"link\\\" targets \\\"nothing\\\", which is not an object\"]");
        Response badType = http.post("/v1/objects/vendor/fields", "{\"slug\": \"x\", \"type\": \"colour\"}");
        assertThat(badType.status()).isEqualTo(422);
        assertThat(badType.at("/error/details/0")).startsWith("field \"x\" has type \"colour\"; use one of text,");
        assertThat(http.delete("/v1/objects/vendor").status()).isEqualTo(409);
    }

    /**
     * A member of a key, an object, a field or an import report of the wrong JSON type is refused with the route's
     * code for an invalid member, naming it and the type it takes, and nothing is stored. Before, a number or boolean
     * was read as its text (a key named "5", a field labelled "true", a mapping from the column "7"), and a list or
     * object in a text member was 422 {@code malformed_body} naming nothing.
     */
    @Test
    void aMemberOfTheWrongJsonTypeIsRefusedNamingTheTypeItTakes() {
        String report = "{\"slug\": \"typed\", \"report_name\": \"Typed\", \"base_object\": \"vendor\", ";
        List<List<String>> cases = List.of(
                List.of("/v1/keys", "{\"name\": 5, \"kind\": \"user\", \"scopes\": [\"read\"]}",
                        "invalid_key name must be a string, got 5"),
                List.of("/v1/keys", "{\"kind\": true, \"scopes\": [\"read\"]}",
                        "invalid_key kind must be a string, got true"),
                List.of("/v1/keys", "{\"kind\": \"user\", \"scopes\": [\"read\", 2]}",
                        "invalid_key scopes[1] must be a string, got 2"),
                List.of("/v1/keys", "{\"kind\": \"user\", \"scopes\": \"read\"}",
                        "invalid_key scopes must be a list, got a string"),
                List.of("/v1/objects", "{\"slug\": \"widget\", \"label\": 1.5}",
                        "invalid_object The definition is not valid: label must be a string, got 1.5"),
                List.of("/v1/objects", "{\"slug\": \"widget\", \"label\": \"Widget\", \"fields\": [{\"slug\":"
                        + " \"title\", \"type\": \"text\", \"required\": \"true\"}]}", "invalid_object The"
                        + " definition is not valid: fields[0].required must be true or false, got a string"),
                List.of("/v1/objects", "{\"slug\": \"widget\", \"label\": \"Widget\", \"fields\": [{\"slug\":"
                        + " \"kind\", \"type\": \"enum\", \"options\": [\"a\", 2]}]}", "invalid_object The"
                        + " definition is not valid: fields[0].options[1] must be a string, got 2"),
                List.of("/v1/objects", "{\"slug\": \"widget\", \"label\": \"Widget\", \"fields\": [7]}",
                        "invalid_object The definition is not valid: fields[0] must be an object, got a number"),
                List.of("/v1/objects/vendor/fields", "{\"slug\": \"tier\", \"type\": \"text\", \"multiple\": 1}",
                        "invalid_object The definition is not valid: multiple must be true or false, got 1"),
                List.of("/v1/import-reports", report + "\"mapping\": {\"external_id\": \"Id\", \"name\": 7}}",
                        "invalid_report The import report is not valid: mapping.name must be a string, got 7"),
                List.of("/v1/import-reports", report.replace("\"Typed\"", "false")
                        + "\"mapping\": {\"external_id\": \"Id\", \"name\": \"Name\"}}",
                        "invalid_report The import report is not valid: report_name must be a string, got false"));
        for (List<String> c : cases) {
            Response r = http.post(c.get(0), c.get(1));
            // invalid_object and invalid_report list the problem in details too, as every problem of theirs.
            String problem = c.get(2).replaceFirst("^invalid_key .*", "").replaceFirst("^[a-z_]+ [^:]*: ", "");

            assertThat(r.status() + " " + r.at("/error/code") + " " + r.at("/error/message")).as(c.get(1))
                    .isEqualTo("422 " + c.get(2));
            assertThat(r.json().get("error").has("details") ? r.json().get("error").get("details").get(0).asString()
                    : "").as(c.get(1)).isEqualTo(problem);
        }
        assertThat(http.get("/v1/keys").json().get("data").size()).isEqualTo(1);
        assertThat(http.get("/v1/objects").json().get("data").size()).isEqualTo(5);
        assertThat(http.get("/v1/objects/vendor").json().get("fields").size()).isEqualTo(16);
        assertThat(http.get("/v1/import-reports").json().get("data").size()).isZero();
    }

    /**
     * PostgreSQL stores no U+0000 in text or jsonb: a label, description or option holding one is a problem of the
     * definition on both databases (before, PostgreSQL answered 500).
     */
    @Test
    void aDefinitionWhoseTextHoldsANulCharacterIsRejectedWith422() {
        Response object = http.post("/v1/objects", """
                {"slug": "risk", "label": "Ri\\u0000sk", "fields": [
                  {"slug": "kind", "label": "K\\u0000ind", "type": "enum", "options": ["a", "b\\u0000"]}]}""");
        assertThat(object.status()).isEqualTo(422);
        assertThat(object.at("/error/details")).isEqualTo("[\"label holds a NUL character (U+0000), which cannot be"
                + " stored\",\"field \\\"kind\\\" label holds a NUL character (U+0000), which cannot be stored\","
                + "\"enum field \\\"kind\\\" option 2 holds a NUL character (U+0000), which cannot be stored\"]");

        Response field = http.post("/v1/objects/vendor/fields", """
                {"slug": "erp_code", "label": "ERP code", "type": "text", "description": "the \\u0000 code"}""");
        assertThat(field.status()).isEqualTo(422);
        assertThat(field.at("/error/details")).isEqualTo("[\"field \\\"erp_code\\\" description holds a NUL character"
                + " (U+0000), which cannot be stored\"]");
        assertThat(http.get("/v1/objects").json().get("data").size()).isEqualTo(5);
        assertThat(http.get("/v1/objects/vendor").json().get("fields").size()).isEqualTo(16);
    }

    /**
     * U+0000 in an import report's name or a mapping's key name, an API key's name, a query parameter or a path is
     * refused alike on both databases. Before, PostgreSQL answered 500 for the names and the records filter (it stores
     * no U+0000 in text, nor takes one as a query's parameter) where SQLite stored them, and both stored the mapping.
     */
    @Test
    void aNulCharacterInAReportOrKeyNameAMappingAQueryParameterOrAPathIsRefusedOnBothDatabases() {
        String nul = " holds a NUL character (U+0000), which cannot be stored";
        Response report = http.post("/v1/import-reports", """
                {"slug": "nul", "report_name": "Ven\\u0000dors", "base_object": "vendor",
                 "mapping": {"external_id": "id", "name": "Na\\u0000me"}}""");
        assertThat(report.status()).isEqualTo(422);
        assertThat(report.at("/error/code")).isEqualTo("invalid_report");
        assertThat(report.at("/error/details")).isEqualTo("[\"report_name" + nul + "\",\"mapping of \\\"name\\\""
                + nul + "\"]");
        assertThat(http.get("/v1/import-reports").json().get("data").size()).isZero();

        assertThat(http.post("/v1/import-reports", ImportApiContract.SEED_REPORT).status()).isEqualTo(201);
        Response renamed = http.put("/v1/import-reports/vendor-custom-import", """
                {"report_name": "Ven\\u0000dors", "base_object": "vendor", "mapping": {"external_id": "id", "name": "n"}}""");
        assertThat(renamed.status()).isEqualTo(422);
        assertThat(renamed.at("/error/message")).isEqualTo("The import report is not valid: report_name" + nul);
        assertThat(http.get("/v1/import-reports/vendor-custom-import").at("/report_name")).isEqualTo("Vendor Import");

        Response key = http.post("/v1/keys", """
                {"name": "ci\\u0000bot", "kind": "service_account", "scopes": ["read"]}""");
        assertThat(key.status()).isEqualTo(422);
        assertThat(key.at("/error/code")).isEqualTo("invalid_key");
        assertThat(key.at("/error/message")).isEqualTo("name" + nul);
        assertThat(http.get("/v1/keys").json().get("data").size()).isEqualTo(1);

        Response filter = http.get("/v1/objects/vendor/records?limit=5&external_id=v%001");
        assertThat(filter.status()).isEqualTo(400);
        assertThat(filter.at("/error/code")).isEqualTo("invalid_parameter");
        assertThat(filter.at("/error/message")).isEqualTo("Query parameter \"external_id\"" + nul);
        // The actuator's health check too, whose own handler mapping the application's interceptors do not reach.
        Response health = http.get("/actuator/health?probe=%00");
        assertThat(health.status()).isEqualTo(400);
        assertThat(health.at("/error/code")).isEqualTo("invalid_parameter");
        assertThat(health.at("/error/message")).isEqualTo("Query parameter \"probe\"" + nul);

        Response path = http.get("/v1/import-reports/vendor-custom-import%00");
        assertThat(path.status()).isEqualTo(400);
        assertThat(path.at("/error/code")).isEqualTo("bad_request");
        assertThat(path.at("/error/message")).isEqualTo("The request could not be read: its path or query has a %XX"
                + " escape that is not UTF-8, an encoded '/' or a character a URL cannot hold");
    }

    @Test
    void aFieldOfAnUnknownTypeOrWithoutSlugIsListedWithEveryOtherProblemOfTheDefinition() {
        Response r = http.post("/v1/objects", """
                {"slug": "Risk", "fields": [{"slug": "x", "type": "colour"}, {"type": "text"},
                  {"slug": "kind", "type": "enum"}]}""");

        assertThat(r.status()).isEqualTo(422);
        assertThat(r.at("/error/code")).isEqualTo("invalid_object");
        assertThat(r.at("/error/details")).isEqualTo("[\"field \\\"x\\\" has type \\\"colour\\\"; use one of text,"
                + " long_text, email, phone, url, integer, number, boolean, date, datetime, enum, reference, list,"
                + " address\",\"fields[1] slug is required\",\"slug must start with a lowercase letter and hold only"
                + " letters, digits and '_' (at most 63), got \\\"Risk\\\"\",\"label is required\","
                + "\"enum field \\\"kind\\\" needs options\"]");

        Response field = http.post("/v1/objects/vendor/fields", "{\"slug\": \"Erp Code\", \"type\": \"colour\"}");
        assertThat(field.status()).isEqualTo(422);
        assertThat(field.at("/error/details")).isEqualTo("[\"field \\\"Erp Code\\\" has type \\\"colour\\\"; use one"
                + " of text, long_text, email, phone, url, integer, number, boolean, date, datetime, enum, reference,"
                + " list, address\",\"field slug must start with a lowercase letter and hold only letters, digits and"
                + " '_', got \\\"Erp Code\\\"\"]");
        assertThat(http.get("/v1/objects").json().get("data").size()).isEqualTo(5);
    }

    /**
     * Each field without a slug is a problem of its own that names the field's place in the list, as a null field's
     * does: before, two such fields gave the same sentence twice, with no way to tell which fields they were. A field
     * added alone has no place to name.
     */
    @Test
    void eachFieldWithoutASlugIsNamedByItsPlaceInTheList() {
        Response r = http.post("/v1/objects", """
                {"slug": "risk", "label": "Risk", "fields": [{"type": "text"}, {"slug": "name", "type": "text"},
                  {"slug": " ", "type": "date"}, null]}""");

        assertThat(r.status()).isEqualTo(422);
        assertThat(r.at("/error/code")).isEqualTo("invalid_object");
        assertThat(r.at("/error/message")).isEqualTo("The definition is not valid: fields[0] slug is required;"
                + " fields[2] slug is required; fields[3] must be a field definition (an object), got null");
        assertThat(r.at("/error/details")).isEqualTo("[\"fields[0] slug is required\",\"fields[2] slug is required\","
                + "\"fields[3] must be a field definition (an object), got null\"]");
        Response alone = http.post("/v1/objects/vendor/fields", "{\"type\": \"text\"}");
        assertThat(alone.status()).isEqualTo(422);
        assertThat(alone.at("/error/details")).isEqualTo("[\"field slug is required\"]");
        assertThat(http.get("/v1/objects").json().get("data").size()).isEqualTo(5);
    }

    @Test
    void aNullFieldIsAProblemOfTheDefinitionNotAServerError() {
        Response r = http.post("/v1/objects", """
                {"slug": "risk", "label": "Risk", "fields": [{"slug": "name", "type": "text"}, null]}""");

        assertThat(r.status()).isEqualTo(422);
        assertThat(r.at("/error/code")).isEqualTo("invalid_object");
        assertThat(r.at("/error/details"))
                .isEqualTo("[\"fields[1] must be a field definition (an object), got null\"]");
        assertThat(http.get("/v1/objects").json().get("data").size()).isEqualTo(5);
    }

    @Test
    void theSchemaListsEveryBuiltInObjectWithItsFields() {
        Response r = http.get("/v1/objects/vendor");

        assertThat(r.status()).isEqualTo(200);
        List<String> slugs = new ArrayList<>();
        r.json().get("fields").forEach(f -> slugs.add(f.get("slug").asString()));
        assertThat(slugs).containsExactly("name", "external_id", "website", "description", "status", "hq_location",
                "raw_irq_score", "raw_residual_risk_score", "business_unit", "enterprise", "vendor_category",
                "dependent_services", "next_assessment_date", "audit_start", "soc2_audit_end", "contract_length");
        assertThat(r.at("/fields/4/options")).isEqualTo("[\"active\",\"onboarding\",\"inactive\",\"offboarding\"]");
        assertThat(http.get("/v1/objects").json().get("data").size()).isEqualTo(5);
    }

    @Test
    void keysAreCreatedWithTheSecretShownOnceListedWithoutItAndRevoked() {
        Response created = http.post("/v1/keys", """
                {"name": "nightly-erp", "kind": "service_account", "scopes": ["import", "read"]}""");
        assertThat(created.status()).isEqualTo(201);
        String secret = created.at("/key");
        assertThat(secret).matches("frk_[A-Za-z0-9]{8}_[A-Za-z0-9]{40}");
        assertThat(created.at("/prefix")).isEqualTo(secret.substring(0, 12));
        assertThat(created.at("/scopes")).isEqualTo("[\"import\",\"read\"]");

        Response list = http.get("/v1/keys");
        assertThat(list.body()).doesNotContain(secret);
        assertThat(list.at("/data/1/name")).isEqualTo("nightly-erp");
        assertThat(list.at("/data/1/key")).isNull();

        assertThat(tenant.http(secret).get("/v1/import-reports").status()).isEqualTo(200);
        Response revoked = http.delete("/v1/keys/" + created.at("/id"));
        assertThat(revoked.at("/revoked_at")).isNotNull();
        assertThat(tenant.http(secret).get("/v1/import-reports").status()).isEqualTo(401);
        assertThat(http.delete("/v1/keys/key_unknown").status()).isEqualTo(404);
    }

    @Test
    void badKeyRequestsAreRejectedWith422() {
        assertThat(http.post("/v1/keys", "{\"kind\": \"robot\", \"scopes\": [\"read\"]}").at("/error/message"))
                .isEqualTo("kind must be service_account or user, got \"robot\"");
        assertThat(http.post("/v1/keys", "{\"kind\": \"user\", \"scopes\": [\"root\"]}").at("/error/message"))
                .isEqualTo("scopes takes admin, import, export and read, got \"root\"");
    }

    /**
     * Every JSON body under /v1 has the Import API's byte limit (before, the routes that bind a body read one of any
     * size whole): one byte over it is refused with or without a Content-Length, and a body of exactly the limit is
     * read. /v1/reports answers in the seed-003 envelope.
     */
    @Test
    void aJsonBodyOverTheRequestByteLimitIs413OnEveryRouteWithOrWithoutContentLength() throws Exception {
        String message = "The request body exceeds the limit of 1,000,000 bytes (FREIGHT_MAX_REQUEST_BYTES)";
        Map<String, String> bodies = Map.of(
                "/v1/keys", "{\"name\": \"padded\", \"kind\": \"user\", \"scopes\": [\"read\"]",
                "/v1/reports", "{\"name\": \"padded\", \"module\": \"vendor\", \"columns\": [\"external_id\"]");
        for (Map.Entry<String, String> route : bodies.entrySet()) {
            String path = route.getKey();
            String atLimit = padded(route.getValue(), (int) TestServer.MAX_BYTES);
            String overLimit = padded(route.getValue(), (int) TestServer.MAX_BYTES + 1);
            String error = path.equals("/v1/reports") ? "{\"success\":false,\"error\":{\"code\":\"payload_too_large\","
                    + "\"message\":\"" + message + "\"}}"
                    : "{\"error\":{\"code\":\"payload_too_large\",\"message\":\"" + message + "\"}}";

            Response declared = http.post(path, overLimit);
            assertThat(declared.status()).as(path).isEqualTo(413);
            assertThat(declared.body()).as(path).isEqualTo(error);
            HttpResponse<String> chunked = postChunked(path, overLimit);
            assertThat(chunked.request().headers().firstValue("Content-Length")).as(path).isEmpty();
            assertThat(chunked.statusCode()).as(path).isEqualTo(413);
            assertThat(chunked.body()).as(path).isEqualTo(error);

            assertThat(http.post(path, atLimit).status()).as(path).isEqualTo(201);
            assertThat(postChunked(path, atLimit).statusCode()).as(path).isEqualTo(201);
        }
        assertThat(http.get("/v1/keys").json().get("data").size()).isEqualTo(3);
        assertThat(http.get("/v1/reports").json().get("data").size()).isEqualTo(2);
    }

    /**
     * The error answers the OpenAPI document lists for the admin routes that no other test made them give: each is
     * real, with its code and message.
     */
    @Test
    void theAdminRoutesAnswerTheErrorsTheirOpenApiDocumentLists() throws Exception {
        String reader = tenant.key(KeyKind.SERVICE_ACCOUNT, Set.of(Scope.READ));
        List<Map.Entry<Response, String>> answers = List.of(
                Map.entry(http.delete("/v1/objects/vendor"), "409 built_in_object"
                        + " \"vendor\" is a built-in object and cannot be deleted"),
                Map.entry(http.delete("/v1/objects/no_such"), "404 object_not_found There is no object \"no_such\""),
                Map.entry(http.delete("/v1/keys/key_none"), "404 key_not_found There is no API key \"key_none\""),
                Map.entry(http.get("/v1/records/vndr_none"), "404 record_not_found There is no record \"vndr_none\""),
                Map.entry(http.put("/v1/import-reports/none", ImportApiContract.SEED_REPORT), "404 report_not_found"
                        + " There is no import report \"none\""),
                Map.entry(http.delete("/v1/import-reports/none"), "404 report_not_found"
                        + " There is no import report \"none\""),
                Map.entry(http.post("/v1/objects", "[]"), "422 malformed_body"
                        + " The request body is not valid JSON of the expected shape"),
                Map.entry(tenant.http(reader).get("/v1/keys"), "403 insufficient_scope"
                        + " Access denied: this API key lacks the \"admin\" scope"));
        for (Map.Entry<Response, String> answer : answers) {
            Response r = answer.getKey();
            assertThat(r.status() + " " + r.at("/error/code") + " " + r.at("/error/message"))
                    .isEqualTo(answer.getValue());
        }

        HttpResponse<String> form = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(http.baseUrl() + "/v1/keys")).header("Authorization", "Bearer " + http.key())
                .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        // The type the client sent, without its parameters: before, text/plain;charset=UTF-8, the charset Spring adds.
        assertThat(form.statusCode() + " " + form.body()).isEqualTo("415 {\"error\":{\"code\":"
                + "\"unsupported_media_type\",\"message\":\"Content-Type text/plain is not supported here;"
                + " send application/json\"}}");
        for (String type : List.of("application/xml; charset=ISO-8859-1", "multipart/form-data; boundary=x")) {
            HttpResponse<String> other = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(http.baseUrl() + "/v1/keys")).header("Authorization", "Bearer " + http.key())
                    .header("Content-Type", type).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(other.statusCode() + " " + other.body()).as(type).isEqualTo("415 {\"error\":{\"code\":"
                    + "\"unsupported_media_type\",\"message\":\"Content-Type " + type.split(";")[0] + " is not"
                    + " supported here; send application/json\"}}");
        }
    }

    /**
     * An empty body (none, nothing or blank space, whatever its Content-Type, or {@code null}) is the empty object:
     * each admin route names what it lacks, as for {@code {}}, and stores nothing. Before, one fault had three
     * answers: 422 {@code malformed_body} "not valid JSON of the expected shape", naming nothing; empty
     * {@code text/plain}, 415.
     */
    @Test
    void anEmptyBodyIsAnsweredAsTheEmptyObjectWhateverItsContentType() {
        String report = "422 {\"error\":{\"code\":\"invalid_report\",\"message\":\"The import report is not valid:"
                + " report_name is required; mapping must map at least external_id and the required fields; base_object"
                + " is required; use one of vendor, assessment, service, contact, account\",\"details\":[\"report_name"
                + " is required\",\"mapping must map at least external_id and the required fields\",\"base_object is"
                + " required; use one of vendor, assessment, service, contact, account\"]}}";
        Map<String, String> answers = new LinkedHashMap<>();
        answers.put("POST /v1/keys", "422 {\"error\":{\"code\":\"invalid_key\",\"message\":\"kind is required:"
                + " service_account or user\"}}");
        answers.put("POST /v1/objects", "422 {\"error\":{\"code\":\"invalid_object\",\"message\":\"The definition"
                + " is not valid: slug must start with a lowercase letter and hold only letters, digits and '_' (at"
                + " most 63); label is required\",\"details\":[\"slug must start with a lowercase letter and hold only"
                + " letters, digits and '_' (at most 63)\",\"label is required\"]}}");
        answers.put("POST /v1/objects/vendor/fields", "422 {\"error\":{\"code\":\"invalid_object\",\"message\":"
                + "\"The definition is not valid: field slug is required\",\"details\":[\"field slug is required\"]}}");
        answers.put("POST /v1/import-reports", report);
        answers.put("PUT /v1/import-reports/vendor-custom-import", report);
        assertThat(http.post("/v1/import-reports", ImportApiContract.SEED_REPORT).status()).isEqualTo(201);

        answers.forEach((route, answer) -> {
            String[] methodAndPath = route.split(" ");
            Response json = http.send(methodAndPath[0], methodAndPath[1], "{}");
            Response jsonNull = http.send(methodAndPath[0], methodAndPath[1], "null");
            assertThat(json.status() + " " + json.body()).as(route).isEqualTo(answer);
            assertThat(jsonNull.status() + " " + jsonNull.body()).as(route + " null").isEqualTo(answer);
            assertThat(EmptyBodyRequests.answers(http, methodAndPath[0], methodAndPath[1])).as(route)
                    .isEqualTo(EmptyBodyRequests.each(answer));
        });
        assertThat(http.get("/v1/keys").json().get("data").size()).isEqualTo(1);
        assertThat(http.get("/v1/objects").json().get("data").size()).isEqualTo(5);
        assertThat(http.get("/v1/objects/vendor").json().get("fields").size()).isEqualTo(16);
        assertThat(http.get("/v1/import-reports/vendor-custom-import").at("/report_name")).isEqualTo("Vendor Import");
    }

    /** {@code start} with spaces and a closing brace to {@code bytes} bytes (all ASCII). */
    private static String padded(String start, int bytes) {
        return start + " ".repeat(bytes - start.length() - 1) + "}";
    }

    /** A POST whose body is streamed without a Content-Length (chunked transfer encoding). */
    private HttpResponse<String> postChunked(String path, String json) throws Exception {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(http.baseUrl() + path))
                .header("Authorization", "Bearer " + http.key()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * An error message repeats at most 100 characters of a text it was sent, then "…": before, a saved report's 1 MB
     * column name came back whole in unknown_column.
     */
    @Test
    void anErrorMessageEchoesAtMostTheFirstHundredCharactersOfAText() {
        Response shortName = http.post("/v1/reports", """
                {"name": "x", "module": "vendor", "columns": ["nope"]}""");
        String columns = shortName.at("/error/message").substring(
                "Column \"nope\" is not a column of module vendor".length());

        Response longName = http.post("/v1/reports", "{\"name\": \"x\", \"module\": \"vendor\", \"columns\": [\""
                + "c".repeat(100_000) + "\"]}");
        assertThat(longName.status()).isEqualTo(400);
        assertThat(longName.at("/error/code")).isEqualTo("unknown_column");
        assertThat(longName.at("/error/message")).isEqualTo("Column \"" + "c".repeat(100) + "…\" is not a column of"
                + " module vendor" + columns);
        Response hundred = http.post("/v1/reports", "{\"name\": \"x\", \"module\": \"vendor\", \"columns\": [\""
                + "c".repeat(100) + "\"]}");
        assertThat(hundred.at("/error/message")).isEqualTo("Column \"" + "c".repeat(100) + "\" is not a column of"
                + " module vendor" + columns);
        Response key = http.post("/v1/keys", "{\"kind\": \"" + "r".repeat(5_000) + "\", \"scopes\": [\"read\"]}");
        assertThat(key.at("/error/message")).isEqualTo("kind must be service_account or user, got \""
                + "r".repeat(100) + "…\"");
    }

    @Test
    void recordsArePagedWithACursorAndFilteredByExternalId() {
        importVendors(25);

        Set<String> seen = new HashSet<>();
        String cursor = null;
        int pages = 0;
        do {
            Response page = http.get("/v1/objects/vendor/records?limit=10" + (cursor == null ? "" : "&cursor=" + cursor));
            page.json().get("data").forEach(rec -> seen.add(rec.get("external_id").asString()));
            cursor = page.at("/next_cursor");
            pages++;
        } while (cursor != null && pages < 10);

        assertThat(pages).isEqualTo(3);
        assertThat(seen).hasSize(25).contains("v-0", "v-24");
        Response one = http.get("/v1/objects/vendor/records?external_id=v-7");
        assertThat(one.json().get("data").size()).isEqualTo(1);
        assertThat(one.at("/data/0/values/name")).isEqualTo("V7");
        assertThat(http.get("/v1/objects/vendor/records?limit=0").status()).isEqualTo(400);
        // Only a cursor this API returned: not base64, base64 of no id, an id padded or cut, or empty.
        String issued = http.get("/v1/objects/vendor/records?limit=10").at("/next_cursor");
        for (String bad : List.of("!!!", "zzzz", "AAAA", "abc", issued + "==", issued.substring(1), "")) {
            Response r = http.get("/v1/objects/vendor/records?limit=10&cursor=" + bad);
            assertThat(r.status()).as(bad).isEqualTo(400);
            assertThat(r.at("/error/code")).as(bad).isEqualTo("invalid_cursor");
            assertThat(r.at("/error/message")).as(bad).isEqualTo("cursor is not one this API returned");
        }
        assertThat(http.get("/v1/objects/spaceship/records").at("/error/code")).isEqualTo("object_not_found");
        assertThat(http.get("/v1/records/vndr_nothing").status()).isEqualTo(404);
    }

    /**
     * A vendor's assessment history: the records list takes an export's filters, a reference compared by the
     * external_id its record has now, a page at a time. Before, every parameter but external_id, limit and cursor was
     * ignored: {@code vendor=v-9} listed all eight assessments.
     */
    @Test
    void aVendorsAssessmentsAreListedByTheExternalIdItHasNowAPageAtATime() {
        http.post("/v1/import-reports", ImportApiContract.SEED_REPORT);
        assertThat(http.post("/v1/import/vendor-custom-import", """
                {"data": [{"Name": "Acme", "External Id": "v-1"}, {"Name": "Globex", "External Id": "v-2"}]}""")
                .status()).isEqualTo(200);
        http.post("/v1/import-reports", """
                {"slug": "assessments", "report_name": "Assessments", "base_object": "assessment",
                 "mapping": {"external_id": "Id", "vendor": "Vendor", "type": "Type"}}""");
        String batch = IntStream.rangeClosed(1, 8)
                .mapToObj(i -> "{\"Id\": \"a-" + i + "\", \"Vendor\": \"" + (i % 3 == 2 ? "v-2" : "v-1")
                        + "\", \"Type\": \"" + (i % 2 == 0 ? "CAIQ" : "SIG Lite") + "\"}")
                .collect(Collectors.joining(",", "{\"data\": [", "]}"));
        assertThat(http.post("/v1/import/assessments", batch).at("/created_count")).isEqualTo("8");
        String acme = http.get("/v1/objects/vendor/records?external_id=v-1").at("/data/0/id");
        tenant.server().bean(dev.freight.store.Database.class).withHandle(h -> h.update(
                "update records set external_id = ? where id = ?", "v-9", acme));

        assertThat(walk("/v1/objects/assessment/records?vendor=v-9&limit=2")).containsExactly(
                List.of("a-1", "a-3"), List.of("a-4", "a-6"), List.of("a-7"));
        assertThat(walk("/v1/objects/assessment/records?vendor=v-1")).containsExactly(List.of());
        assertThat(walk("/v1/objects/assessment/records?vendor=v-2&type=SIG+Lite")).containsExactly(
                List.of("a-5"));
        assertThat(walk("/v1/objects/assessment/records?vendor=v-9&external_id=a-4")).containsExactly(
                List.of("a-4"));
        String inFilter = java.net.URLEncoder.encode("""
                [{"field": "vendor", "operator": "in", "values": ["v-2", "v-9"]},
                 {"field": "type", "value": "CAIQ"}]""", StandardCharsets.UTF_8);
        assertThat(walk("/v1/objects/assessment/records?limit=2&filters=" + inFilter)).containsExactly(
                List.of("a-2", "a-4"), List.of("a-6", "a-8"));
        Response one = http.get("/v1/objects/assessment/records?vendor=v-9&limit=1");
        assertThat(one.at("/data/0/values/vendor")).isEqualTo(
                "{\"external_id\":\"v-9\",\"object\":\"vendor\",\"id\":\"" + acme + "\"}");

        Response unknown = http.get("/v1/objects/assessment/records?colour=red");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.at("/error/code")).isEqualTo("unknown_filter_field");
        assertThat(unknown.at("/error/message")).isEqualTo("Filter field \"colour\" is not a column of module"
                + " assessment; its columns are id, external_id, createdDateTime, updatedDateTime, vendor, name, type,"
                + " status, scope, assessor, period_start, period_end, completed_date, score, inherent_risk_score,"
                + " residual_risk_score, risk_rating");
        assertThat(unknown.json().has("success")).isFalse();
        Response score = http.get("/v1/objects/assessment/records?score=high");
        assertThat(score.status()).isEqualTo(400);
        assertThat(score.at("/error/code")).isEqualTo("invalid_filter");
        assertThat(score.at("/error/message")).isEqualTo("Filter on \"score\": score: expected a number, got"
                + " \"high\"");
        Response notJson = http.get("/v1/objects/assessment/records?filters=vendor");
        assertThat(notJson.status()).isEqualTo(400);
        assertThat(notJson.at("/error/code")).isEqualTo("invalid_filter");
        assertThat(notJson.at("/error/message")).isEqualTo("filters must be a JSON array of filter objects, as an"
                + " export's config.filters");
        Response notAList = http.get("/v1/objects/assessment/records?filters=%7B%7D");
        assertThat(notAList.at("/error/code")).isEqualTo("invalid_filter");
        assertThat(notAList.at("/error/message")).isEqualTo("filters must be a list of objects");
    }

    /**
     * A field's filter given several times lists the records with any of the values, as the filter {@code in} does.
     * Before, each value was a filter of its own, all to hold at once: a field holds one value, so the list was empty.
     */
    @Test
    void aFieldFilterGivenSeveralTimesListsTheRecordsWithAnyOfTheValues() {
        importVendors(5);

        assertThat(walk("/v1/objects/vendor/records?name=V3&name=V1&limit=1")).containsExactly(List.of("v-1"),
                List.of("v-3"));
        assertThat(walk("/v1/objects/vendor/records?name=V3&name=V1&id=nothing")).containsExactly(List.of());
        assertThat(walk("/v1/objects/vendor/records?name=V2&name=V2")).containsExactly(List.of("v-2"));
        assertThat(walk("/v1/objects/vendor/records?name=V0&name=V4&external_id=v-4")).containsExactly(
                List.of("v-4"));
    }

    /** Imports {@code count} vendors through the seed's report: "V0" (external_id "v-0"), "V1"… */
    private void importVendors(int count) {
        http.post("/v1/import-reports", ImportApiContract.SEED_REPORT);
        String batch = IntStream.range(0, count)
                .mapToObj(i -> "{\"Name\":\"V" + i + "\",\"External Id\":\"v-" + i + "\"}")
                .collect(Collectors.joining(",", "{\"data\":[", "]}"));
        assertThat(http.post("/v1/import/vendor-custom-import", batch).status()).isEqualTo(200);
    }

    /** Each page's external_ids, following next_cursor from {@code path} to the last page. */
    private List<List<String>> walk(String path) {
        List<List<String>> pages = new ArrayList<>();
        String cursor = null;
        do {
            Response page = http.get(path + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(page.status()).as(page.body()).isEqualTo(200);
            List<String> ids = new ArrayList<>();
            page.json().get("data").forEach(rec -> ids.add(rec.get("external_id").asString()));
            pages.add(ids);
            cursor = page.at("/next_cursor");
        } while (cursor != null && pages.size() < 10);
        return pages;
    }

    @Test
    void unknownRoutesAnswerTheJsonErrorShape() {
        Response r = http.get("/v1/nothing-here");

        assertThat(r.status()).isEqualTo(404);
        assertThat(r.body()).isEqualTo("{\"error\":{\"code\":\"not_found\",\"message\":\"No route for GET /v1/nothing-here\"}}");
    }

    /**
     * A path below the validation file URLs that no route takes answers in seed 003's envelope, as its routes do.
     * Before, it was the plain body (the face's paths left out {@code /files/validations}).
     */
    @Test
    void unknownRoutesBelowTheValidationFileUrlsAnswerInTheEnvelope() {
        Response r = http.get("/files/validations/o/v/other.txt");

        assertThat(r.status()).isEqualTo(404);
        assertThat(r.body()).isEqualTo("{\"success\":false,\"error\":{\"code\":\"not_found\",\"message\":\"No route"
                + " for GET /files/validations/o/v/other.txt\"}}");
    }

    @Test
    void healthPathsBelowTheEndpointAnswerTheJsonErrorShapeToo() {
        // No health group or component is exposed (probes are off), so the actuator answers these 404 itself.
        for (String path : List.of("/actuator/health/liveness", "/actuator/health/db")) {
            Response r = http.get(path);

            assertThat(r.status()).as(path).isEqualTo(404);
            assertThat(r.raw().headers().firstValue("Content-Type")).as(path).hasValue("application/json");
            assertThat(r.body()).as(path).isEqualTo("{\"error\":{\"code\":\"not_found\",\"message\":\"No route for"
                    + " GET " + path + "\"}}");
        }
        assertThat(http.get("/actuator/health").body()).isEqualTo("{\"status\":\"UP\"}");
    }

    @Test
    void pathsTheServletContainerRejectsAnswerTheJsonErrorShapeToo() {
        for (String path : List.of("/v1/records/%C3%28", "/v1/records/a%2Fb")) {
            Response r = http.get(path);

            assertThat(r.status()).as(path).isEqualTo(400);
            assertThat(r.raw().headers().firstValue("Content-Type")).as(path).hasValue("application/json;charset=UTF-8");
            assertThat(r.body()).as(path).isEqualTo("{\"error\":{\"code\":\"bad_request\",\"message\":\"The request"
                    + " could not be read: its path or query has a %XX escape that is not UTF-8, an encoded '/' or a"
                    + " character a URL cannot hold\"}}");
        }
    }

    /**
     * On the seed-003 face's paths the servlet container's 400 is in that face's envelope, as every other error there,
     * the validation file URLs' paths included. Before, it was the plain body, without {@code "success": false}.
     */
    @Test
    void pathsTheServletContainerRejectsOnTheEnvelopeFaceAnswerInTheEnvelope() {
        for (String path : List.of("/v1/modules/vendors%ff/export", "/v1/reports/a%2Fb", "/v1/export-jobs/%C3%28",
                "/files/exports/%C3%28", "/files/validations/%C3%28")) {
            Response r = http.get(path);

            assertThat(r.status()).as(path).isEqualTo(400);
            assertThat(r.raw().headers().firstValue("Content-Type")).as(path).hasValue("application/json;charset=UTF-8");
            assertThat(r.body()).as(path).isEqualTo("{\"success\":false,\"error\":{\"code\":\"bad_request\","
                    + "\"message\":\"The request could not be read: its path or query has a %XX escape that is not"
                    + " UTF-8, an encoded '/' or a character a URL cannot hold\"}}");
        }
    }

    /**
     * Headers over 8 KiB after a request line the server read: the path is known, so a seed-003 path answers in the
     * envelope (before, the plain body). A request line itself over 8 KiB was never read to its path's end, so its
     * answer stays the plain body whatever the path.
     */
    @Test
    void headersLongerThanTheServerReadsOnTheEnvelopeFaceAnswerInTheEnvelope() throws Exception {
        HttpResponse<String> headers = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(http.baseUrl() + "/v1/modules/vendors/export")).header("X-Long", "b".repeat(9_000))
                .build(), HttpResponse.BodyHandlers.ofString());
        Response requestLine = http.get("/v1/modules/vendors/export?x=" + "a".repeat(9_000));

        assertThat(headers.statusCode()).isEqualTo(400);
        assertThat(headers.body()).isEqualTo("{\"success\":false,\"error\":{\"code\":\"bad_request\",\"message\":"
                + "\"The request could not be read: its request line and headers are longer than the server reads"
                + " (8,192 bytes)\"}}");
        assertThat(requestLine.status()).isEqualTo(400);
        assertThat(requestLine.body()).isEqualTo("{\"error\":{\"code\":\"bad_request\",\"message\":\"The request"
                + " could not be read: its request line and headers are longer than the server reads (8,192"
                + " bytes)\"}}");
    }

    /**
     * Tomcat answers 400 itself for a request line and headers over 8 KiB too; the answer says that is why. Before, it
     * said the path or query had a bad %XX escape.
     */
    @Test
    void aRequestLineLongerThanTheServerReadsAnswersTheJsonErrorSayingSo() {
        Response r = http.get("/v1/objects/vendor/records?external_id=" + "a".repeat(9_000));

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.raw().headers().firstValue("Content-Type")).hasValue("application/json;charset=UTF-8");
        assertThat(r.body()).isEqualTo("{\"error\":{\"code\":\"bad_request\",\"message\":\"The request could"
                + " not be read: its request line and headers are longer than the server reads (8,192 bytes)\"}}");
    }
}
