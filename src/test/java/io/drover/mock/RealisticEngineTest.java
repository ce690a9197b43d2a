package io.drover.mock;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The realistic engine: tokenizer and block hashing, prefix cache, batching, KV limits, HTTP surface. */
@Timeout(20)
class RealisticEngineTest {
    private static String words(String prefix, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) sb.append(i == 0 ? "" : " ").append(prefix).append(i);
        return sb.toString();
    }

    @Test
    void tokenizerCountsWordsAndPunctuation() {
        assertEquals(0, PromptBlocks.countTokens("   "));
        assertEquals(5, PromptBlocks.countTokens("Hello, world 42!"));
        assertEquals(3, PromptBlocks.ofMessages(List.of(Map.of("role", "user", "content", "hi there")), 16).tokens());
    }

    @Test
    void blocksAreChainedOnTheWholePrefix() {
        PromptBlocks a = PromptBlocks.ofPrompt(words("a", 32) + " " + words("x", 16), 16);
        PromptBlocks b = PromptBlocks.ofPrompt(words("b", 32) + " " + words("x", 16), 16);
        PromptBlocks c = PromptBlocks.ofPrompt(words("a", 32) + " " + words("y", 20), 16);
        assertEquals(3, a.blockCount());
        assertEquals(3, c.blockCount()); // the 4 trailing tokens do not form a block
        assertNotEquals(a.block(2), b.block(2), "equal third block text, different prefix");
        assertEquals(a.block(1), c.block(1));
        assertNotEquals(a.block(2), c.block(2));
        PrefixCache cache = new PrefixCache();
        cache.insert(a, a.blockCount());
        assertEquals(2, cache.match(c));
        assertEquals(0, cache.match(b));
    }

    @Test
    void lruEvictsDeepestUnreferencedBlocksFirst() {
        PrefixCache cache = new PrefixCache();
        PromptBlocks a = PromptBlocks.ofPrompt(words("a", 48), 16);
        PromptBlocks b = PromptBlocks.ofPrompt(words("b", 32), 16);
        cache.insert(a, 3);
        cache.insert(b, 2);
        cache.pin(b, 2);
        assertTrue(cache.evictOne());
        assertEquals(2, cache.peek(a), "a's last block goes first");
        assertTrue(cache.evictOne());
        assertTrue(cache.evictOne());
        assertEquals(0, cache.peek(a));
        assertTrue(!cache.evictOne(), "b is pinned");
        assertEquals(2, cache.peek(b));
    }

    private static MockWorkerOptions.Builder fast() {
        return MockWorkerOptions.builder().engine("realistic").prefillTps(20_000).decodeBaseMs(2).decodePerReqMs(0)
                .prefillChunk(100_000);
    }

    @Test
    void prefillTimeFollowsUncachedTokensAndCachedTokensAreReported() throws Exception {
        try (Engine e = new Engine(fast().build())) {
            PromptBlocks p = PromptBlocks.ofPrompt(words("w", 4000), 16);
            long t0 = System.nanoTime();
            Engine.Request r1 = e.submit(p, 2);
            r1.awaitTokens(1);
            long cold = System.nanoTime() - t0;
            r1.awaitTokens(2);
            assertEquals(0, r1.cachedTokens());
            long t1 = System.nanoTime();
            Engine.Request r2 = e.submit(p, 2);
            r2.awaitTokens(1);
            long warm = System.nanoTime() - t1;
            r2.awaitTokens(2);
            assertEquals(3999, r2.cachedTokens(), "all 250 blocks, less the one token always computed");
            assertTrue(cold >= 190_000_000L, "4000 tokens at 20k tok/s take >= 200 ms: " + cold);
            assertTrue(warm < cold / 3, "cached prefill is much faster: " + warm + " vs " + cold);
            Engine.Stats s = e.stats();
            assertEquals(8000, s.promptTokens());
            assertEquals(3999, s.cachedTokens());
            assertEquals(4, s.generatedTokens());
            assertEquals(0, s.running());
        }
    }

    @Test
    void runningCapQueuesTheRest() throws Exception {
        try (Engine e = new Engine(fast().maxRunning(2).decodeBaseMs(5).build())) {
            Engine.Request[] rs = new Engine.Request[5];
            for (int i = 0; i < rs.length; i++) rs[i] = e.submit(PromptBlocks.ofPrompt("q" + i, 16), 20);
            Thread.sleep(30);
            Engine.Stats s = e.stats();
            assertEquals(2, s.running());
            assertEquals(3, s.waiting());
            for (Engine.Request r : rs) r.awaitTokens(21);
            assertEquals(0, e.stats().waiting());
        }
    }

    @Test
    void kvCapacityEvictsCachedPrefixes() throws Exception {
        try (Engine e = new Engine(fast().kvTokens(1000).build())) {
            PromptBlocks a = PromptBlocks.ofPrompt(words("a", 640), 16);
            PromptBlocks b = PromptBlocks.ofPrompt(words("b", 640), 16);
            e.submit(a, 1).awaitTokens(2);
            assertEquals(0, e.stats().usedTokens(), "a's 40 cached blocks are evictable, not used");
            assertEquals(40, e.stats().cachedBlocks());
            e.submit(b, 1).awaitTokens(2); // needs 641 tokens: a's blocks are evicted
            assertTrue(e.stats().usedTokens() <= 1000);
            Engine.Request again = e.submit(a, 1);
            again.awaitTokens(2);
            assertTrue(again.cachedTokens() < 640, "a was (at least partly) evicted: " + again.cachedTokens());
        }
    }

    @Test
    void httpAnswersReportCachedTokensAndLiveMetrics() throws Exception {
        try (MockFleet fleet = MockFleet.start(fast().httpBasePort(0).backend("vllm").build())) {
            HttpClient http = HttpClient.newHttpClient();
            String prompt = words("p", 300);
            String body = "{\"model\":\"m\",\"max_tokens\":3,\"messages\":[{\"role\":\"system\",\"content\":\"" + prompt
                    + "\"},{\"role\":\"user\",\"content\":\"hello\"}]}";
            HttpRequest req = HttpRequest.newBuilder(URI.create(fleet.urls().getFirst() + "/v1/chat/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            String first = http.send(req, HttpResponse.BodyHandlers.ofString()).body();
            String second = http.send(req, HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(first.contains("\"prompt_tokens\":303,"), first);
            assertTrue(first.contains("\"cached_tokens\":0}"), first);
            assertTrue(second.contains("\"cached_tokens\":288}"), second); // 18 full blocks of 16
            String metrics = http.send(HttpRequest.newBuilder(URI.create(fleet.urls().getFirst() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(metrics.contains("vllm:prefix_cache_hits_total{model_name=\"mock-model\"} 288.0"), metrics);
            assertTrue(metrics.contains("vllm:prefix_cache_queries_total{model_name=\"mock-model\"} 606.0"), metrics);
            assertTrue(metrics.contains("vllm:num_requests_waiting"), metrics);
            String gen = http.send(HttpRequest.newBuilder(URI.create(fleet.urls().getFirst() + "/generate"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"text\":\"" + prompt + "\",\"stream\":true}")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(gen.contains("\"cached_tokens\":0}") && gen.endsWith("data: [DONE]\n\n"), gen);
        }
    }
}
