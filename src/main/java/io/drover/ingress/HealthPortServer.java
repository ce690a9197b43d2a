package io.drover.ingress;

import com.fasterxml.jackson.jr.ob.JSON;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The {@code --health-check-port} listener: {@code /liveness}, {@code /health} and
 * {@code /readiness} on a port of their own, served by the JDK's HTTP server on one dedicated
 * platform thread. It shares nothing with the data-plane server but the (lock-free) registry reads
 * of {@link HealthRoutes}, so orchestrator probes are answered even when the main port is saturated.
 *
 * <p>Threading: requests are handled one at a time on the "drover-health-port" thread; each
 * answer is a few hundred bytes built from volatile reads.
 */
public final class HealthPortServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService thread;

    private HealthPortServer(HttpServer server, ExecutorService thread) {
        this.server = server;
        this.thread = thread;
    }

    /** Binds {@code host:port} (0 = ephemeral) and starts serving. */
    public static HealthPortServer start(String host, int port, HealthRoutes health) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 64);
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "drover-health-port");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(thread);
        server.createContext("/", ex -> {
            try (ex) {
                handle(ex, health);
            }
        });
        server.start();
        return new HealthPortServer(server, thread);
    }

    private static void handle(HttpExchange ex, HealthRoutes health) throws IOException {
        String path = ex.getRequestURI().getPath();
        if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
            send(ex, 405, "text/plain", "Method Not Allowed");
            return;
        }
        switch (path) {
            case "/liveness", "/health" -> send(ex, 200, "text/plain", "OK");
            case "/readiness" -> {
                Map<String, Object> body = health.readinessBody();
                send(ex, body.get("status").equals("ready") ? 200 : 503, "application/json", JSON.std.asString(body));
            }
            default -> send(ex, 404, "text/plain", "Not Found");
        }
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : b.length);
        if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        }
    }

    /** The bound port. */
    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        thread.shutdownNow();
    }
}
