package io.drover.observability;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Collection;
import java.util.function.Supplier;

/**
 * SMG's circuit-breaker, retry and discovery metrics ({@code smg_worker_cb_*},
 * {@code smg_worker_retries_*}, {@code smg_worker_retry_backoff_seconds}, {@code smg_discovery_*}),
 * registered in the gateway's registry. Thread-safe:
 * transitions are counted on the policy thread, outcomes and retries on request threads; the
 * gauges sample volatile breaker fields at scrape time.
 */
public final class ResilienceMetrics {
    private static final double[] BACKOFF_BUCKETS = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

    private final PrometheusRegistry registry;
    private final Counter transitions;
    private final Counter outcomes;
    private final Counter retries;
    private final Counter exhausted;
    private final Histogram backoff;
    private final Counter discoveryRegistrations;
    private final Counter discoveryDeregistrations;
    private final Histogram discoverySync;
    private final io.prometheus.metrics.core.metrics.Gauge discovered;

    /**
     * One worker's breaker, sampled at scrape time.
     *
     * @param url       worker URL (the {@code worker} label)
     * @param state     0 closed, 1 open, 2 half-open
     * @param failures  consecutive failures
     * @param successes consecutive successes
     */
    public record BreakerSample(String url, int state, int failures, int successes) {}

    public ResilienceMetrics(PrometheusRegistry registry) {
        this.registry = registry;
        transitions = Counter.builder().name("smg_worker_cb_transitions_total")
                .help("Circuit breaker state transitions by worker, from and to").labelNames("worker", "from", "to")
                .register(registry);
        outcomes = Counter.builder().name("smg_worker_cb_outcomes_total")
                .help("Request outcomes recorded by the circuit breaker by worker and outcome")
                .labelNames("worker", "outcome").register(registry);
        retries = Counter.builder().name("smg_worker_retries_total")
                .help("Retries by the worker that failed and the retry number (1 = first retry)")
                .labelNames("worker", "attempt").register(registry);
        exhausted = Counter.builder().name("smg_worker_retries_exhausted_total")
                .help("Requests whose attempts were all used up, by the last worker tried").labelNames("worker")
                .register(registry);
        backoff = Histogram.builder().name("smg_worker_retry_backoff_seconds")
                .help("Delay before a retry by the worker that failed").classicOnly()
                .classicUpperBounds(BACKOFF_BUCKETS).labelNames("worker").register(registry);
        discoveryRegistrations = Counter.builder().name("smg_discovery_registrations_total")
                .help("Workers registered by service discovery by source and result").labelNames("source", "result")
                .register(registry);
        discoveryDeregistrations = Counter.builder().name("smg_discovery_deregistrations_total")
                .help("Workers removed by service discovery by source and reason").labelNames("source", "reason")
                .register(registry);
        discoverySync = Histogram.builder().name("smg_discovery_sync_duration_seconds")
                .help("Duration of one service-discovery reconciliation by source").classicOnly()
                .classicUpperBounds(BACKOFF_BUCKETS).labelNames("source").register(registry);
        discovered = io.prometheus.metrics.core.metrics.Gauge.builder().name("smg_discovery_workers_discovered")
                .help("Workers currently registered by service discovery by source").labelNames("source")
                .register(registry);
    }

    /** Service discovery registered a worker ({@code result} success or duplicate). */
    public void discoveryRegistered(String source, String result) {
        discoveryRegistrations.labelValues(source, result).inc();
    }

    /** Service discovery removed a worker for {@code reason}. */
    public void discoveryDeregistered(String source, String reason) {
        discoveryDeregistrations.labelValues(source, reason).inc();
    }

    /** One reconciliation took {@code nanos} and left {@code workers} discovered workers. */
    public void discoverySynced(String source, long nanos, int workers) {
        discoverySync.labelValues(source).observe(nanos / 1e9);
        discovered.labelValues(source).set(workers);
    }

    /** Registers the breaker gauges, sampled from {@code breakers} at each scrape. */
    public void bindBreakers(Supplier<Collection<BreakerSample>> breakers) {
        GaugeWithCallback.builder().name("smg_worker_cb_state")
                .help("Circuit breaker state per worker (0=closed, 1=open, 2=half-open)").labelNames("worker")
                .callback(cb -> breakers.get().forEach(b -> cb.call(b.state(), b.url()))).register(registry);
        GaugeWithCallback.builder().name("smg_worker_cb_consecutive_failures")
                .help("Consecutive failures per worker").labelNames("worker")
                .callback(cb -> breakers.get().forEach(b -> cb.call(b.failures(), b.url()))).register(registry);
        GaugeWithCallback.builder().name("smg_worker_cb_consecutive_successes")
                .help("Consecutive successes per worker").labelNames("worker")
                .callback(cb -> breakers.get().forEach(b -> cb.call(b.successes(), b.url()))).register(registry);
    }

    /** A breaker changed state (policy thread). */
    public void transition(String worker, String from, String to) {
        transitions.labelValues(worker, from, to).inc();
    }

    /** A request's outcome was handed to the breaker: success or failure (request thread). */
    public void outcome(String worker, String outcome) {
        outcomes.labelValues(worker, outcome).inc();
    }

    /** A request is retried after failing on {@code worker}; {@code attempt} is the retry number, from 1. */
    public void retry(String worker, int attempt, long backoffNanos) {
        retries.labelValues(worker, Integer.toString(attempt)).inc();
        backoff.labelValues(worker).observe(backoffNanos / 1e9);
    }

    /** A request used all its attempts; {@code worker} was the last tried. */
    public void exhausted(String worker) {
        exhausted.labelValues(worker).inc();
    }
}
