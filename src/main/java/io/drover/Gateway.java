package io.drover;

import io.drover.config.GatewayConfig;
import io.drover.egress.ResponseRelay;
import io.drover.egress.StreamWatchdog;
import io.drover.ingress.HealthPortServer;
import io.drover.ingress.HealthRoutes;
import io.drover.ingress.HttpApi;
import io.drover.ingress.InferenceRoutes;
import io.drover.ingress.InfoRoutes;
import io.drover.ingress.ServingState;
import io.drover.ingress.WorkerRoutes;
import io.drover.observability.Metrics;
import io.drover.observability.MetricsServer;
import io.drover.config.RoutingSettings;
import io.drover.observability.ResilienceMetrics;
import io.drover.routing.Policies;
import io.drover.routing.prefix.BlockHashes;
import io.drover.routing.prefix.ChroniclePrefixIndex;
import io.drover.workers.LoadMonitor;
import io.drover.routing.RoutingEngine;
import io.drover.workers.HealthMonitor;
import io.drover.workers.KubernetesDiscovery;
import io.drover.workers.Worker;
import io.drover.workers.WorkerClient;
import io.drover.workers.WorkerRegistry;
import io.drover.workers.WorkerSpec;
import io.helidon.webserver.WebServer;
import java.io.IOException;
import java.time.Duration;
import java.util.logging.Logger;

/**
 * One running gateway: the Helidon data-plane server, the routing engine and its policy thread,
 * the worker registry with its health monitor, and the metrics listener. {@link #start} wires them
 * and registers the configured workers; {@link #shutdown} drains. Used by {@link Main} and by tests
 * (which start several on ephemeral ports).
 */
