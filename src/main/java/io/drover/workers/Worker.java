package io.drover.workers;

import java.util.List;
import java.util.Map;

/**
 * One registered inference worker: its identity and spec (replaced atomically on PUT/PATCH), its
 * health state, and its gateway-side load.
 *
 * <p>Threading: {@link #spec()} and {@link #status()} are read from any thread. The status is
 * written by the {@link HealthMonitor} (one probe of a worker at a time) and by the registry.
 * {@link #inFlight()} and {@link #processed()} are written <em>only by the routing policy thread</em>
 * through {@link LoadCounters}; other threads read them for metrics and listings.
 */
public final class Worker {
    private final String id;
    private final String url;
    private volatile WorkerSpec spec;
    private volatile WorkerStatus status = WorkerStatus.PENDING;
    private volatile List<String> discoveredModels = List.of();
    private volatile String runtime;
    private volatile String lastError;
    private volatile long lastProbeNanos;
    private final long registeredNanos = System.nanoTime();
    private volatile LoadSnapshot load;
    private volatile Map<String, Object> metadata = Map.of();
    private final String baseUrl;
    private final int dpRank;

    // health-probe streaks: touched only by the probe running for this worker
    int consecutiveFailures;
    int consecutiveSuccesses;
    int pendingProbes;

    // circuit breaker: mutated only by the policy thread
    private final CircuitBreaker breaker = new CircuitBreaker();

    // load: written only by the policy thread
    private volatile int inFlight;
    private volatile long processed;

    public Worker(String id, WorkerSpec spec) {
        this(id, spec, spec.url(), -1);
    }

    /**
     * A worker, or one data-parallel rank of a worker ({@code --dp-aware}): then its URL is
     * {@code base@rank} and requests go to {@code baseUrl} with {@code data_parallel_rank} set.
     */
    Worker(String id, WorkerSpec spec, String baseUrl, int dpRank) {
        this.id = id;
        this.url = spec.url();
        this.spec = spec;
        this.runtime = spec.runtimeType();
        this.baseUrl = baseUrl;
        this.dpRank = dpRank;
    }

    /** The address requests are sent to (the URL without a {@code @rank} suffix). */
    public String baseUrl() {
        return baseUrl;
    }

    /** The data-parallel rank this logical worker stands for, or -1. */
    public int dpRank() {
        return dpRank;
    }

    /** What the worker reported about itself at registration (server info), for listings. */
    public Map<String, Object> metadata() {
        return metadata;
    }

    void metadata(Map<String, Object> m) {
        this.metadata = Map.copyOf(m);
    }

    public String id() {
        return id;
    }

    public String url() {
        return url;
    }

    public WorkerSpec spec() {
        return spec;
    }

    void spec(WorkerSpec s) {
        this.spec = s;
        if (!"unspecified".equals(s.runtimeType())) {
            runtime = s.runtimeType();
        }
    }

    public WorkerStatus status() {
        return status;
    }

    void status(WorkerStatus s) {
        this.status = s;
    }

    /** True when the worker may receive traffic. */
    public boolean isReady() {
        return status == WorkerStatus.READY;
    }

    /** Models this worker serves: those of its spec, else those it listed at {@code /v1/models}. */
    public List<String> models() {
        List<String> m = spec.models();
        return m.isEmpty() ? discoveredModels : m;
    }

    /** True when the worker serves {@code model}; a worker that lists no model serves any. */
    public boolean serves(String model) {
        List<String> m = models();
        return m.isEmpty() || m.contains(model);
    }

    void discoveredModels(List<String> m) {
        this.discoveredModels = List.copyOf(m);
    }

    /** The runtime (sglang, vllm, ...) from the spec or detected at registration. */
    public String runtime() {
        return runtime;
    }

    void runtime(String r) {
        this.runtime = r;
    }

    /** Why the last probe or request failed, or null. */
    public String lastError() {
        return lastError;
    }

    void lastError(String e) {
        this.lastError = e;
    }

    long lastProbeNanos() {
        return lastProbeNanos;
    }

    void lastProbeNanos(long t) {
        this.lastProbeNanos = t;
    }

    /** The worker's circuit breaker (mutated by the policy thread only). */
    public CircuitBreaker breaker() {
        return breaker;
    }

    /** When this worker was registered ({@link System#nanoTime}). */
    long registeredNanos() {
        return registeredNanos;
    }

    /** The worker's last load report, or null when none was polled (or polling is off). */
    public LoadSnapshot load() {
        return load;
    }

    void load(LoadSnapshot l) {
        this.load = l;
    }

    /** Requests dispatched to this worker whose response has not ended yet. */
    public int inFlight() {
        return inFlight;
    }

    /** Requests ever dispatched to this worker. */
    public long processed() {
        return processed;
    }

    /**
     * Write access to a worker's load counters, handed only to the routing policy thread so that
     * the counters have a single writer.
     */
    public static final class LoadCounters {
        LoadCounters() {}

        /** Called on the policy thread when a request is dispatched to {@code w}. */
        public void dispatched(Worker w) {
            w.inFlight = w.inFlight + 1;
            w.processed = w.processed + 1;
        }

        /** Called on the policy thread when a request's response to {@code w} has ended. */
        public void released(Worker w) {
            int n = w.inFlight;
            w.inFlight = n > 0 ? n - 1 : 0;
        }
    }

    /** Creates the load-counter writer; the routing engine creates exactly one. */
    public static LoadCounters newLoadCounters() {
        return new LoadCounters();
    }

    @Override
    public String toString() {
        return "Worker[" + id + " " + url + " " + status + "]";
    }
}
