package io.drover.mock;

import io.helidon.http.encoding.ContentEncodingContext;
import io.helidon.http.media.MediaContext;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http1.Http1Config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * N fake SGLang/vLLM workers in this JVM, worker i on its own port (base+i, or ephemeral when the
 * base port is 0), each answering the HTTP surface of a real inference server.
 *
 * <p>Started by Drover's tests and benchmarks, by {@code ./drover} when no worker is configured, and by
 * {@link MockWorkerCommand}. {@link #start} blocks the calling thread until every port is bound;
 * requests are then served on virtual threads. The listeners are spread over a few Helidon
 * {@link WebServer}s ({@value #LISTENERS_PER_SERVER} named listeners each, overridable with the system
 * property {@code drover.mock.listenersPerServer}), which are started and stopped in parallel.
 * Thread-safe; {@link #close()} is idempotent.
 */
public final class MockFleet implements AutoCloseable {
    /** Listeners per Helidon server: starting a server binds its listeners one after another. */
    static final int LISTENERS_PER_SERVER = 500;
    /** Helidon loggers that print a line per listener; quieted while the fleet starts and stops. */
    private static final String[] CHATTY = {"io.helidon.webserver.LoomServer", "io.helidon.webserver.ServerListener"};

    private final MockWorkerOptions options;
    private final List<MockWorker> workers;
    private final List<String> urls;
    private final List<WebServer> servers;
    private volatile boolean closed;

    private MockFleet(MockWorkerOptions options, List<MockWorker> workers, List<WebServer> servers) {
        this.options = options;
        this.workers = Collections.unmodifiableList(workers);
        this.servers = servers;
        List<String> u = new ArrayList<>(workers.size());
        String host = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        for (MockWorker w : workers) u.add("http://" + host + ":" + w.port());
        this.urls = Collections.unmodifiableList(u);
    }

    /**
     * Binds and starts {@code options.httpCount()} workers; returns once all accept connections.
     *
     * @throws IllegalStateException if a port cannot be bound (everything started is stopped again)
     */
    public static MockFleet start(MockWorkerOptions options) {
        int n = options.httpCount();
        List<MockWorker> workers = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            MockWorker w = new MockWorker(i, options);
            if (options.httpBasePort() > 0) w.port(options.httpBasePort() + i);
            workers.add(w);
        }
        int per = Math.max(1, Integer.getInteger("drover.mock.listenersPerServer", LISTENERS_PER_SERVER));
        List<List<MockWorker>> groups = new ArrayList<>();
        for (int i = 0; i < n; i += per) groups.add(workers.subList(i, Math.min(n, i + per)));

        List<Level> saved = quiet();
        List<WebServer> servers = Collections.synchronizedList(new ArrayList<>());
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<WebServer>> started = new ArrayList<>();
            for (List<MockWorker> g : groups) started.add(pool.submit(() -> startServer(options, g, servers)));
            RuntimeException failure = null;
            for (Future<WebServer> f : started) {
                try {
                    f.get();
                } catch (Exception e) {
                    Throwable cause = e.getCause() != null ? e.getCause() : e;
                    if (failure == null) failure = cause instanceof RuntimeException re ? re : new IllegalStateException(cause);
                }
            }
            if (failure != null) {
                stopAll(new ArrayList<>(servers));
                throw failure;
            }
        } finally {
            restore(saved);
        }
        return new MockFleet(options, workers, new ArrayList<>(servers));
    }

    private static WebServer startServer(MockWorkerOptions options, List<MockWorker> group, List<WebServer> servers) {
        MockWorker first = group.getFirst();
        // Listener settings are built once and shared: left to themselves, every listener would
        // discover protocols, media support and content encodings through the service loader.
        Http1Config http1 = Http1Config.create();
        MediaContext media = MediaContext.create();
        ContentEncodingContext encoding = ContentEncodingContext.create();
        WebServerConfig.Builder b = WebServer.builder()
                .host(options.host())
                .port(first.port())
                .shutdownHook(false)
                .connectionOptions(o -> o.tcpNoDelay(true))
                .featuresDiscoverServices(false)
                .protocolsDiscoverServices(false)
                .concurrencyLimitDiscoverServices(false)
                .addProtocol(http1)
                .mediaContext(media)
                .contentEncoding(encoding)
                .routing(HttpRouting.builder().any(new WorkerHandler(first, options)));
        for (int i = 1; i < group.size(); i++) {
            MockWorker w = group.get(i);
            b.putSocket(socketName(w), s -> s.host(options.host()).port(w.port())
                    .connectionOptions(o -> o.tcpNoDelay(true))
                    .protocolsDiscoverServices(false)
                    .concurrencyLimitDiscoverServices(false)
                    .addProtocol(http1)
                    .mediaContext(media)
                    .contentEncoding(encoding)
                    .routing(HttpRouting.builder().any(new WorkerHandler(w, options))));
        }
        WebServer server = b.build();
        server.start();
        servers.add(server);
        for (int i = 0; i < group.size(); i++) {
            MockWorker w = group.get(i);
            int port = i == 0 ? server.port() : server.port(socketName(w));
            if (port <= 0) {
                throw new IllegalStateException("mock worker " + w.index() + " could not bind "
                        + options.host() + ":" + w.port() + " (port busy?)");
            }
            w.port(port);
        }
        return server;
    }

    private static String socketName(MockWorker w) {
        return "mock-" + w.index();
    }

    /** The options the fleet was started with. */
    public MockWorkerOptions options() { return options; }
    /** Base URLs, "http://127.0.0.1:PORT", in worker order. */
    public List<String> urls() { return urls; }
    /** Port of worker {@code i}. */
    public int port(int i) { return workers.get(i).port(); }
    /** Number of workers. */
    public int size() { return workers.size(); }
    /** Worker {@code i}, for its counters and fault knobs. */
    public MockWorker worker(int i) { return workers.get(i); }
    /** All workers, in order. */
    public List<MockWorker> workers() { return workers; }

    /** Sets the same fault on every worker. */
    public void setFault(Fault fault) {
        for (MockWorker w : workers) w.setFault(fault);
    }

    /** Total inference requests received by all workers. */
    public long totalRequests() {
        long n = 0;
        for (MockWorker w : workers) n += w.requestCount();
        return n;
    }

    /** Releases parked requests (HANG, delays), drops their connections and stops every server. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (MockWorker w : workers) w.close();
        List<Level> saved = quiet();
        try {
            stopAll(servers);
        } finally {
            restore(saved);
        }
    }

    private static void stopAll(List<WebServer> servers) {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (WebServer s : servers) {
                pool.submit(() -> {
                    try {
                        s.stop();
                    } catch (RuntimeException ignored) {
                        // stopping is best effort; the other servers still stop
                    }
                });
            }
        }
    }

    private static final Logger[] CHATTY_LOGGERS = new Logger[CHATTY.length];

    private static synchronized List<Level> quiet() {
        List<Level> saved = new ArrayList<>(CHATTY.length);
        for (int i = 0; i < CHATTY.length; i++) {
            CHATTY_LOGGERS[i] = Logger.getLogger(CHATTY[i]);
            saved.add(CHATTY_LOGGERS[i].getLevel());
            CHATTY_LOGGERS[i].setLevel(Level.WARNING);
        }
        return saved;
    }

    private static synchronized void restore(List<Level> saved) {
        for (int i = 0; i < CHATTY.length; i++) CHATTY_LOGGERS[i].setLevel(saved.get(i));
    }

    @Override
    public String toString() {
        return "MockFleet[" + workers.size() + " workers, " + servers.size() + " servers]";
    }
}
