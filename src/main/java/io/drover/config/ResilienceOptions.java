package io.drover.config;

import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * Command-line options for failure handling, mixed into {@link LaunchCommand}: SMG's circuit
 * breaker, retry, health-lifecycle and health-port flags with SMG's defaults, plus three Drover
 * extensions for upstream timeouts, and SMG's Kubernetes service-discovery flags. Parsed on the main thread; {@link #toSettings} validates.
 */
public class ResilienceOptions {
    @Option(names = "--cb-failure-threshold", defaultValue = "10",
            description = "Consecutive failures that open a worker's circuit breaker.")
    int cbFailureThreshold;

    @Option(names = "--cb-success-threshold", defaultValue = "3",
            description = "Consecutive successes that close a half-open breaker (also the probes let through at once).")
    int cbSuccessThreshold;

    @Option(names = "--cb-timeout-duration-secs", defaultValue = "60",
            description = "Seconds an open breaker waits before letting probe requests through.")
    long cbTimeoutSecs;

    @Option(names = "--cb-window-duration-secs", defaultValue = "120",
            description = "A failure streak older than this starts over.")
    long cbWindowSecs;

    @Option(names = "--disable-circuit-breaker", defaultValue = "false", description = "No circuit breaker.")
    boolean disableCircuitBreaker;

    @Option(names = "--retry-max-retries", defaultValue = "5",
            description = "Attempts per request in total, the first included.")
    int retryMaxRetries;

    @Option(names = "--retry-initial-backoff-ms", defaultValue = "50", description = "Delay before the second attempt.")
    long retryInitialBackoffMs;

    @Option(names = "--retry-max-backoff-ms", defaultValue = "30000", description = "Largest delay between attempts.")
    long retryMaxBackoffMs;

    @Option(names = "--retry-backoff-multiplier", defaultValue = "1.5", description = "Delay growth per attempt.")
    double retryBackoffMultiplier;

    @Option(names = "--retry-jitter-factor", defaultValue = "0.2",
            description = "Each delay is scaled by a random factor in [1-j, 1+j].")
    double retryJitterFactor;

    @Option(names = "--disable-retries", defaultValue = "false", description = "One attempt per request.")
    boolean disableRetries;

    @Option(names = "--worker-startup-timeout-secs", defaultValue = "1800",
            description = "How long a worker that never answered its health check is retried before it is Failed.")
    long workerStartupTimeoutSecs;

    @Option(names = "--remove-unhealthy-workers", defaultValue = "false",
            description = "Remove Failed workers from the registry.")
    boolean removeUnhealthyWorkers;

    @Option(names = "--drain-settle-secs", defaultValue = "5",
            description = "Seconds a removed worker stays Draining (listed, no new traffic) before it is dropped.")
    long drainSettleSecs;

    @Option(names = "--health-check-port",
            description = "Serve /liveness, /readiness and /health on this port too, on a listener of its own.")
    Integer healthCheckPort;

    @Option(names = "--connect-timeout-secs", defaultValue = "10",
            description = "Drover only: TCP connect timeout toward workers.")
    long connectTimeoutSecs;

    @Option(names = "--first-byte-timeout-secs", defaultValue = "0",
            description = "Drover only: longest wait for a worker's first response byte (0 = only "
                    + "--request-timeout-secs); a request that times out before anything reached the client is retried.")
    double firstByteTimeoutSecs;

    @Option(names = "--stream-idle-timeout-secs", defaultValue = "0",
            description = "Drover only: longest silence between two chunks of a worker's response (0 = no limit).")
    double streamIdleTimeoutSecs;

    @Option(names = "--service-discovery", defaultValue = "false",
            description = "Discover workers among Kubernetes pods (Running and Ready) matching --selector.")
    boolean serviceDiscovery;

    @Option(names = "--selector", arity = "1..*", paramLabel = "KEY=VALUE",
            description = "Pod labels a discovered worker must carry.")
    java.util.List<String> selector = new java.util.ArrayList<>();

