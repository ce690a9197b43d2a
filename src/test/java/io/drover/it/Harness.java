package io.drover.it;

import io.drover.Gateway;
import io.drover.config.GatewayConfig;
import io.drover.mock.MockFleet;
import io.drover.mock.MockWorkerOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * A mock fleet and a gateway in front of it, on loopback ephemeral ports, for integration tests.
 * Closing it stops both.
 */
final class Harness implements AutoCloseable {
    final MockFleet fleet;
    final Gateway gateway;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private Harness(MockFleet fleet, Gateway gateway) {
        this.fleet = fleet;
        this.gateway = gateway;
    }

    static Harness start(int workers, String policy) throws Exception {
        return start(MockWorkerOptions.builder().httpBasePort(0).httpCount(workers).build(), c -> c.withPolicy(policy));
    }

    /** A gateway with no mock fleet (its workers, if any, come from {@code tweak}). */
    static Harness withoutFleet(UnaryOperator<GatewayConfig> tweak) throws Exception {
        return start(null, tweak);
    }

    static Harness start(MockWorkerOptions options, UnaryOperator<GatewayConfig> tweak) throws Exception {
        MockFleet fleet = options != null ? MockFleet.start(options) : null;
        GatewayConfig config = GatewayConfig.forTests();
        if (fleet != null) {
            config = config.withWorkerUrls(fleet.urls());
        }
        config = tweak.apply(config);
        Gateway g;
        try {
            g = Gateway.start(config);
        } catch (IOException | RuntimeException e) {
            if (fleet != null) {
                fleet.close();
            }
            throw e;
        }
        Harness h = new Harness(fleet, g);
        if (fleet != null && !g.awaitReady(config.workerUrls().size(), Duration.ofSeconds(10))) {
            h.close();
            throw new IllegalStateException("workers did not become ready");
        }
        return h;
    }

    String base() {
        return "http://127.0.0.1:" + gateway.port();
    }

    URI uri(String path) {
        return URI.create(base() + path);
    }

    HttpResponse<String> post(String path, String json, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> send(String method, String path, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20));
        b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String chat(String model, boolean stream) {
        return "{\"model\":\"" + model + "\",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}],\"max_tokens\":8}";
    }

    /** Polls {@code cond} every 10 ms for up to {@code timeoutMs}. */
    static boolean eventually(long timeoutMs, java.util.function.BooleanSupplier cond) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < end) {
            if (cond.getAsBoolean()) {
                return true;
            }
            Thread.sleep(10);
        }
        return cond.getAsBoolean();
    }

    @Override
    public void close() {
        gateway.close();
        if (fleet != null) {
            fleet.close();
        }
    }
}
