package io.drover.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import io.drover.config.GatewayConfig;
import io.drover.mock.Fault;
import io.drover.mock.MockWorkerOptions;
import io.drover.workers.WorkerSpec;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every bad input and every upstream failure gets a clear OpenAI-style error with the right status. */
class ErrorsTest {
    private static void assertError(HttpResponse<String> r, int status, String code) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals(code, r.headers().firstValue("X-SMG-Error-Code").orElse(null), r.body());
        Map<String, Object> body = JSON.std.mapFrom(r.body());
        Map<?, ?> err = (Map<?, ?>) body.get("error");
        assertNotNull(err, r.body());
        assertEquals(code, err.get("code"));
        assertTrue(err.get("message") instanceof String m && !m.isBlank());
        assertTrue(err.containsKey("type") && err.containsKey("param"), r.body());
        assertTrue(!r.body().contains("Exception") && !r.body().contains("\tat "), "no stack trace: " + r.body());
    }

    @Test
    void badBodiesAre400() throws Exception {
        try (Harness h = Harness.start(1, "round_robin")) {
            assertError(h.post("/v1/chat/completions", "{not json"), 400, "invalid_json");
            assertError(h.post("/v1/chat/completions", ""), 400, "invalid_json");
            assertError(h.post("/v1/chat/completions", "[1,2,3]"), 400, "invalid_json");
            HttpResponse<String> typed = h.post("/v1/chat/completions", "{\"model\":5}");
            assertError(typed, 400, "invalid_json");
            assertEquals("model", ((Map<?, ?>) JSON.std.mapFrom(typed.body()).get("error")).get("param"));
            assertError(h.post("/v1/completions", "{\"model\":\"mock-model\"} trailing"), 400, "invalid_json");
            assertEquals(0, h.fleet.worker(0).requestCount(), "nothing malformed reaches a worker");
        }
    }

    @Test
    void oversizedBodyIs413() throws Exception {
        try (Harness h = Harness.start(MockWorkerOptions.builder().httpBasePort(0).httpCount(1).build(),
                c -> c.withLimits(1024, Duration.ofSeconds(30), Duration.ofSeconds(5)))) {
            String big = "{\"model\":\"mock-model\",\"prompt\":\"" + "x".repeat(2000) + "\"}";
            assertError(h.post("/v1/completions", big), 413, "payload_too_large");
            // exactly at the limit is fine
            String head = "{\"model\":\"mock-model\",\"prompt\":\"";
            String fits = head + "y".repeat(1024 - head.length() - 2) + "\"}";
            assertEquals(1024, fits.length());
            assertEquals(200, h.post("/v1/completions", fits).statusCode());
        }
    }

    @Test
    void unknownModelIs404AndUnservedModelIs503() throws Exception {
        try (Harness h = Harness.start(1, "round_robin")) {
            assertError(h.post("/v1/chat/completions", Harness.chat("gpt-9", false)), 404, "model_not_found");
            h.fleet.worker(0).setFault(Fault.UNHEALTHY);
            // a worker that explicitly serves "other" but is not ready yet
            h.gateway.addWorker(WorkerSpec.of("http://127.0.0.1:1").withModels(List.of("other")));
            assertError(h.post("/v1/chat/completions", Harness.chat("other", false)), 503, "no_available_workers");
        }
    }

    @Test
    void noWorkersAtAllIs503() throws Exception {
        try (Harness h = Harness.withoutFleet(c -> c)) {
            assertError(h.post("/v1/chat/completions", Harness.chat("mock-model", false)), 503,
                    "no_available_workers");
            assertEquals(503, h.get("/readiness").statusCode());
            assertEquals(200, h.get("/liveness").statusCode());
        }
    }

    @Test
    void unreachableWorkerIs502() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            dead = s.getLocalPort();
        }
        // health checks off: the worker is Ready without answering, so the request itself must fail
        GatewayConfig.HealthSettings off = new GatewayConfig.HealthSettings(Duration.ofSeconds(60),
                Duration.ofSeconds(1), "/health", 3, 2, true);
        try (Harness h = Harness.withoutFleet(
                c -> c.withHealth(off).withWorkerUrls(List.of("http://127.0.0.1:" + dead)))) {
            assertTrue(h.gateway.awaitReady(1, Duration.ofSeconds(5)));
            assertError(h.post("/v1/chat/completions", Harness.chat("m", false)), 502, "upstream_unreachable");
        }
    }

    @Test
    void hungWorkerTimesOutWith504() throws Exception {
        try (Harness h = Harness.start(MockWorkerOptions.builder().httpBasePort(0).httpCount(1).build(),
                c -> c.withLimits(1 << 20, Duration.ofSeconds(1), Duration.ofSeconds(5)))) {
            h.fleet.worker(0).setFault(Fault.HANG);
            long t0 = System.nanoTime();
            assertError(h.post("/v1/chat/completions", Harness.chat("mock-model", false)), 504, "upstream_timeout");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 900 && ms < 5000, "timed out after " + ms + " ms");
        }
    }

    @Test
    void workerClientErrorsPassThroughUnchanged() throws Exception {
        try (Harness h = Harness.start(1, "round_robin")) {
            h.fleet.worker(0).setFault(Fault.status(422));
            HttpResponse<String> r = h.post("/v1/chat/completions", Harness.chat("mock-model", false));
            assertEquals(422, r.statusCode());
            assertTrue(r.headers().firstValue("X-SMG-Error-Code").isEmpty(), "not a gateway error");
            assertTrue(r.body().contains("\"error\""), r.body());
            h.fleet.worker(0).setFault(Fault.status(400));
            assertEquals(400, h.post("/v1/chat/completions", Harness.chat("mock-model", false)).statusCode());
        }
    }

    @Test
    void gatewayErrorsAreCountedInMetrics() throws Exception {
        try (Harness h = Harness.start(MockWorkerOptions.builder().httpBasePort(0).httpCount(1).build(), c -> c)) {
            h.post("/v1/chat/completions", "{bad");
            h.post("/v1/chat/completions", Harness.chat("mock-model", false));
            HttpResponse<String> m = h.http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + h.gateway.metricsPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            String text = m.body();
            assertTrue(text.contains("smg_http_responses_total{error_code=\"invalid_json\",path=\"/v1/chat/completions\",status_code=\"400\"} 1.0"),
                    text.lines().filter(l -> l.startsWith("smg_http_responses")).toList().toString());
            for (String name : List.of("smg_http_requests_total", "smg_http_request_duration_seconds",
                    "smg_http_connections_active", "smg_router_requests_total", "smg_router_request_duration_seconds",
                    "smg_router_ttft_seconds", "smg_router_upstream_responses_total", "smg_worker_pool_size",
                    "smg_worker_requests_active", "smg_worker_selection_total", "smg_worker_health",
                    "smg_worker_health_checks_total", "jvm_memory_used_bytes")) {
                assertTrue(text.contains(name), "metrics lack " + name);
            }
        }
    }
}
