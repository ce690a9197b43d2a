package io.drover.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import io.drover.config.GatewayConfig;
import io.drover.config.ResilienceSettings;
import io.drover.mock.Fault;
import io.drover.mock.MockFleet;
import io.drover.mock.MockWorkerOptions;
import io.drover.workers.CircuitBreaker;
import io.drover.workers.Worker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The chaos suite: a fleet of mock workers behind a gateway, one worker at fault, a mixed load of
 * non-streamed and streamed chat requests; every client-visible outcome is classified as a good
 * answer, a well-formed error (OpenAI-style JSON error, or an SSE error event ending a broken
 * stream) or a malformed one. Writes the faults x outcomes table to
 * {@code target/chaos/reliability-table.md}, and into {@code docs/RELIABILITY.md} between its
 * markers when run with {@code -Ddrover.chaos.docs=docs/RELIABILITY.md}.
 */
class ChaosTest {
    static final int WORKERS = 4;
    static final int CLIENTS = 4;
    static final int PER_CLIENT = 12;
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
    static final Duration CLIENT_TIMEOUT = REQUEST_TIMEOUT.plusSeconds(2);
    static final Duration BREAKER_TIMEOUT = Duration.ofSeconds(1);
    static final List<String> ROWS = new ArrayList<>();

    /** How one client request ended. */
    enum Kind { OK, ERROR_JSON, ERROR_EVENT, MALFORMED, CLIENT_TIMEOUT }

    record Outcome(boolean stream, Kind kind, long millis, String detail) {}

