package dev.freight.api;

import dev.freight.testing.Http;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.util.List;

/**
 * The empty bodies a client may send, each sent to one route: none at all, nothing or blank space under JSON's type,
 * under {@code text/plain} or under none, with a {@code Content-Length} or chunked. One fault: every route answers
 * them alike, as it answers {@code {}}.
 */
final class EmptyBodyRequests {

    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    private record Variant(String label, String contentType, BodyPublisher body) {}

    private static final List<Variant> VARIANTS = List.of(
            new Variant("no body", null, BodyPublishers.noBody()),
            new Variant("empty application/json", "application/json", BodyPublishers.ofString("")),
            new Variant("empty text/plain", "text/plain", BodyPublishers.ofString("")),
            new Variant("blank application/json", "application/json", BodyPublishers.ofString(" \r\n\t ")),
            new Variant("blank text/plain", "text/plain", BodyPublishers.ofString("\n\n")),
            new Variant("blank without a type", null, BodyPublishers.ofString("  ")),
            new Variant("blank chunked application/json", "application/json",
                    BodyPublishers.fromPublisher(BodyPublishers.ofString("   "))));

    private EmptyBodyRequests() {}

    /** Each variant's label with the answer's status and body, as {@link #each} lists the expected ones. */
    static List<String> answers(Http.Client http, String method, String path) {
        return VARIANTS.stream().map(v -> v.label() + ": " + send(http, method, path, v)).toList();
    }

    /** Every variant's label with {@code answer} ("422 {…}"). */
    static List<String> each(String answer) {
        return VARIANTS.stream().map(v -> v.label() + ": " + answer).toList();
    }

    private static String send(Http.Client http, String method, String path, Variant v) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(http.baseUrl() + path))
                .header("Authorization", "Bearer " + http.key()).method(method, v.body());
        if (v.contentType() != null) {
            request.header("Content-Type", v.contentType());
        }
        try {
            HttpResponse<String> r = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() + " " + r.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
