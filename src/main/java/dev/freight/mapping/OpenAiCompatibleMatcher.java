package dev.freight.mapping;

import dev.freight.schema.Field;
import dev.freight.schema.ObjectDef;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A {@link ModelMatcher} over any server that speaks the OpenAI chat-completions API ({@code POST
 * {base}/chat/completions}). Sends the target fields and the columns with a few short sample values, asks for a JSON
 * answer, and checks every column and slug in it. Off by default: see {@link #fromEnvironment}. Thread-safe.
 */
public final class OpenAiCompatibleMatcher implements ModelMatcher {

    public static final String ENV_URL = "FREIGHT_MAPPING_MODEL_URL";
    public static final String ENV_KEY = "FREIGHT_MAPPING_MODEL_KEY";
    public static final String ENV_NAME = "FREIGHT_MAPPING_MODEL_NAME";
    public static final String ENV_TIMEOUT = "FREIGHT_MAPPING_MODEL_TIMEOUT";
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    /** Longest sample value sent; longer values are cut. */
    static final int SAMPLE_CHARS = 60;
    static final int SAMPLES_PER_COLUMN = 3;

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern FENCE = Pattern.compile("(?s)^\\s*```(?:json)?\\s*(.*?)\\s*```\\s*$");
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m)");

    /**
     * @param baseUrl e.g. {@code http://localhost:11434/v1}; {@code /chat/completions} is appended
     * @param apiKey sent as a bearer token; null or blank sends none (local servers)
     */
    public record Config(URI baseUrl, String apiKey, String model, Duration timeout) {
        public Config {
            Objects.requireNonNull(baseUrl, "baseUrl");
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, got " + timeout);
            }
        }

        @Override
        public String toString() {
            return "Config[baseUrl=" + baseUrl + ", model=" + model + ", timeout=" + timeout + "]";
        }
    }

    private final Config config;
    private final HttpClient http;

    public OpenAiCompatibleMatcher(Config config) {
        this.config = Objects.requireNonNull(config, "config");
        this.http = HttpClient.newBuilder().connectTimeout(config.timeout()).build();
    }

    /**
     * Reads {@value #ENV_URL} (unset or blank: empty, the model is off), {@value #ENV_KEY}, {@value #ENV_NAME}
     * (required with a URL) and {@value #ENV_TIMEOUT} (e.g. {@code 10s}, {@code 500ms}, {@code 1m}; default 10s).
     *
     * @throws IllegalArgumentException when a URL is set but the other settings are missing or malformed
     */
    public static Optional<OpenAiCompatibleMatcher> fromEnvironment(Map<String, String> env) {
        String url = env.get(ENV_URL);
        if (url == null || url.isBlank()) {
            return Optional.empty();
        }
        URI base;
        try {
            base = URI.create(url.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(ENV_URL + " is not a URL", e);
        }
        if (base.getScheme() == null || !base.getScheme().matches("https?")) {
            throw new IllegalArgumentException(ENV_URL + " must be an http or https URL");
        }
        String name = env.get(ENV_NAME);
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException(ENV_NAME + " must be set when " + ENV_URL + " is");
        }
        String timeout = env.get(ENV_TIMEOUT);
        Duration t = timeout == null || timeout.isBlank() ? DEFAULT_TIMEOUT : parseDuration(timeout.strip());
        return Optional.of(new OpenAiCompatibleMatcher(new Config(base, env.get(ENV_KEY), name.strip(), t)));
    }

    static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    ENV_TIMEOUT + " must look like 10s, 500ms or 1m, got \"" + text + "\"");
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            default -> Duration.ofMinutes(n);
        };
        if (d.isZero()) {
            throw new IllegalArgumentException(ENV_TIMEOUT + " must be positive, got \"" + text + "\"");
        }
        return d;
    }

    public Config config() {
        return config;
    }

    @Override
    public Map<String, Choice> match(ObjectDef target, List<String> sourceColumns,
            List<Map<String, String>> sampleRows) {
        String base = config.baseUrl().toString().replaceAll("/+$", "");
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/chat/completions"))
                .timeout(config.timeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(requestBody(target, sourceColumns, sampleRows)));
        if (config.apiKey() != null && !config.apiKey().isBlank()) {
            request.header("Authorization", "Bearer " + config.apiKey());
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            throw new ModelMatcherException("mapping model did not answer within " + config.timeout(), e);
        } catch (IOException e) {
            throw new ModelMatcherException("mapping model could not be reached: " + e.getClass().getSimpleName(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelMatcherException("interrupted while waiting for the mapping model", e);
        }
        if (response.statusCode() != 200) {
            throw new ModelMatcherException("mapping model answered HTTP " + response.statusCode() + ", expected 200");
        }
        return parseAnswer(target, sourceColumns, response.body());
    }

    String requestBody(ObjectDef target, List<String> sourceColumns, List<Map<String, String>> sampleRows) {
        ObjectNode prompt = JSON.createObjectNode();
        prompt.put("target_object", target.slug());
        ArrayNode fields = prompt.putArray("fields");
        for (Field f : target.fields()) {
            ObjectNode n = fields.addObject();
            n.put("slug", f.slug());
            n.put("label", f.label());
            n.put("type", f.type().wireName());
            n.put("multiple", f.multiple());
            n.put("description", f.description());
            if (!f.options().isEmpty()) {
                ArrayNode options = n.putArray("options");
                f.options().forEach(options::add);
            }
        }
        ArrayNode columns = prompt.putArray("columns");
        for (String column : sourceColumns) {
            ObjectNode n = columns.addObject();
            n.put("name", column);
            ArrayNode samples = n.putArray("samples");
            for (Map<String, String> row : sampleRows) {
                String v = row == null ? null : row.get(column);
                if (v != null && !v.isBlank() && samples.size() < SAMPLES_PER_COLUMN) {
                    samples.add(v.length() > SAMPLE_CHARS ? v.substring(0, SAMPLE_CHARS) : v);
                }
            }
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("model", config.model());
        body.put("temperature", 0);
        body.putObject("response_format").put("type", "json_object");
        ArrayNode messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content", """
                You map the columns of a spreadsheet export to the fields of a target object in a CRM/ERP system.
                Answer with JSON only, in this shape:
                {"mappings": [{"column": "<column name>", "field": "<field slug or null>", "confidence": <0..1>}]}
                One entry per column. Use only the given field slugs. A field takes at most one column unless it is
                multiple (several phone columns) or of type address (street, city, state, zip and country columns all
                map to it). Leave ids of other systems, timestamps, opt-in data and anything uncertain as null.""");
        messages.addObject().put("role", "user").put("content", JSON.writeValueAsString(prompt));
        return JSON.writeValueAsString(body);
    }

    static Map<String, Choice> parseAnswer(ObjectDef target, List<String> sourceColumns, String responseBody) {
        try {
            JsonNode content = JSON.readTree(responseBody).path("choices").path(0).path("message").path("content");
            if (!content.isString()) {
                throw new ModelMatcherException("mapping model answer has no choices[0].message.content text");
            }
            String text = content.stringValue();
            Matcher fence = FENCE.matcher(text);
            JsonNode mappings = JSON.readTree(fence.matches() ? fence.group(1) : text).path("mappings");
            if (!mappings.isArray()) {
                throw new ModelMatcherException("mapping model answer has no \"mappings\" array");
            }
            Set<String> columns = new HashSet<>(sourceColumns);
            Map<String, Choice> out = new LinkedHashMap<>();
            for (JsonNode m : mappings.values()) {
                JsonNode column = m.path("column");
                JsonNode field = m.path("field");
                if (!column.isString() || !columns.contains(column.stringValue())) {
                    throw new ModelMatcherException("mapping model answer names a column that is not in the file");
                }
                String slug = field.isString() ? field.stringValue() : null;
                if (slug != null && target.field(slug).isEmpty()) {
                    throw new ModelMatcherException(
                            "mapping model answer names field \"%s\", which %s does not have"
                                    .formatted(slug, target.slug()));
                }
                if (!field.isString() && !field.isNull() && !field.isMissingNode()) {
                    throw new ModelMatcherException("mapping model answer has a field that is neither a slug nor null");
                }
                double confidence = m.path("confidence").isNumber() ? m.path("confidence").doubleValue() : 0.8;
                out.put(column.stringValue(), new Choice(slug, Math.max(0, Math.min(1, confidence))));
            }
            return out;
        } catch (JacksonException e) {
            throw new ModelMatcherException("mapping model answer is not the expected JSON", e);
        }
    }
}
