package io.drover.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every route of the data plane against a fleet of 3 mock workers. */
class RoutesTest {
    private static Harness h;

    @BeforeAll
    static void up() throws Exception {
        h = Harness.start(3, "round_robin");
    }

    @AfterAll
    static void down() {
        h.close();
    }

    private static Map<String, Object> json(HttpResponse<String> r) throws Exception {
        return JSON.std.mapFrom(r.body());
    }

    @Test
    void inferenceEndpointsAreProxiedWithTheirBodiesUnchanged() throws Exception {
        String chat = "{\"model\":\"mock-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"return_routed_experts\":true,\"sampling_params\":{\"x\":1}}";
        HttpResponse<String> r = h.post("/v1/chat/completions", chat);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("chat.completion", json(r).get("object"));
        int port = Integer.parseInt(r.headers().firstValue("x-mock-worker").orElseThrow());
        var served = h.fleet.workers().stream().filter(w -> w.port() == port).findFirst().orElseThrow();
        assertEquals(chat, new String(served.lastRequestBody()), "unknown fields pass through byte for byte");

        assertEquals(200, h.post("/v1/completions", "{\"model\":\"mock-model\",\"prompt\":\"hi\"}").statusCode());
        HttpResponse<String> e = h.post("/v1/embeddings", "{\"model\":\"mock-model\",\"input\":\"hi\"}");
        assertEquals(200, e.statusCode(), e.body());
        assertEquals("list", json(e).get("object"));
        for (String p : List.of("/v1/rerank", "/rerank")) {
            HttpResponse<String> rr = h.post(p, "{\"model\":\"mock-model\",\"query\":\"q\",\"documents\":[\"a\",\"b\"]}");
            assertEquals(200, rr.statusCode(), p + " " + rr.body());
        }
        assertEquals(200, h.post("/v1/classify", "{\"model\":\"mock-model\",\"input\":\"hi\"}").statusCode());
        HttpResponse<String> g = h.post("/generate", "{\"text\":\"hello\",\"sampling_params\":{\"max_new_tokens\":4}}");
        assertEquals(200, g.statusCode(), g.body());
        assertNotNull(json(g).get("meta_info"));
    }

    @Test
    void modelsAreTheUnionEachOnce() throws Exception {
        HttpResponse<String> r = h.get("/v1/models");
        assertEquals(200, r.statusCode());
        List<?> data = (List<?>) json(r).get("data");
        assertEquals(1, data.size(), r.body());
        assertEquals("mock-model", ((Map<?, ?>) data.get(0)).get("id"));
        assertEquals("sglang", ((Map<?, ?>) data.get(0)).get("owned_by"));
    }

    @Test
    void infoRoutesComeFromAWorker() throws Exception {
        HttpResponse<String> mi = h.get("/get_model_info");
        assertEquals(200, mi.statusCode(), mi.body());
        assertTrue(json(mi).containsKey("model_path"), mi.body());
        HttpResponse<String> si = h.get("/get_server_info");
        assertEquals(200, si.statusCode());
        assertTrue(json(si).containsKey("max_running_requests"), si.body());
        assertEquals(200, h.get("/health_generate").statusCode());
    }

    @Test
    void loadsAndFlushFanOutToEveryWorker() throws Exception {
        HttpResponse<String> l = h.get("/get_loads");
        assertEquals(200, l.statusCode(), l.body());
        List<?> ws = (List<?>) json(l).get("workers");
        assertEquals(3, ws.size());
        for (Object o : ws) {
            assertTrue(((Number) ((Map<?, ?>) o).get("load")).longValue() >= 0, l.body());
        }
        HttpResponse<String> f = h.send("POST", "/flush_cache", null);
        assertEquals(200, f.statusCode(), f.body());
        assertEquals(3, ((List<?>) json(f).get("workers")).size());
    }

    @Test
    void healthRoutes() throws Exception {
        assertEquals(200, h.get("/health").statusCode());
        assertEquals(200, h.get("/liveness").statusCode());
        HttpResponse<String> r = h.get("/readiness");
        assertEquals(200, r.statusCode());
        Map<String, Object> body = json(r);
        assertEquals("ready", body.get("status"));
        assertEquals(3, ((Number) body.get("healthy_workers")).intValue());
        assertEquals(3, ((Number) body.get("total_workers")).intValue());
    }

