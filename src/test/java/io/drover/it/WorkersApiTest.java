package io.drover.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import io.drover.mock.MockFleet;
import io.drover.mock.MockWorkerOptions;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Worker management through the REST API and the SGLang-router aliases, and its effect on traffic. */
class WorkersApiTest {
    private static Map<String, Object> json(HttpResponse<String> r) throws Exception {
        return JSON.std.mapFrom(r.body());
    }

    private static Set<String> servedBy(Harness h, int requests) throws Exception {
        Set<String> ports = new HashSet<>();
        for (int i = 0; i < requests; i++) {
            HttpResponse<String> r = h.post("/v1/chat/completions", Harness.chat("mock-model", false));
            assertEquals(200, r.statusCode(), r.body());
            ports.add(r.headers().firstValue("x-mock-worker").orElseThrow());
        }
        return ports;
    }

    @Test
    void addingAndRemovingWorkersChangesTraffic() throws Exception {
        try (Harness h = Harness.start(1, "round_robin");
             MockFleet extra = MockFleet.start(MockWorkerOptions.builder().httpBasePort(0).httpCount(1).build())) {
            String first = String.valueOf(h.fleet.port(0));
            String second = String.valueOf(extra.port(0));
            assertEquals(Set.of(first), servedBy(h, 4));

            long t0 = System.nanoTime();
            HttpResponse<String> add = h.post("/workers", "{\"url\":\"" + extra.urls().get(0)
                    + "\",\"labels\":{\"zone\":\"a\"},\"priority\":10}");
            assertEquals(202, add.statusCode(), add.body());
            String id = (String) json(add).get("worker_id");
            assertNotNull(id);
            assertEquals("/workers/" + id, add.headers().firstValue("Location").orElse(null));
            assertTrue(Harness.eventually(2000, () -> h.gateway.registry().readyCount() == 2),
                    "a registered worker is Ready within 2 s");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 2000, "ready after " + ms + " ms");
            Thread.sleep(20);
            assertEquals(Set.of(first, second), servedBy(h, 6), "the new worker takes traffic");

            HttpResponse<String> one = h.get("/workers/" + id);
            assertEquals(200, one.statusCode());
            assertEquals("ready", json(one).get("status"));
            assertEquals(10, ((Number) json(one).get("priority")).intValue());
            String byUrl = URLEncoder.encode(extra.urls().get(0), StandardCharsets.UTF_8);
            assertEquals(id, json(h.get("/workers/" + byUrl)).get("id"), "a worker is found by its encoded URL");

            HttpResponse<String> patch = h.send("PATCH", "/workers/" + id, "{\"priority\":77,\"cost\":2.5}");
            assertEquals(202, patch.statusCode(), patch.body());
            assertEquals(77, ((Number) json(h.get("/workers/" + id)).get("priority")).intValue());
            assertEquals(400, h.send("PATCH", "/workers/" + id, "{\"url\":\"http://x\"}").statusCode());

            assertEquals(202, h.send("DELETE", "/workers/" + byUrl, null).statusCode());
            Thread.sleep(20);
            assertEquals(Set.of(first), servedBy(h, 4), "a removed worker gets no more traffic");
            assertEquals(404, h.get("/workers/" + id).statusCode());
            assertEquals(404, h.send("DELETE", "/workers/" + id, null).statusCode());
        }
    }

    @Test
    void listShowsEveryWorkerAndReportsUnreachableOnes() throws Exception {
        try (Harness h = Harness.start(2, "round_robin")) {
            HttpResponse<String> add = h.post("/workers", "{\"url\":\"http://127.0.0.1:1\"}");
            assertEquals(202, add.statusCode());
            Thread.sleep(300);
            Map<String, Object> list = json(h.get("/workers"));
            assertEquals(3, ((Number) list.get("total")).intValue());
            List<?> ws = (List<?>) list.get("workers");
            Map<?, ?> dead = ws.stream().map(o -> (Map<?, ?>) o).filter(w -> "http://127.0.0.1:1".equals(w.get("url")))
                    .findFirst().orElseThrow();
            assertEquals("pending", dead.get("status"));
            assertEquals(false, dead.get("is_healthy"));
            assertTrue(String.valueOf(dead.get("last_error")).contains("refused"), dead.toString());
            Map<String, Object> ready = json(h.get("/readiness"));
            assertEquals(2, ((Number) ready.get("healthy_workers")).intValue());
            assertEquals(3, ((Number) ready.get("total_workers")).intValue());
            assertEquals(Set.of(String.valueOf(h.fleet.port(0)), String.valueOf(h.fleet.port(1))), servedBy(h, 6),
                    "the unreachable worker gets no traffic");
        }
    }

    @Test
    void badSpecsAreRefused() throws Exception {
        try (Harness h = Harness.start(1, "round_robin")) {
            assertEquals(400, h.post("/workers", "{}").statusCode());
            assertEquals(400, h.post("/workers", "{\"url\":\"ftp://x\"}").statusCode());
            assertEquals(400, h.post("/workers", "{\"url\":\"http://a:1\",\"bogus\":1}").statusCode());
            assertEquals(400, h.post("/workers", "{\"url\":\"http://a:1\",\"models\":[1]}").statusCode());
            assertEquals(400, h.post("/workers", "{\"url\":\"grpc://a:1\"}").statusCode());
            assertEquals(400, h.post("/workers", "not json").statusCode());
            HttpResponse<String> self = h.post("/workers", "{\"url\":\"http://127.0.0.1:" + h.gateway.port() + "\"}");
            assertEquals(400, self.statusCode(), "the gateway's own address would loop");
            assertTrue(self.body().contains("loop"), self.body());
            assertEquals(400, h.send("POST", "/add_worker?url=http://localhost:" + h.gateway.port(), null).statusCode());
            HttpResponse<String> dup = h.post("/workers", "{\"url\":\"" + h.fleet.urls().get(0) + "\"}");
            assertEquals(409, dup.statusCode());
            assertEquals("worker_already_exists", dup.headers().firstValue("X-SMG-Error-Code").orElse(null));
            String id = h.gateway.registry().all().get(0).id();
            assertEquals(400, h.send("PUT", "/workers/" + id, "{\"url\":\"http://elsewhere:1\"}").statusCode());
            assertEquals(202, h.send("PUT", "/workers/" + id, "{\"models\":[\"mock-model\"],\"cost\":3}").statusCode());
        }
    }

    @Test
    void sglangRouterAliases() throws Exception {
        try (Harness h = Harness.start(1, "round_robin");
             MockFleet extra = MockFleet.start(MockWorkerOptions.builder().httpBasePort(0).httpCount(1).build())) {
            String url = extra.urls().get(0);
            HttpResponse<String> add = h.send("POST", "/add_worker?url=" + URLEncoder.encode(url, StandardCharsets.UTF_8), null);
            assertEquals(200, add.statusCode(), add.body());
            List<?> urls = (List<?>) json(h.get("/list_workers")).get("urls");
            assertEquals(List.of(h.fleet.urls().get(0), url), urls);
            assertEquals(400, h.send("POST", "/add_worker", null).statusCode());
            assertEquals(200, h.send("POST", "/remove_worker?url=" + url, null).statusCode());
            assertEquals(404, h.send("POST", "/remove_worker?url=" + url, null).statusCode());
            assertEquals(1, ((List<?>) json(h.get("/list_workers")).get("urls")).size());
        }
    }
}
