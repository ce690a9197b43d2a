package io.drover.observability;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.io.IOException;

/**
 * The Prometheus listener ({@code --prometheus-host}:{@code --prometheus-port}/metrics), separate
 * from the data plane as in SMG. Serves on its own small thread pool.
 */
public final class MetricsServer implements AutoCloseable {
    private final HTTPServer server;

    private MetricsServer(HTTPServer server) {
        this.server = server;
    }

    /** Binds and starts; throws {@link IOException} when the port cannot be bound. */
    public static MetricsServer start(Metrics metrics, String host, int port) throws IOException {
        return new MetricsServer(HTTPServer.builder().hostname(host).port(port).registry(metrics.registry())
                .buildAndStart());
    }

    /** The bound port. */
    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.close();
    }
}
