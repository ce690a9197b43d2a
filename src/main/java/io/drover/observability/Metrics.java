package io.drover.observability;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The gateway's Prometheus metrics, with SMG's {@code smg_*} names and label names so existing
 * dashboards keep working, plus the JVM's own metrics. Thread-safe; called from request threads,
 * the policy thread and probe threads. Exposed by {@link MetricsServer}.
 */
public final class Metrics {
    private static final double[] DURATION_BUCKETS = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
        5, 10, 15, 30, 45, 60, 90, 120, 180, 240};
    private static final String ROUTER_TYPE = "http_regular";
    private static final String CONNECTION_MODE = "http";

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter httpRequests;
    private final Histogram httpDuration;
    private final Counter httpResponses;
    private final Gauge httpConnections;
    private final Counter routerRequests;
    private final Histogram routerDuration;
    private final Counter routerErrors;
    private final Counter upstreamResponses;
    private final Histogram ttft;
    private final Counter workerSelection;
    private final Counter workerErrors;
    private final Counter healthChecks;

    /**
     * What the worker gauges report about one worker, sampled at scrape time.
     *
     * @param url         worker URL (the {@code worker} label)
     * @param workerType  regular, prefill, decode
     * @param models      models it serves (empty = any)
     * @param inFlight    requests in flight
     * @param healthy     Ready
     */
    public record WorkerSample(String url, String workerType, Collection<String> models, int inFlight,
                               boolean healthy) {}

    public Metrics() {
        httpRequests = Counter.builder().name("smg_http_requests_total")
                .help("Total HTTP requests by method and path").labelNames("method", "path").register(registry);
        httpDuration = Histogram.builder().name("smg_http_request_duration_seconds")
                .help("HTTP request duration by method and path").classicOnly().classicUpperBounds(DURATION_BUCKETS)
                .labelNames("method", "path").register(registry);
        httpResponses = Counter.builder().name("smg_http_responses_total")
                .help("Total HTTP responses by path, status_code and error_code")
                .labelNames("path", "status_code", "error_code").register(registry);
        httpConnections = Gauge.builder().name("smg_http_connections_active")
                .help("Currently active HTTP requests being served").register(registry);
        routerRequests = Counter.builder().name("smg_router_requests_total")
                .help("Total routed requests by router_type, backend_type, connection_mode, model, endpoint, streaming")
                .labelNames("router_type", "backend_type", "connection_mode", "model", "endpoint", "streaming")
                .register(registry);
        routerDuration = Histogram.builder().name("smg_router_request_duration_seconds")
                .help("Router request duration by router_type, backend_type, connection_mode, model, endpoint")
                .classicOnly().classicUpperBounds(DURATION_BUCKETS)
                .labelNames("router_type", "backend_type", "connection_mode", "model", "endpoint").register(registry);
        routerErrors = Counter.builder().name("smg_router_request_errors_total")
                .help("Router errors by router_type, backend_type, connection_mode, model, endpoint, error_type")
                .labelNames("router_type", "backend_type", "connection_mode", "model", "endpoint", "error_type")
                .register(registry);
        upstreamResponses = Counter.builder().name("smg_router_upstream_responses_total")
                .help("Upstream backend HTTP responses by router_type, status_code, error_code")
                .labelNames("router_type", "status_code", "error_code").register(registry);
        ttft = Histogram.builder().name("smg_router_ttft_seconds")
                .help("Time to first byte of the upstream body by router_type, backend_type, model, endpoint")
                .classicOnly().classicUpperBounds(DURATION_BUCKETS)
                .labelNames("router_type", "backend_type", "model", "endpoint").register(registry);
        workerSelection = Counter.builder().name("smg_worker_selection_total")
                .help("Worker selection events by worker_type, connection_mode, model, policy, worker")
                .labelNames("worker_type", "connection_mode", "model", "policy", "worker").register(registry);
        workerErrors = Counter.builder().name("smg_worker_errors_total")
                .help("Worker-level errors by worker_type, connection_mode, error_type, worker")
                .labelNames("worker_type", "connection_mode", "error_type", "worker").register(registry);
        healthChecks = Counter.builder().name("smg_worker_health_checks_total")
                .help("Health check results by worker_type and result")
                .labelNames("worker_type", "result").register(registry);
        JvmMetrics.builder().register(registry);
    }

    /** Registers the worker gauges, sampled from {@code workers} at each scrape. */
    public void bindWorkers(Supplier<Collection<WorkerSample>> workers) {
        GaugeWithCallback.builder().name("smg_worker_pool_size")
                .help("Current worker pool size by worker_type, connection_mode, model")
                .labelNames("worker_type", "connection_mode", "model")
                .callback(cb -> {
                    Map<String, Integer> counts = new HashMap<>();
                    for (WorkerSample w : workers.get()) {
                        if (w.models().isEmpty()) {
                            counts.merge(w.workerType() + "\u0000*", 1, Integer::sum);
                        }
                        for (String m : w.models()) {
                            counts.merge(w.workerType() + "\u0000" + m, 1, Integer::sum);
                        }
                    }
                    counts.forEach((k, n) -> {
                        int z = k.indexOf('\u0000');
                        cb.call(n, k.substring(0, z), CONNECTION_MODE, k.substring(z + 1));
                    });
                }).register(registry);
        GaugeWithCallback.builder().name("smg_worker_requests_active").help("Currently running requests per worker")
                .labelNames("worker").callback(cb -> {
                    for (WorkerSample w : workers.get()) {
                        cb.call(w.inFlight(), w.url());
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("smg_worker_health").help("Worker health status (1=healthy, 0=unhealthy)")
                .labelNames("worker").callback(cb -> {
                    for (WorkerSample w : workers.get()) {
                        cb.call(w.healthy() ? 1 : 0, w.url());
                    }
                }).register(registry);
    }

    /**
     * Registers the prefix index's gauges (Drover's own: SMG has no shared index): blocks held, and
     * the running totals of blocks evicted and of inserts shed because the index writer fell behind.
     */
    public void bindPrefixIndex(java.util.function.LongSupplier blocks, java.util.function.LongSupplier evicted,
                                java.util.function.LongSupplier dropped) {
        GaugeWithCallback.builder().name("drover_prefix_index_blocks").help("Blocks held by the prefix index")
                .callback(cb -> cb.call(blocks.getAsLong())).register(registry);
        io.prometheus.metrics.core.metrics.CounterWithCallback.builder().name("drover_prefix_index_evicted_blocks_total")
                .help("Prefix-index blocks removed by eviction or worker removal")
                .callback(cb -> cb.call(evicted.getAsLong())).register(registry);
        io.prometheus.metrics.core.metrics.CounterWithCallback.builder().name("drover_prefix_index_dropped_inserts_total")
                .help("Prefix-index inserts shed because the index writer fell behind")
                .callback(cb -> cb.call(dropped.getAsLong())).register(registry);
    }

    /** The registry the metrics server exposes. */
    public PrometheusRegistry registry() {
        return registry;
    }

    /** An HTTP request started (request thread). */
    public void httpStarted() {
        httpConnections.inc();
    }

    /** An HTTP request ended (request thread). */
    public void httpEnded(String method, String path, int status, String errorCode, long nanos) {
        httpConnections.dec();
        httpRequests.labelValues(method, path).inc();
        httpDuration.labelValues(method, path).observe(nanos / 1e9);
        httpResponses.labelValues(path, Integer.toString(status), errorCode == null ? "" : errorCode).inc();
    }

    /** A request was routed to a worker (request thread). */
    public void routed(String backend, String model, String endpoint, boolean streaming) {
        routerRequests.labelValues(ROUTER_TYPE, backend, CONNECTION_MODE, model, endpoint,
                streaming ? "true" : "false").inc();
    }

    /** A routed request finished, however it ended (request thread). */
    public void routedDone(String backend, String model, String endpoint, long nanos) {
        routerDuration.labelValues(ROUTER_TYPE, backend, CONNECTION_MODE, model, endpoint).observe(nanos / 1e9);
    }

    /** A routed request failed in the gateway (request thread). */
    public void routerError(String backend, String model, String endpoint, String errorType) {
        routerErrors.labelValues(ROUTER_TYPE, backend, CONNECTION_MODE, model, endpoint, errorType).inc();
    }

    /** A worker answered with {@code status} (request thread). */
    public void upstreamResponse(int status, String errorCode) {
        upstreamResponses.labelValues(ROUTER_TYPE, Integer.toString(status), errorCode == null ? "" : errorCode).inc();
    }

    /** The first body bytes of a worker's response arrived {@code nanos} after dispatch. */
    public void firstByte(String backend, String model, String endpoint, long nanos) {
        ttft.labelValues(ROUTER_TYPE, backend, model, endpoint).observe(nanos / 1e9);
    }

    /** A policy picked a worker (request thread, after the decision). */
    public void selected(String workerType, String model, String policy, String workerUrl) {
        workerSelection.labelValues(workerType, CONNECTION_MODE, model, policy, workerUrl).inc();
    }

    /** A request to a worker failed: connect, timeout, read, ... */
    public void workerError(String workerType, String errorType, String workerUrl) {
        workerErrors.labelValues(workerType, CONNECTION_MODE, errorType, workerUrl).inc();
    }

    /** A health probe finished (probe thread). */
    public void healthCheck(String workerType, boolean ok) {
        healthChecks.labelValues(workerType, ok ? "success" : "failure").inc();
    }
}
