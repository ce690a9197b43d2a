package io.drover.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import io.drover.config.GatewayConfig;
import io.drover.config.ResilienceSettings;
import io.drover.mock.Fault;
import io.drover.mock.MockFleet;
import io.drover.workers.Worker;
import io.drover.workers.WorkerStatus;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Pending / Ready / NotReady / Failed / Draining, per-worker overrides, the health port. */
class HealthLifecycleTest {
    static UnaryOperator<GatewayConfig> fast(int failureThreshold, Duration startup, boolean remove, Duration settle,
                                             int healthPort) {
        return c -> c.withHealth(new GatewayConfig.HealthSettings(Duration.ofMillis(100), Duration.ofSeconds(1),
                        "/health", failureThreshold, 1, false))
                .withResilience(c.resilience().withLifecycle(startup, remove, settle, healthPort));
    }

    static Worker byUrl(Harness h, String url) {
        return h.gateway.registry().all().stream().filter(w -> w.url().equals(url)).findFirst().orElse(null);
    }

    static WorkerStatus status(Harness h, String url) {
        Worker w = byUrl(h, url);
        return w == null ? null : w.status();
    }

    @Test
    void notReadyBecomesFailedAndIsRemovedWhenAsked() throws Exception {
        try (Harness h = Harness.start(ResilienceTest.fleet(2), fast(1, Duration.ofSeconds(1), true, Duration.ZERO,
                -1))) {
            String bad = h.fleet.urls().get(0);
            h.fleet.worker(0).setFault(Fault.UNHEALTHY);
            assertTrue(Harness.eventually(5000, () -> status(h, bad) == WorkerStatus.NOT_READY
                    || status(h, bad) == WorkerStatus.FAILED || status(h, bad) == null));
            assertTrue(Harness.eventually(5000, () -> status(h, bad) == null), "failed and removed");
            assertEquals(WorkerStatus.READY, status(h, h.fleet.urls().get(1)));
        }
    }

    @Test
    void aFailedWorkerStaysListedWithoutRemoval() throws Exception {
        try (Harness h = Harness.start(ResilienceTest.fleet(1), fast(1, Duration.ofSeconds(1), false, Duration.ZERO,
                -1))) {
            String url = h.fleet.urls().get(0);
            h.fleet.worker(0).setFault(Fault.UNHEALTHY);
            assertTrue(Harness.eventually(5000, () -> status(h, url) == WorkerStatus.FAILED));
            h.fleet.worker(0).setFault(Fault.NONE);
            Thread.sleep(400);
            assertEquals(WorkerStatus.FAILED, status(h, url), "Failed is terminal");
            assertTrue(h.get("/workers").body().contains("\"failed\""));
        }
    }

    @Test
    void aPendingWorkerFailsOnlyAfterTheStartupTimeout() throws Exception {
        try (Harness h = Harness.withoutFleet(fast(1, Duration.ofMillis(1500), false, Duration.ZERO, -1))) {
            String dead = "http://127.0.0.1:" + ResilienceTestPorts.closedPort();
            h.gateway.addWorker(io.drover.workers.WorkerSpec.of(dead));
            Thread.sleep(800);
            assertEquals(WorkerStatus.PENDING, status(h, dead), "still retried within the startup timeout");
            assertTrue(Harness.eventually(6000, () -> status(h, dead) == WorkerStatus.FAILED));
        }
    }

