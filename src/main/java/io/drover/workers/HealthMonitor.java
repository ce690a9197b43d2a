package io.drover.workers;

import com.fasterxml.jackson.jr.ob.JSON;
import io.drover.config.GatewayConfig.HealthSettings;
import io.drover.observability.Metrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Probes workers and moves them between Pending, Ready, NotReady and Failed, as SMG's registration
 * workflow and health checker do: a newly registered worker is probed at once and becomes Ready on
 * its first good probe (with its models discovered from {@code /v1/models}); afterwards probes every
 * {@code interval} take it out after {@code failureThreshold} consecutive failures and bring it back
 * after {@code successThreshold} consecutive successes. A NotReady worker that fails
 * {@code 3 x failureThreshold} probes in a row is Failed. A Pending worker is re-probed with a
 * short, growing back-off (capped at the interval) so that a worker still starting up joins as soon
 * as it answers; it is Failed once it has failed {@code 10 x failureThreshold} probes <em>and</em>
 * {@code --worker-startup-timeout-secs} has passed since it was registered. Failed is terminal;
 * with {@code --remove-unhealthy-workers} a Failed worker is removed (drained). A worker spec's
 * {@code health} object overrides the settings for that worker.
 *
 * <p>Threading: one platform "ticker" thread decides which probes are due; every probe runs on its
 * own virtual thread, so a slow worker never delays another. At most one probe per worker runs at a
 * time, so a worker's streak counters have a single writer.
 */
