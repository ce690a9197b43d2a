package io.drover.bench;

import io.drover.mock.MockFleet;
import io.drover.mock.MockWorkerOptions;
import io.drover.mock.PromptBlocks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Workload generation, the oracle router and the streaming client, against a small realistic fleet. */
@Timeout(30)
class WorkloadsTest {
    @TempDir
    Path dir;

    @Test
    void traceHashIdsBecomeSharedTextPrefixesOfTheRightLength() throws Exception {
        Path trace = dir.resolve("t.jsonl");
        Files.writeString(trace, """
                {"timestamp": 0, "input_length": 1100, "output_length": 5, "hash_ids": [0, 1, 2]}
                {"timestamp": 500, "input_length": 1300, "output_length": 7, "hash_ids": [0, 1, 3]}
                {"timestamp": 900, "input_length": 700, "output_length": 9, "hash_ids": [4, 5]}
                """);
        List<Workloads.Item> items = Workloads.mooncake(trace, 10, 2.0, 6);
        assertEquals(3, items.size());
        assertEquals(250_000_000L, items.get(1).arrivalNanos());
        assertEquals(6, items.get(1).maxTokens());
        PromptBlocks a = Workloads.Item.blocks(items.get(0).messages(), 16);
        PromptBlocks b = Workloads.Item.blocks(items.get(1).messages(), 16);
        PromptBlocks c = Workloads.Item.blocks(items.get(2).messages(), 16);
        assertEquals(1100, a.tokens());
        assertEquals(1300, b.tokens());
        assertEquals(700, c.tokens());
        for (int i = 0; i < 64; i++) assertEquals(a.block(i), b.block(i), "two shared 512-token blocks");
        assertNotEquals(a.block(64), b.block(64));
        assertNotEquals(a.block(0), c.block(0));
        assertEquals(items.get(0).messages().getFirst()[1], Workloads.mooncake(trace, 1, 1, 0).getFirst().messages().getFirst()[1]);
    }

    @Test
    void generatedSharedPrefixGroupsShareTheirSystemPrompt() {
        List<Workloads.Item> items = Workloads.generatedSharedPrefix(3, 4, 100, 10, 16, 7);
        assertEquals(12, items.size());
        long distinctSystems = items.stream().map(i -> i.messages().getFirst()[1]).distinct().count();
        assertEquals(3, distinctSystems);
        assertEquals(101 + 11, Workloads.Item.blocks(items.getFirst().messages(), 16).tokens());
    }

    @Test
    void oracleFollowsTheCacheWithinTheLoadSlack() {
        Oracle o = new Oracle(3, 1 << 20, 16, 1);
        List<Workloads.Item> gsp = Workloads.generatedSharedPrefix(1, 3, 200, 5, 4, 3);
        PromptBlocks p0 = Workloads.Item.blocks(gsp.get(0).messages(), 16);
        PromptBlocks p1 = Workloads.Item.blocks(gsp.get(1).messages(), 16);
        int w = o.pick(p0);
        o.done(w);
        assertEquals(w, o.pick(p1), "same system prompt: same worker");
        int other = o.pick(p1); // w is now 1 in flight, others 0: within slack 1, still the cached one
        assertEquals(w, other);
        assertNotEquals(w, o.pick(p1), "w at 2 in flight exceeds min + slack");
        assertEquals(0.0, WorkloadGen.cv(List.of(5L, 5L, 5L)));
        assertTrue(WorkloadGen.cv(List.of(0L, 10L)) > 0.99);
    }

    @Test
    void streamClientTimesTokensAndReadsCachedTokens() throws Exception {
        try (MockFleet fleet = MockFleet.start(MockWorkerOptions.builder().httpBasePort(0).engine("realistic")
                .outputTokens(1000).decodeBaseMs(1).build())) {
            URI u = URI.create(fleet.urls().getFirst());
            List<Workloads.Item> items = Workloads.generatedSharedPrefix(1, 2, 300, 5, 6, 1);
            StreamClient c = new StreamClient(u.getHost(), u.getPort(), 5000);
            StreamClient.Result r = new StreamClient.Result();
            c.exchange(c.request("/v1/chat/completions", items.get(0).body("m", true)), r);
            assertEquals(200, r.status);
            assertTrue(r.sawDone);
            assertEquals(6, r.tokenEvents);
            assertEquals(6, r.completionTokens);
            assertEquals(0, r.cachedTokens);
            assertEquals(u.getPort(), r.workerPort);
            c.exchange(c.request("/v1/chat/completions", items.get(1).body("m", false)), r);
            assertEquals(200, r.status);
            assertEquals(288, r.cachedTokens, "system prompt + role tokens: 18 full shared blocks");
            assertEquals(1, c.connectionsOpened());
            c.close();
        }
    }

    @Test
    void reportRendersSelfContainedHtml() {
        java.util.Map<String, Object> run = new java.util.LinkedHashMap<>();
        run.put("label", "rr<1>");
        run.put("ttftMillis", java.util.Map.of("p50", 1.0, "p99", 2.0));
        run.put("itlMillis", java.util.Map.of("p50", 1.0, "p99", 2.0));
        run.put("e2eMillis", java.util.Map.of("p50", 1.0, "p99", 2.0));
        run.put("ttftCdf", List.of(new double[] {0, 1}, new double[] {100, 3}));
        run.put("loadSamples", List.of(new double[] {0, 0, 1, 0, 0.1}, new double[] {1, 0, 2, 1, 0.1}));
        String html = Report.html(List.of(run));
        assertTrue(html.contains("rr&lt;1&gt;"));
        assertTrue(html.contains("<path d=\"M"));
        assertTrue(!html.contains("<script") && !html.contains("http://cdn"));
    }
}
