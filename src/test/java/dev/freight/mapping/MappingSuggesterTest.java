package dev.freight.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.schema.BuiltInObjects;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MappingSuggesterTest {

    private final MappingSuggester suggester = new MappingSuggester();

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "MailingStreet|mailing street",
            "mailing_street|mailing street",
            "  Mailing   Street |mailing street",
            "E-mail 2 Address|e mail 2 address",
            "Account.Name|account name",
            "NAME1|name 1",
            "ORT01|ort 01",
            "Prénom|prenom",
            "LinkedIn URL|linked in url",
            "MEMBER_RATING|member rating",
            "HTTPStatus|http status",
            "Mailing Zip/Postal Code|mailing zip postal code"})
    void normalizesHeadersToTheRememberedKey(String header, String expected) {
        assertThat(HeaderNames.normalize(header)).isEqualTo(expected);
    }

    @Test
    void normalizesNullToEmpty() {
        assertThat(HeaderNames.normalize(null)).isEmpty();
    }

    @Test
    void measuresSpellingSimilarityWithTranspositionsAsOneEdit() {
        assertThat(Similarity.ratio("email", "email")).isEqualTo(1.0);
        assertThat(Similarity.ratio("emial", "email")).isEqualTo(0.8);
        assertThat(Similarity.ratio("adress", "address")).isEqualTo(1 - 1 / 7.0);
        assertThat(Similarity.ratio("lastmodified", "lastname")).isLessThan(0.6);
        assertThat(Similarity.distance("", "abc")).isEqualTo(3);
    }

    @Test
    void suggestsAFuzzyMatchForAMisspelledHeaderScaledBySimilarity() {
        List<Suggestion> s = suggester.suggest(BuiltInObjects.CONTACT, List.of("Emial", "Departmnet", "Hobby"),
                List.of(), Map.of()).suggestions();

        assertThat(s.get(0)).isEqualTo(new Suggestion("Emial", "email", 0.68, MatchReason.FUZZY));
        assertThat(s.get(1)).isEqualTo(new Suggestion("Departmnet", "department", 0.765, MatchReason.FUZZY));
        assertThat(s.get(2)).isEqualTo(Suggestion.unmapped("Hobby"));
    }

    @Test
    void reportsExactAliasAndValueTypeReasonsWithCalibratedConfidence() {
        List<Suggestion> s = suggester.suggest(BuiltInObjects.CONTACT,
                List.of("Phone", "Job Title", "MailingCity", "Col7", "Col8"),
                List.of(Map.of("Col7", "ann@example.com", "Col8", "https://www.linkedin.com/in/ann")), Map.of())
                .suggestions();

        assertThat(s).containsExactly(
                new Suggestion("Phone", "phone", 1.0, MatchReason.EXACT),
                new Suggestion("Job Title", "jobTitle", 1.0, MatchReason.EXACT),
                new Suggestion("MailingCity", "address", 0.9, MatchReason.ALIAS),
                new Suggestion("Col7", "email", 0.7, MatchReason.VALUE_TYPE),
                new Suggestion("Col8", "linkedinUrl", 0.75, MatchReason.VALUE_TYPE));
    }

    @Test
    void profilesSampleValues() {
        List<Map<String, String>> rows = List.of(
                Map.of("a", "ann@example.com", "b", "+44 20 7946 0958", "c", "2024-03-15", "d", "acme.com",
                        "e", "yes", "f", "1,250"),
                Map.of("a", "bob@example.org", "b", "(415) 555-0100", "c", "15/03/2024", "d", "https://x.io/a",
                        "e", "no", "f", "17"));

        assertThat(ValueProfile.of("a", rows).kind()).isEqualTo(ValueProfile.Kind.EMAIL);
        assertThat(ValueProfile.of("b", rows).kind()).isEqualTo(ValueProfile.Kind.PHONE);
        assertThat(ValueProfile.of("c", rows).kind()).isEqualTo(ValueProfile.Kind.DATE);
        assertThat(ValueProfile.of("d", rows).kind()).isEqualTo(ValueProfile.Kind.URL);
        assertThat(ValueProfile.of("e", rows).kind()).isEqualTo(ValueProfile.Kind.BOOLEAN);
        assertThat(ValueProfile.of("f", rows).kind()).isEqualTo(ValueProfile.Kind.NUMBER);
        assertThat(ValueProfile.of("missing", rows).kind()).isEqualTo(ValueProfile.Kind.NONE);
    }

    @Test
    void suggestsAnEnumFieldWhenTheValuesAreItsOptions() {
        List<Suggestion> s = suggester.suggest(BuiltInObjects.VENDOR, List.of("State of play"),
                List.of(Map.of("State of play", "Active"), Map.of("State of play", "offboarding")), Map.of())
                .suggestions();

        assertThat(s).containsExactly(new Suggestion("State of play", "status", 0.75, MatchReason.VALUE_TYPE));
    }

    @Test
    void lowersAHeaderMatchThatTheSampleValuesContradict() {
        List<Suggestion> s = suggester.suggest(BuiltInObjects.CONTACT, List.of("Email"),
                List.of(Map.of("Email", "not given")), Map.of()).suggestions();

        assertThat(s).containsExactly(new Suggestion("Email", "email", 0.7, MatchReason.EXACT));
    }

    @Test
    void givesASingleValueFieldToOneColumnOnlyTheBestOne() {
        List<Suggestion> s = suggester.suggest(BuiltInObjects.CONTACT,
                List.of("E-mail 2 Address", "E-mail Address", "Title", "Job Title"), List.of(), Map.of())
                .suggestions();

        assertThat(s).containsExactly(
                Suggestion.unmapped("E-mail 2 Address"),
                new Suggestion("E-mail Address", "email", 0.9, MatchReason.ALIAS),
                Suggestion.unmapped("Title"),
                new Suggestion("Job Title", "jobTitle", 1.0, MatchReason.EXACT));
    }

    @Test
    void givesTheSlotOfASingleValueFieldToThePlainHeaderOverASuffixedOrQualifiedOne() {
        for (List<String> columns : List.of(List.of("Email 2", "Email Address"), List.of("Email_2", "E-mail"),
                List.of("Secondary Email", "Email Address"), List.of("Email 1", "Email Address"),
                List.of("E-mail 1 Address", "Email Address"))) {
            List<Suggestion> s = suggester.suggest(BuiltInObjects.CONTACT, columns, List.of(), Map.of())
                    .suggestions();

            assertThat(s.get(0)).as(columns.toString()).isEqualTo(Suggestion.unmapped(columns.get(0)));
            assertThat(s.get(1).targetFieldSlug()).as(columns.toString()).isEqualTo("email");
        }
    }

    @Test
    void callsAHeaderExactOnlyWhenItIsTheFieldsLabelOrSlugWithoutASuffix() {
        List<Suggestion> s = suggester.suggest(BuiltInObjects.CONTACT,
                List.of("Email_2", "Job Title 2", "Phone 2"), List.of(), Map.of()).suggestions();

        assertThat(s).containsExactly(
                new Suggestion("Email_2", "email", 0.83, MatchReason.ALIAS),
                new Suggestion("Job Title 2", "jobTitle", 0.83, MatchReason.ALIAS),
                new Suggestion("Phone 2", "phone", 0.83, MatchReason.ALIAS));
        assertThat(suggester.suggest(BuiltInObjects.CONTACT, List.of("E-mail 1 - Value"), List.of(), Map.of())
                .suggestions()).containsExactly(new Suggestion("E-mail 1 - Value", "email", 0.88,
                        MatchReason.ALIAS));
        assertThat(suggester.suggest(BuiltInObjects.VENDOR, List.of("SOC 2 Audit End"), List.of(), Map.of())
                .suggestions()).containsExactly(new Suggestion("SOC 2 Audit End", "soc2_audit_end", 1.0,
                        MatchReason.EXACT));
    }

    @Test
    void letsSeveralColumnsFillAMultiValueFieldAndOneColumnPerAddressPart() {
        List<String> columns = List.of("Business Phone", "Mobile Phone", "Business Fax", "Assistant's Phone",
                "Business Street", "Business City", "Home Street", "Home City", "Business Street 2");
        List<Suggestion> s = suggester.suggest(BuiltInObjects.CONTACT, columns, List.of(), Map.of()).suggestions();

        assertThat(s).extracting(Suggestion::targetFieldSlug)
                .containsExactly("phone", "phone", "phone", null, "address", "address", null, null, "address");
        assertThat(columns.stream().map(ValueTypes::valueType).map(o -> o.orElse("-")))
                .containsExactly("Work", "Mobile", "Fax", "-", "-", "-", "-", "-", "-");
        assertThat(columns.stream().map(AddressParts::addressPart).map(o -> o.orElse("-")))
                .containsExactly("-", "-", "-", "-", "street", "city", "street", "city", "street2");
    }

    @Test
    void readsAddressPartsFromCommonHeaders() {
        assertThat(List.of("MailingPostalCode", "Mailing State/Province", "Address 1 - Region", "Country/Region",
                        "Address 1 - Extended Address", "Street Address 2", "Business Street 3", "Address 1 - PO Box",
                        "Address 1 - Formatted", "REGION", "E-mail Address", "ORT01", "PSTLZ", "STRAS", "LAND1")
                .stream().map(AddressParts::addressPart).map(o -> o.orElse("-")))
                .containsExactly("zip", "state", "state", "country", "street2", "street2", "-", "-", "-", "-", "-",
                        "city", "zip", "street", "country");
    }

    @Test
    void leavesIdsOfOtherRecordsAndMarketingMetadataUnmapped() {
        List<String> columns = List.of("OwnerId", "CreatedDate", "OPTIN_TIME", "LEID", "Lead Status", "Phone 1 - Type",
                "Record ID", "Contact owner");
        List<Suggestion> s = suggester.suggest(BuiltInObjects.CONTACT, columns, List.of(), Map.of()).suggestions();

        assertThat(s).extracting(Suggestion::targetFieldSlug)
                .containsExactly(null, null, null, null, null, null, "external_id", "owner");
    }

    @Test
    void remembersConfirmedMappingsBeforeAnyNameMatch() {
        Map<String, RememberedMapping> remembered = Map.of(
                "kontakt e post", new RememberedMapping("email", null, null),
                "title", new RememberedMapping("jobTitle", null, null));
        List<Suggestion> s = suggester.suggest(BuiltInObjects.CONTACT,
                List.of("Email", "Kontakt E-Post", "Job Title", "Title"), List.of(), remembered).suggestions();

        assertThat(s).containsExactly(
                Suggestion.unmapped("Email"),
                new Suggestion("Kontakt E-Post", "email", 0.97, MatchReason.REMEMBERED),
                Suggestion.unmapped("Job Title"),
                new Suggestion("Title", "jobTitle", 0.97, MatchReason.REMEMBERED));
    }

    @Test
    void ignoresARememberedSlugTheTargetDoesNotHave() {
        List<Suggestion> s = suggester.suggest(BuiltInObjects.ACCOUNT, List.of("Email"), List.of(),
                Map.of("email", new RememberedMapping("email", null, null))).suggestions();

        assertThat(s).containsExactly(Suggestion.unmapped("Email"));
    }

    @Test
    void breaksTiesByFieldOrderThenColumnOrder() {
        List<Suggestion> s = suggester.suggest(BuiltInObjects.CONTACT, List.of("Company", "Organization"), List.of(),
                Map.of()).suggestions();

        assertThat(s).containsExactly(
                new Suggestion("Company", "account", 0.9, MatchReason.ALIAS),
                Suggestion.unmapped("Organization"));
    }

    @Test
    void givesTheSameAnswerForTheSameInput() {
        List<String> columns = List.of("Name", "First Name", "Last Name", "Email", "Phone", "Mobile", "Company",
                "Street", "City", "Zip", "Country", "Title", "Notes", "Owner", "Id", "Created");
        MappingResult first = suggester.suggest(BuiltInObjects.CONTACT, columns, List.of(), Map.of());
        for (int i = 0; i < 5; i++) {
            assertThat(new MappingSuggester().suggest(BuiltInObjects.CONTACT, columns, List.of(), Map.of()))
                    .isEqualTo(first);
        }
        assertThat(first.aiUsed()).isFalse();
        assertThat(first.suggestions()).extracting(Suggestion::sourceColumn).containsExactlyElementsOf(columns);
    }

    @Test
    void wiresReasonsAsLowerSnakeCase() {
        assertThat(List.of(MatchReason.values()).stream().map(MatchReason::wire))
                .containsExactly("exact", "alias", "remembered", "fuzzy", "value_type");
    }
}
