package io.drover.mock;

import com.fasterxml.jackson.jr.ob.JSON;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** HTTP behaviour of the mock worker fleet, over java.net.http against ephemeral ports. */
@Timeout(20)
class MockWorkerTest {
    static MockFleet fleet;
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeAll
    static void start() {
        fleet = MockFleet.start(MockWorkerOptions.builder().httpBasePort(0).httpCount(3).build());
    }

    @AfterAll
    static void stop() {
        fleet.close();
    }

    @BeforeEach
    void reset() {
        for (MockWorker w : fleet.workers()) {
            w.reset();
            w.setGenMs(0);
            w.setTokenDelayMs(0);
            w.setOutputTokens(8);
        }
    }

    static String url(int worker, String path) {
        return fleet.urls().get(worker) + path;
    }

    static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(String url, String body) throws Exception {
        return HTTP.send(postReq(url, body).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpRequest.Builder postReq(String url, String body) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> obj(String json) throws IOException {
        return (Map<String, Object>) JSON.std.anyFrom(json);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> first(Object list) {
        return (Map<String, Object>) ((List<?>) list).getFirst();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    /** The JSON payloads of the "data:" lines of an SSE body, "[DONE]" included. */
    static List<String> events(String sse) {
        List<String> out = new ArrayList<>();
        for (String block : sse.split("\n\n")) {
            if (block.isBlank()) continue;
            assertTrue(block.startsWith("data: "), block);
            out.add(block.substring(6));
        }
        return out;
    }

    @Test
    void healthAnswersAndNamesTheWorker() throws Exception {
        for (int i = 0; i < fleet.size(); i++) {
            HttpResponse<String> r = get(url(i, "/health"));
            assertEquals(200, r.statusCode());
            assertEquals(String.valueOf(fleet.port(i)), r.headers().firstValue("x-mock-worker").orElseThrow());
            assertEquals(200, get(url(i, "/health_generate")).statusCode());
        }
        assertEquals(3, fleet.urls().stream().distinct().count());
        assertTrue(fleet.urls().getFirst().matches("http://127\\.0\\.0\\.1:\\d+"));
    }

    @Test
    void modelsAndInfoRoutes() throws Exception {
        Map<String, Object> models = obj(get(url(0, "/v1/models")).body());
        assertEquals("list", models.get("object"));
        Map<String, Object> m = first(models.get("data"));
        assertEquals("mock-model", m.get("id"));
        assertEquals("model", m.get("object"));
        assertEquals("sglang", m.get("owned_by"));
        assertTrue(m.get("created") instanceof Number);
        for (String p : List.of("/get_model_info", "/model_info")) {
            Map<String, Object> info = obj(get(url(0, p)).body());
            assertEquals("mock-model", info.get("model_path"));
            assertEquals("mock-model", info.get("tokenizer_path"));
            assertEquals(true, info.get("is_generation"));
        }
        for (String p : List.of("/get_server_info", "/server_info")) {
            Map<String, Object> info = obj(get(url(1, p)).body());
            assertEquals("mock-model", info.get("served_model_name"));
            assertEquals(1, info.get("tp_size"));
            assertEquals(1, info.get("dp_size"));
            for (String k : List.of("model_path", "max_running_requests", "max_total_num_tokens", "context_length", "version")) {
                assertTrue(info.containsKey(k), k);
            }
        }
        assertEquals(404, get(url(0, "/version")).statusCode());
        assertEquals(200, post(url(0, "/flush_cache"), "").statusCode());
    }

    @Test
    void loadsAndMetricsReflectActiveRequests() throws Exception {
        MockWorker w = fleet.worker(2);
        w.setGenMs(1500);
        var pending = HTTP.sendAsync(postReq(url(2, "/v1/chat/completions"),
                "{\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}").build(), HttpResponse.BodyHandlers.ofString());
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (w.activeRequests() == 0 && System.nanoTime() < deadline) Thread.sleep(10);
        for (String p : List.of("/get_loads", "/v1/loads")) {
            Map<String, Object> load = first(obj(get(url(2, p)).body()).get("loads"));
            assertEquals(1, load.get("num_running_reqs"));
            assertEquals(0, load.get("num_waiting_reqs"));
            assertTrue(((Number) load.get("num_used_tokens")).intValue() > 0);
            assertTrue(((Number) load.get("token_usage")).doubleValue() > 0);
        }
        String metrics = get(url(2, "/metrics")).body();
        assertTrue(metrics.contains("sglang:num_running_reqs{model_name=\"mock-model\"} 1.0"), metrics);
        assertTrue(metrics.contains("sglang:num_queue_reqs"));
        assertTrue(metrics.contains("sglang:token_usage"));
        assertEquals(200, pending.get().statusCode());
        // the worker lowers its count just after the last byte went out: give it a moment
        long settle = System.nanoTime() + 2_000_000_000L;
        while (w.activeRequests() != 0 && System.nanoTime() < settle) Thread.sleep(5);
        assertEquals(0, w.activeRequests());
    }

    @Test
    void chatCompletionShapeAndRecordedRequest() throws Exception {
        String body = "{\"model\":\"m1\",\"max_tokens\":3,\"messages\":[{\"role\":\"user\",\"content\":\"twelve chars\"}]}";
        HttpResponse<String> r = HTTP.send(postReq(url(0, "/v1/chat/completions"), body).header("X-Trace-Id", "abc").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        Map<String, Object> j = obj(r.body());
        assertEquals("chat.completion", j.get("object"));
        assertEquals("m1", j.get("model"));
        assertTrue(j.get("id") instanceof String && j.get("created") instanceof Number);
        Map<String, Object> c = first(j.get("choices"));
        assertEquals(0, c.get("index"));
        assertTrue(c.containsKey("logprobs"));
        assertNull(c.get("logprobs"));
        assertEquals("length", c.get("finish_reason"));
        assertEquals(Map.of("role", "assistant", "content", "tok0 tok1 tok2"), c.get("message"));
        assertEquals(Map.of("prompt_tokens", 3, "completion_tokens", 3, "total_tokens", 6), j.get("usage"));

        MockWorker w = fleet.worker(0);
        assertEquals(1, w.requestCount());
        assertEquals(List.of("abc"), w.lastRequestHeaders().get("x-trace-id"));
        assertArrayEquals(body.getBytes(StandardCharsets.UTF_8), w.lastRequestBody());

        Map<String, Object> all = obj(post(url(0, "/v1/chat/completions"), "{\"messages\":[]}").body());
        assertEquals("stop", first(all.get("choices")).get("finish_reason"));
        assertEquals(8, map(all.get("usage")).get("completion_tokens"));
        assertEquals("mock-model", all.get("model"));
    }

    @Test
    void completionShape() throws Exception {
        Map<String, Object> j = obj(post(url(1, "/v1/completions"), "{\"prompt\":\"abcd\",\"max_completion_tokens\":2}").body());
        assertEquals("text_completion", j.get("object"));
        Map<String, Object> c = first(j.get("choices"));
        assertEquals("tok0 tok1", c.get("text"));
        assertEquals("length", c.get("finish_reason"));
        assertEquals(1, map(j.get("usage")).get("prompt_tokens"));
        assertEquals(400, post(url(1, "/v1/completions"), "{}").statusCode());
    }

    @Test
    void chatStreamEventsInOrder() throws Exception {
        HttpResponse<String> r = post(url(0, "/v1/chat/completions"),
                "{\"stream\":true,\"max_tokens\":2,\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(200, r.statusCode());
        assertEquals("text/event-stream", r.headers().firstValue("content-type").orElseThrow());
        List<String> ev = events(r.body());
        assertEquals(6, ev.size(), r.body());
        Map<String, Object> role = obj(ev.get(0));
        assertEquals("chat.completion.chunk", role.get("object"));
        assertEquals("assistant", map(first(role.get("choices")).get("delta")).get("role"));
        assertEquals("tok0", map(first(obj(ev.get(1)).get("choices")).get("delta")).get("content"));
        assertEquals(" tok1", map(first(obj(ev.get(2)).get("choices")).get("delta")).get("content"));
        assertEquals("length", first(obj(ev.get(3)).get("choices")).get("finish_reason"));
        Map<String, Object> usage = obj(ev.get(4));
        assertEquals(List.of(), usage.get("choices"));
        assertEquals(2, map(usage.get("usage")).get("completion_tokens"));
        assertEquals("[DONE]", ev.get(5));
    }

    @Test
    void streamIsIncremental() throws Exception {
        fleet.worker(1).setTokenDelayMs(150);
        HttpResponse<InputStream> r = HTTP.send(postReq(url(1, "/v1/completions"),
                "{\"prompt\":\"x\",\"stream\":true,\"max_tokens\":5}").build(), HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            String line = in.readLine();
            long firstAt = System.nanoTime();
            assertTrue(line.startsWith("data: {"), line);
            assertEquals("tok0", first(obj(line.substring(6)).get("choices")).get("text"));
            String last = null;
            int events = 1;
            for (String l; (l = in.readLine()) != null; ) {
                if (l.startsWith("data: ")) {
                    events++;
                    last = l;
                }
            }
            long restMs = (System.nanoTime() - firstAt) / 1_000_000;
            assertEquals("data: [DONE]", last);
            assertEquals(7, events);
            assertTrue(restMs >= 500, "stream after the first event took only " + restMs + " ms");
        }
    }

    @Test
    void generateNativeShapes() throws Exception {
        Map<String, Object> j = obj(post(url(0, "/generate"), "{\"text\":\"hello\",\"sampling_params\":{\"max_new_tokens\":2}}").body());
        assertEquals("tok0 tok1", j.get("text"));
        Map<String, Object> meta = map(j.get("meta_info"));
        assertEquals(2, meta.get("prompt_tokens"));
        assertEquals(2, meta.get("completion_tokens"));
        assertEquals(Map.of("type", "length", "length", 2), meta.get("finish_reason"));
        assertTrue(meta.get("id") instanceof String);

        Map<String, Object> ids = obj(post(url(0, "/generate"), "{\"input_ids\":[1,2,3,4,5]}").body());
        assertEquals(5, map(ids.get("meta_info")).get("prompt_tokens"));
        assertEquals(8, map(ids.get("meta_info")).get("completion_tokens"));

        List<String> ev = events(post(url(0, "/generate"), "{\"text\":\"a\",\"stream\":true,\"sampling_params\":{\"max_new_tokens\":3}}").body());
        assertEquals(4, ev.size());
        assertEquals("tok0", obj(ev.get(0)).get("text"));
        assertEquals("tok0 tok1 tok2", obj(ev.get(2)).get("text"));
        assertEquals("length", map(map(obj(ev.get(2)).get("meta_info")).get("finish_reason")).get("type"));
        assertEquals("[DONE]", ev.get(3));
        assertEquals(400, post(url(0, "/generate"), "{\"stream\":true}").statusCode());
    }

    @Test
    void embeddingsRerankClassify() throws Exception {
        Map<String, Object> e = obj(post(url(0, "/v1/embeddings"), "{\"model\":\"e\",\"input\":[\"a\",\"b\",\"a\"]}").body());
        assertEquals("list", e.get("object"));
        List<?> data = (List<?>) e.get("data");
        assertEquals(3, data.size());
        Map<String, Object> d0 = map(data.get(0));
        assertEquals("embedding", d0.get("object"));
        assertEquals(0, d0.get("index"));
        assertEquals(8, ((List<?>) d0.get("embedding")).size());
        assertEquals(d0.get("embedding"), map(data.get(2)).get("embedding"));
        assertNotEquals(d0.get("embedding"), map(data.get(1)).get("embedding"));
        assertTrue(map(e.get("usage")).containsKey("prompt_tokens"));
        assertEquals(1, ((List<?>) obj(post(url(0, "/v1/embeddings"), "{\"input\":\"one\"}").body()).get("data")).size());

        for (String p : List.of("/v1/rerank", "/rerank")) {
            List<?> rr = (List<?>) JSON.std.anyFrom(post(url(0, p), "{\"query\":\"red cat\",\"documents\":[\"blue dog\",\"a red cat\"]}").body());
            assertEquals(2, rr.size());
            Map<String, Object> top = map(rr.get(0));
            assertEquals(1, top.get("index"));
            assertEquals("a red cat", top.get("document"));
            assertTrue(((Number) top.get("relevance_score")).doubleValue() > ((Number) map(rr.get(1)).get("relevance_score")).doubleValue());
        }
        Map<String, Object> c = obj(post(url(0, "/v1/classify"), "{\"input\":[\"x\",\"y\"]}").body());
        assertEquals(2, ((List<?>) c.get("data")).size());
        assertEquals(2, ((List<?>) first(c.get("data")).get("probs")).size());
        assertEquals(5, fleet.worker(0).requestCount());
    }

    @Test
    void malformedUnknownAndWrongMethod() throws Exception {
        HttpResponse<String> bad = post(url(0, "/v1/chat/completions"), "{not json");
        assertEquals(400, bad.statusCode());
        Map<String, Object> err = map(obj(bad.body()).get("error"));
        assertEquals(400, err.get("code"));
        assertEquals("BadRequestError", err.get("type"));
        assertTrue(err.get("message") instanceof String);
        assertEquals(400, post(url(0, "/v1/chat/completions"), "[1,2]").statusCode());
        HttpResponse<String> nf = get(url(0, "/no/such/path"));
        assertEquals(404, nf.statusCode());
        assertEquals(404, map(obj(nf.body()).get("error")).get("code"));
        assertTrue(nf.headers().firstValue("x-mock-worker").isPresent());
        assertEquals(405, get(url(0, "/v1/chat/completions")).statusCode());
    }

    @Test
    void statusFault() throws Exception {
        fleet.worker(1).setFault(Fault.status(500));
        HttpResponse<String> r = post(url(1, "/v1/chat/completions"), "{\"messages\":[]}");
        assertEquals(500, r.statusCode());
        assertEquals("InternalServerError", map(obj(r.body()).get("error")).get("type"));
        assertEquals(1, fleet.worker(1).requestCount());
        assertEquals(200, get(url(1, "/health")).statusCode());
        assertEquals(200, post(url(0, "/v1/chat/completions"), "{\"messages\":[]}").statusCode());
    }

    @Test
    void hangFaultUntilCleared() throws Exception {
        MockWorker w = fleet.worker(0);
        w.setFault(Fault.HANG);
        HttpRequest req = postReq(url(0, "/v1/completions"), "{\"prompt\":\"x\"}").timeout(Duration.ofMillis(300)).build();
        long t0 = System.nanoTime();
        assertThrows(HttpTimeoutException.class, () -> HTTP.send(req, HttpResponse.BodyHandlers.ofString()));
        assertTrue((System.nanoTime() - t0) / 1_000_000 >= 250);
        assertEquals(1, w.activeRequests());
        var parked = HTTP.sendAsync(postReq(url(0, "/v1/completions"), "{\"prompt\":\"x\"}").build(), HttpResponse.BodyHandlers.ofString());
        Thread.sleep(100);
        assertFalse(parked.isDone());
        w.setFault(Fault.NONE);
        assertEquals(200, parked.get().statusCode());
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (w.activeRequests() > 0 && System.nanoTime() < deadline) Thread.sleep(10);
        assertEquals(0, w.activeRequests());
    }

    @Test
    void truncateFault() throws Exception {
        fleet.worker(2).setFault(Fault.TRUNCATE);
        HttpResponse<InputStream> r = HTTP.send(postReq(url(2, "/v1/chat/completions"),
                "{\"stream\":true,\"messages\":[]}").build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        StringBuilder got = new StringBuilder();
        boolean failed = false;
        try (InputStream in = r.body()) {
            byte[] buf = new byte[4096];
            for (int n; (n = in.read(buf)) > 0; ) got.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        } catch (IOException expected) {
            failed = true;
        }
        assertTrue(failed, "a truncated chunked stream must end with an I/O error");
        assertTrue(got.toString().contains("tok1"), got.toString());
        assertFalse(got.toString().contains("[DONE]"));
        assertThrows(IOException.class, () -> post(url(2, "/v1/chat/completions"), "{\"messages\":[]}"));
    }

    @Test
    void garbageUnhealthyAndSlowFaults() throws Exception {
        MockWorker w = fleet.worker(1);
        w.setFault(Fault.GARBAGE);
        HttpResponse<String> g = post(url(1, "/v1/chat/completions"), "{\"messages\":[]}");
        assertEquals(200, g.statusCode());
        assertThrows(IOException.class, () -> JSON.std.anyFrom(g.body()));

        w.setFault(Fault.UNHEALTHY);
        assertEquals(503, get(url(1, "/health")).statusCode());
        assertEquals(200, post(url(1, "/v1/chat/completions"), "{\"messages\":[]}").statusCode());

        w.setFault(Fault.slow(300));
        long t0 = System.nanoTime();
        assertEquals(200, post(url(1, "/v1/chat/completions"), "{\"messages\":[]}").statusCode());
        assertTrue((System.nanoTime() - t0) / 1_000_000 >= 280);

        w.setFault(Fault.NONE);
        w.setGenMs(200);
        t0 = System.nanoTime();
        assertEquals(200, post(url(1, "/v1/completions"), "{\"prompt\":\"p\"}").statusCode());
        assertTrue((System.nanoTime() - t0) / 1_000_000 >= 180);
    }

    @Test
    void clientDroppingAStreamCountsACancel() throws Exception {
        MockWorker w = fleet.worker(2);
        w.setTokenDelayMs(30);
        w.setOutputTokens(300);
        HttpResponse<InputStream> r = HTTP.send(postReq(url(2, "/v1/chat/completions"),
                "{\"stream\":true,\"messages\":[]}").build(), HttpResponse.BodyHandlers.ofInputStream());
        InputStream in = r.body();
        BufferedReader br = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        assertTrue(br.readLine().startsWith("data: "));
        assertEquals(0, w.cancelledRequests());
        in.close();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (w.cancelledRequests() == 0 && System.nanoTime() < deadline) Thread.sleep(10);
        assertEquals(1, w.cancelledRequests());
        while (w.activeRequests() > 0 && System.nanoTime() < deadline) Thread.sleep(10);
        assertEquals(0, w.activeRequests());
    }

    @Test
    void faultEndpointAndStats() throws Exception {
        HttpResponse<String> set = post(url(0, "/mock/fault"), "{\"fault\":\"status\",\"status\":429}");
        assertEquals(200, set.statusCode());
        assertEquals(Fault.status(429), fleet.worker(0).fault());
        assertEquals(429, post(url(0, "/v1/chat/completions"), "{\"messages\":[]}").statusCode());
        Map<String, Object> stats = obj(get(url(0, "/mock/stats")).body());
        assertEquals("status(429)", stats.get("fault"));
        assertEquals(1, stats.get("requests"));
        assertEquals(0, stats.get("active"));
        assertEquals(0, stats.get("cancelled"));
        assertEquals(fleet.port(0), stats.get("port"));

        assertEquals(200, post(url(0, "/mock/fault"), "{\"fault\":\"hang\"}").statusCode());
        assertEquals(Fault.HANG, fleet.worker(0).fault());
        assertEquals(200, post(url(0, "/mock/fault"), "{\"fault\":\"slow\",\"ms\":5,\"token_delay_ms\":7}").statusCode());
        assertEquals(Fault.slow(5), fleet.worker(0).fault());
        assertEquals(7, fleet.worker(0).tokenDelayMs());
        assertEquals(400, post(url(0, "/mock/fault"), "{\"fault\":\"explode\"}").statusCode());
        assertEquals(400, post(url(0, "/mock/fault"), "{\"fault\":\"status\"}").statusCode());
        assertEquals(400, post(url(0, "/mock/fault"), "nope").statusCode());
        assertEquals(200, post(url(0, "/mock/fault"), "{\"fault\":\"none\"}").statusCode());
        assertEquals(Fault.NONE, fleet.worker(0).fault());
        assertEquals(200, post(url(0, "/v1/chat/completions"), "{\"messages\":[]}").statusCode());
    }

    @Test
    void vllmFlavour() throws Exception {
        try (MockFleet v = MockFleet.start(MockWorkerOptions.builder().httpBasePort(0).backend("vllm").model("llama").build())) {
            String base = v.urls().getFirst();
            assertEquals("vllm", first(obj(get(base + "/v1/models").body()).get("data")).get("owned_by"));
            assertEquals(200, get(base + "/version").statusCode());
            String metrics = get(base + "/metrics").body();
            for (String name : List.of("vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc")) {
                assertTrue(metrics.contains(name + "{model_name=\"llama\"}"), metrics);
            }
            assertFalse(metrics.contains("sglang:"));
        }
    }

    @Test
    void busyPortFailsAndCloseReleasesHungRequests() throws Exception {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> MockFleet.start(MockWorkerOptions.builder().httpBasePort(fleet.port(1)).build()));
        assertTrue(e.getMessage().contains(String.valueOf(fleet.port(1))), e.getMessage());

        MockFleet f = MockFleet.start(MockWorkerOptions.builder().httpBasePort(0).build());
        f.worker(0).setFault(Fault.HANG);
        var hung = HTTP.sendAsync(postReq(f.urls().getFirst() + "/generate", "{\"text\":\"x\"}").build(),
                HttpResponse.BodyHandlers.ofString());
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (f.worker(0).activeRequests() == 0 && System.nanoTime() < deadline) Thread.sleep(10);
        long t0 = System.nanoTime();
        f.close();
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 3000, "close took too long");
        try {
            HttpResponse<String> r = hung.get();
            fail("a hung request must not be answered, got " + r.statusCode());
        } catch (java.util.concurrent.ExecutionException expected) {
            assertTrue(expected.getCause() instanceof IOException, expected.toString());
        }
    }

    @Test
    void fleetOf200() throws Exception {
        long t0 = System.nanoTime();
        try (MockFleet big = MockFleet.start(MockWorkerOptions.builder().httpBasePort(0).httpCount(200).build())) {
            long startMs = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(200, big.size());
            assertEquals(200, big.urls().stream().distinct().count());
            List<java.util.concurrent.CompletableFuture<HttpResponse<Void>>> all = new ArrayList<>();
            for (String u : big.urls()) {
                all.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create(u + "/health")).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.discarding()));
            }
            for (int i = 0; i < all.size(); i++) {
                HttpResponse<Void> r = all.get(i).get();
                assertEquals(200, r.statusCode());
                assertEquals(String.valueOf(big.port(i)), r.headers().firstValue("x-mock-worker").orElseThrow());
            }
            assertTrue(startMs < 10_000, "200 workers took " + startMs + " ms to start");
        }
    }

    @Test
    void optionsValidateAndCommandDescribes() {
        assertThrows(IllegalArgumentException.class, () -> MockWorkerOptions.builder().backend("tgi").build());
        assertThrows(IllegalArgumentException.class, () -> MockWorkerOptions.builder().httpCount(0).build());
        assertThrows(IllegalArgumentException.class, () -> MockWorkerOptions.builder().httpBasePort(65535).httpCount(2).build());
        MockWorkerOptions d = MockWorkerOptions.defaults();
        assertEquals("127.0.0.1", d.host());
        assertEquals(9000, d.httpBasePort());
        assertEquals(8, d.outputTokens());
        assertEquals(d.toString(), d.toBuilder().build().toString());
        MockWorkerCommand cmd = new MockWorkerCommand();
        new picocli.CommandLine(cmd).parseArgs("--http-count", "64", "--backend", "vllm", "--token-delay-ms", "5", "--http-base-port", "0");
        MockWorkerOptions o = cmd.options();
        assertEquals(64, o.httpCount());
        assertEquals("vllm", o.backend());
        assertEquals(5, o.tokenDelayMs());
        assertEquals(0, o.httpBasePort());
        assertEquals(3, MockWorkerCommand.describe(fleet).lines().count());
    }
}
