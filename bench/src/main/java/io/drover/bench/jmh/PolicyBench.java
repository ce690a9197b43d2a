package io.drover.bench.jmh;

import io.drover.config.RoutingSettings;
import io.drover.routing.Policies;
import io.drover.routing.Policy;
import io.drover.routing.PolicyFactory;
import io.drover.routing.RouteRequest;
import io.drover.routing.RoutingEngine;
import io.drover.routing.prefix.ChroniclePrefixIndex;
import io.drover.routing.prefix.PrefixIndex;
import io.drover.workers.TestWorkers;
import io.drover.workers.Worker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One routing decision per policy at 8, 64 and 1,024 Ready workers: {@link #select} calls
 * {@link Policy#select} directly on the benchmark thread; {@link #engineRoundTrip} goes through
 * {@link RoutingEngine} (publish on the ring, the policy thread decides and unparks the caller, then the
 * release is published), which is what a request pays. Sample-time mode, so JMH reports p50/p99.
 * Prefix-aware policies get one of 256 distinct ~600-character routing texts per call, sharing a
 * 400-character prefix in groups of 16. Run by JMH, one benchmark thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PolicyBench {
    @Param({"random", "round_robin", "power_of_two", "least_load", "prefix_hash", "consistent_hashing", "bucket", "cache_aware"})
    public String policy;

    @Param({"8", "64", "1024"})
    public int workers;

    private Worker[] candidates;
    private Policy direct;
    private RoutingEngine engine;
    private PrefixIndex index;
    private Path indexDir;
    private String[] texts;
    private String[] keys;
    private int next;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        List<Worker> list = new ArrayList<>(workers);
        for (int i = 0; i < workers; i++) list.add(TestWorkers.ready("http://10.0." + (i / 250) + "." + (i % 250) + ":8000", "mock-model"));
        candidates = list.toArray(Worker[]::new);
        texts = new String[256];
        keys = new String[256];
        for (int i = 0; i < texts.length; i++) {
            StringBuilder sb = new StringBuilder("system: you are assistant number ").append(i / 16).append(". ");
            while (sb.length() < 400) sb.append("shared context ").append(i / 16).append(' ');
            sb.append("user: question ").append(i).append(' ');
            while (sb.length() < 600) sb.append("detail ").append(i).append(' ');
            texts[i] = sb.toString();
            keys[i] = "user-" + i;
        }
        RoutingSettings s = RoutingSettings.defaults();
        if (policy.equals("cache_aware")) {
            indexDir = Files.createTempDirectory("drover-jmh-index");
            index = ChroniclePrefixIndex.open(indexDir.resolve("index.dat"), 1 << 20, 1 << 19, Duration.ofHours(1));
        }
        PolicyFactory f = Policies.factory(policy, s, index);
        direct = f.create("mock-model");
        direct.onWorkersChanged(list);
        engine = new RoutingEngine(Policies.factory(policy, s, index), null).start();
        engine.workersChanged(list);
        for (int i = 0; i < 1000; i++) { // the snapshot is applied asynchronously
            RouteRequest r = request();
            if (engine.route(r) == RouteRequest.Outcome.ROUTED) {
                engine.release(r.worker());
                return;
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException("the routing engine never routed");
    }

    private RouteRequest request() {
        int k = next++ & 255;
        return new RouteRequest("mock-model", keys[k], texts[k], null, null, keys[k]);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        engine.close();
        if (index != null) index.close();
        if (indexDir != null) {
            try (var files = Files.walk(indexDir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Policy.select on the benchmark thread (no ring, no load accounting). */
    @Benchmark
    public int select() {
        return direct.select(candidates, request());
    }

    /** RoutingEngine.route and release: the ring round trip a request pays. */
    @Benchmark
    public Worker engineRoundTrip() {
        RouteRequest r = request();
        engine.route(r);
        Worker w = r.worker();
        if (w != null) engine.release(w);
        return w;
    }
}
