package dev.freight.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.freight.testing.Http;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** How the walk-through's answers are read from the README and held against the service's, and its commands split. */
class ShownAnswerTest {

    private static final String README_BASE = "http://127.0.0.1:8080";
    private static final String BASE = "http://127.0.0.1:40967";

    private static List<String> differences(String shown, String actual, Map<String, String> learned) {
        ShownAnswer answer = ShownAnswer.parse(shown);
        JsonNode json = Http.JSON.readTree(actual);
        return ShownAnswer.differences(answer.body(), answer.some() && json.has("data") ? json.get("data") : json,
                README_BASE, BASE, learned);
    }

    @Test
    void membersAfterALeadingEllipsisAreSomeMembersAndTheStatusIsRead() {
        ShownAnswer answer = ShownAnswer.parse("400 … \"errors\": [{\"index\": 0, \"message\": \"got \\\"x\\\"\"}]");
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.some()).isTrue();
        assertThat(answer.body().toString())
                .isEqualTo("{\"…\":\"…\",\"errors\":[{\"index\":0,\"message\":\"got \\\"x\\\"\"}]}");
    }

    @Test
    void aStatusInWordsIsOneMember() {
        ShownAnswer answer = ShownAnswer.parse("202, status \"queued\"; the import runs in the background");
        assertThat(answer.status()).isEqualTo(202);
        assertThat(answer.body().toString()).isEqualTo("{\"status\":\"queued\",\"…\":\"…\"}");
    }

    @Test
    void placeholdersMatchAnyTextAndAreLearnedByIdOrMember() {
        Map<String, String> learned = new HashMap<>();
        assertThat(differences("201 {\"id\": \"imp_…\", \"_upload_url\": \"http://127.0.0.1:8080/u/imp_…?s=…\", …}",
                "{\"id\": \"imp_1\", \"_upload_url\": \"http://127.0.0.1:40967/u/imp_1?s=2\", \"x\": 1}", learned))
                .isEmpty();
        assertThat(learned).isEqualTo(Map.of("imp_…", "imp_1", "<the _upload_url>",
                "http://127.0.0.1:40967/u/imp_1?s=2"));
    }

    @Test
    void aDifferentValueAMissingMemberAndAnUnshownMemberAreEachNamed() {
        assertThat(differences("{\"a\": 1, \"b\": {\"c\": \"x\"}, \"d\": true}",
                "{\"a\": 2, \"b\": {\"c\": \"x\", \"e\": null}}", new HashMap<>())).containsExactly(
                "a: the README shows 1, the answer has 2",
                "b: the answer has members the README does not show: [e]",
                "d: the README shows true, the answer has no such member");
    }

    @Test
    void anArrayEndingInAnEllipsisHasAtLeastTheElementsShown() {
        assertThat(differences("{\"r\": [{\"n\": 1}, \"…\"], \"s\": […], \"t\": [first problems]}",
                "{\"r\": [{\"n\": 1}, {\"n\": 2}], \"s\": [3], \"t\": []}", new HashMap<>())).isEmpty();
        assertThat(differences("{\"r\": [{\"n\": 1}]}", "{\"r\": [{\"n\": 1}, {\"n\": 2}]}", new HashMap<>()))
                .containsExactly("r: the README shows 1 elements, the answer has 2: [{\"n\":1},{\"n\":2}]");
    }

    @Test
    void aTimeIsAnyWholeNumber() {
        assertThat(differences("{\"received_at\": 1795332532}", "{\"received_at\": 1795538040}", new HashMap<>()))
                .isEmpty();
        assertThat(differences("{\"received_at\": 1795332532}", "{\"received_at\": \"now\"}", new HashMap<>()))
                .containsExactly("received_at: the README shows 1795332532 (a time), the answer has \"now\"");
    }

    @Test
    void textAfterTheMembersIsRefused() {
        assertThatThrownBy(() -> ShownAnswer.parse("… \"a\": 1 and more"))
                .hasMessageStartingWith("Expected ',' or the end at 9 of the answer the README shows");
    }

    @Test
    void aCommandEndsWhereNoQuoteIsOpenAndNoLineIsContinued() {
        assertThat(WalkThrough.complete("curl -s \\")).isFalse();
        assertThat(WalkThrough.complete("curl -d '{\"a\":\n 1}'")).isTrue();
        assertThat(WalkThrough.complete("curl -d '{\"a\":")).isFalse();
        assertThat(WalkThrough.complete("curl -d \"{\\\"a\\\": 1}")).isFalse();
        assertThat(WalkThrough.complete("KEY=frk_...   # the key's line")).isTrue();
    }
}
