package io.drover.workers.http;

import io.drover.egress.UpstreamResponse;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The gateway's HTTP/1.1 client toward workers, on its own {@link UpstreamPool}. A proxy keeps the
 * upstream leg cheap: one blocking socket per request on the request's virtual thread, the request
 * written in one segment, the response parsed in place (Helidon's and the JDK's clients measured
 * 4-8x slower per proxied request here; see docs/PERFORMANCE.md). A request that fails on a reused
 * connection before the worker answered anything is sent once more on a new connection.
 *
 * <p>Threading: thread-safe.
 */
public final class Http1Client implements AutoCloseable {
    private final UpstreamPool pool;
    private final ConcurrentHashMap<String, Target> targets = new ConcurrentHashMap<>();

    private record Target(URI uri, String hostHeader, String basePath) {}

    /**
     * @param connectTimeout  TCP connect timeout
     * @param readTimeout     the longest one read may block waiting for the worker
     * @param maxIdle         how long an idle connection may be reused
     */
    public Http1Client(Duration connectTimeout, Duration readTimeout, Duration maxIdle) {
        this.pool = new UpstreamPool(connectTimeout, readTimeout, maxIdle, 1024);
    }

    /**
     * Sends a request to the worker at {@code baseUrl} and returns when the response head has been
     * read. The caller reads the body and must close the response.
     */
    public UpstreamResponse send(String baseUrl, String method, String pathAndQuery, List<String[]> headers,
                                 byte[] body) throws IOException {
        return send(baseUrl, method, pathAndQuery, headers, body, null);
    }

    /**
     * As {@link #send(String, String, String, List, byte[])}, waiting at most {@code headTimeout}
     * for the response head (null = the read timeout); a {@link java.net.SocketTimeoutException}
     * says it did not come.
     */
    public UpstreamResponse send(String baseUrl, String method, String pathAndQuery, List<String[]> headers,
                                 byte[] body, Duration headTimeout) throws IOException {
        Target t = targets.computeIfAbsent(baseUrl, Http1Client::target);
        String path = t.basePath() + pathAndQuery;
        int headMillis = headTimeout == null ? 0 : (int) Math.max(1, Math.min(Integer.MAX_VALUE, headTimeout.toMillis()));
        UpstreamConnection c = pool.borrow(t.uri(), t.hostHeader());
        try {
            return c.exchange(method, path, headers, body, headMillis);
        } catch (UpstreamConnection.StaleConnectionException stale) {
            return pool.open(t.uri(), t.hostHeader()).exchange(method, path, headers, body, headMillis);
        }
    }

    private static Target target(String baseUrl) {
        URI u = URI.create(baseUrl);
        if (!"http".equalsIgnoreCase(u.getScheme())) {
            throw new IllegalArgumentException("only http:// workers are supported: " + baseUrl);
        }
        int port = u.getPort() > 0 ? u.getPort() : 80;
        String host = u.getHost().contains(":") ? "[" + u.getHost() + "]" : u.getHost();
        String base = u.getRawPath() == null ? "" : u.getRawPath();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return new Target(u, host + ":" + port, base);
    }

    @Override
    public void close() {
        pool.close();
    }
}