    /** The gateway settings every scenario uses (SMG defaults where not stated). */
    static GatewayConfig configure(GatewayConfig c) {
        ResilienceSettings r = c.resilience()
                .withBreaker(new ResilienceSettings.Breaker(3, 2, BREAKER_TIMEOUT, Duration.ofSeconds(120), false))
                .withRetry(new ResilienceSettings.Retry(5, 10, 200, 1.5, 0.2, false))
                .withTimeouts(Duration.ofSeconds(2), Duration.ofMillis(500), Duration.ofSeconds(1))
                .withLifecycle(Duration.ofSeconds(60), false, Duration.ZERO, -1);
        return c.withPolicy("round_robin").withResilience(r)
                .withHealth(new GatewayConfig.HealthSettings(Duration.ofMillis(100), Duration.ofMillis(500), "/health",
                        1, 1, false))
                .withLimits(c.maxPayloadSize(), REQUEST_TIMEOUT, c.shutdownGracePeriod());
    }

    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    static Outcome call(Harness h, boolean stream) {
        long t0 = System.nanoTime();
        try {
            HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(h.uri("/v1/chat/completions"))
                    .timeout(CLIENT_TIMEOUT).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(Harness.chat("mock-model", stream))).build(),
                    HttpResponse.BodyHandlers.ofString());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            return new Outcome(stream, classify(r, stream), ms, r.statusCode() + " " + abbreviate(r.body()));
        } catch (HttpTimeoutException e) {
            return new Outcome(stream, Kind.CLIENT_TIMEOUT, (System.nanoTime() - t0) / 1_000_000, e.toString());
        } catch (Exception e) {
            return new Outcome(stream, Kind.MALFORMED, (System.nanoTime() - t0) / 1_000_000, e.toString());
        }
    }

    static String abbreviate(String s) {
        return s.length() > 160 ? s.substring(0, 160) + "..." : s;
    }

    static Kind classify(HttpResponse<String> r, boolean stream) {
        String body = r.body();
        if (r.statusCode() != 200) {
            return wellFormedError(body) ? Kind.ERROR_JSON : Kind.MALFORMED;
        }
        if (!stream) {
            try {
                Map<String, Object> m = JSON.std.mapFrom(body);
                return m.get("choices") instanceof List<?> l && !l.isEmpty() ? Kind.OK : Kind.MALFORMED;
            } catch (Exception e) {
                return Kind.MALFORMED;
            }
        }
        String lastData = null;
        for (String line : body.split("\n")) {
            if (line.startsWith("data: ")) {
                lastData = line.substring(6).trim();
            }
        }
        if ("[DONE]".equals(lastData)) {
            return body.contains("\"error\"") ? Kind.MALFORMED : Kind.OK;
        }
        return lastData != null && wellFormedError(lastData) ? Kind.ERROR_EVENT : Kind.MALFORMED;
    }

    static boolean wellFormedError(String json) {
        try {
            Map<String, Object> m = JSON.std.mapFrom(json);
            return m.get("error") instanceof Map<?, ?> e && e.get("message") instanceof String
                    && e.containsKey("type") && e.containsKey("code");
        } catch (Exception e) {
            return false;
        }
    }

    /** Runs the mixed load: CLIENTS threads, PER_CLIENT requests each, every third one streamed. */
    static List<Outcome> load(Harness h) throws InterruptedException {
        ConcurrentLinkedQueue<Outcome> out = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            int client = c;
            threads.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < PER_CLIENT; i++) {
                    out.add(call(h, (client + i) % 3 == 0));
                }
            }));
        }
        for (Thread t : threads) {
            t.join(60_000);
        }
        return new ArrayList<>(out);
    }

    static double retries(Harness h) throws Exception {
        String m = h.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + h.gateway.metricsPort()
                + "/metrics")).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
        double sum = 0;
        for (String line : m.split("\n")) {
            if (line.startsWith("smg_worker_retries_total{")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    /**
     * One scenario: starts {@code WORKERS} mock workers (plus whatever {@code extra} adds), applies
     * {@code fault} once they are Ready, runs the load, records the row and checks the goals.
     */
    void scenario(String name, String expectedStreamFailures, UnaryOperator<GatewayConfig> extra,
                  FaultAction fault) throws Exception {
        try (Harness h = Harness.start(MockWorkerOptions.builder().httpBasePort(0).httpCount(WORKERS).build(),
                c -> extra.apply(configure(c)))) {
            AutoCloseable undo = fault.apply(h);
            List<Outcome> outcomes;
            try {
                outcomes = load(h);
            } finally {
                undo.close();
            }
            record(name, h, outcomes, expectedStreamFailures);
        }
    }

    @FunctionalInterface
    interface FaultAction {
        AutoCloseable apply(Harness h) throws Exception;
    }

    void record(String name, Harness h, List<Outcome> o, String streamNote) throws Exception {
        long plain = o.stream().filter(x -> !x.stream()).count();
        long streams = o.size() - plain;
        long plainFailed = o.stream().filter(x -> !x.stream() && x.kind() != Kind.OK).count();
        long streamFailed = o.stream().filter(x -> x.stream() && x.kind() != Kind.OK).count();
        long malformed = o.stream().filter(x -> x.kind() == Kind.MALFORMED).count();
        long timeouts = o.stream().filter(x -> x.kind() == Kind.CLIENT_TIMEOUT).count();
        long maxMs = o.stream().mapToLong(Outcome::millis).max().orElse(0);
        boolean ok = plainFailed == 0 && malformed == 0 && timeouts == 0 && maxMs < CLIENT_TIMEOUT.toMillis()
                && (streamNote != null || streamFailed == 0);
        ROWS.add("| " + name + " | " + plain + " | " + (plain - plainFailed) + " | " + plainFailed + " | " + streams
                + " | " + (streams - streamFailed) + " | " + streamFailed
                + (streamFailed > 0 ? " (" + o.stream().filter(x -> x.kind() == Kind.ERROR_EVENT).count()
                        + " error events)" : "")
                + " | " + malformed + " | " + maxMs + " | " + (long) retries(h) + " | " + (ok ? "yes" : "**no**") + " |");
        String failures = o.stream().filter(x -> x.kind() != Kind.OK).map(x -> x.kind() + " " + x.detail())
                .limit(5).toList().toString();
        assertEquals(0, plainFailed, name + ": non-streamed failures " + failures);
        assertEquals(0, malformed, name + ": malformed answers " + failures);
        assertEquals(0, timeouts, name + ": clients timed out " + failures);
        assertTrue(maxMs < CLIENT_TIMEOUT.toMillis(), name + ": a client waited " + maxMs + " ms");
        if (streamNote == null) {
            assertEquals(0, streamFailed, name + ": streamed failures " + failures);
        }
    }

    static AutoCloseable setFault(Harness h, int i, Fault f) {
        h.fleet.worker(i).setFault(f);
        return () -> h.fleet.worker(i).setFault(Fault.NONE);
    }

    @Test
    void noFault() throws Exception {
        scenario("none (baseline)", null, c -> c, h -> () -> { });
    }

    @Test
    void killedWorker() throws Exception {
        MockFleet doomed = MockFleet.start(MockWorkerOptions.builder().httpBasePort(0).httpCount(1).build());
        try {
            scenario("killed worker (its process is gone)", null, c -> c.withWorkerUrls(
                    concat(c.workerUrls(), doomed.urls().get(0))), h -> {
                        doomed.close();
                        return () -> { };
                    });
        } finally {
            doomed.close();
        }
    }

    @Test
    void refusedConnections() throws Exception {
        scenario("connections refused (health checks off for it)", null, c -> c, h -> {
            int port = ResilienceTestPorts.closedPort(); // chosen after every server here is bound
            var r = h.post("/workers", "{\"url\":\"http://127.0.0.1:" + port
                    + "\",\"health\":{\"disable_health_check\":true}}");
            assertEquals(202, r.statusCode(), r.body());
            assertTrue(h.gateway.awaitReady(WORKERS + 1, Duration.ofSeconds(5)));
            return () -> { };
        });
    }

    @Test
    void hungWorker() throws Exception {
        scenario("hung worker (accepts, never answers)", null, c -> c, h -> setFault(h, 0, Fault.HANG));
    }

    @Test
    void slowWorker() throws Exception {
        scenario("slow worker (+300 ms before the first byte)", null, c -> c, h -> setFault(h, 0, Fault.slow(300)));
    }

    @Test
    void http500() throws Exception {
        scenario("worker answers 500", null, c -> c, h -> setFault(h, 0, Fault.status(500)));
    }

    @Test
    void http500UnderCacheAware() throws Exception {
        scenario("worker answers 500, cache_aware policy", null, c -> c.withPolicy("cache_aware"),
                h -> setFault(h, 0, Fault.status(500)));
    }

    @Test
    void http429() throws Exception {
        scenario("worker answers 429 (backpressure)", null, c -> c, h -> setFault(h, 0, Fault.status(429)));
    }

    @Test
    void garbage() throws Exception {
        scenario("worker answers 200 with non-JSON garbage", null, c -> c, h -> setFault(h, 0, Fault.GARBAGE));
    }

    @Test
    void truncated() throws Exception {
        scenario("worker truncates its answers", "streams already started cannot be replayed", c -> c,
                h -> setFault(h, 0, Fault.TRUNCATE));
    }

    @Test
    void flappingHealth() throws Exception {
        scenario("health flaps every 150 ms", null, c -> c, h -> {
            AtomicBoolean stop = new AtomicBoolean();
            Thread flapper = Thread.ofVirtual().start(() -> {
                boolean bad = false;
                for (int i = 0; i < 400 && !stop.get(); i++) {
                    bad = !bad;
                    h.fleet.worker(0).setFault(bad ? Fault.UNHEALTHY : Fault.NONE);
                    try {
                        Thread.sleep(150);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            return () -> {
                stop.set(true);
                flapper.join(2000);
                h.fleet.worker(0).setFault(Fault.NONE);
            };
        });
    }

    @Test
    void aRecoveredWorkerGetsTrafficWithinOneBreakerTimeout() throws Exception {
        try (Harness h = Harness.start(MockWorkerOptions.builder().httpBasePort(0).httpCount(WORKERS).build(),
                ChaosTest::configure)) {
            String victim = h.fleet.urls().get(0);
            Worker w = h.gateway.registry().all().stream().filter(x -> x.url().equals(victim)).findFirst()
                    .orElseThrow();
            h.fleet.worker(0).setFault(Fault.status(500));
            List<Outcome> outcomes = new ArrayList<>();
            for (int i = 0; i < 40 && w.breaker().state() != CircuitBreaker.State.OPEN; i++) {
                outcomes.add(call(h, false));
            }
            assertEquals(CircuitBreaker.State.OPEN, w.breaker().state());
            h.fleet.worker(0).setFault(Fault.NONE);
            long cleared = System.nanoTime();
            long before = h.fleet.worker(0).requestCount();
            long recoveredMs = -1;
            for (int i = 0; i < 400; i++) {
                outcomes.add(call(h, i % 3 == 0));
                if (h.fleet.worker(0).requestCount() > before && w.breaker().state() != CircuitBreaker.State.OPEN) {
                    recoveredMs = (System.nanoTime() - cleared) / 1_000_000;
                    break;
                }
                Thread.sleep(10);
            }
            assertTrue(recoveredMs >= 0, "the recovered worker never got traffic again");
            assertTrue(recoveredMs <= BREAKER_TIMEOUT.toMillis() + 1000,
                    "traffic returned after " + recoveredMs + " ms");
            record("recovery: 500s until the breaker opens, then healthy (back in " + recoveredMs + " ms; "
                    + "breaker timeout " + BREAKER_TIMEOUT.toMillis() + " ms)", null, h, outcomes);
        }
    }

    void record(String name, String note, Harness h, List<Outcome> o) throws Exception {
        record(name, h, o, note);
    }

    static List<String> concat(List<String> a, String b) {
        List<String> l = new ArrayList<>(a);
        l.add(b);
        return l;
    }

    @AfterAll
    static void writeTable() throws Exception {
        List<String> rows = new ArrayList<>(ROWS);
        rows.sort(null);
        StringBuilder t = new StringBuilder();
        t.append("| fault (1 of ").append(WORKERS).append(" workers) | non-streamed | ok | failed | streamed | ok | "
                + "failed | malformed | max latency ms | retries | goals met |\n");
        t.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        rows.forEach(r -> t.append(r).append('\n'));
        Path out = Path.of("target", "chaos", "reliability-table.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, t.toString());
        String docs = System.getProperty("drover.chaos.docs");
        if (docs != null && !docs.isBlank()) {
            Path p = Path.of(docs);
            String text = Files.readString(p);
            String begin = "<!-- chaos-table:begin -->";
            String end = "<!-- chaos-table:end -->";
            int b = text.indexOf(begin);
            int e = text.indexOf(end);
            if (b >= 0 && e > b) {
                Files.writeString(p, text.substring(0, b + begin.length()) + "\n" + t + text.substring(e));
            }
        }
    }
}
