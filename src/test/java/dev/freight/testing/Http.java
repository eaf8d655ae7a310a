package dev.freight.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A small HTTP client for tests over a real socket, with JSON helpers. */
public final class Http {

    public static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Http() {}

    /** The status and body of an answer read from a plain socket. */
    public record RawAnswer(int status, String body) {}

    /**
     * A request sent over a plain socket in two steps: {@link #begin} sends its headers (as HTTP/1.0, so the server
     * closes the connection after its answer) and the first bytes of its body, {@link #finish} the rest, then reads
     * the answer. One connection, which no client library retries or pools. Not thread-safe.
     */
    public static final class SplitRequest implements AutoCloseable {
        private final Socket socket;
        private final byte[] body;
        private final int sent;

        private SplitRequest(Socket socket, byte[] body, int sent) {
            this.socket = socket;
            this.body = body;
            this.sent = sent;
        }

        public static SplitRequest begin(String method, String url, Map<String, String> headers, byte[] body,
                int first) throws IOException {
            URI uri = URI.create(url);
            StringBuilder head = new StringBuilder(method + " " + uri.getRawPath()
                    + (uri.getRawQuery() != null ? "?" + uri.getRawQuery() : "") + " HTTP/1.0\r\n");
            head.append("Host: ").append(uri.getHost()).append(':').append(uri.getPort()).append("\r\n");
            headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
            head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
            Socket socket = new Socket(uri.getHost(), uri.getPort());
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
            out.write(body, 0, first);
            out.flush();
            return new SplitRequest(socket, body, first);
        }

        /** Sends the rest of the body and reads the answer. */
        public RawAnswer finish() throws IOException {
            OutputStream out = socket.getOutputStream();
            out.write(body, sent, body.length - sent);
            out.flush();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int headEnd = answer.indexOf("\r\n\r\n");
            return new RawAnswer(Integer.parseInt(answer.substring(answer.indexOf(' ') + 1, answer.indexOf(' ') + 4)),
                    answer.substring(headEnd + 4));
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /**
     * Sends a request over a plain socket with its headers, declaring {@code body}'s whole length, but only the first
     * {@code sent} bytes of the body, then closes the connection: a client cut off mid-upload.
     */
    public static void cutOff(String method, String url, Map<String, String> headers, byte[] body, int sent)
            throws IOException {
        URI uri = URI.create(url);
        StringBuilder head = new StringBuilder(method + " " + uri.getRawPath()
                + (uri.getRawQuery() != null ? "?" + uri.getRawQuery() : "") + " HTTP/1.1\r\n");
        head.append("Host: ").append(uri.getHost()).append(':').append(uri.getPort()).append("\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
        try (Socket socket = new Socket(uri.getHost(), uri.getPort()); OutputStream out = socket.getOutputStream()) {
            out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
            out.write(body, 0, sent);
            out.flush();
        }
    }

    /** An answer: status, raw body and (when the body is JSON) its tree. */
    public record Response(int status, String body, HttpResponse<String> raw) {

        public JsonNode json() {
            return JSON.readTree(body);
        }

        /** The text at a JSON pointer, e.g. {@code "/error/code"}. */
        public String at(String pointer) {
            JsonNode node = json().at(pointer);
            return node.isMissingNode() || node.isNull() ? null : node.isString() ? node.asString() : node.toString();
        }
    }

    /** Requests against one base URL with one API key (null for none). */
    public record Client(String baseUrl, String key) {

        public Response get(String path) {
            return send("GET", path, null);
        }

        public Response post(String path, String json) {
            return send("POST", path, json);
        }

        public Response put(String path, String json) {
            return send("PUT", path, json);
        }

        public Response delete(String path) {
            return send("DELETE", path, null);
        }

        public Response send(String method, String path, String json) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(60));
            if (key != null) {
                b.header("Authorization", "Bearer " + key);
            }
            if (json != null) {
                b.header("Content-Type", "application/json");
            }
            b.method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(json));
            try {
                HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
                return new Response(r.statusCode(), r.body(), r);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
