package io.drover.workers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LoadMonitorTest {
    private static WorkerClient.Small ok(String body) {
        return new WorkerClient.Small(200, body.getBytes(StandardCharsets.UTF_8), "application/json");
    }

    @Test
    void sglangLoadReportsPerRankAreSummedAndUsageAveraged() {
        LoadSnapshot s = LoadMonitor.fromLoads(ok("{\"loads\":[{\"num_running_reqs\":3,\"num_waiting_reqs\":1,"
                + "\"token_usage\":0.5,\"gen_throughput\":100},{\"core\":{\"num_running_reqs\":2,"
                + "\"num_used_tokens\":300,\"max_total_num_tokens\":1000,\"num_waiting_uncached_tokens\":64}}]}"));
        assertEquals(5, s.running());
        assertEquals(1, s.waiting());
        assertEquals(0.4, s.tokenUsage(), 1e-9);
        assertEquals(64, s.waitingTokens());
        assertEquals(100, s.genThroughput(), 1e-9);
        assertNull(LoadMonitor.fromLoads(new WorkerClient.Small(404, new byte[0], null)));
        assertNull(LoadMonitor.fromLoads(ok("not json")));
    }

    @Test
    void prometheusGaugesOfSglangAndVllm() {
        LoadSnapshot v = LoadMonitor.fromMetrics("""
                # HELP vllm:num_requests_running x
                vllm:num_requests_running{model_name="m"} 7.0
                vllm:num_requests_waiting{model_name="m"} 2.0
                vllm:kv_cache_usage_perc{model_name="m"} 0.75
                """);
        assertEquals(7, v.running());
        assertEquals(2, v.waiting());
        assertEquals(0.75, v.tokenUsage(), 1e-9);
        LoadSnapshot g = LoadMonitor.fromMetrics("sglang:num_running_reqs 4\nsglang:num_queue_reqs 1\nsglang:token_usage 0.2\n");
        assertEquals(4, g.running());
        assertEquals(0.2, g.tokenUsage(), 1e-9);
        assertNull(LoadMonitor.fromMetrics("other_metric 1\n"));
    }
}
