package io.drover.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.config.GatewayConfig;
import io.drover.config.ResilienceSettings;
import io.drover.mock.Fault;
import io.drover.mock.MockFleet;
import io.drover.mock.MockWorkerOptions;
import io.drover.workers.CircuitBreaker;
import io.drover.workers.Worker;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Circuit breaker, retries and upstream timeouts, end to end against the mock fleet. */
class ResilienceTest {
    private static final String CHAT = Harness.chat("mock-model", false);
    private static final String STREAM = Harness.chat("mock-model", true);

    static MockWorkerOptions fleet(int n) {
        return MockWorkerOptions.builder().httpBasePort(0).httpCount(n).build();
    }

    static UnaryOperator<GatewayConfig> tune(UnaryOperator<ResilienceSettings> r) {
        return c -> c.withPolicy("round_robin").withResilience(r.apply(c.resilience()
                .withRetry(new ResilienceSettings.Retry(5, 5, 50, 1.5, 0.2, false))));
    }

    static ResilienceSettings.Breaker breaker(int failures, int successes, long timeoutMs) {
        return new ResilienceSettings.Breaker(failures, successes, Duration.ofMillis(timeoutMs),
                Duration.ofSeconds(120), false);
    }

    static Worker worker(Harness h, int i) {
        String url = h.fleet.urls().get(i);
        return h.gateway.registry().all().stream().filter(w -> w.url().equals(url)).findFirst().orElseThrow();
    }

