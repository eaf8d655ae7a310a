package dev.freight.api;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * {@code FREIGHT_MAX_REQUEST_BYTES} over a JSON request body: a declared {@code Content-Length} above the limit is
 * refused before a byte is read, and the bytes are counted as they are read, so a chunked body (no
 * {@code Content-Length}) is cut off at the limit too. Both answer the same 413 {@code payload_too_large}. Uploads
 * (the signed upload URL, the file workflow's multipart parse) have larger limits of their own and never come here.
 */
final class RequestBodyLimit {

    private RequestBodyLimit() {}

    /**
     * {@code body}, failing its reads with {@link Exceeded} once more than {@code maxBytes} came through.
     *
     * @param declaredLength the request's {@code Content-Length}, or a negative number when it has none
     * @throws ApiException 413 at once when {@code declaredLength} is above {@code maxBytes}
     */
    static InputStream limited(InputStream body, long declaredLength, long maxBytes) {
        if (declaredLength > maxBytes) {
            throw tooLarge(maxBytes);
        }
        return new Counting(body, maxBytes);
    }

    static ApiException tooLarge(long maxBytes) {
        return new ApiException(413, "payload_too_large", "The request body exceeds the limit of %,d bytes (%s)"
                .formatted(maxBytes, "FREIGHT_MAX_REQUEST_BYTES"));
    }

    /**
     * The limit a read of {@code failure} (or of one of its causes) went past, or a negative number when it is about
     * something else: a JSON reader wraps the read's exception in its own, sometimes more than once.
     */
    static long exceededLimit(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof Exceeded exceeded) {
                return exceeded.maxBytes;
            }
        }
        return -1;
    }

    /** A read past the limit. An {@link IOException}, so readers pass it on as a failed read. */
    static final class Exceeded extends IOException {

        private final long maxBytes;

        Exceeded(long maxBytes) {
            super("request body exceeds " + maxBytes + " bytes");
            this.maxBytes = maxBytes;
        }
    }

    private static final class Counting extends FilterInputStream {

        private final long max;
        private long count;

        Counting(InputStream in, long max) {
            super(in);
            this.max = max;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0 && ++count > max) {
                throw new Exceeded(max);
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            if (n > 0 && (count += n) > max) {
                throw new Exceeded(max);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            // Skipped bytes came through all the same; FilterInputStream would pass the skip on uncounted.
            int read = n <= 0 ? 0 : read(new byte[(int) Math.min(n, 8192)]);
            return Math.max(read, 0);
        }
    }
}