public final class Gateway implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Gateway.class.getName());

    private final GatewayConfig config;
    private final WorkerRegistry registry;
    private final RoutingEngine engine;
    private final WorkerClient client;
    private final HealthMonitor health;
    private final StreamWatchdog watchdog;
    private final ServingState state;
    private final Metrics metrics;
    private final ResilienceMetrics resilienceMetrics;
    private final WorkerRoutes workerRoutes;
    private final ChroniclePrefixIndex index;
    private final LoadMonitor loads;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private WebServer server;
    private MetricsServer metricsServer;
    private HealthPortServer healthPort;
    private io.fabric8.kubernetes.client.KubernetesClient kubernetes;
    private KubernetesDiscovery discovery;

    private Gateway(GatewayConfig config) {
        this.config = config;
        this.metrics = new Metrics();
        this.resilienceMetrics = new ResilienceMetrics(metrics.registry());
        this.registry = new WorkerRegistry(config.resilience().drainSettle());
        this.index = config.policy().equals("cache_aware") ? openIndex(config.routing()) : null;
        this.engine = new RoutingEngine(Policies.factory(config.policy(), config.routing(), index),
                config.routing().evictionInterval(), config.resilience().breaker(), (w, from, to) -> {
                    resilienceMetrics.transition(w.url(), from.wireName(), to.wireName());
                    LOG.info(() -> "worker " + w.url() + ": circuit breaker " + from.wireName() + " -> "
                            + to.wireName());
                });
        this.client = new WorkerClient(config.resilience().connectTimeout(), config.requestTimeout(),
                config.health().timeout(), config.apiKey());
        this.health = new HealthMonitor(registry, client, config.health(), config.resilience().workerStartupTimeout(),
                config.resilience().removeUnhealthy(), config.routing().dpAware(), metrics);
        this.loads = switch (config.policy()) {
            case "power_of_two", "least_load", "cache_aware" ->
                    new LoadMonitor(registry, client, config.routing().loadMonitorInterval());
            default -> null;
        };
        this.watchdog = new StreamWatchdog();
        this.state = new ServingState();
        this.workerRoutes = new WorkerRoutes(registry, health);
    }

    private static ChroniclePrefixIndex openIndex(RoutingSettings r) {
        try {
            long perModel = r.maxBlocksPerModel();
            return ChroniclePrefixIndex.open(r.prefixIndexPath(), perModel + perModel / 4, perModel, r.evictionInterval());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot open the prefix index " + r.prefixIndexPath() + ": "
                    + e.getMessage(), e);
        }
    }

    /** Starts a gateway; throws {@link IOException} when a port cannot be bound. */
    public static Gateway start(GatewayConfig config) throws IOException {
        Gateway g = new Gateway(config);
        try {
            g.startAll();
        } catch (IOException | RuntimeException e) {
            g.close();
            throw e;
        }
        return g;
    }

    private void startAll() throws IOException {
        engine.start();
        registry.addListener(engine::workersChanged);
        if (index != null) {
            registry.addRemovalListener(w -> index.removeWorker(BlockHashes.key(w.url())));
            metrics.bindPrefixIndex(index::size, index::evictedBlocks, index::droppedInserts);
        }
        metrics.bindWorkers(() -> registry.all().stream()
                .map(w -> new Metrics.WorkerSample(w.url(), w.spec().workerType(), w.models(), w.inFlight(),
                        w.isReady()))
                .toList());
        resilienceMetrics.bindBreakers(() -> registry.all().stream()
                .map(w -> new ResilienceMetrics.BreakerSample(w.url(), w.breaker().state().gauge(),
                        w.breaker().consecutiveFailures(), w.breaker().consecutiveSuccesses()))
                .toList());
        var inference = new InferenceRoutes(config, engine, client, new ResponseRelay(watchdog), metrics,
                resilienceMetrics, state);
        var info = new InfoRoutes(registry, engine, client, config.modelAliases(), w -> {
            if (index != null) {
                index.removeWorker(BlockHashes.key(w.url()));
            }
        });
        var healthRoutes = new HealthRoutes(registry, state);
        var api = new HttpApi(inference, info, healthRoutes, workerRoutes, metrics, config.corsAllowedOrigins(),
                new io.drover.ingress.RequestIds(config.requestIdHeaders()));
        server = WebServer.builder()
                .host(config.host())
                .port(config.port())
                .shutdownHook(false)
                .connectionOptions(o -> o.tcpNoDelay(true)) // small SSE events must not wait for delayed ACKs
                .routing(api::register)
                .build()
                .start();
        if (server.port() <= 0) {
            throw new IOException("cannot listen on " + config.host() + ":" + config.port()
                    + " (port in use or not permitted)");
        }
        if (config.prometheusPort() >= 0) {
            try {
                metricsServer = MetricsServer.start(metrics, config.prometheusHost(), config.prometheusPort());
            } catch (IOException e) {
                throw new IOException("cannot listen for metrics on " + config.prometheusHost() + ":"
                        + config.prometheusPort() + ": " + e.getMessage(), e);
            }
        }
        if (config.resilience().healthCheckPort() >= 0) {
            try {
                healthPort = HealthPortServer.start(config.host(), config.resilience().healthCheckPort(), healthRoutes);
            } catch (IOException e) {
                throw new IOException("cannot listen for health checks on " + config.host() + ":"
                        + config.resilience().healthCheckPort() + ": " + e.getMessage(), e);
            }
        }
        health.start();
        if (loads != null) {
            loads.start();
        }
        workerRoutes.ownPort(server.port());
        for (String url : config.workerUrls()) {
            try {
                workerRoutes.register(WorkerSpec.of(url));
            } catch (WorkerRegistry.DuplicateWorkerException e) {
                LOG.warning("--worker-urls lists " + url + " twice");
            } catch (IllegalArgumentException e) {
                LOG.severe("--worker-urls: " + e.getMessage() + "; not registered");
            }
        }
        if (config.resilience().discovery().enabled()) {
            kubernetes = new io.fabric8.kubernetes.client.KubernetesClientBuilder().build();
            discovery = new KubernetesDiscovery(kubernetes, config.resilience().discovery(), registry, health::probeNow,
                    resilienceMetrics).start();
        }
    }

    /** The data-plane port. */
    public int port() {
        return server.port();
    }

    /** The {@code --health-check-port} listener's port, or -1 when off. */
    public int healthPort() {
        return healthPort == null ? -1 : healthPort.port();
    }

    /** The metrics port, or -1 when off. */
    public int metricsPort() {
        return metricsServer == null ? -1 : metricsServer.port();
    }

    /** The worker registry. */
    public WorkerRegistry registry() {
        return registry;
    }

    /** Registers a worker as {@code POST /workers} does (tests, embedding). */
    public Worker addWorker(WorkerSpec spec) {
        return workerRoutes.register(spec);
    }

    /** Waits until {@code n} workers are Ready, up to {@code timeout}; true when they are. */
    public boolean awaitReady(int n, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (registry.readyCount() < n) {
            if (System.nanoTime() - end >= 0) {
                return false;
            }
            Thread.sleep(10);
        }
        // let the policy thread take in the last snapshot
        Thread.sleep(5);
        return true;
    }

    /** The serving state (draining, in-flight). */
    public ServingState state() {
        return state;
    }

    /**
     * Graceful shutdown: readiness turns 503 and new requests get 503 at once; in-flight requests
     * may finish within {@code grace}; then everything stops. Returns true when none was cut off.
     */
    public boolean shutdown(Duration grace) throws InterruptedException {
        state.drain();
        LOG.info("draining: " + state.inFlight() + " request(s) in flight, grace " + grace.toSeconds() + "s");
        boolean clean = state.awaitIdle(System.nanoTime() + grace.toNanos());
        if (!clean) {
            LOG.warning("grace period over with " + state.inFlight() + " request(s) still in flight");
        }
        close();
        return clean;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (server != null) {
            server.stop();
        }
        if (metricsServer != null) {
            metricsServer.close();
        }
        if (healthPort != null) {
            healthPort.close();
        }
        if (discovery != null) {
            discovery.close();
        }
        if (kubernetes != null) {
            kubernetes.close();
        }
        health.close();
        if (loads != null) {
            loads.close();
        }
        watchdog.close();
        engine.close();
        client.close();
        if (index != null) {
            index.close();
        }
    }
}
