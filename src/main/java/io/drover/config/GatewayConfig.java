package io.drover.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The gateway's settings after the command line and the {@code --config} file have been merged.
 * Immutable; built once by {@link LaunchCommand} on the main thread and read from any thread.
 *
 * @param host                  address the data-plane listener binds
 * @param port                  data-plane port
 * @param workerUrls            workers registered at start
 * @param policy                routing policy name (SMG's names)
 * @param prometheusHost        address of the metrics listener
 * @param prometheusPort        port of the metrics listener (0 = ephemeral, -1 = off)
 * @param apiKey                key sent to workers as {@code Authorization: Bearer}, or null
 * @param requestTimeout        whole-request upstream timeout
 * @param maxPayloadSize        largest request body accepted, in bytes
 * @param requestIdHeaders      headers a request id is taken from, in order
 * @param logLevel              root log level
 * @param logJson               JSON log lines
 * @param logDir                directory for a log file, or null for stderr only
 * @param shutdownGracePeriod   how long in-flight requests may finish after SIGTERM
 * @param corsAllowedOrigins    origins allowed by CORS (empty = CORS off)
 * @param modelAliases          alias → canonical model id
 * @param health                periodic health-probe settings
 * @param mockWorkers           bundled mock workers to start when no worker is given (0 = none)
 * @param routing               routing-policy settings
 * @param resilience            circuit breaker, retries, upstream timeouts, worker lifecycle
 */
public record GatewayConfig(
        String host,
        int port,
        List<String> workerUrls,
        String policy,
        String prometheusHost,
        int prometheusPort,
        String apiKey,
        Duration requestTimeout,
        long maxPayloadSize,
        List<String> requestIdHeaders,
        String logLevel,
        boolean logJson,
        Path logDir,
        Duration shutdownGracePeriod,
        List<String> corsAllowedOrigins,
        Map<String, String> modelAliases,
        HealthSettings health,
        int mockWorkers,
        RoutingSettings routing,
        ResilienceSettings resilience) {

    /** SMG's default list of headers a request id is read from. */
    public static final List<String> DEFAULT_REQUEST_ID_HEADERS =
            List.of("x-request-id", "x-correlation-id", "x-trace-id", "request-id");

    public GatewayConfig {
        workerUrls = List.copyOf(workerUrls);
        requestIdHeaders = requestIdHeaders.stream().map(h -> h.toLowerCase(java.util.Locale.ROOT)).toList();
        corsAllowedOrigins = List.copyOf(corsAllowedOrigins);
        modelAliases = Map.copyOf(modelAliases);
    }

    /**
     * Health-probe settings (SMG's flags and defaults).
     *
     * @param interval          time between probes of one worker
     * @param timeout           one probe's timeout
     * @param endpoint          path probed with GET
     * @param failureThreshold  consecutive failures that take a Ready worker out of rotation
     * @param successThreshold  consecutive successes that bring a NotReady worker back
     * @param disabled          no periodic probes (workers are Ready once registered)
     */
    public record HealthSettings(Duration interval, Duration timeout, String endpoint,
                                 int failureThreshold, int successThreshold, boolean disabled) {
        /** Defaults of SMG: every 60 s, 5 s timeout, /health, 3 failures, 2 successes. */
        public static HealthSettings defaults() {
            return new HealthSettings(Duration.ofSeconds(60), Duration.ofSeconds(5), "/health", 3, 2, false);
        }
    }

    /** A configuration for tests and embedding: loopback, ephemeral ports, no workers, no mock fleet. */
    public static GatewayConfig forTests() {
        return new GatewayConfig("127.0.0.1", 0, List.of(), "round_robin", "127.0.0.1", 0, null,
                Duration.ofSeconds(1800), 536_870_912L, DEFAULT_REQUEST_ID_HEADERS, "warning", false, null,
                Duration.ofSeconds(5), List.of(), Map.of(), HealthSettings.defaults(), 0, testRouting(),
                ResilienceSettings.defaults());
    }

    /** Routing defaults for tests: a small prefix index in a fresh temporary file. */
    private static RoutingSettings testRouting() {
        Path file = Path.of(System.getProperty("java.io.tmpdir"), "drover-test-" + java.util.UUID.randomUUID(),
                "prefix-index.dat");
        RoutingSettings d = RoutingSettings.defaults().withPrefixIndexPath(file);
        return new RoutingSettings(d.cacheThreshold(), d.balanceAbsThreshold(), d.balanceRelThreshold(),
                d.balanceTokenUsageThreshold(), d.overloadTokenUsageThreshold(), d.evictionInterval(), 1 << 20,
                d.blockSize(), d.prefixTokenCount(), d.prefixHashLoadFactor(), d.maxIdle(), d.assignmentMode(),
                d.kvPressureWeight(), d.defaultThroughput(), d.meanPrefillTokens(), d.routingKeyOverride(),
                d.loadMonitorInterval(), file, false);
    }

    /** A copy with other routing settings. */
    public GatewayConfig withRouting(RoutingSettings r) {
        return new GatewayConfig(host, port, workerUrls, policy, prometheusHost, prometheusPort, apiKey, requestTimeout,
                maxPayloadSize, requestIdHeaders, logLevel, logJson, logDir, shutdownGracePeriod, corsAllowedOrigins,
                modelAliases, health, mockWorkers, r, resilience);
    }

    /** A copy with other workers. */
    public GatewayConfig withWorkerUrls(List<String> urls) {
        return new GatewayConfig(host, port, urls, policy, prometheusHost, prometheusPort, apiKey, requestTimeout,
                maxPayloadSize, requestIdHeaders, logLevel, logJson, logDir, shutdownGracePeriod, corsAllowedOrigins,
                modelAliases, health, mockWorkers, routing, resilience);
    }

    /** A copy with another policy. */
    public GatewayConfig withPolicy(String name) {
        return new GatewayConfig(host, port, workerUrls, name, prometheusHost, prometheusPort, apiKey, requestTimeout,
                maxPayloadSize, requestIdHeaders, logLevel, logJson, logDir, shutdownGracePeriod, corsAllowedOrigins,
                modelAliases, health, mockWorkers, routing, resilience);
    }

    /** A copy with other health settings. */
    public GatewayConfig withHealth(HealthSettings h) {
        return new GatewayConfig(host, port, workerUrls, policy, prometheusHost, prometheusPort, apiKey, requestTimeout,
                maxPayloadSize, requestIdHeaders, logLevel, logJson, logDir, shutdownGracePeriod, corsAllowedOrigins,
                modelAliases, h, mockWorkers, routing, resilience);
    }

    /** A copy with other limits. */
    public GatewayConfig withLimits(long maxPayload, Duration timeout, Duration grace) {
        return new GatewayConfig(host, port, workerUrls, policy, prometheusHost, prometheusPort, apiKey, timeout,
                maxPayload, requestIdHeaders, logLevel, logJson, logDir, grace, corsAllowedOrigins,
                modelAliases, health, mockWorkers, routing, resilience);
    }

    /** A copy with another worker API key and model aliases. */
    public GatewayConfig withApiKeyAndAliases(String key, Map<String, String> aliases) {
        return new GatewayConfig(host, port, workerUrls, policy, prometheusHost, prometheusPort, key, requestTimeout,
                maxPayloadSize, requestIdHeaders, logLevel, logJson, logDir, shutdownGracePeriod, corsAllowedOrigins,
                aliases, health, mockWorkers, routing, resilience);
    }

    /** A copy with other failure-handling settings. */
    public GatewayConfig withResilience(ResilienceSettings r) {
        return new GatewayConfig(host, port, workerUrls, policy, prometheusHost, prometheusPort, apiKey, requestTimeout,
                maxPayloadSize, requestIdHeaders, logLevel, logJson, logDir, shutdownGracePeriod, corsAllowedOrigins,
                modelAliases, health, mockWorkers, routing, r);
    }
}
