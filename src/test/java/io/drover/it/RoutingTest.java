package io.drover.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.mock.Fault;
import io.drover.mock.MockFleet;
import io.drover.mock.MockWorkerOptions;
import io.drover.workers.WorkerSpec;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Policies and model-aware routing end to end, and health probes taking workers in and out. */
class RoutingTest {
    @Test
    void roundRobinSpreadsEvenly() throws Exception {
        try (Harness h = Harness.start(4, "round_robin")) {
            Map<String, Integer> hits = new HashMap<>();
            for (int i = 0; i < 40; i++) {
                HttpResponse<String> r = h.post("/v1/chat/completions", Harness.chat("mock-model", false));
                hits.merge(r.headers().firstValue("x-mock-worker").orElseThrow(), 1, Integer::sum);
            }
            assertEquals(4, hits.size(), hits.toString());
            hits.values().forEach(n -> assertEquals(10, n, hits.toString()));
        }
    }

    @Test
    void powerOfTwoUnderConcurrencyUsesEveryWorkerAndReleasesLoad() throws Exception {
        try (Harness h = Harness.start(MockWorkerOptions.builder().httpBasePort(0).httpCount(4).genMs(20).build(),
                c -> c.withPolicy("power_of_two"))) {
            Map<String, Integer> hits = new java.util.concurrent.ConcurrentHashMap<>();
            try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> fs = new java.util.ArrayList<>();
                for (int t = 0; t < 16; t++) {
                    fs.add(ex.submit(() -> {
                        for (int i = 0; i < 10; i++) {
                            HttpResponse<String> r = h.post("/v1/chat/completions", Harness.chat("mock-model", false));
                            assertEquals(200, r.statusCode());
                            hits.merge(r.headers().firstValue("x-mock-worker").orElseThrow(), 1, Integer::sum);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : fs) {
                    f.get();
                }
            }
            assertEquals(4, hits.size(), hits.toString());
            hits.values().forEach(n -> assertTrue(n >= 20, "balanced: " + hits));
            assertTrue(Harness.eventually(1000, () -> h.gateway.registry().all().stream()
                    .allMatch(w -> w.inFlight() == 0)), "every in-flight count returned to 0");
        }
    }

    @Test
    void requestsGoOnlyToWorkersServingTheirModel() throws Exception {
        try (MockFleet llama = MockFleet.start(MockWorkerOptions.builder().httpBasePort(0).httpCount(2).model("llama").build());
             MockFleet qwen = MockFleet.start(MockWorkerOptions.builder().httpBasePort(0).httpCount(1).model("qwen").build());
             Harness h = Harness.withoutFleet(c -> c.withPolicy("round_robin")
                     .withApiKeyAndAliases(null, Map.of("gpt-4o", "qwen"))
                     .withWorkerUrls(List.of(llama.urls().get(0), llama.urls().get(1), qwen.urls().get(0))))) {
            assertTrue(h.gateway.awaitReady(3, Duration.ofSeconds(5)));
            Thread.sleep(50); // model discovery follows readiness
            String qwenPort = String.valueOf(qwen.port(0));
            for (int i = 0; i < 6; i++) {
                HttpResponse<String> r = h.post("/v1/chat/completions", Harness.chat("qwen", false));
                assertEquals(qwenPort, r.headers().firstValue("x-mock-worker").orElseThrow());
                HttpResponse<String> l = h.post("/v1/chat/completions", Harness.chat("llama", false));
                assertTrue(!l.headers().firstValue("x-mock-worker").orElseThrow().equals(qwenPort));
                HttpResponse<String> a = h.post("/v1/chat/completions", Harness.chat("gpt-4o", false));
                assertEquals(qwenPort, a.headers().firstValue("x-mock-worker").orElseThrow(), "alias resolved");
            }
            assertEquals(404, h.post("/v1/chat/completions", Harness.chat("mistral", false)).statusCode());
            String models = h.get("/v1/models").body();
            assertTrue(models.contains("\"llama\"") && models.contains("\"qwen\"") && models.contains("\"gpt-4o\""),
                    models);
        }
    }

    @Test
    void workerApiKeyReplacesTheClientsAuthorization() throws Exception {
        try (Harness h = Harness.start(MockWorkerOptions.builder().httpBasePort(0).httpCount(1).build(),
                c -> c.withApiKeyAndAliases("gateway-key", Map.of()));
             MockFleet keyed = MockFleet.start(MockWorkerOptions.builder().httpBasePort(0).httpCount(1).model("k").build())) {
            h.post("/v1/chat/completions", Harness.chat("mock-model", false), "Authorization", "Bearer user-key");
            assertEquals(List.of("Bearer gateway-key"), h.fleet.worker(0).lastRequestHeaders().get("authorization"),
                    "--api-key is sent to workers in place of the client's key");
            h.gateway.addWorker(new WorkerSpec(keyed.urls().get(0), List.of("k"), "worker-key", Map.of(), 50, 1, "regular",
                    "unspecified"));
            assertTrue(h.gateway.awaitReady(2, Duration.ofSeconds(5)));
            h.post("/v1/chat/completions", Harness.chat("k", false), "Authorization", "Bearer user-key");
            assertEquals(List.of("Bearer worker-key"), keyed.worker(0).lastRequestHeaders().get("authorization"),
                    "a worker's own api_key wins");
        }
    }

    @Test
    void healthProbesTakeAWorkerOutAndBringItBack() throws Exception {
        var fast = new io.drover.config.GatewayConfig.HealthSettings(Duration.ofSeconds(1), Duration.ofSeconds(1),
                "/health", 2, 2, false);
        try (Harness h = Harness.start(MockWorkerOptions.builder().httpBasePort(0).httpCount(2).build(),
                c -> c.withHealth(fast).withPolicy("round_robin"))) {
            h.fleet.worker(1).setFault(Fault.UNHEALTHY);
            assertTrue(Harness.eventually(5000, () -> h.gateway.registry().readyCount() == 1),
                    "two failed probes take the worker out");
            Thread.sleep(20);
            String healthy = String.valueOf(h.fleet.port(0));
            for (int i = 0; i < 4; i++) {
                HttpResponse<String> r = h.post("/v1/chat/completions", Harness.chat("mock-model", false));
                assertEquals(healthy, r.headers().firstValue("x-mock-worker").orElseThrow());
            }
            assertEquals("not_ready", h.gateway.registry().all().get(1).status().wireName());
            h.fleet.worker(1).setFault(Fault.NONE);
            assertTrue(Harness.eventually(5000, () -> h.gateway.registry().readyCount() == 2),
                    "two good probes bring it back");
        }
    }
}