    static String metrics(Harness h) throws Exception {
        return h.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + h.gateway.metricsPort()
                + "/metrics")).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void aFailingWorkerIsRetriedElsewhereAndItsBreakerOpens() throws Exception {
        try (Harness h = Harness.start(fleet(3), tune(r -> r.withBreaker(breaker(3, 1, 60_000))))) {
            h.fleet.worker(0).setFault(Fault.status(500));
            for (int i = 0; i < 30; i++) {
                var r = h.post("/v1/chat/completions", i % 2 == 0 ? CHAT : STREAM);
                assertEquals(200, r.statusCode(), r.body());
                if (i % 2 == 1) {
                    assertTrue(r.body().trim().endsWith("data: [DONE]"), r.body());
                }
            }
            assertEquals(3, h.fleet.worker(0).requestCount(), "the breaker opened after 3 failures");
            assertEquals(CircuitBreaker.State.OPEN, worker(h, 0).breaker().state());
            String m = metrics(h);
            assertTrue(m.contains("smg_worker_cb_state{worker=\"" + h.fleet.urls().get(0) + "\"} 1.0"), m);
            assertTrue(m.contains("smg_worker_cb_transitions_total{from=\"closed\",to=\"open\",worker=\""
                    + h.fleet.urls().get(0) + "\"} 1.0"), m);
            assertTrue(m.contains("smg_worker_retries_total{attempt=\"1\""), m);
            assertTrue(m.contains("smg_worker_retry_backoff_seconds_count"), m);
            assertTrue(m.contains("smg_worker_cb_outcomes_total{outcome=\"failure\""), m);
            assertTrue(m.contains("smg_worker_cb_consecutive_failures{worker="), m);
            assertTrue(m.contains("smg_worker_cb_consecutive_successes{worker="), m);
        }
    }

    @Test
    void backpressureAndClientErrorsNeverTripTheBreaker() throws Exception {
        try (Harness h = Harness.start(fleet(2), tune(r -> r.withBreaker(breaker(2, 1, 60_000))))) {
            h.fleet.worker(0).setFault(Fault.status(429));
            h.fleet.worker(1).setFault(Fault.status(503));
            for (int i = 0; i < 6; i++) {
                var r = h.post("/v1/chat/completions", CHAT);
                assertTrue(r.statusCode() == 429 || r.statusCode() == 503, r.statusCode() + " " + r.body());
            }
            assertEquals(CircuitBreaker.State.CLOSED, worker(h, 0).breaker().state());
            assertEquals(CircuitBreaker.State.CLOSED, worker(h, 1).breaker().state());
            h.fleet.worker(1).setFault(Fault.NONE);
            for (int i = 0; i < 6; i++) {
                assertEquals(200, h.post("/v1/chat/completions", CHAT).statusCode(), "429 is retried elsewhere");
            }
            h.fleet.worker(0).setFault(Fault.status(400));
            h.fleet.worker(1).setFault(Fault.status(422));
            for (int i = 0; i < 6; i++) {
                int s = h.post("/v1/chat/completions", CHAT).statusCode();
                assertTrue(s == 400 || s == 422, "client errors pass through, unretried: " + s);
            }
            assertEquals(CircuitBreaker.State.CLOSED, worker(h, 0).breaker().state());
            assertEquals(CircuitBreaker.State.CLOSED, worker(h, 1).breaker().state());
        }
    }

    @Test
    void anOpenBreakerLetsProbesThroughAfterItsTimeoutAndClosesOnSuccess() throws Exception {
        try (Harness h = Harness.start(fleet(2), tune(r -> r.withBreaker(breaker(2, 2, 800))))) {
            h.fleet.worker(0).setFault(Fault.status(502));
            for (int i = 0; i < 8; i++) {
                assertEquals(200, h.post("/v1/chat/completions", CHAT).statusCode());
            }
            assertEquals(CircuitBreaker.State.OPEN, worker(h, 0).breaker().state());
            long before = h.fleet.worker(0).requestCount();
            h.fleet.worker(0).setFault(Fault.NONE);
            Thread.sleep(900);
            for (int i = 0; i < 8; i++) {
                assertEquals(200, h.post("/v1/chat/completions", CHAT).statusCode());
            }
            assertTrue(h.fleet.worker(0).requestCount() > before + 1, "the recovered worker gets traffic again");
            assertEquals(CircuitBreaker.State.CLOSED, worker(h, 0).breaker().state());
        }
    }

    @Test
    void whenEveryBreakerIsOpenTheClientIsToldSo() throws Exception {
        try (Harness h = Harness.start(fleet(1), tune(r -> r.withBreaker(breaker(2, 1, 60_000))
                .withRetry(new ResilienceSettings.Retry(1, 5, 50, 1.5, 0.2, false))))) {
            h.fleet.worker(0).setFault(Fault.status(500));
            assertEquals(500, h.post("/v1/chat/completions", CHAT).statusCode());
            assertEquals(500, h.post("/v1/chat/completions", CHAT).statusCode());
            var r = h.post("/v1/chat/completions", CHAT);
            assertEquals(503, r.statusCode(), r.body());
            assertEquals("all_circuits_open", r.headers().firstValue("X-SMG-Error-Code").orElse(null));
            assertTrue(r.body().contains("\"code\":\"all_circuits_open\""), r.body());
        }
    }

    @Test
    void exhaustedRetriesReturnTheLastAnswerAndAreCounted() throws Exception {
        try (Harness h = Harness.start(fleet(2), tune(r -> r.withBreaker(breaker(100, 1, 60_000))))) {
            h.fleet.worker(0).setFault(Fault.status(500));
            h.fleet.worker(1).setFault(Fault.status(500));
            var r = h.post("/v1/chat/completions", CHAT);
            assertEquals(500, r.statusCode(), r.body());
            assertTrue(r.body().contains("\"error\""), r.body());
            assertEquals(5, h.fleet.worker(0).requestCount() + h.fleet.worker(1).requestCount(),
                    "--retry-max-retries counts attempts in total");
            assertTrue(metrics(h).contains("smg_worker_retries_exhausted_total{worker="));
        }
    }

    @Test
    void disabledRetriesMakeOneAttempt() throws Exception {
        try (Harness h = Harness.start(fleet(2), tune(r -> r.withRetry(ResilienceSettings.Retry.defaults()
                .withDisabled())))) {
            h.fleet.worker(0).setFault(Fault.status(503));
            h.fleet.worker(1).setFault(Fault.status(503));
            var r = h.post("/v1/chat/completions", CHAT);
            assertEquals(503, r.statusCode());
            assertEquals(1, h.fleet.worker(0).requestCount() + h.fleet.worker(1).requestCount());
        }
    }

    @Test
    void aHungWorkerCostsOneFirstByteTimeoutThenTheRequestMovesOn() throws Exception {
        try (Harness h = Harness.start(fleet(2), tune(r -> r.withBreaker(breaker(2, 1, 60_000))
                .withTimeouts(Duration.ofSeconds(5), Duration.ofMillis(400), Duration.ZERO)))) {
            h.fleet.worker(0).setFault(Fault.HANG);
            List<Long> took = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                long t0 = System.nanoTime();
                var r = h.post("/v1/chat/completions", i % 2 == 0 ? CHAT : STREAM);
                took.add((System.nanoTime() - t0) / 1_000_000);
                assertEquals(200, r.statusCode(), r.body());
            }
            assertTrue(took.stream().allMatch(ms -> ms < 3000), took.toString());
            assertEquals(CircuitBreaker.State.OPEN, worker(h, 0).breaker().state(), "timeouts are failures");
            h.fleet.worker(0).setFault(Fault.NONE);
        }
    }

    @Test
    void aStreamThatGoesSilentEndsWithAnErrorEvent() throws Exception {
        try (Harness h = Harness.start(fleet(1), tune(r -> r.withTimeouts(Duration.ofSeconds(5), Duration.ZERO,
                Duration.ofMillis(500))))) {
            h.fleet.worker(0).setTokenDelayMs(3000);
            long t0 = System.nanoTime();
            var r = h.post("/v1/chat/completions", STREAM);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(200, r.statusCode());
            assertTrue(r.body().contains("\"code\":\"stream_idle_timeout\""), r.body());
            assertTrue(!r.body().contains("[DONE]"), r.body());
            assertTrue(ms < 2500, "ended after about the idle limit: " + ms + " ms");
        }
    }

    @Test
    void garbageAndTruncatedBodiesAreRetriedElsewhere() throws Exception {
        try (Harness h = Harness.start(fleet(3), tune(r -> r.withBreaker(breaker(100, 1, 60_000))))) {
            h.fleet.worker(0).setFault(Fault.GARBAGE);
            h.fleet.worker(1).setFault(Fault.TRUNCATE);
            for (int i = 0; i < 9; i++) {
                var r = h.post("/v1/chat/completions", CHAT);
                assertEquals(200, r.statusCode(), r.body());
                assertTrue(r.body().startsWith("{") && r.body().contains("\"choices\""), r.body());
            }
            assertTrue(h.fleet.worker(0).requestCount() > 0 && h.fleet.worker(1).requestCount() > 0);
        }
    }

    @Test
    void aKilledWorkerIsRetriedElsewhere() throws Exception {
        try (MockFleet doomed = MockFleet.start(fleet(1));
             Harness h = Harness.start(fleet(2), c -> tune(r -> r).apply(c.withWorkerUrls(
                     List.of(c.workerUrls().get(0), c.workerUrls().get(1), doomed.urls().get(0)))))) {
            doomed.close();
            for (int i = 0; i < 12; i++) {
                var r = h.post("/v1/chat/completions", i % 2 == 0 ? CHAT : STREAM);
                assertEquals(200, r.statusCode(), r.body());
            }
        }
    }
}