    @Option(names = "--service-discovery-namespace", description = "Namespace to watch (default: all).")
    String serviceDiscoveryNamespace;

    @Option(names = "--service-discovery-port", defaultValue = "80",
            description = "Worker port of a pod without the smg.ai/worker-ports annotation.")
    int serviceDiscoveryPort;

    /** Validates the options and builds the settings; {@code cli} names the command in errors. */
    public ResilienceSettings toSettings(CommandLine cli) {
        if (cbFailureThreshold < 1 || cbSuccessThreshold < 1) {
            throw bad(cli, "--cb-failure-threshold and --cb-success-threshold must be at least 1");
        }
        if (cbTimeoutSecs < 1 || cbWindowSecs < 1) {
            throw bad(cli, "--cb-timeout-duration-secs and --cb-window-duration-secs must be at least 1");
        }
        if (retryMaxRetries < 1) {
            throw bad(cli, "--retry-max-retries must be at least 1 (it counts the first attempt)");
        }
        if (retryInitialBackoffMs < 0 || retryMaxBackoffMs < retryInitialBackoffMs) {
            throw bad(cli, "--retry-initial-backoff-ms must be 0 or more and at most --retry-max-backoff-ms");
        }
        if (retryBackoffMultiplier < 1.0) {
            throw bad(cli, "--retry-backoff-multiplier must be at least 1.0");
        }
        if (retryJitterFactor < 0 || retryJitterFactor > 1) {
            throw bad(cli, "--retry-jitter-factor must be between 0 and 1");
        }
        if (workerStartupTimeoutSecs < 1 || drainSettleSecs < 0 || connectTimeoutSecs < 1) {
            throw bad(cli, "--worker-startup-timeout-secs and --connect-timeout-secs must be at least 1,"
                    + " --drain-settle-secs 0 or more");
        }
        if (firstByteTimeoutSecs < 0 || streamIdleTimeoutSecs < 0) {
            throw bad(cli, "--first-byte-timeout-secs and --stream-idle-timeout-secs must be 0 or more");
        }
        if (healthCheckPort != null && (healthCheckPort < 0 || healthCheckPort > 65535)) {
            throw bad(cli, "--health-check-port must be between 0 and 65535, got " + healthCheckPort);
        }
        java.util.Map<String, String> labels = new java.util.LinkedHashMap<>();
        for (String kv : selector) {
            int eq = kv.indexOf('=');
            if (eq <= 0 || eq == kv.length() - 1) {
                throw bad(cli, "--selector expects KEY=VALUE, got '" + kv + "'");
            }
            labels.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
        }
        if (serviceDiscoveryPort < 1 || serviceDiscoveryPort > 65535) {
            throw bad(cli, "--service-discovery-port must be between 1 and 65535");
        }
        var discovery = new ResilienceSettings.Discovery(serviceDiscovery, labels, serviceDiscoveryNamespace,
                serviceDiscoveryPort);
        return new ResilienceSettings(
                new ResilienceSettings.Breaker(cbFailureThreshold, cbSuccessThreshold, Duration.ofSeconds(cbTimeoutSecs),
                        Duration.ofSeconds(cbWindowSecs), disableCircuitBreaker),
                new ResilienceSettings.Retry(retryMaxRetries, retryInitialBackoffMs, retryMaxBackoffMs,
                        retryBackoffMultiplier, retryJitterFactor, disableRetries),
                Duration.ofSeconds(connectTimeoutSecs), millis(firstByteTimeoutSecs), millis(streamIdleTimeoutSecs),
                Duration.ofSeconds(workerStartupTimeoutSecs), removeUnhealthyWorkers, Duration.ofSeconds(drainSettleSecs),
                healthCheckPort == null ? -1 : healthCheckPort, discovery);
    }

    private static Duration millis(double secs) {
        return Duration.ofMillis(Math.round(secs * 1000));
    }

    private static CommandLine.ParameterException bad(CommandLine cli, String message) {
        return new CommandLine.ParameterException(cli, message);
    }
}
