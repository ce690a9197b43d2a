package io.drover.workers.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keep-alive HTTP/1.1 connections to workers, pooled per {@code host:port}: blocking sockets,
 * TCP_NODELAY, used on the calling virtual thread (no selector thread, no hand-off). A connection
 * idle for longer than {@code maxIdle} is not reused, which stays under the keep-alive timeout of
 * common inference servers (uvicorn closes idle connections after 5 s).
 *
 * <p>Threading: thread-safe; any request thread borrows and returns connections.
 */
public final class UpstreamPool implements AutoCloseable {
    private final Duration connectTimeout;
    private final int readTimeoutMillis;
    private final long maxIdleNanos;
    private final int maxIdlePerHost;
    private final ConcurrentHashMap<String, Host> hosts = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** The idle connections of one worker address. */
    private static final class Host {
        final ConcurrentLinkedDeque<UpstreamConnection> idle = new ConcurrentLinkedDeque<>();
        final AtomicInteger idleCount = new AtomicInteger();
    }

    /**
     * @param connectTimeout  TCP connect timeout
     * @param readTimeout     the longest a single read may block (0 = no limit)
     * @param maxIdle         how long an idle connection may be reused
     * @param maxIdlePerHost  idle connections kept per worker
     */
    public UpstreamPool(Duration connectTimeout, Duration readTimeout, Duration maxIdle, int maxIdlePerHost) {
        this.connectTimeout = connectTimeout;
        this.readTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, readTimeout.toMillis());
        this.maxIdleNanos = maxIdle.toNanos();
        this.maxIdlePerHost = maxIdlePerHost;
    }

    /** A connection to {@code base}'s host and port: a pooled one if one is fresh, else a new one. */
    UpstreamConnection borrow(URI base, String hostHeader) throws IOException {
        String key = hostHeader;
        Host h = hosts.computeIfAbsent(key, k -> new Host());
        long now = System.nanoTime();
        UpstreamConnection c;
        while ((c = h.idle.pollFirst()) != null) {
            h.idleCount.decrementAndGet();
            if (now - c.idleSince() < maxIdleNanos && !c.isBroken()) {
                c.reused(true);
                return c;
            }
            c.closeQuietly();
        }
        return open(base, hostHeader);
    }

    /** A new connection, never a pooled one (for the retry after a stale pooled connection failed). */
    UpstreamConnection open(URI base, String hostHeader) throws IOException {
        if (closed) {
            throw new IOException("upstream pool closed");
        }
        int port = base.getPort() > 0 ? base.getPort() : ("https".equals(base.getScheme()) ? 443 : 80);
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.setKeepAlive(true);
            s.connect(new InetSocketAddress(base.getHost(), port), (int) connectTimeout.toMillis());
            s.setSoTimeout(readTimeoutMillis);
        } catch (IOException e) {
            s.close();
            throw e;
        }
        return new UpstreamConnection(this, s, hostHeader);
    }

    /** Takes a connection back after a complete response; called by the connection itself. */
    void release(UpstreamConnection c) {
        Host h = hosts.get(c.hostKey());
        if (closed || h == null || h.idleCount.get() >= maxIdlePerHost) {
            c.closeQuietly();
            return;
        }
        c.idleSince(System.nanoTime());
        h.idleCount.incrementAndGet();
        h.idle.offerFirst(c);
    }

    @Override
    public void close() {
        closed = true;
        for (Host h : hosts.values()) {
            UpstreamConnection c;
            while ((c = h.idle.pollFirst()) != null) {
                c.closeQuietly();
            }
        }
    }
}
