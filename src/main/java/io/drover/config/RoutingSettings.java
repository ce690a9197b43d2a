package io.drover.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Settings of the routing policies, with SMG's names and CLI defaults, plus Drover's prefix-index
 * file. Immutable; read by the policy thread.
 *
 * @param cacheThreshold              cache_aware: least match ratio that keeps a request on the prefix's worker
 * @param balanceAbsThreshold         in-flight difference above which a worker counts as overloaded ...
 * @param balanceRelThreshold         ... when it also carries more than this many times the least load
 * @param balanceTokenUsageThreshold  KV usage difference to the least-used worker that counts as overloaded (1.0 = off)
 * @param overloadTokenUsageThreshold KV usage above which a worker counts as overloaded (1.0 = off)
 * @param evictionInterval            how often the prefix index and sticky keys are pruned
 * @param maxTreeSize                 prefix-index budget per model, in characters (SMG's unit)
 * @param blockSize                   tokens per block; text is indexed in blocks of 4 characters per token
 * @param prefixTokenCount            prefix_hash: leading tokens hashed
 * @param prefixHashLoadFactor        prefix_hash: load factor over the mean above which the ring's worker is skipped
 * @param maxIdle                     manual: a sticky key idle this long is forgotten
 * @param assignmentMode              manual: random, min_load or min_group
 * @param kvPressureWeight            least_load: weight of the KV-pressure term
 * @param defaultThroughput           least_load: tokens/s assumed when a worker reports none
 * @param meanPrefillTokens           least_load: tokens assumed per dispatched HTTP request
 * @param routingKeyOverride          a request with x-smg-routing-key is routed by a sticky key, whatever the policy
 * @param loadMonitorInterval         how often backend load is polled
 * @param prefixIndexPath             the prefix-index file (shared by the gateways of a host)
 * @param dpAware                     one logical worker per data-parallel rank ({@code url@rank})
 */
public record RoutingSettings(double cacheThreshold, int balanceAbsThreshold, double balanceRelThreshold,
                              double balanceTokenUsageThreshold, double overloadTokenUsageThreshold,
                              Duration evictionInterval, long maxTreeSize, int blockSize, int prefixTokenCount,
                              double prefixHashLoadFactor, Duration maxIdle, String assignmentMode,
                              double kvPressureWeight, double defaultThroughput, int meanPrefillTokens,
                              boolean routingKeyOverride, Duration loadMonitorInterval, Path prefixIndexPath,
                              boolean dpAware) {

    /** Characters per indexed block of HTTP text (about four characters per token). */
    public int charsPerBlock() {
        return blockSize * 4;
    }

    /** The per-model budget of the prefix index, in blocks. */
    public long maxBlocksPerModel() {
        return Math.max(1, maxTreeSize / charsPerBlock());
    }

    /** SMG's CLI defaults, and the prefix index under {@code ~/.drover}. */
    public static RoutingSettings defaults() {
        return new RoutingSettings(0.3, 64, 1.5, 1.0, 1.0, Duration.ofSeconds(120), 67_108_864L, 16, 256, 1.25,
                Duration.ofSeconds(14_400), "random", 0.15, 2000.0, 1024, false, Duration.ofSeconds(10),
                defaultIndexPath(), false);
    }

    /** {@code ~/.drover/prefix-index.dat}. */
    public static Path defaultIndexPath() {
        return Path.of(System.getProperty("user.home"), ".drover", "prefix-index.dat");
    }

    /** A copy with another index file. */
    public RoutingSettings withPrefixIndexPath(Path p) {
        return new RoutingSettings(cacheThreshold, balanceAbsThreshold, balanceRelThreshold,
                balanceTokenUsageThreshold, overloadTokenUsageThreshold, evictionInterval, maxTreeSize, blockSize,
                prefixTokenCount, prefixHashLoadFactor, maxIdle, assignmentMode, kvPressureWeight,
                defaultThroughput, meanPrefillTokens, routingKeyOverride, loadMonitorInterval, p, dpAware);
    }

    /** A copy with other balance thresholds. */
    public RoutingSettings withBalance(double threshold, int abs, double rel) {
        return new RoutingSettings(threshold, abs, rel, balanceTokenUsageThreshold, overloadTokenUsageThreshold,
                evictionInterval, maxTreeSize, blockSize, prefixTokenCount, prefixHashLoadFactor, maxIdle,
                assignmentMode, kvPressureWeight, defaultThroughput, meanPrefillTokens, routingKeyOverride,
                loadMonitorInterval, prefixIndexPath, dpAware);
    }

    /** A copy with --dp-aware on or off. */
    public RoutingSettings withDpAware(boolean on) {
        return new RoutingSettings(cacheThreshold, balanceAbsThreshold, balanceRelThreshold,
                balanceTokenUsageThreshold, overloadTokenUsageThreshold, evictionInterval, maxTreeSize, blockSize,
                prefixTokenCount, prefixHashLoadFactor, maxIdle, assignmentMode, kvPressureWeight,
                defaultThroughput, meanPrefillTokens, routingKeyOverride, loadMonitorInterval, prefixIndexPath, on);
    }

    /** A copy with the routing-key override on or off. */
    public RoutingSettings withRoutingKeyOverride(boolean on) {
        return new RoutingSettings(cacheThreshold, balanceAbsThreshold, balanceRelThreshold,
                balanceTokenUsageThreshold, overloadTokenUsageThreshold, evictionInterval, maxTreeSize, blockSize,
                prefixTokenCount, prefixHashLoadFactor, maxIdle, assignmentMode, kvPressureWeight,
                defaultThroughput, meanPrefillTokens, on, loadMonitorInterval, prefixIndexPath, dpAware);
    }

    /** A copy with another manual assignment mode. */
    public RoutingSettings withAssignmentMode(String mode) {
        return new RoutingSettings(cacheThreshold, balanceAbsThreshold, balanceRelThreshold,
                balanceTokenUsageThreshold, overloadTokenUsageThreshold, evictionInterval, maxTreeSize, blockSize,
                prefixTokenCount, prefixHashLoadFactor, maxIdle, mode, kvPressureWeight, defaultThroughput,
                meanPrefillTokens, routingKeyOverride, loadMonitorInterval, prefixIndexPath, dpAware);
    }
}
