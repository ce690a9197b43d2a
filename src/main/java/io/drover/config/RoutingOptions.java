package io.drover.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import picocli.CommandLine.Option;

/**
 * The routing-policy flags of the command line (SMG's names and defaults), mixed into
 * {@link LaunchCommand}. Parsed on the main thread; {@link #toSettings()} validates them.
 */
public final class RoutingOptions {
    private static final Set<String> ASSIGNMENT_MODES = Set.of("random", "min_load", "min_group");

    @Option(names = "--cache-threshold", defaultValue = "0.3",
            description = "cache_aware: least prefix-match ratio that keeps a request on its worker.")
    double cacheThreshold;

    @Option(names = "--balance-abs-threshold", defaultValue = "64",
            description = "A worker with this many more requests in flight than the least loaded ...")
    int balanceAbsThreshold;

    @Option(names = "--balance-rel-threshold", defaultValue = "1.5",
            description = "... and this many times its load counts as overloaded.")
    double balanceRelThreshold;

    @Option(names = "--balance-token-usage-threshold", defaultValue = "1.0",
            description = "KV-usage difference to the least used worker that counts as overloaded (1.0 = off).")
    double balanceTokenUsageThreshold;

    @Option(names = "--overload-token-usage-threshold", defaultValue = "1.0",
            description = "KV usage above which a worker counts as overloaded (1.0 = off).")
    double overloadTokenUsageThreshold;

    @Option(names = "--eviction-interval", defaultValue = "120",
            description = "Seconds between prunings of the prefix index and of idle sticky keys.")
    long evictionInterval;

    @Option(names = "--max-tree-size", defaultValue = "67108864",
            description = "Prefix-index budget per model, in characters.")
    long maxTreeSize;

    @Option(names = "--block-size", defaultValue = "16",
            description = "Tokens per prefix block (HTTP text: 4 characters per token).")
    int blockSize;

    @Option(names = "--prefix-token-count", defaultValue = "256", description = "prefix_hash: leading tokens hashed.")
    int prefixTokenCount;

    @Option(names = "--prefix-hash-load-factor", defaultValue = "1.25",
            description = "prefix_hash: skip the ring's worker above this multiple of the mean load.")
    double prefixHashLoadFactor;

    @Option(names = "--max-idle-secs", defaultValue = "14400", description = "manual: forget a sticky key idle this long.")
    long maxIdleSecs;

    @Option(names = "--assignment-mode", defaultValue = "random",
            description = "manual: how a new key is placed: random, min_load, min_group.")
    String assignmentMode;

    @Option(names = "--least-load-kv-pressure-weight", defaultValue = "0.15", description = "least_load: KV-pressure weight.")
    double kvPressureWeight;

    @Option(names = "--least-load-default-throughput", defaultValue = "2000.0",
            description = "least_load: tokens/s assumed when a worker reports none.")
    double defaultThroughput;

    @Option(names = "--least-load-mean-prefill-tokens", defaultValue = "1024",
            description = "least_load: tokens assumed per dispatched HTTP request.")
    int meanPrefillTokens;

    @Option(names = "--routing-key-override", defaultValue = "false",
            description = "Requests with x-smg-routing-key are routed by a sticky key, whatever the policy.")
    boolean routingKeyOverride;

    @Option(names = "--load-monitor-interval", defaultValue = "10", description = "Seconds between backend load polls.")
    long loadMonitorInterval;

    @Option(names = "--dp-aware", defaultValue = "false",
            description = "One logical worker per data-parallel rank (url@rank; data_parallel_rank set in the body).")
    boolean dpAware;

    @Option(names = "--prefix-index-path", paramLabel = "FILE",
            description = "Drover: the prefix-index file, shared by the gateways of a host (default ~/.drover/prefix-index.dat).")
    Path prefixIndexPath;

    /** Validates and builds the settings; throws {@link IllegalArgumentException} naming the flag. */
    public RoutingSettings toSettings() {
        check(cacheThreshold >= 0 && cacheThreshold <= 1, "--cache-threshold must be between 0 and 1");
        check(balanceAbsThreshold >= 0, "--balance-abs-threshold must be 0 or more");
        check(balanceRelThreshold >= 1, "--balance-rel-threshold must be 1 or more");
        check(balanceTokenUsageThreshold >= 0 && balanceTokenUsageThreshold <= 1,
                "--balance-token-usage-threshold must be between 0 and 1");
        check(overloadTokenUsageThreshold >= 0 && overloadTokenUsageThreshold <= 1,
                "--overload-token-usage-threshold must be between 0 and 1");
        check(evictionInterval >= 1, "--eviction-interval must be at least 1");
        check(maxTreeSize >= 1024, "--max-tree-size must be at least 1024");
        check(blockSize >= 1 && blockSize <= 4096, "--block-size must be between 1 and 4096");
        check(prefixTokenCount >= 1, "--prefix-token-count must be at least 1");
        check(prefixHashLoadFactor >= 1, "--prefix-hash-load-factor must be 1 or more");
        check(maxIdleSecs >= 1, "--max-idle-secs must be at least 1");
        check(ASSIGNMENT_MODES.contains(assignmentMode), "--assignment-mode must be one of " + ASSIGNMENT_MODES);
        check(kvPressureWeight >= 0, "--least-load-kv-pressure-weight must be 0 or more");
        check(defaultThroughput > 0, "--least-load-default-throughput must be positive");
        check(meanPrefillTokens >= 1, "--least-load-mean-prefill-tokens must be at least 1");
        check(loadMonitorInterval >= 1, "--load-monitor-interval must be at least 1");
        return new RoutingSettings(cacheThreshold, balanceAbsThreshold, balanceRelThreshold,
                balanceTokenUsageThreshold, overloadTokenUsageThreshold, Duration.ofSeconds(evictionInterval),
                maxTreeSize, blockSize, prefixTokenCount, prefixHashLoadFactor, Duration.ofSeconds(maxIdleSecs),
                assignmentMode, kvPressureWeight, defaultThroughput, meanPrefillTokens, routingKeyOverride,
                Duration.ofSeconds(loadMonitorInterval),
                prefixIndexPath != null ? prefixIndexPath : RoutingSettings.defaultIndexPath(), dpAware);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
