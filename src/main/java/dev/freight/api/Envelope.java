package dev.freight.api;

/** The response envelope of the {@code /v1/modules} face (seed 003): {@code {"success": true, "data": …}}. */
record Envelope<T>(boolean success, T data) {

    static <T> Envelope<T> of(T data) {
        return new Envelope<>(true, data);
    }
}