public final class HealthMonitor implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(HealthMonitor.class.getName());
    private static final long TICK_MS = 100;
    private static final long FIRST_RETRY_MS = 250;

    private final WorkerRegistry registry;
    private final WorkerClient client;
    private final HealthSettings settings;
    private final Duration startupTimeout;
    private final boolean removeFailed;
    private final boolean dpAware;
    private final MetadataDiscovery metadata;
    private final Metrics metrics;
    private final Map<String, ProbeState> states = new ConcurrentHashMap<>();
    private final ScheduledExecutorService ticker;

    private static final class ProbeState {
        volatile boolean running;
        volatile long nextAtNanos;
    }

    public HealthMonitor(WorkerRegistry registry, WorkerClient client, HealthSettings settings, Metrics metrics) {
        this(registry, client, settings, Duration.ofSeconds(1800), false, false, metrics);
    }

    /**
     * @param startupTimeout  how long a Pending worker is re-probed before it may be Failed
     * @param removeFailed    remove Failed workers ({@code --remove-unhealthy-workers})
     * @param dpAware         split each worker into one logical worker per data-parallel rank
     *                        ({@code --dp-aware}), as reported by its {@code dp_size}
     */
    public HealthMonitor(WorkerRegistry registry, WorkerClient client, HealthSettings settings,
                         Duration startupTimeout, boolean removeFailed, boolean dpAware, Metrics metrics) {
        this.dpAware = dpAware;
        this.metadata = new MetadataDiscovery(client);
        this.registry = registry;
        this.client = client;
        this.settings = settings;
        this.startupTimeout = startupTimeout;
        this.removeFailed = removeFailed;
        this.metrics = metrics;
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "drover-health-ticker");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts periodic probing. */
    public void start() {
        ticker.scheduleWithFixedDelay(this::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
    }

    /** Probes {@code w} now (called when it is registered); it becomes Ready on success. */
    public void probeNow(Worker w) {
        ProbeState s = states.computeIfAbsent(w.id(), k -> new ProbeState());
        s.nextAtNanos = System.nanoTime();
        launchIfIdle(w, s);
    }

    private void tick() {
        try {
            long now = System.nanoTime();
            List<Worker> all = registry.all();
            if (states.size() > all.size()) {
                var live = new java.util.HashSet<String>();
                all.forEach(w -> live.add(w.id()));
                states.keySet().retainAll(live);
            }
            for (Worker w : all) {
                ProbeState s = states.computeIfAbsent(w.id(), k -> {
                    ProbeState n = new ProbeState();
                    n.nextAtNanos = now;
                    return n;
                });
                if (!s.running && now - s.nextAtNanos >= 0) {
                    launchIfIdle(w, s);
                }
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "health tick failed", e);
        }
    }

    private void launchIfIdle(Worker w, ProbeState s) {
        synchronized (s) {
            if (s.running) {
                return;
            }
            s.running = true;
        }
        Thread.ofVirtual().name("drover-probe-", 0).start(() -> {
            try {
                probe(w, s);
            } finally {
                s.running = false;
            }
        });
    }

    private void probe(Worker w, ProbeState s) {
        WorkerStatus before = w.status();
        HealthSettings settings = w.spec().health().apply(this.settings);
        if (before == WorkerStatus.DRAINING || before == WorkerStatus.FAILED) {
            s.nextAtNanos = System.nanoTime() + settings.interval().toNanos();
            return;
        }
        boolean pending = before == WorkerStatus.PENDING;
        if (settings.disabled() && !pending) {
            s.nextAtNanos = Long.MAX_VALUE / 2 + System.nanoTime();
            return;
        }
        String error = check(w, settings);
        w.lastProbeNanos(System.nanoTime());
        boolean ok = error == null;
        metrics.healthCheck(w.spec().workerType(), ok);
        w.lastError(error);
        if (ok) {
            w.consecutiveSuccesses++;
            w.consecutiveFailures = 0;
        } else {
            w.consecutiveFailures++;
            w.consecutiveSuccesses = 0;
        }
        WorkerStatus next = before;
        switch (before) {
            case PENDING -> {
                if (ok || settings.disabled()) {
                    discover(w, settings);
                    next = WorkerStatus.READY;
                    if (dpAware && w.dpRank() < 0) {
                        int dp = MetadataDiscovery.dpSize(w);
                        if (dp < 1) {
                            w.lastError("--dp-aware: the worker reported no dp_size in /get_server_info");
                            next = WorkerStatus.FAILED;
                        } else {
                            registry.splitIntoRanks(w, dp).forEach(this::probeNow);
                            return; // the ranks replace the worker and are probed on their own
                        }
                    }
                } else {
                    w.pendingProbes++;
                    if (w.pendingProbes >= 10L * settings.failureThreshold()
                            && System.nanoTime() - w.registeredNanos() >= startupTimeout.toNanos()) {
                        next = WorkerStatus.FAILED;
                    }
                }
            }
            case READY -> {
                if (!ok && w.consecutiveFailures >= settings.failureThreshold()) {
                    next = WorkerStatus.NOT_READY;
                }
            }
            case NOT_READY -> {
                if (ok && w.consecutiveSuccesses >= settings.successThreshold()) {
                    next = WorkerStatus.READY;
                } else if (!ok && w.consecutiveFailures >= 3L * settings.failureThreshold()) {
                    next = WorkerStatus.FAILED;
                }
            }
            default -> { }
        }
        if (next != before) {
            registry.changed(w, next);
            WorkerStatus now = next;
            LOG.info(() -> "worker " + w.url() + ": " + before.wireName() + " -> " + now.wireName()
                    + (error == null ? "" : " (" + error + ")"));
            if (next == WorkerStatus.FAILED && removeFailed) {
                LOG.info(() -> "worker " + w.url() + " failed: removing it (--remove-unhealthy-workers)");
                registry.remove(w);
            }
        }
        long delay;
        if (next == WorkerStatus.PENDING) {
            delay = Math.min(settings.interval().toMillis(), FIRST_RETRY_MS << Math.min(w.pendingProbes, 8));
        } else if (settings.disabled()) {
            delay = Long.MAX_VALUE / 4;
        } else {
            delay = settings.interval().toMillis();
        }
        s.nextAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delay);
    }

    /** One probe: null when healthy, else why not. */
    private String check(Worker w, HealthSettings settings) {
        try {
            WorkerClient.Small r = client.get(w, settings.endpoint(), settings.timeout());
            return r.status() / 100 == 2 ? null : "health check answered HTTP " + r.status();
        } catch (java.net.SocketTimeoutException e) {
            return "health check timed out after " + settings.timeout().toSeconds() + "s";
        } catch (java.net.ConnectException e) {
            return "connection refused";
        } catch (Exception e) {
            return "unreachable: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage());
        }
    }

    /** Learns what the worker reports about itself; with --dp-aware, splits it into its ranks. */
    private void discover(Worker w, HealthSettings settings) {
        metadata.discover(w, settings.timeout());
        registry.metadataChanged(w);
    }

    /** The probe interval in use. */
    public Duration interval() {
        return settings.interval();
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }
}
