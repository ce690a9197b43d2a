package io.drover.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** --dp-aware: a worker reporting dp_size 2 becomes url@0 and url@1, and each request names its rank. */
class DpAwareTest {
    private static HttpServer fakeSglang(List<String> bodies) throws Exception {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        s.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            byte[] in = ex.getRequestBody().readAllBytes();
            String out;
            switch (path) {
                case "/health" -> out = "";
                case "/v1/models" -> out = "{\"object\":\"list\",\"data\":[{\"id\":\"dp-model\",\"object\":\"model\","
                        + "\"owned_by\":\"sglang\"}]}";
                case "/get_server_info" -> out = "{\"model_path\":\"/models/dp\",\"dp_size\":2,\"tp_size\":4,"
                        + "\"max_running_requests\":128,\"context_length\":32768}";
                default -> {
                    bodies.add(new String(in, StandardCharsets.UTF_8));
                    out = "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[]}";
                }
            }
            byte[] b = out.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, b.length == 0 ? -1 : b.length);
            if (b.length > 0) {
                ex.getResponseBody().write(b);
            }
            ex.close();
        });
        s.start();
        return s;
    }

    @Test
    void eachRankIsALogicalWorkerAndRequestsCarryTheirRank() throws Exception {
        List<String> bodies = new CopyOnWriteArrayList<>();
        HttpServer fake = fakeSglang(bodies);
        String url = "http://127.0.0.1:" + fake.getAddress().getPort();
        try (Harness h = Harness.withoutFleet(c -> c.withPolicy("round_robin").withWorkerUrls(List.of(url))
                .withRouting(c.routing().withDpAware(true)))) {
            assertTrue(h.gateway.awaitReady(2, Duration.ofSeconds(5)), "two ranks become Ready");
            Set<String> urls = ConcurrentHashMap.newKeySet();
            h.gateway.registry().all().forEach(w -> urls.add(w.url()));
            assertEquals(Set.of(url + "@0", url + "@1"), urls);
            for (int i = 0; i < 4; i++) {
                assertEquals(200, h.post("/v1/chat/completions",
                        "{\"model\":\"dp-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").statusCode());
            }
            int[] perRank = new int[2];
            for (String b : bodies) {
                Map<String, Object> m = JSON.std.mapFrom(b);
                perRank[((Number) m.get("data_parallel_rank")).intValue()]++;
                assertEquals("dp-model", m.get("model"), "the rest of the body is untouched");
            }
            assertEquals(2, perRank[0]);
            assertEquals(2, perRank[1]);
            String listing = h.get("/workers").body();
            assertTrue(listing.contains("\"dp_rank\":1") && listing.contains("\"max_running_requests\":128"), listing);
        } finally {
            fake.stop(0);
        }
    }

    @Test
    void metadataIsDiscoveredWithoutDpAware() throws Exception {
        HttpServer fake = fakeSglang(new CopyOnWriteArrayList<>());
        String url = "http://127.0.0.1:" + fake.getAddress().getPort();
        try (Harness h = Harness.withoutFleet(c -> c.withWorkerUrls(List.of(url)))) {
            assertTrue(h.gateway.awaitReady(1, Duration.ofSeconds(5)));
            var w = h.gateway.registry().all().get(0);
            assertTrue(Harness.eventually(2000, () -> !w.metadata().isEmpty()));
            assertEquals(32768, ((Number) w.metadata().get("context_length")).intValue());
            assertEquals("sglang", w.runtime());
            assertEquals(List.of("dp-model"), w.models());
        } finally {
            fake.stop(0);
        }
    }

    @Test
    void theRankFieldGoesFirstAndKeepsTheBodyValid() throws Exception {
        byte[] out = io.drover.ingress.InferenceRoutesAccess.withDpRank("  {\"a\":1}".getBytes(), 3);
        assertEquals("  {\"data_parallel_rank\":3,\"a\":1}", new String(out));
        assertEquals("{\"data_parallel_rank\":0}", new String(io.drover.ingress.InferenceRoutesAccess.withDpRank(
                "{ }".getBytes(), 0)).replace(" ", ""));
    }
}
