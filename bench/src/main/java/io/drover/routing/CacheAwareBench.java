package io.drover.routing;

import io.drover.config.RoutingSettings;
import io.drover.routing.prefix.BlockHashes;
import io.drover.routing.prefix.ChroniclePrefixIndex;
import io.drover.routing.prefix.PrefixIndex;
import io.drover.workers.TestWorkers;
import io.drover.workers.Worker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The policy thread's cost of cache-aware routing: a prefix-index match-and-insert for prompts of
 * 10 to 16,000 characters, and a whole {@code cache_aware} decision at 8 to 1,024 workers, against
 * the persisted Chronicle Map index. Run by JMH (see docs/PERFORMANCE.md); single-threaded, as the
 * policy thread is.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
    "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED", "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class CacheAwareBench {
    @Param({"10", "100", "1000", "16000"})
    int promptChars;

    @Param({"8", "64", "1024"})
    int workers;

    private Path dir;
    private ChroniclePrefixIndex index;
    private CacheAwarePolicy policy;
    private Worker[] candidates;
    private final BlockHashes hashes = new BlockHashes();
    private final PrefixIndex.Owners owners = new PrefixIndex.Owners();
    private String[] prompts;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("drover-jmh");
        index = ChroniclePrefixIndex.open(dir.resolve("p.dat"), 1 << 21, 1 << 21, Duration.ofHours(1));
        RoutingSettings s = RoutingSettings.defaults();
        policy = new CacheAwarePolicy(s, index, "m");
        candidates = new Worker[workers];
        for (int i = 0; i < workers; i++) {
            candidates[i] = TestWorkers.ready("http://10.0." + (i / 250) + "." + (i % 250) + ":8000", "m");
        }
        // 64 system prompts, each followed by varying questions: a realistic mix of hits and misses
        Random r = new Random(1);
        prompts = new String[1024];
        String[] systems = new String[64];
        for (int i = 0; i < systems.length; i++) {
            systems[i] = text(r, Math.max(1, promptChars * 3 / 4));
        }
        for (int i = 0; i < prompts.length; i++) {
            prompts[i] = (systems[i % systems.length] + text(r, promptChars)).substring(0, promptChars);
        }
        for (String p : prompts) { // warm the index with every prompt once
            policy.select(candidates, new RouteRequest("m", null, p));
        }
        index.flush();
    }

    private static String text(Random r, int n) {
        StringBuilder sb = new StringBuilder(n + 8);
        while (sb.length() < n) {
            sb.append("tok").append(r.nextInt(5000)).append(' ');
        }
        return sb.substring(0, n);
    }

    /** Hash the prompt, bisect the index for its longest match, record the insert. */
    @Benchmark
    public int matchAndInsert() {
        String p = prompts[next++ & (prompts.length - 1)];
        int n = hashes.ofText("m", p, 64);
        int d = index.longestMatch(hashes.hashes(), n, owners);
        index.insert(0x1234L, hashes.hashes(), n, 42L, d);
        return d;
    }

    /** A whole cache_aware decision over the candidates (load scan, match, choice, insert). */
    @Benchmark
    public int decision() {
        String p = prompts[next++ & (prompts.length - 1)];
        return policy.select(candidates, new RouteRequest("m", null, p));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        index.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
