package io.drover.config;

import java.time.Duration;

/**
 * Failure-handling settings: per-worker circuit breaker, retries, upstream timeouts beyond the
 * whole-request one, worker lifecycle (startup timeout, removal of failed workers, drain settle)
 * and the separate health-check listener. Immutable; built by {@link ResilienceOptions} on the
 * main thread, read from any thread.
 *
 * @param breaker              circuit-breaker settings
 * @param retry                retry settings
 * @param connectTimeout       TCP connect timeout toward workers
 * @param firstByteTimeout     longest wait for a worker's first response byte; zero = only the request timeout
 * @param streamIdleTimeout    longest gap between two chunks of a worker's body; zero = no limit
 * @param workerStartupTimeout how long a Pending worker is re-probed before it is Failed
 * @param removeUnhealthy      remove Failed workers from the registry
 * @param drainSettle          how long a removed worker stays listed as Draining
 * @param healthCheckPort      port of the separate health listener; -1 = none
 * @param discovery            Kubernetes service discovery
 */
public record ResilienceSettings(Breaker breaker, Retry retry, Duration connectTimeout, Duration firstByteTimeout,
                                 Duration streamIdleTimeout, Duration workerStartupTimeout, boolean removeUnhealthy,
                                 Duration drainSettle, int healthCheckPort, Discovery discovery) {

    /** SMG's defaults (and Drover's for its extensions: connect 10 s, no first-byte or idle limit). */
    public static ResilienceSettings defaults() {
        return new ResilienceSettings(Breaker.defaults(), Retry.defaults(), Duration.ofSeconds(10), Duration.ZERO,
                Duration.ZERO, Duration.ofSeconds(1800), false, Duration.ofSeconds(5), -1, Discovery.off());
    }

    /** A copy with another breaker. */
    public ResilienceSettings withBreaker(Breaker b) {
        return new ResilienceSettings(b, retry, connectTimeout, firstByteTimeout, streamIdleTimeout,
                workerStartupTimeout, removeUnhealthy, drainSettle, healthCheckPort, discovery);
    }

    /** A copy with other retries. */
    public ResilienceSettings withRetry(Retry r) {
        return new ResilienceSettings(breaker, r, connectTimeout, firstByteTimeout, streamIdleTimeout,
                workerStartupTimeout, removeUnhealthy, drainSettle, healthCheckPort, discovery);
    }

    /** A copy with other upstream timeouts. */
    public ResilienceSettings withTimeouts(Duration connect, Duration firstByte, Duration idle) {
        return new ResilienceSettings(breaker, retry, connect, firstByte, idle, workerStartupTimeout,
                removeUnhealthy, drainSettle, healthCheckPort, discovery);
    }

    /** A copy with other lifecycle settings. */
    public ResilienceSettings withLifecycle(Duration startupTimeout, boolean remove, Duration settle, int hcPort) {
        return new ResilienceSettings(breaker, retry, connectTimeout, firstByteTimeout, streamIdleTimeout,
                startupTimeout, remove, settle, hcPort, discovery);
    }

    /** A copy with other discovery settings. */
    public ResilienceSettings withDiscovery(Discovery d) {
        return new ResilienceSettings(breaker, retry, connectTimeout, firstByteTimeout, streamIdleTimeout,
                workerStartupTimeout, removeUnhealthy, drainSettle, healthCheckPort, d);
    }

    /**
     * Kubernetes service discovery (SMG's flags): pods matching {@code selector} become workers at
     * {@code http://podIP:port} for each port of their {@code smg.ai/worker-ports} annotation, else
     * {@code port}, while they are Running and Ready.
     *
     * @param enabled   {@code --service-discovery}
     * @param selector  {@code --selector k=v ...} labels a pod must carry
     * @param namespace {@code --service-discovery-namespace}, or null for every namespace
     * @param port      {@code --service-discovery-port}
     */
    public record Discovery(boolean enabled, java.util.Map<String, String> selector, String namespace, int port) {
        public Discovery {
            selector = java.util.Map.copyOf(selector);
        }

        public static Discovery off() {
            return new Discovery(false, java.util.Map.of(), null, 80);
        }
    }

    /**
     * Circuit-breaker settings (SMG's CLI defaults).
     *
     * @param failureThreshold consecutive failures that open a closed breaker
     * @param successThreshold consecutive successes that close a half-open breaker; also the number
     *                         of probe requests a half-open breaker lets through at once
     * @param timeout          how long a breaker stays open before it lets probes through
     * @param window           a failure streak whose first failure is older than this starts over
     * @param disabled         no breaker: every Ready worker is a candidate
     */
    public record Breaker(int failureThreshold, int successThreshold, Duration timeout, Duration window,
                          boolean disabled) {
        public static Breaker defaults() {
            return new Breaker(10, 3, Duration.ofSeconds(60), Duration.ofSeconds(120), false);
        }
    }

    /**
     * Retry settings (SMG's CLI defaults).
     *
     * @param maxAttempts     attempts in total, including the first (SMG's {@code --retry-max-retries})
     * @param initialBackoffMs delay before the second attempt
     * @param maxBackoffMs    largest delay
     * @param multiplier      growth of the delay per attempt
     * @param jitter          the delay is scaled by a uniform factor in {@code [1-jitter, 1+jitter]}
     * @param disabled        one attempt only
     */
    public record Retry(int maxAttempts, long initialBackoffMs, long maxBackoffMs, double multiplier, double jitter,
                        boolean disabled) {
        public static Retry defaults() {
            return new Retry(5, 50, 30_000, 1.5, 0.2, false);
        }

        /** A copy with retries off. */
        public Retry withDisabled() {
            return new Retry(maxAttempts, initialBackoffMs, maxBackoffMs, multiplier, jitter, true);
        }

        /** Attempts allowed in total (1 when disabled). */
        public int attempts() {
            return disabled ? 1 : Math.max(1, maxAttempts);
        }

        /**
         * The delay after {@code failed} attempts have failed (1 for the first retry), in
         * nanoseconds: {@code min(initial * multiplier^(failed-1), max)} scaled by the jitter;
         * {@code uniform} is a random number in [0, 1).
         */
        public long backoffNanos(int failed, double uniform) {
            double base = Math.min(initialBackoffMs * Math.pow(multiplier, Math.max(0, failed - 1)), maxBackoffMs);
            double factor = jitter <= 0 ? 1.0 : 1.0 + (uniform * 2 - 1) * jitter;
            return (long) (Math.max(0, base * factor) * 1_000_000L);
        }
    }
}
