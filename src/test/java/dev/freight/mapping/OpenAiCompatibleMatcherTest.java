package dev.freight.mapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.freight.schema.BuiltInObjects;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The model path against a real local HTTP server speaking the chat-completions shape. */
class OpenAiCompatibleMatcherTest {

    private static final List<String> COLUMNS = List.of("Email", "Firma", "Kundennummer");
    private static final List<Map<String, String>> ROWS = List.of(
            Map.of("Email", "ann@example.com", "Firma", "Acme GmbH", "Kundennummer", "K-1001"));

    private HttpServer server;
    private final AtomicReference<Integer> status = new AtomicReference<>(200);
    private final AtomicReference<String> answer = new AtomicReference<>("");
    private final AtomicReference<String> lastRequest = new AtomicReference<>();
    private final AtomicReference<String> lastAuthorization = new AtomicReference<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile boolean hang;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/chat/completions", exchange -> {
            lastRequest.set(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            lastAuthorization.set(exchange.getRequestHeaders().getFirst("Authorization"));
            if (hang) {
                try {
                    release.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] body = answer.get().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status.get(), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
    }

    private OpenAiCompatibleMatcher matcher(Duration timeout) {
        URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1/");
        return new OpenAiCompatibleMatcher(new OpenAiCompatibleMatcher.Config(base, "sk-test", "tiny", timeout));
    }

    private static String completion(String content) {
        String escaped = content.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
        return "{\"id\":\"c1\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":"
                + "{\"role\":\"assistant\",\"content\":\"" + escaped + "\"},\"finish_reason\":\"stop\"}]}";
    }

    @Test
    void usesTheModelsAnswerWhenItIsValid() {
        answer.set(completion("""
                ```json
                {"mappings": [
                  {"column": "Email", "field": null, "confidence": 0.99},
                  {"column": "Firma", "field": "displayName", "confidence": 0.8},
                  {"column": "Kundennummer", "field": "external_id", "confidence": 0.9}
                ]}
                ```"""));
        MappingResult result = new MappingSuggester(matcher(Duration.ofSeconds(5)))
                .suggest(BuiltInObjects.ACCOUNT, COLUMNS, ROWS, Map.of());

        assertThat(result.aiUsed()).isTrue();
        assertThat(result.suggestions()).containsExactly(
                Suggestion.unmapped("Email"),
                new Suggestion("Firma", "displayName", 0.8, MatchReason.FUZZY),
                new Suggestion("Kundennummer", "external_id", 0.85, MatchReason.FUZZY));
        assertThat(lastRequest.get()).contains("\"model\":\"tiny\"", "\\\"target_object\\\":\\\"account\\\"",
                "\\\"name\\\":\\\"Firma\\\"", "Acme GmbH");
        assertThat(lastAuthorization.get()).isEqualTo("Bearer sk-test");
    }

    @Test
    void fallsBackToTheBuiltInResultWhenTheAnswerIsGarbage() {
        answer.set(completion("I think Email is the email, and Firma is the company!"));
        MappingResult result = new MappingSuggester(matcher(Duration.ofSeconds(5)))
                .suggest(BuiltInObjects.CONTACT, COLUMNS, ROWS, Map.of());

        assertThat(result).isEqualTo(new MappingSuggester().suggest(BuiltInObjects.CONTACT, COLUMNS, ROWS, Map.of()));
        assertThat(result.aiUsed()).isFalse();
        assertThat(result.suggestions().get(0)).isEqualTo(new Suggestion("Email", "email", 1.0, MatchReason.EXACT));
    }

    @Test
    void rejectsAnAnswerWithASlugTheTargetDoesNotHave() {
        answer.set(completion("{\"mappings\":[{\"column\":\"Firma\",\"field\":\"company\",\"confidence\":0.9}]}"));

        assertThatThrownBy(() -> matcher(Duration.ofSeconds(5)).match(BuiltInObjects.CONTACT, COLUMNS, ROWS))
                .isInstanceOf(ModelMatcherException.class)
                .hasMessage("mapping model answer names field \"company\", which contact does not have");
    }

    @Test
    void fallsBackOnAnHttpError() {
        status.set(500);
        answer.set("{\"error\":{\"message\":\"boom\"}}");

        assertThatThrownBy(() -> matcher(Duration.ofSeconds(5)).match(BuiltInObjects.CONTACT, COLUMNS, ROWS))
                .isInstanceOf(ModelMatcherException.class)
                .hasMessage("mapping model answered HTTP 500, expected 200");
        MappingResult result = new MappingSuggester(matcher(Duration.ofSeconds(5)))
                .suggest(BuiltInObjects.CONTACT, COLUMNS, ROWS, Map.of());
        assertThat(result.aiUsed()).isFalse();
        assertThat(result.suggestions().get(1)).isEqualTo(new Suggestion("Firma", "account", 0.68,
                MatchReason.FUZZY));
    }

    @Test
    void fallsBackWhenTheModelTimesOut() {
        hang = true;
        answer.set(completion("{\"mappings\":[]}"));
        long started = System.nanoTime();
        MappingResult result = new MappingSuggester(matcher(Duration.ofMillis(300)))
                .suggest(BuiltInObjects.CONTACT, COLUMNS, ROWS, Map.of());

        assertThat(result.aiUsed()).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
        assertThat(result.suggestions().get(0)).isEqualTo(new Suggestion("Email", "email", 1.0, MatchReason.EXACT));
    }

    @Test
    void isOffUnlessAUrlIsConfigured() {
        assertThat(OpenAiCompatibleMatcher.fromEnvironment(Map.of())).isEmpty();
        assertThat(OpenAiCompatibleMatcher.fromEnvironment(Map.of("FREIGHT_MAPPING_MODEL_URL", " "))).isEmpty();

        OpenAiCompatibleMatcher m = OpenAiCompatibleMatcher.fromEnvironment(Map.of(
                "FREIGHT_MAPPING_MODEL_URL", "http://127.0.0.1:11434/v1",
                "FREIGHT_MAPPING_MODEL_NAME", "tiny",
                "FREIGHT_MAPPING_MODEL_TIMEOUT", "1500ms")).orElseThrow();
        assertThat(m.config().timeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(m.config().model()).isEqualTo("tiny");
        assertThat(m.config().apiKey()).isNull();
    }

    @Test
    void stopsOnABadModelSetting() {
        assertThatThrownBy(() -> OpenAiCompatibleMatcher.fromEnvironment(Map.of(
                "FREIGHT_MAPPING_MODEL_URL", "http://127.0.0.1:11434/v1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("FREIGHT_MAPPING_MODEL_NAME must be set when FREIGHT_MAPPING_MODEL_URL is");
        assertThatThrownBy(() -> OpenAiCompatibleMatcher.fromEnvironment(Map.of(
                "FREIGHT_MAPPING_MODEL_URL", "http://127.0.0.1:11434/v1", "FREIGHT_MAPPING_MODEL_NAME", "tiny",
                "FREIGHT_MAPPING_MODEL_TIMEOUT", "ten seconds")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("FREIGHT_MAPPING_MODEL_TIMEOUT must look like 10s, 500ms or 1m, got \"ten seconds\"");
        assertThat(OpenAiCompatibleMatcher.parseDuration("10s")).isEqualTo(Duration.ofSeconds(10));
        assertThat(OpenAiCompatibleMatcher.parseDuration("1m")).isEqualTo(Duration.ofMinutes(1));
    }
}