    @Test
    void unknownPathIs404AndWrongMethodIs405WithJson() throws Exception {
        HttpResponse<String> r = h.get("/v1/nothing-here");
        assertEquals(404, r.statusCode());
        assertEquals("not_found", r.headers().firstValue("X-SMG-Error-Code").orElse(null));
        assertNotNull(((Map<?, ?>) json(r).get("error")).get("message"));
        HttpResponse<String> m = h.get("/v1/chat/completions");
        assertEquals(405, m.statusCode());
        assertEquals("POST", m.headers().firstValue("Allow").orElse(null));
        assertEquals("method_not_allowed", ((Map<?, ?>) json(m).get("error")).get("code"));
        assertEquals(405, h.send("DELETE", "/v1/models", null).statusCode());
    }

    @Test
    void requestIdsAreEchoedOrGenerated() throws Exception {
        HttpResponse<String> given = h.post("/v1/chat/completions", Harness.chat("mock-model", false),
                "x-request-id", "my-id-123");
        assertEquals("my-id-123", given.headers().firstValue("x-request-id").orElse(null));
        HttpResponse<String> corr = h.post("/v1/chat/completions", Harness.chat("mock-model", false),
                "x-correlation-id", "corr-9");
        assertEquals("corr-9", corr.headers().firstValue("x-request-id").orElse(null));
        String chatId = h.post("/v1/chat/completions", Harness.chat("mock-model", false))
                .headers().firstValue("x-request-id").orElseThrow();
        assertTrue(chatId.matches("chatcmpl-[A-Za-z0-9]{24}"), chatId);
        String cmplId = h.post("/v1/completions", "{\"model\":\"mock-model\",\"prompt\":\"x\"}")
                .headers().firstValue("x-request-id").orElseThrow();
        assertTrue(cmplId.matches("cmpl-[A-Za-z0-9]{24}"), cmplId);
        String gntId = h.post("/generate", "{\"text\":\"x\"}").headers().firstValue("x-request-id").orElseThrow();
        assertTrue(gntId.startsWith("gnt-"), gntId);
        String other = h.get("/v1/models").headers().firstValue("x-request-id").orElseThrow();
        assertTrue(other.matches("req-[A-Za-z0-9]{24}"), other);
        assertEquals("mine", h.http.send(java.net.http.HttpRequest.newBuilder(h.uri("/nowhere"))
                .header("x-request-id", "mine").build(), HttpResponse.BodyHandlers.ofString())
                .headers().firstValue("x-request-id").orElse(null), "errors carry the id too");
    }

    @Test
    void onlyAllowListedHeadersReachTheWorker() throws Exception {
        HttpResponse<String> r = h.post("/v1/chat/completions", Harness.chat("mock-model", false),
                "Authorization", "Bearer client-key", "traceparent", "00-abc-def-01", "tracestate", "k=v",
                "x-smg-routing-key", "sess-1", "x-request-id-extra", "e1", "x-correlation-id", "c1",
                "x-secret-internal", "nope", "cookie", "session=abc", "x-api-key", "sk-other");
        assertEquals(200, r.statusCode());
        int port = Integer.parseInt(r.headers().firstValue("x-mock-worker").orElseThrow());
        var w = h.fleet.workers().stream().filter(x -> x.port() == port).findFirst().orElseThrow();
        Map<String, List<String>> seen = w.lastRequestHeaders();
        assertEquals(List.of("Bearer client-key"), seen.get("authorization"));
        assertEquals(List.of("00-abc-def-01"), seen.get("traceparent"));
        assertEquals(List.of("k=v"), seen.get("tracestate"));
        assertEquals(List.of("sess-1"), seen.get("x-smg-routing-key"));
        assertEquals(List.of("e1"), seen.get("x-request-id-extra"));
        assertEquals(List.of("c1"), seen.get("x-correlation-id"));
        assertFalse(seen.containsKey("x-secret-internal"));
        assertFalse(seen.containsKey("cookie"));
        assertFalse(seen.containsKey("x-api-key"));
        assertTrue(seen.containsKey("x-request-id"), "the gateway's request id is forwarded");
    }

    @Test
    void hopByHopResponseHeadersAreStripped() throws Exception {
        HttpResponse<String> r = h.post("/v1/chat/completions", Harness.chat("mock-model", false));
        assertTrue(r.headers().allValues("transfer-encoding").isEmpty());
        assertEquals(1, r.headers().allValues("date").size(), "one Date header, the gateway's");
        assertEquals(1, r.headers().allValues("content-length").size());
    }
}