    @Test
    void aWorkerSpecOverridesTheHealthSettings() throws Exception {
        try (Harness h = Harness.withoutFleet(fast(50, Duration.ofSeconds(60), false, Duration.ZERO, -1));
             MockFleet f = MockFleet.start(ResilienceTest.fleet(2))) {
            String a = f.urls().get(0);
            String b = f.urls().get(1);
            assertEquals(202, h.post("/workers", "{\"url\":\"" + a + "\",\"health\":{\"failure_threshold\":1}}")
                    .statusCode());
            var rb = h.post("/workers", "{\"url\":\"" + b + "\",\"health\":{\"disable_health_check\":true,"
                    + "\"drain_settle_secs\":0}}");
            assertEquals(202, rb.statusCode(), rb.body());
            assertEquals(400, h.post("/workers", "{\"url\":\"http://127.0.0.1:9\",\"health\":{\"bogus\":1}}")
                    .statusCode());
            assertTrue(h.gateway.awaitReady(2, Duration.ofSeconds(5)));
            f.worker(0).setFault(Fault.UNHEALTHY);
            f.worker(1).setFault(Fault.UNHEALTHY);
            assertTrue(Harness.eventually(3000, () -> status(h, a) == WorkerStatus.NOT_READY));
            Thread.sleep(300);
            assertEquals(WorkerStatus.READY, status(h, b), "health checks are off for b");
            String listed = h.get("/workers").body();
            assertTrue(listed.contains("\"failure_threshold\":1"), listed);
        }
    }

    @Test
    void aRemovedWorkerDrainsWhileItsStreamFinishes() throws Exception {
        try (Harness h = Harness.start(ResilienceTest.fleet(1), fast(3, Duration.ofSeconds(60), false,
                Duration.ofMillis(700), -1))) {
            String url = h.fleet.urls().get(0);
            h.fleet.worker(0).setTokenDelayMs(100);
            CompletableFuture<HttpResponse<String>> stream = h.http.sendAsync(HttpRequest.newBuilder(
                            h.uri("/v1/chat/completions")).timeout(Duration.ofSeconds(20))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(Harness.chat("mock-model", true))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertTrue(Harness.eventually(3000, () -> h.fleet.worker(0).activeRequests() == 1));
            String id = byUrl(h, url).id();
            assertEquals(202, h.send("DELETE", "/workers/" + id, null).statusCode());
            assertEquals(WorkerStatus.DRAINING, status(h, url));
            assertTrue(h.get("/workers").body().contains("\"draining\""));
            var refused = h.post("/v1/chat/completions", Harness.chat("mock-model", false));
            assertEquals(503, refused.statusCode(), "no new traffic to a draining worker");
            HttpResponse<String> r = stream.get();
            assertEquals(200, r.statusCode());
            assertTrue(r.body().trim().endsWith("data: [DONE]"), "the stream in flight finished: " + r.body());
            assertTrue(Harness.eventually(3000, () -> status(h, url) == null), "dropped after the settle time");
        }
    }

    @Test
    void theHealthPortAnswersWhileTheMainPortIsBusy() throws Exception {
        UnaryOperator<GatewayConfig> base = fast(3, Duration.ofSeconds(60), false, Duration.ZERO, 0);
        try (Harness h = Harness.start(ResilienceTest.fleet(1), c -> base.apply(c)
                .withLimits(c.maxPayloadSize(), Duration.ofSeconds(30), c.shutdownGracePeriod()))) {
            int port = h.gateway.healthPort();
            assertTrue(port > 0);
            h.fleet.worker(0).setFault(Fault.HANG);
            List<CompletableFuture<HttpResponse<String>>> hung = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                hung.add(h.http.sendAsync(HttpRequest.newBuilder(h.uri("/v1/chat/completions"))
                        .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(Harness.chat("mock-model", false))).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            Thread.sleep(300);
            for (String path : List.of("/liveness", "/health", "/readiness")) {
                long t0 = System.nanoTime();
                HttpResponse<String> r = h.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + path)).timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), path + " " + r.body());
                assertTrue((System.nanoTime() - t0) / 1_000_000 < 2000);
                if (path.equals("/readiness")) {
                    Map<String, Object> m = JSON.std.mapFrom(r.body());
                    assertEquals("ready", m.get("status"));
                }
            }
            h.fleet.worker(0).setFault(Fault.NONE);
            for (var f : hung) {
                assertEquals(200, f.get().statusCode());
            }
        }
    }
}
