package io.drover.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.mock.MockWorkerOptions;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** cache_aware end to end: conversations stick to a worker; unrelated ones spread; keys override. */
class CacheAwareTest {
    private static String conversation(int id, int turns) {
        StringBuilder sb = new StringBuilder("{\"model\":\"mock-model\",\"messages\":[{\"role\":\"system\",\"content\":\"");
        sb.append(("conversation " + id + " has its own long system prompt. ").repeat(30)).append("\"}");
        for (int t = 0; t < turns; t++) {
            sb.append(",{\"role\":\"user\",\"content\":\"question ").append(t).append(" about topic ").append(id)
                    .append("\"},{\"role\":\"assistant\",\"content\":\"answer ").append(t).append("\"}");
        }
        return sb.append(",{\"role\":\"user\",\"content\":\"next\"}]}").toString();
    }

    @Test
    void eachConversationStaysOnOneWorkerAndConversationsSpread() throws Exception {
        try (Harness h = Harness.start(MockWorkerOptions.builder().httpBasePort(0).httpCount(4).build(),
                c -> c.withPolicy("cache_aware"))) {
            Map<Integer, String> home = new HashMap<>();
            for (int turn = 0; turn < 5; turn++) {
                for (int conv = 0; conv < 8; conv++) {
                    HttpResponse<String> r = h.post("/v1/chat/completions", conversation(conv, turn));
                    assertEquals(200, r.statusCode(), r.body());
                    String w = r.headers().firstValue("x-mock-worker").orElseThrow();
                    String before = home.putIfAbsent(conv, w);
                    if (before != null) {
                        assertEquals(before, w, "conversation " + conv + " turn " + turn + " moved");
                    }
                }
            }
            Set<String> used = new HashSet<>(home.values());
            assertTrue(used.size() >= 3, "8 conversations spread over the fleet: " + home);
            String metrics = h.http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                    "http://127.0.0.1:" + h.gateway.metricsPort() + "/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            String blocks = metrics.lines().filter(l -> l.startsWith("drover_prefix_index_blocks ")).findFirst()
                    .orElseThrow(() -> new AssertionError("no drover_prefix_index_blocks in /metrics"));
            assertTrue(Double.parseDouble(blocks.substring(blocks.indexOf(' ') + 1)) > 0, blocks);
            assertTrue(metrics.contains("drover_prefix_index_dropped_inserts_total"), "dropped inserts exposed");
        }
    }

    @Test
    void routingKeyOverrideMakesAnyPolicySticky() throws Exception {
        try (Harness h = Harness.start(MockWorkerOptions.builder().httpBasePort(0).httpCount(4).build(),
                c -> c.withPolicy("round_robin").withRouting(c.routing().withRoutingKeyOverride(true)))) {
            Set<String> keyed = new HashSet<>();
            Set<String> unkeyed = new HashSet<>();
            for (int i = 0; i < 8; i++) {
                keyed.add(h.post("/v1/chat/completions", Harness.chat("mock-model", false), "x-smg-routing-key",
                        "session-42").headers().firstValue("x-mock-worker").orElseThrow());
                unkeyed.add(h.post("/v1/chat/completions", Harness.chat("mock-model", false))
                        .headers().firstValue("x-mock-worker").orElseThrow());
            }
            assertEquals(1, keyed.size(), "a keyed session sticks");
            assertEquals(4, unkeyed.size(), "requests without a key still round-robin");
        }
    }

    @Test
    void consistentHashingByHeaderAndTargetWorker() throws Exception {
        try (Harness h = Harness.start(MockWorkerOptions.builder().httpBasePort(0).httpCount(3).build(),
                c -> c.withPolicy("consistent_hashing"))) {
            String first = null;
            for (int i = 0; i < 5; i++) {
                String w = h.post("/v1/chat/completions", Harness.chat("mock-model", false), "x-smg-routing-key",
                        "tenant-a").headers().firstValue("x-mock-worker").orElseThrow();
                if (first == null) {
                    first = w;
                }
                assertEquals(first, w);
            }
            HttpResponse<String> bad = h.post("/v1/chat/completions", Harness.chat("mock-model", false),
                    "x-smg-target-worker", "9");
            assertEquals(503, bad.statusCode());
            assertEquals("no_available_workers", bad.headers().firstValue("X-SMG-Error-Code").orElse(null));
            HttpResponse<String> ok = h.post("/v1/chat/completions", Harness.chat("mock-model", false),
                    "x-smg-target-worker", "1");
            assertEquals(200, ok.statusCode());
        }
    }

    @Test
    void loadReportsArePolledFromWorkers() throws Exception {
        try (Harness h = Harness.start(MockWorkerOptions.builder().httpBasePort(0).httpCount(2).build(),
                c -> c.withPolicy("power_of_two"))) {
            assertTrue(Harness.eventually(5000, () -> h.gateway.registry().all().stream()
                    .allMatch(w -> w.load() != null)), "every Ready worker has a load report");
        }
    }

    @Test
    void flushingTheCachesMakesTheIndexForgetItsOwners() throws Exception {
        try (Harness h = Harness.start(MockWorkerOptions.builder().httpBasePort(0).httpCount(3).build(),
                c -> c.withPolicy("cache_aware"))) {
            String first = h.post("/v1/chat/completions", conversation(1, 0)).headers().firstValue("x-mock-worker")
                    .orElseThrow();
            assertEquals(first, h.post("/v1/chat/completions", conversation(1, 1)).headers()
                    .firstValue("x-mock-worker").orElseThrow(), "affinity before the flush");
            assertEquals(200, h.send("POST", "/flush_cache", null).statusCode());
            Thread.sleep(300); // the index writer applies the removal
            String after = h.post("/v1/chat/completions", conversation(1, 2)).headers().firstValue("x-mock-worker")
                    .orElseThrow();
            assertTrue(!after.equals(first), "a flushed worker no longer owns the prefix: the least-loaded worker"
                    + " (fewest processed) takes it");
        }
    }
}
