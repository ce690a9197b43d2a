package io.drover.bench.jmh;

import io.drover.ingress.RequestSummary;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Body field extraction on the request path: {@link RequestSummary#parse} (model, stream flag and, for
 * prefix-aware policies, the routing text) on a small chat body and on a 16 KB one. Run by JMH
 * ({@code mvn -Pbench test-compile exec:exec -Djmh.args='RequestSummaryBench ...'}), one thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RequestSummaryBench {
    @Param({"small", "16k"})
    public String body;

    private byte[] bytes;

    @Setup
    public void setup() {
        String small = "{\"model\":\"mock-model\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}],\"max_tokens\":8,\"stream\":true}";
        if (body.equals("small")) {
            bytes = small.getBytes(StandardCharsets.UTF_8);
            return;
        }
        StringBuilder sb = new StringBuilder("{\"model\":\"mock-model\",\"stream\":true,\"max_tokens\":64,\"messages\":[");
        sb.append("{\"role\":\"system\",\"content\":\"");
        int i = 0;
        while (sb.length() < 12 * 1024) sb.append("word").append(i++).append(i % 17 == 0 ? ".\\n" : " ");
        sb.append("\"},{\"role\":\"user\",\"content\":\"");
        while (sb.length() < 16 * 1024 - 40) sb.append("q").append(i++).append(' ');
        sb.append("\"}]}");
        bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Model and stream flag only (what non-prefix policies need). */
    @Benchmark
    public RequestSummary modelAndStream() throws RequestSummary.Malformed {
        return RequestSummary.parse(bytes, false);
    }

    /** Also the routing text of the whole conversation (cache_aware, prefix_hash, bucket). */
    @Benchmark
    public RequestSummary withRoutingText() throws RequestSummary.Malformed {
        return RequestSummary.parse(bytes, true);
    }
}
