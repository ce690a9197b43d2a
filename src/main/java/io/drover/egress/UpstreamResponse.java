package io.drover.egress;

import java.io.InputStream;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * A worker's response as the relay sees it, whatever client fetched it: status, headers, body.
 * Used by the request thread that owns it; {@link #close} may also be called by the
 * {@link StreamWatchdog} to end a relay from outside.
 */
public interface UpstreamResponse {
    /** The HTTP status. */
    int status();

    /** The {@code Content-Type}, or null. */
    String contentType();

    /** The {@code Content-Length}, or -1 when the worker sent none. */
    long contentLength();

    /** Visits every header (name as received, values). */
    void forEachHeader(BiConsumer<String, List<String>> visitor);

    /** The body; reading past its end returns -1. */
    InputStream body();

    /**
     * Releases the response. Before the body has been read to its end this closes the connection
     * to the worker, which is how a departed client's request is cancelled upstream. Idempotent and
     * safe from any thread.
     */
    void close();
}
